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
	int ok;                     /* it answered */
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

/* INFO and CLUSTER INFO of every node, all nodes at once. */
static struct nstat *
gather_nodes(struct dist *d, struct rc_node **v, int nv)
{
	struct nstat *st = rc_calloc((size_t)nv + 1, sizeof *st);
	struct rc_pipe *p = rc_pipe_new(&d->cl);
	int i;

	for (i = 0; i < nv; i++) {
		rc_pipe_node_cmd(p, v[i], "INFO");
		rc_pipe_node_cmd(p, v[i], "CLUSTER INFO");
	}
	rc_pipe_exec(p);
	for (i = 0; i < nv; i++) {
		redisReply *ri = rc_pipe_reply(p, 2 * (size_t)i);
		redisReply *rc = rc_pipe_reply(p, 2 * (size_t)i + 1);
		struct nstat *s = &st[i];
		const char *ci;
		char db[256];

		s->n = v[i];
		s->keys = s->mem = s->ops = -1;
		s->master_off = s->replica_off = -1;
		snprintf(s->state, sizeof s->state, "-");
		if (ri == NULL || ri->type != REDIS_REPLY_STRING) {
			node_failed(d, v[i], ri);
			continue;
		}
		if (rc == NULL || rc->type != REDIS_REPLY_STRING) {
			node_failed(d, v[i], rc);
			continue;
		}
		s->ok = 1;
		s->info = rc_strdup(ri->str);
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
	rc_pipe_free(p);
	return st;
}

static void
free_nstat(struct nstat *st, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(st[i].info);
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

static void
nodes_summary(struct dist *d, struct nstat *st, int n)
{
	int i, masters = 0, replicas = 0, down = 0, agree = 1;
	long long keys = 0;
	const struct nstat *ref = NULL;
	const char *state;

	for (i = 0; i < n; i++) {
		char fl[128];
		masters += rc_node_is_master(st[i].n);
		replicas += !rc_node_is_master(st[i].n);
		down += unhealthy(health(st[i].n, st[i].ok, fl, sizeof fl));
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
	if (strcmp(state, "ok") != 0 || down > 0)
		d->bad = 1;
	if (d->o.pretty) {
		int good = strcmp(state, "ok") == 0;
		rc_putf("cluster: %s%s%s, slots %lld assigned, %lld ok, %lld pfail, "
		    "%lld fail; %lld known nodes (%d masters, %d replicas, "
		    "%d not ok); size %lld; %lld keys\n",
		    rc_color(&d->o, good ? RC_C_GREEN : RC_C_RED), state,
		    rc_color(&d->o, RC_C_RESET), ref ? ref->assigned : -1, ref ? ref->slots_ok : -1,
		    ref ? ref->slots_pfail : -1, ref ? ref->slots_fail : -1,
		    ref ? ref->known : -1, masters, replicas, down,
		    ref ? ref->size : -1, keys);
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
	cellf(d, 0, "%d", masters);
	cellf(d, 0, "%d", replicas);
	cellf(d, 0, "%d", down);
	cellf(d, 0, "%lld", keys);
	row_end(d);
}

static void
view_info(struct dist *d)
{
	struct rc_node **v;
	struct nstat *st;
	int n;

	connect_cluster(d);
	v = sorted_nodes(d, 0, &n);
	st = gather_nodes(d, v, n);
	if (!d->o.pretty && d->o.header && d->round == 0)
		rc_puts(d->watch > 0 ? "#ts\tstate\tslots_assigned\tslots_ok\t"
		    "slots_pfail\tslots_fail\tknown_nodes\tsize\tmasters\treplicas\t"
		    "not_ok\tkeys\n" : "#state\tslots_assigned\tslots_ok\tslots_pfail\t"
		    "slots_fail\tknown_nodes\tsize\tmasters\treplicas\tnot_ok\tkeys\n");
	nodes_summary(d, st, n);
	free_nstat(st, n);
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

	health(n, s->ok, fl, sizeof fl);
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
	cell(d, 0, master ? "master" : "replica");
	if (master)
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
	row_end(d);
}

static void
view_nodes(struct dist *d)
{
	static const char *const cols[] = { "NODE", "ID", "ROLE", "MASTER",
		"SLOTS", "KEYS", "MEMORY", "OPS/S", "LAG", "LAG_S", "STATE", "FLAGS" };
	struct rc_node **v, **order;
	struct nstat *st;
	int n, i, j, k = 0;

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
	st = gather_nodes(d, order, n);
	header(d, "addr\tid\trole\tmaster\tslots\tkeys\tmemory\tops\tlag\tlag_s\t"
	    "state\tflags", cols, 12);
	for (i = 0; i < n; i++)
		node_row(d, st, n, &st[i]);
	table_done(d);
	if (d->o.pretty)
		nodes_summary(d, st, n);
	else {
		/* The summary's verdict sets the exit status even without it. */
		char fl[128];
		for (i = 0; i < n; i++)
			if (unhealthy(health(st[i].n, st[i].ok, fl, sizeof fl)) ||
			    (st[i].ok && strcmp(st[i].state, "ok") != 0))
				d->bad = 1;
	}
	free_nstat(st, n);
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
