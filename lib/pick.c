/*
 * pick.c - choosing a node for a command that the router does not send: a
 * keyless command to any master that is up, a read to a replica.  A replica
 * serves reads of its master's slots once its connection said READONLY;
 * without it, it answers MOVED to the master.  READONLY is part of
 * connecting (cluster.c, rc_node_ctx), so a reconnected replica says it too.
 */
#include <errno.h>

#include "rc.h"

/* How long a replica that failed rests before a read tries it again. */
#define REPLICA_REST_US 1000000

struct rc_node *
rc_cluster_any_master(struct rc_cluster *cl)
{
	int i;

	if (cl->seed != NULL && rc_node_is_master(cl->seed) && !cl->seed->down)
		return cl->seed;
	for (i = 0; i < cl->nnodes; i++)
		if (rc_node_is_master(cl->nodes[i]) && !cl->nodes[i]->down)
			return cl->nodes[i];
	return NULL;
}

/* A replica of m that is not suspected down; with rested, one that failed
 * us but has rested long enough to be tried again. */
static struct rc_node *
replica_of(struct rc_cluster *cl, const struct rc_node *m, int rested)
{
	uint64_t now = rc_now_us();
	int i;

	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *n = cl->nodes[i];
		if (n->master != m || (n->flags & (RC_NF_FAIL | RC_NF_PFAIL)))
			continue;
		if (!n->down || (rested && now >= n->retry_at))
			return n;
	}
	return NULL;
}

struct rc_node *
rc_slot_replica(struct rc_cluster *cl, int slot)
{
	struct rc_node *m = rc_cluster_owner(cl, slot), *n;

	if (m == NULL)
		return NULL;
	if ((n = replica_of(cl, m, 0)) == NULL)
		n = replica_of(cl, m, 1);
	return n;
}

int
rc_node_readonly(struct rc_cluster *cl, struct rc_node *n)
{
	redisReply *r;
	int ok;

	if (n->readonly && n->ctx != NULL)
		return 0;
	n->readonly = 1;
	if (n->ctx == NULL)     /* said as part of connecting */
		return rc_node_ctx(cl, n) != NULL ? 0 : -1;
	/* A connection made before: it says it now. */
	if ((r = rc_node_cmdv(cl, n, "READONLY", NULL)) == NULL)
		return -1;      /* dropped: the next connection says it */
	ok = rc_reply_ok(r);
	freeReplyObject(r);
	n->readonly = ok;
	return ok ? 0 : -1;
}

/* A reply the master should give instead: the replica does not serve the
 * slot (MOVED), or not yet (LOADING, MASTERDOWN ...). */
static int
ask_master(const redisReply *x)
{
	int k = rc_reply_kind(x);

	return k == RC_K_MOVED || k == RC_K_ASK || k == RC_K_TRANSIENT;
}

/* The peer closed the connection (it restarted while we were idle), as
 * opposed to a timeout: worth one new connection. */
static int
closed(const redisContext *c, int err)
{
	return c->err == REDIS_ERR_EOF || err == ECONNRESET || err == EPIPE;
}

/* The read on rep; a connection the replica closed is made again once (a
 * read may be sent twice).  NULL when rep cannot serve it. */
static redisReply *
read_on(struct rc_cluster *cl, struct rc_node *rep, int slot, int argc,
    const char **argv, const size_t *argvlen)
{
	redisReply *x;
	int fresh, again;

	do {
		fresh = rep->ctx == NULL;
		again = 0;
		if (rc_node_readonly(cl, rep) < 0) {
			/* READONLY met a connection the replica closed. */
			again = !fresh && rep->readonly && rep->ctx == NULL;
			continue;
		}
		rc_cluster_trace(cl, RC_EV_SEND, slot, rep, NULL);
		errno = 0;
		if ((x = rc_cmd_argv(rep->ctx, argc, argv, argvlen)) != NULL) {
			if (!ask_master(x))
				return x;
			rc_cluster_trace(cl, RC_EV_RETRY, slot, rep, x->str);
			freeReplyObject(x);
			return NULL;
		}
		again = !fresh && closed(rep->ctx, errno);
		rc_node_drop(rep, rc_errstr(rep->ctx));
	} while (again);
	rc_cluster_trace(cl, RC_EV_CONN, slot, rep, rep->err);
	rep->retry_at = rc_now_us() + REPLICA_REST_US;
	return NULL;
}

redisReply *
rc_replica_argv(struct rc_cluster *cl, int slot, int argc, const char **argv,
    const size_t *argvlen, struct rc_node **from)
{
	struct rc_node *rep;
	redisReply *x;

	*from = NULL;
	if (cl->stale)
		rc_cluster_refresh(cl);
	if ((rep = rc_slot_replica(cl, slot)) == NULL)
		return NULL;
	if ((x = read_on(cl, rep, slot, argc, argv, argvlen)) != NULL)
		*from = rep;
	return x;
}
