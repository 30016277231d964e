"""Freshness at the cost of what changed: once a listing is loaded, a stale
servers listing is brought up to date with Nova's changes-since; what did
not change keeps its mtime (and so the kernel's cached pages); state never
goes back in time; every observed change is a line in an `events` file.

The tests that need the emulator's request log or fault injection skip on
the real cloud; the rest run on both."""
import json
import os
import subprocess
import time

from harness import wait_for as wait_until

SERVERS = "GET /compute/v2.1/servers/detail"


def requests(emu, key=SERVERS):
    return [r for r in emu.call("GET", "/_emu/requests?last=10000")["requests"] if r["key"] == key]


def is_delta(req):
    return "changes-since=" in req["path"]


def some_server(cloud, status="ACTIVE"):
    servers = cloud.client.servers()
    count = {}
    for s in servers:
        count[s["name"]] = count.get(s["name"], 0) + 1
    return next(s for s in servers
                if s["status"] == status and not s["OS-EXT-STS:task_state"] and s["name"]
                and "/" not in s["name"] and not s["name"].startswith(".")
                and "%" not in s["name"] and count[s["name"]] == 1)


def test_warm_walks_ask_only_for_changes(emu, mount):
    m = mount("ttl_servers=1")
    n = len(m.sh("ls servers").stdout.split())
    emu.reset()
    for _ in range(3):
        m.sh("grep -l ACTIVE servers/*/status | wc -l", timeout=120)
        time.sleep(1.1)
    reqs = requests(emu)
    full = [r for r in reqs if not is_delta(r)]
    assert n > 0
    assert full == [], "full listings during warm walks: %s" % [r["path"] for r in full]
    assert reqs, "the walks never refreshed the listing"


def test_quiet_refresh_is_one_small_request(emu, cloud, mount):
    m = mount("ttl_servers=1")
    m.sh("ls servers >/dev/null")
    time.sleep(3.5)            # longer than any margin: nothing changed since
    m.sh("ls servers >/dev/null")
    emu.reset()
    time.sleep(1.1)
    m.sh("ls servers >/dev/null")
    time.sleep(0.3)            # the refresh runs behind the reader
    # every refresh (in the background, one a TTL) is one small delta
    reqs = requests(emu)
    assert reqs and all(is_delta(r) for r in reqs), [r["path"] for r in reqs]
    assert len(reqs) <= 3, [r["path"] for r in reqs]  # one a TTL, not one a read
    for r in reqs:
        status, body = cloud.client.request("GET", "compute", r["path"].split("/compute/v2.1", 1)[1])
        assert status == 200
        assert len(json.dumps(body)) < 2048, body


def test_a_stop_outside_the_mount_is_seen_within_two_ttls(cloud, mount):
    ttl = 1
    m = mount("ttl_servers=%d" % ttl)
    s = some_server(cloud)
    assert m.read("servers", s["name"], "status") == "ACTIVE\n"
    status, _ = cloud.client.request("POST", "compute", "/servers/%s/action" % s["id"],
                                     {"os-stop": None})
    assert status == 202
    try:
        cloud.client.wait_server(s["id"], lambda x: x["status"] == "SHUTOFF", timeout=120,
                                 interval=0.1)
        t0 = time.time()
        got = wait_until(lambda: m.read("servers", s["name"], "status") == "SHUTOFF\n", 10)
        took = time.time() - t0
        assert got, "the mount still says %r" % m.read("servers", s["name"], "status")
        assert took <= 2 * ttl + 0.5, took
    finally:
        cloud.client.request("POST", "compute", "/servers/%s/action" % s["id"], {"os-start": None})
        cloud.client.wait_server(s["id"], lambda x: x["status"] == "ACTIVE", timeout=120)


def test_a_delete_outside_the_mount_is_seen_through_deltas(emu, cloud, mount):
    ttl = 1
    made = emu.call("POST", "/_emu/servers", {"names": ["delta-victim"]})
    m = mount("ttl_servers=%d" % ttl)
    assert "delta-victim" in os.listdir(m.p("servers"))
    emu.reset()
    [sid] = made["ids"]
    assert cloud.client.request("DELETE", "compute", "/servers/" + sid)[0] == 204
    wait_until(lambda: cloud.client.server(sid) is None, 60)  # not a listing: those are counted
    t0 = time.time()
    gone = wait_until(lambda: "delta-victim" not in os.listdir(m.p("servers")), 10)
    took = time.time() - t0
    assert gone and took <= 2 * ttl + 0.5, took
    assert not os.path.exists(m.p("servers", ".by-id", sid))
    assert all(is_delta(r) for r in requests(emu)), [r["path"] for r in requests(emu)]


def test_unchanged_servers_keep_their_mtime(emu, cloud, mount):
    m = mount("ttl_servers=1")
    a, b = [s for s in cloud.client.servers() if s["name"] in ("srv-00010", "srv-00011")]
    before_a = os.stat(m.p("servers", a["name"], "status")).st_mtime
    before_b = os.stat(m.p("servers", b["name"], "metadata")).st_mtime
    time.sleep(1.2)
    status, _ = cloud.client.request("PUT", "compute", "/servers/%s/metadata/touched" % b["id"],
                                     {"meta": {"touched": "yes"}})
    assert status == 200
    time.sleep(2.5)
    m.sh("ls servers >/dev/null")
    time.sleep(0.5)
    assert wait_until(lambda: os.path.exists(m.p("servers", b["name"], "metadata", "touched")), 5)
    assert os.stat(m.p("servers", a["name"], "status")).st_mtime == before_a
    assert os.stat(m.p("servers", b["name"], "metadata")).st_mtime > before_b


def boot(m, cloud, name):
    os.mkdir(m.p("servers", name))
    for f, v in (("flavor", cloud.flavor), ("image", cloud.image), ("networks", cloud.networks)):
        assert m.write("servers/%s/%s" % (name, f), v + "\n") == 0
    assert m.write("servers/%s/ctl" % name, "boot\n") == 0


def delete_named(cloud, name):
    for s in cloud.client.servers():
        if s["name"] == name:
            cloud.client.request("DELETE", "compute", "/servers/" + s["id"])


def test_status_never_goes_back_after_active(emu, cloud, mount):
    """A listing whose request started before the server settled, answered
    after a direct GET saw ACTIVE, must not bring BUILD back."""
    name = "mono-%d" % os.getpid()
    build_time = emu.call("GET", "/_emu/config")["build_time"]
    emu.config(build_time=2.0)
    m = mount("ttl_servers=1")
    m.sh("ls servers >/dev/null")
    try:
        boot(m, cloud, name)
        # every listing answer now arrives 1.5 s after it was asked for
        emu.fault(path="/servers/detail", delay=1.5, count=-1)
        stop = time.time() + 30
        while time.time() < stop and m.read("servers", name, "status") != "ACTIVE\n":
            m.sh("ls servers >/dev/null &", timeout=5)   # keep listings in flight
            time.sleep(0.1)
        assert m.read("servers", name, "status") == "ACTIVE\n"
        seen = []
        for _ in range(40):
            m.sh("ls servers >/dev/null &", timeout=5)
            seen.append(m.read("servers", name, "status").strip())
            time.sleep(0.1)
        assert set(seen) == {"ACTIVE"}, seen
    finally:
        emu.clear_faults()
        emu.config(build_time=build_time)
        delete_named(cloud, name)


def test_events_follow_a_boot_with_tail(cloud, mount):
    name = "ev-%d" % os.getpid()
    m = mount("ttl_servers=1")
    if cloud.emu:
        build_time = cloud.emu.call("GET", "/_emu/config")["build_time"]
        cloud.emu.config(build_time=2.0)
    tail = None
    try:
        boot(m, cloud, name)
        tail = subprocess.Popen(["timeout", "60", "tail", "-n", "+1", "-f",
                                 m.p("servers", name, "events")],
                                stdout=subprocess.PIPE, text=True)
        lines = []
        deadline = time.time() + 60
        while time.time() < deadline and not any(" ACTIVE " in x for x in lines):
            line = tail.stdout.readline()
            if not line:
                break
            lines.append(line)
        assert any(" BUILD " in x for x in lines), lines
        assert any(" ACTIVE " in x for x in lines), lines
        first_active = next(i for i, x in enumerate(lines) if " ACTIVE " in x)
        assert any(" BUILD " in x for x in lines[:first_active]), lines
        every = m.read(".openstackfs", "events")
        assert "servers/%s ACTIVE" % name in every, every
    finally:
        if tail:
            tail.kill()
            tail.wait()
        if cloud.emu:
            cloud.emu.config(build_time=build_time)
        delete_named(cloud, name)


def test_sighup_resyncs_with_a_full_listing(emu, mount):
    m = mount("ttl_servers=1")
    m.sh("ls servers >/dev/null")
    time.sleep(1.1)
    emu.reset()
    m.proc.send_signal(1)
    time.sleep(0.3)
    m.sh("ls servers >/dev/null")
    reqs = requests(emu)
    assert reqs and not is_delta(reqs[0]), [r["path"] for r in reqs]
