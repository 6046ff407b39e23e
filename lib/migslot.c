/* migslot.c - CLUSTER SETSLOT for the migration engine: a job's slots in one
 * pipeline, or spread over connections where SETSLOT waits for replicas.
 *
 * Valkey 8 copies CLUSTER SETSLOT to a primary's replicas and holds the
 * client until they acknowledge it, before the change is made (the command
 * gained a TIMEOUT argument then).  The next command of a held client waits
 * behind it: a job's SETSLOTs pipelined on one connection cost one replica
 * round trip each, one after the other.  Sent on connections of their own
 * they are held together, and one acknowledgement from the replicas releases
 * them all.  Every change still waits for the replicas: only the waits
 * overlap.  Redis 7 answers at once, and gets the plain pipeline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migrate.h"

/* The worker's spread for node x (made on first use). */
static struct spread *
spread_of(struct pool *p, const struct rc_node *x)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->s[i].id, x->id) == 0)
			return &p->s[i];
	p->s = rc_realloc(p->s, (size_t)(p->n + 1) * sizeof *p->s);
	memset(&p->s[p->n], 0, sizeof p->s[p->n]);
	snprintf(p->s[p->n].id, sizeof p->s[p->n].id, "%s", x->id);
	p->s[p->n].waits = -1;
	return &p->s[p->n++];
}

/* Whether a reply names tok anywhere (COMMAND DOCS: an argument's token). */
static int
has_token(const redisReply *r, const char *tok)
{
	size_t i;

	if (r == NULL)
		return 0;
	if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
		return strcasecmp(r->str, tok) == 0;
	if (r->type == REDIS_REPLY_ARRAY)
		for (i = 0; i < r->elements; i++)
			if (has_token(r->element[i], tok))
				return 1;
	return 0;
}

/* Replicas of x that the worker's map knows and that have not failed. */
static int
replicas_of(const struct rc_cluster *cl, const struct rc_node *x)
{
	int i, k = 0;

	for (i = 0; i < cl->nnodes; i++)
		k += strcmp(cl->nodes[i]->master_id, x->id) == 0 &&
		    !(cl->nodes[i]->flags & (RC_NF_FAIL | RC_NF_NOADDR));
	return k;
}

/* How many connections k commands for x go over, in cs (c first). */
static int
spread_conns(struct run *r, const struct rc_node *x, redisContext *c, int k,
    redisContext **cs)
{
	struct spread *sp;
	char err[300];
	redisReply *d;
	int m = 1, i;

	cs[0] = c;
	if (k < 2 || r->pool == NULL || replicas_of(r->cl, x) == 0)
		return 1;
	sp = spread_of(r->pool, x);
	/* SETSLOT waits for the replicas where its COMMAND DOCS name a
	 * TIMEOUT token (Valkey 8.0); asked once per node and worker. */
	if (sp->waits < 0) {
		d = rc_cmdv(c, "COMMAND", "DOCS", "CLUSTER|SETSLOT", NULL);
		sp->waits = has_token(d, "TIMEOUT");
		if (d != NULL)
			freeReplyObject(d);
	}
	if (!sp->waits)
		return 1;
	for (i = 1; i < k && i < SPREAD_MAX; i++) {
		if (sp->c[i] == NULL &&
		    (sp->c[i] = rc_connect(&x->addr, r->e->o, err, sizeof err)) == NULL)
			break;  /* fewer connections: the pipeline takes the rest */
		cs[m++] = sp->c[i];
	}
	return m;
}

/* A spread connection that failed is closed and forgotten. */
static void
spread_drop(struct run *r, const struct rc_node *x, redisContext *c)
{
	struct spread *sp = spread_of(r->pool, x);
	int i;

	for (i = 1; i < SPREAD_MAX; i++)
		if (sp->c[i] == c)
			sp->c[i] = NULL;
	redisFree(c);
}

void
mig_pool_free(struct pool *p)
{
	int i, k;

	for (i = 0; i < p->n; i++)
		for (k = 1; k < SPREAD_MAX; k++)
			if (p->s[i].c[k] != NULL)
				redisFree(p->s[i].c[k]);
	free(p->s);
}

static void
append_setslot(redisContext *c, int slot, const char *sub, const char *id)
{
	if (id != NULL)
		redisAppendCommand(c, "CLUSTER SETSLOT %d %s %s", slot, sub, id);
	else
		redisAppendCommand(c, "CLUSTER SETSLOT %d %s", slot, sub);
}

/* CLUSTER SETSLOT s <sub> [id] to node x (over c, and more connections where
 * it waits for replicas) for each slot in state `want`; sent, not read. */
void
mig_setslot_send(struct run *r, struct rc_node *x, redisContext *c, int want,
    const char *sub, const char *id, struct sent *t)
{
	int i, k = 0, done;

	for (i = 0; i < r->n; i++)
		k += r->sl[i].state == want;
	t->x = x;
	t->sub = sub;
	t->id = id;
	t->k = 0;
	t->slot = rc_calloc((size_t)k + 1, sizeof *t->slot);
	t->m = spread_conns(r, x, c, k, t->cs);
	for (i = 0; i < r->n; i++)
		if (r->sl[i].state == want) {
			t->slot[t->k] = r->sl[i].slot;
			append_setslot(t->cs[t->k++ % t->m], r->sl[i].slot, sub, id);
		}
	/* All on the wire before any reply is read: held together. */
	for (i = 1; i < t->m; i++)
		do {
			if (redisBufferWrite(t->cs[i], &done) != REDIS_OK)
				break;
		} while (!done);
	if (t->m > 1)
		do {
			if (redisBufferWrite(c, &done) != REDIS_OK)
				break;
		} while (!done);
}

/* The replies of mig_setslot_send in rep, in slot order.  A spread connection
 * that failed is dropped and its commands are sent again over c, the
 * worker's own (a SETSLOT said twice changes nothing more).  0, or -1 when
 * c failed (the rest of rep NULL). */
int
mig_setslot_recv(struct run *r, struct sent *t, redisReply **rep)
{
	redisContext *c = t->cs[0];
	int i, bad = 0, again = 0;
	void *x;

	for (i = 0; i < t->k; i++) {
		redisContext *ci = t->cs[i % t->m];

		rep[i] = NULL;
		if (ci == NULL || (ci == c && bad))
			continue;
		if (redisGetReply(ci, &x) == REDIS_OK)
			rep[i] = x;
		else if (ci == c)
			bad = 1;
		else {
			spread_drop(r, t->x, ci);
			t->cs[i % t->m] = NULL;
		}
	}
	/* Those a dropped connection did not answer (the same test picks
	 * the same ones in both loops: a reply read fills its place). */
	for (i = 0; i < t->k && !bad; i++)
		if (t->cs[i % t->m] == NULL && rep[i] == NULL) {
			append_setslot(c, t->slot[i], t->sub, t->id);
			again++;
		}
	for (i = 0; i < t->k && !bad && again > 0; i++)
		if (t->cs[i % t->m] == NULL && rep[i] == NULL) {
			if (redisGetReply(c, &x) == REDIS_OK)
				rep[i] = x;
			else
				bad = 1;
		}
	free(t->slot);
	t->slot = NULL;
	return bad ? -1 : 0;
}

/* CLUSTER SETSLOT s <sub> [id] on x for each slot in state `want`: one
 * round trip (one replica acknowledgement where SETSLOT waits for it). */
int
mig_setslot_all(struct run *r, struct rc_node *x, redisContext *c, int want,
    const char *sub, const char *id)
{
	struct sent t;

	mig_setslot_send(r, x, c, want, sub, id, &t);
	return mig_setslot_recv(r, &t, r->rep);
}
