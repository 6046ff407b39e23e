/*
 * lease-probe - takes the change lease the way rc-reshard does and holds it,
 * for tests/cli/reshard-lease.t.
 *
 *   lease-probe HOST:PORT WHAT WAIT_SECS
 *
 * Prints "held" once it holds the lease and keeps it until stdin ends, then
 * releases it and exits 0; exit 1 with the holder on stderr when another
 * operator has it.  (A test that wants a holder that dies kills it; one
 * that wants a frozen holder stops it.)
 */
#include <stdio.h>
#include <stdlib.h>

#include "rc.h"

int
main(int argc, char **argv)
{
	struct rc_opts o;
	struct rc_cluster cl;
	struct rc_lease *l;
	char err[600], buf[64];

	rc_init(argv[0]);
	if (argc != 4)
		rc_die(RC_EX_USAGE, "usage: lease-probe HOST:PORT WHAT WAIT_SECS");
	rc_opts_init(&o);
	if (rc_addr_parse(argv[1], &o.seed) < 0)
		rc_die(RC_EX_USAGE, "bad address %s", argv[1]);
	if (rc_cluster_open(&cl, &o) < 0)
		rc_die(RC_EX_CLUSTER, "%s", cl.err);
	switch (rc_lease_take(&cl, argv[2], atof(argv[3]), &l, err, sizeof err)) {
	case 1:
		rc_die(RC_EX_NO, "%s", err);
	case -1:
		rc_die(RC_EX_CLUSTER, "%s", err);
	}
	printf("held\n");
	fflush(stdout);
	while (fgets(buf, sizeof buf, stdin) != NULL)
		;
	rc_lease_release(l);
	rc_cluster_close(&cl);
	return RC_EX_OK;
}
