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
