/* migkeys.c - moving one job's keys: CLUSTER GETKEYSINSLOT, MIGRATE ...
 * KEYS in batches (one at a time per source), and key by key when a key is
 * busy on the target or too big for the timeout.  The engine that opens and
 * closes the slots around this is migrate.c's. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migrate.h"

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
	ok = mig_is_ok(r);
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

		if (mig_is_ok(rep[j]))
			moved++;
		else if ((mig_err_has(rep[j], "BUSYKEY") || mig_err_has(rep[j], "IOERR")) &&
		    finish_copy(r->from, r->to, a, key->str, key->len, why, sizeof why))
			moved++;
		else if (mig_err_has(rep[j], "IOERR")) {
			(*tmo)++;
			key_timed_out(r, s, key);
		} else if (mig_err_has(rep[j], "BUSYKEY")) {
			(*busy)++;
			key_busy(r, s, key, why);
		}
	}
	mig_free_replies(rep, (int)g->elements);
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
	if (mig_read_replies(r->from, k, rep) < 0) {
		snprintf(r->why, sizeof r->why, "%s", rc_errstr(r->from));
		mig_free_replies(rep, k);
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
		snprintf(r->why, sizeof r->why, "%s", rc_errstr(r->from));
		rc = -1;
	} else if ((*out)->type == REDIS_REPLY_ERROR &&
	    strncmp((*out)->str, "IOERR", 5) == 0 &&
	    mig_target_down(r->to, r->dst, e->o, r->why, sizeof r->why) < 0) {
		/* The source could not talk to the target, and neither can
		 * we: every MIGRATE would fail so.  Said before the source is
		 * let go, so that no other worker sends it one more. */
		mig_engine_error(e, 1, r->why);
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
			mig_fail(s, "GETKEYSINSLOT: %s", mig_rtext(g));
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

	mig_fail(s, "the source no longer owns it (owned by %.200s): another operator "
	    "moved it? line refused", sp != NULL ? sp + 1 : m->str);
}

static void
migrate_refused(struct slot_state *s, const redisReply *m)
{
	const char *h = rc_error_hint(mig_rtext(m));

	mig_fail(s, "MIGRATE: %s%s%s", mig_rtext(m), h != NULL ? ": " : "", h != NULL ? h : "");
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
			mig_fail(&r->sl[i], "%s", why);
	return 1;
}

/* What a slot's MIGRATE reply m means for it (nk keys sent); a transient
 * error asks for a pause of at least *nap ms before the next round. */
static void
judge_migrate(struct run *r, struct margv *a, struct slot_state *s, long nk,
    const redisReply *m, int *nap)
{
	const struct rc_mig_opts *mo = r->e->m;

	if (mig_is_ok(m)) {
		s->keys += nk;
		if (nk < mo->batch)
			s->state = S_KEYSDONE;
	} else if (rc_reply_kind(m) == RC_K_MOVED) {
		moved_away(s, m);
	} else if (mig_err_has(m, "IOERR") && refuse_if_opposite(r)) {
		/* every active slot of the job refused: not one 10 s block each */
	} else if (mig_err_has(m, "IOERR") && ++s->tries > mo->retries) {
		mig_keeps_failing(s, m);
	} else if (mig_err_has(m, "BUSYKEY") || mig_err_has(m, "IOERR")) {
		/* IOERR with the target answering: a MIGRATE that timed out
		 * (a big key); key by key finds which. */
		long nb = busy_keys(r, s, a);
		if (nb > 0)
			mig_fail(s, "%ld key(s) of the slot already exist on the target; "
			    "not overwritten: remove them there or use --replace", nb);
	} else if (mig_transient(m) && ++s->tries <= mo->retries) {
		if (*nap < 50 * s->tries)
			*nap = 50 * s->tries;
	} else if (mig_transient(m)) {
		mig_keeps_failing(s, m);
	} else
		migrate_refused(s, m);
}

/* Moves the keys of every active slot; slots whose GETKEYSINSLOT comes back
 * short are done once their MIGRATE succeeded (a migrating source takes no
 * new keys in the slot, so none can appear behind us).  Returns 0; -1 when
 * the source failed (r->why says how); -2 when the target does not answer
 * (r->why names it). */
int
mig_move_keys(struct run *r)
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
		mig_free_replies(mrep, nsent);
		mig_free_replies(keys, ng);
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

/* ---- the durable wait --------------------------------------------------------- */

/* A key of the given slot: "rc-reshard:durable{DIGITS}". */
static void
slot_key(int slot, char *buf, size_t n)
{
	char t[16];
	int i, len;

	/* Digits reach every slot within a few hundred thousand tries. */
	for (i = 0;; i++) {
		len = snprintf(t, sizeof t, "%d", i);
		if ((int)rc_keyslot(t, (size_t)len) == slot)
			break;
	}
	snprintf(buf, n, "rc-reshard:durable{%s}", t);
}

/* Replicas connected to the target, from its ROLE; -1 when it did not say. */
static int
connected_replicas(redisContext *c)
{
	redisReply *r = rc_cmdv(c, "ROLE", NULL);
	int n = -1;

	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements >= 3 &&
	    r->element[2]->type == REDIS_REPLY_ARRAY)
		n = (int)r->element[2]->elements;
	if (r != NULL)
		freeReplyObject(r);
	return n;
}

/* Said once per target of a run: its moves cannot wait for a replica. */
static void
no_replica(struct run *r)
{
	struct engine *e = r->e;
	int i;

	pthread_mutex_lock(&e->mu);
	for (i = 0; i < e->nnorep && strcmp(e->norep[i], r->dst->id) != 0; i++)
		;
	if (i == e->nnorep) {
		e->norep = rc_realloc(e->norep, (size_t)(i + 1) * sizeof *e->norep);
		snprintf(e->norep[e->nnorep++], sizeof e->norep[0], "%s", r->dst->id);
		rc_warn("warning: the target %s:%d has no replica: its slots are moved "
		    "without the durable wait (a crash of it loses them)",
		    r->dst->addr.host, r->dst->addr.port);
	}
	pthread_mutex_unlock(&e->mu);
}

/* The durable wait's round trip: a write of nothing (a key set and deleted
 * in one transaction, in a slot the target imports) gives our connection a
 * replication offset past every RESTORE the MIGRATEs ran there, and WAIT
 * then waits for a replica to have all of it.  WAIT alone would not do: it
 * waits only for the writes of the connection it is sent on.  The WAIT's
 * count, 0 when a replica did not confirm in time, -1 with why when a
 * reply was not what it should be, -2 when the target was lost. */
static int
wait_replica(struct run *r, int slot, char *why, size_t whylen)
{
	char key[64], tmo[16];
	const char *set[] = { "SET", key, "1" }, *del[] = { "DEL", key };
	const char *w[] = { "WAIT", "1", tmo };
	redisReply *rep[6];
	int n = -1;

	slot_key(slot, key, sizeof key);
	snprintf(tmo, sizeof tmo, "%d", r->e->m->timeout_ms);
	redisAppendCommand(r->to, "ASKING");
	redisAppendCommand(r->to, "MULTI");
	redisAppendCommandArgv(r->to, 3, set, NULL);
	redisAppendCommandArgv(r->to, 2, del, NULL);
	redisAppendCommand(r->to, "EXEC");
	redisAppendCommandArgv(r->to, 3, w, NULL);
	if (mig_read_replies(r->to, 6, rep) < 0) {
		mig_free_replies(rep, 6);
		return -2;
	}
	if (rep[4]->type != REDIS_REPLY_ARRAY)
		snprintf(why, whylen, "the target refused the durable wait's write: %s",
		    mig_rtext(rep[4]->type == REDIS_REPLY_ERROR ? rep[4] : rep[2]));
	else if (rep[5]->type != REDIS_REPLY_INTEGER)
		snprintf(why, whylen, "the target refused WAIT: %s", mig_rtext(rep[5]));
	else
		n = (int)rep[5]->integer;
	mig_free_replies(rep, 6);
	return n;
}

/* --durable: before the slots whose keys are done are closed, a replica of
 * the target has every key moved to it, so that a crash of the target right
 * after cannot lose them.  A slot the replica did not confirm in time
 * fails (it stays open; fix finishes it).  A target with no replica is
 * said once and moved without the wait.  0, or -2 when the target was
 * lost. */
int
mig_durable(struct run *r)
{
	char why[300] = "";
	int i, first = -1, n;

	if (!r->e->m->durable)
		return 0;
	for (i = 0; i < r->n; i++)
		if (r->sl[i].state == S_KEYSDONE && (r->sl[i].keys > 0 || mig_finishing(r,
		    &r->sl[i])) && first < 0)
			first = i;
	if (first < 0)
		return 0;       /* no key moved: nothing to wait for */
	if ((n = connected_replicas(r->to)) < 0)
		return r->to->err ? -2 : 0;
	if (n == 0) {
		no_replica(r);
		return 0;
	}
	if ((n = wait_replica(r, r->sl[first].slot, why, sizeof why)) == -2)
		return -2;
	if (n == 0)
		snprintf(why, sizeof why, "no replica of the target confirmed its keys "
		    "within %d ms (--durable; --migrate-timeout sets the bound)",
		    r->e->m->timeout_ms);
	if (n <= 0)
		for (i = 0; i < r->n; i++)
			if (r->sl[i].state == S_KEYSDONE)
				mig_fail(&r->sl[i], "%s", why);
	return 0;
}
