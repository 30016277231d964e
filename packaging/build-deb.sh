#!/bin/bash
# build-deb.sh [OUTDIR] - build the openstackfs .deb from this checkout.
#
# dpkg-buildpackage wants debian/ at the top of the source tree, so the
# tree is copied (stage-source.sh) to a temporary openstackfs-VERSION/
# beside an openstackfs_VERSION.orig.tar.gz made from the same copy,
# packaging/debian becomes its debian/, and `dpkg-buildpackage -us -uc -b`
# runs there.  The .deb, .buildinfo and .changes land in OUTDIR (default
# build-packages/ in the checkout, which git ignores), and the path of the
# .deb is the last line printed.
#
# Missing build dependencies are installed with apt-get when running as
# root.  DEB_BUILD_OPTIONS is passed through (e.g. nocheck); it defaults to
# parallel=<cores>.  KEEP_TMP=1 keeps the temporary tree.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
outdir=${1:-$top/build-packages}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

die() { echo "build-deb: $*" >&2; exit 1; }

# The versions must agree: CMake's project() and the changelog's upstream part.
cmake_version=$(sed -n 's/^project([^)]*VERSION \([0-9][0-9.]*\).*/\1/p' "$top/CMakeLists.txt" | head -n 1)
[ -n "$cmake_version" ] || die "cannot read the version from CMakeLists.txt"
deb_version=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$here/debian/changelog")
upstream_version=${deb_version%-*}
upstream_version=${upstream_version#*:}
[ "$upstream_version" = "$cmake_version" ] ||
	die "packaging/debian/changelog is at $deb_version but CMakeLists.txt at $cmake_version:" \
	    "add a changelog entry for $cmake_version-1"

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else die "not root: install the build dependencies first ($*)"; fi
}

apt_updated=0
apt_install() {
	if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; then
		[ "$apt_updated" = 0 ] || return 1
		as_root apt-get update
		apt_updated=1
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
	fi
}

if ! command -v dpkg-buildpackage >/dev/null || ! command -v dh >/dev/null; then
	apt_install dpkg-dev debhelper
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/openstackfs-deb.XXXXXX")
cleanup() {
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		echo "build-deb: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

src=$tmp/openstackfs-$cmake_version
"$here/stage-source.sh" "$src"
tar -C "$tmp" -czf "$tmp/openstackfs_$cmake_version.orig.tar.gz" "openstackfs-$cmake_version"
rm -rf "$src/debian"
cp -a "$here/debian" "$src/debian"

cd "$src"
if ! dpkg-checkbuilddeps >/dev/null 2>&1; then
	echo "build-deb: installing build dependencies" >&2
	if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get build-dep -y "$src"; then
		as_root apt-get update
		as_root env DEBIAN_FRONTEND=noninteractive apt-get build-dep -y "$src"
	fi
fi

export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-parallel=$(nproc)}
dpkg-buildpackage -us -uc -b

arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=openstackfs_${deb_version#*:}_$arch.deb
[ -f "$tmp/$deb" ] || die "dpkg-buildpackage made no $deb"
for f in "$tmp"/openstackfs*_"${deb_version#*:}"_*.deb "$tmp"/openstackfs_"${deb_version#*:}"_*.buildinfo \
	 "$tmp"/openstackfs_"${deb_version#*:}"_*.changes; do
	[ -e "$f" ] && cp "$f" "$outdir/"
done
echo "$outdir/$deb"
