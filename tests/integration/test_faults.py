"""Faults through a real mount, injected in the emulator: what the shell
sees, whether the daemon recovers, and how many requests it makes.

Each test mounts, injects one fault (POST /_emu/faults or /_emu/config),
drives the mount from the shell, and then checks that the daemon is still
alive, that a fresh read is correct, and that its RSS is back near where it
was before the fault.  Every test adds a row to a table (fault → what the
user saw → recovered? → requests made) that is printed at the end of the
module (visible with -s) and written to test-results/fault-table.md when
that directory exists.

Emulator only: the real cloud cannot be told to fail."""
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from harness import ROOT, Emulator, Mount, is_mounted, sanitizer_reports
from osclient import Client

ASAN = "asan" in os.environ.get("OSFS_BIN", "") or bool(os.environ.get("OSFS_WRAP"))
SLACK = 10 if os.environ.get("OSFS_WRAP") else 1     # valgrind and friends are slow
ROWS = []


def row(fault, saw, recovered, requests):
    ROWS.append((fault, saw, "yes" if recovered is True else "no" if recovered is False else recovered,
                 requests))


@pytest.fixture(scope="module", autouse=True)
def fault_table():
    yield
    if not ROWS:
        return
    lines = ["| fault | what the user saw | recovered? | requests made |",
             "|---|---|---|---|"]
    lines += ["| %s |" % " | ".join(str(c).replace("|", "/") for c in r) for r in ROWS]
    text = "\n".join(lines) + "\n"
    print("\n\nfault table (%s)\n\n%s" % (os.environ.get("OSFS_BIN", "build/openstackfs"), text))
    out = ROOT / "test-results"
    if out.is_dir():
        name = "fault-table-asan.md" if ASAN else "fault-table.md"
        (out / name).write_text("# Faults through the mount (%s)\n\n%s" % (
            os.environ.get("OSFS_BIN", "build/openstackfs"), text))


def libfuse_leaks(m):
    return "LeakSanitizer" in m.output() and not sanitizer_reports(m)




# ---- helpers ----

PROBE = r"""
import errno, os, sys, time
op, path = sys.argv[1], sys.argv[2]
t = time.time()
try:
    if op == "ls":
        n = len(os.listdir(path))
    else:
        with open(path) as f:
            n = len(f.read())
    out = "ok %d" % n
except OSError as e:
    out = "%s %s" % (errno.errorcode.get(e.errno, e.errno), e.strerror)
print("%.3f %s" % (time.time() - t, out))
"""


def probe(op, path, timeout=60):
    """ls or cat `path` in a child process: (errno name or "ok", message,
    seconds).  A child, so that a hang cannot take the test with it."""
    r = subprocess.run([sys.executable, "-c", PROBE, op, path], capture_output=True, text=True,
                       timeout=timeout * SLACK)
    secs, what, msg = r.stdout.strip().split(" ", 2)
    return what, msg, float(secs)


def saw(result):
    what, msg, secs = result
    if what == "ok":
        return "ok (%.1f s)" % secs
    return "%s \"%s\" after %.1f s" % (what, msg, secs)


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def nservers(emu):
    """How many servers Nova lists to the demo user."""
    return len(Client(emu.env()).servers())


class Watch:
    """One daemon under test: its mount, its RSS before the fault."""

    def __init__(self, emu, m):
        self.emu, self.m = emu, m
        self.warm()
        self.rss = rss_kb(m.serving_pid())

    def warm(self):
        self.m.sh("ls servers images flavors keypairs >/dev/null; cat flavors/m1.tiny/ram "
                  "limits/maxTotalInstances >/dev/null", timeout=120)

    def healthy(self):
        """Alive, a fresh read is correct, RSS back near normal."""
        m = self.m
        assert m.proc.poll() is None, "the daemon died: " + m.output()[-3000:]
        assert is_mounted(m.path)
        # the supervisor would hide a crash of the serving process: none happened
        assert m.read(".openstackfs", "generation") == "1\n", m.output()[-3000:]
        deadline = time.time() + 30
        while True:  # a fault's error may be held for a moment (auth: 2 s)
            try:
                got = len(os.listdir(m.p("servers"))) - 1  # .by-id
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        assert got == nservers(self.emu), "listing after the fault is wrong"
        assert m.read("flavors", "m1.tiny", "ram") == "512\n"
        assert m.read("images", "cirros-0.6.2", "status") == "active\n"
        rss = rss_kb(m.serving_pid())
        limit = self.rss * 2 + (512 if ASAN else 64) * 1024
        assert rss <= limit, "RSS %d kB after the fault, %d kB before" % (rss, self.rss)
        return True


@pytest.fixture
def watch(emu, mount):
    """watch(*opts, debug=False) → a Watch of a fresh mount."""
    def make(*opts, debug=False):
        return Watch(emu, mount(*opts, debug=debug))
    return make


def counted(emu, *keys):
    c = emu.counters()["requests"]
    if not keys:
        keys = sorted(c)
    return ", ".join("%d× %s" % (c.get(k, 0), k.replace("/compute/v2.1", "").replace(
        "/identity/v3", "").replace("/image", "")) for k in keys if c.get(k, 0)) or "none"


SERVERS = "GET /compute/v2.1/servers/detail"
# with ttl=0.2 and refreshes on read only (active=0): a listing older than
# twice its TTL is not served while it is refreshed, so the next read meets
# the fault itself (with background refreshes a read meets it only once the
# listing is 10 TTLs old: test_background_refresh.py)
ON_READ = ("ttl=0.2", "active=0")
STALE = 0.5
IMAGES = "GET /image/v2/images"
TOKENS = "POST /identity/v3/auth/tokens"


def status_401(emu):
    reqs = emu.call("GET", "/_emu/requests?last=2000")
    reqs = reqs.get("requests", reqs) if isinstance(reqs, dict) else reqs
    return sum(1 for r in reqs if r.get("status") == 401)


# ---- tokens and Keystone ----

# One pass of a walk: with ttl=1 each pass lists images, flavors and servers
# anew (5 list requests).  A walk through every server's files would, once
# its listing is stale, cost one request per name (see the report).
WALK = ("grep -r -l active images | sort; grep -r . flavors | sort; ls servers | wc -l; "
        "grep -h . limits/maxTotalInstances keypairs/*/name")


def long_walk(m, seconds):
    """The walk again and again for `seconds`: (passes, errors)."""
    want = m.sh(WALK, timeout=120).stdout
    passes, errors = 0, []
    end = time.time() + seconds
    while time.time() < end:
        r = m.sh(WALK, timeout=120, check=False)
        passes += 1
        if r.stderr or r.stdout != want:
            errors.append(r.stderr.strip()[:300] or "output differs")
    return passes, errors


def test_token_expires_mid_walk(emu, watch):
    """Tokens live 3 s, so the daemon renews them after 3/4 of their life
    (not before every call).  From time to time the API holds a list
    request 3.5 s: the token it carries has expired when the service checks
    it, so 401, one renewal, one resend, and the walk goes on unharmed."""
    emu.config(token_ttl=3)
    try:
        w = watch("ttl=1", debug=True)
        emu.reset()
        stop = threading.Event()
        held = []

        def hold_requests():
            while not stop.is_set():
                emu.fault(method="GET", path="/servers/detail", delay=3.5, count=1)
                while emu.call("GET", "/_emu/faults")["faults"][0]["remaining"] and \
                        not stop.wait(0.1):
                    pass
                if stop.is_set():
                    break
                held.append(time.time())
                # let the held request end in its 401 and its resend pass
                # before holding another (or the resend could be held too)
                while w.m.output().count("token refused, renewing it") < len(held) and \
                        not stop.wait(0.2):
                    pass
                stop.wait(1.0)
        t = threading.Thread(target=hold_requests, daemon=True)
        t.start()
        try:
            passes, errors = long_walk(w.m, 15)
        finally:
            stop.set()
            t.join(timeout=30)
            emu.clear_faults()
        renewals = w.m.output().count("token refused, renewing it")
        requests = counted(emu, SERVERS, TOKENS) + ", %d× HTTP 401" % renewals
        assert not errors, (errors, [l for l in w.m.output().splitlines()
                                     if "401" in l or "error" in l or "refused" in l][-30:])
        # each held request ends in a 401 and one renewal (the last one
        # may still be held when the walk ends)
        assert len(held) >= 2 and renewals >= len(held) - 1
        # renewed at 3/4 of each 3 s life and after each 401, not once per call
        assert emu.count(TOKENS) <= 15 / 2.25 + renewals + 2, requests
        row("token expires during `grep -r` (token_ttl 3 s; %d requests held 3.5 s)" % len(held),
            "nothing: %d walks complete and correct" % passes, True, requests)
    finally:
        emu.config(token_ttl=3600)
    assert w.healthy()


def test_token_revoked_mid_walk(emu, watch):
    w = watch("ttl=1")
    emu.reset()
    timer = threading.Timer(2.0, lambda: emu.call("POST", "/_emu/revoke"))
    timer2 = threading.Timer(6.0, lambda: emu.call("POST", "/_emu/revoke"))
    timer.start()
    timer2.start()
    try:
        passes, errors = long_walk(w.m, 10)
    finally:
        timer.cancel()
        timer2.cancel()
    requests = counted(emu, SERVERS, TOKENS) + ", %d× HTTP 401" % status_401(emu)
    assert not errors, errors
    assert w.m.stats()["reauths"] >= 2 and emu.count(TOKENS) >= 2
    row("every token revoked, twice, during `grep -r`",
        "nothing: %d walks complete and correct" % passes, True, requests)
    assert w.healthy()


def test_keystone_down_token_still_valid(emu, watch):
    w = watch(*ON_READ)
    emu.reset()
    emu.config(keystone_down=True)
    try:
        results = []
        for _ in range(5):
            time.sleep(STALE)
            results.append(probe("ls", w.m.p("servers")))
            results.append(probe("cat", w.m.p("flavors", "m1.small", "vcpus")))
        assert all(r[0] == "ok" for r in results), results
        requests = "0× POST /auth/tokens, " + counted(emu, SERVERS, "GET /compute/v2.1/flavors/detail")
        assert emu.count(TOKENS) == 0
    finally:
        emu.config(keystone_down=False)
    row("Keystone down, token still valid", "nothing: 10 reads ok", True, requests)
    assert w.healthy()


def test_keystone_down_when_renewal_is_due(emu, watch):
    emu.config(token_ttl=8)  # renewal due at 3/4 of its life: 6 s after issue
    try:
        w = watch(*ON_READ)
        emu.config(keystone_down=True)
        time.sleep(6.5)
        emu.reset()
        first = probe("ls", w.m.p("servers"))
        second = probe("cat", w.m.p("flavors", "m1.tiny", "ram"))
        requests = counted(emu)
        assert first[0] in ("EIO", "EACCES"), first
        assert second[0] in ("EIO", "EACCES"), second
        assert first[2] < 10 and second[2] < 10
        log = w.m.read(".openstackfs", "log")
        assert "cannot reach Keystone" in log, log
        emu.config(keystone_down=False)
        t0 = time.time()
        while probe("ls", w.m.p("servers"))[0] != "ok":
            assert time.time() - t0 < 15, "no recovery once Keystone is back"
            time.sleep(0.5)
        back = time.time() - t0
    finally:
        emu.config(keystone_down=False, token_ttl=3600)
    row("Keystone down when the token must be renewed", "%s; then %s" % (saw(first), saw(second)),
        "yes, %.1f s after Keystone returned" % back, requests)
    assert w.healthy()


# ---- busy and failing services ----

def test_503_is_retried_then_eagain(emu, watch):
    w = watch(*ON_READ)
    time.sleep(STALE)
    emu.reset()
    emu.fault(method="GET", path="/servers/detail", status=503, count=-1)
    r = probe("ls", w.m.p("servers"))
    n = emu.count(SERVERS)
    emu.clear_faults()
    assert r[0] == "EAGAIN", r
    assert n == 4, "one try and 3 retries, made %d" % n
    assert 0.5 <= r[2] <= 3 * SLACK  # 100+200+400 ms and jitter
    row("503 on every GET of the list", saw(r), True, "%d× GET servers/detail" % n)
    # a short outage is not seen at all (once the failure above is no
    # longer held)
    time.sleep(1.5)
    emu.reset()
    emu.fault(method="GET", path="/servers/detail", status=503, count=2)
    r = probe("ls", w.m.p("servers"))
    n = emu.count(SERVERS)
    emu.clear_faults()
    assert r[0] == "ok"
    row("503 on two GETs", saw(r), True, "%d× GET servers/detail" % n)
    assert w.healthy()


@pytest.mark.parametrize("retry_after,tries", [(1, 4), (2, 3)])
def test_429_honours_retry_after(emu, watch, retry_after, tries):
    """Retry-After is waited for; the retry budget (5 s) stops early."""
    w = watch(*ON_READ)
    time.sleep(STALE)
    emu.reset()
    emu.fault(method="GET", path="/servers/detail", status=429, retry_after=retry_after, count=-1)
    r = probe("ls", w.m.p("servers"))
    n = emu.count(SERVERS)
    emu.clear_faults()
    waited = retry_after * (tries - 1)
    assert r[0] == "EAGAIN", r
    assert n == tries
    assert waited - 0.2 <= r[2] <= waited + 2 * SLACK, r
    row("429 with Retry-After: %d on every GET" % retry_after, saw(r), True,
        "%d× GET servers/detail (waited %d s)" % (n, waited))
    assert w.healthy()


def probes(*args):
    """Several probes at once: their results, in order."""
    out = [None] * len(args)

    def run(i, a):
        out[i] = probe(*a)
    ts = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(args)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=120 * SLACK)
    return out


def test_hanging_api_times_out(emu, watch):
    w = watch(*ON_READ, "timeout=3")
    time.sleep(STALE)
    emu.reset()
    emu.fault(method="GET", path="/servers/detail", hang=True, count=-1)
    try:
        r = probe("ls", w.m.p("servers"))
        n = emu.count(SERVERS)
        # a name looked up whose directory entry the kernel still has: it
        # revalidates, then looks up again
        name = next(s["name"] for s in emu.servers() if s["name"].startswith("srv-"))
        c = probe("cat", w.m.p("servers", name, "status"))
        # two readers of one directory: the kernel sends the second readdir
        # only once the first is answered (libfuse 3.14 does not ask for
        # parallel directory operations), so it waits two timeouts
        two = probes(("ls", w.m.p("servers")), ("ls", w.m.p("servers")))
    finally:
        emu.clear_faults()
    assert r[0] == "ETIMEDOUT" and 2.5 <= r[2] <= 3 + 2 * SLACK, r
    assert n == 1, "a timed-out GET is not resent"
    assert c[0] == "ETIMEDOUT" and c[2] <= 2 * 3 + 2 * SLACK, c
    assert all(t[0] == "ETIMEDOUT" for t in two) and max(t[2] for t in two) <= 2 * 3 + 2 * SLACK
    row("API hangs (-o timeout=3)", "ls: %s; cat of a name the kernel knew: %s; "
        "two `ls` at once: ETIMEDOUT after %.1f and %.1f s" % (saw(r), saw(c), *sorted(t[2] for t in two)),
        True, "%d× GET servers/detail for one ls" % n)
    assert w.healthy()


def test_unmount_while_requests_hang(emu, mount):
    m = mount(*ON_READ, "timeout=8")
    m.sh("ls servers flavors images >/dev/null", timeout=60)
    time.sleep(STALE)
    emu.reset()
    emu.fault(method="GET", path="/servers/detail|/flavors/detail|/v2/images", hang=True, count=-1)
    hung = [subprocess.Popen([sys.executable, "-c", PROBE, "ls", m.p(d)], stdout=subprocess.PIPE,
                             text=True) for d in ("servers", "flavors", "images")]
    try:
        time.sleep(1)
        assert all(p.poll() is None for p in hung), "nothing hangs"
        t0 = time.time()
        u = subprocess.run(["fusermount3", "-u", m.path], capture_output=True, text=True, timeout=20)
        plain = time.time() - t0
        # the kernel refuses a plain unmount while calls are inside the mount
        # (they pin it), and says so at once; a lazy one detaches it
        if u.returncode != 0:
            assert "Device or resource busy" in u.stderr, u.stderr
            z = subprocess.run(["fusermount3", "-uz", m.path], capture_output=True, text=True,
                               timeout=20)
            assert z.returncode == 0, z.stderr
        gone = time.time() - t0
        assert not is_mounted(m.path)
        outs = [p.communicate(timeout=30 * SLACK)[0].split() for p in hung]
        assert all(o[1] == "ETIMEDOUT" for o in outs), outs
        code = m.wait_exit(timeout=30)
        exited = time.time() - t0
        n = emu.counters()["total"]
    finally:
        emu.clear_faults()
        for p in hung:
            if p.poll() is None:
                p.kill()
    assert plain < 5 and exited <= 8 + 5 * SLACK
    assert code == 0 or (ASAN and libfuse_leaks(m)), m.output()[-3000:]
    row("`fusermount3 -u` while `ls` of servers, flavors, images hang (-o timeout=8)",
        "fusermount3 -u: %s in %.1f s%s; the `ls`: ETIMEDOUT; daemon exits %.1f s later" % (
            "ok" if u.returncode == 0 else "EBUSY", plain,
            "" if u.returncode == 0 else ", -uz: detached in %.1f s" % gone, exited),
        "n/a (unmounted)", "%d requests (3 hung GETs)" % n)


@pytest.mark.parametrize("count", [-1, 1], ids=["always", "once"])
def test_dropped_connections(emu, watch, count):
    w = watch(*ON_READ)
    time.sleep(STALE)
    emu.reset()
    emu.fault(method="GET", path="/servers/detail", drop=True, count=count)
    r = probe("ls", w.m.p("servers"))
    n = emu.count(SERVERS)
    emu.clear_faults()
    if count == -1:
        assert r[0] == "EIO", r
        assert 4 <= n <= 8 and r[2] < 5 * SLACK
    else:
        assert r[0] == "ok"
    row("connection dropped on %s GET" % ("every" if count == -1 else "one"), saw(r), True,
        "%d× GET servers/detail" % n)
    assert w.healthy()


def test_malformed_json(emu, watch):
    w = watch(*ON_READ)
    time.sleep(STALE)
    emu.reset()
    emu.fault(method="GET", path="/servers/detail", malformed=True, count=1)
    r = probe("ls", w.m.p("servers"))
    n = emu.count(SERVERS)
    assert r[0] == "EIO", r  # the man page: EIO for a malformed response
    assert n == 1, "an answer that arrived is not asked again"
    logged = [l for l in w.m.read(".openstackfs", "log").splitlines() if "JSON" in l]
    assert logged
    row("malformed JSON (one answer)", saw(r) + "; /.openstackfs/log: `%s`" % logged[-1].split(" ", 1)[1],
        True, "%d× GET servers/detail" % n)
    assert w.healthy()


@pytest.mark.parametrize("count", [-1, 1], ids=["always", "once"])
def test_truncated_json(emu, watch, count):
    w = watch(*ON_READ)
    time.sleep(STALE)
    emu.reset()
    emu.fault(method="GET", path="/servers/detail", truncate=True, count=count)
    r = probe("ls", w.m.p("servers"))
    n = emu.count(SERVERS)
    emu.clear_faults()
    if count == -1:
        assert r[0] == "EIO", r
        assert n == 4
    else:
        assert r[0] == "ok", r
    row("body cut short (Content-Length not met) on %s GET" % ("every" if count == -1 else "one"),
        saw(r), True, "%d× GET servers/detail" % n)
    assert w.healthy()


def test_body_over_max_response(emu, watch):
    w = watch(*ON_READ, "max_response=4000000")
    time.sleep(STALE)
    emu.reset()
    emu.fault(method="GET", path="/servers/detail", huge=200 * 1000 * 1000, count=-1)
    r = probe("ls", w.m.p("servers"))
    n = emu.count(SERVERS)
    peak = rss_kb(w.m.serving_pid())
    emu.clear_faults()
    assert r[0] == "EFBIG", r
    assert n == 1 and r[2] < 10 * SLACK
    assert peak < w.rss + (512 if ASAN else 64) * 1024, "RSS %d kB" % peak
    row("200 MB body, -o max_response=4000000", saw(r), True, "%d× GET servers/detail" % n)
    assert w.healthy()


# ---- pagination ----

def test_pagination_next_link_loops(emu, watch):
    w = watch(*ON_READ)
    time.sleep(STALE)
    emu.reset()
    emu.fault(method="GET", path="/v2/images", loop_next=True, count=-1)
    r = probe("ls", w.m.p("images"))
    n = emu.count(IMAGES)
    emu.clear_faults()
    assert r[0] == "ELOOP", r
    assert n <= 2 and r[2] < 5 * SLACK
    assert "loop" in w.m.read(".openstackfs", "log")
    row("Glance `next` link points at itself", saw(r), True, "%d× GET images" % n)
    # Nova's next links are not followed as given: the next page is asked
    # for with the last id as marker, so a looping link cannot loop
    time.sleep(STALE)
    emu.reset()
    emu.fault(method="GET", path="/servers/detail", loop_next=True, count=-1)
    r = probe("ls", w.m.p("servers"))
    n = emu.count(SERVERS)
    emu.clear_faults()
    assert r[0] == "ok" and int(r[1]) == nservers(emu) + 1  # + .by-id
    row("Nova `servers_links` next points at itself", saw(r) + ": complete", True,
        "%d× GET servers/detail" % n)
    assert w.healthy()


def test_empty_last_page(emu, watch):
    # Nova: a full page always has a next link, so 1000 servers take a
    # second, empty page
    emu1000 = Emulator("--no-edge-servers", servers=1000)
    try:
        m = Mount(emu1000.env(), "ttl=0.2")
        try:
            emu1000.reset()
            r = probe("ls", m.p("servers"))
            n = emu1000.count(SERVERS)
            assert r[0] == "ok" and int(r[1]) == 1000 + 1, r
            assert n == 2
        finally:
            m.unmount()
        assert not sanitizer_reports(m), sanitizer_reports(m)
    finally:
        emu1000.stop()
    row("Nova: 1000 servers, last page empty", saw(r) + ": 1000 entries", True,
        "%d× GET servers/detail" % n)
    # Glance: `next` whenever a page is full; page_max = the image count
    w = watch(*ON_READ)
    images = len(os.listdir(w.m.p("images"))) - 1
    emu.config(page_max=images)
    try:
        time.sleep(STALE)
        emu.reset()
        r = probe("ls", w.m.p("images"))
        n = emu.count(IMAGES)
    finally:
        emu.config(page_max=1000)
    assert r[0] == "ok" and int(r[1]) == images + 1, r
    assert n == 2
    row("Glance: a full page, then an empty one", saw(r) + ": %d entries" % images, True,
        "%d× GET images" % n)
    assert w.healthy()


# A page after the first is fetched while the one before is parsed, on
# another thread: its faults must be met as on the first page.
AHEAD_FAULTS = {
    "503 twice": ({"status": 503, "count": 2}, "ok", 2),
    "connection dropped once": ({"drop": True, "count": 1}, "ok", 1),
    "body cut short once": ({"truncate": True, "count": 1}, "ok", 1),
    "malformed JSON once": ({"malformed": True, "count": 1}, "EIO", 0),
}


@pytest.mark.parametrize("fault", sorted(AHEAD_FAULTS))
def test_fault_on_a_page_fetched_ahead(emu, cloud, mount, fault):
    spec, want, retries = AHEAD_FAULTS[fault]
    emu.config(page_max=100)   # many pages: every later one is fetched ahead
    try:
        m = mount("ttl=0.2")   # a fresh daemon: its first ls is a full listing
        emu.reset()
        emu.fault(method="GET", path=r"/servers/detail\?.*marker=", **spec)
        r = probe("ls", m.p("servers"))
        n = emu.count(SERVERS)
        emu.clear_faults()
        total = len(cloud.client.servers())
        pages = total // 100 + 1
        assert r[0] == want, r
        if want == "ok":
            assert int(r[1]) == total + 1, (r, total)
            assert n == pages + retries, (n, pages)   # one GET a page, and the retries
        else:   # the listing stops at the bad page (the second): nothing past it is asked
            assert n == 2, n
        deadline = time.time() + 30
        while True:   # a listing's error is held for a moment before it is asked again
            again = probe("ls", m.p("servers"))
            if again[0] == "ok" or time.time() > deadline:
                break
            time.sleep(0.5)
        assert again[0] == "ok" and int(again[1]) == total + 1, again
        assert m.read(".openstackfs", "generation") == "1\n", m.output()[-3000:]  # no crash
    finally:
        emu.config(page_max=1000)
    row("%s on a page fetched ahead (pages of 100)" % fault, saw(r), True,
        "%d× GET servers/detail" % n)


def test_cloud_max_limit_below_our_page_size(emu, cloud, mount):
    # a cloud whose Nova max_limit is smaller than the 1000 we ask for sends
    # shorter pages, each with a next link: every page must be followed
    emu.config(page_max=100)
    try:
        m = mount(*ON_READ)
        emu.reset()
        r = probe("ls", m.p("servers"))
        n = emu.count(SERVERS)
    finally:
        emu.config(page_max=1000)
    total = len(cloud.client.servers())
    assert r[0] == "ok" and int(r[1]) == total + 1, (r, total)
    assert n == total // 100 + 1, n
    row("Nova max_limit 100 < our page size", saw(r) + ": %d entries" % total, True,
        "%d× GET servers/detail" % n)


# ---- load ----

READER = r"""
import json, sys
pairs = json.load(open(sys.argv[1]))
bad = []
for path, want in pairs:
    try:
        with open(path) as f:
            got = f.read()
    except OSError as e:
        got = "error %s" % e
    if got != want:
        bad.append([path, want, got])
print(json.dumps({"reads": len(pairs), "bad": bad[:5], "nbad": len(bad)}))
"""


def test_10000_concurrent_reads(emu, cloud, watch, tmp_path):
    """32 processes read 10,000 files through .by-id links while the server
    listing goes stale every second and is fetched again under them."""
    w = watch("ttl_servers=1")
    steady = [s for s in cloud.client.servers()
              if s["name"].startswith("srv-") and not s.get("OS-EXT-STS:task_state")
              and s["status"] in ("ACTIVE", "SHUTOFF", "ERROR")]
    pairs = []
    for s in steady:
        d = w.m.p("servers", ".by-id", s["id"])
        pairs += [(d + "/id", s["id"] + "\n"), (d + "/name", s["name"] + "\n"),
                  (d + "/status", s["status"] + "\n"),
                  (d + "/vm_state", s["OS-EXT-STS:vm_state"] + "\n")]
    for f in cloud.client.flavors():
        pairs.append((w.m.p("flavors", f["name"], "ram"), "%d\n" % f["ram"]))
    pairs = (pairs * (10000 // len(pairs) + 1))[:10000]
    chunks = [pairs[i::32] for i in range(32)]
    files = []
    for i, c in enumerate(chunks):
        f = tmp_path / ("chunk%d.json" % i)
        f.write_text(json.dumps(c))
        files.append(f)
    emu.reset()
    t0 = time.time()
    procs = [subprocess.Popen([sys.executable, "-c", READER, str(f)], stdout=subprocess.PIPE,
                              text=True) for f in files]
    try:
        results = [json.loads(p.communicate(timeout=600)[0]) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    secs = time.time() - t0
    reads = sum(r["reads"] for r in results)
    bad = sum(r["nbad"] for r in results)
    assert reads == 10000
    assert bad == 0, [r["bad"] for r in results if r["bad"]][:3]
    row("10,000 reads from 32 processes at once", "all %d correct in %.1f s" % (reads, secs), True,
        counted(emu))
    assert w.healthy()
