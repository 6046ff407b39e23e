# shellcheck shell=bash
# bash completion for rc-tools: what every tool shares.  Each tool adds one
# file beside this one, completion/parts/rc-NAME.bash, holding its function
# and its `complete` line; `make` joins them into completion/rc-tools.bash.

# The options every tool takes (DESIGN.md: -c seed, -H header, -T TSV, -p pretty).
_rc_common_opts="-c --cluster -H --header -T --tsv -p --pretty --askpass --timeout -h --help -V --version"

# _rc_common_arg PREV: completes the argument of a common option; returns 0
# when PREV was one (COMPREPLY is set), 1 otherwise.
_rc_common_arg() {
	local cur=${COMP_WORDS[COMP_CWORD]}
	case $1 in
	-c | --cluster)
		# The seed: RC_CLUSTER, the lab's first node, and what the user typed.
		mapfile -t COMPREPLY < <(compgen -W "${RC_CLUSTER:-} 127.0.0.1:${RC_LAB_PORT:-7001}" -- "$cur")
		return 0
		;;
	--timeout)
		COMPREPLY=()
		return 0
		;;
	esac
	return 1
}

# _rc_opts WORDS: completes an option of WORDS plus the common ones.
_rc_opts() {
	mapfile -t COMPREPLY < <(compgen -W "$1 $_rc_common_opts" -- "${COMP_WORDS[COMP_CWORD]}")
}

# _rc_subcommand [OPTS]: the first word after the program that is neither an
# option nor an option's value, or "".  OPTS names the tool's own options that
# take a value (-w 1); the common ones are known here.  bash splits a word at
# ':' and '=' (COMP_WORDBREAKS): in "-c host:port" and "--watch=1" the pieces
# after the ':' or '=' belong to the word before them.
_rc_subcommand() {
	local i w takes=" -c --cluster --timeout ${1:-} "
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		: | =) i=$((i + 1)) ;;
		-*)
			[[ $takes == *" $w "* && ${COMP_WORDS[i + 1]:-} != = ]] && i=$((i + 1))
			;;
		*)
			printf '%s' "$w"
			return
			;;
		esac
	done
}
