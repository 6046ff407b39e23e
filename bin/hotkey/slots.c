/*
 * slots.c - rc-hotkey slots: the same MONITOR sample added up per slot and
 * per node, each with its heaviest part (a slot's top key, a node's top
 * slot), so that one hot key, one hot slot (many keys of a hash tag) and
 * one hot master (many hot slots) each look like what they are.  Where the
 * masters keep CLUSTER SLOT-STATS with its statistics on, each slot's cpu
 * time and network bytes over the same window come from there (read before
 * and after the sample); elsewhere those columns are "-", and stderr says
 * why.
 */
#include <stdlib.h>
#include <string.h>

#include "hotkey.h"

#define NCOLS 11
static const char *const head[NCOLS] = {
	"what", "id", "node", "ops", "share", "ops_s", "top", "top_share",
	"cpu_usec", "net_in", "net_out"
};

struct slotrow {
	int slot;
	uint64_t ops;
};

static int
by_ops(const void *a, const void *b)
{
	const struct slotrow *x = a, *y = b;

	if (x->ops != y->ops)
		return x->ops < y->ops ? 1 : -1;
	return x->slot - y->slot;
}

static double
pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

/* The heaviest key of slot among the merged items (sorted by count). */
static const struct rc_topk_item *
top_key(const struct rc_topk_item *it, size_t n, int slot)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((int)rc_keyslot(it[i].key, it[i].len) == slot)
			return &it[i];
	return NULL;
}

/* A figure, or "-" when unknown; then a TAB or the end of the row. */
static void
put_figure(long long v, int last)
{
	if (v >= 0)
		rc_putf("%lld", v);
	else
		rc_putc('-');
	rc_putc(last ? '\n' : '\t');
}

static void
put_stat(const struct rc_slotstat *x)
{
	put_figure(x ? x->cpu : -1, 0);
	put_figure(x ? x->in : -1, 0);
	put_figure(x ? x->out : -1, 1);
}

/* One figure's growth over the window; -1 when either end is unknown or it
 * went down (the slot moved, the statistics were reset). */
static long long
grown(long long before, long long after)
{
	return before >= 0 && after >= before ? after - before : -1;
}

/* CLUSTER SLOT-STATS of the masters that own slots: at the start of the
 * sample's window, and again at its end. */
static void
stats_read(struct rc_cluster *cl, struct rc_slotstats *st)
{
	struct rc_node **m = rc_calloc((size_t)cl->nnodes + 1, sizeof *m);
	int i, n = 0;

	for (i = 0; i < cl->nnodes; i++)
		if (rc_node_is_master(cl->nodes[i]) && cl->nodes[i]->nslots > 0)
			m[n++] = cl->nodes[i];
	rc_slot_stats(cl, m, n, st);
	free(m);
}

/* Each slot's cpu and network since before (read again now), its source
 * named on stderr; NULL, and why on stderr, when no master gives them. */
static struct rc_slotstat *
stats_growth(struct rc_cluster *cl, const struct rc_slotstats *before)
{
	struct rc_slotstats after;
	struct rc_slotstat *d;
	char why[1200];
	int i;

	stats_read(cl, &after);
	rc_slot_stats_gaps(cl, &after, why, sizeof why);
	if (after.with - after.off <= 0) {
		rc_warn("cpu and network per slot: none (%s); operations from the MONITOR "
		    "sample only", why[0] ? why : "no master answered");
		rc_slot_stats_free(&after);
		return NULL;
	}
	rc_warn("cpu and network per slot: CLUSTER SLOT-STATS, read before and after the "
	    "sample%s%s", why[0] ? "; " : "", why);
	d = after.slot;
	for (i = 0; i < RC_NSLOTS; i++) {
		d[i].cpu = grown(before->slot[i].cpu, d[i].cpu);
		d[i].in = grown(before->slot[i].in, d[i].in);
		d[i].out = grown(before->slot[i].out, d[i].out);
	}
	return d;
}

static void
slot_row(struct rc_cluster *cl, const struct rc_hk_sample *s, const struct slotrow *r,
    uint64_t total, const struct rc_topk_item *it, size_t n, const struct rc_slotstat *st)
{
	const struct rc_topk_item *k = top_key(it, n, r->slot);
	struct rc_node *o = rc_cluster_owner(cl, r->slot);
	char addr[300] = "-";

	if (o != NULL)
		rc_node_addr(o, addr, sizeof addr);
	rc_putf("slot\t%d\t%s\t%llu\t%.2f\t%.0f\t", r->slot, addr, (unsigned long long)r->ops,
	    pct(r->ops, total), (double)r->ops / s->elapsed);
	if (k != NULL) {
		rc_put_field(k->key, k->len, 0);
		rc_putf("\t%.2f\t", pct(k->count - k->err, r->ops));
	} else
		rc_puts("-\t-\t");
	put_stat(st != NULL ? &st[r->slot] : NULL);
}

/* A master's figures: the sum over the slots it owns (-1 when one of them
 * is unknown); NULL for a replica, which owns none. */
static const struct rc_slotstat *
node_stat(struct rc_cluster *cl, const struct rc_node *n, const struct rc_slotstat *st,
    struct rc_slotstat *sum)
{
	int s;

	if (st == NULL || !rc_node_is_master(n))
		return NULL;
	memset(sum, 0, sizeof *sum);
	for (s = 0; s < RC_NSLOTS; s++) {
		if (rc_cluster_owner(cl, s) != n)
			continue;
		sum->cpu = sum->cpu < 0 || st[s].cpu < 0 ? -1 : sum->cpu + st[s].cpu;
		sum->in = sum->in < 0 || st[s].in < 0 ? -1 : sum->in + st[s].in;
		sum->out = sum->out < 0 || st[s].out < 0 ? -1 : sum->out + st[s].out;
	}
	return sum;
}

/* Node i's ops and its busiest slot (of the slots it serves). */
static void
node_row(struct rc_cluster *cl, const struct rc_hk_sample *s, int i, uint64_t total,
    const struct slotrow *rows, const struct rc_slotstat *st)
{
	struct rc_node *n = s->nodes[i], *m = n->master != NULL ? n->master : n;
	struct rc_slotstat sum;
	const struct rc_slotstat *ns = node_stat(cl, n, st, &sum);
	char addr[300];
	int j;

	rc_node_addr(n, addr, sizeof addr);
	rc_putf("%s\t%.8s\t%s\t%llu\t%.2f\t%.0f\t", n->master != NULL ? "replica" : "master",
	    n->id, addr, (unsigned long long)s->keyed[i], pct(s->keyed[i], total),
	    (double)s->keyed[i] / s->elapsed);
	for (j = 0; j < RC_NSLOTS && rows[j].ops > 0; j++)
		if (rc_cluster_owner(cl, rows[j].slot) == m)
			break;
	if (j < RC_NSLOTS && rows[j].ops > 0)
		rc_putf("%d\t%.2f\t", rows[j].slot, pct(rows[j].ops, s->keyed[i]));
	else
		rc_puts("-\t-\t");
	put_stat(ns);
}

int
cmd_slots(void *ctx, int argc, char **argv)
{
	struct hk *h = ctx;
	struct rc_cluster cl;
	struct rc_hk_sample s;
	struct rc_topk_item *it;
	struct slotrow *rows = rc_calloc(RC_NSLOTS, sizeof *rows);
	struct rc_slotstats before;
	struct rc_slotstat *st;
	uint64_t total = 0;
	size_t n;
	int i, k;

	(void)argc;
	(void)argv;
	hk_open(h, &cl);
	stats_read(&cl, &before);
	hk_sample(h, &cl, &s);
	st = stats_growth(&cl, &before);
	n = rc_topk_merge(s.sk, s.n, NULL, NULL, &it);
	for (i = 0; i < RC_NSLOTS; i++) {
		rows[i].slot = i;
		rows[i].ops = s.slot_ops[i];
		total += s.slot_ops[i];
	}
	qsort(rows, RC_NSLOTS, sizeof *rows, by_ops);
	if (h->o.header)
		for (k = 0; k < NCOLS; k++)
			rc_putf("%s%s%s", k ? "\t" : "#", head[k], k + 1 < NCOLS ? "" : "\n");
	for (i = 0; i < h->k && i < RC_NSLOTS && rows[i].ops > 0; i++)
		slot_row(&cl, &s, &rows[i], total, it, n, st);
	for (i = 0; i < s.n; i++)
		node_row(&cl, &s, i, total, rows, st);
	free(it);
	free(rows);
	free(st);
	rc_slot_stats_free(&before);
	free(s.nodes);
	rc_hk_sample_free(&s);
	rc_cluster_close(&cl);
	return total > 0 ? RC_EX_OK : RC_EX_NO;
}
