/*
 * place.c - which new nodes are masters and whom each replica follows.
 *
 * Pure logic for rc-reshard create: no I/O, unit-tested in
 * tests/unit/place.c.
 */
#include <stdlib.h>
#include <string.h>

#include "rc.h"

/* The order nodes are taken in: one node of each host per round, in the
 * order given, so the first nmasters spread over the machines. */
static void
round_robin(const char *const *host, int n, int *order)
{
	char *used = rc_calloc((size_t)n, 1);
	const char **seen = rc_calloc((size_t)n, sizeof *seen);
	int k = 0, i, j;

	while (k < n) {
		int ns = 0;
		for (i = 0; i < n; i++) {
			int dup = 0;
			if (used[i])
				continue;
			for (j = 0; j < ns && !dup; j++)
				dup = strcmp(seen[j], host[i]) == 0;
			if (dup)
				continue;
			seen[ns++] = host[i];
			used[i] = 1;
			order[k++] = i;
		}
	}
	free(used);
	free(seen);
}

/* Greedy can still leave a replica beside its master (the last host's):
 * swap masters with a replica for which both end up away. */
static void
swap_off_host(const char *const *host, const int *order, int n, int nmasters,
    int *master_of)
{
	int i, j;

	for (i = nmasters; i < n; i++) {
		int r = order[i];
		if (strcmp(host[r], host[master_of[r]]) != 0)
			continue;
		for (j = nmasters; j < n; j++) {
			int q = order[j], t;
			if (q == r || strcmp(host[q], host[master_of[r]]) == 0 ||
			    strcmp(host[r], host[master_of[q]]) == 0)
				continue;
			t = master_of[r];
			master_of[r] = master_of[q];
			master_of[q] = t;
			break;
		}
	}
}

void
rc_place(const char *const *host, int n, int nmasters, int *master_of)
{
	int *order = rc_calloc((size_t)n + 1, sizeof *order);
	int *nrep = rc_calloc((size_t)n + 1, sizeof *nrep);
	int i, j;

	if (nmasters > n)
		nmasters = n;
	round_robin(host, n, order);
	for (i = 0; i < n; i++)
		master_of[i] = -1;
	/* Each replica to the master with the fewest so far, on another host
	 * where one of those is. */
	for (i = nmasters; i < n && nmasters > 0; i++) {
		int r = order[i], best = order[0];
		for (j = 1; j < nmasters; j++) {
			int m = order[j];
			if (nrep[m] < nrep[best] || (nrep[m] == nrep[best] &&
			    strcmp(host[best], host[r]) == 0 &&
			    strcmp(host[m], host[r]) != 0))
				best = m;
		}
		master_of[r] = best;
		nrep[best]++;
	}
	swap_off_host(host, order, n, nmasters, master_of);
	free(order);
	free(nrep);
}
