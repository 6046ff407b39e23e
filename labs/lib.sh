# labs/lib.sh - sourced by every lab script: narration, running a step and
# showing it, and pausing for the learner only when someone is there.
#
# A lab runs against RC_CLUSTER (default 127.0.0.1:7001, the lab cluster of
# `labs/cluster up`).  RC_LAB_NONINTERACTIVE=1 (or stdin not a terminal)
# runs straight through, as `make check` does.
# shellcheck shell=bash

LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The tools built in this tree come first, so a lab runs what was just built.
PATH="${RC_BIN:-$LAB_ROOT/bin}:$PATH"
export PATH
export RC_CLUSTER="${RC_CLUSTER:-127.0.0.1:${RC_LAB_PORT:-7001}}"
export LAB_CLUSTER="$LAB_ROOT/labs/cluster"

if [ -t 0 ] && [ -z "${RC_LAB_NONINTERACTIVE:-}" ]; then
	lab_interactive=1
else
	lab_interactive=0
fi
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	lab_b=$'\033[1m' lab_d=$'\033[2m' lab_c=$'\033[36m' lab_y=$'\033[33m' lab_r=$'\033[0m'
else
	lab_b='' lab_d='' lab_c='' lab_y='' lab_r=''
fi

# title "Lab name": the lab's heading.
title() { printf '\n%s== %s ==%s\n' "$lab_b" "$*" "$lab_r"; }
# say TEXT...: narration, one paragraph.
say() { printf '%s\n' "$*" | fold -s -w "${COLUMNS:-80}"; }
# observe TEXT: what to look at in the output just shown.
observe() { printf '%s-> %s%s\n' "$lab_y" "$*" "$lab_r"; }
# pause: waits for Enter when a learner is at the terminal.
pause() {
	if [ "$lab_interactive" = 1 ]; then
		printf '%s[Enter to go on]%s' "$lab_d" "$lab_r"
		read -r _
	fi
}
# run CMD...: shows the command, then runs it; a failing step fails the lab.
run() {
	printf '%s$ %s%s\n' "$lab_c" "$*" "$lab_r"
	if ! eval "$*"; then
		printf 'lab: step failed: %s\n' "$*" >&2
		exit 1
	fi
}
# expect_fail CMD...: shows a command that is meant to fail (a CROSSSLOT, say).
expect_fail() {
	printf '%s$ %s%s\n' "$lab_c" "$*" "$lab_r"
	if eval "$*"; then
		printf 'lab: this step should have failed: %s\n' "$*" >&2
		exit 1
	fi
}
# show_status CMD...: shows a command, runs it and prints its exit status,
# whatever it is (kept in $LAST): for a step whose failure is the lesson.
show_status() {
	printf '%s$ %s%s\n' "$lab_c" "$*" "$lab_r"
	LAST=0
	eval "$*" || LAST=$?
	printf '(exit status %s)\n' "$LAST"
}
# lab_until SECS CMD...: CMD until it succeeds, every 0.2 s, at most SECS
# (then the lab stops, saying what it waited for).
lab_until() {
	local secs=$1 deadline
	shift
	deadline=$((SECONDS + secs))
	until "$@"; do
		if ((SECONDS >= deadline)); then
			printf 'lab: gave up after %s s waiting for: %s\n' "$secs" "$*" >&2
			exit 1
		fi
		sleep 0.2
	done
}
# until_true SECS CMD...: lab_until with CMD's output thrown away.
quietly() { "$@" >/dev/null 2>&1; }
until_true() {
	local secs=$1
	shift
	lab_until "$secs" quietly "$@"
}
# lab_require TOOL...: stops with a clear message when a tool is missing.
lab_require() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || {
			printf 'lab: %s is not built: run make first\n' "$t" >&2
			exit 2
		}
	done
}

# feed LINE...: shows the lines, then runs them through rc-repl (batch mode,
# one command a line, its messages in line with the replies); feed_fail: the
# same for lines meant to fail.
feed_show() {
	printf '%s$ rc-repl <<EOF%s\n' "$lab_c" "$lab_r"
	local l
	for l; do printf '%s  %s%s\n' "$lab_c" "$l" "$lab_r"; done
	printf '%s  EOF%s\n' "$lab_c" "$lab_r"
}
feed() {
	feed_show "$@"
	printf '%s\n' "$@" | rc-repl 2>&1 || {
		echo "lab: step failed" >&2
		exit 1
	}
}
feed_fail() {
	feed_show "$@"
	if printf '%s\n' "$@" | rc-repl 2>&1; then
		echo "lab: this step should have failed" >&2
		exit 1
	fi
}

# --- leaving the cluster as the lab found it ----------------------------------
# A lab that moves slots or adds nodes calls lab_snapshot before its first
# change and lab_restore at its end: every slot goes back to the master that
# had it (one plan, applied by rc-reshard), every node the lab added is
# forgotten and reset, and every replica follows the master it followed.
# So the labs run in any order, and twice.  Keys are each lab's own business:
# it deletes what it wrote.

# lab_map: the cluster once every node agrees, one node a line: addr, id,
# role, master id, slot ranges (rc-reshard settled's map, ranges whole).
lab_map() {
	rc-reshard settled --wait 60
}
# lab_slots MAP: slot TAB master id for every slot the map assigns.
lab_slots() {
	awk -F'\t' '$3 == "master" && $5 != "-" {
		n = split($5, r, ",")
		for (i = 1; i <= n; i++) {
			if (split(r[i], b, "-") < 2) b[2] = b[1]
			for (s = b[1]; s <= b[2]; s++) print s "\t" $2
		}
	}' "$1"
}
lab_snapshot() {
	lab_state=$(mktemp -d "${TMPDIR:-/tmp}/rc-lab-state.XXXXXX")
	lab_map >"$lab_state/before"
}
lab_restore() {
	local moved addr m role from to
	[ -n "${lab_state:-}" ] && [ -f "$lab_state/before" ] || return 0
	lab_map >"$lab_state/now"
	# Slots first, while every node the lab added is still a master that
	# can hand its slots back: then removing it drains nothing.
	lab_slots "$lab_state/before" >"$lab_state/slots.before"
	# (A master that is gone since cannot take its slots back: they stay.)
	lab_slots "$lab_state/now" >"$lab_state/slots.now"
	awk -F'\t' 'FILENAME == ARGV[1] { if ($3 == "master") up[$2] = 1; next }
		FILENAME == ARGV[2] { was[$1] = $2; next }
		($1 in was) && was[$1] != $2 && (was[$1] in up) { print $1 "\t" $2 "\t" was[$1] }' \
		"$lab_state/now" "$lab_state/slots.before" "$lab_state/slots.now" >"$lab_state/plan"
	moved=$(wc -l <"$lab_state/plan")
	# One apply per source and target: apply refuses to move slots both
	# ways between two masters at once (MIGRATE both ways would block both).
	cut -f2,3 "$lab_state/plan" | sort -u | while IFS=$'\t' read -r from to; do
		awk -F'\t' -v f="$from" -v t="$to" '$2 == f && $3 == t' "$lab_state/plan" |
			rc-reshard apply >>"${LAB_DEBUG:-/dev/null}"
	done
	# Nodes the lab added: replicas before masters.
	for role in replica master; do
		awk -F'\t' -v r="$role" 'NR == FNR { was[$2] = 1; next }
			!($2 in was) && $3 == r { print $1 }' \
			"$lab_state/before" "$lab_state/now" | while read -r addr; do
			rc-reshard -y del-node "$addr" >/dev/null
			printf 'removed the node the lab added: %s\n' "$addr"
		done
	done
	# Replicas that were moved to another master go back.
	lab_map >"$lab_state/now"
	awk -F'\t' 'NR == FNR { if ($3 == "replica") was[$2] = $4; next }
		($2 in was) && $3 == "replica" && was[$2] != $4 { print $1 "\t" was[$2] }' \
		"$lab_state/before" "$lab_state/now" | while IFS=$'\t' read -r addr m; do
		redis-cli -h "${addr%:*}" -p "${addr##*:}" CLUSTER REPLICATE "$m" >/dev/null
		printf 'replica %s follows its old master again\n' "$addr"
	done
	rc-reshard settled --wait 60 >/dev/null
	printf 'slot map as the lab found it: %s slots moved back\n' "$moved"
	rm -rf "$lab_state"
	lab_state=
}

# lab_events_mark: remembers the reservation system's events that exist now;
# lab_events_drop deletes every event made since, all keys of each (they
# share the event's hash tag, so one slot, one master, one DEL).
lab_events_mark() {
	lab_events=$(mktemp "${TMPDIR:-/tmp}/rc-lab-events.XXXXXX")
	rc-seats events | cut -f1 | sort >"$lab_events"
}
lab_events_drop() {
	local id owner n=0
	[ -n "${lab_events:-}" ] && [ -f "$lab_events" ] || return 0
	for id in $(rc-seats events | cut -f1 | sort | comm -13 "$lab_events" -); do
		owner=$(rc-slot -n "{event:$id}" | cut -f3)
		redis-cli -h "${owner%:*}" -p "${owner##*:}" --scan --pattern "{event:$id}*" |
			xargs -r redis-cli -h "${owner%:*}" -p "${owner##*:}" DEL >/dev/null
		n=$((n + 1))
	done
	rm -f "$lab_events"
	lab_events=
	printf 'deleted the %s events this lab made, every key of each\n' "$n"
}

# lab_unlink_matching PATTERN: unlinks every key matching PATTERN on every
# master (SCAN MATCH, then one UNLINK a key through redis-cli --pipe: keys
# of different slots cannot share a command); prints how many.
lab_unlink_matching() {
	local m n=0 list
	list=$(mktemp "${TMPDIR:-/tmp}/rc-lab-keys.XXXXXX")
	for m in $(rc-dist -T slots | cut -f1 | grep -v '^-$'); do
		redis-cli -h "${m%:*}" -p "${m##*:}" --scan --pattern "$1" >"$list"
		n=$((n + $(wc -l <"$list")))
		LC_ALL=C awk '{ printf "*2\r\n$6\r\nUNLINK\r\n$%d\r\n%s\r\n", length($0), $0 }' "$list" |
			redis-cli -h "${m%:*}" -p "${m##*:}" --pipe >/dev/null
	done
	rm -f "$list"
	printf 'unlinked %s keys matching %s\n' "$n" "$1"
}
