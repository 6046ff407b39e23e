/* topo.c - the cluster's shape: CLUSTER SHARDS (Redis 7+) or CLUSTER NODES,
 * parsed into nodes and a slot -> master table. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

static void
add_range(struct rc_node *n, int lo, int hi)
{
	/* Adjacent ranges are merged so ranges print as the server has them. */
	if (n->nranges > 0 && n->ranges[n->nranges - 1].hi + 1 == lo) {
		n->ranges[n->nranges - 1].hi = hi;
	} else {
		n->ranges = rc_realloc(n->ranges,
		    (size_t)(n->nranges + 1) * sizeof *n->ranges);
		n->ranges[n->nranges].lo = lo;
		n->ranges[n->nranges].hi = hi;
		n->nranges++;
	}
	n->nslots += hi - lo + 1;
}

static void
add_open(struct rc_node *n, int slot, int importing, const char *peer, size_t plen)
{
	struct rc_open_slot *o;

	n->open = rc_realloc(n->open, (size_t)(n->nopen + 1) * sizeof *n->open);
	o = &n->open[n->nopen++];
	o->slot = slot;
	o->importing = importing;
	if (plen >= sizeof o->peer)
		plen = sizeof o->peer - 1;
	memcpy(o->peer, peer, plen);
	o->peer[plen] = '\0';
}

static int
parse_slotnum(const char *s, size_t len, int *out)
{
	int v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v >= RC_NSLOTS)
		return -1;
	*out = v;
	return 0;
}

static unsigned
parse_flags(const char *s, size_t len)
{
	static const struct { const char *name; unsigned bit; } tab[] = {
		{ "myself", RC_NF_MYSELF }, { "master", RC_NF_MASTER },
		{ "slave", RC_NF_REPLICA }, { "replica", RC_NF_REPLICA },
		{ "fail?", RC_NF_PFAIL }, { "fail", RC_NF_FAIL },
		{ "handshake", RC_NF_HANDSHAKE }, { "noaddr", RC_NF_NOADDR },
		{ "nofailover", RC_NF_NOFAILOVER },
	};
	unsigned flags = 0;
	size_t i, j, wl;

	for (i = 0; i < len; i += wl + 1) {
		const char *w = s + i;
		const char *comma = memchr(w, ',', len - i);
		wl = comma ? (size_t)(comma - w) : len - i;
		for (j = 0; j < sizeof tab / sizeof tab[0]; j++)
			if (strlen(tab[j].name) == wl && memcmp(tab[j].name, w, wl) == 0)
				flags |= tab[j].bit;
	}
	return flags;
}

/* "ip:port@cport[,hostname]"; the last ':' before '@' ends the host, so
 * IPv6 addresses need no brackets here. Empty ip (noaddr) is allowed. */
static int
parse_nodeaddr(const char *s, size_t len, struct rc_addr *a)
{
	const char *at, *colon, *p;
	size_t hlen;
	int port = 0;

	at = memchr(s, '@', len);
	if (at == NULL) {
		at = memchr(s, ',', len);
		if (at == NULL)
			at = s + len;
	}
	colon = NULL;
	for (p = s; p < at; p++)
		if (*p == ':')
			colon = p;
	if (colon == NULL)
		return -1;
	hlen = (size_t)(colon - s);
	if (hlen >= sizeof a->host || colon + 1 == at || at - colon > 6)
		return -1;
	for (p = colon + 1; p < at; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		port = port * 10 + (*p - '0');
	}
	if (port > 65535)
		return -1;
	memcpy(a->host, s, hlen);
	a->host[hlen] = '\0';
	a->port = port;
	return 0;
}

static int
is_id(const char *s, size_t len)
{
	size_t i;

	if (len != 40)
		return 0;
	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* One slot word: "0-5460", "5461", "[5461->-ID]", "[5461-<-ID]". */
static int
parse_slotword(struct rc_node *n, const char *w, size_t wl)
{
	const char *dash;
	int lo, hi;

	if (w[0] == '[') {
		const char *arrow;
		int importing;

		if (wl < 5 || w[wl - 1] != ']')
			return -1;
		if ((arrow = memchr(w, '-', wl)) == NULL || arrow + 2 >= w + wl)
			return -1;
		if (arrow[1] == '>' && arrow[2] == '-')
			importing = 0;
		else if (arrow[1] == '<' && arrow[2] == '-')
			importing = 1;
		else
			return -1;
		if (parse_slotnum(w + 1, (size_t)(arrow - w - 1), &lo) < 0)
			return -1;
		if (!is_id(arrow + 3, (size_t)(w + wl - 1 - (arrow + 3))))
			return -1;
		add_open(n, lo, importing, arrow + 3, 40);
		return 0;
	}
	dash = memchr(w, '-', wl);
	if (dash == NULL) {
		if (parse_slotnum(w, wl, &lo) < 0)
			return -1;
		hi = lo;
	} else if (parse_slotnum(w, (size_t)(dash - w), &lo) < 0 ||
	    parse_slotnum(dash + 1, (size_t)(w + wl - dash - 1), &hi) < 0 || hi < lo)
		return -1;
	add_range(n, lo, hi);
	return 0;
}

static int
parse_line(struct rc_node *n, const char *s, size_t len)
{
	const char *w[8];
	size_t wl[8];
	const char *p = s, *end = s + len;
	int i;

	memset(n, 0, sizeof *n);
	n->repl_offset = -1;
	/* Eight words always; slots, when any, follow. */
	for (i = 0; i < 8; i++) {
		const char *sp;
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			return -1;
		sp = memchr(p, ' ', (size_t)(end - p));
		w[i] = p;
		wl[i] = sp ? (size_t)(sp - p) : (size_t)(end - p);
		p += wl[i];
	}
	if (!is_id(w[0], wl[0]))
		return -1;
	memcpy(n->id, w[0], 40);
	if (parse_nodeaddr(w[1], wl[1], &n->addr) < 0)
		return -1;
	n->flags = parse_flags(w[2], wl[2]);
	if (is_id(w[3], wl[3]))
		memcpy(n->master_id, w[3], 40);
	else if (!(wl[3] == 1 && w[3][0] == '-'))
		return -1;
	n->config_epoch = strtoll(w[6], NULL, 10);
	n->connected = wl[7] == 9 && memcmp(w[7], "connected", 9) == 0;
	while (p < end) {
		const char *sp;
		size_t l;
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		sp = memchr(p, ' ', (size_t)(end - p));
		l = sp ? (size_t)(sp - p) : (size_t)(end - p);
		if (parse_slotword(n, p, l) < 0)
			return -1;
		p += l;
	}
	return 0;
}

void
rc_nodes_free(struct rc_node *nodes, int n)
{
	int i;

	if (nodes == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(nodes[i].ranges);
		free(nodes[i].open);
		if (nodes[i].ctx != NULL)
			redisFree(nodes[i].ctx);
	}
	free(nodes);
}

int
rc_parse_nodes(const char *text, size_t len, struct rc_node **out, char *err,
    size_t errlen)
{
	const char *p = text, *end = text + len;
	struct rc_node *nodes = NULL;
	int n = 0, line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		line++;
		if (l > 0 && p[l - 1] == '\r')
			l--;
		if (l > 0) {
			nodes = rc_realloc(nodes, (size_t)(n + 1) * sizeof *nodes);
			if (parse_line(&nodes[n], p, l) < 0) {
				free(nodes[n].ranges);
				free(nodes[n].open);
				rc_nodes_free(nodes, n);
				if (err != NULL)
					snprintf(err, errlen,
					    "CLUSTER NODES line %d: cannot parse '%.*s'",
					    line, (int)(l < 60 ? l : 60), p);
				*out = NULL;
				return -1;
			}
			n++;
		}
		p = nl ? nl + 1 : end;
	}
	*out = nodes;
	return n;
}

static const redisReply *
map_get(const redisReply *m, const char *key)
{
	size_t i, kl = strlen(key);

	if (m == NULL)
		return NULL;
	if (m->type != REDIS_REPLY_ARRAY
#ifdef REDIS_REPLY_MAP
	    && m->type != REDIS_REPLY_MAP
#endif
	    )
		return NULL;
	for (i = 0; i + 1 < m->elements; i += 2) {
		const redisReply *k = m->element[i];
		if ((k->type == REDIS_REPLY_STRING || k->type == REDIS_REPLY_STATUS) &&
		    k->len == kl && memcmp(k->str, key, kl) == 0)
			return m->element[i + 1];
	}
	return NULL;
}

static int
reply_int(const redisReply *r, long long *v)
{
	char buf[32];

	if (r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_INTEGER) {
		*v = r->integer;
		return 0;
	}
	if (r->type == REDIS_REPLY_STRING && r->len > 0 && r->len < sizeof buf) {
		char *end;
		memcpy(buf, r->str, r->len);
		buf[r->len] = '\0';
		*v = strtoll(buf, &end, 10);
		return *end == '\0' ? 0 : -1;
	}
	return -1;
}

static int
reply_str(const redisReply *r, char *buf, size_t n)
{
	if (r == NULL || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS) ||
	    r->len >= n)
		return -1;
	memcpy(buf, r->str, r->len);
	buf[r->len] = '\0';
	return 0;
}

/* How fit a node of a shard is to serve its slots, from its "health":
 * online beats loading (or a word we do not know), which beats failed. */
enum { FIT_FAILED, FIT_OTHER, FIT_ONLINE };

static int
shard_node(struct rc_node *n, const redisReply *nr, const char *master_id, int *fit)
{
	char role[16], health[16], ep[256];
	long long port;

	memset(n, 0, sizeof *n);
	n->repl_offset = -1;
	if (reply_str(map_get(nr, "id"), n->id, sizeof n->id) < 0 ||
	    !is_id(n->id, strlen(n->id)))
		return -1;
	/* A TLS-only node has tls-port instead.  A node with neither (Redis
	 * 7.0 leaves both out for a "noaddr" node: an id gossip spread again
	 * after CLUSTER FORGET) is kept with port 0 and no address, as CLUSTER
	 * NODES shows it (":0@0 master,noaddr"), not a reason to refuse the
	 * whole reply. */
	if (reply_int(map_get(nr, "port"), &port) < 0 &&
	    reply_int(map_get(nr, "tls-port"), &port) < 0)
		port = 0;
	if (port < 0 || port > 65535)
		return -1;
	n->addr.port = (int)port;
	/* The endpoint is what clients are told to use; "?" means unknown. */
	if (reply_str(map_get(nr, "endpoint"), ep, sizeof ep) < 0 || ep[0] == '\0' ||
	    strcmp(ep, "?") == 0) {
		if (reply_str(map_get(nr, "ip"), ep, sizeof ep) < 0)
			ep[0] = '\0';
	}
	snprintf(n->addr.host, sizeof n->addr.host, "%s", ep);
	if (ep[0] == '\0' || port == 0) {
		n->flags |= RC_NF_NOADDR;
		n->addr.host[0] = '\0';
	}
	if (reply_str(map_get(nr, "role"), role, sizeof role) < 0)
		return -1;
	if (strcmp(role, "master") == 0)
		n->flags |= RC_NF_MASTER;
	else {
		n->flags |= RC_NF_REPLICA;
		if (master_id != NULL)
			snprintf(n->master_id, sizeof n->master_id, "%s", master_id);
	}
	if (reply_int(map_get(nr, "replication-offset"), &n->repl_offset) < 0)
		n->repl_offset = -1;
	/* The documentation says "failed"; Redis 7.0 and Valkey 8.0 write "fail". */
	*fit = FIT_OTHER;
	if (reply_str(map_get(nr, "health"), health, sizeof health) == 0) {
		if (strcmp(health, "failed") == 0 || strcmp(health, "fail") == 0) {
			n->flags |= RC_NF_FAIL;
			*fit = FIT_FAILED;
		} else if (strcmp(health, "online") == 0)
			*fit = FIT_ONLINE;
	}
	n->connected = !(n->flags & RC_NF_FAIL);
	return 0;
}

/* The shard's slots go to one node only.  Valkey 8 keeps a failed old
 * primary in its shard, role master, beside the replica promoted in its place
 * (Redis 7.0 moves it to a shard of its own, slotless): the master that is
 * fittest (online, then loading, then failed) owns, the first such if two
 * tie; the other masters are left without slots.  A shard whose only master
 * failed keeps it as the owner, as CLUSTER NODES does.  Returns the index of
 * the owner in nodes[first..n), or -1 when the shard has no master. */
static int
shard_owner(const struct rc_node *nodes, const int *fit, int first, int n)
{
	int i, best = -1;

	for (i = first; i < n; i++)
		if (nodes[i].flags & RC_NF_MASTER &&
		    (best < 0 || fit[i - first] > fit[best - first]))
			best = i;
	return best;
}

int
rc_parse_shards(const redisReply *r, struct rc_node **out, char *err, size_t errlen)
{
	struct rc_node *nodes = NULL;
	int *fit = NULL;
	int n = 0;
	size_t i, j;

	*out = NULL;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		snprintf(err, errlen, "CLUSTER SHARDS: unexpected reply type");
		return -1;
	}
	for (i = 0; i < r->elements; i++) {
		const redisReply *slots = map_get(r->element[i], "slots");
		const redisReply *nl = map_get(r->element[i], "nodes");
		int first = n, mi;

		if (slots == NULL || nl == NULL || slots->type != REDIS_REPLY_ARRAY ||
		    nl->type != REDIS_REPLY_ARRAY || slots->elements % 2 != 0)
			goto bad;
		fit = rc_realloc(fit, (nl->elements + 1) * sizeof *fit);
		for (j = 0; j < nl->elements; j++) {
			nodes = rc_realloc(nodes, (size_t)(n + 1) * sizeof *nodes);
			if (shard_node(&nodes[n], nl->element[j], NULL, &fit[j]) < 0)
				goto bad;
			n++;
		}
		if ((mi = shard_owner(nodes, fit, first, n)) < 0)
			continue;
		for (j = 0; j < slots->elements; j += 2) {
			long long lo, hi;
			if (reply_int(slots->element[j], &lo) < 0 ||
			    reply_int(slots->element[j + 1], &hi) < 0 ||
			    lo < 0 || hi >= RC_NSLOTS || hi < lo)
				goto bad;
			add_range(&nodes[mi], (int)lo, (int)hi);
		}
		for (j = (size_t)first; j < (size_t)n; j++)
			if (!(nodes[j].flags & RC_NF_MASTER))
				memcpy(nodes[j].master_id, nodes[mi].id, sizeof nodes[j].master_id);
	}
	free(fit);
	*out = nodes;
	return n;
bad:
	free(fit);
	rc_nodes_free(nodes, n);
	snprintf(err, errlen, "CLUSTER SHARDS: reply of an unexpected shape (shard %zu)", i);
	return -1;
}

const struct rc_node *
rc_view_myself(const struct rc_node *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (v[i].flags & RC_NF_MYSELF)
			return &v[i];
	return NULL;
}

const struct rc_node *
rc_view_owner(const struct rc_node *v, int n, int slot)
{
	int i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < v[i].nranges; k++)
			if (slot >= v[i].ranges[k].lo && slot <= v[i].ranges[k].hi)
				return &v[i];
	return NULL;
}

void
rc_ranges_add(struct rc_range **r, int *n, int s)
{
	if (*n > 0 && (*r)[*n - 1].hi == s - 1) {
		(*r)[*n - 1].hi = s;
		return;
	}
	*r = rc_realloc(*r, (size_t)(*n + 1) * sizeof **r);
	(*r)[*n].lo = (*r)[*n].hi = s;
	(*n)++;
}

const char *
rc_ranges_fmt(const struct rc_range *r, int n, char *buf, size_t len)
{
	size_t used = 0;
	int i, k;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (r[i].lo == r[i].hi)
			k = snprintf(buf + used, len - used, "%s%d", i ? "," : "", r[i].lo);
		else
			k = snprintf(buf + used, len - used, "%s%d-%d", i ? "," : "",
			    r[i].lo, r[i].hi);
		if (k < 0 || (size_t)k >= len - used) {
			if (len >= 4)
				memcpy(buf + len - 4, "...", 4);
			return buf;
		}
		used += (size_t)k;
	}
	return buf;
}

/* Room for the longest form of each range ("16383-16383,"), so
 * rc_ranges_fmt never cuts. */
char *
rc_ranges_str(const struct rc_range *r, int n)
{
	size_t len = (size_t)n * 12 + 2;

	return (char *)rc_ranges_fmt(r, n, rc_malloc(len), len);
}
