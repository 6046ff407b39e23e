#!/usr/bin/env bash
# Lab 16: cluster vs single node - the same benchmark against one standalone
# server (started by the lab on a free port, stopped after, whatever happens)
# and against the cluster's masters, side by side; then what limits both on
# the machine at hand: the CPU time every process used against its cores.
set -euo pipefail
# shellcheck source=labs/lib.sh
. "$(dirname "$0")/lib.sh"
lab_require rc-dist redis-cli

host=${RC_CLUSTER%:*}
port=${RC_CLUSTER##*:}
base=${RC_LAB_PORT:-$port}
# The same server as the cluster's, and its own benchmark.
kind=$(rc-dist -T nodes 2>/dev/null | awk -F'\t' '$3 == "master" { print $13; exit }')
server=${kind:-redis}-server bench=${kind:-redis}-benchmark
command -v "$server" >/dev/null 2>&1 || server=redis-server
command -v "$bench" >/dev/null 2>&1 || bench=redis-benchmark
lab_require "$server" "$bench"
# Requests per test: the same for both sides (RC_LAB_BENCH_REQUESTS).
n=${RC_LAB_BENCH_REQUESTS:-500000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lab16.XXXXXX")
single=''
# The standalone server stops whatever happens.
cleanup() {
	if [ -n "$single" ]; then
		kill "$single" 2>/dev/null
		wait "$single" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# cpu ADDR: the CPU seconds (user + system) the server at ADDR has used.
cpu() {
	redis-cli -h "${1%:*}" -p "${1##*:}" INFO cpu |
		awk -F'[:\r]' '$1 == "used_cpu_sys" || $1 == "used_cpu_user" { s += $2 } END { printf "%.2f\n", s }'
}
# measure NAME ARGS...: the benchmark (SET and GET, $n requests each, 50
# clients, 16 commands a pipeline, 100000 random keys) with ARGS; its CSV in
# $tmp/NAME.csv, its wall and CPU seconds in $tmp/NAME.time.
measure() {
	local name=$1
	shift
	stat >"$tmp/$name.stat0"
	run "TIMEFORMAT='%R %U %S'; { time $bench $* -t set,get -n $n -c 50 -P 16 -r 100000 --csv >'$tmp/$name.csv'; } 2>'$tmp/$name.time'"
	stat >"$tmp/$name.stat1"
	run "cat '$tmp/$name.csv'"
	[ -n "$(rps "$name" SET)" ] && [ -n "$(rps "$name" GET)" ] || {
		echo "lab: no SET and GET rows in the benchmark's output" >&2
		exit 1
	}
}
# stat: the machine's busy and idle CPU time so far, in clock ticks.
stat() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat; }
hz=$(getconf CLK_TCK)
# machine NAME: for run NAME, the core-seconds the machine had, those idle,
# and those other processes used (busy, less this run's own: $tmp/NAME.cpu
# and the client).
machine() {
	local b0 i0 b1 i1
	read -r b0 i0 <"$tmp/$1.stat0"
	read -r b1 i1 <"$tmp/$1.stat1"
	awk -F'\t' -v b=$((b1 - b0)) -v i=$((i1 - i0)) -v hz="$hz" -v c="$(client "$1")" '{ s += $3 }
		END { o = b / hz - s - c; printf "%.2f %.2f %.2f\n", (b + i) / hz, i / hz, (o > 0 ? o : 0) }' "$tmp/$1.cpu"
}
# account NAME: the CPU table of run NAME.
account() {
	local cap idle other
	read -r cap idle other < <(machine "$1")
	printf '%s run: %s s wall, %s core-seconds on %s cores\n' "${1/single/single node}" "$(wall "$1")" "$cap" "$cores"
	awk -F'\t' '{ printf "  %-22s %-8s %6.2f s\n", $1, $2, $3 }' "$tmp/$1.cpu"
	printf '  %-22s %-8s %6.2f s\n' "$bench" client "$(client "$1")" "other processes" - "$other" idle - "$idle"
}
# rps NAME TEST: requests a second of TEST in $tmp/NAME.csv.
rps() { awk -F'"' -v t="$2" '$2 == t { printf "%.0f\n", $4 }' "$tmp/$1.csv"; }
# wall NAME / client NAME: the run's wall-clock and the client's CPU seconds.
wall() { awk '{ print $1 }' "$tmp/$1.time"; }
client() { awk '{ printf "%.2f\n", $2 + $3 }' "$tmp/$1.time"; }

title "Lab 16: cluster vs single node"
cores=$(nproc)
say "The seeds promise more throughput from more masters (\"3x single\"), and set a" \
	"target of 100,000 operations a second. Measure both on this machine: the same" \
	"benchmark ($bench, SET then GET, $n requests each) against one standalone" \
	"$server and against the cluster. First, what the machine has:"
run nproc
observe "$cores CPU cores for everything that runs here: servers, replicas and the benchmark client."
pause

# A free port for the standalone server: the first of base+40.. where
# nothing listens.
sp=
for p in $(seq $((base + 40)) $((base + 59))); do
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		sp=$p
		break
	fi
done
[ -n "$sp" ] || { echo "lab: no free port in $((base + 40))-$((base + 59))" >&2; exit 1; }
# Its keys are the benchmark's: key:NNN.  Someone's own key:* keys in the
# cluster would be overwritten and then deleted, so the lab stops first.
mine=$(rc-dist -T keys -m 'key:*' 2>/dev/null | awk -F'\t' '{ s += $3 } END { print s + 0 }')
if [ "$mine" != 0 ]; then
	echo "lab: the cluster holds $mine keys matching key:* already; the benchmark would overwrite them. Delete them, or run this lab on another cluster." >&2
	exit 2
fi

say "A standalone $server on port $sp (no cluster, no replica, no persistence), in the background:"
run "$server --port $sp --bind 127.0.0.1 --save '' --appendonly no --dir '$tmp' --logfile '$tmp/single.log' &"
single=$!
pong() { [ "$(redis-cli -p "$1" PING 2>/dev/null)" = PONG ]; }
lab_until 10 pong "$sp"
run "redis-cli -p $sp INFO server | grep -E '^(redis_version|valkey_version|server_name|redis_mode|server_mode):'"
pause

say "The benchmark against it (requests a second in the second column):"
c0=$(cpu "127.0.0.1:$sp")
measure single -h 127.0.0.1 -p "$sp"
c1=$(cpu "127.0.0.1:$sp")
s_set=$(rps single SET) s_get=$(rps single GET)
pause

say "The same against the cluster: --cluster makes the benchmark ask the cluster for its" \
	"masters and spread its 50 clients over them, each client's keys in slots of its master."
rc-dist -T nodes | awk -F'\t' '{ print $1 "\t" $3 }' >"$tmp/nodes"
while IFS=$'\t' read -r a _; do cpu "$a"; done <"$tmp/nodes" >"$tmp/cpu0"
measure cluster -h "$host" -p "$port" --cluster
while IFS=$'\t' read -r a _; do cpu "$a"; done <"$tmp/nodes" >"$tmp/cpu1"
k_set=$(rps cluster SET) k_get=$(rps cluster GET)
masters=$(awk -F'\t' '$2 == "master"' "$tmp/nodes" | wc -l)
pause

say "Side by side, requests a second:"
run "printf '%-14s %10s %10s\n' setup SET GET 'single node' $s_set $s_get 'cluster ($masters m)' $k_set $k_get"
rset=$(awk -v a="$k_set" -v b="$s_set" 'BEGIN { printf "%.2f", a / b }')
rget=$(awk -v a="$k_get" -v b="$s_get" 'BEGIN { printf "%.2f", a / b }')
observe "the cluster did ${rset}x the single node's SETs and ${rget}x its GETs, with $masters masters."
met() { awk -v r="$1" 'BEGIN { exit !(r >= 100000) }' && echo met || echo 'NOT met'; }
observe "the seeds' target of 100,000 operations a second, by the cluster: $(met "$k_set") for SET," \
	"$(met "$k_get") for GET."
pause

paste "$tmp/nodes" "$tmp/cpu0" "$tmp/cpu1" | awk -F'\t' '{ printf "%s\t%s\t%.2f\n", $1, $2, $4 - $3 }' >"$tmp/cluster.cpu"
printf '127.0.0.1:%s\tserver\t%.2f\n' "$sp" "$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')" >"$tmp/single.cpu"
say "Why not ${masters}x (here ${rset}x and ${rget}x)? Where the CPU time went. Each server runs" \
	"the commands on one thread, so a server keeps at most one core busy. The CPU seconds each" \
	"process used during each run (INFO cpu of each server, the client's own from the shell's" \
	"time), the rest of the machine's busy time and its idle time (from /proc/stat):"
{ account single; account cluster; } >"$tmp/cpu"
run "cat '$tmp/cpu'"
sum() { awk -F'\t' -v r="$2" '$2 == r { s += $3 } END { printf "%.2f", s }' "$tmp/$1.cpu"; }
observe "single node: the server used $(sum single server) s of CPU in a run of $(wall single) s, the client $(client single) s."
read -r cap idle other < <(machine cluster)
observe "cluster: the $masters masters used $(sum cluster master) s, the replicas $(sum cluster replica) s (each SET" \
	"is replayed on its master's replica), the client $(client cluster) s, other processes $other s, and" \
	"$idle s of the $cap core-seconds the $cores cores had stayed idle."
if awk -v o="$other" -v c="$cap" 'BEGIN { exit !(o > 0.25 * c) }'; then
	observe "other processes took $other of the $cap core-seconds: this machine was busy with more than" \
		"the lab, and the figures are lower than the servers alone could do; on a quiet machine they rise."
fi
if awk -v i="$idle" -v c="$cap" 'BEGIN { exit !(i < 0.15 * c) }'; then
	observe "the cores were busy almost all the time: on this machine CPU is the limit. Masters added" \
		"here share the same $cores cores with each other, their replicas and the client; masters on" \
		"machines of their own each bring their own cores."
else
	observe "the cores were idle $(awk -v i="$idle" -v c="$cap" 'BEGIN { printf "%.0f", 100 * i / c }')% of the time: the limit here is not" \
		"the CPU but the client (one thread) and the round trips it waits for."
fi
pause

say "Stop the standalone server, and delete the benchmark's keys from the cluster:"
run "redis-cli -p $sp SHUTDOWN NOSAVE 2>/dev/null || true; wait $single 2>/dev/null || true"
single=
lab_unlink_matching 'key:*'
