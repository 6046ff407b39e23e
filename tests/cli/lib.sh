# shellcheck shell=bash
# tests/cli/lib.sh: TAP helpers and private lab clusters for the CLI tests.
#
# A test is a bash script tests/cli/NAME.t, run by prove:
#
#	#!/usr/bin/env bash
#	. "$(dirname "$0")/lib.sh"
#	require_redis
#	cluster_up 15100 3 1 2000 || bail_file "no cluster"
#	ok "rc-slot runs" rc-slot foo
#	is "$(rc-slot foo)" "12182" "slot of foo"
#	done_testing
#
# Do not use set -e in a test: a failing assertion returns non-zero, and the test
# goes on. Register clean-up with at_exit, not trap: lib.sh owns the EXIT trap,
# which always kills the test's nodes and removes its temporary directory $T.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${RC_BIN:-$ROOT/bin}
LAB=$ROOT/labs/cluster
PATH=$BIN:$PATH
export ROOT BIN PATH

# Tests are hermetic: the user's own lab and cluster settings must not leak in.
unset RC_LAB_PORT RC_LAB_DIR RC_LAB_MASTERS RC_LAB_REPLICAS RC_LAB_NODE_TIMEOUT \
	RC_LAB_WAIT RC_CLUSTER RC_AUTH RC_USER REDISCLI_AUTH

T=$(mktemp -d "${TMPDIR:-/tmp}/rc-test.XXXXXX") || {
	echo "Bail out! cannot make a temporary directory"
	exit 255
}
export T

# --- the server under test -----------------------------------------------------
# RC_SERVER picks the server every test, lab and bench runs on: redis (the
# default: redis-server, redis-cli, redis-benchmark) or valkey (valkey-server,
# valkey-cli, valkey-benchmark). The tests and labs/cluster call the redis-*
# names; for valkey a directory of links first in PATH makes those names the
# valkey programs, so one switch moves everything, and a failing file says
# which server it ran on (done_testing).
case ${RC_SERVER:=redis} in
redis) ;;
valkey)
	mkdir -p "$T/server-bin"
	for _tap_p in server cli benchmark; do
		if _tap_v=$(command -v "valkey-$_tap_p"); then
			ln -s "$_tap_v" "$T/server-bin/redis-$_tap_p"
		fi
	done
	PATH=$T/server-bin:$PATH
	unset _tap_p _tap_v
	;;
*)
	echo "Bail out! RC_SERVER=$RC_SERVER: want redis or valkey"
	exit 255
	;;
esac
export RC_SERVER PATH
# server_is redis|valkey: is the server under test that one?
server_is() { [[ $RC_SERVER == "$1" ]]; }
# The server's own words for its version, for failure reports ("" if absent).
_tap_server_version() {
	local v
	v=$("${RC_REDIS_SERVER:-redis-server}" --version 2>/dev/null) || return 0
	v=${v#* v=}
	printf '%s %s' "$RC_SERVER" "${v%% *}"
}

# The output (stdout and stderr together) of the last ok / exit_is command.
OUT=

_tap_n=0
_tap_failed=0
_tap_planned=
_tap_lab_dirs=()
_tap_at_exit=()
_tap_cleaned=0

# --- TAP ---------------------------------------------------------------------

# plan N: announce N tests up front (or call done_testing without a plan).
plan() {
	_tap_planned=$1
	echo "1..$1"
}

# diag MSG...: a diagnostic on stderr, every line prefixed with "# ".
diag() {
	printf '%s\n' "$*" | sed 's/^/# /' >&2
}

# note MSG...: a comment in the TAP stream (stdout).
note() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

_tap_result() {
	local good=$1 desc=$2
	_tap_n=$((_tap_n + 1))
	if ((good)); then
		echo "ok $_tap_n - $desc"
		return 0
	fi
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $desc"
	# Name the test script's line, not a line of lib.sh.
	local i=1
	while [[ ${BASH_SOURCE[i]:-} == "${BASH_SOURCE[0]}" ]]; do i=$((i + 1)); done
	diag "  Failed test '$desc'"
	diag "  at ${BASH_SOURCE[i]:-?} line ${BASH_LINENO[i - 1]:-?}."
	return 1
}

# pass DESC / fail DESC: a test that passed / failed.
pass() { _tap_result 1 "$1"; }
fail() { _tap_result 0 "$1"; }

_tap_show_out() {
	[[ -n $OUT ]] || return 0
	diag "  output (last 20 lines):"
	diag "$(tail -n 20 <<<"$OUT" | sed 's/^/    /')"
}

# ok DESC CMD...: passes if CMD exits 0. CMD runs in this shell; its output is in $OUT.
ok() {
	local desc=$1 rc=0
	shift
	"$@" >"$T/.out" 2>&1 || rc=$?
	OUT=$(<"$T/.out")
	_tap_result $((rc == 0)) "$desc" && return 0
	diag "  command: $*"
	diag "  exit status: $rc"
	_tap_show_out
	return 1
}

# exit_is CODE DESC CMD...: passes if CMD exits with CODE. Output in $OUT.
exit_is() {
	local want=$1 desc=$2 rc=0
	shift 2
	"$@" >"$T/.out" 2>&1 || rc=$?
	OUT=$(<"$T/.out")
	_tap_result $((rc == want)) "$desc" && return 0
	diag "  command: $*"
	diag "       got exit status: $rc"
	diag "  expected exit status: $want"
	_tap_show_out
	return 1
}

# is GOT EXPECTED DESC
is() {
	[[ $1 == "$2" ]] && {
		pass "$3"
		return
	}
	fail "$3"
	diag "         got: '$1'"
	diag "    expected: '$2'"
	return 1
}

# isnt GOT UNEXPECTED DESC
isnt() {
	[[ $1 != "$2" ]] && {
		pass "$3"
		return
	}
	fail "$3"
	diag "         got: '$1'"
	diag "    expected anything else"
	return 1
}

# like GOT REGEX DESC (a bash extended regular expression)
like() {
	[[ $1 =~ $2 ]] && {
		pass "$3"
		return
	}
	fail "$3"
	diag "                  '$1'"
	diag "    doesn't match '$2'"
	return 1
}

# unlike GOT REGEX DESC
unlike() {
	[[ ! $1 =~ $2 ]] && {
		pass "$3"
		return
	}
	fail "$3"
	diag "          '$1'"
	diag "    matches '$2'"
	return 1
}

# skip REASON [COUNT]: COUNT (default 1) tests skipped.
skip() {
	local i
	for ((i = 0; i < ${2:-1}; i++)); do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # skip $1"
	done
}

# skip_all REASON: skip the whole file (before any test ran).
skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

# bail_file REASON: give up on this file (it fails; prove goes on with the others).
bail_file() {
	fail "$1"
	done_testing
}

# done_testing: print the plan if none was given, exit non-zero if anything failed
# or the plan was not kept.
done_testing() {
	if [[ -z $_tap_planned ]]; then
		echo "1..$_tap_n"
	elif ((_tap_planned != _tap_n)); then
		diag "planned $_tap_planned tests but ran $_tap_n on $(_tap_server_version)"
		exit 255
	fi
	if ((_tap_failed)); then
		diag "failed $_tap_failed of $_tap_n tests on $(_tap_server_version)"
		exit $((_tap_failed > 254 ? 254 : _tap_failed))
	fi
	exit 0
}

# retry SECS CMD...: run CMD every 0.1 s until it exits 0; fail after SECS seconds.
retry() {
	local secs=$1 deadline
	shift
	deadline=$((SECONDS + secs))
	until "$@"; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

# --- requirements ------------------------------------------------------------

# require_redis: skip the file unless redis-server and redis-cli are installed.
require_redis() {
	# Valkey is asked for by name (RC_SERVER=valkey): its absence fails the
	# file rather than skip it, so a run meant for valkey cannot pass empty.
	local miss=skip_all
	server_is valkey && miss=bail_file
	command -v "${RC_REDIS_SERVER:-redis-server}" >/dev/null 2>&1 ||
		$miss "the $RC_SERVER server is not installed (make deps installs it)"
	command -v "${RC_REDIS_CLI:-redis-cli}" >/dev/null 2>&1 ||
		$miss "the $RC_SERVER cli is not installed (make deps installs it)"
}

# require_cmd NAME...: skip the file unless every NAME is a command.
require_cmd() {
	local c
	for c; do
		command -v "$c" >/dev/null 2>&1 || skip_all "$c is not installed"
	done
}

# --- clusters ----------------------------------------------------------------

# Tests use ports below 22768 (so that port + 10000 stays out of the ephemeral
# range) and never the users' lab ports 7001-7010. A refused port ends the whole
# test, even from inside $(...).
port_guard() {
	local lo=$1 hi=${2:-$1}
	if [[ $lo =~ ^[1-9][0-9]*$ && $hi =~ ^[1-9][0-9]*$ ]] &&
		((lo <= hi && hi < 22768 && (hi < 7001 || lo > 7010))); then
		return 0
	fi
	echo "Bail out! test ports $lo-$hi refused: use ports below 22768, outside 7001-7010"
	echo "rc-tools tests: test ports $lo-$hi refused: use ports below 22768, outside 7001-7010" >&2
	[[ $BASHPID == "$$" ]] || kill -TERM "$$"
	exit 255
}

# lab_use BASE [DIR]: make the lab at base port BASE, state in DIR (default
# $T/lab-BASE), the current one for cluster_cmd; its nodes are killed at exit.
lab_use() {
	port_guard "$1"
	LAB_BASE=$1
	LAB_DIR=${2:-$T/lab-$1}
	export RC_CLUSTER=127.0.0.1:$LAB_BASE
	_lab_register "$LAB_DIR"
}

_lab_register() {
	local d
	for d in "${_tap_lab_dirs[@]}"; do [[ $d == "$1" ]] && return 0; done
	_tap_lab_dirs+=("$1")
}

# cluster_cmd ARGS...: labs/cluster ARGS for the current lab (see lab_use).
# LAB_BASE=... LAB_DIR=... cluster_cmd ... works on another lab for one call.
cluster_cmd() {
	local a
	[[ -n ${LAB_BASE:-} ]] || {
		echo "Bail out! cluster_cmd before lab_use or cluster_up"
		exit 255
	}
	port_guard "$LAB_BASE"
	for a; do [[ $a =~ ^[0-9]{4,5}$ ]] && port_guard "$a"; done
	[[ ${1:-} == up ]] && _lab_up_guard "${@:2}"
	_lab_register "$LAB_DIR"
	# SIGPIPE back to its default: a test that ignores it (to survive
	# writing to a dead session) would pass that on, and in the launcher
	# (pipefail, errexit) an early-closing reader then ends it silently.
	RC_LAB_PORT=$LAB_BASE RC_LAB_DIR=$LAB_DIR env --default-signal=PIPE "$LAB" "$@"
}

# The whole range "up -m M -r R" takes from LAB_BASE must pass the guard.
_lab_up_guard() {
	local m=3 r=1
	while (($#)); do
		case $1 in
		-m) m=${2:-3} ;;
		-r) r=${2:-1} ;;
		esac
		shift
	done
	[[ $m =~ ^[0-9]+$ && $r =~ ^[0-9]+$ ]] || return 0
	port_guard "$LAB_BASE" "$((LAB_BASE + m * (1 + r) - 1))"
}

# cluster_up BASE [MASTERS [REPLICAS [NODE_TIMEOUT_MS]]]: start a private cluster
# (default 3 masters, 1 replica each, node timeout 2000 ms) on BASE.., state under
# $T; sets LAB_BASE, LAB_DIR and RC_CLUSTER. Returns labs/cluster's exit status.
cluster_up() {
	local base=$1 m=${2:-3} r=${3:-1} to=${4:-2000} out rc=0
	port_guard "$base" "$((base + m * (1 + r) - 1))"
	lab_use "$base"
	out=$(cluster_cmd up -m "$m" -r "$r" -t "$to" 2>&1) || rc=$?
	printf '%s\n' "$out"
	# Callers keep the output to themselves; a failure is shown all the same.
	((rc == 0)) || diag "cluster up -m $m -r $r -t $to exited $rc:" "$out"
	return "$rc"
}

# cluster_ports: the current lab's node ports, one a line.
cluster_ports() { cluster_cmd ports; }

# run_lab NAME: labs/NAME.sh, run non-interactively against the current lab
# as `make check` runs it (asserted to end with exit 0); its output in $OUT.
run_lab() {
	exit_is 0 "lab $1 runs to the end" env RC_CLUSTER=127.0.0.1:$LAB_BASE \
		RC_LAB_PORT=$LAB_BASE RC_LAB_DIR="$LAB_DIR" RC_LAB_NONINTERACTIVE=1 \
		bash "$ROOT/labs/$1.sh" </dev/null
}
# lab_state: the keys on the current lab's first three nodes (its masters) and
# lab_map: what a lab of the series must leave as it found it.
lab_state() {
	local p t=0
	for p in $LAB_BASE $((LAB_BASE + 1)) $((LAB_BASE + 2)); do t=$((t + $(rcli "$p" DBSIZE))); done
	echo "keys $t"
	lab_map
}
# lab_map: the current lab's nodes as its first node sees them, a line each,
# sorted: address, flags, master id and slot ranges (what a lab must leave
# as it found it, with the keys).
lab_map() {
	rcli "$LAB_BASE" CLUSTER NODES | awk '{ sub(/@.*/, "", $2); sub(/myself,/, "", $3); r = ""
		for (i = 9; i <= NF; i++) r = r " " $i
		print $2, $3, ($4 == "-" ? "" : $4) r }' | sort
}

# cluster_wait_ok [SECS]: wait (default 30 s) until status says all is well.
cluster_wait_ok() { retry "${1:-30}" cluster_cmd status >/dev/null 2>&1; }

# lease_hold NAME: lease-probe takes rc-reshard's change lease on $SEED as
# NAME and holds it until its input closes; sets HOLDER (its pid) and HOLD_IN
# (the fd feeding it: close it to release).
# shellcheck disable=SC2034
lease_hold() {
	mkfifo "$T/in.$1"
	"${RC_PROBES:-$ROOT/tests/cli}/lease-probe" "$SEED" "$1" 0 <"$T/in.$1" >"$T/out.$1" 2>&1 &
	HOLDER=$!
	exec {HOLD_IN}>"$T/in.$1"
	retry 10 grep -qx held "$T/out.$1"
}

# rcli PORT ARGS...: redis-cli against 127.0.0.1:PORT, bounded in time (a paused
# node must not hang a test); rcli_c follows cluster redirections (-c).
rcli() {
	local port=$1
	shift
	port_guard "$port"
	_tap_cli "$port" "$@"
}
rcli_c() {
	local port=$1
	shift
	port_guard "$port"
	_tap_cli "$port" -c "$@"
}
# The cluster of the test on $BASE, as node $BASE sees it:
# masters: the ports of the live masters that own slots, one a line;
# id_of PORT: that node's id;
# cluster_clean: redis-cli --cluster check finds no error and no warning
# (the first few are shown).
# shellcheck disable=SC2153 # BASE is the test's
masters() {
	rcli "$BASE" cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ && $3 !~ /noaddr/ && NF > 8 {
		split($2, a, "[:@]"); print a[2] }'
}
id_of() { rcli "$1" cluster myid | tr -d '\r'; }
# owner_port TAG: the port of the master that owns the slot of {TAG};
# other_master PORT: a master other than PORT.
owner_port() {
	local o
	o=$(rc-slot -n "{$1}" | cut -f3)
	echo "${o##*:}"
}
other_master() { masters | grep -vx "$1" | head -1; }
# asking PORT CMD...: each CMD (its words on one line) on PORT after ASKING;
# on_foreign PORT SLOT OWNER-ID CMD...: the same on a master that does not
# own SLOT (importing it for the while), the slot left closed on it: keys
# where clients do not look, as a move whose last step was lost leaves them.
asking() {
	local p=$1 c
	shift
	for c; do printf 'ASKING\n%s\n' "$c"; done | rcli "$p" >/dev/null
}
on_foreign() {
	local p=$1 s=$2 id=$3
	shift 3
	rcli "$p" cluster setslot "$s" importing "$id" >/dev/null
	asking "$p" "$@"
	rcli "$p" cluster setslot "$s" stable >/dev/null
}
# shellcheck disable=SC2153
cluster_clean() {
	local out
	out=$(rcli "$BASE" --cluster check "127.0.0.1:$BASE" 2>&1)
	[[ $out != *'[ERR]'* && $out != *'[WARNING]'* ]] || {
		diag "$(grep -E 'ERR|WARN' <<<"$out" | head -5)"
		return 1
	}
}
_tap_cli() {
	local port=$1 cli=${RC_REDIS_CLI:-redis-cli} secs=${RC_TEST_CLI_TIMEOUT:-10}
	shift
	if [[ -n ${RC_AUTH:-} ]]; then
		local -x REDISCLI_AUTH=$RC_AUTH
	fi
	if command -v timeout >/dev/null 2>&1; then
		timeout "$secs" "$cli" -h 127.0.0.1 -p "$port" "$@"
	else
		"$cli" -h 127.0.0.1 -p "$port" "$@"
	fi
}

# stop_gen: stops a background job whose pid a test keeps in GEN (an
# rc-hotkey gen: SIGINT, so that it prints its summary) and waits for it.
GEN=
stop_gen() {
	[[ -n $GEN ]] || return 0
	kill -INT "$GEN" 2>/dev/null
	wait "$GEN" 2>/dev/null
	GEN=
}

# at_exit CMD: run the shell command CMD at exit (last registered, first run).
at_exit() { _tap_at_exit+=("$1"); }

# Kill (SIGKILL) every server of the labs used, found by pidfile and by the
# ports of the lab's node directories; only processes whose command line is a
# redis-server or valkey-server of that port are touched.
_tap_kill_labs() {
	local d f p pid pids=() cmd i
	for d in "${_tap_lab_dirs[@]}"; do
		[[ -d $d ]] || continue
		for f in "$d"/*/redis.conf; do
			[[ -f $f ]] || continue
			p=${f%/redis.conf}
			p=${p##*/}
			[[ $p =~ ^[0-9]+$ ]] || continue
			pid=
			[[ -r ${f%/redis.conf}/redis.pid ]] && read -r pid <"${f%/redis.conf}/redis.pid"
			if command -v ss >/dev/null 2>&1; then
				pid="$pid $(ss -ltnpH "sport = :$p" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2)"
			fi
			for pid in $pid; do
				[[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || continue
				cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
				# Valkey names its process valkey-server whatever the link.
				[[ ($cmd == *redis* || $cmd == *valkey*) && $cmd == *":$p"* ]] || continue
				kill -KILL "$pid" 2>/dev/null && pids+=("$pid")
			done
		done
	done
	for ((i = 0; i < 50 && ${#pids[@]}; i++)); do
		for pid in "${!pids[@]}"; do
			_tap_alive "${pids[$pid]}" || unset 'pids[pid]'
		done
		((${#pids[@]})) && sleep 0.1
	done
	return 0
}

# Is PID alive? A zombie (killed, not yet reaped by init) is not.
_tap_alive() {
	local stat
	kill -0 "$1" 2>/dev/null || return 1
	[[ -r /proc/$1/stat ]] || return 0
	stat=$(<"/proc/$1/stat") 2>/dev/null || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

_tap_cleanup() {
	local rc=$? i
	((_tap_cleaned)) && return "$rc"
	_tap_cleaned=1
	for ((i = ${#_tap_at_exit[@]} - 1; i >= 0; i--)); do
		eval "${_tap_at_exit[i]}" >/dev/null 2>&1 || true
	done
	_tap_kill_labs
	# RC_TEST_KEEP=1 keeps the work directory (node logs, nodes.conf) of a
	# file that failed, and names it.
	if [[ -n ${RC_TEST_KEEP:-} && ${_tap_failed:-0} -gt 0 ]]; then
		echo "# kept: $T" >&2
	elif [[ -n ${T:-} && -d $T && ${T##*/} == rc-test.* ]]; then
		rm -rf "$T"
	fi
	return "$rc"
}

trap _tap_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
