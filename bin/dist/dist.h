/*
 * dist.h - rc-dist's shared state and the helpers its views share.
 *
 * A view gathers its numbers first (all nodes queried at once through
 * rc_pipe) and then prints rows: TSV for scripts, an aligned table with bars
 * on a terminal.  A node that does not answer is marked "down" in the rows,
 * named on stderr, and makes the exit status 1; the rest still answer.
 */
#ifndef DIST_H
#define DIST_H

#include "rc.h"

#define TOP_DEFAULT 10
#define EVEN_PCT 10.0           /* "within 10% of even" */

enum { OPT_COUNT = RC_OPT_TOOL, OPT_BY };

/* What hot ranks slots by (--by). */
enum { BY_KEYS, BY_CPU, BY_NET, BY_NET_IN, BY_NET_OUT };

/* Keys per master, however they were counted. */
struct mcount {
	struct rc_node *n;          /* NULL: the unassigned slots */
	long long keys;             /* -1: unknown (the node did not answer) */
	int nslots;
	int refused;                /* RC_REFUSED_*: why keys is -1, when refused */
};

struct dist {
	struct rc_opts o;
	struct rc_cluster cl;
	int opened;
	char **args;                /* the view's operands, "-" taken out */
	int nargs;
	const char *match;          /* -m */
	long limit;                 /* -n: keys LIMIT (0: none) */
	int limit_set;
	long top;                   /* -n of hot: top N, sample size */
	double watch;               /* -w seconds, 0: once */
	long count;                 /* --count rounds of -w, 0: forever */
	int by;                     /* hot --by: BY_* */
	int stdin_src;              /* keys - / hot - */
	int round;
	long long ts;               /* the row prefix when watching as TSV */
	int bad;                    /* some node down or failing: exit 1 */
	int refused;                /* a node refused the password or a command:
				     * exit 3 */
	const char *view;           /* the view's name ("keys") */
	int estimated;              /* keys -n: some count is an estimate */
	long long found;            /* keys -n: the keys SCAN found */
	double share;               /* keys -n: the share of the keys it went over */
	long long *slotkeys;        /* per slot; -1 unknown */
	char *warnings;             /* this round's, one a line */
	size_t wlen;
	char *lastwarn;             /* the previous round's (watch: say changes) */
	struct rc_table *table;
};

/* One view: gathers and prints one round. */
typedef void view_fn(struct dist *);

/* The commands, one a view (rc_command.run; ctx is the struct dist). */
int run_nodes(void *ctx, int argc, char **argv);
int run_info(void *ctx, int argc, char **argv);
int run_slots(void *ctx, int argc, char **argv);
int run_keys(void *ctx, int argc, char **argv);
int run_hot(void *ctx, int argc, char **argv);

/* watch.c: takes keys' and hot's operands (keep: how many besides "-");
 * runs the view once, or every -w seconds, and returns the exit status. */
void dist_operands(struct dist *d, const char *view, int argc, char **argv, int keep);
int dist_run(struct dist *d, const char *name, int argc, char **argv, view_fn *view);

/* out.c: warnings, and rows as TSV or an aligned table. */
void note(struct dist *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void show_warnings(struct dist *d);
void row_begin(struct dist *d);
void cell(struct dist *d, int first, const char *s);
void long_cell(struct dist *d, const char *s);
void cellf(struct dist *d, int first, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void llcell(struct dist *d, long long v);
void id_cell(struct dist *d, const struct rc_node *n);
void bar_cell(struct dist *d, double frac);
void row_end(struct dist *d);
void header(struct dist *d, const char *tsv, const char *const *pretty, int ncols);
void table_done(struct dist *d);

/* cluster.c: the cluster, its nodes and their health. */
void connect_cluster(struct dist *d);
struct rc_node **sorted_nodes(struct dist *d, int masters_only, int *np);
const char *addr_of(const struct rc_node *n, char *buf, size_t len);
void node_failed(struct dist *d, struct rc_node *n, const redisReply *r);
void node_failed_why(struct dist *d, struct rc_node *n, const char *why);
const char *health(const struct rc_node *n, int answered, char *buf, size_t len);
int unhealthy(const char *flags);
int unassigned_note(struct dist *d, char **ranges);
void flagged_note(struct dist *d, int all);
int open_slots(struct dist *d, struct rc_node **v, int n, int *ans, struct rc_open **op);
char *open_note(struct dist *d, const struct rc_node *m, const struct rc_open *op,
    int nop);

/* count.c: keys per slot and per master. */
struct mcount *count_keys(struct dist *d, int *np);

#endif
