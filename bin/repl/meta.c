/*
 * meta.c - the meta-commands: lines starting with ':' are rc-repl's own and
 * never reach a server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "repl.h"

static void
meta_help(struct repl *r)
{
	static const char help[] =
	    ":help                 this list\n"
	    ":slot KEY...          the hash slot of each key and the master that owns it\n"
	    ":nodes                the node map: address, role, slots, master\n"
	    ":node [ADDR|off]      pin commands to one node (INFO, DBSIZE, ...); off unpins\n"
	    ":masters CMD...       run CMD on every master\n"
	    ":all CMD...           run CMD on every node, replicas included\n"
	    ":route [on|off]       show each command's slot, node and redirects\n"
	    ":route CMD...         run CMD once, showing its route\n"
	    ":split [on|off]       split MGET/MSET/DEL/EXISTS/UNLINK/TOUCH by slot\n"
	    ":readonly [on|off]    send reads to replicas (READONLY)\n"
	    ":timing [on|off]      show how long each command took\n"
	    ":refresh              reload the slot table\n"
	    ":quit                 leave (also :exit, Ctrl-D)\n";

	(void)r;
	rc_puts(help);
}

static void
meta_slot(struct repl *r, struct rc_args *a)
{
	int i;

	if (a->argc < 2) {
		complain(r, RC_EX_USAGE, "usage: :slot KEY...");
		return;
	}
	for (i = 1; i < a->argc; i++) {
		unsigned s = rc_keyslot(a->argv[i], a->argvlen[i]);
		struct rc_node *n = rc_cluster_owner(&r->cl, (int)s);
		char ad[300];
		size_t off, tl;
		int tag = rc_hashtag(a->argv[i], a->argvlen[i], &off, &tl);

		if (n != NULL)
			rc_node_addr(n, ad, sizeof ad);
		else
			strcpy(ad, "-");
		if (r->mode == RC_REPLY_RAW) {
			rc_put_field(a->argv[i], a->argvlen[i], 1);
			rc_putf("\t%u\t%s\n", s, ad);
			continue;
		}
		r->out.len = 0;
		rc_quote(&r->out, a->argv[i], a->argvlen[i]);
		rc_put(r->out.s, r->out.len);
		rc_putf(" -> slot %u -> %s", s, ad);
		if (tag) {
			r->out.len = 0;
			rc_quote(&r->out, a->argv[i] + off, tl);
			rc_puts(" (hash tag ");
			rc_put(r->out.s, r->out.len);
			rc_putc(')');
		}
		rc_putc('\n');
	}
}

/* The cluster's word on a node: fail, pfail (one node suspects it) or ok. */
static const char *
node_state(const struct rc_node *n)
{
	if (n->flags & RC_NF_FAIL)
		return "fail";
	if (n->flags & RC_NF_PFAIL)
		return "pfail";
	return "ok";
}

static void
meta_nodes(struct repl *r)
{
	int i;

	for (i = 0; i < r->cl.nnodes; i++) {
		struct rc_node *n = r->cl.nodes[i];
		char ad[300], rg[200], ma[300], mark[16] = "";
		const char *role = rc_node_is_master(n) ? "master" : "replica";

		rc_node_addr(n, ad, sizeof ad);
		rc_ranges_fmt(n->ranges, n->nranges, rg, sizeof rg);
		if (n->master != NULL)
			rc_node_addr(n->master, ma, sizeof ma);
		else
			strcpy(ma, "-");
		if (n->flags & (RC_NF_FAIL | RC_NF_PFAIL))
			snprintf(mark, sizeof mark, "  (%s)", node_state(n));
		if (r->mode == RC_REPLY_RAW)
			rc_putf("%s\t%s\t%s\t%d\t%s\t%s\n", ad, role,
			    rc_node_is_master(n) && n->nranges ? rg : "-", n->nslots, ma,
			    node_state(n));
		else if (rc_node_is_master(n))
			rc_putf("%-22s master   %5d slots  %s%s%s\n", ad, n->nslots,
			    n->nranges ? rg : "-", mark, n == r->pin ? "  [pinned]" : "");
		else
			rc_putf("%-22s replica  of %s%s%s\n", ad, ma, mark,
			    n == r->pin ? "  [pinned]" : "");
	}
}

static void
meta_pin(struct repl *r, struct rc_args *a)
{
	struct rc_node *n;
	char ad[300];

	if (a->argc < 2) {
		if (r->pin != NULL)
			rc_putf("pinned to %s\n", rc_node_addr(r->pin, ad, sizeof ad));
		else
			rc_puts("not pinned: commands are routed by slot\n");
		return;
	}
	if (a->argc > 2) {
		complain(r, RC_EX_USAGE, "usage: :node [ADDR|ID|off]");
		return;
	}
	if (a->argv[1][0] == '\0') {
		complain(r, RC_EX_USAGE, ":node needs a node: an address (HOST:PORT or PORT) or a node id; :node off unpins");
		return;
	}
	if (strcasecmp(a->argv[1], "off") == 0 || strcmp(a->argv[1], "-") == 0) {
		r->pin = NULL;
		if (r->interactive)
			rc_puts("unpinned: commands are routed by slot\n");
		return;
	}
	if ((n = rc_cluster_find(&r->cl, a->argv[1])) == NULL) {
		complain(r, RC_EX_USAGE, "no node %s in the cluster (:nodes lists them)",
		    a->argv[1]);
		return;
	}
	r->pin = n;
	if (r->interactive)
		rc_putf("pinned to %s (%s)\n", rc_node_addr(n, ad, sizeof ad),
		    rc_node_is_master(n) ? "master" : "replica");
}

/* :masters / :all - the command on each node, each reply under its node. */
static void
meta_each(struct repl *r, struct rc_args *a, int masters_only)
{
	struct rc_args sub = { 0, 0, NULL, NULL };
	struct rc_node **list;
	struct rc_pipe *p;
	int i, n = 0, *queued;
	size_t k;

	if (a->argc < 2) {
		complain(r, RC_EX_USAGE, "usage: %s CMD [ARG...]", a->argv[0]);
		return;
	}
	sub.argc = a->argc - 1;
	sub.argv = a->argv + 1;
	sub.argvlen = a->argvlen + 1;
	if (listens(&sub)) {
		complain(r, RC_EX_USAGE, "%s streams messages: run it on its own (:node ADDR for one node)",
		    sub.argv[0]);
		return;
	}
	list = rc_calloc((size_t)r->cl.nnodes, sizeof *list);
	for (i = 0; i < r->cl.nnodes; i++) {
		struct rc_node *x = r->cl.nodes[i];
		/* A master that failed and whose slots went to its replica is
		 * no master any more, only the cluster has not forgotten it. */
		if (masters_only && (!rc_node_is_master(x) ||
		    ((x->flags & RC_NF_FAIL) && x->nslots == 0)))
			continue;
		list[n++] = x;
	}
	p = rc_pipe_new(&r->cl);
	queued = rc_calloc((size_t)r->cl.nnodes + 1, sizeof *queued);
	for (i = 0; i < n; i++) {
		if (rc_node_ctx(&r->cl, list[i]) == NULL)
			continue;
		queued[i] = 1;
		rc_pipe_node_argv(p, list[i], sub.argc, (const char **)sub.argv, sub.argvlen);
	}
	exec_waiting(r, p, block_ms(&sub));
	r->report = text_report(&sub);
	for (i = 0, k = 0; i < n; i++) {
		char ad[300];
		rc_node_addr(list[i], ad, sizeof ad);
		if (!queued[i]) {
			node_unusable(r, list[i], "", "");
			continue;
		}
		rc_putf("%s%s\n", ad, r->mode == RC_REPLY_TTY ? ":" : "");
		show(r, rc_pipe_reply(p, k++), r->line);
	}
	r->report = 0;
	free(queued);
	rc_pipe_free(p);
	free(list);
}

/* on / off / nothing (toggle); anything else is not a switch. */
static int
toggle(struct repl *r, struct rc_args *a, int *flag, const char *what)
{
	if (a->argc == 1)
		*flag = !*flag;
	else if (a->argc == 2 && strcasecmp(a->argv[1], "on") == 0)
		*flag = 1;
	else if (a->argc == 2 && strcasecmp(a->argv[1], "off") == 0)
		*flag = 0;
	else
		return 0;
	if (r->interactive)
		rc_putf("%s %s\n", what, *flag ? "on" : "off");
	return 1;
}

int
meta(struct repl *r, struct rc_args *a)
{
	const char *m = a->argv[0] + 1;

	flush_pipe(r);
	if (strcmp(m, "help") == 0 || strcmp(m, "h") == 0 || strcmp(m, "?") == 0)
		meta_help(r);
	else if (strcmp(m, "slot") == 0)
		meta_slot(r, a);
	else if (strcmp(m, "nodes") == 0)
		meta_nodes(r);
	else if (strcmp(m, "node") == 0 || strcmp(m, "pin") == 0)
		meta_pin(r, a);
	else if (strcmp(m, "masters") == 0)
		meta_each(r, a, 1);
	else if (strcmp(m, "all") == 0)
		meta_each(r, a, 0);
	else if (strcmp(m, "route") == 0) {
		if (!toggle(r, a, &r->route, "route display")) {
			struct rc_args sub = *a;
			sub.argc--, sub.argv++, sub.argvlen++;
			r->route_once = 1;
			run_command(r, &sub);
			r->route_once = 0;
		}
	} else if (strcmp(m, "split") == 0) {
		if (!toggle(r, a, &r->split, "split mode"))
			complain(r, RC_EX_USAGE, "usage: :split [on|off]");
	} else if (strcmp(m, "readonly") == 0) {
		if (!toggle(r, a, &r->readonly, "replica reads"))
			complain(r, RC_EX_USAGE, "usage: :readonly [on|off]");
	} else if (strcmp(m, "timing") == 0) {
		if (!toggle(r, a, &r->timing, "timing"))
			complain(r, RC_EX_USAGE, "usage: :timing [on|off]");
	} else if (strcmp(m, "refresh") == 0) {
		if (rc_cluster_refresh(&r->cl) < 0)
			complain(r, RC_EX_CLUSTER, "%s", r->cl.err);
		else if (r->interactive)
			rc_putf("slot table reloaded: %d nodes\n", r->cl.nnodes);
	} else if (strcmp(m, "quit") == 0 || strcmp(m, "exit") == 0 || strcmp(m, "q") == 0)
		return 1;
	else
		complain(r, RC_EX_USAGE, "unknown meta-command :%s (:help lists them)", m);
	return 0;
}

