/*
 * run.c - one command: where it goes (routed by its key's slot, pinned, a
 * replica, split over slots, the node of a transaction), its reply in the
 * session's format, its route and its time on stderr; and where commands
 * come from: stdin one a line, the -e lines, the command in argv.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "repl.h"

/* The longest run of commands sent as one pipeline in batch mode. */
#define BATCH 4096

/* ---- messages ------------------------------------------------------------- */

static void
worst(struct repl *r, int code)
{
	if (code > r->status)
		r->status = code;
}

/* A problem with the current line: "<stdin>:7: ..." in batch, plain on the
 * prompt.  Stdout is flushed first so the two streams stay in order. */
void
complain(struct repl *r, int code, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	rc_flush();
	if (r->interactive)
		fprintf(stderr, "%s: %s\n", rc_progname, msg);
	else
		fprintf(stderr, "%s: %s:%ld: %s\n", rc_progname, r->src, r->line, msg);
	worst(r, code);
}

/* A node that could not be used: down, or it refused the password (which
 * no retry changes: said as what it is).  pre and tail go around it. */
void
node_unusable(struct repl *r, struct rc_node *n, const char *pre, const char *tail)
{
	char a[300], said[700];

	if (rc_refusal_say(n->err, r->o.user, NULL, said, sizeof said) != NULL)
		complain(r, RC_EX_CLUSTER, "%s%s", said, tail);
	else
		complain(r, RC_EX_CLUSTER, "%s%s is down: %s%s", pre,
		    rc_node_addr(n, a, sizeof a), n->err, tail);
}

/* Informational lines (routes, splits, timing) go to stderr: stdout holds
 * only replies, so it can feed other tools. */
void
note(const char *s, size_t len)
{
	if (len == 0)
		return;
	rc_flush();
	fwrite(s, 1, len, stderr);
	fflush(stderr);
}

/* An error that the router's retries did not get past, a connection that
 * failed, or a refused password is the cluster's (3); any other error
 * reply is the command's (1). */
static int
error_code(const redisReply *rep)
{
	switch (rc_reply_kind(rep)) {
	case RC_K_TRANSIENT:
	case RC_K_IOERR:
	case RC_K_PROTO:
	case RC_K_AUTH:
		return RC_EX_CLUSTER;
	}
	return RC_EX_NO;
}

/*
 * Commands whose reply is a text report of many lines (INFO, CLUSTER NODES,
 * CLIENT LIST...): on a terminal they are shown as their lines, not as one
 * quoted string full of \r\n, as redis-cli shows them (its cliSendCommand
 * names the same commands).
 */
int
text_report(const struct rc_args *a)
{
	if (a->argc < 1)
		return 0;
	if (is_cmd(a, 0, "INFO") || is_cmd(a, 0, "LOLWUT"))
		return 1;
	if (a->argc < 2)
		return 0;
	if (is_cmd(a, 0, "CLUSTER"))
		return a->argc == 2 && (is_cmd(a, 1, "NODES") || is_cmd(a, 1, "INFO"));
	if (is_cmd(a, 0, "CLIENT"))
		return is_cmd(a, 1, "LIST") || is_cmd(a, 1, "INFO");
	if (is_cmd(a, 0, "MEMORY"))
		return is_cmd(a, 1, "MALLOC-STATS") || is_cmd(a, 1, "DOCTOR");
	if (is_cmd(a, 0, "LATENCY"))
		return (a->argc == 2 && is_cmd(a, 1, "DOCTOR")) ||
		    (a->argc == 3 && is_cmd(a, 1, "GRAPH"));
	if (is_cmd(a, 0, "DEBUG"))
		return is_cmd(a, 1, "HTSTATS") || is_cmd(a, 1, "HTSTATS-KEY") ||
		    is_cmd(a, 1, "CLIENT-EVICTION");
	return 0;
}

/* Prints a reply in the session's format; an error reply in batch mode goes
 * to stderr with the line number instead.  A text report's string is shown
 * as its lines in either format. */
void
show(struct repl *r, const redisReply *rep, long line)
{
	int mode = r->mode;

	/* Ctrl-C cancelled it (intr.c): said as that, not as an error. */
	if (r->interactive && rc_reply_is_err(rep, RC_INTERRUPTED)) {
		rc_puts("(interrupted)\n");
		return;
	}
	if (r->report && (rep->type == REDIS_REPLY_STRING
#ifdef REDIS_REPLY_VERB
	    || rep->type == REDIS_REPLY_VERB
#endif
	    ))
		mode = RC_REPLY_RAW;
	if (rep->type == REDIS_REPLY_ERROR) {
		worst(r, error_code(rep));
		if (!r->interactive && r->mode == RC_REPLY_RAW) {
			long keep = r->line;
			r->line = line;
			complain(r, error_code(rep), "%.*s", (int)rep->len, rep->str);
			r->line = keep;
			return;
		}
	}
	r->out.len = 0;
	rc_reply_format(&r->out, rep, mode);
	rc_put(r->out.s, r->out.len);
}

/* ---- route display --------------------------------------------------------- */

void
on_event(void *ud, const struct rc_event *ev)
{
	struct repl *r = ud;
	char a[300], line[1200];
	int n = 0;

	if (ev->kind == RC_EV_SEND)
		r->sent = ev->node;
	if (!r->route && !r->route_once)
		return;
	if (ev->node != NULL)
		rc_node_addr(ev->node, a, sizeof a);
	else
		strcpy(a, "?");
	switch (ev->kind) {
	case RC_EV_SEND:
		if (r->send_label != NULL)
			n = snprintf(line, sizeof line, "-> %s -> %s\n", r->send_label, a);
		else if (ev->slot < 0)
			n = snprintf(line, sizeof line, "-> no key -> %s (any master)\n", a);
		else
			n = snprintf(line, sizeof line, "-> slot %d -> %s%s\n", ev->slot, a,
			    r->last_ev == RC_EV_ASK ? " (ASKING)" : "");
		break;
	case RC_EV_MOVED:
		n = snprintf(line, sizeof line, "-> %s: slot table updated, resending\n",
		    ev->detail ? ev->detail : "MOVED");
		break;
	case RC_EV_ASK:
		n = snprintf(line, sizeof line, "-> %s: slot is migrating, asking %s once\n",
		    ev->detail ? ev->detail : "ASK", a);
		break;
	case RC_EV_RETRY:
		n = snprintf(line, sizeof line, "-> retry after %s\n",
		    ev->detail ? ev->detail : "a transient error");
		break;
	case RC_EV_CONN:
		n = snprintf(line, sizeof line, "-> connection to %s failed: %s\n", a,
		    ev->detail ? ev->detail : "?");
		break;
	case RC_EV_REFRESH:
		n = snprintf(line, sizeof line, "-> slot table refreshed\n");
		break;
	}
	r->last_ev = ev->kind;
	if (n > 0)
		rc_buf_add(&r->trace, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

void
trace_begin(struct repl *r, const char *label)
{
	r->trace.len = 0;
	r->send_label = label;
	r->last_ev = -1;
}

void
trace_end(struct repl *r)
{
	note(r->trace.s, r->trace.len);
	r->trace.len = 0;
	r->send_label = NULL;
}

/* ---- batch pipeline ------------------------------------------------------- */

void
flush_pipe(struct repl *r)
{
	size_t i;

	if (r->npend == 0)
		return;
	rc_pipe_exec(r->pipe);
	for (i = 0; i < r->npend; i++)
		show(r, rc_pipe_reply(r->pipe, i), r->pend[i]);
	/* The last write's master, as the slot table now says (MOVED taught
	 * it), is where the next WAIT goes. */
	if (r->qwrite >= 0 &&
	    rc_pipe_reply(r->pipe, (size_t)r->qwrite)->type != REDIS_REPLY_ERROR &&
	    r->cl.owner[r->qwrite_slot] != NULL)
		wrote_on(r, &r->cl.owner[r->qwrite_slot], 1);
	r->qwrite = -1;
	rc_pipe_reset(r->pipe);
	r->npend = 0;
}

static void
queue(struct repl *r, int slot, struct rc_args *a)
{
	if (r->pipe == NULL) {
		r->pipe = rc_pipe_new(&r->cl);
		r->pend = rc_calloc(BATCH, sizeof *r->pend);
	}
	rc_pipe_argv(r->pipe, slot, a->argc, (const char **)a->argv, a->argvlen);
	if (is_write(a, slot)) {
		r->qwrite = (long)r->npend;
		r->qwrite_slot = slot;
	}
	r->pend[r->npend++] = r->line;
	if (r->npend == BATCH)
		flush_pipe(r);
}

/* ---- commands ---------------------------------------------------------------- */

int
is_cmd(const struct rc_args *a, int i, const char *name)
{
	return i < a->argc && strcasecmp(a->argv[i], name) == 0;
}

/* The number in a[i] (seconds, fractions allowed, when secs) as
 * milliseconds; -1 when it is not a number >= 0. */
static long
arg_ms(const struct rc_args *a, int i, int secs)
{
	char *end;
	double v;

	if (i < 1 || i >= a->argc)
		return -1;
	errno = 0;
	v = strtod(a->argv[i], &end);
	if (errno != 0 || end == a->argv[i] || *end != '\0' || !(v >= 0))
		return -1;
	if (secs)
		v *= 1000;
	return v > (double)(LONG_MAX / 2) ? LONG_MAX / 2 : (long)(v + 0.999);
}

/* How long a blocking command may wait, by its own timeout argument, in
 * milliseconds (0: for ever); -1 for a command that does not block (or
 * whose timeout is not a number: the server refuses it at once).  Its reply
 * is awaited that long plus --timeout (exec_waiting). */
long
block_ms(const struct rc_args *a)
{
	static const char *const last_secs[] = {
		"BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BZPOPMIN", "BZPOPMAX",
	};
	size_t i;
	int k;

	for (i = 0; i < sizeof last_secs / sizeof last_secs[0]; i++)
		if (is_cmd(a, 0, last_secs[i]))
			return arg_ms(a, a->argc - 1, 1);
	if (is_cmd(a, 0, "BLMPOP") || is_cmd(a, 0, "BZMPOP"))
		return arg_ms(a, 1, 1);
	if (is_cmd(a, 0, "WAIT"))
		return arg_ms(a, 2, 0);
	if (is_cmd(a, 0, "WAITAOF"))
		return arg_ms(a, 3, 0);
	if (is_cmd(a, 0, "XREAD") || is_cmd(a, 0, "XREADGROUP"))
		for (k = 1; k + 1 < a->argc && !is_cmd(a, k, "STREAMS"); k++)
			if (is_cmd(a, k, "BLOCK"))
				return arg_ms(a, k + 1, 0);
	return -1;
}

/* Commands that must not be pipelined with others: they block, change the
 * connection's state, or only make sense one at a time. */
static int
pipelinable(const struct rc_args *a)
{
	static const char *const no[] = {
		"MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "SUBSCRIBE",
		"SSUBSCRIBE", "PSUBSCRIBE", "MONITOR", "SELECT", "READONLY",
		"READWRITE", "ASKING", "AUTH", "HELLO", "CLIENT", "RESET", "QUIT",
	};
	size_t i;

	for (i = 0; i < sizeof no / sizeof no[0]; i++)
		if (is_cmd(a, 0, no[i]))
			return 0;
	return block_ms(a) < 0;
}

/* Commands after which a connection only streams messages. */
int
listens(const struct rc_args *a)
{
	return is_cmd(a, 0, "SUBSCRIBE") || is_cmd(a, 0, "PSUBSCRIBE") ||
	    is_cmd(a, 0, "SSUBSCRIBE") || is_cmd(a, 0, "MONITOR");
}

/* Read commands that a replica may serve after READONLY. */
int
is_read(const struct rc_args *a)
{
	static const char *const rd[] = {
		"GET", "MGET", "STRLEN", "GETRANGE", "EXISTS", "TTL", "PTTL", "TYPE",
		"EXPIRETIME", "PEXPIRETIME", "HGET", "HMGET", "HGETALL", "HLEN", "HKEYS",
		"HVALS", "HEXISTS", "HSTRLEN", "HRANDFIELD", "LRANGE", "LLEN", "LINDEX",
		"LPOS", "SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD", "SRANDMEMBER",
		"SINTER", "SUNION", "SDIFF", "ZRANGE", "ZRANGEBYSCORE", "ZREVRANGE",
		"ZSCORE", "ZMSCORE", "ZCARD", "ZCOUNT", "ZRANK", "ZREVRANK",
		"XRANGE", "XREVRANGE", "XLEN", "BITCOUNT", "GETBIT", "BITPOS", "PFCOUNT",
		"DUMP", "OBJECT", "MEMORY", "GEOPOS", "GEODIST", "GEOSEARCH",
	};
	size_t i;

	for (i = 0; i < sizeof rd / sizeof rd[0]; i++)
		if (is_cmd(a, 0, rd[i]))
			return 1;
	return 0;
}

static double
ms_since(uint64_t t0)
{
	return (double)(rc_now_us() - t0) / 1000.0;
}

static void
show_timing(struct repl *r, uint64_t t0)
{
	char b[64];
	int n;

	if (!r->timing)
		return;
	n = snprintf(b, sizeof b, "(%.2f ms)\n", ms_since(t0));
	note(b, (size_t)n);
}

/* The pinned node's connection, or NULL after saying why it is not there. */
static redisContext *
pinned_ctx(struct repl *r, struct rc_node *n)
{
	redisContext *c = rc_node_ctx(&r->cl, n);

	if (c == NULL)
		node_unusable(r, n, "node ", " (:node off goes back to routing)");
	return c;
}

/* Runs argv on one node, no redirects followed: the node's own answer.
 * Returns 1 when the reply is not an error. */
static int
on_node(struct repl *r, struct rc_node *n, struct rc_args *a, const char *label)
{
	struct rc_pipe *p = rc_pipe_new(&r->cl);
	int ok;

	trace_begin(r, label);
	rc_pipe_node_argv(p, n, a->argc, (const char **)a->argv, a->argvlen);
	exec_waiting(r, p, r->block);
	trace_end(r);
	ok = rc_pipe_reply(p, 0)->type != REDIS_REPLY_ERROR;
	show(r, rc_pipe_reply(p, 0), r->line);
	rc_pipe_free(p);
	return ok;
}

/* A read sent to a replica of the slot's master (lib/pick.c says READONLY
 * on each of its connections); 0 when none could serve it and the master
 * should.  *ok: the reply was not an error. */
static int
replica_read(struct repl *r, struct rc_args *a, int slot, int *ok)
{
	struct rc_node *from;
	redisReply *x;
	char label[64];

	snprintf(label, sizeof label, "slot %d, replica read", slot);
	trace_begin(r, label);
	x = rc_replica_argv(&r->cl, slot, a->argc, (const char **)a->argv, a->argvlen,
	    &from);
	trace_end(r);
	if (x == NULL)
		return 0;
	*ok = x->type != REDIS_REPLY_ERROR;
	show(r, x, r->line);
	freeReplyObject(x);
	return 1;
}

/*
 * MULTI ... EXEC must run on one connection.  MULTI is held back until the
 * first command of the transaction shows where it goes (its key's master);
 * then MULTI and everything up to EXEC or DISCARD go to that node, as they
 * are: a key of another slot gets the server's MOVED, and EXEC its
 * EXECABORT.  Returns 1 when the command was handled here.
 */
static int
transaction(struct repl *r, struct rc_args *a, int slot)
{
	static char multi[] = "MULTI";
	char *mv[1] = { multi };
	size_t ml[1] = { 5 };
	struct rc_args m = { 1, 1, mv, ml };
	int end;

	if (r->pin != NULL)
		return 0;
	if (!r->in_multi && r->txn == NULL) {
		if (!is_cmd(a, 0, "MULTI") || a->argc != 1)
			return 0;
		flush_pipe(r);
		r->in_multi = 1;
		r->multi_line = r->line;
		return 1;
	}
	end = is_cmd(a, 0, "EXEC") || is_cmd(a, 0, "DISCARD");
	if (r->txn == NULL) {
		struct rc_node *n = slot >= 0 ? rc_cluster_owner(&r->cl, slot) : rc_cluster_any_master(&r->cl);
		long keep = r->line;
		if (n == NULL || pinned_ctx(r, n) == NULL) {
			r->in_multi = 0;
			return 1;
		}
		r->txn = n;
		r->line = r->multi_line;
		on_node(r, n, &m, "transaction");
		r->line = keep;
	}
	if (on_node(r, r->txn, a, "transaction") && is_cmd(a, 0, "EXEC"))
		wrote_on(r, &r->txn, 1);
	r->txn_listens |= listens(a);
	if (end || r->txn->ctx == NULL) {
		/* EXEC ran a SUBSCRIBE: that connection now only streams
		 * messages; the next command gets a fresh one. */
		if (r->txn_listens && is_cmd(a, 0, "EXEC"))
			rc_node_drop(r->txn, "closed: a transaction subscribed on it");
		r->txn = NULL;
		r->txn_listens = 0;
		r->in_multi = 0;
	}
	return 1;
}

/* ---- blocking commands, protocol switches ---------------------------------- */

/*
 * HELLO N went through on one connection: every connection of the session
 * speaks N, those open now (nodes, a pinned node, replicas told READONLY)
 * and those opened later.
 */
static void
switch_proto(struct repl *r, const char *arg)
{
	long proto;

	if (rc_parse_long(arg, 2, 3, &proto) == 0)
		rc_cluster_set_proto(&r->cl, (int)proto);
}

/* More input is already waiting (so queued commands can wait for it, and
 * a subscription ends). */
int
more_input(struct rc_reader *rd)
{
	struct pollfd pf;

	if (memchr(rd->buf + rd->start, '\n', rd->end - rd->start) != NULL)
		return 1;
	if (rd->eof)
		return 1;
	pf.fd = rd->fd;
	pf.events = POLLIN;
	return poll(&pf, 1, 0) > 0;
}

/* ---- one command ---------------------------------------------------------------- */

/*
 * Sends a command where it goes (the transaction's node, the pinned node,
 * split over slots, a replica, or routed by slot) and shows the reply.
 * Returns 1 when a reply that is not an error came back outside a
 * transaction.
 */
static int
send_one(struct repl *r, struct rc_args *a, int slot, int kind)
{
	struct rc_pipe *p;
	redisReply *rep;
	int ok;

	if (transaction(r, a, slot))
		return 0;
	if (r->pin != NULL) {
		ok = pinned_ctx(r, r->pin) != NULL && on_node(r, r->pin, a, "pinned");
		if (ok && is_write(a, slot))
			wrote_on(r, &r->pin, 1);
		return ok;
	}
	if (r->split && kind != SP_NONE && run_split(r, a, kind))
		return 0;
	if (r->readonly && slot >= 0 && is_read(a) && replica_read(r, a, slot, &ok))
		return ok;
	trace_begin(r, NULL);
	r->sent = NULL;
	p = rc_pipe_new(&r->cl);
	rc_pipe_argv(p, slot, a->argc, (const char **)a->argv, a->argvlen);
	exec_waiting(r, p, r->block);
	trace_end(r);
	rep = rc_pipe_reply(p, 0);
	ok = rep->type != REDIS_REPLY_ERROR;
	show(r, rep, r->line);
	rc_pipe_free(p);
	if (ok && is_write(a, slot))
		wrote_on_sent(r);
	return ok;
}

/* One server command: queued for the batch pipeline, or sent now. */
static void
command(struct repl *r, struct rc_args *a)
{
	int slot = rc_command_slot(a->argc, (const char **)a->argv, a->argvlen);
	int kind = split_kind(a), ok;
	int simple = !r->route && !r->route_once && !r->timing && !r->interactive &&
	    r->pin == NULL && !(r->readonly && is_read(a)) && !(r->split && kind != SP_NONE);
	long wait = block_ms(a);
	uint64_t t0;

#ifndef REDIS_REPLY_MAP
	if (is_cmd(a, 0, "HELLO") && a->argc > 1 && strcmp(a->argv[1], "2") != 0) {
		flush_pipe(r);
		complain(r, RC_EX_USAGE, "RESP3 needs hiredis 1.x; this rc-repl was built with hiredis %d.%d and speaks RESP2",
		    HIREDIS_MAJOR, HIREDIS_MINOR);
		return;
	}
#endif
	if (simple && slot >= 0 && pipelinable(a) && !r->in_multi) {
		queue(r, slot, a);
		return;
	}
	flush_pipe(r);
	r->report = text_report(a);
	if (listens(a) && !r->in_multi) {
		stream_messages(r, a);
		return;
	}
	t0 = rc_now_us();
	if (is_wait(a) && !r->in_multi && r->pin == NULL && wait >= 0) {
		run_wait(r, a, wait);
		show_timing(r, t0);
		return;
	}
	/* Inside MULTI a command is queued, not run: it does not block. */
	r->block = r->in_multi ? -1 : wait;
	ok = send_one(r, a, slot, kind);
	r->block = -1;
	show_timing(r, t0);
	if (ok && is_cmd(a, 0, "HELLO") && a->argc > 1)
		switch_proto(r, a->argv[1]);
	if (ok)
		keep_state(r, a);
}

void
run_command(struct repl *r, struct rc_args *a)
{
	command(r, a);
	r->report = 0;
}

int
run_line(struct repl *r, const char *line, size_t len)
{
	char err[200];
	int n = rc_split_args(line, len, &r->args, err, sizeof err);

	if (n < 0) {
		flush_pipe(r);
		complain(r, RC_EX_USAGE, "%s", err);
		return 0;
	}
	if (n == 0)
		return 0;
	if (r->args.argv[0][0] == ':')
		return meta(r, &r->args);
	if (r->interactive && (is_cmd(&r->args, 0, "quit") || is_cmd(&r->args, 0, "exit")))
		return 1;
	run_command(r, &r->args);
	return 0;
}

/* ---- batch ------------------------------------------------------------------------- */

void
batch(struct repl *r)
{
	struct rc_reader rd;
	ssize_t len;
	char *line;

	r->src = "<stdin>";
	rc_reader_init(&rd, STDIN_FILENO, "<stdin>");
	r->rd = &rd;
	for (;;) {
		/* Nothing more to read yet: answer what came so far, so a
		 * program talking to us line by line gets its replies. */
		if (!more_input(&rd)) {
			flush_pipe(r);
			rc_flush();
		}
		if ((len = rc_reader_line(&rd, &line)) < 0)
			break;
		r->line = rd.lineno;
		while (len > 0 && (line[0] == ' ' || line[0] == '\t'))
			line++, len--;
		if (len == 0 || line[0] == '#')
			continue;
		if (run_line(r, line, (size_t)len))
			break;
	}
	flush_pipe(r);
	r->rd = NULL;
	rc_reader_free(&rd);
}

/*
 * -e lines in order, then the command given as arguments (its words taken
 * as they are), unless one of them ended the session (:quit).  Messages
 * say "-e:N:" for the N-th -e and "argv:N:" for the command after them.
 */
void
run_args(struct repl *r, int argc, char **argv)
{
	int i;

	r->src = "-e";
	for (i = 0; i < r->nev; i++) {
		r->line = i + 1;
		r->more_cmds = i + 1 < r->nev || argc > 0;
		if (run_line(r, r->ev[i], strlen(r->ev[i])))
			return;
	}
	if (argc == 0)
		return;
	r->src = "argv";
	r->line = r->nev + 1;
	r->more_cmds = 0;
	rc_args_clear(&r->args);
	for (i = 0; i < argc; i++)
		rc_args_add(&r->args, argv[i], strlen(argv[i]));
	if (r->args.argv[0][0] == ':')
		meta(r, &r->args);
	else
		run_command(r, &r->args);
}

