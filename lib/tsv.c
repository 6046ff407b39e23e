/* tsv.c - fast line reading, TAB fields, and the escape rules of every tool:
 * TAB, LF, CR and backslash travel as \t \n \r \\, and a first field that
 * starts with '#' as \#, so any binary-safe key survives a pipe. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rc.h"

#define RDCAP (1 << 20)

void
rc_reader_init(struct rc_reader *r, int fd, const char *name)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->name = name;
	r->cap = RDCAP;
	r->buf = rc_malloc(r->cap + 1);
}

void
rc_reader_free(struct rc_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Moves the unread tail to the front and reads more; grows the buffer when
 * a single line fills it (keys of megabytes are fine). */
static int
fill(struct rc_reader *r)
{
	ssize_t n;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		r->cap *= 2;
		r->buf = rc_realloc(r->buf, r->cap + 1);
	}
	for (;;) {
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	if (n < 0)
		rc_die(RC_EX_USAGE, "%s: read error: %s", r->name, strerror(errno));
	if (n == 0)
		r->eof = 1;
	r->end += (size_t)n;
	return n > 0;
}

ssize_t
rc_reader_line(struct rc_reader *r, char **line)
{
	char *nl;
	size_t scanned = 0, len;

	for (;;) {
		nl = memchr(r->buf + r->start + scanned, '\n',
		    r->end - r->start - scanned);
		if (nl != NULL)
			break;
		scanned = r->end - r->start;
		if (r->eof || !fill(r)) {
			if (r->end == r->start)
				return -1;
			/* A last line without its newline. */
			nl = r->buf + r->end;
			break;
		}
	}
	*line = r->buf + r->start;
	len = (size_t)(nl - *line);
	r->start = (size_t)(nl - r->buf) + (nl < r->buf + r->end);
	if (len > 0 && (*line)[len - 1] == '\r')
		len--;
	(*line)[len] = '\0';
	r->lineno++;
	return (ssize_t)len;
}

/* Only an empty line is blank: a key of spaces is still a key. */
int
rc_tsv_skip(const char *line, size_t len)
{
	return len == 0 || line[0] == '#';
}

int
rc_tsv_split(char *line, size_t len, struct rc_field *f, int max)
{
	char *p = line, *end = line + len, *tab;
	int n = 0;

	if (max <= 0)
		return 0;
	while (n < max - 1 && (tab = memchr(p, '\t', (size_t)(end - p))) != NULL) {
		*tab = '\0';
		f[n].s = p;
		f[n].len = (size_t)(tab - p);
		n++;
		p = tab + 1;
	}
	f[n].s = p;
	f[n].len = (size_t)(end - p);
	return n + 1;
}

ssize_t
rc_tsv_unescape(char *s, size_t len, size_t *bad)
{
	char *bs, *w, *r, *end = s + len;

	bs = memchr(s, '\\', len);
	if (bs == NULL)
		return (ssize_t)len;
	w = r = bs;
	while (r < end) {
		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		if (r + 1 == end) {
			*bad = (size_t)(r - s);
			return -1;
		}
		switch (r[1]) {
		case 't': *w++ = '\t'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case '\\': *w++ = '\\'; break;
		case '#': *w++ = '#'; break;
		default:
			*bad = (size_t)(r - s);
			return -1;
		}
		r += 2;
	}
	if (w < end)
		*w = '\0';
	return w - s;
}

size_t
rc_tsv_escape(char *dst, const char *s, size_t len, int first)
{
	char *w = dst;
	size_t i;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '\t': *w++ = '\\'; *w++ = 't'; break;
		case '\n': *w++ = '\\'; *w++ = 'n'; break;
		case '\r': *w++ = '\\'; *w++ = 'r'; break;
		case '\\': *w++ = '\\'; *w++ = '\\'; break;
		case '#':
			if (i == 0 && first)
				*w++ = '\\';
			*w++ = '#';
			break;
		default: *w++ = s[i];
		}
	}
	return (size_t)(w - dst);
}
