/*
 * migrate.h - what the migration engine's files share (not public: the
 * tools see rc_migrate in rc.h).  migrate.c hands jobs to worker threads;
 * migjob.c runs one (open a pair's slots, move their keys, close them);
 * migkeys.c moves one job's keys with MIGRATE, and key by key when a key is
 * busy or too big; migslot.c sends a round of SETSLOTs.
 */
#ifndef MIGRATE_H
#define MIGRATE_H

#include <pthread.h>

#include "rc.h"

/* A job: some slots of one source/target pair, opened and closed together. */
struct job {
	const char *from, *to;
	int *slots;
	int n;
	int state;              /* J_WAITING, J_RUNNING, J_DONE (engine's lock) */
};
enum { J_WAITING, J_RUNNING, J_DONE };

struct engine {
	const struct rc_opts *o;
	const struct rc_mig_opts *m;
	struct job *jobs;
	int njobs, next;
	pthread_mutex_t mu;
	pthread_cond_t job_done;    /* a job ended: one that waited may start */
	int failed, unreachable, abort;
	int replicas_refused;       /* a node said NOREPLICAS (Valkey 8): its later
				     * timeouts wait on the same replica, not a node
				     * that is gone */
	char err[512];
	/* One lock per source node: at most one MIGRATE at a time on it. */
	const char **srcid;
	pthread_mutex_t *srcmu;
	int nsrc;
	/* Targets said to have no replica (--durable), each said once. */
	char (*norep)[41];          /* targets warned of: ids copied (a worker's nodes go with it) */
	int nnorep;
};

/* Where one slot of a job stands. */
enum { S_ACTIVE, S_KEYSDONE, S_DONE, S_FAILED };

/* One slot of a job. */
struct slot_state {
	int slot;
	int state;
	int importing, migrating;   /* we set them (to undo on failure) */
	int claimed;                /* SETSLOT NODE on the target done */
	int resume;                 /* open as this move already (guard.c) */
	long keys;
	int tries;
	uint64_t t0;
	char err[400];
};

/* SETSLOT on a node that waits for its replicas (Valkey 8) is spread over
 * connections of the worker's own, at most this many per node. */
#define SPREAD_MAX 32

/* A worker's extra connections to one node, and whether its SETSLOT waits. */
struct spread {
	char id[41];
	int waits;                  /* -1 not asked yet, 0 no, 1 yes */
	redisContext *c[SPREAD_MAX];
};

/* Every spread of one worker. */
struct pool {
	struct spread *s;
	int n;
};

/* A job being run by a worker: the source and target nodes, our connections
 * to them (from, to), the lock that lets one MIGRATE at a time run on the
 * source, and the job's slots. */
struct run {
	struct engine *e;
	struct rc_cluster *cl;
	const struct job *j;
	struct rc_node *src, *dst;
	redisContext *from, *to;
	pthread_mutex_t *src_lock;
	struct slot_state *sl;
	int n;
	redisReply **rep;           /* the replies of one pipelined round */
	struct pool *pool;          /* the worker's extra connections */
	char why[400];              /* why a node was lost */
	struct timeval tv;          /* the source's read timeout (a MIGRATE's) */
};

/* The MIGRATE of one slot's keys: a head that stays (target, timeout,
 * REPLACE, AUTH, KEYS), then the keys. */
struct margv {
	const char **argv;
	size_t *len;
	int head, argc, cap;
	char port[16], tmo[16];
};

/* SETSLOTs sent and not read yet: the k-th (for slot[k]) went over
 * cs[k % m]. */
struct sent {
	struct rc_node *x;
	const char *sub, *id;
	redisContext *cs[SPREAD_MAX];
	int m, k;
	int *slot;
};

/* migrate.c */
void mig_engine_error(struct engine *e, int unreachable, const char *msg);
int mig_err_has(const redisReply *r, const char *what);
int mig_is_ok(const redisReply *r);
const char *mig_rtext(const redisReply *r);
int mig_transient(const redisReply *r);
int mig_target_down(redisContext *to, const struct rc_node *dst, const struct rc_opts *o,
    char *why, size_t whylen);
int mig_read_replies(redisContext *c, int n, redisReply **rep);
void mig_free_replies(redisReply **rep, int n);
void mig_fail(struct slot_state *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mig_keeps_failing(struct slot_state *s, const redisReply *r);
pthread_mutex_t *mig_source_lock(struct engine *e, const char *id);
void mig_engine_abort(struct engine *e, const char *msg);
void mig_report(struct engine *e, const struct job *j, struct slot_state *s);

/* migjob.c */
void mig_run_job(struct engine *e, struct rc_cluster *cl, struct pool *pool,
    const struct job *j);
int mig_finishing(const struct run *r, const struct slot_state *s);

/* migslot.c */
void mig_setslot_send(struct run *r, struct rc_node *x, redisContext *c, int want,
    const char *sub, const char *id, struct sent *t);
int mig_setslot_recv(struct run *r, struct sent *t, redisReply **rep);
int mig_setslot_all(struct run *r, struct rc_node *x, redisContext *c, int want,
    const char *sub, const char *id);
void mig_pool_free(struct pool *p);

/* migkeys.c */
int mig_move_keys(struct run *r);
int mig_durable(struct run *r);

#endif
