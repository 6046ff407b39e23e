/* tap.h - the smallest TAP producer for the C unit tests. */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed, tap_planned;

#define TAP_UNUSED __attribute__((unused))

static TAP_UNUSED void
plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
}

static TAP_UNUSED int __attribute__((format(printf, 2, 0)))
tap_vok(int cond, const char *fmt, va_list ap)
{
	tap_n++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_n);
	vprintf(fmt, ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	return cond;
}

static TAP_UNUSED int __attribute__((format(printf, 2, 3)))
ok(int cond, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tap_vok(cond, fmt, ap);
	va_end(ap);
	return r;
}

static TAP_UNUSED int
is_int(long long got, long long want, const char *name)
{
	if (!ok(got == want, "%s", name))
		printf("#   got: %lld\n#   expected: %lld\n", got, want);
	return got == want;
}

static TAP_UNUSED int
is_str(const char *got, const char *want, const char *name)
{
	int same = got != NULL && want != NULL && strcmp(got, want) == 0;

	if (!ok(same, "%s", name))
		printf("#   got: '%s'\n#   expected: '%s'\n", got ? got : "(null)",
		    want ? want : "(null)");
	return same;
}

static TAP_UNUSED int
done_testing(void)
{
	if (!tap_planned)
		printf("1..%d\n", tap_n);
	fflush(stdout);
	return tap_failed != 0 || (tap_planned && tap_planned != tap_n);
}

#endif
