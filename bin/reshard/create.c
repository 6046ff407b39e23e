/*
 * create.c - make a cluster of empty nodes: masters spread over the hosts
 * (lib/place.c), slots in even ranges, replicas on other hosts, and done
 * when every node agrees and serves every replica.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reshard.h"

struct cnode {
	struct rc_addr a;
	char who[300];          /* host:port */
	redisContext *x;
	char id[41];
	int master;             /* index of its master, or -1 for a master */
	int lo, hi;             /* a master's slots */
};

/* Connects to every node and makes sure it is fit to join: a cluster node,
 * alone, empty. */
static struct cnode *
open_nodes(struct ctx *c, int n, char **argv)
{
	struct cnode *cn = rc_calloc((size_t)n, sizeof *cn);
	char err[400];
	int i, k, rc;

	for (i = 0; i < n; i++) {
		if (rc_addr_parse(argv[i], &cn[i].a) < 0)
			rc_die(RC_EX_USAGE, "create: '%s' is not host:port", argv[i]);
		for (k = 0; k < i; k++)
			if (rc_addr_eq(&cn[k].a, &cn[i].a))
				rc_die(RC_EX_USAGE, "create: %s given twice", argv[i]);
		rc_addr_fmt(&cn[i].a, cn[i].who, sizeof cn[i].who);
		if ((cn[i].x = rc_connect(&cn[i].a, &c->o, err, sizeof err)) == NULL)
			rc_die(RC_EX_CLUSTER, "%s", err);
		if ((rc = rc_ctx_check_new(cn[i].x, cn[i].who, err, sizeof err)) != RC_EX_OK)
			rc_die(rc, "%s", err);
		if (rc_ctx_myid(cn[i].x, cn[i].id, err, sizeof err) < 0)
			rc_die(RC_EX_CLUSTER, "%s: %s", cn[i].who, err);
		/* Two names of one server (localhost and 127.0.0.1, say):
		 * it would wait for itself to join itself. */
		for (k = 0; k < i; k++)
			if (strcmp(cn[k].id, cn[i].id) == 0)
				rc_die(RC_EX_USAGE, "create: %s and %s are the same server "
				    "(node id %.12s): give each node once", cn[k].who,
				    cn[i].who, cn[i].id);
	}
	return cn;
}

static void
place(struct cnode *cn, int n, int nmasters)
{
	const char **host = rc_calloc((size_t)n, sizeof *host);
	int *master_of = rc_calloc((size_t)n, sizeof *master_of);
	int i;

	for (i = 0; i < n; i++)
		host[i] = cn[i].a.host;
	rc_place(host, n, nmasters, master_of);
	for (i = 0; i < n; i++)
		cn[i].master = master_of[i];
	free(host);
	free(master_of);
}

/* Even ranges over the masters, in the order given. */
static void
assign_slots(struct cnode *cn, int n, int nmasters)
{
	double per = (double)RC_NSLOTS / nmasters, cursor = 0;
	long first = 0;
	int i, k = 0;

	for (i = 0; i < n; i++) {
		long last;
		if (cn[i].master >= 0)
			continue;
		last = (long)(cursor + per - 1 + 0.5);
		if (last > RC_NSLOTS - 1 || k == nmasters - 1)
			last = RC_NSLOTS - 1;
		if (last < first)
			last = first;
		cn[i].lo = (int)first;
		cn[i].hi = (int)last;
		first = last + 1;
		cursor += per;
		k++;
	}
}

/* Slots, epochs, MEET, then replicas follow once they know their master. */
static void
join(struct cnode *cn, int n, double deadline)
{
	char err[400];
	int i;

	for (i = 0; i < n; i++) {
		if (cn[i].master < 0 &&
		    rc_ctx_addslots(cn[i].x, cn[i].lo, cn[i].hi, err, sizeof err) < 0)
			rc_die(RC_EX_CLUSTER, "%s: %s", cn[i].who, err);
		/* Distinct epochs up front: no collisions to settle later. */
		rc_ctx_set_epoch(cn[i].x, i + 1);
	}
	for (i = 1; i < n; i++)
		if (rc_ctx_meet(cn[i].x, &cn[0].a, err, sizeof err) < 0)
			rc_die(RC_EX_CLUSTER, "%s: %s", cn[i].who, err);
	for (i = 0; i < n; i++)
		if (cn[i].master >= 0 && rc_ctx_replicate(cn[i].x, cn[cn[i].master].id,
		    deadline, err, sizeof err) < 0)
			rc_die(RC_EX_CLUSTER, "%s: %s", cn[i].who, err);
}

/* Done when every node knows all n, reports ok, serves every replica and
 * agrees with the others on the slots and roles. */
static void
wait_created(struct ctx *c, struct cnode *cn, int n, double deadline)
{
	struct rc_cluster cl;
	struct rc_opts o = c->o;
	char why[400] = "";
	int left = (int)(deadline - rc_now() + 0.999);

	o.seed = cn[0].a;
	if (rc_cluster_open(&cl, &o) < 0)
		rc_die(RC_EX_CLUSTER, "%s", cl.err);
	if (rc_wait_agreed(&cl, RC_AGREE_SERVED, n, left > 0 ? left : 0, why,
	    sizeof why) < 0)
		rc_die(RC_EX_CLUSTER, "create: the nodes do not agree after %d s: %s",
		    c->wait_s, why);
	rc_cluster_close(&cl);
}

static void
print_created(struct ctx *c, struct cnode *cn, int n)
{
	int i;

	if (c->o.header)
		rc_puts("#addr\tid\trole\tmaster\tslots\n");
	for (i = 0; i < n; i++) {
		rc_putf("%s\t%s\t%s\t%s\t", cn[i].who, cn[i].id,
		    cn[i].master < 0 ? "master" : "replica",
		    cn[i].master < 0 ? "-" : cn[cn[i].master].id);
		if (cn[i].master < 0)
			rc_putf("%d-%d\n", cn[i].lo, cn[i].hi);
		else
			rc_puts("-\n");
	}
}

/* What print_created says, for rc_done: the masters with their slots. */
static void
created_done(const struct cnode *cn, int n, int nmasters)
{
	char text[1500];
	size_t used;
	int i;

	used = (size_t)snprintf(text, sizeof text, "cluster created: %d masters, %d replicas",
	    nmasters, n - nmasters);
	for (i = 0; i < n && used < sizeof text; i++)
		if (cn[i].master < 0)
			used += (size_t)snprintf(text + used, sizeof text - used, "; %s %d-%d",
			    cn[i].who, cn[i].lo, cn[i].hi);
	rc_done("%s", text);
}

int
cmd_create(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	struct cnode *cn;
	double deadline;
	int n = argc, nmasters = argc / (c->replicas + 1), i;

	cn = open_nodes(c, n, argv);
	/* Fewer than three masters cannot fail over: once one is gone, no
	 * majority of masters is left to vote.  Refused after the nodes were
	 * only read (so an unreachable or busy node is named first), before
	 * any is changed, as redis-cli does. */
	if (nmasters < 3)
		rc_die(RC_EX_USAGE, "create: a cluster needs at least 3 masters (with "
		    "fewer, no majority is left to fail over once one is gone); %d "
		    "nodes with %d replicas each make %d: give at least %d nodes",
		    n, c->replicas, nmasters, 3 * (c->replicas + 1));
	place(cn, n, nmasters);
	assign_slots(cn, n, nmasters);
	deadline = rc_now() + c->wait_s;
	join(cn, n, deadline);
	wait_created(c, cn, n, deadline);
	created_done(cn, n, nmasters);
	print_created(c, cn, n);
	for (i = 0; i < n; i++)
		redisFree(cn[i].x);
	free(cn);
	return RC_EX_OK;
}
