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
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
	struct rc_node *pin;
	const char *src;                /* "<stdin>" or "-e" */
	long line;                      /* the current input line */
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

/* Commands that must not be pipelined with others: they block, change the
 * connection's state, or only make sense one at a time. */
static int
pipelinable(const struct rc_args *a)
{
	static const char *const no[] = {
		"MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "BLPOP", "BRPOP",
		"BLMOVE", "BRPOPLPUSH", "BZPOPMIN", "BZPOPMAX", "BLMPOP", "BZMPOP",
		"XREAD", "XREADGROUP", "WAIT", "SUBSCRIBE", "SSUBSCRIBE", "PSUBSCRIBE",
		"MONITOR", "SELECT", "READONLY", "READWRITE", "ASKING", "AUTH", "HELLO",
		"CLIENT", "RESET", "QUIT",
	};
	size_t i;

	for (i = 0; i < sizeof no / sizeof no[0]; i++)
		if (is_cmd(a, 0, no[i]))
			return 0;
	return 1;
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

/* Runs argv on one node, no redirects followed: the node's own answer. */
static void
on_node(struct repl *r, struct rc_node *n, struct rc_args *a, const char *label)
{
	struct rc_pipe *p = rc_pipe_new(&r->cl);

	trace_begin(r, label);
	rc_pipe_node_argv(p, n, a->argc, (const char **)a->argv, a->argvlen);
	rc_pipe_exec(p);
	trace_end(r);
	show(r, rc_pipe_reply(p, 0), r->line);
	rc_pipe_free(p);
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

/* One server command, routed. */
static void
run_command(struct repl *r, struct rc_args *a)
{
	int slot = rc_command_slot(a->argc, (const char **)a->argv, a->argvlen);
	int kind = split_kind(a);
	int simple = !r->route && !r->route_once && !r->timing && !r->interactive &&
	    r->pin == NULL && !(r->readonly && is_read(a)) && !(r->split && kind != SP_NONE);
	uint64_t t0;
	redisReply *rep;

#ifndef REDIS_REPLY_MAP
	if (is_cmd(a, 0, "HELLO") && a->argc > 1 && strcmp(a->argv[1], "2") != 0) {
		flush_pipe(r);
		complain(r, RC_EX_USAGE, "RESP3 needs hiredis 1.x; this rc-repl was built with hiredis %d.%d and speaks RESP2",
		    HIREDIS_MAJOR, HIREDIS_MINOR);
		return;
	}
#endif
	if (simple && slot >= 0 && pipelinable(a)) {
		queue(r, slot, a);
		return;
	}
	flush_pipe(r);
	t0 = rc_now_us();
	if (r->pin != NULL) {
		if (pinned_ctx(r, r->pin) == NULL)
			return;
		on_node(r, r->pin, a, "pinned");
		show_timing(r, t0);
		return;
	}
	if (r->split && kind != SP_NONE && run_split(r, a, kind)) {
		show_timing(r, t0);
		return;
	}
	if (r->readonly && slot >= 0 && is_read(a)) {
		struct rc_node *rep_node = read_replica(r, slot);
		if (rep_node != NULL) {
			char label[64];
			snprintf(label, sizeof label, "slot %d, replica read", slot);
			on_node(r, rep_node, a, label);
			show_timing(r, t0);
			return;
		}
	}
	trace_begin(r, NULL);
	rep = rc_cluster_argv(&r->cl, slot, a->argc, (const char **)a->argv, a->argvlen);
	trace_end(r);
	show(r, rep, r->line);
	freeReplyObject(rep);
	show_timing(r, t0);
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

static void
meta_nodes(struct repl *r)
{
	int i;

	for (i = 0; i < r->cl.nnodes; i++) {
		struct rc_node *n = r->cl.nodes[i];
		char ad[300], rg[200], ma[300];
		const char *role = rc_node_is_master(n) ? "master" : "replica";

		rc_node_addr(n, ad, sizeof ad);
		rc_ranges_fmt(n->ranges, n->nranges, rg, sizeof rg);
		if (n->master != NULL)
			rc_node_addr(n->master, ma, sizeof ma);
		else
			strcpy(ma, "-");
		if (r->mode == RC_REPLY_RAW)
			rc_putf("%s\t%s\t%s\t%d\t%s%s\n", ad, role,
			    rc_node_is_master(n) && n->nranges ? rg : "-", n->nslots, ma,
			    n->flags & RC_NF_FAIL ? "\tfail" : "");
		else if (rc_node_is_master(n))
			rc_putf("%-22s master   %5d slots  %s%s%s\n", ad, n->nslots,
			    n->nranges ? rg : "-", n->flags & RC_NF_FAIL ? "  (fail)" : "",
			    n == r->pin ? "  [pinned]" : "");
		else
			rc_putf("%-22s replica  of %s%s%s\n", ad, ma,
			    n->flags & RC_NF_FAIL ? "  (fail)" : "",
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
	int i, n = 0;

	if (a->argc < 2) {
		complain(r, RC_EX_USAGE, "usage: %s CMD [ARG...]", a->argv[0]);
		return;
	}
	sub.argc = a->argc - 1;
	sub.argv = a->argv + 1;
	sub.argvlen = a->argvlen + 1;
	list = rc_calloc((size_t)r->cl.nnodes, sizeof *list);
	for (i = 0; i < r->cl.nnodes; i++)
		if (!masters_only || rc_node_is_master(r->cl.nodes[i]))
			list[n++] = r->cl.nodes[i];
	p = rc_pipe_new(&r->cl);
	for (i = 0; i < n; i++) {
		if (rc_node_ctx(&r->cl, list[i]) == NULL)
			continue;
		rc_pipe_node_argv(p, list[i], sub.argc, (const char **)sub.argv, sub.argvlen);
	}
	rc_pipe_exec(p);
	{
		size_t k = 0;
		for (i = 0; i < n; i++) {
			char ad[300];
			rc_node_addr(list[i], ad, sizeof ad);
			if (list[i]->ctx == NULL && (k >= rc_pipe_len(p))) {
				complain(r, RC_EX_CLUSTER, "%s: down: %s", ad, list[i]->err);
				continue;
			}
			if (list[i]->down && list[i]->ctx == NULL) {
				complain(r, RC_EX_CLUSTER, "%s: down: %s", ad, list[i]->err);
				continue;
			}
			rc_putf("%s%s\n", ad, r->mode == RC_REPLY_TTY ? ":" : "");
			show(r, rc_pipe_reply(p, k++), r->line);
		}
	}
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

static void
batch(struct repl *r)
{
	struct rc_reader rd;
	ssize_t len;
	char *line;

	r->src = "<stdin>";
	rc_reader_init(&rd, STDIN_FILENO, "<stdin>");
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
	rc_reader_free(&rd);
}

/* ---- interactive ------------------------------------------------------------------ */

static void
interactive(struct repl *r)
{
	batch(r);
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
	int nev = 0, ch, i;

	rc_init(argv[0]);
	memset(&r, 0, sizeof r);
	the = &r;
	rc_opts_init(&r.o);
	while ((ch = getopt_long(argc, argv, RC_COMMON_SHORTOPTS "e:", longopts,
	    NULL)) != -1) {
		if (rc_opts_parse(&r.o, ch, optarg))
			continue;
		switch (ch) {
		case 'e':
			ev = rc_realloc(ev, (size_t)(nev + 1) * sizeof *ev);
			ev[nev++] = optarg;
			break;
		case 'h':
			usage(stdout);
			return RC_EX_OK;
		case 'V':
			rc_version();
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
		r.src = "-e";
		for (i = 0; i < nev; i++) {
			r.line = i + 1;
			if (run_line(&r, ev[i], strlen(ev[i])))
				break;
		}
		if (argc > 0) {
			r.line = nev + 1;
			r.src = "argv";
			for (i = 0; i < argc; i++) {
				if (r.args.argc == r.args.cap) {
					r.args.cap = r.args.cap ? r.args.cap * 2 : 8;
					r.args.argv = rc_realloc(r.args.argv, (size_t)r.args.cap * sizeof *r.args.argv);
					r.args.argvlen = rc_realloc(r.args.argvlen, (size_t)r.args.cap * sizeof *r.args.argvlen);
				}
				r.args.argv[r.args.argc] = rc_strdup(argv[i]);
				r.args.argvlen[r.args.argc++] = strlen(argv[i]);
			}
			if (r.args.argv[0][0] == ':')
				meta(&r, &r.args);
			else
				run_command(&r, &r.args);
		}
		flush_pipe(&r);
	} else if (r.interactive)
		interactive(&r);
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
