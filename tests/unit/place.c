/* Replica placement for rc-reshard create (lib/place.c): who is a master,
 * whom each replica follows, and how the hosts are used. */
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "tap.h"

static int
count_masters(const int *master_of, int n)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += master_of[i] < 0;
	return k;
}

/* Every replica follows a master; no master has two more than another. */
static int
balanced(const int *master_of, int n)
{
	int *reps = calloc((size_t)n, sizeof *reps), i, lo = n, hi = 0;

	for (i = 0; i < n; i++) {
		if (master_of[i] < 0)
			continue;
		if (master_of[i] >= n || master_of[master_of[i]] >= 0) {
			free(reps);
			return 0;
		}
		reps[master_of[i]]++;
	}
	for (i = 0; i < n; i++) {
		if (master_of[i] >= 0)
			continue;
		lo = reps[i] < lo ? reps[i] : lo;
		hi = reps[i] > hi ? reps[i] : hi;
	}
	free(reps);
	return hi - lo <= 1;
}

static int
beside_master(const char *const *host, const int *master_of, int n)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += master_of[i] >= 0 && strcmp(host[i], host[master_of[i]]) == 0;
	return k;
}

static void
one_host(void)
{
	const char *host[] = { "h", "h", "h", "h", "h", "h" };
	int m[6];

	rc_place(host, 6, 3, m);
	ok(m[0] < 0 && m[1] < 0 && m[2] < 0, "one host: the first three given are the masters");
	ok(balanced(m, 6) && m[3] >= 0 && m[4] >= 0 && m[5] >= 0,
	    "one host: one replica each");
	ok(m[3] != m[4] && m[4] != m[5] && m[3] != m[5], "one host: to three masters");
}

static void
three_hosts(void)
{
	/* Listed host by host, as a user would: 127.0.0.1 twice, then .2, .3. */
	const char *host[] = { "a", "a", "b", "b", "c", "c" };
	int m[6], i, hosts = 0;

	rc_place(host, 6, 3, m);
	ok(count_masters(m, 6) == 3, "three hosts: three masters");
	for (i = 0; i < 6; i++)
		hosts |= m[i] < 0 ? 1 << (host[i][0] - 'a') : 0;
	ok(hosts == 7, "three hosts: one master on each");
	ok(balanced(m, 6), "three hosts: one replica each");
	ok(beside_master(host, m, 6) == 0, "three hosts: no replica beside its master");
}

static void
odd_count(void)
{
	const char *host[] = { "a", "b", "c", "a", "b", "c", "a" };
	int m[7];

	rc_place(host, 7, 3, m);
	ok(count_masters(m, 7) == 3, "seven nodes, three masters");
	ok(balanced(m, 7), "the fourth replica goes to a master with fewest");
	ok(beside_master(host, m, 7) == 0, "no replica beside its master");
}

static void
two_hosts_uneven(void)
{
	/* Four nodes on one host, two on another: some replica must share a
	 * host with its master, but no more than the hosts force. */
	const char *host[] = { "a", "a", "a", "a", "b", "b" };
	int m[6];

	rc_place(host, 6, 3, m);
	ok(count_masters(m, 6) == 3 && balanced(m, 6), "two hosts: three masters, one replica each");
	ok(beside_master(host, m, 6) <= 1, "two hosts: at most one replica beside its master (%d)",
	    beside_master(host, m, 6));
}

static void
no_replicas(void)
{
	const char *host[] = { "a", "b", "c" };
	int m[3];

	rc_place(host, 3, 3, m);
	ok(count_masters(m, 3) == 3, "no replicas: every node a master");
}

int
main(void)
{
	plan(13);
	one_host();
	three_hosts();
	odd_count();
	two_hosts_uneven();
	no_replicas();
	return done_testing();
}
