/*
 * rc-reshard - change who owns which slot: create, check, fix, add-node,
 * del-node, plan, apply, move, rebalance.
 *
 * Every change of ownership goes through the migration engine in
 * lib/migrate.c; this file parses the command line, makes plans, checks
 * input and waits for the cluster to agree.
 */
#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "rc.h"

struct ctx {
	struct rc_opts o;
	struct rc_mig_opts m;
	int replicas;                   /* create -r */
	int as_replica;                 /* add-node --replica */
	const char *replica_of;         /* add-node --replica-of */
	const char *from, *to;          /* move */
	long nslots;                    /* move --slots */
	char **wspec;                   /* rebalance --weight ID=W */
	int nw;
	int use_empty, by_keys, dry_run, yes;
	double threshold;
	int wait_s;                     /* how long to wait for agreement */
	/* progress and counts */
	struct rc_progress prog;
	long slots_done, keys_done, slots_failed;
	int fix_rows;                   /* rows in fix's form */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rc-reshard [-HTpy] [-c host:port] command [args]\n"
	    "  create [-r replicas] host:port ...   make a cluster of empty nodes\n"
	    "  check                                 list every problem (exit 1 if any)\n"
	    "  fix                                   finish or roll back open slots, cover slots\n"
	    "  add-node NEW [--replica | --replica-of NODE]\n"
	    "  del-node NODE                         drain, re-home replicas, forget, reset\n"
	    "  plan move --from NODE|all --to NODE --slots N\n"
	    "  plan rebalance [--weight NODE=W ...] [--use-empty] [--threshold PCT] [--by slots|keys]\n"
	    "  apply [--dry-run]                     carry out a plan read on stdin\n"
	    "  move ... | rebalance ...              plan and apply in one (--dry-run: plan only)\n"
	    "  engine: --batch N (keys per MIGRATE), --parallel N (threads), --chunk N\n"
	    "          (slots open at once per pair), --migrate-timeout MS, --replace\n"
	    "  -y  yes to destructive actions   -c seed node   -H header   -T TSV   -p pretty\n"
	    "  --wait SECS  agreement timeout   -h  this help   -V  version\n");
}

/* ---- small helpers ---------------------------------------------------------- */

static void
open_cluster(struct ctx *c, struct rc_cluster *cl)
{
	if (rc_cluster_open(cl, &c->o) < 0)
		rc_die(RC_EX_CLUSTER, "%s", cl->err);
}

static struct rc_node *
find_node(struct rc_cluster *cl, const char *spec)
{
	struct rc_node *n = rc_cluster_find(cl, spec);

	if (n == NULL)
		rc_die(RC_EX_USAGE, "unknown node '%s': give host:port or a node id "
		    "(or a unique prefix of 4+ characters) of this cluster", spec);
	return n;
}

static const char *
addr_of(const struct rc_node *n)
{
	static char buf[4][300];
	static int k;

	k = (k + 1) % 4;
	return rc_node_addr(n, buf[k], sizeof buf[k]);
}

/* Destructive actions ask on a terminal and need -y elsewhere. */
static void
confirm(struct ctx *c, const char *what)
{
	char line[32];

	if (c->yes)
		return;
	if (!rc_isatty(STDIN_FILENO) || !rc_isatty(STDERR_FILENO))
		rc_die(RC_EX_USAGE, "%s: not on a terminal, add -y to go ahead", what);
	fprintf(stderr, "%s: %s? [y/N] ", rc_progname, what);
	fflush(stderr);
	if (fgets(line, sizeof line, stdin) == NULL || (line[0] != 'y' && line[0] != 'Y'))
		rc_die(RC_EX_NO, "%s: not confirmed", what);
}

static redisReply *
node_cmd(struct rc_cluster *cl, struct rc_node *n, const char *fmt, const char *a,
    const char *b)
{
	redisContext *x = rc_node_ctx(cl, n);
	redisReply *r;

	if (x == NULL)
		return NULL;
	r = redisCommand(x, fmt, a, b);
	if (r == NULL)
		rc_node_drop(n, x->errstr);
	return r;
}

static int
reply_ok(const redisReply *r)
{
	return r != NULL && r->type == REDIS_REPLY_STATUS && strcasecmp(r->str, "OK") == 0;
}

static int
state_ok(redisContext *x)
{
	redisReply *r = redisCommand(x, "CLUSTER INFO");
	char buf[32];
	int ok = 0;

	if (r != NULL && (r->type == REDIS_REPLY_STRING) &&
	    rc_info_field(r->str, "cluster_state", buf, sizeof buf) != NULL)
		ok = strcmp(buf, "ok") == 0;
	if (r != NULL)
		freeReplyObject(r);
	return ok;
}

/* A node's own view as parsed lines, or -1 (the connection failed). */
static int
view_of(redisContext *x, struct rc_node **v)
{
	redisReply *r = redisCommand(x, "CLUSTER NODES");
	char e[200];
	int n = -1;

	*v = NULL;
	if (r != NULL && r->type == REDIS_REPLY_STRING)
		n = rc_parse_nodes(r->str, r->len, v, e, sizeof e);
	if (r != NULL)
		freeReplyObject(r);
	return n;
}

static struct rc_node *
view_find(struct rc_node *v, int n, const char *id)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].id, id) == 0)
			return &v[i];
	return NULL;
}

/* A fingerprint of who owns what and who replicates whom, to compare views. */
static char *
view_sig(struct rc_node *v, int n)
{
	size_t cap = 256, len = 0;
	char *s = rc_malloc(cap), rbuf[4096];
	int i, k;

	s[0] = '\0';
	/* Sorted by id: selection over the array, small n. */
	for (k = 0; k < n; k++) {
		int best = -1;
		for (i = 0; i < n; i++) {
			if (v[i].flags & RC_NF_HANDSHAKE)
				continue;
			if (strstr(s, v[i].id) != NULL)
				continue;
			if (best < 0 || strcmp(v[i].id, v[best].id) < 0)
				best = i;
		}
		if (best < 0)
			break;
		rc_ranges_fmt(v[best].ranges, v[best].nranges, rbuf, sizeof rbuf);
		while (len + strlen(rbuf) + 200 > cap) {
			cap *= 2;
			s = rc_realloc(s, cap);
		}
		len += (size_t)sprintf(s + len, "%s %s %s %s\n", v[best].id,
		    (v[best].flags & RC_NF_MASTER) ? "m" : "r", v[best].master_id, rbuf);
	}
	return s;
}

/* Whether x's CLUSTER SLOTS lists, for every range, each replica its view v
 * gives that range's master.  Redis 7 leaves out a replica whose first sync
 * it has not seen finish, so until then clients that route by CLUSTER SLOTS
 * do not know it. */
static int
replicas_served(redisContext *x, const struct rc_node *v, int nv)
{
	redisReply *r = redisCommand(x, "CLUSTER SLOTS");
	long want = 0, got = 0;
	size_t k;
	int i, j;

	if (r == NULL)
		return 0;
	for (i = 0; i < nv; i++) {
		int reps = 0;
		if (!(v[i].flags & RC_NF_MASTER) || v[i].nranges == 0)
			continue;
		for (j = 0; j < nv; j++)
			reps += strcmp(v[j].master_id, v[i].id) == 0 &&
			    !(v[j].flags & RC_NF_FAIL);
		want += (long)reps * v[i].nranges;
	}
	if (r->type == REDIS_REPLY_ARRAY)
		for (k = 0; k < r->elements; k++)
			if (r->element[k]->type == REDIS_REPLY_ARRAY &&
			    r->element[k]->elements >= 3)
				got += (long)r->element[k]->elements - 3;
	freeReplyObject(r);
	return got >= want;
}

/* A fresh master's replication stream is empty until its first PING to its
 * replicas (repl-ping-replica-period, 10 s), and until the offset moves
 * CLUSTER SLOTS leaves the replicas out.  A WAIT that cannot be satisfied
 * makes the master send REPLCONF GETACK down the stream at once: the
 * offset moves, nothing else changes.  Pipelined over the masters given. */
static void
poke_streams(redisContext **x, int n)
{
	redisReply *r;
	int i;

	for (i = 0; i < n; i++)
		redisAppendCommand(x[i], "WAIT %d %d", 1000, 1);
	for (i = 0; i < n; i++)
		if (redisGetReply(x[i], (void **)&r) == REDIS_OK)
			freeReplyObject(r);
}

/* One node's part of agreement: its view's fingerprint in *sig (the caller
 * frees it), no node in handshake; with full, also its replicas served and
 * cluster_state:ok.  Returns 1, or 0 with the reason in why (-1: it does not
 * answer). */
static int
node_settled(redisContext *x, const char *who, int full, char **sig, char *why,
    size_t whylen)
{
	struct rc_node *v;
	int nv = view_of(x, &v), i, good = 1;

	*sig = NULL;
	if (nv < 0) {
		snprintf(why, whylen, "%s does not answer", who);
		return -1;
	}
	for (i = 0; i < nv && good; i++)
		if (v[i].flags & (RC_NF_HANDSHAKE | RC_NF_NOADDR)) {
			snprintf(why, whylen, "%s: nodes are still shaking hands", who);
			good = 0;
		}
	if (good && full && !replicas_served(x, v, nv)) {
		snprintf(why, whylen, "%s does not serve every replica yet (first sync)",
		    who);
		good = 0;
	}
	*sig = view_sig(v, nv);
	rc_nodes_free(v, nv);
	if (good && full && !state_ok(x)) {
		snprintf(why, whylen, "%s: cluster_state is not ok yet", who);
		good = 0;
	}
	return good;
}

/* Every reachable node of cl has settled (full: see node_settled) and sees
 * the same slots and roles.  Polls until then or wait_s; returns 0, or -1
 * with the reason in why. */
static int
wait_agreed(struct ctx *c, struct rc_cluster *cl, int full, char *why, size_t whylen)
{
	double deadline = rc_now() + c->wait_s;

	for (;;) {
		char *sig0 = NULL, who0[300] = "";
		int i, good = 1;

		for (i = 0; i < cl->nnodes && good; i++) {
			struct rc_node *n = cl->nodes[i];
			redisContext *x;
			char *sig;

			if (n->flags & (RC_NF_FAIL | RC_NF_NOADDR))
				continue;
			/* After moves, a node that does not answer (paused, say)
			 * learns the map when it comes back: not waited for. */
			if ((x = rc_node_ctx(cl, n)) == NULL) {
				snprintf(why, whylen, "%s: %s", addr_of(n), n->err);
				good = !full;
				continue;
			}
			if ((good = node_settled(x, addr_of(n), full, &sig, why, whylen)) < 0) {
				rc_node_drop(n, x->errstr);
				good = !full;
				continue;
			}
			if (good && sig0 != NULL && strcmp(sig, sig0) != 0) {
				snprintf(why, whylen, "%s's view of the slots differs from "
				    "%s's", addr_of(n), who0);
				good = 0;
			}
			if (sig0 == NULL) {
				sig0 = sig;
				snprintf(who0, sizeof who0, "%s", addr_of(n));
			} else
				free(sig);
		}
		free(sig0);
		if (good)
			return 0;
		if (rc_now() > deadline)
			return -1;
		if (full) {
			redisContext **mx = rc_calloc((size_t)cl->nnodes, sizeof *mx);
			int k = 0;
			for (i = 0; i < cl->nnodes; i++)
				if (rc_node_is_master(cl->nodes[i]) && cl->nodes[i]->nslots > 0 &&
				    (mx[k] = rc_node_ctx(cl, cl->nodes[i])) != NULL)
					k++;
			poke_streams(mx, k);
			free(mx);
		}
		rc_sleep_ms(50);
	}
}

/* ---- moving slots ---------------------------------------------------------------- */

static void
on_slot(void *ud, const struct rc_mig_slot *r)
{
	struct ctx *c = ud;
	char extra[96];

	if (r->ok) {
		c->slots_done++;
		c->keys_done += r->keys;
		rc_putu((unsigned long long)r->slot);
		if (c->fix_rows)
			rc_puts("\tfinished");
		rc_putc('\t');
		rc_puts(r->from);
		rc_putc('\t');
		rc_puts(r->to);
		rc_putc('\t');
		rc_puti(r->keys);
		if (!c->fix_rows) {
			rc_putc('\t');
			rc_putu((unsigned long long)(r->ms + 0.5));
		}
		rc_putc('\n');
		/* Row by row: a pipeline downstream (or a log) sees each slot
		 * as it lands, and a killed run leaves an exact record. */
		rc_flush();
	} else {
		/* The first few failures in full; the count at the end. */
		if (++c->slots_failed <= 10) {
			rc_progress_end(&c->prog);
			rc_warn("slot %d (%.12s -> %.12s): %s", r->slot, r->from, r->to, r->err);
		}
	}
	{
		double secs = (double)(rc_now_us() - c->prog.t0) / 1e6;
		snprintf(extra, sizeof extra, "slots, %ld keys, %.0f keys/s", c->keys_done,
		    secs > 0 ? (double)c->keys_done / secs : 0.0);
	}
	rc_progress_step(&c->prog, (uint64_t)(c->slots_done + c->slots_failed), extra);
}

static void
print_plan(const struct rc_move *mv, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		rc_putu((unsigned long long)mv[i].slot);
		rc_putc('\t');
		rc_puts(mv[i].from);
		rc_putc('\t');
		rc_puts(mv[i].to);
		rc_putc('\n');
	}
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

static int
run_moves(struct ctx *c, struct rc_cluster *cl, const struct rc_move *mv, int n)
{
	char err[512] = "";
	int rc;

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
	rc_progress_start(&c->prog, "moving", (uint64_t)n);
	rc = rc_migrate(&c->o, mv, n, &c->m, err, sizeof err);
	rc_progress_end(&c->prog);
	rc_flush();
	if (rc != RC_EX_OK)
		rc_warn("%ld of %d slots not moved: %s", (long)n - c->slots_done, n, err);
	/* Replicas learn the new owners from gossip: done means every node
	 * agrees, so that a check or a client right after sees the new map. */
	else if (n > 0 && wait_agreed(c, cl, 0, err, sizeof err) < 0)
		rc_warn("the slots moved, but the nodes do not agree after %d s: %s",
		    c->wait_s, err);
	return rc;
}

/* ---- plans -------------------------------------------------------------------------- */

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

static int
cmd_plan(struct ctx *c, int argc, char **argv)
{
	struct rc_cluster cl;
	struct rc_move *mv = NULL;
	int n;

	if (argc != 1 || (strcmp(argv[0], "move") != 0 && strcmp(argv[0], "rebalance") != 0))
		rc_die(RC_EX_USAGE, "plan: want 'plan move ...' or 'plan rebalance ...'");
	open_cluster(c, &cl);
	n = strcmp(argv[0], "move") == 0 ? plan_move(c, &cl, &mv) : plan_rebalance(c, &cl, &mv);
	if (c->o.header)
		rc_puts("#slot\tfrom\tto\n");
	print_plan(mv, n);
	free(mv);
	rc_cluster_close(&cl);
	return RC_EX_OK;
}

static int
cmd_move_or_rebalance(struct ctx *c, int rebalance, int argc)
{
	struct rc_cluster cl;
	struct rc_move *mv = NULL;
	int n, rc;

	if (argc != 0)
		rc_die(RC_EX_USAGE, "%s: unexpected argument", rebalance ? "rebalance" : "move");
	open_cluster(c, &cl);
	n = rebalance ? plan_rebalance(c, &cl, &mv) : plan_move(c, &cl, &mv);
	rc = run_moves(c, &cl, mv, n);
	free(mv);
	rc_cluster_close(&cl);
	return rc;
}

/* A plan from stdin: slot, from, to (ids or addresses).  Rows already done
 * (the slot is the target's and not open) are skipped, so the same plan can
 * be applied again after an interruption. */
static int
cmd_apply(struct ctx *c, int argc)
{
	struct rc_cluster cl;
	struct rc_reader r;
	struct rc_move *mv = NULL;
	struct rc_open *op;
	unsigned char *seen = rc_calloc(RC_NSLOTS, 1);
	char err[512], *line;
	ssize_t len;
	int n = 0, nop, i, rc;

	if (argc != 0)
		rc_die(RC_EX_USAGE, "apply: reads the plan on stdin, takes no arguments");
	open_cluster(c, &cl);
	if ((nop = rc_open_slots(&cl, &op, err, sizeof err)) < 0)
		rc_die(RC_EX_CLUSTER, "%s", err);
	rc_reader_init(&r, STDIN_FILENO, "<stdin>");
	while ((len = rc_reader_line(&r, &line)) >= 0) {
		struct rc_field f[4];
		struct rc_node *from, *to, *own;
		long slot;
		int nf, open = 0;

		if (rc_tsv_skip(line, (size_t)len))
			continue;
		nf = rc_tsv_split(line, (size_t)len, f, 4);
		if (nf < 3)
			rc_die_at(r.name, r.lineno, "want slot<TAB>from<TAB>to");
		if (rc_parse_long(f[0].s, 0, RC_NSLOTS - 1, &slot) < 0)
			rc_die_at(r.name, r.lineno, "'%s' is not a slot (0-16383)", f[0].s);
		if ((from = rc_cluster_find(&cl, f[1].s)) == NULL)
			rc_die_at(r.name, r.lineno, "unknown node '%s'", f[1].s);
		if ((to = rc_cluster_find(&cl, f[2].s)) == NULL)
			rc_die_at(r.name, r.lineno, "unknown node '%s'", f[2].s);
		if (!rc_node_is_master(to))
			rc_die_at(r.name, r.lineno, "%s (%.12s) is a replica: the target "
			    "must be a master", addr_of(to), to->id);
		if (seen[slot]++)
			rc_die_at(r.name, r.lineno, "slot %ld is in the plan twice", slot);
		for (i = 0; i < nop; i++)
			if (op[i].slot == slot && strcmp(op[i].src, from->id) == 0 &&
			    strcmp(op[i].dst, to->id) == 0)
				open = 1;
		own = rc_cluster_owner(&cl, (int)slot);
		if (own == to && !open)
			continue;       /* done already */
		if (own != from && !open)
			rc_die_at(r.name, r.lineno, "slot %ld belongs to %s, not to %s: "
			    "make a new plan", slot, own ? addr_of(own) : "no node",
			    addr_of(from));
		mv = rc_realloc(mv, (size_t)(n + 1) * sizeof *mv);
		mv[n].slot = (int)slot;
		snprintf(mv[n].from, sizeof mv[n].from, "%s", from->id);
		snprintf(mv[n].to, sizeof mv[n].to, "%s", to->id);
		n++;
	}
	rc_reader_free(&r);
	free(op);
	free(seen);
	rc = run_moves(c, &cl, mv, n);
	free(mv);
	rc_cluster_close(&cl);
	return rc;
}

/* ---- waiting for agreement ---------------------------------------------------------- */

/* Every node of the cluster knows id (out of handshake); with master set,
 * as a replica of it.  Polls until the deadline. */
static int
wait_known(struct ctx *c, struct rc_cluster *cl, const char *id, const char *master,
    char *why, size_t whylen)
{
	double deadline = rc_now() + c->wait_s;

	for (;;) {
		int i, good = 1;

		for (i = 0; i < cl->nnodes && good; i++) {
			struct rc_node *n = cl->nodes[i], *v, *me;
			redisContext *x;
			int nv;

			if (n->flags & (RC_NF_FAIL | RC_NF_NOADDR))
				continue;
			if ((x = rc_node_ctx(cl, n)) == NULL || (nv = view_of(x, &v)) < 0) {
				snprintf(why, whylen, "%s does not answer", addr_of(n));
				good = 0;
				if (x != NULL)
					rc_node_drop(n, x->errstr);
				break;
			}
			me = view_find(v, nv, id);
			if (me == NULL || (me->flags & (RC_NF_HANDSHAKE | RC_NF_NOADDR))) {
				snprintf(why, whylen, "%s does not know node %.12s yet",
				    addr_of(n), id);
				good = 0;
			} else if (master != NULL && strcmp(me->master_id, master) != 0) {
				snprintf(why, whylen, "%s does not see %.12s as a replica "
				    "of %.12s yet", addr_of(n), id, master);
				good = 0;
			}
			rc_nodes_free(v, nv);
		}
		if (good)
			return 0;
		if (rc_now() > deadline)
			return -1;
		rc_sleep_ms(100);
	}
}

/* ---- create ------------------------------------------------------------------------- */

struct cnode {
	struct rc_addr a;
	redisContext *x;
	char id[41];
	int master;             /* index of its master, or -1 for a master */
	int is_master, nrep;
	int lo, hi;
};

static void
node_empty_or_die(redisContext *x, const char *who)
{
	redisReply *r = redisCommand(x, "CLUSTER INFO");
	char buf[32];

	if (r == NULL)
		rc_die(RC_EX_CLUSTER, "%s: %s", who, x->errstr);
	if (r->type == REDIS_REPLY_ERROR && (strncmp(r->str, "NOAUTH", 6) == 0 ||
	    strncmp(r->str, "WRONGPASS", 9) == 0 || strncmp(r->str, "NOPERM", 6) == 0))
		rc_die(RC_EX_CLUSTER, "%s: %s (the password comes from RC_AUTH or "
		    "--askpass, the user from RC_USER)", who, r->str);
	if (r->type == REDIS_REPLY_ERROR)
		rc_die(RC_EX_USAGE, "%s is not a cluster node (%s): start it with "
		    "cluster-enabled yes", who, r->str);
	if (rc_info_field(r->str, "cluster_known_nodes", buf, sizeof buf) != NULL &&
	    strcmp(buf, "1") != 0)
		rc_die(RC_EX_USAGE, "%s already knows other nodes: it is in a cluster "
		    "(CLUSTER RESET it first)", who);
	if (rc_info_field(r->str, "cluster_slots_assigned", buf, sizeof buf) != NULL &&
	    strcmp(buf, "0") != 0)
		rc_die(RC_EX_USAGE, "%s already has slots assigned", who);
	freeReplyObject(r);
	r = redisCommand(x, "DBSIZE");
	if (r == NULL)
		rc_die(RC_EX_CLUSTER, "%s: %s", who, x->errstr);
	if (r->type == REDIS_REPLY_INTEGER && r->integer != 0)
		rc_die(RC_EX_USAGE, "%s is not empty (%lld keys): FLUSHALL it first",
		    who, r->integer);
	freeReplyObject(r);
}

static void
node_id(redisContext *x, const char *who, char *id)
{
	redisReply *r = redisCommand(x, "CLUSTER MYID");

	if (r == NULL || r->type != REDIS_REPLY_STRING || r->len != 40)
		rc_die(RC_EX_CLUSTER, "%s: CLUSTER MYID: %s", who,
		    r == NULL ? x->errstr : r->type == REDIS_REPLY_ERROR ? r->str : "bad reply");
	memcpy(id, r->str, 40);
	id[40] = '\0';
	freeReplyObject(r);
}

/* Masters are picked round-robin over hosts, so they spread over machines;
 * each replica goes to the master with fewest replicas on another host. */
static void
place(struct cnode *cn, int n, int nmasters)
{
	int *order = rc_calloc((size_t)n, sizeof *order), *used = rc_calloc((size_t)n, 1 + sizeof *used);
	int k = 0, i, j, progress = 1;

	while (k < n && progress) {
		/* One node of each host per round, in the order given. */
		char seen[64][256];
		int ns = 0;

		progress = 0;
		for (i = 0; i < n; i++) {
			int dup = 0;
			if (used[i])
				continue;
			for (j = 0; j < ns && !dup; j++)
				dup = strcmp(seen[j], cn[i].a.host) == 0;
			if (dup)
				continue;
			if (ns < 64)
				snprintf(seen[ns++], sizeof seen[0], "%s", cn[i].a.host);
			used[i] = 1;
			order[k++] = i;
			progress = 1;
		}
	}
	for (i = 0; i < n; i++) {
		cn[order[i]].is_master = i < nmasters;
		cn[order[i]].master = -1;
	}
	/* Each replica to the master with the fewest so far, on another host
	 * where one of those is. */
	for (i = nmasters; i < n; i++) {
		struct cnode *r = &cn[order[i]];
		int best = -1;

		for (j = 0; j < nmasters; j++) {
			struct cnode *m = &cn[order[j]], *b;
			if (best < 0) {
				best = j;
				continue;
			}
			b = &cn[order[best]];
			if (m->nrep < b->nrep || (m->nrep == b->nrep &&
			    strcmp(b->a.host, r->a.host) == 0 &&
			    strcmp(m->a.host, r->a.host) != 0))
				best = j;
		}
		r->master = order[best];
		cn[order[best]].nrep++;
	}
	/* Greedy can still leave a replica beside its master (the last
	 * host's): swap masters with a replica for which both end up away. */
	for (i = nmasters; i < n; i++) {
		struct cnode *r = &cn[order[i]];
		if (strcmp(r->a.host, cn[r->master].a.host) != 0)
			continue;
		for (j = nmasters; j < n; j++) {
			struct cnode *q = &cn[order[j]];
			int t;
			if (q == r || strcmp(q->a.host, cn[r->master].a.host) == 0 ||
			    strcmp(r->a.host, cn[q->master].a.host) == 0)
				continue;
			t = r->master;
			r->master = q->master;
			q->master = t;
			break;
		}
	}
	free(order);
	free(used);
}

static void
cmd_create_assign(struct cnode *cn, int n, int nmasters)
{
	double per = (double)RC_NSLOTS / nmasters, cursor = 0;
	long first = 0;
	int i, k = 0;

	for (i = 0; i < n; i++) {
		long last;
		if (!cn[i].is_master)
			continue;
		last = (long)(cursor + per - 1 + 0.5);
		if (last > RC_NSLOTS - 1 || k == nmasters - 1)
			last = RC_NSLOTS - 1;
		if (last < first)
			last = first;
		cn[i].lo = (int)first;
		cn[i].hi = (int)last;
		first = last + 1;
		cursor += per;
		k++;
	}
}

static void
addslots(struct cnode *cn, const char *who)
{
	int cnt = cn->hi - cn->lo + 1, i;
	const char **argv = rc_calloc((size_t)cnt + 2, sizeof *argv);
	size_t *len = rc_calloc((size_t)cnt + 2, sizeof *len);
	char (*num)[8] = rc_calloc((size_t)cnt, sizeof *num);
	redisReply *r;

	argv[0] = "CLUSTER";
	argv[1] = "ADDSLOTS";
	for (i = 0; i < cnt; i++) {
		snprintf(num[i], sizeof num[i], "%d", cn->lo + i);
		argv[i + 2] = num[i];
	}
	for (i = 0; i < cnt + 2; i++)
		len[i] = strlen(argv[i]);
	r = redisCommandArgv(cn->x, cnt + 2, argv, len);
	if (!reply_ok(r))
		rc_die(RC_EX_CLUSTER, "%s: CLUSTER ADDSLOTS: %s", who,
		    r == NULL ? cn->x->errstr : r->type == REDIS_REPLY_ERROR ? r->str : "bad reply");
	freeReplyObject(r);
	free(argv);
	free(len);
	free(num);
}

/* Every node knows all n, has settled (node_settled) and agrees with the
 * first on the slots and roles. */
static int
create_agreed(struct cnode *cn, int n, char *why, size_t whylen)
{
	char *sig0 = NULL, who[300];
	int i, good = 1;

	for (i = 0; i < n && good; i++) {
		struct rc_node *v;
		char *sig;
		int nv = view_of(cn[i].x, &v);

		rc_addr_fmt(&cn[i].a, who, sizeof who);
		if (nv >= 0)
			rc_nodes_free(v, nv);
		if (nv >= 0 && nv != n) {
			snprintf(why, whylen, "%.200s knows %d of %d nodes", who, nv, n);
			break;
		}
		good = node_settled(cn[i].x, who, 1, &sig, why, whylen);
		if (good && sig0 != NULL && strcmp(sig, sig0) != 0) {
			snprintf(why, whylen, "the nodes' views of the slots differ");
			good = 0;
		}
		if (sig0 == NULL)
			sig0 = sig;
		else
			free(sig);
	}
	free(sig0);
	return good && i == n;
}

static int
cmd_create(struct ctx *c, int argc, char **argv)
{
	struct cnode *cn;
	char why[300] = "", who[300];
	double deadline;
	int n = argc, nmasters, i, k;

	if (n < 1)
		rc_die(RC_EX_USAGE, "create: give the nodes' host:port");
	nmasters = n / (c->replicas + 1);
	if (nmasters < 1)
		rc_die(RC_EX_USAGE, "create: %d nodes cannot make masters with %d "
		    "replicas each", n, c->replicas);
	cn = rc_calloc((size_t)n, sizeof *cn);
	for (i = 0; i < n; i++) {
		char err[400];
		if (rc_addr_parse(argv[i], &cn[i].a) < 0)
			rc_die(RC_EX_USAGE, "create: '%s' is not host:port", argv[i]);
		for (k = 0; k < i; k++)
			if (rc_addr_eq(&cn[k].a, &cn[i].a))
				rc_die(RC_EX_USAGE, "create: %s given twice", argv[i]);
		if ((cn[i].x = rc_connect(&cn[i].a, &c->o, err, sizeof err)) == NULL)
			rc_die(RC_EX_CLUSTER, "%s", err);
		rc_addr_fmt(&cn[i].a, who, sizeof who);
		node_empty_or_die(cn[i].x, who);
		node_id(cn[i].x, who, cn[i].id);
	}
	place(cn, n, nmasters);
	cmd_create_assign(cn, n, nmasters);
	for (i = 0; i < n; i++) {
		redisReply *r;
		rc_addr_fmt(&cn[i].a, who, sizeof who);
		if (cn[i].is_master)
			addslots(&cn[i], who);
		/* Distinct epochs up front: no collisions to settle later. */
		r = redisCommand(cn[i].x, "CLUSTER SET-CONFIG-EPOCH %d", i + 1);
		if (r != NULL)
			freeReplyObject(r);
	}
	for (i = 1; i < n; i++) {
		redisReply *r = redisCommand(cn[i].x, "CLUSTER MEET %s %d", cn[0].a.host,
		    cn[0].a.port);
		rc_addr_fmt(&cn[i].a, who, sizeof who);
		if (!reply_ok(r))
			rc_die(RC_EX_CLUSTER, "%s: CLUSTER MEET: %s", who,
			    r == NULL ? cn[i].x->errstr : r->str);
		freeReplyObject(r);
	}
	deadline = rc_now() + c->wait_s;
	/* Replicas follow once they know their master. */
	for (i = 0; i < n; i++) {
		while (!cn[i].is_master) {
			redisReply *r = redisCommand(cn[i].x, "CLUSTER REPLICATE %s",
			    cn[cn[i].master].id);
			int good = reply_ok(r);
			if (r == NULL)
				rc_die(RC_EX_CLUSTER, "%s", cn[i].x->errstr);
			if (!good && rc_now() > deadline)
				rc_die(RC_EX_CLUSTER, "CLUSTER REPLICATE: %s", r->str);
			freeReplyObject(r);
			if (good)
				break;
			rc_sleep_ms(100);
		}
	}
	{
		redisContext **mx = rc_calloc((size_t)nmasters, sizeof *mx);
		for (i = 0, k = 0; i < n; i++)
			if (cn[i].is_master)
				mx[k++] = cn[i].x;
		while (!create_agreed(cn, n, why, sizeof why)) {
			if (rc_now() > deadline)
				rc_die(RC_EX_CLUSTER, "create: the nodes do not agree after "
				    "%d s: %s", c->wait_s, why);
			poke_streams(mx, k);
			rc_sleep_ms(100);
		}
		free(mx);
	}
	if (c->o.header)
		rc_puts("#addr\tid\trole\tmaster\tslots\n");
	for (i = 0; i < n; i++) {
		rc_addr_fmt(&cn[i].a, who, sizeof who);
		rc_putf("%s\t%s\t%s\t%s\t", who, cn[i].id,
		    cn[i].is_master ? "master" : "replica",
		    cn[i].is_master ? "-" : cn[cn[i].master].id);
		if (cn[i].is_master)
			rc_putf("%d-%d\n", cn[i].lo, cn[i].hi);
		else
			rc_puts("-\n");
		redisFree(cn[i].x);
	}
	free(cn);
	return RC_EX_OK;
}

/* ---- check -------------------------------------------------------------------------- */

static int nerrors;

static void
problem(int error, const char *what, const char *node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
problem(int error, const char *what, const char *node, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	nerrors += error;
	rc_putf("%s\t%s\t%s\t", error ? "error" : "warning", what, node);
	rc_put_field(buf, strlen(buf), 0);
	rc_putc('\n');
}

static int
cmd_check(struct ctx *c, int argc)
{
	struct rc_cluster cl;
	struct rc_node **claim = rc_calloc(RC_NSLOTS, sizeof *claim);
	char *sig0 = NULL, buf[4096];
	int i, j, k, s;

	if (argc != 0)
		rc_die(RC_EX_USAGE, "check: takes no arguments");
	open_cluster(c, &cl);
	if (c->o.header)
		rc_puts("#level\tproblem\tnode\tdetail\n");
	for (i = 0; i < cl.nnodes; i++) {
		struct rc_node *n = cl.nodes[i], *v;
		redisContext *x;
		char *sig;
		int nv;

		if (n->flags & (RC_NF_FAIL | RC_NF_PFAIL))
			problem(1, "failing", addr_of(n), "node %.12s is flagged %s",
			    n->id, n->flags & RC_NF_FAIL ? "fail" : "pfail");
		if ((x = rc_node_ctx(&cl, n)) == NULL || (nv = view_of(x, &v)) < 0) {
			problem(1, "unreachable", addr_of(n), "%s", x == NULL ? n->err :
			    x->errstr);
			continue;
		}
		sig = view_sig(v, nv);
		if (sig0 == NULL)
			sig0 = rc_strdup(sig);
		else if (strcmp(sig, sig0) != 0)
			problem(1, "disagree", addr_of(n), "its view of slots and roles "
			    "differs from %s's", addr_of(cl.nodes[0]));
		free(sig);
		for (j = 0; j < nv; j++) {
			struct rc_node *me = &v[j];
			if (!(me->flags & RC_NF_MYSELF))
				continue;
			for (k = 0; k < me->nopen; k++)
				problem(1, "open", addr_of(n), "slot %d %s %.40s",
				    me->open[k].slot, me->open[k].importing ?
				    "importing from" : "migrating to", me->open[k].peer);
			if (!(me->flags & RC_NF_MASTER))
				continue;
			for (k = 0; k < me->nranges; k++)
				for (s = me->ranges[k].lo; s <= me->ranges[k].hi; s++) {
					if (claim[s] != NULL && claim[s] != n)
						problem(1, "conflict", addr_of(n), "slot %d is "
						    "claimed by %s too", s, addr_of(claim[s]));
					claim[s] = n;
				}
		}
		rc_nodes_free(v, nv);
		if (!state_ok(x))
			problem(1, "state", addr_of(n), "cluster_state is not ok");
	}
	/* Uncovered slots, as ranges. */
	for (s = 0; s < RC_NSLOTS; s++) {
		int e = s;
		if (rc_cluster_owner(&cl, s) != NULL)
			continue;
		while (e + 1 < RC_NSLOTS && rc_cluster_owner(&cl, e + 1) == NULL)
			e++;
		if (e > s)
			problem(1, "uncovered", "-", "slots %d-%d have no owner", s, e);
		else
			problem(1, "uncovered", "-", "slot %d has no owner", s);
		s = e;
	}
	for (i = 0; i < cl.nnodes; i++) {
		struct rc_node *m = cl.nodes[i];
		int reps = 0;
		if (!rc_node_is_master(m) || m->nslots == 0)
			continue;
		for (j = 0; j < cl.nnodes; j++)
			reps += cl.nodes[j]->master == m && !(cl.nodes[j]->flags & RC_NF_FAIL);
		if (reps == 0)
			problem(0, "no-replica", addr_of(m), "master with %d slots (%s) has "
			    "no replica", m->nslots, rc_ranges_fmt(m->ranges, m->nranges,
			    buf, 200));
	}
	free(sig0);
	free(claim);
	rc_cluster_close(&cl);
	if (nerrors == 0 && c->o.pretty) {
		rc_flush();
		fprintf(stderr, "%s: the cluster is clean\n", rc_progname);
	}
	return nerrors ? RC_EX_NO : RC_EX_OK;
}

/* ---- fix ---------------------------------------------------------------------------- */

static long
count_keys(struct rc_cluster *cl, struct rc_node *n, int slot)
{
	redisContext *x = rc_node_ctx(cl, n);
	redisReply *r;
	long k = -1;

	if (x == NULL)
		return -1;
	r = redisCommand(x, "CLUSTER COUNTKEYSINSLOT %d", slot);
	if (r != NULL && r->type == REDIS_REPLY_INTEGER)
		k = (long)r->integer;
	if (r != NULL)
		freeReplyObject(r);
	else
		rc_node_drop(n, x->errstr);
	return k;
}

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
	char num[16];
	redisReply *r;

	snprintf(num, sizeof num, "%d", slot);
	r = node_cmd(cl, side, "CLUSTER SETSLOT %s STABLE%s", num, "");
	if (!reply_ok(r))
		rc_die(RC_EX_CLUSTER, "slot %d: SETSLOT STABLE on %s: %s", slot,
		    addr_of(side), r ? r->str : side->err);
	freeReplyObject(r);
	fix_row(slot, "rolled-back", from, to, 0);
}

/* A master by its own word (ROLE), not by the map: after a failover the map
 * lags both ways, a promoted replica still looks a replica and a node that
 * came back after its replica took over still looks a master. */
static int
serving_master(struct rc_cluster *cl, struct rc_node *n)
{
	redisReply *r;
	int yes;

	if ((n->flags & (RC_NF_FAIL | RC_NF_NOADDR)) ||
	    (r = node_cmd(cl, n, "ROLE%s%s", "", "")) == NULL)
		return 0;
	yes = r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(r->element[0]->str, "master") == 0;
	freeReplyObject(r);
	return yes;
}

/* An open slot: roll back when the other side holds none of its keys and
 * does not own it, else finish the move (no key is ever dropped). */
static int
fix_open(struct ctx *c, struct rc_cluster *cl, struct rc_open *op, int nop)
{
	struct rc_move *mv = rc_calloc((size_t)nop + 1, sizeof *mv);
	int n = 0, i, rc = RC_EX_OK;

	for (i = 0; i < nop; i++) {
		struct rc_node *src = rc_cluster_by_id(cl, op[i].src);
		struct rc_node *dst = rc_cluster_by_id(cl, op[i].dst);
		long kd;

		if (src == NULL || dst == NULL) {
			rc_warn("slot %d: node %.12s is not in the cluster: cannot fix it",
			    op[i].slot, src == NULL ? op[i].src : op[i].dst);
			rc = RC_EX_NO;
			continue;
		}
		/* A side that failed over (dead, or a replica now): its
		 * successor is the live master that holds what it had. */
		if (!serving_master(cl, src) && (src = rc_cluster_owner(cl, op[i].slot)) == NULL) {
			rc_warn("slot %d: its source %.12s is down and nobody owns the "
			    "slot: cannot fix it yet", op[i].slot, op[i].src);
			rc = RC_EX_NO;
			continue;
		}
		if (!serving_master(cl, dst) || dst == src) {
			struct rc_node *d = NULL;
			int j, many = 0;
			for (j = 0; j < cl->nnodes; j++) {
				struct rc_node *m = cl->nodes[j];
				long k;
				if (m == src || !serving_master(cl, m))
					continue;
				if ((k = count_keys(cl, m, op[i].slot)) > 0) {
					many += d != NULL;
					d = m;
				}
			}
			if (many) {
				rc_warn("slot %d: its keys are on several masters besides "
				    "%s: cannot fix it", op[i].slot, addr_of(src));
				rc = RC_EX_NO;
				continue;
			}
			if (d == NULL) {
				/* Nobody else holds its keys: close it on the
				 * source, which owns it. */
				roll_back_on(cl, src, op[i].slot, src->id, op[i].dst);
				continue;
			}
			dst = d;
		}
		kd = count_keys(cl, dst, op[i].slot);
		if (kd < 0 || count_keys(cl, src, op[i].slot) < 0)
			rc_die(RC_EX_CLUSTER, "slot %d: %s", op[i].slot,
			    kd < 0 ? dst->err : src->err);
		if (kd == 0 && rc_cluster_owner(cl, op[i].slot) != dst &&
		    !(op[i].migrating && op[i].importing)) {
			roll_back_on(cl, op[i].importing ? dst : src, op[i].slot, src->id,
			    dst->id);
			continue;
		}
		mv[n].slot = op[i].slot;
		snprintf(mv[n].from, sizeof mv[n].from, "%s", src->id);
		snprintf(mv[n].to, sizeof mv[n].to, "%s", dst->id);
		n++;
	}
	if (n > 0) {
		int r2;
		c->fix_rows = 1;
		r2 = run_moves(c, cl, mv, n);
		if (r2 != RC_EX_OK)
			rc = r2;
	}
	free(mv);
	return rc;
}

/* A slot nobody owns goes to the master holding its keys, else to the master
 * with the fewest slots. */
static int
fix_uncovered(struct ctx *c, struct rc_cluster *cl)
{
	int s, i;

	(void)c;
	for (s = 0; s < RC_NSLOTS; s++) {
		struct rc_node *best = NULL;
		long bestk = 0;
		redisReply *r;
		char num[16];

		if (rc_cluster_owner(cl, s) != NULL)
			continue;
		for (i = 0; i < cl->nnodes; i++) {
			struct rc_node *m = cl->nodes[i];
			long k;
			if (!rc_node_is_master(m) || (m->flags & RC_NF_FAIL))
				continue;
			if ((k = count_keys(cl, m, s)) > bestk) {
				bestk = k;
				best = m;
			}
		}
		if (best == NULL)
			for (i = 0; i < cl->nnodes; i++) {
				struct rc_node *m = cl->nodes[i];
				if (rc_node_is_master(m) && !(m->flags & RC_NF_FAIL) &&
				    (best == NULL || m->nslots < best->nslots))
					best = m;
			}
		if (best == NULL)
			rc_die(RC_EX_CLUSTER, "slot %d: no master to give it to", s);
		snprintf(num, sizeof num, "%d", s);
		r = node_cmd(cl, best, "CLUSTER ADDSLOTS %s%s", num, "");
		if (!reply_ok(r))
			rc_die(RC_EX_CLUSTER, "slot %d: ADDSLOTS on %s: %s", s, addr_of(best),
			    r ? r->str : best->err);
		freeReplyObject(r);
		best->nslots++;
		fix_row(s, "assigned", "-", best->id, bestk);
	}
	return RC_EX_OK;
}

static int
cmd_fix(struct ctx *c, int argc)
{
	struct rc_cluster cl;
	struct rc_open *op;
	char err[512];
	int nop, rc;

	if (argc != 0)
		rc_die(RC_EX_USAGE, "fix: takes no arguments");
	open_cluster(c, &cl);
	if ((nop = rc_open_slots(&cl, &op, err, sizeof err)) < 0)
		rc_die(RC_EX_CLUSTER, "%s", err);
	{
		int s, unc = 0;
		for (s = 0; s < RC_NSLOTS; s++)
			unc += rc_cluster_owner(&cl, s) == NULL;
		if (nop == 0 && unc == 0) {
			free(op);
			rc_cluster_close(&cl);
			return RC_EX_OK;
		}
		if (c->dry_run) {
			int i;
			for (i = 0; i < nop; i++)
				fix_row(op[i].slot, "open", op[i].src, op[i].dst, -1);
			for (s = 0; s < RC_NSLOTS; s++)
				if (rc_cluster_owner(&cl, s) == NULL)
					fix_row(s, "uncovered", "-", "-", -1);
			free(op);
			return RC_EX_OK;
		}
		snprintf(err, sizeof err, "fix %d open and %d uncovered slots", nop, unc);
		confirm(c, err);
	}
	if (c->o.header)
		rc_puts("#slot\taction\tfrom\tto\tkeys\n");
	rc = fix_open(c, &cl, op, nop);
	free(op);
	rc_cluster_refresh(&cl);
	if (rc == RC_EX_OK)
		rc = fix_uncovered(c, &cl);
	/* Like a move: done when every node sees the repaired map. */
	if (rc == RC_EX_OK) {
		char why[300];
		if (rc_cluster_refresh(&cl) == 0 &&
		    wait_agreed(c, &cl, 0, why, sizeof why) < 0)
			rc_warn("fixed, but the nodes do not agree after %d s: %s",
			    c->wait_s, why);
	}
	rc_cluster_close(&cl);
	return rc;
}

/* ---- add-node, del-node ----------------------------------------------------------- */

static struct rc_node *
fewest_replicas(struct rc_cluster *cl, const struct rc_node *not)
{
	struct rc_node *best = NULL;
	int bestr = 0, i, j;

	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *m = cl->nodes[i];
		int r = 0;
		if (!rc_node_is_master(m) || m == not || m->nslots == 0 ||
		    (m->flags & RC_NF_FAIL))
			continue;
		for (j = 0; j < cl->nnodes; j++)
			r += cl->nodes[j]->master == m;
		if (best == NULL || r < bestr) {
			best = m;
			bestr = r;
		}
	}
	return best;
}

/* ---- add-node: the join delay -------------------------------------------------------- */

/* A master that joins a cluster reports cluster_state:ok, and so accepts
 * keys, only a "rejoin delay" after it last saw itself alone: its own
 * cluster-node-timeout, clamped to 500..5000 ms.  add-node lowers the new,
 * empty node's timeout to that floor while it joins and puts the old value
 * back as soon as it reports ok, on every way out (an error, SIGINT, SIGTERM)
 * but SIGKILL. */
static struct {
	redisContext *x;
	char old[32];
} join_nt;
static volatile sig_atomic_t join_stop;

static void
join_restore(void)
{
	redisReply *r;

	if (join_nt.x == NULL)
		return;
	r = redisCommand(join_nt.x, "CONFIG SET cluster-node-timeout %s", join_nt.old);
	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		rc_warn("could not put back cluster-node-timeout %s on the new node: "
		    "set it by hand", join_nt.old);
	if (r != NULL)
		freeReplyObject(r);
	join_nt.x = NULL;
}

static void
join_signal(int sig)
{
	join_stop = sig;
}

static void
join_fast(redisContext *x)
{
	static int registered;
	redisReply *r = redisCommand(x, "CONFIG GET cluster-node-timeout"), *s;
	struct sigaction sa;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[1]->type != REDIS_REPLY_STRING || atol(r->element[1]->str) <= 500) {
		if (r != NULL)
			freeReplyObject(r);
		return;         /* CONFIG renamed away, or already short: leave it */
	}
	snprintf(join_nt.old, sizeof join_nt.old, "%s", r->element[1]->str);
	freeReplyObject(r);
	if (!registered++)
		atexit(join_restore);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = join_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	join_nt.x = x;
	s = redisCommand(x, "CONFIG SET cluster-node-timeout 500");
	if (s == NULL || s->type == REDIS_REPLY_ERROR)
		join_nt.x = NULL;
	if (s != NULL)
		freeReplyObject(s);
}

/* Called in the join's wait loops: an interrupt ends them (atexit puts the
 * timeout back). */
static void
join_check_stop(void)
{
	if (join_stop)
		rc_die(RC_EX_CLUSTER, "add-node: interrupted (signal %d)", (int)join_stop);
}

static int
cmd_add_node(struct ctx *c, int argc, char **argv)
{
	struct rc_cluster cl;
	struct rc_addr a;
	struct rc_node *master = NULL;
	redisContext *x;
	char err[400], who[300], id[41], why[300] = "";
	double deadline;

	if (argc != 1)
		rc_die(RC_EX_USAGE, "add-node: give the new node's host:port");
	if (rc_addr_parse(argv[0], &a) < 0)
		rc_die(RC_EX_USAGE, "add-node: '%s' is not host:port", argv[0]);
	rc_addr_fmt(&a, who, sizeof who);
	open_cluster(c, &cl);
	if (c->replica_of != NULL) {
		master = find_node(&cl, c->replica_of);
		if (!rc_node_is_master(master))
			rc_die(RC_EX_USAGE, "--replica-of %s: that node is a replica, "
			    "name a master", c->replica_of);
	} else if (c->as_replica && (master = fewest_replicas(&cl, NULL)) == NULL)
		rc_die(RC_EX_NO, "add-node: no master with slots to replicate");
	if ((x = rc_connect(&a, &c->o, err, sizeof err)) == NULL)
		rc_die(RC_EX_CLUSTER, "%s", err);
	node_id(x, who, id);
	if (rc_cluster_by_id(&cl, id) == NULL) {
		redisReply *r;
		node_empty_or_die(x, who);
		if (master == NULL)
			join_fast(x);
		r = redisCommand(x, "CLUSTER MEET %s %d", cl.seed->addr.host,
		    cl.seed->addr.port);
		if (!reply_ok(r))
			rc_die(RC_EX_CLUSTER, "%s: CLUSTER MEET: %s", who,
			    r ? r->str : x->errstr);
		freeReplyObject(r);
	}
	deadline = rc_now() + c->wait_s;
	/* Known everywhere, and the new node knows everyone. */
	for (;;) {
		struct rc_node *v;
		int nv = view_of(x, &v), good;
		good = nv >= cl.nnodes + 1 || (nv == cl.nnodes && rc_cluster_by_id(&cl, id));
		if (nv > 0) {
			int i;
			for (i = 0; i < nv; i++)
				if (v[i].flags & RC_NF_HANDSHAKE)
					good = 0;
			rc_nodes_free(v, nv);
		}
		if (good && wait_known(c, &cl, id, NULL, why, sizeof why) == 0)
			break;
		if (!good)
			snprintf(why, sizeof why, "%.250s does not know every node yet", who);
		if (rc_now() > deadline)
			rc_die(RC_EX_CLUSTER, "add-node: %s after %d s", why, c->wait_s);
		join_check_stop();
		rc_sleep_ms(50);
	}
	if (master != NULL) {
		for (;;) {
			redisReply *r = redisCommand(x, "CLUSTER REPLICATE %s", master->id);
			int good = reply_ok(r);
			if (r == NULL)
				rc_die(RC_EX_CLUSTER, "%s: %s", who, x->errstr);
			if (!good && rc_now() > deadline)
				rc_die(RC_EX_CLUSTER, "%s: CLUSTER REPLICATE: %s", who, r->str);
			freeReplyObject(r);
			if (good)
				break;
			rc_sleep_ms(100);
		}
		while (wait_known(c, &cl, id, master->id, why, sizeof why) < 0)
			if (rc_now() > deadline)
				rc_die(RC_EX_CLUSTER, "add-node: %s after %d s", why, c->wait_s);
		/* Served to clients only once its first sync is done. */
		if (rc_cluster_refresh(&cl) < 0)
			rc_die(RC_EX_CLUSTER, "%s", cl.err);
		if (wait_agreed(c, &cl, 1, why, sizeof why) < 0)
			rc_die(RC_EX_CLUSTER, "add-node: %s after %d s", why, c->wait_s);
	}
	while (!state_ok(x)) {
		if (rc_now() > deadline)
			rc_die(RC_EX_CLUSTER, "add-node: %s does not report cluster_state:ok "
			    "after %d s", who, c->wait_s);
		join_check_stop();
		rc_sleep_ms(20);
	}
	join_restore();
	if (c->o.header)
		rc_puts("#addr\tid\trole\tmaster\n");
	rc_putf("%s\t%s\t%s\t%s\n", who, id, master ? "replica" : "master",
	    master ? master->id : "-");
	redisFree(x);
	rc_cluster_close(&cl);
	return RC_EX_OK;
}

static int
cmd_del_node(struct ctx *c, int argc, char **argv)
{
	struct rc_cluster cl;
	struct rc_node *gone;
	char what[400], why[300], id[41];
	double deadline;
	int i, rc;

	if (argc != 1)
		rc_die(RC_EX_USAGE, "del-node: give the node's host:port or id");
	open_cluster(c, &cl);
	gone = find_node(&cl, argv[0]);
	snprintf(id, sizeof id, "%s", gone->id);
	if (cl.nnodes == 1)
		rc_die(RC_EX_USAGE, "del-node: %s is the only node", addr_of(gone));
	snprintf(what, sizeof what, "remove %s (%.12s%s) from the cluster",
	    addr_of(gone), gone->id, gone->nslots ? ", draining its slots" : "");
	if (!c->dry_run)
		confirm(c, what);
	/* 1. Drain: its slots spread over the other masters (with --dry-run
	 * only the plan is printed, and nothing else happens). */
	if (rc_node_is_master(gone) && gone->nslots > 0) {
		struct rc_move *mv = NULL;
		struct rc_plan_opts po;
		struct rc_weight w = { gone, 0 };
		char err[512];
		int n;

		memset(&po, 0, sizeof po);
		po.weights = &w;
		po.nweights = 1;
		po.threshold = 0;
		if ((n = rc_plan_rebalance(&cl, &po, &mv, err, sizeof err)) < 0)
			rc_die(RC_EX_USAGE, "del-node: %s", err);
		if (n < gone->nslots)
			rc_die(RC_EX_NO, "del-node: no other master to take %s's slots",
			    addr_of(gone));
		if (c->dry_run) {
			print_plan(mv, n);
			free(mv);
			rc_cluster_close(&cl);
			return RC_EX_OK;
		}
		if ((rc = run_moves(c, &cl, mv, n)) != RC_EX_OK)
			rc_die(rc, "del-node: %s still has slots; nothing was forgotten",
			    addr_of(gone));
		free(mv);
		if (rc_cluster_refresh(&cl) < 0)
			rc_die(RC_EX_CLUSTER, "%s", cl.err);
		gone = rc_cluster_by_id(&cl, id);
		if (gone == NULL)
			rc_die(RC_EX_CLUSTER, "del-node: node %.12s vanished", id);
	}
	if (c->dry_run) {
		rc_cluster_close(&cl);
		return RC_EX_OK;        /* no slots to drain: nothing to print */
	}
	/* Never forget a master that still serves slots. */
	if (rc_node_is_master(gone) && gone->nslots > 0)
		rc_die(RC_EX_CLUSTER, "del-node: %s still has %d slots; nothing was "
		    "forgotten", addr_of(gone), gone->nslots);
	deadline = rc_now() + c->wait_s;
	/* 2. Its replicas follow another master. */
	for (i = 0; i < cl.nnodes; i++) {
		struct rc_node *r = cl.nodes[i], *m;
		redisReply *rep;

		if (r->master != gone)
			continue;
		if ((m = fewest_replicas(&cl, gone)) == NULL)
			rc_die(RC_EX_NO, "del-node: no master left for %s", addr_of(r));
		rep = node_cmd(&cl, r, "CLUSTER REPLICATE %s%s", m->id, "");
		if (!reply_ok(rep))
			rc_die(RC_EX_CLUSTER, "%s: CLUSTER REPLICATE: %s", addr_of(r),
			    rep ? rep->str : r->err);
		freeReplyObject(rep);
		r->master = m;      /* counts for the next replica's choice */
		while (wait_known(c, &cl, r->id, m->id, why, sizeof why) < 0)
			if (rc_now() > deadline)
				rc_die(RC_EX_CLUSTER, "del-node: %s", why);
	}
	/* 3. Everyone else forgets it, at once (the ban lasts 60 s). */
	for (i = 0; i < cl.nnodes; i++) {
		struct rc_node *n = cl.nodes[i];
		redisReply *rep;

		if (n == gone)
			continue;
		if (n->flags & (RC_NF_FAIL | RC_NF_NOADDR)) {
			rc_warn("%s is down and cannot forget node %.12s: when it is "
			    "back, it may announce it again (a noaddr ghost); run "
			    "'rc-reshard -y del-node %s' again then", addr_of(n), id, id);
			continue;
		}
		rep = node_cmd(&cl, n, "CLUSTER FORGET %s%s", id, "");
		if (rep == NULL)
			rc_die(RC_EX_CLUSTER, "%s", n->err);
		if (rep->type == REDIS_REPLY_ERROR && strstr(rep->str, "Unknown node") == NULL)
			rc_die(RC_EX_CLUSTER, "%s: CLUSTER FORGET: %s", addr_of(n), rep->str);
		freeReplyObject(rep);
	}
	/* 4. The node itself forgets the cluster. */
	{
		/* HARD: a new id, so that the node can join again at once
		 * (the others ban the old id for 60 s after FORGET). */
		redisReply *rep = node_cmd(&cl, gone, "CLUSTER RESET HARD%s%s", "", "");
		if (!reply_ok(rep))
			rc_warn("%s: CLUSTER RESET: %s (the others have forgotten it)",
			    addr_of(gone), rep ? rep->str : gone->err);
		if (rep != NULL)
			freeReplyObject(rep);
	}
	rc_cluster_close(&cl);
	return RC_EX_OK;
}

/* ---- main ----------------------------------------------------------------------------- */

enum {
	O_REPLICA = 0x2000, O_REPLICA_OF, O_FROM, O_TO, O_SLOTS, O_WEIGHT, O_USE_EMPTY,
	O_THRESHOLD, O_BY, O_DRY_RUN, O_REPLACE, O_BATCH, O_PARALLEL, O_CHUNK,
	O_MTIMEOUT, O_WAIT
};

/* Which command takes which of rc-reshard's own options: an option given to a
 * command it does not belong to is a usage error, never silently ignored
 * (del-node --dry-run must not delete a node). */
#define OB(o) (1u << ((o) - O_REPLICA + 2))
#define OB_R 1u
#define OB_Y 2u
#define OB_MIG (OB(O_REPLACE) | OB(O_BATCH) | OB(O_PARALLEL) | OB(O_CHUNK) | \
	OB(O_MTIMEOUT) | OB(O_WAIT))
#define OB_REB (OB(O_WEIGHT) | OB(O_USE_EMPTY) | OB(O_THRESHOLD) | OB(O_BY))
static const struct {
	const char *cmd;
	unsigned ok;
} cmd_opts[] = {
	{ "create", OB_R | OB(O_WAIT) },
	{ "check", 0 },
	{ "fix", OB_Y | OB(O_DRY_RUN) | OB_MIG },
	{ "add-node", OB(O_REPLICA) | OB(O_REPLICA_OF) | OB(O_WAIT) },
	{ "del-node", OB_Y | OB(O_DRY_RUN) | OB_MIG },
	{ "plan", OB(O_FROM) | OB(O_TO) | OB(O_SLOTS) | OB_REB },
	{ "apply", OB_Y | OB(O_DRY_RUN) | OB_MIG },
	{ "move", OB_Y | OB(O_FROM) | OB(O_TO) | OB(O_SLOTS) | OB(O_DRY_RUN) | OB_MIG },
	{ "rebalance", OB_Y | OB_REB | OB(O_DRY_RUN) | OB_MIG },
};

static void
check_opts(const char *cmd, unsigned given, const struct option *lo)
{
	size_t i;
	int b;

	for (i = 0; i < sizeof cmd_opts / sizeof cmd_opts[0]; i++)
		if (strcmp(cmd, cmd_opts[i].cmd) == 0)
			break;
	if (i == sizeof cmd_opts / sizeof cmd_opts[0])
		return;         /* unknown command: main says so */
	for (b = 0; b < 32; b++) {
		const struct option *o;
		int val = b == 0 ? 'r' : b == 1 ? 'y' : O_REPLICA + b - 2;

		if (!(given & (1u << b)) || (cmd_opts[i].ok & (1u << b)))
			continue;
		for (o = lo; o->name != NULL && o->val != val; o++)
			;
		rc_die(RC_EX_USAGE, "%s does not take --%s", cmd, o->name ? o->name : "?");
	}
}

static long
num_arg(const char *opt, const char *s, long lo, long hi)
{
	long v;

	if (rc_parse_long(s, lo, hi, &v) < 0)
		rc_die(RC_EX_USAGE, "%s: '%s' is not a number in %ld-%ld", opt, s, lo, hi);
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		RC_COMMON_LONGOPTS,
		{ "replicas", required_argument, NULL, 'r' },
		{ "yes", no_argument, NULL, 'y' },
		{ "replica", no_argument, NULL, O_REPLICA },
		{ "replica-of", required_argument, NULL, O_REPLICA_OF },
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "slots", required_argument, NULL, O_SLOTS },
		{ "weight", required_argument, NULL, O_WEIGHT },
		{ "use-empty", no_argument, NULL, O_USE_EMPTY },
		{ "threshold", required_argument, NULL, O_THRESHOLD },
		{ "by", required_argument, NULL, O_BY },
		{ "dry-run", no_argument, NULL, O_DRY_RUN },
		{ "replace", no_argument, NULL, O_REPLACE },
		{ "batch", required_argument, NULL, O_BATCH },
		{ "parallel", required_argument, NULL, O_PARALLEL },
		{ "chunk", required_argument, NULL, O_CHUNK },
		{ "migrate-timeout", required_argument, NULL, O_MTIMEOUT },
		{ "wait", required_argument, NULL, O_WAIT },
		{ NULL, 0, NULL, 0 }
	};
	struct ctx c;
	const char *cmd;
	char *end;
	unsigned given = 0;
	int ch;

	rc_init(argv[0]);
	memset(&c, 0, sizeof c);
	rc_opts_init(&c.o);
	rc_mig_defaults(&c.m);
	c.nslots = -1;
	c.threshold = 2;
	c.wait_s = 60;
	c.wspec = rc_calloc((size_t)argc + 1, sizeof *c.wspec);
	while ((ch = rc_getopt(&c.o, argc, argv, "r:y", longopts,
	    usage)) != -1) {
		if (ch == 'r' || ch == 'y' || (ch >= O_REPLICA && ch <= O_WAIT))
			given |= ch == 'r' ? OB_R : ch == 'y' ? OB_Y : OB(ch);
		switch (ch) {
		case 'r':
			c.replicas = (int)num_arg("-r", optarg, 0, 100);
			break;
		case 'y':
			c.yes = 1;
			break;
		case O_REPLICA:
			c.as_replica = 1;
			break;
		case O_REPLICA_OF:
			c.replica_of = optarg;
			break;
		case O_FROM:
			c.from = optarg;
			break;
		case O_TO:
			c.to = optarg;
			break;
		case O_SLOTS:
			c.nslots = num_arg("--slots", optarg, 1, RC_NSLOTS);
			break;
		case O_WEIGHT:
			c.wspec[c.nw++] = optarg;
			break;
		case O_USE_EMPTY:
			c.use_empty = 1;
			break;
		case O_THRESHOLD:
			c.threshold = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(c.threshold >= 0) ||
			    c.threshold > 1000)
				rc_die(RC_EX_USAGE, "--threshold: '%s' is not a percentage", optarg);
			break;
		case O_BY:
			if (strcmp(optarg, "keys") == 0)
				c.by_keys = 1;
			else if (strcmp(optarg, "slots") != 0)
				rc_die(RC_EX_USAGE, "--by: want slots or keys, not '%s'", optarg);
			break;
		case O_DRY_RUN:
			c.dry_run = 1;
			break;
		case O_REPLACE:
			c.m.replace = 1;
			break;
		case O_BATCH:
			c.m.batch = (int)num_arg("--batch", optarg, 1, 100000);
			break;
		case O_PARALLEL:
			c.m.parallel = (int)num_arg("--parallel", optarg, 1, 64);
			break;
		case O_CHUNK:
			c.m.chunk = (int)num_arg("--chunk", optarg, 1, 1024);
			break;
		case O_MTIMEOUT:
			c.m.timeout_ms = (int)num_arg("--migrate-timeout", optarg, 1, 3600000);
			break;
		case O_WAIT:
			c.wait_s = (int)num_arg("--wait", optarg, 1, 3600);
			break;
		default:
			usage(stderr);
			return RC_EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	rc_opts_done(&c.o);
	if (argc < 1) {
		usage(stderr);
		return RC_EX_USAGE;
	}
	cmd = *argv++;
	argc--;
	check_opts(cmd, given, longopts);
	if (c.as_replica && c.replica_of != NULL)
		rc_die(RC_EX_USAGE, "add-node: give --replica or --replica-of, not both");
	if (strcmp(cmd, "create") == 0)
		return cmd_create(&c, argc, argv);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(&c, argc);
	if (strcmp(cmd, "fix") == 0)
		return cmd_fix(&c, argc);
	if (strcmp(cmd, "add-node") == 0)
		return cmd_add_node(&c, argc, argv);
	if (strcmp(cmd, "del-node") == 0)
		return cmd_del_node(&c, argc, argv);
	if (strcmp(cmd, "plan") == 0)
		return cmd_plan(&c, argc, argv);
	if (strcmp(cmd, "apply") == 0)
		return cmd_apply(&c, argc);
	if (strcmp(cmd, "move") == 0)
		return cmd_move_or_rebalance(&c, 0, argc);
	if (strcmp(cmd, "rebalance") == 0)
		return cmd_move_or_rebalance(&c, 1, argc);
	rc_warn("unknown command '%s'", cmd);
	usage(stderr);
	return RC_EX_USAGE;
}
