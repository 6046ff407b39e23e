# shellcheck shell=bash
# bash completion for rc-repl: its options, and after them a Redis command
# name (the command's arguments are the user's).
_rc_repl() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	_rc_common_arg "$prev" && return
	COMPREPLY=()
	case $prev in
	-e | --eval) return ;;
	esac
	if [[ $cur == -* ]]; then
		_rc_opts "-e --eval"
	elif [[ -z $(_rc_subcommand) ]]; then
		mapfile -t COMPREPLY < <(compgen -W "GET SET DEL EXISTS MGET MSET INCR EXPIRE TTL TYPE
			HGET HSET HGETALL LPUSH RPUSH LRANGE SADD SMEMBERS ZADD ZRANGE EVAL
			PING INFO DBSIZE CLUSTER CONFIG CLIENT COMMAND SCAN KEYS" -- "$cur")
	fi
}
complete -F _rc_repl rc-repl
