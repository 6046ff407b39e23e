/*
 * top.c - rc-hotkey top: the cluster-wide top-k keys by operations, from a
 * MONITOR sample of every node merged, or from a key stream on stdin; both
 * through the same bounded sketch (lib/topk.c).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hotkey.h"

#define NCOLS 9
static const char *const head[NCOLS] = {
	"key", "slot", "node", "count", "err", "share", "ops_s", "hot", "source"
};

/* What the rows are made of, wherever the keys came from. */
struct report {
	struct rc_topk_item *it;
	size_t n;
	uint64_t total;         /* operations with a key */
	double secs;            /* 0: unknown (stdin) */
	const char *source;
	struct rc_cluster *cl;  /* the owners, or NULL */
};

/* A key is hot when even its lower bound is min_share of everything. */
static int
is_hot(const struct hk *h, const struct report *r, const struct rc_topk_item *it)
{
	return r->total > 0 && (double)(it->count - it->err) * 100 >=
	    h->min_share * (double)r->total;
}

static void
cells(const struct report *r, const struct rc_topk_item *it, int hot, char c[NCOLS][64])
{
	unsigned slot = rc_keyslot(it->key, it->len);
	struct rc_node *o = r->cl != NULL ? rc_cluster_owner(r->cl, (int)slot) : NULL;

	snprintf(c[1], sizeof c[1], "%u", slot);
	if (o != NULL)
		rc_node_addr(o, c[2], sizeof c[2]);
	else
		strcpy(c[2], "-");
	snprintf(c[3], sizeof c[3], "%llu", (unsigned long long)it->count);
	snprintf(c[4], sizeof c[4], "%llu", (unsigned long long)it->err);
	snprintf(c[5], sizeof c[5], "%.2f", r->total ? 100.0 * (double)it->count /
	    (double)r->total : 0);
	if (r->secs > 0)
		snprintf(c[6], sizeof c[6], "%.0f", (double)it->count / r->secs);
	else
		strcpy(c[6], "-");
	strcpy(c[7], hot ? "hot" : "-");
	snprintf(c[8], sizeof c[8], "%s", r->source);
}

static void
print_header(const struct hk *h, struct rc_table *t)
{
	int k;

	if (t != NULL) {
		for (k = 0; k < NCOLS; k++)
			rc_table_cell(t, head[k]);
		return;
	}
	if (h->o.header)
		for (k = 0; k < NCOLS; k++)
			rc_putf("%s%s%s", k ? "\t" : "#", head[k], k + 1 < NCOLS ? "" : "\n");
}

/* Prints the first k rows; RC_EX_OK when one of them is hot, else RC_EX_NO. */
static int
print_report(const struct hk *h, const struct report *r)
{
	struct rc_table *t = h->o.pretty ? rc_table_new(NCOLS) : NULL;
	char c[NCOLS][64], *esc;
	size_t i;
	int k, hot, any = 0;

	print_header(h, t);
	for (i = 0; i < r->n && i < (size_t)h->k; i++) {
		const struct rc_topk_item *it = &r->it[i];
		any |= hot = is_hot(h, r, it);
		cells(r, it, hot, c);
		if (t != NULL) {
			esc = rc_malloc(2 * it->len + 1);
			esc[rc_tsv_escape(esc, it->key, it->len, 1)] = '\0';
			rc_table_cell(t, esc);
			free(esc);
			for (k = 1; k < NCOLS; k++)
				rc_table_cell(t, c[k]);
			continue;
		}
		rc_put_field(it->key, it->len, 1);
		for (k = 1; k < NCOLS; k++) {
			rc_putc('\t');
			rc_puts(c[k]);
		}
		rc_putc('\n');
	}
	if (t != NULL) {
		rc_table_print(t, 1);
		rc_table_free(t);
	}
	if (!any)
		rc_warn("no hot key: none is surely %g%% or more of the %llu %s",
		    h->min_share, (unsigned long long)r->total, strcmp(r->source, "lfu") == 0 ?
		    "LFU counts summed" : "operations");
	return any ? RC_EX_OK : RC_EX_NO;
}

/* Sketch j (a node) can only have seen keys of the slots it serves. */
struct seen {
	struct rc_hk_sample *s;
	struct rc_cluster *cl;
};

static int
could_see(void *ud, int j, const char *key, size_t len)
{
	struct seen *w = ud;
	struct rc_node *n = w->s->nodes[j];

	return rc_cluster_owner(w->cl, (int)rc_keyslot(key, len)) ==
	    (n->master != NULL ? n->master : n);
}

static int
top_cluster(struct hk *h)
{
	struct rc_cluster cl;
	struct rc_hk_sample s;
	struct report r;
	struct seen w = { &s, &cl };
	int i, rc;

	hk_open(h, &cl);
	if (h->lfu)
		hk_lfu(h, &cl, &s);
	else
		hk_sample(h, &cl, &s);
	memset(&r, 0, sizeof r);
	r.n = rc_topk_merge(s.sk, s.n, could_see, &w, &r.it);
	for (i = 0; i < s.n; i++)
		r.total += s.keyed[i];
	r.secs = h->lfu ? 0 : s.elapsed;       /* counters, not operations a second */
	r.source = h->lfu ? "lfu" : "monitor";
	r.cl = &cl;
	rc = print_report(h, &r);
	free(r.it);
	free(s.nodes);
	rc_hk_sample_free(&s);
	rc_cluster_close(&cl);
	return rc;
}

/* The first field of each line, TSV escapes decoded. */
static void
read_keys(struct rc_topk *t)
{
	struct rc_reader rd;
	ssize_t len;
	char *line, *tab;

	rc_reader_init(&rd, STDIN_FILENO, "<stdin>");
	while ((len = rc_reader_line(&rd, &line)) >= 0) {
		size_t klen = (size_t)len, bad;
		ssize_t ulen;

		if (rc_tsv_skip(line, (size_t)len))
			continue;
		if ((tab = memchr(line, '\t', (size_t)len)) != NULL)
			klen = (size_t)(tab - line);
		if (memchr(line, '\\', klen) != NULL) {
			if ((ulen = rc_tsv_unescape(line, klen, &bad)) < 0)
				rc_die_at(rd.name, rd.lineno, "malformed escape '\\%c' in the "
				    "key (use \\t \\n \\r \\\\ \\#)",
				    bad + 1 < klen ? line[bad + 1] : ' ');
			klen = (size_t)ulen;
		}
		rc_topk_add(t, line, klen, 1);
	}
	rc_reader_free(&rd);
}

static int
top_stdin(struct hk *h)
{
	struct rc_topk *t = rc_topk_new(hk_counters(h));
	struct rc_cluster cl;
	struct report r;
	int rc;

	memset(&r, 0, sizeof r);
	read_keys(t);
	if (h->node) {
		hk_open(h, &cl);
		r.cl = &cl;
	}
	r.n = rc_topk_merge(&t, 1, NULL, NULL, &r.it);
	r.total = rc_topk_total(t);
	r.source = "stdin";
	rc = print_report(h, &r);
	free(r.it);
	rc_topk_free(t);
	if (h->node)
		rc_cluster_close(&cl);
	return rc;
}

int
cmd_top(void *ctx, int argc, char **argv)
{
	struct hk *h = ctx;

	if (argc == 1 && strcmp(argv[0], "-") != 0)
		rc_die(RC_EX_USAGE, "top: '%s': the only operand is '-' (keys on stdin)", argv[0]);
	if (argc == 1 && h->lfu)
		rc_die(RC_EX_USAGE, "top: --lfu walks the cluster; it takes no '-'");
	if (argc == 1)
		return top_stdin(h);
	if (h->node)
		rc_die(RC_EX_USAGE, "top: -n is for keys from stdin (top -); the sample "
		    "names each key's node");
	return top_cluster(h);
}
