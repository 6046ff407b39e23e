/*
 * load.c - load: N simulated users on T threads, each thread with its own
 * cluster handle pipelining the requests of its users (reserve, then
 * confirm or cancel, or let the hold expire), and the metrics at the end.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seats.h"

enum { U_IDLE, U_RESERVE, U_CONFIRM, U_CANCEL };

struct sim_user {
	int state;
	char res[120];
	char seats[MAX_REQ_SEATS * 8];
	double first_fail;      /* when the current step first failed; 0 none */
	int tries;
	int lost;               /* a try may have run unseen */
	int dtries;             /* durable re-checks of a confirm */
	uint64_t not_before;
};

struct tally {
	unsigned long started, ok, conflicts, errors, confirmed, cancelled, expired;
	unsigned long ops, retries, unacked, lost_sales, redirects;
	unsigned long unsettled;        /* holds neither settled nor seen to expire */
	unsigned long done;     /* reservations carried to their end */
};

struct load;

struct worker {
	pthread_t tid;
	struct load *L;
	struct sim_user *u;
	int nu;
	uint64_t rng;
	struct rc_hist h;
	struct tally s;
	atomic_ulong shown_ops, shown_done;     /* s.ops and s.done, for the progress bar */
	int fatal;
	char err[512];
};

struct load {
	struct ctx *c;
	struct evkeys k;
	int rows, per, users, kseats, threads, random, confirm_pct, cancel_pct;
	long requests;          /* 0: by duration */
	uint64_t t0, t_end, t_hard;
	atomic_long started;
	atomic_int stop;
	atomic_int running;     /* threads not finished yet */
	FILE *log;
	int log_err;            /* errno of the first failed write to it */
	pthread_mutex_t logmu;
};

static uint64_t
xrand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void
log_outcome(struct load *L, const char *res, const char *what, const char *seats)
{
	if (L->log == NULL)
		return;
	pthread_mutex_lock(&L->logmu);
	if (fprintf(L->log, "%s\t%s\t%s\n", res, what, seats) < 0)
		L->log_err = errno;
	pthread_mutex_unlock(&L->logmu);
}

/* A user begins a step afresh: no tries and no failures yet. */
static void
user_start(struct sim_user *u, int state)
{
	u->state = state;
	u->tries = 0;
	u->lost = 0;
	u->dtries = 0;
	u->first_fail = 0;
}

/* A new reservation for a user: K seats, adjacent in a row (the way people
 * book) or anywhere (--random); overlapping other users' on purpose. */
static void
pick_seats(struct load *L, struct worker *t, struct sim_user *u)
{
	char name[16], rn[4];
	int i, n = 0, r, s0;
	int picked[MAX_REQ_SEATS];
	size_t off = 0;

	if (!L->random) {
		r = (int)(xrand(&t->rng) % (uint64_t)L->rows);
		s0 = (int)(xrand(&t->rng) % (uint64_t)(L->per - L->kseats + 1));
		for (i = 0; i < L->kseats; i++)
			picked[n++] = r * L->per + s0 + i;
	} else {
		while (n < L->kseats) {
			int v = (int)(xrand(&t->rng) % (uint64_t)(L->rows * L->per)), dup = 0;
			for (i = 0; i < n; i++)
				dup |= picked[i] == v;
			if (!dup)
				picked[n++] = v;
		}
	}
	for (i = 0; i < n; i++) {
		row_name(picked[i] / L->per, rn);
		snprintf(name, sizeof name, "%s%s%d", i ? "," : "", rn, picked[i] % L->per + 1);
		memcpy(u->seats + off, name, strlen(name) + 1);
		off += strlen(name);
	}
	res_id(u->res, sizeof u->res, L->k.id, &t->rng);
	user_start(u, U_RESERVE);
}

/* Queues the user's next step on p. */
static void
user_call(struct load *L, struct sim_user *u, struct rc_pipe *p, int eval)
{
	struct call call;
	static const int script[] = { 0, S_RESERVE, S_CONFIRM, S_CANCEL };

	call_init(&call, script[u->state], &L->k);
	call_arg(&call, u->res);
	if (u->state == U_RESERVE) {
		call_arg(&call, "load");
		call_arg(&call, u->seats);
		call_arg(&call, "");
		call_arg(&call, "");
		call_arg(&call, "0");
	}
	call_pipe(p, &call, eval);
}

/* The user's reservation is carried to its end. */
static void
user_done(struct worker *t, struct sim_user *u)
{
	t->s.done++;
	user_start(u, U_IDLE);
}

/* A confirm or cancel that did not go through: the hold had expired (STATE),
 * or the reservation is gone (NORES: a failover lost an unreplicated write). */
static void
not_settled(struct load *L, struct worker *t, struct sim_user *u,
    const redisReply *r, const char *w)
{
	if (strcmp(w, "STATE") == 0) {
		t->s.expired++;
		log_outcome(L, u->res, elem(r, 1), u->seats);
	} else {
		t->s.errors++;
		t->s.lost_sales++;
		log_outcome(L, u->res, "error", "reservation lost");
	}
}

/* A step that got no script answer: tried again later while that is worth
 * it and --retry allows, else counted as an error. */
static void
user_failed(struct load *L, struct worker *t, struct sim_user *u, const redisReply *r,
    uint64_t now)
{
	double tnow = (double)now / 1e6;

	if (rc_reply_noscript(r))
		return;         /* again at once, with EVAL */
	if (worth_retry(r)) {
		if (rc_reply_is_err(r, "IOERR"))
			u->lost = 1;
		if (u->first_fail == 0)
			u->first_fail = tnow;
		t->s.retries++;
		if (tnow - u->first_fail < L->c->retry_s) {
			int back = 20 << (u->tries < 5 ? u->tries : 5);
			u->tries++;
			u->not_before = now + (uint64_t)back * 1000;
			return;
		}
	}
	t->s.errors++;
	if (u->state != U_RESERVE)
		t->s.unsettled++;       /* a hold whose confirm or cancel failed */
	log_outcome(L, u->res, "error", r->type == REDIS_REPLY_ERROR ? r->str : "?");
	user_done(t, u);
}

/* The answer to a reserve: a hold is confirmed, cancelled or left to expire
 * as the dice say; anything else ends the user's reservation. */
static void
reserve_answer(struct load *L, struct worker *t, struct sim_user *u, const redisReply *r,
    const char *w)
{
	if (strcmp(w, "OK") == 0 || (strcmp(w, "SAME") == 0 &&
	    strcmp(elem(r, 1), "held") == 0)) {
		int roll = (int)(xrand(&t->rng) % 100);
		t->s.ok++;
		log_outcome(L, u->res, "held", u->seats);
		if (roll < L->confirm_pct)
			u->state = U_CONFIRM;
		else if (roll < L->confirm_pct + L->cancel_pct)
			u->state = U_CANCEL;
		else {
			t->s.unsettled++;       /* left to expire */
			user_done(t, u);
		}
		u->tries = 0;
		u->lost = 0;
		return;
	}
	if (strcmp(w, "CONFLICT") == 0) {
		t->s.conflicts++;
		log_outcome(L, u->res, "conflict", u->seats);
	} else if (strcmp(w, "SAME") == 0) {
		/* Our hold was made (its reply lost) and is over by now. */
		t->s.ok++;
		t->s.expired++;
		log_outcome(L, u->res, elem(r, 1), u->seats);
	} else {
		t->s.errors++;
		log_outcome(L, u->res, "error", w);
		if (strcmp(w, "NOEVENT") == 0) {
			t->fatal = 1;
			snprintf(t->err, sizeof t->err, "no event '%s'", L->k.id);
		}
	}
	user_done(t, u);
}

/* The answer to a confirm.  clean: with --durable, the round's WAIT proved a
 * replica has everything this connection wrote. */
static void
confirm_answer(struct load *L, struct worker *t, struct sim_user *u, const redisReply *r,
    const char *w, int clean, uint64_t now)
{
	if (!settled(w)) {
		not_settled(L, t, u, r, w);
	} else if (L->c->durable && !clean) {
		/* Not proven on a replica yet: confirm again (it is idempotent
		 * and writes) with a WAIT after it. */
		if (++u->dtries <= 5) {
			u->not_before = now + 20000;
			return;
		}
		t->s.unacked++;
		t->s.confirmed++;
		log_outcome(L, u->res, "confirmed-unacked", u->seats);
	} else {
		t->s.confirmed++;
		log_outcome(L, u->res, L->c->durable ? "confirmed-durable" : "confirmed",
		    u->seats);
	}
	user_done(t, u);
}

/* What a user does with the reply to its step. */
static void
user_reply(struct load *L, struct worker *t, struct sim_user *u, redisReply *r, int clean,
    uint64_t now)
{
	const char *w = word(r);

	if (w == NULL) {
		user_failed(L, t, u, r, now);
		return;
	}
	t->s.ops++;
	u->first_fail = 0;
	if (u->state == U_RESERVE) {
		reserve_answer(L, t, u, r, w);
	} else if (u->state == U_CONFIRM) {
		confirm_answer(L, t, u, r, w, clean, now);
	} else {
		if (settled(w)) {
			t->s.cancelled++;
			log_outcome(L, u->res, "cancelled", u->seats);
		} else
			not_settled(L, t, u, r, w);
		user_done(t, u);
	}
}

static int
may_start(struct load *L, uint64_t now)
{
	if (atomic_load(&L->stop))
		return 0;
	if (L->requests > 0)
		return atomic_fetch_add(&L->started, 1) < L->requests;
	return now < L->t_end;
}

/* Queues the step of every user that has one due (starting a new
 * reservation for an idle user while the run goes on) in p, their indexes
 * in batch.  Returns how many were queued; *active is how many users still
 * have work, *wake when the next waiting one is due. */
static int
fill_round(struct load *L, struct worker *t, struct rc_pipe *p, int *batch, int eval,
    uint64_t now, int *active, uint64_t *wake, int *confirms)
{
	int i, n = 0;

	*active = *confirms = 0;
	*wake = UINT64_MAX;
	for (i = 0; i < t->nu; i++) {
		struct sim_user *u = &t->u[i];
		if (u->state == U_IDLE) {
			if (!may_start(L, now))
				continue;
			pick_seats(L, t, u);
			t->s.started++;
		}
		(*active)++;
		if (u->not_before > now) {
			if (u->not_before < *wake)
				*wake = u->not_before;
			continue;
		}
		user_call(L, u, p, eval);
		*confirms += u->state == U_CONFIRM;
		batch[n++] = i;
	}
	return n;
}

static unsigned long
reroutes(const struct rc_cluster *cl)
{
	return cl->nmoved + cl->nask + cl->nretry + cl->nrefresh;
}

/* Sends one round of n steps (and with --durable a WAIT after confirms) and
 * hands each user its reply.  Returns 1 when a node answered NOSCRIPT: the
 * next round goes by EVAL. */
static int
send_round(struct load *L, struct worker *t, struct rc_cluster *cl, struct rc_pipe *p,
    const int *batch, int n, int confirms, uint64_t now)
{
	const struct ctx *c = L->c;
	unsigned long before = reroutes(cl);
	uint64_t t1, lat;
	int i, clean, waited = 0, noscript = 0;
	char ms[16];

	if (c->durable && confirms > 0) {
		snprintf(ms, sizeof ms, "%d", c->wait_ms);
		rc_pipe_cmdv(p, L->k.slot, "WAIT", "1", ms, NULL);
		waited = 1;
	}
	rc_pipe_exec(p);
	t1 = rc_now_us();
	lat = t1 - now;
	clean = before == reroutes(cl);
	if (waited) {
		redisReply *w = rc_pipe_reply(p, (size_t)n);
		clean = clean && w->type == REDIS_REPLY_INTEGER && w->integer >= 1;
	}
	for (i = 0; i < n; i++) {
		redisReply *r = rc_pipe_reply(p, (size_t)i);
		if (rc_reply_noscript(r))
			noscript = 1;
		else
			rc_hist_add(&t->h, lat);
		user_reply(L, t, &t->u[batch[i]], r, clean, t1);
	}
	rc_pipe_reset(p);
	atomic_store_explicit(&t->shown_ops, t->s.ops, memory_order_relaxed);
	atomic_store_explicit(&t->shown_done, t->s.done, memory_order_relaxed);
	return noscript;
}

/* One thread: its users, on a cluster handle of its own, round after round
 * until every user is done or the hard deadline passes. */
static void *
load_thread(void *arg)
{
	struct worker *t = arg;
	struct load *L = t->L;
	struct rc_cluster cl;
	struct rc_pipe *p;
	int *batch = rc_calloc((size_t)t->nu, sizeof *batch);
	int eval = 0;

	/* The seed answered a moment ago: a refused connection now may pass. */
	if (open_handle(L->c, &cl, 0, t->err, sizeof t->err) < 0) {
		t->fatal = 1;
		free(batch);
		atomic_fetch_sub(&L->running, 1);
		return NULL;
	}
	p = rc_pipe_new(&cl);
	for (;;) {
		uint64_t now = rc_now_us(), wake;
		int n, active, confirms;

		if (now > L->t_hard || t->fatal)
			break;
		n = fill_round(L, t, p, batch, eval, now, &active, &wake, &confirms);
		if (active == 0)
			break;
		if (n == 0) {
			rc_sleep_ms(wake - now > 1000 ? (int)((wake - now) / 1000) : 1);
			continue;
		}
		eval = send_round(L, t, &cl, p, batch, n, confirms, now);
	}
	rc_pipe_free(p);
	t->s.redirects = cl.nmoved + cl.nask;
	t->s.retries += cl.nretry;
	rc_cluster_close(&cl);
	free(batch);
	atomic_fetch_sub(&L->running, 1);
	return NULL;
}


/* A progress bar on stderr while the threads run, when it is a terminal:
 * reservations done of --requests, or seconds of --duration, with the
 * script calls a second so far. */
static void
load_progress(struct load *L, struct worker *th, double secs)
{
	struct rc_progress pr;
	char extra[128];

	rc_progress_start(&pr, L->requests > 0 ? "load" : "load (s)",
	    L->requests > 0 ? (uint64_t)L->requests : (uint64_t)secs);
	if (!pr.active)
		return;
	for (;;) {
		unsigned long ops = 0, done = 0;
		double el = (double)(rc_now_us() - L->t0) / 1e6;
		int i, running = atomic_load(&L->running);
		for (i = 0; i < L->threads; i++) {
			ops += atomic_load_explicit(&th[i].shown_ops, memory_order_relaxed);
			done += atomic_load_explicit(&th[i].shown_done, memory_order_relaxed);
		}
		snprintf(extra, sizeof extra, "%lu ops, %.0f ops/s", ops,
		    el > 0 ? (double)ops / el : 0);
		rc_progress_step(&pr, L->requests > 0 ? done : (uint64_t)el, extra);
		if (running == 0)
			break;
		rc_sleep_ms(100);
	}
	rc_progress_end(&pr);
}
/* The run's shape from the options: users, seats a request, how long, how
 * many threads, the odds of confirm and cancel, the log. */
static double
load_options(struct ctx *c, struct load *L)
{
	struct seatopts *a = &c->a;
	double secs;

	need_event(c);
	need_durable(c, "load");
	event_keys(&L->k, a->event);
	L->users = (int)num_arg(a->users ? a->users : "10", "--users", 1, 10000);
	L->kseats = (int)num_arg(a->seats ? a->seats : "2", "--seats", 1, MAX_REQ_SEATS);
	if (a->duration != NULL && a->requests != NULL)
		rc_die(RC_EX_USAGE, "give --duration or --requests, not both");
	L->requests = a->requests ? num_arg(a->requests, "--requests", 1, 100000000) : 0;
	secs = a->duration ? (double)num_arg(a->duration, "--duration", 1, 86400) : 0;
	if (L->requests == 0 && secs == 0)
		L->requests = (long)L->users * 10;
	L->threads = (int)num_arg(a->threads ? a->threads : "2", "--threads", 1, 64);
	if (L->threads > L->users)
		L->threads = L->users;
	L->confirm_pct = (int)num_arg(a->confirm ? a->confirm : "80", "--confirm", 0, 100);
	L->cancel_pct = (int)num_arg(a->cancel ? a->cancel : "10", "--cancel", 0, 100);
	if (L->confirm_pct + L->cancel_pct > 100)
		rc_die(RC_EX_USAGE, "--confirm and --cancel add up to more than 100%%");
	L->random = a->random;
	if (a->log != NULL && (L->log = fopen(a->log, "w")) == NULL)
		rc_die(RC_EX_USAGE, "%s: %s", a->log, strerror(errno));
	return secs;
}

/* The event's rows and seats a row, which the users pick from. */
static void
load_event_shape(struct ctx *c, struct load *L)
{
	struct rc_pipe *p;
	redisReply *meta;

	cluster_open(c);
	p = rc_pipe_new(&c->cl);
	rc_pipe_cmdv(p, L->k.slot, "HMGET", L->k.k[0], "rows", "seats", NULL);
	rc_pipe_exec(p);
	meta = rc_pipe_reply(p, 0);
	if (meta->type != REDIS_REPLY_ARRAY || meta->elements != 2)
		die_reply(meta, "load");
	if (meta->element[0]->type != REDIS_REPLY_STRING)
		die_noevent(L->k.id);
	L->rows = atoi(meta->element[0]->str);
	L->per = atoi(meta->element[1]->str);
	rc_pipe_free(p);
	if (L->kseats > L->per)
		rc_die(RC_EX_USAGE, "--seats %d: event %s has %d seats a row", L->kseats, L->k.id,
		    L->per);
}

/* Starts the threads, the users shared out among them. */
static struct worker *
start_threads(struct load *L, double secs)
{
	struct worker *th = rc_calloc((size_t)L->threads, sizeof *th);
	int i;

	atomic_store(&L->running, L->threads);
	L->t0 = rc_now_us();
	L->t_end = L->t0 + (uint64_t)(secs * 1e6);
	L->t_hard = L->t0 + (uint64_t)((secs + L->c->retry_s + 60 +
	    (L->requests ? 3600 : 0)) * 1e6);
	for (i = 0; i < L->threads; i++) {
		int lo = L->users * i / L->threads, hi = L->users * (i + 1) / L->threads;
		char seed[17];
		th[i].L = L;
		th[i].nu = hi - lo;
		th[i].u = rc_calloc((size_t)th[i].nu, sizeof *th[i].u);
		random_hex(seed, 16);
		th[i].rng = strtoull(seed, NULL, 16) | 1;
		rc_hist_init(&th[i].h);
		if (pthread_create(&th[i].tid, NULL, load_thread, &th[i]) != 0)
			rc_die(RC_EX_USAGE, "cannot start a thread");
	}
	return th;
}

static void
tally_add(struct tally *s, const struct tally *x)
{
	s->started += x->started;
	s->ok += x->ok;
	s->conflicts += x->conflicts;
	s->errors += x->errors;
	s->confirmed += x->confirmed;
	s->cancelled += x->cancelled;
	s->expired += x->expired;
	s->ops += x->ops;
	s->retries += x->retries;
	s->unacked += x->unacked;
	s->lost_sales += x->lost_sales;
	s->redirects += x->redirects;
	s->unsettled += x->unsettled;
}

/* Waits for the threads and adds up what they counted and timed.  Returns 1
 * when one of them could not go on (said on stderr). */
static int
join_threads(struct load *L, struct worker *th, struct tally *s, struct rc_hist *h)
{
	int i, fatal = 0;

	memset(s, 0, sizeof *s);
	rc_hist_init(h);
	for (i = 0; i < L->threads; i++) {
		pthread_join(th[i].tid, NULL);
		rc_hist_merge(h, &th[i].h);
		tally_add(s, &th[i].s);
		if (th[i].fatal && !fatal) {
			rc_warn("load: %s", th[i].err);
			fatal = 1;
		}
		free(th[i].u);
	}
	free(th);
	return fatal;
}

static void
metric(const char *name, int decimals, double v)
{
	rc_puts(name);
	rc_putc('\t');
	rc_putf("%.*f", decimals, v);
	rc_putc('\n');
}

/* The metrics; exit 1 when there were errors or unacknowledged confirms. */
static int
load_report(struct ctx *c, const struct load *L, const struct tally *s,
    const struct rc_hist *h, double elapsed)
{
	rc_done("load on event %s: %.0f requests, %.0f held, %.0f confirmed, %.0f "
	    "cancelled, %.0f errors", L->k.id, (double)s->started, (double)s->ok,
	    (double)s->confirmed, (double)s->cancelled, (double)s->errors);
	header(c, "metric\tvalue");
	metric("users", 0, L->users);
	metric("threads", 0, L->threads);
	metric("seats_per_request", 0, L->kseats);
	metric("requests", 0, (double)s->started);
	metric("ok", 0, (double)s->ok);
	metric("conflicts", 0, (double)s->conflicts);
	metric("errors", 0, (double)s->errors);
	metric("confirmed", 0, (double)s->confirmed);
	metric("cancelled", 0, (double)s->cancelled);
	metric("expired", 0, (double)s->expired);
	metric("lost", 0, (double)s->lost_sales);
	metric("unsettled", 0, (double)s->unsettled);
	metric("retries", 0, (double)s->retries);
	metric("redirects", 0, (double)s->redirects);
	if (c->durable)
		metric("durable_unacked", 0, (double)s->unacked);
	metric("elapsed_s", 3, elapsed);
	metric("ops", 0, (double)s->ops);
	metric("ops_per_sec", 0, elapsed > 0 ? (double)s->ops / elapsed : 0);
	metric("reservations_per_sec", 0, elapsed > 0 ? (double)s->ok / elapsed : 0);
	metric("p50_ms", 3, (double)rc_hist_pct(h, 50) / 1000);
	metric("p99_ms", 3, (double)rc_hist_pct(h, 99) / 1000);
	metric("p999_ms", 3, (double)rc_hist_pct(h, 99.9) / 1000);
	if (s->errors > 0 || s->unacked > 0) {
		rc_warn("load: %lu error%s (%lu reservation%s lost), %lu durable confirm%s "
		    "not acknowledged by a replica", s->errors, s->errors == 1 ? "" : "s",
		    s->lost_sales, s->lost_sales == 1 ? "" : "s", s->unacked,
		    s->unacked == 1 ? "" : "s");
		return RC_EX_NO;
	}
	return RC_EX_OK;
}

int
cmd_load(void *ctx, int argc, char **argv)
{
	struct ctx *c = ctx;
	struct load L;
	struct worker *th;
	struct tally s;
	struct rc_hist h;
	double secs, elapsed;
	int fatal;

	(void)argc, (void)argv;
	memset(&L, 0, sizeof L);
	L.c = c;
	secs = load_options(c, &L);
	pthread_mutex_init(&L.logmu, NULL);
	load_event_shape(c, &L);
	th = start_threads(&L, secs);
	load_progress(&L, th, secs);
	fatal = join_threads(&L, th, &s, &h);
	elapsed = (double)(rc_now_us() - L.t0) / 1e6;
	if (L.log != NULL && (fclose(L.log) != 0 || L.log_err != 0)) {
		rc_warn("load: writing the log %s: %s", c->a.log,
		    strerror(L.log_err ? L.log_err : errno));
		fatal = fatal ? fatal : 2;
	}
	if (fatal == 1)
		return RC_EX_CLUSTER;
	if (fatal == 2) {
		load_report(c, &L, &s, &h, elapsed);
		return RC_EX_USAGE;
	}
	return load_report(c, &L, &s, &h, elapsed);
}
