#!/bin/bash
# Smoke test of the running real cloud (start.sh first), with curl and
# /usr/bin/openstack: token, flavors, images, a server (networks "none")
# through ACTIVE, reboot, stop/start, delete; the seeded networks, a server on
# "private" with its port, a volume attached and detached, a floating IP,
# boot from a volume made from an image; and token revocation.
# Every command is bounded in time; exits non-zero on the first failure.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

KS=http://127.0.0.1:5000/v3
export OS_CLIENT_CONFIG_FILE=$STATE/clouds.yaml
[ -r "$OS_CLIENT_CONFIG_FILE" ] || { echo "FAIL: $OS_CLIENT_CONFIG_FILE missing: run start.sh" >&2; exit 1; }
. "$STATE/secrets.env"
T0=$(now)
TMP=$(mktemp -d /tmp/osfs-smoke.XXXXXX)
SERVER_ID=""
NPASS=0
CLEAN=()   # URLs to DELETE on exit, last added first

cleanup() {
  local i
  if [ -n "$SERVER_ID" ] && [ -n "${TOKEN:-}" ]; then
    curl -s -m 20 -o /dev/null -X DELETE -H "X-Auth-Token: $TOKEN" "$NOVA/servers/$SERVER_ID" || true
  fi
  for ((i = ${#CLEAN[@]} - 1; i >= 0; i--)); do
    [ -n "${TOKEN:-}" ] || break
    curl -s -m 20 -o /dev/null -X DELETE -H "X-Auth-Token: $TOKEN" "${CLEAN[$i]}" || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; echo "$NPASS passed, 1 failed"; exit 1; }
ok() { NPASS=$((NPASS + 1)); printf 'ok %2d  %-58s %5s s\n' "$NPASS" "$1" "$(elapsed "$T_STEP")"; T_STEP=$(now); }
T_STEP=$(now)

# req METHOD URL [JSON] : sets CODE, body in $TMP/body, headers in $TMP/hdr.
# The microversion header names the service of the URL: cinder answers 400 to
# an OpenStack-API-Version header for another service.
req() {
  local m=$1 url=$2 data=${3:-} mv="compute $NOVA_MV"
  [ -n "${CINDER:-}" ] && [[ $url == "$CINDER"* ]] && mv="volume $CINDER_MV"
  local args=(-s -m 30 -X "$m" -D "$TMP/hdr" -o "$TMP/body" -w '%{http_code}'
              -H "Accept: application/json" -H "X-Auth-Token: $TOKEN"
              -H "OpenStack-API-Version: $mv")
  [ -n "$data" ] && args+=(-H "Content-Type: application/json" --data "$data")
  CODE=$(curl "${args[@]}" "$url") || CODE=000
}
expect() { # expect CODE... : the last request answered one of these
  local c
  for c in "$@"; do [ "$CODE" = "$c" ] && return 0; done
  fail "HTTP $CODE (wanted $*) from $LAST: $(head -c 400 "$TMP/body" 2>/dev/null)"
}
osc() { timeout 90 /usr/bin/openstack --os-cloud "${CLOUD:-realcloud}" "$@"; }

token_for() { # token_for USER PASS PROJECT -> prints the token
  curl -s -m 30 -D - -o /dev/null -H "Content-Type: application/json" \
    --data "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"$1\",\"domain\":{\"id\":\"default\"},\"password\":\"$2\"}}},\"scope\":{\"project\":{\"name\":\"$3\",\"domain\":{\"id\":\"default\"}}}}}" \
    "$KS/auth/tokens" | tr -d '\r' | awk 'tolower($1)=="x-subject-token:"{print $2}'
}

# ---------------------------------------------------------------- token + catalog
NOVA_MV=2.1
CINDER_MV=3.0
LAST="POST /v3/auth/tokens"
CODE=$(curl -s -m 30 -D "$TMP/hdr" -o "$TMP/token.json" -w '%{http_code}' \
  -H "Content-Type: application/json" \
  --data "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"demo\",\"domain\":{\"name\":\"Default\"},\"password\":\"$DEMO_PASS\"}}},\"scope\":{\"project\":{\"name\":\"demo\",\"domain\":{\"name\":\"Default\"}}}}}" \
  "$KS/auth/tokens") || CODE=000
[ "$CODE" = 201 ] || fail "token: HTTP $CODE"
TOKEN=$(tr -d '\r' <"$TMP/hdr" | awk 'tolower($1)=="x-subject-token:"{print $2}')
[ -n "$TOKEN" ] || fail "no X-Subject-Token header"
endpoint() { jq -r --arg t "$1" '.token.catalog[] | select(.type==$t) | .endpoints[]
  | select(.interface=="public" and .region_id=="RegionOne") | .url' "$TMP/token.json" | head -n1; }
NOVA=$(endpoint compute)
GLANCE=$(endpoint image)
NEUTRON=$(endpoint network)
CINDER=$(endpoint block-storage)
[ -n "$NOVA" ] && [ -n "$GLANCE" ] && [ -n "$NEUTRON" ] || fail "catalog lacks compute/image/network"
[ -n "$CINDER" ] && [ "$(endpoint volumev3)" = "$CINDER" ] || fail "catalog lacks block-storage and volumev3 on one URL"
exp=$(jq -r .token.expires_at "$TMP/token.json")
life=$(($(date -d "$exp" +%s) - $(date +%s)))
[ "$life" -gt 80000 ] || fail "token lifetime $life s, expected ~24 h"
ok "token for demo (lifetime ${life}s), catalog: compute image network volume"

# microversion: the server's maximum
LAST="GET $NOVA/"
req GET "${NOVA%/v2.1}/v2.1/"
expect 200
NOVA_MV=$(jq -r .version.version "$TMP/body")
ok "compute API version discovery: max microversion $NOVA_MV"

CLOUD=realcloud-appcred osc token issue -f value -c project_id >"$TMP/ac" 2>"$TMP/err" ||
  fail "application credential token: $(tail -n 3 "$TMP/err")"
ok "openstack token issue with the application credential"

# ---------------------------------------------------------------- flavors, images
LAST="GET /flavors/detail"
req GET "$NOVA/flavors/detail"
expect 200
ids=$(jq -r '[.flavors[].id] | sort | join(",")' "$TMP/body")
[ "$ids" = "1,2,3,4,5,6" ] || fail "flavor ids $ids"
[ "$(jq -r '.flavors[] | select(.id=="1") | "\(.name) \(.ram) \(.vcpus) \(.disk)"' "$TMP/body")" = "m1.tiny 512 1 1" ] ||
  fail "m1.tiny is not 512 MiB/1 vcpu/1 GiB"
spec=$(jq -r '.flavors[] | select(.id=="6") | .extra_specs | length' "$TMP/body")
[ "$spec" -ge 1 ] || fail "flavor 6 has no extra_specs"
osc flavor list -f value -c Name >"$TMP/fl" 2>"$TMP/err" || fail "openstack flavor list: $(tail -n 3 "$TMP/err")"
grep -qx m1.xlarge "$TMP/fl" || fail "openstack flavor list lacks m1.xlarge"
ok "flavor list (curl and openstack): 1..6, m1.tiny 512/1/1, extra_specs"

LAST="GET /v2/images"
req GET "$GLANCE/v2/images"
expect 200
[ "$(jq '[.images[] | select(.name=="cirros" and .status=="active")] | length' "$TMP/body")" -eq 2 ] ||
  fail "expected two active images named cirros"
IMAGE=$(jq -r '.images[] | select(.name=="cirros-0.6.2") | .id' "$TMP/body" | head -n1)
[ -n "$IMAGE" ] || fail "no cirros-0.6.2 image"
osc image list -f value -c Name >"$TMP/il" 2>"$TMP/err" || fail "openstack image list: $(tail -n 3 "$TMP/err")"
[ "$(grep -cx cirros "$TMP/il")" -eq 2 ] || fail "openstack image list: not two cirros"
ok "image list (curl and openstack): cirros x2, cirros-0.6.2"

# ---------------------------------------------------------------- server life cycle
wait_status() { # wait_status WANT SECONDS [SERVER] (default $SERVER_ID)
  local want=$1 t=$2 id=${3:-$SERVER_ID} i st task
  for i in $(seq 1 $((t * 2))); do
    LAST="GET /servers/$id"
    req GET "$NOVA/servers/$id"
    expect 200
    st=$(jq -r .server.status "$TMP/body")
    task=$(jq -r '.server["OS-EXT-STS:task_state"] // ""' "$TMP/body")
    [ "$st" = ERROR ] && fail "server went to ERROR: $(jq -c .server.fault "$TMP/body")"
    if [ "$st" = "$want" ] && [ -z "$task" ]; then return 0; fi
    sleep 0.5
  done
  fail "server not $want within $t s (status $st, task $task)"
}

NAME=osfs-smoke-$$
LAST="POST /servers"
req POST "$NOVA/servers" "{\"server\":{\"name\":\"$NAME\",\"imageRef\":\"$IMAGE\",\"flavorRef\":\"1\",\"networks\":\"none\",\"key_name\":\"demo-key\"}}"
expect 202
SERVER_ID=$(jq -r .server.id "$TMP/body")
wait_status ACTIVE 90
[ "$(jq -c .server.addresses "$TMP/body")" = "{}" ] || fail "addresses not {}"
[ "$(jq -r .server.key_name "$TMP/body")" = demo-key ] || fail "key_name not demo-key"
ok "boot $NAME (networks none) -> ACTIVE"

osc server reboot --soft --wait "$SERVER_ID" >"$TMP/out" 2>&1 || fail "openstack server reboot: $(tail -n 3 "$TMP/out")"
wait_status ACTIVE 60
ok "soft reboot (openstack server reboot --wait)"

LAST="POST reboot HARD"
req POST "$NOVA/servers/$SERVER_ID/action" '{"reboot":{"type":"HARD"}}'
expect 202
wait_status ACTIVE 60
ok "hard reboot (curl)"

LAST="POST os-stop"
req POST "$NOVA/servers/$SERVER_ID/action" '{"os-stop":null}'
expect 202
wait_status SHUTOFF 60
ok "stop -> SHUTOFF"

osc server start "$SERVER_ID" >"$TMP/out" 2>&1 || fail "openstack server start: $(tail -n 3 "$TMP/out")"
wait_status ACTIVE 60
ok "start (openstack server start) -> ACTIVE"

LAST="GET console output"
req POST "$NOVA/servers/$SERVER_ID/action" '{"os-getConsoleOutput":{"length":null}}'
expect 200
jq -r .output "$TMP/body" | grep -q "FAKE CONSOLE OUTPUT" || fail "console output"
ok "console output"

LAST="DELETE /servers/$SERVER_ID"
req DELETE "$NOVA/servers/$SERVER_ID"
expect 204
for i in $(seq 1 120); do
  req GET "$NOVA/servers/$SERVER_ID"
  [ "$CODE" = 404 ] && break
  sleep 0.5
done
[ "$CODE" = 404 ] || fail "server still there 60 s after DELETE (HTTP $CODE)"
SERVER_ID=""
ok "delete -> 404"

# ---------------------------------------------------------------- networks
# the seeded shape, as demo sees it
net_id() { # net_id NAME -> id of the one network of that name
  LAST="GET /v2.0/networks?name=$1"
  req GET "$NEUTRON/v2.0/networks?name=$1"
  expect 200
  [ "$(jq '.networks | length' "$TMP/body")" = 1 ] || fail "not exactly one network named $1"
  jq -r '.networks[0].id' "$TMP/body"
}
PRIVATE=$(net_id private)
[ "$(jq -r '.networks[0].shared' "$TMP/body")" = true ] || fail "private is not shared"
PUBLIC=$(net_id public)
[ "$(jq -r '.networks[0]["router:external"]' "$TMP/body")" = true ] || fail "public is not external"
# (public's subnet belongs to admin: demo does not see it)
LAST="GET /v2.0/subnets?network_id=public (admin)"
ADMIN_TOKEN=$(token_for admin "$ADMIN_PASS" admin)
[ -n "$ADMIN_TOKEN" ] || fail "admin token"
TOKEN=$ADMIN_TOKEN req GET "$NEUTRON/v2.0/subnets?network_id=$PUBLIC"
expect 200
[ "$(jq -r '.subnets[0] | "\(.cidr) \(.enable_dhcp) \(.allocation_pools[0].start)-\(.allocation_pools[0].end)"' "$TMP/body")" \
  = "172.24.4.0/24 false 172.24.4.10-172.24.4.250" ] || fail "public subnet: $(jq -c .subnets "$TMP/body")"
LAST="GET /v2.0/routers?name=router1"
req GET "$NEUTRON/v2.0/routers?name=router1"
expect 200
[ "$(jq -r '.routers[0].external_gateway_info.network_id' "$TMP/body")" = "$PUBLIC" ] || fail "router1 has no gateway on public"
ROUTER=$(jq -r '.routers[0].id' "$TMP/body")
req GET "$NEUTRON/v2.0/ports?device_id=$ROUTER&network_id=$PRIVATE"
expect 200
[ "$(jq '.ports | length' "$TMP/body")" = 1 ] || fail "router1 has no interface on private"
LAST="GET /v2.0/security-groups?name=default"
req GET "$NEUTRON/v2.0/security-groups?name=default"
expect 200
rules=$(jq -r '[.security_groups[0].security_group_rules[] | select(.direction=="ingress" and .remote_ip_prefix=="0.0.0.0/0")
  | "\(.protocol):\(.port_range_min)"] | sort | join(",")' "$TMP/body")
[ "$rules" = "icmp:null,tcp:22" ] || fail "default group's open ingress rules: $rules"
ok "networks public (external, flat) and private (shared), router1, default group"

# ---------------------------------------------------------------- a server on private
boot() { # boot NAME JSON-EXTRA -> SERVER id in $BOOTED, waits for ACTIVE
  LAST="POST /servers ($1)"
  req POST "$NOVA/servers" "{\"server\":{\"name\":\"$1\",\"flavorRef\":\"1\",$2}}"
  expect 202
  BOOTED=$(jq -r .server.id "$TMP/body")
  CLEAN+=("$NOVA/servers/$BOOTED")
  wait_status ACTIVE 120 "$BOOTED"
}
boot "$NAME-net" "\"imageRef\":\"$IMAGE\",\"networks\":[{\"uuid\":\"$PRIVATE\"}],\"security_groups\":[{\"name\":\"default\"}]"
NET_SERVER=$BOOTED
ip=$(jq -r '.server.addresses.private[0].addr // ""' "$TMP/body")
[[ $ip == 10.0.0.* ]] || fail "server on private has address '$ip': $(jq -c .server.addresses "$TMP/body")"
[ "$(jq -r '[.server.security_groups[].name] | join(",")' "$TMP/body")" = default ] || fail "security_groups: $(jq -c .server.security_groups "$TMP/body")"
LAST="GET /v2.0/ports?device_id=server"
req GET "$NEUTRON/v2.0/ports?device_id=$NET_SERVER"
expect 200
[ "$(jq -r '[.ports[] | "\(.status) \(.network_id) \(.fixed_ips[0].ip_address)"] | join(";")' "$TMP/body")" = "ACTIVE $PRIVATE $ip" ] ||
  fail "the server's port: $(jq -c '.ports' "$TMP/body")"
PORT=$(jq -r '.ports[0].id' "$TMP/body")
ok "boot on private with group default -> ACTIVE, $ip, port ACTIVE"

# ---------------------------------------------------------------- floating IP
LAST="POST /v2.0/floatingips"
req POST "$NEUTRON/v2.0/floatingips" "{\"floatingip\":{\"floating_network_id\":\"$PUBLIC\",\"port_id\":\"$PORT\"}}"
expect 201
FIP_ID=$(jq -r .floatingip.id "$TMP/body")
FIP=$(jq -r .floatingip.floating_ip_address "$TMP/body")
CLEAN+=("$NEUTRON/v2.0/floatingips/$FIP_ID")
[[ $FIP == 172.24.4.* ]] || fail "floating IP $FIP not from public"
for i in $(seq 1 60); do
  LAST="GET /servers/$NET_SERVER"
  req GET "$NOVA/servers/$NET_SERVER"
  expect 200
  got=$(jq -r --arg ip "$FIP" '[.server.addresses[][] | select(.addr==$ip) | .["OS-EXT-IPS:type"]] | join(",")' "$TMP/body")
  [ "$got" = floating ] && break
  sleep 0.5
done
[ "$got" = floating ] || fail "floating IP $FIP not in the server's addresses within 30 s: $(jq -c .server.addresses "$TMP/body")"
LAST="DELETE /v2.0/floatingips/$FIP_ID"
req DELETE "$NEUTRON/v2.0/floatingips/$FIP_ID"
expect 204
ok "floating IP $FIP associated, shown as floating, released"

# ---------------------------------------------------------------- volume
vol_status() { # vol_status ID WANT SECONDS
  local i st
  for i in $(seq 1 $(($3 * 2))); do
    LAST="GET volume $1"
    req GET "$CINDER/volumes/$1"
    expect 200
    st=$(jq -r .volume.status "$TMP/body")
    case $st in error*) fail "volume $1 went to $st" ;; esac
    [ "$st" = "$2" ] && return 0
    sleep 0.5
  done
  fail "volume $1 not $2 within $3 s (status $st)"
}
LAST="POST volumes"
req POST "$CINDER/volumes" "{\"volume\":{\"size\":1,\"name\":\"$NAME-vol\"}}"
expect 202
VOL=$(jq -r .volume.id "$TMP/body")
CLEAN+=("$CINDER/volumes/$VOL")
vol_status "$VOL" available 60
LAST="POST os-volume_attachments"
req POST "$NOVA/servers/$NET_SERVER/os-volume_attachments" "{\"volumeAttachment\":{\"volumeId\":\"$VOL\"}}"
expect 200
vol_status "$VOL" in-use 60
[ "$(jq -r '.volume.attachments[0].server_id' "$TMP/body")" = "$NET_SERVER" ] || fail "volume attached to $(jq -c .volume.attachments "$TMP/body")"
LAST="DELETE os-volume_attachments"
req DELETE "$NOVA/servers/$NET_SERVER/os-volume_attachments/$VOL"
expect 202
vol_status "$VOL" available 60
LAST="DELETE volume"
req DELETE "$CINDER/volumes/$VOL"
expect 202
for i in $(seq 1 60); do
  req GET "$CINDER/volumes/$VOL"
  [ "$CODE" = 404 ] && break
  sleep 0.5
done
[ "$CODE" = 404 ] || fail "volume still there 30 s after DELETE (HTTP $CODE)"
ok "1 GiB volume: available, attached (in-use), detached, deleted"

# ---------------------------------------------------------------- boot from volume
boot "$NAME-bfv" "\"imageRef\":\"\",\"networks\":[{\"uuid\":\"$PRIVATE\"}],\"block_device_mapping_v2\":[{\"boot_index\":0,\"uuid\":\"$IMAGE\",\"source_type\":\"image\",\"destination_type\":\"volume\",\"volume_size\":1,\"delete_on_termination\":true}]"
BFV=$BOOTED
LAST="GET os-volume_attachments"
req GET "$NOVA/servers/$BFV/os-volume_attachments"
expect 200
BFV_VOL=$(jq -r '.volumeAttachments[0].volumeId // ""' "$TMP/body")
[ -n "$BFV_VOL" ] || fail "boot-from-volume server has no volume attached"
vol_status "$BFV_VOL" in-use 10
[ "$(jq -r '.volume.bootable' "$TMP/body")" = true ] || fail "the boot volume is not bootable"
ok "boot from a new 1 GiB volume made from $IMAGE -> ACTIVE"

for sid in "$NET_SERVER" "$BFV"; do
  LAST="DELETE /servers/$sid"
  req DELETE "$NOVA/servers/$sid"
  expect 204
done
for i in $(seq 1 120); do
  req GET "$CINDER/volumes/$BFV_VOL"
  [ "$CODE" = 404 ] && break
  sleep 0.5
done
[ "$CODE" = 404 ] || fail "boot volume (delete_on_termination) still there 60 s after the server's DELETE"
ok "servers deleted; the boot volume went with its server"

# ---------------------------------------------------------------- revocation
T2=$(token_for demo "$DEMO_PASS" demo)
[ -n "$T2" ] || fail "second token"
LAST="GET /v3/auth/tokens (valid)"
CODE=$(curl -s -m 30 -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $TOKEN" -H "X-Subject-Token: $T2" "$KS/auth/tokens")
expect 200
CODE=$(curl -s -m 30 -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $T2" "$NOVA/flavors")
expect 200
CODE=$(curl -s -m 30 -o /dev/null -w '%{http_code}' -X DELETE -H "X-Auth-Token: $TOKEN" -H "X-Subject-Token: $T2" "$KS/auth/tokens")
LAST="DELETE /v3/auth/tokens"
expect 204
LAST="GET /v3/auth/tokens (revoked)"
CODE=$(curl -s -m 30 -o "$TMP/body" -w '%{http_code}' -H "X-Auth-Token: $TOKEN" -H "X-Subject-Token: $T2" "$KS/auth/tokens")
expect 404
LAST="GET /v3/auth/catalog with the revoked token"
CODE=$(curl -s -m 30 -o "$TMP/body" -w '%{http_code}' -H "X-Auth-Token: $T2" "$KS/auth/catalog")
expect 401
CODE=$(curl -s -m 30 -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $T2" "$NOVA/flavors")
ok "revocation: validate 404, keystone 401 (nova now says $CODE: middleware cache)"

echo "smoke.sh: all green in $(elapsed "$T0") s"
echo "$NPASS passed, 0 failed"
