"""The daemon's life and the mount's safety: signals, daemon mode, a mount
point left by a killed daemon, SIGHUP, and secrets.

- SIGTERM and SIGINT unmount cleanly; without -f the daemon detaches and
  `fusermount3 -u` ends it; kill -9 leaves a dead mount point that the next
  start cleans up; SIGHUP drops every cached listing.
- Nothing the daemon writes (its debug log, `error` and `json` files,
  /.openstackfs/log) holds the password, a token or an application
  credential secret; a password file readable by others and OS_INSECURE
  warn; the mount is private, and with allow_other the kernel checks
  permissions.

Every step is bounded in time and every mount is unmounted, even when a
test fails."""
import glob
import os
import signal
import subprocess
import tempfile
import time

import pytest

from harness import BIN, WRAP, Mount, is_mounted, sh, wait_for
from harness import sanitizer_reports

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


class MountAt(Mount):
    """A Mount on a directory of our choosing (the harness makes a new one
    each time): a second daemon on the mount point of a dead one."""

    def __init__(self, path, env, *opts):
        self.dir = self.path = path
        self.logfile = path + ".again.log"
        self.log = open(self.logfile, "w")
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        full_env.update(env)
        self.cmd = WRAP + [BIN, path, "-f"] + (["-o", ",".join(opts)] if opts else [])
        self.proc = subprocess.Popen(self.cmd, env=full_env, stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.returncode = None
        # the dead mount is there from the start, then for a moment no
        # mount at all: wait for the live one
        deadline = time.time() + 30
        while True:
            try:
                if "flavors" in os.listdir(path):
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise AssertionError("no live mount: " + self.output())
            time.sleep(0.05)


def daemon_pids(path):
    """Pids of openstackfs processes serving `path` (found in /proc)."""
    pids = []
    for d in glob.glob("/proc/[0-9]*"):
        try:
            argv = open(d + "/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) == b"openstackfs" and path.encode() in argv:
            pids.append(int(os.path.basename(d)))
    return pids


def pid_gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # a zombie is gone too
        return open("/proc/%d/stat" % pid).read().split(") ")[1].startswith("Z")
    except OSError:
        return True


def mount_options(path):
    path = os.path.realpath(path)
    for line in open("/proc/mounts"):
        f = line.split()
        if f[1] == path:
            return f[2], f[3].split(",")
    return None, []


# ---- signals and daemon mode ----

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_unmounts_cleanly(mount, sig):
    m = mount()
    assert m.read("flavors", "m1.tiny", "ram") == "512\n"
    m.proc.send_signal(sig)
    assert m.wait_exit(timeout=30) == 0, m.output()
    assert not is_mounted(m.path)
    assert "error" not in m.output(), m.output()


def test_daemon_mode_and_fusermount(cloud):
    path = tempfile.mkdtemp(prefix="osfs-mnt-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(cloud.env)
    pids = []
    try:
        # without -f the command returns once mounted, the daemon stays
        r = subprocess.run([BIN, path], env=env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert is_mounted(path)
        pids = daemon_pids(path)
        assert len(pids) == 1, pids
        assert open(os.path.join(path, "flavors", "m1.tiny", "ram")).read() == "512\n"
        assert sh("ls %s/servers | wc -l" % path, timeout=60).stdout.strip() != "0"
        sh("fusermount3 -u %s" % path)
        assert wait_for(lambda: pid_gone(pids[0]), 30), "daemon still runs after fusermount3 -u"
        assert not is_mounted(path)
    finally:
        if is_mounted(path):
            subprocess.run(["fusermount3", "-uz", path], capture_output=True, timeout=20)
        for pid in pids:
            if not pid_gone(pid):
                os.kill(pid, signal.SIGKILL)
        os.rmdir(path)


def test_kill9_leaves_a_dead_mount_the_next_start_cleans(cloud, mount):
    m = mount()
    assert m.read("flavors", "m1.tiny", "ram") == "512\n"
    serving = m.serving_pid()
    m.proc.send_signal(signal.SIGKILL)  # the supervisor: the serving process follows it
    m.proc.wait(timeout=10)
    assert wait_for(lambda: pid_gone(serving), 30), "the serving process outlived its supervisor"
    r = sh("ls %s" % m.path, check=False)
    assert r.returncode != 0 and "Transport endpoint is not connected" in r.stderr
    again = MountAt(m.path, cloud.env)
    try:
        assert again.read("flavors", "m1.tiny", "ram") == "512\n"
        warn = [l for l in again.output().splitlines() if "died" in l]
        assert len(warn) == 1 and m.path in warn[0], again.output()
        # one mount is left, not the dead one under a live one
        assert sum(1 for l in open("/proc/mounts") if l.split()[1] == m.path) == 1
    finally:
        again.unmount()
    assert not sanitizer_reports(again), sanitizer_reports(again)


def test_sighup_drops_every_cached_listing(emu, mount):
    m = mount()
    m.sh("ls servers >/dev/null; ls flavors >/dev/null; cat limits/maxTotalInstances >/dev/null",
         timeout=60)
    emu.reset()
    m.sh("ls servers >/dev/null; ls flavors >/dev/null")
    assert emu.count("GET /compute/v2.1/servers/detail") == 0  # within the TTL
    m.proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    assert m.proc.poll() is None and is_mounted(m.path), "SIGHUP stopped the daemon"
    m.sh("ls servers >/dev/null; ls flavors >/dev/null; cat limits/maxTotalInstances >/dev/null",
         timeout=60)
    pages = len(emu.servers()) // 1000 + 1
    assert emu.count("GET /compute/v2.1/servers/detail") == pages
    assert emu.count("GET /compute/v2.1/flavors/detail") == 1
    assert emu.count("GET /compute/v2.1/limits") == 1
    assert emu.count("POST /identity/v3/auth/tokens") == 0  # the token is kept
    m.proc.send_signal(signal.SIGHUP)  # and again: the waiter keeps waiting
    time.sleep(0.3)
    assert m.read("flavors", "m1.tiny", "ram") == "512\n"
    m.proc.send_signal(signal.SIGTERM)
    assert m.wait_exit(timeout=30) == 0


# ---- secrets ----

def written_by_daemon(m):
    """Everything the daemon lets a user read, plus its log."""
    out = [m.output()]
    for rel in (".openstackfs/log", ".openstackfs/stats", ".openstackfs/cloud"):
        out.append(m.read(*rel.split("/")))
    # every error and json file; servers by the thousand, so by shell glob
    for pattern in ("servers/*/error", "servers/*/json", "keypairs/*/error", "keypairs/*/json",
                    "flavors/*/json", "images/*/json", "limits/json"):
        r = m.sh("cat %s 2>/dev/null" % pattern, timeout=300, check=False)
        out.append(r.stdout)
    return "\n".join(out)


def revoke_then_renew(emu, m):
    """A revoked token, then one that reaches its renewal time (the
    emulator's token_ttl set to 4 s: renewed at 3/4 of its life)."""
    emu.call("POST", "/_emu/revoke")
    sh("sleep 1.1")
    m.sh("ls flavors >/dev/null", timeout=60)
    sh("sleep 3.5")
    m.sh("ls flavors >/dev/null; cat images/*/status >/dev/null", timeout=60)
    assert m.stats()["reauths"] >= 2


def test_no_secret_anywhere(emu, mount):
    """Reads, writes that fail, revocation and renewal with a debug log;
    then nothing the daemon wrote holds the password or a token."""
    password = emu.env()["OS_PASSWORD"]
    emu.config(token_ttl=4)  # renewed at 3/4 of its life: 3 s after issue
    try:
        # every read after a second asks the API, but servers (thousands of
        # json files to read at the end) are listed once
        m = mount("ttl=1", "ttl_servers=120", debug=True)
        m.sh("ls servers flavors images keypairs >/dev/null; cat flavors/m1.tiny/ram", timeout=60)
        active = next(s["name"] for s in emu.servers()
                      if s["status"] == "ACTIVE" and s["name"].startswith("srv-"))
        # writes that fail with the API's message: a bogus flavor, a wrong
        # verb, a verb in the wrong state
        assert m.sh("mkdir servers/secret-probe").returncode == 0
        assert m.write("servers/secret-probe/flavor", "no-such-flavor\n") != 0
        assert m.read("servers", "secret-probe", "error").strip()
        assert m.write("servers/%s/ctl" % active, "explode\n") != 0
        assert m.write("servers/%s/ctl" % active, "start\n") != 0  # already ACTIVE: 409
        assert m.read("servers", active, "error").strip()
        revoke_then_renew(emu, m)
        m.sh("rmdir servers/secret-probe")
        text = written_by_daemon(m)
    finally:
        emu.config(token_ttl=3600)
    m.unmount()
    text += m.output()
    assert "GET" in text and "POST" in text  # the debug log really logs calls
    assert password not in text
    tokens = [t["token"] for t in emu.call("GET", "/_emu/tokens?secrets=1")["tokens"]]
    assert len(tokens) >= 3
    leaked = [t[:12] + "..." for t in tokens if t in text]
    assert not leaked, "tokens in the daemon's output: %s" % leaked


def test_no_application_credential_secret(emu, mount):
    env = {k: v for k, v in emu.env().items()
           if k in ("OS_AUTH_URL", "OS_REGION_NAME")}
    env.update(OS_AUTH_TYPE="v3applicationcredential", OS_APPLICATION_CREDENTIAL_ID="democred",
               OS_APPLICATION_CREDENTIAL_SECRET="demosecret")
    m = mount(env=env, debug=True)
    m.sh("ls servers >/dev/null; cat flavors/*/ram >/dev/null", timeout=60)
    emu.call("POST", "/_emu/revoke")
    m.sh("sleep 0.2; cat keypairs/*/fingerprint >/dev/null; ls servers >/dev/null", timeout=60)
    assert m.read("flavors", "m1.tiny", "ram") == "512\n"
    text = written_by_daemon(m)
    m.unmount()
    text += m.output()
    assert "demosecret" not in text
    tokens = [t["token"] for t in emu.call("GET", "/_emu/tokens?secrets=1")["tokens"]]
    assert not [t for t in tokens if t in text]


def start_and_stop(env, *opts):
    """Start a mount, return its output once mounted (then unmount)."""
    m = Mount(env, *opts)
    try:
        assert m.read("flavors", "m1.tiny", "ram") == "512\n"
        return m.output()
    finally:
        m.unmount()
        assert not sanitizer_reports(m), sanitizer_reports(m)


def test_readable_password_file_warns(cloud, tmp_path):
    path = tmp_path / "clouds.yaml"
    path.write_text(
        "clouds:\n  emu:\n    auth:\n      auth_url: %s\n      username: demo\n"
        "      password: %s\n      project_name: demo\n"
        "      user_domain_name: Default\n      project_domain_name: Default\n"
        "    region_name: RegionOne\n" % (cloud.env["OS_AUTH_URL"], cloud.env["OS_PASSWORD"]))
    env = {"OS_CLIENT_CONFIG_FILE": str(path), "OS_CLOUD": "emu"}
    path.chmod(0o600)
    assert "warning" not in start_and_stop(env)
    path.chmod(0o644)
    out = start_and_stop(env)
    warn = [l for l in out.splitlines() if "warning" in l]
    assert warn and str(path) in warn[0], out
    assert cloud.env["OS_PASSWORD"] not in out


def test_insecure_warns(cloud):
    out = start_and_stop(dict(cloud.env, OS_INSECURE="true"))
    assert any("warning" in l and "not verified" in l.lower() for l in out.splitlines()), out


def test_mount_is_private(mnt):
    r = sh(" ".join(NOBODY) + " ls %s" % mnt.path, check=False)
    assert r.returncode != 0 and "Permission denied" in r.stderr, r
    r = sh(" ".join(NOBODY) + " cat %s/flavors/m1.tiny/ram" % mnt.path, check=False)
    assert r.returncode != 0 and "Permission denied" in r.stderr, r
    fstype, opts = mount_options(mnt.path)
    assert fstype == "fuse.openstackfs" and "allow_other" not in opts


def test_allow_other_forces_default_permissions(cloud, mount):
    m = mount("allow_other")
    fstype, opts = mount_options(m.path)
    assert "default_permissions" in opts and "allow_other" in opts, opts
    nobody = " ".join(NOBODY)
    # others may read ...
    r = sh("%s cat %s/flavors/m1.tiny/ram" % (nobody, m.path))
    assert r.stdout == "512\n"
    srv = next(s for s in cloud.client.servers() if s["status"] == "ACTIVE")
    d = os.path.basename(os.readlink(m.p("servers", ".by-id", srv["id"])))
    assert sh("%s cat %s/servers/%s/status" % (nobody, m.path, d)).stdout.strip() == srv["status"]
    # ... but never write: the kernel checks the modes (0755/0644, owner root)
    for cmd in ("mkdir %s/servers/nobody-was-here" % m.path,
                "sh -c 'echo reboot > %s/servers/%s/ctl'" % (m.path, d),
                "sh -c 'echo v > %s/servers/%s/metadata/k'" % (m.path, d)):
        r = sh("%s %s" % (nobody, cmd), check=False)
        assert r.returncode != 0 and "Permission denied" in r.stderr, (cmd, r.stderr)
    if cloud.emu:
        assert not [s for s in cloud.emu.servers() if s["name"] == "nobody-was-here"]
    # the owner still can
    assert m.sh("mkdir servers/owner-draft && rmdir servers/owner-draft").returncode == 0


def memory_of(pid):
    """The daemon's writable and readable memory, read as root."""
    chunks = []
    with open("/proc/%d/maps" % pid) as maps, open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for line in maps:
            span, perms = line.split()[:2]
            if not perms.startswith("rw"):
                continue
            start, end = (int(x, 16) for x in span.split("-"))
            if end - start > 1 << 30:
                continue  # a sanitizer's shadow: reserved, not the daemon's data
            try:
                mem.seek(start)
                chunks.append(mem.read(end - start))
            except OSError:
                pass  # guard pages
    return b"".join(chunks)


def test_secrets_are_held_once(emu, mount):
    """After reads, renewals and a revocation, the serving process's memory
    holds the password once (its configuration), and the supervisor's at
    most once (to start the next serving process): what carried it
    (request bodies, libcurl's buffers) was wiped when it was given back."""
    password = emu.env()["OS_PASSWORD"].encode()
    emu.config(token_ttl=4)  # renewed at 3/4 of its life
    try:
        m = mount("ttl=1")
        m.sh("ls servers flavors images >/dev/null; cat flavors/m1.tiny/ram", timeout=60)
        revoke_then_renew(emu, m)
        serving = m.serving_pid()
        with open("/proc/%d/maps" % serving) as f:
            checked = any(tool in f.read() for tool in ("libasan", "libtsan", "vgpreload"))
        if checked or any(os.environ.get(v) for v in ("ASAN_OPTIONS", "TSAN_OPTIONS")):
            pytest.skip("a sanitizer or valgrind keeps its own copy of the environment "
                        "and freed memory unwiped")
        memory = memory_of(serving)
        holder = memory_of(m.proc.pid) if serving != m.proc.pid else b""
    finally:
        emu.config(token_ttl=3600)
    copies, held = memory.count(password), holder.count(password)
    del memory, holder
    assert copies == 1, "the serving process holds the password %d times" % copies
    assert held <= 1, "the supervisor holds the password %d times" % held
