/* keys.c - which argument of a command is its (first) key, so a command can
 * be routed by slot without asking the server (COMMAND GETKEYS costs a
 * round trip per command). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rc.h"

/* How to find the first key: at a fixed index, after a numkeys argument,
 * after a marker word, or none (keyless). */
enum { K_NONE, K_AT, K_NUMKEYS, K_STREAMS };

struct rule {
	const char *name;
	int kind;
	int arg;        /* K_AT: key index; K_NUMKEYS: index of numkeys */
};

/* Commands whose first key is not argv[1]; anything not listed has its key
 * at argv[1] unless it is in keyless[]. */
static const struct rule rules[] = {
	{ "EVAL", K_NUMKEYS, 2 }, { "EVALSHA", K_NUMKEYS, 2 },
	{ "EVAL_RO", K_NUMKEYS, 2 }, { "EVALSHA_RO", K_NUMKEYS, 2 },
	{ "FCALL", K_NUMKEYS, 2 }, { "FCALL_RO", K_NUMKEYS, 2 },
	{ "ZUNION", K_NUMKEYS, 1 }, { "ZINTER", K_NUMKEYS, 1 },
	{ "ZDIFF", K_NUMKEYS, 1 }, { "ZINTERCARD", K_NUMKEYS, 1 },
	{ "SINTERCARD", K_NUMKEYS, 1 }, { "LMPOP", K_NUMKEYS, 1 },
	{ "ZMPOP", K_NUMKEYS, 1 }, { "BLMPOP", K_NUMKEYS, 2 },
	{ "BZMPOP", K_NUMKEYS, 2 },
	{ "XREAD", K_STREAMS, 0 }, { "XREADGROUP", K_STREAMS, 0 },
	{ "BITOP", K_AT, 2 }, { "OBJECT", K_AT, 2 }, { "MEMORY", K_AT, 2 },
	{ "XINFO", K_AT, 2 }, { "XGROUP", K_AT, 2 }, { "MIGRATE", K_AT, 3 },
};

static const char *const keyless[] = {
	"ACL", "ASKING", "AUTH", "BGREWRITEAOF", "BGSAVE", "CLIENT", "CLUSTER",
	"COMMAND", "CONFIG", "DBSIZE", "DEBUG", "DISCARD", "ECHO", "EXEC",
	"FAILOVER", "FLUSHALL", "FLUSHDB", "FUNCTION", "HELLO", "INFO", "KEYS",
	"LASTSAVE", "LATENCY", "LOLWUT", "MODULE", "MONITOR", "MULTI", "PING",
	"PSUBSCRIBE", "PUBLISH", "PUBSUB", "PUNSUBSCRIBE", "QUIT", "RANDOMKEY",
	"READONLY", "READWRITE", "REPLICAOF", "RESET", "ROLE", "SAVE", "SCAN",
	"SCRIPT", "SELECT", "SHUTDOWN", "SLAVEOF", "SLOWLOG",
	"SUBSCRIBE", "SWAPDB", "SYNC", "PSYNC",
	"TIME", "UNSUBSCRIBE", "UNWATCH", "WAIT", "WAITAOF",
};

static int
eq(const char *a, size_t alen, const char *b)
{
	return strlen(b) == alen && strncasecmp(a, b, alen) == 0;
}

int
rc_command_slot(int argc, const char **argv, const size_t *argvlen)
{
	int k = rc_command_key(argc, argv, argvlen);

	return k < 0 ? -1 : (int)rc_keyslot(argv[k], argvlen[k]);
}

int
rc_command_key(int argc, const char **argv, const size_t *argvlen)
{
	size_t i;
	int k;

	if (argc < 1)
		return -1;
	for (i = 0; i < sizeof keyless / sizeof keyless[0]; i++)
		if (eq(argv[0], argvlen[0], keyless[i]))
			return -1;
	for (i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		const struct rule *r = &rules[i];
		if (!eq(argv[0], argvlen[0], r->name))
			continue;
		switch (r->kind) {
		case K_AT:
			/* MIGRATE host port "" db timeout ... KEYS k1: the first of KEYS. */
			if (r->arg == 3 && argc > 3 && argvlen[3] == 0) {
				for (k = 6; k < argc - 1; k++)
					if (eq(argv[k], argvlen[k], "KEYS"))
						return k + 1;
				return -1;
			}
			return argc > r->arg ? r->arg : -1;
		case K_NUMKEYS: {
			char num[24];
			long nk;
			if (argc <= r->arg || argvlen[r->arg] >= sizeof num)
				return -1;
			memcpy(num, argv[r->arg], argvlen[r->arg]);
			num[argvlen[r->arg]] = '\0';
			if (rc_parse_long(num, 0, 1L << 30, &nk) < 0 || nk == 0 ||
			    argc <= r->arg + 1)
				return -1;
			return r->arg + 1;
		}
		case K_STREAMS:
			for (k = 1; k < argc - 1; k++)
				if (eq(argv[k], argvlen[k], "STREAMS"))
					return k + 1;
			return -1;
		}
	}
	return argc > 1 ? 1 : -1;
}
