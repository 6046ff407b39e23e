/*
 * lease.c - one operator at a time.
 *
 * A command that changes who owns which slot first takes the cluster's
 * lease.  The lease is not a key (nothing in the user's keyspace, nothing
 * that moves with a slot): it is a connection the holder keeps open to every
 * master, named with CLIENT SETNAME "rc-lease/HOST/PID/SINCE/COMMAND".  So it
 * ends with its holder: when the process dies, however, the kernel closes
 * its sockets and every master forgets the name at once.  A holder that is
 * frozen (SIGSTOP) or cut off keeps it, as it should: it may wake up and go
 * on.  Such a lease is broken by hand (rc_lease_break: CLIENT KILL).
 *
 * Taking it: register on every master that answers, then list every
 * master's clients; another lease anywhere means we lost, and we withdraw.
 * Two operators that register at the same moment may both withdraw (and try
 * again when told to wait), but two can never both hold it: a master's
 * commands run one at a time, so of two registrations on a master the later
 * one's list sees the earlier one.  Both must register on more than half of
 * the masters, so any two of them share a master.
 *
 * A keeper thread PINGs the lease connections every second, so a server
 * with an idle `timeout` does not close them, and registers again on a
 * master that restarted.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rc.h"

#define LEASE_PREFIX "rc-lease/"

struct rc_lease {
	char name[200];
	int n;
	struct rc_addr *addr;
	redisContext **ctx;
	struct rc_opts opts;
	pthread_t keeper;
	pthread_mutex_t mu;
	pthread_cond_t wake;        /* signalled by release: no second lost */
	int stop, started;
};

/* "rc-lease/HOST/PID/SINCE/WHAT", with no blanks (CLIENT SETNAME refuses
 * them) and no slashes inside the fields. */
static void
lease_name(char *buf, size_t n, const char *what)
{
	char host[64] = "", w[48];
	size_t i;

	if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
		snprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = '\0';
	snprintf(w, sizeof w, "%s", what);
	for (i = 0; host[i] != '\0'; i++)
		if (host[i] == '/' || host[i] <= ' ' || host[i] > '~')
			host[i] = '_';
	for (i = 0; w[i] != '\0'; i++)
		if (w[i] == '/' || w[i] <= ' ' || w[i] > '~')
			w[i] = '_';
	snprintf(buf, n, LEASE_PREFIX "%s/%ld/%lld/%s", host, (long)getpid(),
	    (long long)time(NULL), w);
}

/* Makes "host bob, pid 42, rebalance, since 14:02:11 (127.0.0.1:7001)" of a
 * lease name. */
static void
describe(const char *name, size_t len, const char *where, char *out, size_t n)
{
	char buf[256], *f[4], *s, *save = NULL;
	int k = 0;
	time_t since;
	struct tm tm;
	char when[32] = "?";

	snprintf(buf, sizeof buf, "%.*s", (int)len, name);
	s = buf + strlen(LEASE_PREFIX);
	for (s = strtok_r(s, "/", &save); s != NULL && k < 4; s = strtok_r(NULL, "/", &save))
		f[k++] = s;
	if (k < 4) {
		snprintf(out, n, "%s (on %s)", buf, where);
		return;
	}
	since = (time_t)strtoll(f[2], NULL, 10);
	if (localtime_r(&since, &tm) != NULL)
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(out, n, "%s by pid %s on host %s, since %s (seen on %s)", f[3], f[1],
	    f[0], when, where);
}

/* The masters to register on: every master not known to have failed. */
static int
lease_masters(struct rc_cluster *cl, struct rc_node ***out)
{
	struct rc_node **m = rc_calloc((size_t)cl->nnodes + 1, sizeof *m);
	int i, k = 0;

	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *n = cl->nodes[i];
		if (rc_node_is_master(n) && !(n->flags & (RC_NF_FAIL | RC_NF_NOADDR)))
			m[k++] = n;
	}
	*out = m;
	return k;
}

/* Looks through one master's clients for a lease other than mine (NULL:
 * any lease).  1 found (described into out), 0 none, -1 the list failed. */
static int
find_other(redisContext *c, const char *mine, const char *where, long long *id,
    char *out, size_t n)
{
	redisReply *r = rc_cmdv(c, "CLIENT", "LIST", NULL);
	const char *s;
	int found = 0;

	if (r == NULL || r->type != REDIS_REPLY_STRING) {
		if (r != NULL && r->type == REDIS_REPLY_ERROR)
			snprintf(out, n, "%s: CLIENT LIST: %s", where, r->str);
		else
			snprintf(out, n, "%s: CLIENT LIST: %s", where, r ? "unexpected reply" :
			    rc_errstr(c));
		if (r != NULL)
			freeReplyObject(r);
		return -1;
	}
	for (s = r->str; s != NULL && *s != '\0' && !found; s = strchr(s, '\n')) {
		const char *name, *end, *line;
		size_t len;
		while (*s == '\n')
			s++;
		line = s;
		end = strchr(s, '\n');
		if ((name = strstr(s, " name=" LEASE_PREFIX)) == NULL ||
		    (end != NULL && name > end))
			continue;
		name += 6;
		len = strcspn(name, " \n");
		if (mine != NULL && strlen(mine) == len && strncmp(name, mine, len) == 0)
			continue;
		describe(name, len, where, out, n);
		*id = strncmp(line, "id=", 3) == 0 ? strtoll(line + 3, NULL, 10) : -1;
		found = 1;
	}
	freeReplyObject(r);
	return found;
}

static void
drop_all(struct rc_lease *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->ctx[i] != NULL) {
			redisFree(l->ctx[i]);
			l->ctx[i] = NULL;
		}
}

/* Registers the name on one master: 0, or -1 with why. */
static int
register_on(struct rc_lease *l, int i, char *why, size_t n)
{
	char who[300];
	redisReply *r;

	rc_addr_fmt(&l->addr[i], who, sizeof who);
	if ((l->ctx[i] = rc_connect(&l->addr[i], &l->opts, why, n)) == NULL)
		return -1;
	r = rc_cmdv(l->ctx[i], "CLIENT", "SETNAME", l->name, NULL);
	if (rc_reply_ok(r)) {
		freeReplyObject(r);
		return 0;
	}
	snprintf(why, n, "%.100s: CLIENT SETNAME: %.200s", who, r && r->type == REDIS_REPLY_ERROR ?
	    r->str : rc_errstr(l->ctx[i]));
	if (r != NULL)
		freeReplyObject(r);
	redisFree(l->ctx[i]);
	l->ctx[i] = NULL;
	return -1;
}

/* One try: register everywhere, then look for another lease.  0 held; 1
 * another holds it (err names it); -1 could not register on a majority or
 * list a master (err says why). */
static int
try_take(struct rc_lease *l, char *err, size_t errlen)
{
	char why[400] = "";
	int i, reg = 0, rc = 0;

	for (i = 0; i < l->n; i++) {
		if (register_on(l, i, why, sizeof why) == 0)
			reg++;
		else if (rc_text_kind(why) == RC_K_AUTH)
			break;
	}
	if (reg * 2 <= l->n) {
		snprintf(err, errlen, "cannot take the lease on more than half of the %d "
		    "masters (%d answered): %s", l->n, reg, why);
		drop_all(l);
		return -1;
	}
	for (i = 0; i < l->n && rc == 0; i++) {
		char who[300];
		long long id;
		if (l->ctx[i] == NULL)
			continue;
		rc_addr_fmt(&l->addr[i], who, sizeof who);
		rc = find_other(l->ctx[i], l->name, who, &id, err, errlen);
	}
	if (rc != 0)
		drop_all(l);
	return rc;
}

/* After a lost try: does anyone hold the lease now (not merely registered
 * and withdrawing, as we did)?  Asked of every master without registering. */
static int
still_held(struct rc_lease *l)
{
	char why[400], who[300];
	long long id;
	int i, held = 0;

	for (i = 0; i < l->n && !held; i++) {
		redisContext *c = rc_connect(&l->addr[i], &l->opts, why, sizeof why);
		if (c == NULL)
			continue;
		rc_addr_fmt(&l->addr[i], who, sizeof who);
		held = find_other(c, NULL, who, &id, why, sizeof why) == 1;
		redisFree(c);
	}
	return held;
}

/* A condition variable timed on the monotonic clock (a clock step does
 * not stretch the wait). */
static void
cond_init(pthread_cond_t *c)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
}

/* Waits on c (mu held) at most ms milliseconds. */
static void
cond_wait_ms(pthread_cond_t *c, pthread_mutex_t *mu, int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(c, mu, &ts);
}

static void *
keeper(void *arg)
{
	struct rc_lease *l = arg;
	char why[300];
	int i;

	for (;;) {
		pthread_mutex_lock(&l->mu);
		if (l->stop) {
			pthread_mutex_unlock(&l->mu);
			return NULL;
		}
		for (i = 0; i < l->n; i++) {
			redisReply *r;
			if (l->ctx[i] == NULL) {
				register_on(l, i, why, sizeof why);
				continue;
			}
			r = rc_cmdv(l->ctx[i], "PING", NULL);
			if (r == NULL) {
				redisFree(l->ctx[i]);
				l->ctx[i] = NULL;
			} else {
				freeReplyObject(r);
			}
		}
		/* A second between rounds, unless release stops it sooner:
		 * a command must not end up to a second after its work. */
		if (!l->stop)
			cond_wait_ms(&l->wake, &l->mu, 1000);
		pthread_mutex_unlock(&l->mu);
	}
}

int
rc_lease_take(struct rc_cluster *cl, const char *what, double wait_s,
    struct rc_lease **out, char *err, size_t errlen)
{
	struct rc_lease *l = rc_calloc(1, sizeof *l);
	struct rc_node **m;
	double deadline = rc_now() + wait_s;
	int i, rc, extra = 0;

	*out = NULL;
	l->opts = cl->opts;
	l->n = lease_masters(cl, &m);
	if (l->n == 0) {
		snprintf(err, errlen, "no master to take the lease on");
		free(m);
		free(l);
		return -1;
	}
	l->addr = rc_calloc((size_t)l->n, sizeof *l->addr);
	l->ctx = rc_calloc((size_t)l->n, sizeof *l->ctx);
	for (i = 0; i < l->n; i++)
		l->addr[i] = m[i]->addr;
	free(m);
	lease_name(l->name, sizeof l->name, what);
	srand((unsigned)(getpid() ^ (int)rc_now_us()));
	while ((rc = try_take(l, err, errlen)) == 1 && extra < 10) {
		rc_sleep_ms(50 + rand() % 250);
		/* Past the wait, give up only if someone really holds it: two
		 * takers that met withdraw both, and try again at random times. */
		if (rc_now() >= deadline) {
			if (still_held(l))
				break;
			extra++;
		}
	}
	if (rc != 0) {
		free(l->addr);
		free(l->ctx);
		free(l);
		return rc;
	}
	pthread_mutex_init(&l->mu, NULL);
	cond_init(&l->wake);
	l->started = pthread_create(&l->keeper, NULL, keeper, l) == 0;
	*out = l;
	return 0;
}

void
rc_lease_release(struct rc_lease *l)
{
	if (l == NULL)
		return;
	if (l->started) {
		pthread_mutex_lock(&l->mu);
		l->stop = 1;
		pthread_cond_signal(&l->wake);
		pthread_mutex_unlock(&l->mu);
		pthread_join(l->keeper, NULL);
	}
	pthread_cond_destroy(&l->wake);
	pthread_mutex_destroy(&l->mu);
	drop_all(l);
	free(l->addr);
	free(l->ctx);
	free(l);
}

/* Calls fn for every lease on every master that answers.  The number of
 * leases seen, or -1 with err when no master could be asked. */
static int
each_lease(struct rc_cluster *cl, int kill, char *out, size_t outlen, char *err,
    size_t errlen)
{
	struct rc_node **m;
	int n = lease_masters(cl, &m), i, seen = 0, asked = 0;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		redisContext *c = rc_node_ctx(cl, m[i]);
		char who[300], desc[400];
		long long id;
		int rc;

		if (c == NULL)
			continue;
		rc_node_addr(m[i], who, sizeof who);
		while ((rc = find_other(c, NULL, who, &id, desc, sizeof desc)) == 1) {
			char num[32];
			redisReply *r;
			seen++;
			if (out[0] == '\0')
				snprintf(out, outlen, "%s", desc);
			if (!kill || id < 0)
				break;
			snprintf(num, sizeof num, "%lld", id);
			r = rc_cmdv(c, "CLIENT", "KILL", "ID", num, NULL);
			rc = r != NULL && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
			if (r != NULL)
				freeReplyObject(r);
			if (!rc)
				break;
		}
		if (rc >= 0 || seen > 0)
			asked++;
		else
			snprintf(err, errlen, "%s", desc);
	}
	free(m);
	if (asked == 0)
		return -1;
	return seen;
}

int
rc_lease_holder(struct rc_cluster *cl, char *out, size_t outlen, char *err, size_t errlen)
{
	return each_lease(cl, 0, out, outlen, err, errlen);
}

int
rc_lease_break(struct rc_cluster *cl, char *out, size_t outlen, char *err, size_t errlen)
{
	return each_lease(cl, 1, out, outlen, err, errlen);
}
