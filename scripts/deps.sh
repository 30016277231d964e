#!/bin/bash
# Install what openstackfs needs to build, run and be tested, from Debian's
# packages.  Safe to run again: only missing packages are installed.
set -euo pipefail

PACKAGES=(
	build-essential cmake pkg-config git
	libfuse3-dev fuse3 libcurl4-openssl-dev libjson-c-dev libyaml-dev libzstd-dev
	python3 python3-pytest curl openssh-client valgrind clang
	procps psmisc rsync
)

missing=()
for p in "${PACKAGES[@]}" "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -e /dev/fuse ] || { echo "deps: /dev/fuse is missing: FUSE cannot work here" >&2; exit 1; }
