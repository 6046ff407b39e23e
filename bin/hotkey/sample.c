/*
 * sample.c - the MONITOR sample that top and slots share: which nodes, how
 * long, and what it costs the servers, said on stderr.
 */
#include <stdlib.h>
#include <string.h>

#include "hotkey.h"

size_t
hk_counters(const struct hk *h)
{
	if (h->counters > 0)
		return (size_t)h->counters;
	return h->k * 100 > 1000 ? (size_t)h->k * 100 : 1000;
}

/* The masters with slots, and with --replicas their replicas. */
static int
pick_nodes(struct hk *h, struct rc_cluster *cl, struct rc_node ***out)
{
	struct rc_node **v = rc_calloc((size_t)cl->nnodes + 1, sizeof *v);
	int i, n = 0;

	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *x = cl->nodes[i];
		if (x->flags & (RC_NF_FAIL | RC_NF_NOADDR | RC_NF_HANDSHAKE))
			continue;
		if (rc_node_is_master(x) ? x->nslots > 0 : h->replicas)
			v[n++] = x;
	}
	*out = v;
	return n;
}

void
hk_sample(struct hk *h, struct rc_cluster *cl, struct rc_hk_sample *s)
{
	struct rc_node **nodes;
	char err[600];
	int n, i;
	uint64_t lines = 0, repl = 0;

	memset(s, 0, sizeof *s);
	s->secs = h->duration > 0 ? h->duration : 5;
	s->counters = hk_counters(h);
	s->stop = hk_stopped;
	if ((n = pick_nodes(h, cl, &nodes)) == 0)
		rc_die(RC_EX_CLUSTER, "no master with slots to sample");
	rc_warn("sampling MONITOR on %d node%s for %.1f s: each copies every command it "
	    "runs to this client, which costs it throughput while the sample lasts",
	    n, n == 1 ? "" : "s", s->secs);
	if (rc_hk_sample(cl, nodes, n, s, err, sizeof err) != RC_EX_OK) {
		rc_hk_sample_free(s);
		free(nodes);
		rc_die(RC_EX_CLUSTER, "%s", err);
	}
	for (i = 0; i < n; i++) {
		lines += s->lines[i];
		repl += s->replicated[i];
	}
	rc_warn("source: MONITOR, %llu commands in %.1f s (%.0f/s)", (unsigned long long)lines,
	    s->elapsed, s->elapsed > 0 ? (double)lines / s->elapsed : 0);
	if (repl > 0)
		rc_warn("not counted: %llu commands the replicas ran from their masters' "
		    "replication links (the masters' writes again)", (unsigned long long)repl);
}

/* Every master must keep LFU counters, or OBJECT FREQ has nothing to say:
 * exits 3 naming the first that does not. */
static void
lfu_check(struct rc_cluster *cl, struct rc_node **nodes, int n)
{
	char buf[400], who[80];
	int i, rc;

	for (i = 0; i < n; i++) {
		rc_node_addr(nodes[i], who, sizeof who);
		if ((rc = rc_hk_lfu_policy(cl, nodes[i], buf, sizeof buf)) < 0)
			rc_die(RC_EX_CLUSTER, "%s: %s", who, buf);
		if (rc == 0)
			rc_die(RC_EX_CLUSTER, "--lfu: %s's maxmemory-policy is %s, not an LFU one: "
			    "it keeps no access counters (every master needs allkeys-lfu or "
			    "volatile-lfu; without --lfu, top samples MONITOR)", who, buf);
	}
}

void
hk_lfu(struct hk *h, struct rc_cluster *cl, struct rc_hk_sample *s)
{
	struct rc_node **nodes;
	char err[600];
	int n, i;
	uint64_t keys = 0;

	memset(s, 0, sizeof *s);
	s->counters = hk_counters(h);
	s->stop = hk_stopped;
	if (h->replicas)
		rc_die(RC_EX_USAGE, "--lfu: replicas keep no counters of their own reads worth "
		    "walking; use --lfu without --replicas");
	if ((n = pick_nodes(h, cl, &nodes)) == 0)
		rc_die(RC_EX_CLUSTER, "no master with slots to walk");
	lfu_check(cl, nodes, n);
	rc_warn("walking SCAN COUNT %d + OBJECT FREQ on %d master%s: one batch at a time "
	    "each, a short command each", HK_LFU_COUNT, n, n == 1 ? "" : "s");
	if (rc_hk_lfu(cl, nodes, n, HK_LFU_COUNT, s, err, sizeof err) != RC_EX_OK) {
		rc_hk_sample_free(s);
		free(nodes);
		rc_die(RC_EX_CLUSTER, "%s", err);
	}
	for (i = 0; i < n; i++)
		keys += s->lines[i];
	rc_warn("source: OBJECT FREQ, %llu keys in %.1f s (LFU counters are logarithmic "
	    "and saturate at 255: a rank, not a count of operations)",
	    (unsigned long long)keys, s->elapsed);
}
