#!/usr/bin/env bash
# rc-reshard create across hosts: six nodes on three loopback addresses
# (127.0.0.1-3, two each, each announcing its own address as separate
# machines would); every master gets one replica, on another host.
. "$(dirname "$0")/lib.sh"
require_redis

BASE=15480
PORTS=()
for i in 0 1 2 3 4 5; do PORTS+=($((BASE + i))); done
port_guard "${PORTS[0]}" "${PORTS[5]}"
host_of() { echo "127.0.0.$(($1 % 3 + 1))"; }
stop_all() {
	local i p
	for i in 0 1 2 3 4 5; do
		p=${PORTS[i]}
		redis-cli -h "$(host_of "$i")" -p "$p" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
	done
}
at_exit stop_all
addrs=()
for i in 0 1 2 3 4 5; do
	p=${PORTS[i]} h=$(host_of "$i")
	mkdir -p "$T/n$p"
	redis-server --port "$p" --bind "$h" --cluster-announce-ip "$h" --dir "$T/n$p" --cluster-enabled yes \
		--cluster-node-timeout 5000 --save '' --appendonly no --daemonize yes \
		--logfile "$T/n$p/log" --repl-diskless-sync-delay 0 >/dev/null || bail_file "cannot start $h:$p"
	addrs+=("$h:$p")
done
up() { [[ $(redis-cli -h "$(host_of 5)" -p "${PORTS[5]}" PING 2>/dev/null) == PONG ]]; }
retry 10 up || bail_file "the nodes did not start"

ok "create -r 1 on three hosts" rc-reshard --wait 60 create -r 1 "${addrs[@]}"
rows=$OUT
is "$(awk -F'\t' '$3 == "master"' <<<"$rows" | wc -l)" 3 "three masters"
# addr -> id, then each replica's master's address.
bad=
while IFS=$'\t' read -r addr _ role master _; do
	[[ $role == replica ]] || continue
	maddr=$(awk -F'\t' -v m="$master" '$2 == m { print $1 }' <<<"$rows")
	[[ ${addr%:*} != "${maddr%:*}" ]] || bad+=" $addr(beside $maddr)"
done <<<"$rows"
is "$bad" "" "no replica on its master's host"
is "$(awk -F'\t' '$3 == "replica" { print $4 }' <<<"$rows" | sort | uniq -c | awk '{ print $1 }' | sort -u)" 1 \
	"each master has exactly one replica"

done_testing
