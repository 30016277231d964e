"""Mounting openstackfs for real, and driving the emulator, with a bound on
every step: nothing a test starts can outlive it or hang."""
import json
import os
import pathlib
import re
import shlex
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("OSFS_BIN", str(ROOT / "build" / "openstackfs"))
# e.g. "valgrind --error-exitcode=99": run the daemon under a tool
WRAP = shlex.split(os.environ.get("OSFS_WRAP", ""))
SLOW = 10 if WRAP else 1
EMULATOR = ROOT / "tests" / "emulator" / "osemu.py"
PYTHON = "/usr/bin/python3"


def sh(cmd, timeout=30, check=True, env=None, input=None):
    """Run a shell command with a timeout; return CompletedProcess."""
    p = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=timeout * SLOW,
                       env=env, input=input)
    if check and p.returncode != 0:
        raise AssertionError("command failed (%d): %s\nstdout: %s\nstderr: %s" % (
            p.returncode, cmd, p.stdout[-2000:], p.stderr[-2000:]))
    return p


def wait_for(cond, timeout, step=0.1):
    """Poll cond() until it is true or `timeout` seconds pass; return its
    last value."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(step)
    return cond()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    def __init__(self, *args, servers=50):
        self.dir = tempfile.mkdtemp(prefix="osemu-")
        portfile = os.path.join(self.dir, "port")
        self.log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen([PYTHON, str(EMULATOR), "--port", "0", "--portfile", portfile,
                                      "--servers", str(servers), "--quiet", *args],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while not os.path.exists(portfile):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("emulator did not start: " + open(self.log.name).read()[-2000:])
            time.sleep(0.05)
        self.port = int(open(portfile).read())
        self.url = "http://127.0.0.1:%d" % self.port

    def env(self, **extra):
        env = {"OS_AUTH_URL": self.url + "/identity/v3", "OS_USERNAME": "demo",
               "OS_PASSWORD": "demopass", "OS_PROJECT_NAME": "demo",
               "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default",
               "OS_REGION_NAME": "RegionOne"}
        env.update(extra)
        return env

    def call(self, method, path, body=None, timeout=30):
        req = urllib.request.Request(self.url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            data = r.read()
            return json.loads(data) if data else None

    def counters(self):
        return self.call("GET", "/_emu/counters")

    def count(self, key):
        return self.counters()["requests"].get(key, 0)

    def reset(self):
        self.call("POST", "/_emu/reset")

    def fault(self, **kw):
        self.call("POST", "/_emu/faults", kw)

    def clear_faults(self):
        self.call("DELETE", "/_emu/faults")

    def config(self, **kw):
        self.call("POST", "/_emu/config", kw)

    def servers(self):
        return self.call("GET", "/_emu/servers")["servers"]

    def tokens(self):
        return self.call("GET", "/_emu/tokens")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()


SANITIZER = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
             "SUMMARY: UndefinedBehaviorSanitizer", "FATAL: ThreadSanitizer")
# a ThreadSanitizer report, from its warning line to its summary line
TSAN_REPORT = re.compile(r"^WARNING: ThreadSanitizer:.*?^SUMMARY: ThreadSanitizer:[^\n]*", re.M | re.S)


def tsan_reports(out):
    """Each ThreadSanitizer report as its warning, the top three frames of
    each access and of the allocation it names, and its summary: enough to
    find both sides of a race."""
    reports = []
    for block in TSAN_REPORT.findall(out):
        lines, keep, section = block.splitlines(), [], False
        for line in lines[1:-1]:
            if line.startswith("  ") and not line.startswith("   "):
                section = not re.match(r"\s+(Mutex|Thread) ", line)
                if section:
                    keep.append(line.strip())
            elif section and re.match(r"\s+#[0-2] ", line):
                keep.append("  " + line.strip())
        reports.append("\n    ".join([lines[0]] + keep + [lines[-1]]))
    return reports


def sanitizer_reports(m):
    """The daemon's sanitizer reports (it runs in the foreground, so they
    land in its log), once it has exited.  Leaks of memory that libfuse
    itself allocated are left out: the high-level API's directory handles
    of directories still open at a lazy unmount are never released (the
    kernel sends no RELEASEDIR), and nothing of ours can free them."""
    out = m.output()
    reports = [l for l in out.splitlines() if any(s in l for s in SANITIZER)
               and "LeakSanitizer" not in l]
    # the supervisor restarts a serving process that died: a crash no test provoked
    if not getattr(m, "restarts_expected", False):
        reports += [l for l in out.splitlines() if RESTARTED in l]
    reports += tsan_reports(out)
    for block in re.split(r"\n(?=(?:Direct|Indirect) leak of)", out)[1:]:
        caller = re.search(r"^\s+#1 .*$", block, re.M)  # who called malloc
        if not caller or "libfuse3.so" not in caller.group(0):
            reports.append(block.splitlines()[0] + " " + (caller.group(0).strip() if caller else ""))
    return reports


RESTARTED = "serving process of generation"   # the supervisor's line when one died


def is_mounted(path):
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


class Mount:
    """openstackfs running in the foreground on a fresh temporary directory."""

    def __init__(self, env, *opts, wait=True, debug=False, args=None):
        self.dir = tempfile.mkdtemp(prefix="osfs-mnt-")
        self.path = self.dir
        self.logfile = self.dir + ".log"
        self.log = open(self.logfile, "w")
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        full_env.update(env)
        cmd = WRAP + [BIN] + (args or []) + [self.path, "-f"] + (["-d"] if debug else [])
        if opts:
            cmd += ["-o", ",".join(opts)]
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, env=full_env, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        self.returncode = None
        if wait:
            self.wait_mounted()

    def wait_mounted(self, timeout=30):
        deadline = time.time() + timeout * SLOW
        while not is_mounted(self.path):
            if self.proc.poll() is not None:
                raise AssertionError("openstackfs exited %d: %s" % (self.proc.returncode, self.output()))
            if time.time() > deadline:
                raise AssertionError("not mounted after %ds: %s" % (timeout, self.output()))
            time.sleep(0.05)

    def wait_exit(self, timeout=60):
        self.returncode = self.proc.wait(timeout=timeout * SLOW)
        return self.returncode

    def output(self):
        if not self.log.closed:
            self.log.flush()
        return open(self.logfile, errors="replace").read()

    def p(self, *parts):
        return os.path.join(self.path, *parts)

    def read(self, *parts):
        with open(self.p(*parts), errors="surrogateescape") as f:
            return f.read()

    def write(self, rel, data):
        """Write like `echo data > file`; returns 0 or the errno."""
        try:
            fd = os.open(self.p(rel), os.O_WRONLY | os.O_TRUNC | os.O_CREAT, 0o644)
        except OSError as e:
            return e.errno
        try:
            os.write(fd, data.encode() if isinstance(data, str) else data)
        except OSError as e:
            return e.errno
        finally:
            try:
                os.close(fd)
            except OSError as e:
                return e.errno
        return 0

    def serving_pid(self):
        """The serving process (the supervisor, self.proc, runs it); the
        daemon itself for a binary from before the supervisor."""
        try:
            return int(self.read(".openstackfs", "pid"))
        except FileNotFoundError:
            return self.proc.pid
        except PermissionError:   # another user's mount: the supervisor's child
            kids = open("/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)).read()
            return int(kids.split()[0])

    def sh(self, cmd, timeout=30, check=True):
        return sh("cd %s && %s" % (shlex.quote(self.path), cmd), timeout=timeout, check=check)

    def stats(self):
        out = {}
        for line in self.read(".openstackfs", "stats").splitlines():
            k, v = line.split()
            out[k] = int(v)
        return out

    def unmount(self):
        if is_mounted(self.path):
            r = subprocess.run(["fusermount3", "-u", self.path], capture_output=True, timeout=20)
            if r.returncode != 0:
                subprocess.run(["fusermount3", "-uz", self.path], capture_output=True, timeout=20)
        if self.proc.poll() is None:
            try:
                self.proc.wait(timeout=10 * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()
        try:
            os.rmdir(self.path)
        except OSError:
            pass
