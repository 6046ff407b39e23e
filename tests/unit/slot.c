/* Slot math: CRC16/XMODEM and the hash-tag rule, checked against values the
 * cluster specification gives and the server computes. */
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "tap.h"

static void
tag(const char *key, const char *want, const char *name)
{
	size_t off, len;
	char buf[256];

	rc_hashtag(key, strlen(key), &off, &len);
	memcpy(buf, key + off, len);
	buf[len] = '\0';
	is_str(buf, want, name);
}

int
main(void)
{
	char *big;
	size_t i;

	is_int(rc_crc16("123456789", 9), 0x31c3, "CRC16/XMODEM check value");
	is_int(rc_crc16("", 0), 0, "CRC16 of nothing is 0");
	is_int(rc_keyslot("foo", 3), 12182, "foo -> 12182 (CLUSTER KEYSLOT foo)");
	is_int(rc_keyslot("", 0), 0, "the empty key -> 0");
	is_int(rc_keyslot("user:1000", 9), 1649, "user:1000 -> 1649");
	is_int(rc_keyslot("{user1000}.following", 20),
	    rc_keyslot("{user1000}.followers", 20), "same tag, same slot");
	is_int(rc_keyslot("{user1000}.following", 20), rc_keyslot("user1000", 8),
	    "a tagged key hashes only its tag");
	tag("foo{}{bar}", "foo{}{bar}", "{} is no tag: the whole key");
	tag("foo{{bar}}zap", "{bar", "first { to the first } after it");
	tag("foo{bar}{zap}", "bar", "only the first tag counts");
	tag("{", "{", "a lone { is no tag");
	tag("}{", "}{", "} before { is no tag");
	tag("a{b", "a{b", "an unclosed tag is no tag");
	tag("{a}", "a", "a whole-key tag");
	is_int(rc_keyslot("a\0b", 3) == rc_keyslot("a", 1), 0,
	    "a NUL byte is part of the key");
	/* A key of megabytes: the tag still decides. */
	big = malloc(4 << 20);
	for (i = 0; i < 4u << 20; i++)
		big[i] = (char)('a' + i % 26);
	memcpy(big + 1000, "{tag}", 5);
	is_int(rc_keyslot(big, 4u << 20), rc_keyslot("tag", 3), "a 4 MiB key with a tag");
	free(big);
	/* Every slot is reachable and the result is always in range. */
	{
		static unsigned char seen[RC_NSLOTS];
		char k[16];
		int n = 0, inrange = 1;
		for (i = 0; i < 200000; i++) {
			int l = snprintf(k, sizeof k, "k%zu", i);
			unsigned s = rc_keyslot(k, (size_t)l);
			if (s >= RC_NSLOTS)
				inrange = 0;
			else if (!seen[s]++)
				n++;
		}
		ok(inrange, "slots stay in 0..16383");
		is_int(n, RC_NSLOTS, "200k keys reach all 16384 slots");
	}
	return done_testing();
}
