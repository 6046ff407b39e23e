#!/bin/sh
# tests/bench/run.sh - `make bench`: every tests/bench/*.sh but this one, in
# one run. Each prints rows name<TAB>ours<TAB>anchor<TAB>ratio; this script
# prints a header and keeps going when one bench fails.  The benches of the
# tools that change or load a cluster (reshard, seats) run once per server in
# RC_BENCH_SERVERS (default "redis valkey"), each against that server's own
# cli and benchmark; their rows start with the server's name.  The others run
# on RC_SERVER (default redis).
set -u
cd "$(dirname "$0")/../.." || exit 2
printf '#name\tours\tanchor\tratio\n'
status=0
for b in tests/bench/*.sh; do
	case $b in
	tests/bench/run.sh | tests/bench/lib.sh) continue ;;
	tests/bench/reshard.sh | tests/bench/seats.sh) servers=${RC_BENCH_SERVERS:-redis valkey} ;;
	*) servers=${RC_SERVER:-redis} ;;
	esac
	for s in $servers; do
		if ! RC_SERVER=$s bash "$b"; then
			echo "bench: $b failed on $s" >&2
			status=1
		fi
	done
done
exit $status
