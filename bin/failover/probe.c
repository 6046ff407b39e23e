/*
 * probe.c - rc-failover probe: writes and reads at a steady rate on keys
 * spread over every master, a row a second, then availability, the windows
 * when a master's slots did not answer, and acknowledged writes lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failover.h"

#define PROBE_TIMEOUT_MS 300    /* a probe op that takes longer has failed */
#define READ_BATCH 100          /* keys per MGET and DEL in the read-back */

struct group {
	char master[300];           /* who served the keys when the probe began */
	char tag[32];
	double down_since;          /* ms, -1 while answering */
	char first_err[200];
};

struct window {
	double start, end;
	int group;
	char err[200];
};

struct probe {
	struct fo *f;
	struct rc_cluster cl;
	struct group *g;
	int ng;
	unsigned char *acked;       /* by sequence number */
	long long maxseq;
	struct window *w;
	int nw;
	uint64_t t0;
	long long ops, errors;
	/* the current second */
	long sec_ok, sec_err;
	struct rc_hist hist;
};

/* Every write goes to a key of its own, named for its sequence number s,
 * in group s % ng: a later write never hides a lost one, and the read-back
 * knows every key without a record of them. */
static int
group_of(const struct probe *p, long long seq)
{
	return (int)(seq % p->ng);
}

static void
key_at(const struct probe *p, long long seq, char *buf, size_t n)
{
	snprintf(buf, n, "rc-failover:probe:{%s}:%lld", p->g[group_of(p, seq)].tag, seq);
}

/* One key group per master that serves slots, on a tag it owns. */
static void
make_groups(struct probe *p)
{
	int i;

	for (i = 0; i < p->cl.nnodes; i++) {
		struct rc_node *m = p->cl.nodes[i];
		struct group *g;
		if (!rc_node_is_master(m) || m->nslots == 0)
			continue;
		p->g = rc_realloc(p->g, (size_t)(p->ng + 1) * sizeof *p->g);
		g = &p->g[p->ng];
		memset(g, 0, sizeof *g);
		if (rc_fo_tag(&p->cl, m, g->tag, sizeof g->tag) < 0)
			continue;
		rc_node_addr(m, g->master, sizeof g->master);
		g->down_since = -1;
		p->ng++;
	}
	if (p->ng == 0)
		rc_die(RC_EX_CLUSTER, "no master serves slots: nothing to probe");
}

static double
ms_now(const struct probe *p)
{
	return (double)(rc_now_us() - p->t0) / 1000.0;
}

static void
close_window(struct probe *p, int gi, double end)
{
	struct group *g = &p->g[gi];

	if (g->down_since < 0)
		return;
	p->w = rc_realloc(p->w, (size_t)(p->nw + 1) * sizeof *p->w);
	p->w[p->nw].start = g->down_since;
	p->w[p->nw].end = end;
	p->w[p->nw].group = gi;
	snprintf(p->w[p->nw].err, sizeof p->w[0].err, "%s", g->first_err);
	p->nw++;
	g->down_since = -1;
}

/* An operation's outcome for its group: a failure opens a window, the next
 * success closes it. */
static void
account(struct probe *p, int gi, double start, int kind, const char *err)
{
	struct group *g = &p->g[gi];

	p->ops++;
	if (kind != RC_K_OK) {
		p->errors++;
		p->sec_err++;
		if (g->down_since < 0) {
			g->down_since = start;
			snprintf(g->first_err, sizeof g->first_err, "%.199s", err);
		}
		return;
	}
	p->sec_ok++;
	close_window(p, gi, start);
}

static void
one_op(struct probe *p, long long i)
{
	long long seq = i / 2 + 1;
	char key[128], err[512] = "";
	double start = ms_now(p);
	uint64_t us = rc_now_us();
	int kind, gi = group_of(p, seq);

	/* The read (odd i) reads back the key the write just before wrote. */
	key_at(p, seq, key, sizeof key);
	if (i % 2 == 0) {
		long long ttl = (long long)(p->f->duration_s + 600) * 1000;
		kind = rc_fo_probe_set(&p->cl, key, seq, ttl, err, sizeof err);
		if (kind == RC_K_OK)
			p->acked[seq] = 1;
	} else {
		long long v;
		kind = rc_fo_probe_get(&p->cl, key, &v, err, sizeof err);
	}
	rc_hist_add(&p->hist, rc_now_us() - us);
	account(p, gi, start, kind, err);
}

static void
second_row(struct probe *p, long sec)
{
	rc_putf("%ld\t%ld\t%ld\t%.1f\n", sec, p->sec_ok, p->sec_err,
	    p->hist.count ? (double)rc_hist_pct(&p->hist, 99) / 1000.0 : 0.0);
	rc_flush();
	p->sec_ok = p->sec_err = 0;
	rc_hist_init(&p->hist);
}

/* The steady part: operation i is due at i/rate seconds; one that is late
 * by more than a second (a timeout) moves the schedule, never a burst. */
static void
run_load(struct probe *p)
{
	uint64_t step = 1000000 / (uint64_t)p->f->rate, due, end;
	long long i;
	long sec = 0;

	p->t0 = rc_now_us();
	due = p->t0;
	end = p->t0 + (uint64_t)p->f->duration_s * 1000000;
	rc_hist_init(&p->hist);
	for (i = 0; i < 2 * p->maxseq - 2; i++) {
		uint64_t now = rc_now_us();
		if (now >= end)
			break;
		while ((long)((now - p->t0) / 1000000) > sec)
			second_row(p, sec++);
		if (now < due)
			rc_sleep_ms((int)((due - now) / 1000));
		else if (now > due + 1000000)
			due = now;
		one_op(p, i);
		due += step;
	}
	while (sec < p->f->duration_s)
		second_row(p, sec++);
}

/* A new handle with the patient timeout. The seed may be the master whose
 * death the probe just measured: then any node the probe knew will do. */
static void
reopen_patient(struct probe *p)
{
	int i, n = p->cl.nnodes;
	struct rc_addr *addrs = rc_calloc((size_t)n + 1, sizeof *addrs);

	for (i = 0; i < n; i++)
		addrs[i] = p->cl.nodes[i]->addr;
	rc_cluster_close(&p->cl);
	for (i = 0; i < n; i++) {
		if (rc_cluster_open(&p->cl, &p->f->o) == 0) {
			free(addrs);
			return;
		}
		rc_cluster_close(&p->cl);
		p->f->o.seed = addrs[i];
	}
	free(addrs);
	fo_open(p->f, &p->cl);
}

/* One batch of a group's keys (one slot: one MGET, one DEL), from
 * sequence number s in steps of ng: an acknowledged write whose key is not
 * there, or holds another number, is lost.  Unacknowledged writes may have
 * landed too, so every key of the batch is deleted. */
static void
read_batch(struct probe *p, long long s, long long *lost, long long *unread)
{
	const char *argv[READ_BATCH + 1];
	char keys[READ_BATCH][128];
	long long seqs[READ_BATCH];
	redisReply *r;
	int n = 0, i, slot;

	for (; s < p->maxseq && n < READ_BATCH; s += p->ng, n++) {
		key_at(p, s, keys[n], sizeof keys[n]);
		argv[n + 1] = keys[n];
		seqs[n] = s;
	}
	if (n == 0)
		return;
	slot = (int)rc_keyslot(keys[0], strlen(keys[0]));
	argv[0] = "MGET";
	r = rc_cluster_argv(&p->cl, slot, n + 1, argv, NULL);
	for (i = 0; i < n; i++) {
		if (!p->acked[seqs[i]])
			continue;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != (size_t)n)
			(*unread)++;
		else if (r->element[i]->type != REDIS_REPLY_STRING ||
		    strtoll(r->element[i]->str, NULL, 10) != seqs[i])
			(*lost)++;
	}
	freeReplyObject(r);
	argv[0] = "DEL";
	freeReplyObject(rc_cluster_argv(&p->cl, slot, n + 1, argv, NULL));
}

/* Every key the probe wrote, read back through a patient connection, a
 * batch at a time: at most rate x duration / 2 keys, in as many / 100
 * round trips. */
static void
read_back(struct probe *p, long long *lost, long long *unread, long long *acked)
{
	long long s;
	int gi;

	reopen_patient(p);
	*lost = *unread = *acked = 0;
	for (s = 1; s < p->maxseq; s++)
		*acked += p->acked[s];
	for (gi = 0; gi < p->ng; gi++) {
		long long first = gi == 0 ? p->ng : gi;
		for (s = first; s < p->maxseq; s += (long long)p->ng * READ_BATCH)
			read_batch(p, s, lost, unread);
	}
}

static void
summary(struct probe *p, long long lost, long long unread, long long acked)
{
	int i;

	rc_putf("ops\t%lld\n", p->ops);
	rc_putf("errors\t%lld\n", p->errors);
	rc_putf("availability\t%.3f\n",
	    p->ops ? 100.0 * (double)(p->ops - p->errors) / (double)p->ops : 0.0);
	for (i = 0; i < p->nw; i++) {
		rc_putf("window\t%.0f\t%.0f\t%.0f\t%s\t", p->w[i].start, p->w[i].end,
		    p->w[i].end - p->w[i].start, p->g[p->w[i].group].master);
		rc_put_field(p->w[i].err, strlen(p->w[i].err), 0);
		rc_putc('\n');
	}
	rc_putf("acked\t%lld\n", acked);
	rc_putf("lost\t%lld\n", lost);
	rc_putf("unread\t%lld\n", unread);
}

int
cmd_probe(void *ctx, int argc, char **argv)
{
	struct fo *f = ctx;
	struct probe p;
	struct rc_opts patient = f->o;
	long long lost, unread, acked;
	int i;

	(void)argc;
	(void)argv;
	memset(&p, 0, sizeof p);
	p.f = f;
	if (f->duration_s == 0)
		f->duration_s = 10;
	if (f->o.timeout_ms > PROBE_TIMEOUT_MS)
		f->o.timeout_ms = PROBE_TIMEOUT_MS;
	fo_open(f, &p.cl);
	p.cl.max_retries = 2;
	make_groups(&p);
	p.maxseq = (long long)f->rate * f->duration_s / 2 + 2;
	p.acked = rc_calloc((size_t)p.maxseq + 1, 1);
	if (f->o.header)
		rc_puts("#second\tok\terrors\tp99_ms\n");
	run_load(&p);
	/* Windows still open end now, before the patient read-back. */
	for (i = 0; i < p.ng; i++)
		close_window(&p, i, ms_now(&p));
	f->o = patient;
	read_back(&p, &lost, &unread, &acked);
	summary(&p, lost, unread, acked);
	rc_cluster_close(&p.cl);
	free(p.acked);
	free(p.g);
	free(p.w);
	return lost > 0 ? RC_EX_NO : RC_EX_OK;
}
