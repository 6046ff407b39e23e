#!/bin/sh
# deps.sh PKG... - makes sure the Debian packages the build and tests need are
# installed: installs them with apt-get when we are root, else stops and
# prints the exact command to run.
set -eu
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
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing:$missing" >&2
	echo "deps: run: sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing:$missing" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$missing >/dev/null
# Debian starts a system redis on 6379 when it installs the package; the
# tools and tests never need it.
if command -v systemctl >/dev/null 2>&1; then
	systemctl stop redis-server >/dev/null 2>&1 || true
fi
