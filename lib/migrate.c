/* migrate.c - moving slots between masters: the migration engine (many slots
 * at once, one set of connections per worker thread) and open-slot discovery.
 * Which slots move where is plan.c's. */
#include <pthread.h>
#include <stdarg.h>
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
	char why[400];              /* why a node was lost */
};

/* The MIGRATE of one slot's keys: a head that stays (target, timeout,
 * REPLACE, AUTH, KEYS), then the keys. */
struct margv {
	const char **argv;
	size_t *len;
	int head, argc, cap;
	char port[16], tmo[16];
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
report(struct engine *e, const struct job *j, struct slot_state *s)
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

/* A MIGRATE reply worth another try, as kind.c decides for everyone (the
 * target's own CLUSTERDOWN, wrapped by MIGRATE, included).  An IOERR is not
 * asked about here: it is handled before, key by key (judge_migrate). */
static int
transient(const redisReply *r)
{
	return rc_reply_kind(r) == RC_K_TRANSIENT;
}

/* After a MIGRATE failed with an I/O error (the source could not reach the
 * target, or the target did not answer in time): is the target there at
 * all?  Asked over our own connection, bounded by --timeout.  0 when it
 * answers; -1 with why when it does not (a refused connection, a reset, a
 * timeout): no retry will do better, and the reason names the target. */
static int
target_down(redisContext *to, const struct rc_node *dst, const struct rc_opts *o,
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
		    dst->addr.port, to != NULL ? to->errstr : "no connection");
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

static void fail(struct slot_state *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fail(struct slot_state *s, const char *fmt, ...)
{
	va_list ap;

	s->state = S_FAILED;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
}

/* Each error its own hint (kind.c): a CLUSTERDOWN from the target is not a
 * key too large for the timeout. */
static void
keeps_failing(struct slot_state *s, const redisReply *r)
{
	const char *h = rc_error_hint(rtext(r));

	fail(s, "MIGRATE keeps failing (%s)%s%s", rtext(r), h != NULL ? ": " : "",
	    h != NULL ? h : "");
}

/* Adds a remark to a slot's error. */
static void
add_note(struct slot_state *s, const char *note)
{
	size_t l = strlen(s->err);

	snprintf(s->err + l, sizeof s->err - l, "%s", note);
}

/* CLUSTER SETSLOT s <sub> [id] for each slot in state `want`, one round trip. */
static int
setslot_all(redisContext *c, struct slot_state *sl, int n, int want, const char *sub,
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
roll_back(redisContext *from, redisContext *to, struct slot_state *s)
{
	redisReply *r;

	if (s->keys > 0) {
		add_note(s, " (slot left open with keys on both sides: run rc-reshard fix)");
		return;
	}
	/* A MIGRATE whose reply was lost may still have landed keys on the
	 * target (a paused target runs it when it wakes).  Closing the slot
	 * there would strand them in a slot it does not own: unless the target
	 * says it holds none, the slot stays open for fix to finish. */
	if (s->importing) {
		long long n = -1;
		if (to != NULL && (r = redisCommand(to, "CLUSTER COUNTKEYSINSLOT %d", s->slot)) != NULL) {
			if (r->type == REDIS_REPLY_INTEGER)
				n = r->integer;
			freeReplyObject(r);
		}
		if (n != 0) {
			add_note(s, " (slot left open, the target may hold its keys: run rc-reshard fix)");
			return;
		}
	}
	if (s->migrating && from != NULL &&
	    (r = redisCommand(from, "CLUSTER SETSLOT %d STABLE", s->slot)) != NULL)
		freeReplyObject(r);
	if (s->importing && to != NULL &&
	    (r = redisCommand(to, "CLUSTER SETSLOT %d STABLE", s->slot)) != NULL)
		freeReplyObject(r);
	s->migrating = s->importing = 0;
}

/* ---- the MIGRATE command ---------------------------------------------------- */

static void
margv_init(struct margv *a, const struct engine *e, const struct rc_node *dst)
{
	const struct rc_opts *o = e->o;
	int i;

	memset(a, 0, sizeof *a);
	snprintf(a->port, sizeof a->port, "%d", dst->addr.port);
	snprintf(a->tmo, sizeof a->tmo, "%d", e->m->timeout_ms);
	a->cap = 16;
	a->argv = rc_calloc((size_t)a->cap, sizeof *a->argv);
	a->len = rc_calloc((size_t)a->cap, sizeof *a->len);
	a->argv[a->head++] = "MIGRATE";
	a->argv[a->head++] = dst->addr.host;
	a->argv[a->head++] = a->port;
	a->argv[a->head++] = "";
	a->argv[a->head++] = "0";
	a->argv[a->head++] = a->tmo;
	if (e->m->replace)
		a->argv[a->head++] = "REPLACE";
	if (o->pass != NULL && o->user != NULL) {
		a->argv[a->head++] = "AUTH2";
		a->argv[a->head++] = o->user;
		a->argv[a->head++] = o->pass;
	} else if (o->pass != NULL) {
		a->argv[a->head++] = "AUTH";
		a->argv[a->head++] = o->pass;
	}
	a->argv[a->head++] = "KEYS";
	for (i = 0; i < a->head; i++)
		a->len[i] = strlen(a->argv[i]);
	a->argc = a->head;
}

/* The keys of a GETKEYSINSLOT reply after the head. */
static void
margv_keys(struct margv *a, const redisReply *g)
{
	size_t j;

	if (a->cap < a->head + (int)g->elements) {
		a->cap = a->head + (int)g->elements;
		a->argv = rc_realloc(a->argv, (size_t)a->cap * sizeof *a->argv);
		a->len = rc_realloc(a->len, (size_t)a->cap * sizeof *a->len);
	}
	a->argc = a->head;
	for (j = 0; j < g->elements; j++) {
		a->argv[a->argc] = g->element[j]->str;
		a->len[a->argc++] = g->element[j]->len;
	}
}

static void
margv_free(struct margv *a)
{
	free(a->argv);
	free(a->len);
}

/* MIGRATE of one key with REPLACE, on the head of a. */
static int
migrate_replace(redisContext *from, const struct margv *a, const char *key,
    size_t klen)
{
	const char **av = rc_calloc((size_t)a->head + 3, sizeof *av);
	size_t *al = rc_calloc((size_t)a->head + 3, sizeof *al);
	redisReply *r;
	int i, k = 0, ok;

	for (i = 0; i < 6; i++) {
		av[k] = a->argv[i];
		al[k++] = a->len[i];
	}
	av[k] = "REPLACE";
	al[k++] = 7;
	for (i = 6; i < a->head; i++) {
		if (i == 6 && a->len[i] == 7 && memcmp(a->argv[i], "REPLACE", 7) == 0)
			continue;
		av[k] = a->argv[i];
		al[k++] = a->len[i];
	}
	av[k] = key;
	al[k++] = klen;
	r = redisCommandArgv(from, k, av, al);
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
 * content (compared element by element in bounded calls, lib/keycmp.c: two
 * equal big hashes have different DUMPs) the move is finished by deleting
 * the source's copy, only if it did not change meanwhile (sending the value
 * again could time out again); where that is refused, by MIGRATE REPLACE.
 * Different content is a real conflict, left alone: why says what differs.
 * Returns 1 when the key is now on the target only. */
static int
finish_copy(redisContext *from, redisContext *to, const struct margv *a,
    const char *key, size_t klen, char *why, size_t whylen)
{
	struct rc_keycmp k;
	int rc;

	why[0] = '\0';
	if (to == NULL)
		return 0;
	rc_keycmp_init(&k);
	rc = rc_key_settle(from, to, key, klen, &k);
	if (rc == RC_KEY_ERROR && k.equal)
		return migrate_replace(from, a, key, klen);
	snprintf(why, whylen, "%s", k.why);
	return rc == RC_KEY_EQUAL;
}

/* ---- moving one slot's keys key by key ------------------------------------- */

/* A key as a message shows it: escaped (free it). */
static char *
key_text(const redisReply *k, size_t *len)
{
	char *t = rc_malloc(2 * k->len + 1);

	*len = rc_tsv_escape(t, k->str, k->len, 0);
	return t;
}

/* A key whose own MIGRATE timed out: tried again next round (the target
 * may store it meanwhile); named if nothing moves. */
static void
key_timed_out(struct run *r, struct slot_state *s, const redisReply *key)
{
	size_t kl;
	char *k = key_text(key, &kl);

	snprintf(s->err, sizeof s->err, "MIGRATE of key '%.*s' timed out after %d ms "
	    "(to %.200s:%d): raise --migrate-timeout", (int)(kl < 200 ? kl : 200), k,
	    r->e->m->timeout_ms,
	    r->dst->addr.host, r->dst->addr.port);
	free(k);
}

static void
key_busy(struct run *r, struct slot_state *s, const redisReply *key, const char *why)
{
	size_t kl;
	char *k = key_text(key, &kl);

	pthread_mutex_lock(&r->e->mu);
	rc_warn("slot %d: key '%.*s' already exists on %s:%d (target) and differs from "
	    "the copy on %s:%d (source): %s; both kept (delete one, or use --replace "
	    "to keep the source's)", s->slot, (int)kl, k, r->dst->addr.host,
	    r->dst->addr.port, r->src->addr.host, r->src->addr.port,
	    why[0] ? why : "not compared");
	pthread_mutex_unlock(&r->e->mu);
	free(k);
}

/* One round of busy_keys over the keys in g: how many moved; the busy and
 * timed-out ones counted in *busy and *tmo. */
static long
keys_one_by_one(struct run *r, struct slot_state *s, struct margv *a,
    const redisReply *g, long *busy, long *tmo)
{
	redisReply **rep = rc_calloc(g->elements, sizeof *rep);
	long moved = 0;
	size_t j;
	char why[512] = "";

	/* One at a time, as in move_keys. */
	for (j = 0; j < g->elements; j++) {
		a->argv[a->head] = g->element[j]->str;
		a->len[a->head] = g->element[j]->len;
		pthread_mutex_lock(r->src_lock);
		rep[j] = redisCommandArgv(r->from, a->head + 1, a->argv, a->len);
		pthread_mutex_unlock(r->src_lock);
		if (rep[j] == NULL)
			break;
	}
	*busy = *tmo = 0;
	for (j = 0; j < g->elements; j++) {
		const redisReply *key = g->element[j];

		if (is_ok(rep[j]))
			moved++;
		else if ((err_has(rep[j], "BUSYKEY") || err_has(rep[j], "IOERR")) &&
		    finish_copy(r->from, r->to, a, key->str, key->len, why, sizeof why))
			moved++;
		else if (err_has(rep[j], "IOERR")) {
			(*tmo)++;
			key_timed_out(r, s, key);
		} else if (err_has(rep[j], "BUSYKEY")) {
			(*busy)++;
			key_busy(r, s, key, why);
		}
	}
	free_replies(rep, (int)g->elements);
	free(rep);
	return moved;
}

/* After a BUSYKEY or a MIGRATE that timed out: moves the slot's keys one at
 * a time, so that each key that exists on the target, or is too big for
 * the timeout, is named (and left where it is).  Returns how many are busy;
 * a key that keeps timing out fails the slot with its own message.  a holds
 * the head of the last MIGRATE. */
static long
busy_keys(struct run *r, struct slot_state *s, struct margv *a)
{
	long busy = 0, moved = 0, tmo = 0, newly;
	int round;

	for (round = 0; round < 1000; round++) {
		redisReply *g;

		g = redisCommand(r->from, "CLUSTER GETKEYSINSLOT %d %d", s->slot,
		    r->e->m->batch);
		if (g == NULL || g->type != REDIS_REPLY_ARRAY || g->elements == 0 ||
		    (long)g->elements <= busy + tmo) {
			if (g != NULL)
				freeReplyObject(g);
			break;
		}
		newly = keys_one_by_one(r, s, a, g, &busy, &tmo);
		moved += newly;
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

/* ---- moving the keys of a job's slots ---------------------------------------- */

/* GETKEYSINSLOT for every active slot, in one round trip: how many were
 * asked (their replies in rep), 0 when no slot is active, -1 when the
 * source failed (r->why says how). */
static int
ask_keys(struct run *r, redisReply **rep)
{
	int i, k = 0;

	for (i = 0; i < r->n; i++)
		if (r->sl[i].state == S_ACTIVE) {
			redisAppendCommand(r->from, "CLUSTER GETKEYSINSLOT %d %d",
			    r->sl[i].slot, r->e->m->batch);
			k++;
		}
	if (k == 0)
		return 0;
	if (read_replies(r->from, k, rep) < 0) {
		snprintf(r->why, sizeof r->why, "%s", r->from->errstr);
		free_replies(rep, k);
		return -1;
	}
	return k;
}

/* Runs one MIGRATE, its reply in *out.  One at a time, and one per source
 * across the workers: the source runs each to the end, blocking, so a hung
 * target costs it one --migrate-timeout, not one per MIGRATE queued behind.
 * 0; -1 when the source failed; -2 when the target does not answer or the
 * engine stopped (r->why says which). */
static int
send_migrate(struct run *r, struct margv *a, redisReply **out)
{
	struct engine *e = r->e;
	int rc = 0;

	pthread_mutex_lock(r->src_lock);
	if (e->abort)
		rc = -3;
	else if ((*out = redisCommandArgv(r->from, a->argc, a->argv, a->len)) == NULL) {
		snprintf(r->why, sizeof r->why, "%s", r->from->errstr);
		rc = -1;
	} else if ((*out)->type == REDIS_REPLY_ERROR &&
	    strncmp((*out)->str, "IOERR", 5) == 0 &&
	    target_down(r->to, r->dst, e->o, r->why, sizeof r->why) < 0) {
		/* The source could not talk to the target, and neither can
		 * we: every MIGRATE would fail so.  Said before the source is
		 * let go, so that no other worker sends it one more. */
		engine_error(e, 1, r->why);
		rc = -2;
	}
	pthread_mutex_unlock(r->src_lock);
	if (rc == -3) {
		pthread_mutex_lock(&e->mu);
		snprintf(r->why, sizeof r->why, "stopped: %.300s", e->err);
		pthread_mutex_unlock(&e->mu);
		rc = -2;
	}
	return rc;
}

/* One MIGRATE per active slot that has keys (keys[k]: the GETKEYSINSLOT
 * replies in slot order), replies in mrep, their count in *nsent.  nk[i]:
 * how many keys slot i sent (0 none, -1 its GETKEYSINSLOT failed).  0, or
 * what send_migrate says. */
static int
send_migrates(struct run *r, struct margv *a, redisReply **keys, long *nk,
    redisReply **mrep, int *nsent)
{
	int i, k = 0, rc;

	*nsent = 0;
	for (i = 0; i < r->n; i++) {
		struct slot_state *s = &r->sl[i];
		const redisReply *g;

		if (s->state != S_ACTIVE)
			continue;
		g = keys[k++];
		nk[i] = -1;
		if (g == NULL || g->type != REDIS_REPLY_ARRAY) {
			fail(s, "GETKEYSINSLOT: %s", rtext(g));
			continue;
		}
		nk[i] = (long)g->elements;
		if (g->elements == 0) {
			s->state = S_KEYSDONE;
			continue;
		}
		margv_keys(a, g);
		rc = send_migrate(r, a, &mrep[(*nsent)++]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* MIGRATE said MOVED: the source no longer owns the slot, so another
 * operator moved it; nothing more is sent for it. */
static void
moved_away(struct slot_state *s, const redisReply *m)
{
	const char *sp = strchr(m->str + 6, ' ');

	fail(s, "the source no longer owns it (owned by %.200s): another operator "
	    "moved it? line refused", sp != NULL ? sp + 1 : m->str);
}

static void
migrate_refused(struct slot_state *s, const redisReply *m)
{
	const char *h = rc_error_hint(rtext(m));

	fail(s, "MIGRATE: %s%s%s", rtext(m), h != NULL ? ": " : "", h != NULL ? h : "");
}

/* After a MIGRATE that failed on I/O: a move the other way between the two
 * nodes (another operator's) blocks both servers in MIGRATE until one
 * times out, and would again for each key: every active slot of the job is
 * refused.  1 when so. */
static int
refuse_if_opposite(struct run *r)
{
	char why[400];
	int i;

	if (rc_guard_opposite(r->from, r->to, r->src, r->dst, why, sizeof why) != 1)
		return 0;
	for (i = 0; i < r->n; i++)
		if (r->sl[i].state == S_ACTIVE)
			fail(&r->sl[i], "%s", why);
	return 1;
}

/* What a slot's MIGRATE reply m means for it (nk keys sent); a transient
 * error asks for a pause of at least *nap ms before the next round. */
static void
judge_migrate(struct run *r, struct margv *a, struct slot_state *s, long nk,
    const redisReply *m, int *nap)
{
	const struct rc_mig_opts *mo = r->e->m;

	if (is_ok(m)) {
		s->keys += nk;
		if (nk < mo->batch)
			s->state = S_KEYSDONE;
	} else if (rc_reply_kind(m) == RC_K_MOVED) {
		moved_away(s, m);
	} else if (err_has(m, "IOERR") && refuse_if_opposite(r)) {
		/* every active slot of the job refused: not one 10 s block each */
	} else if (err_has(m, "IOERR") && ++s->tries > mo->retries) {
		keeps_failing(s, m);
	} else if (err_has(m, "BUSYKEY") || err_has(m, "IOERR")) {
		/* IOERR with the target answering: a MIGRATE that timed out
		 * (a big key); key by key finds which. */
		long nb = busy_keys(r, s, a);
		if (nb > 0)
			fail(s, "%ld key(s) of the slot already exist on the target; "
			    "not overwritten: remove them there or use --replace", nb);
	} else if (transient(m) && ++s->tries <= mo->retries) {
		if (*nap < 50 * s->tries)
			*nap = 50 * s->tries;
	} else if (transient(m)) {
		keeps_failing(s, m);
	} else
		migrate_refused(s, m);
}

/* Moves the keys of every active slot; slots whose GETKEYSINSLOT comes back
 * short are done once their MIGRATE succeeded (a migrating source takes no
 * new keys in the slot, so none can appear behind us).  Returns 0; -1 when
 * the source failed (r->why says how); -2 when the target does not answer
 * (r->why names it). */
static int
move_keys(struct run *r)
{
	redisReply **keys = rc_calloc((size_t)r->n, sizeof *keys);
	redisReply **mrep = rc_calloc((size_t)r->n, sizeof *mrep);
	long *nk = rc_calloc((size_t)r->n, sizeof *nk);
	struct margv a;
	int i, k, rc = 0, ng, nsent, nap;

	margv_init(&a, r->e, r->dst);
	while ((ng = ask_keys(r, keys)) > 0) {
		memset(nk, 0, (size_t)r->n * sizeof *nk);
		rc = send_migrates(r, &a, keys, nk, mrep, &nsent);
		nap = 0;
		/* A judgement may refuse other slots of the job (an opposite
		 * move): their replies are skipped, not misread. */
		for (i = 0, k = 0; rc == 0 && i < r->n; i++) {
			if (nk[i] <= 0)
				continue;
			if (r->sl[i].state == S_ACTIVE)
				judge_migrate(r, &a, &r->sl[i], nk[i], mrep[k], &nap);
			k++;
		}
		free_replies(mrep, nsent);
		free_replies(keys, ng);
		if (rc < 0)
			break;
		/* One pause for the round, not one per slot: the bound is on
		 * the whole job (20 tries: about 10 s in all). */
		if (nap > 0)
			rc_sleep_ms(nap);
	}
	if (ng < 0)
		rc = -1;
	margv_free(&a);
	free(keys);
	free(mrep);
	free(nk);
	return rc;
}

/* ---- running a job ------------------------------------------------------------ */

/* Tells every other master who owns the slots now.  A master that does not
 * answer learns it from gossip; a warning is enough. */
static void
tell_others(struct run *r)
{
	struct rc_cluster *cl = r->cl;
	int i, k, j;

	for (j = 0; j < cl->nnodes; j++) {
		struct rc_node *x = cl->nodes[j];
		redisContext *c;

		if (!rc_node_is_master(x) || x == r->src || x == r->dst ||
		    (x->flags & (RC_NF_FAIL | RC_NF_HANDSHAKE | RC_NF_NOADDR)))
			continue;
		if ((c = rc_node_ctx(cl, x)) == NULL)
			continue;
		for (i = 0, k = 0; i < r->n; i++)
			if (r->sl[i].state == S_DONE) {
				redisAppendCommand(c, "CLUSTER SETSLOT %d NODE %s",
				    r->sl[i].slot, r->dst->id);
				k++;
			}
		if (read_replies(c, k, r->rep) < 0)
			rc_node_drop(x, c->errstr);
		free_replies(r->rep, k);
	}
}

/* The source stopped answering: what it has is out of reach; close the
 * target side of slots that moved nothing yet.  Returns -1. */
static int
lost_source(struct run *r)
{
	int i;

	engine_error(r->e, 1, r->why);
	rc_node_drop(r->src, r->why);
	r->from = NULL;
	for (i = 0; i < r->n; i++)
		if (r->sl[i].state == S_ACTIVE || r->sl[i].state == S_KEYSDONE) {
			fail(&r->sl[i], "%s", r->why);
			roll_back(NULL, r->to, &r->sl[i]);
		}
	free_replies(r->rep, r->n);
	return -1;
}

/* The target stopped answering: the source side of slots that moved
 * nothing yet is closed (over a new connection if need be).  Returns -1. */
static int
lost_target(struct run *r)
{
	int i;

	engine_error(r->e, 1, r->why);
	rc_node_drop(r->dst, r->why);
	r->to = NULL;
	for (i = 0; i < r->n; i++)
		if (r->sl[i].state == S_ACTIVE || r->sl[i].state == S_KEYSDONE) {
			fail(&r->sl[i], "%s", r->why);
			roll_back(rc_node_ctx(r->cl, r->src), NULL, &r->sl[i]);
		}
	free_replies(r->rep, r->n);
	return -1;
}

/* r->why: "WHAT host:port: reason" (reason may be r->why itself). */
static void
node_why(struct run *r, const char *what, const struct rc_node *x, const char *reason)
{
	char w[200];

	snprintf(w, sizeof w, "%.150s", reason);
	snprintf(r->why, sizeof r->why, "%.20s%.200s:%d: %.150s", what, x->addr.host,
	    x->addr.port, w);
}

/* Both nodes in the cluster and connected.  0, or -1 with every slot failed. */
static int
connect_pair(struct run *r)
{
	const char *msg;
	int i, ms;
	struct timeval tv;

	if (r->src == NULL || r->dst == NULL) {
		for (i = 0; i < r->n; i++)
			fail(&r->sl[i], "node %.40s is not in the cluster",
			    r->src == NULL ? r->j->from : r->j->to);
		return -1;
	}
	if ((r->from = rc_node_ctx(r->cl, r->src)) == NULL ||
	    (r->to = rc_node_ctx(r->cl, r->dst)) == NULL) {
		msg = r->from == NULL ? r->src->err : r->dst->err;
		for (i = 0; i < r->n; i++)
			fail(&r->sl[i], "%s", msg);
		engine_error(r->e, 1, msg);
		return -1;
	}
	/* The source may work on a MIGRATE for a while. */
	ms = r->e->m->timeout_ms * 2 > r->e->o->timeout_ms ? r->e->m->timeout_ms * 2 :
	    r->e->o->timeout_ms;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	redisSetTimeout(r->from, tv);
	return 0;
}

/* A view that could not be read: a broken connection is a lost node; any
 * other failure leaves the slots untouched (they cannot be judged).
 * Returns -1 when a node was lost, else 0. */
static int
guard_failed(struct run *r, int state, const char *err)
{
	int i;

	if (r->from->err) {
		node_why(r, "", r->src, r->from->errstr);
		return lost_source(r);
	}
	if (r->to->err) {
		node_why(r, "the target ", r->dst, r->to->errstr);
		return lost_target(r);
	}
	for (i = 0; i < r->n; i++)
		if (r->sl[i].state == state && !r->sl[i].claimed)
			fail(&r->sl[i], "cannot check the slot: %s", err);
	return 0;
}

/* Judges the job's slots in state `state` (those not yet handed to the
 * target) by the source's and the target's own views (guard.c): a slot
 * that is not where the move expects is refused with the reason, and an
 * open state that is no longer ours is not undone.  0, or -1 when a node
 * was lost. */
static int
guard_job(struct run *r, int state, int when)
{
	struct rc_guard *g = rc_calloc((size_t)r->n, sizeof *g);
	char err[400];
	int i, k = 0, rc = 0;

	for (i = 0; i < r->n; i++)
		if (r->sl[i].state == state && !r->sl[i].claimed) {
			g[k].resume = r->sl[i].resume;
			g[k++].slot = r->sl[i].slot;
		}
	if (k > 0 && rc_guard_slots(r->from, r->to, r->src, r->dst, g, k, when, err,
	    sizeof err) < 0)
		rc = guard_failed(r, state, err);
	else
		for (i = 0, k = 0; i < r->n; i++) {
			struct slot_state *s = &r->sl[i];

			if (s->state != state || s->claimed)
				continue;
			s->resume = g[k].resume;
			if (g[k].why[0] != '\0') {
				fail(s, "%s", g[k].why);
				s->migrating &= g[k].src_ours;
				s->importing &= g[k].dst_ours;
			}
			k++;
		}
	free(g);
	return rc;
}

/* A reply to IMPORTING or MIGRATING that refuses the slot, in a move that
 * is not finishing a half-done one: the slot is not where the plan says,
 * and nothing more is sent for it (least of all SETSLOT NODE, which would
 * take it from the master that holds its keys). */
static void
open_refused(struct run *r, struct slot_state *s, const redisReply *x, int target)
{
	struct rc_guard g;
	char err[400];

	if (target && err_has(x, "already the owner")) {
		fail(s, "the target already owns it: another operator moved it? line "
		    "refused (if a run of this plan was cut short, rc-reshard fix "
		    "finishes it)");
		return;
	}
	if (!target && err_has(x, "not the owner")) {
		/* Said with the owner the source names now. */
		memset(&g, 0, sizeof g);
		g.slot = s->slot;
		if (rc_guard_slots(r->from, r->to, r->src, r->dst, &g, 1, RC_GUARD_OPEN, err,
		    sizeof err) == 0 && g.why[0] != '\0')
			fail(s, "%s", g.why);
		else
			fail(s, "the source no longer owns it: another operator moved "
			    "it? line refused");
		return;
	}
	fail(s, "%s refused %s: %s", target ? "target" : "source",
	    target ? "IMPORTING" : "MIGRATING", rtext(x));
}

/* A half-done move is finished (fix, or a run of a plan that was cut
 * short): the target may own the slot already, the source no longer. */
static int
finishing(const struct run *r, const struct slot_state *s)
{
	return r->e->m->finish || s->resume;
}

/* IMPORTING on the target first, so that an ASK always lands on a node that
 * accepts it; then MIGRATING on the source.  0, or -1 when a node was lost. */
static int
open_pair(struct run *r)
{
	int i, k;

	if (setslot_all(r->to, r->sl, r->n, S_ACTIVE, "IMPORTING", r->src->id, r->rep) < 0) {
		node_why(r, "the target ", r->dst, r->to->errstr);
		return lost_target(r);
	}
	for (i = 0, k = 0; i < r->n; i++) {
		if (r->sl[i].state != S_ACTIVE)
			continue;
		if (is_ok(r->rep[k]))
			r->sl[i].importing = 1;
		else if (!finishing(r, &r->sl[i]) || !err_has(r->rep[k], "already the owner")) {
			open_refused(r, &r->sl[i], r->rep[k], 1);
			/* A replica, say: no other slot will fare better. */
			if (err_has(r->rep[k], "only with masters"))
				engine_abort(r->e, r->sl[i].err);
		}
		k++;
	}
	free_replies(r->rep, k);
	if (setslot_all(r->from, r->sl, r->n, S_ACTIVE, "MIGRATING", r->dst->id, r->rep) < 0) {
		node_why(r, "", r->src, r->from->errstr);
		return lost_source(r);
	}
	for (i = 0, k = 0; i < r->n; i++) {
		if (r->sl[i].state != S_ACTIVE)
			continue;
		if (is_ok(r->rep[k]))
			r->sl[i].migrating = 1;
		else if (!finishing(r, &r->sl[i]) || !err_has(r->rep[k], "not the owner")) {
			open_refused(r, &r->sl[i], r->rep[k], 0);
			roll_back(r->from, r->to, &r->sl[i]);
		}
		k++;
	}
	free_replies(r->rep, k);
	return 0;
}

/* SETSLOT NODE on the target for the slots whose keys are done.  0, or -1
 * when the target was lost. */
static int
close_on_target(struct run *r)
{
	int i, k;

	if (setslot_all(r->to, r->sl, r->n, S_KEYSDONE, "NODE", r->dst->id, r->rep) < 0) {
		node_why(r, "the target ", r->dst, r->to->errstr);
		return lost_target(r);
	}
	for (i = 0, k = 0; i < r->n; i++) {
		if (r->sl[i].state != S_KEYSDONE)
			continue;
		if (!is_ok(r->rep[k]))
			fail(&r->sl[i], "target refused SETSLOT NODE: %s", rtext(r->rep[k]));
		else
			r->sl[i].claimed = 1;
		k++;
	}
	free_replies(r->rep, k);
	return 0;
}

/* Then on the source, which refuses while it still holds keys of the slot.
 * 1 when some slot must go back to moving keys, 0 when none, -1 when the
 * source was lost. */
static int
close_on_source(struct run *r)
{
	int i, k, again = 0;

	if (setslot_all(r->from, r->sl, r->n, S_KEYSDONE, "NODE", r->dst->id, r->rep) < 0) {
		node_why(r, "", r->src, r->from->errstr);
		return lost_source(r);
	}
	for (i = 0, k = 0; i < r->n; i++) {
		const redisReply *x;

		if (r->sl[i].state != S_KEYSDONE)
			continue;
		x = r->rep[k++];
		/* A master whose last slot went away may have turned itself
		 * into a replica of the target already (Redis 7's replica
		 * migration): its keys had all moved, the slot is the
		 * target's. */
		if (is_ok(x) || err_has(x, "only with masters"))
			r->sl[i].state = S_DONE;
		else if (err_has(x, "still hold keys") || err_has(x, "still holds keys")) {
			r->sl[i].state = S_ACTIVE;
			again = 1;
		} else
			fail(&r->sl[i], "source refused SETSLOT NODE: %s", rtext(x));
	}
	free_replies(r->rep, k);
	return again;
}

/* Keys moved, then the slots closed on both sides; a slot whose source
 * still holds keys goes round again, at most five times.  0, or -1 when a
 * node was lost. */
static int
move_and_close(struct run *r)
{
	int round, mk, again;

	for (round = 0; round < 5; round++) {
		if ((mk = move_keys(r)) == -2)
			return lost_target(r);
		if (mk < 0) {
			node_why(r, "", r->src, r->why);
			return lost_source(r);
		}
		/* SETSLOT NODE gives the target a new epoch: it would take the
		 * slot from whoever holds it now, and that master would drop
		 * its keys.  Only while the move is still ours. */
		if (guard_job(r, S_KEYSDONE, r->e->m->finish ? RC_GUARD_FINISH :
		    RC_GUARD_CLOSE) < 0)
			return -1;
		if (close_on_target(r) < 0 || (again = close_on_source(r)) < 0)
			return -1;
		if (!again)
			break;
	}
	return 0;
}

static void
run_job(struct engine *e, struct rc_cluster *cl, const struct job *j)
{
	struct run r;
	int i;

	memset(&r, 0, sizeof r);
	r.e = e;
	r.cl = cl;
	r.j = j;
	r.n = j->n;
	r.src = rc_cluster_by_id(cl, j->from);
	r.dst = rc_cluster_by_id(cl, j->to);
	r.src_lock = source_lock(e, j->from);
	r.sl = rc_calloc((size_t)j->n, sizeof *r.sl);
	r.rep = rc_calloc((size_t)j->n, sizeof *r.rep);
	for (i = 0; i < j->n; i++) {
		r.sl[i].slot = j->slots[i];
		r.sl[i].state = S_ACTIVE;
		r.sl[i].t0 = rc_now_us();
	}
	/* The owner and state of each slot read again right before it is
	 * opened: the plan may be older than another operator's move. */
	if (connect_pair(&r) == 0 && guard_job(&r, S_ACTIVE, e->m->finish ?
	    RC_GUARD_FINISH : RC_GUARD_OPEN) == 0 && open_pair(&r) == 0 &&
	    move_and_close(&r) == 0) {
		for (i = 0; i < j->n; i++) {
			if (r.sl[i].state == S_ACTIVE || r.sl[i].state == S_KEYSDONE)
				fail(&r.sl[i], "keys keep appearing in the slot on the source");
			if (r.sl[i].state == S_FAILED)
				roll_back(r.from, r.to, &r.sl[i]);
		}
		tell_others(&r);
	}
	for (i = 0; i < j->n; i++)
		report(e, j, &r.sl[i]);
	free(r.rep);
	free(r.sl);
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

/* One open slot as master n's own view has it, merged into op: a slot that
 * is migrating on its source and importing on its target is one entry. */
static struct rc_open *
merge_open(struct rc_open *op, int *nop, const struct rc_node *n,
    const struct rc_open_slot *os)
{
	const char *src = os->importing ? os->peer : n->id;
	const char *dst = os->importing ? n->id : os->peer;
	int q;

	for (q = 0; q < *nop && op[q].slot != os->slot; q++)
		;
	if (q == *nop) {
		op = rc_realloc(op, (size_t)(*nop + 1) * sizeof *op);
		memset(&op[q], 0, sizeof *op);
		op[q].slot = os->slot;
		snprintf(op[q].src, sizeof op[q].src, "%s", src);
		snprintf(op[q].dst, sizeof op[q].dst, "%s", dst);
		(*nop)++;
	}
	if (os->importing)
		op[q].importing = 1;
	else
		op[q].migrating = 1;
	return op;
}

/* Only a node's own line in its own view (rc_node_view) carries its open
 * slots: every master is asked. */
int
rc_open_slots(struct rc_cluster *cl, struct rc_open **out, char *err, size_t errlen)
{
	struct rc_open *op = NULL;
	int nop = 0, i, j, k;

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
		for (j = 0; j < nv; j++)
			for (k = 0; (v[j].flags & RC_NF_MYSELF) && k < v[j].nopen; k++)
				op = merge_open(op, &nop, n, &v[j].open[k]);
		rc_nodes_free(v, nv);
	}
	*out = op;
	return nop;
}
