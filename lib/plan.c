/* plan.c - which slots go where: the plans for moving N slots to a master and
 * for rebalancing the masters by weight.  A plan reads only the cluster
 * handle's slot table (owner[]) and its masters, and asks a server nothing
 * unless it balances key counts, so tests/unit/plan.c builds a cluster by
 * hand and checks the plans without one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

/* A plan being built: the moves so far and which slots they take. */
struct plan {
	struct rc_move *mv;
	int n;
	unsigned char taken[RC_NSLOTS];
};

static struct plan *
plan_new(void)
{
	return rc_calloc(1, sizeof(struct plan));
}

/* Hands the moves over and frees the rest; returns their count. */
static int
plan_done(struct plan *pl, struct rc_move **out)
{
	int n = pl->n;

	*out = pl->mv;
	free(pl);
	return n;
}

static void
plan_fail(struct plan *pl)
{
	free(pl->mv);
	free(pl);
}

static void
add_move(struct plan *pl, int slot, const struct rc_node *from,
    const struct rc_node *to)
{
	struct rc_move *m;

	pl->mv = rc_realloc(pl->mv, (size_t)(pl->n + 1) * sizeof *pl->mv);
	m = &pl->mv[pl->n++];
	m->slot = slot;
	snprintf(m->from, sizeof m->from, "%s", from->id);
	snprintf(m->to, sizeof m->to, "%s", to->id);
	pl->taken[slot] = 1;
}

/* The lowest k slots of from that the plan has not taken yet go to `to`.
 * Returns how many it found (fewer than k when from holds fewer). */
static int
take_slots(struct plan *pl, struct rc_cluster *cl, struct rc_node *from,
    struct rc_node *to, int k)
{
	int s, got = 0;

	for (s = 0; s < RC_NSLOTS && got < k; s++)
		if (cl->owner[s] == from && !pl->taken[s]) {
			add_move(pl, s, from, to);
			got++;
		}
	return got;
}

/* How many slots x still holds once the plan's moves are done. */
static int
slots_left(const struct plan *pl, struct rc_cluster *cl, const struct rc_node *x)
{
	int s, left = 0;

	for (s = 0; s < RC_NSLOTS; s++)
		left += cl->owner[s] == x && !pl->taken[s];
	return left;
}

/* ---- move: N slots to one master ------------------------------------------ */

/* Source and target can take part in a move; else -1 with why. */
static int
check_ends(const struct rc_node *from, const struct rc_node *to, char *err,
    size_t errlen)
{
	char a[300];

	if (!rc_node_is_master(to)) {
		snprintf(err, errlen, "%s (%.12s) is a replica: the target must be a master",
		    rc_node_addr(to, a, sizeof a), to->id);
		return -1;
	}
	if (from == NULL)
		return 0;
	if (from == to) {
		snprintf(err, errlen, "source and target are the same node");
		return -1;
	}
	if (!rc_node_is_master(from)) {
		snprintf(err, errlen, "%s (%.12s) is a replica: it holds no slots",
		    rc_node_addr(from, a, sizeof a), from->id);
		return -1;
	}
	return 0;
}

static int
move_from_one(struct plan *pl, struct rc_cluster *cl, struct rc_node *from,
    struct rc_node *to, int nslots, char *err, size_t errlen)
{
	char a[300];
	int have = slots_left(pl, cl, from);

	/* Counted in the slot table, which take_slots reads: a MOVED seen
	 * since the topology was loaded updates it, not the node's ranges. */
	if (nslots > have) {
		snprintf(err, errlen, "%s holds %d slots, cannot move %d",
		    rc_node_addr(from, a, sizeof a), have, nslots);
		return -1;
	}
	take_slots(pl, cl, from, to, nslots);
	return 0;
}

/* From all: each other master gives in proportion to what it holds, and
 * what rounding leaves over comes one at a time from the largest holder. */
static int
move_from_all(struct plan *pl, struct rc_cluster *cl, struct rc_node *to,
    int nslots, char *err, size_t errlen)
{
	int i, total = 0, given = 0;

	for (i = 0; i < cl->nnodes; i++)
		if (rc_node_is_master(cl->nodes[i]) && cl->nodes[i] != to)
			total += slots_left(pl, cl, cl->nodes[i]);
	if (nslots > total) {
		snprintf(err, errlen, "the other masters hold %d slots, cannot move %d",
		    total, nslots);
		return -1;
	}
	for (i = 0; i < cl->nnodes && given < nslots; i++) {
		struct rc_node *x = cl->nodes[i];

		if (!rc_node_is_master(x) || x == to)
			continue;
		given += take_slots(pl, cl, x, to,
		    (int)((long long)nslots * slots_left(pl, cl, x) / total));
	}
	while (given < nslots) {
		struct rc_node *best = NULL;
		int left = 0;

		for (i = 0; i < cl->nnodes; i++) {
			struct rc_node *x = cl->nodes[i];
			int l;

			if (!rc_node_is_master(x) || x == to)
				continue;
			if ((l = slots_left(pl, cl, x)) > left) {
				left = l;
				best = x;
			}
		}
		if (best == NULL)
			break;
		given += take_slots(pl, cl, best, to, 1);
	}
	return 0;
}

int
rc_plan_move(struct rc_cluster *cl, struct rc_node *from, struct rc_node *to,
    int nslots, struct rc_move **out, char *err, size_t errlen)
{
	struct plan *pl;
	int rc;

	*out = NULL;
	if (check_ends(from, to, err, errlen) < 0)
		return -1;
	pl = plan_new();
	if (from != NULL)
		rc = move_from_one(pl, cl, from, to, nslots, err, errlen);
	else
		rc = move_from_all(pl, cl, to, nslots, err, errlen);
	if (rc < 0) {
		plan_fail(pl);
		return -1;
	}
	return plan_done(pl, out);
}

/* ---- rebalance: every master to its weighted share ------------------------- */

/* One master taking part: its weight, what it has (slots, or keys) and what
 * it should have. */
struct part {
	struct rc_node *node;
	double w;
	long long cur, target;
};

static double
weight_of(const struct rc_plan_opts *po, const struct rc_node *n, int *named)
{
	int i;

	for (i = 0; i < po->nweights; i++)
		if (po->weights[i].node == n) {
			*named = 1;
			return po->weights[i].w;
		}
	*named = 0;
	return 1.0;
}

static int
check_weights(const struct rc_plan_opts *po, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < po->nweights; i++) {
		const struct rc_node *x = po->weights[i].node;
		char a[300];

		if (!rc_node_is_master(x)) {
			snprintf(err, errlen, "%s (%.12s) is a replica: weights are for masters",
			    rc_node_addr(x, a, sizeof a), x->id);
			return -1;
		}
	}
	return 0;
}

/* The key count of every slot, from its owner (0 for an unowned slot). */
static int
keys_per_slot(struct rc_cluster *cl, long long *keys, char *err, size_t errlen)
{
	struct rc_pipe *p = rc_pipe_new(cl);
	int s, rc = 0;

	/* One command per slot keeps reply i the answer for slot i: an
	 * unowned slot asks the seed a PING whose reply is not read. */
	for (s = 0; s < RC_NSLOTS; s++) {
		struct rc_node *o = cl->owner[s];
		char num[16];
		snprintf(num, sizeof num, "%d", s);
		if (o == NULL)
			rc_pipe_node_cmdv(p, cl->seed, "PING", NULL);
		else
			rc_pipe_node_cmdv(p, o, "CLUSTER", "COUNTKEYSINSLOT", num, NULL);
	}
	rc_pipe_exec(p);
	for (s = 0; s < RC_NSLOTS; s++) {
		redisReply *r = rc_pipe_reply(p, (size_t)s);
		if (cl->owner[s] == NULL) {
			keys[s] = 0;
			continue;
		}
		if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
			snprintf(err, errlen, "CLUSTER COUNTKEYSINSLOT %d: %s", s,
			    r != NULL && r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
			rc = -1;
			break;
		}
		keys[s] = r->integer;
	}
	rc_pipe_free(p);
	return rc;
}

/* The masters that take part, into p: every reachable master, but one with
 * no slots only with use_empty or a weight of its own.  Returns how many. */
static int
gather_parts(struct rc_cluster *cl, const struct rc_plan_opts *po,
    const long long *keys, struct part *p)
{
	int i, s, np = 0;

	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *x = cl->nodes[i];
		int named;
		double w;

		if (!rc_node_is_master(x) || (x->flags & (RC_NF_FAIL | RC_NF_NOADDR)))
			continue;
		w = weight_of(po, x, &named);
		if (x->nslots == 0 && !po->use_empty && !named)
			continue;
		p[np].node = x;
		p[np].w = w;
		p[np].cur = 0;
		for (s = 0; s < RC_NSLOTS; s++)
			if (cl->owner[s] == x)
				p[np].cur += keys != NULL ? keys[s] : 1;
		np++;
	}
	return np;
}

/* Integer targets summing to total, in proportion to the weights: floors,
 * then the remainder one each to the largest fractions. */
static void
set_targets(struct part *p, int np, long long total)
{
	double W = 0;
	long long sum = 0;
	int i;

	for (i = 0; i < np; i++)
		W += p[i].w;
	for (i = 0; i < np; i++) {
		p[i].target = W > 0 ? (long long)((double)total * p[i].w / W) : 0;
		sum += p[i].target;
	}
	while (sum < total) {
		double bestf = -1;
		int best = -1;
		for (i = 0; i < np; i++) {
			double f;
			if (p[i].w <= 0)
				continue;
			f = (double)total * p[i].w / W - (double)p[i].target;
			if (f > bestf) {
				bestf = f;
				best = i;
			}
		}
		if (best < 0)
			break;
		p[best].target++;
		sum++;
		/* A node that got its extra one is not picked again first. */
		p[best].w -= 1e-9;
	}
}

/* Anything to do?  A drained master always; else any master off its target
 * by more than the threshold (percent of the target). */
static int
off_target(const struct part *p, int np, double threshold)
{
	int i;

	for (i = 0; i < np; i++) {
		long long d = p[i].cur - p[i].target;
		if (d < 0)
			d = -d;
		if ((p[i].w <= 0 && p[i].cur > 0) ||
		    (double)d > (double)p[i].target * threshold / 100.0 ||
		    (p[i].target == 0 && p[i].cur > 0))
			return 1;
	}
	return 0;
}

/* The slots of a master, in slot order; by keys the fullest first, so that
 * a donor makes a few big steps, then small ones. */
static int *
slots_of(struct rc_cluster *cl, const struct rc_node *x, const long long *keys,
    int *nm)
{
	int *mine = rc_calloc(RC_NSLOTS, sizeof *mine);
	int s, a, b;

	*nm = 0;
	for (s = 0; s < RC_NSLOTS; s++)
		if (cl->owner[s] == x)
			mine[(*nm)++] = s;
	if (keys != NULL)
		for (a = 1; a < *nm; a++)
			for (b = a; b > 0 && keys[mine[b]] > keys[mine[b - 1]]; b--) {
				int t = mine[b];
				mine[b] = mine[b - 1];
				mine[b - 1] = t;
			}
	return mine;
}

/* The master other than d that lacks the most, among those with a weight. */
static struct part *
neediest(struct part *p, int np, const struct part *d)
{
	struct part *r = NULL;
	int k;

	for (k = 0; k < np; k++)
		if (&p[k] != d && p[k].w > 0 &&
		    (r == NULL || p[k].target - p[k].cur > r->target - r->cur))
			r = &p[k];
	return r;
}

/* A donor gives its slots, one at a time, to the master that lacks the
 * most.  A drained donor (weight 0) gives everything; another stops at its
 * target and skips a slot that would overshoot either side. */
static void
give(struct plan *pl, struct rc_cluster *cl, struct part *p, int np,
    struct part *d, const long long *keys)
{
	int nm, q;
	int *mine = slots_of(cl, d->node, keys, &nm);

	for (q = 0; q < nm; q++) {
		long long amount = keys != NULL ? keys[mine[q]] : 1;
		struct part *r;

		if (d->w > 0 && d->cur <= d->target)
			break;
		if ((r = neediest(p, np, d)) == NULL)
			break;
		if (d->w > 0 && (amount > d->cur - d->target ||
		    amount > r->target - r->cur || r->cur >= r->target))
			continue;   /* would overshoot: try a smaller slot */
		if (d->w > 0 && keys != NULL && amount == 0)
			continue;
		add_move(pl, mine[q], d->node, r->node);
		d->cur -= amount;
		r->cur += amount;
	}
	free(mine);
}

static int
rebalance(struct plan *pl, struct rc_cluster *cl, const struct rc_plan_opts *po,
    const long long *keys, char *err, size_t errlen)
{
	struct part *p = rc_calloc((size_t)cl->nnodes + 1, sizeof *p);
	long long total = 0;
	double W = 0;
	int np, i;

	np = gather_parts(cl, po, keys, p);
	for (i = 0; i < np; i++) {
		total += p[i].cur;
		W += p[i].w;
	}
	if (np == 0 || W <= 0) {
		snprintf(err, errlen, "no master has a weight above 0");
		free(p);
		return -1;
	}
	set_targets(p, np, total);
	if (off_target(p, np, po->threshold))
		for (i = 0; i < np; i++)
			if (p[i].cur > p[i].target || (p[i].w <= 0 && p[i].cur > 0))
				give(pl, cl, p, np, &p[i], keys);
	free(p);
	return 0;
}

int
rc_plan_rebalance(struct rc_cluster *cl, const struct rc_plan_opts *po,
    struct rc_move **out, char *err, size_t errlen)
{
	struct plan *pl;
	long long *keys = NULL;
	int rc;

	*out = NULL;
	if (check_weights(po, err, errlen) < 0)
		return -1;
	if (po->by_keys) {
		keys = rc_calloc(RC_NSLOTS, sizeof *keys);
		if (keys_per_slot(cl, keys, err, errlen) < 0) {
			free(keys);
			return -1;
		}
	}
	pl = plan_new();
	rc = rebalance(pl, cl, po, keys, err, errlen);
	free(keys);
	if (rc < 0) {
		plan_fail(pl);
		return -1;
	}
	return plan_done(pl, out);
}
