/* route.c - commands sent where they belong: by slot through the cached slot
 * table, pipelined per node with all nodes working at once, redirects and
 * transient errors handled, replies handed back in request order. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include "rc.h"

struct pcmd {
	char *buf;              /* the formatted command */
	size_t len;
	int slot;               /* -1: keyless */
	struct rc_node *node;   /* pinned to this node, or NULL */
	struct rc_node *ask;    /* ASK target for the next send, or NULL */
	struct rc_node *target; /* where it goes this round */
	redisReply *reply;      /* final reply, or NULL while pending */
	redisReply *last;       /* last transient error, for giving up */
	int sent;               /* the send of this round reached the socket */
};

/* What MOVED replies taught during one exec: a refresh from a node whose view
 * lags behind must not undo them, or a command would bounce until it gave up. */
struct moved {
	int slot;
	struct rc_node *to;
};

struct rc_pipe {
	struct rc_cluster *cl;
	struct pcmd *c;
	size_t n, cap;
	struct moved *mv;
	size_t nmv;
	long block;             /* rc_pipe_block: ms the commands may block
				 * (0: for ever); -1: they do not */
	int (*stop)(void *ud);  /* rc_pipe_block: asked while a reply is awaited */
	void *stop_ud;
	int stopped;            /* stop said 1 */
};

struct rc_pipe *
rc_pipe_new(struct rc_cluster *cl)
{
	struct rc_pipe *p = rc_calloc(1, sizeof *p);

	p->cl = cl;
	p->block = -1;
	return p;
}

void
rc_pipe_block(struct rc_pipe *p, long ms, int (*stop)(void *ud), void *ud)
{
	/* Beyond a month is for ever (and no sum below overflows). */
	p->block = ms < 0 ? -1 : ms > RC_BLOCK_FOREVER_MS ? 0 : ms;
	p->stop = stop;
	p->stop_ud = ud;
}

static struct pcmd *
push(struct rc_pipe *p, int slot, struct rc_node *node, char *buf, int len)
{
	struct pcmd *c;

	if (len < 0)
		rc_die(RC_EX_USAGE, "cannot format a command (bad format or out of memory)");
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->c = rc_realloc(p->c, p->cap * sizeof *p->c);
	}
	c = &p->c[p->n++];
	memset(c, 0, sizeof *c);
	c->buf = buf;
	c->len = (size_t)len;
	c->slot = slot;
	c->node = node;
	return c;
}

void
rc_pipe_argv(struct rc_pipe *p, int slot, int argc, const char **argv,
    const size_t *argvlen)
{
	char *buf = NULL;
	int len = redisFormatCommandArgv(&buf, argc, argv, argvlen);

	push(p, slot, NULL, buf, len);
}

void
rc_pipe_node_argv(struct rc_pipe *p, struct rc_node *n, int argc,
    const char **argv, const size_t *argvlen)
{
	char *buf = NULL;
	int len = redisFormatCommandArgv(&buf, argc, argv, argvlen);

	push(p, -1, n, buf, len);
}

/* The words of a NULL-terminated list, queued as one command. */
static void
vpushv(struct rc_pipe *p, int slot, struct rc_node *n, const char *arg, va_list ap)
{
	const char *argv[RC_CMDV_MAX];
	size_t argvlen[RC_CMDV_MAX];
	const char *s;
	char *buf = NULL;
	int argc = 0, len;

	for (s = arg; s != NULL && argc < RC_CMDV_MAX; s = va_arg(ap, const char *)) {
		argv[argc] = s;
		argvlen[argc++] = strlen(s);
	}
	len = redisFormatCommandArgv(&buf, argc, argv, argvlen);
	push(p, slot, n, buf, len);
}

void
rc_pipe_cmdv(struct rc_pipe *p, int slot, const char *arg, ...)
{
	va_list ap;

	va_start(ap, arg);
	vpushv(p, slot, NULL, arg, ap);
	va_end(ap);
}

void
rc_pipe_node_cmdv(struct rc_pipe *p, struct rc_node *n, const char *arg, ...)
{
	va_list ap;

	va_start(ap, arg);
	vpushv(p, -1, n, arg, ap);
	va_end(ap);
}

size_t
rc_pipe_len(const struct rc_pipe *p)
{
	return p->n;
}

redisReply *
rc_pipe_reply(struct rc_pipe *p, size_t i)
{
	return i < p->n ? p->c[i].reply : NULL;
}

void
rc_pipe_reset(struct rc_pipe *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		redisFreeCommand(p->c[i].buf);
		if (p->c[i].reply != NULL)
			freeReplyObject(p->c[i].reply);
		if (p->c[i].last != NULL)
			freeReplyObject(p->c[i].last);
	}
	p->n = 0;
	p->nmv = 0;
	p->stopped = 0;
}

void
rc_pipe_free(struct rc_pipe *p)
{
	if (p == NULL)
		return;
	rc_pipe_reset(p);
	free(p->c);
	free(p->mv);
	free(p);
}

void
rc_cluster_trace(struct rc_cluster *cl, int kind, int slot, const struct rc_node *n,
    const char *detail)
{
	struct rc_event ev;

	if (cl->trace == NULL)
		return;
	ev.kind = kind;
	ev.slot = slot;
	ev.node = n;
	ev.detail = detail;
	cl->trace(cl->trace_ud, &ev);
}

/* Any master that is not known to be down, the seed first. */
static struct rc_node *
any_master(struct rc_cluster *cl)
{
	int i;

	if (cl->seed != NULL && rc_node_is_master(cl->seed) && !cl->seed->down)
		return cl->seed;
	for (i = 0; i < cl->nnodes; i++)
		if (rc_node_is_master(cl->nodes[i]) && !cl->nodes[i]->down &&
		    !(cl->nodes[i]->flags & RC_NF_FAIL))
			return cl->nodes[i];
	for (i = 0; i < cl->nnodes; i++)
		if (rc_node_is_master(cl->nodes[i]))
			return cl->nodes[i];
	return cl->nnodes > 0 ? cl->nodes[0] : NULL;
}

/* The node a MOVED or ASK names; one we have never seen is added. */
static struct rc_node *
node_at(struct rc_cluster *cl, const char *addrtxt, size_t len)
{
	struct rc_addr a;
	struct rc_node *n;
	char buf[300];

	if (len >= sizeof buf)
		return NULL;
	memcpy(buf, addrtxt, len);
	buf[len] = '\0';
	/* The server writes IPv6 without brackets: the last ':' ends the host. */
	{
		char *colon = strrchr(buf, ':');
		long port;
		if (colon == NULL || rc_parse_long(colon + 1, 1, 65535, &port) < 0 ||
		    (size_t)(colon - buf) >= sizeof a.host)
			return NULL;
		memcpy(a.host, buf, (size_t)(colon - buf));
		a.host[colon - buf] = '\0';
		a.port = (int)port;
	}
	if ((n = rc_cluster_by_addr(cl, &a)) != NULL)
		return n;
	/* Not in the table yet (a node just added): a record with no id, which
	 * the next refresh fills in by address. */
	n = rc_calloc(1, sizeof *n);
	n->addr = a;
	n->flags = RC_NF_MASTER;
	n->repl_offset = -1;
	cl->all = rc_realloc(cl->all, (size_t)(cl->nall + 1) * sizeof *cl->all);
	cl->all[cl->nall++] = n;
	cl->nodes = rc_realloc(cl->nodes, (size_t)(cl->nnodes + 1) * sizeof *cl->nodes);
	cl->nodes[cl->nnodes++] = n;
	return n;
}

/* Parses "MOVED 3999 127.0.0.1:6381" / "ASK ..." into slot and node. */
static struct rc_node *
redirect(struct rc_cluster *cl, const redisReply *r, int *slot)
{
	const char *p = r->str, *end = r->str + r->len, *sp1, *sp2;
	long s;
	char num[8];

	sp1 = memchr(p, ' ', (size_t)(end - p));
	if (sp1 == NULL)
		return NULL;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (sp2 == NULL || sp2 - sp1 - 1 >= (long)sizeof num)
		return NULL;
	memcpy(num, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	num[sp2 - sp1 - 1] = '\0';
	if (rc_parse_long(num, 0, RC_NSLOTS - 1, &s) < 0)
		return NULL;
	*slot = (int)s;
	return node_at(cl, sp2 + 1, (size_t)(end - sp2 - 1));
}

static void
set_last(struct pcmd *c, redisReply *r)
{
	if (c->last != NULL)
		freeReplyObject(c->last);
	c->last = r;
}

/* A connection whose peer has gone (a node killed while we were idle) has
 * its FIN or RST waiting: seen before sending, the command is known not to
 * have run and can go elsewhere, instead of failing as "may have run". */
static int
peer_gone(redisContext *c)
{
	char b;
	ssize_t n;

	if (c->obuf != NULL && c->obuf[0] != '\0')
		return 0;
	n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR);
}

/* One round of a pipeline's window [lo, hi): the nodes it goes to, and what
 * the round found. */
struct round {
	struct rc_pipe *p;
	size_t lo, hi;
	struct rc_node **targets;
	size_t nt;
	size_t again;           /* commands that want another round */
	int wait;               /* a backoff is due (transient errors) */
};

/* A command that was not sent this round and may be tried again: why. */
static void
retry_later(struct round *rd, struct pcmd *c, redisReply *why)
{
	set_last(c, why);
	rd->p->cl->stale = 1;
	rd->wait = 1;
	rd->again++;
}

/* Where each pending command goes this round, and the distinct nodes. */
static void
pick_targets(struct round *rd)
{
	struct rc_cluster *cl = rd->p->cl;
	size_t i, t;

	for (i = rd->lo; i < rd->hi; i++) {
		struct pcmd *c = &rd->p->c[i];
		if (c->reply != NULL)
			continue;
		c->sent = 0;
		if (c->node != NULL)
			c->target = c->node;
		else if (c->ask != NULL)
			c->target = c->ask;
		else if (c->slot >= 0)
			c->target = cl->owner[c->slot];
		else
			c->target = any_master(cl);
		if (c->target == NULL) {
			retry_later(rd, c, rc_reply_error("CLUSTERDOWN Hash slot %d is "
			    "not served by any master", c->slot));
			continue;
		}
		for (t = 0; t < rd->nt && rd->targets[t] != c->target; t++)
			;
		if (t == rd->nt) {
			rd->targets = rc_realloc(rd->targets, (rd->nt + 1) * sizeof *rd->targets);
			rd->targets[rd->nt++] = c->target;
		}
	}
}

/* Queues every command of the round that goes to n on n's connection. */
static void
queue_on(struct round *rd, struct rc_node *n)
{
	struct rc_cluster *cl = rd->p->cl;
	redisContext *ctx;
	size_t i;

	if (n->ctx != NULL && peer_gone(n->ctx))
		rc_node_drop(n, "connection closed by the node");
	ctx = rc_node_ctx(cl, n);
	for (i = rd->lo; i < rd->hi; i++) {
		struct pcmd *c = &rd->p->c[i];
		if (c->reply != NULL || c->target != n)
			continue;
		if (ctx == NULL && rc_text_kind(n->err) == RC_K_AUTH) {
			/* A password this node refuses: no retry makes it
			 * take it, so the command fails now, with the hint. */
			char said[600];
			c->reply = rc_reply_error("%s", rc_refusal_say(n->err,
			    cl->opts.user, NULL, said, sizeof said));
			rc_cluster_trace(cl, RC_EV_CONN, c->slot, n, n->err);
			continue;
		}
		if (ctx == NULL) {
			/* Never sent: safe to try again after a refresh. */
			retry_later(rd, c, rc_reply_error("CONNERR %s", n->err));
			rc_cluster_trace(cl, RC_EV_CONN, c->slot, n, n->err);
			continue;
		}
		if (c->ask != NULL)
			redisAppendCommand(ctx, "ASKING");
		redisAppendFormattedCommand(ctx, c->buf, c->len);
		c->sent = 1;
		rc_cluster_trace(cl, RC_EV_SEND, c->slot, n, NULL);
	}
}

/* Writes everything out to every node before anything is read. */
static void
write_all(struct round *rd)
{
	size_t t;

	for (t = 0; t < rd->nt; t++) {
		redisContext *ctx = rd->targets[t]->ctx;
		int done = 0;
		while (ctx != NULL && !done)
			if (redisBufferWrite(ctx, &done) != REDIS_OK)
				break;
	}
}

/* A MOVED or ASK for c: 1 when it goes round again (to the node named). */
static int
redirected(struct round *rd, struct pcmd *c, redisReply *r, int kind)
{
	struct rc_pipe *p = rd->p;
	struct rc_cluster *cl = p->cl;
	struct rc_node *to;
	int s;

	to = redirect(cl, r, &s);
	if (kind == RC_K_MOVED) {
		cl->nmoved++;
		rc_cluster_trace(cl, RC_EV_MOVED, c->slot, to, r->str);
		if (to == NULL)
			return 0;
		cl->owner[s] = to;
		cl->stale = 1;
		p->mv = rc_realloc(p->mv, (p->nmv + 1) * sizeof *p->mv);
		p->mv[p->nmv].slot = s;
		p->mv[p->nmv++].to = to;
	} else {
		cl->nask++;
		rc_cluster_trace(cl, RC_EV_ASK, c->slot, to, r->str);
		if (to == NULL)
			return 0;
		c->ask = to;
	}
	set_last(c, r);
	rd->again++;
	return 1;
}

/* What n's reply r means for c: redirected, retried, or c's reply. */
static void
take_reply(struct round *rd, struct pcmd *c, struct rc_node *n, redisReply *r)
{
	struct rc_cluster *cl = rd->p->cl;
	int kind = rc_reply_kind(r);

	c->ask = NULL;
	if (c->node == NULL && (kind == RC_K_MOVED || kind == RC_K_ASK)) {
		if (redirected(rd, c, r, kind))
			return;
	} else if (kind == RC_K_TRANSIENT) {
		cl->nretry++;
		rc_cluster_trace(cl, RC_EV_RETRY, c->slot, n, r->str);
		/* The slot table may be what is wrong: a node that says the
		 * cluster is down, or that it is a replica now (READONLY). */
		if (rc_reply_is_err(r, "CLUSTERDOWN") || rc_reply_is_err(r, "READONLY"))
			cl->stale = 1;
		set_last(c, r);
		rd->wait = 1;
		rd->again++;
		return;
	}
	c->reply = r;
}

/*
 * A blocking command's reply (rc_pipe_block) is awaited here, not in a read
 * under the socket's timeout: as long as the command may block plus the
 * handle's timeout, on whichever node it went to (one a MOVED or ASK named
 * too), asking stop between short waits and whenever a signal comes.  1
 * when there is something to read; 0 when the wait ended, n dropped: timed
 * out, or stopped (p->stopped), unless the reply was there by then.
 */
static int
await_reply(struct rc_pipe *p, struct rc_node *n)
{
	struct rc_cluster *cl = p->cl;
	redisContext *c = n->ctx;
	uint64_t end = 0;
	char why[64];

	if (p->block > 0)
		end = rc_now_us() + (uint64_t)(p->block + cl->opts.timeout_ms) * 1000;
	for (;;) {
		struct pollfd pf = { c->fd, POLLIN, 0 };
		long slice;
		uint64_t now;

		if (c->reader->pos < c->reader->len)
			return 1;       /* some of it came with an earlier read */
		if (p->stopped || (p->stop != NULL && p->stop(p->stop_ud))) {
			p->stopped = 1;
			if (poll(&pf, 1, 0) > 0)
				return 1;
			/* Closed, the node ends the command (a BLPOP pops
			 * nothing more); the next command connects again,
			 * with the handle's state.  Not down: nothing failed. */
			rc_node_drop(n, "interrupted");
			n->down = 0;
			return 0;
		}
		now = rc_now_us();
		if (end != 0 && now >= end) {
			snprintf(why, sizeof why, "no reply within %.3g s (timeout)",
			    (double)(p->block + cl->opts.timeout_ms) / 1000);
			rc_node_drop(n, why);
			return 0;
		}
		/* Short waits when stop is to be asked; else a minute at most. */
		slice = p->stop != NULL ? 100 : 60000;
		if (end != 0 && (end - now) / 1000 < (uint64_t)slice)
			slice = (long)((end - now) / 1000) + 1;
		if (poll(&pf, 1, (int)slice) > 0)
			return 1;
	}
}

/* n's next reply into *rv: REDIS_OK, or REDIS_ERR (the caller drops n). */
static int
next_reply(struct rc_pipe *p, struct rc_node *n, void **rv)
{
	*rv = NULL;
	if (n->ctx == NULL || (p->block >= 0 && !await_reply(p, n)))
		return REDIS_ERR;
	return redisGetReply(n->ctx, rv);
}

/* Collects n's replies in the order sent. */
static void
collect_from(struct round *rd, struct rc_node *n)
{
	struct rc_pipe *p = rd->p;
	struct rc_cluster *cl = p->cl;
	size_t i;

	for (i = rd->lo; i < rd->hi; i++) {
		struct pcmd *c = &p->c[i];
		void *rv = NULL;
		char a[300];

		if (c->reply != NULL || c->target != n || !c->sent)
			continue;
		if (c->ask != NULL && next_reply(p, n, &rv) == REDIS_OK && rv != NULL)
			freeReplyObject(rv);    /* ASKING's OK */
		if (next_reply(p, n, &rv) == REDIS_OK && rv != NULL) {
			take_reply(rd, c, n, rv);
			continue;
		}
		if (n->ctx != NULL)
			rc_node_drop(n, rc_errstr(n->ctx));
		if (p->stopped && !n->down) {
			c->reply = rc_reply_error(RC_INTERRUPTED " the connection to %s was "
			    "closed (the command may or may not have run)",
			    rc_node_addr(n, a, sizeof a));
			continue;
		}
		/* It may have run: never sent twice. */
		c->reply = rc_reply_error("IOERR %s (the command may or may not have run)",
		    n->err[0] ? n->err : rc_node_addr(n, a, sizeof a));
		rc_cluster_trace(cl, RC_EV_CONN, c->slot, n, n->err);
		cl->stale = 1;
	}
}

/* One round: every pending command goes to its node; all nodes get their
 * whole batch before any reply is read, so they work at the same time.
 * Returns how many commands want another round, and whether a backoff is
 * due (transient errors) in *wait. */
static size_t
round_trip(struct rc_pipe *p, size_t lo, size_t hi, int *wait)
{
	struct round rd;
	size_t t;

	memset(&rd, 0, sizeof rd);
	rd.p = p;
	rd.lo = lo;
	rd.hi = hi;
	pick_targets(&rd);
	for (t = 0; t < rd.nt; t++)
		queue_on(&rd, rd.targets[t]);
	write_all(&rd);
	for (t = 0; t < rd.nt; t++)
		collect_from(&rd, rd.targets[t]);
	free(rd.targets);
	if (rd.wait)
		*wait = 1;
	return rd.again;
}

/* Commands go out in windows so neither side buffers without bound. */
#define WINDOW 8192

size_t
rc_pipe_exec(struct rc_pipe *p)
{
	struct rc_cluster *cl = p->cl;
	size_t lo, hi, i, nerr = 0;

	for (lo = 0; lo < p->n; lo = hi) {
		int round, backoff = 10;

		hi = lo + WINDOW < p->n ? lo + WINDOW : p->n;
		for (round = 0; ; round++) {
			int wait = 0;
			size_t k;
			if (cl->stale && rc_cluster_refresh(cl) == 0)
				for (k = 0; k < p->nmv; k++)
					cl->owner[p->mv[k].slot] = p->mv[k].to;
			if (round_trip(p, lo, hi, &wait) == 0)
				break;
			if (round >= cl->max_retries)
				break;
			if (wait) {
				rc_sleep_ms(backoff);
				backoff = backoff * 2 > 500 ? 500 : backoff * 2;
			}
		}
		/* What is still pending gives up with the last error it saw. */
		for (i = lo; i < hi; i++) {
			struct pcmd *c = &p->c[i];
			if (c->reply == NULL) {
				c->reply = c->last != NULL ? c->last :
				    rc_reply_error("ERR gave up after %d tries", cl->max_retries);
				c->last = NULL;
			}
		}
	}
	for (i = 0; i < p->n; i++)
		nerr += p->c[i].reply->type == REDIS_REPLY_ERROR;
	return nerr;
}

/* Runs a pipeline of one command and hands its reply over. */
static redisReply *
one(struct rc_pipe *p)
{
	redisReply *r;

	rc_pipe_exec(p);
	r = p->c[0].reply;
	p->c[0].reply = NULL;
	rc_pipe_free(p);
	return r;
}

redisReply *
rc_cluster_argv(struct rc_cluster *cl, int slot, int argc, const char **argv,
    const size_t *argvlen)
{
	struct rc_pipe *p = rc_pipe_new(cl);

	rc_pipe_argv(p, slot, argc, argv, argvlen);
	return one(p);
}

redisReply *
rc_cluster_cmdv(struct rc_cluster *cl, int slot, const char *arg, ...)
{
	struct rc_pipe *p = rc_pipe_new(cl);
	va_list ap;

	va_start(ap, arg);
	vpushv(p, slot, NULL, arg, ap);
	va_end(ap);
	return one(p);
}
