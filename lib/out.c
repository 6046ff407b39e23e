/* out.c - buffered stdout for TSV rows, checked at exit; after a change is
 * made (rc_done) a write error no longer ends the program. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rc.h"

#define OUTCAP (256 * 1024)

static char obuf[OUTCAP];
static size_t olen;
static char *done_text;         /* rc_done: a change was made, and what it was */
static void (*done_fn)(void *, char *, size_t); /* rc_done_by: what it was, asked at need */
static void *done_arg;
static int lost;                /* errno of the write error after rc_done, else 0 */

/* A reader that went away (rc-dist | head) ends us the way it ends any
 * filter: by SIGPIPE, even when a network tool ignores that signal; a full
 * disk ends us with "nothing done".  Once a change is made (rc_done) neither
 * ends us: the output is dropped, and rc_out_end says what it held. */
static void
write_all(const char *p, size_t n)
{
	ssize_t w;

	fflush(stdout);
	while (n > 0 && lost == 0) {
		w = write(STDOUT_FILENO, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (done_text != NULL || done_fn != NULL) {
				lost = errno;
				return;
			}
			if (errno == EPIPE) {
				signal(SIGPIPE, SIG_DFL);
				raise(SIGPIPE);
			}
			/* Not rc_die: this may run inside the exit handler. */
			fprintf(stderr, "%s: write error on stdout: %s\n",
			    rc_progname, strerror(errno));
			_exit(RC_EX_USAGE);
		}
		p += w;
		n -= (size_t)w;
	}
}

void
rc_flush(void)
{
	size_t n = olen;

	olen = 0;
	if (n > 0)
		write_all(obuf, n);
}

void
rc_done(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	s = rc_malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	free(done_text);
	done_text = s;
	done_fn = NULL;
}

void
rc_done_by(void (*say)(void *arg, char *buf, size_t len), void *arg)
{
	free(done_text);
	done_text = NULL;
	done_fn = say;
	done_arg = arg;
}

int
rc_out_end(int code)
{
	static int ended;

	if (ended)
		return code;
	ended = 1;
	rc_flush();
	if (lost == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
		if (done_text == NULL && done_fn == NULL) {
			fprintf(stderr, "%s: write error on stdout: %s\n", rc_progname,
			    strerror(errno));
			return RC_EX_USAGE;
		}
		lost = errno != 0 ? errno : EIO;
	}
	if (lost == 0)
		return code;
	fprintf(stderr, "%s: write error on stdout: %s\n", rc_progname, strerror(lost));
	if (done_fn != NULL) {
		char text[4096];

		done_fn(done_arg, text, sizeof text);
		fprintf(stderr, "%s: done, but output lost: %s\n", rc_progname, text);
	} else
		fprintf(stderr, "%s: done, but output lost: %s\n", rc_progname, done_text);
	return code == RC_EX_OK ? RC_EX_LOST : code;
}

void
rc_put(const void *s, size_t len)
{
	if (olen + len > OUTCAP) {
		rc_flush();
		if (len > OUTCAP) {
			write_all(s, len);
			return;
		}
	}
	memcpy(obuf + olen, s, len);
	olen += len;
}

void
rc_putc(int c)
{
	if (olen == OUTCAP)
		rc_flush();
	obuf[olen++] = (char)c;
}

void
rc_puts(const char *s)
{
	rc_put(s, strlen(s));
}

void
rc_putu(unsigned long long v)
{
	char b[24], *p = b + sizeof b;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	rc_put(p, (size_t)(b + sizeof b - p));
}

void
rc_puti(long long v)
{
	if (v < 0) {
		rc_putc('-');
		rc_putu(0ULL - (unsigned long long)v);
	} else
		rc_putu((unsigned long long)v);
}

void
rc_putf(const char *fmt, ...)
{
	char buf[1024], *big;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof buf) {
		rc_put(buf, (size_t)n);
		return;
	}
	big = rc_malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc_put(big, (size_t)n);
	free(big);
}

void
rc_put_field(const char *s, size_t len, int first)
{
	char tmp[512], *big;
	size_t i;

	/* The common case: nothing to escape. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\t' || c == '\n' || c == '\r' || c == '\\')
			break;
	}
	if (i == len && !(first && len > 0 && s[0] == '#')) {
		rc_put(s, len);
		return;
	}
	if (len <= sizeof tmp / 2) {
		rc_put(tmp, rc_tsv_escape(tmp, s, len, first));
		return;
	}
	big = rc_malloc(2 * len + 1);
	rc_put(big, rc_tsv_escape(big, s, len, first));
	free(big);
}
