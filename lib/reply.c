/* reply.c - replies as redis-cli shows them: on a terminal with types and
 * numbered, nested arrays; raw (one value a line) when the output feeds
 * another program. */
#include <stdio.h>
#include <string.h>

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
