/* stdout checked at exit, and rc_done: a write error before a change is
 * "nothing done" (exit 2, at once), after one it drops the output and the
 * exit says "done, but output lost" (4, or the command's own status).  Each
 * case runs in a child, as the state is the process's. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rc.h"
#include "tap.h"

enum { TO_FULL, TO_NULL, TO_CLOSED_PIPE };

struct outcome {
	int status;             /* exit status, or 128 + signal */
	char err[4096];         /* the child's stderr */
};

/* Runs body in a child with stdout on where, stderr captured. */
static void
child(int where, int (*body)(void), struct outcome *o)
{
	int ep[2], pp[2], fd, st;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	fflush(stdout);
	if (pipe(ep) < 0 || pipe(pp) < 0)
		abort();
	/* The read end goes before the fork: closed only after it, the
	 * parent's copy could still be open when the child writes, and the
	 * write would fill the pipe instead of failing (seen once in CI). */
	close(pp[0]);
	if ((pid = fork()) == 0) {
		close(ep[0]);
		dup2(ep[1], STDERR_FILENO);
		if (where == TO_CLOSED_PIPE) {
			fd = pp[1];
			signal(SIGPIPE, SIG_IGN);       /* as lib/conn.c does */
		} else
			fd = open(where == TO_FULL ? "/dev/full" : "/dev/null", O_WRONLY);
		dup2(fd, STDOUT_FILENO);
		rc_progname = "t";
		_exit(body());
	}
	close(ep[1]);
	close(pp[1]);
	while (got + 1 < sizeof o->err &&
	    (n = read(ep[0], o->err + got, sizeof o->err - 1 - got)) > 0)
		got += (size_t)n;
	o->err[got] = '\0';
	close(ep[0]);
	waitpid(pid, &st, 0);
	o->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int
count(const char *s, const char *what)
{
	int n = 0;

	while ((s = strstr(s, what)) != NULL)
		n++, s++;
	return n;
}

static int
row_then_end(void)
{
	rc_puts("a row\n");
	return rc_out_end(RC_EX_OK);
}

static int
done_row_end(void)
{
	rc_done("reservation ev.1 holds A1");
	rc_puts("ev.1\n");
	return rc_out_end(RC_EX_OK);
}

static int
done_row_fail(void)
{
	rc_done("moved 3 slots (0-2)");
	rc_puts("0\tx\ty\n");
	return rc_out_end(RC_EX_CLUSTER);
}

/* More than the buffer holds: the write error comes mid-run. */
static void
big(void)
{
	static char line[1000];
	int i;

	memset(line, 'x', sizeof line - 1);
	line[sizeof line - 2] = '\n';
	for (i = 0; i < 1000; i++)
		rc_puts(line);
}

static int
big_before_done(void)
{
	big();
	return 99;      /* not reached: the error ends the run */
}

static int
done_then_big(void)
{
	rc_done("step 1");
	big();
	rc_done("steps 1 and 2");
	big();
	return rc_out_end(RC_EX_OK) == RC_EX_LOST ? 42 : 1;
}

int
main(void)
{
	struct outcome o;

	child(TO_FULL, row_then_end, &o);
	is_int(o.status, RC_EX_USAGE, "a full disk before any change: exit 2");
	ok(strstr(o.err, "t: write error on stdout: No space left on device\n") != NULL,
	    "and the write error is named");
	ok(strstr(o.err, "done") == NULL, "and nothing is said done");

	child(TO_FULL, done_row_end, &o);
	is_int(o.status, RC_EX_LOST, "a full disk after rc_done: exit 4");
	ok(strstr(o.err, "t: write error on stdout: No space left on device\n") != NULL,
	    "the write error is named");
	ok(strstr(o.err, "t: done, but output lost: reservation ev.1 holds A1\n") != NULL,
	    "and what the output held");

	child(TO_FULL, done_row_fail, &o);
	is_int(o.status, RC_EX_CLUSTER, "a command that failed too keeps its status");
	ok(strstr(o.err, "t: done, but output lost: moved 3 slots (0-2)\n") != NULL,
	    "and still says what was done");

	child(TO_CLOSED_PIPE, done_row_end, &o);
	is_int(o.status, RC_EX_LOST, "a closed pipe after rc_done: exit 4, no SIGPIPE");
	ok(strstr(o.err, "t: done, but output lost: reservation ev.1 holds A1\n") != NULL,
	    "and stderr says what was done");

	child(TO_CLOSED_PIPE, row_then_end, &o);
	is_int(o.status, 128 + SIGPIPE, "a closed pipe before any change: SIGPIPE, as a filter");

	child(TO_FULL, big_before_done, &o);
	is_int(o.status, RC_EX_USAGE, "a write error mid-run before any change ends the run: exit 2");

	child(TO_FULL, done_then_big, &o);
	is_int(o.status, 42, "after rc_done a write error mid-run does not end it");
	ok(strstr(o.err, "t: done, but output lost: steps 1 and 2\n") != NULL,
	    "the last rc_done's text is the one said");
	is_int(count(o.err, "write error on stdout"), 1, "the write error is said once");

	child(TO_NULL, done_row_end, &o);
	is_int(o.status, RC_EX_OK, "output written after rc_done: exit 0");
	is_str(o.err, "", "and nothing on stderr");
	return done_testing();
}
