/* libFuzzer target: rc-repl's line splitter and the quoting round trip.
 * Any line either splits or is refused with a message; a word quoted with
 * rc_quote splits back to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rc_args a, back;
	struct rc_buf q = { NULL, 0, 0 };
	char err[200];
	int n, i;

	n = rc_split_args((const char *)data, size, &a, err, sizeof err);
	if (n < 0) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	/* Every word, quoted and split again, comes back byte for byte. */
	for (i = 0; i < n; i++) {
		q.len = 0;
		rc_quote(&q, a.argv[i], a.argvlen[i]);
		if (rc_split_args(q.s, q.len, &back, err, sizeof err) != 1 ||
		    back.argvlen[0] != a.argvlen[i] ||
		    memcmp(back.argv[0], a.argv[i], a.argvlen[i]) != 0)
			abort();
		rc_args_clear(&back);
	}
	rc_buf_free(&q);
	return 0;
}
