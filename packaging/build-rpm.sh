#!/bin/bash
# build-rpm.sh [OUTDIR] - build the openstackfs binary .rpm from this checkout.
#
# The source tree (stage-source.sh: what git tracks or would track, as on
# disk) becomes openstackfs-VERSION.tar.gz in a temporary _topdir/SOURCES,
# and `rpmbuild -bb packaging/rpm/openstackfs.spec` runs there.  The .rpm
# lands in OUTDIR (default build-packages/ in the checkout), and its path
# is the last line printed.
#
# On Debian the BuildRequires name RPM packages that dpkg knows nothing of,
# so there the check is skipped (--nodeps) and Debian's -dev packages stand
# in; rpmbuild itself comes from Debian's `rpm` package, installed with
# apt-get when missing and running as root.  KEEP_TMP=1 keeps the _topdir.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
spec=$here/rpm/openstackfs.spec
outdir=${1:-$top/build-packages}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

die() { echo "build-rpm: $*" >&2; exit 1; }

cmake_version=$(sed -n 's/^project([^)]*VERSION \([0-9][0-9.]*\).*/\1/p' "$top/CMakeLists.txt" | head -n 1)
[ -n "$cmake_version" ] || die "cannot read the version from CMakeLists.txt"
spec_version=$(sed -n 's/^Version:[[:space:]]*//p' "$spec")
[ "$spec_version" = "$cmake_version" ] ||
	die "packaging/rpm/openstackfs.spec is at $spec_version but CMakeLists.txt at $cmake_version:" \
	    "update Version: and add a %changelog entry"

if ! command -v rpmbuild >/dev/null; then
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
		die "rpmbuild is missing (Debian: apt-get install rpm)"
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rpm ||
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rpm; }
fi

nodeps=()
if [ -f /etc/debian_version ] || ! rpm -q rpm >/dev/null 2>&1; then
	nodeps=(--nodeps)   # the rpm database does not hold this system's packages
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/openstackfs-rpm.XXXXXX")
cleanup() {
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		echo "build-rpm: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

mkdir -p "$tmp/SOURCES" "$tmp/stage"
"$here/stage-source.sh" "$tmp/stage/openstackfs-$cmake_version"
tar -C "$tmp/stage" -czf "$tmp/SOURCES/openstackfs-$cmake_version.tar.gz" "openstackfs-$cmake_version"

rpmbuild -bb "${nodeps[@]}" \
	--define "_topdir $tmp" \
	--define "_smp_mflags -j$(nproc)" \
	"$spec"

found=0
for f in "$tmp"/RPMS/*/openstackfs-"$cmake_version"-*.rpm; do
	[ -e "$f" ] || continue
	cp "$f" "$outdir/"
	case ${f##*/} in
	openstackfs-debug*) ;;
	*) main=$outdir/${f##*/}; found=1 ;;
	esac
done
[ "$found" = 1 ] || die "rpmbuild made no openstackfs-$cmake_version .rpm"
echo "$main"
