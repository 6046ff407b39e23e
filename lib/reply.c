/* reply.c - replies as redis-cli shows them: on a terminal with types and
 * numbered, nested arrays; raw (one value a line) when the output feeds
 * another program.  And replies nested deeper than hiredis 0.14 reads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rc.h"

static void
add_fmt_ll(struct rc_buf *b, const char *pre, long long v)
{
	char num[48];
	int n = snprintf(num, sizeof num, "%s%lld", pre, v);

	rc_buf_add(b, num, (size_t)n);
}

static int
is_aggregate(const redisReply *r)
{
	if (r->type == REDIS_REPLY_ARRAY)
		return 1;
#ifdef REDIS_REPLY_MAP
	if (r->type == REDIS_REPLY_MAP || r->type == REDIS_REPLY_SET)
		return 1;
#endif
#ifdef REDIS_REPLY_PUSH
	if (r->type == REDIS_REPLY_PUSH)
		return 1;
#endif
	return 0;
}

static int
is_map(const redisReply *r)
{
#ifdef REDIS_REPLY_MAP
	return r->type == REDIS_REPLY_MAP;
#else
	(void)r;
	return 0;
#endif
}

static void
tty_empty(struct rc_buf *b, const redisReply *r)
{
	const char *what = "(empty array)";

#ifdef REDIS_REPLY_MAP
	if (r->type == REDIS_REPLY_MAP)
		what = "(empty hash)";
	else if (r->type == REDIS_REPLY_SET)
		what = "(empty set)";
#endif
#ifdef REDIS_REPLY_PUSH
	if (r->type == REDIS_REPLY_PUSH)
		what = "(empty push)";
#endif
	(void)r;
	rc_buf_adds(b, what);
	rc_buf_addc(b, '\n');
}

static void tty(struct rc_buf *b, const redisReply *r, size_t indent);

/* "1) ", "2) " ... with the index right-aligned to the widest one; nested
 * elements are indented by the width of their parent's index. */
static void
tty_aggregate(struct rc_buf *b, const redisReply *r, size_t indent)
{
	size_t n = r->elements, shown, i, w = 1, k;
	char mark = ')', num[32];

	if (n == 0) {
		tty_empty(b, r);
		return;
	}
	shown = is_map(r) ? n / 2 : n;
	for (k = shown; k >= 10; k /= 10)
		w++;
#ifdef REDIS_REPLY_MAP
	if (r->type == REDIS_REPLY_MAP)
		mark = '#';
	else if (r->type == REDIS_REPLY_SET)
		mark = '~';
#endif
	for (i = 0; i < n; i++) {
		size_t idx = (is_map(r) ? i / 2 : i) + 1, j;
		int len;

		if (i > 0)
			for (j = 0; j < indent; j++)
				rc_buf_addc(b, ' ');
		len = snprintf(num, sizeof num, "%*zu%c ", (int)w, idx, mark);
		rc_buf_add(b, num, (size_t)len);
		tty(b, r->element[i], indent + w + 2);
		if (is_map(r) && i + 1 < n) {
			b->len--;       /* the key's newline */
			rc_buf_add(b, " => ", 4);
			i++;
			tty(b, r->element[i], indent + w + 2);
		}
	}
}

static void
tty(struct rc_buf *b, const redisReply *r, size_t indent)
{
	if (r == NULL) {
		rc_buf_adds(b, "(nil)\n");
		return;
	}
	if (is_aggregate(r)) {
		tty_aggregate(b, r, indent);
		return;
	}
	switch (r->type) {
	case REDIS_REPLY_ERROR:
		rc_buf_adds(b, "(error) ");
		rc_buf_add(b, r->str, r->len);
		break;
	case REDIS_REPLY_STATUS:
		rc_buf_add(b, r->str, r->len);
		break;
	case REDIS_REPLY_INTEGER:
		add_fmt_ll(b, "(integer) ", r->integer);
		break;
	case REDIS_REPLY_STRING:
		rc_quote(b, r->str, r->len);
		break;
	case REDIS_REPLY_NIL:
		rc_buf_adds(b, "(nil)");
		break;
#ifdef REDIS_REPLY_DOUBLE
	case REDIS_REPLY_DOUBLE:
		rc_buf_adds(b, "(double) ");
		rc_buf_add(b, r->str, r->len);
		break;
#endif
#ifdef REDIS_REPLY_BOOL
	case REDIS_REPLY_BOOL:
		rc_buf_adds(b, r->integer ? "(true)" : "(false)");
		break;
#endif
#ifdef REDIS_REPLY_VERB
	case REDIS_REPLY_VERB:
		rc_buf_add(b, r->str, r->len);
		break;
#endif
#ifdef REDIS_REPLY_BIGNUM
	case REDIS_REPLY_BIGNUM:
		rc_buf_adds(b, "(big number) ");
		rc_buf_add(b, r->str, r->len);
		break;
#endif
	default:
		add_fmt_ll(b, "(unknown reply type) ", r->type);
		break;
	}
	rc_buf_addc(b, '\n');
}

static void
raw(struct rc_buf *b, const redisReply *r)
{
	size_t i;

	if (r == NULL)
		return;
	if (is_aggregate(r)) {
		for (i = 0; i < r->elements; i++) {
			if (i > 0)
				rc_buf_addc(b, '\n');
			raw(b, r->element[i]);
		}
		return;
	}
	switch (r->type) {
	case REDIS_REPLY_INTEGER:
		add_fmt_ll(b, "", r->integer);
		break;
	case REDIS_REPLY_NIL:
		break;
#ifdef REDIS_REPLY_BOOL
	case REDIS_REPLY_BOOL:
		rc_buf_adds(b, r->integer ? "1" : "0");
		break;
#endif
	default:
		/* strings, status, errors, doubles, verbatim, big numbers */
		if (r->str != NULL)
			rc_buf_add(b, r->str, r->len);
		break;
	}
}

void
rc_reply_format(struct rc_buf *b, const redisReply *r, int mode)
{
	if (mode == RC_REPLY_TTY) {
		tty(b, r, 0);
		return;
	}
	raw(b, r);
	rc_buf_addc(b, '\n');
}

/* ---- replies deeper than hiredis 0.14 reads ------------------------------ */

/* Nesting beyond this is taken for a malformed reply (and would cost stack). */
#define DEEP_LEVELS 64
/* A reply larger than this is refused rather than buffered. */
#define DEEP_BYTES (64u << 20)

static int
deep_num(const char *s, size_t len, long long *v)
{
	char num[32], *end;

	if (len == 0 || len >= sizeof num)
		return -1;
	memcpy(num, s, len);
	num[len] = '\0';
	errno = 0;
	*v = strtoll(num, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

static redisReply *
deep_node(int type, const char *s, size_t len)
{
	redisReply *x = rc_calloc(1, sizeof *x);

	x->type = type;
	if (s != NULL) {
		x->str = rc_strndup(s, len);
		x->len = len;
	}
	return x;
}

static int deep_walk(const char *b, size_t len, size_t *pos, int level,
    redisReply **out);

/* The n bytes of a bulk string at b[*pos] and their CRLF. */
static int
deep_bulk(const char *b, size_t len, size_t *pos, long long n, redisReply **out)
{
	if ((unsigned long long)n > DEEP_BYTES)
		return -1;
	if (len - *pos < (size_t)n + 2)
		return 0;
	if (b[*pos + (size_t)n] != '\r' || b[*pos + (size_t)n + 1] != '\n')
		return -1;
	if (out != NULL)
		*out = deep_node(REDIS_REPLY_STRING, b + *pos, (size_t)n);
	*pos += (size_t)n + 2;
	return 1;
}

/* The n elements of an array at b[*pos]. */
static int
deep_array(const char *b, size_t len, size_t *pos, long long n, int level,
    redisReply **out)
{
	size_t i;
	int k;

	/* Each element takes 3 bytes at least: a claim beyond that is
	 * unfinished input while checking, never a whole reply. */
	if ((unsigned long long)n > (len - *pos) / 3)
		return out != NULL ? -1 : 0;
	if (out != NULL) {
		*out = deep_node(REDIS_REPLY_ARRAY, NULL, 0);
		(*out)->element = rc_calloc(n > 0 ? (size_t)n : 1, sizeof *(*out)->element);
	}
	for (i = 0; i < (size_t)n; i++) {
		k = deep_walk(b, len, pos, level + 1, out != NULL ? &(*out)->element[i] : NULL);
		if (k <= 0)
			return k;       /* only while checking: built input is whole */
		if (out != NULL)
			(*out)->elements = i + 1;
	}
	return 1;
}

/*
 * One RESP2 value of b[*pos, len).  With out NULL it only checks that the
 * whole value is there; with out it builds it (as a hiredis reply object:
 * malloc'd, so freeReplyObject frees it).  1 done (*pos past it), 0 more
 * bytes needed, -1 malformed.
 */
static int
deep_walk(const char *b, size_t len, size_t *pos, int level, redisReply **out)
{
	const char *s = b + *pos, *nl;
	long long n;
	size_t ll;

	if (level > DEEP_LEVELS)
		return -1;
	if (*pos >= len || (nl = memchr(s, '\n', len - *pos)) == NULL)
		return 0;
	if (nl - s < 2 || nl[-1] != '\r')
		return -1;
	ll = (size_t)(nl - s) - 2;      /* the line without its type byte and CR */
	*pos = (size_t)(nl - b) + 1;
	switch (s[0]) {
	case '+':
	case '-':
		if (out != NULL)
			*out = deep_node(s[0] == '+' ? REDIS_REPLY_STATUS : REDIS_REPLY_ERROR,
			    s + 1, ll);
		return 1;
	case ':':
	case '$':
	case '*':
		if (deep_num(s + 1, ll, &n) < 0)
			return -1;
		if (s[0] == ':' || n == -1) {
			if (out != NULL) {
				*out = deep_node(s[0] == ':' ? REDIS_REPLY_INTEGER : REDIS_REPLY_NIL,
				    NULL, 0);
				(*out)->integer = s[0] == ':' ? n : 0;
			}
			return 1;
		}
		if (n < 0)
			return -1;
		return s[0] == '$' ? deep_bulk(b, len, pos, n, out) :
		    deep_array(b, len, pos, n, level, out);
	default:
		return -1;
	}
}

redisReply *
rc_cmd_deep(redisContext *c, int argc, const char **argv, const size_t *argvlen,
    char *err, size_t errlen)
{
	struct rc_buf b = { NULL, 0, 0 };
	redisReply *r = NULL;
	char chunk[65536];
	size_t pos = 0;
	int done = 0, k = 0;

	if (c->reader->pos < c->reader->len) {
		snprintf(err, errlen, "replies are pending on the connection");
		return NULL;
	}
	if (redisAppendCommandArgv(c, argc, argv, argvlen) != REDIS_OK) {
		snprintf(err, errlen, "%s", rc_errstr(c));
		return NULL;
	}
	while (!done)
		if (redisBufferWrite(c, &done) != REDIS_OK) {
			snprintf(err, errlen, "%s", rc_errstr(c));
			return NULL;
		}
	/* The connection's timeout bounds each read (SO_RCVTIMEO). */
	while (k == 0) {
		ssize_t n = read(c->fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s", n == 0 ? "connection closed by the server" :
			    errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : strerror(errno));
			rc_buf_free(&b);
			return NULL;
		}
		rc_buf_add(&b, chunk, (size_t)n);
		pos = 0;
		k = deep_walk(b.s, b.len, &pos, 0, NULL);
		if (k == 0 && b.len > DEEP_BYTES)
			k = -1;
	}
	if (k > 0) {
		pos = 0;
		deep_walk(b.s, b.len, &pos, 0, &r);
	} else
		snprintf(err, errlen, "malformed reply");
	rc_buf_free(&b);
	return r;
}
