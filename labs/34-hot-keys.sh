#!/usr/bin/env bash
# Lab 34: hot keys - skewed traffic, the hot key found cluster-wide with
# rc-hotkey top, the master that carries it with rc-hotkey slots, and a
# the mitigations measured before and after: the key split into sub-keys
# that land in different slots, its reads sent to replicas, its value kept
# in the client for a while; redis-cli --hotkeys beside rc-hotkey top; and a
# hot slot beside a big one, with CLUSTER SLOT-STATS's cpu and network per
# slot where the server keeps them (Valkey 8).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-hotkey rc-slot redis-cli
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lab34.XXXXXX")
genpid=
stop_gen() {
	if [ -n "$genpid" ]; then
		kill -INT "$genpid" 2>/dev/null || true
		wait "$genpid" 2>/dev/null || true
	fi
	genpid=
}
masters=$(redis-cli -h "${RC_CLUSTER%:*}" -p "${RC_CLUSTER##*:}" CLUSTER NODES |
	awk '$3 ~ /master/ && $3 !~ /fail/ { sub(/@.*/, "", $2); print $2 }')
# policy P: maxmemory-policy P on every master.
policy() {
	local m
	for m in $masters; do
		redis-cli -h "${m%:*}" -p "${m##*:}" CONFIG SET maxmemory-policy "$1" >/dev/null
	done
}
old_policy=$(redis-cli -h "${RC_CLUSTER%:*}" -p "${RC_CLUSTER##*:}" CONFIG GET maxmemory-policy | tail -n1)
# The server says whether it has CLUSTER SLOT-STATS (COMMAND INFO is empty
# for a command it does not know): asked, never guessed from a version.
slot_stats=$(redis-cli -h "${RC_CLUSTER%:*}" -p "${RC_CLUSTER##*:}" COMMAND INFO 'cluster|slot-stats' | tr -d '[:space:]')
# slot_stats_on yes|no: cluster-slot-stats-enabled on every master.
slot_stats_on() {
	local m
	[ -n "$slot_stats" ] || return 0
	for m in $masters; do
		redis-cli -h "${m%:*}" -p "${m##*:}" CONFIG SET cluster-slot-stats-enabled "$1" >/dev/null
	done
}
old_stats=no
[ -z "$slot_stats" ] || old_stats=$(redis-cli -h "${RC_CLUSTER%:*}" -p "${RC_CLUSTER##*:}" CONFIG GET cluster-slot-stats-enabled | tail -n1)
# The lab's keys: gen's (prefix lab34:key:) and the hot ones it names.
hotkeys="stock:counter stock:price $(echo stock:counter:{0..7})"
cleanup() {
	stop_gen
	policy "$old_policy"
	slot_stats_on "$old_stats"
	lab_unlink_matching 'lab34:key:*'
	lab_unlink_matching '{catalog}:item:*'
	for k in $hotkeys; do
		redis-cli -c -h "${RC_CLUSTER%:*}" -p "${RC_CLUSTER##*:}" DEL "$k" >/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
# start_gen ARGS...: traffic in the background until stop_gen, once its
# first second is done.
start_gen() {
	rc-hotkey gen -d 300 --prefix lab34:key: "$@" >"$tmp/gen" 2>"$tmp/gen.err" &
	genpid=$!
	for _ in $(seq 1 300); do
		# The header comes at once; the first row after a second.
		grep -q '^[0-9]' "$tmp/gen" && return 0
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
pause

say "A mitigation on the client: keep a read key's value locally for a while" \
	"and answer reads from that copy. gen --cache-ms 100 does it (a bucket per" \
	"key hash, its own writes kept too). The same traffic as above, no replicas:"
start_gen --keys 100000 --hot stock:price --hot-share 50 --reads 95 --cache-ms 100
run "rc-hotkey slots --replicas -k 1 -d 2 | tee '$tmp/cafter'"
stop_gen
run "grep -o 'local copy.*' '$tmp/gen.err'"
run "echo 'stock:price master $owner: $(share "$tmp/rbefore" master "$owner")% of all" \
	"operations before, $(share "$tmp/cafter" master "$owner")% with --cache-ms 100'"
observe "Most reads of stock:price never left the client: its master's share fell to" \
	"about its writes' and the other keys' (each read a few times, rarely twice" \
	"within 100 ms). The cold keys gain nothing from the copy."
pause

say "What it gives up: for up to N ms a read answers from the copy, whatever the" \
	"server has now. stock:price is v1; gen reads it 1000 times a second and keeps" \
	"it 2000 ms; then the server's value changes to v2."
cli() { redis-cli -c -h "${RC_CLUSTER%:*}" -p "${RC_CLUSTER##*:}" "$@"; }
cli SET stock:price v1 >/dev/null
start_gen --hot stock:price --hot-share 100 --reads 100 -r 1000 --cache-ms 2000
run "redis-cli -c -h '${RC_CLUSTER%:*}' -p '${RC_CLUSTER##*:}' SET stock:price v2"
for _ in $(seq 1 100); do
	grep -q "stock:price changed" "$tmp/gen.err" && break
	sleep 0.1
done
stop_gen
run "grep -o 'stock:price changed.*' '$tmp/gen.err'"
observe "gen read v1 from its copy after the server had v2, until the copy was 2000" \
	"ms old. Without invalidation (CLIENT TRACKING pushes one), the stale window is" \
	"the TTL: pick N for what a reader may miss."
pause

say "redis-cli has its own hot key finder, --hotkeys: it walks one node's keys" \
	"with SCAN and reads each key's LFU counter (OBJECT FREQ), so it needs an LFU" \
	"maxmemory-policy. allkeys-lfu on every master (set back at the end):"
policy allkeys-lfu
start_gen --keys 100000 --hot stock:counter --hot-share 50
run "rc-hotkey top -k 3 -d 2"
c_owner=$(rc-slot -n stock:counter | cut -f3)
run "redis-cli -c -h '${c_owner%:*}' -p '${c_owner##*:}' --hotkeys 2>&1 | grep 'hot key found with counter' | head -n 3"
stop_gen
policy "$old_policy"
observe "Both name stock:counter first. --hotkeys saw one node ($c_owner, the key's" \
	"master) and gives LFU counters: logarithmic, saturating at 255, decaying by" \
	"the minute, no rate. rc-hotkey top counts the operations of every master" \
	"over the sample and gives each key's share of all of them."
pause

title "A hot slot is not a big slot"
say "A slot can be heavy in two ways: many keys (memory, a long migration) or" \
	"much traffic (cpu, network). 20000 keys under one hash tag, {catalog}, that" \
	"nobody reads, beside stock:counter's traffic:"
cat_owner=$(rc-slot -n '{catalog}' | cut -f3)
seq 1 20000 | awk '{ print "SET {catalog}:item:" $1 " x" }' |
	redis-cli -h "${cat_owner%:*}" -p "${cat_owner##*:}" --pipe >/dev/null
big=$(rc-slot '{catalog}' | cut -f2)
hot=$(rc-slot stock:counter | cut -f2)
if [ -n "$slot_stats" ]; then
	say "This server has CLUSTER SLOT-STATS: keys per slot always, cpu time and" \
		"network bytes per slot once cluster-slot-stats-enabled is yes (off by" \
		"default; set back at the end). On, on every master:"
	run "for m in $(tr '\n' ' ' <<<"$masters"); do redis-cli -h \${m%:*} -p \${m##*:} CONFIG SET cluster-slot-stats-enabled yes >/dev/null; done"
	start_gen --keys 100000 --hot stock:counter --hot-share 50
	run "rc-dist hot -n 3 | tee '$tmp/bykeys'"
	run "rc-dist hot --by cpu -n 3 | tee '$tmp/bycpu'"
	run "rc-hotkey slots -k 2 -d 2"
	stop_gen
	# cpu FILE SLOT: the slot's cpu_usec in rc-dist hot rows.
	cpu() { awk -F'\t' -v s="$2" '$1 == s { print $4 }' "$1"; }
	run "echo 'big slot $big: 20000 keys, $(cpu "$tmp/bykeys" "$big") cpu_usec; hot slot $hot: $(cpu "$tmp/bycpu" "$hot") cpu_usec'"
	observe "By keys, {catalog}'s slot $big leads and costs the server next to no" \
		"cpu; by cpu, stock:counter's slot $hot leads with one key. SLOT-STATS" \
		"counts every command the slot ran, since the statistics were turned on;" \
		"rc-hotkey slots shows the same cpu and network over its sample."
else
	say "This server has no CLUSTER SLOT-STATS (Valkey 8.0 and Redis 8.2 have it):" \
		"keys per slot from rc-dist hot, traffic per slot from rc-hotkey slots'" \
		"MONITOR sample."
	start_gen --keys 100000 --hot stock:counter --hot-share 50
	run "rc-dist hot -n 3"
	run "rc-hotkey slots -k 2 -d 2 | tee '$tmp/slots'"
	stop_gen
	ops=$(awk -F'\t' -v s="$hot" '$1 == "slot" && $2 == s { print $4 }' "$tmp/slots")
	run "echo 'big slot $big: 20000 keys, no operations in the sample; hot slot $hot: ${ops:-?} operations'"
	observe "By keys, {catalog}'s slot $big leads; by operations, stock:counter's" \
		"slot $hot. On a server with SLOT-STATS, rc-dist hot --by cpu ranks slots" \
		"by the cpu time they cost without sampling anything."
fi
say "Put the cluster back as the lab found it: the maxmemory-policy is set back (above), the SLOT-STATS setting is set back, and the lab's keys, gen's lab34:key:*, {catalog}'s and the stock:* keys, are deleted."
trap - EXIT
cleanup
