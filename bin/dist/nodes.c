/*
 * nodes.c - rc-dist's nodes and info views: what every node says of itself
 * (INFO and CLUSTER INFO), one row per node or the cluster in one row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"

/* What a node told us about itself (INFO and CLUSTER INFO). */
struct nstat {
	struct rc_node *n;
	struct rc_node *own;        /* n, when only gossip knows it (freed here) */
	int ok;                     /* it answered */
	int gossip;                 /* in handshake or without an address: not asked */
	char *info;                 /* its INFO text (for the replication lines) */
	char state[16];             /* cluster_state as it sees it */
	long long keys, mem, ops;
	long long master_off, replica_off;
	long long assigned, slots_ok, slots_pfail, slots_fail, known, size;
};

static const char *
human(long long v, char *buf, size_t len)
{
	static const char units[] = "BKMGTP";
	double x = (double)v;
	int u = 0;

	if (v < 0)
		return snprintf(buf, len, "-"), buf;
	while (x >= 1024 && u < 5) {
		x /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%lldB", v);
	else
		snprintf(buf, len, "%.1f%c", x, units[u]);
	return buf;
}

static long long
info_ll(const char *info, const char *field, long long dflt)
{
	char buf[64];
	char *end;
	long long v;

	if (info == NULL || rc_info_field(info, field, buf, sizeof buf) == NULL)
		return dflt;
	v = strtoll(buf, &end, 10);
	return end == buf ? dflt : v;
}

static void
nstat_init(struct nstat *s, struct rc_node *n)
{
	memset(s, 0, sizeof *s);
	s->n = n;
	s->keys = s->mem = s->ops = -1;
	s->master_off = s->replica_off = -1;
	s->assigned = s->slots_ok = s->slots_pfail = s->slots_fail = -1;
	s->known = s->size = -1;
	snprintf(s->state, sizeof s->state, "-");
}

/* A node only gossip knows: in handshake (a CLUSTER MEET that has not
 * completed) or without an address.  There is nothing to ask it; it is
 * shown with its flags, named on stderr, and makes the exit status 1. */
static int
gossip_only(struct dist *d, const struct rc_node *n)
{
	char a[300];

	if (!(n->flags & (RC_NF_HANDSHAKE | RC_NF_NOADDR)) && n->addr.host[0] != '\0')
		return 0;
	d->bad = 1;
	if (n->flags & RC_NF_HANDSHAKE)
		note(d, "%s (%.12s) is in handshake: a CLUSTER MEET that has not "
		    "completed (nothing answers there, or not as a node of this "
		    "cluster)", addr_of(n, a, sizeof a), n->id);
	else
		note(d, "node %.12s has no address (forgotten by some nodes while "
		    "others still name it, or another node answers at its address)",
		    n->id);
	return 1;
}

/* The nodes a node's own CLUSTER NODES lists and the topology does not
 * (CLUSTER SHARDS leaves out nodes in handshake): rows of their own. */
static struct nstat *
add_unlisted(struct dist *d, struct nstat *st, int *nst, const redisReply *r)
{
	struct rc_node *g;
	char e[200];
	int ng, i, k;

	if (r == NULL || r->type != REDIS_REPLY_STRING ||
	    (ng = rc_parse_nodes(r->str, r->len, &g, e, sizeof e)) < 0)
		return st;
	for (i = 0; i < ng; i++) {
		struct nstat *s;

		if (rc_cluster_by_id(&d->cl, g[i].id) != NULL)
			continue;
		for (k = 0; k < *nst && strcmp(st[k].n->id, g[i].id) != 0; k++)
			;
		if (k < *nst)
			continue;
		st = rc_realloc(st, (size_t)(*nst + 1) * sizeof *st);
		s = &st[(*nst)++];
		nstat_init(s, rc_malloc(sizeof *s->n));
		*s->n = g[i];
		s->n->flags &= ~(unsigned)RC_NF_MYSELF;
		s->n->ranges = NULL;
		s->n->open = NULL;
		s->n->nranges = s->n->nopen = s->n->nslots = 0;
		s->own = s->n;
		s->gossip = 1;
		if (!(s->n->flags & RC_NF_HANDSHAKE) || !gossip_only(d, s->n)) {
			char a[300];
			int noaddr = (s->n->flags & RC_NF_NOADDR) || s->n->addr.host[0] == '\0';

			/* Out of handshake: a ghost, whether the node that lists
			 * it still has its address or no longer does. */
			d->bad = 1;
			note(d, "%s (%.12s) is listed by a node but not by the seed: a "
			    "node removed while that node was down? ('rc-reshard check' "
			    "names the node that lists it)", noaddr ?
			    "a node with no address" : addr_of(s->n, a, sizeof a), s->n->id);
		}
	}
	rc_nodes_free(g, ng);
	return st;
}

/* What one node said of itself: INFO in ri, CLUSTER INFO in rc. */
static void
read_stat(struct dist *d, struct nstat *s, const redisReply *ri, const redisReply *rc)
{
	const char *ci;
	char db[256];

	if (ri == NULL || ri->type != REDIS_REPLY_STRING) {
		node_failed(d, s->n, ri);
		return;
	}
	if (rc == NULL || rc->type != REDIS_REPLY_STRING) {
		node_failed(d, s->n, rc);
		return;
	}
	s->ok = 1;
	s->info = rc_strdup(ri->str);
	rc_node_server_seen(s->n, s->info);
	s->mem = info_ll(s->info, "used_memory", -1);
	s->ops = info_ll(s->info, "instantaneous_ops_per_sec", -1);
	s->master_off = info_ll(s->info, "master_repl_offset", -1);
	s->replica_off = info_ll(s->info, "slave_repl_offset", -1);
	s->keys = 0;
	if (rc_info_field(s->info, "db0", db, sizeof db) != NULL &&
	    strncmp(db, "keys=", 5) == 0)
		s->keys = strtoll(db + 5, NULL, 10);
	ci = rc->str;
	if (rc_info_field(ci, "cluster_state", s->state, sizeof s->state) == NULL)
		snprintf(s->state, sizeof s->state, "-");
	s->assigned = info_ll(ci, "cluster_slots_assigned", -1);
	s->slots_ok = info_ll(ci, "cluster_slots_ok", -1);
	s->slots_pfail = info_ll(ci, "cluster_slots_pfail", -1);
	s->slots_fail = info_ll(ci, "cluster_slots_fail", -1);
	s->known = info_ll(ci, "cluster_known_nodes", -1);
	s->size = info_ll(ci, "cluster_size", -1);
}

/* INFO, CLUSTER INFO and CLUSTER NODES of every node, all nodes at once;
 * the nodes only some node's gossip knows follow v's, *nst in all. */
static struct nstat *
gather_nodes(struct dist *d, struct rc_node **v, int nv, int *nst)
{
	struct nstat *st = rc_calloc((size_t)nv + 1, sizeof *st);
	struct rc_pipe *p = rc_pipe_new(&d->cl);
	size_t k = 0;
	int i;

	for (i = 0; i < nv; i++) {
		nstat_init(&st[i], v[i]);
		if ((st[i].gossip = gossip_only(d, v[i])))
			continue;
		rc_pipe_node_cmdv(p, v[i], "INFO", NULL);
		rc_pipe_node_cmdv(p, v[i], "CLUSTER", "INFO", NULL);
		rc_pipe_node_cmdv(p, v[i], "CLUSTER", "NODES", NULL);
	}
	rc_pipe_exec(p);
	*nst = nv;
	for (i = 0; i < nv; i++) {
		if (st[i].gossip)
			continue;
		read_stat(d, &st[i], rc_pipe_reply(p, k), rc_pipe_reply(p, k + 1));
		if (st[i].ok)
			st = add_unlisted(d, st, nst, rc_pipe_reply(p, k + 2));
		k += 3;
	}
	rc_pipe_free(p);
	return st;
}

static void
free_nstat(struct nstat *st, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(st[i].info);
		free(st[i].own);
	}
	free(st);
}

static struct nstat *
stat_of(struct nstat *st, int n, const struct rc_node *node)
{
	int i;

	for (i = 0; i < n; i++)
		if (st[i].n == node)
			return &st[i];
	return NULL;
}

/* The master's "slaveN:ip=...,port=...,state=...,offset=...,lag=..." line for
 * replica r: its lag in seconds, or -1. */
static long long
replica_lag_secs(const struct nstat *m, const struct rc_node *r)
{
	char key[300];
	const char *p, *l;

	if (m == NULL || m->info == NULL)
		return -1;
	snprintf(key, sizeof key, "ip=%s,port=%d,", r->addr.host, r->addr.port);
	if ((p = strstr(m->info, key)) == NULL)
		return -1;
	l = strstr(p, "lag=");
	if (l == NULL || (strchr(p, '\n') != NULL && l > strchr(p, '\n')))
		return -1;
	return strtoll(l + 4, NULL, 10);
}

/* Its flags as the rows show them: a node only gossip knows was not asked,
 * so it is not "down" for not answering. */
static const char *
stat_flags(const struct nstat *s, char *buf, size_t len)
{
	return health(s->n, s->ok || s->gossip, buf, len);
}

static const char *
role_of(const struct rc_node *n)
{
	return rc_node_is_master(n) ? "master" :
	    n->flags & RC_NF_REPLICA ? "replica" : "-";
}

/* The servers the nodes that answered run ("redis 7.0.15"), distinct, in
 * the order first seen, with how many nodes run each. */
#define MAX_KINDS 8
struct kinds {
	char name[MAX_KINDS][64];
	int count[MAX_KINDS];
	int n;
};

static void
server_kinds(const struct nstat *st, int n, struct kinds *k)
{
	int i, j;

	k->n = 0;
	for (i = 0; i < n; i++) {
		char si[64];
		if (!st[i].ok || !st[i].n->server.known)
			continue;
		rc_server_fmt(&st[i].n->server, si, sizeof si);
		for (j = 0; j < k->n && strcmp(k->name[j], si) != 0; j++)
			;
		if (j == k->n) {
			if (k->n == MAX_KINDS)
				continue;
			memcpy(k->name[k->n], si, sizeof si);
			k->count[k->n++] = 0;
		}
		k->count[j]++;
	}
}

/* info's servers column: "redis 7.0.15", or mixed "redis 7.0.15,valkey
 * 8.0.1"; "-" when no node told (free it). */
static char *
servers_cell(const struct kinds *k)
{
	struct rc_buf b = { NULL, 0, 0 };
	int i;

	for (i = 0; i < k->n; i++) {
		if (i > 0)
			rc_buf_addc(&b, ',');
		rc_buf_adds(&b, k->name[i]);
	}
	if (b.s == NULL)
		rc_buf_adds(&b, "-");
	return b.s;
}

/* A cluster of more than one server or version is said on stderr, each with
 * how many nodes run it: during a migration that is expected, any other
 * time it is worth knowing.  It is not a fault: the exit status stays. */
static void
mixed_note(struct dist *d, const struct nstat *st, int n)
{
	struct rc_buf b = { NULL, 0, 0 };
	struct kinds k;
	char one[100];
	int i;

	server_kinds(st, n, &k);
	if (k.n < 2)
		return;
	for (i = 0; i < k.n; i++) {
		snprintf(one, sizeof one, "%s%s on %d node%s", i ? ", " : "", k.name[i],
		    k.count[i], k.count[i] == 1 ? "" : "s");
		rc_buf_adds(&b, one);
	}
	note(d, "the cluster mixes servers: %s (each tool uses only what every node "
	    "it asks can do)", b.s);
	rc_buf_free(&b);
}

/* The nodes in handshake and those without an address: counted in not_ok,
 * named in the summary (the TSV row keeps its columns). */
struct gossiped {
	int handshake, noaddr;
};

static void
summary_out(struct dist *d, const char *state, const struct nstat *ref,
    const int *c, const struct gossiped *g, long long keys, const char *servers)
{
	if (d->o.pretty) {
		int good = strcmp(state, "ok") == 0;
		rc_putf("cluster: %s%s%s, slots %lld assigned, %lld ok, %lld pfail, "
		    "%lld fail; %lld known nodes (%d masters, %d replicas, "
		    "%d in handshake, %d without address, %d not ok); size %lld; "
		    "%lld keys; %s\n", rc_color(&d->o, good ? RC_C_GREEN : RC_C_RED),
		    state, rc_color(&d->o, RC_C_RESET), ref ? ref->assigned : -1,
		    ref ? ref->slots_ok : -1, ref ? ref->slots_pfail : -1,
		    ref ? ref->slots_fail : -1, ref ? ref->known : -1, c[0], c[1],
		    g->handshake, g->noaddr, c[2], ref ? ref->size : -1, keys, servers);
		return;
	}
	row_begin(d);
	cell(d, 1, state);
	cellf(d, 0, "%lld", ref ? ref->assigned : -1);
	cellf(d, 0, "%lld", ref ? ref->slots_ok : -1);
	cellf(d, 0, "%lld", ref ? ref->slots_pfail : -1);
	cellf(d, 0, "%lld", ref ? ref->slots_fail : -1);
	cellf(d, 0, "%lld", ref ? ref->known : -1);
	cellf(d, 0, "%lld", ref ? ref->size : -1);
	cellf(d, 0, "%d", c[0]);
	cellf(d, 0, "%d", c[1]);
	cellf(d, 0, "%d", c[2]);
	cellf(d, 0, "%lld", keys);
	cell(d, 0, servers);
	row_end(d);
}

static void
nodes_summary(struct dist *d, struct nstat *st, int n)
{
	struct gossiped g = { 0, 0 };
	int i, c[3] = { 0, 0, 0 }, agree = 1;    /* masters, replicas, not ok */
	long long keys = 0;
	const struct nstat *ref = NULL;
	const char *state;
	struct kinds kinds;
	char *servers;

	for (i = 0; i < n; i++) {
		char fl[128];
		c[0] += rc_node_is_master(st[i].n);
		c[1] += (st[i].n->flags & RC_NF_REPLICA) != 0;
		c[2] += unhealthy(stat_flags(&st[i], fl, sizeof fl));
		g.handshake += (st[i].n->flags & RC_NF_HANDSHAKE) != 0;
		g.noaddr += !(st[i].n->flags & RC_NF_HANDSHAKE) && st[i].gossip;
		if (!st[i].ok)
			continue;
		if (rc_node_is_master(st[i].n))
			keys += st[i].keys;
		if (ref == NULL || st[i].n == d->cl.seed)
			ref = &st[i];
		if (strcmp(st[i].state, "ok") != 0)
			agree = 0;
	}
	state = ref == NULL ? "down" : agree ? "ok" : "fail";
	if (strcmp(state, "ok") != 0 || c[2] > 0)
		d->bad = 1;
	server_kinds(st, n, &kinds);
	servers = servers_cell(&kinds);
	summary_out(d, state, ref, c, &g, keys, servers);
	free(servers);
}

static void
view_info(struct dist *d)
{
	struct rc_node **v;
	struct nstat *st;
	int n, nst;

	connect_cluster(d);
	v = sorted_nodes(d, 0, &n);
	st = gather_nodes(d, v, n, &nst);
	if (!d->o.pretty && d->o.header && d->round == 0)
		rc_puts(d->watch > 0 ? "#ts\tstate\tslots_assigned\tslots_ok\t"
		    "slots_pfail\tslots_fail\tknown_nodes\tsize\tmasters\treplicas\t"
		    "not_ok\tkeys\tservers\n" : "#state\tslots_assigned\tslots_ok\t"
		    "slots_pfail\tslots_fail\tknown_nodes\tsize\tmasters\treplicas\t"
		    "not_ok\tkeys\tservers\n");
	nodes_summary(d, st, nst);
	mixed_note(d, st, nst);
	free_nstat(st, nst);
	free(v);
}

static void
node_row(struct dist *d, struct nstat *st, int nst, struct nstat *s)
{
	struct rc_node *n = s->n;
	struct nstat *m = n->master != NULL ? stat_of(st, nst, n->master) : NULL;
	char a[300], fl[128], hb[32];
	long long lag = -1, lag_s = -1;
	int master = rc_node_is_master(n);

	stat_flags(s, fl, sizeof fl);
	if (!master && s->ok && m != NULL && m->ok && m->master_off >= 0 &&
	    s->replica_off >= 0) {
		lag = m->master_off - s->replica_off;
		if (lag < 0)
			lag = 0;
	}
	if (!master)
		lag_s = replica_lag_secs(m, n);
	row_begin(d);
	cell(d, 1, addr_of(n, a, sizeof a));
	id_cell(d, n);
	cell(d, 0, role_of(n));
	if (master || !(n->flags & RC_NF_REPLICA))
		cell(d, 0, "-");
	else if (n->master != NULL)
		cell(d, 0, addr_of(n->master, a, sizeof a));
	else
		cell(d, 0, n->master_id[0] ? n->master_id : "-");
	cellf(d, 0, "%d", n->nslots);
	if (s->ok)
		cellf(d, 0, "%lld", s->keys);
	else
		cell(d, 0, "-");
	if (d->table != NULL)
		cell(d, 0, human(s->ok ? s->mem : -1, hb, sizeof hb));
	else if (s->ok)
		cellf(d, 0, "%lld", s->mem);
	else
		cell(d, 0, "-");
	if (s->ok && s->ops >= 0)
		cellf(d, 0, "%lld", s->ops);
	else
		cell(d, 0, "-");
	if (lag >= 0)
		cellf(d, 0, "%lld", lag);
	else
		cell(d, 0, "-");
	if (lag_s >= 0)
		cellf(d, 0, "%lld", lag_s);
	else
		cell(d, 0, "-");
	cell(d, 0, s->state);
	if (d->table != NULL && unhealthy(fl))
		cellf(d, 0, "%s%s%s", rc_color(&d->o, RC_C_RED), fl,
		    rc_color(&d->o, RC_C_RESET));
	else
		cell(d, 0, fl);
	cell(d, 0, s->ok && n->server.known ? n->server.name : "-");
	cell(d, 0, s->ok && n->server.known ? n->server.version : "-");
	row_end(d);
}

static void
view_nodes(struct dist *d)
{
	static const char *const cols[] = { "NODE", "ID", "ROLE", "MASTER",
		"SLOTS", "KEYS", "MEMORY", "OPS/S", "LAG", "LAG_S", "STATE", "FLAGS",
		"SERVER", "VERSION" };
	struct rc_node **v, **order;
	struct nstat *st;
	int n, nst, i, j, k = 0;

	connect_cluster(d);
	v = sorted_nodes(d, 0, &n);
	/* Each master followed by its replicas; then whoever is left. */
	order = rc_calloc((size_t)n + 1, sizeof *order);
	for (i = 0; i < n; i++) {
		if (!rc_node_is_master(v[i]))
			continue;
		order[k++] = v[i];
		for (j = 0; j < n; j++)
			if (!rc_node_is_master(v[j]) && v[j]->master == v[i])
				order[k++] = v[j];
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < k && order[j] != v[i]; j++)
			;
		if (j == k)
			order[k++] = v[i];
	}
	st = gather_nodes(d, order, n, &nst);
	header(d, "addr\tid\trole\tmaster\tslots\tkeys\tmemory\tops\tlag\tlag_s\t"
	    "state\tflags\tserver\tversion", cols, 14);
	for (i = 0; i < nst; i++)
		node_row(d, st, nst, &st[i]);
	table_done(d);
	if (d->o.pretty)
		nodes_summary(d, st, nst);
	else {
		/* The summary's verdict sets the exit status even without it. */
		char fl[128];
		for (i = 0; i < nst; i++)
			if (unhealthy(stat_flags(&st[i], fl, sizeof fl)) ||
			    (st[i].ok && strcmp(st[i].state, "ok") != 0))
				d->bad = 1;
	}
	mixed_note(d, st, nst);
	free_nstat(st, nst);
	free(order);
	free(v);
}

int
run_nodes(void *ctx, int argc, char **argv)
{
	return dist_run(ctx, "nodes", argc, argv, view_nodes);
}

int
run_info(void *ctx, int argc, char **argv)
{
	return dist_run(ctx, "info", argc, argv, view_info);
}
