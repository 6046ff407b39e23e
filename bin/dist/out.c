/*
 * out.c - rc-dist's output: a round's warnings, and rows as TSV for scripts
 * or an aligned table (with bars and colour) on a terminal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"

#define LONG_CELL_MAX 1000

/* A warning of this round: collected, then shown as the mode allows. */
void
note(struct dist *d, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	n = strlen(buf);
	/* The same words twice in one round say nothing new. */
	if (d->warnings != NULL) {
		const char *p = d->warnings;
		while ((p = strstr(p, buf)) != NULL) {
			if ((p == d->warnings || p[-1] == '\n') && p[n] == '\n')
				return;
			p++;
		}
	}
	d->warnings = rc_realloc(d->warnings, d->wlen + n + 2);
	memcpy(d->warnings + d->wlen, buf, n);
	d->wlen += n;
	d->warnings[d->wlen++] = '\n';
	d->warnings[d->wlen] = '\0';
}

/* Once: on stderr.  Watching: on stderr when they changed, or inside the
 * pretty frame (stderr would be wiped by the next redraw). */
void
show_warnings(struct dist *d)
{
	const char *w = d->warnings != NULL ? d->warnings : "";
	const char *p, *e;

	if (d->watch > 0 && d->o.pretty) {
		for (p = w; *p != '\0'; p = e + 1) {
			e = strchr(p, '\n');
			rc_putf("%s! %.*s%s\n", rc_color(&d->o, RC_C_RED), (int)(e - p),
			    p, rc_color(&d->o, RC_C_RESET));
		}
	} else if (d->watch <= 0 || d->lastwarn == NULL ||
	    strcmp(d->lastwarn, w) != 0) {
		rc_flush();
		for (p = w; *p != '\0'; p = e + 1) {
			e = strchr(p, '\n');
			rc_warn("%.*s", (int)(e - p), p);
		}
	}
	free(d->lastwarn);
	d->lastwarn = rc_strdup(w);
	free(d->warnings);
	d->warnings = NULL;
	d->wlen = 0;
}

/* ---- rows, TSV or table ---------------------------------------------------- */

/* Starts a TSV row (the unix time first when watching); NULL for a table. */
void
row_begin(struct dist *d)
{
	if (d->table != NULL)
		return;
	if (d->watch > 0) {
		rc_puti(d->ts);
		rc_putc('\t');
	}
}

/* A cell: TSV field (escaped) or table cell. */
void
cell(struct dist *d, int first, const char *s)
{
	if (d->table != NULL) {
		rc_table_cell(d->table, s);
		return;
	}
	if (!first)
		rc_putc('\t');
	rc_put_field(s, strlen(s), first && d->watch <= 0);
}

/* A list that can be long (slot ranges, open slots): whole in TSV, where
 * no field is ever cut; cut with "..." in a table, which must fit a
 * screen. */
void
long_cell(struct dist *d, const char *s)
{
	char cut[LONG_CELL_MAX + 4];
	size_t n = strlen(s);

	if (d->table == NULL || n <= LONG_CELL_MAX) {
		cell(d, 0, s);
		return;
	}
	memcpy(cut, s, LONG_CELL_MAX);
	memcpy(cut + LONG_CELL_MAX, "...", 4);
	rc_table_cell(d->table, cut);
}

void
cellf(struct dist *d, int first, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	cell(d, first, buf);
}

/* A node id: whole in TSV, its first 10 characters in a table. */
void
id_cell(struct dist *d, const struct rc_node *n)
{
	char id[11];

	if (d->table == NULL) {
		cell(d, 0, n->id[0] != '\0' ? n->id : "-");
		return;
	}
	memcpy(id, n->id, 10);
	id[10] = '\0';
	rc_table_cell(d->table, id);
}

void
row_end(struct dist *d)
{
	if (d->table == NULL)
		rc_putc('\n');
}

/* The TSV header (-H, once) or the table's first row. */
void
header(struct dist *d, const char *tsv, const char *const *pretty, int ncols)
{
	int i;

	if (d->o.pretty) {
		d->table = rc_table_new(ncols);
		for (i = 0; i < ncols; i++)
			rc_table_cell(d->table, pretty[i]);
		return;
	}
	if (!d->o.header || d->round > 0)
		return;
	rc_puts(d->watch > 0 ? "#ts\t" : "#");
	rc_puts(tsv);
	rc_putc('\n');
}

void
table_done(struct dist *d)
{
	if (d->table == NULL)
		return;
	rc_table_print(d->table, 1);
	rc_table_free(d->table);
	d->table = NULL;
}

void
bar_cell(struct dist *d, double frac)
{
	char bar[256];
	int w = rc_term_width() / 4;

	if (w < 10)
		w = 10;
	if (w > 40)
		w = 40;
	rc_table_cell(d->table, rc_bar(bar, sizeof bar, frac, w));
}

void
llcell(struct dist *d, long long v)
{
	if (v >= 0)
		cellf(d, 0, "%lld", v);
	else
		cell(d, 0, "-");
}
