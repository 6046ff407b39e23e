/*
 * hot.c - rc-dist's hot view: the slots with the most keys, cpu time or
 * network bytes (CLUSTER SLOT-STATS, where the server keeps them), or sample
 * keys of one slot or one node.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"

/* A whole number written in digits alone (hot's slot argument). */
static int
is_number(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

/* The figure hot ranks by for slot s (-1: unknown). */
static long long
rank_value(const struct dist *d, const struct rc_slotstat *ss, int s)
{
	const struct rc_slotstat *x = ss != NULL ? &ss[s] : NULL;

	switch (d->by) {
	case BY_CPU:
		return x ? x->cpu : -1;
	case BY_NET:
		return x && x->in >= 0 && x->out >= 0 ? x->in + x->out : -1;
	case BY_NET_IN:
		return x ? x->in : -1;
	case BY_NET_OUT:
		return x ? x->out : -1;
	}
	return d->slotkeys[s];
}

/* qsort has no context argument: the figures being sorted by. */
static const long long *sort_by;

static int
hot_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	if (sort_by[x] != sort_by[y])
		return sort_by[x] > sort_by[y] ? -1 : 1;
	return x - y;
}

/* What SLOT-STATS could not tell, on stderr: said when it matters (ranking
 * by cpu or network, a master with the statistics off, a cluster of which
 * some masters have the command), not for a cluster whose servers have no
 * SLOT-STATS at all.  Ranking by a figure no master gives is an answer of
 * no (exit 1). */
static void
stats_notes(struct dist *d, struct rc_slotstats *st)
{
	char why[1200];

	if (d->by != BY_KEYS || st->with > 0)
		rc_slot_stats_gaps(&d->cl, st, why, sizeof why);
	else
		why[0] = '\0';
	if (why[0] != '\0')
		note(d, "cpu and network per slot: %s", why);
	if (d->by != BY_KEYS && st->with - st->off <= 0) {
		note(d, "no master gives per-slot cpu and network figures: nothing to "
		    "rank by %s", d->by == BY_CPU ? "cpu" : "network");
		d->bad = 1;
	}
}

static void
hot_top(struct dist *d)
{
	static const char *const cols[] = { "SLOT", "KEYS", "NODE", "CPU_USEC",
		"NET_IN", "NET_OUT" };
	struct mcount *mc;
	struct rc_slotstats st;
	struct rc_slotstat *ss = NULL;
	long long *val = rc_malloc(RC_NSLOTS * sizeof *val);
	int *order = rc_malloc(RC_NSLOTS * sizeof *order);
	int n, s, k = 0, i, unknown = 0;
	long top = d->top;
	char a[300];

	mc = count_keys(d, &n);
	memset(&st, 0, sizeof st);
	if (!d->stdin_src && d->match == NULL) {
		int nm;
		struct rc_node **m = sorted_nodes(d, 1, &nm);
		rc_slot_stats(&d->cl, m, nm, &st);
		ss = st.slot;
		stats_notes(d, &st);
		free(m);
	}
	for (s = 0; s < RC_NSLOTS; s++) {
		if (d->slotkeys[s] < 0)
			unknown++;
		if ((val[s] = rank_value(d, ss, s)) > 0)
			order[k++] = s;
	}
	if (unknown > 0)
		note(d, "%d slots of masters that did not answer are left out", unknown);
	sort_by = val;
	qsort(order, (size_t)k, sizeof *order, hot_cmp);
	header(d, "slot\tkeys\taddr\tcpu_usec\tnet_in\tnet_out", cols, 6);
	for (i = 0; i < k && (top <= 0 || i < top); i++) {
		s = order[i];
		row_begin(d);
		cellf(d, 1, "%d", s);
		llcell(d, d->slotkeys[s]);
		cell(d, 0, addr_of(d->cl.owner[s], a, sizeof a));
		llcell(d, ss ? ss[s].cpu : -1);
		llcell(d, ss ? ss[s].in : -1);
		llcell(d, ss ? ss[s].out : -1);
		row_end(d);
	}
	table_done(d);
	rc_slot_stats_free(&st);
	free(val);
	free(order);
	free(mc);
}

static void
sample_row(struct dist *d, const redisReply *k, const struct rc_node *n)
{
	char a[300];
	unsigned slot;

	if (k->type != REDIS_REPLY_STRING)
		return;
	slot = rc_keyslot(k->str, k->len);
	row_begin(d);
	if (d->table != NULL) {
		char *e = rc_malloc(2 * k->len + 1);
		e[rc_tsv_escape(e, k->str, k->len, 1)] = '\0';
		rc_table_cell(d->table, e);
		free(e);
	} else
		rc_put_field(k->str, k->len, d->watch <= 0);
	cellf(d, 0, "%u", slot);
	cell(d, 0, addr_of(n, a, sizeof a));
	row_end(d);
}

/* Sample keys of one slot: CLUSTER GETKEYSINSLOT, sent where the slot
 * lives. */
static void
sample_slot(struct dist *d, long slot, long want, struct rc_node *n)
{
	struct rc_pipe *p = rc_pipe_new(&d->cl);
	redisReply *r;
	size_t j;
	char s[24], w[24];

	snprintf(s, sizeof s, "%ld", slot);
	snprintf(w, sizeof w, "%ld", want);
	rc_pipe_cmdv(p, (int)slot, "CLUSTER", "GETKEYSINSLOT", s, w, NULL);
	rc_pipe_exec(p);
	r = rc_pipe_reply(p, 0);
	if (r != NULL && r->type == REDIS_REPLY_ARRAY) {
		n = d->cl.owner[slot] != NULL ? d->cl.owner[slot] : n;
		for (j = 0; j < r->elements; j++)
			sample_row(d, r->element[j], n);
	} else
		node_failed(d, n, r);
	rc_pipe_free(p);
}

/* Sample keys of one node: SCAN from its start until enough are found. */
static void
sample_node(struct dist *d, long want, struct rc_node *n)
{
	char cursor[32] = "0";
	long got = 0;
	size_t j;

	do {
		struct rc_pipe *p = rc_pipe_new(&d->cl);
		redisReply *r;

		if (d->match != NULL)
			rc_pipe_node_cmdv(p, n, "SCAN", cursor, "MATCH", d->match, "COUNT",
			    "1000", NULL);
		else
			rc_pipe_node_cmdv(p, n, "SCAN", cursor, "COUNT", "1000", NULL);
		rc_pipe_exec(p);
		r = rc_pipe_reply(p, 0);
		if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
		    r->element[0]->type == REDIS_REPLY_STRING &&
		    r->element[1]->type == REDIS_REPLY_ARRAY) {
			snprintf(cursor, sizeof cursor, "%.*s",
			    (int)r->element[0]->len, r->element[0]->str);
			for (j = 0; j < r->element[1]->elements && got < want; j++, got++)
				sample_row(d, r->element[1]->element[j], n);
		} else {
			node_failed(d, n, r);
			snprintf(cursor, sizeof cursor, "0");
		}
		rc_pipe_free(p);
	} while (got < want && strcmp(cursor, "0") != 0);
}

/* Sample keys: from one slot (given as a number) or from one node. */
static void
hot_sample(struct dist *d, const char *what)
{
	static const char *const cols[] = { "KEY", "SLOT", "NODE" };
	long want = d->top > 0 ? d->top : TOP_DEFAULT;
	long slot = -1;
	struct rc_node *n;

	connect_cluster(d);
	if (is_number(what)) {
		if (rc_parse_long(what, 0, RC_NSLOTS - 1, &slot) < 0)
			rc_die(RC_EX_USAGE, "slot '%s' is not in 0..16383", what);
		if ((n = d->cl.owner[slot]) == NULL)
			rc_die(RC_EX_NO, "slot %ld is not assigned to any master", slot);
	} else if ((n = rc_cluster_find(&d->cl, what)) == NULL)
		rc_die(RC_EX_USAGE, "'%s' is neither a slot nor a node of the cluster "
		    "(give a slot number, host:port or a node id prefix)", what);
	header(d, "key\tslot\taddr", cols, 3);
	if (slot >= 0)
		sample_slot(d, slot, want, n);
	else
		sample_node(d, want, n);
	table_done(d);
}

static void
view_hot(struct dist *d)
{
	if (d->nargs > 0)
		hot_sample(d, d->args[0]);
	else
		hot_top(d);
	unassigned_note(d, NULL);
	flagged_note(d, 1);
}

int
run_hot(void *ctx, int argc, char **argv)
{
	struct dist *d = ctx;

	/* hot's -n is how many rows, not how many keys to scan. */
	d->top = d->limit_set ? d->limit : TOP_DEFAULT;
	d->limit = 0;
	d->limit_set = 0;
	dist_operands(d, "hot", argc, argv, 1);
	if (d->by != BY_KEYS && (d->stdin_src || d->match != NULL || d->nargs > 0))
		rc_die(RC_EX_USAGE, "hot: --by cpu or network ranks the live cluster's slots: "
		    "not with -, -m or a slot or node");
	if (d->match != NULL && d->nargs > 0 && is_number(d->args[0]))
		rc_die(RC_EX_USAGE, "hot: -m cannot go with a slot (CLUSTER "
		    "GETKEYSINSLOT takes no pattern): give the slot's node instead of "
		    "slot %s", d->args[0]);
	return dist_run(d, "hot", argc, argv, view_hot);
}
