/* libFuzzer: slot math and TSV unescaping on any bytes.  Checks what must
 * hold, not only that nothing crashes: unescape(escape(x)) == x, the slot is
 * in range and depends only on the hashed part. */
#include <stdlib.h>
#include <string.h>

#include "rc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char *enc, *dec;
	size_t off, len, bad, n;
	ssize_t m;
	unsigned slot;

	slot = rc_keyslot(s, size);
	if (slot >= RC_NSLOTS)
		abort();
	rc_hashtag(s, size, &off, &len);
	if (off + len > size || rc_crc16(s + off, len) % RC_NSLOTS != slot)
		abort();

	enc = malloc(2 * size + 1);
	n = rc_tsv_escape(enc, s, size, 1);
	if (memchr(enc, '\t', n) || memchr(enc, '\n', n) || memchr(enc, '\r', n))
		abort();
	m = rc_tsv_unescape(enc, n, &bad);
	if (m != (ssize_t)size || memcmp(enc, s, size) != 0)
		abort();
	free(enc);

	/* Raw input as if it were an escaped field: decoded or refused. */
	dec = malloc(size + 1);
	memcpy(dec, s, size);
	m = rc_tsv_unescape(dec, size, &bad);
	if (m < -1 || m > (ssize_t)size || (m == -1 && bad >= size))
		abort();
	free(dec);
	return 0;
}
