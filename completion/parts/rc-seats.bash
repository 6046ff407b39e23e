# shellcheck shell=bash
# bash completion for rc-seats: commands, their options, event ids from the
# live cluster where one is wanted.
_rc_seats() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} cmd opts
	_rc_common_arg "$prev" && return
	case $prev in
	--event)
		mapfile -t COMPREPLY < <(compgen -W "$(rc-seats -T events 2>/dev/null | cut -f1)" -- "$cur")
		return
		;;
	--name | --rows | --seats | --price | --hold | --id | --user | --email | --users | \
		--duration | --requests | --threads | --confirm | --cancel | --count | --retry | --wait-ms)
		COMPREPLY=()
		return
		;;
	--log)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	esac
	cmd=$(_rc_subcommand)
	case $cmd in
	create-event) opts="--name --rows --seats --price --hold --id" ;;
	reserve) opts="--event --user --seats --name --email --hold" ;;
	confirm | cancel) opts="--durable --wait-ms" ;;
	waitlist)
		case " ${COMP_WORDS[*]} " in
		*" join "*) opts="--event --user --count" ;;
		*" leave "*) opts="--event --user" ;;
		*) opts="" ;;
		esac
		;;
	load) opts="--event --users --seats --duration --requests --durable --threads --random --confirm --cancel --log --wait-ms" ;;
	*) opts="" ;;
	esac
	if [[ $cur == -* ]]; then
		_rc_opts "$opts --retry"
		return
	fi
	case $cmd in
	"")
		mapfile -t COMPREPLY < <(compgen -W "create-event events seat-map availability reserve confirm cancel show waitlist load audit sweep" -- "$cur")
		;;
	seat-map | availability | audit | sweep)
		mapfile -t COMPREPLY < <(compgen -W "$(rc-seats -T events 2>/dev/null | cut -f1)" -- "$cur")
		;;
	waitlist)
		if [[ $prev == waitlist ]]; then
			mapfile -t COMPREPLY < <(compgen -W "join list leave" -- "$cur")
		elif [[ $prev == list ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$(rc-seats -T events 2>/dev/null | cut -f1)" -- "$cur")
		else
			COMPREPLY=()
		fi
		;;
	*)
		COMPREPLY=()
		;;
	esac
}
complete -F _rc_seats rc-seats
