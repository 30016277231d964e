#!/bin/bash
# Smoke test of the running real cloud (start.sh first), with curl and
# /usr/bin/openstack: token, flavors, images, a server (networks "none")
# through ACTIVE, reboot, stop/start, delete, and token revocation.
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

cleanup() {
  if [ -n "$SERVER_ID" ] && [ -n "${TOKEN:-}" ]; then
    curl -s -m 20 -o /dev/null -X DELETE -H "X-Auth-Token: $TOKEN" "$NOVA/servers/$SERVER_ID" || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; echo "$NPASS passed, 1 failed"; exit 1; }
ok() { NPASS=$((NPASS + 1)); printf 'ok %2d  %-58s %5s s\n' "$NPASS" "$1" "$(elapsed "$T_STEP")"; T_STEP=$(now); }
T_STEP=$(now)

# req METHOD URL [JSON] : sets CODE, body in $TMP/body, headers in $TMP/hdr
req() {
  local m=$1 url=$2 data=${3:-}
  local args=(-s -m 30 -X "$m" -D "$TMP/hdr" -o "$TMP/body" -w '%{http_code}'
              -H "Accept: application/json" -H "X-Auth-Token: $TOKEN"
              -H "OpenStack-API-Version: compute $NOVA_MV")
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
[ -n "$NOVA" ] && [ -n "$GLANCE" ] && [ -n "$(endpoint network)" ] || fail "catalog lacks compute/image/network"
exp=$(jq -r .token.expires_at "$TMP/token.json")
life=$(($(date -d "$exp" +%s) - $(date +%s)))
[ "$life" -gt 80000 ] || fail "token lifetime $life s, expected ~24 h"
ok "token for demo (lifetime ${life}s), catalog has compute/image/network"

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
wait_status() { # wait_status WANT SECONDS
  local want=$1 t=$2 i st task
  for i in $(seq 1 $((t * 2))); do
    LAST="GET /servers/$SERVER_ID"
    req GET "$NOVA/servers/$SERVER_ID"
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
