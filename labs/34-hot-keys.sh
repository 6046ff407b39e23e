#!/usr/bin/env bash
# Lab 34: hot keys - skewed traffic, the hot key found cluster-wide with
# rc-hotkey top, the master that carries it with rc-hotkey slots, and a
# the mitigations measured before and after: the key split into sub-keys
# that land in different slots, and its reads sent to replicas.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-hotkey rc-slot
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lab34.XXXXXX")
genpid=
stop_gen() {
	if [ -n "$genpid" ]; then
		kill -INT "$genpid" 2>/dev/null || true
		wait "$genpid" 2>/dev/null || true
	fi
	genpid=
}
trap 'stop_gen; rm -rf "$tmp"' EXIT
# start_gen ARGS...: traffic in the background until stop_gen, once its
# first second is done.
start_gen() {
	rc-hotkey gen -d 300 "$@" >"$tmp/gen" 2>"$tmp/gen.err" &
	genpid=$!
	for _ in $(seq 1 300); do
		[ -s "$tmp/gen" ] && return 0
		sleep 0.1
	done
	echo "lab: gen did not start: $(cat "$tmp/gen.err")" >&2
	exit 1
}
# busiest: the busiest master's share of all operations, from slots rows.
busiest() { awk -F'\t' '$1 == "master" && $5 > m { m = $5 } END { print m }' "$1"; }

title "Hot keys: find one, see what it does to a master, spread it"
say "rc-hotkey gen sends GET/SET traffic through the cluster. Here: 100000 keys," \
	"and half of all operations on one key, stock:counter."
start_gen --keys 100000 --hot stock:counter --hot-share 50
run "rc-hotkey top -k 5 -d 2"
observe "stock:counter takes about half of all operations. Redis 7 has no HOTKEYS," \
	"so rc-hotkey read every master's MONITOR stream for 2 s (that costs the" \
	"servers throughput while it runs) and merged bounded sketches of it."
pause

run "rc-hotkey slots -k 3 -d 2 | tee '$tmp/before'"
stop_gen
observe "Its slot is near 100% one key: a hot key, not a hot slot. The master that" \
	"owns the slot carries most of the cluster's work; the others idle."
pause

say "Mitigation: split the counter into sub-keys whose names put them in" \
	"different slots (no common hash tag); writers pick one at random, a reader" \
	"sums them (reads fan in). Eight sub-keys:"
subs=$(for i in 0 1 2 3 4 5 6 7; do printf 'stock:counter:%s,' "$i"; done)
subs=${subs%,}
run "rc-slot -n $(tr , ' ' <<<"$subs") | cut -f1,3 | sort -k2"
start_gen --keys 100000 --hot "$subs" --hot-share 50
run "rc-hotkey slots -k 8 -d 2 | tee '$tmp/after'"
stop_gen
before=$(busiest "$tmp/before")
after=$(busiest "$tmp/after")
run "echo 'busiest master: ${before}% of all operations before, ${after}% after'"
observe "The same traffic now spreads over every master (how evenly depends on where" \
	"the sub-keys' slots fall: rc-slot -n above). The price: a read of the whole" \
	"counter is eight reads."
pause

say "Another mitigation for read-heavy hot keys: replicas can serve reads" \
	"(READONLY). A hot key read 95% of the time, all reads on the masters first;" \
	"slots --replicas samples the replicas too (not counting the writes they" \
	"replay from their master, which would count each write twice)."
start_gen --keys 100000 --hot stock:price --hot-share 50 --reads 95
run "rc-hotkey slots --replicas -k 1 -d 2 | tee '$tmp/rbefore'"
stop_gen
say "The same traffic with gen --replicas: each GET goes to a replica of its" \
	"slot's master."
start_gen --keys 100000 --hot stock:price --hot-share 50 --reads 95 --replicas
run "rc-hotkey slots --replicas -k 1 -d 2 | tee '$tmp/rafter'"
stop_gen
owner=$(rc-slot -n stock:price | cut -f3)
slot=$(rc-slot stock:price | cut -f2)
# share FILE TYPE ADDR: that node's share of all operations.
share() { awk -F'\t' -v t="$2" -v a="$3" '$1 == t && $3 == a { print $5 }' "$1"; }
rep=$(awk -F'\t' -v s="$slot" '$1 == "replica" && $7 == s { print $3 }' "$tmp/rafter" | head -n1)
run "echo 'stock:price master $owner: $(share "$tmp/rbefore" master "$owner")% of all" \
	"operations before, $(share "$tmp/rafter" master "$owner")% after; its replica" \
	"${rep:-?}: $(share "$tmp/rbefore" replica "$rep")% before, $(share "$tmp/rafter" replica "$rep")% after'"
observe "The hot key's reads left its master for the replica: the master keeps only" \
	"the writes, a few percent of all operations; its replica carries the reads. The price: a replica may" \
	"answer with a value a little older than the master's (replication is" \
	"asynchronous), and the writes of a hot key stay on one master."
