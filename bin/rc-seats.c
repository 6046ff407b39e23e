/*
 * rc-seats - the ticket reservation system: events, seat maps, atomic holds,
 * confirm/cancel, waitlist, load and audit, correct under concurrency and
 * failover.
 *
 * Every key of an event shares the hash tag {event:ID}, so every change is
 * one Lua script (lib/lua/seats_*.lua, with seats_lib.lua prepended) run
 * atomically on the event's master with all its keys in KEYS.  Scripts run
 * by EVALSHA; NOSCRIPT (a new master after a failover) falls back to EVAL,
 * which also caches the script there.  Reservation ids are chosen here and
 * carry the event id, so a retry after a lost reply finds its own hold and
 * confirm/cancel know where to go.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rc.h"

#define NKEYS 7
#define MAX_ROWS 702            /* A..Z, AA..ZZ */
#define MAX_PER_ROW 1000
#define MAX_SEATS 100000        /* per event */
#define MAX_REQ_SEATS 100       /* per reservation */
#define MAX_FIELD 256           /* user, name, email */

static const char *const keynames[NKEYS] = {
	"meta", "seats", "stats", "holds", "res", "wl", "wlinfo"
};

enum { S_CREATE, S_RESERVE, S_CONFIRM, S_CANCEL, S_SWEEP, S_SHOW, S_WAITLIST,
	S_AUDIT, S_N };

struct script {
	const char *name;
	char *src;
	size_t len;
	char sha[41];
};

static struct script scripts[S_N] = {
	{ "seats_create", NULL, 0, "" }, { "seats_reserve", NULL, 0, "" },
	{ "seats_confirm", NULL, 0, "" }, { "seats_cancel", NULL, 0, "" },
	{ "seats_sweep", NULL, 0, "" }, { "seats_show", NULL, 0, "" },
	{ "seats_waitlist", NULL, 0, "" }, { "seats_audit", NULL, 0, "" },
};

/* The options of the commands; each command takes only its own (given). */
struct args {
	const char *name, *rows, *seats, *price, *hold, *id, *event, *user, *email;
	const char *users, *duration, *requests, *threads, *confirm, *cancel, *log;
	const char *count;
	int random;
	unsigned given;         /* OPT(O_...) of every option given */
	int order[32], norder;  /* the options given, first come first */
};

struct ctx {
	struct rc_opts o;
	struct rc_cluster cl;
	int open;
	double retry_s;         /* how long transient failures are retried */
	int durable;
	int wait_ms;
	struct args a;
	int argc;               /* the command's operands */
	char **argv;
};

/* An event's keys, all with the hash tag {event:ID}. */
struct evkeys {
	char id[80];
	char k[NKEYS][100];
	size_t len[NKEYS];
	int slot;
};

/* One script call: EVALSHA sha 7 keys... args... */
#define MAX_ARGS 24
struct call {
	int script;
	int argc;
	const char *argv[3 + NKEYS + MAX_ARGS];
	size_t len[3 + NKEYS + MAX_ARGS];
	int slot;
	int eval;               /* sent with EVAL (the whole text), not EVALSHA */
};

/* ---- SHA-1, for EVALSHA without a SCRIPT LOAD round trip ------------------- */

static uint32_t
rol32(uint32_t x, int k)
{
	return x << k | x >> (32 - k);
}

static void
sha1_block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[80], a, b, c, d, e, f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 80; i++)
		w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20)
			f = (b & c) | (~b & d), k = 0x5A827999;
		else if (i < 40)
			f = b ^ c ^ d, k = 0x6ED9EBA1;
		else if (i < 60)
			f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
		else
			f = b ^ c ^ d, k = 0xCA62C1D6;
		t = rol32(a, 5) + f + e + k + w[i];
		e = d, d = c, c = rol32(b, 30), b = a, a = t;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
}

static void
sha1_hex(const char *s, size_t len, char out[41])
{
	uint32_t h[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 };
	unsigned char tail[128];
	uint64_t bits = (uint64_t)len * 8;
	size_t i, full = len / 64 * 64, rest = len - full, tl;

	for (i = 0; i < full; i += 64)
		sha1_block(h, (const unsigned char *)s + i);
	memset(tail, 0, sizeof tail);
	memcpy(tail, s + full, rest);
	tail[rest] = 0x80;
	tl = rest + 1 + 8 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[tl - 1 - i] = (unsigned char)(bits >> (8 * i));
	for (i = 0; i < tl; i += 64)
		sha1_block(h, tail + i);
	for (i = 0; i < 5; i++)
		snprintf(out + 8 * i, 9, "%08x", h[i]);
}

static void
scripts_init(void)
{
	const char *lib = rc_lua("seats_lib");
	int i;

	if (lib == NULL)
		rc_die(RC_EX_USAGE, "the seats_lib script is not built in");
	for (i = 0; i < S_N; i++) {
		const char *body = rc_lua(scripts[i].name);
		size_t a, b;
		if (body == NULL)
			rc_die(RC_EX_USAGE, "the %s script is not built in", scripts[i].name);
		a = strlen(lib);
		b = strlen(body);
		scripts[i].src = rc_malloc(a + b + 1);
		memcpy(scripts[i].src, lib, a);
		memcpy(scripts[i].src + a, body, b + 1);
		scripts[i].len = a + b;
		sha1_hex(scripts[i].src, scripts[i].len, scripts[i].sha);
	}
}

/* ---- ids, names, keys ------------------------------------------------------- */

static int
valid_event_id(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

static void
evkeys_init(struct evkeys *k, const char *id)
{
	int i;

	snprintf(k->id, sizeof k->id, "%s", id);
	for (i = 0; i < NKEYS; i++) {
		snprintf(k->k[i], sizeof k->k[i], "{event:%s}:%s", id, keynames[i]);
		k->len[i] = strlen(k->k[i]);
	}
	k->slot = (int)rc_keyslot(k->k[0], k->len[0]);
}

static void
event_keys(struct evkeys *k, const char *id)
{
	if (!valid_event_id(id))
		rc_die(RC_EX_USAGE, "'%s' is not an event id (letters, digits, '_' and '-', at most 64)",
		    id);
	evkeys_init(k, id);
}

/* A reservation id is EVENT.SUFFIX; the event part gives its keys. */
static void
res_keys(struct evkeys *k, const char *res)
{
	const char *dot = strrchr(res, '.');
	char ev[80];
	size_t i;

	if (dot == NULL || dot == res || dot[1] == '\0' || (size_t)(dot - res) >= sizeof ev ||
	    strlen(dot + 1) > 32)
		rc_die(RC_EX_USAGE, "'%s' is not a reservation id (EVENT.SUFFIX, as reserve prints it)",
		    res);
	for (i = 1; dot[i] != '\0'; i++)
		if (!(dot[i] >= 'a' && dot[i] <= 'z') && !(dot[i] >= '0' && dot[i] <= '9'))
			rc_die(RC_EX_USAGE, "'%s' is not a reservation id (EVENT.SUFFIX, as reserve prints it)",
			    res);
	memcpy(ev, res, (size_t)(dot - res));
	ev[dot - res] = '\0';
	if (!valid_event_id(ev))
		rc_die(RC_EX_USAGE, "'%s' is not a reservation id (its event part is not an event id)",
		    res);
	evkeys_init(k, ev);
}

/* Row index (0-based) -> A..Z, AA..ZZ. */
static void
row_name(int r, char *buf)
{
	if (r < 26) {
		buf[0] = (char)('A' + r);
		buf[1] = '\0';
	} else {
		buf[0] = (char)('A' + r / 26 - 1);
		buf[1] = (char)('A' + r % 26);
		buf[2] = '\0';
	}
}

/* "B12" -> row 1, number 12; -1 when it is not a seat name at all. */
static int
parse_seat(const char *s, int *row, int *num)
{
	int r, i = 0;
	long n;

	if (s[0] < 'A' || s[0] > 'Z')
		return -1;
	r = s[i++] - 'A' + 1;
	if (s[i] >= 'A' && s[i] <= 'Z')
		r = r * 26 + s[i++] - 'A' + 1;
	if (s[i] < '1' || s[i] > '9' || rc_parse_long(s + i, 1, MAX_PER_ROW, &n) < 0)
		return -1;
	*row = r - 1;
	*num = (int)n;
	return 0;
}

static void
random_hex(char *out, size_t nhex)
{
	unsigned char b[32];
	size_t i;
	int fd = open("/dev/urandom", O_RDONLY);

	if (nhex > 2 * sizeof b || fd < 0 || read(fd, b, (nhex + 1) / 2) != (ssize_t)((nhex + 1) / 2))
		rc_die(RC_EX_USAGE, "cannot read /dev/urandom: %s", strerror(errno));
	close(fd);
	for (i = 0; i < nhex; i++)
		out[i] = "0123456789abcdef"[(b[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	out[nhex] = '\0';
}

/* ---- script calls ------------------------------------------------------------ */

static void
call_init(struct call *c, int script, const struct evkeys *k)
{
	int i;

	c->script = script;
	c->eval = 0;
	c->argv[0] = "EVALSHA";
	c->len[0] = 7;
	c->argv[1] = scripts[script].sha;
	c->len[1] = 40;
	c->argv[2] = "7";
	c->len[2] = 1;
	for (i = 0; i < NKEYS; i++) {
		c->argv[3 + i] = k->k[i];
		c->len[3 + i] = k->len[i];
	}
	c->argc = 3 + NKEYS;
	c->slot = k->slot;
}

static void
call_arg(struct call *c, const char *s)
{
	if (c->argc >= 3 + NKEYS + MAX_ARGS)
		rc_die(RC_EX_USAGE, "internal: too many script arguments");
	c->argv[c->argc] = s;
	c->len[c->argc++] = strlen(s);
}

/* EVALSHA, or EVAL with the whole text (which also caches it on the node). */
static void
call_mode(struct call *c, int eval)
{
	c->eval = eval;
	c->argv[0] = eval ? "EVAL" : "EVALSHA";
	c->len[0] = eval ? 4 : 7;
	c->argv[1] = eval ? scripts[c->script].src : scripts[c->script].sha;
	c->len[1] = eval ? scripts[c->script].len : 40;
}

static void
call_pipe(struct rc_pipe *p, struct call *c)
{
	rc_pipe_argv(p, c->slot, c->argc, c->argv, c->len);
}

static int
is_err(const redisReply *r, const char *prefix)
{
	return r != NULL && r->type == REDIS_REPLY_ERROR && rc_reply_is_err(r, prefix);
}

/* A refused password or ACL: no retry changes it. */
static int
auth_error(const char *s)
{
	static const char *const words[] = {
		"authentication failed", "NOAUTH", "WRONGPASS", "NOPERM", "invalid password",
		NULL
	};
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (strstr(s, words[i]) != NULL)
			return 1;
	return 0;
}

/* Failures worth another try: the script did not run (a redirect storm, the
 * cluster down while a replica takes over, a refused connect to a node that
 * was up), or it may have run but its reply was lost (IOERR), which our
 * scripts make safe to repeat.  A refused password is never one. */
static int
transient(const redisReply *r)
{
	static const char *const prefixes[] = {
		"IOERR", "CONNERR", "CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN", "LOADING",
		"READONLY", "BUSY", "ERR gave up", "MOVED", "ASK", NULL
	};
	int i;

	if (r == NULL || r->type != REDIS_REPLY_ERROR || auth_error(r->str))
		return 0;
	for (i = 0; prefixes[i] != NULL; i++)
		if (rc_reply_is_err(r, prefixes[i]))
			return 1;
	return 0;
}

/* Why a cluster handle could not be opened, when waiting will not help: a
 * refused password, a server that is not a cluster node, and at start-up
 * (startup) a seed that refuses the connection or whose name does not
 * resolve.  NULL when it may pass (a timeout, a node loading, a seed
 * restarting mid-run). */
static const char *
open_hopeless(const char *err, int startup)
{
	if (auth_error(err))
		return " (check RC_AUTH or REDISCLI_AUTH, and RC_USER; or use --askpass)";
	if (strstr(err, "not a cluster node") != NULL)
		return "";
	if (startup && (strstr(err, "Connection refused") != NULL ||
	    strstr(err, "Name or service not known") != NULL))
		return " (is the cluster up?  -c or RC_CLUSTER names any node of it)";
	return NULL;
}

/* Opens a cluster handle from the seed, tried again for c->retry_s seconds
 * while the failure may pass.  0, or -1 with cl->err and *hint set. */
static int
open_handle(struct ctx *c, struct rc_cluster *cl, int startup, const char **hint)
{
	double deadline = rc_now() + c->retry_s;

	while (rc_cluster_open(cl, &c->o) < 0) {
		*hint = open_hopeless(cl->err, startup);
		rc_cluster_close(cl);
		if (*hint != NULL || rc_now() >= deadline) {
			if (*hint == NULL)
				*hint = "";
			return -1;
		}
		rc_sleep_ms(200);
	}
	return 0;
}

static void
cluster_open(struct ctx *c)
{
	const char *hint;

	if (c->open)
		return;
	if (open_handle(c, &c->cl, 1, &hint) < 0)
		rc_die(RC_EX_CLUSTER, "%s%s", c->cl.err, hint);
	c->open = 1;
}

/* What a script call came back with. */
struct answer {
	struct rc_pipe *p;      /* holds r */
	redisReply *r;          /* the script's answer, or the error that ended the tries */
	long replicas;          /* with --durable: replicas that acknowledged; else -1 */
	int lost;               /* an earlier try may have run without our seeing it */
};

static void
answer_free(struct answer *an)
{
	if (an->p != NULL)
		rc_pipe_free(an->p);
	an->p = NULL;
	an->r = NULL;
}

static unsigned long
reroutes(const struct rc_cluster *cl)
{
	return cl->nmoved + cl->nask + cl->nretry + cl->nrefresh;
}

static const char *word(const redisReply *r);

/* An answer that means the work is done, whichever try did it. */
static int
settled(const char *w)
{
	return strcmp(w, "OK") == 0 || strcmp(w, "ALREADY") == 0;
}

/*
 * One script call, tried again while failures are transient, for up to
 * c->retry_s seconds; NOSCRIPT (a node that does not have the script) sends
 * the whole text with EVAL.  With durable, WAIT 1 follows the call on the
 * same connection, and a settled answer is proven only by a round with no
 * redirect or reconnect: the WAIT then covers what the script wrote (a
 * confirm or cancel found done still writes, for this).  The first settled
 * answer is the one reported; replicas is 0 when no round was clean in time.
 * The answer is an->r, valid until answer_free.
 */
static redisReply *
run(struct ctx *c, struct call *call, int durable, struct answer *an)
{
	double deadline;
	int backoff = 50;
	char ms[16];

	memset(an, 0, sizeof *an);
	an->replicas = -1;
	snprintf(ms, sizeof ms, "%d", c->wait_ms);
	cluster_open(c);
	deadline = rc_now() + c->retry_s;
	for (;;) {
		struct rc_pipe *p = rc_pipe_new(&c->cl);
		unsigned long before = reroutes(&c->cl);
		redisReply *r;
		const char *w;

		call_pipe(p, call);
		if (durable)
			rc_pipe_cmd(p, call->slot, "WAIT 1 %s", ms);
		rc_pipe_exec(p);
		r = rc_pipe_reply(p, 0);
		w = word(r);
		if (is_err(r, "NOSCRIPT") && !call->eval) {
			rc_pipe_free(p);
			call_mode(call, 1);
			continue;
		}
		if (w != NULL && durable && settled(w)) {
			redisReply *wr = rc_pipe_reply(p, 1);
			int clean = wr->type == REDIS_REPLY_INTEGER && reroutes(&c->cl) == before;
			if (clean)
				an->replicas = (long)wr->integer;
			if (an->p == NULL) {
				an->p = p;
				an->r = r;
			} else
				rc_pipe_free(p);
			if (clean)
				break;
			if (rc_now() >= deadline) {
				an->replicas = 0;
				break;
			}
		} else if (w != NULL || !transient(r) || rc_now() >= deadline) {
			if (w != NULL || an->p == NULL) {
				answer_free(an);
				an->p = p;
				an->r = r;
			} else {
				/* Settled once, unproven since. */
				rc_pipe_free(p);
				an->replicas = 0;
			}
			break;
		} else {
			if (is_err(r, "IOERR"))
				an->lost = 1;
			rc_pipe_free(p);
		}
		rc_sleep_ms(backoff);
		backoff = backoff * 2 > 1000 ? 1000 : backoff * 2;
	}
	call_mode(call, 0);
	return an->r;
}

/* The reply's first word (OK, CONFLICT, ...), or NULL when it is not a script
 * answer at all. */
static const char *
word(const redisReply *r)
{
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_STRING)
		return NULL;
	return r->element[0]->str;
}

static const char *
elem(const redisReply *r, size_t i)
{
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || i >= r->elements ||
	    (r->element[i]->type != REDIS_REPLY_STRING &&
	    r->element[i]->type != REDIS_REPLY_STATUS))
		return "";
	return r->element[i]->str;
}

/* Dies with the right code for an answer that is not a script's. */
_Noreturn static void
die_reply(const redisReply *r, const char *what)
{
	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		rc_die(RC_EX_CLUSTER, "%s: %s", what, r->str);
	rc_die(RC_EX_CLUSTER, "%s: unexpected reply from the cluster", what);
}

_Noreturn static void
die_noevent(const char *id)
{
	rc_die(RC_EX_USAGE, "no event '%s' (rc-seats events lists them)", id);
}

_Noreturn static void
die_nores(const char *res)
{
	rc_die(RC_EX_USAGE, "no reservation '%s' (a wrong id, or a hold a failover lost "
	    "before a replica had it)", res);
}

/* The answer's first word; when the cluster gave none, dies (exit 3), and
 * for a request on reservation res says it may have run (maybe). */
static const char *
must_word(const struct answer *an, const char *what, const char *res, const char *maybe)
{
	const redisReply *r = an->r;

	if (word(r) != NULL)
		return word(r);
	if (res != NULL && (an->lost || is_err(r, "IOERR")))
		rc_die(RC_EX_CLUSTER, "%s %s: %s; %s (rc-seats show %s)", what, res,
		    r->type == REDIS_REPLY_ERROR ? r->str : "no reply", maybe, res);
	die_reply(r, what);
}

static const char *
owner_addr(struct ctx *c, int slot, char *buf, size_t n)
{
	struct rc_node *nd = rc_cluster_owner(&c->cl, slot);

	if (nd == NULL)
		return "-";
	return rc_node_addr(nd, buf, n);
}

/* ---- argument checks ----------------------------------------------------------- */

static long
num_arg(const char *s, const char *what, long min, long max)
{
	long v;

	if (s == NULL)
		rc_die(RC_EX_USAGE, "%s is required", what);
	if (rc_parse_long(s, min, max, &v) < 0)
		rc_die(RC_EX_USAGE, "%s '%s' must be a whole number from %ld to %ld", what, s,
		    min, max);
	return v;
}

static void
text_arg(const char *s, const char *what, int required)
{
	size_t i;

	if (s == NULL) {
		if (required)
			rc_die(RC_EX_USAGE, "%s is required", what);
		return;
	}
	if (required && s[0] == '\0')
		rc_die(RC_EX_USAGE, "%s must not be empty", what);
	if (strlen(s) > MAX_FIELD)
		rc_die(RC_EX_USAGE, "%s is longer than %d bytes", what, MAX_FIELD);
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			rc_die(RC_EX_USAGE, "%s contains a control character", what);
}

/* Price: a positive decimal with at most two decimals, at most 1000000. */
static void
price_arg(const char *s)
{
	const char *p = s;
	int digits = 0, dec = -1;
	double v;

	if (s == NULL)
		rc_die(RC_EX_USAGE, "--price is required");
	for (; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9') {
			digits++;
			if (dec >= 0)
				dec++;
		} else if (*p == '.' && dec < 0)
			dec = 0;
		else
			break;
	}
	v = strtod(s, NULL);
	if (*p != '\0' || digits == 0 || digits > 9 || dec == 0 || dec > 2 || v <= 0 ||
	    v > 1000000)
		rc_die(RC_EX_USAGE, "--price '%s' must be a positive amount up to 1000000 "
		    "with at most two decimals", s);
}

/* "A1,A2" checked for shape and repeats; the map itself is the script's. */
static int
seats_arg(const char *s)
{
	char *copy, *tok, *save = NULL, **seen;
	int n = 0, i, row, num;

	if (s == NULL)
		rc_die(RC_EX_USAGE, "--seats is required (e.g. --seats A1,A2)");
	if (s[0] == '\0' || s[strlen(s) - 1] == ',' || s[0] == ',' || strstr(s, ",,") != NULL)
		rc_die(RC_EX_USAGE, "--seats '%s' must be seat names separated by commas", s);
	copy = rc_strdup(s);
	seen = rc_calloc(MAX_REQ_SEATS + 1, sizeof *seen);
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (parse_seat(tok, &row, &num) < 0)
			rc_die(RC_EX_USAGE, "'%s' is not a seat name (a row A..ZZ and a number: A1, AB12)",
			    tok);
		for (i = 0; i < n; i++)
			if (strcmp(seen[i], tok) == 0)
				rc_die(RC_EX_USAGE, "seat %s is named twice", tok);
		if (n == MAX_REQ_SEATS)
			rc_die(RC_EX_USAGE, "at most %d seats in one reservation", MAX_REQ_SEATS);
		seen[n++] = tok;
	}
	free(seen);
	free(copy);
	return n;
}

/* ---- output helpers ---------------------------------------------------------------- */

static void
header(struct ctx *c, const char *cols)
{
	if (c->o.header) {
		rc_putc('#');
		rc_puts(cols);
		rc_putc('\n');
	}
}

static void
kv(const char *k, const char *v)
{
	rc_put_field(k, strlen(k), 1);
	rc_putc('\t');
	rc_put_field(v, strlen(v), 0);
	rc_putc('\n');
}

/* ---- commands ------------------------------------------------------------------------- */

static int
cmd_create(struct ctx *c)
{
	struct args *a = &c->a;
	struct evkeys k;
	struct call call;
	struct answer an;
	const char *w;
	char id[80], addr[300], rows[16], per[16], hold[16];
	long nrows, nper, nhold;
	int tries;

	text_arg(a->name, "--name", 1);
	nrows = num_arg(a->rows, "--rows", 1, MAX_ROWS);
	nper = num_arg(a->seats, "--seats", 1, MAX_PER_ROW);
	if (nrows * nper > MAX_SEATS)
		rc_die(RC_EX_USAGE, "%ld rows of %ld seats is %ld seats: at most %d in one event",
		    nrows, nper, nrows * nper, MAX_SEATS);
	price_arg(a->price);
	nhold = a->hold ? num_arg(a->hold, "--hold", 1, 86400) : 300;
	if (a->id != NULL && !valid_event_id(a->id))
		rc_die(RC_EX_USAGE, "--id '%s' is not an event id (letters, digits, '_' and '-', at most 64)",
		    a->id);
	snprintf(rows, sizeof rows, "%ld", nrows);
	snprintf(per, sizeof per, "%ld", nper);
	snprintf(hold, sizeof hold, "%ld", nhold);
	for (tries = 0; ; tries++) {
		if (a->id != NULL)
			snprintf(id, sizeof id, "%s", a->id);
		else
			random_hex(id, 8);
		evkeys_init(&k, id);
		call_init(&call, S_CREATE, &k);
		call_arg(&call, a->name);
		call_arg(&call, rows);
		call_arg(&call, per);
		call_arg(&call, a->price);
		call_arg(&call, hold);
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
	header(c, "id\tslot\tnode");
	rc_putf("%s\t%d\t%s\n", id, k.slot, owner_addr(c, k.slot, addr, sizeof addr));
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

/* Every event's id, from a SCAN of every master. */
static char **
scan_events(struct ctx *c, size_t *count)
{
	char **ids = NULL;
	size_t n = 0;
	int i;

	cluster_open(c);
	for (i = 0; i < c->cl.nnodes; i++) {
		struct rc_node *nd = c->cl.nodes[i];
		char cursor[32] = "0";
		if (!rc_node_is_master(nd) || nd->nslots == 0)
			continue;
		do {
			struct rc_pipe *p = rc_pipe_new(&c->cl);
			redisReply *r;
			size_t j;
			rc_pipe_node_cmd(p, nd, "SCAN %s MATCH {event:*}:meta COUNT 1000", cursor);
			rc_pipe_exec(p);
			r = rc_pipe_reply(p, 0);
			if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
			    r->element[0]->type != REDIS_REPLY_STRING ||
			    r->element[1]->type != REDIS_REPLY_ARRAY)
				die_reply(r, "events: SCAN");
			snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
			for (j = 0; j < r->element[1]->elements; j++) {
				const char *key = r->element[1]->element[j]->str;
				const char *end = strstr(key, "}:meta");
				if (strncmp(key, "{event:", 7) != 0 || end == NULL ||
				    strcmp(end, "}:meta") != 0)
					continue;
				ids = rc_realloc(ids, (n + 1) * sizeof *ids);
				ids[n++] = rc_strndup(key + 7, (size_t)(end - key - 7));
			}
			rc_pipe_free(p);
		} while (strcmp(cursor, "0") != 0);
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

static int
cmd_events(struct ctx *c)
{
	struct rc_pipe *p;
	struct evrow *rows;
	char **ids;
	size_t n, i, m = 0;

	ids = scan_events(c, &n);
	rows = rc_calloc(n + 1, sizeof *rows);
	p = rc_pipe_new(&c->cl);
	for (i = 0; i < n; i++) {
		struct evkeys k;
		evkeys_init(&k, ids[i]);
		rc_pipe_cmd(p, k.slot, "HMGET %s name total", k.k[0]);
		rc_pipe_cmd(p, k.slot, "HGET %s available", k.k[2]);
	}
	rc_pipe_exec(p);
	for (i = 0; i < n; i++) {
		redisReply *meta = rc_pipe_reply(p, 2 * i), *av = rc_pipe_reply(p, 2 * i + 1);
		struct evrow *e = &rows[m];
		char key[120];
		if (meta->type != REDIS_REPLY_ARRAY || meta->elements != 2 ||
		    meta->element[0]->type != REDIS_REPLY_STRING)
			continue;       /* deleted since the scan */
		snprintf(e->id, sizeof e->id, "%s", ids[i]);
		e->name = rc_strdup(meta->element[0]->str);
		e->total = meta->element[1]->type == REDIS_REPLY_STRING ?
		    atol(meta->element[1]->str) : 0;
		e->avail = av->type == REDIS_REPLY_STRING ? atol(av->str) : 0;
		meta_key(ids[i], key, sizeof key);
		e->slot = (int)rc_keyslot(key, strlen(key));
		owner_addr(c, e->slot, e->node, sizeof e->node);
		m++;
	}
	rc_pipe_free(p);
	qsort(rows, m, sizeof *rows, evrow_cmp);
	if (c->o.pretty) {
		struct rc_table *t = rc_table_new(6);
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
	} else {
		header(c, "id\tname\tseats\tavailable\tslot\tnode");
		for (i = 0; i < m; i++) {
			rc_put_field(rows[i].id, strlen(rows[i].id), 1);
			rc_putc('\t');
			rc_put_field(rows[i].name, strlen(rows[i].name), 0);
			rc_putf("\t%ld\t%ld\t%d\t%s\n", rows[i].total, rows[i].avail,
			    rows[i].slot, rows[i].node);
		}
	}
	for (i = 0; i < n; i++)
		free(ids[i]);
	for (i = 0; i < m; i++)
		free(rows[i].name);
	free(ids);
	free(rows);
	return RC_EX_OK;
}

/* Releases every expired hold of an event, the waitlist served from each;
 * *released and *offers count them.  The answer is the sweep's last (OK
 * released available held sold total offers). */
static void
sweep_event(struct ctx *c, struct evkeys *k, struct answer *an, long *released,
    long *offers)
{
	struct call call;
	const char *w;

	*released = *offers = 0;
	for (;;) {
		call_init(&call, S_SWEEP, k);
		call_arg(&call, "1000");
		run(c, &call, 0, an);
		w = must_word(an, "sweep", NULL, NULL);
		if (strcmp(w, "NOEVENT") == 0)
			die_noevent(k->id);
		*released += atol(elem(an->r, 1));
		*offers += atol(elem(an->r, 6));
		if (atol(elem(an->r, 1)) < 1000)
			return;
		answer_free(an);
	}
}

static int
cmd_availability(struct ctx *c)
{
	struct evkeys k;
	struct answer an;
	long released, offers;

	event_keys(&k, c->argv[0]);
	sweep_event(c, &k, &an, &released, &offers);
	header(c, "state\tseats");
	rc_putf("available\t%s\nheld\t%s\nsold\t%s\n", elem(an.r, 2), elem(an.r, 3),
	    elem(an.r, 4));
	answer_free(&an);
	return RC_EX_OK;
}

static int
cmd_sweep(struct ctx *c)
{
	char **ids;
	size_t n, i;
	int own = 0;

	if (c->argc > 0) {
		ids = c->argv;
		n = (size_t)c->argc;
	} else {
		ids = scan_events(c, &n);
		own = 1;
	}
	header(c, "event\treleased\toffered");
	for (i = 0; i < n; i++) {
		struct evkeys k;
		struct answer an;
		long released, offers;
		event_keys(&k, ids[i]);
		sweep_event(c, &k, &an, &released, &offers);
		answer_free(&an);
		rc_put_field(ids[i], strlen(ids[i]), 1);
		rc_putf("\t%ld\t%ld\n", released, offers);
	}
	if (own) {
		for (i = 0; i < n; i++)
			free(ids[i]);
		free(ids);
	}
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

static int
cmd_seat_map(struct ctx *c)
{
	const char *id = c->argv[0];
	struct evkeys k;
	struct answer an;
	redisReply *meta, *seats;
	struct rc_pipe *p;
	long released, offers;
	int nrows, per, rr, s;
	size_t i;
	char *st, rn[4];

	event_keys(&k, id);
	sweep_event(c, &k, &an, &released, &offers);
	answer_free(&an);
	/* One MULTI-free read is enough: both replies come from one node in
	 * order, and a map is a picture of a moment anyway. */
	p = rc_pipe_new(&c->cl);
	rc_pipe_cmd(p, k.slot, "HMGET %s rows seats name", k.k[0]);
	rc_pipe_cmd(p, k.slot, "HGETALL %s", k.k[1]);
	rc_pipe_exec(p);
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

static int
cmd_reserve(struct ctx *c)
{
	struct args *a = &c->a;
	struct evkeys k;
	struct call call;
	struct answer an;
	redisReply *r;
	char res[128], suffix[16], hold[16];
	const char *w;

	if (a->event == NULL)
		rc_die(RC_EX_USAGE, "--event is required");
	event_keys(&k, a->event);
	text_arg(a->user, "--user", 1);
	text_arg(a->name, "--name", 0);
	text_arg(a->email, "--email", 0);
	seats_arg(a->seats);
	snprintf(hold, sizeof hold, "%ld", a->hold ? num_arg(a->hold, "--hold", 1, 86400) : 0);
	random_hex(suffix, 12);
	snprintf(res, sizeof res, "%s.%s", k.id, suffix);
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
	rc_die(RC_EX_CLUSTER, "reserve %s: unexpected answer %s", res, w);
}

/* confirm and cancel: the script on the reservation the operand names,
 * followed by a WAIT with --durable (see run).  Dies on what both share (no
 * answer, no such reservation); returns the answer's first word. */
static const char *
settle(struct ctx *c, int script, const char *what, const char *maybe, struct answer *an)
{
	const char *res = c->argv[0], *w;
	struct evkeys k;
	struct call call;

	res_keys(&k, res);
	call_init(&call, script, &k);
	call_arg(&call, res);
	run(c, &call, c->durable, an);
	w = must_word(an, what, res, maybe);
	if (strcmp(w, "NORES") == 0)
		die_nores(res);
	return w;
}

/* --durable: what no replica acknowledged in time is said, and is exit 1. */
static int
durable_rc(struct ctx *c, const struct answer *an, const char *done)
{
	if (!c->durable || an->replicas >= 1)
		return RC_EX_OK;
	rc_warn("%s is %s on the master, but no replica acknowledged it within %d ms: "
	    "a failover now could undo it", c->argv[0], done, c->wait_ms);
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

static int
cmd_confirm(struct ctx *c)
{
	const char *res = c->argv[0], *w;
	struct answer an;
	int rc;

	w = settle(c, S_CONFIRM, "confirm", "it may or may not be confirmed", &an);
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
	header(c, c->durable ? "reservation\tstatus\treplicas" : "reservation\tstatus");
	rc_putf("%s\tconfirmed", res);
	end_row(c, &an);
	rc = durable_rc(c, &an, "confirmed");
	answer_free(&an);
	return rc;
}

static int
cmd_cancel(struct ctx *c)
{
	const char *res = c->argv[0], *w;
	struct answer an;
	size_t i;
	int rc;

	w = settle(c, S_CANCEL, "cancel", "it may or may not be cancelled", &an);
	if (strcmp(w, "ALREADY") == 0 && !an.lost)
		rc_die(RC_EX_NO, "reservation %s was already cancelled", res);
	if (strcmp(w, "STATE") == 0)
		rc_die(RC_EX_NO, "reservation %s is %s: nothing to cancel", res, elem(an.r, 1));
	if (!settled(w))
		rc_die(RC_EX_CLUSTER, "cancel %s: unexpected answer %s", res, w);
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
	rc = durable_rc(c, &an, "cancelled");
	answer_free(&an);
	return rc;
}

static int
cmd_show(struct ctx *c)
{
	const char *res = c->argv[0];
	struct evkeys k;
	struct call call;
	struct answer an;
	redisReply *r;
	char buf[32];
	long long x, now;

	res_keys(&k, res);
	call_init(&call, S_SHOW, &k);
	call_arg(&call, res);
	r = run(c, &call, 0, &an);
	if (strcmp(must_word(&an, "show", NULL, NULL), "NORES") == 0)
		die_nores(res);
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
	snprintf(buf, sizeof buf, "%lld", strcmp(elem(r, 4), "held") == 0 && x > now ?
	    (x - now + 999) / 1000 : 0);
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

static int
cmd_waitlist_list(struct ctx *c)
{
	struct answer an;
	redisReply *r = waitlist_call(c, c->argv[0], "list", "", "0", &an);
	size_t i;

	header(c, "position\tuser\tseats");
	for (i = 1; i + 1 < r->elements; i += 2) {
		rc_putf("%zu\t", (i + 1) / 2);
		rc_put_field(elem(r, i), strlen(elem(r, i)), 0);
		rc_putf("\t%s\n", elem(r, i + 1));
	}
	answer_free(&an);
	return RC_EX_OK;
}

/* join and leave. */
static int
waitlist_change(struct ctx *c, const char *op)
{
	struct args *a = &c->a;
	struct answer an;
	redisReply *r;
	const char *w;
	char count[16];

	if (a->event == NULL)
		rc_die(RC_EX_USAGE, "--event is required");
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
		header(c, "position");
		rc_putf("%s\n", elem(r, 1));
	}
	answer_free(&an);
	return RC_EX_OK;
}

static int
cmd_waitlist_join(struct ctx *c)
{
	return waitlist_change(c, "join");
}

static int
cmd_waitlist_leave(struct ctx *c)
{
	return waitlist_change(c, "leave");
}

static int
cmd_audit(struct ctx *c)
{
	const char *id = c->argv[0];
	struct evkeys k;
	struct call call;
	struct answer an;
	redisReply *r;
	size_t i, nv;

	event_keys(&k, id);
	call_init(&call, S_AUDIT, &k);
	r = run(c, &call, 0, &an);
	if (strcmp(must_word(&an, "audit", NULL, NULL), "NOEVENT") == 0)
		die_noevent(id);
	nv = r->elements > 6 ? r->elements - 6 : 0;
	header(c, "check\tvalue");
	rc_putf("seats\t%s\navailable\t%s\nheld\t%s\nsold\t%s\nreservations\t%s\n"
	    "violations\t%zu\n", elem(r, 1), elem(r, 2), elem(r, 3), elem(r, 4),
	    elem(r, 5), nv);
	for (i = 6; i < r->elements; i++) {
		rc_puts("violation\t");
		rc_put_field(elem(r, i), strlen(elem(r, i)), 0);
		rc_putc('\n');
	}
	answer_free(&an);
	if (nv > 0) {
		rc_warn("audit %s: %zu violation%s", id, nv, nv == 1 ? "" : "s");
		return RC_EX_NO;
	}
	return RC_EX_OK;
}

/* ---- load: N simulated users --------------------------------------------------------- */

enum { U_IDLE, U_RESERVE, U_CONFIRM, U_CANCEL };

struct luser {
	int state;
	char res[120];
	char seats[MAX_REQ_SEATS * 8];
	double first_fail;      /* when the current step first failed; 0 none */
	int tries;
	int lost;               /* a try may have run unseen */
	int dtries;             /* durable re-checks of a confirm */
	uint64_t not_before;
};

struct lstats {
	unsigned long started, ok, conflicts, errors, confirmed, cancelled, expired;
	unsigned long ops, retries, unacked, lost_sales, redirects;
	unsigned long done;     /* reservations carried to their end */
};

struct load;

struct lthread {
	pthread_t tid;
	struct load *L;
	struct luser *u;
	int nu;
	uint64_t rng;
	struct rc_hist h;
	struct lstats s;
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
lload_log(struct load *L, const char *res, const char *what, const char *seats)
{
	if (L->log == NULL)
		return;
	pthread_mutex_lock(&L->logmu);
	fprintf(L->log, "%s\t%s\t%s\n", res, what, seats);
	pthread_mutex_unlock(&L->logmu);
}

/* A new reservation for a user: K seats, adjacent in a row (the way people
 * book) or anywhere (--random); overlapping other users' on purpose. */
static void
pick_seats(struct load *L, struct lthread *t, struct luser *u)
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
	snprintf(u->res, sizeof u->res, "%s.", L->k.id);
	for (i = 0; i < 12; i++) {
		size_t l = strlen(u->res);
		u->res[l] = "0123456789abcdef"[xrand(&t->rng) & 15];
		u->res[l + 1] = '\0';
	}
	u->state = U_RESERVE;
	u->tries = 0;
	u->lost = 0;
	u->dtries = 0;
	u->first_fail = 0;
}

static void
user_call(struct load *L, struct luser *u, struct call *call, int eval)
{
	static const int script[] = { 0, S_RESERVE, S_CONFIRM, S_CANCEL };

	call_init(call, script[u->state], &L->k);
	call_arg(call, u->res);
	if (u->state == U_RESERVE) {
		call_arg(call, "load");
		call_arg(call, u->seats);
		call_arg(call, "");
		call_arg(call, "");
		call_arg(call, "0");
	}
	call_mode(call, eval);
}

static void
user_done(struct lthread *t, struct luser *u)
{
	t->s.done++;
	u->state = U_IDLE;
	u->tries = 0;
	u->lost = 0;
	u->dtries = 0;
	u->first_fail = 0;
}

/* What a user does with the answer to its step.  clean: with --durable, the
 * round's WAIT proved a replica has everything this connection wrote. */
/* A confirm or cancel that did not go through: the hold had expired (STATE),
 * or the reservation is gone (NORES: a failover lost an unreplicated write). */
static void
not_settled(struct load *L, struct lthread *t, struct luser *u,
    const redisReply *r, const char *w)
{
	if (strcmp(w, "STATE") == 0) {
		t->s.expired++;
		lload_log(L, u->res, elem(r, 1), u->seats);
	} else {
		t->s.errors++;
		t->s.lost_sales++;
		lload_log(L, u->res, "error", "reservation lost");
	}
}

static void
user_reply(struct load *L, struct lthread *t, struct luser *u, redisReply *r, int clean,
    uint64_t now)
{
	const char *w = word(r);
	double tnow = (double)now / 1e6;

	if (w == NULL) {
		if (transient(r) || is_err(r, "NOSCRIPT")) {
			if (is_err(r, "NOSCRIPT"))
				return;         /* again at once, with EVAL */
			if (is_err(r, "IOERR"))
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
		lload_log(L, u->res, "error", r->type == REDIS_REPLY_ERROR ? r->str : "?");
		user_done(t, u);
		return;
	}
	t->s.ops++;
	u->first_fail = 0;
	switch (u->state) {
	case U_RESERVE:
		if (strcmp(w, "OK") == 0 || (strcmp(w, "SAME") == 0 &&
		    strcmp(elem(r, 1), "held") == 0)) {
			int roll = (int)(xrand(&t->rng) % 100);
			t->s.ok++;
			lload_log(L, u->res, "held", u->seats);
			if (roll < L->confirm_pct)
				u->state = U_CONFIRM;
			else if (roll < L->confirm_pct + L->cancel_pct)
				u->state = U_CANCEL;
			else
				user_done(t, u);
			u->tries = 0;
			u->lost = 0;
			return;
		}
		if (strcmp(w, "CONFLICT") == 0) {
			t->s.conflicts++;
			lload_log(L, u->res, "conflict", u->seats);
		} else if (strcmp(w, "SAME") == 0) {
			t->s.expired++;
			lload_log(L, u->res, elem(r, 1), u->seats);
		} else {
			t->s.errors++;
			lload_log(L, u->res, "error", w);
			if (strcmp(w, "NOEVENT") == 0) {
				t->fatal = 1;
				snprintf(t->err, sizeof t->err, "no event '%s'", L->k.id);
			}
		}
		user_done(t, u);
		return;
	case U_CONFIRM:
		if (strcmp(w, "OK") == 0 || strcmp(w, "ALREADY") == 0) {
			if (L->c->durable && !clean) {
				/* Not proven on a replica yet: confirm again (it is
				 * idempotent and writes) with a WAIT after it. */
				if (++u->dtries <= 5) {
					u->not_before = now + 20000;
					return;
				}
				t->s.unacked++;
				t->s.confirmed++;
				lload_log(L, u->res, "confirmed-unacked", u->seats);
			} else {
				t->s.confirmed++;
				lload_log(L, u->res, L->c->durable ? "confirmed-durable" :
				    "confirmed", u->seats);
			}
		} else
			not_settled(L, t, u, r, w);
		user_done(t, u);
		return;
	case U_CANCEL:
		if (strcmp(w, "OK") == 0 || strcmp(w, "ALREADY") == 0) {
			t->s.cancelled++;
			lload_log(L, u->res, "cancelled", u->seats);
		} else
			not_settled(L, t, u, r, w);
		user_done(t, u);
		return;
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

static void *
load_thread(void *arg)
{
	struct lthread *t = arg;
	struct load *L = t->L;
	struct ctx *c = L->c;
	struct rc_cluster cl;
	struct rc_pipe *p;
	struct call call;
	int *batch = rc_calloc((size_t)t->nu, sizeof *batch);
	int eval = 0;
	char ms[16];
	const char *hint;

	snprintf(ms, sizeof ms, "%d", c->wait_ms);
	/* The seed answered a moment ago: a refused connection now may pass. */
	if (open_handle(c, &cl, 0, &hint) < 0) {
		t->fatal = 1;
		snprintf(t->err, sizeof t->err, "%s%s", cl.err, hint);
		free(batch);
		atomic_fetch_sub(&L->running, 1);
		return NULL;
	}
	p = rc_pipe_new(&cl);
	for (;;) {
		uint64_t now = rc_now_us(), t1, lat, wake = UINT64_MAX;
		unsigned long before;
		int i, n = 0, active = 0, confirms = 0, clean, waited = 0;

		if (now > L->t_hard || t->fatal)
			break;
		for (i = 0; i < t->nu; i++) {
			struct luser *u = &t->u[i];
			if (u->state == U_IDLE) {
				if (!may_start(L, now))
					continue;
				pick_seats(L, t, u);
				t->s.started++;
			}
			active++;
			if (u->not_before > now) {
				if (u->not_before < wake)
					wake = u->not_before;
				continue;
			}
			user_call(L, u, &call, eval);
			call_pipe(p, &call);
			confirms += u->state == U_CONFIRM;
			batch[n++] = i;
		}
		if (active == 0)
			break;
		if (n == 0) {
			rc_sleep_ms(wake - now > 1000 ? (int)((wake - now) / 1000) : 1);
			continue;
		}
		if (c->durable && confirms > 0) {
			rc_pipe_cmd(p, L->k.slot, "WAIT 1 %s", ms);
			waited = 1;
		}
		before = cl.nmoved + cl.nask + cl.nretry + cl.nrefresh;
		rc_pipe_exec(p);
		t1 = rc_now_us();
		lat = t1 - now;
		clean = before == cl.nmoved + cl.nask + cl.nretry + cl.nrefresh;
		if (waited) {
			redisReply *w = rc_pipe_reply(p, (size_t)n);
			clean = clean && w->type == REDIS_REPLY_INTEGER && w->integer >= 1;
		}
		eval = 0;
		for (i = 0; i < n; i++) {
			redisReply *r = rc_pipe_reply(p, (size_t)i);
			if (is_err(r, "NOSCRIPT"))
				eval = 1;
			else
				rc_hist_add(&t->h, lat);
			user_reply(L, t, &t->u[batch[i]], r, clean, t1);
		}
		rc_pipe_reset(p);
		atomic_store_explicit(&t->shown_ops, t->s.ops, memory_order_relaxed);
		atomic_store_explicit(&t->shown_done, t->s.done, memory_order_relaxed);
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
load_progress(struct load *L, struct lthread *th, double secs)
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

static void
metric(const char *name, const char *fmt, double v)
{
	rc_puts(name);
	rc_putc('\t');
	rc_putf(fmt, v);
	rc_putc('\n');
}

static int
cmd_load(struct ctx *c)
{
	struct args *a = &c->a;
	struct load L;
	struct lthread *th;
	struct lstats s;
	struct rc_hist h;
	struct rc_pipe *p;
	redisReply *meta;
	double secs, elapsed;
	int i, fatal = 0;

	memset(&L, 0, sizeof L);
	L.c = c;
	if (a->event == NULL)
		rc_die(RC_EX_USAGE, "--event is required");
	event_keys(&L.k, a->event);
	L.users = (int)num_arg(a->users ? a->users : "10", "--users", 1, 10000);
	L.kseats = (int)num_arg(a->seats ? a->seats : "2", "--seats", 1, MAX_REQ_SEATS);
	if (a->duration != NULL && a->requests != NULL)
		rc_die(RC_EX_USAGE, "give --duration or --requests, not both");
	L.requests = a->requests ? num_arg(a->requests, "--requests", 1, 100000000) : 0;
	secs = a->duration ? (double)num_arg(a->duration, "--duration", 1, 86400) : 0;
	if (L.requests == 0 && secs == 0)
		L.requests = (long)L.users * 10;
	L.threads = (int)num_arg(a->threads ? a->threads : "2", "--threads", 1, 64);
	if (L.threads > L.users)
		L.threads = L.users;
	L.confirm_pct = (int)num_arg(a->confirm ? a->confirm : "80", "--confirm", 0, 100);
	L.cancel_pct = (int)num_arg(a->cancel ? a->cancel : "10", "--cancel", 0, 100);
	if (L.confirm_pct + L.cancel_pct > 100)
		rc_die(RC_EX_USAGE, "--confirm and --cancel add up to more than 100%%");
	L.random = a->random;
	if (a->log != NULL && (L.log = fopen(a->log, "w")) == NULL)
		rc_die(RC_EX_USAGE, "%s: %s", a->log, strerror(errno));
	pthread_mutex_init(&L.logmu, NULL);

	cluster_open(c);
	p = rc_pipe_new(&c->cl);
	rc_pipe_cmd(p, L.k.slot, "HMGET %s rows seats", L.k.k[0]);
	rc_pipe_exec(p);
	meta = rc_pipe_reply(p, 0);
	if (meta->type != REDIS_REPLY_ARRAY || meta->elements != 2)
		die_reply(meta, "load");
	if (meta->element[0]->type != REDIS_REPLY_STRING)
		die_noevent(L.k.id);
	L.rows = atoi(meta->element[0]->str);
	L.per = atoi(meta->element[1]->str);
	rc_pipe_free(p);
	if (L.kseats > L.per)
		rc_die(RC_EX_USAGE, "--seats %d: event %s has %d seats a row", L.kseats, L.k.id,
		    L.per);

	th = rc_calloc((size_t)L.threads, sizeof *th);
	atomic_store(&L.running, L.threads);
	L.t0 = rc_now_us();
	L.t_end = L.t0 + (uint64_t)(secs * 1e6);
	L.t_hard = L.t0 + (uint64_t)((secs + c->retry_s + 60 + (L.requests ? 3600 : 0)) * 1e6);
	for (i = 0; i < L.threads; i++) {
		int lo = L.users * i / L.threads, hi = L.users * (i + 1) / L.threads;
		char seed[17];
		th[i].L = &L;
		th[i].nu = hi - lo;
		th[i].u = rc_calloc((size_t)th[i].nu, sizeof *th[i].u);
		random_hex(seed, 16);
		th[i].rng = strtoull(seed, NULL, 16) | 1;
		rc_hist_init(&th[i].h);
		if (pthread_create(&th[i].tid, NULL, load_thread, &th[i]) != 0)
			rc_die(RC_EX_USAGE, "cannot start a thread");
	}
	load_progress(&L, th, secs);
	memset(&s, 0, sizeof s);
	rc_hist_init(&h);
	for (i = 0; i < L.threads; i++) {
		pthread_join(th[i].tid, NULL);
		rc_hist_merge(&h, &th[i].h);
		s.started += th[i].s.started;
		s.ok += th[i].s.ok;
		s.conflicts += th[i].s.conflicts;
		s.errors += th[i].s.errors;
		s.confirmed += th[i].s.confirmed;
		s.cancelled += th[i].s.cancelled;
		s.expired += th[i].s.expired;
		s.ops += th[i].s.ops;
		s.retries += th[i].s.retries;
		s.unacked += th[i].s.unacked;
		s.lost_sales += th[i].s.lost_sales;
		s.redirects += th[i].s.redirects;
		if (th[i].fatal && !fatal) {
			rc_warn("load: %s", th[i].err);
			fatal = 1;
		}
		free(th[i].u);
	}
	elapsed = (double)(rc_now_us() - L.t0) / 1e6;
	if (L.log != NULL && fclose(L.log) != 0)
		rc_warn("%s: %s", a->log, strerror(errno));
	free(th);
	if (fatal)
		return RC_EX_CLUSTER;
	header(c, "metric\tvalue");
	metric("users", "%.0f", L.users);
	metric("threads", "%.0f", L.threads);
	metric("seats_per_request", "%.0f", L.kseats);
	metric("requests", "%.0f", (double)s.started);
	metric("ok", "%.0f", (double)s.ok);
	metric("conflicts", "%.0f", (double)s.conflicts);
	metric("errors", "%.0f", (double)s.errors);
	metric("confirmed", "%.0f", (double)s.confirmed);
	metric("cancelled", "%.0f", (double)s.cancelled);
	metric("expired", "%.0f", (double)s.expired);
	metric("retries", "%.0f", (double)s.retries);
	metric("redirects", "%.0f", (double)s.redirects);
	if (c->durable)
		metric("durable_unacked", "%.0f", (double)s.unacked);
	metric("elapsed_s", "%.3f", elapsed);
	metric("ops", "%.0f", (double)s.ops);
	metric("ops_per_sec", "%.0f", elapsed > 0 ? (double)s.ops / elapsed : 0);
	metric("reservations_per_sec", "%.0f", elapsed > 0 ? (double)s.ok / elapsed : 0);
	metric("p50_ms", "%.3f", (double)rc_hist_pct(&h, 50) / 1000);
	metric("p99_ms", "%.3f", (double)rc_hist_pct(&h, 99) / 1000);
	metric("p999_ms", "%.3f", (double)rc_hist_pct(&h, 99.9) / 1000);
	if (s.errors > 0 || s.unacked > 0) {
		rc_warn("load: %lu error%s (%lu reservation%s lost), %lu durable confirm%s "
		    "not acknowledged by a replica", s.errors, s.errors == 1 ? "" : "s",
		    s.lost_sales, s.lost_sales == 1 ? "" : "s", s.unacked,
		    s.unacked == 1 ? "" : "s");
		return RC_EX_NO;
	}
	return RC_EX_OK;
}

/* ---- main ------------------------------------------------------------------------------- */

enum { O_NAME = 0x2000, O_ROWS, O_SEATS, O_PRICE, O_HOLD, O_ID, O_EVENT, O_USER,
	O_EMAIL, O_USERS, O_DURATION, O_REQUESTS, O_THREADS, O_CONFIRM, O_CANCEL,
	O_LOG, O_COUNT, O_RANDOM, O_DURABLE, O_RETRY, O_WAITMS };
#define OPT(o) (1u << ((o) - O_NAME))

static const struct option longopts[] = {
	RC_COMMON_LONGOPTS,
	{ "name", required_argument, NULL, O_NAME },
	{ "rows", required_argument, NULL, O_ROWS },
	{ "seats", required_argument, NULL, O_SEATS },
	{ "price", required_argument, NULL, O_PRICE },
	{ "hold", required_argument, NULL, O_HOLD },
	{ "id", required_argument, NULL, O_ID },
	{ "event", required_argument, NULL, O_EVENT },
	{ "user", required_argument, NULL, O_USER },
	{ "email", required_argument, NULL, O_EMAIL },
	{ "users", required_argument, NULL, O_USERS },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "requests", required_argument, NULL, O_REQUESTS },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "confirm", required_argument, NULL, O_CONFIRM },
	{ "cancel", required_argument, NULL, O_CANCEL },
	{ "log", required_argument, NULL, O_LOG },
	{ "count", required_argument, NULL, O_COUNT },
	{ "random", no_argument, NULL, O_RANDOM },
	{ "durable", no_argument, NULL, O_DURABLE },
	{ "retry", required_argument, NULL, O_RETRY },
	{ "wait-ms", required_argument, NULL, O_WAITMS },
	{ NULL, 0, NULL, 0 }
};

/* A command: its words, how many operands, the options it takes (besides
 * the common ones and --retry), its synopsis and a line of help. */
struct command {
	const char *name, *sub;
	int min, max;           /* operands; max -1: any number */
	unsigned opts;
	const char *synopsis, *help;
	int (*run)(struct ctx *);
};

#define DURABLE (OPT(O_DURABLE) | OPT(O_WAITMS))
static const struct command commands[] = {
	{ "create-event", NULL, 0, 0, OPT(O_NAME) | OPT(O_ROWS) | OPT(O_SEATS) |
	  OPT(O_PRICE) | OPT(O_HOLD) | OPT(O_ID),
	  "--name N --rows R --seats S --price P [--hold SECS] [--id ID]", "", cmd_create },
	{ "events", NULL, 0, 0, 0, "", "every event on every master", cmd_events },
	{ "seat-map", NULL, 1, 1, 0, "EVENT", "the seats (grid on a terminal)", cmd_seat_map },
	{ "availability", NULL, 1, 1, 0, "EVENT", "available, held, sold", cmd_availability },
	{ "reserve", NULL, 0, 0, OPT(O_EVENT) | OPT(O_USER) | OPT(O_SEATS) | OPT(O_NAME) |
	  OPT(O_EMAIL) | OPT(O_HOLD),
	  "--event E --user U --seats A1,A2 [--name N] [--email M] [--hold SECS]", "",
	  cmd_reserve },
	{ "confirm", NULL, 1, 1, DURABLE, "[--durable [--wait-ms MS]] RES", "held -> sold",
	  cmd_confirm },
	{ "cancel", NULL, 1, 1, DURABLE, "[--durable [--wait-ms MS]] RES",
	  "release; the waitlist is offered the seats", cmd_cancel },
	{ "show", NULL, 1, 1, 0, "RES", "one reservation", cmd_show },
	{ "waitlist", "join", 0, 0, OPT(O_EVENT) | OPT(O_USER) | OPT(O_COUNT),
	  "--event E --user U [--count N]", "", cmd_waitlist_join },
	{ "waitlist", "list", 1, 1, 0, "EVENT", "the waitlist in order", cmd_waitlist_list },
	{ "waitlist", "leave", 0, 0, OPT(O_EVENT) | OPT(O_USER), "--event E --user U", "",
	  cmd_waitlist_leave },
	{ "load", NULL, 0, 0, OPT(O_EVENT) | OPT(O_USERS) | OPT(O_SEATS) | OPT(O_DURATION) |
	  OPT(O_REQUESTS) | DURABLE | OPT(O_THREADS) | OPT(O_RANDOM) | OPT(O_CONFIRM) |
	  OPT(O_CANCEL) | OPT(O_LOG),
	  "--event E [--users N] [--seats K] [--duration S | --requests N] "
	  "[--durable [--wait-ms MS]] [--threads T] [--random] [--confirm PCT] "
	  "[--cancel PCT] [--log FILE]", "", cmd_load },
	{ "audit", NULL, 1, 1, 0, "EVENT", "check every invariant; exit 1 on a violation",
	  cmd_audit },
	{ "sweep", NULL, 0, -1, 0, "[EVENT ...]", "release expired holds now", cmd_sweep },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* "waitlist join" */
static const char *
command_name(const struct command *cmd, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s", cmd->name, cmd->sub ? " " : "", cmd->sub ? cmd->sub : "");
	return buf;
}

/* Dies with a usage error: the command's name, then fmt with what, then its
 * synopsis. */
_Noreturn static void
die_usage(const struct command *cmd, const char *fmt, const char *what)
{
	char name[40], msg[200];

	command_name(cmd, name, sizeof name);
	snprintf(msg, sizeof msg, fmt, what);
	rc_die(RC_EX_USAGE, "%s%s (usage: rc-seats %s%s%s)", name, msg, name,
	    cmd->synopsis[0] != '\0' ? " " : "", cmd->synopsis);
}

static const char *
option_name(int val)
{
	int i;

	for (i = 0; longopts[i].name != NULL; i++)
		if (longopts[i].val == val)
			return longopts[i].name;
	return "?";
}

/* A command's usage line, wrapped between bracketed groups. */
static void
usage_line(FILE *f, const struct command *cmd)
{
	char name[40];
	const char *s = cmd->synopsis;
	int col, depth = 0;

	col = fprintf(f, "  %s", command_name(cmd, name, sizeof name));
	while (*s != '\0') {
		const char *e = s;
		int d = depth;
		while (*e != '\0' && (*e != ' ' || d > 0)) {
			d += (*e == '[') - (*e == ']');
			e++;
		}
		if (col + 1 + (int)(e - s) > 79)
			col = fprintf(f, "\n      ") - 1;
		col += fprintf(f, " %.*s", (int)(e - s), s);
		depth = d;
		s = *e == ' ' ? e + 1 : e;
	}
	if (cmd->help[0] != '\0' && col >= 31)
		col = fprintf(f, "\n") - 1;
	if (cmd->help[0] != '\0')
		fprintf(f, "%*s%s", 31 - col, "", cmd->help);
	fputc('\n', f);
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: rc-seats [-HTp] [-c host:port] command [options] [args]\n");
	for (i = 0; i < NCOMMANDS; i++)
		usage_line(f, &commands[i]);
	fprintf(f,
	    "  any command: --retry SECS (20) --timeout SECS\n"
	    "  -c  seed node (default $RC_CLUSTER, else 127.0.0.1:7001)\n"
	    "  -H  header line   -T  TSV even on a terminal   -p  pretty\n"
	    "  -h  this help     -V  version\n");
}

static const struct command *
find_command(int argc, char **argv)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i].name, argv[0]) != 0)
			continue;
		if (commands[i].sub == NULL)
			return &commands[i];
		if (argc < 2)
			rc_die(RC_EX_USAGE, "%s needs join, list or leave", argv[0]);
		if (strcmp(commands[i].sub, argv[1]) == 0)
			return &commands[i];
	}
	if (strcmp(argv[0], "waitlist") == 0)
		rc_die(RC_EX_USAGE, "waitlist: unknown action '%s' (join, list or leave)", argv[1]);
	rc_warn("unknown command '%s'", argv[0]);
	usage(stderr);
	exit(RC_EX_USAGE);
}

/* A command takes its own options and operands, nothing else: an option
 * that belongs to another command is a usage error, not silently ignored
 * (cancel --name x would look like it did something). */
static void
check_command(const struct command *cmd, const struct args *a, int argc, char **argv)
{
	int i;

	for (i = 0; i < a->norder; i++)
		if (!(OPT(a->order[i]) & (cmd->opts | OPT(O_RETRY))))
			die_usage(cmd, " does not take --%s", option_name(a->order[i]));
	if ((a->given & OPT(O_WAITMS)) && !(a->given & OPT(O_DURABLE)))
		die_usage(cmd, ": %s is the WAIT timeout of --durable: give --durable too",
		    "--wait-ms");
	if (argc < cmd->min)
		die_usage(cmd, ": missing argument%s", "");
	if (cmd->max >= 0 && argc > cmd->max)
		die_usage(cmd, ": unexpected argument '%s'", argv[cmd->max]);
}

int
main(int argc, char **argv)
{
	const struct command *cmd;
	struct ctx c;
	struct args *a = &c.a;
	int ch, rc;

	rc_init(argv[0]);
	memset(&c, 0, sizeof c);
	rc_opts_init(&c.o);
	c.retry_s = 20;
	c.wait_ms = 1000;
	/* Options may come before or after the command word ("+" would stop at
	 * it); getopt_long permutes, so the command is the first operand. */
	while ((ch = rc_getopt(&c.o, argc, argv, "", longopts,
	    usage)) != -1) {
		switch (ch) {
		case O_NAME: a->name = optarg; break;
		case O_ROWS: a->rows = optarg; break;
		case O_SEATS: a->seats = optarg; break;
		case O_PRICE: a->price = optarg; break;
		case O_HOLD: a->hold = optarg; break;
		case O_ID: a->id = optarg; break;
		case O_EVENT: a->event = optarg; break;
		case O_USER: a->user = optarg; break;
		case O_EMAIL: a->email = optarg; break;
		case O_USERS: a->users = optarg; break;
		case O_DURATION: a->duration = optarg; break;
		case O_REQUESTS: a->requests = optarg; break;
		case O_THREADS: a->threads = optarg; break;
		case O_CONFIRM: a->confirm = optarg; break;
		case O_CANCEL: a->cancel = optarg; break;
		case O_LOG: a->log = optarg; break;
		case O_COUNT: a->count = optarg; break;
		case O_RANDOM: a->random = 1; break;
		case O_DURABLE: c.durable = 1; break;
		case O_RETRY:
			c.retry_s = (double)num_arg(optarg, "--retry", 0, 3600);
			break;
		case O_WAITMS:
			c.wait_ms = (int)num_arg(optarg, "--wait-ms", 1, 600000);
			break;
		default:
			usage(stderr);
			return RC_EX_USAGE;
		}
		if (!(a->given & OPT(ch)) && a->norder < 32)
			a->order[a->norder++] = ch;
		a->given |= OPT(ch);
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return RC_EX_USAGE;
	}
	cmd = find_command(argc, argv);
	c.argc = argc - (cmd->sub != NULL ? 2 : 1);
	c.argv = argv + (cmd->sub != NULL ? 2 : 1);
	check_command(cmd, a, c.argc, c.argv);
	rc_opts_done(&c.o);
	scripts_init();
	rc = cmd->run(&c);
	if (c.open)
		rc_cluster_close(&c.cl);
	return rc;
}
