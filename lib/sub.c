/*
 * sub.c - a connection that streams messages.  After SUBSCRIBE, PSUBSCRIBE,
 * SSUBSCRIBE or MONITOR a connection only pushes messages, so it is one of
 * its own, never a cluster handle's, and it is read here rather than by
 * hiredis's blocking call: the caller can end the wait (Ctrl-C, the next
 * line of input) without a message having to come first.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rc.h"

/* How often a sharded subscription follows MOVED before its error is the
 * answer. */
#define SUB_TRIES 3

static void
fail(struct rc_sub *s, const char *why)
{
	snprintf(s->err, sizeof s->err, "%s: %s", s->who, why);
}

/* Sends the command on a new connection to n and reads its first reply. */
static int
start(struct rc_sub *s, struct rc_cluster *cl, struct rc_node *n, int argc,
    const char **argv, const size_t *argvlen, redisReply **first)
{
	int done = 0;

	rc_node_addr(n, s->who, sizeof s->who);
	if ((s->ctx = rc_connect(&n->addr, &cl->opts, s->err, sizeof s->err)) == NULL)
		return -1;
	redisAppendCommandArgv(s->ctx, argc, argv, argvlen);
	while (!done)
		if (redisBufferWrite(s->ctx, &done) != REDIS_OK) {
			fail(s, rc_errstr(s->ctx));
			rc_sub_close(s);
			return -1;
		}
	if (rc_sub_next(s, cl->opts.timeout_ms, -1, NULL, NULL, first) <= 0) {
		rc_sub_close(s);
		return -1;
	}
	return 0;
}

int
rc_sub_open(struct rc_sub *s, struct rc_cluster *cl, struct rc_node *n, int argc,
    const char **argv, const size_t *argvlen, redisReply **first)
{
	int sharded = argc > 1 && strcasecmp(argv[0], "SSUBSCRIBE") == 0;
	int slot = sharded ? (int)rc_keyslot(argv[1], argvlen[1]) : -1, tries;
	struct rc_node *to = n;

	memset(s, 0, sizeof *s);
	*first = NULL;
	for (tries = 0; tries < SUB_TRIES; tries++) {
		if (cl->stale)
			rc_cluster_refresh(cl);
		if (n == NULL)
			to = slot >= 0 ? rc_cluster_owner(cl, slot) : rc_cluster_any_master(cl);
		if (to == NULL) {
			snprintf(s->err, sizeof s->err, "no master serves the channel's slot");
			return -1;
		}
		rc_cluster_trace(cl, RC_EV_SEND, slot, to, NULL);
		if (start(s, cl, to, argc, argv, argvlen, first) < 0)
			return -1;
		/* A sharded channel's master that no longer has the slot. */
		if (n != NULL || rc_reply_kind(*first) != RC_K_MOVED || tries + 1 == SUB_TRIES)
			break;
		rc_cluster_trace(cl, RC_EV_MOVED, slot, to, (*first)->str);
		cl->stale = 1;
		freeReplyObject(*first);
		*first = NULL;
		rc_sub_close(s);
	}
	return 0;
}

/* Waits for the connection (or wake_fd) to be readable and reads what came;
 * 0, or -1 with s->err. */
static int
wait_readable(struct rc_sub *s, int timeout_ms, int wake_fd)
{
	struct pollfd pf[2];
	int k;

	pf[0].fd = s->ctx->fd;
	pf[1].fd = wake_fd;
	pf[0].events = pf[1].events = POLLIN;
	pf[0].revents = pf[1].revents = 0;
	if ((k = poll(pf, 2, timeout_ms)) < 0 && errno != EINTR) {
		fail(s, strerror(errno));
		return -1;
	}
	if (k == 0) {
		fail(s, "no reply within the timeout");
		return -1;
	}
	if (k > 0 && pf[0].revents != 0 && redisBufferRead(s->ctx) != REDIS_OK) {
		fail(s, rc_errstr(s->ctx));
		return -1;
	}
	return 0;
}

int
rc_sub_next(struct rc_sub *s, int timeout_ms, int wake_fd, int (*stop)(void *ud),
    void *ud, redisReply **out)
{
	for (;;) {
		void *rv = NULL;

		if (redisGetReplyFromReader(s->ctx, &rv) != REDIS_OK) {
			fail(s, rc_errstr(s->ctx));
			return -1;
		}
		if (rv != NULL) {
			*out = rv;
			return 1;
		}
		if (stop != NULL && stop(ud))
			return 0;
		if (wait_readable(s, timeout_ms, wake_fd) < 0)
			return -1;
	}
}

int
rc_sub_over(const redisReply *msg)
{
	const redisReply *kind;

	if (msg->elements != 3 || msg->element == NULL)
		return 0;
	kind = msg->element[0];
	return kind->type == REDIS_REPLY_STRING && kind->len >= 11 &&
	    strcasecmp(kind->str + kind->len - 11, "unsubscribe") == 0 &&
	    msg->element[2]->type == REDIS_REPLY_INTEGER && msg->element[2]->integer == 0;
}

void
rc_sub_close(struct rc_sub *s)
{
	if (s->ctx != NULL)
		redisFree(s->ctx);
	s->ctx = NULL;
}
