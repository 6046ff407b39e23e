/*
 * slotstat.c - CLUSTER SLOT-STATS of the masters: keys, cpu time and
 * network bytes per slot, where the server keeps them.
 *
 * Each master answers for the slots it owns.  key-count is always there;
 * cpu-usec and network-bytes-in/-out only while the node's
 * cluster-slot-stats-enabled is yes (Valkey's default is no), so a master
 * that answers without them is counted as "off", for the tools to say so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

int
rc_slot_stats_parse(const redisReply *r, struct rc_slotstat *slot, int *cpu)
{
	size_t j, k;
	int named = 0;

	*cpu = 0;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		return -1;
	/* [[slot, [name, value, ...]], ...] (a map in RESP3 is read the same) */
	for (j = 0; j < r->elements; j++) {
		const redisReply *e = r->element[j], *f;
		struct rc_slotstat *ss;
		int s;

		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
		    e->element[0]->type != REDIS_REPLY_INTEGER)
			return -1;
		s = (int)e->element[0]->integer;
		f = e->element[1];
		if (s < 0 || s >= RC_NSLOTS || f->elements % 2 != 0)
			return -1;
		ss = &slot[s];
		named++;
		for (k = 0; k + 1 < f->elements; k += 2) {
			const redisReply *name = f->element[k], *val = f->element[k + 1];
			if (name->type != REDIS_REPLY_STRING || val->type != REDIS_REPLY_INTEGER)
				continue;
			if (strcmp(name->str, "key-count") == 0)
				ss->keys = val->integer;
			else if (strcmp(name->str, "cpu-usec") == 0) {
				ss->cpu = val->integer;
				*cpu = 1;
			} else if (strcmp(name->str, "network-bytes-in") == 0)
				ss->in = val->integer;
			else if (strcmp(name->str, "network-bytes-out") == 0)
				ss->out = val->integer;
		}
	}
	return named;
}

/* A master that could not be asked (n->err names it and says why), or
 * whose reply was refused or malformed (why). */
static void
failed(struct rc_slotstats *st, struct rc_node *n, const char *why)
{
	char a[300];

	if (st->failed++ > 0)
		return;
	if (why == NULL)
		snprintf(st->err, sizeof st->err, "%s", n->err);
	else
		snprintf(st->err, sizeof st->err, "%s: CLUSTER SLOT-STATS: %.200s",
		    rc_node_addr(n, a, sizeof a), why);
}

void
rc_slot_stats(struct rc_cluster *cl, struct rc_node **m, int n, struct rc_slotstats *st)
{
	struct rc_pipe *p = rc_pipe_new(cl);
	struct rc_node **asked = rc_calloc((size_t)n + 1, sizeof *asked);
	int i, k = 0, s, cpu;

	memset(st, 0, sizeof *st);
	st->slot = rc_malloc(RC_NSLOTS * sizeof *st->slot);
	for (s = 0; s < RC_NSLOTS; s++)
		st->slot[s].keys = st->slot[s].cpu = st->slot[s].in = st->slot[s].out = -1;
	st->asked = n;
	for (i = 0; i < n; i++) {
		/* A master that did not answer this round is not waited for
		 * again (its caller has named it). */
		if (m[i]->down)
			continue;
		switch (rc_node_has(cl, m[i], RC_FEAT_SLOT_STATS)) {
		case 1:
			asked[k++] = m[i];
			rc_pipe_node_cmdv(p, m[i], "CLUSTER", "SLOT-STATS", "SLOTSRANGE", "0",
			    "16383", NULL);
			break;
		case 0:
			if (st->without++ == 0)
				st->first_without = m[i];
			break;
		default:
			failed(st, m[i], NULL);
		}
	}
	if (k > 0)
		rc_pipe_exec(p);
	for (i = 0; i < k; i++) {
		redisReply *r = rc_pipe_reply(p, (size_t)i);
		int named = rc_slot_stats_parse(r, st->slot, &cpu);

		if (named < 0) {
			failed(st, asked[i], r != NULL && r->type == REDIS_REPLY_ERROR ?
			    r->str : "unexpected reply");
			continue;
		}
		st->with++;
		/* A master without slots says nothing either way. */
		if (named > 0 && !cpu && st->off++ == 0)
			st->first_off = asked[i];
	}
	rc_pipe_free(p);
	free(asked);
}

const char *
rc_slot_stats_gaps(struct rc_cluster *cl, const struct rc_slotstats *st, char *buf,
    size_t n)
{
	char a[300], sv[64];
	size_t len = 0;

	buf[0] = '\0';
	if (st->without > 0)
		len += (size_t)snprintf(buf, n, "%d of %d masters (%s, %s) have no CLUSTER "
		    "SLOT-STATS (Valkey 8.0 and Redis 8.2 have it)", st->without, st->asked,
		    rc_node_addr(st->first_without, a, sizeof a),
		    rc_server_fmt(rc_node_server(cl, st->first_without), sv, sizeof sv));
	if (st->off > 0 && len < n)
		len += (size_t)snprintf(buf + len, n - len, "%sper-slot cpu and network "
		    "statistics are off on %d of %d masters (%s): '%s' on every master "
		    "turns them on, counted from then", len ? "; " : "", st->off, st->asked,
		    rc_node_addr(st->first_off, a, sizeof a), RC_SLOT_STATS_ON);
	if (st->failed > 0 && len < n)
		snprintf(buf + len, n - len, "%s%s", len ? "; " : "", st->err);
	return buf;
}

void
rc_slot_stats_free(struct rc_slotstats *st)
{
	free(st->slot);
	st->slot = NULL;
}
