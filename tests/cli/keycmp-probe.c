/*
 * keycmp-probe - drives lib/keycmp.c for tests/cli/keycmp.t.
 *
 *   keycmp-probe [-s] [-t TTL_MS] [-n CHUNK] SOURCE TARGET KEY
 *
 * Compares KEY on the two nodes (rc_key_compare), or with -s settles it
 * (rc_key_settle: deletes the source's copy when the two are equal).
 * Prints one line: "equal", "different", "changed" or "error", a TAB, what
 * differs (or why), then TAB-separated fast=0|1 calls=N max_ms=X.  Exits 0
 * equal, 1 different or changed, 3 error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rc.h"

static redisContext *
node(const char *s, const struct rc_opts *o)
{
	struct rc_addr a;
	char err[300];
	redisContext *c;

	if (rc_addr_parse(s, &a) < 0)
		rc_die(2, "bad address %s", s);
	if ((c = rc_connect(&a, o, err, sizeof err)) == NULL)
		rc_die(3, "%s", err);
	return c;
}

int
main(int argc, char **argv)
{
	static const char *word[] = { "error", "equal", "different", "changed" };
	struct rc_opts o;
	struct rc_keycmp k;
	redisContext *src, *dst;
	int ch, settle = 0, rc;

	rc_init(argv[0]);
	rc_opts_init(&o);
	rc_keycmp_init(&k);
	while ((ch = getopt(argc, argv, "st:n:")) != -1) {
		switch (ch) {
		case 's':
			settle = 1;
			break;
		case 't':
			k.ttl_ms = atol(optarg);
			break;
		case 'n':
			k.chunk = atoi(optarg);
			break;
		default:
			rc_die(2, "usage: keycmp-probe [-s] [-t ttl_ms] [-n chunk] src dst key");
		}
	}
	if (argc - optind != 3)
		rc_die(2, "usage: keycmp-probe [-s] [-t ttl_ms] [-n chunk] src dst key");
	src = node(argv[optind], &o);
	dst = node(argv[optind + 1], &o);
	if (settle)
		rc = rc_key_settle(src, dst, argv[optind + 2], strlen(argv[optind + 2]), &k);
	else
		rc = rc_key_compare(src, dst, argv[optind + 2], strlen(argv[optind + 2]), &k);
	printf("%s\t%s\tfast=%d\tcalls=%ld\tmax_ms=%.1f\n", word[rc + 1], k.why, k.fast,
	    k.calls, (double)k.max_us / 1000);
	redisFree(src);
	redisFree(dst);
	return rc == RC_KEY_ERROR ? 3 : rc == RC_KEY_EQUAL ? 0 : 1;
}
