/*
 * failover.c - what a failover needs to know and do: each replica's state
 * and measured lag, whether it could take over now, a promotion that is
 * followed until every node agrees, and the probe's routed operations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rc.h"

/* hiredis 0.14 knows RESP2 only: these types never come. */
#ifndef REDIS_REPLY_MAP
#define REDIS_REPLY_MAP REDIS_REPLY_ARRAY
#endif
#ifndef REDIS_REPLY_VERB
#define REDIS_REPLY_VERB REDIS_REPLY_STRING
#endif

int
rc_fo_tag(struct rc_cluster *cl, const struct rc_node *master, char *buf, size_t n)
{
	char t[32];
	int i;

	if (master->nslots == 0)
		return -1;
	/* Digits reach every slot quickly: a few hundred thousand at most. */
	for (i = 0; i < 2000000; i++) {
		int len = snprintf(t, sizeof t, "%d", i);
		if (rc_cluster_owner(cl, (int)rc_keyslot(t, (size_t)len)) == master) {
			snprintf(buf, n, "%s", t);
			return 0;
		}
	}
	return -1;
}

/* A number field of an INFO reply, or def when absent. */
static long long
info_num(const char *info, const char *field, long long def)
{
	char v[64];

	if (rc_info_field(info, field, v, sizeof v) == NULL || v[0] == '\0')
		return def;
	return strtoll(v, NULL, 10);
}

/* INFO replication of a node, or NULL (not reachable, refused). */
static redisReply *
info_repl(struct rc_cluster *cl, struct rc_node *n)
{
	redisReply *r = rc_node_cmdv(cl, n, "INFO", "replication", NULL);

	if (r != NULL && r->type != REDIS_REPLY_STRING &&
	    r->type != REDIS_REPLY_VERB) {
		char a[300];
		snprintf(n->err, sizeof n->err, "%s: INFO: %s", rc_node_addr(n, a, sizeof a),
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* One value of a CONFIG GET reply (name/value pairs, or a RESP3 map). */
static const char *
config_value(const redisReply *r, const char *name)
{
	size_t i;

	if (r == NULL || (r->type != REDIS_REPLY_ARRAY && r->type != REDIS_REPLY_MAP))
		return NULL;
	for (i = 0; i + 1 < r->elements; i += 2)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    strcasecmp(r->element[i]->str, name) == 0 &&
		    r->element[i + 1]->type == REDIS_REPLY_STRING)
			return r->element[i + 1]->str;
	return NULL;
}

/* The election's limit on a replica's data age (cluster.c in Redis:
 * node-timeout x validity-factor + the ping period), and whether the
 * replica refuses automatic failover.  -1 when CONFIG GET is not allowed
 * or the factor is 0 (no limit). */
static long long
age_limit(struct rc_cluster *cl, struct rc_node *n, long long *timeout, int *nofo)
{
	redisReply *r = rc_node_cmdv(cl, n, "CONFIG", "GET", "cluster-node-timeout",
	    "cluster-replica-validity-factor", "repl-ping-replica-period",
	    "cluster-replica-no-failover", NULL);
	const char *t, *f, *p, *no;
	long long lim = -1;

	*timeout = -1;
	if (r == NULL)
		return -1;
	t = config_value(r, "cluster-node-timeout");
	f = config_value(r, "cluster-replica-validity-factor");
	p = config_value(r, "repl-ping-replica-period");
	no = config_value(r, "cluster-replica-no-failover");
	/* The replica's own setting decides; the flag others gossip lags it. */
	if (no != NULL)
		*nofo = strcasecmp(no, "yes") == 0;
	if (t != NULL)
		*timeout = strtoll(t, NULL, 10);
	if (t != NULL && f != NULL && strtoll(f, NULL, 10) > 0)
		lim = *timeout * strtoll(f, NULL, 10) +
		    (p != NULL ? strtoll(p, NULL, 10) : 10) * 1000;
	freeReplyObject(r);
	return lim;
}

static int
failing(const struct rc_node *n)
{
	return n->down || (n->flags & (RC_NF_FAIL | RC_NF_PFAIL)) != 0;
}

/* A replica's link, offsets, data age and the verdict on it. */
static void
judge_replica(struct rc_cluster *cl, struct rc_fo_row *w, long long moff)
{
	redisReply *r = info_repl(cl, w->node);
	long long timeout = -1;
	int nofo = (w->node->flags & RC_NF_NOFAILOVER) != 0;

	if (r == NULL) {
		snprintf(w->why, sizeof w->why, "unreachable: %s", w->node->err);
		return;
	}
	w->reachable = 1;
	w->link_up = strstr(r->str, "master_link_status:up") != NULL;
	if (moff >= 0 && info_num(r->str, "slave_repl_offset", -1) >= 0) {
		w->lag_bytes = moff - info_num(r->str, "slave_repl_offset", 0);
		if (w->lag_bytes < 0)
			w->lag_bytes = 0;
	}
	/* As the election measures it: time since the last interaction with
	 * the master, or since the link went down, less one node timeout. */
	w->age_ms = 1000 * (w->link_up ? info_num(r->str, "master_last_io_seconds_ago", 0) :
	    info_num(r->str, "master_link_down_since_seconds", 0));
	freeReplyObject(r);
	w->max_age_ms = age_limit(cl, w->node, &timeout, &nofo);
	if (timeout > 0 && w->age_ms > timeout)
		w->age_ms -= timeout;
	if (nofo)
		snprintf(w->why, sizeof w->why, "cluster-replica-no-failover");
	else if (!w->link_up && !failing(w->master))
		snprintf(w->why, sizeof w->why, "link down");
	else if (w->max_age_ms >= 0 && w->age_ms > w->max_age_ms)
		snprintf(w->why, sizeof w->why,
		    "data age %lld ms > %lld ms (node timeout x validity factor + ping period)",
		    w->age_ms, w->max_age_ms);
	else
		w->can = 1;
}

static void
add_row(struct rc_fo_status *st, struct rc_node *n, struct rc_node *m)
{
	struct rc_fo_row *w;

	st->rows = rc_realloc(st->rows, (size_t)(st->n + 1) * sizeof *st->rows);
	w = &st->rows[st->n++];
	memset(w, 0, sizeof *w);
	w->node = n;
	w->master = m;
	w->link_up = -1;
	w->lag_bytes = -1;
	w->lag_ms = -1;
	w->age_ms = -1;
	w->max_age_ms = -1;
}

/* The rows: each master (in slot order), then its replicas. */
static void
collect(struct rc_cluster *cl, struct rc_fo_status *st)
{
	int i, k;

	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *m = cl->nodes[i];
		redisReply *r;
		long long moff = -1;

		if (!rc_node_is_master(m))
			continue;
		add_row(st, m, NULL);
		if ((r = info_repl(cl, m)) != NULL) {
			st->rows[st->n - 1].reachable = 1;
			moff = info_num(r->str, "master_repl_offset", -1);
			freeReplyObject(r);
		} else
			snprintf(st->rows[st->n - 1].why, sizeof st->rows[0].why,
			    "unreachable: %s", m->err);
		for (k = 0; k < cl->nnodes; k++)
			if (cl->nodes[k]->master == m) {
				add_row(st, cl->nodes[k], m);
				judge_replica(cl, &st->rows[st->n - 1], moff);
			}
	}
	/* Replicas of a master nobody lists (a forgotten or unknown id). */
	for (k = 0; k < cl->nnodes; k++)
		if (!rc_node_is_master(cl->nodes[k]) && cl->nodes[k]->master == NULL) {
			add_row(st, cl->nodes[k], NULL);
			snprintf(st->rows[st->n - 1].why, sizeof st->rows[0].why,
			    "its master is unknown");
		}
}

/* Heartbeat: a timestamp SET on each master, then read back from each of
 * its replicas (READONLY) until seen or hb_wait_ms passed.  The lag is from
 * sending the SET to the first read that returns it. */
static void
measure_lag(struct rc_cluster *cl, struct rc_fo_status *st, int hb_wait_ms)
{
	char (*key)[64] = rc_calloc((size_t)st->n, sizeof *key);
	char (*val)[32] = rc_calloc((size_t)st->n, sizeof *val);
	uint64_t *sent = rc_calloc((size_t)st->n, sizeof *sent), t0;
	int i, k, pending = 0;

	for (i = 0; i < st->n; i++) {
		struct rc_fo_row *w = &st->rows[i];
		char tag[32], ttl[32];
		redisReply *r;

		if (w->master != NULL || !w->reachable || rc_fo_tag(cl, w->node, tag, sizeof tag) < 0)
			continue;
		snprintf(key[i], sizeof key[i], "%s{%s}", RC_FO_HB_PREFIX, tag);
		snprintf(ttl, sizeof ttl, "%d", RC_FO_HB_TTL_MS);
		sent[i] = rc_now_us();
		snprintf(val[i], sizeof val[i], "%llu", (unsigned long long)sent[i]);
		r = rc_node_cmdv(cl, w->node, "SET", key[i], val[i], "PX", ttl, NULL);
		if (!rc_reply_ok(r))
			key[i][0] = '\0';
		if (r != NULL)
			freeReplyObject(r);
	}
	for (i = 0; i < st->n; i++) {
		struct rc_fo_row *w = &st->rows[i];
		redisReply *r;
		if (w->master == NULL || !w->reachable)
			continue;
		for (k = 0; k < st->n && st->rows[k].node != w->master; k++)
			;
		if (k == st->n || key[k][0] == '\0')
			continue;
		r = rc_node_cmdv(cl, w->node, "READONLY", NULL);
		if (rc_reply_ok(r)) {
			/* A replica's row is never its master's (i != k). */
			memmove(key[i], key[k], sizeof key[i]);
			memmove(val[i], val[k], sizeof val[i]);
			sent[i] = sent[k];
			pending++;
		}
		if (r != NULL)
			freeReplyObject(r);
	}
	t0 = rc_now_us();
	while (pending > 0 && rc_now_us() - t0 < (uint64_t)hb_wait_ms * 1000) {
		for (i = 0; i < st->n; i++) {
			struct rc_fo_row *w = &st->rows[i];
			redisReply *r;
			if (w->master == NULL || key[i][0] == '\0' || w->lag_ms >= 0)
				continue;
			r = rc_node_cmdv(cl, w->node, "GET", key[i], NULL);
			if (r != NULL && r->type == REDIS_REPLY_STRING && strcmp(r->str, val[i]) == 0) {
				w->lag_ms = (double)(rc_now_us() - sent[i]) / 1000.0;
				pending--;
			} else if (r == NULL)
				pending--;      /* gone: the row says unknown */
			if (r != NULL)
				freeReplyObject(r);
		}
		if (pending > 0)
			rc_sleep_ms(1);
	}
	/* Read or not, the heartbeats go: the user's keyspace keeps none (the
	 * TTL is only for a run stopped before this). */
	for (i = 0; i < st->n; i++) {
		redisReply *r;
		if (st->rows[i].master != NULL || key[i][0] == '\0')
			continue;
		if ((r = rc_node_cmdv(cl, st->rows[i].node, "DEL", key[i], NULL)) != NULL)
			freeReplyObject(r);
	}
	free(key);
	free(val);
	free(sent);
}

/* A master with slots and no replica able to take over is an orphan. */
static void
count_orphans(struct rc_fo_status *st)
{
	int i, k;

	for (i = 0; i < st->n; i++) {
		struct rc_fo_row *m = &st->rows[i];
		int able = 0;
		if (m->master != NULL || m->node->nslots == 0)
			continue;
		for (k = 0; k < st->n; k++)
			able += st->rows[k].master == m->node && st->rows[k].can;
		if (able == 0) {
			st->orphans++;
			if (m->why[0] == '\0')
				snprintf(m->why, sizeof m->why, "no replica can take over");
		}
	}
}

int
rc_fo_status(struct rc_cluster *cl, int hb_wait_ms, struct rc_fo_status *st,
    char *err, size_t errlen)
{
	memset(st, 0, sizeof *st);
	collect(cl, st);
	if (st->n == 0) {
		snprintf(err, errlen, "the cluster lists no nodes");
		return -1;
	}
	measure_lag(cl, st, hb_wait_ms);
	count_orphans(st);
	return 0;
}

void
rc_fo_status_free(struct rc_fo_status *st)
{
	free(st->rows);
	st->rows = NULL;
	st->n = 0;
}

/* ---- promotion ---------------------------------------------------------- */

struct promo {
	struct rc_cluster *cl;
	struct rc_node *r, *m;
	int expect;                 /* the slots the old master served */
	int m_up;                   /* the old master answers */
	uint64_t t0;
	void (*on)(void *, const struct rc_fo_event *);
	void *ud;
};

static void
event(struct promo *p, const char *what, const char *detail)
{
	struct rc_fo_event ev = { what, (double)(rc_now_us() - p->t0) / 1000.0, detail };

	p->on(p->ud, &ev);
}

/* Does the view say r is a master serving the expected slots?  strict:
 * and the old master holds none, and is r's replica when it answers (so a
 * tool run next sees the shard whole). */
static int
view_agrees(const struct promo *p, const struct rc_node *v, int nv, int strict)
{
	int i, master = 0, old = 1;

	for (i = 0; i < nv; i++) {
		if (strcmp(v[i].id, p->r->id) == 0)
			master = rc_node_is_master(&v[i]) && v[i].nslots == p->expect;
		else if (strcmp(v[i].id, p->m->id) == 0)
			old = v[i].nslots == 0 &&
			    (!p->m_up || strcmp(v[i].master_id, p->r->id) == 0);
	}
	return master && (old || !strict);
}

/* 1 when node n's own view agrees that r is the master; -1 unreachable. */
static int
agrees(struct promo *p, struct rc_node *n, int strict)
{
	struct rc_node *v;
	int nv = rc_node_view(p->cl, n, &v), yes;

	if (nv < 0)
		return -1;
	yes = view_agrees(p, v, nv, strict);
	rc_nodes_free(v, nv);
	return yes;
}

/* Replication caught up: the replica's offset reached the master's, read
 * just before it (observable in the default mode, while the master pauses
 * its writers). */
static int
caught_up(struct promo *p)
{
	redisReply *a = info_repl(p->cl, p->m), *b;
	long long mo, ro = -1;

	if (a == NULL)
		return 0;
	mo = info_num(a->str, "master_repl_offset", -1);
	freeReplyObject(a);
	if ((b = info_repl(p->cl, p->r)) == NULL)
		return 0;
	if (strstr(b->str, "role:slave") != NULL)
		ro = info_num(b->str, "slave_repl_offset", -1);
	freeReplyObject(b);
	return mo > 0 && ro >= mo;
}

/* Every reachable node agrees; else names who does not in buf. */
static int
all_agree(struct promo *p, char *buf, size_t n, int *unreachable)
{
	struct rc_node *v;
	int i, k, bad = 0;
	size_t len = 0;

	buf[0] = '\0';
	*unreachable = 0;
	k = rc_node_view(p->cl, p->m, &v);
	p->m_up = k >= 0;
	rc_nodes_free(v, k > 0 ? k : 0);
	for (i = 0; i < p->cl->nnodes; i++) {
		struct rc_node *x = p->cl->nodes[i];
		int a = agrees(p, x, 1);
		char s[300];
		if (a < 0 && x != p->r) {
			(*unreachable)++;
			continue;
		}
		if (a == 1)
			continue;
		bad++;
		if (len < n)
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "",
			    rc_node_addr(x, s, sizeof s));
	}
	return bad == 0;
}

/* Before asking: the replica answers, and in the default mode its master
 * too (a default failover needs the master's cooperation). */
static int
precheck(struct promo *p, int mode, char *err, size_t errlen)
{
	char a[300], b[300];
	redisReply *r = rc_node_cmdv(p->cl, p->r, "PING", NULL);
	int ok = r != NULL && r->type != REDIS_REPLY_ERROR;

	if (r != NULL)
		freeReplyObject(r);
	if (!ok) {
		snprintf(err, errlen, "%s", r == NULL ? p->r->err : "the replica refused PING");
		return -1;
	}
	if (mode != RC_FO_DEFAULT)
		return 0;
	r = rc_node_cmdv(p->cl, p->m, "PING", NULL);
	ok = r != NULL && r->type != REDIS_REPLY_ERROR && !(p->m->flags & RC_NF_FAIL);
	if (r != NULL)
		freeReplyObject(r);
	if (!ok) {
		snprintf(err, errlen, "the master %s of %s is down: a default failover needs "
		    "it; --force promotes without it, --takeover without a majority too",
		    rc_node_addr(p->m, a, sizeof a), rc_node_addr(p->r, b, sizeof b));
		return -1;
	}
	return 0;
}

static int
request(struct promo *p, int mode, char *err, size_t errlen)
{
	const char *how = mode == RC_FO_FORCE ? "FORCE" : mode == RC_FO_TAKEOVER ? "TAKEOVER" : NULL;
	redisReply *r;
	char a[300];
	int ok;

	p->t0 = rc_now_us();
	r = rc_node_cmdv(p->cl, p->r, "CLUSTER", "FAILOVER", how, NULL);
	ok = rc_reply_ok(r);
	if (!ok) {
		const char *hint = rc_kind_hint(rc_reply_kind(r));
		snprintf(err, errlen, "%s: CLUSTER FAILOVER%s%s: %s%s%s",
		    rc_node_addr(p->r, a, sizeof a), how ? " " : "", how ? how : "",
		    r == NULL ? p->r->err : r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply",
		    hint ? ": " : "", hint ? hint : "");
	}
	if (r != NULL)
		freeReplyObject(r);
	if (ok)
		event(p, "requested", rc_node_addr(p->r, a, sizeof a));
	return ok ? 0 : -1;
}

int
rc_fo_promote(struct rc_cluster *cl, struct rc_node *r, int mode, int wait_ms,
    void (*on)(void *ud, const struct rc_fo_event *ev), void *ud,
    char *err, size_t errlen)
{
	struct promo p = { cl, r, r->master, 0, 0, 0, on, ud };
	int caught = mode != RC_FO_DEFAULT, promoted = 0, unr = 0;
	char who[1000], a[300];

	if (p.m == NULL) {
		snprintf(err, errlen, "%s: its master is not known to the cluster",
		    rc_node_addr(r, a, sizeof a));
		return RC_EX_CLUSTER;
	}
	p.expect = p.m->nslots;
	if (precheck(&p, mode, err, errlen) < 0 || request(&p, mode, err, errlen) < 0)
		return RC_EX_CLUSTER;
	while (rc_now_us() - p.t0 < (uint64_t)wait_ms * 1000) {
		if (!caught && !promoted && (caught = caught_up(&p)))
			event(&p, "caught-up", rc_node_addr(p.m, a, sizeof a));
		if (!promoted && agrees(&p, r, 0) == 1) {
			/* The default mode promotes only once the replica has
			 * caught up; a switch faster than our polling still did. */
			if (!caught) {
				caught = 1;
				event(&p, "caught-up", "before the promotion (the default mode "
				    "waits for it; too quick to see)");
			}
			promoted = 1;
			event(&p, "promoted", rc_node_addr(r, a, sizeof a));
		}
		if (promoted && all_agree(&p, who, sizeof who, &unr)) {
			snprintf(who, sizeof who, "%d nodes agree, %d unreachable",
			    cl->nnodes - unr, unr);
			event(&p, "agreed", who);
			return RC_EX_OK;
		}
		rc_sleep_ms(10);
	}
	if (!promoted)
		snprintf(err, errlen, "%s is not a master serving %d slots after %d s",
		    rc_node_addr(r, a, sizeof a), p.expect, wait_ms / 1000);
	else
		snprintf(err, errlen, "%s is promoted, but after %d s these nodes do not "
		    "agree yet: %s", rc_node_addr(r, a, sizeof a), wait_ms / 1000, who);
	return RC_EX_NO;
}

/* ---- the probe's operations ----------------------------------------------- */

static int
outcome(redisReply *r, char *err, size_t errlen)
{
	int k = rc_reply_kind(r);

	if (k != RC_K_OK)
		snprintf(err, errlen, "%s", r != NULL && r->str != NULL ? r->str : "no reply");
	return k;
}

int
rc_fo_probe_set(struct rc_cluster *cl, const char *key, long long seq, long long ttl_ms,
    char *err, size_t errlen)
{
	char v[32], t[32];
	const char *argv[5] = { "SET", key, v, "PX", t };
	redisReply *r;
	int k;

	snprintf(v, sizeof v, "%lld", seq);
	snprintf(t, sizeof t, "%lld", ttl_ms);
	r = rc_cluster_argv(cl, (int)rc_keyslot(key, strlen(key)), 5, argv, NULL);
	k = outcome(r, err, errlen);
	if (k == RC_K_OK && !rc_reply_ok(r)) {
		snprintf(err, errlen, "SET: unexpected reply");
		k = RC_K_ERR;
	}
	freeReplyObject(r);
	return k;
}

int
rc_fo_probe_get(struct rc_cluster *cl, const char *key, long long *seq, char *err,
    size_t errlen)
{
	const char *argv[2] = { "GET", key };
	redisReply *r = rc_cluster_argv(cl, (int)rc_keyslot(key, strlen(key)), 2, argv, NULL);
	int k = outcome(r, err, errlen);

	*seq = -1;
	if (k == RC_K_OK && r->type == REDIS_REPLY_STRING)
		*seq = strtoll(r->str, NULL, 10);
	else if (k == RC_K_OK && r->type != REDIS_REPLY_NIL) {
		snprintf(err, errlen, "GET: unexpected reply");
		k = RC_K_ERR;
	}
	freeReplyObject(r);
	return k;
}

int
rc_fo_probe_del(struct rc_cluster *cl, const char *key)
{
	const char *argv[2] = { "DEL", key };
	redisReply *r = rc_cluster_argv(cl, (int)rc_keyslot(key, strlen(key)), 2, argv, NULL);
	int k = rc_reply_kind(r);

	freeReplyObject(r);
	return k;
}

/* ---- watch ------------------------------------------------------------------ */

int
rc_fo_sight(struct rc_cluster *cl, struct rc_node *n, struct rc_fo_sight *s)
{
	redisReply *r;
	char v[sizeof s->state];

	memset(s, 0, sizeof *s);
	r = rc_node_cmdv(cl, n, "CLUSTER", "INFO", NULL);
	if (r == NULL || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_VERB)) {
		if (r != NULL)
			freeReplyObject(r);
		return -1;
	}
	if (rc_info_field(r->str, "cluster_state", v, sizeof v) != NULL)
		snprintf(s->state, sizeof s->state, "%s", v);
	s->epoch = info_num(r->str, "cluster_current_epoch", -1);
	freeReplyObject(r);
	if ((s->nview = rc_node_view(cl, n, &s->view)) < 0) {
		s->nview = 0;
		return -1;
	}
	s->up = 1;
	return 0;
}

void
rc_fo_sight_free(struct rc_fo_sight *s)
{
	rc_nodes_free(s->view, s->nview);
	memset(s, 0, sizeof *s);
}
