#!/bin/bash
# Install (idempotently, non-interactively) the Debian 12 packages for a minimal
# real OpenStack used by the openstackfs real-cloud tests.  Nothing is
# configured or started here: start.sh does that.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true
t0=$(date +%s)

PKGS=(
  mariadb-server python3-pymysql
  rabbitmq-server
  keystone
  glance-api
  placement-api python3-osc-placement
  nova-api nova-conductor nova-scheduler nova-compute nova-compute-ironic
  neutron-api
  cinder-api cinder-scheduler cinder-volume
  uwsgi-core uwsgi-plugin-python3
  python3-openstackclient
  qemu-utils openssh-client curl jq procps
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install.sh: all packages already installed ($(( $(date +%s) - t0 )) s)"
  exit 0
fi
echo "install.sh: installing ${#missing[@]} missing top-level packages: ${missing[*]}"

if [ "$(id -u)" != 0 ]; then echo "install.sh: must run as root" >&2; exit 1; fi

# Every openstack-pkg-tools auto-configuration question answered "no": the
# packages then leave config, databases, endpoints and rabbit alone.
Q_FALSE="
keystone/configure_db keystone/create-admin-tenant keystone/register-endpoint
glance/configure_db glance/configure_rabbit glance/configure_ksat glance/configure_api-endpoint
placement/configure_db placement/configure_ksat placement/configure_api-endpoint
nova/configure_db novaapi/configure_db nova/configure_rabbit nova/configure_ksat
nova/configure_neutron nova/configure_placement nova/configure_api-endpoint
neutron/configure_db neutron/configure_rabbit neutron/configure_ksat
neutron/configure_nova neutron/configure_api-endpoint
"
# cinder's questions belong to two packages: owner:question
Q_CINDER_FALSE="
cinder-common:cinder/configure_db cinder-common:cinder/configure_rabbit
cinder-common:cinder/configure_ksat cinder-api:cinder/configure_api-endpoint
"
{
  for q in $Q_FALSE; do
    echo "${q%%/*} $q boolean false"
  done
  for q in $Q_CINDER_FALSE; do
    echo "${q%%:*} ${q#*:} boolean false"
  done
  # no LVM volume group is made, no address guessed
  echo "cinder-volume cinder/volume_group string"
  echo "cinder-common cinder/my-ip string 127.0.0.1"
  echo "mariadb-server mariadb-server/postrm_remove_databases boolean false"
} | debconf-set-selections

# No daemon may start from a maintainer script while we install.
POLICY=/usr/sbin/policy-rc.d
had_policy=0
if [ -e "$POLICY" ]; then had_policy=1; cp -p "$POLICY" "$POLICY.osfs-save"; fi
restore_policy() {
  if [ $had_policy = 1 ]; then mv -f "$POLICY.osfs-save" "$POLICY"; else rm -f "$POLICY"; fi
}
trap restore_policy EXIT
printf '#!/bin/sh\nexit 101\n' > "$POLICY"
chmod 755 "$POLICY"

timeout 300 apt-get update -q
timeout 1200 apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "${PKGS[@]}"

echo "install.sh: done in $(( $(date +%s) - t0 )) s"
