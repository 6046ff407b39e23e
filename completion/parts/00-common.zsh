# zsh completion for rc-tools: what every tool shares.  Each tool adds
# completion/parts/rc-NAME.zsh with a function _rc-NAME; `make` joins them
# into completion/_rc-tools, which dispatches on the command's name.
_rc_common_args=(
	'(-c --cluster)'{-c,--cluster}'[seed node]:host\:port:(127.0.0.1\:7001)'
	'(-H --header)'{-H,--header}'[print a header line]'
	'(-T --tsv -p --pretty)'{-T,--tsv}'[TSV even on a terminal]'
	'(-T --tsv -p --pretty)'{-p,--pretty}'[aligned table]'
	'--askpass[ask for the password]'
	'--timeout[connect and command timeout]:seconds:'
	'(- *)'{-h,--help}'[usage]'
	'(- *)'{-V,--version}'[version]'
)
