/* cluster.c - a cluster handle: open from a seed, refresh, look nodes up,
 * one lazily made connection per node. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rc.h"

const char *
rc_node_addr(const struct rc_node *n, char *buf, size_t len)
{
	return rc_addr_fmt(&n->addr, buf, len);
}

int
rc_node_is_master(const struct rc_node *n)
{
	return (n->flags & RC_NF_MASTER) != 0;
}

int
rc_cluster_nmasters(const struct rc_cluster *cl)
{
	int i, k = 0;

	for (i = 0; i < cl->nnodes; i++)
		k += rc_node_is_master(cl->nodes[i]);
	return k;
}

struct rc_node *
rc_cluster_owner(struct rc_cluster *cl, int slot)
{
	if (slot < 0 || slot >= RC_NSLOTS)
		return NULL;
	return cl->owner[slot];
}

void
rc_node_drop(struct rc_node *n, const char *why)
{
	/* why is often the context's own errstr: use it before the free. */
	if (why != NULL) {
		char a[300], w[sizeof n->err];
		snprintf(w, sizeof w, "%s", why);
		snprintf(n->err, sizeof n->err, "%.100s: %.190s", rc_node_addr(n, a, sizeof a), w);
	}
	if (n->ctx != NULL) {
		redisFree(n->ctx);
		n->ctx = NULL;
	}
	n->down = 1;
}

/* A node's own state goes with connecting, not with a connection's first
 * use: a replica that serves reads says READONLY on every connection, a
 * reconnected one included.  0, or -1 with the node dropped. */
static int
node_state(struct rc_node *n)
{
	redisReply *r;
	char why[200];

	if (!n->readonly)
		return 0;
	r = rc_cmdv(n->ctx, "READONLY", NULL);
	if (rc_reply_ok(r)) {
		freeReplyObject(r);
		return 0;
	}
	snprintf(why, sizeof why, "READONLY: %s", r == NULL ? rc_errstr(n->ctx) :
	    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	if (r != NULL)
		freeReplyObject(r);
	rc_node_drop(n, why);
	return -1;
}

/* Connects when needed.  A node marked down is tried again: the caller
 * decides how often (the router bounds it by its retries). */
redisContext *
rc_node_ctx(struct rc_cluster *cl, struct rc_node *n)
{
	if (n->ctx != NULL)
		return n->ctx;
	if (n->flags & RC_NF_NOADDR || n->addr.host[0] == '\0') {
		snprintf(n->err, sizeof n->err, "node %.12s has no address", n->id);
		n->down = 1;
		return NULL;
	}
	/* A node connected again may have been restarted as another server:
	 * what feature.c found out about it is asked again. */
	memset(&n->server, 0, sizeof n->server);
	n->ctx = rc_connect(&n->addr, &cl->opts, n->err, sizeof n->err);
	n->down = n->ctx == NULL;
	if (n->ctx != NULL && node_state(n) < 0)
		return NULL;
	return n->ctx;
}

redisReply *
rc_node_cmdv(struct rc_cluster *cl, struct rc_node *n, const char *arg, ...)
{
	redisContext *x = rc_node_ctx(cl, n);
	redisReply *r;
	va_list ap;

	if (x == NULL)
		return NULL;
	va_start(ap, arg);
	r = rc_vcmdv(x, arg, ap);
	va_end(ap);
	if (r == NULL)
		rc_node_drop(n, rc_errstr(x));
	return r;
}

static struct rc_node *
new_node(struct rc_cluster *cl)
{
	struct rc_node *n = rc_calloc(1, sizeof *n);

	n->repl_offset = -1;
	cl->all = rc_realloc(cl->all, (size_t)(cl->nall + 1) * sizeof *cl->all);
	cl->all[cl->nall++] = n;
	return n;
}

/* Old node records are updated in place, matched by id (or, for a node first
 * seen only as a MOVED address, by address), so pointers stay valid. */
static struct rc_node *
match_old(struct rc_cluster *cl, const struct rc_node *fresh)
{
	int i;

	for (i = 0; i < cl->nall; i++) {
		struct rc_node *o = cl->all[i];
		if (o->id[0] != '\0' && strcmp(o->id, fresh->id) == 0)
			return o;
	}
	for (i = 0; i < cl->nall; i++) {
		struct rc_node *o = cl->all[i];
		if (o->id[0] == '\0' && rc_addr_eq(&o->addr, &fresh->addr))
			return o;
	}
	return NULL;
}

static void
install(struct rc_cluster *cl, struct rc_node *fresh, int nf)
{
	struct rc_node **list = rc_calloc((size_t)nf, sizeof *list);
	int i, j, s;

	for (i = 0; i < nf; i++) {
		struct rc_node *o = match_old(cl, &fresh[i]);
		if (o == NULL)
			o = new_node(cl);
		else if (!rc_addr_eq(&o->addr, &fresh[i].addr) && o->ctx != NULL) {
			redisFree(o->ctx);      /* it moved: reconnect */
			o->ctx = NULL;
		}
		free(o->ranges);
		free(o->open);
		memcpy(o->id, fresh[i].id, sizeof o->id);
		o->addr = fresh[i].addr;
		o->flags = fresh[i].flags & ~(unsigned)RC_NF_MYSELF;
		memcpy(o->master_id, fresh[i].master_id, sizeof o->master_id);
		o->master = NULL;
		o->config_epoch = fresh[i].config_epoch;
		o->repl_offset = fresh[i].repl_offset;
		o->connected = fresh[i].connected;
		o->ranges = fresh[i].ranges;
		o->nranges = fresh[i].nranges;
		o->nslots = fresh[i].nslots;
		o->open = fresh[i].open;
		o->nopen = fresh[i].nopen;
		fresh[i].ranges = NULL;
		fresh[i].open = NULL;
		list[i] = o;
	}
	free(cl->nodes);
	cl->nodes = list;
	cl->nnodes = nf;
	memset(cl->owner, 0, sizeof cl->owner);
	for (i = 0; i < nf; i++) {
		struct rc_node *n = list[i];
		if (n->master_id[0] != '\0')
			n->master = rc_cluster_by_id(cl, n->master_id);
		if (!rc_node_is_master(n))
			continue;
		for (j = 0; j < n->nranges; j++)
			for (s = n->ranges[j].lo; s <= n->ranges[j].hi; s++)
				cl->owner[s] = n;
	}
	/* Open sockets of nodes no longer in the cluster are closed. */
	for (i = 0; i < cl->nall; i++) {
		struct rc_node *o = cl->all[i];
		for (j = 0; j < nf && list[j] != o; j++)
			;
		if (j == nf && o->ctx != NULL) {
			redisFree(o->ctx);
			o->ctx = NULL;
		}
	}
}

static int
not_cluster(const redisReply *r)
{
	return r != NULL && r->type == REDIS_REPLY_ERROR &&
	    strstr(r->str, "cluster support disabled") != NULL;
}

static int
unknown_command(const redisReply *r)
{
	return r != NULL && r->type == REDIS_REPLY_ERROR &&
	    (strncasecmp(r->str, "ERR unknown", 11) == 0 ||
	     strstr(r->str, "Unknown subcommand") != NULL ||
	     strstr(r->str, "unknown subcommand") != NULL);
}

/* Takes a master's slots from g, the same node's CLUSTER NODES. */
static void
take_slots(struct rc_node *v, const struct rc_node *g)
{
	free(v->ranges);
	v->ranges = NULL;
	v->nranges = v->nslots = 0;
	if (g->nranges > 0) {
		v->ranges = rc_calloc((size_t)g->nranges, sizeof *v->ranges);
		memcpy(v->ranges, g->ranges, (size_t)g->nranges * sizeof *v->ranges);
	}
	v->nranges = g->nranges;
	v->nslots = g->nslots;
}

/* CLUSTER SHARDS says "online", "failed" or "loading", not what gossip
 * suspects: pfail, handshake, noaddr come from CLUSTER NODES, by id.  Who
 * owns which slot comes from there too: a shard's slots are the shard's,
 * and when a shard lists two masters that are both up (a failed old primary
 * back, not yet told it was replaced) only NODES says which one owns them.
 * Both replies come from one node in one pipeline, so they agree. */
static void
merge_flags(struct rc_node *v, int n, const redisReply *nodes)
{
	struct rc_node *g;
	char e[200];
	int ng, i, k;

	if (nodes == NULL || nodes->type != REDIS_REPLY_STRING ||
	    (ng = rc_parse_nodes(nodes->str, nodes->len, &g, e, sizeof e)) < 0)
		return;
	for (i = 0; i < n; i++)
		for (k = 0; k < ng; k++)
			if (strcmp(v[i].id, g[k].id) == 0) {
				v[i].flags |= g[k].flags & (RC_NF_PFAIL | RC_NF_FAIL |
				    RC_NF_HANDSHAKE | RC_NF_NOADDR | RC_NF_NOFAILOVER);
				if (v[i].flags & RC_NF_MASTER && g[k].flags & RC_NF_MASTER)
					take_slots(&v[i], &g[k]);
				break;
			}
	rc_nodes_free(g, ng);
}

/* Loads the topology through one connection: CLUSTER SHARDS where the server
 * has it (and lets us run it), CLUSTER NODES otherwise; both go in one round
 * trip, and SHARDS takes the gossip flags from NODES.  Returns the parsed
 * nodes or -1. */
static int
load_from(struct rc_cluster *cl, redisContext *c, const char *who,
    struct rc_node **out)
{
	redisReply *r = NULL, *rn = NULL;
	int n = -1;

	redisAppendCommand(c, "CLUSTER SHARDS");
	redisAppendCommand(c, "CLUSTER NODES");
	if (redisGetReply(c, (void **)&r) != REDIS_OK ||
	    redisGetReply(c, (void **)&rn) != REDIS_OK) {
		snprintf(cl->err, sizeof cl->err, "%s: %s", who, rc_errstr(c));
		goto done;
	}
	if (not_cluster(r)) {
		snprintf(cl->err, sizeof cl->err,
		    "%s is not a cluster node (cluster-enabled is off): "
		    "point -c or RC_CLUSTER at a node of a Redis Cluster", who);
		goto done;
	}
	if (r->type != REDIS_REPLY_ERROR) {
		char e[200];
		if ((n = rc_parse_shards(r, out, e, sizeof e)) < 0) {
			snprintf(cl->err, sizeof cl->err, "%s: %s", who, e);
			goto done;
		}
		merge_flags(*out, n, rn);
		cl->from_shards = 1;
		goto done;
	}
	/* An older server, or an ACL that allows NODES only. */
	if (!unknown_command(r) && strncmp(r->str, "NOPERM", 6) != 0) {
		snprintf(cl->err, sizeof cl->err, "%s: CLUSTER SHARDS: %s", who, r->str);
		goto done;
	}
	if (rn->type != REDIS_REPLY_STRING) {
		snprintf(cl->err, sizeof cl->err, "%s: CLUSTER NODES: %s", who,
		    rn->type == REDIS_REPLY_ERROR ? rn->str : "unexpected reply");
		goto done;
	}
	{
		char e[200];
		n = rc_parse_nodes(rn->str, rn->len, out, e, sizeof e);
		if (n < 0)
			snprintf(cl->err, sizeof cl->err, "%s: %s", who, e);
	}
	cl->from_shards = 0;
done:
	if (r != NULL)
		freeReplyObject(r);
	if (rn != NULL)
		freeReplyObject(rn);
	return n;
}

int
rc_cluster_open(struct rc_cluster *cl, const struct rc_opts *o)
{
	struct rc_node *fresh;
	redisContext *c;
	redisReply *r;
	char who[300], myid[41] = "";
	int n, i;

	memset(cl, 0, sizeof *cl);
	cl->opts = *o;
	cl->max_retries = 16;
	rc_addr_fmt(&o->seed, who, sizeof who);
	c = rc_connect(&o->seed, o, cl->err, sizeof cl->err);
	if (c == NULL)
		return -1;
	if ((n = load_from(cl, c, who, &fresh)) < 0) {
		redisFree(c);
		return -1;
	}
	if (n == 0) {
		snprintf(cl->err, sizeof cl->err, "%s: the cluster has no nodes", who);
		redisFree(c);
		return -1;
	}
	r = redisCommand(c, "CLUSTER MYID");
	if (r != NULL && r->type == REDIS_REPLY_STRING && r->len == 40)
		memcpy(myid, r->str, 40);
	if (r != NULL)
		freeReplyObject(r);
	install(cl, fresh, n);
	rc_nodes_free(fresh, n);
	/* The seed's connection is kept for the node it is. */
	for (i = 0; i < cl->nnodes; i++) {
		if (strcmp(cl->nodes[i]->id, myid) == 0) {
			cl->seed = cl->nodes[i];
			cl->seed->flags |= RC_NF_MYSELF;
			if (cl->seed->ctx == NULL) {
				cl->seed->ctx = c;
				c = NULL;
			}
			break;
		}
	}
	if (c != NULL)
		redisFree(c);
	if (cl->seed == NULL)
		cl->seed = cl->nodes[0];
	return 0;
}

int
rc_cluster_refresh(struct rc_cluster *cl)
{
	struct rc_node *fresh, **order;
	int i, k = 0, n = -1, tried;

	/* Ask the seed first, then masters, then replicas. */
	order = rc_calloc((size_t)cl->nnodes + 1, sizeof *order);
	if (cl->seed != NULL)
		order[k++] = cl->seed;
	for (tried = 0; tried < 2; tried++)
		for (i = 0; i < cl->nnodes; i++)
			if (cl->nodes[i] != cl->seed &&
			    rc_node_is_master(cl->nodes[i]) == (tried == 0))
				order[k++] = cl->nodes[i];
	for (i = 0; i < k && n < 0; i++) {
		char who[300];
		redisContext *c;

		if (order[i]->flags & RC_NF_FAIL && i + 1 < k)
			continue;
		if ((c = rc_node_ctx(cl, order[i])) == NULL)
			continue;
		rc_node_addr(order[i], who, sizeof who);
		n = load_from(cl, c, who, &fresh);
		if (n < 0 && c->err)
			rc_node_drop(order[i], rc_errstr(c));
		if (n == 0) {
			rc_nodes_free(fresh, 0);
			n = -1;
		}
	}
	free(order);
	if (n < 0) {
		if (cl->err[0] == '\0')
			snprintf(cl->err, sizeof cl->err, "no node of the cluster answers");
		return -1;
	}
	install(cl, fresh, n);
	rc_nodes_free(fresh, n);
	cl->stale = 0;
	cl->nrefresh++;
	if (cl->trace != NULL) {
		struct rc_event ev = { RC_EV_REFRESH, -1, NULL, NULL };
		cl->trace(cl->trace_ud, &ev);
	}
	return 0;
}

void
rc_cluster_close(struct rc_cluster *cl)
{
	int i;

	for (i = 0; i < cl->nall; i++) {
		struct rc_node *n = cl->all[i];
		if (n->ctx != NULL)
			redisFree(n->ctx);
		free(n->ranges);
		free(n->open);
		free(n);
	}
	free(cl->all);
	free(cl->nodes);
	cl->all = cl->nodes = NULL;
	cl->nall = cl->nnodes = 0;
}

int
rc_node_view(struct rc_cluster *cl, struct rc_node *n, struct rc_node **out)
{
	redisContext *c;
	redisReply *r;
	char e[200];
	int k;

	*out = NULL;
	if ((c = rc_node_ctx(cl, n)) == NULL)
		return -1;
	r = redisCommand(c, "CLUSTER NODES");
	if (r == NULL) {
		rc_node_drop(n, rc_errstr(c));
		return -1;
	}
	if (r->type != REDIS_REPLY_STRING) {
		char a[300];
		snprintf(n->err, sizeof n->err, "%s: CLUSTER NODES: %s",
		    rc_node_addr(n, a, sizeof a),
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		freeReplyObject(r);
		return -1;
	}
	k = rc_parse_nodes(r->str, r->len, out, e, sizeof e);
	freeReplyObject(r);
	if (k < 0) {
		char a[300];
		snprintf(n->err, sizeof n->err, "%s: %s", rc_node_addr(n, a, sizeof a), e);
	}
	return k;
}

struct rc_node *
rc_cluster_by_addr(struct rc_cluster *cl, const struct rc_addr *a)
{
	int i;

	for (i = 0; i < cl->nnodes; i++)
		if (rc_addr_eq(&cl->nodes[i]->addr, a))
			return cl->nodes[i];
	/* "localhost:7001" names the node that says 127.0.0.1:7001. */
	if (strcmp(a->host, "localhost") == 0) {
		struct rc_addr b = *a;
		snprintf(b.host, sizeof b.host, "127.0.0.1");
		return rc_cluster_by_addr(cl, &b);
	}
	return NULL;
}

struct rc_node *
rc_cluster_by_id(struct rc_cluster *cl, const char *id)
{
	struct rc_node *found = NULL;
	size_t len = strlen(id);
	int i;

	if (len == 0 || len > 40)
		return NULL;
	for (i = 0; i < cl->nnodes; i++) {
		if (strncasecmp(cl->nodes[i]->id, id, len) != 0)
			continue;
		if (len == 40)
			return cl->nodes[i];
		if (found != NULL)
			return NULL;    /* ambiguous prefix */
		found = cl->nodes[i];
	}
	return len >= 4 ? found : NULL;
}

struct rc_node *
rc_cluster_find(struct rc_cluster *cl, const char *s)
{
	struct rc_addr a;
	struct rc_node *n;

	/* An address (a bare port included) wins over an id prefix. */
	if (rc_addr_parse(s, &a) == 0 && (n = rc_cluster_by_addr(cl, &a)) != NULL)
		return n;
	return rc_cluster_by_id(cl, s);
}

void
rc_cluster_set_proto(struct rc_cluster *cl, int proto)
{
	char err[400];
	int i;

	if ((proto == 3) == (cl->opts.resp == 3))
		return;
	cl->opts.resp = proto;
	/* Every node ever seen: a node a refresh dropped from the list may
	 * still be in a caller's hands (a pinned node). */
	for (i = 0; i < cl->nall; i++) {
		struct rc_node *n = cl->all[i];
		if (n->ctx != NULL && rc_hello(n->ctx, proto, err, sizeof err,
		    "protocol switch") < 0)
			rc_node_drop(n, err);   /* it says HELLO when it reconnects */
	}
}

void
rc_cluster_reconnect(struct rc_cluster *cl)
{
	int i;

	for (i = 0; i < cl->nall; i++)
		if (cl->all[i]->ctx != NULL) {
			redisFree(cl->all[i]->ctx);
			cl->all[i]->ctx = NULL;
		}
}

void
rc_cluster_open_or_die(struct rc_cluster *cl, const struct rc_opts *o)
{
	const char *hint;

	if (rc_cluster_open(cl, o) == 0)
		return;
	hint = rc_kind_hint(rc_text_kind(cl->err));
	rc_die(RC_EX_CLUSTER, "%s%s%s", cl->err, hint ? ": " : "", hint ? hint : "");
}
