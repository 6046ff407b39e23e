# tests/bench/lib.sh - timing helpers every bench script sources.
# shellcheck shell=bash

# timed OUT CMD...: seconds CMD takes, its stdout in the file OUT.
timed() {
	local out=$1 s e
	shift
	s=$(date +%s%N)
	"$@" >"$out"
	e=$(date +%s%N)
	awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
}

# best_out OUT CMD...: the best of RUNS (default 3) runs of CMD, in seconds;
# the last run's stdout in OUT.
best_out() {
	local b=999999 t i
	for ((i = 0; i < ${RUNS:-3}; i++)); do
		t=$(timed "$@")
		b=$(awk -v t="$t" -v b="$b" 'BEGIN { print (t < b ? t : b) }')
	done
	printf '%.3f' "$b"
}

# best CMD...: as best_out, the output thrown away.
best() { best_out /dev/null "$@"; }

# ratio A B: A / B with two decimals (0 when B is 0).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# The server a bench runs on: RC_SERVER=redis (the default: redis-server,
# redis-cli, redis-benchmark) or valkey (valkey-server, valkey-cli,
# valkey-benchmark), as in tests/cli/lib.sh and labs/cluster, which starts
# the nodes.  Each side is compared with its own server's tools.  Sets CLI
# and BENCHMARK; a name not known, or a server not installed, ends the bench
# with status 2.
bench_server() {
	case ${RC_SERVER:=redis} in
	redis | valkey) ;;
	*)
		echo "bench: RC_SERVER=$RC_SERVER: want redis or valkey" >&2
		exit 2
		;;
	esac
	export RC_SERVER
	CLI=$RC_SERVER-cli
	BENCHMARK=$RC_SERVER-benchmark
	local p
	for p in "$RC_SERVER-server" "$CLI" "$BENCHMARK"; do
		command -v "$p" >/dev/null 2>&1 || {
			echo "bench: $p is not installed (make deps installs it)" >&2
			exit 2
		}
	done
}

# row NAME OURS ANCHOR RATIO: one row, its name prefixed with the server
# ("valkey:rebalance-vs-valkey-cli").
row() { printf '%s:%s\t%s\t%s\t%s\n' "$RC_SERVER" "$1" "$2" "$3" "$4"; }
