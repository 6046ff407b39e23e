/*
 * hotkey.c - the cluster conversations of rc-hotkey: GET/SET traffic with a
 * known skew, routed in pipelines; and a sample of what every node executes,
 * read from MONITOR streams at once into bounded sketches (topk.c).
 *
 * Redis before 8.6 has no HOTKEYS, so MONITOR is the one source of per-key
 * operation counts that every server has.  Its price is paid by the server:
 * every command it executes is formatted and copied to each monitor, so the
 * sample is kept short and its connections are closed on every path.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rc.h"

/* ---- gen ------------------------------------------------------------------ */

static const char *
gen_key(struct rc_hk_gen *g, struct rc_zipf *z, char *buf, size_t n)
{
	if (g->nhot > 0 && rc_rand01(&z->rng) < g->hot_share)
		return g->hot[rc_rand(&z->rng) % (uint64_t)g->nhot];
	snprintf(buf, n, "%s%llu", g->prefix, (unsigned long long)(rc_zipf_next(z) - 1));
	return buf;
}

/* Where a read of slot goes with g->replicas: a replica of its master that
 * is up and has said READONLY, else NULL (the master, routed). */
static struct rc_node *
gen_replica(struct rc_cluster *cl, int slot)
{
	struct rc_node *r = rc_slot_replica(cl, slot);

	if (r == NULL || (!r->readonly && rc_node_readonly(cl, r) < 0))
		return NULL;
	return r;
}

/* gen's local copy (cache_ms): one entry a hash bucket, a newer key
 * replacing an older one, so it stays bounded however many keys are read. */
#define HK_CACHE 4096
struct hk_cached {
	char *key;
	char *val;                  /* NULL until a reply fills it */
	double at;                  /* when val was read or written */
};
struct hk_round {
	struct hk_cached *cache;    /* [HK_CACHE], NULL without cache_ms */
	char **gets;                /* per queued command: a GET's key, or NULL */
	size_t n;
};

static struct hk_cached *
cache_entry(struct hk_round *rd, const char *key)
{
	uint32_t h = 2166136261u;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return &rd->cache[h % HK_CACHE];
}

/* The copy of key, when kept less than cache_ms ago. */
static int
cache_fresh(struct hk_round *rd, const struct rc_hk_gen *g, const char *key)
{
	struct hk_cached *e = cache_entry(rd, key);

	return e->key != NULL && e->val != NULL && strcmp(e->key, key) == 0 &&
	    (rc_now() - e->at) * 1000 < (double)g->cache_ms;
}

/* Keeps val as key's copy; tells g->changed when a kept copy of the same key
 * differs (the reads it served were stale). */
static void
cache_put(struct hk_round *rd, struct rc_hk_gen *g, const char *key, const char *val,
    int read)
{
	struct hk_cached *e = cache_entry(rd, key);

	if (e->key == NULL || strcmp(e->key, key) != 0) {
		free(e->key);
		free(e->val);
		e->key = rc_strdup(key);
		e->val = NULL;
	}
	if (read && e->val != NULL && strcmp(e->val, val) != 0 && g->changed != NULL)
		g->changed(g->ud, key, e->val, val, (rc_now() - e->at) * 1000);
	free(e->val);
	e->val = rc_strdup(val);
	e->at = rc_now();
}

/* After a round: each GET's reply becomes its key's copy. */
static void
cache_fill(struct hk_round *rd, struct rc_hk_gen *g, struct rc_pipe *p)
{
	size_t i;

	for (i = 0; i < rd->n; i++) {
		redisReply *r = rc_pipe_reply(p, i);

		if (rd->gets[i] != NULL && r != NULL && r->type == REDIS_REPLY_STRING)
			cache_put(rd, g, rd->gets[i], r->str, 1);
		free(rd->gets[i]);
	}
	rd->n = 0;
}

static void
cache_free(struct hk_round *rd)
{
	size_t i;

	if (rd->cache != NULL)
		for (i = 0; i < HK_CACHE; i++) {
			free(rd->cache[i].key);
			free(rd->cache[i].val);
		}
	free(rd->cache);
	free(rd->gets);
}

/* Notes queued command rd->n: a GET of key (to keep its reply) or not. */
static void
round_note(struct hk_round *rd, const char *key)
{
	if (rd->cache != NULL)
		rd->gets[rd->n++] = key != NULL ? rc_strdup(key) : NULL;
}

/* Queues one round; counts its reads, writes and local hits in t. */
static void
gen_round(struct rc_cluster *cl, struct rc_hk_gen *g, struct rc_zipf *z, struct rc_pipe *p,
    const char *value, int want, struct rc_hk_tick *t, struct hk_round *rd)
{
	struct rc_node *rep;
	char buf[300];
	int i;

	for (i = 0; i < want; i++) {
		const char *key = gen_key(g, z, buf, sizeof buf);
		int slot = (int)rc_keyslot(key, strlen(key));

		if (rc_rand01(&z->rng) < g->reads) {
			t->reads++;
			if (rd->cache != NULL && cache_fresh(rd, g, key)) {
				t->hits++;
				continue;
			}
			if (g->replicas && (rep = gen_replica(cl, slot)) != NULL)
				rc_pipe_node_cmdv(p, rep, "GET", key, NULL);
			else
				rc_pipe_cmdv(p, slot, "GET", key, NULL);
			round_note(rd, key);
		} else {
			t->writes++;
			rc_pipe_cmdv(p, slot, "SET", key, value, NULL);
			round_note(rd, NULL);
			/* A client's own write is what it reads next. */
			if (rd->cache != NULL)
				cache_put(rd, g, key, value, 0);
		}
	}
}

/* How many operations the next round may send: the pipeline, cut by the
 * count and, at a rate, by what is due now (waiting until one is). */
static int
gen_due(struct rc_hk_gen *g, double t0)
{
	uint64_t done = g->total.ops, left = g->count ? g->count - done : UINT64_MAX;
	double due;
	int want = g->pipeline;

	if ((uint64_t)want > left)
		want = (int)left;
	if (g->rate <= 0)
		return want;
	for (;;) {
		/* Never past the run's end: a round late by a busy machine would
		 * send what the rate would have had due after it. */
		double at = rc_now() - t0;

		due = (at < g->secs ? at : g->secs) * (double)g->rate - (double)done;
		if (due >= 1 || at >= g->secs)
			break;
		rc_sleep_ms(1);
	}
	return due < want ? (int)due : want;
}

static void
tick_add(struct rc_hk_tick *a, const struct rc_hk_tick *b)
{
	a->ops += b->ops;
	a->reads += b->reads;
	a->writes += b->writes;
	a->errors += b->errors;
	a->hits += b->hits;
}

/* Counts the round's error replies; keeps the first error's text. */
static size_t
gen_errors(struct rc_hk_gen *g, struct rc_pipe *p)
{
	size_t i, n = rc_pipe_len(p), bad = 0;

	for (i = 0; i < n; i++) {
		redisReply *r = rc_pipe_reply(p, i);
		if (r != NULL && r->type != REDIS_REPLY_ERROR)
			continue;
		if (bad++ == 0 && g->err[0] == '\0')
			snprintf(g->err, sizeof g->err, "%s", r ? r->str : "no reply");
	}
	return bad;
}

int
rc_hk_gen(struct rc_cluster *cl, struct rc_hk_gen *g)
{
	struct rc_pipe *p = rc_pipe_new(cl);
	struct rc_zipf z;
	struct rc_hk_tick sec;
	struct hk_round rd;
	char *value = rc_malloc((size_t)g->value_size + 1);
	double t0 = rc_now(), last = t0;
	int want, rc = RC_EX_OK;

	memset(value, 'x', (size_t)g->value_size);
	value[g->value_size] = '\0';
	memset(&g->total, 0, sizeof g->total);
	memset(&sec, 0, sizeof sec);
	rc_zipf_init(&z, g->keys, g->zipf, g->seed);
	memset(&rd, 0, sizeof rd);
	if (g->cache_ms > 0) {
		rd.cache = rc_calloc(HK_CACHE, sizeof *rd.cache);
		rd.gets = rc_calloc((size_t)g->pipeline, sizeof *rd.gets);
	}
	while (rc_now() - t0 < g->secs && (g->count == 0 || g->total.ops < g->count)) {
		struct rc_hk_tick r;
		size_t bad, sent;

		if (g->stop != NULL && g->stop(g->ud))
			break;
		if ((want = gen_due(g, t0)) <= 0)
			continue;
		memset(&r, 0, sizeof r);
		gen_round(cl, g, &z, p, value, want, &r, &rd);
		rc_pipe_exec(p);
		bad = gen_errors(g, p);
		sent = rc_pipe_len(p);
		cache_fill(&rd, g, p);
		r.ops = (uint64_t)want;
		r.errors = bad;
		rc_pipe_reset(p);
		tick_add(&sec, &r);
		tick_add(&g->total, &r);
		if (sent > 0 && bad == sent && rc_cluster_any_master(cl) == NULL) {
			rc = RC_EX_CLUSTER;
			break;
		}
		if (rc_now() - last >= 1) {
			sec.at = rc_now() - t0;
			sec.secs = rc_now() - last;
			if (g->tick != NULL)
				g->tick(g->ud, &sec);
			last = rc_now();
			memset(&sec, 0, sizeof sec);
		}
	}
	g->total.at = g->total.secs = rc_now() - t0;
	if (sec.ops > 0 && g->tick != NULL) {
		sec.at = g->total.at;
		sec.secs = rc_now() - last;
		g->tick(g->ud, &sec);
	}
	rc_pipe_free(p);
	cache_free(&rd);
	free(value);
	return rc;
}

/* ---- MONITOR lines ------------------------------------------------------------ */

/* One "..."-quoted word as Redis writes it (sdscatrepr: \\ \" \n \r \t \a
 * \b \xHH) from s into out; returns where it ends, NULL when malformed. */
static const char *
unquote(const char *s, const char *end, char *out, size_t cap, size_t *len)
{
	size_t n = 0;

	if (s >= end || *s++ != '"')
		return NULL;
	while (s < end && *s != '"') {
		int c = (unsigned char)*s++;
		if (c == '\\' && s < end) {
			c = (unsigned char)*s++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'a': c = '\a'; break;
			case 'b': c = '\b'; break;
			case 'x':
				if (end - s < 2)
					return NULL;
				c = (int)strtol((char[]){ s[0], s[1], 0 }, NULL, 16);
				s += 2;
				break;
			}
		}
		if (n < cap)
			out[n] = (char)c;
		n++;
	}
	*len = n;
	return s < end ? s + 1 : NULL;
}

int
rc_hk_monitor_from(const char *line, size_t len, const char *who)
{
	const char *end = line + len, *s = memchr(line, '[', len), *a;
	size_t wl = strlen(who);

	if (s == NULL || (a = memchr(s, ' ', (size_t)(end - s))) == NULL)
		return 0;
	a++;
	return (size_t)(end - a) > wl + 2 && memcmp(a, who, wl) == 0 &&
	    a[wl] == ']' && a[wl + 1] == ' ';
}

/* The words a key can be found among (EVAL numkeys, XREAD STREAMS). */
#define LINE_WORDS 16

ssize_t
rc_hk_monitor_key(const char *line, size_t len, char *buf, size_t bufcap)
{
	const char *end = line + len, *s = line, *argv[LINE_WORDS];
	size_t argvlen[LINE_WORDS], used = 0;
	int argc = 0, k;

	/* After the client "[db addr] ": an IPv6 addr has "]:" inside. */
	while (s + 2 < end && !(s[0] == ']' && s[1] == ' ' && s[2] == '"'))
		s++;
	if (s + 2 >= end)
		return -1;
	for (s += 2; s < end && argc < LINE_WORDS; argc++) {
		size_t wl;
		const char *w = buf + used;
		if ((s = unquote(s, end, buf + used, bufcap - used, &wl)) == NULL)
			return -1;
		if (used + wl > bufcap)
			return -1;      /* a longer word than buf holds: not counted */
		argv[argc] = w;
		argvlen[argc] = wl;
		used += wl;
		if (s < end && *s == ' ')
			s++;
	}
	if ((k = rc_command_key(argc, argv, argvlen)) < 0)
		return -1;
	memmove(buf, argv[k], argvlen[k]);
	return (ssize_t)argvlen[k];
}

/* ---- sampling -------------------------------------------------------------- */

/* Opens MONITOR on every node; 0, or -1 with err (those open are closed). */
static int
monitor_open(struct rc_cluster *cl, struct rc_sub *sub, struct rc_node **nodes, int n,
    char *err, size_t errlen)
{
	const char *argv[] = { "MONITOR" };
	size_t argvlen[] = { 7 };
	int i;

	for (i = 0; i < n; i++) {
		redisReply *first;
		int bad;

		if (rc_sub_open(&sub[i], cl, nodes[i], 1, argv, argvlen, &first) < 0) {
			snprintf(err, errlen, "%s", sub[i].err);
			break;
		}
		bad = first->type == REDIS_REPLY_ERROR;
		if (bad) {
			const char *hint = rc_kind_hint(rc_reply_kind(first));
			snprintf(err, errlen, "%s refused MONITOR: %s%s%s", sub[i].who, first->str,
			    rc_reply_kind(first) == RC_K_AUTH ? " (the user needs +monitor: "
			    "ACL SETUSER name +monitor)" : "", hint && rc_reply_kind(first) !=
			    RC_K_AUTH ? hint : "");
		}
		freeReplyObject(first);
		if (bad) {
			rc_sub_close(&sub[i]);
			break;
		}
	}
	if (i == n)
		return 0;
	while (i-- > 0)
		rc_sub_close(&sub[i]);
	return -1;
}

/* Counts one MONITOR line of node i. */
static void
sample_line(struct rc_hk_sample *s, int i, const redisReply *r, char *buf, size_t cap)
{
	ssize_t kl;

	if (r->type != REDIS_REPLY_STATUS && r->type != REDIS_REPLY_STRING)
		return;
	if (s->link[i][0] != '\0' && rc_hk_monitor_from(r->str, r->len, s->link[i])) {
		s->replicated[i]++;
		return;
	}
	s->lines[i]++;
	if ((kl = rc_hk_monitor_key(r->str, r->len, buf, cap)) < 0)
		return;
	s->keyed[i]++;
	rc_topk_add(s->sk[i], buf, (size_t)kl, 1);
	s->slot_ops[rc_keyslot(buf, (size_t)kl)]++;
}

/* Reads what node i sent; 0, or -1 with err when its connection failed. */
static int
sample_read(struct rc_hk_sample *s, struct rc_sub *sub, int i, char *buf, size_t cap,
    char *err, size_t errlen)
{
	void *rv;

	if (redisBufferRead(sub->ctx) != REDIS_OK) {
		snprintf(err, errlen, "%s: MONITOR stream lost: %s", sub->who,
		    rc_errstr(sub->ctx));
		return -1;
	}
	for (;;) {
		rv = NULL;
		if (redisGetReplyFromReader(sub->ctx, &rv) != REDIS_OK) {
			snprintf(err, errlen, "%s: MONITOR stream: %s", sub->who,
			    rc_errstr(sub->ctx));
			return -1;
		}
		if (rv == NULL)
			return 0;
		sample_line(s, i, rv, buf, cap);
		freeReplyObject(rv);
	}
}

static int
sample_loop(struct rc_hk_sample *s, struct rc_sub *sub, struct pollfd *pf, char *err,
    size_t errlen)
{
	size_t cap = 64 * 1024;
	char *buf = rc_malloc(cap);
	double t0 = rc_now(), left;
	int i, k, rc = 0;

	while (rc == 0 && (left = s->secs - (rc_now() - t0)) > 0) {
		if (s->stop != NULL && s->stop(s->ud))
			break;
		for (i = 0; i < s->n; i++) {
			pf[i].fd = sub[i].ctx->fd;
			pf[i].events = POLLIN;
			pf[i].revents = 0;
		}
		k = poll(pf, (nfds_t)s->n, left > 0.1 ? 100 : (int)(left * 1000) + 1);
		if (k < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			rc = -1;
		}
		for (i = 0; k > 0 && rc == 0 && i < s->n; i++)
			if (pf[i].revents != 0)
				rc = sample_read(s, &sub[i], i, buf, cap, err, errlen);
	}
	s->elapsed = rc_now() - t0;
	free(buf);
	return rc;
}

/* The arrays of a sample of n nodes. */
static void
sample_alloc(struct rc_hk_sample *s, struct rc_node **nodes, int n)
{
	int i;

	s->nodes = nodes;
	s->n = n;
	s->sk = rc_calloc((size_t)n, sizeof *s->sk);
	s->lines = rc_calloc((size_t)n, sizeof *s->lines);
	s->keyed = rc_calloc((size_t)n, sizeof *s->keyed);
	s->slot_ops = rc_calloc(RC_NSLOTS, sizeof *s->slot_ops);
	s->replicated = rc_calloc((size_t)n, sizeof *s->replicated);
	s->link = rc_calloc((size_t)n, sizeof *s->link);
	for (i = 0; i < n; i++) {
		s->sk[i] = rc_topk_new(s->counters);
		/* A replica's MONITOR shows its master's writes again, as the
		 * commands of the link it opened to the master's address. */
		if (nodes[i]->master != NULL)
			rc_node_addr(nodes[i]->master, s->link[i], sizeof s->link[i]);
	}
}

int
rc_hk_sample(struct rc_cluster *cl, struct rc_node **nodes, int n,
    struct rc_hk_sample *s, char *err, size_t errlen)
{
	struct rc_sub *sub = rc_calloc((size_t)n, sizeof *sub);
	struct pollfd *pf = rc_calloc((size_t)n, sizeof *pf);
	int i, rc = RC_EX_OK;

	sample_alloc(s, nodes, n);
	if (monitor_open(cl, sub, nodes, n, err, errlen) < 0)
		rc = RC_EX_CLUSTER;
	else {
		if (sample_loop(s, sub, pf, err, errlen) < 0)
			rc = RC_EX_CLUSTER;
		for (i = 0; i < n; i++)
			rc_sub_close(&sub[i]);
	}
	free(sub);
	free(pf);
	return rc;
}

void
rc_hk_sample_free(struct rc_hk_sample *s)
{
	int i;

	for (i = 0; s->sk != NULL && i < s->n; i++)
		rc_topk_free(s->sk[i]);
	free(s->sk);
	free(s->lines);
	free(s->keyed);
	free(s->slot_ops);
	free(s->replicated);
	free(s->link);
	memset(s, 0, sizeof *s);
}

/* ---- the LFU walk ---------------------------------------------------------- */

int
rc_hk_lfu_policy(struct rc_cluster *cl, struct rc_node *n, char *buf, size_t cap)
{
	redisReply *r = rc_node_cmdv(cl, n, "CONFIG", "GET", "maxmemory-policy", NULL);
	int rc = -1;

	if (r == NULL) {
		snprintf(buf, cap, "%s", n->err);
		return -1;
	}
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[1]->type == REDIS_REPLY_STRING) {
		snprintf(buf, cap, "%s", r->element[1]->str);
		rc = strstr(buf, "-lfu") != NULL;
	} else
		snprintf(buf, cap, "CONFIG GET maxmemory-policy: %s",
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	freeReplyObject(r);
	return rc;
}

/* Node i's OBJECT FREQ replies for the keys of its SCAN reply into its
 * sketch; a key gone since (nil) counts nothing.  0, or -1 with err. */
static int
lfu_count(struct rc_hk_sample *s, int i, const redisReply *keys, struct rc_pipe *q,
    size_t at, char *err, size_t errlen)
{
	size_t j;

	for (j = 0; j < keys->elements; j++) {
		const redisReply *k = keys->element[j], *f = rc_pipe_reply(q, at + j);
		uint64_t w;

		if (f->type == REDIS_REPLY_NIL)
			continue;
		if (f->type != REDIS_REPLY_INTEGER) {
			snprintf(err, errlen, "%s:%d: OBJECT FREQ: %s", s->nodes[i]->addr.host,
			    s->nodes[i]->addr.port, f->type == REDIS_REPLY_ERROR ? f->str :
			    "unexpected reply");
			return -1;
		}
		s->lines[i]++;
		if ((w = (uint64_t)f->integer) == 0)
			continue;       /* a counter that decayed to 0 holds no place */
		s->keyed[i] += w;
		rc_topk_add(s->sk[i], k->str, k->len, w);
		s->slot_ops[rc_keyslot(k->str, k->len)] += w;
	}
	return 0;
}

/* One SCAN step on every node not done, then OBJECT FREQ of the keys each
 * returned, both pipelined to all nodes at once.  0, or -1 with err. */
static int
lfu_step(struct rc_hk_sample *s, char (*cur)[24], size_t *at, const char *count,
    struct rc_pipe *p, struct rc_pipe *q, char *err, size_t errlen)
{
	size_t m = 0, j, len[3] = { 6, 4, 0 };
	int i;

	for (i = 0; i < s->n; i++)
		if (cur[i][0] != '\0')
			rc_pipe_node_cmdv(p, s->nodes[i], "SCAN", cur[i], "COUNT", count, NULL);
	rc_pipe_exec(p);
	for (i = 0; i < s->n; i++) {
		redisReply *r;
		if (cur[i][0] == '\0')
			continue;
		r = rc_pipe_reply(p, m++);
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			snprintf(err, errlen, "%s:%d: SCAN: %s", s->nodes[i]->addr.host,
			    s->nodes[i]->addr.port, r->type == REDIS_REPLY_ERROR ? r->str :
			    "unexpected reply");
			return -1;
		}
		at[i] = rc_pipe_len(q);
		for (j = 0; j < r->element[1]->elements; j++) {
			const char *argv[3] = { "OBJECT", "FREQ", r->element[1]->element[j]->str };
			len[2] = r->element[1]->element[j]->len;
			rc_pipe_node_argv(q, s->nodes[i], 3, argv, len);
		}
	}
	rc_pipe_exec(q);
	for (i = 0, m = 0; i < s->n; i++) {
		redisReply *r;
		if (cur[i][0] == '\0')
			continue;
		r = rc_pipe_reply(p, m++);
		if (lfu_count(s, i, r->element[1], q, at[i], err, errlen) < 0)
			return -1;
		snprintf(cur[i], sizeof cur[i], "%s", strcmp(r->element[0]->str, "0") == 0 ?
		    "" : r->element[0]->str);
	}
	rc_pipe_reset(p);
	rc_pipe_reset(q);
	return 0;
}

int
rc_hk_lfu(struct rc_cluster *cl, struct rc_node **nodes, int n, long count,
    struct rc_hk_sample *s, char *err, size_t errlen)
{
	struct rc_pipe *p = rc_pipe_new(cl), *q = rc_pipe_new(cl);
	char (*cur)[24] = rc_calloc((size_t)n, sizeof *cur), cnt[24];
	size_t *at = rc_calloc((size_t)n, sizeof *at);     /* where each node's FREQs start */
	double t0 = rc_now();
	int i, left = n, rc = RC_EX_OK;

	sample_alloc(s, nodes, n);
	snprintf(cnt, sizeof cnt, "%ld", count);
	for (i = 0; i < n; i++)
		strcpy(cur[i], "0");
	while (left > 0 && !(s->stop != NULL && s->stop(s->ud))) {
		if (lfu_step(s, cur, at, cnt, p, q, err, errlen) < 0) {
			rc = RC_EX_CLUSTER;
			break;
		}
		for (i = 0, left = 0; i < n; i++)
			left += cur[i][0] != '\0';
	}
	s->elapsed = rc_now() - t0;
	rc_pipe_free(p);
	rc_pipe_free(q);
	free(cur);
	free(at);
	return rc;
}
