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
