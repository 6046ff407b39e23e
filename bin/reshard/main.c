/*
 * rc-reshard - change who owns which slot: create, check, fix, add-node,
 * del-node, plan, apply, move, rebalance.
 *
 * Every change of ownership goes through the migration engine in
 * lib/migrate.c and every conversation with a node through lib/admin.c;
 * the command files make plans, check input and say what happened.  This
 * file is the tool's table: its options, its commands, and main().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reshard.h"

void
open_cluster(struct ctx *c, struct rc_cluster *cl)
{
	rc_cluster_open_or_die(cl, &c->o);
}

struct rc_node *
find_node(struct rc_cluster *cl, const char *spec)
{
	struct rc_node *n = rc_cluster_find(cl, spec);

	if (n == NULL)
		rc_die(RC_EX_USAGE, "unknown node '%s': give host:port or a node id "
		    "(or a unique prefix of 4+ characters) of this cluster", spec);
	return n;
}

/* "host:port" of a node; four calls may be used in one message. */
const char *
addr_of(const struct rc_node *n)
{
	static char buf[4][300];
	static int k;

	k = (k + 1) % 4;
	return rc_node_addr(n, buf[k], sizeof buf[k]);
}

/* Destructive actions ask on a terminal and need -y elsewhere. */
void
confirm(struct ctx *c, const char *what)
{
	char line[32];

	if (c->yes)
		return;
	if (!rc_isatty(STDIN_FILENO) || !rc_isatty(STDERR_FILENO))
		rc_die(RC_EX_USAGE, "%s: not on a terminal, add -y to go ahead", what);
	fprintf(stderr, "%s: %s? [y/N] ", rc_progname, what);
	fflush(stderr);
	if (fgets(line, sizeof line, stdin) == NULL || (line[0] != 'y' && line[0] != 'Y'))
		rc_die(RC_EX_NO, "%s: not confirmed", what);
}

/* The text of rc_done: each action with how many slots and which, and the
 * note of a change that is not a slot's (del-node's).  Made only when the
 * output was lost (rc_done_by): a move of thousands of slots says one more
 * each, and scanning every slot each time cost it 60 ms of CPU. */
static void
done_text(void *arg, char *text, size_t size)
{
	struct ctx *c = arg;
	char list[200];
	struct rc_range r[64];
	size_t used = 0;
	int i, s, nr, more;

	text[0] = '\0';
	for (i = 0; i < c->ndone && used < size; i++) {
		for (s = 0, nr = 0, more = 0; s < RC_NSLOTS && !more; s++) {
			if (!c->done[i].slots[s])
				continue;
			if (nr > 0 && r[nr - 1].hi == s - 1)
				r[nr - 1].hi = s;
			else if (nr < 64)
				r[nr].lo = r[nr].hi = s, nr++;
			else
				more = 1;
		}
		rc_ranges_fmt(r, nr, list, sizeof list);
		used += (size_t)snprintf(text + used, size - used, "%s%s %ld %s%s%s%s%s",
		    i ? "; " : "", c->done[i].action, c->done[i].n, nr > 0 ? "slot" : "node",
		    c->done[i].n == 1 ? "" : "s", nr > 0 ? " (" : "", list,
		    nr == 0 ? "" : more ? ",...)" : ")");
	}
	if (c->keys_done > 0 && used < size)
		used += (size_t)snprintf(text + used, size - used, ", %ld keys moved",
		    c->keys_done);
	if (c->done_note[0] != '\0' && used < size)
		snprintf(text + used, size - used, "%s%s", used ? "; " : "", c->done_note);
}

void
done_say(struct ctx *c)
{
	rc_done_by(done_text, c);
}

/* A change to slot by action (a row of the output): rc_done says every
 * change so far if the output cannot be written. */
void
done_slot(struct ctx *c, const char *action, int slot)
{
	int i;

	for (i = 0; i < c->ndone && strcmp(c->done[i].action, action) != 0; i++)
		;
	if (i == c->ndone) {
		if (i == (int)(sizeof c->done / sizeof c->done[0]))
			i--;    /* more kinds than fix has: counted with the last */
		else {
			c->done[i].action = action;
			c->done[i].slots = rc_calloc(RC_NSLOTS, 1);
			c->ndone++;
		}
	}
	c->done[i].n++;
	if (slot >= 0 && slot < RC_NSLOTS)
		c->done[i].slots[slot] = 1;
	done_say(c);
}

/* A number with a decimal point in [0, max]; -1 when it is not one. */
static double
fraction(const char *s, double max)
{
	char *end;
	double v = strtod(s, &end);

	return *s == '\0' || *end != '\0' || !(v >= 0) || v > max ? -1 : v;
}

static int
set_option(void *ctx, int id, const char *arg)
{
	struct ctx *c = ctx;

	switch (id) {
	case 'r':
		c->replicas = (int)rc_arg_long("-r", arg, 0, 100);
		break;
	case 'y':
		c->yes = 1;
		break;
	case O_REPLICA:
		c->as_replica = 1;
		break;
	case O_REPLICA_OF:
		c->replica_of = arg;
		break;
	case O_FROM:
		c->from = arg;
		break;
	case O_TO:
		c->to = arg;
		break;
	case O_SLOTS:
		c->nslots = rc_arg_long("--slots", arg, 1, RC_NSLOTS);
		break;
	case O_WEIGHT:
		c->wspec = rc_realloc(c->wspec, (size_t)(c->nw + 1) * sizeof *c->wspec);
		c->wspec[c->nw++] = arg;
		break;
	case O_USE_EMPTY:
		c->use_empty = 1;
		break;
	case O_THRESHOLD:
		if ((c->threshold = fraction(arg, 1000)) < 0)
			rc_die(RC_EX_USAGE, "--threshold: '%s' is not a percentage", arg);
		break;
	case O_BY:
		if (strcmp(arg, "keys") != 0 && strcmp(arg, "slots") != 0)
			rc_die(RC_EX_USAGE, "--by: want slots or keys, not '%s'", arg);
		c->by_keys = strcmp(arg, "keys") == 0;
		break;
	case O_DRY_RUN:
		c->dry_run = 1;
		break;
	case O_REPLACE:
		c->m.replace = 1;
		break;
	case O_BATCH:
		c->m.batch = (int)rc_arg_long("--batch", arg, 1, 100000);
		break;
	case O_PARALLEL:
		c->m.parallel = (int)rc_arg_long("--parallel", arg, 1, 64);
		break;
	case O_CHUNK:
		c->m.chunk = (int)rc_arg_long("--chunk", arg, 1, 1024);
		break;
	case O_MTIMEOUT:
		c->m.timeout_ms = (int)rc_arg_long("--migrate-timeout", arg, 1, 3600000);
		break;
	case O_WAIT:
		c->wait_s = (int)rc_arg_long("--wait", arg, 1, 3600);
		c->wait_given = 1;
		break;
	case O_WAIT_LOCK:
		c->wait_lock = (double)rc_arg_long("--wait-lock", arg, 0, 86400);
		break;
	case O_BREAK_LEASE:
		c->break_lease = 1;
		break;
	case O_DURABLE:
	case O_NO_DURABLE:
		c->m.durable = id == O_DURABLE;
		break;
	}
	return 0;
}

/* ---- one operator at a time -------------------------------------------------- */

/* fix --break-lease: ends the lease of a holder that is frozen or cut off
 * (a holder that died has none: its connections closed with it). */
static void
break_lease(struct ctx *c, struct rc_cluster *cl)
{
	char who[600] = "", err[600] = "";
	int n = rc_lease_break(cl, who, sizeof who, err, sizeof err);

	if (n < 0)
		rc_die(RC_EX_CLUSTER, "--break-lease: %s", err);
	if (n == 0)
		rc_warn("--break-lease: no lease was held");
	else
		rc_warn("--break-lease: ended the lease of %s", who);
	(void)c;
}

/*
 * A command that changes the cluster holds the lease while it runs
 * (lib/lease.c), so a second operator is told who is at work instead of
 * racing it: two moves of the same slots at once lose keys.  A dry run
 * changes nothing and takes none.  The lease is released when the command
 * returns, and by the kernel when the process dies however it dies.
 */
static int
leased(struct ctx *c, const char *what, int (*run)(void *, int, char **), int argc,
    char **argv)
{
	struct rc_cluster cl;
	struct rc_lease *l;
	char err[800];
	int rc;

	if (c->dry_run)
		return run(c, argc, argv);
#ifdef RC_BENCH_UNGUARDED
	/* make bench's build without the lease and the guard, to price them. */
	return run(c, argc, argv);
#endif
	open_cluster(c, &cl);
	if (c->break_lease)
		break_lease(c, &cl);
	rc = rc_lease_take(&cl, what, c->wait_lock, &l, err, sizeof err);
	rc_cluster_close(&cl);
	if (rc == 1)
		rc_die(RC_EX_NO, "%s: another operator is changing the cluster: %s; nothing "
		    "done (--wait-lock SECS waits for it; if that process is stuck or cut "
		    "off, 'rc-reshard -y fix --break-lease' ends its lease)", what, err);
	if (rc < 0)
		rc_die(RC_EX_CLUSTER, "%s: cannot take the change lease: %s", what, err);
	rc = run(c, argc, argv);
	rc_lease_release(l);
	return rc;
}

static int
run_fix(void *ctx, int argc, char **argv)
{
	return leased(ctx, "fix", cmd_fix, argc, argv);
}

static int
run_add_node(void *ctx, int argc, char **argv)
{
	return leased(ctx, "add-node", cmd_add_node, argc, argv);
}

static int
run_del_node(void *ctx, int argc, char **argv)
{
	return leased(ctx, "del-node", cmd_del_node, argc, argv);
}

static int
run_apply(void *ctx, int argc, char **argv)
{
	return leased(ctx, "apply", cmd_apply, argc, argv);
}

static int
run_move(void *ctx, int argc, char **argv)
{
	return leased(ctx, "move", cmd_move, argc, argv);
}

static int
run_rebalance(void *ctx, int argc, char **argv)
{
	return leased(ctx, "rebalance", cmd_rebalance, argc, argv);
}

static const struct rc_optdef options[] = {
	{ 'r', "replicas", "N", NULL, "create: replicas per master (0)" },
	{ 'y', "yes", NULL, NULL, "yes to destructive actions (needed off a terminal)" },
	{ O_REPLICA, "replica", NULL, NULL, "add-node: as a replica of the master with fewest" },
	{ O_REPLICA_OF, "replica-of", "NODE", "@node", "add-node: as a replica of this master" },
	{ O_FROM, "from", "NODE", "@node all", "move: the source master, or all" },
	{ O_TO, "to", "NODE", "@node", "move: the target master" },
	{ O_SLOTS, "slots", "N", NULL, "move: how many slots" },
	{ O_WEIGHT, "weight", "NODE=W", "@node", "rebalance: a master's weight (1), again for more" },
	{ O_USE_EMPTY, "use-empty", NULL, NULL, "rebalance: masters with no slots take part" },
	{ O_THRESHOLD, "threshold", "PCT", NULL, "rebalance: percent off target before a move (2)" },
	{ O_BY, "by", "WHAT", "slots keys", "rebalance: balance slots (default) or keys" },
	{ O_DRY_RUN, "dry-run", NULL, NULL, "print the plan (fix: the open slots), change nothing" },
	{ O_REPLACE, "replace", NULL, NULL, "overwrite keys that exist on the target" },
	{ O_BATCH, "batch", "N", NULL, "keys per MIGRATE (1000)" },
	{ O_PARALLEL, "parallel", "N", NULL, "slots moved at once, by threads (8)" },
	{ O_CHUNK, "chunk", "N", NULL, "slots open at once per source and target (32)" },
	{ O_MTIMEOUT, "migrate-timeout", "MS", NULL, "MIGRATE's own timeout (10000)" },
	{ O_DURABLE, "durable", NULL, NULL,
	  "close a slot only once a replica of its target has its keys (the default)" },
	{ O_NO_DURABLE, "no-durable", NULL, NULL,
	  "close slots without waiting for the target's replica" },
	{ O_WAIT, "wait", "SECS", NULL, "how long to wait for the nodes to agree (60)" },
	{ O_WAIT_LOCK, "wait-lock", "SECS", NULL,
	  "wait this long for another operator's change to end (0: do not wait)" },
	{ O_BREAK_LEASE, "break-lease", NULL, NULL,
	  "fix: end the change lease of an operator that is stuck or cut off" },
	{ 0, NULL, NULL, NULL, NULL }
};

#define ENGINE "replace batch parallel chunk migrate-timeout durable no-durable wait wait-lock"
#define REBALANCE "weight use-empty threshold by"

static const struct rc_command commands[] = {
	{ "create", 1, -1, "replicas wait", "[-r N] HOST:PORT ...",
	  "make a cluster of empty nodes", "@host", cmd_create },
	{ "check", 0, 0, NULL, "", "list every problem (exit 1 if any)", NULL, cmd_check },
	{ "settled", 0, 0, "wait", "[--wait SECS]",
	  "print the map when every node agrees on it, reports ok, serves every replica "
	  "and none is failing (exit 1 if not; --wait: until then)", NULL, cmd_check_settled },
	{ "fix", 0, 0, "yes dry-run break-lease " ENGINE, "[-y] [--dry-run] [--break-lease]",
	  "finish or roll back open slots, cover slots", NULL, run_fix },
	{ "add-node", 1, 1, "replica replica-of wait wait-lock",
	  "NEW [--replica | --replica-of NODE]",
	  "join an empty node, as a master or a replica", "@host", run_add_node },
	{ "del-node", 1, 1, "yes dry-run " ENGINE, "[-y] [--dry-run] NODE",
	  "drain, re-home replicas, forget, reset", "@node", run_del_node },
	{ "plan move", 0, 0, "from to slots", "--from NODE|all --to NODE --slots N",
	  "print a plan to move N slots", NULL, cmd_plan_move },
	{ "plan rebalance", 0, 0, REBALANCE,
	  "[--weight NODE=W ...] [--use-empty] [--threshold PCT] [--by slots|keys]",
	  "print a plan to even out the masters", NULL, cmd_plan_rebalance },
	{ "apply", 0, 0, "yes dry-run " ENGINE, "[--dry-run] < PLAN",
	  "carry out a plan read on stdin", NULL, run_apply },
	{ "move", 0, 0, "yes from to slots dry-run " ENGINE,
	  "--from NODE|all --to NODE --slots N [--dry-run]",
	  "plan and apply in one (--dry-run: plan only)", NULL, run_move },
	{ "rebalance", 0, 0, "yes dry-run " REBALANCE " " ENGINE,
	  "[--weight NODE=W ...] [--use-empty] [--threshold PCT] [--by slots|keys] [--dry-run]",
	  "plan and apply in one (--dry-run: plan only)", NULL, run_rebalance },
	{ NULL, 0, 0, NULL, NULL, NULL, NULL, NULL }
};

static const struct rc_tool tool = {
	.name = "rc-reshard",
	.args = "command [args]",
	.about = "  change who owns which slot",
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
	rc_mig_defaults(&c.m);
	c.nslots = -1;
	c.threshold = 2;
	c.wait_s = 60;
	return rc_main(&tool, &c.o, &c, argc, argv);
}
