#!/bin/bash
# Capture seed inputs for the fuzz targets from the emulator (with curl), into
# tests/fuzz/corpus/<target>/.  Only 127.0.0.1 is contacted.  Re-run it when
# the emulator's answers change; the hand-written seeds (clouds.yaml, names,
# ctl) are kept as they are.
#
#   tests/fuzz/capture.sh            start an emulator, capture, stop it
set -euo pipefail
cd "$(dirname "$0")"
here=$PWD
corpus=$here/corpus
tmp=$(mktemp -d)
trap 'kill "$emu_pid" 2>/dev/null; wait "$emu_pid" 2>/dev/null; rm -rf "$tmp"' EXIT

/usr/bin/python3 ../emulator/osemu.py --port 0 --portfile "$tmp/port" --servers 6 --quiet &
emu_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
base=http://127.0.0.1:$(cat "$tmp/port")
c() { curl -sS --max-time 10 "$@"; }

auth='{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"demo","domain":{"name":"Default"},"password":"demopass"}}},"scope":{"project":{"name":"demo","domain":{"name":"Default"}}}}}'
c -D "$tmp/hdr" -o "$tmp/token.json" -H 'Content-Type: application/json' -d "$auth" "$base/identity/v3/auth/tokens"
token=$(grep -i '^x-subject-token:' "$tmp/hdr" | cut -d' ' -f2 | tr -d '\r')
mkdir -p "$corpus"/{fuzz_model,fuzz_auth,fuzz_api_error,fuzz_console}
# the token body holds no secret (the token travels in a header)
cp "$tmp/token.json" "$corpus/fuzz_auth/token-password.json"
c -o "$corpus/fuzz_auth/token-unscoped.json" -H 'Content-Type: application/json' \
  -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"adminpass"}}}}}' \
  "$base/identity/v3/auth/tokens"
c -o "$corpus/fuzz_api_error/keystone-401.json" -H 'Content-Type: application/json' \
  -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"demo","domain":{"name":"Default"},"password":"wrong"}}}}}' \
  "$base/identity/v3/auth/tokens"

get() { # get FILE PATH [microversion]
	c -o "$1" -H "X-Auth-Token: $token" -H "Accept: application/json" \
	  ${3:+-H "OpenStack-API-Version: compute $3"} "$base$2"
}
# model seeds: byte 0 = kind (0 flavors, 1 images, 2 servers, 3 keypairs,
# 4 limits) | 0x80 for a list; byte 1 = page size asked for
model() { # model NAME KINDBYTE LIMITBYTE PATH [microversion]
	get "$tmp/body" "$4" "${5:-}"
	{ printf "\\x$2\\x$3"; cat "$tmp/body"; } > "$corpus/fuzz_model/$1"
}
model flavors-list 80 03 "/compute/v2.1/flavors/detail?limit=3" 2.93
model flavors-list-2.1 80 e8 "/compute/v2.1/flavors/detail" 2.1
model images-list 81 02 "/image/v2/images?limit=2"
model servers-list 82 03 "/compute/v2.1/servers/detail?limit=3" 2.93
model servers-list-2.1 82 02 "/compute/v2.1/servers/detail?limit=2" 2.1
model keypairs-list 83 e8 "/compute/v2.1/os-keypairs" 2.93
model limits 04 00 "/compute/v2.1/limits" 2.93
sid=$(c -H "X-Auth-Token: $token" "$base/compute/v2.1/servers" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["servers"][0]["id"])')
iid=$(c -H "X-Auth-Token: $token" "$base/image/v2/images?limit=1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["images"][0]["id"])')
model server-show 02 00 "/compute/v2.1/servers/$sid" 2.93
model server-show-2.47 02 00 "/compute/v2.1/servers/$sid" 2.47
model flavor-show 00 00 "/compute/v2.1/flavors/42" 2.93
model image-show 01 00 "/image/v2/images/$iid"
model keypair-show 03 00 "/compute/v2.1/os-keypairs/demo-key" 2.93

get "$corpus/fuzz_api_error/nova-404.json" "/compute/v2.1/servers/no-such-server" 2.93
get "$corpus/fuzz_api_error/glance-404.json" "/image/v2/images/no-such-image"
c -o "$corpus/fuzz_api_error/glance-404.txt" -H "X-Auth-Token: $token" "$base/image/v2/images/no-such-image"
c -o "$corpus/fuzz_api_error/nova-409.json" -H "X-Auth-Token: $token" -H 'Content-Type: application/json' \
  -H "OpenStack-API-Version: compute 2.93" -d '{"os-start": null}' "$base/compute/v2.1/servers/$sid/action"
c -o "$corpus/fuzz_api_error/nova-400.json" -H "X-Auth-Token: $token" -H 'Content-Type: application/json' \
  -H "OpenStack-API-Version: compute 2.93" -d '{"server": {"name": "x"}}' "$base/compute/v2.1/servers"
c -o "$corpus/fuzz_console/console.json" -H "X-Auth-Token: $token" -H 'Content-Type: application/json' \
  -H "OpenStack-API-Version: compute 2.93" -d '{"os-getConsoleOutput": {"length": 20}}' \
  "$base/compute/v2.1/servers/$sid/action"

# Optionally, the real OpenStack of tests/realcloud, when it runs here
# (its endpoints are on 127.0.0.1 too).  Bodies only: tokens travel in
# headers, which are not kept.
realrc=${OSFS_REALCLOUD_DIR:-/var/lib/osfs-realcloud}/openrc
if [ -r "$realrc" ] && (
	set +u; . "$realrc"
	case "$OS_AUTH_URL" in http://127.0.0.1:*|http://localhost:*) ;; *) exit 1 ;; esac
	body=$(OS_PASSWORD=$OS_PASSWORD /usr/bin/python3 -c 'import json,os; e=os.environ; print(json.dumps({"auth":{"identity":{"methods":["password"],"password":{"user":{"name":e["OS_USERNAME"],"domain":{"name":e["OS_USER_DOMAIN_NAME"]},"password":e["OS_PASSWORD"]}}},"scope":{"project":{"name":e["OS_PROJECT_NAME"],"domain":{"name":e["OS_PROJECT_DOMAIN_NAME"]}}}}}))')
	c -D "$tmp/rhdr" -o "$corpus/fuzz_auth/real-token.json" -H 'Content-Type: application/json' \
	  -d @- "$OS_AUTH_URL/auth/tokens" <<<"$body" || exit 1
	rtok=$(grep -i '^x-subject-token:' "$tmp/rhdr" | cut -d' ' -f2 | tr -d '\r')
	[ -n "$rtok" ] || exit 1
	catalog=$(/usr/bin/python3 -c '
import json, sys
cat = json.load(open(sys.argv[1]))["token"]["catalog"]
for s in cat:
    for e in s["endpoints"]:
        if e["interface"] == "public" and s["type"] in ("compute", "image"):
            print(s["type"], e["url"])' "$corpus/fuzz_auth/real-token.json")
	nova=$(awk '$1 == "compute" {print $2; exit}' <<<"$catalog")
	glance=$(awk '$1 == "image" {print $2; exit}' <<<"$catalog")
	rget() { c -o "$tmp/rbody" -H "X-Auth-Token: $rtok" -H "Accept: application/json" \
	           -H "OpenStack-API-Version: compute 2.93" "$1"; }
	rmodel() { rget "$4" && { printf "\\x$2\\x$3"; cat "$tmp/rbody"; } > "$corpus/fuzz_model/real-$1"; }
	rmodel flavors-list 80 e8 "$nova/flavors/detail"
	rmodel servers-list 82 e8 "$nova/servers/detail"
	rmodel keypairs-list 83 e8 "$nova/os-keypairs"
	rmodel limits 04 00 "$nova/limits"
	rmodel images-list 81 e8 "${glance%/}/v2/images"
	rget "$nova/servers/no-such-server" && cp "$tmp/rbody" "$corpus/fuzz_api_error/real-nova-404.json"
	rget "${glance%/}/v2/images/no-such-image" && cp "$tmp/rbody" "$corpus/fuzz_api_error/real-glance-404.json"
); then
	echo "captured the real cloud's answers too"
fi
ls -l "$corpus"/*/ | awk '$5 > 16384 {print "large seed:", $0}'
echo "captured into $corpus"
