/*
 * check.c - check (every problem, one a line), check settled (the map, once
 * every node agrees on it) and fix (finish or roll back open slots, cover
 * slots nobody owns).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reshard.h"

/* ---- check ------------------------------------------------------------------ */

struct checking {
	struct rc_cluster cl;
	struct rc_node **claim;         /* slot -> the master that says it owns it */
	char *sig0;                     /* the first node's view, to compare */
	int nerrors;
};

static void
problem(struct checking *k, int error, const char *what, const char *node,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
problem(struct checking *k, int error, const char *what, const char *node,
    const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	k->nerrors += error;
	rc_putf("%s\t%s\t%s\t", error ? "error" : "warning", what, node);
	rc_put_field(buf, strlen(buf), 0);
	rc_putc('\n');
}

/* What node n says of itself in its own view me: open slots, and the slots
 * it claims (two masters claiming one slot is a conflict). */
static void
check_self(struct checking *k, struct rc_node *n, const struct rc_node *me)
{
	int j, s;

	for (j = 0; j < me->nopen; j++)
		problem(k, 1, "open", addr_of(n), "slot %d %s %.40s", me->open[j].slot,
		    me->open[j].importing ? "importing from" : "migrating to",
		    me->open[j].peer);
	if (!(me->flags & RC_NF_MASTER))
		return;
	for (j = 0; j < me->nranges; j++)
		for (s = me->ranges[j].lo; s <= me->ranges[j].hi; s++) {
			if (k->claim[s] != NULL && k->claim[s] != n)
				problem(k, 1, "conflict", addr_of(n), "slot %d is claimed "
				    "by %s too", s, addr_of(k->claim[s]));
			k->claim[s] = n;
		}
}

static void
check_node(struct checking *k, struct rc_node *n)
{
	struct rc_node *v;
	redisContext *x;
	char *sig;
	int nv, j;

	if (n->flags & (RC_NF_FAIL | RC_NF_PFAIL))
		problem(k, 1, "failing", addr_of(n), "node %.12s is flagged %s", n->id,
		    n->flags & RC_NF_FAIL ? "fail" : "pfail");
	if ((nv = rc_node_view(&k->cl, n, &v)) < 0) {
		problem(k, 1, "unreachable", addr_of(n), "%s", n->err);
		return;
	}
	sig = rc_view_sig(v, nv);
	if (k->sig0 == NULL)
		k->sig0 = rc_strdup(sig);
	else if (strcmp(sig, k->sig0) != 0)
		problem(k, 1, "disagree", addr_of(n), "its view of slots and roles "
		    "differs from %s's", addr_of(k->cl.nodes[0]));
	free(sig);
	for (j = 0; j < nv; j++)
		if (v[j].flags & RC_NF_MYSELF)
			check_self(k, n, &v[j]);
	rc_nodes_free(v, nv);
	if ((x = rc_node_ctx(&k->cl, n)) == NULL || !rc_ctx_state_ok(x))
		problem(k, 1, "state", addr_of(n), "cluster_state is not ok");
}

/* Slots nobody owns, as ranges. */
static void
check_covered(struct checking *k)
{
	int s, e;

	for (s = 0; s < RC_NSLOTS; s = e + 1) {
		e = s;
		if (rc_cluster_owner(&k->cl, s) != NULL)
			continue;
		while (e + 1 < RC_NSLOTS && rc_cluster_owner(&k->cl, e + 1) == NULL)
			e++;
		if (e > s)
			problem(k, 1, "uncovered", "-", "slots %d-%d have no owner", s, e);
		else
			problem(k, 1, "uncovered", "-", "slot %d has no owner", s);
	}
}

static void
check_replicas(struct checking *k)
{
	char buf[256];
	int i, j;

	for (i = 0; i < k->cl.nnodes; i++) {
		struct rc_node *m = k->cl.nodes[i];
		int reps = 0;
		if (!rc_node_is_master(m) || m->nslots == 0)
			continue;
		for (j = 0; j < k->cl.nnodes; j++)
			reps += k->cl.nodes[j]->master == m &&
			    !(k->cl.nodes[j]->flags & RC_NF_FAIL);
		if (reps == 0)
			problem(k, 0, "no-replica", addr_of(m), "master with %d slots (%s) "
			    "has no replica", m->nslots, rc_ranges_fmt(m->ranges,
			    m->nranges, buf, 200));
	}
}

int
cmd_check(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	struct checking k;
	int i;

	(void)argc, (void)argv;
	memset(&k, 0, sizeof k);
	open_cluster(c, &k.cl);
	k.claim = rc_calloc(RC_NSLOTS, sizeof *k.claim);
	if (c->o.header)
		rc_puts("#level\tproblem\tnode\tdetail\n");
	for (i = 0; i < k.cl.nnodes; i++)
		check_node(&k, k.cl.nodes[i]);
	check_covered(&k);
	check_replicas(&k);
	free(k.sig0);
	free(k.claim);
	rc_cluster_close(&k.cl);
	if (k.nerrors == 0 && c->o.pretty) {
		rc_flush();
		fprintf(stderr, "%s: the cluster is clean\n", rc_progname);
	}
	return k.nerrors ? RC_EX_NO : RC_EX_OK;
}

/* ---- check settled ---------------------------------------------------------------- */

/* The agreed map, one node a line: address, id, role, master, slots. */
static void
print_map(struct ctx *c, struct rc_cluster *cl)
{
	char buf[4096];
	int i;

	if (c->o.header)
		rc_puts("#addr\tid\trole\tmaster\tslots\n");
	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *n = cl->nodes[i];
		int m = rc_node_is_master(n);
		rc_putf("%s\t%s\t%s\t%s\t%s\n", addr_of(n), n->id, m ? "master" : "replica",
		    m ? "-" : n->master_id, n->nranges > 0 ?
		    rc_ranges_fmt(n->ranges, n->nranges, buf, sizeof buf) : "-");
	}
}

int
cmd_check_settled(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	struct rc_cluster cl;
	char why[400];
	int flags = RC_AGREE_SERVED | RC_AGREE_ALL, good;

	(void)argc, (void)argv;
	open_cluster(c, &cl);
	if (c->wait_given)
		good = rc_wait_agreed(&cl, flags, 0, c->wait_s, why, sizeof why) == 0;
	else
		good = rc_cluster_agreed(&cl, flags, 0, why, sizeof why);
	if (good && rc_cluster_refresh(&cl) < 0)
		rc_die(RC_EX_CLUSTER, "%s", cl.err);
	if (good)
		print_map(c, &cl);
	else
		rc_warn("not settled: %s", why);
	rc_cluster_close(&cl);
	return good ? RC_EX_OK : RC_EX_NO;
}

/* ---- fix ---------------------------------------------------------------------- */

static void
fix_row(int slot, const char *action, const char *from, const char *to, long keys)
{
	rc_putf("%d\t%s\t%s\t%s\t%ld\n", slot, action, from, to, keys);
}

/* Closes slot on side (SETSLOT STABLE) and reports it rolled back. */
static void
roll_back_on(struct rc_cluster *cl, struct rc_node *side, int slot, const char *from,
    const char *to)
{
	char err[400];

	if (rc_node_setslot_stable(cl, side, slot, err, sizeof err) < 0)
		rc_die(RC_EX_CLUSTER, "slot %d: SETSLOT STABLE on %s: %s", slot,
		    addr_of(side), err);
	fix_row(slot, "rolled-back", from, to, 0);
}

/* The one live master besides src that holds keys of slot: *dst, 0.  None:
 * *dst NULL, 0.  Several: -1. */
static int
holder(struct rc_cluster *cl, struct rc_node *src, int slot, struct rc_node **dst)
{
	int j, many = 0;

	*dst = NULL;
	for (j = 0; j < cl->nnodes; j++) {
		struct rc_node *m = cl->nodes[j];
		if (m == src || !rc_node_says_master(cl, m))
			continue;
		if (rc_node_count_keys(cl, m, slot) > 0) {
			many += *dst != NULL;
			*dst = m;
		}
	}
	return many ? -1 : 0;
}

/* One open slot: RC_EX_OK with a move in mv (1 returned) or rolled back (0),
 * or RC_EX_NO with a warning (-1): roll back when the other side holds none
 * of its keys and does not own it, else finish the move (no key is ever
 * dropped). */
static int
fix_one(struct rc_cluster *cl, const struct rc_open *op, struct rc_move *mv)
{
	struct rc_node *src = rc_cluster_by_id(cl, op->src);
	struct rc_node *dst = rc_cluster_by_id(cl, op->dst);
	long kd;

	if (src == NULL || dst == NULL) {
		rc_warn("slot %d: node %.12s is not in the cluster: cannot fix it",
		    op->slot, src == NULL ? op->src : op->dst);
		return -1;
	}
	/* A side that failed over (dead, or a replica now): its successor is
	 * the live master that holds what it had. */
	if (!rc_node_says_master(cl, src) && (src = rc_cluster_owner(cl, op->slot)) == NULL) {
		rc_warn("slot %d: its source %.12s is down and nobody owns the slot: "
		    "cannot fix it yet", op->slot, op->src);
		return -1;
	}
	if (!rc_node_says_master(cl, dst) || dst == src) {
		if (holder(cl, src, op->slot, &dst) < 0) {
			rc_warn("slot %d: its keys are on several masters besides %s: "
			    "cannot fix it", op->slot, addr_of(src));
			return -1;
		}
		if (dst == NULL) {
			/* Nobody else holds its keys: close it on the source,
			 * which owns it. */
			roll_back_on(cl, src, op->slot, src->id, op->dst);
			return 0;
		}
	}
	kd = rc_node_count_keys(cl, dst, op->slot);
	if (kd < 0 || rc_node_count_keys(cl, src, op->slot) < 0)
		rc_die(RC_EX_CLUSTER, "slot %d: %s", op->slot, kd < 0 ? dst->err : src->err);
	if (kd == 0 && rc_cluster_owner(cl, op->slot) != dst &&
	    !(op->migrating && op->importing)) {
		roll_back_on(cl, op->importing ? dst : src, op->slot, src->id, dst->id);
		return 0;
	}
	mv->slot = op->slot;
	snprintf(mv->from, sizeof mv->from, "%s", src->id);
	snprintf(mv->to, sizeof mv->to, "%s", dst->id);
	return 1;
}

static int
fix_open(struct ctx *c, struct rc_cluster *cl, struct rc_open *op, int nop)
{
	struct rc_move *mv = rc_calloc((size_t)nop + 1, sizeof *mv);
	int n = 0, i, k, rc = RC_EX_OK;

	for (i = 0; i < nop; i++) {
		if ((k = fix_one(cl, &op[i], &mv[n])) < 0)
			rc = RC_EX_NO;
		else
			n += k;
	}
	if (n > 0) {
		int r2;
		c->fix_rows = 1;
		if ((r2 = run_moves(c, cl, mv, n)) != RC_EX_OK)
			rc = r2;
	}
	free(mv);
	return rc;
}

/* The master that should get an unowned slot: the one holding its keys, else
 * the one with the fewest slots.  *keys: how many it holds. */
static struct rc_node *
heir(struct rc_cluster *cl, int slot, long *keys)
{
	struct rc_node *best = NULL;
	int i;

	*keys = 0;
	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *m = cl->nodes[i];
		long k;
		if (!rc_node_is_master(m) || (m->flags & RC_NF_FAIL))
			continue;
		if ((k = rc_node_count_keys(cl, m, slot)) > *keys) {
			*keys = k;
			best = m;
		}
	}
	if (best != NULL)
		return best;
	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *m = cl->nodes[i];
		if (rc_node_is_master(m) && !(m->flags & RC_NF_FAIL) &&
		    (best == NULL || m->nslots < best->nslots))
			best = m;
	}
	return best;
}

static int
fix_uncovered(struct rc_cluster *cl)
{
	char err[400];
	int s;

	for (s = 0; s < RC_NSLOTS; s++) {
		struct rc_node *best;
		long keys;

		if (rc_cluster_owner(cl, s) != NULL)
			continue;
		if ((best = heir(cl, s, &keys)) == NULL)
			rc_die(RC_EX_CLUSTER, "slot %d: no master to give it to", s);
		if (rc_node_addslot(cl, best, s, err, sizeof err) < 0)
			rc_die(RC_EX_CLUSTER, "slot %d: ADDSLOTS on %s: %s", s, addr_of(best),
			    err);
		best->nslots++;
		fix_row(s, "assigned", "-", best->id, keys);
	}
	return RC_EX_OK;
}

/* fix --dry-run: what it would work on. */
static void
print_broken(struct rc_cluster *cl, const struct rc_open *op, int nop)
{
	int i, s;

	for (i = 0; i < nop; i++)
		fix_row(op[i].slot, "open", op[i].src, op[i].dst, -1);
	for (s = 0; s < RC_NSLOTS; s++)
		if (rc_cluster_owner(cl, s) == NULL)
			fix_row(s, "uncovered", "-", "-", -1);
}

int
cmd_fix(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	struct rc_cluster cl;
	struct rc_open *op;
	char err[512];
	int nop, rc, s, unc = 0;

	(void)argc, (void)argv;
	open_cluster(c, &cl);
	if ((nop = rc_open_slots(&cl, &op, err, sizeof err)) < 0)
		rc_die(RC_EX_CLUSTER, "%s", err);
	for (s = 0; s < RC_NSLOTS; s++)
		unc += rc_cluster_owner(&cl, s) == NULL;
	if ((nop == 0 && unc == 0) || c->dry_run) {
		if (c->dry_run)
			print_broken(&cl, op, nop);
		free(op);
		rc_cluster_close(&cl);
		return RC_EX_OK;
	}
	snprintf(err, sizeof err, "fix %d open and %d uncovered slots", nop, unc);
	confirm(c, err);
	if (c->o.header)
		rc_puts("#slot\taction\tfrom\tto\tkeys\n");
	rc = fix_open(c, &cl, op, nop);
	free(op);
	rc_cluster_refresh(&cl);
	if (rc == RC_EX_OK)
		rc = fix_uncovered(&cl);
	/* Like a move: done when every node sees the repaired map. */
	if (rc == RC_EX_OK && rc_cluster_refresh(&cl) == 0 &&
	    rc_wait_agreed(&cl, 0, 0, c->wait_s, err, sizeof err) < 0)
		rc_warn("fixed, but the nodes do not agree after %d s: %s", c->wait_s, err);
	rc_cluster_close(&cl);
	return rc;
}
