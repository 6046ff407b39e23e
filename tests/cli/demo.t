#!/usr/bin/env bash
# make demo, as a user runs it, on private ports: it builds, brings the lab
# cluster up, and the tour runs to the end.
. "$(dirname "$0")/lib.sh"
require_redis
require_cmd make
lab_use 15150
export RC_LAB_PORT=15150 RC_LAB_DIR=$LAB_DIR
ok "make demo" sh -c "make -s -C '$ROOT' demo </dev/null"
like "$OUT" "cluster up: 6 nodes \\(3 masters, 3 replicas\\) on 127\\.0\\.0\\.1:15150-15155" "the lab cluster is up"
like "$OUT" "All on one master" "the tour ran to its end"
ok "the cluster it left is healthy" cluster_cmd status
ok "make demo again is fine (the lab is already up)" sh -c "make -s -C '$ROOT' demo </dev/null"
done_testing
