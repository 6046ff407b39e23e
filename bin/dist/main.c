/*
 * rc-dist - where the slots and the keys of a Redis Cluster live: nodes and
 * the cluster's state, slot ranges, key counts per master and per slot, the
 * hottest slots; -w watches any of them.
 *
 * Each view is a command of the table below, in the file of its family:
 * nodes.c (nodes, info), slots.c, keys.c (counting in count.c), hot.c; the
 * -w loop in watch.c, the cluster and its warnings in cluster.c, rows and
 * tables in out.c.
 */
#include <stdlib.h>
#include <string.h>

#include "dist.h"

static const struct rc_optdef options[] = {
	{ 'm', "match", "PATTERN", NULL,
	  "keys, hot: only the keys that match the pattern (SCAN MATCH)" },
	{ 'n', "limit", "N", NULL,
	  "keys: stop the SCAN after about N keys and estimate; hot: N rows, or N "
	  "sample keys" },
	{ 'w', "watch", "SECS", NULL,
	  "redraw every SECS seconds (TSV: rows prefixed with a unix time)" },
	{ OPT_COUNT, "count", "N", NULL, "with -w: stop after N rounds" },
	{ OPT_BY, "by", "WHAT", "keys cpu net net-in net-out",
	  "hot: rank slots by keys (default), cpu time or network bytes "
	  "(CLUSTER SLOT-STATS)" },
	{ 0, NULL, NULL, NULL, NULL }
};

static const struct rc_command commands[] = {
	{ "nodes", 0, 0, NULL, "",
	  "one row per node: role, slots, keys, memory, ops/s, replication lag, "
	  "cluster state, health flags", NULL, run_nodes },
	{ "info", 0, 0, NULL, "", "the cluster-wide state in one row", NULL, run_info },
	{ "slots", 0, 0, NULL, "", "slot ranges per master; unassigned and open slots",
	  NULL, run_slots },
	{ "keys", 0, 1, "match", "[-m pat] [-n limit] [-]",
	  "keys per master: exact live counts, a SCAN MATCH of pat (at most limit "
	  "keys), or rc-slot rows from stdin", "@stdin", run_keys },
	{ "hot", 0, 2, "match by", "[-n top] [--by keys|cpu|net] [-m pat] [-] [slot | node]",
	  "the slots with the most keys, cpu or network; with a slot or a node, sample "
	  "keys from it",
	  "@stdin @node", run_hot },
	{ NULL, 0, 0, NULL, NULL, NULL, NULL, NULL }
};

/* --by's words, in BY_* order. */
static int
by_name(const char *arg)
{
	static const char *const names[] = { "keys", "cpu", "net", "net-in", "net-out" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(arg, names[i]) == 0)
			return (int)i;
	rc_die(RC_EX_USAGE, "--by: '%s' is not keys, cpu, net, net-in or net-out", arg);
}

static int
set_option(void *ctx, int id, const char *arg)
{
	struct dist *d = ctx;
	char *end;

	switch (id) {
	case 'm':
		d->match = arg;
		break;
	case 'n':
		if (rc_parse_long(arg, 0, 1L << 40, &d->limit) < 0)
			rc_die(RC_EX_USAGE, "-n: '%s' is not a count (0 or more)", arg);
		d->limit_set = 1;
		break;
	case 'w':
		d->watch = strtod(arg, &end);
		if (end == arg || *end != '\0' || !(d->watch >= 0.1) || d->watch > 86400)
			rc_die(RC_EX_USAGE, "-w: '%s' is not a number of seconds (0.1 or "
			    "more)", arg);
		break;
	case OPT_BY:
		d->by = by_name(arg);
		break;
	case OPT_COUNT:
		if (rc_parse_long(arg, 1, 1L << 30, &d->count) < 0)
			rc_die(RC_EX_USAGE, "--count: '%s' is not a count (1 or more)", arg);
		break;
	}
	return 0;
}

/* -n is taken by every view, as it always was, though only keys and hot
 * use it. */
static const struct rc_tool tool = {
	.name = "rc-dist",
	.args = "[-w secs [--count n]] view [args]",
	.about = "  where the slots and the keys of a Redis Cluster live; views:",
	.opts = options,
	.cmds = commands,
	.every = "limit watch count",
	.set = set_option,
	.noun = "view",
};

int
main(int argc, char **argv)
{
	struct dist d;

	rc_init(argv[0]);
	memset(&d, 0, sizeof d);
	rc_opts_init(&d.o);
	return rc_main(&tool, &d.o, &d, argc, argv);
}
