#!/usr/bin/env bash
# The tour `make demo` runs, non-interactively against a private cluster.
. "$(dirname "$0")/lib.sh"
require_redis
cluster_up 15140 3 1 5000 >/dev/null || bail_file "cannot start a cluster on 15140"
export RC_LAB_PORT=15140 RC_LAB_DIR=$LAB_DIR RC_LAB_NONINTERACTIVE=1
ok "the tour runs" bash "$ROOT/labs/00-tour.sh"
like "$OUT" "cluster_state|ok" "it shows the cluster state"
like "$OUT" "order:5001"$'\t'"[0-9]+"$'\t'"127\\.0\\.0\\.1:1514[0-5]" "it shows where a key lands"
like "$OUT" "\\{user:1001\\}:cart"$'\t'"$(rc-slot user:1001 | cut -f2)"$'\t'"user:1001" "it shows a hash tag at work"
ok "it runs with no terminal and no input" sh -c "bash '$ROOT/labs/00-tour.sh' </dev/null >/dev/null"
done_testing
