/* conn.c - one connection: connect with a timeout, authenticate, check replies. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "rc.h"

static struct timeval
tv_ms(long ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return tv;
}

/* hiredis writes to sockets with plain write(): a peer that died would
 * kill us with SIGPIPE instead of giving us an error to report. */
static void
ignore_sigpipe(void)
{
	static int done;

	if (!done) {
		signal(SIGPIPE, SIG_IGN);
		done = 1;
	}
}


/* "1.5" for 1500 ms, "5" for 5000: a timeout as people write it. */
static void
secs_fmt(long ms, char *buf, size_t n)
{
	if (ms % 1000 == 0)
		snprintf(buf, n, "%ld", ms / 1000);
	else
		snprintf(buf, n, "%.3g", (double)ms / 1000);
}

/* A timed-out read or write leaves the errno text of the socket's timeout
 * in errstr ("Resource temporarily unavailable"; hiredis 1.x may say
 * "Timeout" or "recv timeout"), which tells the user nothing: it is said
 * as what it is, with the timeout the socket had.  The text is rewritten
 * in the context itself, so it stays as long as the context does. */
const char *
rc_errstr(const redisContext *cc)
{
	/* The context is the caller's, not const; only its text changes. */
	redisContext *c = (redisContext *)(uintptr_t)cc;
	struct timeval tv;
	socklen_t len = sizeof tv;
	char s[32];
	int timedout;

	if (c == NULL)
		return "no connection";
	if (c->errstr[0] == '\0')
		return "connection lost";
	/* Garbage on the wire (an HTTP server, an absurd length) is said as
	 * such once, so that rc_text_kind knows no retry helps. */
	if (c->err == REDIS_ERR_PROTOCOL && strncmp(c->errstr, RC_PROTO_ERR,
	    strlen(RC_PROTO_ERR)) != 0) {
		char was[sizeof c->errstr];
		snprintf(was, sizeof was, "%s", c->errstr);
		snprintf(c->errstr, sizeof c->errstr, RC_PROTO_ERR " (%.90s)", was);
		return c->errstr;
	}
	timedout = strcmp(c->errstr, strerror(EAGAIN)) == 0 ||
	    strcmp(c->errstr, strerror(EWOULDBLOCK)) == 0 ||
	    strcmp(c->errstr, "Timeout") == 0 || strcmp(c->errstr, "recv timeout") == 0;
#ifdef REDIS_ERR_TIMEOUT
	timedout |= c->err == REDIS_ERR_TIMEOUT;
#endif
	if (!timedout)
		return c->errstr;
	if (c->fd >= 0 && getsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) == 0 &&
	    (tv.tv_sec > 0 || tv.tv_usec > 0)) {
		secs_fmt((long)tv.tv_sec * 1000 + (long)tv.tv_usec / 1000, s, sizeof s);
		snprintf(c->errstr, sizeof c->errstr, "no reply within %s s (timeout)", s);
	} else
		snprintf(c->errstr, sizeof c->errstr, "no reply in time (timeout)");
	return c->errstr;
}

/* The reason a connect failed; a connect that timed out says how long it
 * waited. */
static const char *
connect_err(redisContext *c, long ms, char *buf, size_t n)
{
	char s[32];

	if (c->err == REDIS_ERR_IO && strcmp(c->errstr, strerror(ETIMEDOUT)) == 0) {
		secs_fmt(ms, s, sizeof s);
		snprintf(buf, n, "no connection within %s s (timeout)", s);
		return buf;
	}
	return rc_errstr(c);
}

static int
auth(redisContext *c, const struct rc_opts *o, char *err, size_t errlen,
    const char *who)
{
	redisReply *r;

	if (o->user != NULL)
		r = redisCommand(c, "AUTH %s %s", o->user, o->pass ? o->pass : "");
	else
		r = redisCommand(c, "AUTH %s", o->pass);
	if (r == NULL) {
		snprintf(err, errlen, "%s: %s", who, rc_errstr(c));
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		/* The server's words (WRONGPASS ..., or "no password is set")
		 * say it best; a password never appears in them. */
		snprintf(err, errlen, "%s: authentication failed: %.*s", who,
		    (int)r->len, r->str);
		freeReplyObject(r);
		return -1;
	}
	freeReplyObject(r);
	return 0;
}

static int
set_name(redisContext *c, const char *name, char *err, size_t errlen, const char *who)
{
	redisReply *r = rc_cmdv(c, "CLIENT", "SETNAME", name, NULL);

	if (rc_reply_ok(r)) {
		freeReplyObject(r);
		return 0;
	}
	snprintf(err, errlen, "%s: CLIENT SETNAME: %s", who, r == NULL ? rc_errstr(c) :
	    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	if (r != NULL)
		freeReplyObject(r);
	return -1;
}

redisContext *
rc_connect(const struct rc_addr *a, const struct rc_opts *o, char *err,
    size_t errlen)
{
	redisContext *c;
	char who[300];

	ignore_sigpipe();
	rc_addr_fmt(a, who, sizeof who);
	c = redisConnectWithTimeout(a->host, a->port, tv_ms(o->timeout_ms));
	if (c == NULL) {
		snprintf(err, errlen, "%s: cannot allocate a connection", who);
		return NULL;
	}
	if (c->err) {
		char why[160];

		snprintf(err, errlen, "%s: %s", who,
		    connect_err(c, o->timeout_ms, why, sizeof why));
		redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, tv_ms(o->timeout_ms));
	if ((o->pass != NULL || o->user != NULL) && auth(c, o, err, errlen, who) < 0) {
		redisFree(c);
		return NULL;
	}
	if (o->resp == 3 && rc_hello(c, 3, err, errlen, who) < 0) {
		redisFree(c);
		return NULL;
	}
	if (o->name != NULL && set_name(c, o->name, err, errlen, who) < 0) {
		redisFree(c);
		return NULL;
	}
	return c;
}

int
rc_hello(redisContext *c, int proto, char *err, size_t errlen, const char *who)
{
	redisReply *r = redisCommand(c, "HELLO %d", proto);

	if (r == NULL) {
		snprintf(err, errlen, "%s: %s", who, rc_errstr(c));
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "%s: HELLO %d: %.*s", who, proto, (int)r->len, r->str);
		freeReplyObject(r);
		return -1;
	}
	freeReplyObject(r);
	return 0;
}

redisReply *
rc_cmd(redisContext *c, const char *fmt, ...)
{
	va_list ap;
	void *r;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	return r;
}

redisReply *
rc_cmd_argv(redisContext *c, int argc, const char **argv, const size_t *argvlen)
{
	return redisCommandArgv(c, argc, argv, argvlen);
}

int
rc_reply_is_err(const redisReply *r, const char *prefix)
{
	size_t n = strlen(prefix);

	return r != NULL && r->type == REDIS_REPLY_ERROR && r->len >= n &&
	    memcmp(r->str, prefix, n) == 0 &&
	    (r->len == n || r->str[n] == ' ');
}

redisReply *
rc_reply_make(const char *resp, size_t len)
{
	redisReader *rd;
	void *r = NULL;

	rd = redisReaderCreate();
	if (rd == NULL)
		rc_die(RC_EX_USAGE, "out of memory");
	if (redisReaderFeed(rd, resp, len) != REDIS_OK ||
	    redisReaderGetReply(rd, &r) != REDIS_OK || r == NULL)
		rc_die(RC_EX_USAGE, "internal error: bad reply fragment");
	redisReaderFree(rd);
	return r;
}

redisReply *
rc_reply_error(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	size_t n, i;
	int k;

	buf[0] = '-';
	va_start(ap, fmt);
	k = vsnprintf(buf + 1, sizeof buf - 3, fmt, ap);
	va_end(ap);
	n = k < 0 ? 0 : (size_t)k;
	if (n > sizeof buf - 4)
		n = sizeof buf - 4;
	/* An error line cannot hold CR or LF. */
	for (i = 1; i <= n; i++)
		if (buf[i] == '\r' || buf[i] == '\n')
			buf[i] = ' ';
	memcpy(buf + 1 + n, "\r\n", 2);
	return rc_reply_make(buf, n + 3);
}

const char *
rc_info_field(const char *info, const char *field, char *buf, size_t n)
{
	size_t flen = strlen(field);
	const char *p = info;

	if (n == 0)
		return NULL;
	while (p != NULL && *p != '\0') {
		if (strncmp(p, field, flen) == 0 && p[flen] == ':') {
			size_t vlen = strcspn(p + flen + 1, "\r\n");
			if (vlen >= n)
				vlen = n - 1;
			memcpy(buf, p + flen + 1, vlen);
			buf[vlen] = '\0';
			return buf;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NULL;
}

/* The words of a NULL-terminated list, for redisCommandArgv. */
static int
gather(const char *first, va_list ap, const char **argv, size_t *argvlen, int max)
{
	const char *s;
	int argc = 0;

	for (s = first; s != NULL && argc < max; s = va_arg(ap, const char *)) {
		argv[argc] = s;
		argvlen[argc++] = strlen(s);
	}
	return argc;
}

redisReply *
rc_vcmdv(redisContext *c, const char *arg, va_list ap)
{
	const char *argv[RC_CMDV_MAX];
	size_t argvlen[RC_CMDV_MAX];
	int argc;

	argc = gather(arg, ap, argv, argvlen, RC_CMDV_MAX);
	return redisCommandArgv(c, argc, argv, argvlen);
}

redisReply *
rc_cmdv(redisContext *c, const char *arg, ...)
{
	redisReply *r;
	va_list ap;

	va_start(ap, arg);
	r = rc_vcmdv(c, arg, ap);
	va_end(ap);
	return r;
}

void
rc_set_timeout(redisContext *c, long ms)
{
	redisSetTimeout(c, tv_ms(ms));
}

int
rc_reply_ok(const redisReply *r)
{
	return r != NULL && r->type == REDIS_REPLY_STATUS && strcasecmp(r->str, "OK") == 0;
}
