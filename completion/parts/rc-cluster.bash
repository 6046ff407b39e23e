# shellcheck shell=bash
# bash completion for rc-cluster, the lab launcher, installed from labs/cluster.
# bash looks a completion up by the command word as typed, then by the part after
# its last slash: so labs/cluster and ./labs/cluster are registered as they are
# typed in the source tree, and the bare word "cluster" is left alone.
_rc_cluster() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local prog=${COMP_WORDS[0]} cmd="" ports i nargs=0
	local cmds="up down clean status ports start stop kill pause resume add remove logs partition heal"

	# The command is the first word after the program name that is not an option;
	# nargs counts the words after it, before the one being completed.
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ -n $cmd ]]; then
			[[ ${COMP_WORDS[i]} == -* ]] || nargs=$((nargs + 1))
		elif [[ ${COMP_WORDS[i]} != -* ]]; then
			cmd=${COMP_WORDS[i]}
		fi
	done

	COMPREPLY=()
	if [[ -z $cmd ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$cmds -h" -- "$cur")
		return
	fi
	# The lab's node ports, from the same program (rc-cluster or labs/cluster).
	command -v "$prog" >/dev/null 2>&1 || prog=rc-cluster
	case $cmd in
	up)
		case $prev in
		-m | -r | -t) return ;; # a number
		--server)
			mapfile -t COMPREPLY < <(compgen -W "redis valkey" -- "$cur")
			return
			;;
		esac
		mapfile -t COMPREPLY < <(compgen -W "-m -r -t -y --server -h" -- "$cur")
		;;
	start)
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "-y" -- "$cur")
		elif ((nargs == 0)); then
			ports=$("$prog" ports 2>/dev/null)
			mapfile -t COMPREPLY < <(compgen -W "$ports" -- "$cur")
		fi
		;;
	stop | kill | pause | resume | remove)
		((nargs == 0)) || return
		ports=$("$prog" ports 2>/dev/null)
		mapfile -t COMPREPLY < <(compgen -W "$ports" -- "$cur")
		;;
	partition)
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "--clients" -- "$cur")
		else
			ports=$("$prog" ports 2>/dev/null)
			mapfile -t COMPREPLY < <(compgen -W "$ports" -- "$cur")
		fi
		;;
	logs)
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "-f" -- "$cur")
		elif ((nargs == 0)); then
			ports=$("$prog" ports 2>/dev/null)
			mapfile -t COMPREPLY < <(compgen -W "$ports" -- "$cur")
		fi
		;;
	add)
		if [[ $prev == --server ]]; then
			mapfile -t COMPREPLY < <(compgen -W "redis valkey" -- "$cur")
			return
		fi
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "--server" -- "$cur")
			return
		fi
		# Suggest the port after the lab's highest one.
		((nargs == 0)) || return
		ports=$("$prog" ports 2>/dev/null | tail -n 1)
		[[ -n $ports ]] && mapfile -t COMPREPLY < <(compgen -W "$((ports + 1))" -- "$cur")
		;;
	esac
	return 0
}
complete -F _rc_cluster rc-cluster labs/cluster ./labs/cluster
