#!/bin/bash
# test_source.sh - `make package_source` (CPack) gives a tarball of the
# source tree without .git, build trees or caches, which configures and
# installs the packaging files.  Last line: "N passed, N failed".
set -u
# shellcheck source=tests/packaging/lib.sh
. "$(dirname "$0")/lib.sh"

version=$(cmake_version)
work=$(mktemp -d /tmp/osfs-srctest.XXXXXX)
trap 'rm -rf "$work"' EXIT

if ! timeout 300 cmake -S "$TOP" -B "$work/build" -DOSFS_WERROR=OFF -DOSFS_TESTS=OFF \
	> "$work/cmake.log" 2>&1; then
	fail "cmake configure" "$(tail -n 20 "$work/cmake.log")"
	summary
	exit 1
fi
tarball=$work/build/openstackfs-$version.tar.gz
if timeout 600 make -C "$work/build" package_source > "$work/cpack.log" 2>&1 && [ -s "$tarball" ]; then
	pass "make package_source made openstackfs-$version.tar.gz"
else
	fail "make package_source" "$(tail -n 20 "$work/cpack.log")"
	summary
	exit 1
fi

names=$(tar tzf "$tarball")
contents_right() {
	local f bad
	for f in CMakeLists.txt fs/fuse/main.c packaging/CMakeLists.txt packaging/debian/control \
		packaging/rpm/openstackfs.spec packaging/man/openstackfs.1 tests/emulator/osemu.py; do
		grep -qx "openstackfs-$version/$f" <<< "$names" || { echo "missing $f"; return 1; }
	done
	bad=$(grep -E "^openstackfs-$version/(\.git/|build[^/]*/)|/__pycache__/|\.pyc$" <<< "$names" | head)
	[ -z "$bad" ] || { echo "should not be there: $bad"; return 1; }
	[ "$(cut -d/ -f1 <<< "$names" | sort -u)" = "openstackfs-$version" ] ||
		{ echo "not all under openstackfs-$version/"; return 1; }
}
check "the tarball holds the sources, not .git, build*/ or caches" contents_right

# the tarball builds and installs the packaging files into a staging root
unpacked_installs() {
	local f
	tar -C "$work" -xzf "$tarball" || return 1
	timeout 300 cmake -S "$work/openstackfs-$version" -B "$work/b2" -DOSFS_WERROR=OFF \
		-DOSFS_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr >/dev/null || return 1
	timeout 900 cmake --build "$work/b2" -j2 >/dev/null || return 1
	DESTDIR=$work/root timeout 300 cmake --install "$work/b2" >/dev/null || return 1
	for f in usr/bin/openstackfs sbin/mount.openstackfs sbin/mount.fuse.openstackfs \
		usr/share/man/man1/openstackfs.1 usr/share/man/man8/mount.openstackfs.8 \
		usr/share/doc/openstackfs/examples/clouds.yaml; do
		[ -e "$work/root/$f" ] || { echo "cmake --install did not install /$f"; return 1; }
	done
	find "$work/root" -path '*/systemd/system/openstackfs@.service' | grep -q . ||
		{ echo "no openstackfs@.service installed"; return 1; }
}
check "the unpacked tarball builds and installs (DESTDIR, prefix /usr)" unpacked_installs

summary
