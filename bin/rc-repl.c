/*
 * rc-repl - an interactive, cluster-aware Redis shell; reads commands from
 * stdin when stdin is not a terminal.
 *
 * Every command is routed by the slot of its first key through the cached
 * slot table (lib/route.c follows MOVED and ASK).  Meta-commands start with
 * ':' and never reach the server.  In batch mode consecutive keyed commands
 * are pipelined per node; replies are printed in input order all the same.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <histedit.h>

#include "rc.h"

/* The longest run of commands sent as one pipeline in batch mode. */
#define BATCH 4096

struct pending {
	long line;
};

struct repl {
	struct rc_opts o;
	struct rc_cluster cl;
	int interactive;
	int mode;                       /* RC_REPLY_TTY or RC_REPLY_RAW */
	int route, split, timing, readonly;
	int route_once;
	int in_multi;                   /* MULTI seen, not yet sent */
	long multi_line;
	struct rc_node *txn;            /* the node a transaction runs on */
	int txn_listens;                /* it queued a SUBSCRIBE or MONITOR */
	struct rc_node *pin;
	const char *src;                /* "<stdin>" or "-e" */
	long line;                      /* the current input line */
	struct rc_reader *rd;           /* batch: the input, to see the next line come */
	int more_cmds;                  /* -e: another command follows this one */
	int status;                     /* the worst exit code so far */
	struct rc_args args;
	struct rc_buf out;
	struct rc_pipe *pipe;           /* batch: queued keyed commands */
	struct pending *pend;
	size_t npend;
	struct rc_buf trace;            /* route lines of the current command */
	const char *send_label;         /* how SEND events are described */
	int last_ev;
	struct rc_node **ro;            /* replicas told READONLY ... */
	redisContext **roctx;           /* ... on this connection */
	int nro;
	/* interactive */
	EditLine *el;
	History *hist;
	char *histfile;
	char prompt[400];
};

static struct repl *the;           /* for libedit callbacks */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rc-repl [-TpH] [-c host:port] [-e command]... [command [arg ...]]\n"
	    "  An interactive, cluster-aware Redis shell.  Without a terminal on\n"
	    "  stdin it runs one command a line from stdin and prints raw replies.\n"
	    "  -e  run this command line (quoting as on the prompt); may repeat\n"
	    "  -c  seed node (default $RC_CLUSTER, else 127.0.0.1:7001)\n"
	    "  -T  raw replies even on a terminal   -p  redis-cli terminal format\n"
	    "  -h  this help     -V  version\n"
	    "  On the prompt, :help lists the meta-commands.\n");
}

/* ---- messages ------------------------------------------------------------- */

static void
worst(struct repl *r, int code)
{
	if (code > r->status)
		r->status = code;
}

/* A problem with the current line: "<stdin>:7: ..." in batch, plain on the
 * prompt.  Stdout is flushed first so the two streams stay in order. */
static void __attribute__((format(printf, 3, 4)))
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

/* Informational lines (routes, splits, timing) go to stderr: stdout holds
 * only replies, so it can feed other tools. */
static void
note(struct repl *r, const char *s, size_t len)
{
	(void)r;
	if (len == 0)
		return;
	rc_flush();
	fwrite(s, 1, len, stderr);
	fflush(stderr);
}

static int
error_code(const redisReply *rep)
{
	if (rc_reply_is_err(rep, "IOERR") || rc_reply_is_err(rep, "CONNERR") ||
	    rc_reply_is_err(rep, "CLUSTERDOWN") || rc_reply_is_err(rep, "MASTERDOWN"))
		return RC_EX_CLUSTER;
	return RC_EX_NO;
}

/* Prints a reply in the session's format; an error reply in batch mode goes
 * to stderr with the line number instead. */
static void
show(struct repl *r, const redisReply *rep, long line)
{
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
	rc_reply_format(&r->out, rep, r->mode);
	rc_put(r->out.s, r->out.len);
}

/* ---- route display --------------------------------------------------------- */

static void
on_event(void *ud, const struct rc_event *ev)
{
	struct repl *r = ud;
	char a[300], line[1200];
	int n = 0;

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

static void
trace_begin(struct repl *r, const char *label)
{
	r->trace.len = 0;
	r->send_label = label;
	r->last_ev = -1;
}

static void
trace_end(struct repl *r)
{
	note(r, r->trace.s, r->trace.len);
	r->trace.len = 0;
	r->send_label = NULL;
}

/* ---- batch pipeline ------------------------------------------------------- */

static void
flush_pipe(struct repl *r)
{
	size_t i;

	if (r->npend == 0)
		return;
	rc_pipe_exec(r->pipe);
	for (i = 0; i < r->npend; i++)
		show(r, rc_pipe_reply(r->pipe, i), r->pend[i].line);
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
	r->pend[r->npend++].line = r->line;
	if (r->npend == BATCH)
		flush_pipe(r);
}

/* ---- commands ---------------------------------------------------------------- */

static int
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
	return v > LONG_MAX / 2 ? LONG_MAX / 2 : (long)(v + 0.999);
}

/* How long a blocking command may wait, by its own timeout argument, in
 * milliseconds (0: for ever); -1 for a command that does not block (or
 * whose timeout is not a number: the server refuses it at once). */
static long
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
static int
listens(const struct rc_args *a)
{
	return is_cmd(a, 0, "SUBSCRIBE") || is_cmd(a, 0, "PSUBSCRIBE") ||
	    is_cmd(a, 0, "SSUBSCRIBE") || is_cmd(a, 0, "MONITOR");
}

/* Read commands that a replica may serve after READONLY. */
static int
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
	note(r, b, (size_t)n);
}

/* The pinned node's connection, or NULL after saying why it is not there. */
static redisContext *
pinned_ctx(struct repl *r, struct rc_node *n)
{
	redisContext *c = rc_node_ctx(&r->cl, n);
	char a[300];

	if (c == NULL)
		complain(r, RC_EX_CLUSTER, "node %s is down: %s (:node off goes back to routing)",
		    rc_node_addr(n, a, sizeof a), n->err);
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
	rc_pipe_exec(p);
	trace_end(r);
	ok = rc_pipe_reply(p, 0)->type != REDIS_REPLY_ERROR;
	show(r, rc_pipe_reply(p, 0), r->line);
	rc_pipe_free(p);
	return ok;
}

/* The replica to read from for a slot, told READONLY on its current
 * connection; NULL to read from the master. */
static struct rc_node *
read_replica(struct repl *r, int slot)
{
	struct rc_node *m = rc_cluster_owner(&r->cl, slot), *rep = NULL;
	redisContext *c;
	redisReply *x;
	int i;

	if (m == NULL)
		return NULL;
	for (i = 0; i < r->cl.nnodes && rep == NULL; i++) {
		struct rc_node *n = r->cl.nodes[i];
		if (n->master == m && !n->down && !(n->flags & (RC_NF_FAIL | RC_NF_PFAIL)))
			rep = n;
	}
	if (rep == NULL || (c = rc_node_ctx(&r->cl, rep)) == NULL)
		return NULL;
	for (i = 0; i < r->nro; i++)
		if (r->ro[i] == rep && r->roctx[i] == c)
			return rep;
	x = rc_cmd(c, "READONLY");
	if (x == NULL || x->type == REDIS_REPLY_ERROR) {
		if (x != NULL)
			freeReplyObject(x);
		return NULL;
	}
	freeReplyObject(x);
	r->ro = rc_realloc(r->ro, (size_t)(r->nro + 1) * sizeof *r->ro);
	r->roctx = rc_realloc(r->roctx, (size_t)(r->nro + 1) * sizeof *r->roctx);
	r->ro[r->nro] = rep;
	r->roctx[r->nro++] = c;
	return rep;
}

/* ---- split mode ------------------------------------------------------------------ */

enum { SP_NONE, SP_MGET, SP_MSET, SP_SUM };

static int
split_kind(const struct rc_args *a)
{
	if (is_cmd(a, 0, "MGET"))
		return a->argc > 2 ? SP_MGET : SP_NONE;
	if (is_cmd(a, 0, "MSET"))
		return a->argc > 3 && a->argc % 2 == 1 ? SP_MSET : SP_NONE;
	if (is_cmd(a, 0, "DEL") || is_cmd(a, 0, "EXISTS") || is_cmd(a, 0, "UNLINK") ||
	    is_cmd(a, 0, "TOUCH"))
		return a->argc > 2 ? SP_SUM : SP_NONE;
	return SP_NONE;
}

/*
 * MGET/MSET/DEL/EXISTS/UNLINK/TOUCH over keys of several slots: one command
 * per slot, sent together, replies merged the way cluster clients do.
 * Returns 0 when the keys share one slot (nothing to split).
 */
static int
run_split(struct repl *r, struct rc_args *a, int kind)
{
	int step = kind == SP_MSET ? 2 : 1, nk = (a->argc - 1) / step;
	int *slot = rc_calloc((size_t)nk, sizeof *slot), *grp = rc_calloc((size_t)nk, sizeof *grp);
	int *gslot = rc_calloc((size_t)nk, sizeof *gslot), ng = 0, i, g, nnodes = 0;
	struct rc_node **nodes = rc_calloc((size_t)nk, sizeof *nodes);
	const char **sv = rc_calloc((size_t)a->argc, sizeof *sv);
	size_t *sl = rc_calloc((size_t)a->argc, sizeof *sl);
	struct rc_pipe *p;
	redisReply *err = NULL, merged, **el = NULL;
	long long sum = 0;
	char msg[200];
	int n;

	for (i = 0; i < nk; i++) {
		slot[i] = (int)rc_keyslot(a->argv[1 + i * step], a->argvlen[1 + i * step]);
		for (g = 0; g < ng && gslot[g] != slot[i]; g++)
			;
		if (g == ng)
			gslot[ng++] = slot[i];
		grp[i] = g;
	}
	if (ng < 2) {
		free(slot), free(grp), free(gslot), free(nodes), free(sv), free(sl);
		return 0;
	}
	for (g = 0; g < ng; g++) {
		struct rc_node *o = rc_cluster_owner(&r->cl, gslot[g]);
		for (i = 0; i < nnodes && nodes[i] != o; i++)
			;
		if (i == nnodes)
			nodes[nnodes++] = o;
	}
	p = rc_pipe_new(&r->cl);
	trace_begin(r, NULL);
	for (g = 0; g < ng; g++) {
		int c = 1;
		sv[0] = a->argv[0];
		sl[0] = a->argvlen[0];
		for (i = 0; i < nk; i++) {
			if (grp[i] != g)
				continue;
			sv[c] = a->argv[1 + i * step];
			sl[c++] = a->argvlen[1 + i * step];
			if (step == 2) {
				sv[c] = a->argv[2 + i * step];
				sl[c++] = a->argvlen[2 + i * step];
			}
		}
		rc_pipe_argv(p, gslot[g], c, sv, sl);
	}
	rc_pipe_exec(p);
	trace_end(r);
	n = snprintf(msg, sizeof msg, "-> split: %d keys in %d slots on %d node%s, replies merged\n",
	    nk, ng, nnodes, nnodes == 1 ? "" : "s");
	note(r, msg, (size_t)n);
	for (g = 0; g < ng && err == NULL; g++) {
		redisReply *x = rc_pipe_reply(p, (size_t)g);
		if (x->type == REDIS_REPLY_ERROR)
			err = x;
		else if (kind == SP_SUM && x->type == REDIS_REPLY_INTEGER)
			sum += x->integer;
	}
	memset(&merged, 0, sizeof merged);
	if (err != NULL)
		show(r, err, r->line);
	else if (kind == SP_MGET) {
		int *next = rc_calloc((size_t)ng, sizeof *next);
		el = rc_calloc((size_t)nk, sizeof *el);
		for (i = 0; i < nk; i++) {
			redisReply *x = rc_pipe_reply(p, (size_t)grp[i]);
			el[i] = (size_t)next[grp[i]] < x->elements ? x->element[next[grp[i]]++] : NULL;
		}
		free(next);
		merged.type = REDIS_REPLY_ARRAY;
		merged.elements = (size_t)nk;
		merged.element = el;
		show(r, &merged, r->line);
	} else if (kind == SP_MSET) {
		merged.type = REDIS_REPLY_STATUS;
		merged.str = (char *)"OK";
		merged.len = 2;
		show(r, &merged, r->line);
	} else {
		merged.type = REDIS_REPLY_INTEGER;
		merged.integer = sum;
		show(r, &merged, r->line);
	}
	free(el);
	rc_pipe_free(p);
	free(slot), free(grp), free(gslot), free(nodes), free(sv), free(sl);
	return 1;
}

/* Any master, the seed first: where a keyless command goes. */
static struct rc_node *
some_master(struct repl *r)
{
	int i;

	if (r->cl.seed != NULL && rc_node_is_master(r->cl.seed) && !r->cl.seed->down)
		return r->cl.seed;
	for (i = 0; i < r->cl.nnodes; i++)
		if (rc_node_is_master(r->cl.nodes[i]) && !r->cl.nodes[i]->down)
			return r->cl.nodes[i];
	return NULL;
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
		struct rc_node *n = slot >= 0 ? rc_cluster_owner(&r->cl, slot) : some_master(r);
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
	on_node(r, r->txn, a, "transaction");
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

static void
set_timeout(redisContext *c, long ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	redisSetTimeout(c, tv);
}

/*
 * A blocking command waits as long as it asks, not --timeout: the read
 * timeout of the connection it goes to becomes its own timeout plus
 * --timeout (0, for ever, when it waits for ever).  Returns that node, whose
 * timeout the caller puts back, or NULL.
 */
static struct rc_node *
lift_timeout(struct repl *r, int slot, long wait)
{
	struct rc_node *n = r->pin;

	if (n == NULL) {
		if (r->cl.stale)
			rc_cluster_refresh(&r->cl);
		n = slot >= 0 ? rc_cluster_owner(&r->cl, slot) : some_master(r);
	}
	if (n == NULL || rc_node_ctx(&r->cl, n) == NULL)
		return NULL;
	set_timeout(n->ctx, wait == 0 ? 0 : wait + r->o.timeout_ms);
	return n;
}

static int
listed(const struct repl *r, const struct rc_node *n)
{
	int i;

	for (i = 0; i < r->cl.nnodes; i++)
		if (r->cl.nodes[i] == n)
			return 1;
	return 0;
}

static void
say_hello(struct rc_node *n, int proto)
{
	char err[400];

	if (n->ctx != NULL && rc_hello(n->ctx, proto, err, sizeof err, "protocol switch") < 0)
		rc_node_drop(n, err);   /* it says HELLO when it reconnects */
}

/*
 * HELLO N went through on one connection: every connection of the session
 * speaks N, those open now (nodes, a pinned node, replicas told READONLY)
 * and those opened later (the handle's opts).
 */
static void
switch_proto(struct repl *r, const char *arg)
{
	long proto;
	int i;

	if (rc_parse_long(arg, 2, 3, &proto) < 0 || (proto == 3) == (r->cl.opts.resp == 3))
		return;
	r->cl.opts.resp = (int)proto;
	for (i = 0; i < r->cl.nnodes; i++)
		say_hello(r->cl.nodes[i], (int)proto);
	if (r->pin != NULL && !listed(r, r->pin))
		say_hello(r->pin, (int)proto);
	for (i = 0; i < r->nro; i++)
		if (!listed(r, r->ro[i]))
			say_hello(r->ro[i], (int)proto);
}

/* ---- subscriptions and MONITOR ------------------------------------------------ */

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* More input is already waiting (so queued commands can wait for it). */
static int
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

/* The next command is there: another -e, or a line (or the end) of the
 * input in batch mode.  On the prompt only Ctrl-C ends a subscription. */
static int
next_waiting(struct repl *r)
{
	return r->more_cmds || (r->rd != NULL && more_input(r->rd));
}

/*
 * The next reply on a connection read here rather than by hiredis, so that
 * Ctrl-C and the next input can end the wait: 1 with *out; 0 when the wait
 * was ended (Ctrl-C, or with watch the next command); -1 when the
 * connection failed or timeout_ms (-1: none) passed, said.
 */
static int
next_reply(struct repl *r, redisContext *c, int timeout_ms, int watch,
    redisReply **out, const char *who)
{
	for (;;) {
		struct pollfd pf[2];
		void *rv = NULL;
		int k;

		if (redisGetReplyFromReader(c, &rv) != REDIS_OK)
			break;
		if (rv != NULL) {
			*out = rv;
			return 1;
		}
		if (interrupted || (watch && next_waiting(r)))
			return 0;
		pf[0].fd = c->fd;
		pf[1].fd = watch && r->rd != NULL ? r->rd->fd : -1;
		pf[0].events = pf[1].events = POLLIN;
		pf[0].revents = pf[1].revents = 0;
		if ((k = poll(pf, 2, timeout_ms)) < 0 && errno != EINTR) {
			complain(r, RC_EX_CLUSTER, "%s: %s", who, strerror(errno));
			return -1;
		}
		if (k == 0) {
			complain(r, RC_EX_CLUSTER, "%s: no reply within the timeout", who);
			return -1;
		}
		if (k > 0 && pf[0].revents != 0 && redisBufferRead(c) != REDIS_OK)
			break;
	}
	complain(r, RC_EX_CLUSTER, "%s: %s", who, c->errstr[0] ? c->errstr : "connection lost");
	return -1;
}

/* An unsubscribe that left no subscription (the server sends one when a
 * sharded channel's slot moves away): nothing more will come. */
static int
last_unsubscribe(const redisReply *x)
{
	const redisReply *kind;

	if (x->elements != 3 || x->element == NULL)
		return 0;
	kind = x->element[0];
	return kind->type == REDIS_REPLY_STRING && kind->len >= 11 &&
	    strcasecmp(kind->str + kind->len - 11, "unsubscribe") == 0 &&
	    x->element[2]->type == REDIS_REPLY_INTEGER && x->element[2]->integer == 0;
}

/* Where a subscription goes: the pinned node; for SSUBSCRIBE the master of
 * the channel's slot; else any master. */
static struct rc_node *
stream_node(struct repl *r, const struct rc_args *a)
{
	struct rc_event ev = { RC_EV_SEND, -1, NULL, NULL };
	struct rc_node *n;

	if (r->cl.stale)
		rc_cluster_refresh(&r->cl);
	if (r->pin != NULL)
		n = r->pin;
	else if (is_cmd(a, 0, "SSUBSCRIBE") && a->argc > 1) {
		ev.slot = (int)rc_keyslot(a->argv[1], a->argvlen[1]);
		n = rc_cluster_owner(&r->cl, ev.slot);
	} else
		n = some_master(r);
	trace_begin(r, r->pin != NULL ? "pinned" : NULL);
	ev.node = n;
	if (n != NULL)
		on_event(r, &ev);
	trace_end(r);
	return n;
}

/* Connects to the node for a subscription, sends it and waits for its
 * first reply; NULL when that failed (said). */
static redisContext *
stream_start(struct repl *r, struct rc_args *a, redisReply **first, char *who, size_t wlen)
{
	struct rc_node *n = stream_node(r, a);
	char err[400];
	redisContext *c;
	int done = 0;

	if (n == NULL) {
		complain(r, RC_EX_CLUSTER, "no master serves the channel's slot");
		return NULL;
	}
	rc_node_addr(n, who, wlen);
	if ((c = rc_connect(&n->addr, &r->cl.opts, err, sizeof err)) == NULL) {
		complain(r, RC_EX_CLUSTER, "%s", err);
		return NULL;
	}
	redisAppendCommandArgv(c, a->argc, (const char **)a->argv, a->argvlen);
	while (!done)
		if (redisBufferWrite(c, &done) != REDIS_OK) {
			complain(r, RC_EX_CLUSTER, "%s: %s", who, c->errstr);
			redisFree(c);
			return NULL;
		}
	if (next_reply(r, c, r->o.timeout_ms, 0, first, who) <= 0) {
		redisFree(c);
		return NULL;
	}
	return c;
}

/*
 * SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, MONITOR: after them the connection only
 * streams messages, so they get a connection of their own, and the
 * messages are printed as they come, until Ctrl-C (on the prompt), the
 * next command (batch, -e) or the connection closes.  Then the connection
 * is closed; the session's own connections never saw the command.
 */
static void
stream_messages(struct repl *r, struct rc_args *a)
{
	struct sigaction sa, old;
	struct rc_event moved = { RC_EV_MOVED, -1, NULL, NULL };
	redisContext *c = NULL;
	redisReply *x = NULL;
	char who[300];
	int tries;

	interrupted = 0;
	if (r->interactive) {
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_sigint;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &old);   /* no SA_RESTART: poll returns */
	}
	for (tries = 0; tries < 3; tries++) {
		if ((c = stream_start(r, a, &x, who, sizeof who)) == NULL)
			break;
		if (r->pin != NULL || !rc_reply_is_err(x, "MOVED") || tries == 2)
			break;
		/* SSUBSCRIBE to a master that no longer has the slot. */
		trace_begin(r, NULL);
		moved.detail = x->str;
		on_event(r, &moved);
		trace_end(r);
		r->cl.stale = 1;
		freeReplyObject(x);
		x = NULL;
		redisFree(c);
		c = NULL;
	}
	if (c != NULL && x->type == REDIS_REPLY_ERROR)
		show(r, x, r->line);
	else if (c != NULL) {
		if (r->mode == RC_REPLY_TTY)
			rc_puts("Reading messages... (press Ctrl-C to quit)\n");
		for (;;) {
			int last = last_unsubscribe(x);
			r->out.len = 0;
			rc_reply_format(&r->out, x, r->mode);
			rc_put(r->out.s, r->out.len);
			rc_flush();
			freeReplyObject(x);
			x = NULL;
			if (last || next_reply(r, c, -1, 1, &x, who) <= 0)
				break;
		}
	}
	if (x != NULL)
		freeReplyObject(x);
	if (c != NULL)
		redisFree(c);
	if (r->interactive) {
		sigaction(SIGINT, &old, NULL);
		if (interrupted)
			rc_putc('\n');
	}
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
	redisReply *rep;
	int ok;

	if (transaction(r, a, slot))
		return 0;
	if (r->pin != NULL)
		return pinned_ctx(r, r->pin) != NULL && on_node(r, r->pin, a, "pinned");
	if (r->split && kind != SP_NONE && run_split(r, a, kind))
		return 0;
	if (r->readonly && slot >= 0 && is_read(a)) {
		struct rc_node *rep_node = read_replica(r, slot);
		if (rep_node != NULL) {
			char label[64];
			snprintf(label, sizeof label, "slot %d, replica read", slot);
			return on_node(r, rep_node, a, label);
		}
	}
	trace_begin(r, NULL);
	rep = rc_cluster_argv(&r->cl, slot, a->argc, (const char **)a->argv, a->argvlen);
	trace_end(r);
	ok = rep->type != REDIS_REPLY_ERROR;
	show(r, rep, r->line);
	freeReplyObject(rep);
	return ok;
}

/* One server command: queued for the batch pipeline, or sent now. */
static void
run_command(struct repl *r, struct rc_args *a)
{
	int slot = rc_command_slot(a->argc, (const char **)a->argv, a->argvlen);
	int kind = split_kind(a), ok;
	int simple = !r->route && !r->route_once && !r->timing && !r->interactive &&
	    r->pin == NULL && !(r->readonly && is_read(a)) && !(r->split && kind != SP_NONE);
	long wait = block_ms(a);
	struct rc_node *held = NULL;
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
	if (listens(a) && !r->in_multi) {
		stream_messages(r, a);
		return;
	}
	t0 = rc_now_us();
	if (wait >= 0 && !r->in_multi)
		held = lift_timeout(r, slot, wait);
	ok = send_one(r, a, slot, kind);
	if (held != NULL && held->ctx != NULL)
		set_timeout(held->ctx, r->o.timeout_ms);
	show_timing(r, t0);
	if (ok && is_cmd(a, 0, "HELLO") && a->argc > 1)
		switch_proto(r, a->argv[1]);
}

/* ---- meta-commands ------------------------------------------------------------------ */

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
	rc_pipe_exec(p);
	for (i = 0, k = 0; i < n; i++) {
		char ad[300];
		rc_node_addr(list[i], ad, sizeof ad);
		if (!queued[i]) {
			complain(r, RC_EX_CLUSTER, "%s is down: %s", ad, list[i]->err);
			continue;
		}
		rc_putf("%s%s\n", ad, r->mode == RC_REPLY_TTY ? ":" : "");
		show(r, rc_pipe_reply(p, k++), r->line);
	}
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

static int
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

/* One input line; returns 1 when the session should end. */
static int
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

static void
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

/* ---- interactive ------------------------------------------------------------------ */

/* ---- interactive: the command list (completion, hints) ----------------------------- */

struct cmdinfo {
	char *name;     /* "GET", or "CLUSTER SETSLOT" for a subcommand */
	char *hint;     /* its arguments, "" when none */
};

static struct cmdinfo *cmds;
static int ncmds;

/* Used when the server has no COMMAND DOCS (Redis before 7). */
static const char *const builtin_cmds[] = {
	"APPEND", "key value", "AUTH", "[username] password", "BITCOUNT", "key [start end]",
	"CLIENT LIST", "", "CLIENT SETNAME", "name", "CLIENT ID", "", "CLIENT KILL", "...",
	"CLUSTER INFO", "", "CLUSTER NODES", "", "CLUSTER SLOTS", "", "CLUSTER SHARDS", "",
	"CLUSTER KEYSLOT", "key", "CLUSTER COUNTKEYSINSLOT", "slot",
	"CLUSTER GETKEYSINSLOT", "slot count", "CLUSTER MYID", "",
	"CLUSTER SETSLOT", "slot IMPORTING|MIGRATING|NODE|STABLE [node-id]",
	"CLUSTER FAILOVER", "[FORCE|TAKEOVER]", "CLUSTER REPLICATE", "node-id",
	"CLUSTER MEET", "ip port", "CLUSTER FORGET", "node-id",
	"COMMAND DOCS", "[command-name ...]", "COMMAND INFO", "[command-name ...]",
	"COMMAND COUNT", "", "CONFIG GET", "parameter [parameter ...]",
	"CONFIG SET", "parameter value [parameter value ...]", "CONFIG REWRITE", "",
	"DBSIZE", "", "DECR", "key", "DECRBY", "key decrement", "DEL", "key [key ...]",
	"ECHO", "message", "EVAL", "script numkeys [key ...] [arg ...]",
	"EVALSHA", "sha1 numkeys [key ...] [arg ...]", "EXISTS", "key [key ...]",
	"EXPIRE", "key seconds [NX|XX|GT|LT]", "FLUSHALL", "[ASYNC|SYNC]",
	"FLUSHDB", "[ASYNC|SYNC]", "GET", "key", "GETDEL", "key", "GETSET", "key value",
	"HDEL", "key field [field ...]", "HELLO", "[protover [AUTH username password]]",
	"HGET", "key field", "HGETALL", "key", "HINCRBY", "key field increment",
	"HKEYS", "key", "HLEN", "key", "HMGET", "key field [field ...]",
	"HSET", "key field value [field value ...]", "HVALS", "key", "INCR", "key",
	"INCRBY", "key increment", "INFO", "[section ...]", "KEYS", "pattern",
	"LINDEX", "key index", "LLEN", "key", "LPOP", "key [count]",
	"LPUSH", "key element [element ...]", "LRANGE", "key start stop",
	"MGET", "key [key ...]", "MIGRATE", "host port key|\"\" db timeout [COPY] [REPLACE] [AUTH password] [KEYS key ...]",
	"MSET", "key value [key value ...]", "PERSIST", "key", "PING", "[message]",
	"PTTL", "key", "PUBLISH", "channel message", "READONLY", "", "READWRITE", "",
	"RENAME", "key newkey", "ROLE", "", "RPOP", "key [count]",
	"RPUSH", "key element [element ...]", "SADD", "key member [member ...]",
	"SCAN", "cursor [MATCH pattern] [COUNT count] [TYPE type]", "SCARD", "key",
	"SET", "key value [NX|XX] [GET] [EX seconds|PX milliseconds|KEEPTTL]",
	"SISMEMBER", "key member", "SMEMBERS", "key", "SREM", "key member [member ...]",
	"STRLEN", "key", "TTL", "key", "TYPE", "key", "UNLINK", "key [key ...]",
	"XADD", "key id field value [field value ...]", "XLEN", "key",
	"XRANGE", "key start end [COUNT count]", "ZADD", "key score member [score member ...]",
	"ZCARD", "key", "ZRANGE", "key start stop [WITHSCORES]", "ZSCORE", "key member",
	"ACL SETUSER", "username [rule ...]", "ACL WHOAMI", "", "ACL LIST", "",
	"SCRIPT LOAD", "script", "SCRIPT FLUSH", "", "SLOWLOG GET", "[count]",
	"MEMORY USAGE", "key [SAMPLES count]", "OBJECT ENCODING", "key",
	NULL
};

static const char *const metas[] = {
	":help", "", ":slot", "key [key ...]", ":nodes", "", ":node", "[addr|id|off]",
	":masters", "command [arg ...]", ":all", "command [arg ...]",
	":route", "[on|off] | command [arg ...]", ":split", "[on|off]",
	":readonly", "[on|off]", ":timing", "[on|off]", ":refresh", "", ":quit", "",
	":exit", "", NULL
};

static void
add_cmd(const char *name, size_t nlen, const char *hint)
{
	int i;
	char *n = rc_strndup(name, nlen), *p;

	for (p = n; *p != '\0'; p++) {
		if (*p == '|')
			*p = ' ';
		else if (*p >= 'a' && *p <= 'z' && n[0] != ':')
			*p = (char)(*p - 'a' + 'A');
	}
	for (i = 0; i < ncmds; i++)
		if (strcmp(cmds[i].name, n) == 0) {
			free(n);
			return;
		}
	cmds = rc_realloc(cmds, (size_t)(ncmds + 1) * sizeof *cmds);
	cmds[ncmds].name = n;
	cmds[ncmds].hint = rc_strdup(hint);
	ncmds++;
}

/* A field of a RESP2 flat map (an array of name, value, name, value). */
static const redisReply *
field(const redisReply *m, const char *name)
{
	size_t i;

	if (m == NULL || m->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (i = 0; i + 1 < m->elements; i += 2) {
		const redisReply *k = m->element[i];
		if ((k->type == REDIS_REPLY_STRING || k->type == REDIS_REPLY_STATUS) &&
		    strcmp(k->str, name) == 0)
			return m->element[i + 1];
	}
	return NULL;
}

static int
has_flag(const redisReply *arg, const char *flag)
{
	const redisReply *f = field(arg, "flags");
	size_t i;

	for (i = 0; f != NULL && f->type == REDIS_REPLY_ARRAY && i < f->elements; i++)
		if (f->element[i]->str != NULL && strcmp(f->element[i]->str, flag) == 0)
			return 1;
	return 0;
}

static const char *
str_of(const redisReply *x)
{
	return x != NULL && x->str != NULL ? x->str : NULL;
}

/* An argument of COMMAND DOCS as a synopsis: "[EX seconds|PX ms]". */
static void
render_arg(struct rc_buf *b, const redisReply *arg)
{
	const char *type = str_of(field(arg, "type")), *tok = str_of(field(arg, "token"));
	const char *name = str_of(field(arg, "name"));
	const redisReply *subs = field(arg, "arguments");
	struct rc_buf one = { NULL, 0, 0 };
	size_t i;

	if (type == NULL)
		return;
	if (tok != NULL) {
		rc_buf_adds(&one, tok);
		if (strcmp(type, "pure-token") != 0)
			rc_buf_addc(&one, ' ');
	}
	if ((strcmp(type, "oneof") == 0 || strcmp(type, "block") == 0) && subs != NULL &&
	    subs->type == REDIS_REPLY_ARRAY) {
		for (i = 0; i < subs->elements; i++) {
			if (i > 0)
				rc_buf_adds(&one, strcmp(type, "oneof") == 0 ? "|" : " ");
			render_arg(&one, subs->element[i]);
		}
	} else if (strcmp(type, "pure-token") != 0 && name != NULL)
		rc_buf_adds(&one, name);
	if (has_flag(arg, "optional"))
		rc_buf_addc(b, '[');
	if (one.s != NULL)
		rc_buf_add(b, one.s, one.len);
	if (has_flag(arg, "multiple")) {
		rc_buf_adds(b, " [");
		if (one.s != NULL)
			rc_buf_add(b, one.s, one.len);
		rc_buf_adds(b, " ...]");
	}
	if (has_flag(arg, "optional"))
		rc_buf_addc(b, ']');
	rc_buf_free(&one);
}

static void
add_docs(const redisReply *list)
{
	size_t i, j;

	for (i = 0; i + 1 < list->elements; i += 2) {
		const redisReply *name = list->element[i], *doc = list->element[i + 1];
		const redisReply *args = field(doc, "arguments"), *subs = field(doc, "subcommands");
		struct rc_buf h = { NULL, 0, 0 };

		if (name->str == NULL)
			continue;
		for (j = 0; args != NULL && args->type == REDIS_REPLY_ARRAY && j < args->elements; j++) {
			if (j > 0)
				rc_buf_addc(&h, ' ');
			render_arg(&h, args->element[j]);
		}
		add_cmd(name->str, name->len, h.s != NULL ? h.s : "");
		rc_buf_free(&h);
		if (subs != NULL && subs->type == REDIS_REPLY_ARRAY)
			add_docs(subs);
	}
}

/* The server's COMMAND DOCS: an array of name, docs, name, docs (RESP2),
 * nested deeper than hiredis 0.14 reads, so read by rc_cmd_deep.  Redis
 * before 7 has none: then nothing is added. */
static void
load_docs(struct repl *r)
{
	static const char *argv[] = { "COMMAND", "DOCS" };
	static const size_t argvlen[] = { 7, 4 };
	struct rc_node *n = some_master(r);
	redisReply *x;
	char err[300];

	if (n == NULL || rc_node_ctx(&r->cl, n) == NULL)
		return;
	if ((x = rc_cmd_deep(n->ctx, 2, argv, argvlen, err, sizeof err)) == NULL) {
		rc_node_drop(n, err);   /* the next command connects again */
		return;
	}
	if (x->type == REDIS_REPLY_ARRAY)
		add_docs(x);
	freeReplyObject(x);
}

/* Command names and synopses: the server's COMMAND DOCS, the built-in
 * synopses, every name from COMMAND LIST (subcommands as "cluster|nodes"),
 * and the meta-commands.  The first synopsis found for a name is kept. */
static void
load_commands(struct repl *r)
{
	redisReply *x;
	size_t j;
	int i;

	load_docs(r);
	for (i = 0; builtin_cmds[i] != NULL; i += 2)
		add_cmd(builtin_cmds[i], strlen(builtin_cmds[i]), builtin_cmds[i + 1]);
	x = rc_cluster_cmd(&r->cl, -1, "COMMAND LIST");
	for (j = 0; x->type == REDIS_REPLY_ARRAY && j < x->elements; j++)
		if (x->element[j]->type == REDIS_REPLY_STRING)
			add_cmd(x->element[j]->str, x->element[j]->len, "");
	freeReplyObject(x);
	for (i = 0; metas[i] != NULL; i += 2)
		add_cmd(metas[i], strlen(metas[i]), metas[i + 1]);
}

/* ---- interactive: secrets, prompt, completion, hints -------------------------------- */

static int
word_is(const struct rc_args *a, int i, const char *w)
{
	return i < a->argc && strcasecmp(a->argv[i], w) == 0;
}

/* s contains w, ignoring case (strcasestr is not POSIX). */
static int
contains(const char *s, const char *w)
{
	size_t wl = strlen(w);

	for (; *s != '\0'; s++)
		if (strncasecmp(s, w, wl) == 0)
			return 1;
	return 0;
}

/* A line that carries a password never goes into the history. */
static int
is_secret(const struct rc_args *a)
{
	int i, off = 0;

	if (a->argc > 0 && a->argv[0][0] == ':')
		off = 1;        /* :masters AUTH x, :route AUTH x ... */
	if (word_is(a, off, "AUTH"))
		return 1;
	if (word_is(a, off, "ACL") && word_is(a, off + 1, "SETUSER"))
		return 1;
	if (word_is(a, off, "HELLO") || word_is(a, off, "MIGRATE"))
		for (i = off + 1; i < a->argc; i++)
			if (word_is(a, i, "AUTH") || word_is(a, i, "AUTH2"))
				return 1;
	if (word_is(a, off, "CONFIG") && word_is(a, off + 1, "SET"))
		for (i = off + 2; i < a->argc; i++)
			if (contains(a->argv[i], "pass") ||
			    contains(a->argv[i], "auth"))
				return 1;
	return 0;
}

/* For a line that does not even split: keep it out if it looks secret. */
static int
looks_secret(const char *line)
{
	static const char *const words[] = { "auth", "pass", "setuser" };
	size_t i;

	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (contains(line, words[i]))
			return 1;
	return 0;
}

static char *
prompt_fn(EditLine *el)
{
	struct repl *r = the;
	char ad[300], flags[64] = "";

	(void)el;
	if (r->route)
		strcat(flags, " route");
	if (r->split)
		strcat(flags, " split");
	if (r->readonly)
		strcat(flags, " readonly");
	if (r->timing)
		strcat(flags, " timing");
	if (r->pin != NULL)
		snprintf(r->prompt, sizeof r->prompt, "%s [pinned%s]> ",
		    rc_node_addr(r->pin, ad, sizeof ad), flags);
	else if (flags[0] != '\0')
		snprintf(r->prompt, sizeof r->prompt, "%s [%s]> ",
		    rc_addr_fmt(&r->o.seed, ad, sizeof ad), flags + 1);
	else
		snprintf(r->prompt, sizeof r->prompt, "%s> ",
		    rc_addr_fmt(&r->o.seed, ad, sizeof ad));
	return r->prompt;
}

/* The words typed before the cursor, split on blanks (quotes ignored: this
 * is only for completing command names). */
static int
typed_words(EditLine *el, char words[3][128], int *partial)
{
	const LineInfo *li = el_line(el);
	const char *p = li->buffer;
	int n = 0;

	*partial = 0;
	while (p < li->cursor && n < 3) {
		size_t k = 0;
		while (p < li->cursor && (*p == ' ' || *p == '\t'))
			p++;
		if (p == li->cursor)
			break;
		while (p < li->cursor && *p != ' ' && *p != '\t') {
			if (k + 1 < sizeof words[n])
				words[n][k++] = *p;
			p++;
		}
		words[n][k] = '\0';
		n++;
		*partial = p == li->cursor;
	}
	return n;
}

/* Candidates for the word being typed: command names, or the subcommands
 * of the first word. */
static int
candidates(char words[3][128], int nw, int partial, const char **out, int max)
{
	const char *want = partial ? words[nw - 1] : "";
	int idx = partial ? nw - 1 : nw, i, n = 0;
	size_t wl = strlen(want), pl = 0;

	if (idx == 1)
		pl = strlen(words[0]);
	if (idx > 1)
		return 0;
	for (i = 0; i < ncmds && n < max; i++) {
		const char *name = cmds[i].name, *sp = strchr(name, ' ');
		if (idx == 0) {
			if (sp != NULL || strncasecmp(name, want, wl) != 0)
				continue;
			out[n++] = name;
		} else {
			if (sp == NULL || (size_t)(sp - name) != pl ||
			    strncasecmp(name, words[0], pl) != 0 ||
			    strncasecmp(sp + 1, want, wl) != 0)
				continue;
			out[n++] = sp + 1;
		}
	}
	return n;
}

static void
insert_rest(EditLine *el, const char *cand, size_t from, size_t to, int lower)
{
	char buf[256];
	size_t i, k = 0;

	for (i = from; i < to && k + 1 < sizeof buf; i++)
		buf[k++] = lower && cand[i] >= 'A' && cand[i] <= 'Z' ?
		    (char)(cand[i] - 'A' + 'a') : cand[i];
	buf[k] = '\0';
	if (k > 0)
		el_insertstr(el, buf);
}

static unsigned char
complete_fn(EditLine *el, int ch)
{
	char words[3][128];
	const char *c[512];
	int partial, nw = typed_words(el, words, &partial), n, i, lower;
	const char *want;
	size_t wl, common;

	(void)ch;
	n = candidates(words, nw, partial, c, 512);
	if (n == 0)
		return CC_ERROR;
	want = partial ? words[nw - 1] : "";
	wl = strlen(want);
	lower = wl > 0 && want[0] >= 'a' && want[0] <= 'z';
	if (n == 1) {
		insert_rest(el, c[0], wl, strlen(c[0]), lower);
		el_insertstr(el, " ");
		return CC_REFRESH;
	}
	common = strlen(c[0]);
	for (i = 1; i < n; i++) {
		size_t k = 0;
		while (k < common && c[i][k] != '\0' &&
		    (c[i][k] | 0x20) == (c[0][k] | 0x20))
			k++;
		common = k;
	}
	if (common > wl) {
		insert_rest(el, c[0], wl, common, lower);
		return CC_REFRESH;
	}
	fputc('\n', stdout);
	for (i = 0; i < n; i++)
		fprintf(stdout, "%s%s", c[i], i + 1 < n ? "  " : "\n");
	fflush(stdout);
	return CC_REDISPLAY;
}

/* A blank ends a word: insert it and redraw, so the right margin shows the
 * synopsis of the command just named (libedit redraws the right prompt only
 * on a full refresh). */
static unsigned char
space_fn(EditLine *el, int ch)
{
	char s[2] = { (char)ch, '\0' };

	el_insertstr(el, s);
	return CC_REFRESH;
}

static int hint_shown;   /* the last redraw put a hint at the right */

/* The synopsis of the command being typed, shown at the right margin. */
static char *
hint_fn(EditLine *el)
{
	static char hint[300];
	char words[3][128], full[260];
	int partial, nw = typed_words(el, words, &partial), i, best = -1;

	hint[0] = '\0';
	hint_shown = 0;
	if (nw == 0 || (nw == 1 && partial))
		return hint;
	for (i = 0; i < ncmds; i++)
		if (strcasecmp(cmds[i].name, words[0]) == 0)
			best = i;
	if (nw >= 2 && (nw > 2 || !partial)) {
		snprintf(full, sizeof full, "%s %s", words[0], words[1]);
		for (i = 0; i < ncmds; i++)
			if (strcasecmp(cmds[i].name, full) == 0)
				best = i;
	}
	if (best >= 0 && cmds[best].hint[0] != '\0') {
		snprintf(hint, sizeof hint, "%s", cmds[best].hint);
		hint_shown = 1;
	}
	return hint;
}

/* The entered line keeps its hint on the screen (libedit does not redraw
 * it on Enter): clear what follows the text, when the line took one row. */
static void
clear_hint(struct repl *r, size_t len)
{
	size_t col = strlen(r->prompt) + len;

	if (!hint_shown || col + 1 >= (size_t)rc_term_width())
		return;
	hint_shown = 0;
	fprintf(stdout, "\033[A\r\033[%zuC\033[K\r\n", col);
	fflush(stdout);
}

static char *
history_path(void)
{
	const char *e = getenv("RC_HISTFILE"), *home = getenv("HOME");
	char *p;

	if (e != NULL)
		return e[0] != '\0' ? rc_strdup(e) : NULL;
	if (home == NULL || home[0] == '\0')
		return NULL;
	p = rc_malloc(strlen(home) + 16);
	sprintf(p, "%s/.rc_history", home);
	return p;
}

static void
remember(struct repl *r, const char *line, int splits)
{
	HistEvent he;
	mode_t um;

	if (r->hist == NULL)
		return;
	if (splits ? is_secret(&r->args) : looks_secret(line))
		return;
	history(r->hist, &he, H_ENTER, line);
	if (r->histfile != NULL) {
		um = umask(077);
		history(r->hist, &he, H_SAVE, r->histfile);
		umask(um);
	}
}

static void
interactive(struct repl *r)
{
	HistEvent he;
	const char *line;
	int count;

	load_commands(r);
	r->hist = history_init();
	history(r->hist, &he, H_SETSIZE, 1000);
	history(r->hist, &he, H_SETUNIQUE, 1);
	r->histfile = history_path();
	if (r->histfile != NULL)
		history(r->hist, &he, H_LOAD, r->histfile);
	r->el = el_init(rc_progname, stdin, stdout, stderr);
	el_set(r->el, EL_EDITOR, "emacs");
	el_set(r->el, EL_SIGNAL, 1);
	el_set(r->el, EL_PROMPT, prompt_fn);
	el_set(r->el, EL_RPROMPT, hint_fn);
	el_set(r->el, EL_HIST, history, r->hist);
	el_set(r->el, EL_ADDFN, "rc-complete", "complete a command name", complete_fn);
	el_set(r->el, EL_BIND, "^I", "rc-complete", NULL);
	el_set(r->el, EL_BIND, "^R", "em-inc-search-prev", NULL);
	el_set(r->el, EL_ADDFN, "rc-space", "insert a blank, show the hint", space_fn);
	el_set(r->el, EL_BIND, " ", "rc-space", NULL);
	el_source(r->el, NULL);
	r->src = "<tty>";
	while ((line = el_gets(r->el, &count)) != NULL) {
		size_t len = (size_t)count;
		char err[200];
		int splits;

		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		clear_hint(r, len);
		r->line++;
		splits = rc_split_args(line, len, &r->args, err, sizeof err) >= 0;
		if (len > 0)
			remember(r, line, splits);
		if (run_line(r, line, len))
			break;
		rc_flush();
	}
	if (line == NULL)
		fputc('\n', stdout);
	rc_flush();
	el_end(r->el);
	history_end(r->hist);
	free(r->histfile);
	while (ncmds > 0) {
		ncmds--;
		free(cmds[ncmds].name);
		free(cmds[ncmds].hint);
	}
	free(cmds);
	cmds = NULL;
}

/*
 * -e lines in order, then the command given as arguments (its words taken
 * as they are), unless one of them ended the session (:quit).  Messages
 * say "-e:N:" for the N-th -e and "argv:N:" for the command after them.
 */
static void
run_args(struct repl *r, char **ev, int nev, int argc, char **argv)
{
	int i;

	r->src = "-e";
	for (i = 0; i < nev; i++) {
		r->line = i + 1;
		r->more_cmds = i + 1 < nev || argc > 0;
		if (run_line(r, ev[i], strlen(ev[i])))
			return;
	}
	if (argc == 0)
		return;
	r->src = "argv";
	r->line = nev + 1;
	r->more_cmds = 0;
	rc_args_clear(&r->args);
	for (i = 0; i < argc; i++)
		rc_args_add(&r->args, argv[i], strlen(argv[i]));
	if (r->args.argv[0][0] == ':')
		meta(r, &r->args);
	else
		run_command(r, &r->args);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		RC_COMMON_LONGOPTS,
		{ "eval", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 }
	};
	struct repl r;
	char **ev = NULL;
	int nev = 0, ch;

	rc_init(argv[0]);
	memset(&r, 0, sizeof r);
	the = &r;
	rc_opts_init(&r.o);
	while ((ch = rc_getopt(&r.o, argc, argv, "e:", longopts,
	    usage)) != -1) {
		switch (ch) {
		case 'e':
			ev = rc_realloc(ev, (size_t)(nev + 1) * sizeof *ev);
			ev[nev++] = optarg;
			break;
		default:
			usage(stderr);
			return RC_EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	rc_opts_done(&r.o);
	r.interactive = nev == 0 && argc == 0 && rc_isatty(STDIN_FILENO);
	if (r.o.mode == RC_MODE_TSV)
		r.mode = RC_REPLY_RAW;
	else if (r.o.mode == RC_MODE_PRETTY || rc_isatty(STDOUT_FILENO))
		r.mode = RC_REPLY_TTY;
	else
		r.mode = RC_REPLY_RAW;
	if (rc_cluster_open(&r.cl, &r.o) < 0)
		rc_die(RC_EX_CLUSTER, "%s", r.cl.err);
	r.cl.trace = on_event;
	r.cl.trace_ud = &r;
	if (nev > 0 || argc > 0) {
		run_args(&r, ev, nev, argc, argv);
		flush_pipe(&r);
	} else if (r.interactive) {
		interactive(&r);
		r.status = RC_EX_OK;    /* each problem was shown as it came */
	}
	else
		batch(&r);
	rc_flush();
	rc_args_free(&r.args);
	rc_buf_free(&r.out);
	rc_buf_free(&r.trace);
	rc_pipe_free(r.pipe);
	free(r.pend);
	free(r.ro);
	free(r.roctx);
	free(ev);
	rc_cluster_close(&r.cl);
	return r.status;
}
