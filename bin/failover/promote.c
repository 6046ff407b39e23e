/*
 * promote.c - rc-failover promote: CLUSTER FAILOVER on a replica, then a
 * timeline in milliseconds until every reachable node agrees.
 */
#include <stdio.h>
#include <string.h>

#include "failover.h"

/* Each point of the timeline is a step of the change: what it reached is
 * what rc_done says when the output is lost. */
static void
on_event(void *ud, const struct rc_fo_event *ev)
{
	const char *who = ud;

	rc_done("failover of %s %s at %.1f ms (%s)", who, ev->what, ev->ms, ev->detail);
	rc_putf("%.1f\t%s\t", ev->ms, ev->what);
	rc_put_field(ev->detail, strlen(ev->detail), 0);
	rc_putc('\n');
	rc_flush();
}

int
cmd_promote(void *ctx, int argc, char **argv)
{
	struct fo *f = ctx;
	struct rc_cluster cl;
	struct rc_node *n;
	char err[1200], a[300], who[600];
	int rc;

	(void)argc;
	fo_open(f, &cl);
	if ((n = rc_cluster_find(&cl, argv[0])) == NULL)
		rc_die(RC_EX_USAGE, "%s: not a node of this cluster (give host:port or a "
		    "unique id prefix of 4 or more characters)", argv[0]);
	if (rc_node_is_master(n)) {
		rc_warn("%s is already a master (%d slots): nothing to do",
		    rc_node_addr(n, a, sizeof a), n->nslots);
		rc_cluster_close(&cl);
		return RC_EX_OK;
	}
	/* A failover while rc-reshard moves slots changes a move's source or
	 * target under it: say who is at work instead.  (The lease is not
	 * taken here: TAKEOVER must work with most masters gone.) */
	if (rc_lease_holder(&cl, who, sizeof who, err, sizeof err) > 0)
		rc_die(RC_EX_NO, "another operator is changing the cluster: %s; promote "
		    "when it is done", who);
	if (f->o.header)
		rc_puts("#ms\tevent\tdetail\n");
	rc_node_addr(n, a, sizeof a);
	rc = rc_fo_promote(&cl, n, f->mode, f->wait_s * 1000, on_event, a, err, sizeof err);
	rc_cluster_close(&cl);
	if (rc != RC_EX_OK)
		rc_die(rc, "%s", err);
	return RC_EX_OK;
}
