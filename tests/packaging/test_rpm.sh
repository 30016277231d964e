#!/bin/bash
# test_rpm.sh - build the binary .rpm with packaging/build-rpm.sh and look
# inside: the files, the dependency on fuse3, the license, the paths the
# build wrote into the helper and the unit.  Installs `rpm` with apt-get
# when rpmbuild is missing (root only).  Last line: "N passed, N failed".
set -u
# shellcheck source=tests/packaging/lib.sh
. "$(dirname "$0")/lib.sh"

version=$(cmake_version)
work=$(mktemp -d /tmp/osfs-rpmtest.XXXXXX)
trap 'rm -rf "$work"' EXIT

if ! command -v rpmbuild >/dev/null && [ "$(id -u)" -ne 0 ]; then
	skip "test_rpm" "rpmbuild is not installed and we are not root"
	summary
	exit 0
fi

if timeout 1800 "$TOP/packaging/build-rpm.sh" "$work/out" > "$work/build.log" 2>&1; then
	rpmfile=$(tail -n 1 "$work/build.log")
	pass "build-rpm.sh (rpmbuild -bb) made ${rpmfile##*/}"
else
	fail "build-rpm.sh (rpmbuild -bb)" "$(tail -n 40 "$work/build.log")"
	summary
	exit 1
fi

check "the .rpm exists" test -s "$rpmfile"
case ${rpmfile##*/} in
"openstackfs-$version-"*.rpm) pass "its name carries version $version" ;;
*) fail "its name carries version $version" "${rpmfile##*/}" ;;
esac

list=$(rpm -qlp "$rpmfile" 2>/dev/null)
has_files() {
	local f missing=
	for f in /usr/bin/openstackfs /usr/sbin/mount.openstackfs /usr/sbin/mount.fuse.openstackfs \
		/usr/share/man/man1/openstackfs.1 /usr/share/man/man8/mount.openstackfs.8 \
		/usr/lib/systemd/system/openstackfs@.service \
		/usr/share/doc/openstackfs/examples/clouds.yaml; do
		grep -qE "^$f(\.gz)?\$" <<< "$list" || missing="$missing $f"
	done
	[ -z "$missing" ] || { echo "not in rpm -qlp:$missing"; echo "$list"; return 1; }
}
check "rpm -qlp lists the binary, the helpers, man pages, unit, examples" has_files
check "it requires fuse3" sh -c "rpm -qp --requires '$rpmfile' 2>/dev/null | grep -qx 'fuse3'"
check "its license is MIT" sh -c "rpm -qp --qf '%{LICENSE}' '$rpmfile' 2>/dev/null | grep -qx MIT"

paths_right() {
	mkdir -p "$work/root"
	# rpm2archive (rpm >= 4.15) writes FILE.tgz; rpm2cpio needs cpio
	if command -v rpm2archive >/dev/null; then
		cp "$rpmfile" "$work/p.rpm" && rpm2archive "$work/p.rpm" &&
			tar -C "$work/root" -xzf "$work/p.rpm.tgz" || return 1
	else
		(cd "$work/root" && rpm2cpio "$rpmfile" | cpio -idm --quiet) || return 1
	fi
	# shellcheck disable=SC2016 # the literal line of the script
	grep -qF 'OPENSTACKFS=${OPENSTACKFS_BIN:-/usr/bin/openstackfs}' "$work/root/usr/sbin/mount.openstackfs" ||
		{ echo "mount.openstackfs does not run /usr/bin/openstackfs"; return 1; }
	[ "$(readlink "$work/root/usr/sbin/mount.fuse.openstackfs")" = mount.openstackfs ] ||
		{ echo "mount.fuse.openstackfs is not a link to mount.openstackfs"; return 1; }
	grep -q '^ExecStart=/usr/bin/openstackfs ' "$work/root/usr/lib/systemd/system/openstackfs@.service" ||
		{ echo "the unit does not run /usr/bin/openstackfs"; return 1; }
	"$work/root/usr/bin/openstackfs" --version | grep -q "^openstackfs $version " ||
		{ echo "the packaged binary says: $("$work/root/usr/bin/openstackfs" --version 2>&1)"; return 1; }
}
check "helper, unit and binary inside carry the right paths and version" paths_right

summary
