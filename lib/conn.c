/* conn.c - one connection: connect with a timeout, authenticate, check replies. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
		snprintf(err, errlen, "%s: %s", who, c->errstr);
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
	snprintf(err, errlen, "%s: CLIENT SETNAME: %s", who, r == NULL ? c->errstr :
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
		snprintf(err, errlen, "%s: %s", who, c->errstr);
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
		snprintf(err, errlen, "%s: %s", who, c->errstr);
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
