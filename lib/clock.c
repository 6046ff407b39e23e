/* clock.c - monotonic time and a latency histogram with bounded error. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "rc.h"

uint64_t
rc_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

double
rc_now(void)
{
	return (double)rc_now_us() / 1e6;
}

void
rc_sleep_ms(int ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Buckets: values below 32 us have one bucket each; above, each power of two
 * is split into 32 linear sub-buckets, so a bucket is at most 1/32 (3%) wide
 * and its midpoint is within about 1.6% of any value in it.
 */
#define SUB 32

static unsigned
bucket(uint64_t v)
{
	unsigned msb;

	if (v < SUB)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);       /* >= 5 */
	return (msb - 4) * SUB + (unsigned)((v >> (msb - 5)) & (SUB - 1));
}

static uint64_t
bucket_mid(unsigned b)
{
	unsigned msb, sub;
	uint64_t lo, width;

	if (b < SUB)
		return b;
	msb = b / SUB + 4;
	sub = b % SUB;
	lo = ((uint64_t)1 << msb) + ((uint64_t)sub << (msb - 5));
	width = (uint64_t)1 << (msb - 5);
	return lo + width / 2;
}

void
rc_hist_init(struct rc_hist *h)
{
	memset(h, 0, sizeof *h);
	h->min = UINT64_MAX;
}

void
rc_hist_add(struct rc_hist *h, uint64_t us)
{
	unsigned b = bucket(us);

	if (b >= RC_HIST_BUCKETS)
		b = RC_HIST_BUCKETS - 1;
	h->b[b]++;
	h->count++;
	h->sum += us;
	if (us < h->min)
		h->min = us;
	if (us > h->max)
		h->max = us;
}

void
rc_hist_merge(struct rc_hist *dst, const struct rc_hist *src)
{
	unsigned i;

	for (i = 0; i < RC_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t
rc_hist_pct(const struct rc_hist *h, double q)
{
	uint64_t rank, seen = 0, v;
	unsigned i;

	if (h->count == 0)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 100)
		return h->max;
	rank = (uint64_t)(q / 100.0 * (double)h->count + 0.999999);
	if (rank == 0)
		rank = 1;
	for (i = 0; i < RC_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			v = bucket_mid(i);
			/* Never outside what was seen. */
			if (v < h->min)
				v = h->min;
			if (v > h->max)
				v = h->max;
			return v;
		}
	}
	return h->max;
}
