/*
 * gen.c - rc-hotkey gen: GET/SET traffic with a known skew, a row of
 * achieved operations a second, and a summary row.
 */
#include <stdlib.h>
#include <string.h>

#include "hotkey.h"

#define NCOLS 7
static const char *const head[NCOLS] = {
	"second", "ops", "ops_s", "reads", "writes", "errors", "hits"
};

static void
row(const char *first, const struct rc_hk_tick *t)
{
	rc_putf("%s\t%llu\t%.0f\t%llu\t%llu\t%llu\t%llu\n", first, (unsigned long long)t->ops,
	    t->secs > 0 ? (double)t->ops / t->secs : 0, (unsigned long long)t->reads,
	    (unsigned long long)t->writes, (unsigned long long)t->errors,
	    (unsigned long long)t->hits);
}

/* SETs change the keys: from the first one on, rc_done says how much
 * traffic ran (the rows' sum) if the output is lost. */
static uint64_t done_ops, done_writes;

static void
gen_done(const struct rc_hk_tick *t)
{
	done_ops += t->ops;
	done_writes += t->writes;
	if (done_writes > 0)
		rc_done("gen ran %llu operations, %llu of them writes", (unsigned long long)done_ops,
		    (unsigned long long)done_writes);
}

static void
on_tick(void *ud, const struct rc_hk_tick *t)
{
	char at[32];

	(void)ud;
	gen_done(t);
	snprintf(at, sizeof at, "%.0f", t->at);
	row(at, t);
	rc_flush();
}

/* With --cache-ms: a read found a value the kept copy did not have; the
 * reads served from that copy until now were stale. */
static void
on_changed(void *ud, const char *key, const char *was, const char *now, double age_ms)
{
	(void)ud;
	rc_warn("%s changed: '%.40s' -> '%.40s', the local copy read for %.0f ms", key, was,
	    now, age_ms);
}

/* --hot a,b,c into gen.hot. */
static void
split_hot(struct hk *h)
{
	char *s, *w;

	if (h->hotlist == NULL)
		return;
	for (s = h->hotlist; (w = strsep(&s, ",")) != NULL;) {
		if (*w == '\0')
			rc_die(RC_EX_USAGE, "--hot: an empty key in '%s'", h->hotlist);
		h->gen.hot = rc_realloc(h->gen.hot, (size_t)(h->gen.nhot + 1) * sizeof *h->gen.hot);
		h->gen.hot[h->gen.nhot++] = w;
	}
}

static const char *
shape(const struct hk *h, char *buf, size_t n)
{
	if (h->gen.zipf > 0)
		snprintf(buf, n, "Zipf(%g) over %llu keys", h->gen.zipf,
		    (unsigned long long)h->gen.keys);
	else
		snprintf(buf, n, "uniform over %llu keys", (unsigned long long)h->gen.keys);
	if (h->gen.nhot > 0)
		snprintf(buf + strlen(buf), n - strlen(buf), ", %g%% on %d hot key%s",
		    h->gen.hot_share * 100, h->gen.nhot, h->gen.nhot == 1 ? "" : "s");
	return buf;
}

int
cmd_gen(void *ctx, int argc, char **argv)
{
	struct hk *h = ctx;
	struct rc_cluster cl;
	char what[400];
	int rc, k;

	(void)argc;
	(void)argv;
	split_hot(h);
	h->gen.secs = h->duration > 0 ? h->duration : 10;
	h->gen.tick = on_tick;
	h->gen.stop = hk_stopped;
	h->gen.changed = on_changed;
	hk_open(h, &cl);
	if (h->o.header)
		for (k = 0; k < NCOLS; k++)
			rc_putf("%s%s%s", k ? "\t" : "#", head[k], k + 1 < NCOLS ? "" : "\n");
	rc = rc_hk_gen(&cl, &h->gen);
	if (h->gen.total.writes > 0)
		rc_done("gen ran %llu operations, %llu of them writes",
		    (unsigned long long)h->gen.total.ops, (unsigned long long)h->gen.total.writes);
	row("total", &h->gen.total);
	rc_warn("%llu operations in %.1f s: %.0f ops/s (%s, %.0f%% reads, pipeline %d)%s%s",
	    (unsigned long long)h->gen.total.ops, h->gen.total.secs,
	    h->gen.total.secs > 0 ? (double)h->gen.total.ops / h->gen.total.secs : 0,
	    shape(h, what, sizeof what), h->gen.reads * 100, h->gen.pipeline,
	    h->gen.err[0] ? "; first error: " : "", h->gen.err);
	if (h->gen.cache_ms > 0)
		rc_warn("local copy (%ld ms): %llu of %llu reads (%.0f%%) never reached a server",
		    h->gen.cache_ms, (unsigned long long)h->gen.total.hits,
		    (unsigned long long)h->gen.total.reads, h->gen.total.reads ?
		    100.0 * (double)h->gen.total.hits / (double)h->gen.total.reads : 0);
	rc_cluster_close(&cl);
	free(h->gen.hot);
	free(h->hotlist);
	if (rc != RC_EX_OK)
		return rc;
	return h->gen.total.errors > 0 ? RC_EX_NO : RC_EX_OK;
}
