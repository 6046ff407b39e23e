/*
 * guard.c - is a slot still what a move expects?  Asked by the migration
 * engine right before it opens a slot and right before it hands the slot to
 * its target.  The lease keeps two rc-reshard runs apart, but not a plan
 * made before someone else moved the same slots, nor another tool (redis-cli
 * --cluster) at the same time.  A target told SETSLOT NODE takes the slot
 * with a new epoch, and the master that really holds the keys deletes them
 * when it loses the slot by gossip: so a slot is never touched unless the
 * source's and the target's own views say it is where the move expects.
 * Each check is two CLUSTER NODES (the source's, the target's) for a whole
 * job of slots.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

/* The two views, and what each node says of itself in its own. */
struct views {
	struct rc_node *vs, *vt;
	int nvs, nvt;
	const struct rc_node *ms, *mt;
	const struct rc_node *src, *dst;
};

/* "host:port" of node id as view v knows it (its id when it does not). */
static const char *
addr_in(const struct rc_node *v, int n, const char *id, char *buf, size_t len)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].id, id) == 0)
			return rc_node_addr(&v[i], buf, len);
	snprintf(buf, len, "%.40s", id);
	return buf;
}

/* The open slot in a node's own line, or NULL. */
static const struct rc_open_slot *
open_of(const struct rc_node *me, int slot)
{
	int i;

	for (i = 0; me != NULL && i < me->nopen; i++)
		if (me->open[i].slot == slot)
			return &me->open[i];
	return NULL;
}

/* The node's own view, its CLUSTER NODES already sent over c (NULL: no
 * connection).  On a failure the connection is left as it is (the engine
 * notices a broken one at its next command); -1 with err. */
static int
view_of(redisContext *c, int sent, const struct rc_node *n, struct rc_node **out,
    char *err, size_t errlen)
{
	redisReply *r = NULL;
	char a[300], e[200];
	int k;

	*out = NULL;
	if (c != NULL && (!sent || redisGetReply(c, (void **)&r) != REDIS_OK))
		r = NULL;
	if (r == NULL || r->type != REDIS_REPLY_STRING) {
		snprintf(err, errlen, "%s: CLUSTER NODES: %.200s", rc_node_addr(n, a, sizeof a),
		    r == NULL ? (c != NULL ? rc_errstr(c) : "no connection") :
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		if (r != NULL)
			freeReplyObject(r);
		return -1;
	}
	if ((k = rc_parse_nodes(r->str, r->len, out, e, sizeof e)) < 0)
		snprintf(err, errlen, "%s: %s", rc_node_addr(n, a, sizeof a), e);
	freeReplyObject(r);
	return k;
}

/* Both views, asked of the two nodes at once (a check is one round trip,
 * not two: it sits between every chunk's steps). */
static int
read_views(redisContext *from, redisContext *to, const struct rc_node *src,
    const struct rc_node *dst, struct views *w, char *err, size_t errlen)
{
	int sf = from != NULL && redisAppendCommand(from, "CLUSTER NODES") == REDIS_OK;
	int st = to != NULL && redisAppendCommand(to, "CLUSTER NODES") == REDIS_OK;
	int bad = 0;

	memset(w, 0, sizeof *w);
	w->src = src;
	w->dst = dst;
	/* Flush the second before waiting on the first. */
	if (st) {
		int done = 0;

		while (!done)
			if (redisBufferWrite(to, &done) != REDIS_OK) {
				st = 0;
				break;
			}
	}
	if ((w->nvs = view_of(from, sf, src, &w->vs, err, errlen)) < 0)
		bad = 1;
	/* The target's reply is read whatever happened, so its connection
	 * never holds an answer nobody asked for. */
	if ((w->nvt = view_of(to, st, dst, &w->vt, bad ? NULL : err, bad ? 0 : errlen)) < 0)
		bad = 1;
	if (bad) {
		if (w->nvs >= 0)
			rc_nodes_free(w->vs, w->nvs);
		if (w->nvt >= 0)
			rc_nodes_free(w->vt, w->nvt);
		return -1;
	}
	w->ms = rc_view_myself(w->vs, w->nvs);
	w->mt = rc_view_myself(w->vt, w->nvt);
	return 0;
}

static void
free_views(struct views *w)
{
	rc_nodes_free(w->vs, w->nvs);
	rc_nodes_free(w->vt, w->nvt);
}

/* An opposite move (target -> source) in progress: a slot the source
 * imports from the target, or the target migrates to the source.  MIGRATE
 * both ways at once blocks both servers until one times out. */
static int
opposite(const struct views *w, char *why, size_t len)
{
	char a[300], b[300];
	int i, slot = -1;

	for (i = 0; w->ms != NULL && slot < 0 && i < w->ms->nopen; i++)
		if (w->ms->open[i].importing && strcmp(w->ms->open[i].peer, w->dst->id) == 0)
			slot = w->ms->open[i].slot;
	for (i = 0; w->mt != NULL && slot < 0 && i < w->mt->nopen; i++)
		if (!w->mt->open[i].importing && strcmp(w->mt->open[i].peer, w->src->id) == 0)
			slot = w->mt->open[i].slot;
	if (slot < 0)
		return 0;
	snprintf(why, len, "an opposite move %.140s -> %.140s is in progress (slot %d "
	    "open): MIGRATE both ways at once would block both servers; line refused",
	    rc_node_addr(w->dst, a, sizeof a), rc_node_addr(w->src, b, sizeof b), slot);
	return 1;
}

/* Who owns the slot as the source sees it, said for a refusal. */
static void
not_owned(const struct views *w, int slot, const char *side, char *why, size_t len)
{
	const struct rc_node *o = rc_view_owner(w->vs, w->nvs, slot);
	char a[300];

	snprintf(why, len, "%s (owned by %.200s): another operator moved it? line refused",
	    side, o != NULL ? rc_node_addr(o, a, sizeof a) : "no node");
}

/* Is node id a master that answers, in view v?  fix finishes a move towards
 * the successor of a target that failed over (or from a source's): the
 * peer the slot still names is then a replica or failed, not another
 * operator's node. */
static int
live_master(const struct rc_node *v, int n, const char *id)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].id, id) == 0)
			return (v[i].flags & RC_NF_MASTER) &&
			    !(v[i].flags & (RC_NF_PFAIL | RC_NF_FAIL | RC_NF_NOADDR |
			    RC_NF_HANDSHAKE));
	return 0;
}

/* The open state of the slot on either side that is not this move's. */
static int
foreign_open(const struct views *w, int slot, int finish, char *why, size_t len)
{
	const struct rc_open_slot *os = open_of(w->ms, slot), *ot = open_of(w->mt, slot);
	char a[300];

	/* A peer is another operator's only if both sides still see it as a
	 * live master: right after a failover one side's view can lag (the
	 * source may still list the old target as a master for a while). */
	if (finish && os != NULL && !os->importing && !(live_master(w->vs, w->nvs, os->peer) &&
	    live_master(w->vt, w->nvt, os->peer)))
		os = NULL;
	if (finish && ot != NULL && ot->importing && !(live_master(w->vt, w->nvt, ot->peer) &&
	    live_master(w->vs, w->nvs, ot->peer)))
		ot = NULL;
	if (os != NULL && (os->importing || strcmp(os->peer, w->dst->id) != 0)) {
		snprintf(why, len, "the source is %s it %s %.200s: another operator "
		    "moving it? line refused", os->importing ? "importing" : "migrating",
		    os->importing ? "from" : "to", addr_in(w->vs, w->nvs, os->peer, a, sizeof a));
		return 1;
	}
	if (ot != NULL && (!ot->importing || strcmp(ot->peer, w->src->id) != 0)) {
		snprintf(why, len, "the target is %s it %s %.200s: another operator "
		    "moving it? line refused", ot->importing ? "importing" : "migrating",
		    ot->importing ? "from" : "to", addr_in(w->vt, w->nvt, ot->peer, a, sizeof a));
		return 1;
	}
	return 0;
}

/* One slot against the views; why[0] stays '\0' when it may go on.  A slot
 * already open as this very move (a run of the plan cut short) is judged as
 * fix would judge it: the target may have taken it already. */
static void
judge_slot(const struct views *w, struct rc_guard *g, int when)
{
	const struct rc_node *os = rc_view_owner(w->vs, w->nvs, g->slot);
	const struct rc_node *od = rc_view_owner(w->vt, w->nvt, g->slot);
	const struct rc_open_slot *s = open_of(w->ms, g->slot), *t = open_of(w->mt, g->slot);
	int src_owns = os != NULL && strcmp(os->id, w->src->id) == 0;
	int dst_took;

	g->why[0] = '\0';
	g->src_ours = s != NULL && !s->importing && strcmp(s->peer, w->dst->id) == 0;
	g->dst_ours = t != NULL && t->importing && strcmp(t->peer, w->src->id) == 0;
	if (when == RC_GUARD_OPEN)
		g->resume = g->src_ours || g->dst_ours;
	if (g->resume)
		when = RC_GUARD_FINISH;
	if (foreign_open(w, g->slot, when == RC_GUARD_FINISH, g->why, sizeof g->why))
		return;
	/* At the hand-over, a target that owns the slot by its own word with
	 * nothing open took it itself: Valkey 8 was seen to, for slots without
	 * keys, while it imported from two sources at once (its log: "no
	 * longer being imported ... Clear my importing source", a new config
	 * epoch).  The close goes on while the source still hands the slot
	 * there, or already names the target its owner (gossip was quicker). */
	dst_took = when == RC_GUARD_CLOSE && t == NULL && od != NULL &&
	    strcmp(od->id, w->dst->id) == 0 && (src_owns ? g->src_ours :
	    os != NULL && strcmp(os->id, w->dst->id) == 0 && (s == NULL || g->src_ours));
	if (when == RC_GUARD_FINISH) {
		/* Finishing a half-done move: either side may own it. */
		if (os != NULL && !src_owns && strcmp(os->id, w->dst->id) != 0)
			not_owned(w, g->slot, "neither side of the move owns it",
			    g->why, sizeof g->why);
	} else if (dst_took)
		return;
	else if (!src_owns)
		not_owned(w, g->slot, "the source no longer owns it", g->why,
		    sizeof g->why);
	else if (when == RC_GUARD_CLOSE && (!g->src_ours || !g->dst_ours))
		snprintf(g->why, sizeof g->why, "the %s no longer %s it: another "
		    "operator? not handed to the target", g->src_ours ? "target" :
		    "source", g->src_ours ? "imports" : "migrates");
}

/* The highest config epoch view v names. */
static long long
max_epoch(const struct rc_node *v, int n)
{
	long long m = 0;
	int i;

	for (i = 0; i < n; i++)
		if (v[i].config_epoch > m)
			m = v[i].config_epoch;
	return m;
}

/* How long the target may take to hear of the source's config epoch. */
#define EPOCH_WAIT_S 30

/*
 * A target told SETSLOT NODE takes the slot with a new config epoch only when
 * its own is not the highest it knows of.  One that has not yet heard of the
 * source's epoch (raised a moment ago: fix's BUMPEPOCH, a move the source
 * took, a failover) takes the slot with a lower epoch than the source's; the
 * source's last claim of the slot, sent before it was told SETSLOT NODE,
 * then reaches the target, which hands the slot back; everyone else heard
 * the target's claim and names the target; the source names the target too:
 * a slot whose two masters each name the other, for good (seen under load,
 * fix right before a move).  So the views are read again, every 50 ms, until
 * the target names an epoch as high as the source's own (gossip carries it
 * within a second or two), at most EPOCH_WAIT_S; then each slot is refused
 * with the reason.  0, or -1 with err when a view could not be read.
 */
static int
epoch_heard(redisContext *from, redisContext *to, const struct rc_node *src,
    const struct rc_node *dst, struct views *w, char *why, size_t whylen, char *err,
    size_t errlen)
{
	double until = rc_now() + EPOCH_WAIT_S;
	char a[300];

	while (w->ms != NULL && max_epoch(w->vt, w->nvt) < w->ms->config_epoch) {
		if (rc_now() > until) {
			snprintf(why, whylen, "the target has not heard of the source's config "
			    "epoch %lld in %d s (the highest it knows is %lld): a slot it "
			    "took now could go back to the source; is %s cut off?",
			    w->ms->config_epoch, EPOCH_WAIT_S, max_epoch(w->vt, w->nvt),
			    rc_node_addr(dst, a, sizeof a));
			return 0;
		}
		free_views(w);
		rc_sleep_ms(50);
		if (read_views(from, to, src, dst, w, err, errlen) < 0)
			return -1;
	}
	return 0;
}

int
rc_guard_slots(redisContext *from, redisContext *to, const struct rc_node *src,
    const struct rc_node *dst, struct rc_guard *g, int n, int when, char *err,
    size_t errlen)
{
	struct views w;
	char why[400] = "";
	int i, bad = 0;

	if (read_views(from, to, src, dst, &w, err, errlen) < 0 ||
	    epoch_heard(from, to, src, dst, &w, why, sizeof why, err, errlen) < 0)
		return -1;
	bad = why[0] != '\0';
	/* fix may have to finish moves both ways between two nodes. */
	if (!bad && when == RC_GUARD_OPEN && opposite(&w, why, sizeof why))
		bad = 1;
	for (i = 0; i < n; i++) {
		judge_slot(&w, &g[i], when);
		if (bad && g[i].why[0] == '\0')
			snprintf(g[i].why, sizeof g[i].why, "%s", why);
	}
	free_views(&w);
	return 0;
}

int
rc_guard_opposite(redisContext *from, redisContext *to, const struct rc_node *src,
    const struct rc_node *dst, char *why, size_t len)
{
	struct views w;
	int k;

	if (read_views(from, to, src, dst, &w, why, len) < 0)
		return -1;
	k = opposite(&w, why, len);
	free_views(&w);
	return k;
}
