/* term.c - terminals: detection, width, colour, bars, aligned tables, and
 * progress on stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "rc.h"

int
rc_isatty(int fd)
{
	return isatty(fd);
}

int
rc_term_width(void)
{
	struct winsize ws;
	const char *c = getenv("COLUMNS");
	long v;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (c != NULL && rc_parse_long(c, 20, 10000, &v) == 0)
		return (int)v;
	return 80;
}

const char *
rc_color(const struct rc_opts *o, int c)
{
	static const char *const seq[] = {
		"\033[0m", "\033[1m", "\033[2m", "\033[31m", "\033[32m",
		"\033[33m", "\033[34m", "\033[35m", "\033[36m",
	};

	if (o == NULL || !o->color || c < 0 || c > RC_C_CYAN)
		return "";
	return seq[c];
}

const char *
rc_bar(char *buf, size_t n, double frac, int width)
{
	static const char *const eighth[] = {
		"", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589",
	};
	size_t used = 0;
	int cells, full, part, i;

	if (n == 0)
		return buf;
	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	cells = (int)(frac * width * 8 + 0.5);
	full = cells / 8;
	part = cells % 8;
	buf[0] = '\0';
	for (i = 0; i < full && used + 4 < n; i++)
		used += (size_t)snprintf(buf + used, n - used, "\u2588");
	if (part > 0 && used + 4 < n)
		used += (size_t)snprintf(buf + used, n - used, "%s", eighth[part]);
	for (i = full + (part > 0); i < width && used + 2 < n; i++)
		buf[used++] = ' ';
	buf[used] = '\0';
	return buf;
}

struct rc_table {
	int ncols;
	char **cells;
	size_t n, cap;
};

struct rc_table *
rc_table_new(int ncols)
{
	struct rc_table *t = rc_calloc(1, sizeof *t);

	t->ncols = ncols;
	return t;
}

void
rc_table_cell(struct rc_table *t, const char *s)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->cells = rc_realloc(t->cells, t->cap * sizeof *t->cells);
	}
	t->cells[t->n++] = rc_strdup(s ? s : "");
}

void
rc_table_cellf(struct rc_table *t, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	rc_table_cell(t, buf);
}

/* Display width: UTF-8 continuation bytes and ANSI escapes take no cells. */
static size_t
width(const char *s)
{
	size_t w = 0;

	while (*s != '\0') {
		if (*s == '\033') {
			while (*s != '\0' && *s != 'm')
				s++;
			if (*s == 'm')
				s++;
			continue;
		}
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
		s++;
	}
	return w;
}

static int
numeric(const char *s)
{
	int digits = 0;

	if (*s == '-' || *s == '+')
		s++;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (*s != '.' && *s != '%')
			return 0;
	}
	return digits > 0;
}

void
rc_table_print(struct rc_table *t, int header_rows)
{
	size_t *w, r, nrows;
	int c;

	if (t->ncols <= 0)
		return;
	w = rc_calloc((size_t)t->ncols, sizeof *w);
	nrows = t->n / (size_t)t->ncols;
	for (r = 0; r < nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			size_t cw = width(t->cells[r * (size_t)t->ncols + (size_t)c]);
			if (cw > w[c])
				w[c] = cw;
		}
	for (r = 0; r < nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * (size_t)t->ncols + (size_t)c];
			size_t pad = w[c] - width(s), k;
			int right = (size_t)r >= (size_t)header_rows && numeric(s);
			if (c > 0)
				rc_put("  ", 2);
			if (right)
				for (k = 0; k < pad; k++)
					rc_putc(' ');
			rc_puts(s);
			if (!right && c + 1 < t->ncols)
				for (k = 0; k < pad; k++)
					rc_putc(' ');
		}
		rc_putc('\n');
	}
	free(w);
}

void
rc_table_free(struct rc_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void
rc_progress_start(struct rc_progress *p, const char *label, uint64_t total)
{
	memset(p, 0, sizeof *p);
	p->label = label;
	p->total = total;
	p->t0 = rc_now_us();
	p->active = isatty(STDERR_FILENO);
}

void
rc_progress_step(struct rc_progress *p, uint64_t done, const char *extra)
{
	uint64_t now;
	double secs, rate, eta;
	char bar[128];

	p->done = done;
	if (!p->active)
		return;
	now = rc_now_us();
	if (now - p->last < 100000 && done < p->total)
		return;
	p->last = now;
	secs = (double)(now - p->t0) / 1e6;
	rate = secs > 0 ? (double)done / secs : 0;
	eta = rate > 0 && p->total > done ? (double)(p->total - done) / rate : 0;
	fprintf(stderr, "\r\033[K%s %s %llu/%llu %.0f/s ETA %.0fs%s%s",
	    p->label ? p->label : "",
	    rc_bar(bar, sizeof bar, p->total ? (double)done / (double)p->total : 0, 20),
	    (unsigned long long)done, (unsigned long long)p->total, rate, eta,
	    extra ? " " : "", extra ? extra : "");
	fflush(stderr);
}

void
rc_progress_end(struct rc_progress *p)
{
	if (p->active) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
	p->active = 0;
}
