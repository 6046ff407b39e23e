/* Topology parsing: CLUSTER NODES text and CLUSTER SHARDS replies, with no
 * server (the SHARDS reply is built from RESP text by hiredis's reader). */
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "tap.h"

#define A "07c37dfeb235213a872192d90877d0cd55635b91"
#define B "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1"
#define C "292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f"
#define D "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca"

static const char nodes_txt[] =
    A " 127.0.0.1:30004@31004 slave " B " 0 1426238317239 4 connected\n"
    B " 127.0.0.1:30002@31002,host-b master - 0 1426238316232 2 connected 5461-10922 [5461->-" C "]\n"
    C " 127.0.0.1:30003@31003 myself,master - 0 1426238318243 3 connected 10923-16383 [5461-<-" B "]\n"
    D " :0@0 master,fail?,noaddr - 1426238316232 0 0 disconnected 0 1 2-100\n"
    "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9cb ::1:7001@17001 master - 0 0 5 connected\n";

/* The nodes of a CLUSTER SHARDS reply given as RESP text; -1 (said) when
 * it does not parse. */
static int
shards_of(const char *resp, size_t len, struct rc_node **n)
{
	redisReply *r = rc_reply_make(resp, len);
	char err[200];
	int k = rc_parse_shards(r, n, err, sizeof err);

	if (k < 0)
		printf("# %s\n", err);
	freeReplyObject(r);
	return k;
}

int
main(void)
{
	struct rc_node *n;
	char err[200], buf[64];
	int k;

	k = rc_parse_nodes(nodes_txt, sizeof nodes_txt - 1, &n, err, sizeof err);
	if (!is_int(k, 5, "five nodes parsed"))
		printf("# %s\n", err);
	if (k == 5) {
		is_str(n[0].addr.host, "127.0.0.1", "address host");
		is_int(n[0].addr.port, 30004, "address port (bus port dropped)");
		ok(n[0].flags & RC_NF_REPLICA && !(n[0].flags & RC_NF_MASTER), "a replica");
		is_str(n[0].master_id, B, "its master");
		is_int(n[1].nslots, 10922 - 5461 + 1, "a range counts its slots");
		is_int(n[1].nopen, 1, "a migrating slot is seen");
		ok(n[1].nopen == 1 && n[1].open[0].slot == 5461 && !n[1].open[0].importing &&
		    strcmp(n[1].open[0].peer, C) == 0, "migrating 5461 to C");
		ok(n[2].nopen == 1 && n[2].open[0].importing, "importing on C");
		ok(n[2].flags & RC_NF_MYSELF, "myself flag");
		ok(n[3].flags & RC_NF_PFAIL && n[3].flags & RC_NF_NOADDR && !n[3].connected,
		    "fail?, noaddr, disconnected");
		is_int(n[3].nranges, 1, "0 1 2-100 merge into one range");
		is_str(rc_ranges_fmt(n[3].ranges, n[3].nranges, buf, sizeof buf), "0-100",
		    "ranges print merged");
		is_str(n[4].addr.host, "::1", "IPv6 without brackets");
		is_int(n[4].addr.port, 7001, "IPv6 port");
		rc_nodes_free(n, k);
	}
	k = rc_parse_nodes("garbage line\n", 13, &n, err, sizeof err);
	ok(k == -1 && strstr(err, "line 1") != NULL, "garbage is refused with its line");
	{
		const char *t = A " 1.2.3.4:1@2 master - 0 0 1 connected 16384\n";
		k = rc_parse_nodes(t, strlen(t), &n, err, sizeof err);
	}
	is_int(k, -1, "slot 16384 is refused");
	{
		const char *t = A " 1.2.3.4:1@2 master - 0 0 1 connected 9-3\n";
		k = rc_parse_nodes(t, strlen(t), &n, err, sizeof err);
	}
	is_int(k, -1, "a backwards range is refused");
	k = rc_parse_nodes("", 0, &n, err, sizeof err);
	is_int(k, 0, "no text, no nodes");

	/* Node A of a CLUSTER SHARDS reply: master on 127.0.0.1:7001, online. */
#define SHARD_NODE_A \
	"*12\r\n$2\r\nid\r\n$40\r\n" A "\r\n$4\r\nport\r\n:7001\r\n" \
	"$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nendpoint\r\n$9\r\n127.0.0.1\r\n" \
	"$4\r\nrole\r\n$6\r\nmaster\r\n$6\r\nhealth\r\n$6\r\nonline\r\n"
	{
		/* A CLUSTER SHARDS reply of one shard: master and replica. */
		static const char resp[] =
		    "*1\r\n*4\r\n$5\r\nslots\r\n*4\r\n:0\r\n:5460\r\n:5462\r\n:5462\r\n"
		    "$5\r\nnodes\r\n*2\r\n"
		    SHARD_NODE_A
		    "*12\r\n$2\r\nid\r\n$40\r\n" B "\r\n$4\r\nport\r\n:7004\r\n"
		    "$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nendpoint\r\n$1\r\n?\r\n"
		    "$4\r\nrole\r\n$7\r\nreplica\r\n$6\r\nhealth\r\n$6\r\nfailed\r\n";
		redisReply *r = rc_reply_make(resp, sizeof resp - 1);

		k = rc_parse_shards(r, &n, err, sizeof err);
		is_int(k, 2, "a shard of two nodes");
		if (k == 2) {
			is_int(n[0].nslots, 5462, "the master's slots");
			is_str(rc_ranges_fmt(n[0].ranges, n[0].nranges, buf, sizeof buf),
			    "0-5460,5462", "its ranges");
			is_str(n[1].master_id, A, "the replica's master is the shard's");
			ok(n[1].flags & RC_NF_FAIL, "health failed is FAIL");
			is_str(n[1].addr.host, "127.0.0.1", "endpoint ? falls back to ip");
			rc_nodes_free(n, k);
		}
		freeReplyObject(r);
		r = rc_reply_make("*1\r\n:1\r\n", 8);
		is_int(rc_parse_shards(r, &n, err, sizeof err), -1, "a wrong shape is refused");
		freeReplyObject(r);
	}
	{
		/* Redis 7.0: a "noaddr" ghost (gossip spread it again after
		 * CLUSTER FORGET) comes with no port and no ip, in a shard of
		 * its own, after a good one. */
		static const char resp[] =
		    "*2\r\n*4\r\n$5\r\nslots\r\n*2\r\n:0\r\n:16383\r\n"
		    "$5\r\nnodes\r\n*1\r\n"
		    SHARD_NODE_A
		    "*4\r\n$5\r\nslots\r\n*0\r\n$5\r\nnodes\r\n*1\r\n"
		    "*8\r\n$2\r\nid\r\n$40\r\n" D "\r\n"
		    "$8\r\nendpoint\r\n$1\r\n?\r\n"
		    "$4\r\nrole\r\n$6\r\nmaster\r\n$6\r\nhealth\r\n$4\r\nfail\r\n";
		redisReply *r = rc_reply_make(resp, sizeof resp - 1);

		k = rc_parse_shards(r, &n, err, sizeof err);
		if (!is_int(k, 2, "a noaddr node without port or ip does not spoil the reply"))
			printf("# %s\n", err);
		if (k == 2) {
			is_int(n[0].nslots, 16384, "the good shard is read");
			is_str(n[1].id, D, "the ghost is kept");
			is_int(n[1].addr.port, 0, "with port 0");
			is_str(n[1].addr.host, "", "and no address");
			ok(n[1].flags & RC_NF_NOADDR && n[1].flags & RC_NF_MASTER &&
			    n[1].flags & RC_NF_FAIL, "flagged noaddr, master, fail");
			rc_nodes_free(n, k);
		}
		freeReplyObject(r);
	}
	{
		/* Valkey 8.0.1 after a failover (a real reply, ids changed): the
		 * failed old primary B stays in its shard, role master, health
		 * "fail", listed before C, the replica promoted in its place;
		 * D replicates C.  The slots are C's alone. */
#define SHARD_NODE(id, port, role, health) \
	"*12\r\n$2\r\nid\r\n$40\r\n" id "\r\n$4\r\nport\r\n:" port "\r\n" \
	"$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nendpoint\r\n$9\r\n127.0.0.1\r\n" \
	"$4\r\nrole\r\n$" role "\r\n$6\r\nhealth\r\n$" health "\r\n"
#define MASTER "6\r\nmaster"
#define REPLICA "7\r\nreplica"
#define ONLINE "6\r\nonline"
#define FAILED "4\r\nfail"
#define LOADING "7\r\nloading"
#define ONE_SHARD(nodes, three) \
	"*1\r\n*4\r\n$5\r\nslots\r\n*2\r\n:5461\r\n:10922\r\n" \
	"$5\r\nnodes\r\n*" three "\r\n" nodes
		static const char after[] = ONE_SHARD(
		    SHARD_NODE(B, "15102", MASTER, FAILED)
		    SHARD_NODE(C, "15105", MASTER, ONLINE)
		    SHARD_NODE(D, "15108", REPLICA, ONLINE), "3");
		/* Before the promotion: B failed, C still its replica. */
		static const char during[] = ONE_SHARD(
		    SHARD_NODE(B, "15102", MASTER, FAILED)
		    SHARD_NODE(C, "15105", REPLICA, ONLINE), "2");
		/* A loading master beats a failed one. */
		static const char loading[] = ONE_SHARD(
		    SHARD_NODE(B, "15102", MASTER, FAILED)
		    SHARD_NODE(C, "15105", MASTER, LOADING), "2");
		/* Two masters up (B back, not yet told it was replaced): one
		 * owner still, the first listed; CLUSTER NODES settles it in
		 * lib/cluster.c. */
		static const char two[] = ONE_SHARD(
		    SHARD_NODE(B, "15102", MASTER, ONLINE)
		    SHARD_NODE(C, "15105", MASTER, ONLINE), "2");

		k = shards_of(after, sizeof after - 1, &n);
		is_int(k, 3, "Valkey after a failover: a shard of three");
		if (k == 3) {
			ok(n[0].flags & RC_NF_MASTER && n[0].flags & RC_NF_FAIL,
			    "the old primary: master, failed");
			is_int(n[0].nslots, 0, "and without slots");
			is_int(n[1].nslots, 5462, "the promoted replica owns the shard's slots");
			is_str(n[2].master_id, C, "the replica's master is the owner");
			is_str(n[0].master_id, "", "the old primary has no master");
		}
		rc_nodes_free(n, k);
		k = shards_of(during, sizeof during - 1, &n);
		ok(k == 2 && n[0].nslots == 5462 && strcmp(n[1].master_id, B) == 0,
		    "before the promotion the failed master keeps its slots, as NODES says");
		rc_nodes_free(n, k);
		k = shards_of(loading, sizeof loading - 1, &n);
		ok(k == 2 && n[0].nslots == 0 && n[1].nslots == 5462,
		    "a loading master owns before a failed one");
		rc_nodes_free(n, k);
		k = shards_of(two, sizeof two - 1, &n);
		ok(k == 2 && n[0].nslots + n[1].nslots == 5462 &&
		    (n[0].nslots == 0 || n[1].nslots == 0),
		    "two masters up: the slots still have one owner");
		rc_nodes_free(n, k);
	}
	{
		struct rc_range rr[3] = { { 0, 10 }, { 12, 12 }, { 100, 16383 } };
		is_str(rc_ranges_fmt(rr, 3, buf, sizeof buf), "0-10,12,100-16383", "ranges format");
		is_str(rc_ranges_fmt(rr, 3, buf, 8), "0-10...", "and are cut with ...");
	}
	{
		/* Every other slot: 8192 ranges, the longest list there is. */
		struct rc_range *rr = NULL;
		char *all, *p;
		int nr = 0, s, good = 1;

		for (s = 1; s < 16384; s += 2)
			rc_ranges_add(&rr, &nr, s);
		all = rc_ranges_str(rr, nr);
		for (s = 1, p = all; s < 16384 && good; s += 2) {
			good = atoi(p) == s;
			p += strcspn(p, ",");
			p += *p == ',';
		}
		ok(good && *p == '\0' && strstr(all, "...") == NULL,
		    "rc_ranges_str: 8192 ranges, whole");
		free(all);
		free(rr);
	}
	{
		static const int slots[] = { 3, 4, 5, 7, 9, 10, 16383 };
		struct rc_range *rr = NULL;
		size_t i;
		int nr = 0;

		for (i = 0; i < sizeof slots / sizeof slots[0]; i++)
			rc_ranges_add(&rr, &nr, slots[i]);
		is_str(rc_ranges_fmt(rr, nr, buf, sizeof buf), "3-5,7,9-10,16383",
		    "slots added in order make the fewest ranges");
		free(rr);
	}
	return done_testing();
}
