#!/bin/bash
# One command from a fresh Debian 12 machine to a mounted cloud:
#   installs the packages, builds, and mounts at $1 (default /mnt/cloud)
#   the cloud from OS_* / clouds.yaml (OS_CLOUD, or the cloud name as $2),
#   or, when none is configured, the bundled local emulator of Keystone,
#   Nova and Glance.
set -euo pipefail
cd "$(dirname "$0")/.."
mnt=${1:-/mnt/cloud}
cloud_args=()
[ "${2:-}" ] && cloud_args=(--cloud "$2")

scripts/deps.sh
scripts/build.sh build

# The openstack CLI's rule: OS_* variables, or a clouds.yaml entry named by
# OS_CLOUD (or our second argument).
configured() {
	[ -n "${OS_AUTH_URL:-}" ] || [ -n "${OS_CLOUD:-}" ] || ((${#cloud_args[@]}))
}

if ! configured; then
	state=/tmp/openstackfs-emulator
	mkdir -p "$state"
	if ! { [ -f "$state/pid" ] && kill -0 "$(cat "$state/pid")" 2>/dev/null; }; then
		rm -f "$state/port"
		nohup /usr/bin/python3 tests/emulator/osemu.py --port 0 --portfile "$state/port" \
			--servers "${OSFS_EMU_SERVERS:-200}" --quiet >"$state/log" 2>&1 &
		echo $! >"$state/pid"
		for _ in $(seq 100); do [ -s "$state/port" ] && break; sleep 0.1; done
	fi
	port=$(cat "$state/port")
	export OS_AUTH_URL=http://127.0.0.1:$port/identity/v3 OS_USERNAME=demo OS_PASSWORD=demopass \
		OS_PROJECT_NAME=demo OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default
	echo "No cloud configured (OS_* or clouds.yaml): using the local emulator at http://127.0.0.1:$port"
	echo "  (stop it later with: kill $(cat "$state/pid"))"
fi

mkdir -p "$mnt"
if mountpoint -q "$mnt"; then
	echo "$mnt is already a mount point; unmount it first: fusermount3 -u $mnt" >&2
	exit 1
fi
build/openstackfs "${cloud_args[@]}" "$mnt"
echo "Mounted at $mnt.  Try:  ls $mnt/servers; cat $mnt/flavors/m1.tiny/ram"
echo "Unmount with:  fusermount3 -u $mnt"
