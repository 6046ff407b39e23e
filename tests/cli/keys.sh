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
	local p bad n st
	: >"$T/seen"
	for p in $(masters); do
		# Five minutes each, not rcli's 10 s: tens of thousands of round trips
		# on a loaded machine; a reply stream cut short is said as such.
		RC_TEST_CLI_TIMEOUT=300 rcli "$p" --scan --pattern 'k*' >"$T/keys.$p" || return 1
		sed 's/^/GET /' "$T/keys.$p" | RC_TEST_CLI_TIMEOUT=300 rcli "$p" >"$T/vals.$p"
		st=${PIPESTATUS[1]}
		n=$(wc -l <"$T/vals.$p")
		if [[ $n != $(wc -l <"$T/keys.$p") ]]; then
			diag "$p: $n replies to $(wc -l <"$T/keys.$p") GETs (the cli's exit status $st)"
			return 1
		fi
		paste "$T/keys.$p" "$T/vals.$p" >>"$T/seen"
	done
	bad=$(awk -F'\t' '$2 != "v" substr($1, 2)' "$T/seen" | wc -l)
	if [[ $bad != 0 ]]; then
		diag "$bad keys with a wrong value: $(awk -F'\t' '$2 != "v" substr($1, 2)' "$T/seen" | head -3)"
		return 1
	fi
	[[ $(cut -f1 "$T/seen" | sort | uniq -d | wc -l) == 0 ]] || { diag "duplicated keys"; return 1; }
	[[ $(wc -l <"$T/seen") == "$NKEYS" ]] || { diag "$(wc -l <"$T/seen") keys, want $NKEYS"; return 1; }
}

# half_move SRC DST N: N slots of master SRC with two keys or more, each
# opened from SRC to DST (IMPORTING on DST, then MIGRATING on SRC) with one
# key moved by hand: the state a move killed half-way leaves.  The slots go
# in HALF; prints how many keys moved (N when all went well).
half_move() {
	local src=$1 dst=$2 n=$3 own s k sid did moved=0
	sid=$(id_of "$src")
	did=$(id_of "$dst")
	own=$(rcli "$src" cluster nodes | grep myself | awk '{ print $9 }')
	HALF=()
	s=${own%%-*}
	while ((${#HALF[@]} < n)); do
		[[ $(rcli "$src" cluster countkeysinslot "$s") -ge 2 ]] && HALF+=("$s")
		s=$((s + 1))
	done
	for s in "${HALF[@]}"; do
		rcli "$dst" cluster setslot "$s" importing "$sid" >/dev/null
		rcli "$src" cluster setslot "$s" migrating "$did" >/dev/null
		k=$(rcli "$src" cluster getkeysinslot "$s" 1)
		[[ $(rcli "$src" migrate 127.0.0.1 "$dst" "$k" 0 5000) == OK ]] && moved=$((moved + 1))
	done
	echo "$moved"
}
