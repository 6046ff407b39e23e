#!/usr/bin/env bash
# rc-repl batch mode: 100k commands (SET then GET over many slots) piped in,
# side by side with the same file through `redis-cli -c`, on a private 3+0
# cluster on ports 21000-21002.  Rows: name, ours (s), anchor (s), ratio
# (redis-cli/ours, target >= 1).  Both outputs must be the same replies.
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/rc-bench-repl.XXXXXX")
base=21000
n=${BENCH_REPL_COMMANDS:-100000}
lab() { RC_LAB_PORT=$base RC_LAB_DIR=$work/lab "$root/labs/cluster" "$@"; }
cleanup() {
	lab down >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
lab up -m 3 -r 0 >/dev/null 2>&1 || {
	echo "bench: no cluster on $base" >&2
	exit 1
}

awk -v n="$n" 'BEGIN { h = n / 2; for (i = 1; i <= h; i++) printf "SET bench:%d v%d\n", i, i;
	for (i = 1; i <= h; i++) printf "GET bench:%d\n", i }' >"$work/cmds"


ours=$(best_out "$work/ours.out" sh -c "RC_CLUSTER=127.0.0.1:$base '$root/bin/rc-repl' < '$work/cmds'")
theirs=$(RUNS=1 best_out "$work/theirs.out" sh -c "redis-cli -c -p $base < '$work/cmds'")
printf 'rc-repl %d piped commands vs redis-cli -c (redis-cli/ours, want >= 1)\t%s\t%s\t%s\n' \
	"$n" "$ours" "$theirs" "$(ratio "$theirs" "$ours")"

# The same replies (redis-cli also prints its redirects), or the speed means nothing.
grep -v '^-> Redirected to slot' "$work/theirs.out" | cmp -s "$work/ours.out" - ||
	echo "bench: rc-repl and redis-cli replies differ" >&2
