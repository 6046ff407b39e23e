/*
 * admin.c - asking nodes about the cluster, changing their membership, and
 * waiting until every node agrees on the map.
 *
 * rc-reshard's conversations with nodes live here: a node's role by its own
 * word, whether it reports cluster_state:ok, its own view, the commands that
 * make and unmake a cluster (ADDSLOTS, MEET, REPLICATE, FORGET, RESET), and
 * the one loop that waits for agreement (labs/cluster's health check runs it
 * through `rc-reshard wait`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

/* Why a command failed: the connection's reason, the error, or the type. */
static const char *
failure(const redisReply *r, const redisContext *c)
{
	if (r == NULL)
		return c != NULL ? rc_errstr(c) : "no connection";
	if (r->type == REDIS_REPLY_ERROR)
		return r->str;
	return "unexpected reply";
}

/* An OK status, else the reason in err, after "what: " when what is given
 * (the reply is freed either way). */
static int
expect_ok(redisReply *r, const redisContext *c, const char *what, char *err,
    size_t errlen)
{
	int good = rc_reply_ok(r);

	if (!good && what != NULL)
		snprintf(err, errlen, "%s: %s", what, failure(r, c));
	else if (!good)
		snprintf(err, errlen, "%s", failure(r, c));
	if (r != NULL)
		freeReplyObject(r);
	return good ? 0 : -1;
}

/* ---- a node not (yet) in a cluster handle ---------------------------------- */

int
rc_ctx_view(redisContext *c, struct rc_node **out)
{
	redisReply *r = rc_cmdv(c, "CLUSTER", "NODES", NULL);
	char e[200];
	int n = -1;

	*out = NULL;
	if (r != NULL && r->type == REDIS_REPLY_STRING)
		n = rc_parse_nodes(r->str, r->len, out, e, sizeof e);
	if (r != NULL)
		freeReplyObject(r);
	return n;
}

int
rc_ctx_state_ok(redisContext *c)
{
	redisReply *r = rc_cmdv(c, "CLUSTER", "INFO", NULL);
	char buf[32];
	int ok = 0;

	if (r != NULL && r->type == REDIS_REPLY_STRING &&
	    rc_info_field(r->str, "cluster_state", buf, sizeof buf) != NULL)
		ok = strcmp(buf, "ok") == 0;
	if (r != NULL)
		freeReplyObject(r);
	return ok;
}

int
rc_ctx_myid(redisContext *c, char *id, char *err, size_t errlen)
{
	redisReply *r = rc_cmdv(c, "CLUSTER", "MYID", NULL);
	int good = r != NULL && r->type == REDIS_REPLY_STRING && r->len == 40;

	if (good) {
		memcpy(id, r->str, 40);
		id[40] = '\0';
	} else
		snprintf(err, errlen, "CLUSTER MYID: %s", failure(r, c));
	if (r != NULL)
		freeReplyObject(r);
	return good ? 0 : -1;
}

/* CLUSTER INFO says whether a node is alone and has no slots. */
static int
info_alone(const redisReply *r, const char *who, char *err, size_t errlen)
{
	char buf[32];

	if (rc_info_field(r->str, "cluster_known_nodes", buf, sizeof buf) != NULL &&
	    strcmp(buf, "1") != 0) {
		snprintf(err, errlen, "%s already knows other nodes: it is in a cluster "
		    "(CLUSTER RESET it first)", who);
		return -1;
	}
	if (rc_info_field(r->str, "cluster_slots_assigned", buf, sizeof buf) != NULL &&
	    strcmp(buf, "0") != 0) {
		snprintf(err, errlen, "%s already has slots assigned", who);
		return -1;
	}
	return 0;
}

int
rc_ctx_check_new(redisContext *c, const char *who, char *err, size_t errlen)
{
	redisReply *r = rc_cmdv(c, "CLUSTER", "INFO", NULL);
	int rc = RC_EX_OK, kind = rc_reply_kind(r);

	if (r == NULL || kind == RC_K_AUTH) {
		const char *hint = kind == RC_K_AUTH ? rc_kind_hint(kind) : NULL;
		snprintf(err, errlen, "%s: %s%s%s%s", who, failure(r, c),
		    hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
		rc = RC_EX_CLUSTER;
	} else if (r->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "%s is not a cluster node (%s): start it with "
		    "cluster-enabled yes", who, r->str);
		rc = RC_EX_USAGE;
	} else if (r->type != REDIS_REPLY_STRING) {
		snprintf(err, errlen, "%s: CLUSTER INFO: unexpected reply", who);
		rc = RC_EX_CLUSTER;
	} else if (info_alone(r, who, err, errlen) < 0)
		rc = RC_EX_USAGE;
	if (r != NULL)
		freeReplyObject(r);
	if (rc != RC_EX_OK)
		return rc;
	r = rc_cmdv(c, "DBSIZE", NULL);
	if (r == NULL) {
		snprintf(err, errlen, "%s: %s", who, rc_errstr(c));
		rc = RC_EX_CLUSTER;
	} else if (r->type == REDIS_REPLY_INTEGER && r->integer != 0) {
		snprintf(err, errlen, "%s is not empty (%lld keys): FLUSHALL it first",
		    who, r->integer);
		rc = RC_EX_USAGE;
	}
	if (r != NULL)
		freeReplyObject(r);
	return rc;
}

int
rc_ctx_addslots(redisContext *c, int lo, int hi, char *err, size_t errlen)
{
	int cnt = hi - lo + 1, i;
	const char **argv = rc_calloc((size_t)cnt + 2, sizeof *argv);
	size_t *len = rc_calloc((size_t)cnt + 2, sizeof *len);
	char (*num)[8] = rc_calloc((size_t)cnt + 1, sizeof *num);
	int rc;

	argv[0] = "CLUSTER";
	argv[1] = "ADDSLOTS";
	for (i = 0; i < cnt; i++) {
		snprintf(num[i], sizeof num[i], "%d", lo + i);
		argv[i + 2] = num[i];
	}
	for (i = 0; i < cnt + 2; i++)
		len[i] = strlen(argv[i]);
	rc = expect_ok(rc_cmd_argv(c, cnt + 2, argv, len), c, "CLUSTER ADDSLOTS",
	    err, errlen);
	free(argv);
	free(len);
	free(num);
	return rc;
}

void
rc_ctx_set_epoch(redisContext *c, long long epoch)
{
	char num[24];
	redisReply *r;

	/* A node that already has an epoch refuses; that one is kept. */
	snprintf(num, sizeof num, "%lld", epoch);
	if ((r = rc_cmdv(c, "CLUSTER", "SET-CONFIG-EPOCH", num, NULL)) != NULL)
		freeReplyObject(r);
}

int
rc_ctx_meet(redisContext *c, const struct rc_addr *a, char *err, size_t errlen)
{
	char port[16];

	snprintf(port, sizeof port, "%d", a->port);
	return expect_ok(rc_cmdv(c, "CLUSTER", "MEET", a->host, port, NULL), c,
	    "CLUSTER MEET", err, errlen);
}

int
rc_ctx_replicate(redisContext *c, const char *master_id, double deadline, char *err,
    size_t errlen)
{
	for (;;) {
		redisReply *r = rc_cmdv(c, "CLUSTER", "REPLICATE", master_id, NULL);
		int good = rc_reply_ok(r);

		if (r == NULL || (!good && rc_now() > deadline)) {
			snprintf(err, errlen, "CLUSTER REPLICATE: %s", failure(r, c));
			if (r != NULL)
				freeReplyObject(r);
			return -1;
		}
		freeReplyObject(r);
		if (good)
			return 0;
		/* It does not know the master yet: gossip is on its way. */
		rc_sleep_ms(100);
	}
}

int
rc_ctx_config_get(redisContext *c, const char *name, char *buf, size_t n)
{
	redisReply *r = rc_cmdv(c, "CONFIG", "GET", name, NULL);
	int good = r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[1]->type == REDIS_REPLY_STRING;

	if (good)
		snprintf(buf, n, "%s", r->element[1]->str);
	if (r != NULL)
		freeReplyObject(r);
	return good ? 0 : -1;
}

int
rc_ctx_config_set(redisContext *c, const char *name, const char *value)
{
	redisReply *r = rc_cmdv(c, "CONFIG", "SET", name, value, NULL);
	int good = rc_reply_ok(r);

	if (r != NULL)
		freeReplyObject(r);
	return good ? 0 : -1;
}

/* ---- a node of a cluster handle ---------------------------------------------- */

int
rc_node_says_master(struct rc_cluster *cl, struct rc_node *n)
{
	redisReply *r;
	int yes;

	if ((n->flags & (RC_NF_FAIL | RC_NF_NOADDR)) ||
	    (r = rc_node_cmdv(cl, n, "ROLE", NULL)) == NULL)
		return 0;
	yes = r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(r->element[0]->str, "master") == 0;
	freeReplyObject(r);
	return yes;
}

long
rc_node_count_keys(struct rc_cluster *cl, struct rc_node *n, int slot)
{
	char num[16];
	redisReply *r;
	long k = -1;

	snprintf(num, sizeof num, "%d", slot);
	r = rc_node_cmdv(cl, n, "CLUSTER", "COUNTKEYSINSLOT", num, NULL);
	if (r != NULL && r->type == REDIS_REPLY_INTEGER)
		k = (long)r->integer;
	if (r != NULL)
		freeReplyObject(r);
	return k;
}

/* A one-off command on a node of cl that answers OK. */
static int
node_ok(struct rc_cluster *cl, struct rc_node *n, char *err, size_t errlen,
    const char *what, const char *a, const char *b, const char *c)
{
	redisReply *r = rc_node_cmdv(cl, n, "CLUSTER", what, a, b, c, NULL);

	if (r == NULL) {
		snprintf(err, errlen, "%s", n->err);
		return -1;
	}
	return expect_ok(r, NULL, NULL, err, errlen);
}

/* A CLUSTER subcommand about one slot, then up to two more words. */
static int
slot_ok(struct rc_cluster *cl, struct rc_node *n, char *err, size_t errlen,
    const char *what, int slot, const char *a, const char *b)
{
	char num[16];

	snprintf(num, sizeof num, "%d", slot);
	return node_ok(cl, n, err, errlen, what, num, a, b);
}

int
rc_node_addslot(struct rc_cluster *cl, struct rc_node *n, int slot, char *err,
    size_t errlen)
{
	return slot_ok(cl, n, err, errlen, "ADDSLOTS", slot, NULL, NULL);
}

int
rc_node_setslot_stable(struct rc_cluster *cl, struct rc_node *n, int slot, char *err,
    size_t errlen)
{
	return slot_ok(cl, n, err, errlen, "SETSLOT", slot, "STABLE", NULL);
}

int
rc_node_setslot_node(struct rc_cluster *cl, struct rc_node *n, int slot,
    const char *owner, char *err, size_t errlen)
{
	return slot_ok(cl, n, err, errlen, "SETSLOT", slot, "NODE", owner);
}

int
rc_node_delslot(struct rc_cluster *cl, struct rc_node *n, int slot, char *err,
    size_t errlen)
{
	return slot_ok(cl, n, err, errlen, "DELSLOTS", slot, NULL, NULL);
}

int
rc_node_bump_epoch(struct rc_cluster *cl, struct rc_node *n, char *err, size_t errlen)
{
	redisReply *r = rc_node_cmdv(cl, n, "CLUSTER", "BUMPEPOCH", NULL);
	int good = r != NULL && r->type == REDIS_REPLY_STATUS &&
	    (strncmp(r->str, "BUMPED", 6) == 0 || strncmp(r->str, "STILL", 5) == 0);

	if (!good)
		snprintf(err, errlen, "CLUSTER BUMPEPOCH: %s", r == NULL ? n->err :
		    failure(r, NULL));
	if (r != NULL)
		freeReplyObject(r);
	return good ? 0 : -1;
}

int
rc_node_replicate(struct rc_cluster *cl, struct rc_node *n, const char *master_id,
    char *err, size_t errlen)
{
	return node_ok(cl, n, err, errlen, "REPLICATE", master_id, NULL, NULL);
}

int
rc_node_reset_hard(struct rc_cluster *cl, struct rc_node *n, char *err, size_t errlen)
{
	return node_ok(cl, n, err, errlen, "RESET", "HARD", NULL, NULL);
}

int
rc_node_forget(struct rc_cluster *cl, struct rc_node *n, const char *id, char *err,
    size_t errlen)
{
	redisReply *r = rc_node_cmdv(cl, n, "CLUSTER", "FORGET", id, NULL);
	int rc = 0;

	if (r == NULL) {
		snprintf(err, errlen, "%s", n->err);
		return -1;
	}
	/* A node that never knew it (or forgot it already) is where we want it. */
	if (r->type == REDIS_REPLY_ERROR && strstr(r->str, "Unknown node") == NULL) {
		snprintf(err, errlen, "CLUSTER FORGET: %s", r->str);
		rc = -1;
	}
	freeReplyObject(r);
	return rc;
}

/* ---- settings that must match ------------------------------------------------ */

/* The value most of ms[0..n) have (>= 0); -1 when none is known. */
static long
most_common(const long *ms, int n)
{
	long best = -1;
	int i, j, bestn = 0;

	for (i = 0; i < n; i++) {
		int k = 0;
		if (ms[i] < 0)
			continue;
		for (j = 0; j < n; j++)
			k += ms[j] == ms[i];
		if (k > bestn || (k == bestn && ms[i] > best)) {
			best = ms[i];
			bestn = k;
		}
	}
	return best;
}

int
rc_node_timeouts(struct rc_cluster *cl, struct rc_timeouts *t)
{
	char buf[32];
	int i;

	t->ms = rc_calloc((size_t)cl->nnodes + 1, sizeof *t->ms);
	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *n = cl->nodes[i];
		redisContext *x;
		t->ms[i] = -1;
		if ((n->flags & (RC_NF_FAIL | RC_NF_NOADDR)) ||
		    (x = rc_node_ctx(cl, n)) == NULL)
			continue;
		if (rc_ctx_config_get(x, "cluster-node-timeout", buf, sizeof buf) == 0)
			t->ms[i] = atol(buf);
	}
	if ((t->common = most_common(t->ms, cl->nnodes)) < 0) {
		free(t->ms);
		t->ms = NULL;
		return -1;
	}
	return 0;
}

/* ---- agreement ------------------------------------------------------------------ */

static int
by_id(const void *a, const void *b)
{
	const struct rc_node *const *x = a, *const *y = b;

	return strcmp((*x)->id, (*y)->id);
}

char *
rc_view_sig(const struct rc_node *v, int n)
{
	const struct rc_node **p = rc_calloc((size_t)n + 1, sizeof *p);
	struct rc_buf s = { 0 };
	char *rbuf;
	int i, k = 0;

	for (i = 0; i < n; i++)
		if (!(v[i].flags & RC_NF_HANDSHAKE))
			p[k++] = &v[i];
	qsort(p, (size_t)k, sizeof *p, by_id);
	rc_buf_adds(&s, "");
	for (i = 0; i < k; i++) {
		rbuf = rc_ranges_str(p[i]->ranges, p[i]->nranges);
		rc_buf_adds(&s, p[i]->id);
		rc_buf_adds(&s, (p[i]->flags & RC_NF_MASTER) ? " m " : " r ");
		rc_buf_adds(&s, p[i]->master_id);
		rc_buf_addc(&s, ' ');
		rc_buf_adds(&s, rbuf);
		rc_buf_addc(&s, '\n');
		free(rbuf);
	}
	free(p);
	return s.s;
}

/* Whether x's CLUSTER SLOTS lists, for every range, each replica its view v
 * gives that range's master.  Redis 7 leaves out a replica whose first sync
 * it has not seen finish, so until then clients that route by CLUSTER SLOTS
 * do not know it. */
static int
replicas_served(redisContext *x, const struct rc_node *v, int nv)
{
	redisReply *r = rc_cmdv(x, "CLUSTER", "SLOTS", NULL);
	long want = 0, got = 0;
	size_t k;
	int i, j;

	if (r == NULL)
		return 0;
	for (i = 0; i < nv; i++) {
		int reps = 0;
		if (!(v[i].flags & RC_NF_MASTER) || v[i].nranges == 0)
			continue;
		for (j = 0; j < nv; j++)
			reps += strcmp(v[j].master_id, v[i].id) == 0 &&
			    !(v[j].flags & RC_NF_FAIL);
		want += (long)reps * v[i].nranges;
	}
	if (r->type == REDIS_REPLY_ARRAY)
		for (k = 0; k < r->elements; k++)
			if (r->element[k]->type == REDIS_REPLY_ARRAY &&
			    r->element[k]->elements >= 3)
				got += (long)r->element[k]->elements - 3;
	freeReplyObject(r);
	return got >= want;
}

/* A replica by its own word whose link to its master is up (ROLE says
 * "connected"); a master is linked by definition. */
static int
replica_linked(redisContext *x)
{
	redisReply *r = rc_cmdv(x, "ROLE", NULL);
	int good;

	if (r == NULL)
		return 0;
	good = r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    (strcmp(r->element[0]->str, "master") == 0 ||
	    (r->elements >= 4 && r->element[3]->type == REDIS_REPLY_STRING &&
	    strcmp(r->element[3]->str, "connected") == 0));
	freeReplyObject(r);
	return good;
}

/* What a node's own view v says against the flags: 1 fine, else 0 with why. */
static int
view_settled(const struct rc_node *v, int nv, const char *who, int flags, int want,
    char *why, size_t whylen)
{
	char a[300];
	int i;

	if (want > 0 && nv != want) {
		snprintf(why, whylen, "%.200s knows %d of %d nodes", who, nv, want);
		return 0;
	}
	for (i = 0; i < nv; i++) {
		rc_addr_fmt(&v[i].addr, a, sizeof a);
		/* Open slots live only in a node's own line: a map with one
		 * is not agreed on, whatever the other views say. */
		if ((v[i].flags & RC_NF_MYSELF) && v[i].nopen > 0) {
			snprintf(why, whylen, "%s has slot %d open (%s %.12s)", who,
			    v[i].open[0].slot, v[i].open[0].importing ?
			    "importing from" : "migrating to", v[i].open[0].peer);
			return 0;
		}
		if (v[i].flags & (RC_NF_HANDSHAKE | RC_NF_NOADDR)) {
			snprintf(why, whylen, "%s: nodes are still shaking hands", who);
			return 0;
		}
		if ((flags & RC_AGREE_ALL) && (v[i].flags & (RC_NF_FAIL | RC_NF_PFAIL))) {
			snprintf(why, whylen, "%s sees %s flagged %s", who, a,
			    (v[i].flags & RC_NF_FAIL) ? "fail" : "pfail");
			return 0;
		}
		if ((flags & RC_AGREE_ALL) && !v[i].connected) {
			snprintf(why, whylen, "%s: its link to %s is down", who, a);
			return 0;
		}
	}
	return 1;
}

/* One node's part of agreement: its view's fingerprint in *sig (the caller
 * frees it) and, per flags, the rest.  Returns 1, 0 with the reason in why,
 * or -1 when it does not answer. */
static int
node_settled(redisContext *x, const char *who, int flags, int want, char **sig,
    char *why, size_t whylen)
{
	struct rc_node *v;
	int nv = rc_ctx_view(x, &v), good;

	*sig = NULL;
	if (nv < 0) {
		snprintf(why, whylen, "%s does not answer", who);
		return -1;
	}
	good = view_settled(v, nv, who, flags, want, why, whylen);
	if (good && (flags & RC_AGREE_SERVED) && !replicas_served(x, v, nv)) {
		snprintf(why, whylen, "%s does not serve every replica yet (first sync)",
		    who);
		good = 0;
	}
	*sig = rc_view_sig(v, nv);
	rc_nodes_free(v, nv);
	if (good && (flags & RC_AGREE_ALL) && !replica_linked(x)) {
		snprintf(why, whylen, "replica %s is not in sync with its master yet", who);
		good = 0;
	}
	if (good && (flags & RC_AGREE_SERVED) && !rc_ctx_state_ok(x)) {
		snprintf(why, whylen, "%s: cluster_state is not ok yet", who);
		good = 0;
	}
	return good;
}

/* A fresh master's replication stream is empty until its first PING to its
 * replicas (repl-ping-replica-period, 10 s), and until the offset moves
 * CLUSTER SLOTS leaves the replicas out.  A WAIT that cannot be satisfied
 * makes the master send REPLCONF GETACK down the stream at once: the
 * offset moves, nothing else changes.  Pipelined over the masters. */
static void
poke_streams(struct rc_cluster *cl)
{
	static const char *wait[] = { "WAIT", "1000", "1" };
	static const size_t len[] = { 4, 4, 1 };
	redisContext **mx = rc_calloc((size_t)cl->nnodes + 1, sizeof *mx);
	redisReply *r;
	int i, k = 0;

	for (i = 0; i < cl->nnodes; i++)
		if (rc_node_is_master(cl->nodes[i]) && cl->nodes[i]->nslots > 0 &&
		    (mx[k] = rc_node_ctx(cl, cl->nodes[i])) != NULL)
			redisAppendCommandArgv(mx[k++], 3, wait, len);
	for (i = 0; i < k; i++)
		if (redisGetReply(mx[i], (void **)&r) == REDIS_OK)
			freeReplyObject(r);
	free(mx);
}

/* The handle lists every node the views must name (want), when given. */
static int
all_listed(struct rc_cluster *cl, int want, char *why, size_t whylen)
{
	if (want <= 0 || cl->nnodes == want)
		return 1;
	if (rc_cluster_refresh(cl) < 0) {
		snprintf(why, whylen, "%s", cl->err);
		return 0;
	}
	if (cl->nnodes != want) {
		snprintf(why, whylen, "the cluster lists %d of %d nodes", cl->nnodes, want);
		return 0;
	}
	return 1;
}

/* Adds who to the list of nodes that could not be asked. */
static void
unconfirmed(char *list, size_t len, const char *who)
{
	size_t l = strlen(list);

	if (l + strlen(who) + 3 < len)
		snprintf(list + l, len - l, "%s%s", l > 0 ? ", " : "", who);
}

/* One node of cl against the first view seen (sig0, its who0): 1 agrees,
 * 0 not (why), -1 did not answer. */
static int
node_agrees(struct rc_cluster *cl, struct rc_node *n, int flags, int want,
    char **sig0, char *who0, size_t who0len, char *why, size_t whylen)
{
	char who[300], *sig;
	redisContext *x;
	int good;

	rc_node_addr(n, who, sizeof who);
	if ((x = rc_node_ctx(cl, n)) == NULL)
		return -1;
	if ((good = node_settled(x, who, flags, want, &sig, why, whylen)) < 0) {
		rc_node_drop(n, rc_errstr(x));
		return -1;
	}
	if (good && *sig0 != NULL && strcmp(sig, *sig0) != 0) {
		snprintf(why, whylen, "%s's view of the slots differs from %s's", who,
		    who0);
		good = 0;
	}
	if (*sig0 == NULL) {
		*sig0 = sig;
		snprintf(who0, who0len, "%s", who);
	} else
		free(sig);
	return good;
}

int
rc_cluster_agreed(struct rc_cluster *cl, int flags, int want, char *why, size_t whylen)
{
	char *sig0 = NULL, who0[300] = "", silent[600] = "", a[300];
	int i, k, good = all_listed(cl, want, why, whylen);

	for (i = 0; i < cl->nnodes && good; i++) {
		struct rc_node *n = cl->nodes[i];

		/* A node the cluster agrees is dead is no part of the map;
		 * any other node that does not answer (frozen, cut off) may
		 * hold another view: it is named, never passed over. */
		if ((n->flags & (RC_NF_FAIL | RC_NF_NOADDR)) && !(flags & RC_AGREE_ALL))
			continue;
		if ((k = node_agrees(cl, n, flags, want, &sig0, who0, sizeof who0, why,
		    whylen)) < 0)
			unconfirmed(silent, sizeof silent, rc_node_addr(n, a, sizeof a));
		else
			good = k;
	}
	free(sig0);
	if (good && silent[0] != '\0') {
		snprintf(why, whylen, "could not confirm %s: %s", silent,
		    "no answer (frozen, cut off, or down but not yet flagged failed)");
		good = 0;
	}
	return good;
}

int
rc_wait_agreed(struct rc_cluster *cl, int flags, int want, int wait_s, char *why,
    size_t whylen)
{
	double deadline = rc_now() + wait_s;

	for (;;) {
		if (rc_cluster_agreed(cl, flags, want, why, whylen))
			return 0;
		if (rc_now() > deadline)
			return -1;
		if (flags & RC_AGREE_SERVED)
			poke_streams(cl);
		rc_sleep_ms(50);
	}
}

int
rc_cluster_knows(struct rc_cluster *cl, const char *id, const char *master, char *why,
    size_t whylen)
{
	char who[300];
	int i, good = 1;

	for (i = 0; i < cl->nnodes && good; i++) {
		struct rc_node *n = cl->nodes[i], *v, *me = NULL;
		int nv, j;

		if (n->flags & (RC_NF_FAIL | RC_NF_NOADDR))
			continue;
		rc_node_addr(n, who, sizeof who);
		if ((nv = rc_node_view(cl, n, &v)) < 0) {
			snprintf(why, whylen, "%s does not answer", who);
			return 0;
		}
		for (j = 0; j < nv; j++)
			if (strcmp(v[j].id, id) == 0)
				me = &v[j];
		if (me == NULL || (me->flags & (RC_NF_HANDSHAKE | RC_NF_NOADDR))) {
			snprintf(why, whylen, "%s does not know node %.12s yet", who, id);
			good = 0;
		} else if (master != NULL && strcmp(me->master_id, master) != 0) {
			snprintf(why, whylen, "%s does not see %.12s as a replica of %.12s yet",
			    who, id, master);
			good = 0;
		}
		rc_nodes_free(v, nv);
	}
	return good;
}

int
rc_wait_known(struct rc_cluster *cl, const char *id, const char *master, int wait_s,
    char *why, size_t whylen)
{
	double deadline = rc_now() + wait_s;

	while (!rc_cluster_knows(cl, id, master, why, whylen)) {
		if (rc_now() > deadline)
			return -1;
		rc_sleep_ms(100);
	}
	return 0;
}

int
rc_joined(struct rc_cluster *cl, redisContext *x, const char *who, const char *id,
    char *why, size_t whylen)
{
	struct rc_node *v;
	int nv = rc_ctx_view(x, &v), good, i;

	good = nv >= cl->nnodes + 1 || (nv == cl->nnodes && rc_cluster_by_id(cl, id));
	for (i = 0; i < nv; i++)
		if (v[i].flags & RC_NF_HANDSHAKE)
			good = 0;
	if (nv > 0)
		rc_nodes_free(v, nv);
	if (!good) {
		snprintf(why, whylen, "%.250s does not know every node yet", who);
		return 0;
	}
	return rc_cluster_knows(cl, id, NULL, why, whylen);
}
