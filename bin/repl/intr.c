/*
 * intr.c - Ctrl-C while a command waits on the prompt (a blocking command,
 * a subscription): it ends the wait and the prompt comes back; the session
 * goes on.  Anywhere else SIGINT does what it did (at the prompt libedit's
 * handling, during any other command the default: the session ends).
 */
#include <signal.h>
#include <string.h>

#include "repl.h"

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

void
intr_catch(struct repl *r, struct sigaction *old)
{
	struct sigaction sa;

	interrupted = 0;
	if (!r->interactive)
		return;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, old);    /* no SA_RESTART: a wait returns */
}

int
intr_seen(void)
{
	return interrupted;
}

void
intr_release(struct repl *r, const struct sigaction *old)
{
	if (!r->interactive)
		return;
	sigaction(SIGINT, old, NULL);
	if (interrupted)
		rc_putc('\n');          /* the terminal echoed ^C: a line of its own */
}

static int
stop_asked(void *ud)
{
	(void)ud;
	return interrupted;
}

void
exec_waiting(struct repl *r, struct rc_pipe *p, long wait)
{
	struct sigaction old;

	if (wait < 0) {
		rc_pipe_exec(p);
		return;
	}
	rc_pipe_block(p, wait, r->interactive ? stop_asked : NULL, r);
	intr_catch(r, &old);
	rc_pipe_exec(p);
	intr_release(r, &old);
}
