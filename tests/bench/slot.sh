#!/usr/bin/env bash
# rc-slot on 5M keys from a file, side by side with
#   awk '{print $0 "\t" 0}'             (the floor: read a line, write a line)
#   node + npm cluster-key-slot         (what a JavaScript user would run)
# Rows: name, ours (s), anchor (s), ratio.  For awk the ratio is ours/awk
# (target <= 1.5); for node it is node/ours (target >= 10).
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/rc-bench-slot.XXXXXX")
trap 'rm -rf "$work"' EXIT
n=${BENCH_SLOT_KEYS:-5000000}

# Keys of a realistic shape, some with hash tags.
awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++)
	if (i % 5 == 0) printf "{user:%d}:cart\n", i % 100000; else printf "order:%d\n", i }' >"$work/keys"


ours=$(best sh -c "'$root/bin/rc-slot' < '$work/keys'")
awk_t=$(best sh -c "awk '{print \$0 \"\\t\" 0}' '$work/keys'")
printf 'rc-slot 5M keys vs awk (ours/awk, want <= 1.5)\t%s\t%s\t%s\n' "$ours" "$awk_t" "$(ratio "$ours" "$awk_t")"

# The npm package, installed once beside this script (the npm registry is
# the one source allowed besides Debian's).
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	bench_dir=$root/tests/bench
	if [ ! -d "$bench_dir/node_modules/cluster-key-slot" ]; then
		(cd "$bench_dir" && npm install --no-save --no-audit --no-fund --silent cluster-key-slot >/dev/null 2>&1) || true
	fi
	if [ -d "$bench_dir/node_modules/cluster-key-slot" ]; then
		cat >"$work/slot.js" <<'JS'
const calc = require(process.argv[2]);
const fs = require('fs');
const lines = fs.readFileSync(process.argv[3], 'latin1').split('\n');
const out = [];
for (const k of lines) if (k.length) out.push(k + '\t' + calc(k));
process.stdout.write(out.join('\n') + '\n');
JS
		node_t=$(RUNS=1 best node "$work/slot.js" "$bench_dir/node_modules/cluster-key-slot" "$work/keys")
		printf 'rc-slot 5M keys vs node cluster-key-slot (node/ours, want >= 10)\t%s\t%s\t%s\n' \
			"$ours" "$node_t" "$(ratio "$node_t" "$ours")"
		# The same answer, or the speed means nothing.
		head -n 100000 "$work/keys" >"$work/keys100k"
		node "$work/slot.js" "$bench_dir/node_modules/cluster-key-slot" "$work/keys100k" >"$work/node.out"
		"$root/bin/rc-slot" <"$work/keys100k" >"$work/ours.out"
		cmp -s "$work/node.out" "$work/ours.out" || echo "bench: rc-slot and cluster-key-slot disagree" >&2
	else
		echo "bench: npm could not install cluster-key-slot; node row skipped" >&2
	fi
else
	echo "bench: node/npm not installed; node row skipped" >&2
fi
