/*
 * events.c - events: create-event, events (every event on every master, by
 * SCAN), seat-map and availability (both release expired holds first).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seats.h"

int
cmd_create(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	struct seatopts *a = &c->a;
	struct evkeys k;
	struct call call;
	struct answer an;
	const char *w, *node;
	char id[80], addr[300], rows[16], per[16], hold[16], price[32], ret[16];
	long nrows, nper, nhold, nret;
	int tries;

	(void)argc, (void)argv;
	text_arg(a->name, "--name", 1);
	nrows = num_arg(a->rows, "--rows", 1, MAX_ROWS);
	nper = num_arg(a->seats, "--seats", 1, MAX_PER_ROW);
	if (nrows * nper > MAX_SEATS)
		rc_die(RC_EX_USAGE, "%ld rows of %ld seats is %ld seats: at most %d in one event",
		    nrows, nper, nrows * nper, MAX_SEATS);
	price_arg(a->price, price, sizeof price);
	nhold = a->hold ? num_arg(a->hold, "--hold", 1, 86400) : 300;
	nret = a->retention ? num_arg(a->retention, "--retention", 1, 30 * 86400) :
	    DEFAULT_RETENTION;
	if (a->id != NULL && !valid_event_id(a->id))
		rc_die(RC_EX_USAGE, "--id '%s' is not an event id (letters, digits, '_' and '-', at most 64)",
		    a->id);
	snprintf(rows, sizeof rows, "%ld", nrows);
	snprintf(per, sizeof per, "%ld", nper);
	snprintf(hold, sizeof hold, "%ld", nhold);
	snprintf(ret, sizeof ret, "%ld", nret);
	for (tries = 0; ; tries++) {
		if (a->id != NULL)
			snprintf(id, sizeof id, "%s", a->id);
		else
			random_hex(id, 8);
		evkeys_init(&k, id);
		call_init(&call, S_CREATE, &k);
		call.once = 1;  /* a second try would find the first's event */
		call_arg(&call, a->name);
		call_arg(&call, rows);
		call_arg(&call, per);
		call_arg(&call, price);
		call_arg(&call, hold);
		call_arg(&call, ret);
		run(c, &call, 0, &an);
		w = must_word(&an, "create-event", NULL, NULL);
		if (strcmp(w, "OK") == 0)
			break;
		if (a->id != NULL)
			rc_die(RC_EX_NO, "event '%s' already exists", id);
		answer_free(&an);
		if (tries > 10)
			rc_die(RC_EX_CLUSTER, "cannot find a free event id");
	}
	answer_free(&an);
	node = owner_addr(c, k.slot, addr, sizeof addr);
	rc_done("event %s created (slot %d, %s)", id, k.slot, node);
	header(c, "id\tslot\tnode");
	rc_putf("%s\t%d\t%s\n", id, k.slot, node);
	return RC_EX_OK;
}

struct evrow {
	char id[80];
	char *name;
	long total, avail;
	int slot;
	char node[300];
};

static int
evrow_cmp(const void *x, const void *y)
{
	return strcmp(((const struct evrow *)x)->id, ((const struct evrow *)y)->id);
}

/* One master's event ids, by SCAN, added to *ids.  NULL, or the reply
 * that stopped the scan (the caller frees *p). */
static redisReply *
scan_node(struct ctx *c, struct rc_node *nd, char ***ids, size_t *n, struct rc_pipe **p)
{
	char cursor[32] = "0";

	do {
		redisReply *r;
		size_t j;
		*p = rc_pipe_new(&c->cl);
		rc_pipe_node_cmdv(*p, nd, "SCAN", cursor, "MATCH", "{event:*}:meta", "COUNT",
		    "1000", NULL);
		rc_pipe_exec(*p);
		r = rc_pipe_reply(*p, 0);
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[1]->type != REDIS_REPLY_ARRAY)
			return r;
		snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
		for (j = 0; j < r->element[1]->elements; j++) {
			const char *key = r->element[1]->element[j]->str;
			const char *end = strstr(key, "}:meta");
			if (strncmp(key, "{event:", 7) != 0 || end == NULL ||
			    strcmp(end, "}:meta") != 0)
				continue;
			*ids = rc_realloc(*ids, (*n + 1) * sizeof **ids);
			(*ids)[(*n)++] = rc_strndup(key + 7, (size_t)(end - key - 7));
		}
		rc_pipe_free(*p);
		*p = NULL;
	} while (strcmp(cursor, "0") != 0);
	return NULL;
}

/* Every event's id, from a SCAN of every master.  A master that fails
 * mid-scan (killed, failing over) starts the whole scan again on a fresh
 * view, within --retry, as every command's retry path does; what names the
 * command in a message. */
char **
scan_events(struct ctx *c, size_t *count, const char *what)
{
	char **ids = NULL, msg[64];
	size_t n = 0, i;
	double deadline;
	int k, backoff = 50;

	cluster_open(c);
	deadline = rc_now() + c->retry_s;
	snprintf(msg, sizeof msg, "%s: SCAN", what);
	for (k = 0; k < c->cl.nnodes; k++) {
		struct rc_node *nd = c->cl.nodes[k];
		struct rc_pipe *p = NULL;
		redisReply *r;
		if (!rc_node_is_master(nd) || nd->nslots == 0)
			continue;
		if ((r = scan_node(c, nd, &ids, &n, &p)) == NULL)
			continue;
		/* A SCAN error is not a redirect: a failed node is worth a
		 * retry as a lost connection is. */
		if (rc_reply_kind(r) != RC_K_IOERR && !worth_retry(r))
			die_reply(r, msg);
		c->cl.stale = 1;
		if (!retry_wait(c, r, deadline, &backoff))
			die_reply(r, msg);
		rc_pipe_free(p);
		for (i = 0; i < n; i++)
			free(ids[i]);
		n = 0;
		k = -1;
	}
	*count = n;
	return ids;
}

static const char *
meta_key(const char *id, char *buf, size_t n)
{
	snprintf(buf, n, "{event:%s}:meta", id);
	return buf;
}

/* The events as an aligned table (-p, a terminal) or TSV. */
static void
print_events(struct ctx *c, const struct evrow *rows, size_t m)
{
	struct rc_table *t;
	size_t i;

	if (!c->o.pretty) {
		header(c, "id\tname\tseats\tavailable\tslot\tnode");
		for (i = 0; i < m; i++) {
			rc_put_field(rows[i].id, strlen(rows[i].id), 1);
			rc_putc('\t');
			rc_put_field(rows[i].name, strlen(rows[i].name), 0);
			rc_putf("\t%ld\t%ld\t%d\t%s\n", rows[i].total, rows[i].avail,
			    rows[i].slot, rows[i].node);
		}
		return;
	}
	t = rc_table_new(6);
	rc_table_cell(t, "ID");
	rc_table_cell(t, "NAME");
	rc_table_cell(t, "SEATS");
	rc_table_cell(t, "AVAILABLE");
	rc_table_cell(t, "SLOT");
	rc_table_cell(t, "NODE");
	for (i = 0; i < m; i++) {
		rc_table_cell(t, rows[i].id);
		rc_table_cell(t, rows[i].name);
		rc_table_cellf(t, "%ld", rows[i].total);
		rc_table_cellf(t, "%ld", rows[i].avail);
		rc_table_cellf(t, "%d", rows[i].slot);
		rc_table_cell(t, rows[i].node);
	}
	rc_table_print(t, 1);
	rc_table_free(t);
}

struct evlist {
	char **ids;
	size_t n;
};

static void
fill_events(struct rc_pipe *p, void *ud)
{
	struct evlist *e = ud;
	size_t i;

	for (i = 0; i < e->n; i++) {
		struct evkeys k;
		evkeys_init(&k, e->ids[i]);
		rc_pipe_cmdv(p, k.slot, "HMGET", k.k[0], "name", "total", NULL);
		rc_pipe_cmdv(p, k.slot, "HGET", k.k[2], "available", NULL);
	}
}

int
cmd_events(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	struct rc_pipe *p;
	struct evrow *rows;
	struct evlist e;
	size_t i, m = 0;

	(void)argc, (void)argv;
	e.ids = scan_events(c, &e.n, "events");
	rows = rc_calloc(e.n + 1, sizeof *rows);
	p = pipe_retry(c, fill_events, &e, "events");
	for (i = 0; i < e.n; i++) {
		redisReply *meta = rc_pipe_reply(p, 2 * i), *av = rc_pipe_reply(p, 2 * i + 1);
		struct evrow *ev = &rows[m];
		char key[120];
		if (meta->type != REDIS_REPLY_ARRAY || meta->elements != 2 ||
		    meta->element[0]->type != REDIS_REPLY_STRING)
			continue;       /* deleted since the scan */
		snprintf(ev->id, sizeof ev->id, "%s", e.ids[i]);
		ev->name = rc_strdup(meta->element[0]->str);
		ev->total = meta->element[1]->type == REDIS_REPLY_STRING ?
		    atol(meta->element[1]->str) : 0;
		ev->avail = av->type == REDIS_REPLY_STRING ? atol(av->str) : 0;
		meta_key(e.ids[i], key, sizeof key);
		ev->slot = (int)rc_keyslot(key, strlen(key));
		owner_addr(c, ev->slot, ev->node, sizeof ev->node);
		m++;
	}
	rc_pipe_free(p);
	qsort(rows, m, sizeof *rows, evrow_cmp);
	print_events(c, rows, m);
	for (i = 0; i < e.n; i++)
		free(e.ids[i]);
	for (i = 0; i < m; i++)
		free(rows[i].name);
	free(e.ids);
	free(rows);
	return RC_EX_OK;
}

/* Releases every expired hold of an event, the waitlist served from each,
 * and removes the records past the retention, in bounded steps;
 * *released, *offers and *pruned count them.  The answer is the sweep's
 * last (OK released available held sold total offers pruned). */
void
sweep_event(struct ctx *c, struct evkeys *k, struct answer *an, long *released,
    long *offers, long *pruned)
{
	struct call call;
	char hl[16], pl[16];

	snprintf(hl, sizeof hl, "%d", SWEEP_HOLDS);
	snprintf(pl, sizeof pl, "%d", SWEEP_PRUNE);
	*released = *offers = *pruned = 0;
	for (;;) {
		call_init(&call, S_SWEEP, k);
		call_arg(&call, hl);
		call_arg(&call, pl);
		run(c, &call, 0, an);
		if (strcmp(must_word(an, "sweep", NULL, NULL), "NOEVENT") == 0)
			die_noevent(k->id);
		*released += atol(elem(an->r, 1));
		*offers += atol(elem(an->r, 6));
		*pruned += atol(elem(an->r, 7));
		if (atol(elem(an->r, 1)) < SWEEP_HOLDS && atol(elem(an->r, 7)) < SWEEP_PRUNE)
			return;
		answer_free(an);
	}
}

int
cmd_availability(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	struct evkeys k;
	struct answer an;
	long released, offers, pruned;

	(void)argc;
	event_keys(&k, argv[0]);
	sweep_event(c, &k, &an, &released, &offers, &pruned);
	header(c, "state\tseats");
	rc_putf("available\t%s\nheld\t%s\nsold\t%s\n", elem(an.r, 2), elem(an.r, 3),
	    elem(an.r, 4));
	answer_free(&an);
	return RC_EX_OK;
}

static void
seat_map_pretty(struct ctx *c, const char *id, const char *name, int nrows, int per,
    char *st)
{
	const char *g = rc_color(&c->o, RC_C_GREEN), *y = rc_color(&c->o, RC_C_YELLOW);
	const char *red = rc_color(&c->o, RC_C_RED), *b = rc_color(&c->o, RC_C_BOLD);
	const char *z = rc_color(&c->o, RC_C_RESET);
	int r, s;
	char rn[4];

	rc_putf("%s%s%s (%s): %d rows x %d seats\n", b, name, z, id, nrows, per);
	rc_putf("legend: %s.%s available  %sh%s held  %sX%s sold\n\n", g, z, y, z, red, z);
	rc_puts("    ");
	for (s = 1; s <= per; s++)
		rc_putc(s % 10 == 0 ? (char)('0' + (s / 10) % 10) : ' ');
	rc_puts("\n    ");
	for (s = 1; s <= per; s++)
		rc_putc((char)('0' + s % 10));
	rc_putc('\n');
	for (r = 0; r < nrows; r++) {
		row_name(r, rn);
		rc_putf("%-3s ", rn);
		for (s = 0; s < per; s++) {
			char v = st[(size_t)r * (size_t)per + (size_t)s];
			if (v == 'H')
				rc_putf("%sh%s", y, z);
			else if (v == 'S')
				rc_putf("%sX%s", red, z);
			else
				rc_putf("%s.%s", g, z);
		}
		rc_putc('\n');
	}
}

static void
fill_seat_map(struct rc_pipe *p, void *ud)
{
	const struct evkeys *k = ud;

	rc_pipe_cmdv(p, k->slot, "HMGET", k->k[0], "rows", "seats", "name", NULL);
	rc_pipe_cmdv(p, k->slot, "HGETALL", k->k[1], NULL);
}

int
cmd_seat_map(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	const char *id = argv[0];
	struct evkeys k;
	struct answer an;
	redisReply *meta, *seats;
	struct rc_pipe *p;
	long released, offers, pruned;
	int nrows, per, rr, s;
	size_t i;
	char *st, rn[4];

	(void)argc;
	event_keys(&k, id);
	sweep_event(c, &k, &an, &released, &offers, &pruned);
	answer_free(&an);
	/* One MULTI-free read is enough: both replies come from one node in
	 * order, and a map is a picture of a moment anyway. */
	p = pipe_retry(c, fill_seat_map, &k, "seat-map");
	meta = rc_pipe_reply(p, 0);
	seats = rc_pipe_reply(p, 1);
	if (meta->type != REDIS_REPLY_ARRAY || meta->elements != 3)
		die_reply(meta, "seat-map");
	if (meta->element[0]->type != REDIS_REPLY_STRING)
		die_noevent(id);
	if (seats->type != REDIS_REPLY_ARRAY)
		die_reply(seats, "seat-map");
	nrows = atoi(meta->element[0]->str);
	per = atoi(meta->element[1]->str);
	st = rc_calloc((size_t)nrows * (size_t)per + 1, 1);
	for (i = 0; i + 1 < seats->elements; i += 2) {
		if (parse_seat(seats->element[i]->str, &rr, &s) < 0 || rr >= nrows || s > per)
			continue;
		st[(size_t)rr * (size_t)per + (size_t)(s - 1)] = seats->element[i + 1]->str[0];
	}
	if (c->o.pretty) {
		seat_map_pretty(c, id, meta->element[2]->type == REDIS_REPLY_STRING ?
		    meta->element[2]->str : "", nrows, per, st);
	} else {
		header(c, "seat\tstatus");
		for (rr = 0; rr < nrows; rr++) {
			row_name(rr, rn);
			for (s = 0; s < per; s++) {
				char v = st[(size_t)rr * (size_t)per + (size_t)s];
				rc_putf("%s%d\t%s\n", rn, s + 1,
				    v == 'H' ? "held" : v == 'S' ? "sold" : "available");
			}
		}
	}
	free(st);
	rc_pipe_free(p);
	return RC_EX_OK;
}

