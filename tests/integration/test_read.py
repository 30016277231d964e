"""The read path through a real mount: what ls, cat, grep, stat and
readlink show, checked against the cloud's own answers and against the
number of API requests made."""
import json
import os
import stat
import subprocess
import time

import pytest

from harness import sh


def encoded(name):
    out = name.replace("%", "%25").replace("/", "%2F")
    if out.startswith("."):
        out = "%2E" + out[1:]
    return out or "%00"


def expected_names(resources, key="created"):
    """File names DESIGN.md promises: encoded; the oldest keeps a shared
    name, the others get ~<first 8 chars of id>; no name means the id."""
    groups = {}
    for r in resources:
        base = encoded(r["name"]) if r.get("name") is not None else r["id"]
        groups.setdefault(base, []).append(r)
    names = set()
    for base, rs in groups.items():
        rs.sort(key=lambda r: (r.get(key) or "", r["id"]))
        names.add(base)
        names.update(base + "~" + r["id"][:8] for r in rs[1:])
    return names


# the kinds shown besides Nova's and Glance's, by the catalog type of their service
OPTIONAL_KINDS = {"network": ["floating_ips", "networks", "ports", "security_groups", "subnets"],
                  "block-storage": ["volumes"], "volumev3": ["volumes"]}


def test_root_lists_every_kind_the_catalog_has(cloud, mnt):
    want = {".openstackfs", "flavors", "images", "keypairs", "limits", "servers"}
    for svc, kinds in OPTIONAL_KINDS.items():
        if svc in cloud.client.catalog:
            want.update(kinds)
    assert sorted(os.listdir(mnt.path)) == sorted(want)
    assert sorted(os.listdir(mnt.p(".openstackfs"))) == [
        "cloud", "events", "generation", "live", "log", "pid", "stats", "version"]
    assert os.listdir(mnt.p(".openstackfs", "live")) == []   # where walks find nothing


def test_ls_servers_matches_the_cloud(cloud, mnt):
    servers = cloud.client.servers()
    out = mnt.sh("ls servers | wc -l").stdout.strip()
    assert int(out) == len(servers)
    assert set(os.listdir(mnt.p("servers"))) == expected_names(servers) | {".by-id"}


def test_flavor_files_hold_one_value_each(cloud, mnt):
    assert mnt.read("flavors", "m1.tiny", "ram") == "512\n"
    for f in cloud.client.flavors():
        d = mnt.p("flavors", encoded(f["name"]))
        assert mnt.read(d, "id") == f["id"] + "\n"
        assert mnt.read(d, "vcpus") == "%d\n" % f["vcpus"]
        assert mnt.read(d, "disk") == "%d\n" % f["disk"]
        for k, v in (f.get("extra_specs") or {}).items():
            assert mnt.read(d, "extra_specs", k) == v + "\n"


def test_grep_finds_every_active_server_with_few_requests(cloud, mount):
    m = mount()
    before = m.stats()["requests.compute"]
    if cloud.emu:
        cloud.emu.reset()
    out = m.sh("grep -rl ACTIVE servers/*/status", timeout=120).stdout.split()
    made = m.stats()["requests.compute"] - before
    emu_made = cloud.emu.count("GET /compute/v2.1/servers/detail") if cloud.emu else None
    servers = cloud.client.servers()
    active = {s["id"] for s in servers if s["status"] == "ACTIVE"}
    got = {m.read(os.path.dirname(p), "id").strip() for p in out}
    assert got == active
    pages = len(servers) // 1000 + 1
    assert made <= pages
    if cloud.emu:
        assert emu_made <= pages


def test_server_files_match_the_api(cloud, mnt):
    s = cloud.client.servers()[0]
    d = os.readlink(mnt.p("servers", ".by-id", s["id"]))
    base = mnt.p("servers", os.path.basename(d))
    assert mnt.read(base, "id") == s["id"] + "\n"
    assert mnt.read(base, "status") == s["status"] + "\n"
    assert mnt.read(base, "created") == s["created"] + "\n"
    assert mnt.read(base, "power_state") == "%d\n" % s["OS-EXT-STS:power_state"]
    doc = json.loads(mnt.read(base, "json"))
    assert doc["id"] == s["id"] and doc["name"] == s["name"]
    for k, v in s.get("metadata", {}).items():
        assert mnt.read(base, "metadata", k) == v + "\n"


def test_sizes_are_true(cloud, mnt):
    s = cloud.client.servers()[0]
    base = mnt.p("servers", ".by-id", s["id"])
    for f in ("status", "name", "json", "flavor", "addresses"):
        p = os.path.join(base, f)
        with open(p, "rb") as fh:
            data = fh.read()
        assert os.stat(p).st_size == len(data), f
        assert data.endswith(b"\n")
    for f in os.listdir(mnt.p("flavors", "m1.tiny")):
        p = mnt.p("flavors", "m1.tiny", f)
        if os.path.isfile(p):
            assert os.stat(p).st_size == len(open(p, "rb").read())


def test_by_id_links_point_at_the_named_directory(cloud, mnt):
    for kind, items in (("servers", cloud.client.servers()[:20]), ("images", cloud.client.images()),
                        ("flavors", cloud.client.flavors())):
        for r in items:
            link = mnt.p(kind, ".by-id", r["id"])
            assert stat.S_ISLNK(os.lstat(link).st_mode)
            target = os.readlink(link)
            assert target.startswith("../")
            assert mnt.read(kind, target[3:], "id") == r["id"] + "\n"


def test_image_names_are_encoded_and_disambiguated(cloud, mnt):
    images = cloud.client.images()
    assert set(os.listdir(mnt.p("images"))) == expected_names(images, key="created_at") | {".by-id"}
    names = [i["name"] for i in images]
    dup = next((n for n in names if n is not None and names.count(n) > 1), None)
    if dup is not None:
        same = sorted((i for i in images if i["name"] == dup), key=lambda i: (i["created_at"], i["id"]))
        assert mnt.read("images", encoded(dup), "id") == same[0]["id"] + "\n"
        assert mnt.read("images", encoded(dup) + "~" + same[1]["id"][:8], "id") == same[1]["id"] + "\n"


def test_tricky_server_names(cloud, mnt):
    if not cloud.emu:
        pytest.skip("the emulator seeds servers named a/b, 100% and two named dup")
    assert mnt.read("servers", "a%2Fb", "name") == "a/b\n"
    assert mnt.read("servers", "100%25", "name") == "100%\n"
    dups = sorted((s for s in cloud.client.servers() if s["name"] == "dup"),
                  key=lambda s: (s["created"], s["id"]))
    assert mnt.read("servers", "dup", "id") == dups[0]["id"] + "\n"
    assert mnt.read("servers", "dup~" + dups[1]["id"][:8], "id") == dups[1]["id"] + "\n"


def test_limits_and_keypairs(cloud, mnt):
    status, body = cloud.client.request("GET", "compute", "/limits")
    absolute = body["limits"]["absolute"]
    assert set(os.listdir(mnt.p("limits"))) == set(absolute) | {"json"}
    assert mnt.read("limits", "maxTotalInstances") == "%d\n" % absolute["maxTotalInstances"]
    for kp in cloud.client.keypairs():
        assert mnt.read("keypairs", kp["name"], "fingerprint") == kp["fingerprint"] + "\n"
        assert mnt.read("keypairs", kp["name"], "public_key").strip() == kp["public_key"].strip()


def test_meta_files(cloud, mnt):
    assert mnt.read(".openstackfs", "version").startswith("openstackfs ")
    assert "auth_url " + cloud.env["OS_AUTH_URL"] in mnt.read(".openstackfs", "cloud")
    mnt.sh("cat flavors/m1.tiny/ram")
    st = mnt.stats()
    assert st["requests.identity"] >= 1 and st["requests.compute"] >= 1
    assert "cache.hits" in st and "errors" in st


def test_two_listings_within_ttl_make_one_request(emu, mount):
    m = mount("ttl=60")
    emu.reset()
    m.sh("ls flavors >/dev/null; ls flavors >/dev/null; cat flavors/*/ram >/dev/null")
    assert emu.count("GET /compute/v2.1/flavors/detail") == 1


def test_stale_listing_is_fetched_again(emu, mount):
    m = mount("ttl_flavors=1")
    m.sh("ls flavors >/dev/null")
    emu.reset()
    m.sh("sleep 1.3; ls flavors >/dev/null")
    # between one and two TTLs the reader is answered at once and the
    # listing is fetched behind it: wait for that fetch, then count
    key = "GET /compute/v2.1/flavors/detail"
    deadline = time.monotonic() + 10
    while emu.count(key) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert emu.count(key) == 1


def test_concurrent_readers_share_one_fetch(emu, mount):
    m = mount("ttl_servers=1")
    emu.reset()
    emu.fault(path="/servers/detail", delay=1.0, count=-1)
    procs = [subprocess.Popen(["ls", m.p("servers")], stdout=subprocess.DEVNULL) for _ in range(8)]
    for p in procs:
        assert p.wait(timeout=60) == 0
    emu.clear_faults()
    pages = len(os.listdir(m.p("servers"))) // 1000 + 1
    assert emu.count("GET /compute/v2.1/servers/detail") == pages


def test_concurrent_readers_of_a_stale_listing_share_one_delta(emu, mount):
    m = mount("ttl_servers=1")
    m.sh("ls servers >/dev/null")
    sh("sleep 1.3")
    emu.reset()
    emu.fault(path="/servers/detail", delay=1.0, count=-1)
    procs = [subprocess.Popen(["ls", m.p("servers")], stdout=subprocess.DEVNULL) for _ in range(8)]
    for p in procs:
        assert p.wait(timeout=60) == 0
    time.sleep(1.2)  # the refresh runs behind the readers
    emu.clear_faults()
    reqs = [r for r in emu.call("GET", "/_emu/requests?last=100")["requests"]
            if r["key"] == "GET /compute/v2.1/servers/detail"]
    assert len(reqs) == 1 and "changes-since=" in reqs[0]["path"], [r["path"] for r in reqs]


def test_token_is_reused(emu, mount):
    m = mount()
    emu.reset()
    m.sh("cat flavors/*/ram images/*/status limits/maxTotalCores >/dev/null")
    assert emu.count("POST /identity/v3/auth/tokens") == 0


def test_revoked_token_is_replaced(cloud, mount):
    if not cloud.emu:
        pytest.skip("the real-cloud variant lives in test_realcloud.py")
    m = mount("ttl=1")
    m.sh("ls flavors >/dev/null")
    before = {t["id"] for t in cloud.emu.tokens()["tokens"]}
    assert cloud.emu.call("POST", "/_emu/revoke")["revoked"] >= 1
    sh("sleep 2.2")  # older than twice the TTL: the read waits for a refresh
    assert m.read("flavors", "m1.tiny", "ram") == "512\n"
    assert m.stats()["reauths"] >= 1
    # the cloud's own view: a new token was issued and the read used it
    new = [t for t in cloud.emu.tokens()["tokens"] if t["id"] not in before]
    assert [t for t in new if not t["revoked"] and t["uses"] >= 1], new


def test_no_secret_in_debug_log(cloud, mount):
    m = mount(debug=True)
    m.sh("ls servers >/dev/null; cat flavors/m1.tiny/ram; cat servers/*/status >/dev/null", timeout=60)
    m.unmount()
    log = m.output()
    assert "GET" in log  # the debug log really logs calls
    assert cloud.env["OS_PASSWORD"] not in log
    if cloud.emu:
        for t in cloud.emu.tokens()["tokens"]:
            assert t["id"] not in log


def settled_active(cloud):
    """An ACTIVE server with no task under way, from the cloud's view."""
    return next(s for s in cloud.client.servers() if s["status"] == "ACTIVE"
                and not s["OS-EXT-STS:task_state"] and s["name"].startswith(("srv-", "osfs-seed")))


def test_read_only_mount_refuses_writes(cloud, mount):
    s = settled_active(cloud)
    m = mount("ro")
    assert m.read("flavors", "m1.tiny", "ram") == "512\n"
    r = m.sh("mkdir servers/x", check=False)
    assert r.returncode != 0 and "Read-only file system" in r.stderr
    r = m.sh("echo reboot > servers/%s/ctl" % s["name"], check=False)
    assert r.returncode != 0 and "Read-only file system" in r.stderr
    after = cloud.client.server(s["id"])
    assert after["updated"] == s["updated"] and not after["OS-EXT-STS:task_state"]


def test_reboot_through_ctl_reboots_in_the_cloud(cloud, mount):
    """The same write as above on a writable mount does reach the cloud."""
    s = settled_active(cloud)
    m = mount()
    m.sh("echo reboot > servers/%s/ctl" % s["name"])
    after = cloud.client.wait_server(s["id"], lambda x: x["updated"] != s["updated"], timeout=60)
    assert after["OS-EXT-STS:task_state"] in ("rebooting", "reboot_pending", "reboot_started", None)
    cloud.client.wait_server(s["id"], lambda x: x["status"] == "ACTIVE"
                             and not x["OS-EXT-STS:task_state"], timeout=300)


def test_json_changed_in_the_cloud_reads_whole(cloud, mount):
    s = settled_active(cloud)
    m = mount("ttl=4")
    name, value = s["name"], "grown-" + "x" * 200
    m.sh("ls servers >/dev/null")
    t0 = time.time()
    sh("sleep 2.5")
    os.stat(m.p("servers", name, "json"))  # the kernel caches this size
    path = "/servers/%s/metadata/osfs-grow" % s["id"]
    status, _ = cloud.client.request("PUT", "compute", path, {"meta": {"osfs-grow": value}})
    assert status == 200
    try:
        time.sleep(max(0, t0 + 4.3 - time.time()))
        m.sh("ls servers >/dev/null")  # stale: refreshed behind this reader
        texts = []
        deadline = time.time() + 10
        while time.time() < deadline:
            texts.append(m.read("servers", name, "json"))
            if "osfs-grow" in texts[-1]:
                break
            time.sleep(0.2)
    finally:
        cloud.client.request("DELETE", "compute", path)
    # every read is whole JSON, never cut at the size the kernel had cached
    assert all(json.loads(t) for t in texts)
    assert json.loads(texts[-1])["metadata"]["osfs-grow"] == value


def read_slowly(path, piece=300, pause=0.003):
    """Read a file in small pieces with pauses, as a slow reader would."""
    fd = os.open(path, os.O_RDONLY)
    parts = []
    try:
        while True:
            b = os.read(fd, piece)
            if not b:
                return b"".join(parts).decode()
            parts.append(b)
            time.sleep(pause)
    finally:
        os.close(fd)


def test_a_slow_reader_reads_one_version_while_the_cloud_changes(cloud, mount):
    """Each open reads the content it began with to its end, like a file
    replaced by rename, and the next open shows the newer one."""
    s = settled_active(cloud)
    m = mount("ttl=1")
    path = "/servers/%s/metadata/osfs-churn" % s["id"]
    texts, stop = [], time.time() + 8
    try:
        for i in range(10 ** 6):
            if time.time() > stop:
                break
            value = "v%d-" % i + "y" * (i * 37 % 200)
            status, _ = cloud.client.request("PUT", "compute", path, {"meta": {"osfs-churn": value}})
            assert status == 200
            for _ in range(3):
                texts.append(read_slowly(m.p("servers", s["name"], "json")))
        last = value
        deadline = time.time() + 10
        while json.loads(m.read("servers", s["name"], "json"))["metadata"].get("osfs-churn") != last:
            assert time.time() < deadline, "the last value never showed"
            time.sleep(0.2)
    finally:
        cloud.client.request("DELETE", "compute", path)
    torn = [t[-120:] for t in texts if not parses(t)]
    assert not torn, "%d of %d reads were torn: %r" % (len(torn), len(texts), torn[:2])


def parses(text):
    try:
        json.loads(text)
        return True
    except ValueError:
        return False


def test_clouds_yaml_and_env_override(cloud, mount, tmp_path):
    if cloud.clouds_yaml:
        path = cloud.clouds_yaml
        name = "realcloud"
    else:
        path = tmp_path / "clouds.yaml"
        path.write_text(
            "clouds:\n  emu:\n    auth:\n      auth_url: %s\n      username: demo\n"
            "      password: wrong-password\n      project_name: demo\n"
            "      user_domain_name: Default\n      project_domain_name: Default\n"
            "    region_name: RegionOne\n" % cloud.env["OS_AUTH_URL"])
        path.chmod(0o600)
        name = "emu"
    # the env password wins over the file's, as with the openstack CLI
    env = {"OS_CLIENT_CONFIG_FILE": str(path), "OS_PASSWORD": cloud.env["OS_PASSWORD"]}
    m = mount(env=env, args=["--cloud", name])
    assert m.read("flavors", "m1.tiny", "ram") == "512\n"
    assert "cloud %s" % name in m.read(".openstackfs", "cloud")
    assert "openstackfs:%s" % name in open("/proc/mounts").read()


def test_readdir_of_a_server_lists_its_files(cloud, mnt):
    s = cloud.client.servers()[0]
    files = set(os.listdir(mnt.p("servers", ".by-id", s["id"])))
    for f in ("id", "name", "status", "task_state", "vm_state", "power_state", "flavor", "image",
              "addresses", "key_name", "created", "updated", "host_id", "fault", "metadata",
              "console.log", "ctl", "json"):
        assert f in files
