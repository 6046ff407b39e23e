# shellcheck shell=bash
# bash completion for rc-slot: options only (the arguments are keys).
_rc_slot() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	_rc_common_arg "$prev" && return
	COMPREPLY=()
	[[ $cur == -* ]] && _rc_opts "-t --tag -n --node"
}
complete -F _rc_slot rc-slot
