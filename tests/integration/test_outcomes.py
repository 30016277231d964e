"""What a user is told when the cloud's answer does not come or does not
make sense: an action whose answer never came says its outcome is unknown
and is watched until the cloud shows it; API messages are plain text; an
OS_AUTH_URL that is not Keystone says so; the daemon holding the password
cannot be read or dumped by other processes.

Emulator only (fault injection, request counters)."""
import errno
import os
import subprocess
import time

from harness import Mount
from osclient import Client
from test_startup import start_failing

ACTION = "POST /compute/v2.1/servers/{id}/action"


def active_server(emu, m):
    """A server that is ACTIVE with no task, by its file name in the mount."""
    ids = {s["id"]: s for s in Client(emu.env()).servers()
           if s["status"] == "ACTIVE" and not s.get("OS-EXT-STS:task_state")}
    for name in sorted(os.listdir(m.p("servers"))):
        if name.startswith("."):
            continue
        sid = m.read("servers", name, "id").strip()
        if sid in ids:
            return name, sid
    raise AssertionError("no ACTIVE server")


def wait_for(what, timeout=30):
    """Wait (bounded) until what() is true; return its last value."""
    deadline = time.time() + timeout
    while True:
        try:
            got = what()
        except OSError:
            got = None
        if got or time.time() > deadline:
            return got
        time.sleep(0.2)


def test_action_without_answer_is_unknown_and_watched(emu, mount):
    m = mount("timeout=1")
    name, sid = active_server(emu, m)
    emu.reset()
    emu.fault(method="POST", path="/servers/%s/action" % sid, delay=3, count=1)
    t = time.time()
    assert m.write("servers/%s/ctl" % name, "stop\n") == errno.ETIMEDOUT
    assert time.time() - t < 3, "the writer waited for the late answer"
    error = m.read("servers", name, "error")
    assert error.startswith("stop: no answer within 1 s; the outcome is unknown"), error
    assert "watch status and events" in error
    # Nova wakes up and stops the server: the mount shows it, and it was asked once
    assert wait_for(lambda: m.read("servers", name, "status") == "SHUTOFF\n"), \
        m.read("servers", name, "status")
    events = m.read("servers", name, "events")
    assert any(" SHUTOFF " in line + " " for line in events.splitlines()), events
    assert emu.count(ACTION) == 1, "an action whose answer did not come was sent again"


def test_refused_action_is_not_unknown(emu, mount):
    m = mount()
    name, sid = active_server(emu, m)
    emu.fault(method="POST", path="/servers/%s/action" % sid, status=409, count=1,
              body='{"conflictingRequest": {"code": 409, "message": "Cannot \'stop\' instance'
                   '<br /><br />\\n\\n   while it is in task_state powering-off"}}',
              content_type="application/json")
    assert m.write("servers/%s/ctl" % name, "stop\n") == errno.EBUSY
    error = m.read("servers", name, "error")
    assert "<br" not in error and "  " not in error and "unknown" not in error, error
    assert "Cannot 'stop' instance while it is in task_state powering-off" in error, error
    log = m.read(".openstackfs", "log")
    assert "powering-off" in log and "<br" not in log


def test_auth_url_of_another_service(emu):
    code, out, mounted = start_failing(dict(emu.env(), OS_AUTH_URL=emu.url + "/compute/v2.1"))
    assert code == 1 and not mounted
    lines = [l for l in out.splitlines() if l.strip()]
    assert len(lines) == 1, out
    assert "not a Keystone v3 endpoint" in lines[0] and "refused" not in lines[0], lines[0]


NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]


def test_daemon_cannot_be_read_by_its_own_user(emu):
    """The serving process is not dumpable: another process of the same user
    cannot read its memory or environment (nor ptrace it), and no core."""
    import harness
    # the daemon runs as nobody, on a mount point nobody owns
    wrap = ["bash", "-c", 'chown 65534:65534 "$1" && exec %s "$0" "$@"' % " ".join(NOBODY)]
    old = harness.WRAP
    harness.WRAP = wrap
    try:
        m = Mount(emu.env(HOME="/nonexistent"), wait=False)
    finally:
        harness.WRAP = old
    try:
        m.wait_mounted()
        # bash and setpriv exec the supervisor; it runs the serving process
        for pid in (m.proc.pid, m.serving_pid()):
            r = subprocess.run(NOBODY + ["cat", "/proc/%d/environ" % pid], capture_output=True,
                               timeout=10)
            assert r.returncode != 0 and b"Permission denied" in r.stderr, r
            assert b"OS_PASSWORD" not in r.stdout
            assert os.stat("/proc/%d/mem" % pid).st_uid == 0, \
                "/proc/PID/mem belongs to the daemon's user"
    finally:
        m.unmount()
