/*
 * moves.c - plan, apply, move, rebalance: plans of slot moves, and carrying
 * them out through the migration engine (lib/migrate.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reshard.h"

static void
progress(struct ctx *c)
{
	double secs = (double)(rc_now_us() - c->prog.t0) / 1e6;
	char extra[96];

	snprintf(extra, sizeof extra, "slots, %ld keys, %.0f keys/s", c->keys_done,
	    secs > 0 ? (double)c->keys_done / secs : 0.0);
	rc_progress_step(&c->prog, (uint64_t)(c->slots_done + c->slots_failed), extra);
}

static void
on_slot(void *ud, const struct rc_mig_slot *r)
{
	struct ctx *c = ud;

	if (r->ok) {
		c->slots_done++;
		c->keys_done += r->keys;
		done_slot(c, c->fix_rows ? "finished" : "moved", r->slot);
		rc_putu((unsigned long long)r->slot);
		if (c->fix_rows)
			rc_puts("\tfinished");
		rc_putf("\t%s\t%s\t%ld", r->from, r->to, r->keys);
		if (!c->fix_rows)
			rc_putf("\t%llu", (unsigned long long)(r->ms + 0.5));
		rc_putc('\n');
		/* Row by row: a pipeline downstream (or a log) sees each slot
		 * as it lands, and a killed run leaves an exact record. */
		rc_flush();
	} else {
		/* The first few failures in full, each reason once (an abort
		 * fails every slot left for one reason); the count and the
		 * slots at the end (summarize_failed). */
		if (c->slots_failed < 8)
			c->failed_slot[c->slots_failed] = r->slot;
		/* A line refused (its slot is not what the plan says: another
		 * operator) is always named with its reason. */
		if ((++c->slots_failed <= 3 && strcmp(c->failed_why, r->err) != 0) ||
		    strstr(r->err, "line refused") != NULL) {
			rc_progress_end(&c->prog);
			rc_warn("slot %d (%.12s -> %.12s): %s", r->slot, r->from, r->to,
			    r->err);
		}
		if (c->slots_failed == 1)
			snprintf(c->failed_why, sizeof c->failed_why, "%s", r->err);
	}
	progress(c);
}

void
print_plan(const struct rc_move *mv, int n)
{
	int i;

	for (i = 0; i < n; i++)
		rc_putf("%d\t%s\t%s\n", mv[i].slot, mv[i].from, mv[i].to);
}

/* Refuses to start while slots are open that the plan does not finish. */
static void
check_open(struct rc_cluster *cl, const struct rc_move *mv, int n)
{
	struct rc_open *op;
	char err[512];
	int k, i, j;

	if ((k = rc_open_slots(cl, &op, err, sizeof err)) < 0)
		rc_die(RC_EX_CLUSTER, "%s", err);
	for (i = 0; i < k; i++) {
		for (j = 0; j < n; j++)
			if (mv[j].slot == op[i].slot && strcmp(mv[j].from, op[i].src) == 0 &&
			    strcmp(mv[j].to, op[i].dst) == 0)
				break;
		if (j == n) {
			int s = op[i].slot;
			free(op);
			rc_die(RC_EX_NO, "slot %d is open (being moved by someone else, or "
			    "left by a crash): run 'rc-reshard fix' first", s);
		}
	}
	free(op);
}

/* On Valkey 8 a SETSLOT on a master with an online replica waits until the
 * replica has taken it, and a master left without slots re-homes itself and
 * its replicas under the new owner (cluster-allow-replica-migration): the
 * demotion cuts the wait short and closes our connection mid-drain (seen
 * with a hundred slots still to go).  The drained master and its replicas
 * stay where they are for the drain (del-node's rehome_replicas places the
 * replicas; a move that empties a master leaves it a master without slots,
 * its replicas with it), and the setting is put back at the end, on every
 * path but SIGKILL (setting.c). */
static int stay[64];
int nstay;

void
stay_put(struct ctx *c, struct rc_cluster *cl, const struct rc_node *gone)
{
	int i;

	for (i = 0; i < cl->nnodes && nstay < (int)(sizeof stay / sizeof stay[0]); i++) {
		struct rc_node *n = cl->nodes[i];
		redisContext *x;

		if ((n != gone && n->master != gone) ||
		    (n->flags & (RC_NF_FAIL | RC_NF_NOADDR)) ||
		    (x = rc_node_ctx(cl, n)) == NULL)
			continue;
		if ((stay[nstay] = rc_setting_set(x, &n->addr, &c->o,
		    "cluster-allow-replica-migration", "no", "interrupted: "
		    "cluster-allow-replica-migration is put back")) >= 0)
			nstay++;
	}
}

void
stay_restore(void)
{
	while (nstay > 0)
		rc_setting_restore(stay[--nstay]);
}

/* The sources this run leaves without a slot stay put, with their replicas
 * (unless a caller, del-node, keeps them so already).  1 when set here. */
static int
stay_emptied(struct ctx *c, struct rc_cluster *cl, const struct rc_move *mv, int n)
{
	int i, j, k, set = 0;

	if (nstay > 0)
		return 0;
	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *m = cl->nodes[i];
		if (!rc_node_is_master(m) || m->nslots == 0)
			continue;
		for (j = k = 0; j < n; j++)
			k += strcmp(mv[j].from, m->id) == 0;
		if (k >= m->nslots) {
			stay_put(c, cl, m);
			set = 1;
		}
	}
	return set;
}

/* One line for what did not move: how many, the first slots, why. */
static void
summarize_failed(struct ctx *c, int n, const char *err)
{
	char list[128] = "";
	size_t l = 0;
	long i;

	for (i = 0; i < c->slots_failed && i < 8 && l < sizeof list; i++)
		l += (size_t)snprintf(list + l, sizeof list - l, "%s%d", i ? " " : "",
		    c->failed_slot[i]);
	if (c->slots_failed > 8 && l < sizeof list)
		snprintf(list + l, sizeof list - l, " and %ld more", c->slots_failed - 8);
	rc_warn("%ld of %d slots not moved%s%s%s: %s ('rc-reshard check' names those left "
	    "open, 'rc-reshard fix' finishes them)", (long)n - c->slots_done, n,
	    l > 0 ? " (failed: " : "", list, l > 0 ? ")" : "", err);
}

int
run_moves(struct ctx *c, struct rc_cluster *cl, const struct rc_move *mv, int n)
{
	char err[512] = "";
	int rc, staying;

	if (c->dry_run) {
		print_plan(mv, n);
		return RC_EX_OK;
	}
	/* fix finishes slots that are open by definition, some towards the
	 * successor of a target that failed over. */
	if (!c->fix_rows)
		check_open(cl, mv, n);
	if (c->o.header && !c->fix_rows)
		rc_puts("#slot\tfrom\tto\tkeys\tms\n");
	c->m.on_slot = on_slot;
	c->m.ud = c;
	/* fix finishes half-done moves; every other caller moves slots that
	 * must still be their source's. */
	c->m.finish = c->fix_rows;
	staying = stay_emptied(c, cl, mv, n);
	rc_progress_start(&c->prog, "moving", (uint64_t)n);
	rc = rc_migrate(&c->o, mv, n, &c->m, err, sizeof err);
	rc_progress_end(&c->prog);
	rc_flush();
	if (rc != RC_EX_OK)
		summarize_failed(c, n, err);
	/* Replicas learn the new owners from gossip: done means every node
	 * agrees, so that a check or a client right after sees the new map. */
	else if (n > 0 && rc_wait_agreed(cl, 0, 0, c->wait_s, err, sizeof err) < 0) {
		rc_warn("the slots moved, but the nodes do not agree after %d s: %s",
		    c->wait_s, err);
		rc = RC_EX_NO;
	}
	if (staying)
		stay_restore();
	return rc;
}

/* ---- plans ------------------------------------------------------------------ */

static int
plan_move(struct ctx *c, struct rc_cluster *cl, struct rc_move **mv)
{
	struct rc_node *from = NULL, *to;
	char err[512];
	int n;

	if (c->from == NULL || c->to == NULL || c->nslots < 0)
		rc_die(RC_EX_USAGE, "move: give --from NODE|all, --to NODE and --slots N");
	to = find_node(cl, c->to);
	if (strcmp(c->from, "all") != 0)
		from = find_node(cl, c->from);
	if ((n = rc_plan_move(cl, from, to, (int)c->nslots, mv, err, sizeof err)) < 0)
		rc_die(RC_EX_USAGE, "move: %s", err);
	return n;
}

static void
parse_weights(struct ctx *c, struct rc_cluster *cl, struct rc_plan_opts *po)
{
	int i;

	po->weights = rc_calloc((size_t)c->nw + 1, sizeof *po->weights);
	for (i = 0; i < c->nw; i++) {
		char *spec = rc_strdup(c->wspec[i]), *eq = strrchr(spec, '='), *end;
		double w;

		if (eq == NULL)
			rc_die(RC_EX_USAGE, "--weight '%s': want NODE=WEIGHT", c->wspec[i]);
		*eq = '\0';
		w = strtod(eq + 1, &end);
		if (eq[1] == '\0' || *end != '\0' || !(w >= 0) || w > 1e6)
			rc_die(RC_EX_USAGE, "--weight '%s': '%s' is not a weight (a number >= 0)",
			    c->wspec[i], eq + 1);
		po->weights[i].node = find_node(cl, spec);
		po->weights[i].w = w;
		free(spec);
	}
	po->nweights = c->nw;
}

static int
plan_rebalance(struct ctx *c, struct rc_cluster *cl, struct rc_move **mv)
{
	struct rc_plan_opts po;
	char err[512];
	int n;

	memset(&po, 0, sizeof po);
	parse_weights(c, cl, &po);
	po.use_empty = c->use_empty;
	po.threshold = c->threshold;
	po.by_keys = c->by_keys;
	n = rc_plan_rebalance(cl, &po, mv, err, sizeof err);
	free(po.weights);
	if (n < 0)
		rc_die(RC_EX_USAGE, "rebalance: %s", err);
	return n;
}

typedef int planner(struct ctx *, struct rc_cluster *, struct rc_move **);

/* plan ...: the plan on stdout, nothing changed. */
static int
print_planned(struct ctx *c, planner *make)
{
	struct rc_cluster cl;
	struct rc_move *mv = NULL;
	int n;

	open_cluster(c, &cl);
	n = make(c, &cl, &mv);
	if (c->o.header)
		rc_puts("#slot\tfrom\tto\n");
	print_plan(mv, n);
	free(mv);
	rc_cluster_close(&cl);
	return RC_EX_OK;
}

/* move, rebalance: plan and apply in one. */
static int
run_planned(struct ctx *c, planner *make)
{
	struct rc_cluster cl;
	struct rc_move *mv = NULL;
	int n, rc;

	open_cluster(c, &cl);
	n = make(c, &cl, &mv);
	rc = run_moves(c, &cl, mv, n);
	free(mv);
	rc_cluster_close(&cl);
	return rc;
}

int
cmd_plan_move(void *ctx, int argc, char **argv)
{
	(void)argc, (void)argv;
	return print_planned(ctx, plan_move);
}

int
cmd_plan_rebalance(void *ctx, int argc, char **argv)
{
	(void)argc, (void)argv;
	return print_planned(ctx, plan_rebalance);
}

int
cmd_move(void *ctx, int argc, char **argv)
{
	(void)argc, (void)argv;
	return run_planned(ctx, plan_move);
}

int
cmd_rebalance(void *ctx, int argc, char **argv)
{
	(void)argc, (void)argv;
	return run_planned(ctx, plan_rebalance);
}

/* ---- apply ---------------------------------------------------------------------- */

struct applying {
	struct rc_cluster cl;
	struct rc_reader r;
	struct rc_open *op;             /* the slots open when it started */
	int nop;
	unsigned char *seen;            /* slot -> in the plan already */
	struct rc_move *mv;
	int n;
};

/* The slot of a plan row, checked with the row's shape: three fields
 * exactly, no NUL byte (it would end a field early, unseen), a slot of
 * digits only (strtol alone would take "+100" and " 100"). */
static long
plan_slot(struct applying *a, char *line, size_t len, struct rc_field *f)
{
	const char *nul = memchr(line, '\0', len);
	long slot;
	size_t i;
	int nf;

	if (nul != NULL)
		rc_die_at(a->r.name, a->r.lineno, "a NUL byte in the row (byte %zu)",
		    (size_t)(nul - line) + 1);
	if ((nf = rc_tsv_split(line, len, f, 4)) != 3)
		rc_die_at(a->r.name, a->r.lineno, "want slot<TAB>from<TAB>to, got "
		    "%s fields", nf < 3 ? "fewer" : "more");
	for (i = 0; i < f[0].len; i++)
		if (f[0].s[i] < '0' || f[0].s[i] > '9')
			break;
	if (f[0].len == 0 || i < f[0].len || f[0].len > 5 ||
	    rc_parse_long(f[0].s, 0, RC_NSLOTS - 1, &slot) < 0)
		rc_die_at(a->r.name, a->r.lineno, "'%s' is not a slot (0-16383)", f[0].s);
	return slot;
}

/* One row of the plan: slot, from, to (ids or addresses).  A row already
 * done (the slot is the target's and not open) is skipped, so the same plan
 * can be applied again after an interruption. */
static void
apply_row(struct applying *a, char *line, size_t len)
{
	struct rc_field f[4];
	struct rc_node *from, *to, *own;
	long slot;
	int i, open = 0;

	slot = plan_slot(a, line, len, f);
	if ((from = rc_cluster_find(&a->cl, f[1].s)) == NULL)
		rc_die_at(a->r.name, a->r.lineno, "unknown node '%s'", f[1].s);
	if ((to = rc_cluster_find(&a->cl, f[2].s)) == NULL)
		rc_die_at(a->r.name, a->r.lineno, "unknown node '%s'", f[2].s);
	if (!rc_node_is_master(to))
		rc_die_at(a->r.name, a->r.lineno, "%s (%.12s) is a replica: the target "
		    "must be a master", addr_of(to), to->id);
	if (a->seen[slot]++)
		rc_die_at(a->r.name, a->r.lineno, "slot %ld is in the plan twice", slot);
	for (i = 0; i < a->nop; i++)
		if (a->op[i].slot == slot && strcmp(a->op[i].src, from->id) == 0 &&
		    strcmp(a->op[i].dst, to->id) == 0)
			open = 1;
	own = rc_cluster_owner(&a->cl, (int)slot);
	if (own == to && !open)
		return;         /* done already */
	if (own != from && !open)
		rc_die_at(a->r.name, a->r.lineno, "slot %ld belongs to %s, not to %s: "
		    "make a new plan", slot, own ? addr_of(own) : "no node", addr_of(from));
	a->mv = rc_realloc(a->mv, (size_t)(a->n + 1) * sizeof *a->mv);
	a->mv[a->n].slot = (int)slot;
	snprintf(a->mv[a->n].from, sizeof a->mv[a->n].from, "%s", from->id);
	snprintf(a->mv[a->n].to, sizeof a->mv[a->n].to, "%s", to->id);
	a->n++;
}

int
cmd_apply(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	struct applying a;
	char err[512], *line;
	ssize_t len;
	int rc;

	(void)argc, (void)argv;
	memset(&a, 0, sizeof a);
	open_cluster(c, &a.cl);
	if ((a.nop = rc_open_slots(&a.cl, &a.op, err, sizeof err)) < 0)
		rc_die(RC_EX_CLUSTER, "%s", err);
	a.seen = rc_calloc(RC_NSLOTS, 1);
	rc_reader_init(&a.r, STDIN_FILENO, "<stdin>");
	while ((len = rc_reader_line(&a.r, &line)) >= 0)
		if (!rc_tsv_skip(line, (size_t)len))
			apply_row(&a, line, (size_t)len);
	rc_reader_free(&a.r);
	free(a.op);
	free(a.seen);
	rc = run_moves(c, &a.cl, a.mv, a.n);
	free(a.mv);
	rc_cluster_close(&a.cl);
	return rc;
}
