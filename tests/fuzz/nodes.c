/* libFuzzer: the CLUSTER NODES parser and the CLUSTER SHARDS parser (on any
 * RESP the reader accepts).  Whatever they accept must be sane: slots in
 * range, counts that add up. */
#include <stdlib.h>
#include <string.h>

#include "rc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(struct rc_node *n, int k)
{
	int i, j, sum;

	for (i = 0; i < k; i++) {
		sum = 0;
		for (j = 0; j < n[i].nranges; j++) {
			if (n[i].ranges[j].lo < 0 || n[i].ranges[j].hi >= RC_NSLOTS ||
			    n[i].ranges[j].lo > n[i].ranges[j].hi)
				abort();
			sum += n[i].ranges[j].hi - n[i].ranges[j].lo + 1;
		}
		if (sum != n[i].nslots)
			abort();
		for (j = 0; j < n[i].nopen; j++)
			if (n[i].open[j].slot < 0 || n[i].open[j].slot >= RC_NSLOTS)
				abort();
	}
}

/* hiredis 0.14's reader allocates whatever element count an array header
 * claims ("*1438398241"): that is hiredis's to bound, not what is fuzzed
 * here, so such inputs are not fed to it. */
static int
huge_array(const uint8_t *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned long v = 0;
		size_t j;
		if (d[i] != '*' || (i > 0 && d[i - 1] != '\n'))
			continue;
		for (j = i + 1; j < n && d[j] >= '0' && d[j] <= '9' && v < 100000; j++)
			v = v * 10 + (unsigned long)(d[j] - '0');
		if (v >= 100000)
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc_node *n;
	char err[200];
	redisReader *rd;
	void *r = NULL;
	int k;

	k = rc_parse_nodes((const char *)data, size, &n, err, sizeof err);
	if (k > 0) {
		check(n, k);
		rc_nodes_free(n, k);
	}
	if (huge_array(data, size))
		return 0;
	rd = redisReaderCreate();
	if (redisReaderFeed(rd, (const char *)data, size) == REDIS_OK &&
	    redisReaderGetReply(rd, &r) == REDIS_OK && r != NULL) {
		k = rc_parse_shards(r, &n, err, sizeof err);
		if (k > 0) {
			check(n, k);
			rc_nodes_free(n, k);
		}
		freeReplyObject(r);
	}
	redisReaderFree(rd);
	return 0;
}
