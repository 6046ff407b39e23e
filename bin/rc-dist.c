/*
 * rc-dist - where the slots and the keys of a Redis Cluster live: nodes and
 * the cluster's state, slot ranges, key counts per master and per slot, the
 * hottest slots; -w watches any of them.
 *
 * Every view gathers its numbers first (all nodes queried at once through
 * rc_pipe) and then prints rows: TSV for scripts, an aligned table with bars
 * on a terminal.  A node that does not answer is marked "down" in the rows,
 * named on stderr, and makes the exit status 1; the rest still answer.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "rc.h"

#define SCAN_COUNT 10000        /* SCAN's COUNT: few round trips, short pauses */
#define TOP_DEFAULT 10
#define EVEN_PCT 10.0           /* "within 10% of even" */

enum { OPT_COUNT = 0x2000 };

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

/* Keys per master, however they were counted. */
struct mcount {
	struct rc_node *n;          /* NULL: the unassigned slots */
	long long keys;             /* -1: unknown (the node did not answer) */
	int nslots;
};

struct dist {
	struct rc_opts o;
	struct rc_cluster cl;
	int opened;
	const char *view;
	char **args;
	int nargs;
	const char *match;          /* -m */
	long limit;                 /* -n: keys LIMIT (0: none) */
	int limit_set;
	long top;                   /* -n of hot: top N, sample size */
	double watch;               /* -w seconds, 0: once */
	long count;                 /* --count rounds of -w, 0: forever */
	int stdin_src;              /* keys - / hot - */
	int round;
	long long ts;               /* the row prefix when watching as TSV */
	int bad;                    /* some node down or failing: exit 1 */
	int estimated;              /* keys -n: some count is an estimate */
	long long found;            /* keys -n: the keys SCAN found */
	double share;               /* keys -n: the share of the keys it went over */
	long long *slotkeys;        /* per slot; -1 unknown */
	char *warnings;             /* this round's, one a line */
	size_t wlen;
	char *lastwarn;             /* the previous round's (watch: say changes) */
	struct rc_table *table;
	struct rc_reader in;
	int in_open;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rc-dist [-HTp] [-c host:port] [-w secs [--count n]] view [args]\n"
	    "  views:\n"
	    "    nodes            one row per node: role, slots, keys, memory, ops/s,\n"
	    "                     replication lag, cluster state, health flags\n"
	    "    info             the cluster-wide state in one row\n"
	    "    slots            slot ranges per master; unassigned and open slots\n"
	    "    keys [-m pat] [-n limit] [-]\n"
	    "                     keys per master: exact live counts, a SCAN MATCH of\n"
	    "                     pat (at most limit keys), or rc-slot rows from stdin\n"
	    "    hot [-n top] [-m pat] [-] [slot | node]\n"
	    "                     the slots with the most keys; with a slot or a node,\n"
	    "                     sample keys from it\n"
	    "  -w  redraw every secs seconds (TSV: rows prefixed with a unix time)\n"
	    "  -c  seed node (default $RC_CLUSTER, else 127.0.0.1:7001)\n"
	    "  -H  header line   -T  TSV even on a terminal   -p  aligned table\n"
	    "  -h  this help     -V  version\n");
}

/* ---- small helpers -------------------------------------------------------- */

static int
addr_cmp(const void *a, const void *b)
{
	const struct rc_node *x = *(struct rc_node *const *)a;
	const struct rc_node *y = *(struct rc_node *const *)b;
	int c = strcmp(x->addr.host, y->addr.host);

	if (c != 0)
		return c;
	if (x->addr.port != y->addr.port)
		return x->addr.port < y->addr.port ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* The cluster's nodes (or only its masters) sorted by address. */
static struct rc_node **
sorted_nodes(struct dist *d, int masters_only, int *np)
{
	struct rc_node **v = rc_calloc((size_t)d->cl.nnodes + 1, sizeof *v);
	int i, k = 0;

	for (i = 0; i < d->cl.nnodes; i++)
		if (!masters_only || rc_node_is_master(d->cl.nodes[i]))
			v[k++] = d->cl.nodes[i];
	qsort(v, (size_t)k, sizeof *v, addr_cmp);
	*np = k;
	return v;
}

static const char *
addr_of(const struct rc_node *n, char *buf, size_t len)
{
	if (n == NULL) {
		snprintf(buf, len, "-");
		return buf;
	}
	return rc_node_addr(n, buf, len);
}

/* A warning of this round: collected, then shown as the mode allows. */
static void
note(struct dist *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
note(struct dist *d, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	n = strlen(buf);
	/* The same words twice in one round say nothing new. */
	if (d->warnings != NULL) {
		const char *p = d->warnings;
		while ((p = strstr(p, buf)) != NULL) {
			if ((p == d->warnings || p[-1] == '\n') && p[n] == '\n')
				return;
			p++;
		}
	}
	d->warnings = rc_realloc(d->warnings, d->wlen + n + 2);
	memcpy(d->warnings + d->wlen, buf, n);
	d->wlen += n;
	d->warnings[d->wlen++] = '\n';
	d->warnings[d->wlen] = '\0';
}

/* Once: on stderr.  Watching: on stderr when they changed, or inside the
 * pretty frame (stderr would be wiped by the next redraw). */
static void
show_warnings(struct dist *d)
{
	const char *w = d->warnings != NULL ? d->warnings : "";
	const char *p, *e;

	if (d->watch > 0 && d->o.pretty) {
		for (p = w; *p != '\0'; p = e + 1) {
			e = strchr(p, '\n');
			rc_putf("%s! %.*s%s\n", rc_color(&d->o, RC_C_RED), (int)(e - p),
			    p, rc_color(&d->o, RC_C_RESET));
		}
	} else if (d->watch <= 0 || d->lastwarn == NULL ||
	    strcmp(d->lastwarn, w) != 0) {
		rc_flush();
		for (p = w; *p != '\0'; p = e + 1) {
			e = strchr(p, '\n');
			rc_warn("%.*s", (int)(e - p), p);
		}
	}
	free(d->lastwarn);
	d->lastwarn = rc_strdup(w);
	free(d->warnings);
	d->warnings = NULL;
	d->wlen = 0;
}

/* "fail,pfail" style health of a node; "down" when it did not answer us. */
static const char *
health(const struct rc_node *n, int answered, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = '\0';
#define FLAG(cond, word) \
	if (cond) k += (size_t)snprintf(buf + k, k < len ? len - k : 0, "%s%s", \
	    k ? "," : "", word)
	FLAG(!answered, "down");
	FLAG(n->flags & RC_NF_FAIL, "fail");
	FLAG(n->flags & RC_NF_PFAIL, "pfail");
	FLAG(n->flags & RC_NF_HANDSHAKE, "handshake");
	FLAG(n->flags & RC_NF_NOADDR, "noaddr");
	FLAG(!n->connected && !(n->flags & RC_NF_MYSELF) && answered &&
	    !(n->flags & (RC_NF_FAIL | RC_NF_PFAIL)), "disconnected");
#undef FLAG
	if (k == 0)
		snprintf(buf, len, "ok");
	return buf;
}

static int
unhealthy(const char *flags)
{
	return strcmp(flags, "ok") != 0;
}

/* A whole number written in digits alone (hot's slot argument). */
static int
is_number(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

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

/* ---- output: a row at a time, TSV or table ------------------------------- */

/* Starts a TSV row (the unix time first when watching); NULL for a table. */
static void
row_begin(struct dist *d)
{
	if (d->table != NULL)
		return;
	if (d->watch > 0) {
		rc_puti(d->ts);
		rc_putc('\t');
	}
}

/* A cell: TSV field (escaped) or table cell. */
static void
cell(struct dist *d, int first, const char *s)
{
	if (d->table != NULL) {
		rc_table_cell(d->table, s);
		return;
	}
	if (!first)
		rc_putc('\t');
	rc_put_field(s, strlen(s), first && d->watch <= 0);
}

static void
cellf(struct dist *d, int first, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
cellf(struct dist *d, int first, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	cell(d, first, buf);
}

/* A node id: whole in TSV, its first 10 characters in a table. */
static void
id_cell(struct dist *d, const struct rc_node *n)
{
	char id[11];

	if (d->table == NULL) {
		cell(d, 0, n->id[0] != '\0' ? n->id : "-");
		return;
	}
	memcpy(id, n->id, 10);
	id[10] = '\0';
	rc_table_cell(d->table, id);
}

static void
row_end(struct dist *d)
{
	if (d->table == NULL)
		rc_putc('\n');
}

/* The TSV header (-H, once) or the table's first row. */
static void
header(struct dist *d, const char *tsv, const char *const *pretty, int ncols)
{
	int i;

	if (d->o.pretty) {
		d->table = rc_table_new(ncols);
		for (i = 0; i < ncols; i++)
			rc_table_cell(d->table, pretty[i]);
		return;
	}
	if (!d->o.header || d->round > 0)
		return;
	rc_puts(d->watch > 0 ? "#ts\t" : "#");
	rc_puts(tsv);
	rc_putc('\n');
}

static void
table_done(struct dist *d)
{
	if (d->table == NULL)
		return;
	rc_table_print(d->table, 1);
	rc_table_free(d->table);
	d->table = NULL;
}

/* ---- the cluster ------------------------------------------------------------- */

/* What to do about a refused password, for a message that says so; "" for
 * any other message. */
static const char *
auth_hint(const char *msg)
{
	if (strstr(msg, "NOAUTH") == NULL && strstr(msg, "WRONGPASS") == NULL &&
	    strstr(msg, "authentication failed") == NULL)
		return "";
	return "the password comes from RC_AUTH or --askpass, the user from RC_USER";
}

static void
connect_cluster(struct dist *d)
{
	if (!d->opened) {
		if (rc_cluster_open(&d->cl, &d->o) < 0)
			rc_die(RC_EX_CLUSTER, "cannot read the cluster: %s%s%s%s",
			    d->cl.err, *auth_hint(d->cl.err) ? " (" : "",
			    auth_hint(d->cl.err), *auth_hint(d->cl.err) ? ")" : "");
		/* A node that does not answer is reported, not waited for. */
		d->cl.max_retries = 2;
		d->opened = 1;
		return;
	}
	if (rc_cluster_refresh(&d->cl) < 0) {
		note(d, "cannot refresh the topology: %s (showing the last one%s%s)",
		    d->cl.err, *auth_hint(d->cl.err) ? "; " : "", auth_hint(d->cl.err));
		d->bad = 1;
	}
}

/* The node failed to answer r; says so once a round.  The router's CONNERR
 * and IOERR texts name the node already. */
static void
node_failed(struct dist *d, struct rc_node *n, const redisReply *r)
{
	const char *why = r == NULL ? "no reply" :
	    r->type != REDIS_REPLY_ERROR ? "unexpected reply" : r->str;
	char a[300];

	const char *hint = auth_hint(why);

	d->bad = 1;
	if (strncmp(why, "CONNERR ", 8) == 0 || strncmp(why, "IOERR ", 6) == 0)
		note(d, "%s (marked down%s%s)", strchr(why, ' ') + 1, *hint ? "; " : "",
		    hint);
	else
		note(d, "%s: %s (marked down%s%s)", rc_node_addr(n, a, sizeof a), why,
		    *hint ? "; " : "", hint);
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

/* ---- nodes and info ------------------------------------------------------------ */

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

/* ---- slots ------------------------------------------------------------------ */

static void
bar_cell(struct dist *d, double frac)
{
	char bar[256];
	int w = rc_term_width() / 4;

	if (w < 10)
		w = 10;
	if (w > 40)
		w = 40;
	rc_table_cell(d->table, rc_bar(bar, sizeof bar, frac, w));
}

/* Slots no master owns: named on stderr (the exit status says it too) as
 * ranges, which are left in buf; their count. */
static int
unassigned_note(struct dist *d, char *buf, size_t len)
{
	struct rc_range *r = NULL;
	int s, nr = 0, count = 0;

	for (s = 0; s < RC_NSLOTS; s++) {
		if (d->cl.owner[s] != NULL)
			continue;
		count++;
		if (nr > 0 && r[nr - 1].hi == s - 1) {
			r[nr - 1].hi = s;
			continue;
		}
		r = rc_realloc(r, (size_t)(nr + 1) * sizeof *r);
		r[nr].lo = r[nr].hi = s;
		nr++;
	}
	rc_ranges_fmt(r, nr, buf, len);
	free(r);
	if (count > 0) {
		d->bad = 1;
		note(d, "%d slots are not assigned to any master: %s", count, buf);
	}
	return count;
}

/* Nodes that no row of the view shows (replicas; with all, masters too)
 * and that the cluster flags: named, and the exit status says so, in every
 * view alike. */
static void
flagged_note(struct dist *d, int all)
{
	char a[300], m[300], fl[128];
	int i;

	for (i = 0; i < d->cl.nnodes; i++) {
		struct rc_node *n = d->cl.nodes[i];
		int master = rc_node_is_master(n);

		if ((master && !all) || !unhealthy(health(n, 1, fl, sizeof fl)))
			continue;
		d->bad = 1;
		if (master)
			note(d, "master %s is flagged %s", addr_of(n, a, sizeof a), fl);
		else
			note(d, "replica %s (of %s) is flagged %s", addr_of(n, a, sizeof a),
			    n->master != NULL ? addr_of(n->master, m, sizeof m) :
			    n->master_id[0] ? n->master_id : "no master", fl);
	}
}

/* A slot being moved, as a master's own CLUSTER NODES says (only a node's
 * own line carries its open slots). */
struct oslot {
	int slot;
	int importing;              /* 1: importing from peer; 0: migrating to it */
	struct rc_node *self;
	struct rc_node *peer;       /* NULL: a node the topology does not know */
	char peer_id[41];
};

/* Every master's open slots, all masters asked at once; ans[i] says whether
 * v[i] answered (one that did not is named).  Not lib's rc_open_slots: that
 * gives up when one master does not answer, and the views answer from the
 * rest. */
static struct oslot *
open_slots(struct dist *d, struct rc_node **v, int n, int *ans, int *nop)
{
	struct rc_pipe *p = rc_pipe_new(&d->cl);
	struct oslot *op = NULL;
	int i, j, k;

	*nop = 0;
	for (i = 0; i < n; i++)
		rc_pipe_node_cmd(p, v[i], "CLUSTER NODES");
	rc_pipe_exec(p);
	for (i = 0; i < n; i++) {
		redisReply *r = rc_pipe_reply(p, (size_t)i);
		struct rc_node *view;
		char err[256], a[300];
		int nv;

		ans[i] = 0;
		if (r == NULL || r->type != REDIS_REPLY_STRING) {
			node_failed(d, v[i], r);
			continue;
		}
		if ((nv = rc_parse_nodes(r->str, r->len, &view, err, sizeof err)) < 0) {
			d->bad = 1;
			note(d, "%s: CLUSTER NODES: %s", addr_of(v[i], a, sizeof a), err);
			continue;
		}
		ans[i] = 1;
		for (j = 0; j < nv; j++)
			for (k = 0; (view[j].flags & RC_NF_MYSELF) && k < view[j].nopen; k++) {
				const struct rc_open_slot *os = &view[j].open[k];
				struct oslot *o;

				op = rc_realloc(op, (size_t)(*nop + 1) * sizeof *op);
				o = &op[(*nop)++];
				o->slot = os->slot;
				o->importing = os->importing;
				o->self = v[i];
				o->peer = rc_cluster_by_id(&d->cl, os->peer);
				snprintf(o->peer_id, sizeof o->peer_id, "%s", os->peer);
			}
		rc_nodes_free(view, nv);
	}
	rc_pipe_free(p);
	return op;
}

/* A master's open slots as "5461>127.0.0.1:7002,6000<127.0.0.1:7003" (or
 * "-"), named on stderr when there are any. */
static const char *
open_note(struct dist *d, const struct rc_node *m, const struct oslot *op,
    int nop, char *buf, size_t len)
{
	size_t k = 0;
	int i;
	char a[300];

	buf[0] = '\0';
	for (i = 0; i < nop && k + 1 < len; i++)
		if (op[i].self == m)
			k += (size_t)snprintf(buf + k, len - k, "%s%d%c%s", k ? "," : "",
			    op[i].slot, op[i].importing ? '<' : '>', op[i].peer != NULL ?
			    addr_of(op[i].peer, a, sizeof a) : op[i].peer_id);
	if (k >= len && len > 4)
		strcpy(buf + len - 4, "...");
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
	else
		note(d, "%s has open slots (a migration in progress or interrupted): "
		    "%s", addr_of(m, a, sizeof a), buf);
	return buf;
}

static void
view_slots(struct dist *d)
{
	static const char *const cols[] = { "NODE", "ID", "SLOTS", "%", "",
		"RANGES", "OPEN", "FLAGS" };
	struct rc_node **v;
	struct oslot *op;
	char ranges[4096], open[2048], a[300], fl[128];
	int n, i, nun, nop, *ans;

	connect_cluster(d);
	v = sorted_nodes(d, 1, &n);
	ans = rc_calloc((size_t)n + 1, sizeof *ans);
	op = open_slots(d, v, n, ans, &nop);
	header(d, "addr\tid\tslots\tpercent\tranges\topen\tflags", cols, 8);
	for (i = 0; i < n; i++) {
		double pct = 100.0 * v[i]->nslots / RC_NSLOTS;

		if (unhealthy(health(v[i], ans[i], fl, sizeof fl)))
			d->bad = 1;
		rc_ranges_fmt(v[i]->ranges, v[i]->nranges, ranges, sizeof ranges);
		row_begin(d);
		cell(d, 1, addr_of(v[i], a, sizeof a));
		id_cell(d, v[i]);
		cellf(d, 0, "%d", v[i]->nslots);
		cellf(d, 0, "%.1f", pct);
		if (d->table != NULL)
			bar_cell(d, pct / 100);
		cell(d, 0, v[i]->nranges ? ranges : "-");
		cell(d, 0, open_note(d, v[i], op, nop, open, sizeof open));
		cell(d, 0, fl);
		row_end(d);
	}
	nun = unassigned_note(d, ranges, sizeof ranges);
	if (nun > 0) {
		row_begin(d);
		cell(d, 1, "-");
		cell(d, 0, "-");
		cellf(d, 0, "%d", nun);
		cellf(d, 0, "%.1f", 100.0 * nun / RC_NSLOTS);
		if (d->table != NULL)
			bar_cell(d, (double)nun / RC_NSLOTS);
		cell(d, 0, ranges);
		cell(d, 0, "-");
		cell(d, 0, "unassigned");
		row_end(d);
	}
	table_done(d);
	flagged_note(d, 0);
	free(op);
	free(ans);
	free(v);
}

/* ---- counting keys ------------------------------------------------------------ */

/* The row of mc (n masters, then the unassigned slots) for node m. */
static int
mc_index(const struct mcount *mc, int n, const struct rc_node *m)
{
	int i;

	for (i = 0; i < n && mc[i].n != m; i++)
		;
	return i;
}

/* A COUNTKEYSINSLOT to ask: slot s of master mc[m]. */
struct ask {
	int slot, m;
};

/* The masters that may hold keys of slot s, into who (deduplicated): its
 * owner, the two sides of a migration of it, or, when no master owns it,
 * every master (keys left behind by CLUSTER DELSLOTS). */
static int
holders(int s, struct rc_node *owner, const struct oslot *op, int nop,
    const char *isopen, const struct mcount *mc, int n, int *who)
{
	int i, k = 0, j, c, q;

	if (owner == NULL)
		for (i = 0; i < n; i++)
			who[k++] = i;
	else if ((c = mc_index(mc, n, owner)) < n)
		who[k++] = c;
	for (i = 0; isopen[s] && i < nop; i++) {
		const struct rc_node *side[2] = { op[i].self, op[i].peer };
		for (j = 0; op[i].slot == s && j < 2; j++) {
			c = mc_index(mc, n, side[j]);
			for (q = 0; q < k && who[q] != c; q++)
				;
			if (c < n && q == k)
				who[k++] = c;
		}
	}
	return k;
}

/* count_live's tally. */
struct live {
	struct mcount *mc;
	int n;
	int *failed;                /* a master that failed a count */
	long long *held;            /* keys each master was found to hold */
};

/* Asks the counts of q[0..nq), all at once, and adds them up: a slot's keys
 * count for the master that holds them, or for the unassigned row.  Returns
 * each count (-1: failed), for the caller to free. */
static long long *
ask_counts(struct dist *d, struct live *l, const struct ask *q, int nq)
{
	struct rc_pipe *p = rc_pipe_new(&d->cl);
	long long *got = rc_calloc((size_t)nq + 1, sizeof *got);
	int i;

	for (i = 0; i < nq; i++)
		rc_pipe_node_cmd(p, l->mc[q[i].m].n, "CLUSTER COUNTKEYSINSLOT %d",
		    q[i].slot);
	rc_pipe_exec(p);
	for (i = 0; i < nq; i++) {
		redisReply *r = rc_pipe_reply(p, (size_t)i);
		struct mcount *row = d->cl.owner[q[i].slot] == NULL ?
		    &l->mc[l->n] : &l->mc[q[i].m];
		long long *sk = &d->slotkeys[q[i].slot];

		if (r != NULL && r->type == REDIS_REPLY_INTEGER) {
			got[i] = r->integer;
			l->held[q[i].m] += r->integer;
			if (*sk >= 0)
				*sk += r->integer;
			if (row->keys >= 0)
				row->keys += r->integer;
			continue;
		}
		got[i] = -1;
		if (!l->failed[q[i].m])
			node_failed(d, l->mc[q[i].m].n, r);
		l->failed[q[i].m] = 1;
		l->mc[q[i].m].keys = row->keys = *sk = -1;
	}
	rc_pipe_free(p);
	return got;
}

static void
add_ask(struct ask **q, int *nq, int slot, int m)
{
	*q = rc_realloc(*q, (size_t)(*nq + 1) * sizeof **q);
	(*q)[*nq].slot = slot;
	(*q)[(*nq)++].m = m;
}

/* Keys a master holds in slots it neither owns nor imports (left behind by
 * a move that did not finish): when its DBSIZE says there are more keys
 * than its slots hold, the other slots are asked of it too, and what they
 * hold is counted for it and named. */
static void
count_strays(struct dist *d, struct live *l, const struct oslot *op, int nop,
    const char *isopen)
{
	struct rc_pipe *p = rc_pipe_new(&d->cl);
	int *who = rc_malloc(((size_t)l->n + 1) * sizeof *who);
	int i, s, k, nw;
	size_t j;

	/* Masters that failed already are not waited for again. */
	for (i = 0; i < l->n; i++)
		if (l->mc[i].keys >= 0)
			rc_pipe_node_cmd(p, l->mc[i].n, "DBSIZE");
	rc_pipe_exec(p);
	for (i = 0, j = 0; i < l->n; i++) {
		redisReply *r = l->mc[i].keys >= 0 ? rc_pipe_reply(p, j++) : NULL;
		struct rc_range *rg = NULL;
		struct ask *q = NULL;
		long long *got, stray = 0;
		char a[300], buf[1024];
		int nq = 0, nr = 0;

		if (l->mc[i].keys < 0 || r == NULL || r->type != REDIS_REPLY_INTEGER ||
		    r->integer <= l->held[i])
			continue;
		for (s = 0; s < RC_NSLOTS; s++) {
			nw = holders(s, d->cl.owner[s], op, nop, isopen, l->mc, l->n, who);
			for (k = 0; k < nw && who[k] != i; k++)
				;
			if (k == nw)
				add_ask(&q, &nq, s, i);
		}
		got = ask_counts(d, l, q, nq);
		for (k = 0; k < nq; k++) {
			if (got[k] <= 0)
				continue;
			stray += got[k];
			if (nr > 0 && rg[nr - 1].hi == q[k].slot - 1) {
				rg[nr - 1].hi = q[k].slot;
				continue;
			}
			rg = rc_realloc(rg, (size_t)(nr + 1) * sizeof *rg);
			rg[nr].lo = rg[nr].hi = q[k].slot;
			nr++;
		}
		if (stray > 0)
			note(d, "%s holds %lld keys of slots it does not own: %s (counted "
			    "for it)", addr_of(l->mc[i].n, a, sizeof a), stray,
			    rc_ranges_fmt(rg, nr, buf, sizeof buf));
		free(rg);
		free(got);
		free(q);
	}
	rc_pipe_free(p);
	free(who);
}

/* Exact live counts: CLUSTER COUNTKEYSINSLOT for every slot, sent to its
 * owner, all masters at once.  A slot being migrated is asked of both sides
 * and its keys count for the node that holds them; a slot no master owns is
 * asked of every master and counts for the unassigned row; keys a master
 * holds in other slots are found by count_strays. */
static void
count_live(struct dist *d, struct mcount *mc, int n)
{
	struct rc_node **v = rc_calloc((size_t)n + 1, sizeof *v);
	struct live l = { mc, n, NULL, NULL };
	struct ask *q = NULL;
	struct oslot *op;
	char *isopen = rc_calloc(RC_NSLOTS, 1), buf[2048];
	int *ans = rc_calloc((size_t)n + 1, sizeof *ans);
	int *who = rc_malloc(((size_t)n + 1) * sizeof *who);
	int i, s, k, nop, nq = 0;

	l.failed = rc_calloc((size_t)n + 1, sizeof *l.failed);
	l.held = rc_calloc((size_t)n + 1, sizeof *l.held);
	for (i = 0; i < n; i++)
		v[i] = mc[i].n;
	op = open_slots(d, v, n, ans, &nop);
	for (i = 0; i < n; i++) {
		open_note(d, v[i], op, nop, buf, sizeof buf);
		mc[i].keys = ans[i] ? 0 : -1;
	}
	for (i = 0; i < nop; i++)
		isopen[op[i].slot] = 1;
	if (nop > 0)
		note(d, "the keys of an open slot are counted for the node that "
		    "holds them");
	mc[n].keys = 0;
	for (s = 0; s < RC_NSLOTS; s++) {
		int nw = holders(s, d->cl.owner[s], op, nop, isopen, mc, n, who);

		d->slotkeys[s] = 0;
		for (k = 0; k < nw; k++) {
			if (ans[who[k]]) {
				add_ask(&q, &nq, s, who[k]);
				continue;
			}
			/* It did not answer CLUSTER NODES: not asked again. */
			d->slotkeys[s] = -1;
			if (d->cl.owner[s] == NULL)
				mc[n].keys = -1;
		}
	}
	free(ask_counts(d, &l, q, nq));
	count_strays(d, &l, op, nop, isopen);
	free(q);
	free(op);
	free(isopen);
	free(ans);
	free(l.failed);
	free(l.held);
	free(who);
	free(v);
}

/* One master's SCAN. */
struct scan {
	char cursor[32];
	int active;                 /* still scanning */
	int done;                   /* scanned to the end */
	long long dbsize;           /* with a limit: its DBSIZE */
	long long found;            /* keys SCAN returned */
	long long unowned;          /* of them, keys of slots no master owns */
	double visited;             /* keys SCAN went over (about, with MATCH) */
	long count;                 /* this round's COUNT */
};

/* With a limit: every master's DBSIZE, all at once. */
static void
scan_sizes(struct dist *d, struct mcount *mc, int n, struct scan *sc)
{
	struct rc_pipe *p = rc_pipe_new(&d->cl);
	int i;

	for (i = 0; i < n; i++)
		rc_pipe_node_cmd(p, mc[i].n, "DBSIZE");
	rc_pipe_exec(p);
	for (i = 0; i < n; i++) {
		redisReply *r = rc_pipe_reply(p, (size_t)i);

		if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
			node_failed(d, mc[i].n, r);
			mc[i].keys = -1;
			sc[i].active = 0;
			continue;
		}
		sc[i].dbsize = r->integer;
		if (r->integer == 0) {
			sc[i].active = 0;
			sc[i].done = 1;
		}
	}
	rc_pipe_free(p);
}

/* With a limit, this round's COUNT for each master: the same share of every
 * master's keys (SCAN's COUNT is about how many keys it goes over), a share
 * that should find the keys still wanted at the rate found so far. */
static void
scan_counts(struct dist *d, struct scan *sc, int n, long long total)
{
	double seen = 0, keys = 0, most = 1, rate, share;
	int i;

	for (i = 0; i < n; i++) {
		seen += sc[i].visited;
		if (!sc[i].active)
			continue;
		keys += (double)sc[i].dbsize;
		if ((double)sc[i].dbsize > most)
			most = (double)sc[i].dbsize;
	}
	rate = seen > 0 ? (double)total / seen : 1;
	share = rate > 0 && keys > 0 ? (double)(d->limit - total) / rate / keys : 1;
	if (share > (double)SCAN_COUNT / most)
		share = (double)SCAN_COUNT / most;
	for (i = 0; i < n; i++) {
		sc[i].count = (long)(share * (double)sc[i].dbsize + 0.999);
		if (sc[i].count < 1)
			sc[i].count = 1;
	}
}

/* SCAN [MATCH pattern] on every master, one call per master per round, all
 * masters at once.  Without a limit every master is scanned to the end:
 * exact counts.  With one, each round goes over the same share of every
 * master's keys until the limit is found; a master's count is then the keys
 * found divided by the share of its keys gone over, an estimate. */
static void
count_scan(struct dist *d, struct mcount *mc, int n)
{
	struct scan *sc = rc_calloc((size_t)n + 1, sizeof *sc);
	struct rc_pipe *p = rc_pipe_new(&d->cl);
	int *which = rc_calloc((size_t)n + 1, sizeof *which);
	long long total = 0;
	double seen = 0, keys = 0, unowned = 0;
	int i, active = 0;
	size_t j;

	for (i = 0; i < RC_NSLOTS; i++)
		d->slotkeys[i] = 0;
	for (i = 0; i < n; i++) {
		snprintf(sc[i].cursor, sizeof sc[i].cursor, "0");
		sc[i].active = 1;
		mc[i].keys = 0;
	}
	if (d->limit > 0)
		scan_sizes(d, mc, n, sc);
	for (i = 0; i < n; i++)
		active += sc[i].active;
	while (active > 0 && (d->limit <= 0 || total < d->limit)) {
		int nw = 0, w;

		if (d->limit > 0)
			scan_counts(d, sc, n, total);
		rc_pipe_reset(p);
		for (i = 0; i < n; i++) {
			long count = d->limit > 0 ? sc[i].count : SCAN_COUNT;
			if (!sc[i].active)
				continue;
			if (d->match != NULL)
				rc_pipe_node_cmd(p, mc[i].n, "SCAN %s MATCH %s COUNT %ld",
				    sc[i].cursor, d->match, count);
			else
				rc_pipe_node_cmd(p, mc[i].n, "SCAN %s COUNT %ld",
				    sc[i].cursor, count);
			which[nw++] = i;
		}
		rc_pipe_exec(p);
		for (w = 0; w < nw; w++) {
			struct scan *s = &sc[which[w]];
			redisReply *r = rc_pipe_reply(p, (size_t)w), *ks;

			if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
			    r->element[0]->type != REDIS_REPLY_STRING ||
			    r->element[1]->type != REDIS_REPLY_ARRAY) {
				node_failed(d, mc[which[w]].n, r);
				s->active = 0;
				mc[which[w]].keys = -1;
				active--;
				continue;
			}
			ks = r->element[1];
			for (j = 0; j < ks->elements; j++) {
				redisReply *k = ks->element[j];
				unsigned slot;
				if (k->type != REDIS_REPLY_STRING)
					continue;
				slot = rc_keyslot(k->str, k->len);
				d->slotkeys[slot]++;
				s->unowned += d->cl.owner[slot] == NULL;
				s->found++;
				total++;
			}
			/* SCAN's COUNT is the keys it goes over; without MATCH it
			 * returns them all. */
			s->visited += d->match != NULL ? (double)s->count :
			    (double)ks->elements;
			snprintf(s->cursor, sizeof s->cursor, "%.*s",
			    (int)r->element[0]->len, r->element[0]->str);
			if (strcmp(s->cursor, "0") == 0) {
				s->active = 0;
				s->done = 1;
				s->visited = (double)s->dbsize;
				active--;
			}
		}
	}
	for (i = 0; i < n; i++) {
		double share = 1;

		if (mc[i].keys < 0)
			continue;
		if (d->limit > 0 && !sc[i].done) {
			share = sc[i].visited / (double)sc[i].dbsize;
			if (share > 1)
				share = 1;
			if (share < 1)
				d->estimated = 1;
		}
		seen += sc[i].visited;
		keys += (double)sc[i].dbsize;
		mc[i].keys = (long long)((double)(sc[i].found - sc[i].unowned) /
		    share + 0.5);
		unowned += (double)sc[i].unowned / share;
	}
	mc[n].keys = (long long)(unowned + 0.5);
	d->found = total;
	d->share = keys > 0 ? seen / keys : 1;
	rc_pipe_free(p);
	free(which);
	free(sc);
}

/* rc-slot's rows (key<TAB>slot...) from stdin: counted per slot. */
static void
count_stdin(struct dist *d)
{
	struct rc_reader *r = &d->in;
	struct rc_field f[3];
	ssize_t len;
	char *line;
	int s;

	for (s = 0; s < RC_NSLOTS; s++)
		d->slotkeys[s] = 0;
	rc_reader_init(r, STDIN_FILENO, "<stdin>");
	d->in_open = 1;
	while ((len = rc_reader_line(r, &line)) >= 0) {
		const char *p;
		long v = 0;
		int nf;

		if (rc_tsv_skip(line, (size_t)len))
			continue;
		nf = rc_tsv_split(line, (size_t)len, f, 3);
		if (nf < 2)
			rc_die_at(r->name, r->lineno,
			    "expected key<TAB>slot (rc-slot's rows), got no slot field: "
			    "pipe the keys through rc-slot");
		for (p = f[1].s; *p >= '0' && *p <= '9' && v < RC_NSLOTS; p++)
			v = v * 10 + (*p - '0');
		if (f[1].len == 0 || f[1].len > 5 || *p != '\0' || v >= RC_NSLOTS)
			rc_die_at(r->name, r->lineno,
			    "slot '%.20s' is not a number in 0..16383", f[1].s);
		d->slotkeys[v]++;
	}
	rc_reader_free(r);
	d->in_open = 0;
}

/* Counts keys (the way the options say) into d->slotkeys and per master.
 * Returns the array of masters (sorted), the unassigned slots last. */
static struct mcount *
count_keys(struct dist *d, int *np)
{
	struct rc_node **v;
	struct mcount *mc;
	int n, i, s;

	connect_cluster(d);
	v = sorted_nodes(d, 1, &n);
	mc = rc_calloc((size_t)n + 1, sizeof *mc);
	for (i = 0; i < n; i++) {
		mc[i].n = v[i];
		mc[i].nslots = v[i]->nslots;
	}
	mc[n].n = NULL;
	for (s = 0; s < RC_NSLOTS; s++)
		mc[n].nslots += d->cl.owner[s] == NULL;
	free(v);
	if (d->slotkeys == NULL)
		d->slotkeys = rc_calloc(RC_NSLOTS, sizeof *d->slotkeys);
	d->estimated = 0;
	if (d->stdin_src) {
		/* rc-slot's rows: each key for the owner of its slot. */
		count_stdin(d);
		for (s = 0; s < RC_NSLOTS; s++)
			mc[mc_index(mc, n, d->cl.owner[s])].keys += d->slotkeys[s];
	} else if (d->match != NULL || d->limit_set)
		count_scan(d, mc, n);
	else
		count_live(d, mc, n);
	*np = n;
	return mc;
}

/* ---- keys -------------------------------------------------------------------- */

/* The line under the keys table: how the keys were counted, and whether
 * every master is within 10% of an even share. */
static void
keys_summary(struct dist *d, long long total, double worst)
{
	char how[128];

	if (d->estimated)
		snprintf(how, sizeof how, "about %lld keys, estimated from %lld found "
		    "by SCAN in %.0f%% of each master's keys", total, d->found,
		    100 * d->share);
	else
		snprintf(how, sizeof how, "%lld keys%s", total, d->stdin_src ?
		    " from stdin" : d->match != NULL || d->limit_set ?
		    " found by SCAN" : "");
	rc_putf("%s; %s (largest deviation from an even share %.1f%%)\n", how,
	    worst <= EVEN_PCT ? "balanced: every master within 10% of even" :
	    "skewed: some master is more than 10% off an even share", worst);
}

static void
view_keys(struct dist *d)
{
	static const char *const cols[] = { "NODE", "ID", "KEYS", "%", "",
		"DEV%", "SLOTS", "FLAGS" };
	struct mcount *mc;
	long long total = 0, mtotal = 0;
	double mean, worst = 0;
	int n, i, owning = 0, unknown = 0;
	char a[300], fl[128], ranges[4096];

	mc = count_keys(d, &n);
	for (i = 0; i <= n; i++) {
		if (mc[i].keys > 0)
			total += mc[i].keys;
		if (i == n || mc[i].nslots == 0)
			continue;
		/* An even share among the masters whose count is known. */
		if (mc[i].keys < 0)
			unknown++;
		else {
			owning++;
			mtotal += mc[i].keys;
		}
	}
	mean = owning > 0 ? (double)mtotal / owning : 0;
	if (unknown > 0)
		note(d, "the deviations are from an even share among the %d masters "
		    "that answered, not all %d", owning, owning + unknown);
	header(d, "addr\tid\tkeys\tpercent\tdeviation\tslots\tflags", cols, 8);
	for (i = 0; i <= n; i++) {
		struct mcount *m = &mc[i];
		double pct = total > 0 && m->keys >= 0 ? 100.0 * (double)m->keys /
		    (double)total : 0;
		double dev = 0;
		int has_dev = m->n != NULL && m->nslots > 0 && m->keys >= 0;

		if (m->n == NULL && m->nslots == 0 && m->keys == 0)
			continue;       /* every slot has an owner */
		if (has_dev && mean > 0)
			dev = 100.0 * ((double)m->keys - mean) / mean;
		if (has_dev && (dev > worst || -dev > worst))
			worst = dev < 0 ? -dev : dev;
		if (m->n != NULL)
			health(m->n, m->keys >= 0, fl, sizeof fl);
		else
			snprintf(fl, sizeof fl, "unassigned");
		if (unhealthy(fl))
			d->bad = 1;
		row_begin(d);
		cell(d, 1, addr_of(m->n, a, sizeof a));
		if (m->n == NULL)
			cell(d, 0, "-");
		else
			id_cell(d, m->n);
		if (m->keys >= 0)
			cellf(d, 0, "%lld", m->keys);
		else
			cell(d, 0, "-");
		cellf(d, 0, m->keys >= 0 ? "%.1f" : "-", pct);
		if (d->table != NULL)
			bar_cell(d, pct / 100);
		if (!has_dev)
			cell(d, 0, "-");
		else if (d->table != NULL && (dev > EVEN_PCT || dev < -EVEN_PCT))
			cellf(d, 0, "%s%+.1f%s", rc_color(&d->o, RC_C_YELLOW), dev,
			    rc_color(&d->o, RC_C_RESET));
		else
			cellf(d, 0, "%+.1f", dev);
		cellf(d, 0, "%d", m->nslots);
		cell(d, 0, fl);
		row_end(d);
	}
	table_done(d);
	if (d->o.pretty)
		keys_summary(d, total, worst);
	unassigned_note(d, ranges, sizeof ranges);
	flagged_note(d, 0);
	free(mc);
}

/* ---- hot ------------------------------------------------------------------ */

struct slotstat {
	long long cpu, in, out;     /* -1: unknown */
};

/* CLUSTER SLOT-STATS (Valkey 8, Redis 8.2): cpu and network per slot, where
 * the server has it.  Returns NULL when no master knows the command. */
static struct slotstat *
slot_stats(struct dist *d)
{
	struct rc_node **v;
	struct rc_pipe *p;
	struct slotstat *ss = NULL;
	int n, i, s;
	size_t j, k;

	v = sorted_nodes(d, 1, &n);
	p = rc_pipe_new(&d->cl);
	for (i = 0; i < n; i++)
		rc_pipe_node_cmd(p, v[i], "CLUSTER SLOT-STATS SLOTSRANGE 0 16383");
	rc_pipe_exec(p);
	for (i = 0; i < n; i++) {
		redisReply *r = rc_pipe_reply(p, (size_t)i);
		if (r == NULL || r->type != REDIS_REPLY_ARRAY)
			continue;
		if (ss == NULL) {
			ss = rc_malloc(RC_NSLOTS * sizeof *ss);
			for (s = 0; s < RC_NSLOTS; s++)
				ss[s].cpu = ss[s].in = ss[s].out = -1;
		}
		/* [[slot, [name, value, ...]], ...] */
		for (j = 0; j < r->elements; j++) {
			redisReply *e = r->element[j], *f;
			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
			    e->element[0]->type != REDIS_REPLY_INTEGER)
				continue;
			s = (int)e->element[0]->integer;
			f = e->element[1];
			if (s < 0 || s >= RC_NSLOTS || f->type != REDIS_REPLY_ARRAY)
				continue;
			for (k = 0; k + 1 < f->elements; k += 2) {
				redisReply *name = f->element[k], *val = f->element[k + 1];
				if (name->type != REDIS_REPLY_STRING ||
				    val->type != REDIS_REPLY_INTEGER)
					continue;
				if (strcmp(name->str, "cpu-usec") == 0)
					ss[s].cpu = val->integer;
				else if (strcmp(name->str, "network-bytes-in") == 0)
					ss[s].in = val->integer;
				else if (strcmp(name->str, "network-bytes-out") == 0)
					ss[s].out = val->integer;
			}
		}
	}
	rc_pipe_free(p);
	free(v);
	return ss;
}

/* qsort has no context argument: the counts being sorted by. */
static const long long *sort_keys;

static int
hot_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	if (sort_keys[x] != sort_keys[y])
		return sort_keys[x] > sort_keys[y] ? -1 : 1;
	return x - y;
}

static void
llcell(struct dist *d, long long v)
{
	if (v >= 0)
		cellf(d, 0, "%lld", v);
	else
		cell(d, 0, "-");
}

static void
hot_top(struct dist *d)
{
	static const char *const cols[] = { "SLOT", "KEYS", "NODE", "CPU_USEC",
		"NET_IN", "NET_OUT" };
	struct mcount *mc;
	struct slotstat *ss = NULL;
	int *order = rc_malloc(RC_NSLOTS * sizeof *order);
	int n, s, k = 0, i, unknown = 0;
	long top = d->top;
	char a[300];

	mc = count_keys(d, &n);
	for (s = 0; s < RC_NSLOTS; s++)
		if (d->slotkeys[s] > 0)
			order[k++] = s;
		else if (d->slotkeys[s] < 0)
			unknown++;
	if (unknown > 0)
		note(d, "%d slots of masters that did not answer are left out", unknown);
	sort_keys = d->slotkeys;
	qsort(order, (size_t)k, sizeof *order, hot_cmp);
	if (!d->stdin_src && d->match == NULL && !d->limit_set)
		ss = slot_stats(d);
	header(d, "slot\tkeys\taddr\tcpu_usec\tnet_in\tnet_out", cols, 6);
	for (i = 0; i < k && (top <= 0 || i < top); i++) {
		s = order[i];
		row_begin(d);
		cellf(d, 1, "%d", s);
		cellf(d, 0, "%lld", d->slotkeys[s]);
		cell(d, 0, addr_of(d->cl.owner[s], a, sizeof a));
		llcell(d, ss ? ss[s].cpu : -1);
		llcell(d, ss ? ss[s].in : -1);
		llcell(d, ss ? ss[s].out : -1);
		row_end(d);
	}
	table_done(d);
	free(ss);
	free(order);
	free(mc);
}

static void
sample_row(struct dist *d, const redisReply *k, const struct rc_node *n)
{
	char a[300];
	unsigned slot;

	if (k->type != REDIS_REPLY_STRING)
		return;
	slot = rc_keyslot(k->str, k->len);
	row_begin(d);
	if (d->table != NULL) {
		char *e = rc_malloc(2 * k->len + 1);
		e[rc_tsv_escape(e, k->str, k->len, 1)] = '\0';
		rc_table_cell(d->table, e);
		free(e);
	} else
		rc_put_field(k->str, k->len, d->watch <= 0);
	cellf(d, 0, "%u", slot);
	cell(d, 0, addr_of(n, a, sizeof a));
	row_end(d);
}

/* Sample keys: from one slot (CLUSTER GETKEYSINSLOT on its owner) or from one
 * node (SCAN from its start). */
static void
hot_sample(struct dist *d, const char *what)
{
	static const char *const cols[] = { "KEY", "SLOT", "NODE" };
	long want = d->top > 0 ? d->top : TOP_DEFAULT, got = 0;
	long slot = -1;
	struct rc_node *n;
	redisReply *r;
	size_t j;
	char cursor[32] = "0";

	connect_cluster(d);
	if (is_number(what)) {
		if (rc_parse_long(what, 0, RC_NSLOTS - 1, &slot) < 0)
			rc_die(RC_EX_USAGE, "slot '%s' is not in 0..16383", what);
		if ((n = d->cl.owner[slot]) == NULL)
			rc_die(RC_EX_NO, "slot %ld is not assigned to any master", slot);
	} else if ((n = rc_cluster_find(&d->cl, what)) == NULL)
		rc_die(RC_EX_USAGE, "'%s' is neither a slot nor a node of the cluster "
		    "(give a slot number, host:port or a node id prefix)", what);
	header(d, "key\tslot\taddr", cols, 3);
	if (slot >= 0) {
		r = rc_cluster_cmd(&d->cl, (int)slot, "CLUSTER GETKEYSINSLOT %ld %ld",
		    slot, want);
		if (r->type == REDIS_REPLY_ARRAY) {
			n = d->cl.owner[slot] != NULL ? d->cl.owner[slot] : n;
			for (j = 0; j < r->elements; j++)
				sample_row(d, r->element[j], n);
		} else
			node_failed(d, n, r);
		freeReplyObject(r);
		table_done(d);
		return;
	}
	do {
		struct rc_pipe *pp = rc_pipe_new(&d->cl);

		if (d->match != NULL)
			rc_pipe_node_cmd(pp, n, "SCAN %s MATCH %s COUNT %d", cursor,
			    d->match, 1000);
		else
			rc_pipe_node_cmd(pp, n, "SCAN %s COUNT %d", cursor, 1000);
		rc_pipe_exec(pp);
		r = rc_pipe_reply(pp, 0);
		if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
		    r->element[0]->type == REDIS_REPLY_STRING &&
		    r->element[1]->type == REDIS_REPLY_ARRAY) {
			snprintf(cursor, sizeof cursor, "%.*s",
			    (int)r->element[0]->len, r->element[0]->str);
			for (j = 0; j < r->element[1]->elements && got < want; j++, got++)
				sample_row(d, r->element[1]->element[j], n);
		} else {
			node_failed(d, n, r);
			snprintf(cursor, sizeof cursor, "0");
		}
		rc_pipe_free(pp);
	} while (got < want && strcmp(cursor, "0") != 0);
	table_done(d);
}

static void
view_hot(struct dist *d)
{
	char ranges[4096];

	if (d->nargs > 0)
		hot_sample(d, d->args[0]);
	else
		hot_top(d);
	unassigned_note(d, ranges, sizeof ranges);
	flagged_note(d, 1);
}

/* ---- main ------------------------------------------------------------------- */

struct view {
	const char *name;
	void (*fn)(struct dist *);
	int maxargs;
};

static const struct view views[] = {
	{ "nodes", view_nodes, 0 },
	{ "info", view_info, 0 },
	{ "slots", view_slots, 0 },
	{ "keys", view_keys, 1 },
	{ "hot", view_hot, 2 },
};

static _Noreturn void
bad_usage(const char *fmt, const char *arg)
{
	char buf[512];

	snprintf(buf, sizeof buf, fmt, arg);
	rc_warn("%s", buf);
	usage(stderr);
	exit(RC_EX_USAGE);
}

/* keys/hot: "-" means stdin; hot's other argument is a slot or a node. */
static void
view_args(struct dist *d, const struct view *v)
{
	int i, k = 0;

	if (d->nargs > v->maxargs)
		bad_usage("too many arguments for '%s'", v->name);
	for (i = 0; i < d->nargs; i++) {
		if (strcmp(d->args[i], "-") == 0 && v->maxargs > 0)
			d->stdin_src = 1;
		else if (strcmp(v->name, "hot") == 0 && k == 0)
			d->args[k++] = d->args[i];
		else
			bad_usage("unexpected argument '%s'", d->args[i]);
	}
	d->nargs = k;
	if (d->stdin_src && (d->match != NULL || d->watch > 0 || k > 0 ||
	    d->limit_set))
		bad_usage("%s: stdin rows cannot be combined with -m, -w, a "
		    "slot/node or keys -n", v->name);
	if (d->match != NULL && (strcmp(v->name, "keys") != 0 &&
	    strcmp(v->name, "hot") != 0))
		bad_usage("-m applies to the keys and hot views, not '%s'", v->name);
	if (d->match != NULL && k > 0 && is_number(d->args[0]))
		bad_usage("hot: -m cannot go with a slot (CLUSTER GETKEYSINSLOT takes "
		    "no pattern): give the slot's node instead of slot %s", d->args[0]);
}

static void
watch_frame_start(struct dist *d, const char *argline)
{
	if (d->o.pretty) {
		time_t now = time(NULL);
		char tb[64];
		strftime(tb, sizeof tb, "%Y-%m-%d %H:%M:%S", localtime(&now));
		rc_puts("\033[H\033[2J");
		rc_putf("%sEvery %gs: rc-dist %s%s    %s\n\n",
		    rc_color(&d->o, RC_C_DIM), d->watch, argline, rc_color(&d->o,
		    RC_C_RESET), tb);
	}
	d->ts = (long long)time(NULL);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		RC_COMMON_LONGOPTS,
		{ "match", required_argument, NULL, 'm' },
		{ "limit", required_argument, NULL, 'n' },
		{ "watch", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ NULL, 0, NULL, 0 }
	};
	struct dist d;
	const struct view *v = NULL;
	char argline[512] = "";
	size_t i;
	int ch, rc;

	rc_init(argv[0]);
	memset(&d, 0, sizeof d);
	rc_opts_init(&d.o);
	while ((ch = rc_getopt(&d.o, argc, argv, "m:n:w:", longopts,
	    usage)) != -1) {
		char *end;
		switch (ch) {
		case 'm':
			d.match = optarg;
			break;
		case 'n':
			if (rc_parse_long(optarg, 0, 1L << 40, &d.limit) < 0)
				bad_usage("-n: '%s' is not a count (0 or more)", optarg);
			d.limit_set = 1;
			break;
		case 'w':
			d.watch = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(d.watch >= 0.1) ||
			    d.watch > 86400)
				bad_usage("-w: '%s' is not a number of seconds (0.1 or more)",
				    optarg);
			break;
		case OPT_COUNT:
			if (rc_parse_long(optarg, 1, 1L << 30, &d.count) < 0)
				bad_usage("--count: '%s' is not a count (1 or more)", optarg);
			break;
		default:
			usage(stderr);
			return RC_EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		bad_usage("%s", "no view given (nodes, info, slots, keys or hot)");
	for (i = 0; i < sizeof views / sizeof views[0]; i++)
		if (strcmp(argv[0], views[i].name) == 0)
			v = &views[i];
	if (v == NULL)
		bad_usage("unknown view '%s' (nodes, info, slots, keys or hot)", argv[0]);
	d.view = v->name;
	if (v->fn == view_hot) {
		/* hot's -n is how many rows, not how many keys to scan. */
		d.top = d.limit_set ? d.limit : TOP_DEFAULT;
		d.limit = 0;
		d.limit_set = 0;
	}
	d.args = argv + 1;
	d.nargs = argc - 1;
	view_args(&d, v);
	if (d.count > 0 && d.watch <= 0)
		bad_usage("%s", "--count goes with -w");
	rc_opts_done(&d.o);
	for (ch = 0; ch < argc; ch++) {
		size_t l = strlen(argline);
		snprintf(argline + l, sizeof argline - l, "%s%s", ch ? " " : "", argv[ch]);
	}
	for (d.round = 0; ; d.round++) {
		d.bad = 0;
		if (d.watch > 0)
			watch_frame_start(&d, argline);
		v->fn(&d);
		show_warnings(&d);
		rc_flush();
		if (d.watch <= 0 || (d.count > 0 && d.round + 1 >= d.count))
			break;
		rc_sleep_ms((int)(d.watch * 1000));
	}
	rc = d.bad ? RC_EX_NO : RC_EX_OK;
	if (d.opened)
		rc_cluster_close(&d.cl);
	free(d.slotkeys);
	free(d.lastwarn);
	return rc;
}
