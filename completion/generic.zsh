# The one zsh completion function of every tool built on rc_main, the twin
# of completion/generic.bash: it reads the tool's table, as the tool printed
# it with --rc-spec at build time, from the variable tools/completion.sh
# names to it (_rc_tools_spec_rc_seats), one TAB-separated line each:
#	shared|opt SHORT LONG ARG COMPLETION HELP
#	cmd NAME MIN MAX OPTIONS OPERANDS HELP
# ("-" for none), and offers the commands, after a command only the options
# that command takes, and values and operands as the table's hints say.

# _rc_tools_hint HINT [N]: adds the candidates of a hint (@host, @node,
# @file, @stdin, or words) for the Nth operand (from 0; an option's value is
# 0).  Words are a choice for the first operand only.  @NAME offers the first
# column of what the tool's command NAME or NAMEs prints (rc-seats' @event:
# the ids "events" lists), asked of the live cluster.
_rc_tools_hint() {
	local h l ret=1
	for h in ${=1}; do
		case $h in
		@host|@node) compadd -- ${RC_CLUSTER:+$RC_CLUSTER} 127.0.0.1:${RC_LAB_PORT:-7001} && ret=0 ;;
		@stdin) compadd -- - && ret=0 ;;
		@file) _files && ret=0 ;;
		@*)
			for l in ${h#@} ${h#@}s; do
				(($cname[(Ie)$l])) || continue
				compadd -- ${(f)"$($words[1] --timeout 2 -T $l 2>/dev/null | cut -f1)"} &&
					ret=0
				break
			done
			;;
		*) ((${2:-0} == 0)) && compadd -- $h && ret=0 ;;
		esac
	done
	return ret
}

# _rc_tools_read: fills the caller's tables from its spec.
_rc_tools_read() {
	local line
	local -a f
	for line in ${(f)spec}; do
		f=("${(@ps:\t:)line}")
		f=("${(@)f/#%-/}")
		case $f[1] in
		shared|opt)
			arg[--$f[3]]=$f[4] comp[--$f[3]]=$f[5] forms[$f[3]]=--$f[3]
			ohelp[--$f[3]]=$f[6]
			if [[ -n $f[2] ]]; then
				arg[-$f[2]]=$f[4] comp[-$f[2]]=$f[5] ohelp[-$f[2]]=$f[6]
				forms[$f[3]]="-$f[2] --$f[3]"
			fi
			[[ $f[1] == shared ]] && shared+=($f[3])
			;;
		cmd)
			cname+=("$f[2]") cmax+=("$f[4]") copts+=("$f[5]")
			coper+=("$f[6]") chelp+=("$f[7]")
			;;
		esac
	done
}

# _rc_tools_scan: the words before the current one: options and their values
# are skipped (valopt is set when the value is the current word), the rest
# are positional (pos); ended is set after "--".
_rc_tools_scan() {
	local i j w k
	for ((i = 2; i < CURRENT; i++)); do
		w=$words[i] k=""
		if ((ended)) || [[ $w != -?* ]]; then
			pos+=("$w")
		elif [[ $w == -- ]]; then
			ended=1
		elif [[ $w == --*=* ]]; then
			:
		elif [[ $w == --* ]]; then
			[[ ${arg[$w]:--} != - ]] && k=$w && ((i++))
		else
			# -tn, -w1, -w 1: a letter that takes a value ends the cluster.
			for ((j = 2; j <= $#w; j++)); do
				[[ ${arg[-$w[j]]:--} != - ]] || continue
				((j == $#w)) && k=-$w[j] && ((i++))
				break
			done
		fi
		((i == CURRENT)) && valopt=$k
	done
}

# _rc_tools_command: the command the positional words name (best, the words
# its name took in used), the next words of the commands they begin (next,
# with help), and in optset the options of all of them.
_rc_tools_command() {
	local c nw
	local -a cw
	for ((c = 1; c <= $#cname; c++)); do
		if [[ -z $cname[c] ]]; then
			best=$c used=0
			continue
		fi
		cw=(${=cname[c]})
		nw=$#cw
		if ((nw <= $#pos)) && [[ "${pos[1,nw]}" == "$cname[c]" ]]; then
			((nw > used)) && best=$c used=$nw
		elif ((nw > $#pos)) && [[ "${cw[1,$#pos]}" == "$pos" ]]; then
			next+=("$cw[$#pos+1]:$chelp[c]")
			optset+=(${=copts[c]})
		fi
	done
	((best)) && optset+=(${=copts[best]})
}

# _rc_tools SPECVAR: the completion function of every tool with a table.
_rc_tools() {
	local spec=${(P)1} valopt="" o f best=0 used=0 ret=1 ended=0
	local -A arg comp forms ohelp
	local -a cname cmax copts coper chelp pos next optset shared odesc
	typeset -U next odesc
	_rc_tools_read
	_rc_tools_scan
	if [[ $PREFIX == --*=* ]]; then
		valopt=${PREFIX%%=*}
		compset -P '--[^=]#='
	fi
	if [[ -n $valopt ]]; then
		_rc_tools_hint "${comp[$valopt]:-}"
		return
	fi
	_rc_tools_command
	if ((best)) && { ((cmax[best] < 0)) || (($#pos - used < cmax[best])); }; then
		_rc_tools_hint "$coper[best]" $(($#pos - used)) && ret=0
	fi
	(($#next)) && _describe -t commands command next && ret=0
	if [[ $PREFIX == -* ]] && ((!ended)); then
		for o in $shared $optset; do
			for f in ${=forms[$o]}; do
				odesc+=("$f:$ohelp[$f]")
			done
		done
		_describe -o -t options option odesc && ret=0
	fi
	return ret
}
