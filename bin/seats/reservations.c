/*
 * reservations.c - a reservation's life: reserve (a hold), confirm (a sale),
 * cancel (which serves the waitlist), show; the waitlist (join, list,
 * leave); sweep (expired holds released now).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seats.h"

int
cmd_reserve(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	struct seatopts *a = &c->a;
	struct evkeys k;
	struct call call;
	struct answer an;
	redisReply *r;
	char res[128], hold[16];
	const char *w;

	(void)argc, (void)argv;
	need_event(c);
	event_keys(&k, a->event);
	text_arg(a->user, "--user", 1);
	text_arg(a->name, "--name", 0);
	text_arg(a->email, "--email", 0);
	seats_arg(a->seats);
	snprintf(hold, sizeof hold, "%ld", a->hold ? num_arg(a->hold, "--hold", 1, 86400) : 0);
	res_id(res, sizeof res, k.id, NULL);
	call_init(&call, S_RESERVE, &k);
	call_arg(&call, res);
	call_arg(&call, a->user);
	call_arg(&call, a->seats);
	call_arg(&call, a->name ? a->name : "");
	call_arg(&call, a->email ? a->email : "");
	call_arg(&call, hold);
	r = run(c, &call, 0, &an);
	w = must_word(&an, "reserve", res, "the hold may or may not have been made");
	if (strcmp(w, "OK") == 0 ||
	    (strcmp(w, "SAME") == 0 && (strcmp(elem(r, 1), "held") == 0 ||
	    strcmp(elem(r, 1), "confirmed") == 0))) {
		rc_done("reservation %s holds %s of event %s", res, a->seats, k.id);
		header(c, "reservation");
		rc_putf("%s\n", res);
		answer_free(&an);
		return RC_EX_OK;
	}
	if (strcmp(w, "CONFLICT") == 0) {
		size_t i;
		char *list = rc_calloc(1, r->elements * 8 + 1);
		for (i = 1; i < r->elements; i++) {
			if (i > 1)
				strcat(list, ",");
			strcat(list, elem(r, i));
		}
		rc_warn("conflict: seat%s %s of event %s already taken; nothing was reserved",
		    r->elements > 2 ? "s" : "", list, k.id);
		free(list);
		answer_free(&an);
		return RC_EX_NO;
	}
	if (strcmp(w, "NOEVENT") == 0)
		die_noevent(k.id);
	if (strcmp(w, "BADSEAT") == 0)
		rc_die(RC_EX_USAGE, "seat %s is not on the map of event %s (rc-seats seat-map %s)",
		    elem(r, 1), k.id, k.id);
	if (strcmp(w, "DUPSEAT") == 0)
		rc_die(RC_EX_USAGE, "seat %s is named twice", elem(r, 1));
	if (strcmp(w, "SAME") == 0)
		rc_die(RC_EX_NO, "reservation %s was made, but is %s by now", res, elem(r, 1));
	if (strcmp(w, "AGED") == 0)
		rc_die(RC_EX_NO, "reservation %s was made and has finished and aged out since "
		    "(retention %s s); nothing was reserved again", res, elem(r, 1));
	rc_die(RC_EX_CLUSTER, "reserve %s: unexpected answer %s", res, w);
}

/* confirm and cancel: the script on the reservation the operand names,
 * followed by a WAIT with --durable (see run).  Dies on what both share (no
 * answer, no such reservation); returns the answer's first word. */
static const char *
settle(struct ctx *c, const char *res, int script, const char *what, const char *maybe,
    struct answer *an)
{
	const char *w;
	struct evkeys k;
	struct call call;

	res_keys(&k, res);
	call_init(&call, script, &k);
	call_arg(&call, res);
	run(c, &call, c->durable, an);
	w = must_word(an, what, res, maybe);
	if (strcmp(w, "NORES") == 0)
		die_nores(res, an->r);
	return w;
}

/* --durable: what no replica acknowledged in time is said, and is exit 1. */
static int
durable_rc(struct ctx *c, const char *res, const struct answer *an, const char *done)
{
	if (!c->durable || an->replicas >= 1)
		return RC_EX_OK;
	rc_warn("%s is %s on the master, but no replica acknowledged it within %d ms: "
	    "a failover now could undo it", res, done, c->wait_ms);
	return RC_EX_NO;
}

/* The replica count that ends every row of a --durable confirm or cancel. */
static void
end_row(struct ctx *c, const struct answer *an)
{
	if (c->durable)
		rc_putf("\t%ld", an->replicas);
	rc_putc('\n');
}

int
cmd_confirm(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	const char *res = argv[0], *w;
	struct answer an;
	int rc;

	(void)argc;
	need_durable(c, "confirm");
	w = settle(c, res, S_CONFIRM, "confirm", "it may or may not be confirmed", &an);
	if (strcmp(w, "STATE") == 0) {
		if (strcmp(elem(an.r, 1), "expired") == 0)
			rc_die(RC_EX_NO, "reservation %s cannot be confirmed: its hold expired and "
			    "the seats went back on sale or to the waitlist (reserve again)", res);
		rc_die(RC_EX_NO, "reservation %s cannot be confirmed: it is %s", res,
		    elem(an.r, 1));
	}
	if (!settled(w))
		rc_die(RC_EX_CLUSTER, "confirm %s: unexpected answer %s", res, w);
	/* Asked twice by the user, not a retry of ours that found its own work. */
	if (strcmp(w, "ALREADY") == 0 && !an.lost)
		rc_warn("%s was already confirmed", res);
	if (c->durable)
		rc_done("%s confirmed (%ld replicas acknowledged)", res, an.replicas);
	else
		rc_done("%s confirmed", res);
	header(c, c->durable ? "reservation\tstatus\treplicas" : "reservation\tstatus");
	rc_putf("%s\tconfirmed", res);
	end_row(c, &an);
	rc = durable_rc(c, res, &an, "confirmed");
	answer_free(&an);
	return rc;
}

/* What cancel's rows say, for rc_done: the seats released and every
 * waitlist offer made of them (the offers exist nowhere else the user sees). */
static void
cancel_done(const char *res, const char *w, const struct answer *an)
{
	char *t;
	size_t i, n = 256;

	if (strcmp(w, "ALREADY") == 0) {
		rc_done("%s cancelled (the reply to the first try was lost)", res);
		return;
	}
	for (i = 1; i < an->r->elements; i++)
		n += strlen(elem(an->r, i)) + 16;
	t = rc_malloc(n);
	snprintf(t, n, "%s released (seats %s)", res, elem(an->r, 1));
	for (i = 2; i + 2 < an->r->elements; i += 3)
		snprintf(t + strlen(t), n - strlen(t), "; offered to %s: %s (seats %s)",
		    elem(an->r, i), elem(an->r, i + 1), elem(an->r, i + 2));
	rc_done("%s", t);
	free(t);
}

int
cmd_cancel(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	const char *res = argv[0], *w;
	struct answer an;
	size_t i;
	int rc;

	(void)argc;
	need_durable(c, "cancel");
	w = settle(c, res, S_CANCEL, "cancel", "it may or may not be cancelled", &an);
	if (strcmp(w, "ALREADY") == 0 && !an.lost)
		rc_die(RC_EX_NO, "reservation %s was already cancelled", res);
	if (strcmp(w, "STATE") == 0)
		rc_die(RC_EX_NO, "reservation %s is %s: nothing to cancel", res, elem(an.r, 1));
	if (!settled(w))
		rc_die(RC_EX_CLUSTER, "cancel %s: unexpected answer %s", res, w);
	cancel_done(res, w, &an);
	header(c, c->durable ? "what\tuser\treservation\tseats\treplicas" :
	    "what\tuser\treservation\tseats");
	if (strcmp(w, "ALREADY") == 0) {
		/* Our first try ran; its answer (and any waitlist offers it
		 * made) was lost with the connection. */
		rc_warn("%s is cancelled (the reply to the first try was lost; "
		    "rc-seats waitlist list shows who is still waiting)", res);
		rc_putf("released\t-\t%s\t?", res);
		end_row(c, &an);
	} else {
		rc_putf("released\t-\t%s\t%s", res, elem(an.r, 1));
		end_row(c, &an);
		for (i = 2; i + 2 < an.r->elements; i += 3) {
			rc_puts("offered\t");
			rc_put_field(elem(an.r, i), strlen(elem(an.r, i)), 0);
			rc_putf("\t%s\t%s", elem(an.r, i + 1), elem(an.r, i + 2));
			end_row(c, &an);
		}
	}
	rc = durable_rc(c, res, &an, "cancelled");
	answer_free(&an);
	return rc;
}

/* Seconds until expiry x (ms) from now (ms), rounded up; 0 once past. */
static long long
secs_left(long long x, long long now)
{
	return x > now ? (x - now + 999) / 1000 : 0;
}

int
cmd_show(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	const char *res = argv[0];
	struct evkeys k;
	struct call call;
	struct answer an;
	redisReply *r;
	char buf[32];
	long long x, now;

	(void)argc;
	res_keys(&k, res);
	call_init(&call, S_SHOW, &k);
	call_arg(&call, res);
	r = run(c, &call, 0, &an);
	if (strcmp(must_word(&an, "show", NULL, NULL), "NORES") == 0)
		die_nores(res, r);
	header(c, "field\tvalue");
	kv("reservation", res);
	kv("event", k.id);
	kv("user", elem(r, 1));
	kv("name", elem(r, 2));
	kv("email", elem(r, 3));
	x = atoll(elem(r, 6));
	now = atoll(elem(r, 7));
	/* A hold past its time is expired even before a script releases it. */
	kv("status", strcmp(elem(r, 4), "held") == 0 && x <= now ? "expired" : elem(r, 4));
	kv("seats", elem(r, 5));
	snprintf(buf, sizeof buf, "%lld", strcmp(elem(r, 4), "held") == 0 ?
	    secs_left(x, now) : 0);
	kv("expires_in", buf);
	answer_free(&an);
	return RC_EX_OK;
}

/* One waitlist script call: op on event for user; dies on NOEVENT. */
static redisReply *
waitlist_call(struct ctx *c, const char *event, const char *op, const char *user,
    const char *count, struct answer *an)
{
	struct evkeys k;
	struct call call;

	event_keys(&k, event);
	call_init(&call, S_WAITLIST, &k);
	call_arg(&call, op);
	call_arg(&call, user);
	call_arg(&call, count);
	run(c, &call, 0, an);
	if (strcmp(must_word(an, "waitlist", NULL, NULL), "NOEVENT") == 0)
		die_noevent(k.id);
	return an->r;
}

int
cmd_waitlist_list(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	struct answer an;
	redisReply *r = waitlist_call(c, argv[0], "list", "", "0", &an);
	size_t i;

	(void)argc;
	header(c, "position\tuser\tseats");
	for (i = 1; i + 1 < r->elements; i += 2) {
		rc_putf("%zu\t", (i + 1) / 2);
		rc_put_field(elem(r, i), strlen(elem(r, i)), 0);
		rc_putf("\t%s\n", elem(r, i + 1));
	}
	answer_free(&an);
	return RC_EX_OK;
}

/*
 * The offers the waitlist made a user that are still theirs to confirm,
 * found by user: every hold that has expired by now is released first (the
 * offers due are made, as availability does), then the user's held offers,
 * soonest to expire first.  None is exit 1, saying where the user stands.
 */
int
cmd_waitlist_offer(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	struct seatopts *a = &c->a;
	struct evkeys k;
	struct answer an;
	long released, offers, pruned;
	long long now;
	redisReply *r;
	size_t i;

	(void)argc, (void)argv;
	need_event(c);
	text_arg(a->user, "--user", 1);
	event_keys(&k, a->event);
	sweep_event(c, &k, &an, &released, &offers, &pruned);
	answer_free(&an);
	r = waitlist_call(c, a->event, "offer", a->user, "0", &an);
	if (r->elements < 4)
		die_reply(r, "waitlist offer");
	now = atoll(elem(r, 1));
	header(c, "reservation\tseats\texpires_in");
	for (i = 4; i + 2 < r->elements; i += 3)
		rc_putf("%s\t%s\t%lld\n", elem(r, i), elem(r, i + 1),
		    secs_left(atoll(elem(r, i + 2)), now));
	if (r->elements > 4) {
		answer_free(&an);
		return RC_EX_OK;
	}
	if (elem(r, 2)[0] != '\0')
		rc_warn("%s has no offer on event %s yet: waiting at position %s for %s seat%s",
		    a->user, k.id, elem(r, 2), elem(r, 3), strcmp(elem(r, 3), "1") ? "s" : "");
	else
		rc_warn("%s holds no offer on event %s and is not on its waitlist (an offer "
		    "confirmed, cancelled or expired is one no more: rc-seats show RES says "
		    "what became of it)", a->user, k.id);
	answer_free(&an);
	return RC_EX_NO;
}

/* join and leave. */
static int
waitlist_change(struct ctx *c, const char *op)
{
	struct seatopts *a = &c->a;
	struct answer an;
	redisReply *r;
	const char *w;
	char count[16];

	need_event(c);
	text_arg(a->user, "--user", 1);
	snprintf(count, sizeof count, "%ld",
	    a->count ? num_arg(a->count, "--count", 1, MAX_REQ_SEATS) : 1);
	r = waitlist_call(c, a->event, op, a->user, count, &an);
	w = word(r);
	if (strcmp(w, "TOOMANY") == 0)
		rc_die(RC_EX_USAGE, "event %s does not have %s seats", a->event, count);
	if (strcmp(w, "ALREADY") == 0)
		rc_die(RC_EX_NO, "%s is already on the waitlist of %s (position %s)", a->user,
		    a->event, elem(r, 1));
	if (strcmp(w, "NOTFOUND") == 0)
		rc_die(RC_EX_NO, "%s is not on the waitlist of %s", a->user, a->event);
	if (strcmp(op, "join") == 0) {
		rc_done("%s is on the waitlist of %s at position %s", a->user, a->event,
		    elem(r, 1));
		header(c, "position");
		rc_putf("%s\n", elem(r, 1));
	}
	answer_free(&an);
	return RC_EX_OK;
}

int
cmd_waitlist_join(void *ctx, int argc, char **argv)
{
	(void)argc, (void)argv;
	return waitlist_change(ctx, "join");
}

int
cmd_waitlist_leave(void *ctx, int argc, char **argv)
{
	(void)argc, (void)argv;
	return waitlist_change(ctx, "leave");
}

struct evset {
	struct evkeys *k;
	size_t n;
};

static void
fill_exists(struct rc_pipe *p, void *ud)
{
	const struct evset *e = ud;
	size_t i;

	for (i = 0; i < e->n; i++)
		rc_pipe_cmdv(p, e->k[i].slot, "EXISTS", e->k[i].k[0], NULL);
}

/* Every event named exists, before any is swept. */
static void
need_events(struct ctx *c, struct evkeys *k, size_t n)
{
	struct evset e = { k, n };
	struct rc_pipe *p = pipe_retry(c, fill_exists, &e, "sweep");
	size_t i;

	for (i = 0; i < n; i++)
		if (rc_pipe_reply(p, i)->type != REDIS_REPLY_INTEGER ||
		    rc_pipe_reply(p, i)->integer != 1)
			rc_die(RC_EX_USAGE, "sweep: no event '%s' (rc-seats events lists them); "
			    "nothing was swept", k[i].id);
	rc_pipe_free(p);
}

/* What sweep's rows said so far, with one more event's, for rc_done. */
static char *
sweep_done(char *done, const char *id, long released, long offers, long pruned)
{
	size_t had = done ? strlen(done) : 0, n = had + strlen(id) + 96;

	done = rc_realloc(done, n);
	snprintf(done + had, n - had, "%s%s: released %ld, offered %ld, aged %ld",
	    had ? "; " : "", id, released, offers, pruned);
	rc_done("swept %s", done);
	return done;
}

int
cmd_sweep(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	struct evkeys *keys;
	char **ids;
	size_t n, i;
	int own = 0;
	char *done = NULL;

	if (argc > 0) {
		ids = argv;
		n = (size_t)argc;
	} else {
		ids = scan_events(c, &n, "sweep");
		own = 1;
	}
	/* Every id is checked before any event is swept. */
	keys = rc_calloc(n + 1, sizeof *keys);
	for (i = 0; i < n; i++)
		if (!valid_event_id(ids[i]))
			rc_die(RC_EX_USAGE, "sweep: '%s' is not an event id (letters, digits, "
			    "'_' and '-', at most 64); nothing was swept", ids[i]);
		else
			evkeys_init(&keys[i], ids[i]);
	if (!own && n > 0)
		need_events(c, keys, n);
	header(c, "event\treleased\toffered\taged");
	for (i = 0; i < n; i++) {
		struct answer an;
		long released, offers, pruned;
		sweep_event(c, &keys[i], &an, &released, &offers, &pruned);
		answer_free(&an);
		done = sweep_done(done, ids[i], released, offers, pruned);
		rc_put_field(ids[i], strlen(ids[i]), 1);
		rc_putf("\t%ld\t%ld\t%ld\n", released, offers, pruned);
	}
	free(keys);
	free(done);
	if (own) {
		for (i = 0; i < n; i++)
			free(ids[i]);
		free(ids);
	}
	return RC_EX_OK;
}
