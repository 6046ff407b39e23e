/*
 * feature.c - which server a node runs and what it can do.
 *
 * A tool asks "does this node have CLUSTER SLOT-STATS?", never "is it
 * Valkey 8 or later?": servers and versions that have a command differ
 * (Valkey 8.0 and Redis 8.2 both have SLOT-STATS), and a build may leave one
 * out.  The node itself says what it has, once: COMMAND INFO for commands,
 * COMMAND DOCS for an argument of one (SETSLOT's TIMEOUT).  The answers are
 * kept in the node (n->server) while its connection stays open: a node
 * connected again may have been restarted as another server.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rc.h"

static const char *const feat_names[RC_FEAT_N] = {
	"CLUSTER SLOT-STATS",
	"CLUSTER SETSLOT TIMEOUT",
	"HOTKEYS",
};

const char *
rc_feature_name(int feat)
{
	return feat >= 0 && feat < RC_FEAT_N ? feat_names[feat] : NULL;
}

int
rc_server_parse(const char *info, struct rc_server *s)
{
	char name[sizeof s->name], field[sizeof name + 16], ver[sizeof s->version];

	s->known = 0;
	if (info == NULL)
		return -1;
	/* Valkey says server_name:valkey and valkey_version, and keeps a
	 * redis_version (7.2.4 on 8.0) for clients that read it: the server's
	 * own field comes first. */
	if (rc_info_field(info, "server_name", name, sizeof name) == NULL || name[0] == '\0')
		snprintf(name, sizeof name, "redis");
	snprintf(field, sizeof field, "%s_version", name);
	if (rc_info_field(info, field, ver, sizeof ver) == NULL &&
	    rc_info_field(info, "redis_version", ver, sizeof ver) == NULL)
		return -1;
	if (ver[0] == '\0')
		return -1;
	memcpy(s->name, name, sizeof s->name);
	memcpy(s->version, ver, sizeof s->version);
	s->known = 1;
	return 0;
}

const char *
rc_server_fmt(const struct rc_server *s, char *buf, size_t n)
{
	if (s == NULL || !s->known)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%s %s", s->name, s->version);
	return buf;
}

/* 1 when r, anywhere in it, holds the string s (case-insensitive). */
static int
reply_names(const redisReply *r, const char *s)
{
	size_t i;

	if (r == NULL)
		return 0;
	switch (r->type) {
	case REDIS_REPLY_STRING:
	case REDIS_REPLY_STATUS:
		return strlen(s) == r->len && strncasecmp(r->str, s, r->len) == 0;
	case REDIS_REPLY_ARRAY:
#ifdef REDIS_REPLY_MAP
	case REDIS_REPLY_MAP:
	case REDIS_REPLY_SET:
#endif
		for (i = 0; i < r->elements; i++)
			if (reply_names(r->element[i], s))
				return 1;
		return 0;
	}
	return 0;
}

/* COMMAND INFO's entry i: an array for a known command, nil otherwise. */
static int
known_command(const redisReply *info, size_t i)
{
	const redisReply *e;

	if (info == NULL || info->type != REDIS_REPLY_ARRAY || i >= info->elements)
		return 0;
	e = info->element[i];
	return e->type == REDIS_REPLY_ARRAY && e->elements > 0;
}

/* The commands COMMAND INFO asks about, in the order of its entries. */
static const char *const info_cmds[] = { "CLUSTER|SLOT-STATS", "HOTKEYS" };

unsigned
rc_features_parse(const redisReply *info, const redisReply *docs)
{
	unsigned have = 0;

	if (known_command(info, 0))
		have |= 1u << RC_FEAT_SLOT_STATS;
	if (known_command(info, 1))
		have |= 1u << RC_FEAT_HOTKEYS;
	/* COMMAND DOCS CLUSTER|SETSLOT: the argument tree names the token
	 * TIMEOUT where the server takes it. */
	if (docs != NULL && docs->type != REDIS_REPLY_ERROR && reply_names(docs, "TIMEOUT"))
		have |= 1u << RC_FEAT_SETSLOT_TIMEOUT;
	return have;
}

void
rc_node_server_seen(struct rc_node *n, const char *info)
{
	struct rc_server s = n->server;

	if (rc_server_parse(info, &s) == 0)
		n->server = s;
}

/* The cache holds for the open connection: without one, connecting (which
 * empties it) comes first.  0, or -1 when the node cannot be reached. */
static int
connected(struct rc_cluster *cl, struct rc_node *n)
{
	return n->ctx != NULL || rc_node_ctx(cl, n) != NULL ? 0 : -1;
}

const struct rc_server *
rc_node_server(struct rc_cluster *cl, struct rc_node *n)
{
	redisReply *r;

	if (connected(cl, n) < 0)
		return NULL;
	if (n->server.known)
		return &n->server;
	if ((r = rc_node_cmdv(cl, n, "INFO", "server", NULL)) == NULL)
		return NULL;
	if (r->type == REDIS_REPLY_STRING)
		rc_node_server_seen(n, r->str);
	else {
		char a[300];
		snprintf(n->err, sizeof n->err, "%s: INFO server: %.200s",
		    rc_node_addr(n, a, sizeof a),
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	}
	freeReplyObject(r);
	return n->server.known ? &n->server : NULL;
}

/* Asks the node for every feature at once.  0, or -1 when the connection
 * failed (n is dropped, n->err says why). */
static int
detect(struct rc_cluster *cl, struct rc_node *n)
{
	redisReply *info, *docs;

	info = rc_node_cmdv(cl, n, "COMMAND", "INFO", info_cmds[0], info_cmds[1], NULL);
	if (info == NULL)
		return -1;
	/* CLUSTER|SETSLOT's docs nest 6 deep: within what hiredis 0.14 reads. */
	if ((docs = rc_node_cmdv(cl, n, "COMMAND", "DOCS", "CLUSTER|SETSLOT", NULL)) == NULL) {
		freeReplyObject(info);
		return -1;
	}
	n->server.have = rc_features_parse(info, docs);
	n->server.asked = (1u << RC_FEAT_N) - 1;
	freeReplyObject(info);
	freeReplyObject(docs);
	return 0;
}

int
rc_node_has(struct rc_cluster *cl, struct rc_node *n, int feat)
{
	if (feat < 0 || feat >= RC_FEAT_N)
		return 0;
	if (connected(cl, n) < 0)
		return -1;
	if (!(n->server.asked & (1u << feat)) && detect(cl, n) < 0)
		return -1;
	return (n->server.have >> feat) & 1;
}
