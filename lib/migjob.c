/* migjob.c - one job of the migration engine: a source/target pair's slots
 * checked (guard.c), opened on both sides, their keys moved (migkeys.c),
 * closed on the target and then the source, and the other masters told;
 * a slot that fails is rolled back when no key of it has moved.  The
 * engine that hands out jobs to workers is migrate.c's. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"

/* Adds a remark to a slot's error, once: a slot may be rolled back when
 * it is refused and again when its job ends. */
static void
add_note(struct slot_state *s, const char *note)
{
	size_t l = strlen(s->err);

	if (strstr(s->err, note) != NULL)
		return;
	snprintf(s->err + l, sizeof s->err - l, "%s", note);
}

/* Undoes what we opened for a slot that failed before any key moved. */
static void
roll_back(redisContext *from, redisContext *to, struct slot_state *s)
{
	redisReply *r;

	if (s->keys > 0) {
		add_note(s, " (slot left open with keys on both sides: run rc-reshard fix)");
		return;
	}
	/* A MIGRATE whose reply was lost may still have landed keys on the
	 * target (a paused target runs it when it wakes).  Closing the slot
	 * there would strand them in a slot it does not own: unless the target
	 * says it holds none, the slot stays open for fix to finish. */
	if (s->importing) {
		long long n = -1;
		if (to != NULL && (r = redisCommand(to, "CLUSTER COUNTKEYSINSLOT %d", s->slot)) != NULL) {
			if (r->type == REDIS_REPLY_INTEGER)
				n = r->integer;
			freeReplyObject(r);
		}
		if (n != 0) {
			add_note(s, " (slot left open, the target may hold its keys: run rc-reshard fix)");
			return;
		}
	}
	if (s->migrating && from != NULL &&
	    (r = redisCommand(from, "CLUSTER SETSLOT %d STABLE", s->slot)) != NULL)
		freeReplyObject(r);
	if (s->importing && to != NULL &&
	    (r = redisCommand(to, "CLUSTER SETSLOT %d STABLE", s->slot)) != NULL)
		freeReplyObject(r);
	s->migrating = s->importing = 0;
}

/* ---- running a job ------------------------------------------------------------ */

/* Tells every other master who owns the slots now, all of them at once (on
 * Valkey 8 each waits for its own replicas).  A master that does not answer
 * learns it from gossip; a warning is enough. */
static void
tell_others(struct run *r)
{
	struct rc_cluster *cl = r->cl;
	struct sent *t = rc_calloc((size_t)cl->nnodes + 1, sizeof *t);
	redisReply **rep = rc_calloc((size_t)r->n + 1, sizeof *rep);
	int j, k = 0;

	for (j = 0; j < cl->nnodes; j++) {
		struct rc_node *x = cl->nodes[j];
		redisContext *c;

		if (!rc_node_is_master(x) || x == r->src || x == r->dst ||
		    (x->flags & (RC_NF_FAIL | RC_NF_HANDSHAKE | RC_NF_NOADDR)))
			continue;
		if ((c = rc_node_ctx(cl, x)) == NULL)
			continue;
		mig_setslot_send(r, x, c, S_DONE, "NODE", r->dst->id, &t[k++]);
	}
	for (j = 0; j < k; j++) {
		int n = t[j].k;

		if (mig_setslot_recv(r, &t[j], rep) < 0)
			rc_node_drop(t[j].x, rc_errstr(t[j].cs[0]));
		mig_free_replies(rep, n);
	}
	free(rep);
	free(t);
}

/* The source stopped answering: what it has is out of reach; close the
 * target side of slots that moved nothing yet.  Returns -1. */
static int
lost_source(struct run *r)
{
	int i;

	mig_engine_error(r->e, 1, r->why);
	rc_node_drop(r->src, r->why);
	r->from = NULL;
	for (i = 0; i < r->n; i++)
		if (r->sl[i].state == S_ACTIVE || r->sl[i].state == S_KEYSDONE) {
			mig_fail(&r->sl[i], "%s", r->why);
			roll_back(NULL, r->to, &r->sl[i]);
		}
	mig_free_replies(r->rep, r->n);
	return -1;
}

/* The target stopped answering: the source side of slots that moved
 * nothing yet is closed (over a new connection if need be).  Returns -1. */
static int
lost_target(struct run *r)
{
	int i;

	mig_engine_error(r->e, 1, r->why);
	rc_node_drop(r->dst, r->why);
	r->to = NULL;
	for (i = 0; i < r->n; i++)
		if (r->sl[i].state == S_ACTIVE || r->sl[i].state == S_KEYSDONE) {
			mig_fail(&r->sl[i], "%s", r->why);
			roll_back(rc_node_ctx(r->cl, r->src), NULL, &r->sl[i]);
		}
	mig_free_replies(r->rep, r->n);
	return -1;
}

/* r->why: "WHAT host:port: reason" (reason may be r->why itself). */
static void
node_why(struct run *r, const char *what, const struct rc_node *x, const char *reason)
{
	char w[200];

	snprintf(w, sizeof w, "%.150s", reason);
	snprintf(r->why, sizeof r->why, "%.20s%.200s:%d: %.150s", what, x->addr.host,
	    x->addr.port, w);
}

/* The source may work on a MIGRATE for a while. */
static void
source_timeout(struct run *r)
{
	int ms = r->e->m->timeout_ms * 2 > r->e->o->timeout_ms ? r->e->m->timeout_ms * 2 :
	    r->e->o->timeout_ms;

	r->tv.tv_sec = ms / 1000;
	r->tv.tv_usec = (ms % 1000) * 1000;
	redisSetTimeout(r->from, r->tv);
}

/* Both nodes in the cluster and connected.  0, or -1 with every slot failed. */
static int
connect_pair(struct run *r)
{
	const char *msg;
	int i;

	if (r->src == NULL || r->dst == NULL) {
		for (i = 0; i < r->n; i++)
			mig_fail(&r->sl[i], "node %.40s is not in the cluster",
			    r->src == NULL ? r->j->from : r->j->to);
		return -1;
	}
	if ((r->from = rc_node_ctx(r->cl, r->src)) == NULL ||
	    (r->to = rc_node_ctx(r->cl, r->dst)) == NULL) {
		msg = r->from == NULL ? r->src->err : r->dst->err;
		for (i = 0; i < r->n; i++)
			mig_fail(&r->sl[i], "%s", msg);
		mig_engine_error(r->e, 1, msg);
		return -1;
	}
	source_timeout(r);
	/* And the target on a WAIT (--durable), as long. */
	if (r->e->m->durable)
		redisSetTimeout(r->to, r->tv);
	return 0;
}

/* A view that could not be read: a broken connection is a lost node; any
 * other failure leaves the slots untouched (they cannot be judged).
 * Returns -1 when a node was lost, else 0. */
static int
guard_failed(struct run *r, int state, const char *err)
{
	int i;

	if (r->from->err) {
		node_why(r, "", r->src, rc_errstr(r->from));
		return lost_source(r);
	}
	if (r->to->err) {
		node_why(r, "the target ", r->dst, rc_errstr(r->to));
		return lost_target(r);
	}
	for (i = 0; i < r->n; i++)
		if (r->sl[i].state == state && !r->sl[i].claimed)
			mig_fail(&r->sl[i], "cannot check the slot: %s", err);
	return 0;
}

/* Judges the job's slots in state `state` (those not yet handed to the
 * target) by the source's and the target's own views (guard.c): a slot
 * that is not where the move expects is refused with the reason, and an
 * open state that is no longer ours is not undone.  0, or -1 when a node
 * was lost. */
static int
guard_job(struct run *r, int state, int when)
{
	struct rc_guard *g = rc_calloc((size_t)r->n, sizeof *g);
	char err[400];
	int i, k = 0, rc = 0;

#ifdef RC_BENCH_UNGUARDED
	/* make bench's build without the lease and the guard, to price them. */
	free(g);
	(void)state, (void)when, (void)err, (void)i, (void)k, (void)rc;
	return 0;
#endif
	for (i = 0; i < r->n; i++)
		if (r->sl[i].state == state && !r->sl[i].claimed) {
			g[k].resume = r->sl[i].resume;
			g[k++].slot = r->sl[i].slot;
		}
	if (k > 0 && rc_guard_slots(r->from, r->to, r->src, r->dst, g, k, when, err,
	    sizeof err) < 0)
		rc = guard_failed(r, state, err);
	else
		for (i = 0, k = 0; i < r->n; i++) {
			struct slot_state *s = &r->sl[i];

			if (s->state != state || s->claimed)
				continue;
			s->resume = g[k].resume;
			if (g[k].why[0] != '\0') {
				mig_fail(s, "%s", g[k].why);
				s->migrating &= g[k].src_ours;
				s->importing &= g[k].dst_ours;
			}
			k++;
		}
	free(g);
	return rc;
}

/* Valkey 8 waits for every replica of a primary to take a slot change and
 * refuses it (NOREPLICAS) when one does not within its timeout: then the
 * primary has not made the change, yet it went down the replication stream,
 * so a replica that wakes up would be left with the slot open.  A STABLE sent
 * the same way follows it and undoes it there (the primary has nothing to
 * undo; TIMEOUT 1: it is refused as well while the replica sleeps, and need
 * not wait).  The node's replicas are named, and the run stops: every other
 * slot change on that node would wait and be refused the same way. */
static void
no_replicas(struct run *r, struct slot_state *s, const redisReply *x, int target)
{
	const struct rc_node *n = target ? r->dst : r->src;
	struct rc_cluster *cl = r->cl;
	char reps[300] = "", slot[16];
	redisReply *y;
	size_t l = 0;
	int i;

	snprintf(slot, sizeof slot, "%d", s->slot);
	y = rc_cmdv(target ? r->to : r->from, "CLUSTER", "SETSLOT", slot, "STABLE",
	    "TIMEOUT", "1", NULL);
	freeReplyObject(y);
	for (i = 0; i < cl->nnodes && l + 1 < sizeof reps; i++) {
		const struct rc_node *q = cl->nodes[i];
		if (strcmp(q->master_id, n->id) == 0)
			l += (size_t)snprintf(reps + l, sizeof reps - l, "%s%s:%d", l ? ", " : "",
			    q->addr.host, q->addr.port);
	}
	mig_fail(s, "%s refused %s: %s: %s:%d did not hear from every replica in time "
	    "(its replicas: %s); %s", target ? "target" : "source",
	    target ? "IMPORTING" : "MIGRATING", mig_rtext(x), n->addr.host, n->addr.port,
	    l ? reps : "none known", rc_error_hint("NOREPLICAS"));
	pthread_mutex_lock(&r->e->mu);
	r->e->replicas_refused = 1;
	pthread_mutex_unlock(&r->e->mu);
	mig_engine_abort(r->e, s->err);
}

/* A reply to IMPORTING or MIGRATING that refuses the slot, in a move that
 * is not finishing a half-done one: the slot is not where the plan says,
 * and nothing more is sent for it (least of all SETSLOT NODE, which would
 * take it from the master that holds its keys). */
static void
open_refused(struct run *r, struct slot_state *s, const redisReply *x, int target)
{
	struct rc_guard g;
	char err[400];

	if (target && mig_err_has(x, "already the owner")) {
		mig_fail(s, "the target already owns it: another operator moved it? line "
		    "refused (if a run of this plan was cut short, rc-reshard fix "
		    "finishes it)");
		return;
	}
	if (!target && mig_err_has(x, "not the owner")) {
		/* Said with the owner the source names now. */
		memset(&g, 0, sizeof g);
		g.slot = s->slot;
		if (rc_guard_slots(r->from, r->to, r->src, r->dst, &g, 1, RC_GUARD_OPEN, err,
		    sizeof err) == 0 && g.why[0] != '\0')
			mig_fail(s, "%s", g.why);
		else
			mig_fail(s, "the source no longer owns it: another operator moved "
			    "it? line refused");
		return;
	}
	if (mig_err_has(x, "NOREPLICAS")) {
		no_replicas(r, s, x, target);
		return;
	}
	mig_fail(s, "%s refused %s: %s", target ? "target" : "source",
	    target ? "IMPORTING" : "MIGRATING", mig_rtext(x));
}

/* A half-done move is finished (fix, or a run of a plan that was cut
 * short): the target may own the slot already, the source no longer. */
int
mig_finishing(const struct run *r, const struct slot_state *s)
{
	return r->e->m->finish || s->resume;
}

/* A source that has not learnt yet that the target is a master (a replica
 * promoted a moment ago: fix right after a failover) refuses MIGRATING, and
 * its view catches up within moments.  The source is asked again until it
 * takes it or says something else, bounded by --migrate-timeout; *x is
 * its last reply. */
static void
migrating_once_known(struct run *r, int slot, redisReply **x)
{
	uint64_t end = rc_now_us() + (uint64_t)r->e->m->timeout_ms * 1000;
	char s[16];

	snprintf(s, sizeof s, "%d", slot);
	while ((mig_err_has(*x, "not a master") || mig_err_has(*x, "know about node")) &&
	    rc_now_us() < end) {
		freeReplyObject(*x);
		rc_sleep_ms(50);
		*x = rc_cmdv(r->from, "CLUSTER", "SETSLOT", s, "MIGRATING", r->dst->id, NULL);
	}
}

/* IMPORTING on the target first, so that an ASK always lands on a node that
 * accepts it; then MIGRATING on the source.  0, or -1 when a node was lost. */
static int
open_pair(struct run *r)
{
	int i, k;

	if (mig_setslot_all(r, r->dst, r->to, S_ACTIVE, "IMPORTING", r->src->id) < 0) {
		node_why(r, "the target ", r->dst, rc_errstr(r->to));
		return lost_target(r);
	}
	for (i = 0, k = 0; i < r->n; i++) {
		if (r->sl[i].state != S_ACTIVE)
			continue;
		if (mig_is_ok(r->rep[k]))
			r->sl[i].importing = 1;
		else if (!mig_finishing(r, &r->sl[i]) || !mig_err_has(r->rep[k], "already the owner")) {
			open_refused(r, &r->sl[i], r->rep[k], 1);
			/* A replica, say: no other slot will fare better. */
			if (mig_err_has(r->rep[k], "only with masters"))
				mig_engine_abort(r->e, r->sl[i].err);
		}
		k++;
	}
	mig_free_replies(r->rep, k);
	if (mig_setslot_all(r, r->src, r->from, S_ACTIVE, "MIGRATING", r->dst->id) < 0) {
		node_why(r, "", r->src, rc_errstr(r->from));
		return lost_source(r);
	}
	for (i = 0, k = 0; i < r->n; i++) {
		if (r->sl[i].state != S_ACTIVE)
			continue;
		migrating_once_known(r, r->sl[i].slot, &r->rep[k]);
		if (mig_is_ok(r->rep[k]))
			r->sl[i].migrating = 1;
		else if (!mig_finishing(r, &r->sl[i]) || !mig_err_has(r->rep[k], "not the owner")) {
			open_refused(r, &r->sl[i], r->rep[k], 0);
			roll_back(r->from, r->to, &r->sl[i]);
		}
		k++;
	}
	mig_free_replies(r->rep, k);
	return 0;
}

/* SETSLOT NODE on the target for the slots whose keys are done.  0, or -1
 * when the target was lost. */
static int
close_on_target(struct run *r)
{
	int i, k;

	if (mig_setslot_all(r, r->dst, r->to, S_KEYSDONE, "NODE", r->dst->id) < 0) {
		node_why(r, "the target ", r->dst, rc_errstr(r->to));
		return lost_target(r);
	}
	for (i = 0, k = 0; i < r->n; i++) {
		if (r->sl[i].state != S_KEYSDONE)
			continue;
		if (!mig_is_ok(r->rep[k]))
			mig_fail(&r->sl[i], "target refused SETSLOT NODE: %s", mig_rtext(r->rep[k]));
		else
			r->sl[i].claimed = 1;
		k++;
	}
	mig_free_replies(r->rep, k);
	return 0;
}

/* A SETSLOT NODE round on the source cut short.  On Valkey 8 SETSLOT waits
 * until the source's replicas have taken it, and a source left without
 * slots that re-homes itself under the target (cluster-allow-replica-
 * migration) ends that wait with -UNBLOCKED or by closing the connection.
 * The source is not lost for that: connect again and ask it who owns each
 * slot now.  A slot it says is the target's is done, and so is every slot
 * when it is a replica now (its keys had all moved, the target had claimed
 * them); one it still owns goes round again.  1 when some slot goes round
 * again, 0 when none, -1 when the source was lost. */
static int
source_settled(struct run *r)
{
	struct rc_node *v = NULL;
	const struct rc_node *me;
	int nv, i, again = 0;

	if (r->from->err) {
		rc_node_drop(r->src, rc_errstr(r->from));
		if ((r->from = rc_node_ctx(r->cl, r->src)) == NULL) {
			node_why(r, "", r->src, r->src->err);
			return lost_source(r);
		}
		source_timeout(r);
	}
	if ((nv = rc_ctx_view(r->from, &v)) < 0) {
		node_why(r, "", r->src, r->from->err ? rc_errstr(r->from) :
		    "CLUSTER NODES: no answer it can be judged by");
		return lost_source(r);
	}
	me = rc_view_myself(v, nv);
	for (i = 0; i < r->n; i++) {
		struct slot_state *s = &r->sl[i];
		const struct rc_node *owner;

		if (s->state != S_KEYSDONE)
			continue;
		owner = rc_view_owner(v, nv, s->slot);
		if ((me != NULL && !(me->flags & RC_NF_MASTER)) ||
		    (owner != NULL && strcmp(owner->id, r->dst->id) == 0))
			s->state = S_DONE;
		else
			again = 1;
	}
	rc_nodes_free(v, nv);
	return again;
}

/* Then on the source, which refuses while it still holds keys of the slot.
 * 1 when some slot must go back to moving keys, 0 when none, -1 when the
 * source was lost. */
static int
close_on_source(struct run *r)
{
	int i, k, again = 0;

	if (mig_setslot_all(r, r->src, r->from, S_KEYSDONE, "NODE", r->dst->id) < 0) {
		for (i = 0, k = 0; i < r->n; i++)
			k += r->sl[i].state == S_KEYSDONE;
		mig_free_replies(r->rep, k);
		return source_settled(r);
	}
	for (i = 0, k = 0; i < r->n; i++) {
		const redisReply *x;

		if (r->sl[i].state != S_KEYSDONE)
			continue;
		x = r->rep[k++];
		if (mig_err_has(x, "UNBLOCKED"))
			continue;       /* settled below, by the source's view */
		/* A master whose last slot went away may have turned itself
		 * into a replica of the target already (Redis 7's replica
		 * migration): its keys had all moved, the slot is the
		 * target's. */
		if (mig_is_ok(x) || mig_err_has(x, "only with masters"))
			r->sl[i].state = S_DONE;
		else if (mig_err_has(x, "still hold keys") || mig_err_has(x, "still holds keys")) {
			r->sl[i].state = S_ACTIVE;
			again = 1;
		} else
			mig_fail(&r->sl[i], "source refused SETSLOT NODE: %s", mig_rtext(x));
	}
	mig_free_replies(r->rep, k);
	for (i = 0; i < r->n; i++)
		if (r->sl[i].state == S_KEYSDONE) {
			int settled = source_settled(r);
			return settled < 0 ? -1 : (again | settled);
		}
	return again;
}

/* Keys moved, then the slots closed on both sides; a slot whose source
 * still holds keys goes round again, at most five times.  0, or -1 when a
 * node was lost. */
static int
move_and_close(struct run *r)
{
	int round, mk, again;

	for (round = 0; round < 5; round++) {
		if ((mk = mig_move_keys(r)) == -2)
			return lost_target(r);
		if (mk < 0) {
			node_why(r, "", r->src, r->why);
			return lost_source(r);
		}
		/* SETSLOT NODE gives the target a new epoch: it would take the
		 * slot from whoever holds it now, and that master would drop
		 * its keys.  Only while the move is still ours. */
		if (guard_job(r, S_KEYSDONE, r->e->m->finish ? RC_GUARD_FINISH :
		    RC_GUARD_CLOSE) < 0)
			return -1;
		if (mig_durable(r) == -2) {
			node_why(r, "the target ", r->dst, rc_errstr(r->to));
			return lost_target(r);
		}
		if (close_on_target(r) < 0 || (again = close_on_source(r)) < 0)
			return -1;
		if (!again)
			break;
	}
	return 0;
}

void
mig_run_job(struct engine *e, struct rc_cluster *cl, struct pool *pool, const struct job *j)
{
	struct run r;
	int i;

	memset(&r, 0, sizeof r);
	r.e = e;
	r.cl = cl;
	r.pool = pool;
	r.j = j;
	r.n = j->n;
	r.src = rc_cluster_by_id(cl, j->from);
	r.dst = rc_cluster_by_id(cl, j->to);
	r.src_lock = mig_source_lock(e, j->from);
	r.sl = rc_calloc((size_t)j->n, sizeof *r.sl);
	r.rep = rc_calloc((size_t)j->n, sizeof *r.rep);
	for (i = 0; i < j->n; i++) {
		r.sl[i].slot = j->slots[i];
		r.sl[i].state = S_ACTIVE;
		r.sl[i].t0 = rc_now_us();
	}
	/* The owner and state of each slot read again right before it is
	 * opened: the plan may be older than another operator's move. */
	if (connect_pair(&r) == 0 && guard_job(&r, S_ACTIVE, e->m->finish ?
	    RC_GUARD_FINISH : RC_GUARD_OPEN) == 0 && open_pair(&r) == 0 &&
	    move_and_close(&r) == 0) {
		for (i = 0; i < j->n; i++) {
			if (r.sl[i].state == S_ACTIVE || r.sl[i].state == S_KEYSDONE)
				mig_fail(&r.sl[i], "keys keep appearing in the slot on the source");
			if (r.sl[i].state == S_FAILED)
				roll_back(r.from, r.to, &r.sl[i]);
		}
		tell_others(&r);
	}
	for (i = 0; i < j->n; i++)
		mig_report(e, j, &r.sl[i]);
	free(r.rep);
	free(r.sl);
}
