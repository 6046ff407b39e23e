/* failover.h - rc-failover's commands and the state they share. */
#ifndef FAILOVER_H
#define FAILOVER_H

#include "rc.h"

enum {
	OPT_FORCE = RC_OPT_TOOL,
	OPT_TAKEOVER,
	OPT_WAIT,
	OPT_UNTIL_OK
};

struct fo {
	struct rc_opts o;
	int mode;               /* RC_FO_*: promote --force, --takeover */
	int wait_s;             /* promote --wait */
	int duration_s;         /* probe, watch -d; 0: the command's default */
	int rate;               /* probe -r: operations a second */
	int until_ok;           /* watch --until-ok */
};

/* status.c */
int cmd_status(void *ctx, int argc, char **argv);
/* promote.c */
int cmd_promote(void *ctx, int argc, char **argv);
/* probe.c */
int cmd_probe(void *ctx, int argc, char **argv);
/* watch.c */
int cmd_watch(void *ctx, int argc, char **argv);

/* main.c: opens the cluster or exits 3 with the reason (and its hint). */
void fo_open(struct fo *f, struct rc_cluster *cl);

#endif
