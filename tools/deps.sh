#!/bin/sh
# deps.sh [--backports] PKG... - makes sure the Debian packages the build and
# tests need are installed: installs them with apt-get when we are root, else
# stops and prints the exact command to run.  With --backports the packages
# come from Debian's backports suite (valkey-server on bookworm), which is added
# to apt's sources first when it is missing.
set -eu
suite=
if [ "${1:-}" = --backports ]; then
	shift
	codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || codename=bookworm
	suite=$codename-backports
fi
missing=""
for p in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing:$missing (no apt-get here: install them with your package manager)" >&2
	exit 1
fi
# Is the backports suite among apt's sources?
has_suite() {
	grep -rqs -E "^[^#]*(Suites:.*[[:space:]]|deb[[:space:]].*[[:space:]])$suite([[:space:]]|\$)" \
		/etc/apt/sources.list /etc/apt/sources.list.d/
}
add_suite=
if [ -n "$suite" ] && ! has_suite; then
	add_suite=/etc/apt/sources.list.d/$suite.sources
fi
target=
[ -n "$suite" ] && target="-t $suite "
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing:$missing" >&2
	if [ -n "$add_suite" ]; then
		echo "deps: run: printf 'Types: deb\\nURIs: http://deb.debian.org/debian\\nSuites: $suite\\nComponents: main\\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\\n' | sudo tee $add_suite" >&2
	fi
	echo "deps: run: sudo apt-get update && sudo apt-get install -y $target$missing" >&2
	exit 1
fi
if [ -n "$add_suite" ]; then
	echo "deps: adding Debian's $suite suite to apt's sources ($add_suite)" >&2
	printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$suite" >"$add_suite"
fi
echo "deps: installing:$missing${suite:+ (from $suite)}" >&2
apt-get update -qq
# shellcheck disable=SC2086 # $target and $missing are word lists
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $target$missing >/dev/null
# Debian starts a system redis (or valkey) on 6379 when it installs the
# package; the tools and tests never need it.
if command -v systemctl >/dev/null 2>&1; then
	for s in redis-server valkey-server; do
		systemctl stop "$s" >/dev/null 2>&1 || true
		systemctl disable "$s" >/dev/null 2>&1 || true
	done
fi
