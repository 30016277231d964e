"""A kind in use is refreshed in the background (issue 20, item 2).

A kind read within `-o active=SECONDS` is brought up to date every TTL by
the mount itself, and what changed is pushed to the kernel: a read finds
the news without asking the cloud on its own path, and never waits for a
refresh while the listing it has is young enough (10 TTLs).  A mount
nobody reads sends nothing.

Emulator only: the request log, counters and faults are the emulator's."""
import os

from harness import wait_for

SERVERS = "GET /compute/v2.1/servers/detail"
TIMEOUT = 10   # the mount's -o timeout: a read that waited for a listing would take it


def listings(emu):
    return emu.count(SERVERS)


def faulted_listings(emu):
    reqs = emu.call("GET", "/_emu/requests?last=10000")["requests"]
    return [r for r in reqs if r["key"] == SERVERS and r.get("fault")]


def plain_server(emu):
    return next(s for s in emu.servers() if s["name"].startswith("srv-") and s["status"] == "ACTIVE")


def stop(cloud, sid):
    status, _ = cloud.client.request("POST", "compute", "/servers/%s/action" % sid, {"os-stop": None})
    assert status == 202
    cloud.client.wait_server(sid, lambda x: x["status"] == "SHUTOFF", timeout=60, interval=0.1)


def start(cloud, sid):
    cloud.client.request("POST", "compute", "/servers/%s/action" % sid, {"os-start": None})
    cloud.client.wait_server(sid, lambda x: x["status"] == "ACTIVE", timeout=60, interval=0.1)


def refreshed_since(emu, n):
    """Wait until a listing asked after the n-th has been answered: the
    next one starts only once it has (one refresh of a kind at a time)."""
    return wait_for(lambda: listings(emu) >= n + 2, 30)


def test_a_kind_in_use_is_refreshed_without_a_read(emu, cloud, mount):
    m = mount("ttl_servers=1", "active=60", "timeout=%d" % TIMEOUT)
    s = plain_server(emu)
    status = m.p("servers", s["name"], "status")
    assert s["name"] in os.listdir(m.p("servers"))
    assert m.read("servers", s["name"], "status") == "ACTIVE\n"
    try:
        stop(cloud, s["id"])
        assert refreshed_since(emu, listings(emu)), "no refresh in the background"
        # from now on every listing hangs: a read that asked for one, or
        # waited for the one in flight, would not come back
        emu.fault(path="/compute/v2.1/servers/detail", hang=True, count=-1)
        assert wait_for(lambda: faulted_listings(emu), 30), "no refresh after the fault"
        before = emu.counters()["requests"]
        got = m.sh("cat %s" % status, timeout=TIMEOUT - 2).stdout
        after = emu.counters()["requests"]
        assert got == "SHUTOFF\n"
        assert after == before, "the read asked the cloud: %s" % {
            k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
    finally:
        emu.clear_faults()
        start(cloud, s["id"])


def test_an_idle_mount_sends_nothing(emu, mount):
    active, ttl = 2, 1
    m = mount("ttl=%d" % ttl, "active=%d" % active)
    s = plain_server(emu)
    assert s["name"] in os.listdir(m.p("servers"))
    assert m.read("servers", s["name"], "status") == "ACTIVE\n"
    n = listings(emu)
    assert wait_for(lambda: listings(emu) > n, 30), "no refresh while the kind was in use"
    # idle from now on: the last refresh may still be under way
    wait_for(lambda: False, active + 2 * ttl)
    before = emu.counters()
    wait_for(lambda: False, 2 * active)
    after = emu.counters()
    assert after["total"] == before["total"], "an idle mount asked: %s" % {
        k: v - before["requests"].get(k, 0) for k, v in after["requests"].items()
        if v != before["requests"].get(k, 0)}
    # and a read takes the kind up again
    n = listings(emu)
    assert m.read("servers", s["name"], "status") == "ACTIVE\n"
    assert wait_for(lambda: listings(emu) > n, 30), "the kind was not taken up again"


def test_a_warm_read_does_not_wait_for_a_slow_listing(emu, mount):
    m = mount("ttl=1", "timeout=%d" % TIMEOUT)
    names = [n for n in sorted(os.listdir(m.p("servers"))) if n.startswith("srv-")][:40]
    status = {s["name"]: s["status"] for s in emu.servers()}
    for n in names[:20]:
        assert m.read("servers", n, "status") == status[n] + "\n"
    try:
        emu.fault(path="/compute/v2.1/servers/detail", delay=3 * TIMEOUT, count=-1)
        assert wait_for(lambda: faulted_listings(emu), 30), "no refresh after the fault"
        # past the TTL, while the listing is slow: the directory, and
        # names the kernel never saw (so the mount answers them)
        out = m.sh("ls servers >/dev/null && for n in %s; do cat servers/$n/status; done"
                   % " ".join(names[20:]), timeout=TIMEOUT - 2).stdout
        assert out.splitlines() == [status[n] for n in names[20:]]
    finally:
        emu.clear_faults()


def test_a_listing_the_cloud_no_longer_refreshes_is_not_served_for_ever(emu, mount):
    m = mount("ttl=0.5", "timeout=%d" % TIMEOUT)
    assert len(os.listdir(m.p("servers"))) > 1
    try:
        emu.fault(path="/compute/v2.1/servers/detail", status=500, count=-1)
        assert wait_for(lambda: faulted_listings(emu), 30), "no refresh after the fault"
        # what the mount holds is still served for a while (10 TTLs) ...
        r = m.sh("ls servers >/dev/null", check=False)
        assert r.returncode == 0, r.stderr
        # ... and then the read meets the cloud's failure
        failed = wait_for(lambda: m.sh("ls servers >/dev/null", check=False).returncode != 0, 30)
        assert failed, "a listing the cloud no longer answers for is served for ever"
    finally:
        emu.clear_faults()
    assert wait_for(lambda: m.sh("ls servers >/dev/null", check=False).returncode == 0, 30)
