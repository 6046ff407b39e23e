#!/bin/sh
# both.sh NAME1 CMD1 NAME2 CMD2 - runs two test passes at once, each in a
# network namespace of its own, so that the same test file run by both (same
# ports) cannot meet itself.  CMD1's output shows as it comes; CMD2's is kept
# in build/NAME2.log and shown when it ends (CMD1's in build/NAME1.log too); then
# the diagnostics of whatever failed.  Exits non-zero when either does.
#
# `make check` runs its two CLI passes (Redis with the normal build, Valkey
# with the sanitizer build) this way, halving its time: the tests spend most
# of it waiting on clusters, not computing.  Without root, or where network
# namespaces cannot be made, the passes run one after the other instead.
set -u
[ $# -eq 4 ] || { echo "usage: both.sh NAME1 CMD1 NAME2 CMD2" >&2; exit 2; }
n1=$1 c1=$2 n2=$3 c2=$4
mkdir -p build
log=build/$n2.log

# shown CMD...: CMD's output as it comes and in build/NAME1.log, its exit
# status in build/NAME1.status (a pipe to tee would lose it).
shown() {
	{
		"$@"
		echo $? >"build/$n1.status"
	} 2>&1 | tee "build/$n1.log"
}

# In a fresh network namespace with its loopback up.
isolated() { unshare -n sh -c 'ip link set lo up && exec sh -c "$1"' isolated "$1"; }

if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 &&
	isolated true 2>/dev/null; then
	echo "both: $n1 and $n2 side by side, each in its own network namespace ($n2: $log)"
	isolated "$c2" >"$log" 2>&1 &
	p2=$!
	# Ctrl-C or a kill of make stops the second pass too.
	trap 'kill $p2 2>/dev/null; exit 130' INT TERM HUP
	shown isolated "$c1"
	s1=$(cat "build/$n1.status")
	wait $p2
	s2=$?
	echo "both: $n2 (its output, kept in $log):"
	cat "$log"
else
	echo "both: no network namespaces here (needs root, unshare and ip): $n1, then $n2"
	shown sh -c "$c1"
	s1=$(cat "build/$n1.status")
	sh -c "$c2" >"$log" 2>&1
	s2=$?
	cat "$log"
fi
# What failed, last, where a log's tail is all one sees (a CI page): each
# failed test's diagnostics (lines starting "#   ", tests/cli/lib.sh).
for p in "$n1:$s1" "$n2:$s2"; do
	[ "${p##*:}" = 0 ] && continue
	echo "both: ${p%:*}: the failed tests' diagnostics (build/${p%:*}.log):"
	grep -E '^(#   |not ok)' "build/${p%:*}.log" | cut -c1-200 | head -n 80
done
[ "$s1" = 0 ] || echo "both: $n1 failed (exit $s1)" >&2
[ "$s2" = 0 ] || echo "both: $n2 failed (exit $s2)" >&2
[ "$s1" = 0 ] && [ "$s2" = 0 ]
