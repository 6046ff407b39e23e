/* What a node's server is and can do: INFO's server fields, the features
 * COMMAND INFO and COMMAND DOCS show, SLOT-STATS replies. */
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "tap.h"

static redisReply *
resp(const char *s)
{
	return rc_reply_make(s, strlen(s));
}

static void
servers(void)
{
	struct rc_server s;
	char buf[64];

	memset(&s, 0, sizeof s);
	is_int(rc_server_parse("# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:0\r\n"
	    "redis_mode:cluster\r\n", &s), 0, "Redis 7.0's INFO server");
	is_str(rc_server_fmt(&s, buf, sizeof buf), "redis 7.0.15", "is redis 7.0.15");
	is_int(rc_server_parse("# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\n"
	    "valkey_version:8.0.1\r\nserver_mode:cluster\r\n", &s), 0, "Valkey 8.0's");
	is_str(rc_server_fmt(&s, buf, sizeof buf), "valkey 8.0.1",
	    "is valkey 8.0.1, not the redis_version it keeps for clients");
	is_int(rc_server_parse("# Server\r\nserver_name:keydb\r\nredis_version:6.3.4\r\n",
	    &s), 0, "a server naming itself without its own version field");
	is_str(rc_server_fmt(&s, buf, sizeof buf), "keydb 6.3.4", "falls back to redis_version");
	is_int(rc_server_parse("# Server\r\nos:Linux\r\n", &s), -1, "no version: not known");
	is_str(rc_server_fmt(&s, buf, sizeof buf), "-", "shown as -");
	is_int(rc_server_parse(NULL, &s), -1, "no text");
}

static void
features(void)
{
	/* COMMAND INFO CLUSTER|SLOT-STATS HOTKEYS: an entry each, nil for an
	 * unknown command (Redis 7.0 knows neither, Valkey 8.0 the first). */
	redisReply *none = resp("*2\r\n*-1\r\n*-1\r\n");
	redisReply *valkey = resp("*2\r\n*3\r\n$18\r\ncluster|slot-stats\r\n:-4\r\n*0\r\n"
	    "*-1\r\n");
	redisReply *both = resp("*2\r\n*2\r\n$18\r\ncluster|slot-stats\r\n:-4\r\n"
	    "*2\r\n$7\r\nhotkeys\r\n:-2\r\n");
	/* COMMAND DOCS CLUSTER|SETSLOT: the TIMEOUT token nested in the
	 * arguments (Valkey 8.0), or not there (Redis 7.0). */
	redisReply *docs8 = resp("*2\r\n$15\r\ncluster|setslot\r\n*4\r\n$7\r\nsummary\r\n"
	    "$4\r\nBind\r\n$9\r\narguments\r\n*2\r\n*2\r\n$4\r\nname\r\n$4\r\nslot\r\n"
	    "*4\r\n$4\r\nname\r\n$7\r\ntimeout\r\n$5\r\ntoken\r\n$7\r\nTIMEOUT\r\n");
	redisReply *docs7 = resp("*2\r\n$15\r\ncluster|setslot\r\n*4\r\n$7\r\nsummary\r\n"
	    "$21\r\nthe timeout is unused\r\n$9\r\narguments\r\n*1\r\n*4\r\n$4\r\nname\r\n"
	    "$7\r\nnode-id\r\n$5\r\ntoken\r\n$6\r\nSTABLE\r\n");
	redisReply *refused = resp("-NOPERM this user has no permissions to run the 'command' "
	    "command\r\n");
	unsigned f;

	is_int(rc_features_parse(none, docs7), 0, "Redis 7.0: none of them");
	f = rc_features_parse(valkey, docs8);
	ok(f & (1u << RC_FEAT_SLOT_STATS), "Valkey 8.0: SLOT-STATS");
	ok(f & (1u << RC_FEAT_SETSLOT_TIMEOUT), "Valkey 8.0: SETSLOT TIMEOUT");
	ok(!(f & (1u << RC_FEAT_HOTKEYS)), "Valkey 8.0: no HOTKEYS");
	is_int(rc_features_parse(both, docs7), (1 << RC_FEAT_SLOT_STATS) |
	    (1 << RC_FEAT_HOTKEYS), "SLOT-STATS and HOTKEYS, no TIMEOUT");
	is_int(rc_features_parse(refused, refused), 0, "COMMAND refused: none");
	is_int(rc_features_parse(NULL, NULL), 0, "no replies: none");
	is_str(rc_feature_name(RC_FEAT_SLOT_STATS), "CLUSTER SLOT-STATS", "a feature's name");
	ok(rc_feature_name(RC_FEAT_N) == NULL, "no name out of range");
	freeReplyObject(none);
	freeReplyObject(valkey);
	freeReplyObject(both);
	freeReplyObject(docs8);
	freeReplyObject(docs7);
	freeReplyObject(refused);
}

static void
slotstats(void)
{
	struct rc_slotstat *ss = malloc(RC_NSLOTS * sizeof *ss);
	redisReply *on = resp("*2\r\n"
	    "*2\r\n:5\r\n*8\r\n$9\r\nkey-count\r\n:3\r\n$8\r\ncpu-usec\r\n:120\r\n"
	    "$16\r\nnetwork-bytes-in\r\n:40\r\n$17\r\nnetwork-bytes-out\r\n:9\r\n"
	    "*2\r\n:16383\r\n*8\r\n$9\r\nkey-count\r\n:0\r\n$8\r\ncpu-usec\r\n:0\r\n"
	    "$16\r\nnetwork-bytes-in\r\n:0\r\n$17\r\nnetwork-bytes-out\r\n:0\r\n");
	redisReply *off = resp("*1\r\n*2\r\n:7\r\n*2\r\n$9\r\nkey-count\r\n:11\r\n");
	redisReply *empty = resp("*0\r\n");
	redisReply *bad = resp("*1\r\n*2\r\n:16384\r\n*0\r\n");
	int i, cpu;

	for (i = 0; i < RC_NSLOTS; i++)
		ss[i].keys = ss[i].cpu = ss[i].in = ss[i].out = -1;
	is_int(rc_slot_stats_parse(on, ss, &cpu), 2, "statistics on: two slots");
	is_int(cpu, 1, "with cpu and network");
	ok(ss[5].keys == 3 && ss[5].cpu == 120 && ss[5].in == 40 && ss[5].out == 9,
	    "slot 5's figures");
	ok(ss[16383].cpu == 0 && ss[6].cpu == -1, "a slot not named stays unknown");
	is_int(rc_slot_stats_parse(off, ss, &cpu), 1, "statistics off: one slot");
	is_int(cpu, 0, "without cpu and network");
	ok(ss[7].keys == 11 && ss[7].cpu == -1, "its keys only");
	is_int(rc_slot_stats_parse(empty, ss, &cpu), 0, "a master without slots");
	is_int(rc_slot_stats_parse(bad, ss, &cpu), -1, "a slot out of range is refused");
	is_int(rc_slot_stats_parse(NULL, ss, &cpu), -1, "no reply is refused");
	freeReplyObject(on);
	freeReplyObject(off);
	freeReplyObject(empty);
	freeReplyObject(bad);
	free(ss);
}

int
main(void)
{
	servers();
	features();
	slotstats();
	return done_testing();
}
