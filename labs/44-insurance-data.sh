#!/usr/bin/env bash
# Lab 44: insurance data - customers, policies and claims generated as TSV,
# every key of a customer under the hash tag {customer:ID}, loaded through
# rc-repl in batch; a transaction (MULTI/EXEC) on one customer, one across two
# that the cluster refuses, and a report over every customer with :split and
# :masters.  Its keys are deleted at the end.
set -euo pipefail
# shellcheck source=labs/lib.sh
. "$(dirname "$0")/lib.sh"
lab_require rc-repl rc-slot

CUSTOMERS=${RC_LAB44_CUSTOMERS:-300}
work=$(mktemp -d "${TMPDIR:-/tmp}/lab44.XXXXXX")
loaded=0
cleanup() {
	# Stopped half way, the lab still deletes what it wrote.
	[ "$loaded" = 0 ] || lab_unlink_matching '{customer:*' >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

# keys_on_masters: the sum of every master's DBSIZE, from :masters.
keys_on_masters() {
	rc-repl -e ':masters DBSIZE' | awk '/^[0-9]+$/ { n += $1 } END { print n + 0 }'
}

title "Insurance data"
say "An insurance company's data: customers, their policies, the claims made" \
	"on them. Almost every operation touches one customer: a new claim, a" \
	"premium change, the customer's page. So every key of a customer carries" \
	"the same hash tag, {customer:ID}: one slot, one master, and transactions" \
	"over them work. First the data, as TSV files, made by awk ($CUSTOMERS customers):"
run "awk -v n=$CUSTOMERS 'BEGIN { srand(44)
	split(\"Ada Alan Grace Edsger Barbara Donald Frances Ken\", f, \" \")
	split(\"Lovelace Turing Hopper Dijkstra Liskov Knuth Allen Thompson\", l, \" \")
	split(\"Paris Berlin Madrid Rome Vienna Lisbon\", c, \" \")
	for (i = 1; i <= n; i++)
		printf \"%d\t%s %s\t%s\n\", i, f[int(rand() * 8) + 1], l[int(rand() * 8) + 1], c[int(rand() * 6) + 1]
}' >customers.tsv"
run "awk -F'\t' 'BEGIN { srand(45); split(\"auto home life travel\", t, \" \") }
	{ k = int(rand() * 3) + 1
	  for (j = 1; j <= k; j++) printf \"P%d-%d\t%d\t%s\t%d\n\", \$1, j, \$1, t[int(rand() * 4) + 1], 200 + int(rand() * 1800) }' customers.tsv >policies.tsv"
run "awk -F'\t' 'BEGIN { srand(46); split(\"open paid rejected\", s, \" \") }
	rand() < 0.3 { printf \"C%s\t%d\t%s\t%d\t%s\n\", \$1, \$2, \$1, 100 + int(rand() * 9900), s[int(rand() * 3) + 1] }' policies.tsv >claims.tsv"
run "head -n 3 customers.tsv policies.tsv claims.tsv"
run "wc -l customers.tsv policies.tsv claims.tsv"
nc=$(wc -l <customers.tsv) np=$(wc -l <policies.tsv) nk=$(wc -l <claims.tsv)
nwith=$(cut -f2 claims.tsv | sort -u | wc -l)
observe "$nc customers, $np policies and $nk claims, made by $nwith of the customers."
pause

say "The keys of customer 1: a hash for the profile, a set of policy ids, a hash" \
	"per policy, a list of claim ids, a hash per claim, and the total claimed." \
	"rc-slot -t shows what is hashed:"
run "rc-slot -t -n '{customer:1}:profile' '{customer:1}:policies' '{customer:1}:policy:P1-1' '{customer:1}:claims' '{customer:1}:claimed' '{customer:2}:profile'"
s1=$(rc-slot '{customer:1}' | cut -f2)
s2=$(rc-slot '{customer:2}' | cut -f2)
observe "Only the tag is hashed: every key of customer 1 is in slot $s1, customer 2's in slot $s2."
pause

say "Loading: awk turns each TSV row into commands, one a line, and rc-repl" \
	"runs them from its standard input, pipelined, one pipeline per master."
run "awk -F'\t' 'FILENAME == \"customers.tsv\" {
		printf \"HSET {customer:%d}:profile name \\\"%s\\\" city %s\n\", \$1, \$2, \$3
		printf \"SET {customer:%d}:claimed 0\n\", \$1 }
	FILENAME == \"policies.tsv\" {
		printf \"HSET {customer:%d}:policy:%s type %s premium %d\n\", \$2, \$1, \$3, \$4
		printf \"SADD {customer:%d}:policies %s\n\", \$2, \$1 }
	FILENAME == \"claims.tsv\" {
		printf \"HSET {customer:%d}:claim:%s policy %s amount %d status %s\n\", \$2, \$1, \$3, \$4, \$5
		printf \"RPUSH {customer:%d}:claims %s\n\", \$2, \$1
		printf \"INCRBY {customer:%d}:claimed %d\n\", \$2, \$4 }' customers.tsv policies.tsv claims.tsv >load.txt"
run "head -n 4 load.txt"
before=$(keys_on_masters)
run "wc -l <load.txt"
loaded=1
run "rc-repl <load.txt >load.out"
run "wc -l <load.out"
ncmd=$(wc -l <load.txt) nrep=$(wc -l <load.out)
observe "$ncmd commands, $nrep replies, and rc-repl exited 0: no command got an error."
after=$(keys_on_masters)
want=$((3 * nc + np + nk + nwith))
added=$((after - before))
if [ "$added" = "$want" ]; then
	observe "The masters hold $added keys more than before: 3 per customer, one per policy and claim, a claims list for each of the $nwith customers with claims ($want)."
else
	observe "The masters hold $added keys more than before; the files describe $want: something else wrote or deleted keys meanwhile."
fi
run "rc-repl -e ':masters DBSIZE'"
observe "The customers spread over the masters by their tags' slots; each master answered for its own keys."
pause

say "A new claim for customer 1: the claim's hash, its id on the list and the" \
	"total go together or not at all. MULTI ... EXEC: every key is in slot" \
	"$s1, so the whole transaction goes to one master."
total1=$(rc-repl -e 'GET {customer:1}:claimed')
feed 'MULTI' 'HSET {customer:1}:claim:C-new policy P1-1 amount 750 status open' \
	'RPUSH {customer:1}:claims C-new' 'INCRBY {customer:1}:claimed 750' 'EXEC' \
	'LRANGE {customer:1}:claims -1 -1'
now1=$(rc-repl -e 'GET {customer:1}:claimed')
observe "EXEC ran the three commands at once: the total went from $total1 to $now1 ($((now1 - total1)) more), and C-new is last on the list."
pause

say "A transaction over two customers: customer 1 (slot $s1) pays, customer 2" \
	"(slot $s2) is paid. The keys are in two slots."
t2=$(rc-repl -e 'GET {customer:2}:claimed')
feed_fail 'MULTI' 'DECRBY {customer:1}:claimed 10' 'INCRBY {customer:2}:claimed 10' 'EXEC'
a1=$(rc-repl -e 'GET {customer:1}:claimed')
a2=$(rc-repl -e 'GET {customer:2}:claimed')
o1=$(rc-slot -n '{customer:1}' | cut -f3)
o2=$(rc-slot -n '{customer:2}' | cut -f3)
if [ "$o1" != "$o2" ]; then
	why="slot $s2 is on $o2, not on $o1 where the transaction runs: its command got MOVED, and EXEC aborted the transaction"
else
	why="both slots are on $o1, which queued both commands and refused EXEC: a transaction's keys must share one slot"
fi
if [ "$a1" = "$now1" ] && [ "$a2" = "$t2" ]; then
	observe "Refused: $why. Nothing ran: customer 1's total is still $a1, customer 2's still $a2."
else
	observe "Customer 1's total is now $a1 (was $now1), customer 2's $a2 (was $t2)."
fi
say "A transaction lives in one slot. Data that must change together shares a" \
	"tag; work over many customers is many transactions, each atomic on its own."
pause

say "A report over every customer: the total claimed. One MGET of every" \
	"customer's total spans many slots, and a cluster refuses it:"
awk -F'\t' '{ printf " {customer:%d}:claimed", $1 }' customers.tsv >mget.args
expect_fail "rc-repl -e \"MGET \$(cat mget.args)\" 2>&1"
say "rc-repl's :split on splits it the way cluster clients do: one MGET per" \
	"slot, sent together, the values merged back in the order of the keys."
run "printf ':split on\nMGET%s\n' \"\$(cat mget.args)\" | rc-repl 2>&1 >totals.out | tee split.err"
run "awk '{ n++; s += \$1 } END { print n \" totals, sum \" s }' totals.out"
got=$(awk '{ s += $1 } END { print s + 0 }' totals.out)
exp=$(awk -F'\t' '{ s += $4 } END { print s + 0 }' claims.tsv)
exp=$((exp + 750))
if [ "$got" = "$exp" ]; then
	observe "The sum, $got, is the claims file's amounts plus the new claim's 750: every customer counted once."
else
	observe "The sum is $got; the claims file and the new claim make $exp."
fi
say "The same question asked of each master: how many claims it holds. A script" \
	"with no key runs on the node it is sent to and sees only that node's keys;" \
	":masters sends it to each master:"
cat >report.txt <<'EOF'
:masters EVAL "local n, c = 0, '0' repeat local r = redis.call('SCAN', c, 'MATCH', '{customer:*}:claim:*', 'COUNT', 1000) c = r[1] n = n + #r[2] until c == '0' return n" 0
EOF
run "cat report.txt"
run "rc-repl <report.txt | tee report.out"
per=$(awk '/^[0-9]+$/ { n += $1 } END { print n + 0 }' report.out)
if [ "$per" = $((nk + 1)) ]; then
	observe "The masters' counts add up to $per: the $nk claims of the file and C-new."
else
	observe "The masters' counts add up to $per; the file's $nk claims and C-new make $((nk + 1))."
fi
pause

say "Cleaning up: every key under a {customer:...} tag."
run "lab_unlink_matching '{customer:*'"
loaded=0
left=$(keys_on_masters)
if [ "$left" = "$before" ]; then
	observe "The masters hold $left keys, as before the lab."
else
	observe "The masters hold $left keys; before the lab they held $before."
fi
