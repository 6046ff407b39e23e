/*
 * count.c - counting keys, per slot and per master, the way the options
 * say: exact live counts (CLUSTER COUNTKEYSINSLOT), a SCAN (with MATCH, to
 * the end or to a limit, then an estimate), or rc-slot's rows on stdin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dist.h"

#define SCAN_COUNT 10000        /* SCAN's COUNT: few round trips, short pauses */

/* The row of mc (n masters, then the unassigned slots) for node m. */
static int
mc_index(const struct mcount *mc, int n, const struct rc_node *m)
{
	int i;

	for (i = 0; i < n && mc[i].n != m; i++)
		;
	return i;
}

/* A COUNTKEYSINSLOT to ask: slot s of master mc[m]. */
struct ask {
	int slot, m;
};

/* count_live's tally. */
struct live {
	struct mcount *mc;
	int n;
	int *failed;                /* a master that failed a count */
	long long *held;            /* keys each master was found to hold */
	struct rc_open *op;         /* the open slots */
	int nop;
	struct rc_node **side;      /* each open slot's source and target */
	char *isopen;               /* slot -> 1 when it is open */
};

/* The masters that may hold keys of slot s, into who (deduplicated): its
 * owner, each side of a migration of it that says it has the slot open (a
 * node that does not is never sent there: its keys of it are strays, as
 * rc-reshard check calls them), or, when no master owns it, every master
 * (keys left behind by CLUSTER DELSLOTS). */
static int
holders(const struct live *l, int s, struct rc_node *owner, int *who)
{
	int i, k = 0, j, c, q;

	if (owner == NULL)
		for (i = 0; i < l->n; i++)
			who[k++] = i;
	else if ((c = mc_index(l->mc, l->n, owner)) < l->n)
		who[k++] = c;
	for (i = 0; l->isopen[s] && i < l->nop; i++) {
		for (j = 0; l->op[i].slot == s && j < 2; j++) {
			if (!(j == 0 ? l->op[i].migrating : l->op[i].importing))
				continue;
			c = mc_index(l->mc, l->n, l->side[2 * i + j]);
			for (q = 0; q < k && who[q] != c; q++)
				;
			if (c < l->n && q == k)
				who[k++] = c;
		}
	}
	return k;
}

/* Asks the counts of q[0..nq), all at once, and adds them up: a slot's keys
 * count for the master that holds them, or for the unassigned row.  Returns
 * each count (-1: failed), for the caller to free. */
static long long *
ask_counts(struct dist *d, struct live *l, const struct ask *q, int nq)
{
	struct rc_pipe *p = rc_pipe_new(&d->cl);
	long long *got = rc_calloc((size_t)nq + 1, sizeof *got);
	int i;

	for (i = 0; i < nq; i++) {
		char slot[16];
		snprintf(slot, sizeof slot, "%d", q[i].slot);
		rc_pipe_node_cmdv(p, l->mc[q[i].m].n, "CLUSTER", "COUNTKEYSINSLOT", slot,
		    NULL);
	}
	rc_pipe_exec(p);
	for (i = 0; i < nq; i++) {
		redisReply *r = rc_pipe_reply(p, (size_t)i);
		struct mcount *row = d->cl.owner[q[i].slot] == NULL ?
		    &l->mc[l->n] : &l->mc[q[i].m];
		long long *sk = &d->slotkeys[q[i].slot];

		if (r != NULL && r->type == REDIS_REPLY_INTEGER) {
			got[i] = r->integer;
			l->held[q[i].m] += r->integer;
			if (*sk >= 0)
				*sk += r->integer;
			if (row->keys >= 0)
				row->keys += r->integer;
			continue;
		}
		got[i] = -1;
		if (r != NULL && r->type == REDIS_REPLY_ERROR)
			l->mc[q[i].m].refused = rc_refusal(r->str);
		if (!l->failed[q[i].m])
			node_failed(d, l->mc[q[i].m].n, r);
		l->failed[q[i].m] = 1;
		l->mc[q[i].m].keys = row->keys = *sk = -1;
	}
	rc_pipe_free(p);
	return got;
}

static void
add_ask(struct ask **q, int *nq, int slot, int m)
{
	*q = rc_realloc(*q, (size_t)(*nq + 1) * sizeof **q);
	(*q)[*nq].slot = slot;
	(*q)[(*nq)++].m = m;
}

/* The keys master i holds in slots it neither owns nor has open (left
 * behind by a move that did not finish), found by the scan rc-reshard check
 * uses (rc_node_strays: asked only when its DBSIZE says there are more keys
 * than its slots hold), counted for it, and named. */
static void
strays_of(struct dist *d, struct live *l, int i, int *who)
{
	unsigned char *its = rc_calloc(RC_NSLOTS, 1);
	long *keys = rc_calloc(RC_NSLOTS, sizeof *keys);
	struct rc_range *rg = NULL;
	struct mcount *m = &l->mc[i];
	long long stray;
	char a[300], buf[1024], err[512];
	int s, k, nw, nr = 0;

	for (s = 0; s < RC_NSLOTS; s++) {
		nw = holders(l, s, d->cl.owner[s], who);
		for (k = 0; k < nw && who[k] != i; k++)
			;
		its[s] = k < nw;
	}
	if ((stray = rc_node_strays(&d->cl, m->n, its, l->held[i], keys, err,
	    sizeof err)) < 0) {
		m->refused = rc_refusal(err);
		node_failed_why(d, m->n, err);
		m->keys = -1;
	}
	for (s = 0; s < RC_NSLOTS; s++) {
		if (keys[s] == 0)
			continue;
		if (keys[s] < 0) {
			d->slotkeys[s] = -1;
			continue;
		}
		if (d->slotkeys[s] >= 0)
			d->slotkeys[s] += keys[s];
		rc_ranges_add(&rg, &nr, s);
	}
	if (stray > 0) {
		m->keys += stray;
		note(d, "%s holds %lld keys of slots it does not own: %s (counted "
		    "for it)", addr_of(m->n, a, sizeof a), stray,
		    rc_ranges_fmt(rg, nr, buf, sizeof buf));
	}
	free(rg);
	free(keys);
	free(its);
}

/* The masters holding keys of slots no master owns (counted for the
 * unassigned row), named with those slots: rc-reshard check calls them
 * stranded.  got[k] is what q[k] found. */
static void
name_unowned(struct dist *d, const struct live *l, const struct ask *q, int nq,
    const long long *got)
{
	char a[300], buf[1024];
	int i, k;

	for (i = 0; i < l->n; i++) {
		struct rc_range *rg = NULL;
		long long held = 0;
		int nr = 0;

		for (k = 0; k < nq; k++)
			if (q[k].m == i && d->cl.owner[q[k].slot] == NULL && got[k] > 0) {
				held += got[k];
				rc_ranges_add(&rg, &nr, q[k].slot);
			}
		if (held > 0)
			note(d, "%s holds %lld keys of slots no master owns: %s",
			    addr_of(l->mc[i].n, a, sizeof a), held,
			    rc_ranges_fmt(rg, nr, buf, sizeof buf));
		free(rg);
	}
}

/* Keys a master holds in slots it neither owns nor has open, of every
 * master that answered so far. */
static void
count_strays(struct dist *d, struct live *l)
{
	int *who = rc_malloc(((size_t)l->n + 1) * sizeof *who);
	int i;

	/* Masters that failed already are not waited for again. */
	for (i = 0; i < l->n; i++)
		if (l->mc[i].keys >= 0)
			strays_of(d, l, i, who);
	free(who);
}

/* The masters' open slots, named, with the nodes on either side; ans[i]
 * says whether master i answered (one that did not has no count). */
static void
live_open(struct dist *d, struct live *l, int *ans)
{
	struct rc_node **v = rc_calloc((size_t)l->n + 1, sizeof *v);
	struct rc_open *op;
	int i;

	for (i = 0; i < l->n; i++)
		v[i] = l->mc[i].n;
	l->nop = open_slots(d, v, l->n, ans, &op);
	l->op = op;
	l->side = rc_calloc((size_t)l->nop * 2 + 1, sizeof *l->side);
	l->isopen = rc_calloc(RC_NSLOTS, 1);
	for (i = 0; i < l->n; i++) {
		free(open_note(d, v[i], op, l->nop));
		l->mc[i].keys = ans[i] ? 0 : -1;
		l->mc[i].refused = ans[i] ? RC_REFUSED_NONE : rc_refusal(v[i]->err);
	}
	for (i = 0; i < l->nop; i++) {
		l->isopen[op[i].slot] = 1;
		l->side[2 * i] = rc_cluster_by_id(&d->cl, op[i].src);
		l->side[2 * i + 1] = rc_cluster_by_id(&d->cl, op[i].dst);
	}
	if (l->nop > 0)
		note(d, "the keys of an open slot are counted for the node that "
		    "holds them");
	free(v);
}

/* Exact live counts: CLUSTER COUNTKEYSINSLOT for every slot, sent to its
 * owner, all masters at once.  A slot being migrated is asked of both sides
 * and its keys count for the node that holds them; a slot no master owns is
 * asked of every master and counts for the unassigned row; keys a master
 * holds in other slots are found by count_strays. */
static void
count_live(struct dist *d, struct mcount *mc, int n)
{
	struct live l;
	struct ask *q = NULL;
	int *ans = rc_calloc((size_t)n + 1, sizeof *ans);
	int *who = rc_malloc(((size_t)n + 1) * sizeof *who);
	long long *got;
	int s, k, nq = 0;

	memset(&l, 0, sizeof l);
	l.mc = mc;
	l.n = n;
	l.failed = rc_calloc((size_t)n + 1, sizeof *l.failed);
	l.held = rc_calloc((size_t)n + 1, sizeof *l.held);
	live_open(d, &l, ans);
	mc[n].keys = 0;
	for (s = 0; s < RC_NSLOTS; s++) {
		int nw = holders(&l, s, d->cl.owner[s], who);

		d->slotkeys[s] = 0;
		for (k = 0; k < nw; k++) {
			if (ans[who[k]]) {
				add_ask(&q, &nq, s, who[k]);
				continue;
			}
			/* It did not answer CLUSTER NODES: not asked again. */
			d->slotkeys[s] = -1;
			if (d->cl.owner[s] == NULL)
				mc[n].keys = -1;
		}
	}
	got = ask_counts(d, &l, q, nq);
	name_unowned(d, &l, q, nq, got);
	free(got);
	count_strays(d, &l);
	free(q);
	free(l.op);
	free(l.side);
	free(l.isopen);
	free(l.failed);
	free(l.held);
	free(ans);
	free(who);
}

/* One master's SCAN. */
struct scan {
	char cursor[32];
	int active;                 /* still scanning */
	int done;                   /* scanned to the end */
	long long dbsize;           /* with a limit: its DBSIZE */
	long long found;            /* keys SCAN returned */
	long long unowned;          /* of them, keys of slots no master owns */
	double visited;             /* keys SCAN went over (about, with MATCH) */
	long count;                 /* this round's COUNT */
};

/* With a limit: every master's DBSIZE, all at once. */
static void
scan_sizes(struct dist *d, struct mcount *mc, int n, struct scan *sc)
{
	struct rc_pipe *p = rc_pipe_new(&d->cl);
	int i;

	for (i = 0; i < n; i++)
		rc_pipe_node_cmdv(p, mc[i].n, "DBSIZE", NULL);
	rc_pipe_exec(p);
	for (i = 0; i < n; i++) {
		redisReply *r = rc_pipe_reply(p, (size_t)i);

		if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
			node_failed(d, mc[i].n, r);
			mc[i].keys = -1;
			sc[i].active = 0;
			continue;
		}
		sc[i].dbsize = r->integer;
		if (r->integer == 0) {
			sc[i].active = 0;
			sc[i].done = 1;
		}
	}
	rc_pipe_free(p);
}

/* With a limit, this round's COUNT for each master: the same share of every
 * master's keys (SCAN's COUNT is about how many keys it goes over), a share
 * that should find the keys still wanted at the rate found so far. */
static void
scan_counts(struct dist *d, struct scan *sc, int n, long long total)
{
	double seen = 0, keys = 0, most = 1, rate, share;
	int i;

	for (i = 0; i < n; i++) {
		seen += sc[i].visited;
		if (!sc[i].active)
			continue;
		keys += (double)sc[i].dbsize;
		if ((double)sc[i].dbsize > most)
			most = (double)sc[i].dbsize;
	}
	rate = seen > 0 ? (double)total / seen : 1;
	share = rate > 0 && keys > 0 ? (double)(d->limit - total) / rate / keys : 1;
	if (share > (double)SCAN_COUNT / most)
		share = (double)SCAN_COUNT / most;
	for (i = 0; i < n; i++) {
		sc[i].count = (long)(share * (double)sc[i].dbsize + 0.999);
		if (sc[i].count < 1)
			sc[i].count = 1;
	}
}

/* Takes one SCAN reply of master m: its keys counted per slot, its cursor
 * kept.  Returns 1 while the master has more to scan, 0 when it is done,
 * -1 when it failed (named, its count unknown). */
static int
scan_reply(struct dist *d, struct mcount *m, struct scan *s, const redisReply *r,
    long long *total)
{
	const redisReply *ks;
	size_t j;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_ARRAY) {
		node_failed(d, m->n, r);
		s->active = 0;
		m->keys = -1;
		return -1;
	}
	ks = r->element[1];
	for (j = 0; j < ks->elements; j++) {
		const redisReply *k = ks->element[j];
		unsigned slot;
		if (k->type != REDIS_REPLY_STRING)
			continue;
		slot = rc_keyslot(k->str, k->len);
		d->slotkeys[slot]++;
		s->unowned += d->cl.owner[slot] == NULL;
		s->found++;
		(*total)++;
	}
	/* SCAN's COUNT is the keys it goes over; without MATCH it returns
	 * them all. */
	s->visited += d->match != NULL ? (double)s->count : (double)ks->elements;
	snprintf(s->cursor, sizeof s->cursor, "%.*s", (int)r->element[0]->len,
	    r->element[0]->str);
	if (strcmp(s->cursor, "0") != 0)
		return 1;
	s->active = 0;
	s->done = 1;
	s->visited = (double)s->dbsize;
	return 0;
}

/* One SCAN call on every master still scanning, all at once.  Returns how
 * many masters are still scanning. */
static int
scan_round(struct dist *d, struct mcount *mc, int n, struct scan *sc,
    struct rc_pipe *p, long long *total)
{
	int *which = rc_calloc((size_t)n + 1, sizeof *which);
	int i, w, nw = 0, active = 0;
	char count[32];

	if (d->limit > 0)
		scan_counts(d, sc, n, *total);
	rc_pipe_reset(p);
	for (i = 0; i < n; i++) {
		if (!sc[i].active)
			continue;
		snprintf(count, sizeof count, "%ld", d->limit > 0 ? sc[i].count :
		    (long)SCAN_COUNT);
		if (d->match != NULL)
			rc_pipe_node_cmdv(p, mc[i].n, "SCAN", sc[i].cursor, "MATCH",
			    d->match, "COUNT", count, NULL);
		else
			rc_pipe_node_cmdv(p, mc[i].n, "SCAN", sc[i].cursor, "COUNT", count,
			    NULL);
		which[nw++] = i;
	}
	rc_pipe_exec(p);
	for (w = 0; w < nw; w++)
		active += scan_reply(d, &mc[which[w]], &sc[which[w]],
		    rc_pipe_reply(p, (size_t)w), total) > 0;
	free(which);
	return active;
}

/* Each master's count from what its SCAN found: with a limit, the keys
 * found divided by the share of its keys gone over, an estimate. */
static void
scan_estimate(struct dist *d, struct mcount *mc, int n, const struct scan *sc,
    long long total)
{
	double seen = 0, keys = 0, unowned = 0;
	int i;

	for (i = 0; i < n; i++) {
		double share = 1;

		if (mc[i].keys < 0)
			continue;
		if (d->limit > 0 && !sc[i].done) {
			share = sc[i].visited / (double)sc[i].dbsize;
			if (share > 1)
				share = 1;
			if (share < 1)
				d->estimated = 1;
		}
		seen += sc[i].visited;
		keys += (double)sc[i].dbsize;
		mc[i].keys = (long long)((double)(sc[i].found - sc[i].unowned) /
		    share + 0.5);
		unowned += (double)sc[i].unowned / share;
	}
	mc[n].keys = (long long)(unowned + 0.5);
	d->found = total;
	d->share = keys > 0 ? seen / keys : 1;
}

/* SCAN [MATCH pattern] on every master, one call per master per round, all
 * masters at once.  Without a limit every master is scanned to the end:
 * exact counts.  With one, each round goes over the same share of every
 * master's keys until the limit is found; a master's count is then an
 * estimate (scan_estimate). */
static void
count_scan(struct dist *d, struct mcount *mc, int n)
{
	struct scan *sc = rc_calloc((size_t)n + 1, sizeof *sc);
	struct rc_pipe *p = rc_pipe_new(&d->cl);
	long long total = 0;
	int i, active = 0;

	for (i = 0; i < RC_NSLOTS; i++)
		d->slotkeys[i] = 0;
	for (i = 0; i < n; i++) {
		snprintf(sc[i].cursor, sizeof sc[i].cursor, "0");
		sc[i].active = 1;
		mc[i].keys = 0;
	}
	if (d->limit > 0)
		scan_sizes(d, mc, n, sc);
	for (i = 0; i < n; i++)
		active += sc[i].active;
	while (active > 0 && (d->limit <= 0 || total < d->limit))
		active = scan_round(d, mc, n, sc, p, &total);
	scan_estimate(d, mc, n, sc, total);
	rc_pipe_free(p);
	free(sc);
}

/* rc-slot's rows (key<TAB>slot...) from stdin: counted per slot. */
static void
count_stdin(struct dist *d)
{
	struct rc_reader in, *r = &in;
	struct rc_field f[3];
	ssize_t len;
	size_t bad;
	char *line;
	int s;

	for (s = 0; s < RC_NSLOTS; s++)
		d->slotkeys[s] = 0;
	rc_reader_init(r, STDIN_FILENO, "<stdin>");
	while ((len = rc_reader_line(r, &line)) >= 0) {
		const char *p;
		long v = 0;
		int nf;

		if (rc_tsv_skip(line, (size_t)len))
			continue;
		nf = rc_tsv_split(line, (size_t)len, f, 3);
		if (nf < 2)
			rc_die_at(r->name, r->lineno,
			    "expected key<TAB>slot (rc-slot's rows), got no slot field: "
			    "pipe the keys through rc-slot");
		/* The key is not needed, but a malformed one is refused as
		 * every TSV reader refuses it: the input is not what it says. */
		if (rc_tsv_unescape(f[0].s, f[0].len, &bad) < 0)
			rc_die_at(r->name, r->lineno, "malformed escape '\\%c' in the key "
			    "(use \\t \\n \\r \\\\ \\#)",
			    bad + 1 < f[0].len ? f[0].s[bad + 1] : ' ');
		for (p = f[1].s; *p >= '0' && *p <= '9' && v < RC_NSLOTS; p++)
			v = v * 10 + (*p - '0');
		if (f[1].len == 0 || f[1].len > 5 || *p != '\0' || v >= RC_NSLOTS)
			rc_die_at(r->name, r->lineno,
			    "slot '%.20s' is not a number in 0..16383", f[1].s);
		d->slotkeys[v]++;
	}
	rc_reader_free(r);
}

/* Counts keys (the way the options say) into d->slotkeys and per master.
 * Returns the array of masters (sorted), the unassigned slots last. */
struct mcount *
count_keys(struct dist *d, int *np)
{
	struct rc_node **v;
	struct mcount *mc;
	int n, i, s;

	connect_cluster(d);
	v = sorted_nodes(d, 1, &n);
	mc = rc_calloc((size_t)n + 1, sizeof *mc);
	for (i = 0; i < n; i++) {
		mc[i].n = v[i];
		mc[i].nslots = v[i]->nslots;
	}
	mc[n].n = NULL;
	for (s = 0; s < RC_NSLOTS; s++)
		mc[n].nslots += d->cl.owner[s] == NULL;
	free(v);
	if (d->slotkeys == NULL)
		d->slotkeys = rc_calloc(RC_NSLOTS, sizeof *d->slotkeys);
	d->estimated = 0;
	if (d->stdin_src) {
		/* rc-slot's rows: each key for the owner of its slot. */
		count_stdin(d);
		for (s = 0; s < RC_NSLOTS; s++)
			mc[mc_index(mc, n, d->cl.owner[s])].keys += d->slotkeys[s];
	} else if (d->match != NULL || d->limit_set)
		count_scan(d, mc, n);
	else
		count_live(d, mc, n);
	*np = n;
	return mc;
}

