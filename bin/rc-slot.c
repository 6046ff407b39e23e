/*
 * rc-slot - key -> hash slot, offline; -n adds the owning master.
 *
 * Keys come from the arguments, else one per line from stdin (the first TSV
 * field; the fields after it are passed through after rc-slot's columns).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rc.h"

struct ctx {
	struct rc_opts o;
	int tag;                        /* -t: show the hashed part */
	int node;                       /* -n: show the owner */
	struct rc_cluster cl;
	char (*owner)[300];             /* slot -> "host:port" or "-", with -n */
	struct rc_table *table;         /* pretty output */
};

/* With -n the slot table is read once and each slot's owner kept as text. */
static void
load_owners(struct ctx *c)
{
	int s;

	rc_cluster_open_or_die(&c->cl, &c->o);
	c->owner = rc_calloc(RC_NSLOTS, sizeof *c->owner);
	for (s = 0; s < RC_NSLOTS; s++) {
		struct rc_node *n = rc_cluster_owner(&c->cl, s);
		if (n != NULL)
			rc_node_addr(n, c->owner[s], sizeof c->owner[s]);
		else
			strcpy(c->owner[s], "-");
	}
	rc_cluster_close(&c->cl);
}

static void
header(struct ctx *c)
{
	if (c->table != NULL) {
		rc_table_cell(c->table, "KEY");
		rc_table_cell(c->table, "SLOT");
		if (c->tag)
			rc_table_cell(c->table, "HASHED");
		if (c->node)
			rc_table_cell(c->table, "NODE");
		return;
	}
	if (!c->o.header)
		return;
	rc_puts("#key\tslot");
	if (c->tag)
		rc_puts("\thashed");
	if (c->node)
		rc_puts("\tnode");
	rc_putc('\n');
}

/* The key as an aligned-table cell: escaped, its hash tag in bold. */
static void
pretty_row(struct ctx *c, const char *key, size_t len, unsigned slot)
{
	size_t off, tl, cap = 2 * len + 32;
	char *cell = rc_malloc(cap), *w = cell;
	int has = rc_hashtag(key, len, &off, &tl);
	const char *on = rc_color(&c->o, RC_C_BOLD), *off_ = rc_color(&c->o, RC_C_RESET);

	if (has && *on != '\0') {
		w += rc_tsv_escape(w, key, off, 1);
		w += sprintf(w, "%s", on);
		w += rc_tsv_escape(w, key + off, tl, 0);
		w += sprintf(w, "%s", off_);
		w += rc_tsv_escape(w, key + off + tl, len - off - tl, 0);
	} else
		w += rc_tsv_escape(w, key, len, 1);
	*w = '\0';
	rc_table_cell(c->table, cell);
	rc_table_cellf(c->table, "%u", slot);
	if (c->tag) {
		w = cell;
		w += rc_tsv_escape(w, key + off, tl, 0);
		*w = '\0';
		rc_table_cell(c->table, cell);
	}
	if (c->node)
		rc_table_cell(c->table, c->owner[slot]);
	free(cell);
}

/* One output row.  raw/rawlen is the key as it was written on input (already
 * escaped), or NULL to escape key here. */
static void
row(struct ctx *c, const char *key, size_t len, const char *raw, size_t rawlen,
    const char *rest, size_t restlen)
{
	unsigned slot = rc_keyslot(key, len);

	if (c->table != NULL) {
		pretty_row(c, key, len, slot);
		return;
	}
	if (raw != NULL)
		rc_put(raw, rawlen);
	else
		rc_put_field(key, len, 1);
	rc_putc('\t');
	rc_putu(slot);
	if (c->tag) {
		size_t off, tl;
		rc_hashtag(key, len, &off, &tl);
		rc_putc('\t');
		rc_put_field(key + off, tl, 0);
	}
	if (c->node) {
		rc_putc('\t');
		rc_puts(c->owner[slot]);
	}
	if (rest != NULL) {
		rc_putc('\t');
		rc_put(rest, restlen);
	}
	rc_putc('\n');
}

/* Rows are aligned per batch, so a long pretty stream still flows. */
static void
flush_table(struct ctx *c, int again)
{
	if (c->table == NULL)
		return;
	rc_table_print(c->table, 1);
	rc_table_free(c->table);
	c->table = NULL;
	if (again) {
		c->table = rc_table_new(2 + c->tag + c->node);
		header(c);
	}
}

static void
from_stdin(struct ctx *c)
{
	struct rc_reader r;
	ssize_t len;
	char *line;
	long rows = 0;

	rc_reader_init(&r, STDIN_FILENO, "<stdin>");
	while ((len = rc_reader_line(&r, &line)) >= 0) {
		char *tab, *rest = NULL;
		size_t klen = (size_t)len, restlen = 0;
		ssize_t ulen;

		if (rc_tsv_skip(line, (size_t)len))
			continue;
		if ((tab = memchr(line, '\t', (size_t)len)) != NULL) {
			klen = (size_t)(tab - line);
			rest = tab + 1;
			restlen = (size_t)len - klen - 1;
		}
		if (memchr(line, '\\', klen) == NULL) {
			row(c, line, klen, line, klen, rest, restlen);
		} else {
			/* Keep the key's escaped form for output; decode a copy. */
			char *key = rc_strndup(line, klen);
			size_t bad;
			if ((ulen = rc_tsv_unescape(key, klen, &bad)) < 0)
				rc_die_at(r.name, r.lineno,
				    "malformed escape '\\%c' in the key (use \\t \\n \\r \\\\ \\#)",
				    bad + 1 < klen ? key[bad + 1] : ' ');
			row(c, key, (size_t)ulen, line, klen, rest, restlen);
			free(key);
		}
		if (c->table != NULL && ++rows % 1000 == 0)
			flush_table(c, 1);
	}
	rc_reader_free(&r);
}

static int
set_option(void *ctx, int id, const char *arg)
{
	struct ctx *c = ctx;

	(void)arg;
	if (id == 't')
		c->tag = 1;
	else if (id == 'n')
		c->node = 1;
	return 0;
}

static int
run(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	int i;

	if (c->node)
		load_owners(c);
	if (c->o.pretty)
		c->table = rc_table_new(2 + c->tag + c->node);
	header(c);
	if (argc == 0 || (argc == 1 && strcmp(argv[0], "-") == 0))
		from_stdin(c);
	else
		for (i = 0; i < argc; i++)
			row(c, argv[i], strlen(argv[i]), NULL, 0, NULL, 0);
	flush_table(c, 0);
	free(c->owner);
	return RC_EX_OK;
}

static const struct rc_optdef options[] = {
	{ 't', "tag", NULL, NULL, "add the part of the key that was hashed (its hash tag, or the key)" },
	{ 'n', "node", NULL, NULL, "add the owning master's host:port, from the live cluster" },
	{ 0, NULL, NULL, NULL, NULL }
};

static const struct rc_command commands[] = {
	{ NULL, 0, -1, "tag node", "[-tn] [key ... | -]",
	  "key<TAB>slot for each key: from the arguments, else one a line on stdin "
	  "(further input fields are kept after the new columns)", "@stdin", run },
	{ NULL, 0, 0, NULL, NULL, NULL, NULL }
};

static const struct rc_tool tool = {
	.name = "rc-slot",
	.args = "[-tn] [key ... | -]",
	.about = "  key -> hash slot, offline; -n adds the owning master.",
	.opts = options,
	.cmds = commands,
	.set = set_option,
};

int
main(int argc, char **argv)
{
	struct ctx c;

	rc_init(argv[0]);
	memset(&c, 0, sizeof c);
	rc_opts_init(&c.o);
	return rc_main(&tool, &c.o, &c, argc, argv);
}
