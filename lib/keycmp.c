/* keycmp.c - one key on two nodes, compared by what it holds, not by its
 * DUMP: two copies of a hash, a set or a sorted set that hold the same
 * things serialize in different orders (each server's hash table is built
 * in its own order), so equal copies can have different DUMPs.
 *
 * Never one call that walks a big key: every call touches at most one chunk
 * (RC_KEYCMP_CHUNK elements, or RC_KEYCMP_BYTES of a string), so neither
 * server stops serving others for longer than a chunk takes.  Ordered types
 * (strings, lists, streams) are read in the same chunks on both sides and
 * compared in order.  Unordered ones (hashes, sets, sorted sets) are
 * scanned on the first side (HSCAN/SSCAN/ZSCAN with COUNT), and each chunk
 * is looked up on the second (HMGET/SMISMEMBER/ZMSCORE): equal lengths and
 * every element of the first found, with its value, on the second mean
 * equal.  That is exact (no digest, so no collision to argue about), holds
 * one chunk in memory, sends the first side's key once and the second's
 * values once, and names the first difference.  A SCAN may return an
 * element twice, never miss one present all along: a second look at the
 * same field changes nothing. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rc.h"

/* The two sides of a comparison; s[0] is the source, s[1] the target. */
struct kc {
	redisContext *c[2];
	uint64_t t0[2];
	struct rc_keycmp *k;
	const char *key;
	size_t klen;
};

static const char *side_name[2] = { "source", "target" };

void
rc_keycmp_init(struct rc_keycmp *k)
{
	memset(k, 0, sizeof *k);
	k->ttl_ms = RC_KEYCMP_TTL_MS;
	k->chunk = RC_KEYCMP_CHUNK;
}

/* Queues a command on side i, after ASKING: a target that imports the slot
 * answers for the key only then (and a node that owns it ignores it). */
static void
ksend(struct kc *x, int i, int argc, const char **argv, const size_t *len)
{
	redisAppendCommand(x->c[i], "ASKING");
	redisAppendCommandArgv(x->c[i], argc, argv, len);
	x->t0[i] = rc_now_us();
	x->k->calls++;
}

/* The reply of the command ksend queued on side i; NULL (why says so) when
 * the connection failed or the reply is an error. */
static redisReply *
krecv(struct kc *x, int i)
{
	void *a = NULL, *r = NULL;
	uint64_t us;

	if (redisGetReply(x->c[i], &a) != REDIS_OK ||
	    redisGetReply(x->c[i], &r) != REDIS_OK) {
		snprintf(x->k->why, sizeof x->k->why, "%s: %s", side_name[i],
		    rc_errstr(x->c[i]));
		if (a != NULL)
			freeReplyObject(a);
		return NULL;
	}
	freeReplyObject(a);
	if ((us = rc_now_us() - x->t0[i]) > x->k->max_us)
		x->k->max_us = us;
	if (((redisReply *)r)->type == REDIS_REPLY_ERROR) {
		snprintf(x->k->why, sizeof x->k->why, "%s: %.300s", side_name[i],
		    ((redisReply *)r)->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* The same command on both sides at once: r[0], r[1]; -1 if either failed. */
static int
kboth(struct kc *x, int argc, const char **argv, const size_t *len, redisReply **r)
{
	ksend(x, 0, argc, argv, len);
	ksend(x, 1, argc, argv, len);
	r[0] = krecv(x, 0);
	r[1] = krecv(x, 1);
	if (r[0] != NULL && r[1] != NULL)
		return 0;
	if (r[0] != NULL)
		freeReplyObject(r[0]);
	if (r[1] != NULL)
		freeReplyObject(r[1]);
	return -1;
}

/* A command "CMD key" with up to two more words, on both sides. */
static int
kboth_key(struct kc *x, const char *cmd, const char *a1, const char *a2, redisReply **r)
{
	const char *argv[4] = { cmd, x->key, a1, a2 };
	size_t len[4] = { strlen(cmd), x->klen, a1 ? strlen(a1) : 0, a2 ? strlen(a2) : 0 };

	return kboth(x, 2 + (a1 != NULL) + (a2 != NULL), argv, len, r);
}

static void
free2(redisReply **r)
{
	freeReplyObject(r[0]);
	freeReplyObject(r[1]);
}

static int
different(struct kc *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int
different(struct kc *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->k->why, sizeof x->k->why, fmt, ap);
	va_end(ap);
	return RC_KEY_DIFFERENT;
}

/* An element's name for a message: escaped as in TSV, cut at 100 bytes. */
static const char *
shown(const char *s, size_t len, char *buf)
{
	size_t n = rc_tsv_escape(buf, s, len < 100 ? len : 100, 0);

	snprintf(buf + n, 4, "%s", len > 100 ? "..." : "");
	return buf;
}

static int
same_str(const redisReply *a, const redisReply *b)
{
	return a->type == b->type && a->len == b->len &&
	    (a->len == 0 || memcmp(a->str, b->str, a->len) == 0);
}

/* ---- the head: type, TTL, length ------------------------------------------ */

static const struct {
	const char *type, *len;
} lencmd[] = {
	{ "string", "STRLEN" }, { "list", "LLEN" }, { "hash", "HLEN" },
	{ "set", "SCARD" }, { "zset", "ZCARD" }, { "stream", "XLEN" },
};

/* Type and TTL on both sides; *type gets the type ("none": missing). */
static int
head(struct kc *x, char *type, size_t typelen)
{
	redisReply *r[2];
	long long t[2];
	int rc = RC_KEY_EQUAL, i;

	if (kboth_key(x, "TYPE", NULL, NULL, r) < 0)
		return RC_KEY_ERROR;
	for (i = 0; i < 2; i++)
		if (r[i]->type != REDIS_REPLY_STATUS ||
		    (i == 1 && strcmp(r[0]->str, r[1]->str) != 0))
			break;
	if (i < 2)
		rc = different(x, "type: %.40s on the source, %.40s on the target",
		    r[0]->str ? r[0]->str : "?", r[1]->str ? r[1]->str : "?");
	else
		snprintf(type, typelen, "%s", r[0]->str);
	free2(r);
	if (rc != RC_KEY_EQUAL || strcmp(type, "none") == 0)
		return rc;
	if (kboth_key(x, "PTTL", NULL, NULL, r) < 0)
		return RC_KEY_ERROR;
	t[0] = r[0]->type == REDIS_REPLY_INTEGER ? r[0]->integer : -3;
	t[1] = r[1]->type == REDIS_REPLY_INTEGER ? r[1]->integer : -3;
	free2(r);
	if ((t[0] < 0 || t[1] < 0) ? t[0] != t[1] : llabs(t[0] - t[1]) > x->k->ttl_ms) {
		char a[32], b[32];
		snprintf(a, sizeof a, t[0] < 0 ? "none" : "%lld ms", t[0]);
		snprintf(b, sizeof b, t[1] < 0 ? "none" : "%lld ms", t[1]);
		return different(x, "TTL: %s on the source, %s on the target "
		    "(tolerance %ld ms)", a, b, x->k->ttl_ms);
	}
	return RC_KEY_EQUAL;
}

/* The length of the key on both sides (*len), or -1 for a type we cannot
 * walk (a module's): only its DUMP can tell. */
static int
length(struct kc *x, const char *type, long long *len)
{
	redisReply *r[2];
	size_t i;
	int rc = RC_KEY_EQUAL;

	*len = -1;
	for (i = 0; i < sizeof lencmd / sizeof lencmd[0]; i++)
		if (strcmp(type, lencmd[i].type) == 0)
			break;
	if (i == sizeof lencmd / sizeof lencmd[0])
		return RC_KEY_EQUAL;
	if (kboth_key(x, lencmd[i].len, NULL, NULL, r) < 0)
		return RC_KEY_ERROR;
	if (r[0]->type != REDIS_REPLY_INTEGER || r[1]->type != REDIS_REPLY_INTEGER) {
		snprintf(x->k->why, sizeof x->k->why, "%s: not an integer", lencmd[i].len);
		rc = RC_KEY_ERROR;
	} else if (r[0]->integer != r[1]->integer)
		rc = different(x, "length: %lld on the source, %lld on the target",
		    r[0]->integer, r[1]->integer);
	else
		*len = r[0]->integer;
	free2(r);
	return rc;
}

/* DUMP on both sides: equal payloads (the same bytes, the same RDB version
 * and checksum) mean equal content.  Sets *same. */
static int
dumps(struct kc *x, int *same)
{
	redisReply *r[2];

	if (kboth_key(x, "DUMP", NULL, NULL, r) < 0)
		return RC_KEY_ERROR;
	*same = r[0]->type == REDIS_REPLY_STRING && same_str(r[0], r[1]);
	free2(r);
	return RC_KEY_EQUAL;
}

/* ---- ordered types: the same chunks on both sides --------------------------- */

static int
walk_string(struct kc *x, long long len)
{
	long long off, step = RC_KEYCMP_BYTES;
	redisReply *r[2];
	char a[32], b[32];
	size_t j;

	for (off = 0; off < len; off += step) {
		snprintf(a, sizeof a, "%lld", off);
		snprintf(b, sizeof b, "%lld", off + step - 1);
		if (kboth_key(x, "GETRANGE", a, b, r) < 0)
			return RC_KEY_ERROR;
		if (!same_str(r[0], r[1])) {
			for (j = 0; j < r[0]->len && j < r[1]->len; j++)
				if (r[0]->str[j] != r[1]->str[j])
					break;
			free2(r);
			return different(x, "value: differs at byte %lld", off + (long long)j);
		}
		free2(r);
	}
	return RC_KEY_EQUAL;
}

static int
walk_list(struct kc *x, long long len)
{
	long long i;
	redisReply *r[2];
	char a[32], b[32], s[400];
	size_t j;

	for (i = 0; i < len; i += x->k->chunk) {
		snprintf(a, sizeof a, "%lld", i);
		snprintf(b, sizeof b, "%lld", i + x->k->chunk - 1);
		if (kboth_key(x, "LRANGE", a, b, r) < 0)
			return RC_KEY_ERROR;
		for (j = 0; j < r[0]->elements && j < r[1]->elements; j++)
			if (!same_str(r[0]->element[j], r[1]->element[j]))
				break;
		if (j < r[0]->elements || j < r[1]->elements) {
			const redisReply *e = j < r[0]->elements ? r[0]->element[j] : NULL;
			int rc = different(x, "element %lld differs ('%s' on the source)",
			    i + (long long)j, e != NULL && e->str != NULL ?
			    shown(e->str, e->len, s) : "");
			free2(r);
			return rc;
		}
		free2(r);
	}
	return RC_KEY_EQUAL;
}

/* Two XRANGE replies: entries [id, [field, value, ...]].  The index of the
 * first entry that differs, or -1. */
static long
first_entry_diff(const redisReply *a, const redisReply *b)
{
	size_t j, f;

	for (j = 0; j < a->elements && j < b->elements; j++) {
		const redisReply *ea = a->element[j], *eb = b->element[j];
		if (ea->elements != 2 || eb->elements != 2 ||
		    !same_str(ea->element[0], eb->element[0]) ||
		    ea->element[1]->elements != eb->element[1]->elements)
			return (long)j;
		for (f = 0; f < ea->element[1]->elements; f++)
			if (!same_str(ea->element[1]->element[f], eb->element[1]->element[f]))
				return (long)j;
	}
	return a->elements == b->elements ? -1 : (long)j;
}

static int
stream_entries(struct kc *x)
{
	char start[80] = "-", cnt[24];
	redisReply *r[2];
	long d;

	snprintf(cnt, sizeof cnt, "%d", x->k->chunk);
	for (;;) {
		const char *argv[6] = { "XRANGE", x->key, start, "+", "COUNT", cnt };
		size_t len[6] = { 6, x->klen, strlen(start), 1, 5, strlen(cnt) };
		const redisReply *last;

		if (kboth(x, 6, argv, len, r) < 0)
			return RC_KEY_ERROR;
		if ((d = first_entry_diff(r[0], r[1])) >= 0) {
			const redisReply *e = (size_t)d < r[0]->elements ? r[0]->element[d] : NULL;
			int rc = different(x, "entry %.40s differs", e != NULL &&
			    e->elements == 2 && e->element[0]->str ? e->element[0]->str :
			    "(missing on the source)");
			free2(r);
			return rc;
		}
		if (r[0]->elements < (size_t)x->k->chunk) {
			free2(r);
			return RC_KEY_EQUAL;
		}
		last = r[0]->element[r[0]->elements - 1];
		snprintf(start, sizeof start, "(%.70s", last->element[0]->str);
		free2(r);
	}
}

/* What XINFO STREAM or one group of XINFO GROUPS says of field f. */
static const redisReply *
info_field(const redisReply *m, const char *f)
{
	size_t i;

	for (i = 0; m->type == REDIS_REPLY_ARRAY && i + 1 < m->elements; i += 2)
		if (m->element[i]->str != NULL && strcmp(m->element[i]->str, f) == 0)
			return m->element[i + 1];
	return NULL;
}

/* The stream's last generated id (what XADD * goes on from) and its
 * consumer groups by name and last delivered id (consumers and their
 * pending entries are not compared). */
static int
stream_meta(struct kc *x)
{
	const char *argv[3] = { "XINFO", "STREAM", x->key };
	size_t len[3] = { 5, 6, x->klen }, i;
	const redisReply *a, *b;
	redisReply *r[2];
	int rc = RC_KEY_EQUAL;

	if (kboth(x, 3, argv, len, r) < 0)
		return RC_KEY_ERROR;
	a = info_field(r[0], "last-generated-id");
	b = info_field(r[1], "last-generated-id");
	if (a == NULL || b == NULL || !same_str(a, b))
		rc = different(x, "stream: last generated id differs");
	free2(r);
	argv[1] = "GROUPS";
	if (rc != RC_KEY_EQUAL || kboth(x, 3, argv, len, r) < 0)
		return rc != RC_KEY_EQUAL ? rc : RC_KEY_ERROR;
	if (r[0]->elements != r[1]->elements)
		rc = different(x, "stream: %zu consumer groups on the source, %zu on the "
		    "target", r[0]->elements, r[1]->elements);
	for (i = 0; rc == RC_KEY_EQUAL && i < r[0]->elements; i++) {
		const redisReply *na = info_field(r[0]->element[i], "name");
		const redisReply *nb = info_field(r[1]->element[i], "name");
		a = info_field(r[0]->element[i], "last-delivered-id");
		b = info_field(r[1]->element[i], "last-delivered-id");
		if (na == NULL || nb == NULL || a == NULL || b == NULL ||
		    !same_str(na, nb) || !same_str(a, b))
			rc = different(x, "stream: consumer group %.100s differs",
			    na != NULL && na->str != NULL ? na->str : "?");
	}
	free2(r);
	return rc;
}

static int
walk_stream(struct kc *x)
{
	int rc = stream_entries(x);

	return rc != RC_KEY_EQUAL ? rc : stream_meta(x);
}

/* ---- unordered types: scan one side, look the chunk up on the other ---------- */

struct probe {
	const char *scan, *look;
	int pairs;          /* the scan returns field, value pairs */
	const char *what;   /* for messages */
};
static const struct probe probes[] = {
	{ "HSCAN", "HMGET", 1, "field" },
	{ "SSCAN", "SMISMEMBER", 0, "member" },
	{ "ZSCAN", "ZMSCORE", 1, "member" },
};

/* Element i of the scanned chunk against the lookup's reply v: 1 if equal. */
static int
probe_same(const struct probe *p, const redisReply *val, const redisReply *v)
{
	if (p == &probes[1])
		return v->type == REDIS_REPLY_INTEGER && v->integer == 1;
	if (v->type != REDIS_REPLY_STRING)
		return 0;
	if (p == &probes[2])   /* scores as numbers: formats may differ */
		return strtod(val->str, NULL) == strtod(v->str, NULL);
	return same_str(val, v);
}

/* Looks up one scanned chunk (e: the scan's elements) on the target. */
static int
probe_chunk(struct kc *x, const struct probe *p, const redisReply *e)
{
	size_t step = p->pairs ? 2 : 1, n = e->elements / step, i;
	const char **argv = rc_calloc(n + 2, sizeof *argv);
	size_t *len = rc_calloc(n + 2, sizeof *len);
	redisReply *r;
	int rc = RC_KEY_EQUAL;
	char s[400];

	argv[0] = p->look;
	len[0] = strlen(p->look);
	argv[1] = x->key;
	len[1] = x->klen;
	for (i = 0; i < n; i++) {
		argv[i + 2] = e->element[i * step]->str;
		len[i + 2] = e->element[i * step]->len;
	}
	ksend(x, 1, (int)n + 2, argv, len);
	free(argv);
	free(len);
	if ((r = krecv(x, 1)) == NULL)
		return RC_KEY_ERROR;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != n) {
		freeReplyObject(r);
		snprintf(x->k->why, sizeof x->k->why, "target: %s: unexpected reply", p->look);
		return RC_KEY_ERROR;
	}
	for (i = 0; i < n && rc == RC_KEY_EQUAL; i++) {
		const redisReply *k = e->element[i * step];
		const redisReply *v = r->element[i];
		if (!probe_same(p, p->pairs ? e->element[i * 2 + 1] : NULL, v))
			rc = different(x, "%s '%s': %s", p->what, shown(k->str, k->len, s),
			    v->type == REDIS_REPLY_NIL || (v->type == REDIS_REPLY_INTEGER &&
			    v->integer == 0) ? "missing on the target" : "values differ");
	}
	freeReplyObject(r);
	return rc;
}

static int
walk_probe(struct kc *x, const struct probe *p)
{
	char cursor[32] = "0", cnt[24];
	int rc = RC_KEY_EQUAL;

	snprintf(cnt, sizeof cnt, "%d", x->k->chunk);
	do {
		const char *argv[5] = { p->scan, x->key, cursor, "COUNT", cnt };
		size_t len[5] = { 5, x->klen, strlen(cursor), 5, strlen(cnt) };
		redisReply *r;

		ksend(x, 0, 5, argv, len);
		if ((r = krecv(x, 0)) == NULL)
			return RC_KEY_ERROR;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(r);
			snprintf(x->k->why, sizeof x->k->why, "source: %s: unexpected reply",
			    p->scan);
			return RC_KEY_ERROR;
		}
		snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
		if (r->element[1]->elements > 0)
			rc = probe_chunk(x, p, r->element[1]);
		freeReplyObject(r);
	} while (rc == RC_KEY_EQUAL && strcmp(cursor, "0") != 0);
	return rc;
}

/* ---- the comparison -------------------------------------------------------- */

static int
walk(struct kc *x, const char *type, long long len)
{
	if (strcmp(type, "string") == 0)
		return walk_string(x, len);
	if (strcmp(type, "list") == 0)
		return walk_list(x, len);
	if (strcmp(type, "stream") == 0)
		return walk_stream(x);
	if (strcmp(type, "hash") == 0)
		return walk_probe(x, &probes[0]);
	if (strcmp(type, "set") == 0)
		return walk_probe(x, &probes[1]);
	return walk_probe(x, &probes[2]);
}

/* A key small enough that one DUMP costs no more than one chunk: try the
 * DUMPs first, which settle most small keys in one call. */
static int
small(const struct kc *x, const char *type, long long len)
{
	if (strcmp(type, "string") == 0)
		return len <= RC_KEYCMP_BYTES;
	return len <= x->k->chunk;
}

int
rc_key_compare(redisContext *src, redisContext *dst, const char *key, size_t klen,
    struct rc_keycmp *k)
{
	struct kc x = { { src, dst }, { 0, 0 }, k, key, klen };
	char type[64] = "";
	long long len;
	int rc, same = 0;

	k->why[0] = '\0';
	k->fast = k->equal = 0;
	if ((rc = head(&x, type, sizeof type)) != RC_KEY_EQUAL)
		return rc;
	if (strcmp(type, "none") == 0)
		return different(&x, "missing on both sides");
	if ((rc = length(&x, type, &len)) != RC_KEY_EQUAL)
		return rc;
	if (len < 0 || small(&x, type, len)) {
		if ((rc = dumps(&x, &same)) != RC_KEY_EQUAL)
			return rc;
		if (same) {
			k->fast = k->equal = 1;
			return RC_KEY_EQUAL;
		}
		if (len < 0)
			return different(&x, "type %.40s: the DUMPs differ (no content "
			    "comparison for this type)", type);
	}
	if ((rc = walk(&x, type, len)) == RC_KEY_EQUAL)
		k->equal = 1;
	return rc;
}

/* One command on c, after ASKING; the reply (NULL: the connection failed). */
static redisReply *
asking_cmd(redisContext *c, int argc, const char **argv, const size_t *len)
{
	void *a = NULL, *r = NULL;

	redisAppendCommand(c, "ASKING");
	redisAppendCommandArgv(c, argc, argv, len);
	if (redisGetReply(c, &a) != REDIS_OK || redisGetReply(c, &r) != REDIS_OK) {
		if (a != NULL)
			freeReplyObject(a);
		return NULL;
	}
	freeReplyObject(a);
	return r;
}

/* Deletes the source's copy unless it changed since WATCH: MULTI, UNLINK
 * (the memory is freed in the background: no pause for a big key), EXEC. */
static int
unlink_watched(redisContext *src, const char *key, size_t klen, struct rc_keycmp *k)
{
	const char *argv[2] = { "MULTI", key };
	size_t len[2] = { 5, klen };
	redisReply *m, *u, *e;
	int rc = RC_KEY_ERROR;

	m = asking_cmd(src, 1, argv, len);
	argv[0] = "UNLINK";
	len[0] = 6;
	u = rc_cmd_argv(src, 2, argv, len);
	e = rc_cmd(src, "EXEC");
	if (e != NULL && e->type == REDIS_REPLY_NIL)
		rc = RC_KEY_CHANGED;
	else if (e != NULL && e->type == REDIS_REPLY_ARRAY && e->elements == 1 &&
	    e->element[0]->type == REDIS_REPLY_INTEGER)
		rc = RC_KEY_EQUAL;
	if (rc == RC_KEY_CHANGED)
		snprintf(k->why, sizeof k->why, "the source's copy changed meanwhile");
	else if (rc == RC_KEY_ERROR)
		snprintf(k->why, sizeof k->why, "source: MULTI/UNLINK/EXEC: %.300s",
		    e == NULL ? rc_errstr(src) : e->type == REDIS_REPLY_ERROR ? e->str :
		    u != NULL && u->type == REDIS_REPLY_ERROR ? u->str : "unexpected reply");
	if (m != NULL)
		freeReplyObject(m);
	if (u != NULL)
		freeReplyObject(u);
	if (e != NULL)
		freeReplyObject(e);
	return rc;
}

int
rc_key_settle(redisContext *src, redisContext *dst, const char *key, size_t klen,
    struct rc_keycmp *k)
{
	const char *argv[2] = { "WATCH", key };
	size_t len[2] = { 5, klen };
	redisReply *w;
	int rc;

	/* WATCH first: any write to the source's copy from here on, even one
	 * the walk has already passed, makes the EXEC below delete nothing. */
	w = asking_cmd(src, 2, argv, len);
	if (w == NULL || w->type == REDIS_REPLY_ERROR) {
		snprintf(k->why, sizeof k->why, "source: WATCH: %.300s",
		    w == NULL ? rc_errstr(src) : w->str);
		if (w != NULL)
			freeReplyObject(w);
		return RC_KEY_ERROR;
	}
	freeReplyObject(w);
	if ((rc = rc_key_compare(src, dst, key, klen, k)) == RC_KEY_EQUAL)
		return unlink_watched(src, key, klen, k);
	if ((w = rc_cmd(src, "UNWATCH")) != NULL)
		freeReplyObject(w);
	return rc;
}
