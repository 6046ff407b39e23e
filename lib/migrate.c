/* migrate.c - moving slots between masters: the migration engine (many slots
 * at once, one set of connections per worker thread) and the reply checks its
 * files share.  One job is migjob.c's; which slots move where is plan.c's. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migrate.h"

void
rc_mig_defaults(struct rc_mig_opts *m)
{
	memset(m, 0, sizeof *m);
	m->batch = 1000;
	m->chunk = 32;
	m->parallel = 8;
	m->timeout_ms = 10000;
	m->retries = 20;
	m->durable = 1;
}

/* ---- the engine ----------------------------------------------------------- */

pthread_mutex_t *
mig_source_lock(struct engine *e, const char *id)
{
	int i;

	for (i = 0; i < e->nsrc; i++)
		if (strcmp(e->srcid[i], id) == 0)
			break;
	return &e->srcmu[i];   /* every job's source is there (rc_migrate) */
}

void
mig_engine_error(struct engine *e, int unreachable, const char *msg)
{
	pthread_mutex_lock(&e->mu);
	if (e->err[0] == '\0')
		snprintf(e->err, sizeof e->err, "%s", msg);
	if (unreachable) {
		e->unreachable = 1;
		e->abort = 1;
	}
	pthread_mutex_unlock(&e->mu);
}

/* Stops handing out jobs: what is left would fail the same way. */
void
mig_engine_abort(struct engine *e, const char *msg)
{
	pthread_mutex_lock(&e->mu);
	if (e->err[0] == '\0')
		snprintf(e->err, sizeof e->err, "%s", msg);
	e->abort = 1;
	pthread_mutex_unlock(&e->mu);
}

void
mig_report(struct engine *e, const struct job *j, struct slot_state *s)
{
	struct rc_mig_slot r;

	r.slot = s->slot;
	r.from = j->from;
	r.to = j->to;
	r.keys = s->keys;
	r.ms = (double)(rc_now_us() - s->t0) / 1000.0;
	r.ok = s->state == S_DONE;
	r.err = r.ok ? NULL : s->err;
	pthread_mutex_lock(&e->mu);
	if (!r.ok) {
		e->failed++;
		if (e->err[0] == '\0')
			snprintf(e->err, sizeof e->err, "slot %d: %s", s->slot, s->err);
	}
	if (e->m->on_slot != NULL)
		e->m->on_slot(e->m->ud, &r);
	pthread_mutex_unlock(&e->mu);
}

int
mig_err_has(const redisReply *r, const char *what)
{
	return r != NULL && r->type == REDIS_REPLY_ERROR && strstr(r->str, what) != NULL;
}

int
mig_is_ok(const redisReply *r)
{
	return r != NULL && (r->type == REDIS_REPLY_STATUS ||
	    r->type == REDIS_REPLY_STRING) && r->len >= 2 &&
	    (strncasecmp(r->str, "OK", 2) == 0 || strncasecmp(r->str, "NOKEY", 5) == 0);
}

const char *
mig_rtext(const redisReply *r)
{
	if (r == NULL)
		return "no reply";
	if (r->type == REDIS_REPLY_ERROR || r->type == REDIS_REPLY_STATUS ||
	    r->type == REDIS_REPLY_STRING)
		return r->str;
	return "unexpected reply";
}

/* A MIGRATE reply worth another try, as kind.c decides for everyone (the
 * target's own CLUSTERDOWN, wrapped by MIGRATE, included).  An IOERR is not
 * asked about here: it is handled before, key by key (judge_migrate). */
int
mig_transient(const redisReply *r)
{
	return rc_reply_kind(r) == RC_K_TRANSIENT;
}

/* After a MIGRATE failed with an I/O error (the source could not reach the
 * target, or the target did not answer in time): is the target there at
 * all?  Asked over our own connection, bounded by --timeout.  0 when it
 * answers; -1 with why when it does not (a refused connection, a reset, a
 * timeout): no retry will do better, and the reason names the target. */
int
mig_target_down(redisContext *to, const struct rc_node *dst, const struct rc_opts *o,
    char *why, size_t whylen)
{
	redisReply *r;
	redisContext *c;
	char err[300];

	if (to != NULL && (r = redisCommand(to, "PING")) != NULL) {
		freeReplyObject(r);
		return 0;
	}
	/* The old connection is gone: a new one says why (refused, say). */
	if ((c = rc_connect(&dst->addr, o, err, sizeof err)) != NULL) {
		redisFree(c);
		snprintf(err, sizeof err, "%.200s:%d: %.80s", dst->addr.host,
		    dst->addr.port, to != NULL ? rc_errstr(to) : "no connection");
	}
	snprintf(why, whylen, "the target %.280s (it does not answer)", err);
	return -1;
}

/* Reads n pipelined replies; on an I/O error the rest are NULL and -1. */
int
mig_read_replies(redisContext *c, int n, redisReply **rep)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		void *r = NULL;
		if (bad || redisGetReply(c, &r) != REDIS_OK) {
			bad = 1;
			rep[i] = NULL;
			continue;
		}
		rep[i] = r;
	}
	return bad ? -1 : 0;
}

void
mig_free_replies(redisReply **rep, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (rep[i] != NULL) {
			freeReplyObject(rep[i]);
			rep[i] = NULL;
		}
}


void
mig_fail(struct slot_state *s, const char *fmt, ...)
{
	va_list ap;

	s->state = S_FAILED;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
}

/* Each error its own hint (kind.c): a CLUSTERDOWN from the target is not a
 * key too large for the timeout. */
void
mig_keeps_failing(struct slot_state *s, const redisReply *r)
{
	const char *h = rc_error_hint(mig_rtext(r));

	mig_fail(s, "MIGRATE keeps failing (%s)%s%s", mig_rtext(r), h != NULL ? ": " : "",
	    h != NULL ? h : "");
}

/*
 * The next job that may start now (the engine's lock held), or NULL.  No
 * node is a source in one running job and a target in another: a target
 * takes its slots with a new config epoch, and a source that became a
 * target elsewhere gets a newer one while it still claims a slot it is
 * handing over; its claim then reaches the first target with the higher
 * epoch, the target gives the slot back, and the source, told SETSLOT NODE
 * next, gives it up too: both name each other, and the server deletes the
 * keys of a slot it loses (seen in a plan that moved slots every way at
 * once: lab 22's restore).  e->next: the first job not yet started.
 */
static struct job *
next_job(struct engine *e)
{
	int i, k;

	while (e->next < e->njobs && e->jobs[e->next].state != J_WAITING)
		e->next++;
	for (i = e->next; i < e->njobs; i++) {
		struct job *j = &e->jobs[i];
		int clash = 0;

		if (j->state != J_WAITING)
			continue;
		for (k = 0; k < e->njobs && !clash; k++) {
			const struct job *x = &e->jobs[k];

			clash = x->state == J_RUNNING && (strcmp(x->from, j->to) == 0 ||
			    strcmp(x->to, j->from) == 0);
		}
		if (!clash)
			return j;
	}
	return NULL;
}

static void *
worker(void *arg)
{
	struct engine *e = arg;
	struct rc_cluster cl;
	struct pool pool = { NULL, 0 };

	if (rc_cluster_open(&cl, e->o) < 0) {
		mig_engine_error(e, 1, cl.err);
		rc_cluster_close(&cl);
		return NULL;
	}
	for (;;) {
		struct job *j = NULL;

		pthread_mutex_lock(&e->mu);
		while (!e->abort && (j = next_job(e)) == NULL && e->next < e->njobs)
			pthread_cond_wait(&e->job_done, &e->mu);
		if (e->abort || j == NULL) {
			pthread_mutex_unlock(&e->mu);
			break;
		}
		j->state = J_RUNNING;
		pthread_mutex_unlock(&e->mu);
		mig_run_job(e, &cl, &pool, j);
		pthread_mutex_lock(&e->mu);
		j->state = J_DONE;
		pthread_cond_broadcast(&e->job_done);
		pthread_mutex_unlock(&e->mu);
	}
	mig_pool_free(&pool);
	rc_cluster_close(&cl);
	return NULL;
}

/* Jobs: each pair's slots cut into chunks, the pairs interleaved so that the
 * workers spread over distinct sources and targets. */
static int
make_jobs(const struct rc_move *mv, int n, int chunk, struct job **out)
{
	int *done = rc_calloc((size_t)n + 1, sizeof *done);
	struct job *jobs = NULL;
	int njobs = 0, i, k, *pair = rc_calloc((size_t)n + 1, sizeof *pair);
	int round, any;

	/* pair[i]: index of the first move with the same from/to. */
	for (i = 0; i < n; i++) {
		pair[i] = i;
		for (k = 0; k < i; k++)
			if (pair[k] == k && strcmp(mv[k].from, mv[i].from) == 0 &&
			    strcmp(mv[k].to, mv[i].to) == 0) {
				pair[i] = k;
				break;
			}
	}
	for (round = 0, any = 1; any; round++) {
		any = 0;
		for (i = 0; i < n; i++) {
			struct job *j;
			int p;

			if (pair[i] != i)
				continue;
			/* The next chunk of this pair. */
			jobs = rc_realloc(jobs, (size_t)(njobs + 1) * sizeof *jobs);
			j = &jobs[njobs];
			j->from = mv[i].from;
			j->to = mv[i].to;
			j->state = J_WAITING;
			j->slots = rc_calloc((size_t)chunk, sizeof *j->slots);
			j->n = 0;
			for (p = i; p < n && j->n < chunk; p++)
				if (pair[p] == i && !done[p]) {
					j->slots[j->n++] = mv[p].slot;
					done[p] = 1;
				}
			if (j->n == 0) {
				free(j->slots);
				continue;
			}
			njobs++;
			any = 1;
		}
	}
	free(done);
	free(pair);
	*out = jobs;
	return njobs;
}

int
rc_migrate(const struct rc_opts *o, const struct rc_move *mv, int n,
    const struct rc_mig_opts *m, char *err, size_t errlen)
{
	struct engine e;
	pthread_t *th;
	int i, nth;

	if (n == 0)
		return RC_EX_OK;
	memset(&e, 0, sizeof e);
	e.o = o;
	e.m = m;
	pthread_mutex_init(&e.mu, NULL);
	pthread_cond_init(&e.job_done, NULL);
	e.njobs = make_jobs(mv, n, m->chunk > 0 ? m->chunk : 1, &e.jobs);
	e.srcid = rc_calloc((size_t)e.njobs, sizeof *e.srcid);
	e.srcmu = rc_calloc((size_t)e.njobs, sizeof *e.srcmu);
	for (i = 0; i < e.njobs; i++) {
		int k;
		for (k = 0; k < e.nsrc && strcmp(e.srcid[k], e.jobs[i].from) != 0; k++)
			;
		if (k == e.nsrc) {
			e.srcid[e.nsrc] = e.jobs[i].from;
			pthread_mutex_init(&e.srcmu[e.nsrc++], NULL);
		}
	}
	nth = m->parallel < 1 ? 1 : m->parallel;
	if (nth > e.njobs)
		nth = e.njobs;
	th = rc_calloc((size_t)nth, sizeof *th);
	for (i = 0; i < nth; i++)
		if (pthread_create(&th[i], NULL, worker, &e) != 0)
			rc_die(RC_EX_CLUSTER, "cannot start a thread");
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	free(th);
	for (i = 0; i < e.njobs; i++)
		free(e.jobs[i].slots);
	free(e.jobs);
	for (i = 0; i < e.nsrc; i++)
		pthread_mutex_destroy(&e.srcmu[i]);
	free(e.srcid);
	free(e.srcmu);
	free(e.norep);
	pthread_mutex_destroy(&e.mu);
	pthread_cond_destroy(&e.job_done);
	snprintf(err, errlen, "%s", e.err);
	if (e.unreachable && !e.replicas_refused)
		return RC_EX_CLUSTER;
	if (e.failed || e.err[0] != '\0')
		return RC_EX_NO;
	return RC_EX_OK;
}
