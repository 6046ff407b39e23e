#!/usr/bin/env bash
# rc-seats while the event's slot migrates back and forth between two masters
# (rc-reshard apply, one key per MIGRATE): load and separate clients see
# MOVED, ASK and TRYAGAIN, and still no seat is granted twice, nothing fails
# silently, the audit is clean.  Ports 15760-15762.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis
[[ -x $BIN/rc-reshard ]] || skip_all "rc-reshard is not built"

cluster_up 15760 3 0 5000 >"$T/up.log" 2>&1 || {
	diag "$(<"$T/up.log")"
	bail_file "no cluster on 15760"
}
field() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' <<<"$2"; }

ok "create the event" rc-seats create-event --name Moving --rows 20 --seats 50 --price 5 --id mv
slot=$(cut -f2 <<<"$OUT")
node=$(cut -f3 <<<"$OUT")
a=${node##*:}
b=15760
[[ $a == 15760 ]] && b=15761
ida=$(rcli "$a" CLUSTER MYID)
idb=$(rcli "$b" CLUSTER MYID)
note "slot $slot moves between $a and $b"

rc-seats load --event mv --users 20 --seats 2 --random --confirm 30 --cancel 60 --duration 8 \
	--log "$T/load.log" >"$T/load.out" 2>"$T/load.err" &
loadpid=$!
D=$T/c
mkdir -p "$D"
rows=ABCDEFGHIJKLMNOPQRST
(
	for ((i = 0; i < 100; i++)); do
		r=${rows:RANDOM%20:1}
		s=$((RANDOM % 49 + 1))
		(
			rc-seats reserve --event mv --user "u$i" --seats "$r$s,$r$((s + 1))" >"$D/$i.out" 2>"$D/$i.err"
			echo $? >"$D/$i.rc"
			echo "$r$s,$r$((s + 1))" >"$D/$i.seats"
		) &
		sleep 0.05
	done
	wait
) &
clientspid=$!
moves=0 failed=0
for ((m = 0; m < 6; m++)); do
	sleep 0.5
	if ((m % 2 == 0)); then from=$ida to=$idb; else from=$idb to=$ida; fi
	if printf '%s\t%s\t%s\n' "$slot" "$from" "$to" | rc-reshard apply --batch 1 >"$T/move.$m" 2>&1; then
		moves=$((moves + 1))
	else
		failed=$((failed + 1))
		diag "$(<"$T/move.$m")"
	fi
done
wait "$clientspid"
wait "$loadpid"
loadrc=$?
is "$failed" 0 "six migrations of the event's slot, all applied"
is "$(rc-slot -n '{event:mv}:meta' | cut -f3)" "$node" "the slot is back where it started"

L=$(<"$T/load.out")
is "$loadrc" 0 "load ran through the migrations"
is "$(field errors "$L")" 0 "load: no errors"
like "$(field redirects "$L")" '^[1-9][0-9]*$' "load was redirected (MOVED/ASK), so it really ran during the moves"
note "load: $(tr '\n' ' ' <<<"$L")"

n0=$(grep -lx 0 "$D"/*.rc | wc -l)
n1=$(grep -lx 1 "$D"/*.rc | wc -l)
is "$((n0 + n1))" 100 "100 separate reserves: each one succeeded or conflicted"
won=$({
	for f in $(grep -lx 0 "$D"/*.rc); do cat "${f%.rc}.seats"; done
	awk -F'\t' '$2 == "held" { print $3 }' "$T/load.log"
} | tr ',' '\n' | sort)
# A seat load held and later cancelled can be held again: compare against
# what is held or sold now, seat by seat.
now=$(rc-seats seat-map mv | awk -F'\t' '$2 != "available" { print $1 }' | sort)
is "$(comm -23 <(sort -u <<<"$now") <(sort -u <<<"$won"))" "" "every taken seat was granted to someone who was told so"
is "$(awk -F'\t' '$2 == "confirmed" { print $3 }' "$T/load.log" | tr ',' '\n' | sort | uniq -d)" "" \
	"no seat confirmed twice"
ok "audit is clean after the migrations" rc-seats audit mv
av=$(rc-seats availability mv)
is "$(awk -F'\t' '{ s += $2 } END { print s }' <<<"$av")" 1000 "availability adds up to 1000"
is "$(field sold "$av")" "$(($(field confirmed "$L") * 2))" "sold = load's confirmed x 2"

done_testing
