/* quote.c - command lines the way redis-cli reads them: words separated by
 * blanks, "double quotes" with backslash escapes, 'single quotes' taken
 * literally (only \' inside), and the quoted form of a string for display. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

void
rc_buf_add(struct rc_buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->s = rc_realloc(b->s, cap);
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
rc_buf_addc(struct rc_buf *b, int c)
{
	char ch = (char)c;

	rc_buf_add(b, &ch, 1);
}

void
rc_buf_adds(struct rc_buf *b, const char *s)
{
	rc_buf_add(b, s, strlen(s));
}

void
rc_buf_free(struct rc_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

void
rc_args_add(struct rc_args *a, const char *s, size_t len)
{
	if (a->argc == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		a->argv = rc_realloc(a->argv, (size_t)a->cap * sizeof *a->argv);
		a->argvlen = rc_realloc(a->argvlen, (size_t)a->cap * sizeof *a->argvlen);
	}
	a->argv[a->argc] = rc_strndup(s, len);
	a->argvlen[a->argc] = len;
	a->argc++;
}

/* Appends one finished word to a and empties w for the next. */
static void
add_word(struct rc_args *a, struct rc_buf *w)
{
	rc_args_add(a, w->s ? w->s : "", w->len);
	w->len = 0;
}

void
rc_args_clear(struct rc_args *a)
{
	int i;

	for (i = 0; i < a->argc; i++)
		free(a->argv[i]);
	a->argc = 0;
}

void
rc_args_free(struct rc_args *a)
{
	rc_args_clear(a);
	free(a->argv);
	free(a->argvlen);
	memset(a, 0, sizeof *a);
}

/* One double-quoted escape at p (just after the backslash); the byte it
 * stands for in *out, the bytes it used in the return value. */
static size_t
dq_escape(const char *p, const char *end, char *out)
{
	if (p + 3 <= end && p[0] == 'x' && hexval((unsigned char)p[1]) >= 0 &&
	    hexval((unsigned char)p[2]) >= 0) {
		*out = (char)(hexval((unsigned char)p[1]) * 16 +
		    hexval((unsigned char)p[2]));
		return 3;
	}
	switch (*p) {
	case 'n': *out = '\n'; break;
	case 'r': *out = '\r'; break;
	case 't': *out = '\t'; break;
	case 'b': *out = '\b'; break;
	case 'a': *out = '\a'; break;
	default: *out = *p; break;
	}
	return 1;
}

int
rc_split_args(const char *line, size_t len, struct rc_args *a, char *err,
    size_t errlen)
{
	const char *p = line, *end = line + len;
	struct rc_buf w = { NULL, 0, 0 };

	rc_args_clear(a);
	for (;;) {
		while (p < end && blank((unsigned char)*p))
			p++;
		if (p == end)
			break;
		w.len = 0;
		while (p < end && !blank((unsigned char)*p)) {
			if (*p == '"') {
				const char *open = p++;
				for (;;) {
					char c;
					if (p == end) {
						snprintf(err, errlen,
						    "unbalanced quotes: the \" at column %zu is never closed",
						    (size_t)(open - line) + 1);
						goto bad;
					}
					if (*p == '"')
						break;
					if (*p == '\\' && p + 1 < end) {
						p += 1 + dq_escape(p + 1, end, &c);
						rc_buf_add(&w, &c, 1);
						continue;
					}
					rc_buf_add(&w, p++, 1);
				}
				p++;
				if (p < end && !blank((unsigned char)*p)) {
					snprintf(err, errlen,
					    "a closing quote must be followed by a space (column %zu)",
					    (size_t)(p - line));
					goto bad;
				}
			} else if (*p == '\'') {
				const char *open = p++;
				for (;;) {
					if (p == end) {
						snprintf(err, errlen,
						    "unbalanced quotes: the ' at column %zu is never closed",
						    (size_t)(open - line) + 1);
						goto bad;
					}
					if (*p == '\'')
						break;
					if (*p == '\\' && p + 1 < end && p[1] == '\'') {
						rc_buf_add(&w, "'", 1);
						p += 2;
						continue;
					}
					rc_buf_add(&w, p++, 1);
				}
				p++;
				if (p < end && !blank((unsigned char)*p)) {
					snprintf(err, errlen,
					    "a closing quote must be followed by a space (column %zu)",
					    (size_t)(p - line));
					goto bad;
				}
			} else
				rc_buf_add(&w, p++, 1);
		}
		add_word(a, &w);
	}
	rc_buf_free(&w);
	return a->argc;
bad:
	rc_buf_free(&w);
	rc_args_clear(a);
	return -1;
}

void
rc_quote(struct rc_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	rc_buf_addc(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[4];
		switch (c) {
		case '\\': rc_buf_add(b, "\\\\", 2); break;
		case '"': rc_buf_add(b, "\\\"", 2); break;
		case '\n': rc_buf_add(b, "\\n", 2); break;
		case '\r': rc_buf_add(b, "\\r", 2); break;
		case '\t': rc_buf_add(b, "\\t", 2); break;
		case '\a': rc_buf_add(b, "\\a", 2); break;
		case '\b': rc_buf_add(b, "\\b", 2); break;
		default:
			if (c >= 0x20 && c < 0x7f)
				rc_buf_addc(b, c);
			else {
				e[0] = '\\';
				e[1] = 'x';
				e[2] = hex[c >> 4];
				e[3] = hex[c & 15];
				rc_buf_add(b, e, 4);
			}
		}
	}
	rc_buf_addc(b, '"');
}
