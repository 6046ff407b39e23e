/*
 * wait.c - WAIT and WAITAOF ask the node that took the session's last
 * write, the only one whose replicas the answer is about (redis-cli -c's one
 * connection does that by construction).  A write is a keyed command that
 * is not a read; the node is the one that answered it: routed (after any
 * MOVED), pinned (:node), a transaction's, or, for :split, every master
 * that took a part, each asked, the least count shown.
 */
#include <stdio.h>
#include <string.h>

#include "repl.h"

int
is_wait(const struct rc_args *a)
{
	return is_cmd(a, 0, "WAIT") || is_cmd(a, 0, "WAITAOF");
}

/* A command whose node WAIT should ask next. */
int
is_write(const struct rc_args *a, int slot)
{
	return slot >= 0 && !is_read(a) && !is_wait(a);
}

void
wrote_on(struct repl *r, struct rc_node **nodes, int n)
{
	r->nwrote = n < MAX_WROTE ? n : MAX_WROTE;
	memcpy(r->wrote, nodes, (size_t)r->nwrote * sizeof *nodes);
}

/* The node of the last SEND the router reported: the one that answered. */
void
wrote_on_sent(struct repl *r)
{
	int i;

	for (i = 0; i < r->cl.nnodes; i++)
		if (r->cl.nodes[i] == r->sent) {
			wrote_on(r, &r->cl.nodes[i], 1);
			return;
		}
}

/* The least of two counts: WAIT's integer, or each of WAITAOF's pair. */
static void
least(redisReply *m, const redisReply *x)
{
	size_t i;

	if (m->type == REDIS_REPLY_INTEGER && x->type == REDIS_REPLY_INTEGER) {
		if (x->integer < m->integer)
			m->integer = x->integer;
		return;
	}
	for (i = 0; m->type == REDIS_REPLY_ARRAY && x->type == REDIS_REPLY_ARRAY &&
	    i < m->elements && i < x->elements; i++)
		least(m->element[i], x->element[i]);
}

/* Shows the replies as one: the first error, else the least counts. */
static int
show_least(struct repl *r, struct rc_pipe *p, int n)
{
	redisReply m, *mel[2], el[2];
	const redisReply *first = rc_pipe_reply(p, 0);
	int i;
	size_t k;

	for (i = 0; i < n; i++)
		if (rc_pipe_reply(p, (size_t)i)->type == REDIS_REPLY_ERROR) {
			show(r, rc_pipe_reply(p, (size_t)i), r->line);
			return 0;
		}
	m = *first;
	if (first->type == REDIS_REPLY_ARRAY && first->elements <= 2) {
		for (k = 0; k < first->elements; k++) {
			el[k] = *first->element[k];
			mel[k] = &el[k];
		}
		m.element = mel;
	} else if (first->type == REDIS_REPLY_ARRAY)
		n = 1;          /* not WAITAOF's pair: shown as it came */
	for (i = 1; i < n; i++)
		least(&m, rc_pipe_reply(p, (size_t)i));
	show(r, &m, r->line);
	return 1;
}

/* Says where a WAIT went when no write came first. */
static void
say_no_write(struct repl *r, struct rc_node *n)
{
	char ad[300], msg[500];
	int k;

	if (r->interactive)
		k = snprintf(msg, sizeof msg, "%s: no write in this session yet: %s went to %s\n",
		    rc_progname, r->args.argv[0], rc_node_addr(n, ad, sizeof ad));
	else
		k = snprintf(msg, sizeof msg, "%s: %s:%ld: no write in this session yet: %s went to %s\n",
		    rc_progname, r->src, r->line, r->args.argv[0], rc_node_addr(n, ad, sizeof ad));
	note(msg, k < 0 ? 0 : (size_t)k < sizeof msg ? (size_t)k : sizeof msg - 1);
}

int
run_wait(struct repl *r, struct rc_args *a, long wait_ms)
{
	struct rc_node *any[1];
	struct rc_node **to = r->wrote;
	struct rc_pipe *p;
	int n = r->nwrote, i, ok;

	if (n == 0) {
		if (r->cl.stale)
			rc_cluster_refresh(&r->cl);
		if ((any[0] = rc_cluster_any_master(&r->cl)) == NULL) {
			complain(r, RC_EX_CLUSTER, "%s: no master is up", a->argv[0]);
			return 0;
		}
		to = any;
		n = 1;
		say_no_write(r, any[0]);
	}
	p = rc_pipe_new(&r->cl);
	for (i = 0; i < n; i++)
		rc_pipe_node_argv(p, to[i], a->argc, (const char **)a->argv, a->argvlen);
	trace_begin(r, r->nwrote > 0 ? "last write" : NULL);
	exec_waiting(r, p, wait_ms);
	trace_end(r);
	ok = show_least(r, p, n);
	rc_pipe_free(p);
	return ok;
}
