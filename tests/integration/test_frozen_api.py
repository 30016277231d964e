"""A real Nova that stops answering (issue 16, rows 6 and 10, on the real
cloud): nova-api's processes are stopped with SIGSTOP while a write is
under way, and go on with SIGCONT.  A boot in a frozen Nova and its
natural retries make one server, whatever the timing (the POST may leave,
or, when the look-up before it already ran out of time, not be sent at
all); an action whose answer did not come says its outcome is unknown,
and the mount shows what Nova did once it wakes.

Real cloud only (the emulator's own fault injection covers the same in
test_draft_trust.py and test_outcomes.py)."""
import contextlib
import errno
import os
import signal
import subprocess
import threading
import time

import pytest

from test_draft_trust import delete_server, wait_one_server
from test_outcomes import wait_for
from test_write import make_draft, named, unique, wait_file

NOVA_API = "uwsgi --ini .*/nova/uwsgi.ini"


def nova_api_pids():
    r = subprocess.run(["pgrep", "-f", NOVA_API], capture_output=True, text=True)
    return [int(p) for p in r.stdout.split()]


@pytest.fixture
def frozen(cloud):
    """frozen(seconds): nova-api stops now and goes on after `seconds`
    (and always before the test ends)."""
    if not cloud.clouds_yaml or not nova_api_pids():
        pytest.skip("needs the real cloud's nova-api on this machine")
    stopped, timers = [], []

    def go_on():
        for pid in stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def freeze(seconds):
        for pid in nova_api_pids():
            os.kill(pid, signal.SIGSTOP)
            stopped.append(pid)
        t = threading.Timer(seconds, go_on)
        t.start()
        timers.append(t)

    try:
        yield freeze
    finally:
        for t in timers:
            t.cancel()
        go_on()


def test_a_boot_in_a_frozen_nova_and_its_retries_make_one_server(cloud, mount, frozen):
    m = mount("timeout=3", "ttl=10")
    name = unique("frozenboot")
    make_draft(m, cloud, name)
    try:
        frozen(8)
        assert m.write("servers/%s/ctl" % name, "boot\n") == errno.ETIMEDOUT
        status = m.read("servers", name, "status")
        assert status in ("SETTLING\n", "DRAFT\n"), status
        if status == "SETTLING\n":  # the POST left: the retry sends nothing
            assert m.write("servers/%s/ctl" % name, "boot\n") == errno.EBUSY
        else:  # nothing was sent, and the error says what ran out of time
            assert "ran out of time" in m.read("servers", name, "error")
        # the user retries until the boot is taken
        deadline = time.time() + 120
        while m.write("servers/%s/ctl" % name, "boot\n") not in (0, errno.ENOENT):
            assert time.time() < deadline, m.read("servers", name, "error")
            time.sleep(1)
        (made,) = wait_one_server(cloud, name, timeout=120)
        wait_file(m, "servers/%s/id" % name, made["id"], timeout=120)
        time.sleep(3)  # a second server would have shown by now
        assert [s["id"] for s in named(cloud, name)] == [made["id"]]
    finally:
        delete_server(m, cloud, name)


def test_a_stop_nova_answers_late_is_unknown_then_seen(cloud, mount, frozen):
    m = mount("timeout=3", "ttl=10")
    name = unique("frozenreboot")
    make_draft(m, cloud, name)
    try:
        assert m.write("servers/%s/ctl" % name, "boot\n") == 0, m.read("servers", name, "error")
        (s,) = wait_one_server(cloud, name, timeout=120)
        assert wait_for(lambda: m.read("servers", name, "status") == "ACTIVE\n", timeout=120)
        frozen(6)
        t = time.time()
        assert m.write("servers/%s/ctl" % name, "stop\n") == errno.ETIMEDOUT
        assert time.time() - t < 6, "the writer waited for the late answer"
        error = m.read("servers", name, "error")
        assert "the outcome is unknown" in error, error
        # Nova wakes up and stops it: the status and events show it
        assert wait_for(lambda: m.read("servers", name, "status") == "SHUTOFF\n", timeout=120), \
            m.read("servers", name, "status")
        events = m.read("servers", name, "events")
        assert any(" SHUTOFF" in line for line in events.splitlines()), events
        assert cloud.client.server(s["id"])["status"] == "SHUTOFF"
    finally:
        delete_server(m, cloud, name)
