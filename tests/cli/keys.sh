# shellcheck shell=bash
# tests/cli/keys.sh: sourced by tests that must prove no key was lost, changed
# or duplicated.  Needs NKEYS and the lib.sh helpers (masters: the master
# ports to read from, on the cluster of $BASE).

# load_keys: k1..kN with values v1..vN, each through its master with --pipe.
load_keys() {
	seq 1 "$NKEYS" | awk '{ print "k" $1 }' | rc-slot -n |
		awk -F'\t' -v dir="$T" '{ n = split($3, a, ":"); print $1 > (dir "/load." a[n]) }'
	local f p
	for f in "$T"/load.*; do
		p=${f##*.}
		awk '{ v = "v" substr($1, 2); printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length($1), $1, length(v), v }' "$f" |
			rcli "$p" --pipe >/dev/null || return 1
		rm -f "$f"
	done
}

# verify_keys: every k key is on exactly one master with its value, and
# there are NKEYS of them.  Each master is asked without -c: a key that is
# not its own reads as MOVED, a wrong value.
verify_keys() {
	local p bad
	: >"$T/seen"
	for p in $(masters); do
		rcli "$p" --scan --pattern 'k*' >"$T/keys.$p" || return 1
		sed 's/^/GET /' "$T/keys.$p" | rcli "$p" | paste "$T/keys.$p" - >>"$T/seen"
	done
	bad=$(awk -F'\t' '$2 != "v" substr($1, 2)' "$T/seen" | wc -l)
	if [[ $bad != 0 ]]; then
		diag "$bad keys with a wrong value: $(awk -F'\t' '$2 != "v" substr($1, 2)' "$T/seen" | head -3)"
		return 1
	fi
	[[ $(cut -f1 "$T/seen" | sort | uniq -d | wc -l) == 0 ]] || { diag "duplicated keys"; return 1; }
	[[ $(wc -l <"$T/seen") == "$NKEYS" ]] || { diag "$(wc -l <"$T/seen") keys, want $NKEYS"; return 1; }
}
