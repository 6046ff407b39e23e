/* Addresses, numbers, key positions of commands, the latency histogram. */
#include <string.h>

#include "rc.h"
#include "tap.h"

static void
addr(const char *s, const char *host, int port)
{
	struct rc_addr a;
	char buf[300];

	if (host == NULL) {
		ok(rc_addr_parse(s, &a) == -1, "'%s' is refused", s);
		return;
	}
	ok(rc_addr_parse(s, &a) == 0 && strcmp(a.host, host) == 0 && a.port == port,
	    "'%s' -> %s port %d", s, host, port);
	(void)buf;
}

static int
cmdslot(const char *line)
{
	const char *argv[16];
	size_t len[16];
	char buf[256], *p, *save = NULL;
	int argc = 0;

	strcpy(buf, line);
	for (p = strtok_r(buf, " ", &save); p && argc < 16; p = strtok_r(NULL, " ", &save)) {
		argv[argc] = p;
		len[argc++] = strlen(p);
	}
	return rc_command_slot(argc, argv, len);
}

int
main(void)
{
	struct rc_addr a;
	struct rc_hist h;
	char buf[300];
	long v;
	int i;

	addr("127.0.0.1:7001", "127.0.0.1", 7001);
	addr("localhost:1", "localhost", 1);
	addr("[::1]:7001", "::1", 7001);
	addr("7002", "127.0.0.1", 7002);
	addr("::1:7001", NULL, 0);
	addr("host:", NULL, 0);
	addr("host:0", NULL, 0);
	addr("host:65536", NULL, 0);
	addr("host:12x", NULL, 0);
	addr(":7001", NULL, 0);
	addr("[::1]7001", NULL, 0);
	addr("", NULL, 0);
	rc_addr_parse("[::1]:7001", &a);
	is_str(rc_addr_fmt(&a, buf, sizeof buf), "[::1]:7001", "IPv6 prints in brackets");
	ok(rc_parse_long("42", 0, 100, &v) == 0 && v == 42, "a number");
	ok(rc_parse_long("42x", 0, 100, &v) == -1, "trailing junk is refused");
	ok(rc_parse_long("101", 0, 100, &v) == -1, "out of range is refused");
	ok(rc_parse_long("", 0, 100, &v) == -1, "empty is refused");

	is_int(cmdslot("GET foo"), 12182, "GET routes by its key");
	is_int(cmdslot("get foo"), 12182, "command names are case-blind");
	is_int(cmdslot("PING"), -1, "PING has no key");
	/* Sharded pub/sub: the channel is hashed like a key. */
	is_int(cmdslot("SPUBLISH foo hi"), 12182, "SPUBLISH routes by its channel");
	is_int(cmdslot("SSUBSCRIBE foo"), 12182, "SSUBSCRIBE routes by its channel");
	is_int(cmdslot("PUBLISH foo hi"), -1, "PUBLISH goes anywhere");
	is_int(cmdslot("CLUSTER INFO"), -1, "CLUSTER has no key");
	is_int(cmdslot("EVAL s 1 foo bar"), 12182, "EVAL: the first of its keys");
	is_int(cmdslot("EVALSHA s 0"), -1, "EVALSHA with no keys");
	is_int(cmdslot("XREAD COUNT 2 STREAMS foo 0"), 12182, "XREAD: after STREAMS");
	is_int(cmdslot("OBJECT ENCODING foo"), 12182, "OBJECT: the third word");
	is_int(cmdslot("MIGRATE h 1 foo 0 5000"), 12182, "MIGRATE: its one key");
	is_int(cmdslot("ZUNION 2 foo bar"), 12182, "ZUNION: after numkeys");

	rc_hist_init(&h);
	for (i = 1; i <= 10000; i++)
		rc_hist_add(&h, (uint64_t)i);
	ok(rc_hist_pct(&h, 50) >= 4900 && rc_hist_pct(&h, 50) <= 5100,
	    "p50 of 1..10000 is about 5000 (%llu)", (unsigned long long)rc_hist_pct(&h, 50));
	ok(rc_hist_pct(&h, 99) >= 9750 && rc_hist_pct(&h, 99) <= 10000,
	    "p99 is about 9900 (%llu)", (unsigned long long)rc_hist_pct(&h, 99));
	is_int((long long)rc_hist_pct(&h, 100), 10000, "p100 is the max");
	is_int((long long)rc_hist_pct(&h, 0), 1, "p0 is the min");
	{
		struct rc_hist g;
		rc_hist_init(&g);
		rc_hist_add(&g, 1000000);
		rc_hist_merge(&h, &g);
		is_int((long long)h.count, 10001, "merge adds counts");
		is_int((long long)h.max, 1000000, "and keeps the max");
	}
	{
		redisReply *r = rc_reply_error("MOVED 1 127.0.0.1:7002");
		ok(rc_reply_is_err(r, "MOVED") && !rc_reply_is_err(r, "MOVE"),
		    "error prefixes match whole words");
		freeReplyObject(r);
	}
	{
		char v2[32];
		is_str(rc_info_field("# Cluster\r\ncluster_enabled:1\r\ncluster_state:ok\r\n",
		    "cluster_state", v2, sizeof v2), "ok", "an INFO field");
	}
	return done_testing();
}
