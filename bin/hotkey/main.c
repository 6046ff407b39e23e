/*
 * rc-hotkey - make hot-key traffic, find the hot keys cluster-wide on any
 * server version, and tell a hot key from a hot slot from a hot master.
 *
 * gen.c makes the traffic; top.c ranks keys from a MONITOR sample of every
 * node (sample.c) or from stdin; slots.c adds up the same sample per slot
 * and per master.  The conversations with the cluster are lib/hotkey.c's.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "hotkey.h"

static volatile sig_atomic_t stopped;

static void
on_signal(int sig)
{
	(void)sig;
	stopped = 1;
}

int
hk_stopped(void *ud)
{
	(void)ud;
	return stopped;
}

void
hk_open(struct hk *h, struct rc_cluster *cl)
{
	rc_cluster_open_or_die(cl, &h->o);
}

/* A number of seconds or a share: a decimal in [lo, hi]. */
static double
arg_double(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v >= lo && v <= hi))
		rc_die(RC_EX_USAGE, "%s: '%s' is not a number from %g to %g", opt, s, lo, hi);
	return v;
}

static int
set_gen_option(struct hk *h, int id, const char *arg)
{
	switch (id) {
	case OPT_KEYS:
		h->gen.keys = (uint64_t)rc_arg_long("--keys", arg, 1, 1000000000L);
		break;
	case OPT_ZIPF:
		h->gen.zipf = arg_double("--zipf", arg, 0, 10);
		break;
	case OPT_HOT:
		h->hotlist = rc_strdup(arg);
		break;
	case OPT_HOT_SHARE:
		h->gen.hot_share = arg_double("--hot-share", arg, 0, 100) / 100;
		break;
	case OPT_READS:
		h->gen.reads = arg_double("--reads", arg, 0, 100) / 100;
		break;
	case 'r':
		h->gen.rate = rc_arg_long("-r", arg, 1, 10000000L);
		break;
	case OPT_COUNT:
		h->gen.count = (uint64_t)rc_arg_long("--count", arg, 1, 1L << 50);
		break;
	case 'P':
		h->gen.pipeline = (int)rc_arg_long("-P", arg, 1, 10000);
		break;
	case OPT_VALUE_SIZE:
		h->gen.value_size = (int)rc_arg_long("--value-size", arg, 0, 1 << 20);
		break;
	case OPT_PREFIX:
		if (strlen(arg) > 200)
			rc_die(RC_EX_USAGE, "--prefix: at most 200 bytes");
		h->gen.prefix = arg;
		break;
	case OPT_CACHE_MS:
		h->gen.cache_ms = rc_arg_long("--cache-ms", arg, 1, 3600000L);
		break;
	case OPT_SEED:
		h->gen.seed = (uint64_t)rc_arg_long("--seed", arg, 0, 1L << 62);
		break;
	default:
		return -1;
	}
	return 0;
}

static int
set_option(void *ctx, int id, const char *arg)
{
	struct hk *h = ctx;

	switch (id) {
	case 'd':
		h->duration = arg_double("-d", arg, 0.1, 86400);
		break;
	case 'k':
		h->k = rc_arg_long("-k", arg, 1, 10000);
		break;
	case OPT_REPLICAS:
		h->replicas = h->gen.replicas = 1;
		break;
	case OPT_COUNTERS:
		h->counters = rc_arg_long("--counters", arg, 10, 10000000L);
		break;
	case OPT_MIN_SHARE:
		h->min_share = arg_double("--min-share", arg, 0.001, 100);
		break;
	case OPT_LFU:
		h->lfu = 1;
		break;
	case 'n':
		h->node = 1;
		break;
	default:
		return set_gen_option(h, id, arg);
	}
	return 0;
}

static const struct rc_optdef options[] = {
	{ 'd', "duration", "SECS", "1 5 10 30", "how long gen runs (10) or the sample lasts (5)" },
	{ OPT_KEYS, "keys", "N", "1000 100000 1000000", "gen: how many keys (100000)" },
	{ OPT_ZIPF, "zipf", "S", "0 0.8 1.1 1.5", "gen: Zipf exponent of the key ranks (0: uniform)" },
	{ OPT_HOT, "hot", "KEY,...", NULL, "gen: a named hot set, comma-separated" },
	{ OPT_HOT_SHARE, "hot-share", "PCT", "10 50 90", "gen: percent of operations on the hot set (50)" },
	{ OPT_READS, "reads", "PCT", "50 90 100", "gen: percent of operations that are GETs (90)" },
	{ 'r', "rate", "OPS", "1000 10000", "gen: operations a second (default: flat out)" },
	{ OPT_COUNT, "count", "N", NULL, "gen: stop after N operations" },
	{ 'P', "pipeline", "N", "1 16 64 256", "gen: commands per round trip (64)" },
	{ OPT_VALUE_SIZE, "value-size", "BYTES", "16 100 1000", "gen: SET's value size (16)" },
	{ OPT_PREFIX, "prefix", "TEXT", NULL, "gen: key prefix (key:)" },
	{ OPT_SEED, "seed", "N", NULL, "gen: random seed (1)" },
	{ OPT_CACHE_MS, "cache-ms", "MS", "100 1000", "gen: keep each GET's value MS ms, read it locally" },
	{ 'k', "top", "N", "10 20 100", "top, slots: how many rows (10)" },
	{ OPT_REPLICAS, "replicas", NULL, NULL, "gen: GETs to replicas (READONLY); top, slots: sample them too" },
	{ OPT_COUNTERS, "counters", "M", "1000 10000", "top: counters per sketch (max(1000, 100 k))" },
	{ OPT_MIN_SHARE, "min-share", "PCT", "0.5 1 5", "top: a key is hot when surely this share of all (1)" },
	{ OPT_LFU, "lfu", NULL, NULL, "top: OBJECT FREQ over SCAN on every master (LFU policy)" },
	{ 'n', "node", NULL, NULL, "top -: add the key's live owner" },
	{ 0, NULL, NULL, NULL, NULL }
};

static const struct rc_command commands[] = {
	{ "gen", 0, 0, "duration keys zipf hot hot-share reads replicas rate count pipeline "
	  "value-size prefix seed cache-ms", "[-d SECS] [--keys N] [--zipf S | --hot KEY,...] "
	  "[--reads PCT] [--replicas] [--cache-ms MS] [-r OPS]",
	  "GET/SET traffic over N keys, Zipf or a hot set, routed in pipelines: ops/s each second",
	  NULL, cmd_gen },
	{ "top", 0, 1, "duration top replicas counters min-share lfu node",
	  "[-k N] [-d SECS] [--replicas | --lfu] [-n] [-]",
	  "the cluster-wide top-k keys by operations, from every node's MONITOR (or stdin: -)",
	  "@stdin", cmd_top },
	{ "slots", 0, 0, "duration top replicas counters", "[-k N] [-d SECS] [--replicas]",
	  "operations per slot and per master from the same sample: a hot key, slot or master",
	  NULL, cmd_slots },
	{ NULL, 0, 0, NULL, NULL, NULL, NULL, NULL }
};

static const struct rc_tool tool = {
	.name = "rc-hotkey",
	.args = "command [args]",
	.about = "  make hot-key traffic, find the hot keys, tell a hot key from a hot slot or master.",
	.opts = options,
	.cmds = commands,
	.set = set_option,
};

int
main(int argc, char **argv)
{
	struct hk h;
	struct sigaction sa;

	rc_init(argv[0]);
	memset(&h, 0, sizeof h);
	h.k = 10;
	h.min_share = 1;
	h.gen.keys = 100000;
	h.gen.hot_share = 0.5;
	h.gen.reads = 0.9;
	h.gen.pipeline = 64;
	h.gen.value_size = 16;
	h.gen.prefix = "key:";
	h.gen.seed = 1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc_opts_init(&h.o);
	return rc_main(&tool, &h.o, &h, argc, argv);
}
