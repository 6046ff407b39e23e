/* The Space-Saving sketch and the Zipf sampler (lib/topk.c), and the
 * MONITOR line's key (lib/hotkey.c): exact while counters last, the error
 * bound after, the top found in a skewed stream, merging. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "tap.h"

static void
add_s(struct rc_topk *t, const char *k)
{
	rc_topk_add(t, k, strlen(k), 1);
}

static void
exact(void)
{
	struct rc_topk *t = rc_topk_new(10);
	struct rc_topk_item *it;
	uint64_t c, e;
	size_t n;

	add_s(t, "a"); add_s(t, "b"); add_s(t, "a"); add_s(t, "c"); add_s(t, "a");
	n = rc_topk_merge(&t, 1, NULL, NULL, &it);
	is_int((long long)n, 3, "three keys, three items");
	ok(it[0].len == 1 && it[0].key[0] == 'a' && it[0].count == 3 && it[0].err == 0,
	    "a counted exactly 3 times, first");
	ok(rc_topk_get(t, "b", 1, &c, &e) && c == 1 && e == 0, "b once");
	is_int((long long)rc_topk_floor(t), 0, "not full: no floor");
	is_int((long long)rc_topk_total(t), 5, "total 5");
	free(it);
	rc_topk_free(t);
}

/* A stream whose true counts are known: keys 0..9 heavy, 10000 light keys
 * each once, interleaved; 100 counters. */
static void
bound(void)
{
	struct rc_topk *t = rc_topk_new(100);
	struct rc_topk_item *it;
	char k[32];
	size_t n, i;
	int j, r, found = 0, within = 1;
	uint64_t total;

	for (j = 0; j < 10000; j++) {
		snprintf(k, sizeof k, "light:%d", j);
		add_s(t, k);
		if (j % 10 == 0)
			for (r = 0; r < 10; r++) {
				snprintf(k, sizeof k, "heavy:%d", r);
				rc_topk_add(t, k, strlen(k), (uint64_t)(10 - r));
			}
	}
	total = rc_topk_total(t);
	n = rc_topk_merge(&t, 1, NULL, NULL, &it);
	ok(n == 100, "the sketch holds at most its 100 counters (%zu)", n);
	for (i = 0; i < 10 && i < n; i++)
		found += strncmp(it[i].key, "heavy:", 6) == 0;
	is_int(found, 10, "the ten heavy keys are the top ten");
	for (i = 0; i < n; i++)
		if (it[i].err > total / 100)
			within = 0;
	ok(within, "every err is at most total / m");
	for (i = 0; i < 10; i++) {
		long want = 1000L * (10 - (it[i].key[6] - '0'));
		if ((long)(it[i].count - it[i].err) > want || (long)it[i].count < want)
			within = 0;
	}
	ok(within, "each heavy key's true count lies within [count - err, count]");
	free(it);
	rc_topk_free(t);
}

static int
holds(struct rc_topk *t, const char *k, uint64_t count, uint64_t err)
{
	uint64_t c, e;

	return rc_topk_get(t, k, strlen(k), &c, &e) && c == count && e == err;
}

/* Ties: the counter taken is the smallest, of those the one that has held
 * that count longest; a weighted add jumps over counts; the counts always
 * sum to the total (what Space-Saving keeps, whatever the evictions). */
static void
ties(void)
{
	struct rc_topk *t = rc_topk_new(3);
	struct rc_topk_item *it;
	uint64_t sum = 0;
	char k[32];
	size_t n, i;
	int j;

	add_s(t, "a"); add_s(t, "b"); add_s(t, "c");
	add_s(t, "d");
	ok(holds(t, "d", 2, 1) && !holds(t, "a", 1, 0) && holds(t, "b", 1, 0),
	    "all tied at 1: the first there (a) is taken, d counts 2 with err 1");
	add_s(t, "e"); add_s(t, "c");
	is_int((long long)rc_topk_floor(t), 2, "b taken by e, c counted: all at 2");
	add_s(t, "f");
	ok(holds(t, "f", 3, 2) && !holds(t, "d", 2, 1) && holds(t, "e", 2, 1) &&
	    holds(t, "c", 2, 0), "tied at 2: d, there first, is taken (f 3, err 2)");
	rc_topk_add(t, "e", 1, 5);
	add_s(t, "c");
	ok(holds(t, "e", 7, 1) && holds(t, "c", 3, 0) && rc_topk_floor(t) == 3,
	    "a weight of 5 jumps e over f's count; c joins f at 3");
	for (j = 0; j < 20000; j++) {
		snprintf(k, sizeof k, "k%d", j % 7 == 0 ? 1 : j % 101);
		rc_topk_add(t, k, strlen(k), 1 + (uint64_t)(j % 3));
	}
	n = rc_topk_merge(&t, 1, NULL, NULL, &it);
	for (i = 0; i < n; i++)
		sum += it[i].count;
	ok(n == 3 && sum == rc_topk_total(t), "after 20000 weighted adds over 102 keys "
	    "the 3 counts sum to the total (%llu)", (unsigned long long)sum);
	ok(it[0].len == 2 && memcmp(it[0].key, "k1", 2) == 0, "k1, a seventh of the "
	    "stream, is first");
	free(it);
	rc_topk_free(t);
}

static int
only_first(void *ud, int j, const char *key, size_t len)
{
	(void)ud;
	(void)key;
	(void)len;
	return j == 0;
}

static void
merge(void)
{
	struct rc_topk *v[2] = { rc_topk_new(2), rc_topk_new(2) };
	struct rc_topk_item *it;
	size_t n;

	add_s(v[0], "x"); add_s(v[0], "x"); add_s(v[0], "y");
	add_s(v[1], "x"); add_s(v[1], "z"); add_s(v[1], "z"); add_s(v[1], "w");
	/* v[0]: x 2, y 1 (floor 1); v[1]: z 2, w 2 with err 1 (x's counter taken). */
	n = rc_topk_merge(v, 2, NULL, NULL, &it);
	is_int((long long)n, 4, "the union of both sketches' keys");
	ok(it[0].len == 1 && it[0].key[0] == 'x' && it[0].count == 4 && it[0].err == 2,
	    "x: its 2, plus the other sketch's floor 2 as count and as err");
	free(it);
	n = rc_topk_merge(v, 2, only_first, NULL, &it);
	ok(n == 4 && it[2].key[0] == 'x' && it[2].count == 2 && it[2].err == 0,
	    "a sketch that could not have seen a key adds nothing to it (x: 2, exact)");
	free(it);
	rc_topk_free(v[0]);
	rc_topk_free(v[1]);
}

static void
zipf(void)
{
	struct rc_zipf z;
	long c[11] = { 0 };
	int i, inrange = 1;

	rc_zipf_init(&z, 100000, 1.1, 7);
	for (i = 0; i < 200000; i++) {
		uint64_t k = rc_zipf_next(&z);
		if (k < 1 || k > 100000)
			inrange = 0;
		if (k <= 10)
			c[k]++;
	}
	ok(inrange, "Zipf ranks lie in 1..n");
	ok(c[1] > c[2] && c[2] > c[4] && c[4] > c[10], "rank 1 beats 2 beats 4 beats 10");
	/* P(1)/P(2) = 2^1.1 = 2.14 */
	ok(c[1] * 100 / c[2] > 190 && c[1] * 100 / c[2] < 240,
	    "rank 1 / rank 2 near 2^1.1 (%ld / %ld)", c[1], c[2]);
	rc_zipf_init(&z, 5, 0, 3);
	for (i = 0; i < 1000; i++)
		if (rc_zipf_next(&z) > 5)
			inrange = 0;
	ok(inrange, "s = 0: uniform over 1..n");
}

static void
line(const char *l, const char *want, const char *name)
{
	char buf[64];
	ssize_t n = rc_hk_monitor_key(l, strlen(l), buf, sizeof buf);

	if (want == NULL)
		ok(n < 0, "%s: no key", name);
	else
		ok(n == (ssize_t)strlen(want) && memcmp(buf, want, (size_t)n) == 0,
		    "%s", name);
}

static void
monitor(void)
{
	line("1700000000.1 [0 127.0.0.1:5555] \"GET\" \"key:1\"", "key:1", "GET's key");
	line("1.2 [0 [::1]:5555] \"SET\" \"a\\\"b\\x41c\\n\" \"v\"", "a\"bAc\n", "IPv6 client, escapes");
	line("1.2 [0 127.0.0.1:1] \"EVALSHA\" \"abc\" \"1\" \"k\" \"x\"", "k", "EVALSHA's first key");
	line("1.2 [0 lua] \"PING\"", NULL, "a keyless command");
	line("1.2 [0 127.0.0.1:1] \"GET\" \"unterminated", NULL, "a malformed line");
	line("garbage", NULL, "garbage");
	ok(rc_hk_monitor_from("1.2 [0 127.0.0.1:7000] \"SET\" \"k\" \"v\"", 36,
	    "127.0.0.1:7000"), "a line from the master's address: the replication link");
	ok(!rc_hk_monitor_from("1.2 [0 127.0.0.1:70001] \"GET\" \"k\"", 33, "127.0.0.1:7000") &&
	    !rc_hk_monitor_from("1.2 [0 lua] \"GET\" \"k\"", 21, "127.0.0.1:7000"),
	    "another client, a script: not the link");
}

int
main(void)
{
	plan(30);
	exact();
	bound();
	ties();
	merge();
	zipf();
	monitor();
	return tap_failed != 0;
}
