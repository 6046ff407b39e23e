#!/usr/bin/env bash
# Lab 55: backup and restore - BGSAVE on every master, copy the RDB files,
# load them into a fresh lab cluster (a second lab on other ports) whose
# masters own the same slot ranges, then compare the keys per slot and some
# values; and what such a backup does not hold.
set -euo pipefail
# shellcheck source=labs/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=labs/ha.sh
. "$(dirname "$0")/ha.sh"
lab_require rc-failover rc-repl rc-dist rc-slot redis-cli
ha_need_launcher

# The restore target: a second lab, on RC_LAB_RESTORE_PORT (default 100
# above this one), its state in a directory of its own, removed at the end.
RPORT=${RC_LAB_RESTORE_PORT:-$((${RC_CLUSTER##*:} + 100))}
work=$(mktemp -d "${TMPDIR:-/tmp}/lab55.XXXXXX")
RDIR=$work/restore
restore() { RC_LAB_PORT=$RPORT RC_LAB_DIR=$RDIR "$LAB_CLUSTER" "$@"; }
cleanup() {
	restore clean >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# cli ADDR ARGS...: redis-cli against one node.
cli() {
	local a=$1
	shift
	redis-cli -h "${a%:*}" -p "${a##*:}" "$@"
}
# ranges ADDR: the slot ranges the node at ADDR owns, as its CLUSTER NODES says.
ranges() {
	cli "$1" CLUSTER NODES | awk '$3 ~ /myself/ { for (i = 9; i <= NF; i++) printf "%s%s", $i, (i < NF ? " " : "") }'
}
# lastsave ADDR: the unix time of the node's last successful save.
lastsave() { cli "$1" LASTSAVE; }
later_than() { (($(date +%s) > $1)); }
saved_since() {
	[[ $(lastsave "$1") -gt $2 ]] &&
		cli "$1" INFO persistence | tr -d '\r' | grep -x 'rdb_bgsave_in_progress:0' >/dev/null
}
# same_size A B: the nodes at A and B hold as many keys.
same_size() { [[ $(cli "$1" DBSIZE) == "$(cli "$2" DBSIZE)" ]]; }
# per_slot ADDR: "slot count" for every slot the node at ADDR owns that holds keys.
per_slot() {
	local r lo hi
	for r in $(ranges "$1"); do
		[[ $r == \[* ]] && continue
		lo=${r%-*} hi=${r#*-}
		seq "$lo" "$hi" | awk '{ print "CLUSTER COUNTKEYSINSLOT " $1 }' |
			cli "$1" | paste <(seq "$lo" "$hi") - | awk '$2 > 0'
	done
}

title "Backup and restore"
mapfile -t masters < <(ha_rows | awk -F'\t' '$2 == "master" { print $3 }')
say "A Redis Cluster has no backup command of its own: each master saves its" \
	"own slots to an RDB file. A backup is one RDB file per master, with the" \
	"slot ranges that master owned; a restore puts each file in a node that owns" \
	"the same ranges. First some data: 2000 keys, spread over the ${#masters[@]} masters."
run "seq 1 2000 | awk '{ print \"SET lab55:\" \$1 \" v\" \$1 }' | rc-repl >/dev/null"
run "rc-dist keys"
pause

say "BGSAVE forks and writes the snapshot in the background; LASTSAVE moves on" \
	"once it is written, and INFO persistence says whether it went well."
mkdir -p "$work/backup"
for m in "${masters[@]}"; do
	t=$(lastsave "$m")
	# LASTSAVE has a resolution of a second: a save in the same second as
	# the last one could not be told from it.
	ha_until 5 later_than "$t"
	run "redis-cli -h ${m%:*} -p ${m##*:} BGSAVE"
	ha_until 60 saved_since "$m" "$t"
	run "redis-cli -h ${m%:*} -p ${m##*:} INFO persistence | grep -E '^rdb_(bgsave_in_progress|last_bgsave_status)'"
	dir=$(cli "$m" CONFIG GET dir | sed -n 2p)
	file=$(cli "$m" CONFIG GET dbfilename | sed -n 2p)
	run "cp '$dir/$file' '$work/backup/${m##*:}.rdb'"
	ranges "$m" >"$work/backup/${m##*:}.slots"
	observe "$m saved; its file copied, with the slots it owns: $(<"$work/backup/${m##*:}.slots")."
done
run "ls -l '$work/backup'"
pause

say "A write after the saves: the backup cannot have it."
run "redis-cli -c -h ${RC_CLUSTER%:*} -p ${RC_CLUSTER##*:} SET lab55:after-backup late >/dev/null"
pause

say "The restore target: a fresh lab cluster on ports from $RPORT, with as many" \
	"masters (${#masters[@]}), so that its slot ranges can match."
run "RC_LAB_PORT=$RPORT RC_LAB_DIR='$RDIR' \"\$LAB_CLUSTER\" up -m ${#masters[@]} -r 1"
raddr=127.0.0.1:$RPORT
declare -A target
for m in "${masters[@]}"; do
	want=$(<"$work/backup/${m##*:}.slots")
	t=
	for a in $(cli "$raddr" CLUSTER NODES | awk '$3 ~ /master/ { sub(/@.*/, "", $2); print $2 }'); do
		[[ $(ranges "$a") == "$want" ]] && { t=$a; break; }
	done
	if [[ -z $t ]]; then
		say "No master of the fresh cluster owns exactly $want, as $m did (the slots" \
			"of this lab were moved since it was made): its RDB file would hold keys of" \
			"slots its node does not own. Move them back (rc-reshard), or restore the keys" \
			"through the cluster instead (redis-cli --rdb, then DUMP/RESTORE)."
		exit 1
	fi
	target[$m]=$t
	observe "$m's file goes to $t, which owns the same slots: $want."
done
pause

say "A node loads its RDB file when it starts: stop the fresh cluster, put each" \
	"file in the directory of its node (its dir, dbfilename dump.rdb), start again."
run "RC_LAB_PORT=$RPORT RC_LAB_DIR='$RDIR' \"\$LAB_CLUSTER\" down"
for m in "${masters[@]}"; do
	run "cp '$work/backup/${m##*:}.rdb' '$RDIR/${target[$m]##*:}/dump.rdb'"
done
run "RC_LAB_PORT=$RPORT RC_LAB_DIR='$RDIR' \"\$LAB_CLUSTER\" up"
run "rc-dist -c $raddr keys"
say "The backup had no replica's file: the replicas of the fresh cluster get the keys from their masters."
for m in "${masters[@]}"; do
	t=${target[$m]}
	rr=$(cli "$t" CLUSTER NODES | awk -v id="$(cli "$t" CLUSTER MYID)" '$4 == id { sub(/@.*/, "", $2); print $2; exit }')
	ha_until 60 same_size "$t" "$rr"
	run "redis-cli -h ${rr%:*} -p ${rr##*:} DBSIZE; grep -E 'sync: Finished with success|Successful partial resync' '$RDIR/${rr##*:}/redis.log' | tail -n 1"
done
observe "Each replica holds as many keys as its master, copied by replication from the restored master (the log line above), not from the backup."
pause

say "Keys per slot, the original against the restored, for every slot with keys:"
for m in "${masters[@]}"; do per_slot "$m"; done | sort -n >"$work/orig"
for m in "${masters[@]}"; do per_slot "${target[$m]}"; done | sort -n >"$work/rest"
run "wc -l <'$work/orig'; wc -l <'$work/rest'"
late=$(rc-slot -n lab55:after-backup | cut -f2)
run "diff '$work/orig' '$work/rest' || true"
if diff <(grep -v "^$late	" "$work/orig") <(grep -v "^$late	" "$work/rest") >/dev/null &&
	! diff <(grep "^$late	" "$work/orig") <(grep "^$late	" "$work/rest") >/dev/null; then
	observe "Every slot has as many keys restored as in the original, but slot $late: it holds lab55:after-backup, written after the save."
else
	observe "Some slots other than $late ($(diff "$work/orig" "$work/rest" | grep -c '^<') rows) differ: keys were written or expired in the original after the saves."
fi
pause

say "Some values, read from both clusters:"
same=0
for k in lab55:1 lab55:777 lab55:2000; do
	a=$(redis-cli -c -h "${RC_CLUSTER%:*}" -p "${RC_CLUSTER##*:}" GET "$k")
	b=$(redis-cli -c -h "${raddr%:*}" -p "${raddr##*:}" GET "$k")
	printf '%s\toriginal %s\trestored %s\n' "$k" "${a:-(nil)}" "${b:-(nil)}"
	[[ -n $a && $a == "$b" ]] && same=$((same + 1))
done
run "redis-cli -c -h ${raddr%:*} -p ${raddr##*:} EXISTS lab55:after-backup"
observe "$same of 3 sampled keys have the same value in both; lab55:after-backup does not exist in the restored cluster (EXISTS 0)."
pause

say "What this backup does not capture: every write after each master's save" \
	"(and the masters saved at different moments, so the backup is not one" \
	"point in time of the whole cluster); the replicas (rebuilt by a full sync" \
	"from the restored masters, on the nodes of the new cluster); nor the" \
	"node IDs and the cluster's configuration (nodes.conf): the restore is a new" \
	"cluster that only owns the same slot ranges."
run "RC_LAB_PORT=$RPORT RC_LAB_DIR='$RDIR' \"\$LAB_CLUSTER\" clean"
redis-cli -c -h "${RC_CLUSTER%:*}" -p "${RC_CLUSTER##*:}" DEL lab55:after-backup >/dev/null
observe "The second lab is gone; the original cluster is as it was, with its lab55:* keys."
