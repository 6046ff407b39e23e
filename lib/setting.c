/*
 * setting.c - a node's setting changed for a while, and put back on every
 * way out but SIGKILL: when the caller is done (rc_setting_restore), on an
 * error (atexit: rc_die exits), and on SIGINT, SIGTERM or SIGHUP, whose
 * handler sends the CONFIG SET itself over a connection kept idle for it,
 * wherever the run is waiting.  rc-reshard lowers a joining node's
 * cluster-node-timeout this way, and keeps a drained master and its
 * replicas from re-homing themselves (cluster-allow-replica-migration).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rc.h"

#define NSETTINGS 64

static struct setting {
	int active;                 /* changed, not yet put back */
	redisContext *sx;           /* kept idle for the restore */
	struct rc_addr addr;
	struct rc_opts opts;        /* to connect again, should sx break */
	char name[64];
	char old[64];
	char resp[256];             /* CONFIG SET name old, as sent on the wire */
	int resplen;
	char note[256];             /* said on stderr by the signal handler */
	int notelen;
} settings[NSETTINGS];
static int nsettings;

/* Only async-signal-safe calls: the commands were encoded beforehand, each
 * reply is waited for (bounded by the connection's timeout), then the
 * signal takes its default course. */
static void
on_signal(int sig)
{
	char buf[64];
	int i;

	for (i = 0; i < nsettings; i++) {
		struct setting *s = &settings[i];
		if (!s->active || s->sx == NULL)
			continue;
		if (write(s->sx->fd, s->resp, (size_t)s->resplen) == s->resplen &&
		    read(s->sx->fd, buf, sizeof buf) > 0 && s->notelen > 0 &&
		    write(STDERR_FILENO, s->note, (size_t)s->notelen) < 0)
			buf[0] = '\0';
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
restore_all(void)
{
	int i;

	for (i = 0; i < nsettings; i++)
		rc_setting_restore(i);
}

static void
watch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	static int done;
	struct sigaction sa;
	size_t i;

	if (done++)
		return;
	atexit(restore_all);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

int
rc_setting_set(redisContext *c, const struct rc_addr *a, const struct rc_opts *o,
    const char *name, const char *value, const char *note)
{
	struct setting *s;
	char err[300], old[64];

	if (nsettings == NSETTINGS || strlen(name) >= sizeof s->name)
		return -1;
	s = &settings[nsettings];
	memset(s, 0, sizeof *s);
	if (rc_ctx_config_get(c, name, old, sizeof old) < 0 || strcmp(old, value) == 0)
		return -1;      /* renamed away, refused, or so already */
	snprintf(s->name, sizeof s->name, "%s", name);
	snprintf(s->old, sizeof s->old, "%s", old);
	s->addr = *a;
	s->opts = *o;
	s->resplen = snprintf(s->resp, sizeof s->resp,
	    "*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n",
	    strlen(name), name, strlen(old), old);
	if (note != NULL)
		s->notelen = snprintf(s->note, sizeof s->note, "%s: %s\n", rc_progname, note);
	if (s->notelen >= (int)sizeof s->note)
		s->notelen = (int)sizeof s->note - 1;
	s->sx = rc_connect(a, o, err, sizeof err);
	watch_signals();
	/* Active before the change: a signal in between puts back what
	 * may have been set. */
	s->active = 1;
	nsettings++;
	if (rc_ctx_config_set(c, name, value) < 0) {
		s->active = 0;
		if (s->sx != NULL)
			redisFree(s->sx);
		s->sx = NULL;
		return -1;
	}
	return nsettings - 1;
}

void
rc_setting_restore(int h)
{
	struct setting *s;
	char a[300], err[300];

	if (h < 0 || h >= nsettings || !settings[h].active)
		return;
	s = &settings[h];
	s->active = 0;
	if (s->sx == NULL || rc_ctx_config_set(s->sx, s->name, s->old) < 0) {
		/* The kept connection broke (the node restarted?): once more. */
		if (s->sx != NULL)
			redisFree(s->sx);
		s->sx = rc_connect(&s->addr, &s->opts, err, sizeof err);
		if (s->sx == NULL || rc_ctx_config_set(s->sx, s->name, s->old) < 0)
			rc_warn("%s: could not put back %s %s: set it by hand "
			    "(CONFIG SET %s %s)", rc_addr_fmt(&s->addr, a, sizeof a),
			    s->name, s->old, s->name, s->old);
	}
	if (s->sx != NULL)
		redisFree(s->sx);
	s->sx = NULL;
}
