/*
 * split.c - :split on: MGET, MSET, DEL, EXISTS, UNLINK and TOUCH over keys
 * of several slots become one command per slot, sent together, and their
 * replies are merged the way cluster clients merge them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repl.h"

/* A command's keys grouped by slot, in the order each slot first comes. */
struct split {
	int kind;               /* SP_* */
	int step;               /* words per key: 2 for MSET (key value) */
	int nk;                 /* keys */
	int ng;                 /* slots, one group each */
	int *grp;               /* key -> its group */
	int *gslot;             /* group -> its slot */
};

int
split_kind(const struct rc_args *a)
{
	if (is_cmd(a, 0, "MGET"))
		return a->argc > 2 ? SP_MGET : SP_NONE;
	if (is_cmd(a, 0, "MSET"))
		return a->argc > 3 && a->argc % 2 == 1 ? SP_MSET : SP_NONE;
	if (is_cmd(a, 0, "DEL") || is_cmd(a, 0, "EXISTS") || is_cmd(a, 0, "UNLINK") ||
	    is_cmd(a, 0, "TOUCH"))
		return a->argc > 2 ? SP_SUM : SP_NONE;
	return SP_NONE;
}

static void
group(struct split *sp, const struct rc_args *a, int kind)
{
	int i, g;

	sp->kind = kind;
	sp->step = kind == SP_MSET ? 2 : 1;
	sp->nk = (a->argc - 1) / sp->step;
	sp->ng = 0;
	sp->grp = rc_calloc((size_t)sp->nk, sizeof *sp->grp);
	sp->gslot = rc_calloc((size_t)sp->nk, sizeof *sp->gslot);
	for (i = 0; i < sp->nk; i++) {
		int k = 1 + i * sp->step;
		int slot = (int)rc_keyslot(a->argv[k], a->argvlen[k]);
		for (g = 0; g < sp->ng && sp->gslot[g] != slot; g++)
			;
		if (g == sp->ng)
			sp->gslot[sp->ng++] = slot;
		sp->grp[i] = g;
	}
}

/* The masters that own the groups' slots, in nodes[]; how many. */
static int
count_nodes(struct repl *r, const struct split *sp, struct rc_node **nodes)
{
	int g, i, n = 0;

	for (g = 0; g < sp->ng; g++) {
		struct rc_node *o = rc_cluster_owner(&r->cl, sp->gslot[g]);
		for (i = 0; i < n && nodes[i] != o; i++)
			;
		if (i == n)
			nodes[n++] = o;
	}
	return n;
}

/* Queues one command per group: the command's name and the group's keys
 * (with their values for MSET), in the order they were given. */
static void
queue_groups(struct rc_pipe *p, const struct split *sp, const struct rc_args *a)
{
	const char **sv = rc_calloc((size_t)a->argc, sizeof *sv);
	size_t *sl = rc_calloc((size_t)a->argc, sizeof *sl);
	int g, i, j;

	for (g = 0; g < sp->ng; g++) {
		int c = 1;
		sv[0] = a->argv[0];
		sl[0] = a->argvlen[0];
		for (i = 0; i < sp->nk; i++) {
			if (sp->grp[i] != g)
				continue;
			for (j = 1; j <= sp->step; j++) {
				sv[c] = a->argv[i * sp->step + j];
				sl[c++] = a->argvlen[i * sp->step + j];
			}
		}
		rc_pipe_argv(p, sp->gslot[g], c, sv, sl);
	}
	free(sv);
	free(sl);
}

/* Shows the parts' replies as one: the first error; else MGET's values in
 * the order of the keys, MSET's OK, or the others' counts added up.
 * Returns 0 for an error. */
static int
show_merged(struct repl *r, const struct split *sp, struct rc_pipe *p)
{
	redisReply merged, **el = NULL;
	long long sum = 0;
	int g, i, *next;

	for (g = 0; g < sp->ng; g++) {
		redisReply *x = rc_pipe_reply(p, (size_t)g);
		if (x->type == REDIS_REPLY_ERROR) {
			show(r, x, r->line);
			return 0;
		}
		if (x->type == REDIS_REPLY_INTEGER)
			sum += x->integer;
	}
	memset(&merged, 0, sizeof merged);
	if (sp->kind == SP_MGET) {
		next = rc_calloc((size_t)sp->ng, sizeof *next);
		el = rc_calloc((size_t)sp->nk, sizeof *el);
		for (i = 0; i < sp->nk; i++) {
			int gi = sp->grp[i];
			redisReply *x = rc_pipe_reply(p, (size_t)gi);
			el[i] = (size_t)next[gi] < x->elements ? x->element[next[gi]++] : NULL;
		}
		free(next);
		merged.type = REDIS_REPLY_ARRAY;
		merged.elements = (size_t)sp->nk;
		merged.element = el;
	} else if (sp->kind == SP_MSET) {
		merged.type = REDIS_REPLY_STATUS;
		merged.str = (char *)"OK";
		merged.len = 2;
	} else {
		merged.type = REDIS_REPLY_INTEGER;
		merged.integer = sum;
	}
	show(r, &merged, r->line);
	free(el);
	return 1;
}

int
run_split(struct repl *r, struct rc_args *a, int kind)
{
	struct rc_node **nodes;
	struct split sp;
	struct rc_pipe *p;
	char msg[200];
	int n, nnodes;

	group(&sp, a, kind);
	if (sp.ng < 2) {
		free(sp.grp), free(sp.gslot);
		return 0;
	}
	nodes = rc_calloc((size_t)sp.ng, sizeof *nodes);
	p = rc_pipe_new(&r->cl);
	trace_begin(r, NULL);
	queue_groups(p, &sp, a);
	rc_pipe_exec(p);
	trace_end(r);
	nnodes = count_nodes(r, &sp, nodes);    /* as MOVED left the table */
	n = snprintf(msg, sizeof msg, "-> split: %d keys in %d slots on %d node%s, replies merged\n",
	    sp.nk, sp.ng, nnodes, nnodes == 1 ? "" : "s");
	note(msg, (size_t)n);
	/* The write went to every one of them: WAIT asks them all. */
	if (show_merged(r, &sp, p) && is_write(a, sp.gslot[0]))
		wrote_on(r, nodes, nnodes);
	rc_pipe_free(p);
	free(nodes);
	free(sp.grp), free(sp.gslot);
	return 1;
}
