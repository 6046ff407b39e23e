/*
 * watch.c - rc-failover watch: every node's own sight of the cluster,
 * polled, and each change a row as it happens: who saw whom as PFAIL, when
 * FAIL was agreed, the epochs of elections, roles and slots moving,
 * cluster_state per node.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failover.h"

#define POLL_MS 100
#define WATCH_TIMEOUT_MS 500    /* a frozen node must not stall the others */

struct watch {
	struct fo *f;
	struct rc_cluster cl;
	struct rc_fo_sight *prev;   /* per node of cl.nodes at the start */
	int n;
	uint64_t t0;
	int changes;
};

static void
row(struct watch *w, struct rc_node *obs, const char *event, const struct rc_node *subj,
    const char *detail)
{
	char a[300], b[300];

	rc_putf("%.0f\t%s\t%s\t%s\t", (double)(rc_now_us() - w->t0) / 1000.0,
	    rc_node_addr(obs, a, sizeof a), event,
	    subj != NULL ? rc_addr_fmt(&subj->addr, b, sizeof b) : "-");
	rc_put_field(detail, strlen(detail), 0);
	rc_putc('\n');
	rc_flush();
	w->changes++;
}

static const struct rc_node *
find(const struct rc_fo_sight *s, const char *id)
{
	int i;

	for (i = 0; i < s->nview; i++)
		if (strcmp(s->view[i].id, id) == 0)
			return &s->view[i];
	return NULL;
}

/* One subject as one observer sees it now against before. */
static void
diff_subject(struct watch *w, struct rc_node *obs, const struct rc_node *was,
    const struct rc_node *now)
{
	static const struct { unsigned flag; const char *on, *off; } fl[] = {
		{ RC_NF_PFAIL, "pfail", "pfail-cleared" },
		{ RC_NF_FAIL, "fail", "fail-cleared" },
	};
	char d[80];
	size_t i;

	for (i = 0; i < sizeof fl / sizeof fl[0]; i++)
		if ((was->flags ^ now->flags) & fl[i].flag)
			row(w, obs, now->flags & fl[i].flag ? fl[i].on : fl[i].off, now, "");
	if (rc_node_is_master(was) != rc_node_is_master(now) ||
	    strcmp(was->master_id, now->master_id) != 0) {
		snprintf(d, sizeof d, "%s%.8s", rc_node_is_master(now) ? "master" :
		    "replica of ", rc_node_is_master(now) ? "" : now->master_id);
		row(w, obs, "role", now, d);
	}
	if (was->nslots != now->nslots) {
		snprintf(d, sizeof d, "%d -> %d", was->nslots, now->nslots);
		row(w, obs, "slots", now, d);
	}
}

static void
diff(struct watch *w, struct rc_node *obs, const struct rc_fo_sight *was,
    const struct rc_fo_sight *now)
{
	char d[80];
	int i;

	if (was->up != now->up) {
		row(w, obs, now->up ? "reachable" : "unreachable", NULL, now->up ? "" : obs->err);
		if (!now->up)
			return;
	}
	if (!was->up)
		return;
	if (strcmp(was->state, now->state) != 0) {
		snprintf(d, sizeof d, "%s -> %s", was->state, now->state);
		row(w, obs, "state", NULL, d);
	}
	if (was->epoch != now->epoch) {
		snprintf(d, sizeof d, "%lld -> %lld", was->epoch, now->epoch);
		row(w, obs, "epoch", NULL, d);
	}
	for (i = 0; i < now->nview; i++) {
		const struct rc_node *p = find(was, now->view[i].id);
		if (p != NULL)
			diff_subject(w, obs, p, &now->view[i]);
	}
}

/* Does the node with this id answer (or is it one we never knew)? */
static int
answers(const struct watch *w, const char *id)
{
	int i;

	for (i = 0; i < w->n; i++)
		if (strcmp(w->cl.nodes[i]->id, id) == 0)
			return w->prev[i].up;
	return 1;
}

/* Calm: every reachable node says ok, suspects no node (PFAIL), and sees
 * every slot served by a master that answers and is not failed.  A dead
 * node that serves nothing (the old master) stays FAIL: that is calm. */
static int
calm(const struct watch *w)
{
	int i, k;

	for (i = 0; i < w->n; i++) {
		if (!w->prev[i].up)
			continue;
		if (strcmp(w->prev[i].state, "ok") != 0)
			return 0;
		for (k = 0; k < w->prev[i].nview; k++) {
			const struct rc_node *x = &w->prev[i].view[k];
			if (x->flags & RC_NF_PFAIL || (x->nslots > 0 &&
			    (x->flags & RC_NF_FAIL || !answers(w, x->id))))
				return 0;
		}
	}
	return 1;
}

int
cmd_watch(void *ctx, int argc, char **argv)
{
	struct fo *f = ctx;
	struct watch w;
	uint64_t end;
	int i;

	(void)argc;
	(void)argv;
	memset(&w, 0, sizeof w);
	w.f = f;
	if (f->duration_s == 0)
		f->duration_s = 60;
	if (f->o.timeout_ms > WATCH_TIMEOUT_MS)
		f->o.timeout_ms = WATCH_TIMEOUT_MS;
	fo_open(f, &w.cl);
	w.n = w.cl.nnodes;
	w.prev = rc_calloc((size_t)w.n, sizeof *w.prev);
	if (f->o.header)
		rc_puts("#ms\tobserver\tevent\tsubject\tdetail\n");
	w.t0 = rc_now_us();
	end = w.t0 + (uint64_t)f->duration_s * 1000000;
	for (i = 0; i < w.n; i++)
		rc_fo_sight(&w.cl, w.cl.nodes[i], &w.prev[i]);
	while (rc_now_us() < end && !(f->until_ok && w.changes > 0 && calm(&w))) {
		rc_sleep_ms(POLL_MS);
		for (i = 0; i < w.n; i++) {
			struct rc_fo_sight now;
			rc_fo_sight(&w.cl, w.cl.nodes[i], &now);
			diff(&w, w.cl.nodes[i], &w.prev[i], &now);
			rc_fo_sight_free(&w.prev[i]);
			w.prev[i] = now;
		}
	}
	for (i = 0; i < w.n; i++)
		rc_fo_sight_free(&w.prev[i]);
	free(w.prev);
	rc_cluster_close(&w.cl);
	return RC_EX_OK;
}
