/*
 * hot.c - rc-dist's hot view: the slots with the most keys (and, where the
 * server keeps them, their cpu and network), or sample keys of one slot or
 * one node.
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

struct slotstat {
	long long cpu, in, out;     /* -1: unknown */
};

/* CLUSTER SLOT-STATS (Valkey 8, Redis 8.2): cpu and network per slot, where
 * the server has it.  Returns NULL when no master knows the command. */
static struct slotstat *
slot_stats(struct dist *d)
{
	struct rc_node **v;
	struct rc_pipe *p;
	struct slotstat *ss = NULL;
	int n, i, s, m;
	size_t j, k;

	v = sorted_nodes(d, 1, &n);
	/* A master that did not answer this round is not waited for again. */
	for (i = m = 0; i < n; i++)
		if (!v[i]->down)
			v[m++] = v[i];
	n = m;
	p = rc_pipe_new(&d->cl);
	for (i = 0; i < n; i++)
		rc_pipe_node_cmdv(p, v[i], "CLUSTER", "SLOT-STATS", "SLOTSRANGE", "0", "16383",
		    NULL);
	rc_pipe_exec(p);
	for (i = 0; i < n; i++) {
		redisReply *r = rc_pipe_reply(p, (size_t)i);
		if (r == NULL || r->type != REDIS_REPLY_ARRAY)
			continue;
		if (ss == NULL) {
			ss = rc_malloc(RC_NSLOTS * sizeof *ss);
			for (s = 0; s < RC_NSLOTS; s++)
				ss[s].cpu = ss[s].in = ss[s].out = -1;
		}
		/* [[slot, [name, value, ...]], ...] */
		for (j = 0; j < r->elements; j++) {
			redisReply *e = r->element[j], *f;
			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
			    e->element[0]->type != REDIS_REPLY_INTEGER)
				continue;
			s = (int)e->element[0]->integer;
			f = e->element[1];
			if (s < 0 || s >= RC_NSLOTS || f->type != REDIS_REPLY_ARRAY)
				continue;
			for (k = 0; k + 1 < f->elements; k += 2) {
				redisReply *name = f->element[k], *val = f->element[k + 1];
				if (name->type != REDIS_REPLY_STRING ||
				    val->type != REDIS_REPLY_INTEGER)
					continue;
				if (strcmp(name->str, "cpu-usec") == 0)
					ss[s].cpu = val->integer;
				else if (strcmp(name->str, "network-bytes-in") == 0)
					ss[s].in = val->integer;
				else if (strcmp(name->str, "network-bytes-out") == 0)
					ss[s].out = val->integer;
			}
		}
	}
	rc_pipe_free(p);
	free(v);
	return ss;
}

/* qsort has no context argument: the counts being sorted by. */
static const long long *sort_keys;

static int
hot_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	if (sort_keys[x] != sort_keys[y])
		return sort_keys[x] > sort_keys[y] ? -1 : 1;
	return x - y;
}

static void
hot_top(struct dist *d)
{
	static const char *const cols[] = { "SLOT", "KEYS", "NODE", "CPU_USEC",
		"NET_IN", "NET_OUT" };
	struct mcount *mc;
	struct slotstat *ss = NULL;
	int *order = rc_malloc(RC_NSLOTS * sizeof *order);
	int n, s, k = 0, i, unknown = 0;
	long top = d->top;
	char a[300];

	mc = count_keys(d, &n);
	for (s = 0; s < RC_NSLOTS; s++)
		if (d->slotkeys[s] > 0)
			order[k++] = s;
		else if (d->slotkeys[s] < 0)
			unknown++;
	if (unknown > 0)
		note(d, "%d slots of masters that did not answer (or refused) are left out", unknown);
	sort_keys = d->slotkeys;
	qsort(order, (size_t)k, sizeof *order, hot_cmp);
	if (!d->stdin_src && d->match == NULL && !d->limit_set)
		ss = slot_stats(d);
	header(d, "slot\tkeys\taddr\tcpu_usec\tnet_in\tnet_out", cols, 6);
	for (i = 0; i < k && (top <= 0 || i < top); i++) {
		s = order[i];
		row_begin(d);
		cellf(d, 1, "%d", s);
		cellf(d, 0, "%lld", d->slotkeys[s]);
		cell(d, 0, addr_of(d->cl.owner[s], a, sizeof a));
		llcell(d, ss ? ss[s].cpu : -1);
		llcell(d, ss ? ss[s].in : -1);
		llcell(d, ss ? ss[s].out : -1);
		row_end(d);
	}
	table_done(d);
	free(ss);
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
	if (d->match != NULL && d->nargs > 0 && is_number(d->args[0]))
		rc_die(RC_EX_USAGE, "hot: -m cannot go with a slot (CLUSTER "
		    "GETKEYSINSLOT takes no pattern): give the slot's node instead of "
		    "slot %s", d->args[0]);
	return dist_run(d, "hot", argc, argv, view_hot);
}
