/*
 * slots.c - rc-hotkey slots: the same MONITOR sample added up per slot and
 * per node, each with its heaviest part (a slot's top key, a node's top
 * slot), so that one hot key, one hot slot (many keys of a hash tag) and
 * one hot master (many hot slots) each look like what they are.
 */
#include <stdlib.h>
#include <string.h>

#include "hotkey.h"

#define NCOLS 8
static const char *const head[NCOLS] = {
	"what", "id", "node", "ops", "share", "ops_s", "top", "top_share"
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

static void
slot_row(struct rc_cluster *cl, const struct rc_hk_sample *s, const struct slotrow *r,
    uint64_t total, const struct rc_topk_item *it, size_t n)
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
		rc_putf("\t%.2f\n", pct(k->count - k->err, r->ops));
	} else
		rc_puts("-\t-\n");
}

/* Node i's ops and its busiest slot (of the slots it serves). */
static void
node_row(struct rc_cluster *cl, const struct rc_hk_sample *s, int i, uint64_t total,
    const struct slotrow *rows)
{
	struct rc_node *n = s->nodes[i], *m = n->master != NULL ? n->master : n;
	char addr[300];
	int j;

	rc_node_addr(n, addr, sizeof addr);
	rc_putf("%s\t%.8s\t%s\t%llu\t%.2f\t%.0f\t", n->master != NULL ? "replica" : "master",
	    n->id, addr, (unsigned long long)s->keyed[i], pct(s->keyed[i], total),
	    (double)s->keyed[i] / s->elapsed);
	for (j = 0; j < RC_NSLOTS && rows[j].ops > 0; j++)
		if (rc_cluster_owner(cl, rows[j].slot) == m) {
			rc_putf("%d\t%.2f\n", rows[j].slot, pct(rows[j].ops, s->keyed[i]));
			return;
		}
	rc_puts("-\t-\n");
}

int
cmd_slots(void *ctx, int argc, char **argv)
{
	struct hk *h = ctx;
	struct rc_cluster cl;
	struct rc_hk_sample s;
	struct rc_topk_item *it;
	struct slotrow *rows = rc_calloc(RC_NSLOTS, sizeof *rows);
	uint64_t total = 0;
	size_t n;
	int i, k;

	(void)argc;
	(void)argv;
	hk_open(h, &cl);
	hk_sample(h, &cl, &s);
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
		slot_row(&cl, &s, &rows[i], total, it, n);
	for (i = 0; i < s.n; i++)
		node_row(&cl, &s, i, total, rows);
	free(it);
	free(rows);
	free(s.nodes);
	rc_hk_sample_free(&s);
	rc_cluster_close(&cl);
	return total > 0 ? RC_EX_OK : RC_EX_NO;
}
