/*
 * nodes.c - add-node (an empty node joins as a master or a replica) and
 * del-node (drain it, re-home its replicas, make everyone forget it, reset
 * it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reshard.h"

struct rc_node *
fewest_replicas(struct rc_cluster *cl, const struct rc_node *not)
{
	struct rc_node *best = NULL;
	int bestr = 0, i, j;

	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *m = cl->nodes[i];
		int r = 0;
		if (!rc_node_is_master(m) || m == not || m->nslots == 0 ||
		    (m->flags & RC_NF_FAIL))
			continue;
		for (j = 0; j < cl->nnodes; j++)
			r += cl->nodes[j]->master == m;
		if (best == NULL || r < bestr) {
			best = m;
			bestr = r;
		}
	}
	return best;
}

/* ---- add-node: the join delay ------------------------------------------------------ */

/* A master that joins a cluster reports cluster_state:ok, and so accepts
 * keys, only a "rejoin delay" after it last saw itself alone: its own
 * cluster-node-timeout, clamped to 500..5000 ms.  add-node lowers the new,
 * empty node's timeout to that floor while it joins and puts the old value
 * back as soon as it reports ok, on every way out but SIGKILL (setting.c;
 * check reports a timeout left behind by SIGKILL, and fix puts it back). */
static int join_nt = -1;

static void
join_fast(redisContext *x, const struct rc_addr *a, const struct rc_opts *o)
{
	char old[32];

	if (rc_ctx_config_get(x, "cluster-node-timeout", old, sizeof old) < 0 ||
	    atol(old) <= 500)
		return;         /* CONFIG renamed away, or already short: leave it */
	join_nt = rc_setting_set(x, a, o, "cluster-node-timeout", "500",
	    "add-node interrupted: the new node's cluster-node-timeout is put back");
}

static void
join_restore(void)
{
	rc_setting_restore(join_nt);
	join_nt = -1;
}

/* ---- add-node --------------------------------------------------------------------- */

/* The master the new node is to follow, or NULL: it joins as a master. */
static struct rc_node *
master_to_follow(struct ctx *c, struct rc_cluster *cl)
{
	struct rc_node *master = NULL;

	if (c->replica_of != NULL) {
		master = find_node(cl, c->replica_of);
		if (!rc_node_is_master(master))
			rc_die(RC_EX_USAGE, "--replica-of %s: that node is a replica, "
			    "name a master", c->replica_of);
	} else if (c->as_replica && (master = fewest_replicas(cl, NULL)) == NULL)
		rc_die(RC_EX_NO, "add-node: no master with slots to replicate");
	return master;
}

/* MEET, unless it is in the cluster already (add-node run again). */
static void
meet(struct ctx *c, struct rc_cluster *cl, redisContext *x, const struct rc_addr *a,
    const char *who, const char *id, int fast)
{
	char err[400];
	int rc;

	if (rc_cluster_by_id(cl, id) != NULL)
		return;
	if ((rc = rc_ctx_check_new(x, who, err, sizeof err)) != RC_EX_OK)
		rc_die(rc, "%s", err);
	if (fast)
		join_fast(x, a, &c->o);
	if (rc_ctx_meet(x, &cl->seed->addr, err, sizeof err) < 0)
		rc_die(RC_EX_CLUSTER, "%s: %s", who, err);
}

/* Known everywhere, and the new node knows everyone. */
static void
wait_joined(struct ctx *c, struct rc_cluster *cl, redisContext *x, const char *who,
    const char *id, double deadline)
{
	char why[400] = "";

	while (!rc_joined(cl, x, who, id, why, sizeof why)) {
		if (rc_now() > deadline)
			rc_die(RC_EX_CLUSTER, "add-node: %s after %d s", why, c->wait_s);
		rc_sleep_ms(50);
	}
}

/* The new node follows master; done when every node sees it so and serves
 * it to clients (its first sync done). */
static void
follow(struct ctx *c, struct rc_cluster *cl, redisContext *x, const char *who,
    const char *id, const struct rc_node *master, double deadline)
{
	char why[400] = "";
	int left;

	if (rc_ctx_replicate(x, master->id, deadline, why, sizeof why) < 0)
		rc_die(RC_EX_CLUSTER, "%s: %s", who, why);
	left = (int)(deadline - rc_now() + 0.999);
	if (rc_wait_known(cl, id, master->id, left > 0 ? left : 0, why, sizeof why) < 0)
		rc_die(RC_EX_CLUSTER, "add-node: %s after %d s", why, c->wait_s);
	if (rc_cluster_refresh(cl) < 0)
		rc_die(RC_EX_CLUSTER, "%s", cl->err);
	if (rc_wait_agreed(cl, RC_AGREE_SERVED, 0, c->wait_s, why, sizeof why) < 0)
		rc_die(RC_EX_CLUSTER, "add-node: %s after %d s", why, c->wait_s);
}

/* add-node on a node that is a replica in the cluster already: it stays
 * where it is (run again, --replica is a no-op; --replica-of names its
 * master or moves it), and it is reported as what it is.  The exit status
 * when that is all (the row printed), or -1 when add-node goes on. */
static int
joined_replica(struct ctx *c, struct rc_cluster *cl, const char *who, const char *id)
{
	struct rc_node *n = rc_cluster_by_id(cl, id);
	const char *mid;

	if (n == NULL || rc_node_is_master(n))
		return -1;
	if (c->replica_of != NULL && find_node(cl, c->replica_of) != n->master)
		return -1;      /* asked to follow another master: it moves */
	mid = n->master != NULL ? n->master->id : "-";
	if (c->o.header)
		rc_puts("#addr\tid\trole\tmaster\n");
	rc_putf("%s\t%s\treplica\t%s\n", who, id, mid);
	if (!c->as_replica && c->replica_of == NULL) {
		rc_warn("add-node: %s is in the cluster already, as a replica of %.12s: "
		    "not made a master (del-node it first to join it as one)", who, mid);
		return RC_EX_NO;
	}
	rc_warn("add-node: %s is a replica of %.12s already: nothing done", who, mid);
	return RC_EX_OK;
}

/* The nodes flagged failing were passed over (a paused or cut-off node
 * does not answer): each is named, and they are counted for the exit
 * status, since add-node promises that every node knows the new one. */
static int
not_told(struct rc_cluster *cl, const char *who)
{
	int i, n = 0;

	if (rc_cluster_refresh(cl) < 0)
		return 0;
	for (i = 0; i < cl->nnodes; i++)
		if ((cl->nodes[i]->flags & RC_NF_FAIL) &&
		    !(cl->nodes[i]->flags & RC_NF_NOADDR)) {
			rc_warn("add-node: %s is flagged failing and was not asked: it "
			    "learns of %s from gossip once it answers again ('rc-reshard "
			    "settled' waits for that)", addr_of(cl->nodes[i]), who);
			n++;
		}
	return n;
}

int
cmd_add_node(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	struct rc_cluster cl;
	struct rc_addr a;
	struct rc_node *master;
	redisContext *x;
	char err[400], who[300], id[41];
	double deadline;
	int rc;

	(void)argc;
	if (c->as_replica && c->replica_of != NULL)
		rc_die(RC_EX_USAGE, "add-node: give --replica or --replica-of, not both");
	if (rc_addr_parse(argv[0], &a) < 0)
		rc_die(RC_EX_USAGE, "add-node: '%s' is not host:port", argv[0]);
	rc_addr_fmt(&a, who, sizeof who);
	open_cluster(c, &cl);
	if ((x = rc_connect(&a, &c->o, err, sizeof err)) == NULL)
		rc_die(RC_EX_CLUSTER, "%s", err);
	if (rc_ctx_myid(x, id, err, sizeof err) < 0)
		rc_die(RC_EX_CLUSTER, "%s: %s", who, err);
	if ((rc = joined_replica(c, &cl, who, id)) >= 0) {
		redisFree(x);
		rc_cluster_close(&cl);
		return rc;
	}
	master = master_to_follow(c, &cl);
	meet(c, &cl, x, &a, who, id, master == NULL);
	deadline = rc_now() + c->wait_s;
	wait_joined(c, &cl, x, who, id, deadline);
	if (master != NULL)
		follow(c, &cl, x, who, id, master, deadline);
	while (!rc_ctx_state_ok(x)) {
		if (rc_now() > deadline)
			rc_die(RC_EX_CLUSTER, "add-node: %s does not report cluster_state:ok "
			    "after %d s", who, c->wait_s);
		rc_sleep_ms(20);
	}
	join_restore();
	rc_done("%s (%s) joined the cluster as %s%s", who, id, master ? "a replica of " :
	    "a master", master ? master->id : "");
	if (c->o.header)
		rc_puts("#addr\tid\trole\tmaster\n");
	rc_putf("%s\t%s\t%s\t%s\n", who, id, master ? "replica" : "master",
	    master ? master->id : "-");
	rc = not_told(&cl, who) > 0 ? RC_EX_NO : RC_EX_OK;
	redisFree(x);
	rc_cluster_close(&cl);
	return rc;
}

/* ---- del-node ---------------------------------------------------------------------- */

/* 1. Its slots spread over the other masters.  With --dry-run only the plan
 * is printed (1 returned: nothing else is to happen).  Returns the node as
 * the cluster sees it afterwards through *gone. */
static int
drain(struct ctx *c, struct rc_cluster *cl, struct rc_node **gone)
{
	struct rc_move *mv = NULL;
	struct rc_plan_opts po;
	struct rc_weight w = { *gone, 0 };
	char err[512], id[41];
	int n, rc;

	memset(&po, 0, sizeof po);
	po.weights = &w;
	po.nweights = 1;
	po.threshold = 0;
	if ((n = rc_plan_rebalance(cl, &po, &mv, err, sizeof err)) < 0)
		rc_die(RC_EX_USAGE, "del-node: %s", err);
	if (n < (*gone)->nslots)
		rc_die(RC_EX_NO, "del-node: no other master to take %s's slots",
		    addr_of(*gone));
	if (c->dry_run) {
		print_plan(mv, n);
		free(mv);
		return 1;
	}
	if ((rc = run_moves(c, cl, mv, n)) != RC_EX_OK)
		rc_die(rc, "del-node: %s still has slots; nothing was forgotten",
		    addr_of(*gone));
	free(mv);
	snprintf(id, sizeof id, "%s", (*gone)->id);
	if (rc_cluster_refresh(cl) < 0)
		rc_die(RC_EX_CLUSTER, "%s", cl->err);
	if ((*gone = rc_cluster_by_id(cl, id)) == NULL)
		rc_die(RC_EX_CLUSTER, "del-node: node %.12s vanished", id);
	return 0;
}

/* 2. Its replicas follow another master. */
static void
rehome_replicas(struct ctx *c, struct rc_cluster *cl, struct rc_node *gone)
{
	char why[400];
	int i;

	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *r = cl->nodes[i], *m;

		if (r->master != gone)
			continue;
		if ((m = fewest_replicas(cl, gone)) == NULL)
			rc_die(RC_EX_NO, "del-node: no master left for %s", addr_of(r));
		if (rc_node_replicate(cl, r, m->id, why, sizeof why) < 0)
			rc_die(RC_EX_CLUSTER, "%s: CLUSTER REPLICATE: %s", addr_of(r), why);
		r->master = m;      /* counts for the next replica's choice */
		if (rc_wait_known(cl, r->id, m->id, c->wait_s, why, sizeof why) < 0)
			rc_die(RC_EX_CLUSTER, "del-node: %s", why);
	}
}

/* 3. Everyone else forgets it, at once (the ban lasts 60 s). */
static void
forget_everywhere(struct rc_cluster *cl, struct rc_node *gone)
{
	char err[400];
	int i;

	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *n = cl->nodes[i];

		if (n == gone)
			continue;
		if (n->flags & (RC_NF_FAIL | RC_NF_NOADDR)) {
			rc_warn("%s is down and cannot forget node %.12s: the other "
			    "nodes have forgotten it (for 60 s), and this one may "
			    "announce it again once it is back (a noaddr ghost); when "
			    "it answers, if it still lists the node, run 'redis-cli -h %s "
			    "-p %d CLUSTER FORGET %s' (rc-reshard -y del-node cannot: the "
			    "seed no longer knows the node)", addr_of(n), gone->id,
			    n->addr.host, n->addr.port, gone->id);
			continue;
		}
		if (rc_node_forget(cl, n, gone->id, err, sizeof err) < 0)
			rc_die(RC_EX_CLUSTER, "%s: %s", addr_of(n), err);
	}
}

int
cmd_del_node(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	struct rc_cluster cl;
	struct rc_node *gone;
	char what[400], err[400];

	(void)argc;
	open_cluster(c, &cl);
	gone = find_node(&cl, argv[0]);
	if (cl.nnodes == 1)
		rc_die(RC_EX_USAGE, "del-node: %s is the only node", addr_of(gone));
	snprintf(what, sizeof what, "remove %s (%.12s%s) from the cluster",
	    addr_of(gone), gone->id, gone->nslots ? ", draining its slots" : "");
	if (!c->dry_run) {
		confirm(c, what);
		if (rc_node_is_master(gone) && gone->nslots > 0)
			stay_put(c, &cl, gone);
	}
	/* With --dry-run and no slots to drain there is nothing to print. */
	if ((rc_node_is_master(gone) && gone->nslots > 0 && drain(c, &cl, &gone)) ||
	    c->dry_run) {
		rc_cluster_close(&cl);
		return RC_EX_OK;
	}
	/* Never forget a master that still serves slots. */
	if (rc_node_is_master(gone) && gone->nslots > 0)
		rc_die(RC_EX_CLUSTER, "del-node: %s still has %d slots; nothing was "
		    "forgotten", addr_of(gone), gone->nslots);
	rehome_replicas(c, &cl, gone);
	forget_everywhere(&cl, gone);
	snprintf(c->done_note, sizeof c->done_note, "%s (%s) removed from the cluster",
	    addr_of(gone), gone->id);
	done_say(c);
	/* 4. The node itself forgets the cluster.  HARD: a new id, so that it
	 * can join again at once (the others ban the old id for 60 s). */
	if (rc_node_reset_hard(&cl, gone, err, sizeof err) < 0)
		rc_warn("%s: CLUSTER RESET: %s (the others have forgotten it)",
		    addr_of(gone), err);
	stay_restore();
	rc_cluster_close(&cl);
	return RC_EX_OK;
}
