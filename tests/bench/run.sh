#!/bin/sh
# tests/bench/run.sh - `make bench`: every tests/bench/*.sh but this one, in
# one run. Each prints rows name<TAB>ours<TAB>anchor<TAB>ratio; this script
# prints a header and keeps going when one bench fails.
set -u
cd "$(dirname "$0")/../.." || exit 2
printf '#name\tours\tanchor\tratio\n'
status=0
for b in tests/bench/*.sh; do
	case $b in tests/bench/run.sh | tests/bench/lib.sh) continue ;; esac
	if ! bash "$b"; then
		echo "bench: $b failed" >&2
		status=1
	fi
done
exit $status
