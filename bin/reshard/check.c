/*
 * check.c - check (every problem, one a line) and settled (the map,
 * once every node agrees on it).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reshard.h"

/* ---- check ------------------------------------------------------------------ */

struct checking {
	struct rc_cluster cl;
	struct rc_claims cm;            /* what every master says, its keys */
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

/* The keys master n holds of a slot it does not claim, by the scan of
 * rc_claims_read (rc-dist keys' too); 0 when unknown. */
static long
keys_held(const struct checking *k, const struct rc_node *n, int slot)
{
	int i;

	for (i = 0; i < k->cm.nm; i++)
		if (k->cm.m[i] == n)
			return k->cm.keys[(size_t)i * RC_NSLOTS + slot] > 0 ?
			    k->cm.keys[(size_t)i * RC_NSLOTS + slot] : 0;
	return 0;
}

/* The slots node n says it has open, in its own view me; an importing side
 * that holds keys of the slot says how many (rc-dist keys counts them for
 * it). */
static void
check_open(struct checking *k, struct rc_node *n, const struct rc_node *me)
{
	char held[64];
	long nk;
	int j;

	for (j = 0; j < me->nopen; j++) {
		held[0] = '\0';
		if (me->open[j].importing && (nk = keys_held(k, n, me->open[j].slot)) > 0)
			snprintf(held, sizeof held, " (holds %ld keys of it)", nk);
		problem(k, 1, "open", addr_of(n), "slot %d %s %.40s%s", me->open[j].slot,
		    me->open[j].importing ? "importing from" : "migrating to",
		    me->open[j].peer, held);
	}
}

/* Nodes n lists that the seed does not know: most often a node removed
 * (del-node) while n was down, which n may announce again; named, with the
 * CLUSTER FORGET that removes it from n. */
static void
check_ghosts(struct checking *k, struct rc_node *n, const struct rc_node *v, int nv)
{
	int j;

	for (j = 0; j < nv; j++)
		if (!(v[j].flags & (RC_NF_MYSELF | RC_NF_HANDSHAKE)) &&
		    rc_cluster_by_id(&k->cl, v[j].id) == NULL)
			problem(k, 1, "ghost", addr_of(n), "lists node %.40s%s, which %s does "
			    "not know (removed while this node was down?): run 'redis-cli -h "
			    "%s -p %d CLUSTER FORGET %.40s' on it", v[j].id,
			    (v[j].flags & RC_NF_NOADDR) ? " (noaddr)" : "",
			    addr_of(k->cl.seed), n->addr.host, n->addr.port, v[j].id);
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
	check_ghosts(k, n, v, nv);
	for (j = 0; j < nv; j++)
		if (v[j].flags & RC_NF_MYSELF)
			check_open(k, n, &v[j]);
	rc_nodes_free(v, nv);
	if ((x = rc_node_ctx(&k->cl, n)) == NULL || !rc_ctx_state_ok(x))
		problem(k, 1, "state", addr_of(n), "cluster_state is not ok");
}

/* Slots that two masters claim, each in its own view. */
static void
check_conflicts(struct checking *k, const struct rc_claims *cm)
{
	int s, i;

	for (s = 0; s < RC_NSLOTS; s++) {
		char who[600] = "";
		if (cm->nclaim[s] < 2)
			continue;
		for (i = 0; i < cm->nm; i++)
			if (cm->mine[(size_t)i * RC_NSLOTS + s])
				snprintf(who + strlen(who), sizeof who - strlen(who), "%s%s",
				    who[0] ? " and " : "", addr_of(cm->m[i]));
		problem(k, 1, "conflict", "-", "slot %d is claimed by %s", s, who);
	}
}

/* Slots no master claims in its own view (whatever the seed's map says),
 * as ranges. */
static void
check_covered(struct checking *k, const struct rc_claims *cm)
{
	int s, e;

	for (s = 0; s < RC_NSLOTS; s = e + 1) {
		e = s;
		if (cm->nclaim[s] > 0)
			continue;
		while (e + 1 < RC_NSLOTS && cm->nclaim[e + 1] == 0)
			e++;
		if (e > s)
			problem(k, 1, "uncovered", "-", "slots %d-%d: no master claims them%s",
			    s, e, cm->silent ? " (some masters did not answer)" : "");
		else
			problem(k, 1, "uncovered", "-", "slot %d: no master claims it%s", s,
			    cm->silent ? " (some masters did not answer)" : "");
	}
}

/* Keys on a master of a slot it does not own: no client reaches them. */
static void
check_stranded(struct checking *k, const struct rc_claims *cm)
{
	long n;
	int i, s;

	for (i = 0; i < cm->nm; i++)
		for (s = 0; s < RC_NSLOTS; s++)
			if ((n = rc_claims_stranded(cm, i, s)) > 0)
				problem(k, 1, "stranded", addr_of(cm->m[i]), "%ld keys of "
				    "slot %d, which it does not own (%s)", n, s,
				    cm->claim[s] != NULL ? addr_of(cm->claim[s]) :
				    "no owner");
}

/* A node whose cluster-node-timeout is not the one most nodes have: left
 * by an add-node that was killed, say. */
static void
check_timeouts(struct checking *k)
{
	struct rc_timeouts t;
	int i;

	if (rc_node_timeouts(&k->cl, &t) < 0)
		return;
	for (i = 0; i < k->cl.nnodes; i++)
		if (t.ms[i] >= 0 && t.ms[i] != t.common)
			problem(k, 1, "timeout", addr_of(k->cl.nodes[i]), "cluster-node-"
			    "timeout is %ld, the others have %ld", t.ms[i], t.common);
	free(t.ms);
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
	if (c->o.header)
		rc_puts("#level\tproblem\tnode\tdetail\n");
	rc_claims_read(&k.cl, &k.cm);
	for (i = 0; i < k.cl.nnodes; i++)
		check_node(&k, k.cl.nodes[i]);
	check_conflicts(&k, &k.cm);
	check_covered(&k, &k.cm);
	check_stranded(&k, &k.cm);
	rc_claims_free(&k.cm);
	check_timeouts(&k);
	check_replicas(&k);
	free(k.sig0);
	rc_cluster_close(&k.cl);
	if (k.nerrors == 0 && c->o.pretty) {
		rc_flush();
		fprintf(stderr, "%s: the cluster is clean\n", rc_progname);
	}
	return k.nerrors ? RC_EX_NO : RC_EX_OK;
}

/* ---- settled ---------------------------------------------------------------- */

/* The agreed map, one node a line: address, id, role, master, slots. */
static void
print_map(struct ctx *c, struct rc_cluster *cl)
{
	int i;

	if (c->o.header)
		rc_puts("#addr\tid\trole\tmaster\tslots\n");
	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *n = cl->nodes[i];
		int m = rc_node_is_master(n);
		char *rg = rc_ranges_str(n->ranges, n->nranges);
		rc_putf("%s\t%s\t%s\t%s\t%s\n", addr_of(n), n->id, m ? "master" : "replica",
		    m ? "-" : n->master_id, n->nranges > 0 ? rg : "-");
		free(rg);
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
