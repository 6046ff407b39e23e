/*
 * rc-failover - see a failover, cause one safely, and measure what clients
 * lose: status of every replica, promote one, probe availability.
 */
#include <string.h>

#include "failover.h"

void
fo_open(struct fo *f, struct rc_cluster *cl)
{
	rc_cluster_open_or_die(cl, &f->o);
}

static int
set_option(void *ctx, int id, const char *arg)
{
	struct fo *f = ctx;

	switch (id) {
	case OPT_FORCE:
	case OPT_TAKEOVER:
		if (f->mode != RC_FO_DEFAULT)
			rc_die(RC_EX_USAGE, "--force and --takeover: give one of them");
		f->mode = id == OPT_FORCE ? RC_FO_FORCE : RC_FO_TAKEOVER;
		break;
	case OPT_WAIT:
		f->wait_s = (int)rc_arg_long("--wait", arg, 1, 3600);
		break;
	case OPT_UNTIL_OK:
		f->until_ok = 1;
		break;
	case 'd':
		f->duration_s = (int)rc_arg_long("-d", arg, 1, 3600);
		break;
	case 'r':
		f->rate = (int)rc_arg_long("-r", arg, 1, 5000);
		break;
	default:
		return -1;
	}
	return 0;
}

static const struct rc_optdef options[] = {
	{ OPT_FORCE, "force", NULL, NULL,
	  "promote without the master's agreement (it is down): CLUSTER FAILOVER FORCE" },
	{ OPT_TAKEOVER, "takeover", NULL, NULL,
	  "promote without any agreement (no majority): CLUSTER FAILOVER TAKEOVER" },
	{ OPT_WAIT, "wait", "SECS", "10 30 60 120",
	  "how long to wait until every node agrees (default 60)" },
	{ OPT_UNTIL_OK, "until-ok", NULL, NULL,
	  "watch: stop once something changed and every node is ok again" },
	{ 'd', "duration", "SECS", "10 30 60 300",
	  "how long probe (default 10) or watch (default 60) runs" },
	{ 'r', "rate", "N", "100 500 1000", "probe operations a second (default 200)" },
	{ 0, NULL, NULL, NULL, NULL }
};

static const struct rc_command commands[] = {
	{ "status", 0, 0, NULL, "",
	  "every node: shard, role, link, lag in bytes and ms, could it fail over now",
	  NULL, cmd_status },
	{ "promote", 1, 1, "force takeover wait", "[--force | --takeover] [--wait SECS] REPLICA",
	  "CLUSTER FAILOVER on REPLICA (host:port or id prefix), then a timeline until all agree",
	  "@node", cmd_promote },
	{ "probe", 0, 0, "duration rate", "[-d SECS] [-r RATE]",
	  "writes and reads on every master: a row a second, availability, writes lost",
	  NULL, cmd_probe },
	{ "watch", 0, 0, "duration until-ok", "[-d SECS] [--until-ok]",
	  "every node's own view, polled: PFAIL, FAIL, epochs, roles, slots, state as they change",
	  NULL, cmd_watch },
	{ NULL, 0, 0, NULL, NULL, NULL, NULL, NULL }
};

static const struct rc_tool tool = {
	.name = "rc-failover",
	.args = "command [args]",
	.about = "  see a failover, cause one safely, measure what clients lose.",
	.opts = options,
	.cmds = commands,
	.set = set_option,
};

int
main(int argc, char **argv)
{
	struct fo f;

	rc_init(argv[0]);
	memset(&f, 0, sizeof f);
	f.wait_s = 60;
	f.rate = 200;
	rc_opts_init(&f.o);
	return rc_main(&tool, &f.o, &f, argc, argv);
}
