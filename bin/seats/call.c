/*
 * call.c - rc-seats and the cluster: opening it, one script call tried
 * again while its failure may pass, and reading the script's answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seats.h"

static const char *const script_names[S_N] = {
	"seats_create", "seats_reserve", "seats_confirm", "seats_cancel",
	"seats_sweep", "seats_show", "seats_waitlist", "seats_audit", "seats_audit_chunk"
};

/* Each script with seats_lib.lua before it, and the SHA-1 of that text. */
static struct rc_evalsha scripts[S_N];

void
scripts_init(void)
{
	int i;

	for (i = 0; i < S_N; i++)
		rc_evalsha_init(&scripts[i], "seats_lib", script_names[i], NULL);
}

/* ---- the cluster ------------------------------------------------------------- */

/* Why a cluster handle could not be opened, when waiting will not help, as
 * words to add to the error: a refused password, a server that is not a
 * cluster node, and at start-up (startup) a seed that refuses the connection
 * or whose name does not resolve.  NULL when it may pass (a timeout, a node
 * loading, a seed restarting mid-run). */
static const char *
open_hopeless(const char *err, int startup)
{
	int kind = rc_text_kind(err);

	if (kind == RC_K_AUTH || kind == RC_K_PROTO)
		return rc_kind_hint(kind);
	if (strstr(err, "not a cluster node") != NULL)
		return "";
	if (startup && (strstr(err, "Connection refused") != NULL ||
	    strstr(err, "Name or service not known") != NULL))
		return "is the cluster up?  -c or RC_CLUSTER names any node of it";
	return NULL;
}

/* Opens a cluster handle from the seed, tried again for c->retry_s seconds
 * while the failure may pass.  0, or -1 with the error and what to do about
 * it in why. */
int
open_handle(struct ctx *c, struct rc_cluster *cl, int startup, char *why, size_t n)
{
	double deadline = rc_now() + c->retry_s;
	const char *hint;

	while (rc_cluster_open(cl, &c->o) < 0) {
		hint = open_hopeless(cl->err, startup);
		if (hint != NULL || rc_now() >= deadline) {
			snprintf(why, n, "%s%s%s%s", cl->err, hint && *hint ? " (" : "",
			    hint ? hint : "", hint && *hint ? ")" : "");
			rc_cluster_close(cl);
			return -1;
		}
		rc_cluster_close(cl);
		rc_sleep_ms(200);
	}
	return 0;
}

/* The ACL user, for a message that names it (die_reply). */
static const char *acl_user;

void
cluster_open(struct ctx *c)
{
	char why[1024];

	if (c->open)
		return;
	acl_user = c->o.user;
	if (open_handle(c, &c->cl, 1, why, sizeof why) < 0)
		rc_die(RC_EX_CLUSTER, "%s", why);
	c->open = 1;
}

const char *
owner_addr(struct ctx *c, int slot, char *buf, size_t n)
{
	struct rc_node *nd = rc_cluster_owner(&c->cl, slot);

	if (nd == NULL)
		return "-";
	return rc_node_addr(nd, buf, n);
}

/* ---- script calls ------------------------------------------------------------ */

void
call_init(struct call *call, int script, const struct evkeys *k)
{
	int i;

	call->script = script;
	for (i = 0; i < NKEYS; i++) {
		call->argv[i] = k->k[i];
		call->len[i] = k->len[i];
	}
	call->argc = NKEYS;
	call->slot = k->slot;
	call->once = 0;
}

void
call_arg(struct call *call, const char *s)
{
	if (call->argc >= NKEYS + MAX_ARGS)
		rc_die(RC_EX_USAGE, "internal: too many script arguments");
	call->argv[call->argc] = s;
	call->len[call->argc++] = strlen(s);
}

/* Queues the call: EVALSHA, or with eval EVAL with the whole text. */
void
call_pipe(struct rc_pipe *p, const struct call *call, int eval)
{
	rc_pipe_script(p, call->slot, &scripts[call->script], eval, NKEYS, call->argc,
	    call->argv, call->len);
}

/*
 * Failures worth another try: the script did not run (the cluster down while
 * a replica takes over, a refused connect to a node that was up), or it may
 * have run but its reply was lost (IOERR), which our scripts make safe to
 * repeat.  kind.c decides all that, and that a refused password never is
 * one.  Three more are ours, not every caller's: a redirect the router gave
 * up following (a slot bouncing in a failover: our retry window is longer
 * than its tries), its "ERR gave up", and BUSY (another script runs long on
 * the node; it ends or is killed, and our scripts are short).
 */
int
worth_retry(const redisReply *r)
{
	switch (rc_reply_kind(r)) {
	case RC_K_TRANSIENT:
	case RC_K_IOERR:
	case RC_K_MOVED:
	case RC_K_ASK:
		return r != NULL;
	case RC_K_ERR:
		return rc_reply_is_err(r, "BUSY") || rc_reply_is_err(r, "ERR gave up");
	}
	return 0;
}

/* A reply that says the command timed out: the server may still be busy
 * with it, so sending it again would stack a second one behind it. */
static int
timed_out(const redisReply *r)
{
	return r != NULL && r->type == REDIS_REPLY_ERROR &&
	    (strstr(r->str, "(timeout)") != NULL || strstr(r->str, "imed out") != NULL);
}

/* The one retry path of every rc-seats command: 1 after a pause (growing
 * from 50 ms to 1 s) when the failure in r is worth another try and the
 * deadline (now + --retry, set by the caller) allows; 0 to give up. */
int
retry_wait(struct ctx *c, const redisReply *r, double deadline, int *backoff)
{
	if (!worth_retry(r) || rc_now() >= deadline)
		return 0;
	if (c->open && c->cl.stale)
		rc_cluster_refresh(&c->cl);
	rc_sleep_ms(*backoff);
	*backoff = *backoff * 2 > 1000 ? 1000 : *backoff * 2;
	return 1;
}

/* A pipeline that fill queues, run until no reply is a failure worth
 * another try (then all of it again: these are reads), within --retry.
 * Dies (exit 3, naming what) on one that is not; returns the pipe. */
struct rc_pipe *
pipe_retry(struct ctx *c, void (*fill)(struct rc_pipe *, void *), void *ud, const char *what)
{
	double deadline;
	int backoff = 50;

	cluster_open(c);
	deadline = rc_now() + c->retry_s;
	for (;;) {
		struct rc_pipe *p = rc_pipe_new(&c->cl);
		redisReply *bad = NULL;
		size_t i;
		fill(p, ud);
		rc_pipe_exec(p);
		for (i = 0; i < rc_pipe_len(p) && bad == NULL; i++)
			if (rc_pipe_reply(p, i)->type == REDIS_REPLY_ERROR)
				bad = rc_pipe_reply(p, i);
		if (bad == NULL)
			return p;
		if (!retry_wait(c, bad, deadline, &backoff))
			die_reply(bad, what);
		rc_pipe_free(p);
	}
}

void
answer_free(struct answer *an)
{
	if (an->p != NULL)
		rc_pipe_free(an->p);
	an->p = NULL;
	an->r = NULL;
}

/* An answer that means the work is done, whichever try did it. */
int
settled(const char *w)
{
	return strcmp(w, "OK") == 0 || strcmp(w, "ALREADY") == 0;
}

static unsigned long
reroutes(const struct rc_cluster *cl)
{
	return cl->nmoved + cl->nask + cl->nretry + cl->nrefresh;
}

/* Keeps the try in p as the answer, dropping an earlier one. */
static void
keep(struct answer *an, struct rc_pipe *p)
{
	answer_free(an);
	an->p = p;
	an->r = rc_pipe_reply(p, 0);
}

/* With durable, a settled answer in p: 1 when the try is proven (no
 * redirect or reconnect, so its WAIT covered what the script wrote) or the
 * time is up, 0 to try again.  The first settled answer is the one kept. */
static int
durable_done(struct answer *an, struct rc_pipe *p, int clean, double deadline)
{
	redisReply *wr = rc_pipe_reply(p, 1);

	clean = clean && wr->type == REDIS_REPLY_INTEGER;
	if (clean)
		an->replicas = (long)wr->integer;
	if (an->p == NULL)
		keep(an, p);
	else
		rc_pipe_free(p);
	if (clean)
		return 1;
	if (rc_now() >= deadline) {
		an->replicas = 0;
		return 1;
	}
	return 0;
}

/*
 * One script call, tried again while failures are worth it, for up to
 * c->retry_s seconds; lib sends the whole text by EVAL to a node that
 * answers NOSCRIPT.  With durable, WAIT 1 follows the call on the same
 * connection, and a settled answer is proven only by a round with no
 * redirect or reconnect: the WAIT then covers what the script wrote (a
 * confirm or cancel found done still writes, for this).  The first settled
 * answer is the one reported; replicas is 0 when no round was clean in time.
 * The answer is an->r, valid until answer_free.
 */
redisReply *
run(struct ctx *c, const struct call *call, int durable, struct answer *an)
{
	double deadline;
	int backoff = 50;
	char ms[16];
	const char *wait[] = { "WAIT", "1", ms, NULL };

	memset(an, 0, sizeof *an);
	an->replicas = -1;
	snprintf(ms, sizeof ms, "%d", c->wait_ms);
	cluster_open(c);
	deadline = rc_now() + c->retry_s;
	for (;;) {
		unsigned long before = reroutes(&c->cl);
		struct rc_pipe *p = rc_script_call(&c->cl, call->slot, &scripts[call->script],
		    NKEYS, call->argc, call->argv, call->len, durable ? wait : NULL);
		redisReply *r = rc_pipe_reply(p, 0);
		const char *w = word(r);

		if (w != NULL && durable && settled(w)) {
			if (durable_done(an, p, reroutes(&c->cl) == before, deadline))
				break;
		} else if (w != NULL || !worth_retry(r) || rc_now() >= deadline ||
		    (rc_reply_kind(r) == RC_K_IOERR && call->once)) {
			/* A call that is not cheap or not safe to repeat is
			 * never sent again after it may have run: a timeout
			 * means the server may still be running it, and a
			 * second copy would stack behind the first. */
			if (w != NULL || an->p == NULL) {
				keep(an, p);
			} else {
				/* Settled once, unproven since. */
				rc_pipe_free(p);
				an->replicas = 0;
			}
			break;
		} else {
			if (rc_reply_is_err(r, "IOERR"))
				an->lost = 1;
			rc_pipe_free(p);
		}
		rc_sleep_ms(backoff);
		backoff = backoff * 2 > 1000 ? 1000 : backoff * 2;
	}
	return an->r;
}

/* ---- answers ----------------------------------------------------------------- */

/* The reply's first word (OK, CONFLICT, ...), or NULL when it is not a script
 * answer at all. */
const char *
word(const redisReply *r)
{
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_STRING)
		return NULL;
	return r->element[0]->str;
}

const char *
elem(const redisReply *r, size_t i)
{
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || i >= r->elements ||
	    (r->element[i]->type != REDIS_REPLY_STRING &&
	    r->element[i]->type != REDIS_REPLY_STATUS))
		return "";
	return r->element[i]->str;
}

/* Dies with the right code for an answer that is not a script's. */
_Noreturn void
die_reply(const redisReply *r, const char *what)
{
	if (timed_out(r))
		rc_die(RC_EX_CLUSTER, "%s: %s (the server may still be busy with it: not "
		    "sent again; a longer --timeout waits more)", what, r->str);
	if (r != NULL && r->type == REDIS_REPLY_ERROR) {
		char said[1024];
		/* Every command runs a script, the reads too: availability and
		 * seat-map first release expired holds (the sweep), so that a
		 * hold past its time never shows as held; show and audit read
		 * an event in one atomic look. */
		if (rc_refusal(r->str) == RC_REFUSED_NOPERM &&
		    rc_refusal_say(r->str, acl_user, NULL, said, sizeof said) != NULL)
			rc_die(RC_EX_CLUSTER, "%s: %s%s", what, said,
			    strstr(r->str, "'eval") != NULL ? "; rc-seats runs its reads "
			    "as Lua scripts too (availability and seat-map release expired "
			    "holds first, show and audit read the event atomically), so "
			    "every command needs @scripting" : "");
		rc_die(RC_EX_CLUSTER, "%s: %s", what, r->str);
	}
	rc_die(RC_EX_CLUSTER, "%s: unexpected reply from the cluster", what);
}

_Noreturn void
die_noevent(const char *id)
{
	rc_die(RC_EX_USAGE, "no event '%s' (rc-seats events lists them)", id);
}

/* No record of res; r is the script's NORES why retention. */
_Noreturn void
die_nores(const char *res, const redisReply *r)
{
	const char *why = elem(r, 1), *ret = elem(r, 2);

	if (strcmp(why, "aged") == 0)
		rc_die(RC_EX_NO, "reservation %s has aged out: it finished more than its "
		    "event's retention (%s s) ago, and its record is gone", res, ret);
	if (strcmp(why, "maybe") == 0)
		rc_die(RC_EX_USAGE, "no reservation '%s' (a wrong id, a hold a failover lost, "
		    "or a record aged out after the event's retention of %s s)", res, ret);
	rc_die(RC_EX_USAGE, "no reservation '%s' (a wrong id, or a hold a failover lost "
	    "before a replica had it)", res);
}

/* The answer's first word; when the cluster gave none, dies (exit 3), and
 * for a request on reservation res says it may have run (maybe). */
const char *
must_word(const struct answer *an, const char *what, const char *res, const char *maybe)
{
	const redisReply *r = an->r;

	if (word(r) != NULL)
		return word(r);
	if (res != NULL && (an->lost || rc_reply_is_err(r, "IOERR")))
		rc_die(RC_EX_CLUSTER, "%s %s: %s; %s (rc-seats show %s)", what, res,
		    r->type == REDIS_REPLY_ERROR ? r->str : "no reply", maybe, res);
	die_reply(r, what);
}
