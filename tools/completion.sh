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
# zsh: a #compdef line naming every tool, the parts, then a dispatch.
tools=""
for f in "$@"; do
	n=$(basename "$f" .zsh)
	case $n in rc-*) tools="$tools $n" ;; esac
done
printf '#compdef%s\n' "$tools"
printf '# zsh completion for rc-tools (generated from completion/parts by make).\n'
for f in "$@"; do
	printf '\n'
	cat "$f"
done
printf '\ncase $service in\n'
for t in $tools; do
	printf '%s) _%s "$@" ;;\n' "$t" "$t"
done
printf 'esac\n'
