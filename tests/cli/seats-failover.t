#!/usr/bin/env bash
# rc-seats while the event's master is killed and its replica takes over:
# every client succeeds, conflicts or reports an error (never silently), the
# audit is clean afterwards, and every sale confirmed with --durable is still
# there.  Ports 15720-15725, node timeout 2000 ms.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

cluster_up 15720 3 1 2000 >"$T/up.log" 2>&1 || {
	diag "$(<"$T/up.log")"
	bail_file "no cluster on 15720"
}
PORTS=$(cluster_ports)

role() { rcli "$1" ROLE 2>/dev/null | head -n1; }
# replica_of PORT: the port of a replica of the master on PORT
replica_of() {
	local id
	id=$(rcli "$1" CLUSTER MYID)
	rcli "$1" CLUSTER NODES | awk -v id="$id" '$4 == id { a = $2; sub(/@.*/, "", a); sub(/.*:/, "", a); print a; exit }'
}
field() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' <<<"$2"; }

ok "create the event" rc-seats create-event --name Failover --rows 10 --seats 10 --price 5 --id fo
node=$(cut -f3 <<<"$OUT")
mport=${node##*:}
rport=$(replica_of "$mport")
like "$rport" '^157[0-9][0-9]$' "the event's master $mport has a replica ($rport)"
seed=
for p in $PORTS; do
	[[ $p != "$mport" && $p != "$rport" && $(role "$p") == master ]] && {
		seed=$p
		break
	}
done
export RC_CLUSTER=127.0.0.1:$seed
# load gets an event of its own on the same master, so it does not sell out
# the seats the 200 clients race for.
for ((i = 0; i < 1000; i++)); do
	[[ $(rc-slot -n "{event:fl$i}:meta" | cut -f3) == "$node" ]] && break
done
lev=fl$i
ok "create load's event on the same master" rc-seats create-event --name "Failover load" \
	--rows 50 --seats 100 --price 5 --id "$lev"
is "$(cut -f3 <<<"$OUT")" "$node" "it is on $node too"
note "events fo and $lev on $mport, replica $rport, clients seeded from $seed"

# One client: reserve two adjacent seats, then confirm --durable.
D=$T/c
mkdir -p "$D"
client() {
	local i=$1 r=${ROWS:RANDOM%10:1} s=$((RANDOM % 9 + 1)) res rc
	echo "$r$s,$r$((s + 1))" >"$D/$i.seats"
	res=$(rc-seats reserve --retry 40 --event fo --user "u$i" --seats "$r$s,$r$((s + 1))" 2>"$D/$i.rerr")
	rc=$?
	echo "$rc" >"$D/$i.rrc"
	echo "$res" >"$D/$i.res"
	((rc == 0)) || return 0
	rc-seats confirm --durable "$res" >"$D/$i.cout" 2>"$D/$i.cerr"
	echo $? >"$D/$i.crc"
}
ROWS=ABCDEFGHIJ

rc-seats load --event "$lev" --users 20 --seats 2 --random --confirm 40 --cancel 40 --duration 8 --durable --log "$T/load.log" \
	>"$T/load.out" 2>"$T/load.err" &
loadpid=$!
for ((i = 0; i < 200; i++)); do
	client "$i" &
	((i == 80)) && cluster_cmd kill "$mport" >/dev/null 2>&1
	sleep 0.02
done
wait "$loadpid"
loadrc=$?
wait
shopt -s nullglob

# The replica took over.
promoted() { [[ $(role "$rport") == master ]]; }
ok "the replica was promoted" retry 60 promoted
state_ok() { [[ $(rcli "$seed" CLUSTER INFO | tr -d '\r' | sed -n 's/^cluster_state://p') == ok ]]; }
ok "the cluster is ok again" retry 60 state_ok

# Every client: success, conflict or a reported error.
silent=0 bad=0 n0=0 n1=0 n3=0
for ((i = 0; i < 200; i++)); do
	rc=$(<"$D/$i.rrc")
	case $rc in
	0) n0=$((n0 + 1)) ;;
	1) n1=$((n1 + 1)) ;;
	3) n3=$((n3 + 1)) ;;
	*) bad=$((bad + 1)) ;;
	esac
	if ((rc != 0)) && ! grep -q '^rc-seats: ' "$D/$i.rerr"; then silent=$((silent + 1)); fi
	if ((rc == 0)) && ! grep -Eq '^fo\.[0-9a-f]{20}$' "$D/$i.res"; then silent=$((silent + 1)); fi
	if [[ -f $D/$i.crc ]]; then
		crc=$(<"$D/$i.crc")
		case $crc in
		0) grep -q $'\tconfirmed\t[1-9]' "$D/$i.cout" || silent=$((silent + 1)) ;;
		1 | 2 | 3) grep -q '^rc-seats: ' "$D/$i.cerr" || silent=$((silent + 1)) ;;
		*) bad=$((bad + 1)) ;;
		esac
	fi
done
note "reserves: $n0 ok, $n1 conflicts, $n3 errors; confirms: $(cat "$D"/*.crc | sort | uniq -c | tr '\n' ' ')"
is "$bad" 0 "every client exited 0, 1, 2 or 3"
is "$silent" 0 "no client failed silently (each error has a message, each success its answer)"
ok "some reserves succeeded" test "$n0" -gt 0

# load: it finished, said what happened, and did not hide errors: its log
# has a line for each error and unacknowledged confirm it counted, and its
# exit status and stderr agree with those counts.
like "$loadrc" '^[01]$' "load exited 0 or 1"
L=$(<"$T/load.out")
like "$(field ops_per_sec "$L")" '^[0-9]+$' "load printed its metrics"
lerr=$(field errors "$L")
lunacked=$(field durable_unacked "$L")
# logged OUTCOME: how many lines of load's log have that outcome
logged() { awk -F'\t' -v o="$1" '$2 == o { n++ } END { print n + 0 }' "$T/load.log"; }
is "$(logged error)" "$lerr" "load logged every error it counted ($lerr)"
is "$(logged confirmed-unacked)" "$lunacked" "and every durable confirm no replica acknowledged ($lunacked)"
if ((lerr + lunacked > 0)); then
	is "$loadrc" 1 "load with errors exits 1"
	like "$(<"$T/load.err")" "^rc-seats: load: $lerr errors? \\(.*, $lunacked durable confirm" \
		"and says how many on stderr"
else
	is "$loadrc" 0 "load without errors exits 0"
	is "$(<"$T/load.err")" "" "and has nothing to report on stderr"
fi

ok "audit is clean after the failover" rc-seats audit fo
is "$(field violations "$OUT")" 0 "no violations"
ok "audit of load's event is clean too" rc-seats audit "$lev"
av=$(rc-seats availability fo)
is "$(awk -F'\t' '{ s += $2 } END { print s }' <<<"$av")" 100 "availability adds up to 100"

# Every sale confirmed with --durable survived: each reservation's record,
# read straight from the cluster in one HMGET per event, says confirmed.
# check_durable EVENT ID...: prints "ID<TAB>status<TAB>seats" per reservation
check_durable() {
	local ev=$1
	shift
	(($#)) || return 0
	paste <(printf '%s\n' "$@") <(rcli_c "$seed" HMGET "{event:$ev}:res" "$@") |
		sed -E 's/^([^\t]*)\t.*"st":"([a-z]*)".*$/\1\t\2/; s/^([^\t]*)\t$/\1\tmissing/' |
		while IFS=$'\t' read -r id st; do
			printf '%s\t%s\t%s\n' "$id" "$st" \
				"$(rcli_c "$seed" HGET "{event:$ev}:res" "$id" | sed -nE 's/.*"s":"([^"]*)".*/\1/p')"
		done
}
mapfile -t dfo < <(for f in "$D"/*.crc; do [[ $(<"$f") == 0 ]] && cat "${f%.crc}.res"; done)
mapfile -t dload < <(awk -F'\t' '$2 == "confirmed-durable" { print $1 }' "$T/load.log")
note "durable sales to check: ${#dfo[@]} from the clients, ${#dload[@]} from load"
ok "there are durable sales to check" test "${#dfo[@]}" -gt 0
c1=$(check_durable fo "${dfo[@]}")
is "$(awk -F'\t' '$2 != "confirmed"' <<<"$c1")" "" "every client's --durable sale is still confirmed"
is "$(cut -f3 <<<"$c1" | tr ',' '\n' | sort | uniq -d)" "" "no seat sold twice among them"
c2=$(rcli_c "$seed" HMGET "{event:$lev}:res" "${dload[@]}" | grep -vc '"st":"confirmed"')
is "$c2" 0 "every sale load confirmed with --durable is still confirmed"
note "load: $(tr '\n' ' ' <"$T/load.out")"

rc-seats reserve --event fo --user late --seats J10 >"$T/late.out" 2>&1
like "$?" '^[01]$' "the event answers on its new master (a hold or a conflict)"

done_testing
