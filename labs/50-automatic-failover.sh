#!/usr/bin/env bash
# Lab 50: automatic failover - kill a master while a probe writes and a
# watch follows every node: PFAIL -> FAIL -> election -> promotion, the
# window the clients saw, the data still there, the old master back as a
# replica; then again with a longer cluster-node-timeout.
set -euo pipefail
# shellcheck source=labs/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=labs/ha.sh
. "$(dirname "$0")/ha.sh"
lab_require rc-failover rc-repl redis-cli
ha_need_launcher

work=$(mktemp -d "${TMPDIR:-/tmp}/lab50.XXXXXX")
T0=$(ha_timeout)
# The node timeout is put back on every path.
trap 'ha_set_timeout "$T0" 2>/dev/null || true; rm -rf "$work"' EXIT

title "Automatic failover: a master dies"
say "Every node pings the others on the cluster bus. A node that does not answer" \
	"for cluster-node-timeout ($T0 ms here) is suspected: PFAIL, in the view of" \
	"whoever noticed. When a majority of masters suspect it, it is FAIL, for" \
	"everyone. Its replica then asks the masters for their votes (an election," \
	"with a new epoch), and once it has a majority it is the master of those slots."
# The seed itself when it is a master: the tools must do without it.
m=$(ha_rows | awk -F'\t' -v s="$RC_CLUSTER" '$2 == "master" && $3 == s { print $3 }')
[[ -n $m ]] || m=$(ha_master 1)
r=$(ha_replica_of "$m")
run "rc-failover status"
observe "$r replicates $m, its link is up, and it could fail over (yes)."
pause

say "Some data first: 1000 keys through the cluster, then WAIT until $m's replica has them."
run "seq 1 1000 | awk '{ print \"SET lab50:\" \$1 \" v\" \$1 }' | rc-repl >/dev/null"
run "redis-cli -h ${m%:*} -p ${m##*:} WAIT 1 1000"
observe "WAIT answers how many replicas acknowledged every write so far: 1."
run "redis-cli -h ${m%:*} -p ${m##*:} --scan --pattern 'lab50:*' | wc -l"
before=$(redis-cli -h "${m%:*}" -p "${m##*:}" --scan --pattern 'lab50:*' | wc -l)
pause

# crash VICTIM TIMEOUT TAG: probe and watch in the background, kill VICTIM,
# wait for both; the files are $work/TAG.probe and $work/TAG.watch.
crash() {
	local victim=$1 to=$2 tag=$3 secs
	secs=$((2 + 2 * to / 1000 + 3))
	run "rc-failover watch -d 60 --until-ok >'$work/$tag.watch' &"
	local watch=$!
	run "rc-failover probe -d $secs >'$work/$tag.probe' &"
	local probe=$!
	run sleep 2
	run "\"\$LAB_CLUSTER\" kill ${victim##*:}"
	wait "$watch" || true
	wait "$probe" || true
}

# first EVENT FILE: the ms of the first row of EVENT in a watch file.
first() { awk -F'\t' -v e="$1" '$3 == e { print $1; exit }' "$2"; }

say "Now the probe writes and reads 200 times a second, the watch follows every" \
	"node, and after 2 s we kill $m (SIGKILL: a crash)."
crash "$m" "$T0" a
say "The first row of each kind of event, as the nodes saw it (ms since the watch began):"
run "awk -F'\t' '!seen[\$3]++' '$work/a.watch'"
dead=$(first unreachable "$work/a.watch") pfail=$(first pfail "$work/a.watch")
fail=$(first fail "$work/a.watch") elect=$(first epoch "$work/a.watch")
promo=$(awk -F'\t' -v r="$r" '$3 == "role" && $4 == r && $5 == "master" { print $1; exit }' "$work/a.watch")
observe "$m stopped answering at ${dead:-?} ms; a node saw it PFAIL at ${pfail:-?} ms (about the node timeout later)," \
	"FAIL was agreed at ${fail:-?} ms, the election's epoch at ${elect:-?} ms, and $r was master at ${promo:-?} ms."
pause

say "What the clients saw: the probe's summary (every line but the per-second rows)."
run "grep -v '^[0-9]' '$work/a.probe'"
win1=$(ha_window "$work/a.probe" "$m")
lost=$(ha_sum "$work/a.probe" lost)
if ((win1 <= 15000)); then verdict="within the seeds' target of 15 s"; else verdict="over the seeds' target of 15 s"; fi
observe "The keys of $m could not be reached for $win1 ms: $verdict."
if grep -q $'^window\t.*CLUSTERDOWN' "$work/a.probe"; then
	observe "The other masters' windows say CLUSTERDOWN: between FAIL and the promotion no master serves $m's slots, and with cluster-require-full-coverage yes every master refuses."
fi
if [[ $lost == 0 ]]; then
	observe "lost 0: every write the probe was told OK for is still there."
else
	observe "lost $lost: writes $m acknowledged but had not yet sent to $r when it died (replication is asynchronous)."
fi
run "redis-cli -h ${r%:*} -p ${r##*:} --scan --pattern 'lab50:*' | wc -l"
after=$(redis-cli -h "${r%:*}" -p "${r##*:}" --scan --pattern 'lab50:*' | wc -l)
if [[ $after == "$before" ]]; then
	observe "$r, the new master, holds the same $after lab50 keys that $m had."
else
	observe "$r holds $after lab50 keys; $m had $before."
fi
pause

say "Start $m again. It finds a newer epoch for its slots and becomes a replica of $r."
run "\"\$LAB_CLUSTER\" start ${m##*:}"
ha_until 60 ha_is_replica "$m" "$r"
run "rc-failover status"
observe "$m is a replica of $r now, its link up."
pause

T2=$((T0 * 2))
say "The window follows cluster-node-timeout. Set it to $T2 ms on every node and" \
	"crash the new master, $r:"
run "for a in \$(rc-failover -T status 2>/dev/null | cut -f3); do redis-cli -h \${a%:*} -p \${a##*:} CONFIG SET cluster-node-timeout $T2 >/dev/null; done"
ha_until 60 ha_whole
crash "$r" "$T2" b
run "grep '^window' '$work/b.probe'"
win2=$(ha_window "$work/b.probe" "$r")
observe "With a node timeout of $T2 ms the keys of $r were out of reach for $win2 ms, against $win1 ms with $T0 ms." \
	"A shorter timeout fails over sooner, but a node that is only slow (a long command, a busy machine) is then taken for dead."
pause

say "Put everything back: the node timeout, and $r as a replica."
run "\"\$LAB_CLUSTER\" start ${r##*:}"
run "for a in \$(rc-failover -T status 2>/dev/null | cut -f3); do redis-cli -h \${a%:*} -p \${a##*:} CONFIG SET cluster-node-timeout $T0 >/dev/null; done"
ha_until 60 ha_is_replica "$r" "$m"
ha_until 60 ha_whole
run "seq 1 1000 | awk '{ print \"DEL lab50:\" \$1 }' | rc-repl >/dev/null"
run "rc-failover status"
observe "$m is a master again (the second crash made it one), $r its replica."
