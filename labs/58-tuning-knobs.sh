#!/usr/bin/env bash
# Lab 58: tuning knobs - cluster-node-timeout, cluster-replica-validity-factor,
# cluster-migration-barrier, cluster-allow-replica-migration,
# cluster-require-full-coverage, cluster-allow-reads-when-down: what each
# trades, read from the cluster's own settings; the node timeout's effect
# measured (a replica paused, the time until the masters agree it FAILs, with
# two timeouts); every setting put back.
set -euo pipefail
# shellcheck source=labs/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=labs/ha.sh
. "$(dirname "$0")/ha.sh"
lab_require rc-failover redis-cli
ha_need_launcher

work=$(mktemp -d "${TMPDIR:-/tmp}/lab58.XXXXXX")
T0=$(ha_timeout)
paused=''
# The node timeout is put back, and no node stays paused, on every path.
cleanup() {
	[ -n "$paused" ] && "$LAB_CLUSTER" resume "${paused##*:}" >/dev/null 2>&1
	ha_set_timeout "$T0" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

knobs='cluster-node-timeout cluster-replica-validity-factor repl-ping-replica-period cluster-migration-barrier cluster-allow-replica-migration cluster-require-full-coverage cluster-allow-reads-when-down'
# knob NAME: its value on the seed.
knob() { redis-cli -h "${RC_CLUSTER%:*}" -p "${RC_CLUSTER##*:}" CONFIG GET "$1" | sed -n 2p; }
# knob_table: each setting's values over every node, with how many nodes
# have each.
knob_table() {
	local k a
	for k in $knobs; do
		for a in $(ha_nodes); do
			printf '%s\t%s\n' "$k" "$(redis-cli -h "${a%:*}" -p "${a##*:}" CONFIG GET "$k" | sed -n 2p)"
		done
	done | sort | uniq -c
}
# now_ms: the wall clock in ms.
now_ms() { date +%s%3N; }

title "Lab 58: tuning knobs"
say "A handful of settings decide how fast the cluster gives up on a node, which replica" \
	"may replace it, where spare replicas go, and what the clients get while part of the" \
	"cluster is down. Their values on every node (one row per setting, with the number of" \
	"nodes that have each value):"
knob_table >"$work/before"
run "cat '$work/before'"
multi=$(awk '{ print $2 }' "$work/before" | uniq -d | wc -l)
if [ "$multi" = 0 ]; then
	observe "every node has the same value of each setting."
else
	observe "$multi setting(s) differ between nodes."
fi
observe "they are set per node (CONFIG SET, or redis.conf): a change is made on every node."
pause

# flags_of MASTER: the flags MASTER's CLUSTER NODES gives the replica $r.
flags_of() {
	redis-cli -h "${1%:*}" -p "${1##*:}" CLUSTER NODES |
		awk -v r="$r@" 'index($2, r) == 1 { print $3 }'
}
# detect TAG: pauses the replica $r (SIGSTOP), then asks every master how it
# sees it, every 100 ms, until every master flags it fail; then resumes it
# and waits until the cluster is whole. Rows in $work/TAG: ms since the
# pause command, master, its flags for $r.
detect() {
	local tag=$1 p0 t a n fl
	: >"$work/$tag"
	p0=$(now_ms)
	paused=$r
	run "\"\$LAB_CLUSTER\" pause ${r##*:}"
	while :; do
		t=$(($(now_ms) - p0)) n=0
		while read -r a; do
			fl=$(flags_of "$a")
			printf '%s\t%s\t%s\n' "$t" "$a" "$fl" >>"$work/$tag"
			[[ $fl =~ (^|,)fail(,|$) ]] && n=$((n + 1))
		done <"$work/masters"
		[ "$n" -lt "$(wc -l <"$work/masters")" ] || break
		if [ "$t" -gt 60000 ]; then
			echo "lab: after 60 s not every master flags $r fail" >&2
			exit 1
		fi
		sleep 0.1
	done
	run "\"\$LAB_CLUSTER\" resume ${r##*:}"
	paused=
	ha_until 60 ha_whole
}
# first TAG WHAT: the ms of the first row where a master's flags are WHAT
# (fail? or fail); last TAG WHAT: of the first row where the last master got there.
first() { awk -F'\t' -v w="$2" '{ n = split($3, f, ","); for (i = 1; i <= n; i++) if (f[i] == w) { print $1; exit } }' "$work/$1"; }
last() {
	awk -F'\t' -v w="$2" '{ n = split($3, f, ","); for (i = 1; i <= n; i++) if (f[i] == w && !($2 in t)) t[$2] = $1 }
		END { for (m in t) if (t[m] > x) x = t[m]; print x + 0 }' "$work/$1"
}
# pfail_said MS: the first PFAIL seen, in words ("" when none was).
pfail_said() {
	if [ -n "$1" ]; then
		printf 'the first PFAIL %s ms after the pause' "$1"
	else
		printf 'no master was seen in PFAIL (it turned to FAIL between two looks)'
	fi
}
# when_flagged TAG: per master, when it first flagged the replica fail? and fail.
when_flagged() {
	awk -F'\t' '{ n = split($3, f, ","); for (i = 1; i <= n; i++) {
			if (f[i] == "fail?" && !($2 in p)) p[$2] = $1
			if (f[i] == "fail" && !($2 in q)) q[$2] = $1 } ; m[$2] = 1 }
		END { for (a in m) printf "%s\tfail? at %s ms\tfail at %s ms\n", a, (a in p ? p[a] : "-"), (a in q ? q[a] : "-") }' "$work/$1" | sort
}

m=$(ha_master 1)
r=$(ha_replica_of "$m")
ha_rows | awk -F'\t' '$2 == "master" { print $3 }' >"$work/masters"
say "cluster-node-timeout ($T0 ms here) is how long a node may not answer before the node" \
	"that pings it flags it PFAIL; when a majority of the masters have, it is FAIL for" \
	"everyone, and a master's replica may take over. Measure it without losing anything:" \
	"pause (SIGSTOP) a replica, $r, until every master has flagged it FAIL; then resume it."
detect a
say "The lab asked each master's CLUSTER NODES every 100 ms how it sees $r: 'fail?' is PFAIL" \
	"(this master's own suspicion), 'fail' is FAIL (agreed). The first moment each master showed each:"
run "when_flagged a"
pf1=$(first a fail?) f1=$(last a fail)
observe "$(pfail_said "$pf1"), and every master had it FAIL $f1 ms after it, with a node timeout of $T0 ms."
pause

T2=$((T0 * 2))
say "Now twice the timeout, $T2 ms, on every node, and the same again:"
run "for a in \$(rc-failover -T status 2>/dev/null | cut -f3); do redis-cli -h \${a%:*} -p \${a##*:} CONFIG SET cluster-node-timeout $T2 >/dev/null; done"
run "redis-cli -h ${RC_CLUSTER%:*} -p ${RC_CLUSTER##*:} CONFIG GET cluster-node-timeout"
detect b
run "when_flagged b"
pf2=$(first b fail?) f2=$(last b fail)
observe "with $T2 ms: $(pfail_said "$pf2"), FAIL on every master after $f2 ms, against $f1 ms with $T0 ms."
say "A master's failover starts only after its FAIL, so its window grows with the timeout" \
	"just as this did (lab 50 measures it). The trade: a short timeout fails over sooner, but" \
	"a node that is only slow for a moment (a long command, a fork, a busy machine, a" \
	"network hiccup) is then taken for dead, and a needless failover costs more than the wait."
pause

say "Put the node timeout back on every node:"
run "for a in \$(rc-failover -T status 2>/dev/null | cut -f3); do redis-cli -h \${a%:*} -p \${a##*:} CONFIG SET cluster-node-timeout $T0 >/dev/null; done"
pause

vf=$(knob cluster-replica-validity-factor) ping=$(knob repl-ping-replica-period)
say "cluster-replica-validity-factor ($vf here): a replica refuses to fail over when the time" \
	"since its last word from its master, less one node timeout, is over node timeout x factor" \
	"+ repl-ping-replica-period ($ping s): a replica with very old data must not become the" \
	"master. 0 means it always tries."
if [ "$vf" = 0 ]; then
	observe "factor 0: a replica here fails over however long it has been cut off from its master:" \
		"availability first, however old its data."
else
	observe "here: $T0 ms x $vf + $ping s = $((T0 * vf + ping * 1000)) ms. A replica cut off from its master longer" \
		"than that stays a replica, and the master's slots stay down until it returns (availability" \
		"given up for fresher data); a larger factor, or 0, trades the other way."
fi
run "rc-failover status | cut -f2,3,8"
observe "the failover column: whether each replica could take over now, by this and the other rules."
pause

mb=$(knob cluster-migration-barrier) arm=$(knob cluster-allow-replica-migration)
say "cluster-migration-barrier ($mb) and cluster-allow-replica-migration ($arm): a master left" \
	"without a working replica (an orphan) is given a spare replica from the master with the" \
	"most, but only when that master keeps at least barrier replicas. Replicas per master here:"
run "rc-failover -T status | awk -F'\t' '\$2 == \"replica\" { n[\$4]++ } \$2 == \"master\" { n[\$3] += 0 } END { for (m in n) print m \"\t\" n[m] \" replica(s)\" }' | sort"
spare=$(ha_rows | awk -F'\t' -v b="$mb" '$2 == "replica" { n[$4]++ } $2 == "master" { n[$3] += 0 } END { for (m in n) if (n[m] > b) s++; print s + 0 }')
if [ "$arm" = no ]; then
	observe "migration is off (no): an orphaned master stays without a replica until someone adds one."
elif [ "$spare" = 0 ]; then
	observe "no master has more than $mb replica(s): none can give one away, so an orphaned master here" \
		"stays without a replica. A spare replica (one master with two) is what the barrier lets move."
else
	observe "$spare master(s) have more than $mb replica(s): each could give one to an orphaned master."
fi
observe "a lower barrier moves replicas more readily (and may leave a master with none);" \
	"a higher one keeps them where they are."
pause

fc=$(knob cluster-require-full-coverage) rd=$(knob cluster-allow-reads-when-down)
say "cluster-require-full-coverage ($fc): yes, and when any slot has no master that serves it" \
	"(a master down and not yet replaced), every node refuses every command with CLUSTERDOWN:" \
	"no client ever sees a partial cluster. no, and the other masters go on serving their slots:" \
	"availability for the rest, at the price of a cluster that answers for some keys and not" \
	"others. cluster-allow-reads-when-down ($rd): yes lets a node answer reads while the cluster" \
	"is down (possibly stale: a partitioned master may have been replaced); no refuses them too."
if [ "$fc" = yes ]; then
	observe "full coverage is required here: lab 50's probe shows every master's keys refused" \
		"(CLUSTERDOWN) between a master's FAIL and its replica's promotion."
else
	observe "full coverage is not required here: a master's failure costs only its own slots' keys."
fi
pause

say "Every setting as the lab found it:"
knob_table >"$work/after"
run "diff '$work/before' '$work/after' && echo 'no setting changed'"
