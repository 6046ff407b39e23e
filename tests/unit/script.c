/* script.c: the SHA-1 that names a script for EVALSHA, on the FIPS 180
 * vectors and at every padding boundary; a script built from lib/lua. */
#include <string.h>

#include "rc.h"
#include "tap.h"

static void
sha(const char *s, size_t len, const char *want, const char *name)
{
	char out[41];

	rc_sha1_hex(s, len, out);
	is_str(out, want, name);
}

int
main(void)
{
	char a[1000];
	struct rc_evalsha s;

	sha("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709", "the empty text");
	sha("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d", "abc");
	sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	    "84983e441c3bd26ebaae4aa1f95129e5e54670f1", "56 bytes: the length takes a block of its own");
	memset(a, 'a', sizeof a);
	sha(a, 55, "c1c8bbdc22796e28c0e15163d20899b65621d65a", "55 bytes: padding and length fit one block");
	sha(a, 64, "0098ba824b5c16427bd7a1122a5a442a25ec644d", "64 bytes: exactly one block");
	sha(a, 1000, "291e9a6c66994949b57ba5e650361e98fc36b1ba", "1000 bytes");

	rc_evalsha_init(&s, "seats_lib", "seats_show", NULL);
	ok(s.len == strlen(rc_lua("seats_lib")) + strlen(rc_lua("seats_show")) &&
	    strncmp(s.src, rc_lua("seats_lib"), strlen(rc_lua("seats_lib"))) == 0,
	    "a script is its parts joined in order");
	{
		char out[41];
		rc_sha1_hex(s.src, s.len, out);
		is_str(s.sha, out, "and is named by the SHA-1 of the whole");
	}
	rc_evalsha_free(&s);
	{
		redisReply *r = rc_reply_error("NOSCRIPT No matching script. Please use EVAL.");
		ok(rc_reply_noscript(r), "NOSCRIPT is seen");
		freeReplyObject(r);
		r = rc_reply_error("ERR unknown command");
		ok(!rc_reply_noscript(r), "another error is not");
		freeReplyObject(r);
	}
	return done_testing();
}
