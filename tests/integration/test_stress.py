"""Many users at once, for a bounded time (OSFS_STRESS_S seconds, 20 by
default, 60 in the tsan tier): walks, listings, reads, writes, boots and ctl
actions in parallel, with SIGHUP and token revocations under them and a
listing TTL of one second.  What a user checks afterwards: the mount still
answers, no command hung, every boot made at most one server, what was
written is in the cloud, and (through the mount fixture) no sanitizer report.
"""
import json
import os
import random
import signal
import subprocess
import threading
import time

import pytest

from harness import SLOW, Emulator, sh
from fixtures import EMU_SERVERS

STRESS_S = float(os.environ.get("OSFS_STRESS_S", "20"))
SERVERS = min(EMU_SERVERS, 1000)
CMD_TIMEOUT = 90  # seconds (times SLOW) one command may take before it "hung"


class Run:
    """What the workers did, shared between them under one lock."""

    def __init__(self, m, deadline):
        self.m = m
        self.deadline = deadline
        self.lock = threading.Lock()  # protects every list below
        self.hung = []      # commands that did not finish within CMD_TIMEOUT
        self.failed = []    # (command, stderr) of reads that must not fail
        self.written = []   # (server name, key, value) writes that returned 0
        self.boots = []     # (draft name, exit code of each `echo boot`)
        self.done = {}      # worker name -> commands run

    def more(self):
        return time.time() < self.deadline

    def run(self, who, cmd, must=False):
        """One shell command inside the mount; returns (rc, stdout, stderr)."""
        try:
            p = sh("cd %s && %s" % (self.m.path, cmd), timeout=CMD_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            with self.lock:
                self.hung.append(cmd)
            return None, "", "timed out"
        with self.lock:
            self.done[who] = self.done.get(who, 0) + 1
            if must and p.returncode != 0:
                self.failed.append((cmd, p.stderr[-300:]))
        return p.returncode, p.stdout, p.stderr


def live_names(n):
    return ["srv-%05d" % i for i in range(1, n + 1)]


def walker(r, rng):
    cmds = ("grep -rs --include=status --include=json -l ACTIVE servers | wc -l",
            "find servers flavors images -maxdepth 2 | wc -l",
            "grep -rsh . flavors limits >/dev/null; true")
    while r.more():
        r.run("walk", rng.choice(cmds))


def lister(r, rng, names):
    while r.more():
        r.run("ls", "ls -l servers >/dev/null")
        r.run("ls", "ls -l servers/%s servers/%s/metadata >/dev/null" % ((rng.choice(names),) * 2))


def reader(r, rng, names):
    while r.more():
        name = rng.choice(names)
        rc, out, err = r.run("read", "cat servers/%s/json" % name)
        if rc == 0:
            try:
                got = json.loads(out)["name"]
            except (ValueError, KeyError) as e:
                got = "%s: ...%r" % (e, out[-120:])
            if got != name:
                with r.lock:
                    # a json cut short at a size the kernel cached before the
                    # cloud changed the server counts as a failed read
                    r.failed.append(("json of " + name, got))
        r.run("read", "cat servers/%s/status servers/%s/updated >/dev/null" % (name, name))


def other_reader(r, rng, names):
    """The rest of the tree: files made on demand, the daemon's own files."""
    while r.more():
        name = rng.choice(names)
        r.run("other", "cat servers/%s/console.log >/dev/null 2>&1; cat .openstackfs/stats"
              " .openstackfs/log limits/* keypairs/*/fingerprint images/*/status >/dev/null"
              % name, must=False)
        r.run("other", "cat .openstackfs/stats >/dev/null", must=True)


def meta_writer(r, rng, names):
    n = 0
    while r.more():
        n += 1
        name, key, value = rng.choice(names), "stress-%d" % n, "v%d" % rng.randrange(10**6)
        rc, _, _ = r.run("meta", "echo %s > servers/%s/metadata/%s" % (value, name, key))
        if rc == 0:
            with r.lock:
                r.written.append((name, key, value))


def ctl_actor(r, rng, names):
    verbs = ("reboot", "stop", "start", "reboot hard")
    while r.more():
        r.run("ctl", "echo %s > servers/%s/ctl" % (rng.choice(verbs), rng.choice(names)))
        time.sleep(0.2)


def booter(r, rng, prefix):
    """Drafts with metadata, each booted by three `echo boot`s at once
    while a fourth writer adds a metadata key to the draft."""
    n = 0
    while r.more():
        n += 1
        name = "%s-%d" % (prefix, n)
        d = "servers/" + name
        rc, _, _ = r.run("boot", "mkdir %s && echo m1.tiny > %s/flavor && echo cirros-0.6.2 > %s/image"
                         " && echo none > %s/networks && echo %d > %s/metadata/draft-key"
                         % (d, d, d, d, n, d))
        if rc != 0:
            continue
        codes = [None] * 3

        def boot(i):
            codes[i] = r.run("boot", "echo boot > %s/ctl" % d)[0]

        def late_key():
            r.run("boot", "echo late > %s/metadata/late-key" % d)
        ts = [threading.Thread(target=boot, args=(i,)) for i in range(3)]
        ts.append(threading.Thread(target=late_key))
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        with r.lock:
            r.boots.append((name, codes))


def hupper(r, m):
    while r.more():
        time.sleep(1.5)
        if m.proc.poll() is None:
            m.proc.send_signal(signal.SIGHUP)


def revoker(r, emu):
    while r.more():
        time.sleep(4)
        emu.call("POST", "/_emu/revoke")


@pytest.fixture
def stress_emu(cloud):
    if not cloud.emu:
        pytest.skip("needs the emulator's control API (token revocation)")
    # tokens that live a minute: renewed often, from many threads at once
    e = Emulator("--token-ttl", "60", servers=SERVERS)
    yield e
    e.stop()


def test_everything_at_once(stress_emu, mount):
    emu = stress_emu
    m = mount("ttl=1", env=emu.env())
    names = live_names(SERVERS)
    r = Run(m, time.time() + STRESS_S)
    prefix = "stress%d" % os.getpid()
    rngs = [random.Random(seed) for seed in range(20)]
    workers = [threading.Thread(target=walker, args=(r, rngs[0])),
               threading.Thread(target=walker, args=(r, rngs[1])),
               threading.Thread(target=lister, args=(r, rngs[2], names)),
               threading.Thread(target=reader, args=(r, rngs[3], names)),
               threading.Thread(target=reader, args=(r, rngs[4], names)),
               threading.Thread(target=other_reader, args=(r, rngs[8], names)),
               threading.Thread(target=meta_writer, args=(r, rngs[5], names)),
               threading.Thread(target=ctl_actor, args=(r, rngs[6], names)),
               threading.Thread(target=booter, args=(r, rngs[7], prefix)),
               threading.Thread(target=hupper, args=(r, m)),
               threading.Thread(target=revoker, args=(r, emu))]
    for t in workers:
        t.daemon = True
        t.start()
    for t in workers:
        t.join(timeout=STRESS_S + 3 * CMD_TIMEOUT * SLOW)
    assert not [t for t in workers if t.is_alive()], "a worker never came back"
    assert not r.hung, "commands that hung: %s" % r.hung[:10]
    assert not r.failed, "reads that failed: %s" % r.failed[:10]
    print("commands run: %s" % (r.done,))
    for who in ("walk", "ls", "read", "other", "meta", "ctl", "boot"):
        assert r.done.get(who, 0) > 0, "no %s command finished: %s" % (who, r.done)

    # the mount is alive: it lists every server and reads a file exactly
    listed = set(m.sh("ls servers", timeout=60).stdout.split())
    assert set(names) <= listed
    assert m.read("flavors", "m1.tiny", "ram") == "512\n"
    assert m.proc.poll() is None

    # the cloud's own view: at most one server per draft, one for each
    # draft a boot succeeded for, with the metadata the draft had
    cloud_servers = emu.servers()
    for name, codes in r.boots:
        made = [s for s in cloud_servers if s["name"] == name]
        assert len(made) <= 1, (name, codes, len(made))
        if 0 in codes:
            assert len(made) == 1, (name, codes)
            assert made[0]["metadata"].get("draft-key") == name.rsplit("-", 1)[1]
    assert any(0 in codes for _, codes in r.boots), "no boot succeeded: %s" % r.boots[:5]
    by_name = {s["name"]: s for s in cloud_servers}
    for name, key, value in r.written:
        assert by_name[name]["metadata"].get(key) == value, (name, key, value)


def test_draft_metadata_is_frozen_while_it_boots(emu, cloud, mount):
    """Adding a key to a draft whose boot is in flight is refused (EBUSY)
    rather than racing the request being built, and the server gets exactly
    the metadata the draft had when `boot` was written."""
    m = mount()
    name = "frozen%d" % os.getpid()
    d = "servers/" + name
    m.sh("mkdir %s && echo m1.tiny > %s/flavor && echo cirros-0.6.2 > %s/image"
         " && echo none > %s/networks && echo 1 > %s/metadata/early" % ((d,) * 5))
    emu.fault(path="/compute/v2.1/servers$", method="POST", delay=2.0, count=1)
    boot = subprocess.Popen(["bash", "-c", "echo boot > %s/ctl" % m.p(d)])
    try:
        time.sleep(0.8)  # the POST is now held by the emulator
        late = m.sh(": > %s/metadata/late" % d, check=False)  # create the key, empty
        assert boot.wait(timeout=60 * SLOW) == 0
    finally:
        if boot.poll() is None:
            boot.kill()
    assert late.returncode != 0 and "busy" in late.stderr.lower(), late.stderr
    [made] = [s for s in cloud.client.servers() if s["name"] == name]
    try:
        assert made["metadata"] == {"early": "1"}
    finally:
        cloud.client.request("DELETE", "compute", "/servers/" + made["id"])
