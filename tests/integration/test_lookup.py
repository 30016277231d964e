"""A single name looked up while its listing is stale costs one small
request (a delta of the loaded listing, or a filtered one when there is
none yet), not the whole listing."""
import time


def test_cold_question_is_one_small_request(emu, mount):
    m = mount("ttl_servers=1", "active=0")  # stale when read: no refresh in the background
    m.sh("ls servers >/dev/null")
    time.sleep(1.3)
    emu.reset()
    assert m.read("servers", "srv-00042", "status").strip() in ("ACTIVE", "SHUTOFF", "ERROR")
    assert m.read("servers", "srv-00042", "name") == "srv-00042\n"
    time.sleep(0.3)  # the refresh runs behind the reader
    # the loaded listing is brought up to date with one changes-since request,
    # and Neutron is asked what it changed behind Nova by revision alone
    reqs = emu.call("GET", "/_emu/requests?last=100")["requests"]
    nova = [r for r in reqs if r["service"] == "compute"]
    assert [r["key"] for r in nova] == ["GET /compute/v2.1/servers/detail"], reqs
    assert "changes-since=" in nova[0]["path"]
    assert all("fields=revision_number" in r["path"] for r in reqs if r not in nova), reqs


def test_cold_question_on_a_fresh_mount_is_one_filtered_request(emu, mount):
    m = mount("ttl_servers=1")
    emu.reset()
    assert m.read("servers", "srv-00043", "name") == "srv-00043\n"
    assert emu.counters()["requests"] == {"GET /compute/v2.1/servers/detail": 1}
    req = emu.call("GET", "/_emu/requests?last=1")["requests"][-1]
    assert "name=" in req["path"] and "limit=" not in req["path"]


def test_shared_name_falls_back_to_the_listing(emu, cloud, mount):
    m = mount("ttl_servers=1")
    time.sleep(1.1)
    dups = sorted((s for s in cloud.client.servers() if s["name"] == "dup"),
                  key=lambda s: (s["created"], s["id"]))
    assert m.read("servers", "dup", "id") == dups[0]["id"] + "\n"
    assert m.read("servers", "dup~" + dups[1]["id"][:8], "id") == dups[1]["id"] + "\n"


def test_unknown_name_is_enoent(emu, mount):
    m = mount("ttl_servers=1")
    r = m.sh("cat servers/no-such-server/status", check=False)
    assert r.returncode != 0 and "No such file" in r.stderr


def spots_before_listing(emu, m, names):
    """How many names the daemon asks for one by one, while its listing is
    stale, before it fetches the listing instead: read distinct names one
    at a time until a listing request goes out."""
    emu.reset()
    for i, name in enumerate(names):
        m.read("servers", name, "status")
        if emu.count("GET /compute/v2.1/servers/detail"):
            return emu.count("GET /compute/v2.1/servers/{id}")
    raise AssertionError("%d single reads and still no listing" % len(names))


def test_a_walk_longer_than_the_ttl_does_not_ask_name_by_name(emu, mount):
    m = mount("ttl_servers=2", "active=0")  # stale when read: no refresh in the background
    emu.reset()
    names = m.sh("ls servers").stdout.split()
    n, pages = len(names), emu.count("GET /compute/v2.1/servers/detail")
    time.sleep(2.2)
    spots = spots_before_listing(emu, m, [x for x in names if x.startswith("srv-")][:100])
    assert spots < 20, spots

    m = mount("ttl_servers=0.3")
    m.sh("ls servers >/dev/null")
    emu.reset()
    t0 = time.time()
    # one process per file: a walk much longer than the TTL
    m.sh("for f in servers/*/status; do cat \"$f\"; done | grep -c ACTIVE", timeout=300)
    took = time.time() - t0
    c = emu.counters()["requests"]
    lists = c.get("GET /compute/v2.1/servers/detail", 0)
    shows = c.get("GET /compute/v2.1/servers/{id}", 0)
    periods = took / 0.3 + 1
    # each TTL period costs at most the single-name requests measured above,
    # then one listing of as many pages as the first one took
    assert shows + lists <= periods * (spots + pages), (shows, lists, took, spots, pages)
    assert shows + lists < n / 4
