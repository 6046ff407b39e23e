/*
 * reshard.h - what rc-reshard's command files share: the options given,
 * the counts of a run, and the helpers every family uses.
 */
#ifndef RESHARD_H
#define RESHARD_H

#include "rc.h"

struct ctx {
	struct rc_opts o;
	struct rc_mig_opts m;
	int replicas;                   /* create -r */
	int as_replica;                 /* add-node --replica */
	const char *replica_of;         /* add-node --replica-of */
	const char *from, *to;          /* move --from, --to */
	long nslots;                    /* move --slots */
	const char **wspec;             /* rebalance --weight NODE=W */
	int nw;
	int use_empty, by_keys, dry_run, yes;
	double threshold;
	int wait_s;                     /* how long to wait for agreement */
	int wait_given;                 /* --wait was given */
	/* progress and counts of moving slots */
	struct rc_progress prog;
	long slots_done, keys_done, slots_failed;
	int failed_slot[8];             /* the first failed slots, for the summary */
	char failed_why[400];           /* the first failure's reason */
	int fix_rows;                   /* rows in fix's form */
	/* what the run changed, by action, for rc_done (main.c) */
	struct done_action {
		const char *action;     /* "moved", "finished", "assigned", ... */
		long n;
		unsigned char *slots;   /* [RC_NSLOTS]: the slots it touched */
	} done[8];
	int ndone;
	char done_note[400];
	/* the change lease (main.c) */
	double wait_lock;               /* --wait-lock: wait for another operator */
	int break_lease;                /* fix --break-lease */
};

/* Option ids without a short form. */
enum {
	O_REPLICA = RC_OPT_TOOL, O_REPLICA_OF, O_FROM, O_TO, O_SLOTS, O_WEIGHT,
	O_USE_EMPTY, O_THRESHOLD, O_BY, O_DRY_RUN, O_REPLACE, O_BATCH, O_PARALLEL,
	O_CHUNK, O_MTIMEOUT, O_WAIT, O_WAIT_LOCK, O_BREAK_LEASE, O_DURABLE, O_NO_DURABLE
};

/* main.c: helpers */
void open_cluster(struct ctx *c, struct rc_cluster *cl);
struct rc_node *find_node(struct rc_cluster *cl, const char *spec);
const char *addr_of(const struct rc_node *n);
void confirm(struct ctx *c, const char *what);
void done_slot(struct ctx *c, const char *action, int slot);
void done_say(struct ctx *c);

/* create.c */
int cmd_create(void *ctx, int argc, char **argv);

/* check.c */
int cmd_check(void *ctx, int argc, char **argv);
int cmd_check_settled(void *ctx, int argc, char **argv);

/* fix.c */
int cmd_fix(void *ctx, int argc, char **argv);

/* nodes.c */
int cmd_add_node(void *ctx, int argc, char **argv);
int cmd_del_node(void *ctx, int argc, char **argv);
struct rc_node *fewest_replicas(struct rc_cluster *cl, const struct rc_node *not);

/* moves.c */
int cmd_plan_move(void *ctx, int argc, char **argv);
int cmd_plan_rebalance(void *ctx, int argc, char **argv);
int cmd_apply(void *ctx, int argc, char **argv);
int cmd_move(void *ctx, int argc, char **argv);
int cmd_rebalance(void *ctx, int argc, char **argv);
void print_plan(const struct rc_move *mv, int n);
int run_moves(struct ctx *c, struct rc_cluster *cl, const struct rc_move *mv, int n);
extern int nstay;
void stay_put(struct ctx *c, struct rc_cluster *cl, const struct rc_node *gone);
void stay_restore(void);

#endif
