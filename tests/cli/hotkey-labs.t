#!/usr/bin/env bash
# rc-hotkey's lab (labs/34-hot-keys.sh) runs non-interactively against a
# cluster of its own, as `make check` runs it.  Ports 16570-16575.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

BASE=16570
cluster_up $BASE 3 1 5000 >/dev/null || bail_file "no cluster"
ok "the cluster is ok" cluster_wait_ok 30

exit_is 0 "lab 34 runs to the end" env RC_CLUSTER=127.0.0.1:$BASE RC_LAB_PORT=$BASE \
	RC_LAB_DIR="$LAB_DIR" RC_LAB_NONINTERACTIVE=1 bash "$ROOT/labs/34-hot-keys.sh" </dev/null
lab=$OUT
like "$OUT" $'\nstock:counter\t[0-9]+\t[^\t]+\t[0-9]+\t[0-9]+\t(4[5-9]|5[0-5])\\.[0-9]+\t[0-9]+\thot\tmonitor' \
	"34: top finds stock:counter, about half of all operations, hot"
owner=$(rc-slot -n stock:counter | cut -f3)
like "$OUT" $'\nmaster\t[0-9a-f]{8}\t'"$owner"$'\t[0-9]+\t(5[5-9]|6[0-9]|7[0-9])\\.' \
	"34: slots shows its master carrying most of the work"
before=$(sed -n 's/^busiest master: \([0-9.]*\)% of all operations before, \([0-9.]*\)% after$/\1/p' <<<"$OUT")
after=$(sed -n 's/^busiest master: \([0-9.]*\)% of all operations before, \([0-9.]*\)% after$/\2/p' <<<"$OUT")
ok "34: splitting the key lightens the busiest master ($before% -> $after%)" \
	awk -v b="$before" -v a="$after" 'BEGIN { exit !(a != "" && b != "" && a + 10 < b) }'
line=$(grep '^stock:price master ' <<<"$lab")
diag "$line"
read -r mb ma rb ra < <(sed -n 's/^stock:price master [^ ]*: \([0-9.]*\)% of all operations before, \([0-9.]*\)% after; its replica [^ ]*: \([0-9.]*\)% before, \([0-9.]*\)% after$/\1 \2 \3 \4/p' <<<"$line")
ok "34: gen --replicas moves the hot master's load ($mb% -> $ma%)" \
	awk -v b="$mb" -v a="$ma" 'BEGIN { exit !(a != "" && b != "" && a + 20 < b) }'
ok "34:   to its replica ($rb% -> $ra%)" \
	awk -v b="$rb" -v a="$ra" 'BEGIN { exit !(a != "" && b != "" && a > b + 20) }'
line=$(grep '^stock:price master .*with --cache-ms 100$' <<<"$lab")
diag "$line"
read -r cb ca < <(sed -n 's/^stock:price master [^ ]*: \([0-9.]*\)% of all operations before, \([0-9.]*\)% with --cache-ms 100$/\1 \2/p' <<<"$line")
ok "34: gen --cache-ms 100 takes load off the hot master ($cb% -> $ca%)" \
	awk -v b="$cb" -v a="$ca" 'BEGIN { exit !(a != "" && b != "" && a + 15 < b) }'
like "$lab" $'\nlocal copy \\(100 ms\\): [0-9]+ of [0-9]+ reads \\([0-9]+%\\) never reached a server' \
	"34:   the hits said"
age=$(sed -n "s/^stock:price changed: 'v1' -> 'v2', the local copy read for \([0-9]*\) ms$/\1/p" <<<"$lab")
ok "34: the stale window: v1 read for the copy's 2000 ms after the SET (${age:-none})" \
	test "${age:-0}" -ge 2000 -a "${age:-0}" -le 5000
hk=$(grep -m1 '^hot key found with counter' <<<"$lab")
diag "$(grep "^hot key found with counter" <<<"$lab")"
like "$hk" $'^hot key found with counter: [0-9]+\tkeyname: "?stock:counter"?$' \
	"34: redis-cli --hotkeys names stock:counter first"
pol=
for p in $(cluster_ports); do pol+=$(rcli "$p" CONFIG GET maxmemory-policy | tail -n1)" "; done
unlike "$pol" "lfu" "34: every node's maxmemory-policy set back ($pol)"
big=$(rc-slot '{catalog}' | cut -f2)
hot=$(rc-slot stock:counter | cut -f2)
if server_is valkey; then
	line=$(grep "^big slot $big: 20000 keys, " <<<"$lab")
	diag "$line"
	read -r bc hc < <(sed -n "s/^big slot $big: 20000 keys, \([0-9]*\) cpu_usec; hot slot $hot: \([0-9]*\) cpu_usec$/\1 \2/p" <<<"$line")
	ok "34: SLOT-STATS: the hot slot cost more cpu than the big one ($bc < $hc)" \
		test "${bc:-x}" -lt "${hc:-0}"
	like "$lab" "cpu and network per slot: CLUSTER SLOT-STATS, read before and after the sample" \
		"34:   slots names SLOT-STATS as the source"
	st=
	for p in $(cluster_ports); do st+=$(rcli "$p" CONFIG GET cluster-slot-stats-enabled | tail -n1)" "; done
	unlike "$st" "yes" "34: cluster-slot-stats-enabled set back ($st)"
else
	line=$(grep "^big slot $big: 20000 keys, " <<<"$lab")
	diag "$line"
	like "$line" "^big slot $big: 20000 keys, no operations in the sample; hot slot $hot: [1-9][0-9]* operations$" \
		"34: no SLOT-STATS: the big slot by keys, the hot one by the sample's operations"
	like "$lab" "cpu and network per slot: none \\(3 of 3 masters" "34:   slots says why it has no cpu figures"
fi
monitors=0
for p in $(cluster_ports); do
	monitors=$((monitors + $(rcli "$p" CLIENT LIST | grep -c 'cmd=monitor')))
done
is "$monitors" 0 "34: no MONITOR left behind"
like "$lab" "unlinked [1-9][0-9]* keys matching lab34:key:\\*" "34: deletes gen's keys"
total=0
for p in $BASE $((BASE + 1)) $((BASE + 2)); do total=$((total + $(rcli "$p" DBSIZE))); done
is "$total" 0 "34: leaves no key behind"

done_testing
