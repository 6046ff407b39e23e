#!/usr/bin/env bash
# rc-reshard create below three masters (refused, nodes untouched), and apply
# refusing malformed plan rows before anything moves.  Ports 16340-16343.
# shellcheck disable=SC2317 # helpers are called through ok and retry
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

BASE=16340
lab_use $BASE
addrs=()
for p in $BASE $((BASE + 1)) $((BASE + 2)) $((BASE + 3)); do
	cluster_cmd add "$p" >/dev/null || bail_file "cannot start node $p"
	addrs+=("127.0.0.1:$p")
done

# --- create below three masters ----------------------------------------------------

exit_is 2 "four nodes with -r 1 (two masters) are refused" rc-reshard create -r 1 "${addrs[@]}"
like "$OUT" 'at least 3 masters' "the message gives the reason"
like "$OUT" 'give at least 6 nodes' "and what it takes"
exit_is 2 "two nodes without replicas are refused" rc-reshard create "${addrs[@]:0:2}"
exit_is 2 "one node is refused" rc-reshard create "${addrs[0]}"
# untouched PORT: empty, alone, no slot, no epoch given.
untouched() {
	local info
	info=$(rcli "$1" CLUSTER INFO | tr -d '\r')
	[[ $info == *cluster_known_nodes:1$'\n'* && $info == *cluster_slots_assigned:0$'\n'* &&
		$info == *cluster_current_epoch:0$'\n'* && $(rcli "$1" DBSIZE) == 0 ]]
}
for p in $BASE $((BASE + 1)) $((BASE + 2)) $((BASE + 3)); do
	ok "node $p is untouched" untouched "$p"
done

# --- apply: malformed rows are refused before anything moves ---------------------------

ok "three of them make a cluster" rc-reshard create "${addrs[@]:0:3}"
M0=$(id_of $BASE)
M1=$(id_of $((BASE + 1)))
owner_of_0() { rcli "$BASE" CLUSTER NODES | awk -v id="$1" '$1 == id && / 0([- ]|$)/' | grep -q .; }
# bad_plan DESC ROW2: a good first row (slot 0 to M1), then ROW2: refused
# with its line number, and slot 0 has not moved.
bad_plan() {
	printf '0\t%s\t%s\n%s\n' "$M0" "$M1" "$2" >"$T/plan"
	exit_is 2 "apply refuses $1" sh -c "rc-reshard apply <'$T/plan'"
	like "$OUT" '<stdin>:2:' "$1: the message names line 2"
	ok "$1: slot 0 has not moved" owner_of_0 "$M0"
}
bad_plan "a slot with a sign" "+100	$M0	$M1"
bad_plan "a slot with a space" " 100	$M0	$M1"
bad_plan "a fourth field" "100	$M0	$M1	extra"
bad_plan "an empty fourth field" "100	$M0	$M1	"
bad_plan "two fields" "100	$M0"
printf '0\t%s\t%s\n1\t%s\t%s\0junk\n' "$M0" "$M1" "$M0" "$M1" >"$T/plan"
exit_is 2 "apply refuses a NUL byte" sh -c "rc-reshard apply <'$T/plan'"
like "$OUT" '<stdin>:2: a NUL byte' "the message names line 2 and the NUL"
ok "slot 0 has not moved" owner_of_0 "$M0"
printf '0\t%s\t%s\n' "$M0" "$M1" >"$T/plan"
ok "a good plan moves slot 0" sh -c "rc-reshard apply <'$T/plan'"
ok "slot 0 is the target's" retry 10 owner_of_0 "$M1"

done_testing
