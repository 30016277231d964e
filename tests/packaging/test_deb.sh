#!/bin/bash
# test_deb.sh - the Debian package as a user meets it.
#
# Builds the .deb (packaging/build-deb.sh), installs it with apt-get, starts
# the emulator, puts a clouds.yaml with the cloud "emu" in /etc/openstack,
# then mounts for real through mount(8) and the installed helpers:
# `mount -t fuse.openstackfs`, an fstab line (mount -T), a user mount from
# /etc/fstab as nobody, and the systemd unit's own command lines.  Then it
# removes the package and checks nothing is left, and runs lintian (only
# its E: lines fail the test).
#
# Needs root and /dev/fuse.  /etc/openstack and /etc/fstab are put back as
# they were, and the package removed, whatever happens.  Every step has a
# timeout.  Last line: "N passed, N failed[, N skipped]".
set -u
# shellcheck source=tests/packaging/lib.sh
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/fuse ]; then
	skip "test_deb" "needs root and /dev/fuse"
	summary
	exit 0
fi

version=$(cmake_version)
work=$(mktemp -d /tmp/osfs-pkgtest.XXXXXX)
chmod 755 "$work"   # nobody must reach its mount point
mnt_t=$work/mnt-t
mnt_fstab=$work/mnt-fstab
mnt_user=$work/mnt-user
mnt_unit=$work/mnt-unit
mkdir -p "$mnt_t" "$mnt_fstab" "$mnt_user" "$mnt_unit" "$work/home" "$work/out"
emu_pid=
unit_pid=
installed=0
etc_saved=0
fstab_saved=0
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
clean_env=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$work/home" LANG=C.UTF-8)

is_mounted() { awk -v m="$1" '$2 == m { found = 1 } END { exit !found }' /proc/mounts; }
mount_entry() { awk -v m="$1" '$2 == m { print $1, $3, $4 }' /proc/mounts; }

# The daemon serving mount point $1 (a pgrep, never a kill by name).
daemon_pid() { pgrep -f "^/usr/bin/openstackfs .*$1( |\$)" | head -n 1; }

wait_gone() {   # wait_gone PID SECONDS
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

unmount_hard() {
	local m
	for m in "$@"; do
		if is_mounted "$m"; then
			timeout 20 umount "$m" 2>/dev/null || timeout 20 umount -l "$m" 2>/dev/null ||
				fusermount3 -u -z "$m" 2>/dev/null
		fi
	done
}

cleanup() {
	set +e
	unmount_hard "$mnt_t" "$mnt_fstab" "$mnt_user" "$mnt_unit"
	[ -z "$unit_pid" ] || kill "$unit_pid" 2>/dev/null
	[ -z "$emu_pid" ] || { kill "$emu_pid" 2>/dev/null; wait "$emu_pid" 2>/dev/null; }
	if [ "$installed" = 1 ]; then
		timeout 300 dpkg -r openstackfs >/dev/null 2>&1
	fi
	if [ "$fstab_saved" = 1 ]; then
		cat "$work/fstab.orig" > /etc/fstab
	fi
	if [ "$etc_saved" = 1 ]; then
		rm -rf /etc/openstack
		[ ! -e "$work/etc-openstack.orig" ] || mv "$work/etc-openstack.orig" /etc/openstack
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
cd /   # no clouds.yaml in the working directory

# --- versions agree everywhere they are written --------------------------
versions_agree() {
	local v deb spec
	deb=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$TOP/packaging/debian/changelog")
	spec=$(sed -n 's/^Version:[[:space:]]*//p' "$TOP/packaging/rpm/openstackfs.spec")
	[ "${deb%-*}" = "$version" ] || { echo "debian/changelog: $deb, CMake: $version"; return 1; }
	[ "$spec" = "$version" ] || { echo "openstackfs.spec: $spec, CMake: $version"; return 1; }
	for v in "$TOP"/packaging/man/openstackfs.1 "$TOP"/packaging/man/mount.openstackfs.8; do
		grep -q "^\.TH .*\"openstackfs $version\"" "$v" || { echo "${v##*/}: .TH is not at $version"; return 1; }
	done
}
check "version $version in changelog, spec and man pages" versions_agree

# --- build ----------------------------------------------------------------
if timeout 1800 "$TOP/packaging/build-deb.sh" "$work/out" > "$work/build.log" 2>&1; then
	deb=$(tail -n 1 "$work/build.log")
	pass "build-deb.sh made ${deb##*/}"
else
	fail "build-deb.sh" "$(tail -n 40 "$work/build.log")"
	summary
	exit 1
fi

# --- install --------------------------------------------------------------
if dpkg-query -W -f='${Status}' openstackfs 2>/dev/null | grep -q ' installed$'; then
	echo "note: openstackfs was installed already; it is replaced, then removed"
fi
if out=$(timeout 600 env DEBIAN_FRONTEND=noninteractive apt-get install -y "$deb" 2>&1); then
	installed=1
	pass "apt-get install ${deb##*/}"
else
	fail "apt-get install ${deb##*/}" "$(tail -n 20 <<< "$out")"
	summary
	exit 1
fi

installed_files=(
	/usr/bin/openstackfs
	/sbin/mount.openstackfs
	/sbin/mount.fuse.openstackfs
	/usr/share/man/man1/openstackfs.1.gz
	/usr/share/man/man8/mount.openstackfs.8.gz
	/usr/share/man/man8/mount.fuse.openstackfs.8.gz
	/lib/systemd/system/openstackfs@.service
	/usr/share/doc/openstackfs/copyright
	/usr/share/doc/openstackfs/examples/clouds.yaml
	/usr/share/doc/openstackfs/examples/mnt-openstack-mycloud.mount
	/usr/share/doc/openstackfs/examples/mnt-openstack-mycloud.automount
	/usr/share/doc/openstackfs/examples/openstackfs.conf
)
files_present() {
	local f
	for f in "${installed_files[@]}"; do
		[ -e "$f" ] || { echo "missing: $f"; return 1; }
	done
	[ -x /sbin/mount.fuse.openstackfs ] || { echo "mount.fuse.openstackfs is not executable"; return 1; }
	/usr/bin/openstackfs --version | grep -q "^openstackfs $version " ||
		{ echo "openstackfs --version: $(/usr/bin/openstackfs --version)"; return 1; }
}
check "installed files are in place" files_present

# --- man pages ------------------------------------------------------------
man_clean() {   # man_clean PAGE.gz: renders with no warning at all
	local err
	err=$( { LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l -Tutf8 "$1" >/dev/null; } 2>&1) || return 1
	[ -z "$err" ] || { echo "$err"; return 1; }
	err=$(zcat "$1" | groff -man -ww -z 2>&1)
	[ -z "$err" ] || { echo "$err"; return 1; }
}
check "man -l openstackfs.1 renders without warnings" man_clean /usr/share/man/man1/openstackfs.1.gz
check "man -l mount.openstackfs.8 renders without warnings" man_clean /usr/share/man/man8/mount.openstackfs.8.gz
check "man finds openstackfs(1) and mount.fuse.openstackfs(8)" \
	sh -c 'man -w openstackfs && man -w 8 mount.fuse.openstackfs'

help_in_man() {   # every option word of --help is in the page
	local text word missing=
	text=$(zcat /usr/share/man/man1/openstackfs.1.gz | groff -man -Tascii -rLL=300n -rHY=0 -P-cbou 2>/dev/null)
	for word in $(/usr/bin/openstackfs --help | grep -oE '(^|[ ,])(--?[a-zA-Z]+|[a-z_]+=)' |
		tr -d ' ,' | sort -u); do
		grep -qF -- "$word" <<< "$text" || missing="$missing $word"
	done
	# shellcheck disable=SC2088 # a literal ~ is what the page shows
	for word in debug ro allow_other _netdev reboot "reboot hard" unpause suspend resume \
		unlock boot delete EINVAL EACCES ENOENT EBUSY EDQUOT EAGAIN ETIMEDOUT EIO \
		EROFS ENOTEMPTY EPERM SIGTERM SIGINT SIGHUP OS_CLOUD OS_AUTH_URL \
		OS_CLIENT_CONFIG_FILE /etc/openstack '~/.config/openstack' fuse.openstackfs \
		openstackfs@ .by-id .openstackfs/ console.log extra_specs/; do
		grep -qF -- "$word" <<< "$text" || missing="$missing '$word'"
	done
	[ -z "$missing" ] || { echo "not in openstackfs(1):$missing"; return 1; }
}
check "openstackfs(1) covers --help, ctl verbs, errnos, signals, files" help_in_man

# --- the mount helper on its own (OPENSTACKFS_BIN=echo) ---------------------
helper_filters() {
	local got want
	got=$(OPENSTACKFS_BIN="echo" /sbin/mount.fuse.openstackfs openstackfs:emu /x -n \
		-o rw,noauto,user,_netdev,x-systemd.automount,ro,ttl=5,user=alice,comment=c,nofail \
		-t fuse.openstackfs -oallow_other)
	want="openstackfs:emu /x -o ro,ttl=5,allow_other"
	[ "$got" = "$want" ] || { echo "got '$got', want '$want'"; return 1; }
	got=$(OPENSTACKFS_BIN="echo" /sbin/mount.openstackfs none /x -o defaults)
	[ "$got" = "openstackfs /x" ] || { echo "none: got '$got'"; return 1; }
	got=$(OPENSTACKFS_BIN=false /sbin/mount.openstackfs -fv emu /x 2>&1) ||
		{ echo "-f ran the daemon: $got"; return 1; }
	if /sbin/mount.openstackfs emu 2>/dev/null; then
		echo "a missing mount point was accepted"
		return 1
	fi
}
check "mount helper drops fstab-only options, passes the rest" helper_filters

# --- the emulator and /etc/openstack/clouds.yaml -------------------------
/usr/bin/python3 "$TOP/tests/emulator/osemu.py" --port 0 --portfile "$work/port" --quiet \
	> "$work/emu.log" 2>&1 &
emu_pid=$!
for ((i = 0; i < 100; i++)); do
	[ -s "$work/port" ] && break
	sleep 0.1
done
port=$(cat "$work/port" 2>/dev/null)
if [ -z "$port" ]; then
	fail "emulator started" "$(cat "$work/emu.log")"
	summary
	exit 1
fi

if [ -e /etc/openstack ] || [ -L /etc/openstack ]; then
	mv /etc/openstack "$work/etc-openstack.orig"
fi
etc_saved=1
mkdir -p /etc/openstack
cat > /etc/openstack/clouds.yaml <<EOF
clouds:
  emu:
    auth:
      auth_url: http://127.0.0.1:$port/identity
      username: demo
      password: demopass
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
EOF
chmod 600 /etc/openstack/clouds.yaml

# --- mount -t fuse.openstackfs -----------------------------------------------
if out=$(timeout 60 "${clean_env[@]}" mount -t fuse.openstackfs emu "$mnt_t" 2>&1); then
	pass "mount -t fuse.openstackfs emu"
else
	fail "mount -t fuse.openstackfs emu" "$out"
fi
entry=$(mount_entry "$mnt_t")
if [[ $entry == "openstackfs:emu fuse.openstackfs "* ]]; then
	pass "/proc/mounts: openstackfs:emu, type fuse.openstackfs"
else
	fail "/proc/mounts: openstackfs:emu, type fuse.openstackfs" "entry: '$entry'"
fi
got=$(timeout 30 cat "$mnt_t/flavors/m1.tiny/ram" 2>&1)
if [ "$got" = 512 ]; then
	pass "cat flavors/m1.tiny/ram = 512"
else
	fail "cat flavors/m1.tiny/ram = 512" "got '$got'"
fi
got=$(timeout 30 head -n 1 "$mnt_t/.openstackfs/cloud" 2>&1)
if [ "$got" = "cloud emu" ]; then
	pass ".openstackfs/cloud names emu"
else
	fail ".openstackfs/cloud names emu" "got '$got'"
fi
pid=$(daemon_pid "$mnt_t")
if out=$(timeout 30 umount "$mnt_t" 2>&1) && ! is_mounted "$mnt_t"; then
	pass "umount"
else
	fail "umount" "$out"
fi
if [ -z "$pid" ] || wait_gone "$pid" 10; then
	pass "the daemon exits after umount"
else
	fail "the daemon exits after umount" "pid $pid still runs"
fi

# -t openstackfs (mount.openstackfs); -o ro reaches the kernel and the daemon
if out=$(timeout 60 "${clean_env[@]}" mount -t openstackfs emu "$mnt_t" -o ro,ttl=5 2>&1); then
	opts=$(mount_entry "$mnt_t" | cut -d' ' -f3)
	if [[ ,$opts, == *,ro,* ]] && ! mkdir "$mnt_t/servers/pkgtest" 2>/dev/null; then
		pass "mount -t openstackfs -o ro,ttl=5: read-only"
	else
		fail "mount -t openstackfs -o ro,ttl=5: read-only" "options '$opts'"
	fi
else
	fail "mount -t openstackfs -o ro,ttl=5" "$out"
fi
unmount_hard "$mnt_t"

# an unknown cloud fails the mount at once, with one line
start=$SECONDS
if out=$(timeout 60 "${clean_env[@]}" mount -t fuse.openstackfs nosuchcloud "$mnt_t" 2>&1); then
	fail "an unknown cloud fails the mount" "mount succeeded"
	unmount_hard "$mnt_t"
elif is_mounted "$mnt_t" || [ "$(grep -c . <<< "$out")" -ne 1 ] || ! grep -q nosuchcloud <<< "$out"; then
	fail "an unknown cloud fails the mount with one line" "$out"
else
	pass "an unknown cloud fails the mount with one line ($((SECONDS - start)) s)"
fi

# the shipped example clouds.yaml is read without complaint
example_parses() {
	local c out
	sed "s#https://[a-z.]*:5000/v3#http://127.0.0.1:$port/identity#" \
		/usr/share/doc/openstackfs/examples/clouds.yaml > "$work/example.yaml"
	chmod 600 "$work/example.yaml"
	for c in mycloud appcred lab; do
		# the emulator does not know alice: Keystone, not the file, must refuse
		out=$(timeout 60 "${clean_env[@]}" OS_CLIENT_CONFIG_FILE="$work/example.yaml" \
			/usr/bin/openstackfs --cloud "$c" "$mnt_t" -f 2>&1) && { unmount_hard "$mnt_t"; continue; }
		if ! grep -q 'Keystone refused the credentials' <<< "$out"; then
			echo "$c: $out"
			return 1
		fi
	done
}
check "the example clouds.yaml is valid (Keystone is reached)" example_parses

# bad credentials: one line on stderr, exit 1, nothing mounted
printf '%s\n' 'clouds:' '  bad:' '    auth:' "      auth_url: http://127.0.0.1:$port/identity" \
	'      username: demo' '      password: wrong' '      project_name: demo' \
	'      user_domain_name: Default' '      project_domain_name: Default' > "$work/bad.yaml"
chmod 600 "$work/bad.yaml"
out=$(timeout 60 "${clean_env[@]}" OS_CLIENT_CONFIG_FILE="$work/bad.yaml" \
	mount -t fuse.openstackfs bad "$mnt_t" 2>&1)
rc=$?
lines=$(grep -c . <<< "$out")
if [ "$rc" -eq 0 ] || is_mounted "$mnt_t"; then
	fail "bad credentials fail the mount" "mounted anyway"
	unmount_hard "$mnt_t"
elif [ "$lines" -eq 1 ]; then
	pass "bad credentials fail the mount with one line"
else
	known_issue "bad credentials fail the mount with one line" "$lines lines: $out"
fi

# --cloud=NAME, the spelling of --help and of the man page
if out=$(timeout 60 "${clean_env[@]}" /usr/bin/openstackfs --cloud=emu "$mnt_t" 2>&1) &&
	is_mounted "$mnt_t"; then
	pass "openstackfs --cloud=emu MOUNTPOINT"
else
	known_issue "openstackfs --cloud=emu MOUNTPOINT" "$out"
fi
unmount_hard "$mnt_t"

# --- an fstab line: mount -T FILE MOUNTPOINT ------------------------------------
printf 'emu %s fuse.openstackfs _netdev,noauto,user 0 0\n' "$mnt_fstab" > "$work/fstab"
if out=$(timeout 60 "${clean_env[@]}" mount -T "$work/fstab" "$mnt_fstab" 2>&1); then
	pass "mount -T fstab (_netdev,noauto,user)"
else
	fail "mount -T fstab (_netdev,noauto,user)" "$out"
fi
entry=$(mount_entry "$mnt_fstab")
got=$(timeout 30 cat "$mnt_fstab/flavors/m1.tiny/ram" 2>&1)
if [[ $entry == "openstackfs:emu fuse.openstackfs "* ]] && [ "$got" = 512 ]; then
	pass "fstab mount: /proc/mounts and flavors/m1.tiny/ram"
else
	fail "fstab mount: /proc/mounts and flavors/m1.tiny/ram" "entry '$entry', ram '$got'"
fi

# SIGHUP drops the caches and keeps the mount
requests() { awk '$1 == "requests.total" { print $2 }' "$mnt_fstab/.openstackfs/stats"; }
pid=$(daemon_pid "$mnt_fstab")
if [ -n "$pid" ] && is_mounted "$mnt_fstab"; then
	timeout 30 ls "$mnt_fstab/flavors" >/dev/null
	before=$(timeout 30 cat "$mnt_fstab/.openstackfs/stats" >/dev/null; requests)
	timeout 30 ls "$mnt_fstab/flavors" >/dev/null
	cached=$(requests)
	kill -HUP "$pid"
	sleep 1
	if ! is_mounted "$mnt_fstab"; then
		known_issue "SIGHUP drops caches and keeps the mount" \
			"the daemon unmounted on SIGHUP (libfuse's default handler)"
	else
		timeout 30 ls "$mnt_fstab/flavors" >/dev/null
		after=$(requests)
		if [ "$before" = "$cached" ] && [ "$after" -gt "$cached" ]; then
			pass "SIGHUP drops caches and keeps the mount"
		else
			fail "SIGHUP drops caches and keeps the mount" \
				"requests: $before, cached ls $cached, after SIGHUP $after"
		fi
	fi
else
	fail "SIGHUP drops caches" "no daemon for $mnt_fstab"
fi
if out=$(timeout 30 umount "$mnt_fstab" 2>&1) || ! is_mounted "$mnt_fstab"; then
	pass "umount of the fstab mount"
else
	fail "umount of the fstab mount" "$out"
fi

# --- a user mount from /etc/fstab, as nobody -------------------------------
if command -v runuser >/dev/null && id nobody >/dev/null 2>&1; then
	cp -p /etc/fstab "$work/fstab.orig"
	fstab_saved=1
	printf 'emu %s fuse.openstackfs _netdev,noauto,user 0 0\n' "$mnt_user" >> /etc/fstab
	chown nobody "$mnt_user"
	chmod 644 /etc/openstack/clouds.yaml   # nobody reads the system file
	if out=$(timeout 60 runuser -u nobody -- env -i PATH=/usr/bin:/bin mount "$mnt_user" 2>&1); then
		entry=$(mount_entry "$mnt_user")
		got=$(timeout 30 runuser -u nobody -- cat "$mnt_user/flavors/m1.tiny/ram" 2>&1)
		if [[ $entry == "openstackfs:emu fuse.openstackfs "*"user_id=$(id -u nobody),"* ]] &&
			[ "$got" = 512 ]; then
			pass "user mount from /etc/fstab as nobody"
		else
			fail "user mount from /etc/fstab as nobody" "entry '$entry', ram '$got'"
		fi
		if out=$(timeout 30 runuser -u nobody -- env -i PATH=/usr/bin:/bin umount "$mnt_user" 2>&1) &&
			! is_mounted "$mnt_user"; then
			pass "user umount as nobody"
		else
			fail "user umount as nobody" "$out"
		fi
	else
		fail "user mount from /etc/fstab as nobody" "$out"
	fi
	unmount_hard "$mnt_user"
	chmod 600 /etc/openstack/clouds.yaml
	cat "$work/fstab.orig" > /etc/fstab
	fstab_saved=0
else
	skip "user mount from /etc/fstab" "no runuser or no user nobody"
fi

# --- systemd units -----------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$work/units"
	cp /lib/systemd/system/openstackfs@.service /usr/share/doc/openstackfs/examples/*.mount \
		/usr/share/doc/openstackfs/examples/*.automount "$work/units/"
	out=$(cd "$work/units" && timeout 60 systemd-analyze verify openstackfs@emu.service \
		mnt-openstack-mycloud.mount mnt-openstack-mycloud.automount 2>&1)
	rc=$?
	ours=$(grep -E 'openstackfs|mnt-openstack' <<< "$out")
	if [ "$rc" -eq 0 ] && [ -z "$ours" ]; then
		pass "systemd-analyze verify: openstackfs@.service and the examples"
	else
		fail "systemd-analyze verify" "$out"
	fi
else
	skip "systemd-analyze verify" "systemd-analyze is not installed"
fi

# The unit's own commands, as systemd would run them for openstackfs@emu
# (no systemd here to start it): ExecStartPre, ExecStart in the
# background, then ExecStop must unmount and end the daemon with status 0.
unit_cmd() {   # unit_cmd KEY: the KEY= lines, with the unit's variables filled in
	sed -n "s/^$1=-\\{0,1\\}//p" /lib/systemd/system/openstackfs@.service |
		sed -e "s#%I#emu#g" -e "s#\${MOUNTPOINT}#$mnt_unit#g" -e "s#\\\$OPENSTACKFS_OPTIONS##g"
}
while read -r line; do
	read -r -a argv <<< "$line"
	timeout 30 "${clean_env[@]}" "${argv[@]}" >/dev/null 2>&1
done < <(unit_cmd ExecStartPre)
read -r -a argv <<< "$(unit_cmd ExecStart)"
timeout 300 "${clean_env[@]}" "${argv[@]}" > "$work/unit.log" 2>&1 &
unit_pid=$!
for ((i = 0; i < 300; i++)); do
	is_mounted "$mnt_unit" && break
	kill -0 "$unit_pid" 2>/dev/null || break
	sleep 0.1
done
got=$(timeout 30 cat "$mnt_unit/flavors/m1.tiny/ram" 2>&1)
if is_mounted "$mnt_unit" && [ "$got" = 512 ]; then
	pass "openstackfs@emu ExecStart mounts /mnt/openstack/%I (here $mnt_unit)"
else
	fail "openstackfs@emu ExecStart mounts" "ram '$got'; $(cat "$work/unit.log")"
fi
read -r -a argv <<< "$(unit_cmd ExecStop)"
timeout 30 "${clean_env[@]}" "${argv[@]}" >> "$work/unit.log" 2>&1
if wait_gone "$unit_pid" 15; then
	wait "$unit_pid"
	rc=$?
	unit_pid=
	if [ "$rc" -eq 0 ] && ! is_mounted "$mnt_unit"; then
		pass "ExecStop (fusermount3 -u) unmounts; the daemon exits 0"
	else
		fail "ExecStop unmounts; the daemon exits 0" "status $rc; $(cat "$work/unit.log")"
	fi
else
	fail "ExecStop ends the daemon" "still running; $(cat "$work/unit.log")"
fi
unmount_hard "$mnt_unit"

# --- remove ----------------------------------------------------------------
if out=$(timeout 300 dpkg -r openstackfs 2>&1); then
	installed=0
	pass "dpkg -r openstackfs"
else
	fail "dpkg -r openstackfs" "$out"
fi
nothing_left() {
	local f status list
	status=$(dpkg-query -W -f='${Status}' openstackfs 2>/dev/null)
	case $status in
	'' | *not-installed) ;;
	*) echo "dpkg status: $status (conffiles left?)"; return 1 ;;
	esac
	list=$(dpkg -L openstackfs 2>/dev/null)
	[ -z "$list" ] || { echo "dpkg -L still lists: $list"; return 1; }
	for f in "${installed_files[@]}" /usr/share/doc/openstackfs; do
		if [ -e "$f" ] || [ -L "$f" ]; then
			echo "left behind: $f"
			return 1
		fi
	done
}
check "nothing left behind (dpkg -L empty, files gone)" nothing_left

# --- lintian -----------------------------------------------------------------
if ! command -v lintian >/dev/null; then
	timeout 600 env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends lintian \
		>/dev/null 2>&1 ||
		{ timeout 600 apt-get update >/dev/null 2>&1 &&
		  timeout 600 env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends lintian \
			>/dev/null 2>&1; }
fi
if command -v lintian >/dev/null; then
	lint=$(timeout 600 lintian --display-info --display-experimental --pedantic --show-overrides "$deb" 2>&1 |
		grep -v 'running with root privileges')
	echo "--- lintian ${deb##*/}"
	[ -z "$lint" ] || printf '%s\n' "$lint"
	echo "---"
	errors=$(grep '^E: ' <<< "$lint")
	if [ -z "$errors" ]; then
		pass "lintian: no errors ($(grep -c '^W: ' <<< "$lint") warnings)"
	else
		fail "lintian: errors" "$errors"
	fi
else
	fail "lintian" "cannot install lintian"
fi

summary
