/*
 * claims.c - who owns each slot by every master's own word, the keys a
 * master holds of slots it does not own (one scan, rc-dist keys' too), and
 * gathering them onto the owner.
 *
 * The seed's map is one node's opinion: after a crash or two operators at
 * once, masters can each claim a slot, or each name the other as its owner,
 * and a master can hold keys of a slot it does not own (clients never reach
 * them).  check and fix ask every master, so they see what redis-cli sees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

/* What one master says in its own view v: its claims, its open slots, and
 * whom it names as the owner of each slot. */
static void
take_view(struct rc_claims *k, int i, const struct rc_node *v, int nv)
{
	int j, r, s;

	for (j = 0; j < nv; j++) {
		const struct rc_node *n = &v[j];
		if (!(n->flags & RC_NF_MASTER))
			continue;
		for (r = 0; r < n->nranges; r++)
			for (s = n->ranges[r].lo; s <= n->ranges[r].hi; s++) {
				if (n->flags & RC_NF_MYSELF) {
					k->nclaim[s]++;
					k->claim[s] = k->m[i];
					k->mine[(size_t)i * RC_NSLOTS + s] = 1;
				}
				if (k->named[s][0] == '\0')
					snprintf(k->named[s], sizeof k->named[s], "%s", n->id);
				else if (strcmp(k->named[s], n->id) != 0)
					k->split[s] = 1;
			}
		for (r = 0; (n->flags & RC_NF_MYSELF) && r < n->nopen; r++)
			k->open[(size_t)i * RC_NSLOTS + n->open[r].slot] = 1;
	}
}

/* Slots no view names an owner for, once another view did: split too. */
static void
mark_unnamed(struct rc_claims *k, int i, const struct rc_node *v, int nv)
{
	unsigned char *seen = rc_calloc(RC_NSLOTS, 1);
	int j, r, s;

	(void)i;
	for (j = 0; j < nv; j++)
		for (r = 0; (v[j].flags & RC_NF_MASTER) && r < v[j].nranges; r++)
			for (s = v[j].ranges[r].lo; s <= v[j].ranges[r].hi; s++)
				seen[s] = 1;
	for (s = 0; s < RC_NSLOTS; s++)
		if (!seen[s] && k->named[s][0] != '\0')
			k->split[s] = 1;
	free(seen);
}

/* A failed reply's text, for err. */
static void
failed_reply(const redisReply *r, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", r == NULL ? "no reply" :
	    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
}

/* n's DBSIZE, or -1 with err. */
static long long
dbsize(struct rc_cluster *cl, struct rc_node *n, char *err, size_t errlen)
{
	struct rc_pipe *p = rc_pipe_new(cl);
	redisReply *r;
	long long db = -1;

	rc_pipe_node_cmdv(p, n, "DBSIZE", NULL);
	rc_pipe_exec(p);
	r = rc_pipe_reply(p, 0);
	if (r != NULL && r->type == REDIS_REPLY_INTEGER)
		db = r->integer;
	else
		failed_reply(r, err, errlen);
	rc_pipe_free(p);
	return db;
}

long long
rc_node_strays(struct rc_cluster *cl, struct rc_node *n, const unsigned char *its,
    long long held, long *keys, char *err, size_t errlen)
{
	struct rc_pipe *p;
	long long found = 0, db;
	size_t q = 0;
	int s, failed = 0;

	err[0] = '\0';
	memset(keys, 0, RC_NSLOTS * sizeof *keys);
	if (held >= 0 && ((db = dbsize(cl, n, err, errlen)) < 0 || db <= held))
		return db < 0 ? -1 : 0;
	p = rc_pipe_new(cl);
	for (s = 0; s < RC_NSLOTS; s++) {
		char num[16];
		if (its[s])
			continue;
		snprintf(num, sizeof num, "%d", s);
		rc_pipe_node_cmdv(p, n, "CLUSTER", "COUNTKEYSINSLOT", num, NULL);
	}
	rc_pipe_exec(p);
	for (s = 0; s < RC_NSLOTS; s++) {
		redisReply *r;
		if (its[s])
			continue;
		r = rc_pipe_reply(p, q++);
		if (r != NULL && r->type == REDIS_REPLY_INTEGER) {
			keys[s] = (long)r->integer;
			found += r->integer;
			continue;
		}
		keys[s] = -1;
		if (!failed++)
			failed_reply(r, err, errlen);
	}
	rc_pipe_free(p);
	return failed ? -1 : found;
}

int
rc_claims_read(struct rc_cluster *cl, struct rc_claims *k)
{
	int i;

	memset(k, 0, sizeof *k);
	k->m = rc_calloc((size_t)cl->nnodes + 1, sizeof *k->m);
	k->epoch = rc_calloc((size_t)cl->nnodes + 1, sizeof *k->epoch);
	k->nclaim = rc_calloc(RC_NSLOTS, sizeof *k->nclaim);
	k->claim = rc_calloc(RC_NSLOTS, sizeof *k->claim);
	k->named = rc_calloc(RC_NSLOTS, sizeof *k->named);
	k->split = rc_calloc(RC_NSLOTS, 1);
	k->mine = rc_calloc((size_t)cl->nnodes * RC_NSLOTS + 1, 1);
	k->open = rc_calloc((size_t)cl->nnodes * RC_NSLOTS + 1, 1);
	k->keys = rc_calloc((size_t)cl->nnodes * RC_NSLOTS + 1, sizeof *k->keys);
	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *n = cl->nodes[i], *v;
		int nv, j, master = 0;

		if (n->flags & (RC_NF_FAIL | RC_NF_NOADDR))
			continue;
		if ((nv = rc_node_view(cl, n, &v)) < 0) {
			k->silent += rc_node_is_master(n);
			continue;
		}
		for (j = 0; j < nv; j++)
			if ((v[j].flags & RC_NF_MYSELF) && (v[j].flags & RC_NF_MASTER)) {
				master = 1;
				k->epoch[k->nm] = v[j].config_epoch;
			}
		if (master) {
			k->m[k->nm] = n;
			take_view(k, k->nm, v, nv);
			mark_unnamed(k, k->nm, v, nv);
			k->nm++;
		}
		rc_nodes_free(v, nv);
	}
	for (i = 0; i < k->nm; i++) {
		char err[400];
		(void)rc_node_strays(cl, k->m[i], &k->mine[(size_t)i * RC_NSLOTS], -1,
		    &k->keys[(size_t)i * RC_NSLOTS], err, sizeof err);
	}
	return k->nm;
}

long
rc_claims_stranded(const struct rc_claims *k, int i, int slot)
{
	size_t at = (size_t)i * RC_NSLOTS + (size_t)slot;

	if (k->mine[at] || k->open[at] || k->keys[at] <= 0)
		return 0;
	return k->keys[at];
}

void
rc_claims_free(struct rc_claims *k)
{
	free(k->m);
	free(k->epoch);
	free(k->nclaim);
	free(k->claim);
	free(k->named);
	free(k->split);
	free(k->mine);
	free(k->open);
	free(k->keys);
	memset(k, 0, sizeof *k);
}

/* ---- gathering ------------------------------------------------------------ */

/* MIGRATE one key from x to the node at a; the reply (NULL: no answer). */
static redisReply *
migrate_one(redisContext *x, const struct rc_addr *a, const char *key, size_t len,
    int timeout_ms)
{
	char port[16], tmo[16];
	const char *argv[6] = { "MIGRATE", a->host, port, key, "0", tmo };
	size_t lens[6];
	int i;

	snprintf(port, sizeof port, "%d", a->port);
	snprintf(tmo, sizeof tmo, "%d", timeout_ms);
	for (i = 0; i < 6; i++)
		lens[i] = i == 3 ? len : strlen(argv[i]);
	return rc_cmd_argv(x, 6, argv, lens);
}

/* One key: moved (1), kept on both (0, after kept()), or -1 with err. */
static int
gather_key(struct rc_gather *g, redisContext *x, redisContext *y,
    const redisReply *key, char *err, size_t errlen)
{
	redisReply *r = migrate_one(x, &g->to->addr, key->str, key->len, g->timeout_ms);
	int rc = 1;

	if (r == NULL) {
		snprintf(err, errlen, "MIGRATE: %s", rc_errstr(x));
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR && strstr(r->str, "BUSYKEY") != NULL) {
		/* On both: compared by content in bounded calls (lib/keycmp.c);
		 * equal, the holder's copy goes (only if unchanged meanwhile);
		 * different, both stay and the key is named. */
		struct rc_keycmp kc;
		rc_keycmp_init(&kc);
		switch (rc_key_settle(x, y, key->str, key->len, &kc)) {
		case RC_KEY_EQUAL:
			g->dropped++;
			break;
		case RC_KEY_DIFFERENT:
			g->kept(g->ud, key->str, key->len);
			rc = 0;
			break;
		case RC_KEY_CHANGED:
			rc = -1;
			snprintf(err, errlen, "it changed while it was compared: run fix again");
			break;
		default:
			rc = -1;
			snprintf(err, errlen, "%s", kc.why);
		}
	} else if (!rc_reply_ok(r)) {
		snprintf(err, errlen, "MIGRATE: %s", r->type == REDIS_REPLY_ERROR ?
		    r->str : "unexpected reply");
		rc = -1;
	}
	if (r != NULL)
		freeReplyObject(r);
	return rc;
}

/* Whether key is one kept on both nodes already (they come back). */
static int
was_kept(const struct rc_gather *g, const redisReply *key)
{
	long i;

	for (i = 0; i < g->nkept; i++)
		if (g->keptlen[i] == key->len && memcmp(g->keptkey[i], key->str, key->len) == 0)
			return 1;
	return 0;
}

static void
remember_kept(struct rc_gather *g, const redisReply *key)
{
	g->keptkey = rc_realloc(g->keptkey, (size_t)(g->nkept + 1) * sizeof *g->keptkey);
	g->keptlen = rc_realloc(g->keptlen, (size_t)(g->nkept + 1) * sizeof *g->keptlen);
	g->keptkey[g->nkept] = rc_malloc(key->len + 1);
	memcpy(g->keptkey[g->nkept], key->str, key->len);
	g->keptlen[g->nkept++] = key->len;
}

/* One GETKEYSINSLOT's worth: 1 when a key moved or was dropped, 0 when
 * only kept keys are left, -1 with err. */
static int
gather_round(struct rc_gather *g, redisContext *x, redisContext *y, char *err,
    size_t errlen)
{
	char num[16], cnt[24];
	redisReply *r;
	size_t i;
	int k = 1, progress = 0;

	snprintf(num, sizeof num, "%d", g->slot);
	snprintf(cnt, sizeof cnt, "%ld", g->nkept + 100);
	r = rc_cmdv(x, "CLUSTER", "GETKEYSINSLOT", num, cnt, NULL);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		snprintf(err, errlen, "GETKEYSINSLOT: %s", r == NULL ? rc_errstr(x) :
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		if (r != NULL)
			freeReplyObject(r);
		return -1;
	}
	for (i = 0; i < r->elements; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING || was_kept(g, r->element[i]))
			continue;
		if ((k = gather_key(g, x, y, r->element[i], err, errlen)) < 0)
			break;
		if (k == 0)
			remember_kept(g, r->element[i]);
		else
			g->moved++;
		progress = 1;
	}
	freeReplyObject(r);
	return k < 0 ? -1 : progress;
}

int
rc_gather_slot(struct rc_cluster *cl, struct rc_gather *g, char *err, size_t errlen)
{
	redisContext *x = rc_node_ctx(cl, g->from), *y = rc_node_ctx(cl, g->to);
	char num[16];
	redisReply *r;
	long i;
	int k;

	err[0] = '\0';
	if (x == NULL || y == NULL) {
		snprintf(err, errlen, "%s", x == NULL ? g->from->err : g->to->err);
		return -1;
	}
	/* A node serves MIGRATE of a slot it does not own only while the
	 * slot is open on it. */
	snprintf(num, sizeof num, "%d", g->slot);
	r = rc_cmdv(x, "CLUSTER", "SETSLOT", num, "IMPORTING", g->to->id, NULL);
	if (!rc_reply_ok(r)) {
		snprintf(err, errlen, "SETSLOT IMPORTING: %s", r == NULL ? rc_errstr(x) :
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		if (r != NULL)
			freeReplyObject(r);
		return -1;
	}
	freeReplyObject(r);
	while ((k = gather_round(g, x, y, err, errlen)) > 0)
		;
	r = rc_cmdv(x, "CLUSTER", "SETSLOT", num, "STABLE", NULL);
	if (!rc_reply_ok(r) && k == 0) {
		snprintf(err, errlen, "SETSLOT STABLE: %s", r == NULL ? rc_errstr(x) :
		    "refused");
		k = -1;
	}
	if (r != NULL)
		freeReplyObject(r);
	for (i = 0; i < g->nkept; i++)
		free(g->keptkey[i]);
	free(g->keptkey);
	free(g->keptlen);
	g->keptkey = NULL;
	g->keptlen = NULL;
	return k < 0 ? -1 : 0;
}
