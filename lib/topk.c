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
 * holds a counter.  The counters sit in a min-heap (the one to take is the
 * root) and an open-addressed hash table finds a key's counter.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

struct item {
	char *key;
	size_t len, cap;
	uint64_t hash;
	uint64_t err;
	size_t heap;            /* its index in the heap, which holds its count */
};

/* The count lives in the heap entry, so sifting touches one array. */
struct slot {
	uint64_t count;
	size_t item;
};

struct rc_topk {
	struct item *items;
	size_t m, n;
	struct slot *heap;      /* a min-heap by count */
	size_t *table;          /* item index + 1, 0 empty; size mask + 1 */
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
	size_t size = 16;

	if (counters < 1)
		counters = 1;
	while (size < 2 * counters)
		size *= 2;
	t->m = counters;
	t->items = rc_calloc(counters, sizeof *t->items);
	t->heap = rc_calloc(counters, sizeof *t->heap);
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
	free(t->heap);
	free(t->table);
	free(t);
}

/* The table position of key, or of the empty place where it would go. */
static size_t
probe(const struct rc_topk *t, const char *key, size_t len, uint64_t h)
{
	size_t i = (size_t)h & t->mask;

	while (t->table[i] != 0) {
		const struct item *it = &t->items[t->table[i] - 1];
		if (it->hash == h && it->len == len && memcmp(it->key, key, len) == 0)
			break;
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
		home = (size_t)t->items[t->table[j] - 1].hash & t->mask;
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
			t->table[i] = t->table[j];
			t->table[j] = 0;
			i = j;
		}
	}
}

static void
heap_swap(struct rc_topk *t, size_t a, size_t b)
{
	struct slot x = t->heap[a];

	t->heap[a] = t->heap[b];
	t->heap[b] = x;
	t->items[t->heap[a].item].heap = a;
	t->items[t->heap[b].item].heap = b;
}

static void
sift_down(struct rc_topk *t, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i;
		if (l < t->n && t->heap[l].count < t->heap[min].count)
			min = l;
		if (r < t->n && t->heap[r].count < t->heap[min].count)
			min = r;
		if (min == i)
			return;
		heap_swap(t, i, min);
		i = min;
	}
}

static void
sift_up(struct rc_topk *t, size_t i)
{
	while (i > 0 && t->heap[(i - 1) / 2].count > t->heap[i].count) {
		heap_swap(t, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
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
		it = &t->items[t->table[pos] - 1];
		t->heap[it->heap].count += w;
		sift_down(t, it->heap);
		return;
	}
	if (t->n < t->m) {
		idx = t->n++;
		it = &t->items[idx];
		set_key(it, key, len, h);
		it->err = 0;
		it->heap = idx;
		t->heap[idx].count = w;
		t->heap[idx].item = idx;
		t->table[pos] = idx + 1;
		sift_up(t, idx);
		return;
	}
	/* Full: the smallest counter is taken over. */
	idx = t->heap[0].item;
	it = &t->items[idx];
	unlink_at(t, probe(t, it->key, it->len, it->hash));
	set_key(it, key, len, h);
	it->err = t->heap[0].count;
	t->heap[0].count += w;
	t->table[probe(t, key, len, h)] = idx + 1;
	sift_down(t, 0);
}

uint64_t
rc_topk_total(const struct rc_topk *t)
{
	return t->total;
}

uint64_t
rc_topk_floor(const struct rc_topk *t)
{
	return t->n < t->m ? 0 : t->heap[0].count;
}

int
rc_topk_get(const struct rc_topk *t, const char *key, size_t len, uint64_t *count,
    uint64_t *err)
{
	size_t pos = probe(t, key, len, hash_key(key, len));
	const struct item *it;

	if (t->table[pos] == 0)
		return 0;
	it = &t->items[t->table[pos] - 1];
	*count = t->heap[it->heap].count;
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
