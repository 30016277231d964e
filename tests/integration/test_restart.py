"""The mount outlives its serving process (issue 18).

`openstackfs MOUNTPOINT` is a supervisor that holds the mount and runs the
serving process; /.openstackfs/pid names the serving process and
/.openstackfs/generation counts them (1 at mount).

- kill -9 of the serving process every 2 s under walks, reads and `ls -l`:
  no command fails, no "Transport endpoint is not connected", a shell whose
  cwd is in the mount keeps working, one generation per kill;
- a serving process that cannot start (its clouds.yaml no longer
  authenticates) dies five times in a row: the supervisor unmounts, says
  why, and exits non-zero, leaving no process;
- SIGTERM to the supervisor, and fusermount3 -u, leave no mount and no
  process;
- SIGUSR2 replaces the serving process under a read loop with no failed
  read.

Every step is bounded in time and every mount is unmounted, even when a
test fails."""
import os
import signal
import subprocess
import threading
import time

import pytest

from harness import SLOW, free_port, is_mounted, wait_for
from test_draft_trust import delete_server, wait_one_server
from test_names_stable import create_server
from test_write import make_draft, unique, wait_file

KILL_EVERY = 2.0
KILL_FOR = 30.0  # the 30 s of walks, reads and ls under kills


def alive(pid):
    """Running, not a zombie."""
    try:
        state = open("/proc/%d/stat" % pid).read().rsplit(") ", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def processes_of(path):
    """Every process whose command line names the mount point."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            argv = open("/proc/%s/cmdline" % d, "rb").read().split(b"\0")
        except OSError:
            continue
        if path.encode() in argv and alive(int(d)):
            pids.append(int(d))
    return pids


def generation(m):
    return int(m.read(".openstackfs", "generation"))


class Loop(threading.Thread):
    """Runs one shell command again and again in the mount until stopped;
    keeps each failure (status, stderr)."""

    def __init__(self, m, cmd):
        super().__init__(daemon=True)
        self.m, self.cmd = m, cmd
        self.runs, self.failures = 0, []
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            try:
                r = subprocess.run(["bash", "-c", self.cmd], cwd=self.m.path, capture_output=True,
                                   text=True, timeout=120 * SLOW)
            except subprocess.TimeoutExpired:
                self.failures.append((self.cmd, "timed out"))
                continue
            self.runs += 1
            if r.returncode != 0 or r.stderr:
                self.failures.append((self.cmd, r.returncode, r.stderr[-500:]))

    def stop(self):
        self.halt.set()
        self.join(timeout=180 * SLOW)
        assert not self.is_alive(), "%s still runs" % self.cmd


class Shell:
    """A bash whose cwd is a directory of the mount; answers one command at
    a time."""

    def __init__(self, cwd):
        self.p = subprocess.Popen(["bash"], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)

    def ask(self, cmd):
        self.p.stdin.write("%s 2>&1; echo \"== $?\"\n" % cmd)
        self.p.stdin.flush()
        out = []
        timer = threading.Timer(60 * SLOW, self.p.kill)
        timer.start()
        try:
            for line in self.p.stdout:
                if line.startswith("== "):
                    return int(line[3:]), "".join(out)
                out.append(line)
        finally:
            timer.cancel()
        raise AssertionError("the shell died: " + "".join(out))

    def close(self):
        self.p.kill()
        self.p.wait(timeout=10)


def test_kill9_every_2s_under_walks_reads_and_ls(cloud, mount):
    m = mount()
    m.restarts_expected = True
    names = sorted(n for n in os.listdir(m.p("servers")) if not n.startswith("."))
    assert names, "no server to walk"
    shell = Shell(m.p("servers", names[0]))
    loops = [Loop(m, "grep -l ACTIVE servers/*/status >/dev/null"),
             Loop(m, "cat flavors/m1.tiny/ram servers/%s/status >/dev/null" % names[-1]),
             Loop(m, "ls -l servers >/dev/null")]
    kills = 0
    try:
        assert shell.ask("cat status") [0] == 0
        for loop in loops:
            loop.start()
        end = time.monotonic() + KILL_FOR
        while time.monotonic() < end:
            time.sleep(KILL_EVERY)
            os.kill(m.serving_pid(), signal.SIGKILL)
            kills += 1
            code, out = shell.ask("cat status >/dev/null && ls >/dev/null && pwd")
            assert code == 0, out
            assert out.strip() == m.p("servers", names[0])
    finally:
        for loop in loops:
            loop.stop()
        shell.close()
    for loop in loops:
        assert loop.runs > 0, loop.cmd
        assert not loop.failures, loop.failures[:3]
    assert generation(m) == kills + 1
    assert is_mounted(m.path) and m.proc.poll() is None
    assert "Transport endpoint is not connected" not in m.output()


def write_clouds_yaml(path, env, auth_url=None):
    """The cloud of `env` (OS_* variables) as the clouds.yaml entry `t18`."""
    top = {"REGION_NAME", "INTERFACE", "AUTH_TYPE", "IDENTITY_API_VERSION"}
    auth, cloud = [], []
    for k, v in sorted(env.items()):
        if not k.startswith("OS_"):
            continue
        key = k[3:]
        if key == "AUTH_URL" and auth_url:
            v = auth_url
        (cloud if key in top else auth).append("%s: '%s'" % (key.lower(), v))
    text = "clouds:\n  t18:\n    auth:\n" + "".join("      %s\n" % a for a in auth)
    text += "".join("    %s\n" % c for c in cloud)
    path.write_text(text)
    path.chmod(0o600)


def test_a_serving_process_that_cannot_start_ends_in_a_clean_unmount(cloud, mount, tmp_path):
    yaml = tmp_path / "clouds.yaml"
    write_clouds_yaml(yaml, cloud.env)
    m = mount(env={"OS_CLIENT_CONFIG_FILE": str(yaml), "HOME": str(tmp_path)}, args=["--cloud", "t18"])
    m.restarts_expected = True
    assert m.read("flavors", "m1.tiny", "ram") == "512\n"
    first = m.serving_pid()
    # the configuration no longer authenticates: every next generation dies at start
    write_clouds_yaml(yaml, cloud.env, auth_url="http://127.0.0.1:%d/v3" % free_port())
    os.kill(first, signal.SIGKILL)
    assert m.wait_exit(timeout=120) != 0
    assert not is_mounted(m.path)
    out = m.output()
    reason = [l for l in out.splitlines() if "unmounting" in l and "in a row" in l]
    assert len(reason) == 1, out[-3000:]
    assert "cannot reach Keystone" in out      # each start said why it failed
    assert wait_for(lambda: not processes_of(m.path), 10), processes_of(m.path)


@pytest.mark.parametrize("how", ["SIGTERM", "fusermount3 -u", "umount"])
def test_a_stop_leaves_no_mount_and_no_process(cloud, mount, how):
    if how == "umount" and os.geteuid() != 0:
        pytest.skip("umount(8) of a FUSE mount is root's")
    m = mount()
    assert m.read("flavors", "m1.tiny", "ram") == "512\n"
    serving = m.serving_pid()
    assert serving != m.proc.pid and alive(serving)
    if how == "SIGTERM":
        m.proc.send_signal(signal.SIGTERM)
    else:
        subprocess.run(how.split() + [m.path], check=True, timeout=30)
    assert m.wait_exit(timeout=60) == 0, m.output()
    assert not is_mounted(m.path)
    assert wait_for(lambda: not alive(serving), 10), "the serving process outlived its supervisor"
    assert not processes_of(m.path)


def test_sigusr2_upgrades_under_a_read_loop_with_no_failed_read(cloud, mount):
    m = mount()
    m.restarts_expected = True
    before = m.serving_pid()
    loop = Loop(m, "cat flavors/m1.tiny/ram >/dev/null && ls servers >/dev/null "
                   "&& cat .openstackfs/version >/dev/null")
    loop.start()
    try:
        time.sleep(1)
        m.proc.send_signal(signal.SIGUSR2)
        assert wait_for(lambda: generation(m) == 2, 60 * SLOW), m.output()[-3000:]
        runs = loop.runs
        assert wait_for(lambda: loop.runs > runs + 3, 60 * SLOW)
    finally:
        loop.stop()
    assert not loop.failures, loop.failures[:3]
    assert m.serving_pid() != before and not alive(before)
    assert m.read(".openstackfs", "version").startswith("openstackfs ")
    assert "killed by signal" not in m.output()


ACTION = "POST /compute/v2.1/servers/{id}/action"
BOOT = "POST /compute/v2.1/servers"


def echo_under_a_kill(m, text, rel, held, why):
    """`echo text > rel`; the serving process is killed once held() says
    the write is held up in the cloud.  The finished writer."""
    writer = subprocess.Popen(["bash", "-c", "echo %s > %s" % (text, rel)], cwd=m.path,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(held, 30), why
        os.kill(m.serving_pid(), signal.SIGKILL)
        try:
            writer.wait(timeout=30 * SLOW)
        except subprocess.TimeoutExpired:
            if "cannot resend" in m.output():
                pytest.skip("this kernel has no FUSE_NOTIFY_RESEND: the writer waits")
            raise
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait(timeout=10)
    return writer


def write_under_a_kill(m, emu, rel, text, counter):
    """`echo text > rel` while its request is held up in the cloud; the
    serving process is killed once the request arrived.  The writer's
    stderr (it must fail)."""
    writer = echo_under_a_kill(m, text, rel, lambda: emu.count(counter) == 1,
                               "the request did not leave")
    err = writer.stderr.read()
    assert writer.returncode != 0, "the write under way at the kill succeeded"
    return err


def test_a_ctl_write_under_way_at_a_kill_is_not_sent_again(emu, mount):
    m = mount()
    m.restarts_expected = True
    ids = {s["id"] for s in emu.servers() if s["status"] == "ACTIVE"}
    name = next(n for n in sorted(os.listdir(m.p("servers")))
                if not n.startswith(".") and m.read("servers", n, "id").strip() in ids)
    sid = m.read("servers", name, "id").strip()
    emu.reset()
    emu.fault(method="POST", path="/servers/%s/action" % sid, delay=3, count=1)
    err = write_under_a_kill(m, emu, "servers/%s/ctl" % name, "stop", ACTION)
    # the caller is told the outcome is unknown, as when an answer is lost
    assert "timed out" in err, err
    assert wait_for(lambda: m.read("servers", name, "status") == "SHUTOFF\n", 60 * SLOW)
    assert emu.count(ACTION) == 1, "a stop under way at the kill was sent again"
    assert generation(m) == 2


def test_a_ctl_write_whose_request_had_not_left_is_sent_once_after_a_kill(emu, mount):
    """`resize FLAVOR` looks the flavor up before its POST: killed while the
    look-up hangs, nothing had left, so the next generation does it, once."""
    ids = {s["id"]: s for s in emu.servers() if s["status"] == "ACTIVE"}
    look = mount()      # names seen here, so that the flavors are not listed in m
    name = next(n for n in sorted(os.listdir(look.p("servers")))
                if not n.startswith(".") and look.read("servers", n, "id").strip() in ids)
    sid = look.read("servers", name, "id").strip()
    flavor = next(f for f in sorted(os.listdir(look.p("flavors"))) if not f.startswith(".")
                  and look.read("flavors", f, "id").strip() != ids[sid]["flavor_id"])
    look.unmount()
    m = mount()
    m.restarts_expected = True
    assert m.read("servers", name, "id").strip() == sid
    emu.reset()
    emu.fault(method="GET", path="/flavors", hang=True, count=1)
    try:
        writer = echo_under_a_kill(
            m, "resize %s" % flavor, "servers/%s/ctl" % name,
            lambda: any(k.startswith("GET") and "flavors" in k for k in emu.counters()["requests"])
            and emu.count(ACTION) == 0, "the look-up did not start, or the POST left")
    finally:
        emu.clear_faults()
    assert writer.returncode == 0, writer.stderr.read()
    assert emu.count(ACTION) == 1
    assert wait_for(lambda: m.read("servers", name, "status") == "VERIFY_RESIZE\n", 60 * SLOW)
    assert generation(m) == 2
    m.write("servers/%s/ctl" % name, "revert-resize\n")


def test_a_boot_under_way_at_a_kill_makes_one_server(emu, cloud, mount):
    m = mount()
    m.restarts_expected = True
    name = unique("t18boot")
    make_draft(m, cloud, name)
    emu.reset()
    emu.fault(method="POST", path="/compute/v2.1/servers$", delay=3, count=1)
    try:
        err = write_under_a_kill(m, emu, "servers/%s/ctl" % name, "boot", BOOT)
        assert "timed out" in err, err
        (made,) = wait_one_server(cloud, name)
        # the draft's name now shows the one server the boot made
        wait_file(m, "servers/%s/id" % name, made["id"], timeout=60 * SLOW)
        assert emu.count(BOOT) == 1, "a boot under way at the kill was sent again"
    finally:
        emu.clear_faults()
        delete_server(m, cloud, name)


def test_the_next_generation_keeps_the_token(emu, mount):
    m = mount()
    m.restarts_expected = True
    assert m.read("flavors", "m1.tiny", "ram") == "512\n"
    emu.reset()
    os.kill(m.serving_pid(), signal.SIGKILL)
    assert wait_for(lambda: generation(m) == 2, 30 * SLOW)
    assert len(os.listdir(m.p("servers"))) > 1
    assert emu.count("POST /identity/v3/auth/tokens") == 0, "the next generation asked again"


def test_a_ctl_line_begun_before_a_kill_is_finished_by_the_next_generation(emu, mount):
    """`un` written, the serving process killed, then `lock\\n` on the same
    open file: the line is `unlock`, as without the kill (issue 16 row 3
    across a restart), never `lock` alone."""
    m = mount()
    m.restarts_expected = True
    ids = {s["id"]: s for s in emu.servers() if s["status"] == "ACTIVE"}
    name = next(n for n in sorted(os.listdir(m.p("servers")))
                if not n.startswith(".") and m.read("servers", n, "id").strip() in ids)
    sid = m.read("servers", name, "id").strip()
    assert m.write("servers/%s/ctl" % name, "lock\n") == 0  # locked first, so that unlock shows
    assert wait_for(lambda: {s["id"]: s["locked"] for s in emu.servers()}[sid], 30 * SLOW)
    fd = os.open(m.p("servers", name, "ctl"), os.O_WRONLY)
    try:
        assert os.write(fd, b"un") == 2
        os.kill(m.serving_pid(), signal.SIGKILL)
        assert wait_for(lambda: generation(m) == 2, 30 * SLOW)
        assert os.write(fd, b"lock\n") == 5
    finally:
        os.close(fd)
    locked = {s["id"]: s["locked"] for s in emu.servers()}
    assert locked[sid] is False, "the line's end ran alone: the server was locked"


def test_a_draft_goes_across_a_kill_and_boots_from_the_next_generation(emu, cloud, mount):
    """mkdir, fields, metadata and user_data written; the serving process
    killed: the next generation shows the same draft, and `boot` makes
    one server with what was written before the kill."""
    m = mount()
    m.restarts_expected = True
    name = unique("t18keep")
    make_draft(m, cloud, name)
    assert m.write("servers/%s/metadata/role" % name, "web\n") == 0
    user_data = "#cloud-config\n\tkeep: 100%\n"
    assert m.write("servers/%s/user_data" % name, user_data) == 0
    flavor = m.read("servers", name, "flavor")
    os.kill(m.serving_pid(), signal.SIGKILL)
    assert wait_for(lambda: generation(m) == 2, 30 * SLOW)
    try:
        assert m.read("servers", name, "status") == "DRAFT\n"
        assert m.read("servers", name, "flavor") == flavor
        assert m.read("servers", name, "metadata", "role") == "web\n"
        assert m.read("servers", name, "user_data") == user_data
        assert name in os.listdir(m.p("servers"))
        assert m.write("servers/%s/ctl" % name, "boot\n") == 0
        (made,) = wait_one_server(cloud, name)
        wait_file(m, "servers/%s/id" % name, made["id"], timeout=60 * SLOW)
        srv = {s["id"]: s for s in emu.servers()}[made["id"]]
        assert srv["metadata"].get("role") == "web"
    finally:
        delete_server(m, cloud, name)


def test_the_next_generation_keeps_the_listings(emu, mount):
    """Listed, then the serving process killed: the next generation shows
    the same names and the same objects (packed with the dictionary the
    first one learnt from them) without listing servers again, asking only
    what changed since (one delta)."""
    m = mount()
    m.restarts_expected = True
    before = sorted(os.listdir(m.p("servers")))
    assert len(before) > 1
    names = [n for n in before if not n.startswith(".")]
    some = [names[0], names[len(names) // 2], names[-1]]
    json_before = [m.read("servers", name, "json") for name in some]
    assert wait_for(lambda: emu.call("GET", "/_emu/requests?last=5")["requests"] is not None, 5)
    os.kill(m.serving_pid(), signal.SIGKILL)
    assert wait_for(lambda: generation(m) == 2, 30 * SLOW)
    emu.reset()
    after = sorted(os.listdir(m.p("servers")))
    assert after == before
    assert [m.read("servers", name, "json") for name in some] == json_before
    lists = [r for r in emu.call("GET", "/_emu/requests?last=500")["requests"]
             if r["method"] == "GET" and r["path"].split("?")[0].endswith("/servers/detail")]
    full = [r["path"] for r in lists if "changes-since" not in r["path"]]
    assert full == [], "the next generation listed servers again: %s" % full
    assert len(lists) <= 1, [r["path"] for r in lists]


def test_a_name_handed_out_before_a_kill_does_not_move(cloud, mount):
    """`dup` and `dup~<id>` shown, `dup` deleted, the serving process
    killed, then a new server named `dup` made: the next generation does
    not give it `dup`, which named the deleted one (issue 16 row 9 across
    a restart)."""
    name = unique("t18dup")
    ids = []
    try:
        ids += [create_server(cloud, name), create_server(cloud, name)]
        for sid in ids:
            cloud.client.wait_server(sid, lambda s: s and s["status"] == "ACTIVE", timeout=300)
        m = mount("ttl=1")
        m.restarts_expected = True
        first = m.read("servers", name, "id").strip()
        [other] = [sid for sid in ids if sid != first]
        suffixed = "%s~%s" % (name, other[:8])
        assert m.read("servers", suffixed, "id").strip() == other
        cloud.client.request("DELETE", "compute", "/servers/" + first)
        assert wait_for(lambda: not os.path.lexists(m.p("servers", ".by-id", first)), 60 * SLOW)
        time.sleep(2)  # the refresh that saw it gone writes its listing out after readers have it
        os.kill(m.serving_pid(), signal.SIGKILL)
        assert wait_for(lambda: generation(m) == 2, 30 * SLOW)
        ids.append(create_server(cloud, name))
        third = ids[-1]
        assert wait_for(lambda: os.path.lexists(m.p("servers", ".by-id", third)), 60 * SLOW)
        assert not os.path.exists(m.p("servers", name)), "the deleted server's name moved"
        assert m.read("servers", suffixed, "id").strip() == other
        assert os.readlink(m.p("servers", ".by-id", third)) == "../%s~%s" % (name, third[:8])
    finally:
        for sid in ids:
            cloud.client.request("DELETE", "compute", "/servers/" + sid)
        for sid in ids:  # gone before the next test picks servers
            cloud.client.wait_server(sid, lambda s: not s or s.get("status") == "DELETED",
                                     timeout=120)
