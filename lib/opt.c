/* opt.c - addresses, the options every tool shares, auth from the environment. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "rc.h"

int
rc_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
rc_addr_parse(const char *s, struct rc_addr *a)
{
	const char *colon, *host;
	size_t hlen;
	long port;

	if (s == NULL || *s == '\0')
		return -1;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL || rb[1] != ':')
			return -1;
		host = s + 1;
		hlen = (size_t)(rb - host);
		colon = rb + 1;
	} else if ((colon = strrchr(s, ':')) == NULL) {
		/* A bare port means this machine. */
		if (rc_parse_long(s, 1, 65535, &port) < 0)
			return -1;
		snprintf(a->host, sizeof a->host, "127.0.0.1");
		a->port = (int)port;
		return 0;
	} else {
		if (memchr(s, ':', (size_t)(colon - s)) != NULL)
			return -1;      /* IPv6 needs brackets */
		host = s;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof a->host)
		return -1;
	if (rc_parse_long(colon + 1, 1, 65535, &port) < 0)
		return -1;
	memcpy(a->host, host, hlen);
	a->host[hlen] = '\0';
	a->port = (int)port;
	return 0;
}

const char *
rc_addr_fmt(const struct rc_addr *a, char *buf, size_t n)
{
	if (strchr(a->host, ':') != NULL)
		snprintf(buf, n, "[%s]:%d", a->host, a->port);
	else
		snprintf(buf, n, "%s:%d", a->host, a->port);
	return buf;
}

int
rc_addr_eq(const struct rc_addr *a, const struct rc_addr *b)
{
	return a->port == b->port && strcmp(a->host, b->host) == 0;
}

static void
set_seed(struct rc_opts *o, const char *s, const char *from)
{
	if (rc_addr_parse(s, &o->seed) < 0)
		rc_die(RC_EX_USAGE, "%s: '%s' is not HOST:PORT (IPv6 as [::1]:7001)",
		    from, s);
}

static void
set_timeout(struct rc_opts *o, const char *s, const char *from)
{
	char *end;
	double secs;

	errno = 0;
	secs = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || secs <= 0 || secs > 3600)
		rc_die(RC_EX_USAGE, "%s: '%s' is not a timeout in seconds (0 < T <= 3600)",
		    from, s);
	o->timeout_ms = (int)(secs * 1000 + 0.5);
	if (o->timeout_ms < 1)
		o->timeout_ms = 1;
}

void
rc_opts_init(struct rc_opts *o)
{
	const char *s;

	memset(o, 0, sizeof *o);
	snprintf(o->seed.host, sizeof o->seed.host, "127.0.0.1");
	o->seed.port = 7001;
	o->timeout_ms = 5000;
	o->mode = RC_MODE_AUTO;
	if ((s = getenv("RC_CLUSTER")) != NULL && *s != '\0')
		set_seed(o, s, "RC_CLUSTER");
	if ((s = getenv("RC_TIMEOUT")) != NULL && *s != '\0')
		set_timeout(o, s, "RC_TIMEOUT");
	if ((s = getenv("RC_AUTH")) != NULL && *s != '\0')
		o->pass = rc_strdup(s);
	else if ((s = getenv("REDISCLI_AUTH")) != NULL && *s != '\0')
		o->pass = rc_strdup(s);
	if ((s = getenv("RC_USER")) != NULL && *s != '\0')
		o->user = rc_strdup(s);
}

int
rc_opts_parse(struct rc_opts *o, int ch, const char *arg)
{
	switch (ch) {
	case 'c':
		set_seed(o, arg, "-c");
		return 1;
	case 'H':
		o->header = 1;
		return 1;
	case 'T':
		o->mode = RC_MODE_TSV;
		return 1;
	case 'p':
		o->mode = RC_MODE_PRETTY;
		return 1;
	case RC_OPT_ASKPASS:
		o->askpass = 1;
		return 1;
	case RC_OPT_TIMEOUT:
		set_timeout(o, arg, "--timeout");
		return 1;
	}
	return 0;
}

/* Reads a password from the terminal without echo. */
static char *
askpass(void)
{
	struct termios old, quiet;
	char buf[1024];
	FILE *tty;
	int echo_off = 0;
	size_t n;

	if ((tty = fopen("/dev/tty", "r+")) == NULL)
		rc_die(RC_EX_USAGE, "--askpass needs a terminal (or set RC_AUTH)");
	fprintf(tty, "Password: ");
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		echo_off = tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == 0;
	}
	if (fgets(buf, sizeof buf, tty) == NULL)
		buf[0] = '\0';
	if (echo_off)
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fprintf(tty, "\n");
	fclose(tty);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return rc_strdup(buf);
}

void
rc_opts_done(struct rc_opts *o)
{
	const char *nc;

	if (o->askpass) {
		free(o->pass);
		o->pass = askpass();
	}
	if (o->mode == RC_MODE_AUTO)
		o->pretty = rc_isatty(STDOUT_FILENO);
	else
		o->pretty = o->mode == RC_MODE_PRETTY;
	nc = getenv("NO_COLOR");
	o->color = o->pretty && rc_isatty(STDOUT_FILENO) &&
	    (nc == NULL || *nc == '\0');
}

int
rc_getopt(struct rc_opts *o, int argc, char *const argv[], const char *shortopts,
    const struct option *longopts, void (*usage)(FILE *))
{
	static char all[128];
	int ch;

	snprintf(all, sizeof all, "%s%s", RC_COMMON_SHORTOPTS, shortopts);
	while ((ch = getopt_long(argc, argv, all, longopts, NULL)) != -1) {
		if (rc_opts_parse(o, ch, optarg))
			continue;
		switch (ch) {
		case 'h':
			usage(stdout);
			exit(RC_EX_OK);
		case 'V':
			rc_version();
		case '?':
		case ':':
			usage(stderr);
			exit(RC_EX_USAGE);
		}
		return ch;
	}
	return -1;
}

void
rc_version(void)
{
	printf("%s %s\n", rc_progname, RC_VERSION);
	exit(RC_EX_OK);
}
