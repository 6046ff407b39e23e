/* slot.c - key -> hash slot: CRC16/XMODEM of the key or its hash tag, mod 16384. */
#include <string.h>

#include "rc.h"

/* CRC16/XMODEM: polynomial 0x1021, initial value 0, no reflection.  The
 * table is built once at compile time by the generator below, as the
 * cluster specification describes it. */
#define P 0x1021
#define R(c) ((c) & 0x8000 ? ((c) << 1) ^ P : (c) << 1)
#define R8(c) (R(R(R(R(R(R(R(R((c) << 8)))))))) & 0xffff)
#define T4(n) R8(n), R8(n + 1), R8(n + 2), R8(n + 3)
#define T16(n) T4(n), T4(n + 4), T4(n + 8), T4(n + 12)
#define T64(n) T16(n), T16(n + 16), T16(n + 32), T16(n + 48)

static const uint16_t crctab[256] = {
	T64(0), T64(64), T64(128), T64(192)
};

uint16_t
rc_crc16(const void *buf, size_t len)
{
	const unsigned char *p = buf, *end = p + len;
	unsigned crc = 0;

	while (p + 4 <= end) {
		crc = (crc << 8) ^ crctab[((crc >> 8) ^ p[0]) & 0xff];
		crc = (crc << 8) ^ crctab[((crc >> 8) ^ p[1]) & 0xff];
		crc = (crc << 8) ^ crctab[((crc >> 8) ^ p[2]) & 0xff];
		crc = (crc << 8) ^ crctab[((crc >> 8) ^ p[3]) & 0xff];
		p += 4;
	}
	while (p < end)
		crc = (crc << 8) ^ crctab[((crc >> 8) ^ *p++) & 0xff];
	return (uint16_t)crc;
}

int
rc_hashtag(const char *key, size_t keylen, size_t *off, size_t *len)
{
	const char *open, *close;

	open = memchr(key, '{', keylen);
	if (open != NULL) {
		size_t rest = keylen - (size_t)(open - key) - 1;
		close = memchr(open + 1, '}', rest);
		/* "{}" is no tag: the whole key is hashed. */
		if (close != NULL && close > open + 1) {
			*off = (size_t)(open - key) + 1;
			*len = (size_t)(close - open) - 1;
			return 1;
		}
	}
	*off = 0;
	*len = keylen;
	return 0;
}

unsigned
rc_keyslot(const char *key, size_t keylen)
{
	size_t off, len;

	rc_hashtag(key, keylen, &off, &len);
	return rc_crc16(key + off, len) & (RC_NSLOTS - 1);
}
