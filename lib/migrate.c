/* migrate.c - moving slots between masters: the migration engine (many slots
 * at once, one set of connections per worker thread), open-slot discovery and
 * the move and rebalance plans. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rc.h"

void
rc_mig_defaults(struct rc_mig_opts *m)
{
	memset(m, 0, sizeof *m);
	m->batch = 1000;
	m->chunk = 32;
	m->parallel = 8;
	m->timeout_ms = 10000;
	m->retries = 20;
}

/* ---- the engine ----------------------------------------------------------- */

/* A job: some slots of one source/target pair, opened and closed together. */
struct job {
	const char *from, *to;
	int *slots;
	int n;
};

struct engine {
	const struct rc_opts *o;
	const struct rc_mig_opts *m;
	struct job *jobs;
	int njobs, next;
	pthread_mutex_t mu;
	int failed, unreachable, abort;
	char err[512];
	/* One lock per source node: at most one MIGRATE at a time on it. */
	const char **srcid;
	pthread_mutex_t *srcmu;
	int nsrc;
};

static pthread_mutex_t *
source_lock(struct engine *e, const char *id)
{
	int i;

	for (i = 0; i < e->nsrc; i++)
		if (strcmp(e->srcid[i], id) == 0)
			break;
	return &e->srcmu[i];   /* every job's source is there (rc_migrate) */
}

/* Where one slot of a job stands. */
enum { S_ACTIVE, S_KEYSDONE, S_DONE, S_FAILED };

struct sl {
	int slot;
	int state;
	int importing, migrating;   /* we set them (to undo on failure) */
	long keys;
	int tries;
	uint64_t t0;
	char err[400];
};

static void
engine_error(struct engine *e, int unreachable, const char *msg)
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
static void
engine_abort(struct engine *e, const char *msg)
{
	pthread_mutex_lock(&e->mu);
	if (e->err[0] == '\0')
		snprintf(e->err, sizeof e->err, "%s", msg);
	e->abort = 1;
	pthread_mutex_unlock(&e->mu);
}

static void
report(struct engine *e, const struct job *j, struct sl *s)
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

static int
err_has(const redisReply *r, const char *what)
{
	return r != NULL && r->type == REDIS_REPLY_ERROR && strstr(r->str, what) != NULL;
}

static int
is_ok(const redisReply *r)
{
	return r != NULL && (r->type == REDIS_REPLY_STATUS ||
	    r->type == REDIS_REPLY_STRING) && r->len >= 2 &&
	    (strncasecmp(r->str, "OK", 2) == 0 || strncasecmp(r->str, "NOKEY", 5) == 0);
}

static const char *
rtext(const redisReply *r)
{
	if (r == NULL)
		return "no reply";
	if (r->type == REDIS_REPLY_ERROR || r->type == REDIS_REPLY_STATUS ||
	    r->type == REDIS_REPLY_STRING)
		return r->str;
	return "unexpected reply";
}

/* A transient failure worth another try.  MIGRATE passes on the target's
 * own error wrapped: "ERR Target instance replied with error: CLUSTERDOWN
 * ..." (a target that just joined or restarted), so the code is looked
 * for there too. */
static int
transient(const redisReply *r)
{
	static const char wrap[] = "replied with error: ";
	const char *code, *w;

	if (r == NULL || r->type != REDIS_REPLY_ERROR)
		return 0;
	code = r->str;
	if ((w = strstr(r->str, wrap)) != NULL)
		code = w + sizeof wrap - 1;
	return strncmp(code, "IOERR", 5) == 0 || strncmp(code, "TRYAGAIN", 8) == 0 ||
	    strncmp(code, "CLUSTERDOWN", 11) == 0 || strncmp(code, "LOADING", 7) == 0 ||
	    strstr(r->str, "timeout") != NULL;
}

/* After a MIGRATE failed with an I/O error (the source could not reach the
 * target, or the target did not answer in time): is the target there at
 * all?  Asked over our own connection, bounded by --timeout.  0 when it
 * answers; -1 with why when it does not (a refused connection, a reset, a
 * timeout): no retry will do better, and the reason names the target. */
static int
target_down(redisContext *D, const struct rc_node *dst, const struct rc_opts *o,
    char *why, size_t whylen)
{
	redisReply *r;
	redisContext *c;
	char err[300];

	if (D != NULL && (r = redisCommand(D, "PING")) != NULL) {
		freeReplyObject(r);
		return 0;
	}
	/* The old connection is gone: a new one says why (refused, say). */
	if ((c = rc_connect(&dst->addr, o, err, sizeof err)) != NULL) {
		redisFree(c);
		snprintf(err, sizeof err, "%.200s:%d: %.80s", dst->addr.host,
		    dst->addr.port, D != NULL ? D->errstr : "no connection");
	}
	snprintf(why, whylen, "the target %.280s (it does not answer)", err);
	return -1;
}

/* Reads n pipelined replies; on an I/O error the rest are NULL and -1. */
static int
read_replies(redisContext *c, int n, redisReply **rep)
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

static void
free_replies(redisReply **rep, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (rep[i] != NULL) {
			freeReplyObject(rep[i]);
			rep[i] = NULL;
		}
}

static void
fail(struct sl *s, const char *fmt, const char *a, const char *b)
{
	s->state = S_FAILED;
	snprintf(s->err, sizeof s->err, fmt, a, b);
}

/* CLUSTER SETSLOT s <sub> [id] for each slot in state `want`, one round trip. */
static int
setslot_all(redisContext *c, struct sl *sl, int n, int want, const char *sub,
    const char *id, redisReply **rep)
{
	int i, k = 0;

	for (i = 0; i < n; i++) {
		if (sl[i].state != want)
			continue;
		if (id != NULL)
			redisAppendCommand(c, "CLUSTER SETSLOT %d %s %s", sl[i].slot, sub, id);
		else
			redisAppendCommand(c, "CLUSTER SETSLOT %d %s", sl[i].slot, sub);
		k++;
	}
	return read_replies(c, k, rep);
}

/* Undoes what we opened for a slot that failed before any key moved. */
static void
roll_back(redisContext *S, redisContext *D, struct sl *s)
{
	redisReply *r;

	if (s->keys > 0) {
		size_t l = strlen(s->err);
		snprintf(s->err + l, sizeof s->err - l,
		    " (slot left open with keys on both sides: run rc-reshard fix)");
		return;
	}
	/* A MIGRATE whose reply was lost may still have landed keys on the
	 * target (a paused target runs it when it wakes).  Closing the slot
	 * there would strand them in a slot it does not own: unless the target
	 * says it holds none, the slot stays open for fix to finish. */
	if (s->importing) {
		long long n = -1;
		if (D != NULL && (r = redisCommand(D, "CLUSTER COUNTKEYSINSLOT %d", s->slot)) != NULL) {
			if (r->type == REDIS_REPLY_INTEGER)
				n = r->integer;
			freeReplyObject(r);
		}
		if (n != 0) {
			size_t l = strlen(s->err);
			snprintf(s->err + l, sizeof s->err - l,
			    " (slot left open, the target may hold its keys: run rc-reshard fix)");
			return;
		}
	}
	if (s->migrating && S != NULL && (r = redisCommand(S, "CLUSTER SETSLOT %d STABLE", s->slot)) != NULL)
		freeReplyObject(r);
	if (s->importing && D != NULL && (r = redisCommand(D, "CLUSTER SETSLOT %d STABLE", s->slot)) != NULL)
		freeReplyObject(r);
	s->migrating = s->importing = 0;
}

/* MIGRATE of one key with REPLACE.  argv is the last MIGRATE: MIGRATE host
 * port "" 0 timeout [REPLACE] [AUTH ...] KEYS ...; a0 is the index after KEYS. */
static int
migrate_replace(redisContext *S, const char **argv, size_t *argvlen, int a0,
    const char *key, size_t klen)
{
	const char **av = rc_calloc((size_t)a0 + 3, sizeof *av);
	size_t *al = rc_calloc((size_t)a0 + 3, sizeof *al);
	redisReply *r;
	int i, k = 0, ok;

	for (i = 0; i < 6; i++) {
		av[k] = argv[i];
		al[k++] = argvlen[i];
	}
	av[k] = "REPLACE";
	al[k++] = 7;
	for (i = 6; i < a0; i++) {
		if (i == 6 && argvlen[i] == 7 && memcmp(argv[i], "REPLACE", 7) == 0)
			continue;
		av[k] = argv[i];
		al[k++] = argvlen[i];
	}
	av[k] = key;
	al[k++] = klen;
	r = redisCommandArgv(S, k, av, al);
	ok = is_ok(r);
	if (r != NULL)
		freeReplyObject(r);
	free(av);
	free(al);
	return ok;
}

/* A key on both sides is most often what a MIGRATE left behind when its
 * reply was lost: the target stopped answering and ran the RESTORE when it
 * came back, or the MIGRATE timed out (a key too big for --migrate-timeout)
 * while the target went on and stored it.  When the target holds the same
 * content (compared element by element in bounded calls: two equal big
 * hashes have different DUMPs) the move is finished by deleting the
 * source's copy, only if it did not change meanwhile (sending the value
 * again could time out again); where that is refused, by MIGRATE REPLACE.
 * Different content is a real conflict, left alone: why says what differs.
 * Returns 1 when the key is now on the target only. */
static int
finish_copy(redisContext *S, redisContext *D, const char **argv, size_t *argvlen,
    int a0, const char *key, size_t klen, char *why, size_t whylen)
{
	struct rc_keycmp k;
	int rc;

	why[0] = '\0';
	if (D == NULL)
		return 0;
	rc_keycmp_init(&k);
	rc = rc_key_settle(S, D, key, klen, &k);
	if (rc == RC_KEY_ERROR && k.equal)
		return migrate_replace(S, argv, argvlen, a0, key, klen);
	snprintf(why, whylen, "%s", k.why);
	return rc == RC_KEY_EQUAL;
}

/* After a BUSYKEY or a MIGRATE that timed out: moves the slot's keys one at
 * a time, so that each key that exists on the target, or is too big for
 * the timeout, is named (and left where it is).  Returns how many are busy;
 * a key that keeps timing out fails the slot with its own message. */
static long
busy_keys(struct engine *e, redisContext *S, redisContext *D,
    const struct rc_node *dst, struct sl *s, const char **argv, size_t *argvlen,
    pthread_mutex_t *smu)
{
	long busy = 0, moved = 0, tmo = 0;
	int a0 = 0, round;
	char why[512];
	size_t j;

	/* argv holds the last MIGRATE: keep its head up to KEYS. */
	while (strcmp(argv[a0], "KEYS") != 0)
		a0++;
	a0++;
	for (round = 0; round < 1000; round++) {
		redisReply *g, **rep;
		long newly = 0;

		g = redisCommand(S, "CLUSTER GETKEYSINSLOT %d %d", s->slot, e->m->batch);
		if (g == NULL || g->type != REDIS_REPLY_ARRAY || g->elements == 0 ||
		    (long)g->elements <= busy + tmo) {
			if (g != NULL)
				freeReplyObject(g);
			break;
		}
		rep = rc_calloc(g->elements, sizeof *rep);
		/* One at a time, as in move_keys. */
		for (j = 0; j < g->elements; j++) {
			argv[a0] = g->element[j]->str;
			argvlen[a0] = g->element[j]->len;
			pthread_mutex_lock(smu);
			rep[j] = redisCommandArgv(S, a0 + 1, argv, argvlen);
			pthread_mutex_unlock(smu);
			if (rep[j] == NULL)
				break;
		}
		busy = tmo = 0;
		for (j = 0; j < g->elements; j++) {
			if (is_ok(rep[j])) {
				moved++;
				newly++;
			} else if ((err_has(rep[j], "BUSYKEY") || err_has(rep[j], "IOERR")) &&
			    finish_copy(S, D, argv, argvlen, a0, g->element[j]->str,
			    g->element[j]->len, why, sizeof why)) {
				moved++;
				newly++;
			} else if (err_has(rep[j], "IOERR")) {
				/* Timed out: tried again next round (the target may
				 * store it meanwhile); named if nothing moves. */
				char *k = rc_malloc(2 * g->element[j]->len + 1);
				size_t kl = rc_tsv_escape(k, g->element[j]->str,
				    g->element[j]->len, 0);
				tmo++;
				snprintf(s->err, sizeof s->err, "MIGRATE of key '%.*s' timed out "
				    "after %d ms (to %.200s:%d): raise --migrate-timeout",
				    (int)(kl < 200 ? kl : 200), k, e->m->timeout_ms,
				    dst->addr.host, dst->addr.port);
				free(k);
			} else if (err_has(rep[j], "BUSYKEY")) {
				char *k = rc_malloc(2 * g->element[j]->len + 1);
				size_t kl = rc_tsv_escape(k, g->element[j]->str,
				    g->element[j]->len, 0);
				busy++;
				pthread_mutex_lock(&e->mu);
				rc_warn("slot %d: key '%.*s' already exists on %s:%d (target) "
				    "and differs from the copy on %s:%d (source): %s; both kept "
				    "(delete one, or use --replace to keep the source's)",
				    s->slot, (int)kl, k, dst->addr.host, dst->addr.port,
				    S->tcp.host, S->tcp.port, why[0] ? why : "not compared");
				pthread_mutex_unlock(&e->mu);
				free(k);
			}
		}
		free_replies(rep, (int)g->elements);
		free(rep);
		freeReplyObject(g);
		if (newly == 0)
			break;
		tmo = 0;
	}
	s->keys += moved;
	if (tmo > 0 && busy == 0)
		s->state = S_FAILED;   /* s->err names the key */
	return busy;
}

/* Moves the keys of every active slot; slots whose GETKEYSINSLOT comes back
 * short are done once their MIGRATE succeeded (a migrating source takes no
 * new keys in the slot, so none can appear behind us).  Returns 0; -1 when
 * the source failed (why says how); -2 when the target does not answer
 * (why names it). */
static int
move_keys(struct engine *e, redisContext *S, redisContext *D,
    const struct rc_node *dst, struct sl *sl, int n, pthread_mutex_t *smu,
    char *why, size_t whylen)
{
	const struct rc_mig_opts *m = e->m;
	const struct rc_opts *o = e->o;
	redisReply **rep = rc_calloc((size_t)n, sizeof *rep);
	redisReply **mrep = rc_calloc((size_t)n, sizeof *mrep);
	long *nk = rc_calloc((size_t)n, sizeof *nk);
	const char **argv = NULL;
	size_t *argvlen = NULL;
	int cap = 0, i, k, rc = 0, pending, ng, nap;
	char port[16], tmo[16];

	snprintf(port, sizeof port, "%d", dst->addr.port);
	snprintf(tmo, sizeof tmo, "%d", m->timeout_ms);
	for (;;) {
		pending = 0;
		for (i = 0; i < n; i++)
			if (sl[i].state == S_ACTIVE) {
				redisAppendCommand(S, "CLUSTER GETKEYSINSLOT %d %d", sl[i].slot, m->batch);
				pending++;
			}
		if (pending == 0)
			break;
		ng = pending;
		if (read_replies(S, pending, rep) < 0) {
			snprintf(why, whylen, "%s", S->errstr);
			free_replies(rep, pending);
			rc = -1;
			break;
		}
		/* One MIGRATE per slot that has keys. */
		k = 0;
		pending = 0;
		for (i = 0; i < n; i++) {
			redisReply *r;
			int a = 0;
			size_t j;

			if (sl[i].state != S_ACTIVE)
				continue;
			r = rep[k++];
			nk[i] = -1;
			if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
				fail(&sl[i], "GETKEYSINSLOT: %s%s", rtext(r), "");
				continue;
			}
			nk[i] = (long)r->elements;
			if (r->elements == 0) {
				sl[i].state = S_KEYSDONE;
				continue;
			}
			if (cap < (int)r->elements + 16) {
				cap = (int)r->elements + 16;
				argv = rc_realloc(argv, (size_t)cap * sizeof *argv);
				argvlen = rc_realloc(argvlen, (size_t)cap * sizeof *argvlen);
			}
			argv[a++] = "MIGRATE";
			argv[a++] = dst->addr.host;
			argv[a++] = port;
			argv[a++] = "";
			argv[a++] = "0";
			argv[a++] = tmo;
			if (m->replace)
				argv[a++] = "REPLACE";
			if (o->pass != NULL && o->user != NULL) {
				argv[a++] = "AUTH2";
				argv[a++] = o->user;
				argv[a++] = o->pass;
			} else if (o->pass != NULL) {
				argv[a++] = "AUTH";
				argv[a++] = o->pass;
			}
			argv[a++] = "KEYS";
			for (j = 0; j < (size_t)a; j++)
				argvlen[j] = strlen(argv[j]);
			for (j = 0; j < r->elements; j++) {
				argv[a] = r->element[j]->str;
				argvlen[a++] = r->element[j]->len;
			}
			/* One MIGRATE at a time, and one per source across the
			 * workers: the source runs each to the end, blocking, so
			 * a hung target costs it one --migrate-timeout, not one
			 * per MIGRATE queued behind. */
			rc = 0;
			pthread_mutex_lock(smu);
			if (e->abort)
				rc = -3;
			else if ((mrep[pending] = redisCommandArgv(S, a, argv, argvlen)) == NULL) {
				snprintf(why, whylen, "%s", S->errstr);
				rc = -1;
			} else if (mrep[pending]->type == REDIS_REPLY_ERROR &&
			    strncmp(mrep[pending]->str, "IOERR", 5) == 0 &&
			    target_down(D, dst, o, why, whylen) < 0) {
				/* The source could not talk to the target, and
				 * neither can we: every MIGRATE would fail so.
				 * Said before the source is let go, so that no
				 * other worker sends it one more. */
				engine_error(e, 1, why);
				rc = -2;
			}
			pthread_mutex_unlock(smu);
			pending++;
			if (rc < 0)
				break;
		}
		if (rc < 0) {
			if (rc == -3) {
				pthread_mutex_lock(&e->mu);
				snprintf(why, whylen, "stopped: %.300s", e->err);
				pthread_mutex_unlock(&e->mu);
				rc = -2;
			}
			free_replies(mrep, pending);
			free_replies(rep, ng);
			break;
		}
		k = 0;
		nap = 0;
		for (i = 0; i < n; i++) {
			redisReply *r;

			if (sl[i].state != S_ACTIVE || nk[i] <= 0)
				continue;
			r = mrep[k++];
			if (is_ok(r)) {
				sl[i].keys += nk[i];
				if (nk[i] < m->batch)
					sl[i].state = S_KEYSDONE;
			} else if (err_has(r, "IOERR") && ++sl[i].tries > m->retries) {
				fail(&sl[i], "MIGRATE keeps failing (%s): a key too large for the "
				    "timeout? raise --migrate-timeout or lower --batch%s", rtext(r), "");
			} else if (err_has(r, "BUSYKEY") || err_has(r, "IOERR")) {
				/* IOERR with the target answering: a MIGRATE that
				 * timed out (a big key); key by key finds which. */
				long nb = busy_keys(e, S, D, dst, &sl[i], argv, argvlen, smu);
				char nbs[32];
				snprintf(nbs, sizeof nbs, "%ld", nb);
				if (nb > 0)
					fail(&sl[i], "%s key(s) of the slot already exist on the target; "
					    "not overwritten: remove them there or use --replace%s", nbs, "");
			} else if (transient(r) && ++sl[i].tries <= m->retries) {
				if (nap < 50 * sl[i].tries)
					nap = 50 * sl[i].tries;
			} else if (transient(r)) {
				fail(&sl[i], "MIGRATE keeps failing (%s): a key too large for the "
				    "timeout? raise --migrate-timeout or lower --batch%s", rtext(r), "");
			} else
				fail(&sl[i], "MIGRATE: %s%s", rtext(r), "");
		}
		free_replies(mrep, pending);
		free_replies(rep, ng);
		/* One pause for the round, not one per slot: the bound is on
		 * the whole job (20 tries: about 10 s in all). */
		if (nap > 0)
			rc_sleep_ms(nap);
	}
	free(rep);
	free(mrep);
	free(nk);
	free(argv);
	free(argvlen);
	return rc;
}

/* Tells every other master who owns the slots now.  A master that does not
 * answer learns it from gossip; a warning is enough. */
static void
tell_others(struct engine *e, struct rc_cluster *cl, const struct rc_node *src,
    const struct rc_node *dst, struct sl *sl, int n)
{
	redisReply **rep = rc_calloc((size_t)n, sizeof *rep);
	int i, k, j;

	for (j = 0; j < cl->nnodes; j++) {
		struct rc_node *x = cl->nodes[j];
		redisContext *c;

		if (!rc_node_is_master(x) || x == src || x == dst ||
		    (x->flags & (RC_NF_FAIL | RC_NF_HANDSHAKE | RC_NF_NOADDR)))
			continue;
		if ((c = rc_node_ctx(cl, x)) == NULL)
			continue;
		for (i = 0, k = 0; i < n; i++)
			if (sl[i].state == S_DONE) {
				redisAppendCommand(c, "CLUSTER SETSLOT %d NODE %s", sl[i].slot, dst->id);
				k++;
			}
		if (read_replies(c, k, rep) < 0)
			rc_node_drop(x, c->errstr);
		free_replies(rep, k);
	}
	(void)e;
	free(rep);
}

static void
run_job(struct engine *e, struct rc_cluster *cl, const struct job *j)
{
	struct sl *sl = rc_calloc((size_t)j->n, sizeof *sl);
	redisReply **rep = rc_calloc((size_t)j->n, sizeof *rep);
	struct rc_node *src = rc_cluster_by_id(cl, j->from);
	struct rc_node *dst = rc_cluster_by_id(cl, j->to);
	redisContext *S = NULL, *D = NULL;
	char why[400] = "";
	int i, k, round;
	struct timeval tv;

	for (i = 0; i < j->n; i++) {
		sl[i].slot = j->slots[i];
		sl[i].state = S_ACTIVE;
		sl[i].t0 = rc_now_us();
	}
	if (src == NULL || dst == NULL) {
		for (i = 0; i < j->n; i++)
			fail(&sl[i], "node %.40s is not in the cluster%s",
			    src == NULL ? j->from : j->to, "");
		goto out;
	}
	if ((S = rc_node_ctx(cl, src)) == NULL || (D = rc_node_ctx(cl, dst)) == NULL) {
		const char *msg = S == NULL ? src->err : dst->err;
		for (i = 0; i < j->n; i++)
			fail(&sl[i], "%s%s", msg, "");
		engine_error(e, 1, msg);
		goto out;
	}
	/* The source may work on a MIGRATE for a while. */
	{
		int ms = e->m->timeout_ms * 2 > e->o->timeout_ms ? e->m->timeout_ms * 2 :
		    e->o->timeout_ms;
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		redisSetTimeout(S, tv);
	}

	/* IMPORTING on the target first, so that an ASK always lands on a node
	 * that accepts it. */
	if (setslot_all(D, sl, j->n, S_ACTIVE, "IMPORTING", src->id, rep) < 0) {
		snprintf(why, sizeof why, "the target %.200s:%d: %.150s", dst->addr.host, dst->addr.port, D->errstr);
		goto io_dst;
	}
	for (i = 0, k = 0; i < j->n; i++) {
		if (sl[i].state != S_ACTIVE)
			continue;
		if (is_ok(rep[k]))
			sl[i].importing = 1;
		else if (!err_has(rep[k], "already the owner")) {
			fail(&sl[i], "target refused IMPORTING: %s%s", rtext(rep[k]), "");
			/* A replica, say: no other slot will fare better. */
			if (err_has(rep[k], "only with masters"))
				engine_abort(e, sl[i].err);
		}
		k++;
	}
	free_replies(rep, k);
	if (setslot_all(S, sl, j->n, S_ACTIVE, "MIGRATING", dst->id, rep) < 0) {
		snprintf(why, sizeof why, "%.200s:%d: %.150s", src->addr.host, src->addr.port, S->errstr);
		goto io_src;
	}
	for (i = 0, k = 0; i < j->n; i++) {
		if (sl[i].state != S_ACTIVE)
			continue;
		if (is_ok(rep[k]))
			sl[i].migrating = 1;
		else if (!err_has(rep[k], "not the owner")) {
			fail(&sl[i], "source refused MIGRATING: %s%s", rtext(rep[k]), "");
			roll_back(S, D, &sl[i]);
		}
		k++;
	}
	free_replies(rep, k);

	for (round = 0; round < 5; round++) {
		int again = 0;

		int mk = move_keys(e, S, D, dst, sl, j->n, source_lock(e, j->from), why, sizeof why);

		if (mk == -2)
			goto io_dst;
		if (mk < 0) {
			char w2[200];
			snprintf(w2, sizeof w2, "%.150s", why);
			snprintf(why, sizeof why, "%.200s:%d: %.150s", src->addr.host, src->addr.port, w2);
			goto io_src;
		}
		/* SETSLOT NODE: the target, then the source (which refuses while
		 * it still holds keys of the slot: back to moving keys then). */
		if (setslot_all(D, sl, j->n, S_KEYSDONE, "NODE", dst->id, rep) < 0) {
			snprintf(why, sizeof why, "the target %.200s:%d: %.150s", dst->addr.host, dst->addr.port, D->errstr);
			goto io_dst;
		}
		for (i = 0, k = 0; i < j->n; i++) {
			if (sl[i].state != S_KEYSDONE)
				continue;
			if (!is_ok(rep[k]))
				fail(&sl[i], "target refused SETSLOT NODE: %s%s", rtext(rep[k]), "");
			k++;
		}
		free_replies(rep, k);
		if (setslot_all(S, sl, j->n, S_KEYSDONE, "NODE", dst->id, rep) < 0) {
			snprintf(why, sizeof why, "%.200s:%d: %.150s", src->addr.host, src->addr.port, S->errstr);
			goto io_src;
		}
		for (i = 0, k = 0; i < j->n; i++) {
			if (sl[i].state != S_KEYSDONE)
				continue;
			/* A master whose last slot went away may have turned itself
			 * into a replica of the target already (Redis 7's replica
			 * migration): its keys had all moved, the slot is the
			 * target's. */
			if (is_ok(rep[k]) || err_has(rep[k], "only with masters"))
				sl[i].state = S_DONE;
			else if (err_has(rep[k], "still hold keys") ||
			    err_has(rep[k], "still holds keys")) {
				sl[i].state = S_ACTIVE;
				again = 1;
			} else
				fail(&sl[i], "source refused SETSLOT NODE: %s%s", rtext(rep[k]), "");
			k++;
		}
		free_replies(rep, k);
		if (!again)
			break;
	}
	for (i = 0; i < j->n; i++) {
		if (sl[i].state == S_ACTIVE || sl[i].state == S_KEYSDONE)
			fail(&sl[i], "keys keep appearing in the slot on the source%s%s", "", "");
		if (sl[i].state == S_FAILED)
			roll_back(S, D, &sl[i]);
	}
	tell_others(e, cl, src, dst, sl, j->n);
	goto out;

io_src:
	/* The source stopped answering: what it has is out of reach; close
	 * the target side of slots that moved nothing yet. */
	engine_error(e, 1, why);
	rc_node_drop(src, why);
	for (i = 0; i < j->n; i++)
		if (sl[i].state == S_ACTIVE || sl[i].state == S_KEYSDONE) {
			fail(&sl[i], "%s%s", why, "");
			roll_back(NULL, D, &sl[i]);
		}
	free_replies(rep, j->n);
	goto out;
io_dst:
	engine_error(e, 1, why);
	rc_node_drop(dst, why);
	for (i = 0; i < j->n; i++)
		if (sl[i].state == S_ACTIVE || sl[i].state == S_KEYSDONE) {
			fail(&sl[i], "%s%s", why, "");
			roll_back(rc_node_ctx(cl, src), NULL, &sl[i]);
		}
	free_replies(rep, j->n);
out:
	for (i = 0; i < j->n; i++)
		report(e, j, &sl[i]);
	free(rep);
	free(sl);
}

static void *
worker(void *arg)
{
	struct engine *e = arg;
	struct rc_cluster cl;

	if (rc_cluster_open(&cl, e->o) < 0) {
		engine_error(e, 1, cl.err);
		rc_cluster_close(&cl);
		return NULL;
	}
	for (;;) {
		const struct job *j;

		pthread_mutex_lock(&e->mu);
		if (e->abort || e->next >= e->njobs) {
			pthread_mutex_unlock(&e->mu);
			break;
		}
		j = &e->jobs[e->next++];
		pthread_mutex_unlock(&e->mu);
		run_job(e, &cl, j);
	}
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
	int njobs = 0, i, k, npairs = 0, *pair = rc_calloc((size_t)n + 1, sizeof *pair);
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
		npairs += pair[i] == i;
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
	(void)npairs;
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
	pthread_mutex_destroy(&e.mu);
	snprintf(err, errlen, "%s", e.err);
	if (e.unreachable)
		return RC_EX_CLUSTER;
	if (e.failed || e.err[0] != '\0')
		return RC_EX_NO;
	return RC_EX_OK;
}

/* ---- open slots ------------------------------------------------------------ */

int
rc_open_slots(struct rc_cluster *cl, struct rc_open **out, char *err, size_t errlen)
{
	struct rc_open *op = NULL;
	int nop = 0, i, j, k, q;

	*out = NULL;
	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *n = cl->nodes[i], *v;
		int nv;

		if (!rc_node_is_master(n) || (n->flags & (RC_NF_FAIL | RC_NF_NOADDR)))
			continue;
		if ((nv = rc_node_view(cl, n, &v)) < 0) {
			snprintf(err, errlen, "%s", n->err);
			free(op);
			return -1;
		}
		for (j = 0; j < nv; j++) {
			if (!(v[j].flags & RC_NF_MYSELF))
				continue;
			for (k = 0; k < v[j].nopen; k++) {
				const struct rc_open_slot *os = &v[j].open[k];
				const char *src = os->importing ? os->peer : n->id;
				const char *dst = os->importing ? n->id : os->peer;

				for (q = 0; q < nop && op[q].slot != os->slot; q++)
					;
				if (q == nop) {
					op = rc_realloc(op, (size_t)(nop + 1) * sizeof *op);
					memset(&op[nop], 0, sizeof *op);
					op[nop].slot = os->slot;
					snprintf(op[nop].src, sizeof op[nop].src, "%s", src);
					snprintf(op[nop].dst, sizeof op[nop].dst, "%s", dst);
					nop++;
				}
				if (os->importing)
					op[q].importing = 1;
				else
					op[q].migrating = 1;
			}
		}
		rc_nodes_free(v, nv);
	}
	*out = op;
	return nop;
}

/* ---- plans ----------------------------------------------------------------- */

static void
add_move(struct rc_move **mv, int *n, int slot, const struct rc_node *from,
    const struct rc_node *to)
{
	*mv = rc_realloc(*mv, (size_t)(*n + 1) * sizeof **mv);
	(*mv)[*n].slot = slot;
	snprintf((*mv)[*n].from, sizeof (*mv)[*n].from, "%s", from->id);
	snprintf((*mv)[*n].to, sizeof (*mv)[*n].to, "%s", to->id);
	(*n)++;
}

/* The lowest k slots of n (in slot order) go to `to`. */
static void
take_slots(struct rc_cluster *cl, struct rc_node *from, struct rc_node *to, int k,
    struct rc_move **mv, int *n)
{
	int s;

	for (s = 0; s < RC_NSLOTS && k > 0; s++)
		if (cl->owner[s] == from) {
			add_move(mv, n, s, from, to);
			k--;
		}
}

int
rc_plan_move(struct rc_cluster *cl, struct rc_node *from, struct rc_node *to,
    int nslots, struct rc_move **out, char *err, size_t errlen)
{
	struct rc_move *mv = NULL;
	char a[300];
	int n = 0, i, total = 0, given = 0;

	*out = NULL;
	if (!rc_node_is_master(to)) {
		snprintf(err, errlen, "%s (%.12s) is a replica: the target must be a master",
		    rc_node_addr(to, a, sizeof a), to->id);
		return -1;
	}
	if (from != NULL) {
		if (from == to) {
			snprintf(err, errlen, "source and target are the same node");
			return -1;
		}
		if (!rc_node_is_master(from)) {
			snprintf(err, errlen, "%s (%.12s) is a replica: it holds no slots",
			    rc_node_addr(from, a, sizeof a), from->id);
			return -1;
		}
		if (nslots > from->nslots) {
			snprintf(err, errlen, "%s holds %d slots, cannot move %d",
			    rc_node_addr(from, a, sizeof a), from->nslots, nslots);
			return -1;
		}
		take_slots(cl, from, to, nslots, &mv, &n);
		*out = mv;
		return n;
	}
	/* From all: each other master gives in proportion to what it holds. */
	for (i = 0; i < cl->nnodes; i++)
		if (rc_node_is_master(cl->nodes[i]) && cl->nodes[i] != to)
			total += cl->nodes[i]->nslots;
	if (nslots > total) {
		snprintf(err, errlen, "the other masters hold %d slots, cannot move %d",
		    total, nslots);
		return -1;
	}
	for (i = 0; i < cl->nnodes && given < nslots; i++) {
		struct rc_node *x = cl->nodes[i];
		int k;

		if (!rc_node_is_master(x) || x == to || x->nslots == 0)
			continue;
		k = (int)((long long)nslots * x->nslots / total);
		if (k > nslots - given)
			k = nslots - given;
		take_slots(cl, x, to, k, &mv, &n);
		given += k;
	}
	/* What rounding left over, from the largest holders. */
	while (given < nslots) {
		struct rc_node *best = NULL;
		int s, left = 0;

		for (i = 0; i < cl->nnodes; i++) {
			struct rc_node *x = cl->nodes[i];
			int l = 0;
			if (!rc_node_is_master(x) || x == to)
				continue;
			for (s = 0; s < RC_NSLOTS; s++)
				l += cl->owner[s] == x;
			for (s = 0; s < n; s++)
				l -= strcmp(mv[s].from, x->id) == 0;
			if (l > left) {
				left = l;
				best = x;
			}
		}
		if (best == NULL)
			break;
		for (s = 0; s < RC_NSLOTS; s++) {
			int q, taken = 0;
			if (cl->owner[s] != best)
				continue;
			for (q = 0; q < n && !taken; q++)
				taken = mv[q].slot == s;
			if (!taken) {
				add_move(&mv, &n, s, best, to);
				given++;
				break;
			}
		}
	}
	*out = mv;
	return n;
}

struct part {
	struct rc_node *node;
	double w;
	long long cur, target;
};

static double
weight_of(const struct rc_plan_opts *po, const struct rc_node *n, int *named)
{
	int i;

	for (i = 0; i < po->nweights; i++)
		if (po->weights[i].node == n) {
			*named = 1;
			return po->weights[i].w;
		}
	*named = 0;
	return 1.0;
}

/* Integer targets summing to total, in proportion to the weights: floors,
 * then the remainder one each to the largest fractions. */
static void
set_targets(struct part *p, int np, long long total)
{
	double W = 0;
	long long sum = 0;
	int i;

	for (i = 0; i < np; i++)
		W += p[i].w;
	for (i = 0; i < np; i++) {
		p[i].target = W > 0 ? (long long)((double)total * p[i].w / W) : 0;
		sum += p[i].target;
	}
	while (sum < total) {
		double bestf = -1;
		int best = -1;
		for (i = 0; i < np; i++) {
			double f;
			if (p[i].w <= 0)
				continue;
			f = (double)total * p[i].w / W - (double)p[i].target;
			if (f > bestf) {
				bestf = f;
				best = i;
			}
		}
		if (best < 0)
			break;
		p[best].target++;
		sum++;
		/* A node that got its extra one is not picked again first. */
		p[best].w -= 1e-9;
	}
}

static int
keys_per_slot(struct rc_cluster *cl, long long *keys, char *err, size_t errlen)
{
	struct rc_pipe *p = rc_pipe_new(cl);
	int s, rc = 0;

	for (s = 0; s < RC_NSLOTS; s++) {
		struct rc_node *o = cl->owner[s];
		if (o == NULL)
			rc_pipe_node_cmd(p, cl->seed, "PING");
		else
			rc_pipe_node_cmd(p, o, "CLUSTER COUNTKEYSINSLOT %d", s);
	}
	rc_pipe_exec(p);
	for (s = 0; s < RC_NSLOTS; s++) {
		redisReply *r = rc_pipe_reply(p, (size_t)s);
		if (cl->owner[s] == NULL) {
			keys[s] = 0;
			continue;
		}
		if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
			snprintf(err, errlen, "CLUSTER COUNTKEYSINSLOT %d: %s", s, rtext(r));
			rc = -1;
			break;
		}
		keys[s] = r->integer;
	}
	rc_pipe_free(p);
	return rc;
}

int
rc_plan_rebalance(struct rc_cluster *cl, const struct rc_plan_opts *po,
    struct rc_move **out, char *err, size_t errlen)
{
	struct part *p = rc_calloc((size_t)cl->nnodes + 1, sizeof *p);
	struct rc_move *mv = NULL;
	long long *keys = NULL, total = 0;
	int np = 0, n = 0, i, s, need = 0;

	*out = NULL;
	for (i = 0; i < po->nweights; i++)
		if (!rc_node_is_master(po->weights[i].node)) {
			char a[300];
			snprintf(err, errlen, "%s (%.12s) is a replica: weights are for masters",
			    rc_node_addr(po->weights[i].node, a, sizeof a),
			    po->weights[i].node->id);
			free(p);
			return -1;
		}
	if (po->by_keys) {
		keys = rc_calloc(RC_NSLOTS, sizeof *keys);
		if (keys_per_slot(cl, keys, err, errlen) < 0) {
			free(keys);
			free(p);
			return -1;
		}
	}
	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *x = cl->nodes[i];
		int named;
		double w;

		if (!rc_node_is_master(x) || (x->flags & (RC_NF_FAIL | RC_NF_NOADDR)))
			continue;
		w = weight_of(po, x, &named);
		if (x->nslots == 0 && !po->use_empty && !named)
			continue;
		p[np].node = x;
		p[np].w = w;
		for (s = 0; s < RC_NSLOTS; s++)
			if (cl->owner[s] == x)
				p[np].cur += keys != NULL ? keys[s] : 1;
		total += p[np].cur;
		np++;
	}
	{
		double W = 0;
		for (i = 0; i < np; i++)
			W += p[i].w;
		if (np == 0 || W <= 0) {
			snprintf(err, errlen, "no master has a weight above 0");
			free(keys);
			free(p);
			return -1;
		}
	}
	set_targets(p, np, total);
	/* Anything to do?  A drained node always; else any node off its
	 * target by more than the threshold. */
	for (i = 0; i < np; i++) {
		long long d = p[i].cur - p[i].target;
		if (d < 0)
			d = -d;
		if ((p[i].w <= 0 && p[i].cur > 0) ||
		    (double)d > (double)p[i].target * po->threshold / 100.0 ||
		    (p[i].target == 0 && p[i].cur > 0))
			need = 1;
	}
	if (!need)
		goto done;
	/* Donors give slots in slot order (by keys: fullest slots first) to the
	 * receiver that lacks the most. */
	for (i = 0; i < np; i++) {
		struct part *d = &p[i];
		int *mine = NULL, nm = 0, q;

		if (d->cur <= d->target && !(d->w <= 0 && d->cur > 0))
			continue;
		for (s = 0; s < RC_NSLOTS; s++)
			if (cl->owner[s] == d->node) {
				mine = rc_realloc(mine, (size_t)(nm + 1) * sizeof *mine);
				mine[nm++] = s;
			}
		if (keys != NULL) {
			/* Fullest first: a few big steps, then small ones. */
			int a, b;
			for (a = 1; a < nm; a++)
				for (b = a; b > 0 && keys[mine[b]] > keys[mine[b - 1]]; b--) {
					int t = mine[b];
					mine[b] = mine[b - 1];
					mine[b - 1] = t;
				}
		}
		for (q = 0; q < nm; q++) {
			long long amount = keys != NULL ? keys[mine[q]] : 1;
			struct part *r = NULL;
			int k;

			if (d->w > 0 && d->cur <= d->target)
				break;
			for (k = 0; k < np; k++)
				if (&p[k] != d && p[k].w > 0 &&
				    (r == NULL || p[k].target - p[k].cur > r->target - r->cur))
					r = &p[k];
			if (r == NULL)
				break;
			if (d->w > 0 && (amount > d->cur - d->target ||
			    amount > r->target - r->cur || r->cur >= r->target))
				continue;   /* would overshoot: try a smaller slot */
			if (d->w > 0 && keys != NULL && amount == 0)
				continue;
			add_move(&mv, &n, mine[q], d->node, r->node);
			d->cur -= amount;
			r->cur += amount;
		}
		free(mine);
	}
done:
	free(keys);
	free(p);
	*out = mv;
	return n;
}
