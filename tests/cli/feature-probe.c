/*
 * feature-probe - asks lib (feature.c) what every node of a cluster runs and
 * can do, for tests/cli/servers.t.
 *
 * feature-probe HOST:PORT [ROUNDS] prints, for each node and each round, one
 * line "addr<TAB>server version<TAB>feature=0|1 ...".  Between rounds every
 * connection stays open, so a later round must be answered from the cache;
 * after the last round the connections are made again ("reconnected") and
 * the node is asked once more, which must ask the node again.
 */
#include <stdio.h>
#include <stdlib.h>

#include "rc.h"

static void
round_of(struct rc_cluster *cl)
{
	char a[300], sv[64];
	int i, f;

	for (i = 0; i < cl->nnodes; i++) {
		struct rc_node *n = cl->nodes[i];
		printf("%s\t%s", rc_node_addr(n, a, sizeof a),
		    rc_server_fmt(rc_node_server(cl, n), sv, sizeof sv));
		for (f = 0; f < RC_FEAT_N; f++)
			printf("%s%s=%d", f ? " " : "\t", rc_feature_name(f),
			    rc_node_has(cl, n, f));
		printf("\n");
	}
}

int
main(int argc, char **argv)
{
	struct rc_cluster cl;
	struct rc_opts o;
	int rounds = argc > 2 ? atoi(argv[2]) : 1, r;

	rc_init(argv[0]);
	rc_opts_init(&o);
	if (argc < 2 || rc_addr_parse(argv[1], &o.seed) < 0)
		rc_die(RC_EX_USAGE, "usage: feature-probe HOST:PORT [ROUNDS]");
	rc_cluster_open_or_die(&cl, &o);
	for (r = 0; r < rounds; r++)
		round_of(&cl);
	rc_cluster_reconnect(&cl);
	printf("reconnected\n");
	round_of(&cl);
	rc_cluster_close(&cl);
	return 0;
}
