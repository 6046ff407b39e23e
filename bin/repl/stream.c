/*
 * stream.c - SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, MONITOR: after them a
 * connection only streams messages, so they get a connection of their own
 * (lib/sub.c), and the messages are printed as they come, until Ctrl-C (on
 * the prompt), the next command (batch, -e) or the connection closes.  Then
 * the connection is closed; the session's own connections never saw the
 * command.
 */
#include <signal.h>

#include "repl.h"

/* Ends a wait for messages: Ctrl-C, or the next command is there (another
 * -e, or a line or the end of the input in batch mode).  On the prompt only
 * Ctrl-C does. */
static int
next_waiting(void *ud)
{
	struct repl *r = ud;

	return intr_seen() || r->more_cmds || (r->rd != NULL && more_input(r->rd));
}

/* Opens the subscription, its route on stderr; 0, or -1 when it failed (said). */
static int
subscribe(struct repl *r, struct rc_args *a, struct rc_sub *s, redisReply **first)
{
	int rv;

	trace_begin(r, r->pin != NULL ? "pinned" : NULL);
	rv = rc_sub_open(s, &r->cl, r->pin, a->argc, (const char **)a->argv, a->argvlen,
	    first);
	trace_end(r);
	if (rv < 0)
		complain(r, RC_EX_CLUSTER, "%s", s->err);
	return rv;
}

/* Prints each message, the first one given, until the wait ends. */
static void
print_messages(struct repl *r, struct rc_sub *s, redisReply *x)
{
	int rv;

	if (r->mode == RC_REPLY_TTY)
		rc_puts("Reading messages... (press Ctrl-C to quit)\n");
	for (;;) {
		int last = rc_sub_over(x);
		r->out.len = 0;
		rc_reply_format(&r->out, x, r->mode);
		rc_put(r->out.s, r->out.len);
		rc_flush();
		freeReplyObject(x);
		if (last)
			return;
		rv = rc_sub_next(s, -1, r->rd != NULL ? r->rd->fd : -1, next_waiting, r, &x);
		if (rv < 0)
			complain(r, RC_EX_CLUSTER, "%s", s->err);
		if (rv <= 0)
			return;
	}
}

void
stream_messages(struct repl *r, struct rc_args *a)
{
	struct sigaction old;
	struct rc_sub s;
	redisReply *x;

	intr_catch(r, &old);
	if (subscribe(r, a, &s, &x) == 0) {
		if (x->type == REDIS_REPLY_ERROR) {
			show(r, x, r->line);
			freeReplyObject(x);
		} else
			print_messages(r, &s, x);
		rc_sub_close(&s);
	}
	intr_release(r, &old);
}
