/*
 * topk.c - the heaviest keys of a stream in bounded memory: the
 * Space-Saving sketch (Metwally, Agrawal, El Abbadi, 2005), and a Zipf
 * sampler for the traffic that exercises it.  Pure: no I/O.
 *
 * The sketch keeps m counters.  A key that has one is counted exactly from
 * then on; a key without one, when all are taken, takes the smallest: its
 * count becomes that count plus its own, and that count is kept as the
 * key's error.  So each count overestimates by at most its err, err is at
 * most N/m (N: everything added), and every key seen more than N/m times
 * holds a counter.
 *
 * The counters sit in the Stream-Summary of the paper: buckets of equal count
 * in a doubly linked list by increasing count, each with the doubly linked
 * list of its keys, so the counter to take is the first key of the first
 * bucket, and counting a key once moves it to the next bucket or a new one
 * beside it: O(1) per key seen, where a heap sifted (log m, and most of the
 * time of `top -`).  An open-addressed hash table finds a key's counter.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

#define NONE ((uint32_t)-1)

struct item {
	char *key;
	size_t len, cap;
	uint64_t hash;
	uint64_t err;
	uint32_t bucket;        /* which holds its count */
	uint32_t prev, next;    /* its bucket's keys, circular */
};

struct bucket {
	uint64_t count;
	uint32_t first;         /* an item; NONE when the bucket is free */
	uint32_t prev, next;    /* by increasing count; next also links the free */
};

struct rc_topk {
	struct item *items;
	size_t m, n;
	struct bucket *b;       /* m + 1: one more while a key moves */
	uint32_t head, free;    /* the smallest count; the free buckets */
	uint64_t *table;        /* entry(): 0 empty; size mask + 1 */
	size_t mask;
	uint64_t total;
};

static uint64_t
hash_key(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h ^ (h >> 29);
}

struct rc_topk *
rc_topk_new(size_t counters)
{
	struct rc_topk *t = rc_calloc(1, sizeof *t);
	size_t size = 16, i;

	if (counters < 1)
		counters = 1;
	if (counters > NONE - 2)
		counters = NONE - 2;
	while (size < 2 * counters)
		size *= 2;
	t->m = counters;
	t->items = rc_calloc(counters, sizeof *t->items);
	t->b = rc_calloc(counters + 1, sizeof *t->b);
	for (i = 0; i < counters + 1; i++)
		t->b[i].next = i + 1 < counters + 1 ? (uint32_t)i + 1 : NONE;
	t->head = NONE;
	t->free = 0;
	t->table = rc_calloc(size, sizeof *t->table);
	t->mask = size - 1;
	return t;
}

void
rc_topk_free(struct rc_topk *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free(t->items[i].key);
	free(t->items);
	free(t->b);
	free(t->table);
	free(t);
}

/* A table entry: the item index + 1 (so 0 is empty) and the hash's high half,
 * so that a probe reads an item only when that half matches (the probes
 * walked items, a cache miss each, for a third of the time of `top -`). */
static uint64_t
entry(uint64_t h, size_t idx)
{
	return (h & 0xffffffff00000000ULL) | (uint64_t)(idx + 1);
}

static uint32_t
entry_item(uint64_t e)
{
	return (uint32_t)e - 1;
}

/* The table position of key, or of the empty place where it would go. */
static size_t
probe(const struct rc_topk *t, const char *key, size_t len, uint64_t h)
{
	size_t i = (size_t)h & t->mask;

	while (t->table[i] != 0) {
		const struct item *it;
		if ((t->table[i] ^ h) >> 32 == 0) {
			it = &t->items[entry_item(t->table[i])];
			if (it->len == len && memcmp(it->key, key, len) == 0)
				break;
		}
		i = (i + 1) & t->mask;
	}
	return i;
}

/* Removes the entry at table position i, shifting back the entries of the
 * run after it so that no probe stops early (no tombstones). */
static void
unlink_at(struct rc_topk *t, size_t i)
{
	size_t j = i, home;

	t->table[i] = 0;
	for (;;) {
		j = (j + 1) & t->mask;
		if (t->table[j] == 0)
			return;
		home = (size_t)t->items[entry_item(t->table[j])].hash & t->mask;
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
			t->table[i] = t->table[j];
			t->table[j] = 0;
			i = j;
		}
	}
}

/* A free bucket of count c, linked after bucket prev (NONE: first). */
static uint32_t
bucket_new(struct rc_topk *t, uint64_t c, uint32_t prev)
{
	uint32_t i = t->free;
	struct bucket *x = &t->b[i];

	t->free = x->next;
	x->count = c;
	x->first = NONE;
	x->prev = prev;
	x->next = prev == NONE ? t->head : t->b[prev].next;
	if (x->next != NONE)
		t->b[x->next].prev = i;
	if (prev == NONE)
		t->head = i;
	else
		t->b[prev].next = i;
	return i;
}

static void
bucket_free(struct rc_topk *t, uint32_t i)
{
	struct bucket *x = &t->b[i];

	if (x->prev == NONE)
		t->head = x->next;
	else
		t->b[x->prev].next = x->next;
	if (x->next != NONE)
		t->b[x->next].prev = x->prev;
	x->next = t->free;
	t->free = i;
}

/* Item i joins bucket bi's keys, last (so the first is the longest there). */
static void
bucket_push(struct rc_topk *t, uint32_t bi, uint32_t i)
{
	struct bucket *x = &t->b[bi];
	struct item *it = &t->items[i];

	it->bucket = bi;
	if (x->first == NONE) {
		x->first = it->prev = it->next = i;
		return;
	}
	it->next = x->first;
	it->prev = t->items[x->first].prev;
	t->items[it->prev].next = i;
	t->items[x->first].prev = i;
}

/* Item i leaves its bucket's keys; 1 when that left the bucket empty. */
static int
bucket_pull(struct rc_topk *t, uint32_t i)
{
	struct item *it = &t->items[i];
	struct bucket *x = &t->b[it->bucket];

	if (it->next == i) {
		x->first = NONE;
		return 1;
	}
	t->items[it->prev].next = it->next;
	t->items[it->next].prev = it->prev;
	if (x->first == i)
		x->first = it->next;
	return 0;
}

/* Item i's count grows by w: it moves to the bucket of its new count, made
 * beside the first larger one when missing.  With w 1 that is the next
 * bucket or a new one between: O(1). */
static void
raise_count(struct rc_topk *t, uint32_t i, uint64_t w)
{
	uint32_t from = t->items[i].bucket, at = from, to;
	uint64_t c = t->b[from].count + w;

	while (t->b[at].next != NONE && t->b[t->b[at].next].count <= c)
		at = t->b[at].next;
	if (at != from && t->b[at].count == c)
		to = at;
	else if (at == from && t->items[i].next == i) {
		t->b[from].count = c;   /* alone, and nothing between: in place */
		return;
	} else
		to = bucket_new(t, c, at);
	if (bucket_pull(t, i))
		bucket_free(t, from);
	bucket_push(t, to, i);
}

static void
set_key(struct item *it, const char *key, size_t len, uint64_t h)
{
	if (it->cap < len + 1) {
		it->cap = len + 1 < 32 ? 32 : len + 1;
		it->key = rc_realloc(it->key, it->cap);
	}
	memcpy(it->key, key, len);
	it->key[len] = '\0';
	it->len = len;
	it->hash = h;
}

void
rc_topk_add(struct rc_topk *t, const char *key, size_t len, uint64_t w)
{
	uint64_t h = hash_key(key, len);
	size_t pos = probe(t, key, len, h), idx;
	struct item *it;

	t->total += w;
	if (t->table[pos] != 0) {
		raise_count(t, entry_item(t->table[pos]), w);
		return;
	}
	if (t->n < t->m) {
		idx = t->n++;
		it = &t->items[idx];
		set_key(it, key, len, h);
		it->err = 0;
		t->table[pos] = entry(h, idx);
		bucket_push(t, t->head != NONE && t->b[t->head].count == 0 ?
		    t->head : bucket_new(t, 0, NONE), (uint32_t)idx);
		raise_count(t, (uint32_t)idx, w);
		return;
	}
	/* Full: the smallest counter, the one longest there, is taken over. */
	idx = t->b[t->head].first;
	it = &t->items[idx];
	unlink_at(t, probe(t, it->key, it->len, it->hash));
	set_key(it, key, len, h);
	it->err = t->b[t->head].count;
	t->table[probe(t, key, len, h)] = entry(h, idx);
	raise_count(t, (uint32_t)idx, w);
}

uint64_t
rc_topk_total(const struct rc_topk *t)
{
	return t->total;
}

uint64_t
rc_topk_floor(const struct rc_topk *t)
{
	return t->n < t->m ? 0 : t->b[t->head].count;
}

int
rc_topk_get(const struct rc_topk *t, const char *key, size_t len, uint64_t *count,
    uint64_t *err)
{
	size_t pos = probe(t, key, len, hash_key(key, len));
	const struct item *it;

	if (t->table[pos] == 0)
		return 0;
	it = &t->items[entry_item(t->table[pos])];
	*count = t->b[it->bucket].count;
	*err = it->err;
	return 1;
}

static int
by_count(const void *a, const void *b)
{
	const struct rc_topk_item *x = a, *y = b;
	int c;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

/* A key already in out[0..n)? (the union is built from few sketches) */
static int
seen(struct rc_topk **v, int j, const struct item *it)
{
	uint64_t c, e;
	int i;

	for (i = 0; i < j; i++)
		if (rc_topk_get(v[i], it->key, it->len, &c, &e))
			return 1;
	return 0;
}

size_t
rc_topk_merge(struct rc_topk **v, int n, int (*could)(void *ud, int j, const char *key,
    size_t len), void *ud, struct rc_topk_item **out)
{
	size_t cap = 0, k = 0, i;
	int j, l;

	for (j = 0; j < n; j++)
		cap += v[j]->n;
	*out = rc_calloc(cap ? cap : 1, sizeof **out);
	for (j = 0; j < n; j++)
		for (i = 0; i < v[j]->n; i++) {
			const struct item *it = &v[j]->items[i];
			struct rc_topk_item *o = &(*out)[k];
			if (seen(v, j, it))
				continue;
			o->key = it->key;
			o->len = it->len;
			o->where = j;
			for (l = 0; l < n; l++) {
				uint64_t c, e;
				if (rc_topk_get(v[l], it->key, it->len, &c, &e)) {
					o->count += c;
					o->err += e;
				} else if (could == NULL || could(ud, l, it->key, it->len)) {
					o->count += rc_topk_floor(v[l]);
					o->err += rc_topk_floor(v[l]);
				}
			}
			k++;
		}
	qsort(*out, k, sizeof **out, by_count);
	return k;
}

/*
 * Zipf(s) over 1..n by rejection-inversion (Hörmann and Derflinger, 1996):
 * constant memory and time whatever n, as Apache Commons RNG samples it.
 */
static double
helper1(double x)
{
	return fabs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
}

static double
helper2(double x)
{
	return fabs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x));
}

static double
h_int(const struct rc_zipf *z, double x)
{
	double lx = log(x);

	return helper2((1 - z->s) * lx) * lx;
}

static double
h(const struct rc_zipf *z, double x)
{
	return exp(-z->s * log(x));
}

static double
h_int_inv(const struct rc_zipf *z, double x)
{
	double t = x * (1 - z->s);

	if (t < -1)
		t = -1;
	return exp(helper1(t) * x);
}

void
rc_zipf_init(struct rc_zipf *z, uint64_t n, double s, uint64_t seed)
{
	z->n = n;
	z->s = s;
	z->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
	if (s <= 0)
		return;
	z->hx1 = h_int(z, 1.5) - 1;
	z->hn = h_int(z, (double)n + 0.5);
	z->sv = 2 - h_int_inv(z, h_int(z, 2.5) - h(z, 2));
}

uint64_t
rc_rand(uint64_t *state)
{
	uint64_t x = (*state += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

double
rc_rand01(uint64_t *state)
{
	return (double)(rc_rand(state) >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t
rc_zipf_next(struct rc_zipf *z)
{
	if (z->s <= 0)
		return 1 + rc_rand(&z->rng) % z->n;
	for (;;) {
		double u = z->hn + rc_rand01(&z->rng) * (z->hx1 - z->hn);
		double x = h_int_inv(z, u);
		uint64_t k = (uint64_t)(x + 0.5);

		if (x + 0.5 < 1)
			k = 1;
		if (k > z->n)
			k = z->n;
		if ((double)k - x <= z->sv || u >= h_int(z, (double)k + 0.5) - h(z, (double)k))
			return k;
	}
}
