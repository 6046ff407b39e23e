#!/bin/sh
# completion.sh bash|zsh PARTS... - joins the per-tool completion parts into
# the one file that is installed: completion/rc-tools.bash or _rc-tools.
set -eu
kind=$1
shift
if [ "$kind" = bash ]; then
	printf '# bash completion for rc-tools (generated from completion/parts by make).\n'
	for f in "$@"; do
		printf '\n'
		cat "$f"
	done
	exit 0
fi
# zsh: a #compdef line naming every tool, the parts, then a dispatch.  A part
# may complete more names than its tool's: a line "# compdef-also: NAME..."
# in it adds them (labs/cluster for rc-cluster).
names="" dispatch=""
for f in "$@"; do
	n=$(basename "$f" .zsh)
	case $n in rc-*) ;; *) continue ;; esac
	also=$(sed -n 's/^# compdef-also: *//p' "$f")
	names="$names $n${also:+ $also}"
	dispatch="$dispatch$n$(printf '%s' "${also:+ $also}" | tr ' ' '|')) _$n \"\$@\" ;;
"
done
printf '#compdef%s\n' "$names"
printf '# zsh completion for rc-tools (generated from completion/parts by make).\n'
for f in "$@"; do
	printf '\n'
	cat "$f"
done
printf '\ncase $service in\n%sesac\n' "$dispatch"
