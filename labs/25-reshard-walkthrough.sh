#!/usr/bin/env bash
# Lab 25: the resharding walk-through - check, plan, read the plan, apply it
# through a pipe, balance by keys, check again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-reshard rc-slot redis-cli

host=${RC_CLUSTER%:*}
port=${RC_CLUSTER##*:}

title "Lab 25: resharding, from check to clean"
say "1. Is the cluster healthy? check lists every problem as TSV (level, problem, node, detail) and exits 1 on any error."
run "rc-reshard check; echo \"exit \$?\""
pause

say "2. Skew it on purpose: 500 slots from every other master to one."
first=$(redis-cli -h "$host" -p "$port" cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ && NF > 8 && !f { print $1; f = 1 }')
run "rc-reshard move --from all --to $first --slots 500 | wc -l"
pause

say "3. The rebalance plan says what would even it out; rows are slot, from, to. Plans compose with pipes: plan | apply."
run "rc-reshard plan rebalance | wc -l"
run "rc-reshard plan rebalance | rc-reshard apply | awk -F'\\t' '{ k += \$4 } END { print NR \" slots moved, \" k \" keys\" }'"
run "rc-reshard plan rebalance | wc -l"
observe "nothing left: every master within the threshold (2% by default)"
pause

say "4. Slots are not keys: with hash tags, some slots hold far more keys than others. --by keys balances key counts instead."
run "seq 1 3000 | awk '{ print \"SET {hot}\" \$1 \" x\" }' | redis-cli -c -h $host -p $port >/dev/null"
run "rc-reshard plan rebalance --by keys --threshold 5 | wc -l"
run "rc-reshard rebalance --by keys --threshold 5 | wc -l"
run "rc-reshard check && echo clean"
run "redis-cli -c -h $host -p $port EVAL \"local n = 0 for i = 1, 3000 do n = n + redis.call('DEL', '{hot}' .. i) end return n\" 0 >/dev/null"
