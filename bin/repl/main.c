/*
 * rc-repl - an interactive, cluster-aware Redis shell; reads commands from
 * stdin when stdin is not a terminal.
 *
 * Every command is routed by the slot of its first key through the cached
 * slot table (lib/route.c follows MOVED and ASK).  Meta-commands start with
 * ':' and never reach the server.  In batch mode consecutive keyed commands
 * are pipelined per node; replies are printed in input order all the same.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "repl.h"

static int
set_option(void *ctx, int id, const char *arg)
{
	struct repl *r = ctx;

	if (id == 'e') {
		r->ev = rc_realloc(r->ev, (size_t)(r->nev + 1) * sizeof *r->ev);
		r->ev[r->nev++] = (char *)arg;
	}
	return 0;
}

static void
session_end(struct repl *r)
{
	rc_flush();
	rc_args_free(&r->args);
	rc_buf_free(&r->out);
	rc_buf_free(&r->trace);
	rc_pipe_free(r->pipe);
	free(r->pend);
	state_free(r);
	free(r->ev);
	rc_cluster_close(&r->cl);
}

/* The -e lines and the command in the operands, else the prompt on a
 * terminal, else one command a line from stdin. */
static int
run(void *ctx, int argc, char **argv)
{
	struct repl *r = ctx;
	int status;

	r->interactive = r->nev == 0 && argc == 0 && rc_isatty(STDIN_FILENO);
	if (r->o.mode == RC_MODE_TSV)
		r->mode = RC_REPLY_RAW;
	else if (r->o.mode == RC_MODE_PRETTY || rc_isatty(STDOUT_FILENO))
		r->mode = RC_REPLY_TTY;
	else
		r->mode = RC_REPLY_RAW;
	if (rc_cluster_open(&r->cl, &r->o) < 0)
		rc_die(RC_EX_CLUSTER, "%s", r->cl.err);
	r->cl.trace = on_event;
	r->cl.trace_ud = r;
	if (r->nev > 0 || argc > 0) {
		run_args(r, argc, argv);
		flush_pipe(r);
	} else if (r->interactive) {
		interactive(r);
		r->status = RC_EX_OK;   /* each problem was shown as it came */
	} else
		batch(r);
	status = r->status;
	session_end(r);
	return status;
}

static const struct rc_optdef options[] = {
	{ 'e', "eval", "COMMAND", NULL,
	  "run this command line (quoting as on the prompt); may repeat" },
	{ 0, NULL, NULL, NULL, NULL }
};

/* What the completion offers as the first operand: common commands. */
#define COMMON_CMDS "GET SET DEL EXISTS MGET MSET INCR EXPIRE TTL TYPE HGET HSET " \
	"HGETALL LPUSH RPUSH LRANGE SADD SMEMBERS ZADD ZRANGE EVAL PING INFO DBSIZE " \
	"CLUSTER CONFIG CLIENT COMMAND SCAN KEYS"

static const struct rc_command commands[] = {
	{ NULL, 0, -1, "eval", "[-e command]... [command [arg ...]]",
	  "An interactive, cluster-aware Redis shell.  Without a terminal on stdin "
	  "it runs one command a line from stdin and prints raw replies; -e lines "
	  "and a command given as arguments run instead, in that order.  On the "
	  "prompt, :help lists the meta-commands.",
	  COMMON_CMDS, run },
	{ NULL, 0, 0, NULL, NULL, NULL, NULL, NULL }
};

static const struct rc_tool tool = {
	.name = "rc-repl",
	.args = "[-e command]... [command [arg ...]]",
	.opts = options,
	.cmds = commands,
	.set = set_option,
};

int
main(int argc, char **argv)
{
	struct repl r;

	rc_init(argv[0]);
	memset(&r, 0, sizeof r);
	r.qwrite = -1;
	r.block = -1;
	rc_opts_init(&r.o);
	return rc_main(&tool, &r.o, &r, argc, argv);
}
