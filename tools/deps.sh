#!/bin/sh
# deps.sh [--backports] PKG... - makes sure the Debian packages the build and
# tests need are installed: installs them with apt-get when we are root, else
# stops and prints the exact command to run.  With --backports the packages
# come from Debian's backports suite (valkey-server on bookworm), which is added
# to apt's sources first when it is missing.
# deps.sh --unpack DIR PKG - PKG and the packages of its own source it depends
# on (libhiredict-shims-dev: libhiredict-dev, libhiredict1.x), downloaded from
# the backports suite and unpacked under DIR/root, never installed (their
# headers would replace the installed hiredis 0.14's); DIR/include and DIR/lib
# point into them.  Done once: DIR/ok says it is there.
set -eu
suite=
unpack=
if [ "${1:-}" = --unpack ]; then
	unpack=$2
	shift 2
	[ -f "$unpack/ok" ] && exit 0
	set -- --backports "$@"
fi
if [ "${1:-}" = --backports ]; then
	shift
	codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || codename=bookworm
	suite=$codename-backports
fi
if [ -n "$unpack" ]; then
	if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg >/dev/null 2>&1; then
		echo "deps: $* from Debian's $suite: no apt-get or dpkg here" >&2
		exit 1
	fi
	# The package, and what it needs from its own source package.  apt's
	# lists are brought up to date first when they do not know it yet (a
	# machine whose packages came installed), when we may.
	if ! apt-cache show --no-all-versions "$1" >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
		echo "deps: apt does not know $1 yet: apt-get update" >&2
		apt-get update -qq
	fi
	src=$(apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Source: \([^ ]*\).*/\1/p')
	pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances "$1" 2>/dev/null |
		grep -E '^[a-z0-9][a-z0-9.+-]*$' | grep -F "${src:-$1}" | sort -u | tr '\n' ' ')
	if [ -z "$src" ] || [ -z "$pkgs" ]; then
		echo "deps: apt knows no package $1: it is in Debian's $suite suite (make deps adds" \
			"the suite to apt's sources with valkey); then run: apt-get update" >&2
		exit 1
	fi
	rm -rf "$unpack"
	mkdir -p "$unpack/debs"
	# shellcheck disable=SC2086 # $pkgs is a word list
	if ! (cd "$unpack/debs" && apt-get download -qq -t "$suite" $pkgs) >"$unpack/download.log" 2>&1; then
		cat "$unpack/download.log" >&2
		echo "deps: could not download ${pkgs% } (above)" >&2
		exit 1
	fi
	for d in "$unpack"/debs/*.deb; do
		dpkg -x "$d" "$unpack/root"
	done
	lib=$(dirname "$(find "$unpack/root/usr/lib" -name '*.so' | head -n 1)")
	ln -s root/usr/include "$unpack/include"
	ln -s "${lib#"$unpack"/}" "$unpack/lib"
	echo "deps: ${pkgs% } unpacked in $unpack (not installed)" >&2
	touch "$unpack/ok"
	exit 0
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
