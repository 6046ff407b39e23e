/* err.c - messages, exit codes, and allocation that cannot fail. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rc.h"

const char *rc_progname = "rc";

static void finish(void);

void
rc_init(const char *argv0)
{
	const char *s;

	if (argv0 != NULL && *argv0 != '\0') {
		s = strrchr(argv0, '/');
		rc_progname = s != NULL ? s + 1 : argv0;
	}
	atexit(finish);
}

/* At exit stdout is flushed and checked: a full disk or a closed pipe is an
 * error the user must see, not silence.  rc_main and rc_die have checked it
 * already, knowing the status; this catches every other exit. */
static void
finish(void)
{
	int code = rc_out_end(RC_EX_OK);

	if (code != RC_EX_OK)
		_exit(code);
}

static void vwarn(const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
vwarn(const char *prefix, const char *fmt, va_list ap)
{
	char buf[4096];
	int n;

	n = snprintf(buf, sizeof buf, "%s: %s", rc_progname, prefix ? prefix : "");
	if (n < 0 || (size_t)n >= sizeof buf)
		n = 0;
	vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
	fprintf(stderr, "%s\n", buf);
}

void
rc_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(NULL, fmt, ap);
	va_end(ap);
}

void
rc_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(NULL, fmt, ap);
	va_end(ap);
	exit(rc_out_end(code));
}

void
rc_die_at(const char *name, long line, const char *fmt, ...)
{
	char prefix[512];
	va_list ap;

	snprintf(prefix, sizeof prefix, "%s:%ld: ", name, line);
	va_start(ap, fmt);
	vwarn(prefix, fmt, ap);
	va_end(ap);
	exit(rc_out_end(RC_EX_USAGE));
}

static void *
oom(void *p)
{
	if (p == NULL)
		rc_die(RC_EX_USAGE, "out of memory");
	return p;
}

void *
rc_malloc(size_t n)
{
	return oom(malloc(n ? n : 1));
}

void *
rc_calloc(size_t n, size_t size)
{
	return oom(calloc(n ? n : 1, size ? size : 1));
}

void *
rc_realloc(void *p, size_t n)
{
	return oom(realloc(p, n ? n : 1));
}

char *
rc_strdup(const char *s)
{
	return oom(strdup(s));
}

char *
rc_strndup(const char *s, size_t n)
{
	char *p = rc_malloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
