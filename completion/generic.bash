# shellcheck shell=bash
# The one bash completion function of every tool built on rc_main.  It reads
# the tool's table, as the tool printed it with --rc-spec at build time, from
# the variable _rc_tools_spec_NAME (rc-seats: _rc_tools_spec_rc_seats) that
# tools/completion.sh writes below it, one TAB-separated line each:
#	shared|opt SHORT LONG ARG COMPLETION
#	cmd NAME MIN MAX OPTIONS OPERANDS
# ("-" for none).  So it offers exactly what the tool accepts: the commands,
# after a command only the options that command takes, and the values and
# operands as the table's hints say (@host, @node, @file, @stdin, or words).

# _rc_tools_hint HINT CUR [N]: the candidates of a hint for the Nth operand
# (from 0; an option's value is 0), one a line.  Words are a choice for the
# first operand only (rc-repl: a Redis command, then its arguments).  @NAME
# offers the first column of what the tool's command NAME or NAMEs prints
# (rc-seats' @event: the ids "events" lists), asked of the live cluster.
_rc_tools_hint() {
	local h l
	for h in $1; do
		case $h in
		@host | @node)
			# A seed: RC_CLUSTER and the lab's first node.
			[[ -n ${RC_CLUSTER:-} ]] && printf '%s\n' "$RC_CLUSTER"
			printf '127.0.0.1:%s\n' "${RC_LAB_PORT:-7001}"
			;;
		@stdin) printf '%s\n' - ;;
		@file) compgen -f -- "$2" ;;
		@*)
			for l in "${h#@}" "${h#@}s"; do
				[[ " ${cname[*]} " == *" $l "* ]] || continue
				"${COMP_WORDS[0]}" --timeout 2 -T "$l" 2>/dev/null | cut -f1
				break
			done
			;;
		*) ((${3:-0} == 0)) && printf '%s\n' "$h" ;;
		esac
	done
}

# _rc_tools_reply CUR PREFIX: sets COMPREPLY to the candidates on stdin that
# start with CUR (each with PREFIX before it, an option's "--name=").  bash
# replaces only the text after the last ':', '=' or '@' of the word (they
# are in COMP_WORDBREAKS), so that part of CUR is cut off every candidate.
_rc_tools_reply() {
	local cur=$1 pre=$2 cut="" c
	local -A seen=()
	[[ $cur == *[:=@]* ]] && cut=${cur%"${cur##*[:=@]}"}
	COMPREPLY=()
	while IFS= read -r c; do
		c=$pre$c
		[[ -n $c && $c == "$cur"* && -z ${seen[$c]:-} ]] || continue
		seen[$c]=1
		COMPREPLY+=("${c#"$cut"}")
	done
}

# _rc_tools_words: the words before the cursor as the tool sees them, in the
# array words, the one being completed last.  bash splits "host:port" and
# "--opt=value" at the ':' and '=': the pieces are joined again.
_rc_tools_words() {
	local j w glue=0
	words=()
	for ((j = 1; j <= COMP_CWORD; j++)); do
		w=${COMP_WORDS[j]}
		if ((j > 1)) && [[ $w =~ ^[:=@]+$ ]]; then
			words[-1]+=$w
			glue=1
		elif ((glue)); then
			words[-1]+=$w
			glue=0
		else
			words+=("$w")
		fi
	done
}

# _rc_tools_read SPEC: fills the caller's tables from the tool's spec.
_rc_tools_read() {
	local kind a b c d e
	while IFS=$'\t' read -r kind a b c d e; do
		[[ $d == - ]] && d=""
		[[ $e == - ]] && e=""
		case $kind in
		shared | opt)
			[[ $a != - ]] && arg[-$a]=$c comp[-$a]=$d
			arg[--$b]=$c comp[--$b]=$d forms[$b]=--$b
			[[ $a != - ]] && forms[$b]="-$a --$b"
			[[ $kind == shared ]] && shared+=" $b"
			;;
		cmd)
			cname+=("$a") cmax+=("$c") copts+=("$d") coper+=("$e")
			;;
		esac
	done <<<"$1"
}

# _rc_tools_scan: walks the words before the one being completed: options and
# their values are skipped (valopt is set when the value is the current word),
# the rest are positional (pos); ended is set after "--".
_rc_tools_scan() {
	local i k n=$((${#words[@]} - 1)) w f
	for ((i = 0; i < n; i++)); do
		w=${words[i]} f=""
		if ((ended)) || [[ $w != -?* ]]; then
			pos+=("$w")
		elif [[ $w == -- ]]; then
			ended=1
		elif [[ $w == --*=* ]]; then
			:
		elif [[ $w == --* ]]; then
			[[ ${arg[$w]:--} != - ]] && i=$((i + 1)) f=$w
		else
			# -tn, -w1, -w 1: a letter that takes a value ends the cluster.
			for ((k = 1; k < ${#w}; k++)); do
				[[ ${arg[-${w:k:1}]:--} != - ]] || continue
				((k == ${#w} - 1)) && i=$((i + 1)) f=-${w:k:1}
				break
			done
		fi
		((i == n)) && valopt=$f
	done
}

# _rc_tools_command: the command the positional words name (its index in
# best, the words its name took in used), and the next words of the commands
# that they begin (next); optset collects the options of all of them.
_rc_tools_command() {
	local c nw
	local -a cw
	for ((c = 0; c < ${#cname[@]}; c++)); do
		if [[ ${cname[c]} == - ]]; then
			best=$c used=0
			optset+=" ${copts[c]}"
			continue
		fi
		read -ra cw <<<"${cname[c]}"
		nw=${#cw[@]}
		if ((nw <= ${#pos[@]})) && [[ "${pos[*]:0:nw}" == "${cname[c]}" ]]; then
			((nw > used)) && best=$c used=$nw
		elif ((nw > ${#pos[@]})) && [[ "${cw[*]:0:${#pos[@]}}" == "${pos[*]}" ]]; then
			next+=" ${cw[${#pos[@]}]}"
			optset+=" ${copts[c]}"
		fi
	done
	((best >= 0)) && optset+=" ${copts[best]}"
}

# _rc_tools NAME: the completion function of every tool with a table.
_rc_tools() {
	local var=_rc_tools_spec_${1##*/}
	local -A arg=() comp=() forms=()
	local -a cname=() cmax=() copts=() coper=() words=() pos=()
	local shared="" valopt="" cur pre="" next="" optset="" offer="" o
	local best=-1 used=0 ended=0
	var=${var//-/_}
	_rc_tools_read "${!var:-}"
	_rc_tools_words
	cur=${words[-1]}
	_rc_tools_scan
	if [[ $cur == --*=* ]]; then
		valopt=${cur%%=*} pre=$valopt= cur=${cur#*=}
		cur=$pre$cur
	fi
	if [[ -n $valopt ]]; then
		_rc_tools_files "${comp[$valopt]:-}"
		_rc_tools_reply "$cur" "$pre" < <(_rc_tools_hint "${comp[$valopt]:-}" "${cur#"$pre"}")
		return 0
	fi
	_rc_tools_command
	if ((best >= 0)) && { ((cmax[best] < 0)) || ((${#pos[@]} - used < cmax[best])); }; then
		_rc_tools_files "${coper[best]}"
		offer=$(_rc_tools_hint "${coper[best]}" "$cur" $((${#pos[@]} - used)))
	fi
	offer+=$'\n'${next// /$'\n'}
	if [[ $cur == -* ]] && ((!ended)); then
		for o in $shared $optset; do
			offer+=$'\n'${forms[$o]// /$'\n'}
		done
	fi
	_rc_tools_reply "$cur" "" <<<"$offer"
	return 0
}

# _rc_tools_files HINT: file names are completed as such (a slash after a
# directory) when the hint offers them.
_rc_tools_files() {
	[[ " $1 " == *" @file "* ]] && compopt -o filenames 2>/dev/null
	return 0
}
