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
		/* A master by its own word only: a map can lag a demotion,
		 * and a replica's open slots are rc_replica_open_slots'. */
		for (j = 0; j < nv; j++)
			for (k = 0; (v[j].flags & RC_NF_MYSELF) &&
			    (v[j].flags & RC_NF_MASTER) && k < v[j].nopen; k++)
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

/* Whether replica n's link to its master is up (INFO replication). */
static int
link_up(struct rc_cluster *cl, struct rc_node *n)
{
	redisReply *r = rc_node_cmdv(cl, n, "INFO", "replication", NULL);
	int up;

	up = r != NULL && r->type == REDIS_REPLY_STRING &&
	    strstr(r->str, "master_link_status:up") != NULL;
	if (r != NULL)
		freeReplyObject(r);
	return up;
}

/* Valkey copies SETSLOT to a master's online replicas, and a master demoted
 * within its own shard (its replica took over while it was down) keeps the
 * slots it had open.  Such a replica, promoted one day, takes a slot it
 * still imports once the source stops claiming it: so its open slots are
 * found here and closed through its master (a replica refuses SETSLOT). */
int
rc_replica_open_slots(struct rc_cluster *cl, struct rc_stale **out)
{
	struct rc_stale *st = NULL;
	int n = 0, i, j, k;

	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *x = cl->nodes[i], *v;
		int nv, up = -1;

		/* Every node is asked: a map can lag a demotion. */
		if ((x->flags & (RC_NF_FAIL | RC_NF_NOADDR)) ||
		    (nv = rc_node_view(cl, x, &v)) < 0)
			continue;
		for (j = 0; j < nv; j++) {
			if (!(v[j].flags & RC_NF_MYSELF) || !(v[j].flags & RC_NF_REPLICA))
				continue;
			for (k = 0; k < v[j].nopen; k++) {
				if (up < 0)
					up = link_up(cl, x);
				st = rc_realloc(st, (size_t)(n + 1) * sizeof *st);
				memset(&st[n], 0, sizeof st[n]);
				st[n].replica = x;
				st[n].master = rc_cluster_by_id(cl, v[j].master_id);
				st[n].os = v[j].open[k];
				st[n].link_up = up;
				n++;
			}
		}
		rc_nodes_free(v, nv);
	}
	*out = st;
	return n;
}
