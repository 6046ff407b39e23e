/*
 * view.c - what each master says of itself.
 *
 * Only a node's own line of CLUSTER NODES carries the slots it is migrating
 * or importing, so reading the open slots means asking every master for its
 * own view (rc_node_view).  rc_open_slots gives up when one master does not
 * answer, which is right before moving slots; a report (rc-dist) answers
 * from the masters that do and names the others, so it asks here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

/* Adds what node id says of one of its open slots to op (one entry a slot,
 * whichever side said it first). */
static void
add_open(struct rc_open **op, int *nop, const char *id, const struct rc_open_slot *os)
{
	const char *src = os->importing ? os->peer : id;
	const char *dst = os->importing ? id : os->peer;
	struct rc_open *o;
	int q;

	for (q = 0; q < *nop && (*op)[q].slot != os->slot; q++)
		;
	if (q == *nop) {
		*op = rc_realloc(*op, (size_t)(*nop + 1) * sizeof **op);
		o = &(*op)[(*nop)++];
		memset(o, 0, sizeof *o);
		o->slot = os->slot;
		snprintf(o->src, sizeof o->src, "%s", src);
		snprintf(o->dst, sizeof o->dst, "%s", dst);
	} else
		o = &(*op)[q];
	if (os->importing)
		o->importing = 1;
	else
		o->migrating = 1;
}

static int
by_slot(const void *a, const void *b)
{
	const struct rc_open *x = a, *y = b;

	return (x->slot > y->slot) - (x->slot < y->slot);
}

int
rc_open_slots_of(struct rc_cluster *cl, struct rc_node **m, int n, int *answered,
    struct rc_open **out)
{
	struct rc_open *op = NULL;
	int nop = 0, i, j, k;

	for (i = 0; i < n; i++) {
		struct rc_node *v;
		int nv;

		answered[i] = (nv = rc_node_view(cl, m[i], &v)) >= 0;
		for (j = 0; j < nv; j++)
			for (k = 0; (v[j].flags & RC_NF_MYSELF) && k < v[j].nopen; k++)
				add_open(&op, &nop, m[i]->id, &v[j].open[k]);
		if (nv >= 0)
			rc_nodes_free(v, nv);
	}
	if (nop > 1)
		qsort(op, (size_t)nop, sizeof *op, by_slot);
	*out = op;
	return nop;
}

/* Before slots move, every master must answer: one that does not may hold
 * a half-moved slot. */
int
rc_open_slots(struct rc_cluster *cl, struct rc_open **out, char *err, size_t errlen)
{
	struct rc_node **m = rc_calloc((size_t)cl->nnodes + 1, sizeof *m);
	int *answered = rc_calloc((size_t)cl->nnodes + 1, sizeof *answered);
	int n = 0, i, nop;

	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *x = cl->nodes[i];
		if (rc_node_is_master(x) && !(x->flags & (RC_NF_FAIL | RC_NF_NOADDR)))
			m[n++] = x;
	}
	nop = rc_open_slots_of(cl, m, n, answered, out);
	for (i = 0; i < n; i++) {
		if (answered[i])
			continue;
		snprintf(err, errlen, "%s", m[i]->err);
		free(*out);
		*out = NULL;
		nop = -1;
		break;
	}
	free(m);
	free(answered);
	return nop;
}
