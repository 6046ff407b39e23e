/*
 * pick.c - choosing a node for a command that the router does not send: a
 * keyless command to any master that is up, a read to a replica.  A replica
 * serves reads of its master's slots once its connection said READONLY;
 * without it, it answers MOVED to the master.
 */
#include "rc.h"

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

struct rc_node *
rc_slot_replica(struct rc_cluster *cl, int slot)
{
	struct rc_node *m = rc_cluster_owner(cl, slot);
	int i;

	if (m == NULL)
		return NULL;
	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *n = cl->nodes[i];
		if (n->master == m && !n->down && !(n->flags & (RC_NF_FAIL | RC_NF_PFAIL)))
			return n;
	}
	return NULL;
}

int
rc_node_readonly(struct rc_cluster *cl, struct rc_node *n)
{
	redisReply *r = rc_node_cmdv(cl, n, "READONLY", NULL);
	int ok = rc_reply_ok(r);

	if (r != NULL)
		freeReplyObject(r);
	return ok ? 0 : -1;
}
