/* The slot planners (rc_plan_move, rc_plan_rebalance) on clusters built by
 * hand: masters, replicas and a slot table, no server.  Every plan is
 * applied to a copy of the slot table, which checks that each move takes a
 * slot from its owner at that moment and moves it once, so that every slot
 * ends owned exactly once. */
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "tap.h"

#define MAXN 10

static struct rc_cluster cl;
static struct rc_node node[MAXN];
static struct rc_node *nodes[MAXN];

/* A cluster of nm masters (m0 ... holding no slots yet) and nr replicas,
 * the replicas after the masters. */
static void
make(int nm, int nr)
{
	int i;

	memset(&cl, 0, sizeof cl);
	memset(node, 0, sizeof node);
	for (i = 0; i < nm + nr; i++) {
		struct rc_node *n = &node[i];

		/* 40 characters, distinct in the first 12 as ids are. */
		snprintf(n->id, sizeof n->id, "%02u%038u", (unsigned)i % 100u, 0u);
		snprintf(n->addr.host, sizeof n->addr.host, "127.0.0.1");
		n->addr.port = 7000 + i;
		n->flags = i < nm ? RC_NF_MASTER : RC_NF_REPLICA;
		n->repl_offset = -1;
		if (i >= nm) {
			n->master = &node[0];
			memcpy(n->master_id, node[0].id, sizeof n->master_id);
		}
		nodes[i] = n;
	}
	cl.nodes = nodes;
	cl.nnodes = nm + nr;
	cl.seed = &node[0];
}

/* nslots as a topology load leaves it: counted from the slot table. */
static void
recount(void)
{
	int i, s;

	for (i = 0; i < cl.nnodes; i++)
		node[i].nslots = 0;
	for (s = 0; s < RC_NSLOTS; s++)
		if (cl.owner[s] != NULL)
			cl.owner[s]->nslots++;
}

static void
give_range(int m, int lo, int hi)
{
	int s;

	for (s = lo; s <= hi; s++)
		cl.owner[s] = &node[m];
	recount();
}

/* Slots split into nm contiguous ranges of the given sizes (0 allowed). */
static void
layout(const int *sizes, int nm)
{
	int i, lo = 0;

	for (i = 0; i < nm; i++) {
		if (sizes[i] > 0)
			give_range(i, lo, lo + sizes[i] - 1);
		lo += sizes[i];
	}
}

static int
index_of(const char *id)
{
	int i;

	for (i = 0; i < cl.nnodes; i++)
		if (strcmp(node[i].id, id) == 0)
			return i;
	return -1;
}

/* Applies the plan to a copy of the slot table and counts each node's slots
 * afterwards into cnt.  0, or -1 with what was wrong printed as a diagnostic. */
static int
apply(const struct rc_move *mv, int n, int *cnt)
{
	static int owner[RC_NSLOTS];
	static unsigned char moved[RC_NSLOTS];
	int i, s, total = 0;

	for (s = 0; s < RC_NSLOTS; s++) {
		owner[s] = cl.owner[s] == NULL ? -1 : (int)(cl.owner[s] - node);
		moved[s] = 0;
	}
	for (i = 0; i < n; i++) {
		int from = index_of(mv[i].from), to = index_of(mv[i].to);

		s = mv[i].slot;
		if (s < 0 || s >= RC_NSLOTS || moved[s] || from < 0 || to < 0 ||
		    owner[s] != from || from == to || !rc_node_is_master(&node[to])) {
			printf("# move %d (slot %d, %d -> %d) is not a move of an owned slot\n",
			    i, s, from, to);
			return -1;
		}
		moved[s] = 1;
		owner[s] = to;
	}
	memset(cnt, 0, MAXN * sizeof *cnt);
	for (s = 0; s < RC_NSLOTS; s++)
		if (owner[s] >= 0) {
			cnt[owner[s]]++;
			total++;
		}
	if (total != RC_NSLOTS) {
		printf("# %d slots owned after the plan\n", total);
		return -1;
	}
	return 0;
}

/* The counts after the plan are want[0..nm-1]. */
static int
counts_are(const int *cnt, const int *want, int nm, const char *name)
{
	int i, same = 1;

	for (i = 0; i < nm; i++)
		same &= cnt[i] == want[i];
	if (!ok(same, "%s", name))
		for (i = 0; i < nm; i++)
			printf("#   m%d: got %d, expected %d\n", i, cnt[i], want[i]);
	return same;
}

static int
rebalance(const struct rc_plan_opts *po, struct rc_move **mv, int *cnt,
    const char *name)
{
	char err[300] = "";
	int n = rc_plan_rebalance(&cl, po, mv, err, sizeof err);

	if (!ok(n >= 0 && apply(*mv, n, cnt) == 0, "%s: every slot owned once", name))
		printf("# %s\n", err);
	return n;
}

/* 16384 over nm masters, all slots on m0 and the others empty. */
static void
odd_counts(int nm)
{
	struct rc_plan_opts po = { 0 };
	struct rc_move *mv;
	int cnt[MAXN], want[MAXN], i, n;
	char name[100], err[300];

	make(nm, 1);
	give_range(0, 0, RC_NSLOTS - 1);
	po.use_empty = 1;
	snprintf(name, sizeof name, "16384 over %d masters", nm);
	n = rebalance(&po, &mv, cnt, name);
	for (i = 0; i < nm; i++)
		want[i] = RC_NSLOTS / nm + (i < RC_NSLOTS % nm);
	counts_are(cnt, want, nm, name);
	is_int(n, RC_NSLOTS - want[0], "only m0 gives");
	free(mv);
	/* And once balanced, nothing more moves. */
	memset(cl.owner, 0, sizeof cl.owner);
	layout(want, nm);
	n = rc_plan_rebalance(&cl, &po, &mv, err, sizeof err);
	is_int(n, 0, "a balanced layout plans nothing");
	free(mv);
}

static void
weights(void)
{
	static const int even[] = { 5462, 5461, 5461 };
	struct rc_weight w[2];
	struct rc_plan_opts po = { 0 };
	struct rc_move *mv;
	int cnt[MAXN];

	make(3, 0);
	layout(even, 3);
	w[0].node = &node[2];
	w[0].w = 0;
	po.weights = w;
	po.nweights = 1;
	rebalance(&po, &mv, cnt, "weight 0");
	counts_are(cnt, (const int[]){ 8192, 8192, 0 }, 3, "a weight 0 master is drained");
	free(mv);

	w[0].node = &node[0];
	w[0].w = 2;
	rebalance(&po, &mv, cnt, "weight 2");
	counts_are(cnt, (const int[]){ 8192, 4096, 4096 }, 3, "weight 2 gets double");
	free(mv);

	/* 16384 * 2/5 and 1/5: the remainder goes to the largest fractions. */
	make(4, 0);
	layout((const int[]){ 4096, 4096, 4096, 4096 }, 4);
	rebalance(&po, &mv, cnt, "weight 2 of 5");
	counts_are(cnt, (const int[]){ 6553, 3277, 3277, 3277 }, 4,
	    "weight 2 over an odd total");
	free(mv);

	make(3, 0);
	layout(even, 3);
	w[0].w = 0;
	w[1].node = &node[1];
	w[1].w = 0;
	po.nweights = 2;
	rebalance(&po, &mv, cnt, "two drained");
	counts_are(cnt, (const int[]){ 0, 0, RC_NSLOTS }, 3, "two drained into the third");
	free(mv);
}

static void
empty_masters(void)
{
	static const int sizes[] = { 5462, 5461, 5461, 0 };
	struct rc_weight w;
	struct rc_plan_opts po = { 0 };
	struct rc_move *mv;
	int cnt[MAXN], n;

	make(4, 2);
	layout(sizes, 4);
	n = rebalance(&po, &mv, cnt, "without use_empty");
	is_int(n, 0, "an empty master is left out without use_empty");
	free(mv);

	po.use_empty = 1;
	rebalance(&po, &mv, cnt, "with use_empty");
	counts_are(cnt, (const int[]){ 4096, 4096, 4096, 4096 }, 4,
	    "with use_empty the empty master gets its share");
	free(mv);

	/* Named with a weight, it takes part without use_empty. */
	po.use_empty = 0;
	w.node = &node[3];
	w.w = 1;
	po.weights = &w;
	po.nweights = 1;
	rebalance(&po, &mv, cnt, "named empty master");
	counts_are(cnt, (const int[]){ 4096, 4096, 4096, 4096 }, 4,
	    "an empty master with a weight takes part");
	free(mv);

	/* A master the cluster says failed is neither donor nor receiver. */
	po.use_empty = 1;
	po.nweights = 0;
	node[3].flags |= RC_NF_FAIL;
	n = rebalance(&po, &mv, cnt, "failed empty master");
	is_int(n, 0, "a failed master takes no slots");
	free(mv);
}

static void
threshold(void)
{
	/* Targets 5462 5461 5461: m0 is 38 over (0.7%), the others 19 under. */
	static const int sizes[] = { 5500, 5442, 5442 };
	struct rc_plan_opts po = { 0 };
	struct rc_move *mv;
	int cnt[MAXN], n;

	make(3, 0);
	layout(sizes, 3);
	po.threshold = 2;
	n = rebalance(&po, &mv, cnt, "threshold 2%");
	is_int(n, 0, "within the threshold nothing moves");
	free(mv);
	po.threshold = 0.3;
	n = rebalance(&po, &mv, cnt, "threshold 0.3%");
	is_int(n, 38, "beyond it the excess moves");
	counts_are(cnt, (const int[]){ 5462, 5461, 5461 }, 3, "and lands on the targets");
	free(mv);
}

static void
move_slots(void)
{
	static const int sizes[] = { 5461, 5461, 5462, 0 };
	struct rc_move *mv;
	char err[300];
	int cnt[MAXN], n, i, lowest = 1;

	make(4, 1);
	layout(sizes, 4);
	n = rc_plan_move(&cl, &node[0], &node[3], 100, &mv, err, sizeof err);
	ok(n == 100 && apply(mv, n, cnt) == 0, "move 100 from one master");
	for (i = 0; i < n; i++)
		lowest &= mv[i].slot == i && strcmp(mv[i].from, node[0].id) == 0;
	ok(lowest, "its lowest 100 slots");
	counts_are(cnt, (const int[]){ 5361, 5461, 5462, 100 }, 4, "counts after");
	free(mv);

	n = rc_plan_move(&cl, NULL, &node[3], 1000, &mv, err, sizeof err);
	ok(n == 1000 && apply(mv, n, cnt) == 0, "move 1000 from all");
	counts_are(cnt, (const int[]){ 5128, 5128, 5128, 1000 }, 4,
	    "each gives in proportion, the rest from the largest");
	free(mv);

	n = rc_plan_move(&cl, NULL, &node[0], 7, &mv, err, sizeof err);
	ok(n == 7 && apply(mv, n, cnt) == 0, "7 from all onto a master with slots");
	counts_are(cnt, (const int[]){ 5468, 5458, 5458, 0 }, 4,
	    "neither itself nor an empty master gives");
	free(mv);

	n = rc_plan_move(&cl, &node[1], &node[0], 6000, &mv, err, sizeof err);
	ok(n == -1 && strstr(err, "holds 5461 slots, cannot move 6000") != NULL,
	    "more than the source holds: %s", err);
	n = rc_plan_move(&cl, NULL, &node[0], 11000, &mv, err, sizeof err);
	ok(n == -1 && strstr(err, "hold 10923 slots, cannot move 11000") != NULL,
	    "more than all others hold: %s", err);
	n = rc_plan_move(&cl, &node[1], &node[4], 1, &mv, err, sizeof err);
	ok(n == -1 && strstr(err, "the target must be a master") != NULL,
	    "a replica target: %s", err);
	n = rc_plan_move(&cl, &node[4], &node[1], 1, &mv, err, sizeof err);
	ok(n == -1 && strstr(err, "is a replica: it holds no slots") != NULL,
	    "a replica source: %s", err);
	n = rc_plan_move(&cl, &node[1], &node[1], 1, &mv, err, sizeof err);
	ok(n == -1 && strstr(err, "the same node") != NULL, "source is target: %s", err);
	n = rc_plan_move(&cl, &node[3], &node[1], 0, &mv, err, sizeof err);
	is_int(n, 0, "nothing from a master with no slots");
	free(mv);
}

/* 16384 over 7 masters by move: an eighth master takes 2048 from all. */
static void
move_odd(void)
{
	static const int sizes[] = { 2341, 2341, 2341, 2341, 2340, 2340, 2340, 0 };
	struct rc_move *mv;
	char err[300];
	int cnt[MAXN], i, n, sum = 0, fair = 1;

	make(8, 0);
	layout(sizes, 8);
	n = rc_plan_move(&cl, NULL, &node[7], 2048, &mv, err, sizeof err);
	ok(n == 2048 && apply(mv, n, cnt) == 0, "2048 from 7 masters");
	for (i = 0; i < 7; i++) {
		sum += sizes[i] - cnt[i];
		fair &= sizes[i] - cnt[i] == 292 || sizes[i] - cnt[i] == 293;
	}
	ok(fair && sum == 2048 && cnt[7] == 2048, "each gives 292 or 293");
	free(mv);
}

static void
refusals(void)
{
	static const int sizes[] = { 8192, 8192 };
	struct rc_weight w[2];
	struct rc_plan_opts po = { 0 };
	struct rc_move *mv;
	char err[300];
	int n;

	make(2, 1);
	layout(sizes, 2);
	w[0].node = &node[2];
	w[0].w = 1;
	po.weights = w;
	po.nweights = 1;
	n = rc_plan_rebalance(&cl, &po, &mv, err, sizeof err);
	ok(n == -1 && strstr(err, "weights are for masters") != NULL,
	    "a weight on a replica: %s", err);
	w[0].node = &node[0];
	w[0].w = 0;
	w[1].node = &node[1];
	w[1].w = 0;
	po.nweights = 2;
	n = rc_plan_rebalance(&cl, &po, &mv, err, sizeof err);
	ok(n == -1 && strstr(err, "no master has a weight above 0") != NULL,
	    "every weight 0: %s", err);
}

/* A scattered layout (every slot to a pseudo-random master of 5, one of them
 * holding nothing) ends exactly on the targets. */
static void
scattered(void)
{
	struct rc_plan_opts po = { 0 };
	struct rc_move *mv;
	unsigned x = 12345;
	int cnt[MAXN], s, i;
	int want[] = { 3277, 3277, 3277, 3277, 3276 };

	make(5, 0);
	for (s = 0; s < RC_NSLOTS; s++) {
		x = x * 1103515245u + 12345u;
		cl.owner[s] = &node[(x >> 16) % 4];
	}
	recount();
	po.use_empty = 1;
	rebalance(&po, &mv, cnt, "scattered");
	for (i = 0; i < 5; i++)
		want[i] = RC_NSLOTS / 5 + (i < RC_NSLOTS % 5);
	counts_are(cnt, want, 5, "a scattered layout lands on the targets");
	free(mv);
}

int
main(void)
{
	odd_counts(3);
	odd_counts(5);
	odd_counts(7);
	weights();
	empty_masters();
	threshold();
	move_slots();
	move_odd();
	refusals();
	scattered();
	return done_testing();
}
