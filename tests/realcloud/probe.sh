#!/bin/bash
# Print what the running real cloud answers to a few representative requests
# (status line, headers, start of the body), for keeping the emulator
# faithful.  Creates two servers for the pagination checks and deletes them.
# Usage: probe.sh [> facts.txt]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$STATE/secrets.env"
. "$STATE/appcred.env"
KS=http://127.0.0.1:5000/v3
NOVA=http://127.0.0.1:8774/v2.1
GLANCE=http://127.0.0.1:9292
NEUTRON=http://127.0.0.1:9696
PLACEMENT=http://127.0.0.1:8778
TMP=$(mktemp -d /tmp/osfs-probe.XXXXXX)
IDS=()
cleanup() {
  local id
  for id in "${IDS[@]}"; do
    curl -s -m 20 -o /dev/null -X DELETE -H "X-Auth-Token: $TOKEN" "$NOVA/servers/$id" || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

# show TITLE CURL-ARGS... : request line, response headers, body (first 600 chars)
show() {
  local title=$1
  shift
  echo "=============== $title"
  curl -s -m 30 -D "$TMP/h" -o "$TMP/b" "$@" || echo "(curl exit $?)"
  tr -d '\r' <"$TMP/h" | sed -E 's/^(X-Subject-Token: ).{12}.*/\1<token>/I; s/^/  < /'
  echo "  body ($(wc -c <"$TMP/b") bytes): $(head -c 600 "$TMP/b")"
  echo
}
auth_body() { # auth_body USER PASS PROJECT
  echo "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"$1\",\"domain\":{\"id\":\"default\"},\"password\":\"$2\"}}},\"scope\":{\"project\":{\"name\":\"$3\",\"domain\":{\"id\":\"default\"}}}}}"
}
token() {
  curl -s -m 30 -D - -o /dev/null -H "Content-Type: application/json" --data "$(auth_body "$@")" \
    "$KS/auth/tokens" | tr -d '\r' | awk 'tolower($1)=="x-subject-token:"{print $2}'
}
TOKEN=$(token demo "$DEMO_PASS" demo)
H=(-H "X-Auth-Token: $TOKEN" -H "Accept: application/json")
MV=(-H "OpenStack-API-Version: compute 2.93")

show "keystone GET / (unversioned)" http://127.0.0.1:5000/
show "keystone GET /v3" "$KS"
show "keystone POST /v3/auth/tokens?nocatalog (password, project scope)" \
  -H "Content-Type: application/json" --data "$(auth_body demo "$DEMO_PASS" demo)" "$KS/auth/tokens?nocatalog"
show "keystone POST /v3/auth/tokens (wrong password)" \
  -H "Content-Type: application/json" --data "$(auth_body demo wrong demo)" "$KS/auth/tokens"
show "keystone POST /v3/auth/tokens (user name without domain)" -H "Content-Type: application/json" \
  --data '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"demo","password":"x"}}}}}' "$KS/auth/tokens"
show "keystone POST /v3/auth/tokens?nocatalog (application credential)" -H "Content-Type: application/json" \
  --data "{\"auth\":{\"identity\":{\"methods\":[\"application_credential\"],\"application_credential\":{\"id\":\"$APPCRED_ID\",\"secret\":\"$APPCRED_SECRET\"}}}}" \
  "$KS/auth/tokens?nocatalog"
show "keystone POST /v3/auth/tokens (application credential + scope)" -H "Content-Type: application/json" \
  --data "{\"auth\":{\"identity\":{\"methods\":[\"application_credential\"],\"application_credential\":{\"id\":\"$APPCRED_ID\",\"secret\":\"$APPCRED_SECRET\"}},\"scope\":{\"project\":{\"name\":\"demo\",\"domain\":{\"id\":\"default\"}}}}}" \
  "$KS/auth/tokens"
show "keystone GET /v3/auth/catalog" "${H[@]}" "$KS/auth/catalog"
show "keystone GET /v3/auth/tokens (bad subject token)" "${H[@]}" -H "X-Subject-Token: gAAAAAbogus" "$KS/auth/tokens"

show "nova GET /v2.1/ (no token)" http://127.0.0.1:8774/v2.1/
show "nova GET / (no token)" http://127.0.0.1:8774/
show "nova GET /flavors (bad token)" -H "X-Auth-Token: bogus" "$NOVA/flavors"
show "nova GET /flavors?limit=2 (2.1)" "${H[@]}" "$NOVA/flavors?limit=2"
show "nova GET /flavors?limit=2&marker=4 (last page, 2.1)" "${H[@]}" "$NOVA/flavors?limit=2&marker=4"
show "nova GET /flavors/detail (2.93)" "${H[@]}" "${MV[@]}" "$NOVA/flavors/detail?limit=1"
show "nova GET /flavors/6/os-extra_specs" "${H[@]}" "$NOVA/flavors/6/os-extra_specs"
show "nova GET /servers/nope (2.93)" "${H[@]}" "${MV[@]}" "$NOVA/servers/nope"
show "nova GET /flavors (microversion 9.99)" "${H[@]}" -H "OpenStack-API-Version: compute 9.99" "$NOVA/flavors"
show "nova GET /os-keypairs (2.93)" "${H[@]}" "${MV[@]}" "$NOVA/os-keypairs"
show "nova GET /limits (2.93)" "${H[@]}" "${MV[@]}" "$NOVA/limits"

IMAGE=$(curl -s -m 30 "${H[@]}" "$GLANCE/v2/images?name=cirros-0.6.2" | jq -r '.images[0].id')
for n in 1 2; do
  id=$(curl -s -m 30 "${H[@]}" "${MV[@]}" -H "Content-Type: application/json" \
    --data "{\"server\":{\"name\":\"osfs-probe-$n\",\"imageRef\":\"$IMAGE\",\"flavorRef\":\"1\",\"networks\":\"none\"}}" \
    "$NOVA/servers" | jq -r .server.id)
  IDS+=("$id")
done
for i in $(seq 1 120); do
  n=$(curl -s -m 30 "${H[@]}" "${MV[@]}" "$NOVA/servers/detail" | jq '[.servers[] | select(.name|startswith("osfs-probe")) | select(.status=="ACTIVE")] | length')
  [ "$n" = 2 ] && break
  sleep 0.5
done
show "nova GET /servers?limit=1 (2 servers, first page)" "${H[@]}" "${MV[@]}" "$NOVA/servers?limit=1"
show "nova GET /servers?limit=2 (2 servers, full page)" "${H[@]}" "${MV[@]}" "$NOVA/servers?limit=2"
show "nova GET /servers?limit=3 (2 servers, short page)" "${H[@]}" "${MV[@]}" "$NOVA/servers?limit=3"
show "nova GET /servers?limit=2&marker=<last> (empty page)" "${H[@]}" "${MV[@]}" \
  "$NOVA/servers?limit=2&marker=$(curl -s -m 30 "${H[@]}" "${MV[@]}" "$NOVA/servers?limit=2" | jq -r '.servers[-1].id')"
show "nova GET /servers/{id} (2.93, networks none)" "${H[@]}" "${MV[@]}" "$NOVA/servers/${IDS[0]}"
show "nova POST os-getConsoleOutput" "${H[@]}" "${MV[@]}" -H "Content-Type: application/json" \
  --data '{"os-getConsoleOutput":{"length":null}}' "$NOVA/servers/${IDS[0]}/action"
show "nova POST action unknown" "${H[@]}" "${MV[@]}" -H "Content-Type: application/json" \
  --data '{"frobnicate":null}' "$NOVA/servers/${IDS[0]}/action"
show "nova POST os-start on ACTIVE (conflict)" "${H[@]}" "${MV[@]}" -H "Content-Type: application/json" \
  --data '{"os-start":null}' "$NOVA/servers/${IDS[0]}/action"

show "glance GET / (no token)" "$GLANCE/"
show "glance GET /v2/images?limit=2 (first page)" "${H[@]}" "$GLANCE/v2/images?limit=2"
LASTIMG=$(curl -s -m 30 "${H[@]}" "$GLANCE/v2/images?limit=2" | jq -r '.images[-1].id')
show "glance GET /v2/images?limit=2&marker=... (last page)" "${H[@]}" "$GLANCE/v2/images?limit=2&marker=$LASTIMG"
show "glance GET /v2/images/{id}" "${H[@]}" "$GLANCE/v2/images/$IMAGE"
echo "=============== glance GET /v2/images/{id}/file (headers only)"
curl -s -m 30 -D - -o /dev/null "${H[@]}" "$GLANCE/v2/images/$IMAGE/file" | tr -d '\r' | sed 's/^/  < /'
echo "=============== glance GET /v2/images/{id}/file with Range: bytes=0-99"
curl -s -m 30 -D - -o /dev/null "${H[@]}" -H "Range: bytes=0-99" "$GLANCE/v2/images/$IMAGE/file" | tr -d '\r' | sed 's/^/  < /'
show "glance GET /v2/images/nope" "${H[@]}" "$GLANCE/v2/images/00000000-0000-0000-0000-000000000000"
show "glance GET /v2/images (bad token)" -H "X-Auth-Token: bogus" "$GLANCE/v2/images"

show "neutron GET /v2.0/ports" "${H[@]}" "$NEUTRON/v2.0/ports"
show "neutron GET /v2.0/networks?limit=1" "${H[@]}" "$NEUTRON/v2.0/networks?limit=1"
show "placement GET /" "$PLACEMENT/"

echo "=============== connection reuse: two keystone GETs on one curl connection"
curl -s -m 30 -o /dev/null -o /dev/null -w '%{num_connects} new connection(s) for %{url_effective}\n' \
  "$KS" "$KS" 2>&1 | sed 's/^/  /'
echo "=============== connection reuse: two glance GETs on one curl connection"
curl -s -m 30 -o /dev/null -o /dev/null -w '%{num_connects} new connection(s) for %{url_effective}\n' \
  "$GLANCE/" "$GLANCE/" 2>&1 | sed 's/^/  /'
