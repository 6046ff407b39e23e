/*
 * cluster.c - rc-dist's cluster: reading it (again each round when
 * watching), its nodes in address order, their health, and the warnings
 * every view gives alike: nodes that did not answer, slots no master owns,
 * flagged nodes, open slots.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"

/* ---- the cluster and its nodes ----------------------------------------------- */

/* What to do about a refused password, for a message that says so; "" for
 * any other message. */
static const char *
auth_hint(const char *msg)
{
	return rc_text_kind(msg) == RC_K_AUTH ? rc_kind_hint(RC_K_AUTH) : "";
}

void
connect_cluster(struct dist *d)
{
	if (!d->opened) {
		if (rc_cluster_open(&d->cl, &d->o) < 0)
			rc_die(RC_EX_CLUSTER, "cannot read the cluster: %s%s%s%s",
			    d->cl.err, *auth_hint(d->cl.err) ? " (" : "",
			    auth_hint(d->cl.err), *auth_hint(d->cl.err) ? ")" : "");
		/* A node that does not answer is reported, not waited for. */
		d->cl.max_retries = 2;
		d->opened = 1;
		return;
	}
	if (rc_cluster_refresh(&d->cl) < 0) {
		note(d, "cannot refresh the topology: %s (showing the last one%s%s)",
		    d->cl.err, *auth_hint(d->cl.err) ? "; " : "", auth_hint(d->cl.err));
		d->bad = 1;
	}
}

/* A node is down for this round: why names it ("host:port: reason").  A
 * node that refused (the password, or a command the ACL does not allow) is
 * not down: it says what it refused and what to do, and the exit status is
 * 3.  Keys are counted with COUNTKEYSINSLOT, which a read-only user may
 * lack; a SCAN (-m) needs only @read. */
static void
marked_down(struct dist *d, const char *why)
{
	char said[1024], alt[200];

	d->bad = 1;
	snprintf(alt, sizeof alt, "count with SCAN, which @read allows: rc-dist %s -m '*'",
	    d->view != NULL ? d->view : "keys");
	if (rc_refusal_say(why, d->o.user, strstr(why, "countkeysinslot") != NULL ?
	    alt : NULL, said, sizeof said) != NULL) {
		d->refused = 1;
		note(d, "%s", said);
		return;
	}
	note(d, "%s (marked down)", why);
}

/* The node failed to answer r; says so once a round.  The router's CONNERR
 * and IOERR texts name the node already. */
void
node_failed(struct dist *d, struct rc_node *n, const redisReply *r)
{
	node_failed_why(d, n, r == NULL ? "no reply" :
	    r->type != REDIS_REPLY_ERROR ? "unexpected reply" : r->str);
}

/* The same, from the text of what it answered. */
void
node_failed_why(struct dist *d, struct rc_node *n, const char *why)
{
	char a[300], named[1024];

	if (strncmp(why, "CONNERR ", 8) == 0 || strncmp(why, "IOERR ", 6) == 0) {
		marked_down(d, strchr(why, ' ') + 1);
		return;
	}
	rc_node_addr(n, a, sizeof a);
	if (strncmp(why, a, strlen(a)) == 0 && why[strlen(a)] == ' ') {
		marked_down(d, why);    /* it names the node already */
		return;
	}
	snprintf(named, sizeof named, "%s: %s", a, why);
	marked_down(d, named);
}

static int
addr_cmp(const void *a, const void *b)
{
	const struct rc_node *x = *(struct rc_node *const *)a;
	const struct rc_node *y = *(struct rc_node *const *)b;
	int c = strcmp(x->addr.host, y->addr.host);

	if (c != 0)
		return c;
	if (x->addr.port != y->addr.port)
		return x->addr.port < y->addr.port ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* The cluster's nodes (or only its masters) sorted by address. */
struct rc_node **
sorted_nodes(struct dist *d, int masters_only, int *np)
{
	struct rc_node **v = rc_calloc((size_t)d->cl.nnodes + 1, sizeof *v);
	int i, k = 0;

	for (i = 0; i < d->cl.nnodes; i++)
		if (!masters_only || rc_node_is_master(d->cl.nodes[i]))
			v[k++] = d->cl.nodes[i];
	qsort(v, (size_t)k, sizeof *v, addr_cmp);
	*np = k;
	return v;
}

const char *
addr_of(const struct rc_node *n, char *buf, size_t len)
{
	/* A node without an address (noaddr) is ":0" in CLUSTER NODES. */
	if (n == NULL || n->addr.host[0] == '\0') {
		snprintf(buf, len, "-");
		return buf;
	}
	return rc_node_addr(n, buf, len);
}

/* "fail,pfail" style health of a node; "down" when it did not answer us,
 * "noauth" when it refused the password. */
const char *
health(const struct rc_node *n, int answered, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = '\0';
#define FLAG(cond, word) \
	if (cond) k += (size_t)snprintf(buf + k, k < len ? len - k : 0, "%s%s", \
	    k ? "," : "", word)
	FLAG(!answered, rc_refusal(n->err) == RC_REFUSED_PASSWORD ? "noauth" : "down");
	FLAG(n->flags & RC_NF_FAIL, "fail");
	FLAG(n->flags & RC_NF_PFAIL, "pfail");
	FLAG(n->flags & RC_NF_HANDSHAKE, "handshake");
	FLAG(n->flags & RC_NF_NOADDR, "noaddr");
	/* In handshake or without an address, no link is up by definition:
	 * those flags say more. */
	FLAG(!n->connected && !(n->flags & RC_NF_MYSELF) && answered &&
	    !(n->flags & (RC_NF_FAIL | RC_NF_PFAIL | RC_NF_HANDSHAKE | RC_NF_NOADDR)),
	    "disconnected");
#undef FLAG
	if (k == 0)
		snprintf(buf, len, "ok");
	return buf;
}

int
unhealthy(const char *flags)
{
	return strcmp(flags, "ok") != 0;
}

/* ---- what every view warns about ------------------------------------------- */

/* Slots no master owns: named on stderr (the exit status says it too);
 * their count, and their ranges, whole, in *ranges when asked for (the
 * caller frees them). */
int
unassigned_note(struct dist *d, char **ranges)
{
	struct rc_range *r = NULL;
	char shown[512];
	int s, nr = 0, count = 0;

	for (s = 0; s < RC_NSLOTS; s++) {
		if (d->cl.owner[s] != NULL)
			continue;
		count++;
		rc_ranges_add(&r, &nr, s);
	}
	if (ranges != NULL)
		*ranges = rc_ranges_str(r, nr);
	if (count > 0) {
		d->bad = 1;
		/* A message may end in "...": the rows have them whole. */
		note(d, "%d slots are not assigned to any master: %s", count,
		    rc_ranges_fmt(r, nr, shown, sizeof shown));
	}
	free(r);
	return count;
}

/* Nodes that no row of the view shows (replicas; with all, masters too)
 * and that the cluster flags: named, and the exit status says so, in every
 * view alike. */
void
flagged_note(struct dist *d, int all)
{
	char a[300], m[300], fl[128];
	int i;

	for (i = 0; i < d->cl.nnodes; i++) {
		struct rc_node *n = d->cl.nodes[i];
		int master = rc_node_is_master(n);

		if ((master && !all) || !unhealthy(health(n, 1, fl, sizeof fl)))
			continue;
		d->bad = 1;
		if (master)
			note(d, "master %s is flagged %s", addr_of(n, a, sizeof a), fl);
		else
			note(d, "replica %s (of %s) is flagged %s", addr_of(n, a, sizeof a),
			    n->master != NULL ? addr_of(n->master, m, sizeof m) :
			    n->master_id[0] ? n->master_id : "no master", fl);
	}
}

/* Every master's open slots (its own CLUSTER NODES); ans[i] says whether
 * v[i] answered, and one that did not is named. */
int
open_slots(struct dist *d, struct rc_node **v, int n, int *ans, struct rc_open **op)
{
	int i, nop = rc_open_slots_of(&d->cl, v, n, ans, op);

	for (i = 0; i < n; i++)
		if (!ans[i])
			marked_down(d, v[i]->err);
	return nop;
}

/* The address of the node with that id, else the id itself. */
static const char *
peer_of(struct dist *d, const char *id, char *buf, size_t len)
{
	struct rc_node *n = rc_cluster_by_id(&d->cl, id);

	if (n == NULL)
		return id;
	return addr_of(n, buf, len);
}

/* A master's open slots as "5461>127.0.0.1:7002,6000<127.0.0.1:7003", whole
 * (the caller frees it), or NULL when there are none; named on stderr when
 * there are any (the message may be cut). */
char *
open_note(struct dist *d, const struct rc_node *m, const struct rc_open *op,
    int nop)
{
	struct rc_buf b = { NULL, 0, 0 };
	char a[300], one[400];
	int i;

	for (i = 0; i < nop; i++) {
		if (op[i].migrating && strcmp(op[i].src, m->id) == 0) {
			snprintf(one, sizeof one, "%s%d>%s", b.len ? "," : "",
			    op[i].slot, peer_of(d, op[i].dst, a, sizeof a));
			rc_buf_adds(&b, one);
		}
		if (op[i].importing && strcmp(op[i].dst, m->id) == 0) {
			snprintf(one, sizeof one, "%s%d<%s", b.len ? "," : "",
			    op[i].slot, peer_of(d, op[i].src, a, sizeof a));
			rc_buf_adds(&b, one);
		}
	}
	if (b.len > 0)
		note(d, "%s has open slots (a migration in progress or interrupted): "
		    "%.600s%s", addr_of(m, a, sizeof a), b.s, b.len > 600 ? "..." : "");
	return b.s;
}
