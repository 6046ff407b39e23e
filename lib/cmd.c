/*
 * cmd.c - a tool is a table of its commands.
 *
 * One entry point, rc_main, parses the options every tool shares and the
 * tool's own, finds the command, refuses an option the command does not take
 * (exit 2, naming both, nothing done), prints usage and help, and dumps the
 * table as TSV (--rc-spec) for tools/completion.sh.  So a tool writes down
 * each option and each command once, and its usage, its help and its shell
 * completion cannot disagree with what it accepts.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

/* The options every tool takes.  Their values go into struct rc_opts. */
static const struct rc_optdef shared_opts[] = {
	{ 'c', "cluster", "HOST:PORT", "@host", "seed node (default $RC_CLUSTER, else 127.0.0.1:7001)" },
	{ 'H', "header", NULL, NULL, "a header line (starting with #)" },
	{ 'T', "tsv", NULL, NULL, "TSV even on a terminal" },
	{ 'p', "pretty", NULL, NULL, "aligned table even in a pipe" },
	{ RC_OPT_ASKPASS, "askpass", NULL, NULL, "ask for the password on the terminal" },
	{ RC_OPT_TIMEOUT, "timeout", "SECS", NULL, "connect and command timeout (5)" },
	{ 'h', "help", NULL, NULL, "this help (after a command: that command's)" },
	{ 'V', "version", NULL, NULL, "the version" },
	{ 0, NULL, NULL, NULL, NULL }
};

enum { OPT_SPEC = 0x1f00, OPT_CHECK };

/* An option given on the command line, in order. */
struct given {
	const struct rc_optdef *def;
	const char *arg;
};

static int
is_short(int id)
{
	return id > 0 && id < 128;
}

/* The tool's option named name (long name), or NULL. */
static const struct rc_optdef *
find_opt(const struct rc_tool *t, const char *name, size_t len)
{
	const struct rc_optdef *d;

	for (d = t->opts; d != NULL && d->name != NULL; d++)
		if (strlen(d->name) == len && strncmp(d->name, name, len) == 0)
			return d;
	return NULL;
}

/* 1 when the space-separated list has the word name. */
static int
list_has(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *s = list;

	while (s != NULL && *s != '\0') {
		size_t w;
		s += strspn(s, " ");
		w = strcspn(s, " ");
		if (w == n && strncmp(s, name, n) == 0)
			return 1;
		s += w;
	}
	return 0;
}

/* Every name in a command's list, and in the tool's every-list, is an option
 * of the tool: a typo in a table is the programmer's, found on first run. */
static void
check_table(const struct rc_tool *t)
{
	const struct rc_command *c;
	const char *lists[2];
	int i;

	for (c = t->cmds; c->run != NULL; c++) {
		lists[0] = c->opts;
		lists[1] = t->every;
		for (i = 0; i < 2; i++) {
			const char *s = lists[i];
			while (s != NULL && *s != '\0') {
				size_t w;
				s += strspn(s, " ");
				w = strcspn(s, " ");
				if (w > 0 && find_opt(t, s, w) == NULL) {
					fprintf(stderr, "%s: internal: command '%s' names an unknown "
					    "option '%.*s'\n", t->name, c->name ? c->name : "",
					    (int)w, s);
					abort();
				}
				s += w;
			}
		}
	}
}

static int
takes(const struct rc_tool *t, const struct rc_command *c, const struct rc_optdef *d)
{
	return list_has(c->opts, d->name) || list_has(t->every, d->name);
}

/* ---- usage and help --------------------------------------------------------- */

/* Prints text from column col, wrapped at 79 columns, later lines starting at
 * column indent; ends the line. */
static void
wrap(FILE *f, int col, int indent, const char *text)
{
	const char *s = text;

	while (*s != '\0') {
		size_t w = strcspn(s, " ");
		if (col > indent && col + 1 + (int)w > 79) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		col += fprintf(f, "%.*s", (int)w, s);
		s += w;
		s += strspn(s, " ");
	}
	fputc('\n', f);
}

/* "  NAME SYNOPSIS      help", the synopsis wrapped between its bracketed
 * groups at 79 columns and the help at column 31. */
static void
usage_line(FILE *f, const struct rc_command *c)
{
	const char *s = c->synopsis ? c->synopsis : "";
	const char *help = c->help ? c->help : "";
	int col, depth = 0;

	col = fprintf(f, "  %s", c->name ? c->name : "");
	if (c->name == NULL)
		col--;  /* no command word: the synopsis starts the line */
	while (*s != '\0') {
		const char *e = s;
		int d = depth;
		while (*e != '\0' && (*e != ' ' || d > 0)) {
			d += (*e == '[') - (*e == ']');
			e++;
		}
		if (col + 1 + (int)(e - s) > 79)
			col = fprintf(f, "\n      ") - 1;
		col += fprintf(f, " %.*s", (int)(e - s), s);
		depth = d;
		s = *e == ' ' ? e + 1 : e;
	}
	if (*help != '\0' && col >= 31)
		col = fprintf(f, "\n") - 1;
	if (*help == '\0') {
		fputc('\n', f);
		return;
	}
	fprintf(f, "%*s", 31 - col, "");
	wrap(f, 31, 31, help);
}

/* "  -c, --cluster HOST:PORT   help" */
static void
opt_line(FILE *f, const struct rc_optdef *d)
{
	char lhs[64];

	if (is_short(d->id))
		snprintf(lhs, sizeof lhs, "-%c, --%s%s%s", d->id, d->name,
		    d->arg ? " " : "", d->arg ? d->arg : "");
	else
		snprintf(lhs, sizeof lhs, "    --%s%s%s", d->name,
		    d->arg ? " " : "", d->arg ? d->arg : "");
	if (strlen(lhs) >= 27)
		fprintf(f, "  %s\n%30s", lhs, "");
	else
		fprintf(f, "  %-27s ", lhs);
	wrap(f, 30, 30, d->help ? d->help : "");
}

static void
usage_all(FILE *f, const struct rc_tool *t)
{
	const struct rc_command *c;
	const struct rc_optdef *d;

	fprintf(f, "usage: %s [options] %s\n", t->name, t->args ? t->args : "");
	if (t->about != NULL)
		fprintf(f, "%s\n", t->about);
	for (c = t->cmds; c->run != NULL; c++) {
		if (c->name != NULL)
			usage_line(f, c);
		else if (c->help != NULL)
			fprintf(f, "  "), wrap(f, 2, 2, c->help);
	}
	if (t->opts != NULL && t->opts[0].name != NULL) {
		fprintf(f, "options:\n");
		for (d = t->opts; d->name != NULL; d++)
			opt_line(f, d);
	}
	fprintf(f, "options every tool takes:\n");
	for (d = shared_opts; d->name != NULL; d++)
		opt_line(f, d);
	if (t->footer != NULL)
		fputs(t->footer, f);
}

/* -h after a command: its synopsis, then the options it takes. */
static void
usage_cmd(FILE *f, const struct rc_tool *t, const struct rc_command *c)
{
	const struct rc_optdef *d;
	int any = 0;

	fprintf(f, "usage: %s [options] %s%s%s\n", t->name, c->name ? c->name : "",
	    c->name && c->synopsis && *c->synopsis ? " " : "",
	    c->synopsis ? c->synopsis : "");
	if (c->help != NULL && *c->help != '\0')
		fprintf(f, "  "), wrap(f, 2, 2, c->help);
	for (d = t->opts; d != NULL && d->name != NULL; d++) {
		if (!takes(t, c, d))
			continue;
		if (!any++)
			fprintf(f, "options:\n");
		opt_line(f, d);
	}
	fprintf(f, "options every tool takes:\n");
	for (d = shared_opts; d->name != NULL; d++)
		opt_line(f, d);
}

_Noreturn static void
die_cmd(const struct rc_tool *t, const struct rc_command *c, const char *what)
{
	const char *syn = c->synopsis ? c->synopsis : "";

	rc_die(RC_EX_USAGE, "%s%s (usage: %s%s%s%s%s)", c->name ? c->name : "", what,
	    t->name, c->name ? " " : "", c->name ? c->name : "", *syn ? " " : "", syn);
}

/* ---- the table as TSV, for the completion generator --------------------------- */

static void
spec_field(const char *s)
{
	rc_putc('\t');
	if (s == NULL || *s == '\0')
		rc_putc('-');
	else
		rc_put_field(s, strlen(s), 0);
}

static void
spec_opt(const char *kind, const struct rc_optdef *d)
{
	char sh[2] = { 0, 0 };

	rc_puts(kind);
	sh[0] = is_short(d->id) ? (char)d->id : 0;
	spec_field(sh);
	spec_field(d->name);
	spec_field(d->arg);
	spec_field(d->comp);
	spec_field(d->help);
	rc_putc('\n');
}

/*
 * Lines, TAB-separated, "-" for none:
 *	tool NAME
 *	shared SHORT LONG ARG COMPLETION HELP	(an option every tool takes)
 *	opt SHORT LONG ARG COMPLETION HELP	(one of the tool's own)
 *	cmd NAME MIN MAX OPTIONS OPERANDS HELP	(OPTIONS: long names, space-separated,
 *						 the tool's every-options included)
 */
static int
print_spec(const struct rc_tool *t)
{
	const struct rc_command *c;
	const struct rc_optdef *d;
	char n[32];

	rc_puts("tool");
	spec_field(t->name);
	rc_putc('\n');
	for (d = shared_opts; d->name != NULL; d++)
		spec_opt("shared", d);
	for (d = t->opts; d != NULL && d->name != NULL; d++)
		spec_opt("opt", d);
	for (c = t->cmds; c->run != NULL; c++) {
		struct rc_buf opts = { 0 };
		rc_puts("cmd");
		spec_field(c->name);
		snprintf(n, sizeof n, "%d", c->min);
		spec_field(n);
		snprintf(n, sizeof n, "%d", c->max);
		spec_field(n);
		for (d = t->opts; d != NULL && d->name != NULL; d++) {
			if (!takes(t, c, d))
				continue;
			if (opts.len > 0)
				rc_buf_addc(&opts, ' ');
			rc_buf_adds(&opts, d->name);
		}
		spec_field(opts.s);
		spec_field(c->operands);
		spec_field(c->help);
		rc_putc('\n');
		rc_buf_free(&opts);
	}
	return RC_EX_OK;
}

/* ---- parsing ------------------------------------------------------------------- */

/* The number of words in a command's name. */
static int
nwords(const char *name)
{
	int n = 0;
	const char *s = name;

	while (s != NULL && *s != '\0') {
		s += strspn(s, " ");
		if (*s == '\0')
			break;
		n++;
		s += strcspn(s, " ");
	}
	return n;
}

/* 1 when the first words of argv spell name. */
static int
spells(const char *name, int argc, char **argv)
{
	int i = 0;
	const char *s = name;

	while (*s != '\0') {
		size_t w;
		s += strspn(s, " ");
		w = strcspn(s, " ");
		if (w == 0)
			break;
		if (i >= argc || strlen(argv[i]) != w || strncmp(argv[i], s, w) != 0)
			return 0;
		i++;
		s += w;
	}
	return 1;
}

/* The command that argv names (the longest match), or the tool's only,
 * nameless, command; *used is how many words its name took. */
static const struct rc_command *
find_command(const struct rc_tool *t, int argc, char **argv, int *used)
{
	const struct rc_command *c, *best = NULL;
	int bestn = 0;

	*used = 0;
	if (t->cmds[0].name == NULL)
		return &t->cmds[0];
	if (argc == 0 && t->deflt != NULL)
		argv = (char **)&t->deflt, argc = 1;
	else if (argc == 0)
		return NULL;
	for (c = t->cmds; c->run != NULL; c++) {
		int n = nwords(c->name);
		if (n > bestn && spells(c->name, argc, argv)) {
			best = c;
			bestn = n;
		}
	}
	if (best != NULL && argv != (char **)&t->deflt)
		*used = bestn;
	return best;
}

/* No command has that name: say what the first word could go on with. */
_Noreturn static void
unknown_command(const struct rc_tool *t, int argc, char **argv)
{
	const struct rc_command *c;
	struct rc_buf next = { 0 };
	size_t len = strlen(argv[0]);

	for (c = t->cmds; c->run != NULL; c++) {
		const char *w;
		if (strncmp(c->name, argv[0], len) != 0 || c->name[len] != ' ')
			continue;
		w = c->name + len + 1;
		if (next.len > 0)
			rc_buf_adds(&next, ", ");
		rc_buf_add(&next, w, strcspn(w, " "));
	}
	if (next.len > 0 && argc < 2)
		rc_die(RC_EX_USAGE, "%s needs one of: %s", argv[0], next.s);
	if (next.len > 0)
		rc_die(RC_EX_USAGE, "%s: unknown action '%s' (%s)", argv[0], argv[1], next.s);
	rc_warn("unknown %s '%s'", t->noun ? t->noun : "command", argv[0]);
	usage_all(stderr, t);
	exit(RC_EX_USAGE);
}

/* getopt_long's tables from the shared options and the tool's. */
static struct option *
long_table(const struct rc_tool *t, char *shortopts, size_t n)
{
	const struct rc_optdef *set[2] = { shared_opts, t->opts };
	struct option *lo;
	size_t k = 0, cnt = 3, len = 1;
	int i;
	const struct rc_optdef *d;

	for (i = 0; i < 2; i++)
		for (d = set[i]; d != NULL && d->name != NULL; d++)
			cnt++;
	lo = rc_calloc(cnt, sizeof *lo);
	for (i = 0; i < 2; i++) {
		for (d = set[i]; d != NULL && d->name != NULL; d++) {
			lo[k].name = d->name;
			lo[k].has_arg = d->arg ? required_argument : no_argument;
			lo[k].val = d->id;
			k++;
			if (is_short(d->id) && len + 3 < n) {
				shortopts[len++] = (char)d->id;
				if (d->arg)
					shortopts[len++] = ':';
			}
		}
	}
	/* A leading ':' makes getopt tell a missing value (':') from an
	 * unknown option ('?'), for long options too. */
	shortopts[0] = ':';
	shortopts[len] = '\0';
	lo[k].name = "rc-spec";
	lo[k++].val = OPT_SPEC;
	lo[k].name = "rc-check-options";
	lo[k++].val = OPT_CHECK;
	return lo;
}

static const struct rc_optdef *
def_by_id(const struct rc_tool *t, int id, int *shared)
{
	const struct rc_optdef *d;

	*shared = 1;
	for (d = shared_opts; d->name != NULL; d++)
		if (d->id == id)
			return d;
	*shared = 0;
	for (d = t->opts; d != NULL && d->name != NULL; d++)
		if (d->id == id)
			return d;
	return NULL;
}

/* What the command line said, once getopt has read it. */
struct parsed {
	struct given *given;    /* the tool's own options, in order */
	int ngiven;
	int help, check_only, spec;
	int argc;               /* the operands, command words first */
	char **argv;
};

_Noreturn static void
bad_option(const struct rc_tool *t, int ch, char **argv)
{
	const char *what = ch == ':' ? "a value is needed after" : "unknown option";

	if (optopt != 0 && is_short(optopt))
		rc_warn("%s -%c", what, optopt);
	else
		rc_warn("%s '%s'", what, argv[optind - 1]);
	usage_all(stderr, t);
	exit(RC_EX_USAGE);
}

/* Reads every option (before or after the command words): the shared ones
 * into o, the tool's into pa->given for later. */
static void
parse_options(const struct rc_tool *t, struct rc_opts *o, int argc, char **argv,
    struct parsed *pa)
{
	char shortopts[128];
	struct option *lo = long_table(t, shortopts, sizeof shortopts);
	int ch;

	memset(pa, 0, sizeof *pa);
	pa->given = rc_calloc((size_t)argc + 1, sizeof *pa->given);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
		const struct rc_optdef *d;
		int shared;

		if (ch == '?' || ch == ':')
			bad_option(t, ch, argv);
		if (ch == OPT_SPEC || ch == OPT_CHECK) {
			pa->spec |= ch == OPT_SPEC;
			pa->check_only |= ch == OPT_CHECK;
			continue;
		}
		if ((d = def_by_id(t, ch, &shared)) == NULL)
			continue;
		if (ch == 'h')
			pa->help = 1;
		else if (ch == 'V')
			rc_version();
		else if (shared)
			rc_opts_parse(o, ch, optarg);
		else {
			pa->given[pa->ngiven].def = d;
			pa->given[pa->ngiven++].arg = optarg;
		}
	}
	free(lo);
	pa->argc = argc - optind;
	pa->argv = argv + optind;
}

/* The command named, or usage (help: exit 0; none or unknown: exit 2). */
static const struct rc_command *
command_of(const struct rc_tool *t, struct parsed *pa)
{
	const struct rc_command *c;
	int used;

	c = find_command(t, pa->argc, pa->argv, &used);
	if (pa->help) {
		if (c != NULL && (used > 0 || t->cmds[0].name == NULL))
			usage_cmd(stdout, t, c);
		else
			usage_all(stdout, t);
		exit(RC_EX_OK);
	}
	if (c == NULL && pa->argc == 0) {
		rc_warn("no %s given", t->noun ? t->noun : "command");
		usage_all(stderr, t);
		exit(RC_EX_USAGE);
	}
	if (c == NULL)
		unknown_command(t, pa->argc, pa->argv);
	pa->argc -= used;
	pa->argv += used;
	return c;
}

/* An option the command does not take is refused, the first one given
 * named: "cancel --name x" must not look as if it did something. */
static void
check_options(const struct rc_tool *t, const struct rc_command *c, const struct parsed *pa)
{
	char what[128];
	int i;

	for (i = 0; i < pa->ngiven; i++) {
		if (takes(t, c, pa->given[i].def))
			continue;
		snprintf(what, sizeof what, " does not take --%s", pa->given[i].def->name);
		die_cmd(t, c, what);
	}
}

static void
check_operands(const struct rc_tool *t, const struct rc_command *c, const struct parsed *pa)
{
	char what[128];

	if (pa->argc < c->min)
		die_cmd(t, c, ": missing argument");
	if (c->max >= 0 && pa->argc > c->max) {
		snprintf(what, sizeof what, ": unexpected argument '%.60s'", pa->argv[c->max]);
		die_cmd(t, c, what);
	}
}

/* Hands the tool its options, in command-line order. */
static void
set_options(const struct rc_tool *t, const struct rc_command *c, const struct parsed *pa,
    void *ctx)
{
	char what[160];
	int i;

	for (i = 0; i < pa->ngiven; i++) {
		const struct rc_optdef *d = pa->given[i].def;
		const char *arg = pa->given[i].arg;
		if (t->set == NULL || t->set(ctx, d->id, arg) == 0)
			continue;
		snprintf(what, sizeof what, ": --%s: '%.60s' is not a valid %s", d->name,
		    arg ? arg : "", d->arg ? d->arg : "value");
		die_cmd(t, c, what);
	}
}

int
rc_main(const struct rc_tool *t, struct rc_opts *o, void *ctx, int argc, char **argv)
{
	const struct rc_command *c;
	struct parsed pa;

	check_table(t);
	parse_options(t, o, argc, argv, &pa);
	if (pa.spec) {
		free(pa.given);
		return print_spec(t);
	}
	c = command_of(t, &pa);
	check_options(t, c, &pa);
	if (pa.check_only) {
		free(pa.given);
		return RC_EX_OK;
	}
	check_operands(t, c, &pa);
	set_options(t, c, &pa, ctx);
	free(pa.given);
	rc_opts_done(o);
	/* stdout checked here, with the command's status (rc_done). */
	return rc_out_end(c->run(ctx, pa.argc, pa.argv));
}

long
rc_arg_long(const char *opt, const char *s, long lo, long hi)
{
	long v;

	if (rc_parse_long(s, lo, hi, &v) < 0)
		rc_die(RC_EX_USAGE, "%s: '%s' is not a number in %ld-%ld", opt, s, lo, hi);
	return v;
}
