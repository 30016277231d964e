"""The emulator must answer the requests openstackfs makes as the real
cloud does: same status codes, same headers present, same field names and
JSON types.  Every difference fails until the emulator is fixed."""
import json
import time
import urllib.error
import urllib.parse
import urllib.request


from fixtures import realcloud_admin_env
from harness import Emulator
from osclient import Client

MV = {"OpenStack-API-Version": "compute 2.93", "X-OpenStack-Nova-API-Version": "2.93"}
HEADERS_OF_INTEREST = ("x-subject-token", "x-openstack-request-id", "x-compute-request-id",
                       "openstack-api-version", "location", "www-authenticate", "content-type")


# Objects whose keys are the user's data, not the API's field names
DATA_MAPS = {"metadata", "extra_specs", "addresses", "properties"}
# Glance's base image properties; any other top-level key is user data
IMAGE_BASE = {"id", "name", "status", "visibility", "protected", "os_hidden", "checksum",
              "os_hash_algo", "os_hash_value", "owner", "size", "virtual_size",
              "container_format", "disk_format", "created_at", "updated_at", "tags",
              "min_disk", "min_ram", "self", "file", "schema", "locations", "direct_url", "stores"}


def merge(into, more):
    """Deep union of two shapes (list items differ in optional keys)."""
    for k, v in more.items():
        if isinstance(into.get(k), dict) and isinstance(v, dict):
            merge(into[k], v)
        elif k not in into or into[k] == "null":
            into[k] = v


def shape(v, key=None):
    """The structure of a JSON value: types, and keys of objects."""
    if isinstance(v, dict) and key in DATA_MAPS:
        merged = {}
        for x in v.values():
            merged["*"] = shape(x)
        return merged
    if isinstance(v, dict) and key == "images[]":
        v = {k: x for k, x in v.items() if k in IMAGE_BASE}
    if isinstance(v, dict):
        return {k: shape(x, k) for k, x in v.items()}
    if isinstance(v, list):
        merged = {}
        for x in v:
            s = shape(x, key + "[]" if key else None)
            if isinstance(s, dict):
                merge(merged, s)
            else:
                merged[s] = None
        return [merged]
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if v is None:
        return "null"
    return "string"


def differences(a, b, path=""):
    """Where the real shape `a` and the emulator's `b` disagree."""
    out = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in b:
                out.append("%s/%s: missing in the emulator" % (path, k))
            elif k not in a:
                out.append("%s/%s: only in the emulator" % (path, k))
            else:
                out += differences(a[k], b[k], path + "/" + k)
    elif isinstance(a, list) and isinstance(b, list):
        if a[0] and b[0]:
            out += differences(a[0], b[0], path + "[]")
    elif a != b and "null" not in (a, b):
        out.append("%s: real %s, emulator %s" % (path, json.dumps(a)[:80], json.dumps(b)[:80]))
    return out


def call(client, method, service, path, body=None, headers=None, raw_url=None):
    h = {"Accept": "application/json"}
    if client.token:
        h["X-Auth-Token"] = client.token
    if body is not None:
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    url = raw_url or client.catalog[service] + path
    req = urllib.request.Request(url, method=method, headers=h,
                                 data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            status, hdrs, data = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, data = e.code, e.headers, e.read()
    try:
        doc = json.loads(data) if data else None
    except ValueError:
        doc = "<not json>"
    present = sorted(h for h in HEADERS_OF_INTEREST if hdrs.get(h) is not None)
    return status, present, doc


def requests_we_make(real, emu):
    """(label, function(client, ids) -> (status, headers, body))."""
    def server_id(c):
        return next(s["id"] for s in c.servers() if s["name"] == "osfs-seed-a")

    def image_root(c):
        r = c.catalog["image"]
        return r[:-3] if r.endswith("/v2") else r

    return [
        ("servers detail", lambda c: call(c, "GET", "compute", "/servers/detail?name=%5Eosfs-seed-a%24", headers=MV)),
        ("servers by name", lambda c: call(c, "GET", "compute", "/servers/detail?name=%5Eosfs%24", headers=MV)),
        ("server show", lambda c: call(c, "GET", "compute", "/servers/" + server_id(c), headers=MV)),
        ("server 404", lambda c: call(c, "GET", "compute", "/servers/00000000-0000-0000-0000-000000000000", headers=MV)),
        ("flavors detail", lambda c: call(c, "GET", "compute", "/flavors/detail?limit=1000", headers=MV)),
        ("keypairs", lambda c: call(c, "GET", "compute", "/os-keypairs?limit=1000", headers=MV)),
        ("limits", lambda c: call(c, "GET", "compute", "/limits", headers=MV)),
        ("images", lambda c: call(c, "GET", "image", "", raw_url=image_root(c) + "/v2/images?limit=1000")),
        ("image 404", lambda c: call(c, "GET", "image", "", raw_url=image_root(c) + "/v2/images/00000000-0000-0000-0000-000000000000")),
        ("bad flavor boot", lambda c: call(c, "POST", "compute", "/servers", headers=MV, body={
            "server": {"name": "x", "flavorRef": "no-such-flavor", "imageRef": c.images()[0]["id"],
                       "networks": "none"}})),
        ("start an active server", lambda c: call(c, "POST", "compute", "/servers/%s/action" % next(
            s["id"] for s in c.servers() if s["status"] == "ACTIVE"), headers=MV, body={"os-start": None})),
        ("unknown action", lambda c: call(c, "POST", "compute", "/servers/%s/action" % server_id(c),
                                          headers=MV, body={"explode": None})),
        ("bad token", lambda c: call(tokenless(), "GET", "compute", "",
                                     raw_url=c.catalog["compute"] + "/flavors/detail",
                                     headers=dict(MV, **{"X-Auth-Token": "not-a-token"}))),
    ]


def tokenless():
    fake = Client.__new__(Client)
    fake.token = None
    return fake


def token_request(env):
    url = env["OS_AUTH_URL"].rstrip("/")
    url = url if url.endswith("/v3") else url + "/v3"
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": env["OS_USERNAME"], "password": env["OS_PASSWORD"], "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": env["OS_PROJECT_NAME"], "domain": {"name": "Default"}}}}}
    return call(tokenless(), "POST", "identity", "", body=body, raw_url=url + "/auth/tokens")


def seed_like_the_real_one(ec, cloud):
    """On the emulator (client ec), a server made as the real cloud's seed was."""
    flavor = next(f["id"] for f in ec.flavors() if f["name"] == cloud.flavor)
    image = next(i["id"] for i in ec.images() if i["name"] == cloud.image)
    status, body = ec.request("POST", "compute", "/servers", {"server": {
        "name": "osfs-seed-a", "flavorRef": flavor, "imageRef": image, "networks": "none",
        "metadata": {"seeded-by": "openstackfs-tests"}}})
    assert status == 202, body
    ec.wait_server(body["server"]["id"], lambda s: s["status"] == "ACTIVE", timeout=30)


def test_emulator_answers_like_the_real_cloud(cloud):
    emu = Emulator(servers=3)
    try:
        ec = Client(emu.env())
        rc = cloud.client
        # other tests (rm -rf) may have removed the real seed's metadata
        real_seed = next(x["id"] for x in rc.servers() if x["name"] == "osfs-seed-a")
        rc.request("POST", "compute", "/servers/%s/metadata" % real_seed,
                   {"metadata": {"seeded-by": "openstackfs-tests"}})
        # a server made as the real one was (no network) to compare with it
        seed_like_the_real_one(ec, cloud)
        diffs = []
        pairs = [("token", token_request(cloud.env), token_request(emu.env()))]
        for label, fn in requests_we_make(rc, ec):
            pairs.append((label, fn(rc), fn(ec)))
        for label, (rs, rh, rb), (es, eh, eb) in pairs:
            if rs != es:
                diffs.append("%s: status real %s, emulator %s" % (label, rs, es))
            for h in set(rh) ^ set(eh):
                diffs.append("%s: header %s %s" % (label, h, "only real" if h in rh else "only emulator"))
            diffs += ["%s: %s" % (label, d) for d in differences(shape(rb), shape(eb))]
        assert not diffs, "\n" + "\n".join(diffs)
    finally:
        emu.stop()


def changes_since_answers(c, flavor, image):
    """What a delta refresh sees on cloud c: a server changed and a server
    deleted after T, then a future T and an unparsable one."""
    time.sleep(1.05 - time.time() % 1)
    t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    quoted = urllib.parse.quote(t)
    seed = next(x["id"] for x in c.servers() if x["name"] == "osfs-seed-a")
    status, body = c.request("POST", "compute", "/servers/%s/metadata" % seed,
                             {"metadata": {"delta-probe": t}})
    assert status == 200, (status, body)
    status, body = c.request("POST", "compute", "/servers", {"server": {
        "name": "osfs-delta-gone", "flavorRef": flavor, "imageRef": image, "networks": "none"}})
    assert status == 202, (status, body)
    gone = body["server"]["id"]
    c.wait_server(gone, lambda s: s and s["status"] in ("ACTIVE", "ERROR"), timeout=300)
    assert c.request("DELETE", "compute", "/servers/" + gone)[0] == 204
    c.wait_server(gone, lambda s: s is None, timeout=300)
    answer = call(c, "GET", "compute", "/servers/detail?changes-since=%s&limit=1000" % quoted,
                  headers=MV)
    seen = {s["id"]: s["status"] for s in (answer[2] or {}).get("servers", [])}
    future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
    return {
        "delta": answer,
        "seen": (seen.get(seed), seen.get(gone)),
        "future": call(c, "GET", "compute", "/servers/detail?changes-since=" + future, headers=MV),
        "bad": call(c, "GET", "compute", "/servers/detail?changes-since=not-a-time", headers=MV)[0],
    }


def test_changes_since_answers_like_the_real_cloud(cloud):
    emu = Emulator(servers=3)
    try:
        ec, rc = Client(emu.env()), cloud.client
        status, body = ec.request("POST", "compute", "/servers", {"server": {
            "name": "osfs-seed-a", "networks": "none",
            "flavorRef": next(f["id"] for f in ec.flavors() if f["name"] == cloud.flavor),
            "imageRef": next(i["id"] for i in ec.images() if i["name"] == cloud.image)}})
        assert status == 202, body
        ec.wait_server(body["server"]["id"], lambda s: s["status"] == "ACTIVE", timeout=30)
        answers = []
        for c in (rc, ec):
            flavor = next(f["id"] for f in c.flavors() if f["name"] == cloud.flavor)
            image = next(i["id"] for i in c.images() if i["name"] == cloud.image)
            answers.append(changes_since_answers(c, flavor, image))
        real, em = answers
        assert real["seen"] == ("ACTIVE", "DELETED"), real["seen"]
        assert em["seen"] == real["seen"]
        assert real["future"][0] == em["future"][0] == 200
        assert real["future"][2] == em["future"][2] == {"servers": []}
        assert em["bad"] == real["bad"] == 400
        rs, rh, rb = real["delta"]
        es, eh, eb = em["delta"]
        assert (es, eh) == (rs, rh)
        diffs = differences(shape(rb), shape(eb))
        assert not diffs, "\n" + "\n".join(diffs)
    finally:
        emu.stop()


# ---------------------------------------------------------------------------
# Neutron, Cinder, and Nova's network/volume requests (issue 11)
# ---------------------------------------------------------------------------

VOL = {"OpenStack-API-Version": "volume 3.70"}
ZERO = "00000000-0000-4000-8000-000000000000"


def wait_for(fn, timeout=120, interval=0.5):
    deadline = time.time() + timeout
    while True:
        value = fn()
        if value:
            return value
        assert time.time() < deadline, "condition not met in %s s" % timeout
        time.sleep(interval)


def service_root(c, service, suffix):
    url = c.catalog[service]
    return url[:-len(suffix)] if url.endswith(suffix) else url


def neutron_volume_answers(c, flavor, image):
    """Every new request a user of the mount causes, made on cloud c in one
    order: [(label, (status, headers, body))].  Cleans up after itself."""
    out = []
    made = {"ports": [], "security-groups": [], "networks": [], "floatingips": [],
            "servers": [], "volumes": []}

    def ask(label, method, service, path, body=None, headers=None, raw_url=None):
        answer = call(c, method, service, path, body=body, headers=headers, raw_url=raw_url)
        out.append((label, answer))
        return answer

    def net_id(name):
        return c.request("GET", "network", "/v2.0/networks?name=" + name)[1]["networks"][0]["id"]

    def volume_status(vid):
        status, body = c.request("GET", "block-storage", "/volumes/" + vid, headers=VOL)
        return body["volume"]["status"] if status == 200 else None

    project = c.catalog["block-storage"].rstrip("/").rsplit("/", 1)[-1]
    try:
        # neutron reads
        ask("neutron versions", "GET", "network", "", raw_url=c.catalog["network"] + "/")
        ask("networks by name", "GET", "network", "/v2.0/networks?name=private")
        ask("networks page", "GET", "network", "/v2.0/networks?limit=1")
        private, public = net_id("private"), net_id("public")
        ask("subnets of a network", "GET", "network", "/v2.0/subnets?network_id=" + private)
        ask("network 404", "GET", "network", "/v2.0/networks/" + ZERO)
        ask("default security group", "GET", "network", "/v2.0/security-groups?name=default")
        ask("routers", "GET", "network", "/v2.0/routers?name=router1")
        # neutron deltas: no time filter or sort, revisions and ids instead
        ask("ports changed since", "GET", "network", "/v2.0/ports?changed_since=2026-01-01T00:00:00Z")
        ask("ports sorted by updated_at", "GET", "network",
            "/v2.0/ports?sort_key=updated_at&sort_dir=asc")
        ask("networks revisions", "GET", "network",
            "/v2.0/networks?limit=10000&fields=id&fields=revision_number")
        ask("networks by ids", "GET", "network",
            "/v2.0/networks?limit=1000&id=%s&id=%s" % (private, public))
        # neutron writes
        sg = ask("security group create", "POST", "network", "/v2.0/security-groups",
                 {"security_group": {"name": "osfs-conf-sg", "description": "conformance"}})
        sg_id = sg[2]["security_group"]["id"]
        made["security-groups"].append(sg_id)
        rule = {"security_group_rule": {"security_group_id": sg_id, "direction": "ingress",
                                        "protocol": "tcp", "port_range_min": 22,
                                        "port_range_max": 22,
                                        "remote_ip_prefix": "0.0.0.0/0"}}
        ask("rule create", "POST", "network", "/v2.0/security-group-rules", rule)
        ask("rule duplicate", "POST", "network", "/v2.0/security-group-rules", rule)
        port = ask("port create", "POST", "network", "/v2.0/ports",
                   {"port": {"network_id": private, "name": "osfs-conf-port"}})
        port_id = port[2]["port"]["id"]
        made["ports"].append(port_id)
        ask("port rename", "PUT", "network", "/v2.0/ports/" + port_id,
            {"port": {"name": "osfs-conf-port2"}})
        fip = ask("floating ip create", "POST", "network", "/v2.0/floatingips",
                  {"floatingip": {"floating_network_id": public, "port_id": port_id}})
        fip_id = fip[2]["floatingip"]["id"]
        made["floatingips"].append(fip_id)
        ask("floating ip disassociate", "PUT", "network", "/v2.0/floatingips/" + fip_id,
            {"floatingip": {"port_id": None}})
        ask("floating ip on a non-external network", "POST", "network", "/v2.0/floatingips",
            {"floatingip": {"floating_network_id": private}})
        ask("floating ip delete", "DELETE", "network", "/v2.0/floatingips/" + fip_id)
        made["floatingips"].remove(fip_id)
        # nova on neutron
        boot = ask("boot on a port", "POST", "compute", "/servers", headers=MV, body={
            "server": {"name": "osfs-conf-vm", "flavorRef": flavor, "imageRef": image,
                       "networks": [{"port": port_id}]}})
        sid = boot[2]["server"]["id"]
        made["servers"].append(sid)
        c.wait_server(sid, lambda s: s and s["status"] in ("ACTIVE", "ERROR"), timeout=300)
        ask("ports of a server", "GET", "network", "/v2.0/ports?device_id=" + sid)
        ask("server on a network", "GET", "compute", "/servers/" + sid, headers=MV)
        ask("add security group", "POST", "compute", "/servers/%s/action" % sid, headers=MV,
            body={"addSecurityGroup": {"name": "osfs-conf-sg"}})
        ask("remove security group", "POST", "compute", "/servers/%s/action" % sid, headers=MV,
            body={"removeSecurityGroup": {"name": "osfs-conf-sg"}})
        ask("add unknown security group", "POST", "compute", "/servers/%s/action" % sid,
            headers=MV, body={"addSecurityGroup": {"name": "osfs-conf-nope"}})
        acts = ask("instance actions", "GET", "compute", "/servers/%s/os-instance-actions" % sid,
                   headers=MV)
        rid = acts[2]["instanceActions"][-1]["request_id"]
        ask("instance action", "GET", "compute",
            "/servers/%s/os-instance-actions/%s" % (sid, rid), headers=MV)
        # a second network for demo: a boot naming none is ambiguous
        extra = c.request("POST", "network", "/v2.0/networks",
                          {"network": {"name": "osfs-conf-net"}})[1]["network"]["id"]
        made["networks"].append(extra)
        ask("boot with two networks and none named", "POST", "compute", "/servers", body={
            "server": {"name": "osfs-conf-x", "flavorRef": flavor, "imageRef": image}})
        # cinder
        ask("cinder versions", "GET", "block-storage", "",
            raw_url=service_root(c, "block-storage", "/v3/" + project) + "/")
        vol = ask("volume create", "POST", "block-storage", "/volumes", headers=VOL,
                  body={"volume": {"size": 1, "name": "osfs-conf-vol"}})
        vid = vol[2]["volume"]["id"]
        made["volumes"].append(vid)
        wait_for(lambda: volume_status(vid) == "available")
        ask("volume show", "GET", "block-storage", "/volumes/" + vid, headers=VOL)
        ask("volume show at 3.0", "GET", "block-storage", "/volumes/" + vid)
        ask("volumes page", "GET", "block-storage", "/volumes/detail?limit=1", headers=VOL)
        ask("volume 404", "GET", "block-storage", "/volumes/" + ZERO, headers=VOL)
        v360 = {"OpenStack-API-Version": "volume 3.60"}
        ask("volumes updated since", "GET", "block-storage",
            "/volumes/detail?limit=1000&updated_at=gte%3A2000-01-01T00%3A00%3A00Z", headers=v360)
        ask("volumes updated later", "GET", "block-storage",
            "/volumes/detail?limit=1000&updated_at=gte%3A2100-01-01T00%3A00%3A00Z", headers=v360)
        ask("volumes bad time filter", "GET", "block-storage",
            "/volumes/detail?updated_at=gte%3Agarbage", headers=v360)
        ask("volume count", "GET", "block-storage", "/volumes?limit=0&with_count=true",
            headers=v360)
        ask("volume count at 3.44", "GET", "block-storage", "/volumes?limit=0&with_count=true",
            headers={"OpenStack-API-Version": "volume 3.44"})
        ask("volume microversion too high", "GET", "block-storage", "/volumes",
            headers={"OpenStack-API-Version": "volume 3.71"})
        ask("volume types", "GET", "block-storage", "/types", headers=VOL)
        ask("attach", "POST", "compute", "/servers/%s/os-volume_attachments" % sid,
            headers=MV, body={"volumeAttachment": {"volumeId": vid}})
        wait_for(lambda: volume_status(vid) == "in-use")
        ask("attachments", "GET", "compute", "/servers/%s/os-volume_attachments" % sid,
            headers=MV)
        ask("volume in use", "GET", "block-storage", "/volumes/" + vid, headers=VOL)
        ask("delete a volume in use", "DELETE", "block-storage", "/volumes/" + vid,
            headers=VOL)
        ask("detach", "DELETE", "compute",
            "/servers/%s/os-volume_attachments/%s" % (sid, vid), headers=MV)
        wait_for(lambda: volume_status(vid) == "available")
        ask("volume delete", "DELETE", "block-storage", "/volumes/" + vid, headers=VOL)
        made["volumes"].remove(vid)
    finally:
        for sid in made["servers"]:
            c.request("DELETE", "compute", "/servers/" + sid)
            c.wait_server(sid, lambda s: s is None, timeout=300)
        for vid in made["volumes"]:
            c.request("DELETE", "block-storage", "/volumes/" + vid, headers=VOL)
        for coll in ("floatingips", "ports", "networks", "security-groups"):
            for oid in made[coll]:
                c.request("DELETE", "network", "/v2.0/%s/%s" % (coll, oid))
    return out


def test_neutron_and_cinder_answer_like_the_real_cloud(cloud):
    emu = Emulator(servers=3)
    try:
        ec, rc = Client(emu.env()), cloud.client
        answers = []
        for c in (rc, ec):
            flavor = next(f["id"] for f in c.flavors() if f["name"] == cloud.flavor)
            image = next(i["id"] for i in c.images() if i["name"] == cloud.image)
            answers.append(neutron_volume_answers(c, flavor, image))
        real, em = answers
        assert [label for label, _ in real] == [label for label, _ in em]
        diffs = []
        for (label, (rs, rh, rb)), (_, (es, eh, eb)) in zip(real, em):
            if rs != es:
                diffs.append("%s: status real %s, emulator %s" % (label, rs, es))
            for h in set(rh) ^ set(eh):
                diffs.append("%s: header %s %s" % (label, h, "only real" if h in rh else "only emulator"))
            diffs += ["%s: %s" % (label, d) for d in differences(shape(rb), shape(eb))]
        assert not diffs, "\n" + "\n".join(diffs)
    finally:
        emu.stop()


def admin_requests(c, member):
    """The admin APIs openstackfs reads (admin/) and writes, as the admin c
    and as the project member `member` (their 403)."""
    v87 = {"OpenStack-API-Version": "compute 2.87", "X-OpenStack-Nova-API-Version": "2.87"}
    ident = c.catalog["identity"]
    projects = ident + ("/projects" if ident.endswith("/v3") else "/v3/projects")
    scheduler = next(s["id"] for s in call(c, "GET", "compute", "/os-services", headers=MV)[2]["services"]
                     if s["binary"] == "nova-scheduler")
    out = [
        ("services", call(c, "GET", "compute", "/os-services", headers=MV)),
        ("hypervisors 2.87", call(c, "GET", "compute", "/os-hypervisors/detail?limit=1000", headers=v87)),
        ("hypervisors 2.93", call(c, "GET", "compute", "/os-hypervisors/detail?limit=1000", headers=MV)),
        ("aggregates", call(c, "GET", "compute", "/os-aggregates", headers=MV)),
        ("migrations", call(c, "GET", "compute", "/os-migrations?limit=1000", headers=MV)),
        ("projects", call(c, "GET", "identity", "", raw_url=projects)),
        ("all servers", call(c, "GET", "compute", "/servers/detail?all_tenants=1&name=%5Eosfs-seed-a%24",
                             headers=MV)),
        ("update a scheduler", call(c, "PUT", "compute", "/os-services/" + scheduler, headers=MV,
                                    body={"status": "disabled"})),
        ("update nothing", call(c, "PUT", "compute", "/os-services/" + scheduler, headers=MV, body={})),
    ]
    for label, path in (("member services", "/os-services"),
                        ("member hypervisors", "/os-hypervisors/detail"),
                        ("member migrations", "/os-migrations"),
                        ("member all servers", "/servers/detail?all_tenants=1")):
        out.append((label, call(member, "GET", "compute", path, headers=MV)))
    out.append(("member projects", call(member, "GET", "identity", "", raw_url=projects)))
    # quotas with usage: the admin reading demo's, demo refused the admin project's
    pids = {p["name"]: p["id"] for p in call(c, "GET", "identity", "", raw_url=projects)[2]["projects"]}
    volume = "volumev3" if "volumev3" in c.catalog else "block-storage"
    for who, cl, pid in (("", c, pids["demo"]), ("member ", member, pids["admin"])):
        out += [(who + "compute quota", call(cl, "GET", "compute", "/os-quota-sets/%s/detail" % pid,
                                             headers=MV)),
                (who + "network quota", call(cl, "GET", "network", "/v2.0/quotas/%s/details" % pid)),
                (who + "volume quota", call(cl, "GET", volume, "/os-quota-sets/%s?usage=true" % pid))]
    return out


def test_admin_apis_answer_like_the_real_cloud(cloud):
    real_admin = Client(realcloud_admin_env())
    emu = Emulator("--projects", "2", servers=3)
    try:
        emu_admin = Client(emu.env(OS_USERNAME="admin", OS_PASSWORD="adminpass",
                                   OS_PROJECT_NAME="admin"))
        ec = Client(emu.env())
        seed_like_the_real_one(ec, cloud)
        diffs = []
        for (label, (rs, rh, rb)), (_, (es, eh, eb)) in zip(admin_requests(real_admin, cloud.client),
                                                             admin_requests(emu_admin, ec)):
            if rs != es:
                diffs.append("%s: status real %s, emulator %s" % (label, rs, es))
            for h in set(rh) ^ set(eh):
                diffs.append("%s: header %s %s" % (label, h, "only real" if h in rh else "only emulator"))
            diffs += ["%s: %s" % (label, d) for d in differences(shape(rb), shape(eb))]
            if rs == es and rs >= 400 and isinstance(rb, dict) and isinstance(eb, dict):
                rm = json.dumps(rb).split('"message": ')[-1][:60]
                em = json.dumps(eb).split('"message": ')[-1][:60]
                if rm != em:
                    diffs.append("%s: message real %s, emulator %s" % (label, rm, em))
        assert not diffs, "\n" + "\n".join(diffs)
    finally:
        emu.stop()
