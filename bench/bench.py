#!/usr/bin/python3
"""openstackfs benchmark driver; bench/run.sh calls it (see bench/README.md).

Every step is bounded by a timeout, every mount is unmounted and every
process it starts is ended, also on failure.  Network traffic goes to
127.0.0.1 only (the emulator, and the real cloud of tests/realcloud).
"""
import argparse
import json
import math
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import issue10

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
EMULATOR = ROOT / "tests" / "emulator" / "osemu.py"
PYTHON = "/usr/bin/python3"
OPENSTACK = "/usr/bin/openstack"
REALCLOUD_DIR = Path(os.environ.get("OSFS_REALCLOUD_DIR", "/var/lib/osfs-realcloud"))
SYS_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
MICROVERSION = "2.93"  # what the daemon negotiates with both clouds (OSFS_COMPUTE_MAX_MINOR)
DAEMON_DEFAULT_TTL = 10.0  # ttl_servers default of the daemon
REAL_PREFIX = "osfs-bench"
MiB = 1024 * 1024

T0 = time.time()
STARTED = []  # every process we started, ended in cleanup()
MOUNTS = []   # every mount point we mounted


NOTES = []
LOADS = []
DAEMON_ENV = {}


def log(msg):
    print("[%6.1fs] %s" % (time.time() - T0, msg), flush=True)


def phase(msg):
    LOADS.append((msg, loadavg()))
    log("%s (load average %s)" % (msg, LOADS[-1][1]))


def loadavg():
    return open("/proc/loadavg").read().split()[0]


# ---------------------------------------------------------------- processes

def start(argv, env=None, logfile=None):
    out = open(logfile, "w") if logfile else subprocess.DEVNULL
    p = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    STARTED.append(p)
    with open(WORK / "pids", "a") as f:
        f.write("%d\n" % p.pid)
    return p


def end(p, grace=10):
    if p.poll() is None:
        try:
            p.send_signal(signal.SIGTERM)
            p.wait(grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)
        except ProcessLookupError:
            pass


def run(argv, timeout, env=None, check=True, **kw):
    p = subprocess.run(argv, env=env, timeout=timeout, capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, **kw)
    if check and p.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (" ".join(map(str, argv))[:200], p.returncode,
                                                 (p.stderr or p.stdout)[-1500:]))
    return p


def http(method, url, body=None, headers=None, timeout=30):
    h = {"Accept": "application/json"}
    if body is not None:
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    req = urllib.request.Request(url, method=method, headers=h,
                                 data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            data = r.read()
            return r.status, r.headers, (json.loads(data) if data else None)
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode(errors="replace")


# ---------------------------------------------------------------- clouds

class Api:
    """Token, catalog and a few calls, for curl's headers and set-up."""

    def __init__(self, env):
        self.env = env
        url = env["OS_AUTH_URL"].rstrip("/")
        url = url if url.endswith("/v3") else url + "/v3"
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": env["OS_USERNAME"], "password": env["OS_PASSWORD"],
            "domain": {"name": env.get("OS_USER_DOMAIN_NAME", "Default")}}}},
            "scope": {"project": {"name": env["OS_PROJECT_NAME"],
                                  "domain": {"name": env.get("OS_PROJECT_DOMAIN_NAME", "Default")}}}}}
        status, headers, answer = http("POST", url + "/auth/tokens", body)
        if status != 201:
            raise RuntimeError("auth failed: %s %s" % (status, str(answer)[:300]))
        self.token = headers["X-Subject-Token"]
        self.urls = {}
        region = env.get("OS_REGION_NAME")
        for svc in answer["token"]["catalog"]:
            for ep in svc["endpoints"]:
                if ep["interface"] == "public" and (not region or ep.get("region_id", ep.get("region")) == region):
                    self.urls[svc["type"]] = ep["url"].rstrip("/")
        self.compute = self.urls["compute"]

    def headers(self):
        return {"X-Auth-Token": self.token, "OpenStack-API-Version": "compute " + MICROVERSION,
                "X-OpenStack-Nova-API-Version": MICROVERSION}

    def call(self, method, path, body=None, service="compute"):
        root = self.urls[service] if service != "compute" else self.compute
        return http(method, root + path, body, self.headers())

    def list_pages(self):
        """The page URLs the daemon fetches (limit=1000, following next links)."""
        urls, url = [], self.compute + "/servers/detail?limit=1000"
        servers = []
        while url and len(urls) < 1000:
            urls.append(url)
            status, _, body = http("GET", url, headers=self.headers())
            if status != 200:
                raise RuntimeError("list: %s" % status)
            servers += body["servers"]
            url = next((ln["href"] for ln in body.get("servers_links", []) if ln.get("rel") == "next"), None)
        return urls, servers

    def write_header_file(self, path):
        with open(path, "w") as f:
            os.fchmod(f.fileno(), 0o600)
            for k, v in self.headers().items():
                f.write("%s: %s\n" % (k, v))
            f.write("Accept: application/json\n")


class Emulator:
    count = 0

    def __init__(self, n, edge=True):
        self.n = n
        Emulator.count += 1
        d = WORK / ("emu%d-%d" % (Emulator.count, n))
        d.mkdir()
        portfile = d / "port"
        argv = [PYTHON, str(EMULATOR), "--port", "0", "--portfile", str(portfile),
                "--servers", str(n), "--quiet"]
        if not edge:
            argv.append("--no-edge-servers")
        self.proc = start(argv, logfile=d / "log")
        deadline = time.time() + 120
        while not portfile.exists() or not portfile.read_text().strip():
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("emulator did not start: " + (d / "log").read_text()[-1000:])
            time.sleep(0.05)
        self.port = int(portfile.read_text())
        self.url = "http://127.0.0.1:%d" % self.port
        self.env = {"OS_AUTH_URL": self.url + "/identity/v3", "OS_USERNAME": "demo",
                    "OS_PASSWORD": "demopass", "OS_PROJECT_NAME": "demo",
                    "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default",
                    "OS_REGION_NAME": "RegionOne", "OS_IDENTITY_API_VERSION": "3",
                    "OS_INTERFACE": "public"}

    def reset(self):
        http("POST", self.url + "/_emu/reset")

    def counters(self):
        _, _, c = http("GET", self.url + "/_emu/counters")
        lists = sum(v for k, v in c["requests"].items() if k.endswith("/servers/detail")
                    or k.endswith("/servers"))
        return {"total": c["total"], "lists": lists, "requests": c["requests"]}

    def true_servers(self):
        _, _, s = http("GET", self.url + "/_emu/servers", timeout=120)
        return s["servers"] if isinstance(s, dict) else s

    def stop(self):
        end(self.proc)


def read_openrc(path):
    env = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if line.startswith("export "):
            line = line[7:]
        if "=" not in line or line.startswith("#"):
            continue
        k, v = line.split("=", 1)
        if k.startswith("OS_"):
            env[k] = shlex.split(v)[0] if v else ""
    return env


def realcloud_env():
    openrc = REALCLOUD_DIR / "openrc"
    if not openrc.exists():
        return None, "no %s" % openrc
    try:
        urllib.request.urlopen("http://127.0.0.1:5000/v3", timeout=5).read()
    except Exception as e:  # noqa: BLE001 - any failure means "not running"
        return None, "Keystone on 127.0.0.1:5000 does not answer (%s)" % e
    return read_openrc(openrc), None


def real_servers(api, want):
    """`want` ACTIVE servers named osfs-bench-N: reused when exactly those are there, else made
    anew (after deleting leftovers of an interrupted run). Returns (servers, created?)."""
    def mine():
        status, _, body = api.call("GET", "/servers/detail?name=%5E" + REAL_PREFIX)
        if status != 200:
            raise RuntimeError("real cloud: server list gave %s" % status)
        return [x for x in body["servers"] if x["name"].startswith(REAL_PREFIX)]

    have = mine()
    if len(have) == want and all(x["status"] == "ACTIVE" for x in have):
        return sorted(have, key=lambda x: x["name"]), False
    real_delete(api, have)
    status, _, images = api.call("GET", "/v2/images?name=cirros-0.6.2", service="image")
    if status != 200 or not images["images"]:
        raise RuntimeError("real cloud: no image cirros-0.6.2 (%s)" % status)
    body = {"server": {"name": REAL_PREFIX, "imageRef": images["images"][0]["id"], "flavorRef": "1",
                       "networks": "none", "min_count": want, "max_count": want}}
    status, _, answer = api.call("POST", "/servers", body)
    if status != 202:
        raise RuntimeError("real cloud: POST /servers gave %s: %s" % (status, str(answer)[:300]))
    deadline = time.time() + 240
    while time.time() < deadline:
        time.sleep(2)
        have = mine()
        if any(x["status"] == "ERROR" for x in have):
            raise RuntimeError("real cloud: a bench server went to ERROR")
        if len(have) >= want and all(x["status"] == "ACTIVE" for x in have):
            return sorted(have, key=lambda x: x["name"]), True
    raise RuntimeError("real cloud: bench servers not ACTIVE within 240 s")


def real_delete(api, servers, wait=90):
    """Delete the given servers and wait until they are gone."""
    for x in servers:
        api.call("DELETE", "/servers/%s" % x["id"])
    deadline = time.time() + wait
    ids = {x["id"] for x in servers}
    while ids and time.time() < deadline:
        status, _, body = api.call("GET", "/servers/detail?name=%5E" + REAL_PREFIX)
        if status == 200 and not ids & {x["id"] for x in body["servers"]}:
            return
        time.sleep(1)


# ---------------------------------------------------------------- mounts

class Mount:
    def __init__(self, label, env, opts, wrap=None, wait=60, bin=None):
        self.label = label
        self.dir = WORK / ("mnt-" + label)
        self.dir.mkdir(exist_ok=True)
        self.log = WORK / ("daemon-%s.log" % label)
        e = {"PATH": SYS_PATH, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
        e.update(env)
        e.update(DAEMON_ENV)
        argv = list(wrap or []) + [str(bin or BIN), str(self.dir), "-f", "-o", opts]
        self.proc = start(argv, env=e, logfile=self.log)
        MOUNTS.append(self.dir)
        deadline = time.time() + wait
        while not self.mounted():
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("mount %s failed: %s" % (label, self.log.read_text()[-1500:]))
            time.sleep(0.05)
        pidfile = self.dir / ".openstackfs" / "pid"   # the serving process, not its supervisor
        self.pid = int(pidfile.read_text()) if pidfile.exists() else self.proc.pid

    def mounted(self):
        d = str(self.dir)
        with open("/proc/mounts") as f:
            return any(line.split()[1] == d for line in f)

    def stats(self):
        out = {}
        for line in (self.dir / ".openstackfs" / "stats").read_text().splitlines():
            k, v = line.split()
            out[k] = int(v)
        return out

    def status(self):
        st = {}
        for line in Path("/proc/%d/status" % self.pid).read_text().splitlines():
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmRSS", "Threads"):
                st[k] = int(v.split()[0])
        return st

    def cpu(self):
        f = Path("/proc/%d/stat" % self.pid).read_text().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.mounted():
            for _ in range(20):
                if subprocess.run(["fusermount3", "-u", str(self.dir)], capture_output=True,
                                  timeout=30).returncode == 0:
                    break
                time.sleep(0.25)
            else:
                subprocess.run(["fusermount3", "-u", "-z", str(self.dir)], capture_output=True, timeout=30)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            end(self.proc)
        if self.dir in MOUNTS:
            MOUNTS.remove(self.dir)


def cleanup():
    for d in list(MOUNTS):
        subprocess.run(["fusermount3", "-u", "-z", str(d)], capture_output=True, timeout=30)
    for p in STARTED:
        end(p, grace=5)


# ---------------------------------------------------------------- measuring

def hyperfine(name, cmd, env, warmup, runs, prepare=None, timeout=600):
    out = RAW / ("%s.json" % name)
    argv = ["hyperfine", "-N", "--style", "none", "--warmup", str(warmup), "--runs", str(runs),
            "--export-json", str(out)]
    if prepare:
        argv += ["--prepare", prepare]
    argv.append(cmd)
    p = run(argv, timeout, env=env, check=False)
    if p.returncode != 0:
        log("  %s FAILED: %s" % (name, (p.stderr or p.stdout).strip()[-400:]))
        return None
    r = json.load(open(out))["results"][0]
    return {"median": r["median"], "mean": r["mean"], "stddev": r["stddev"] or 0.0,
            "min": r["min"], "max": r["max"], "runs": len(r["times"])}


def curl_inner(name, cmd, env, warmup, runs):
    """curl's own time_total (summed over the URLs of one invocation): the request alone,
    without curl's process start-up."""
    argv = shlex.split(cmd) + ["-w", "%{time_total}\\n"]
    times = []
    for i in range(warmup + runs):
        p = run(argv, 60, env=env)
        if i >= warmup:
            times.append(sum(float(x) for x in p.stdout.split()))
    (RAW / ("%s.json" % name)).write_text(json.dumps({"times": times}))
    return {"median": statistics.median(times), "mean": statistics.mean(times),
            "stddev": statistics.stdev(times) if len(times) > 1 else 0.0,
            "min": min(times), "max": max(times), "runs": len(times)}


def cli_env(target_env):
    e = {"PATH": SYS_PATH, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
    e.update(target_env)
    return e


def count_cli(argv, env):
    """API requests the openstack CLI makes: its --debug log has one 'REQ: curl' per request."""
    p = run([argv[0], "--debug"] + argv[1:], 120, env=env, check=False)
    return sum(1 for line in p.stderr.splitlines() if line.startswith("REQ: curl"))


def fmt_ms(s):
    if s is None:
        return "n/a"
    ms = s * 1000
    return "%.0f" % ms if ms >= 100 else "%.1f" % ms if ms >= 1 else "%.2f" % ms


def fmt_ratio(x):
    if x is None:
        return ""
    return "%.0f×" % x if x >= 100 else "%.1f×" % x if x >= 10 else "%.2f×" % x


# ---------------------------------------------------------------- phase 1: one question, a listing

def question_phase(label, target_env, name, sid, emu=None):
    """openstack CLI vs cat (cold, warm) vs curl, for one server and the listing."""
    api = Api(target_env)
    hdr = WORK / ("headers-%s" % label)
    api.write_header_file(hdr)
    pages, servers = api.list_pages()
    if sid is None:
        sid = next(s["id"] for s in servers if s["name"] == name)
    cold = Mount("%s-cold" % label, target_env, "ttl=%g" % QCOLD_TTL)
    cold0 = Mount("%s-cold0" % label, target_env, "ttl=%g" % QCOLD_TTL)
    warm = Mount("%s-warm" % label, target_env, "ttl=3600")
    rows = []
    try:
        # "listing stale": the cold mount has listed the servers once, long enough ago;
        # cold0 never lists them, so a name is always new to it
        os.listdir(cold.dir / "servers")
        prep = "sleep %.2f" % (QCOLD_TTL + 0.15)
        curl_list = "curl -s -f -H @%s %s" % (hdr, " ".join("-o /dev/null %s" % u for u in pages))
        cases = [
            ("question", "openstack CLI", "%s server show %s -f value -c status" % (OPENSTACK, name), None),
            ("question", "fs cold", "cat %s/servers/%s/status" % (cold.dir, name), prep),
            ("question", "fs cold, never listed", "cat %s/servers/%s/status" % (cold0.dir, name), prep),
            ("question", "fs warm", "cat %s/servers/%s/status" % (warm.dir, name), None),
            ("question", "curl", "curl -s -f -o /dev/null -H @%s %s/servers/%s" % (hdr, api.compute, sid), None),
            ("listing", "openstack CLI", "%s server list" % OPENSTACK, None),
            ("listing", "fs cold", "ls %s/servers" % cold.dir, prep),
            ("listing", "fs warm", "ls %s/servers" % warm.dir, None),
            ("listing", "curl", curl_list, None),
        ]
        # sanity: the answers agree
        st = (warm.dir / "servers" / name / "status").read_text().strip()
        cli = run(shlex.split(cases[0][2]), 120, env=cli_env(target_env), check=False).stdout.strip()
        if st != cli:
            log("  WARNING: cat says %r, openstack says %r" % (st, cli))
        nls = len(os.listdir(warm.dir / "servers")) - 1  # .by-id
        for what, case, cmd, prepare in cases:
            is_cli = case == "openstack CLI"
            runs = CLI_RUNS if is_cli else RUNS
            warmup = WARMUP if not prepare else 1
            t = hyperfine("%s-%s-%s" % (label, what, case.replace(" ", "_")), cmd, cli_env(target_env),
                          warmup, runs, prepare, timeout=60 + runs * (30 if is_cli else 10))
            # one extra, counted run
            mount = cold0 if "never" in case else cold if "cold" in case else warm if "warm" in case else None
            if prepare:
                time.sleep(QCOLD_TTL + 0.15)
            before = mount.stats()["requests.total"] if mount else 0
            if emu:
                emu.reset()
            if is_cli:
                reqs = count_cli(shlex.split(cmd), cli_env(target_env))
            else:
                run(shlex.split(cmd), 120, env=cli_env(target_env))
                reqs = mount.stats()["requests.total"] - before if mount else (1 if what == "question" else len(pages))
            ec = emu.counters() if emu else None
            emu_reqs = ec["total"] if ec else None
            rows.append({"target": label, "what": what, "case": case, "cmd": cmd, "t": t,
                         "requests": reqs, "emu_requests": emu_reqs, "servers": len(servers),
                         "emu_paths": ec and ", ".join("%s ×%d" % kv for kv in sorted(ec["requests"].items()))})
            log("  %-8s %-9s %-14s median %8s ms  requests %s%s" % (
                label, what, case, fmt_ms(t and t["median"]), reqs,
                "" if emu_reqs is None else " (emulator saw %d)" % emu_reqs))
            if case == "curl":
                t = curl_inner("%s-%s-curl_request_only" % (label, what), cmd, cli_env(target_env), WARMUP, RUNS)
                rows.append({"target": label, "what": what, "case": "curl request only", "t": t,
                             "cmd": cmd + " -w '%{time_total}'", "requests": reqs, "emu_requests": None,
                             "servers": len(servers)})
                log("  %-8s %-9s %-14s median %8s ms  (curl's time_total, no process start-up)" % (
                    label, what, "curl req. only", fmt_ms(t["median"])))
        if nls != len(servers):
            log("  WARNING: ls shows %d servers, the API %d" % (nls, len(servers)))
    finally:
        cold.stop()
        cold0.stop()
        warm.stop()
    return rows


# ---------------------------------------------------------------- phase 2: the walk

WALK = "cd %s && grep -rl ACTIVE servers/*/status | wc -l"


def walk_once(m, emu):
    emu.reset()
    s0, c0 = m.stats(), m.cpu()
    t0 = time.perf_counter()
    p = run(["bash", "-c", WALK % m.dir], 300)
    wall = time.perf_counter() - t0
    c1 = m.cpu()
    s1 = m.stats()
    ec = emu.counters()
    return {"wall": wall, "matches": int(p.stdout.strip() or 0), "emu_requests": ec["total"],
            "emu_lists": ec["lists"], "daemon_requests": s1["requests.total"] - s0["requests.total"],
            "daemon_cpu": c1 - c0, "cache_misses": s1["cache.misses"] - s0["cache.misses"]}


def walk_phase(n, do_throughput, do_perf):
    phase("walk N=%d" % n)
    emu = Emulator(n, edge=False)
    res = {"n": n, "runs": [], "expected_lists": math.ceil(n / 1000) + 1}
    env = emu.env
    try:
        truth = emu.true_servers()
        res["active"] = sum(1 for s in truth if s["status"] == "ACTIVE")
        cold = Mount("walk%d-cold" % n, env, "ttl=%g" % COLD_TTL)
        warm = Mount("walk%d-warm" % n, env, "ttl=3600")
        mounts = [cold, warm]
        try:
            # cold: the listing is older than the TTL, the token is cached
            walk_once(cold, emu)  # warm-up (first fetch on a fresh mount): not recorded
            last = time.time()
            for r in range(RUNS_WALK):
                time.sleep(max(0.0, last + COLD_TTL + 0.3 - time.time()))
                w = walk_once(cold, emu)
                last = time.time()
                w.update(mode="cold", run=r + 1)
                res["runs"].append(w)
                log("  N=%-6d cold run %d: %.3f s, %d matches, %d emulator requests (%d lists), daemon %d requests, CPU %.2f s" % (
                    n, r + 1, w["wall"], w["matches"], w["emu_requests"], w["emu_lists"], w["daemon_requests"], w["daemon_cpu"]))
            walk_once(warm, emu)  # warm-up: fills the cache
            for r in range(RUNS_WALK_WARM):
                w = walk_once(warm, emu)
                w.update(mode="warm", run=r + 1)
                res["runs"].append(w)
                log("  N=%-6d warm run %d: %.3f s, %d matches, %d requests, CPU %.2f s" % (
                    n, r + 1, w["wall"], w["matches"], w["emu_requests"], w["daemon_cpu"]))
            res["rss"] = {"cold": cold.status(), "warm": warm.status()}
            log("  N=%-6d daemon memory: cold mount %s, warm mount %s" % (n, res["rss"]["cold"], res["rss"]["warm"]))
            # the cold question at this N
            qc = Mount("walk%d-q" % n, env, "ttl=%g" % WALK_QCOLD_TTL)
            mounts.append(qc)
            os.listdir(qc.dir / "servers")  # listed once: the cold question finds a stale listing
            name = "srv-%05d" % min(42, n)
            t = hyperfine("walk%d-question-cold" % n, "cat %s/servers/%s/status" % (qc.dir, name),
                          cli_env(env), 1, RUNS_WALK, "sleep %.2f" % (WALK_QCOLD_TTL + 0.15), timeout=300)
            time.sleep(WALK_QCOLD_TTL + 0.15)
            before = qc.stats()["requests.total"]
            run(["cat", "%s/servers/%s/status" % (qc.dir, name)], 120)
            res["qcold"] = {"t": t, "requests": qc.stats()["requests.total"] - before}
            # the listing alone, cold: fetch and parse of every page, no walk
            res["lscold"] = hyperfine("walk%d-ls-cold" % n, "ls %s/servers" % qc.dir, cli_env(env), 1, RUNS_WALK,
                                      "sleep %.2f" % (WALK_QCOLD_TTL + 0.15), timeout=300)
            log("  N=%-6d cold `ls servers` (fetch + parse, no walk): %s ms" % (
                n, fmt_ms(res["lscold"] and res["lscold"]["median"])))
            api = Api(env)
            hdr = WORK / ("headers-walk%d" % n)
            api.write_header_file(hdr)
            sid = next(s["id"] for s in truth if s["name"] == name)
            pages, _ = api.list_pages()
            res["pages_curl"] = curl_inner("walk%d-list-pages-curl" % n, "curl -s -f -H @%s %s" % (
                hdr, " ".join("-o /dev/null %s" % u for u in pages)), cli_env(env), 1, 3)
            log("  N=%-6d curl of the %d list pages (request only): %s ms" % (n, len(pages), fmt_ms(res["pages_curl"]["median"])))
            res["qcurl"] = hyperfine("walk%d-question-curl" % n, "curl -s -f -o /dev/null -H @%s %s/servers/%s" % (
                hdr, api.compute, sid), cli_env(env), WARMUP, RUNS)
            log("  N=%-6d cold question %s ms (%d requests), curl %s ms" % (
                n, fmt_ms(t and t["median"]), res["qcold"]["requests"], fmt_ms(res["qcurl"] and res["qcurl"]["median"])))
            qc.stop()
            mounts.remove(qc)
            if do_throughput:
                res["throughput"] = throughput_phase(warm, n)
                res["rss"]["warm_after_throughput"] = warm.status()
            if do_perf:
                res["perf"] = perf_phase(cold, warm, emu, n)
        finally:
            for m in mounts:
                m.stop()
    finally:
        emu.stop()
    return res


# ---------------------------------------------------------------- phase 3: warm throughput

def reader_list(m, n, count=1000):
    path = WORK / ("paths-%s" % m.label)
    with open(path, "w") as f:
        for i in range(1, min(n, count) + 1):
            f.write("%s/servers/srv-%05d/status\n" % (m.dir, i))
    return path


def reader(threads, seconds, paths, timeout=120):
    p = run([str(READER), "-t", str(threads), "-d", str(seconds), str(paths)], timeout, check=False)
    line = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
    out = dict(kv.split("=") for kv in line.split())
    if not out:
        raise RuntimeError("reader failed: %s" % p.stderr[-500:])
    out = {k: float(v) for k, v in out.items()}
    out["first_error"] = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""
    return out


def throughput_phase(warm, n):
    paths = reader_list(warm, n)
    reader(4, 1.0, paths)  # warm-up
    out = {}
    for t in (1, 4, 16):
        reps = []
        for rep in range(TP_REPS):
            before = warm.stats()["requests.total"]
            c0 = warm.cpu()
            r = reader(t, TP_SECONDS, paths)
            r["daemon_cpu_per_op_us"] = (warm.cpu() - c0) / max(r["ops"], 1) * 1e6
            r["requests"] = warm.stats()["requests.total"] - before
            reps.append(r)
        med = sorted(reps, key=lambda r: r["ops_per_s"])[len(reps) // 2]
        out[t] = {"median": med, "reps": reps}
        log("  throughput %2d readers: %s ops/s (runs %s), p50 %d us, p99 %d us, errors %d, daemon CPU %.1f us/op" % (
            t, "%.0f" % med["ops_per_s"], ", ".join("%.0f" % r["ops_per_s"] for r in reps),
            med["p50_us"], med["p99_us"], sum(r["errors"] for r in reps), med["daemon_cpu_per_op_us"]))
        for r in reps:
            if r["first_error"]:
                log("    %s" % r["first_error"])
                NOTES.append("%d readers: %d errors; %s" % (t, r["errors"], r["first_error"]))
    return out


# ---------------------------------------------------------------- phase 4: profiles

def perf_report(data, stem, extra=()):
    """Self and inclusive top symbols of one perf.data, as text files under results/profile/."""
    outs = {}
    for kind, args in (("self", ["--no-children"]), ("children", ["--children"])):
        f = PROF / ("%s-%s.txt" % (stem, kind))
        p = run(["perf", "report", "-i", str(data), "--stdio", "--sort", "dso,sym", "-g", "none",
                 "--percent-limit", "0.5"] + args + list(extra), 300, check=False)
        f.write_text(p.stdout)
        outs[kind] = f
    f = PROF / ("%s-dso.txt" % stem)
    p = run(["perf", "report", "-i", str(data), "--stdio", "--no-children", "--sort", "dso", "-g", "none"]
            + list(extra), 300, check=False)
    f.write_text(p.stdout)
    outs["dso"] = f
    f = PROF / ("%s-callgraph.txt" % stem)
    p = run(["perf", "report", "-i", str(data), "--stdio", "--no-children", "--sort", "sym",
             "-g", "caller,0.5,callee,function,percent", "--percent-limit", "2"] + list(extra), 300, check=False)
    f.write_text(p.stdout)
    outs["callgraph"] = f
    return outs


def perf_attach(pid, data):
    p = start(["perf", "record", "-e", "cpu-clock", "-F", "999", "--call-graph", "dwarf,16384",
               "-p", str(pid), "-o", str(data)], logfile=str(data) + ".log")
    time.sleep(1.0)
    return p


def perf_detach(p):
    p.send_signal(signal.SIGINT)
    try:
        p.wait(120)
    except subprocess.TimeoutExpired:
        end(p)


def perf_phase(cold, warm, emu, n):
    out = {}
    log("  perf: cold walk N=%d" % n)
    time.sleep(COLD_TTL + 0.3)
    data = WORK / "perf-coldwalk.data"
    p = perf_attach(cold.pid, data)
    try:
        w = walk_once(cold, emu)
    finally:
        perf_detach(p)
    out["coldwalk"] = {"walk": w, "files": perf_report(data, "perf-coldwalk-%d" % n)}
    log("  perf: warm throughput, 4 readers")
    paths = reader_list(warm, n)
    data = WORK / "perf-warm.data"
    p = perf_attach(warm.pid, data)
    try:
        r = reader(4, 3.0, paths)
    finally:
        perf_detach(p)
    out["warm"] = {"reader": r, "files": perf_report(data, "perf-warm4-%d" % n)}
    return out


def opmix_phase(n):
    """FUSE requests per user-level operation, counted in the daemon's -d log."""
    phase("FUSE requests per operation, N=%d" % n)
    emu = Emulator(n, edge=False)
    ttl = 5.0
    m = None
    out = []
    try:
        m = Mount("opmix%d" % n, emu.env, "ttl=%g,debug" % ttl)
        logf = m.log

        def count():
            c = {}
            with open(logf, "rb") as f:
                for line in f:
                    i = line.find(b"opcode: ")
                    if i >= 0:
                        op = line[i + 8:].split()[0].decode(errors="replace")
                        c[op] = c.get(op, 0) + 1
            return c

        def measure(label, per, fn):
            time.sleep(0.3)  # let the log catch up
            c0 = count()
            r = fn()
            time.sleep(0.3)
            c1 = count()
            d = {k: c1.get(k, 0) - c0.get(k, 0) for k in c1 if c1.get(k, 0) - c0.get(k, 0) > 0}
            ops = r if isinstance(r, (int, float)) and r else per
            out.append({"what": label, "ops": ops, "requests": d})
            log("  %-46s per op: %s" % (label, ", ".join(
                "%s %.2f" % (k, v / ops) if v / ops >= 0.005 else "%s (%d in all)" % (k, v) for k, v in sorted(d.items()))))

        walk = ["bash", "-c", "cd %s && grep -rl ACTIVE servers/*/status | wc -l" % m.dir]
        measure("cold walk (fresh mount), per server", n, lambda: run(walk, 120) and None)
        measure("warm walk, per server", n, lambda: run(walk, 120) and None)
        path = "%s/servers/srv-%05d/status" % (m.dir, min(42, n))
        measure("warm `cat` of one status file", 1, lambda: run(["cat", path], 30) and None)
        paths = reader_list(m, n)
        measure("warm open+read+close, 4 readers, per op", 1, lambda: int(reader(4, 1.0, paths)["ops"]))
        time.sleep(ttl + 0.3)
        measure("cold `cat` of one status file (listing stale)", 1, lambda: run(["cat", path], 30) and None)
    finally:
        if m:
            m.stop()
        emu.stop()
    return out


def massif_phase(n):
    """Heap profile (valgrind massif) of the daemon while it fetches and holds n servers."""
    phase("massif N=%d" % n)
    emu = Emulator(n, edge=False)
    out_file = WORK / "massif.out"
    m = None
    try:
        wrap = ["valgrind", "--tool=massif", "--massif-out-file=%s" % out_file, "--threshold=0.5",
                "--max-snapshots=60"]
        m = Mount("massif%d" % n, emu.env, "ttl=3600", wrap=wrap, wait=180)
        t0 = time.perf_counter()
        run(["ls", str(m.dir / "servers")], 300)
        log("  massif: listing of %d servers fetched in %.1f s under valgrind" % (n, time.perf_counter() - t0))
        time.sleep(1.0)
        run(["ls", str(m.dir / "servers")], 300)  # one more snapshot with the listing held
    finally:
        if m:
            m.stop()
        emu.stop()
    text = run(["ms_print", str(out_file)], 120, check=False).stdout
    (PROF / ("massif-%d.txt" % n)).write_text(text)
    # the peak snapshot: totals and the first two levels of its allocation tree
    lines = text.splitlines()
    res = {"file": PROF / ("massif-%d.txt" % n), "tree": []}
    peak = None
    for i, line in enumerate(lines):
        f = line.split()
        if len(f) == 6 and f[0].isdigit() and "," in f[2]:
            snap = {"n": int(f[0]), "total": int(f[2].replace(",", "")), "useful": int(f[3].replace(",", "")),
                    "extra": int(f[4].replace(",", ""))}
            if not peak or snap["total"] > peak["total"]:
                peak = snap
            res["last"] = snap
    res["peak"] = peak
    if peak:
        start = None
        for i, line in enumerate(lines):
            f = line.split()
            if len(f) == 6 and f[0] == str(peak["n"]):
                start = i
        for line in lines[start + 1:] if start is not None else []:
            if line.startswith("---") or (line.split() and line.split()[0].isdigit()):
                break
            if line.startswith("->") or line.startswith("| ->"):
                res["tree"].append(line.replace("| ->", "    ->").rstrip())
    log("  massif: peak heap %.1f MiB (useful %.1f MiB, allocator overhead %.1f MiB)" % (
        peak["total"] / MiB, peak["useful"] / MiB, peak["extra"] / MiB) if peak else "  massif: no snapshot")
    return res


def callgrind_phase(n):
    """The daemon under callgrind: a cold walk of n servers, then 4 warm readers."""
    phase("callgrind N=%d" % n)
    emu = Emulator(n, edge=False)
    out = {}
    m = None
    try:
        cg = WORK / "callgrind.out"
        wrap = ["valgrind", "--tool=callgrind", "--callgrind-out-file=%s" % cg, "--dump-instr=no"]
        m = Mount("callgrind%d" % n, emu.env, "ttl=3600", wrap=wrap, wait=180)

        def control(flag, tag):
            c = subprocess.Popen(["callgrind_control", flag, str(m.pid)], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
            deadline = time.time() + 60
            while c.poll() is None and time.time() < deadline:
                os.stat(m.dir / "servers")  # wake the daemon so callgrind sees the command
                time.sleep(0.2)
            if c.poll() is None:
                c.kill()
                raise RuntimeError("callgrind_control %s did not finish" % flag)
            files = sorted(WORK.glob("callgrind.out*"), key=lambda f: f.stat().st_mtime)
            return files[-1] if tag else None

        control("-z", None)
        t0 = time.perf_counter()
        w = walk_once(m, emu)
        log("  callgrind cold walk: %.1f s under valgrind, %d matches" % (time.perf_counter() - t0, w["matches"]))
        f1 = control("-d", "coldwalk")
        paths = reader_list(m, n)
        r = reader(4, 5.0, paths, timeout=180)
        log("  callgrind warm readers: %d ops under valgrind" % r["ops"])
        f2 = control("-d", "warm")
        for tag, f, ops in (("coldwalk", f1, None), ("warm4", f2, r["ops"])):
            res = {}
            for incl in ("no", "yes"):
                p = run(["callgrind_annotate", "--inclusive=" + incl, str(f)], 300, check=False)
                dst = PROF / ("callgrind-%s-%d-%s.txt" % (tag, n, "inclusive" if incl == "yes" else "self"))
                dst.write_text(p.stdout)
                res[incl] = dst
            total = 0
            for line in Path(res["no"]).read_text().splitlines():
                if "PROGRAM TOTALS" in line:
                    total = int(line.split()[0].replace(",", ""))
            out[tag] = {"files": res, "ops": ops, "ir": total}
            log("  callgrind %s: %s instructions%s" % (tag, "{:,}".format(total),
                ", %.0f per open+read+close" % (total / ops) if ops else ""))
    finally:
        if m:
            m.stop()
        emu.stop()
    return out


# ---------------------------------------------------------------- report

def median(xs):
    return statistics.median(xs) if xs else None


def top_lines_perf(path, k=12):
    rows = []
    for line in Path(path).read_text().splitlines():
        s = line.strip()
        if not s or s.startswith("#") or "%" not in s.split()[0]:
            continue
        rows.append(s)
        if len(rows) == k:
            break
    return rows


def top_lines_callgrind(path, k=12):
    rows, started = [], False
    for line in Path(path).read_text().splitlines():
        if line.startswith("--") and "Ir" in line:
            started = False
        if started and line.strip() and not line.startswith("--"):
            rows.append(line.rstrip())
            if len(rows) == k:
                break
        if line.strip().startswith("Ir") and "file:function" in line:
            started = True
    return rows


def write_results(meta, qrows, walks, cg, opmix=None, i10=None):
    RES.mkdir(exist_ok=True)
    # CSV: question and listing
    with open(RES / "question.csv", "w") as f:
        f.write("target,what,case,servers,median_s,mean_s,stddev_s,min_s,max_s,runs,requests,emulator_requests,command\n")
        for r in qrows:
            t = r["t"] or {}
            f.write("%s,%s,%s,%d,%s,%s,%s,%s,%s,%s,%s,%s,\"%s\"\n" % (
                r["target"], r["what"], r["case"], r["servers"], t.get("median", ""), t.get("mean", ""),
                t.get("stddev", ""), t.get("min", ""), t.get("max", ""), t.get("runs", ""), r["requests"],
                "" if r["emu_requests"] is None else r["emu_requests"], r["cmd"].replace(str(WORK), "$WORK")))
    with open(RES / "walk_runs.csv", "w") as f:
        f.write("n,mode,run,wall_s,matches,emulator_requests,emulator_list_requests,daemon_requests,daemon_cpu_s\n")
        for w in walks:
            for r in w["runs"]:
                f.write("%d,%s,%d,%.4f,%d,%d,%d,%d,%.3f\n" % (w["n"], r["mode"], r["run"], r["wall"], r["matches"],
                        r["emu_requests"], r["emu_lists"], r["daemon_requests"], r["daemon_cpu"]))
    summary = []
    for w in walks:
        cold = [r for r in w["runs"] if r["mode"] == "cold"]
        warm = [r for r in w["runs"] if r["mode"] == "warm"]
        s = {"n": w["n"], "cold": median([r["wall"] for r in cold]), "warm": median([r["wall"] for r in warm]),
             "cold_min": min(r["wall"] for r in cold), "cold_max": max(r["wall"] for r in cold),
             "warm_min": min(r["wall"] for r in warm), "warm_max": max(r["wall"] for r in warm),
             "lists": max(r["emu_lists"] for r in cold), "daemon_requests": max(r["daemon_requests"] for r in cold),
             "warm_requests": max(r["emu_requests"] for r in warm),
             "cold_cpu": median([r["daemon_cpu"] for r in cold]), "warm_cpu": median([r["daemon_cpu"] for r in warm]),
             "hwm": max(w["rss"]["cold"]["VmHWM"], w["rss"]["warm"]["VmHWM"]),
             "rss_warm": w["rss"]["warm"]["VmRSS"], "hwm_cold": w["rss"]["cold"]["VmHWM"],
             "hwm_warm": w["rss"]["warm"]["VmHWM"], "expected": w["expected_lists"],
             "matches_ok": all(r["matches"] == w["active"] for r in w["runs"]), "active": w["active"],
             "qcold": w["qcold"]["t"] and w["qcold"]["t"]["median"], "qcold_requests": w["qcold"]["requests"],
             "qcurl": w["qcurl"] and w["qcurl"]["median"], "pages_curl": w["pages_curl"]["median"],
             "lscold": w.get("lscold") and w["lscold"]["median"]}
        summary.append(s)
    with open(RES / "walk.csv", "w") as f:
        f.write("n,cold_median_s,warm_median_s,cold_min_s,cold_max_s,warm_min_s,warm_max_s,list_requests_cold,"
                "list_request_limit,daemon_requests_cold,requests_warm,daemon_cpu_cold_s,daemon_cpu_warm_s,"
                "vmhwm_cold_kib,vmhwm_warm_kib,vmrss_warm_kib,question_cold_s,question_cold_requests,curl_get_s,curl_list_pages_s,"
                "ls_cold_s\n")
        for s in summary:
            f.write("%d,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%d,%d,%d,%d,%.3f,%.3f,%d,%d,%d,%s,%d,%s,%.4f,%s\n" % (
                s["n"], s["cold"], s["warm"], s["cold_min"], s["cold_max"], s["warm_min"], s["warm_max"],
                s["lists"], s["expected"], s["daemon_requests"], s["warm_requests"], s["cold_cpu"], s["warm_cpu"],
                s["hwm_cold"], s["hwm_warm"], s["rss_warm"], s["qcold"] or "", s["qcold_requests"], s["qcurl"] or "",
                s["pages_curl"], s["lscold"] or ""))
    tp = next((w["throughput"] for w in walks if w.get("throughput")), None)
    tp_n = next((w["n"] for w in walks if w.get("throughput")), None)
    if tp:
        with open(RES / "throughput.csv", "w") as f:
            f.write("n,readers,rep,ops_per_s,ops,errors,p50_us,p99_us,max_us,daemon_cpu_per_op_us,requests\n")
            for t, d in tp.items():
                for i, r in enumerate(d["reps"]):
                    f.write("%d,%d,%d,%.0f,%d,%d,%d,%d,%d,%.2f,%d\n" % (tp_n, t, i + 1, r["ops_per_s"], r["ops"],
                            r["errors"], r["p50_us"], r["p99_us"], r["max_us"], r["daemon_cpu_per_op_us"], r["requests"]))
    plot(summary)

    # ---- markdown
    L = []
    L.append("# openstackfs benchmark (%s)" % meta["mode"])
    L.append("")
    L.append("%s · commit `%s`%s · %s · %s · load average %s at start, %s at end · took %.0f s%s · "
             "`bench/run.sh %s`" % (meta["date"], meta["commit"], " (+ uncommitted changes)" if meta["dirty"] else "",
                                    meta["machine"], meta["binary"], meta["load0"], meta["load1"], meta["took"],
                                    " (after %.0f s waiting for an idle machine)" % meta["waited"] if meta.get("waited") else "",
                                    meta["args"]))
    if meta.get("daemon_env"):
        L.append("")
        L.append("Daemon environment: `%s`" % meta["daemon_env"])
    L.append("")
    L.append("Medians of %d runs after %d warm-up run(s) (openstack CLI: %d runs; walk: %d cold, %d warm runs). "
             "Cold: the token is cached but the listing is older than the TTL (mount `-o ttl=T`, wait T + 0.15–0.3 s "
             "before each run; T = %g s for the question and listing, %g s for the walk, %g s for the cold question "
             "in the walk table); the cold mount listed the servers once before, so the stale listing knows the "
             "name's id. \"Never listed\": a mount that never listed the servers, so the name is new to it. Warm: `-o ttl=3600`, cache filled. curl: a pre-fetched token, one `GET /servers/{id}` "
             "(question) or the same `GET /servers/detail?limit=1000` pages the daemon fetches (listing)." % (
                 RUNS, WARMUP, CLI_RUNS, RUNS_WALK, RUNS_WALK_WARM, QCOLD_TTL, COLD_TTL, WALK_QCOLD_TTL))
    L.append("")
    L.extend(issue10.render(i10 or [], meta["mode"]))
    if i10:
        issue10.write_csv(RES / "issue10.csv", i10)
    L.append("## Targets")
    L.append("")
    L.append("| target | measured | |")
    L.append("|---|---|---|")
    for t in targets(qrows, summary, tp):
        L.append("| %s | %s | %s |" % t)
    L.append("")
    L.append("## One question and a listing")
    L.append("")
    L.append("| cloud | servers | what | case | median ms | min–max ms | API requests | ÷ curl | ÷ curl request only | CLI time ÷ this |")
    L.append("|---|---|---|---|---|---|---|---|---|---|")
    for r in qrows:
        t = r["t"]
        same = [x for x in qrows if x["target"] == r["target"] and x["what"] == r["what"]]
        curl = next((x["t"] for x in same if x["case"] == "curl"), None)
        inner = next((x["t"] for x in same if x["case"] == "curl request only"), None)
        cli = next((x["t"] for x in same if x["case"] == "openstack CLI"), None)
        L.append("| %s | %d | %s | %s | %s | %s–%s | %s | %s | %s | %s |" % (
            r["target"], r["servers"], r["what"], r["case"], fmt_ms(t and t["median"]),
            fmt_ms(t and t["min"]), fmt_ms(t and t["max"]), r["requests"],
            fmt_ratio(t["median"] / curl["median"]) if t and curl else "",
            fmt_ratio(t["median"] / inner["median"]) if t and inner else "",
            fmt_ratio(cli["median"] / t["median"]) if t and cli and r["case"] != "openstack CLI" else ""))
    L.append("")
    L.append("Commands (`$M` = the mount point):")
    L.append("")
    seen = set()
    for r in qrows:
        key = (r["what"], r["case"])
        if key in seen:
            continue
        seen.add(key)
        cmd = r["cmd"].replace(str(WORK), "$WORK")
        for part in ("mnt-emulator-cold0", "mnt-emulator-cold", "mnt-emulator-warm", "mnt-realcloud-cold0",
                     "mnt-realcloud-cold", "mnt-realcloud-warm"):
            cmd = cmd.replace("$WORK/" + part, "$M")
        if len(cmd) > 160:
            cmd = cmd[:157] + "..."
        L.append("- %s, %s: `%s`%s" % (r["what"], r["case"], cmd,
                                       " (the emulator saw: %s)" % r["emu_paths"] if r.get("emu_paths") else ""))
    L.append("")
    L.append("## Walk: `grep -rl ACTIVE servers/*/status` (emulator, one per N)")
    L.append("")
    L.append("| N | cold s | warm s | list requests cold (limit) | curl of those pages s | cold `ls servers` s | requests warm | daemon CPU cold / warm s | "
             "VmHWM MiB cold / warm mount | VmRSS MiB warm | cold `cat` one status ms (requests) | curl GET ms |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for s in summary:
        L.append("| %d | %.3f (%.3f–%.3f) | %.3f (%.3f–%.3f) | %d (%d) | %.3f | %s | %d | %.2f / %.2f | %.1f / %.1f | %.1f | %s (%d) | %s |" % (
            s["n"], s["cold"], s["cold_min"], s["cold_max"], s["warm"], s["warm_min"], s["warm_max"],
            s["lists"], s["expected"], s["pages_curl"], "%.3f" % s["lscold"] if s["lscold"] else "n/a", s["warm_requests"], s["cold_cpu"], s["warm_cpu"],
            s["hwm_cold"] / 1024, s["hwm_warm"] / 1024, s["rss_warm"] / 1024, fmt_ms(s["qcold"]),
            s["qcold_requests"], fmt_ms(s["qcurl"])))
    L.append("")
    bad = [s["n"] for s in summary if not s["matches_ok"]]
    L.append("grep found every ACTIVE server in every run." if not bad else
             "**grep's match count differed from the emulator's ACTIVE count for N = %s.**" % bad)
    L.append("Time vs N: `walk.png`. Per-run numbers: `walk_runs.csv`.")
    L.append("")
    if tp:
        L.append("## Warm throughput: open + read to EOF + close (`bench/reader.c`, N = %d, 1,000 `status` files)" % tp_n)
        L.append("")
        L.append("| readers | ops/s (median of %d × %g s) | runs | p50 µs | p99 µs | errors | daemon CPU µs/op |" % (TP_REPS, TP_SECONDS))
        L.append("|---|---|---|---|---|---|---|")
        for t, d in tp.items():
            m = d["median"]
            L.append("| %d | %.0f | %s | %d | %d | %d | %.1f |" % (
                t, m["ops_per_s"], ", ".join("%.0f" % r["ops_per_s"] for r in d["reps"]), m["p50_us"], m["p99_us"],
                sum(r["errors"] for r in d["reps"]), m["daemon_cpu_per_op_us"]))
        L.append("")
    if opmix:
        ops = sorted({k for o in opmix for k in o["requests"]})
        L.append("## FUSE requests per operation (daemon `-d` log, N = 2,000, `-o ttl=5`)")
        L.append("")
        L.append("| operation | " + " | ".join(ops) + " | total |")
        L.append("|---|" + "---|" * (len(ops) + 1))
        for o in opmix:
            L.append("| %s | %s | %.2f |" % (o["what"], " | ".join(
                ("%.2f" % (o["requests"].get(k, 0) / o["ops"]) if o["requests"].get(k, 0) / o["ops"] >= 0.005
                 else "(%d in all)" % o["requests"][k]) if o["requests"].get(k) else "" for k in ops),
                sum(o["requests"].values()) / o["ops"]))
        L.append("")
        with open(RES / "fuse_ops.csv", "w") as f:
            f.write("operation,ops," + ",".join(ops) + "\n")
            for o in opmix:
                f.write("\"%s\",%d,%s\n" % (o["what"], o["ops"], ",".join(str(o["requests"].get(k, 0)) for k in ops)))
    perfw = next((w["perf"] for w in walks if w.get("perf")), None)
    if perfw or cg:
        L.append("## Profiles")
        L.append("")
    if perfw:
        for tag, title in (("coldwalk", "perf (cpu-clock, 999 Hz, DWARF stacks), cold walk of N = %d: daemon, self time" % tp_n),
                           ("warm", "perf, warm throughput with 4 readers: daemon, self time")):
            L.append("### " + title)
            L.append("")
            L.append("By object: " + ", ".join(
                "%s %s" % (x.split()[1], x.split()[0]) for x in top_lines_perf(perfw[tag]["files"]["dso"], 6)))
            L.append("")
            L.append("```")
            L.extend(top_lines_perf(perfw[tag]["files"]["self"], 15))
            L.append("```")
            L.append("")
            own = [x for x in top_lines_perf(perfw[tag]["files"]["children"], 400) if " openstackfs " in x]
            if own:
                L.append("The daemon's own functions, inclusive (children) time:")
                L.append("")
                L.append("```")
                L.extend(own[:15])
                L.append("```")
                L.append("")
        L.append("Inclusive (children) lists and call graphs: `profile/perf-*-children.txt`, `profile/perf-*-callgraph.txt`.")
        L.append("")
    if cg:
        for tag, title in (("coldwalk", "callgrind, cold walk of N = %d: instructions by function (self)" % meta["cg_n"]),
                           ("warm4", "callgrind, 4 warm readers (%d ops, %.0f daemon instructions per open+read+close): instructions by function (self)" % (
                               cg.get("warm4", {}).get("ops") or 0,
                               (cg.get("warm4", {}).get("ir") or 0) / max(1, cg.get("warm4", {}).get("ops") or 1)))):
            if tag not in cg:
                continue
            L.append("### " + title)
            L.append("")
            L.append("```")
            L.extend(top_lines_callgrind(cg[tag]["files"]["no"], 15))
            L.append("```")
            L.append("")
        L.append("Inclusive lists: `profile/callgrind-*-inclusive.txt`.")
        L.append("")
    ms = meta.get("massif")
    if ms and ms.get("peak"):
        L.append("### massif: the daemon's heap while it fetches and holds the listing of N = %d" % max(x["n"] for x in walks))
        L.append("")
        L.append("Peak %.1f MiB: %.1f MiB asked for (useful) + %.1f MiB malloc overhead as massif counts it; last snapshot "
                 "(listing held) %.1f MiB useful. Allocation sites at the peak (first two levels; full tree in `profile/%s`):" % (
                     ms["peak"]["total"] / MiB, ms["peak"]["useful"] / MiB, ms["peak"]["extra"] / MiB,
                     ms["last"]["useful"] / MiB, Path(ms["file"]).name))
        L.append("")
        L.append("```")
        L.extend(x[:170] for x in ms["tree"][:24])
        L.append("```")
        L.append("")
    if meta.get("notes"):
        L.append("## Notes")
        L.append("")
        for n in meta["notes"]:
            L.append("- " + n)
        L.append("")
    (RES / "latest.md").write_text("\n".join(L))
    (RES / "latest.json").write_text(json.dumps({"meta": {k: v for k, v in meta.items() if k != "massif"}, "question": qrows, "walk": summary,
                                                 "throughput": {str(k): v["median"] for k, v in (tp or {}).items()},
                                                 "issue10": [{k: v for k, v in r.items() if k != "curl"} for r in (i10 or [])]},
                                                indent=1, default=str))


def targets(qrows, summary, tp):
    out = []

    def q(target, what, case):
        r = next((x for x in qrows if x["target"] == target and x["what"] == what and x["case"] == case), None)
        return r["t"]["median"] if r and r["t"] else None

    def mark(ok):
        return "✅ met" if ok else "❌ missed"

    for tgt in ("emulator", "realcloud"):
        cold, curl, inner = q(tgt, "question", "fs cold"), q(tgt, "question", "curl"), q(tgt, "question", "curl request only")
        if cold and curl:
            out.append(("cold question ≤ 1.5× one curl GET (%s)" % tgt,
                        "`cat` %s ms vs `curl` %s ms = %.2f× (vs curl's request alone, %s ms: %.2f×)" % (
                            fmt_ms(cold), fmt_ms(curl), cold / curl, fmt_ms(inner), cold / inner if inner else 0),
                        mark(cold <= 1.5 * curl)))
    for s in summary:
        if s["n"] >= 1000 and s["qcold"] and s["qcurl"]:
            out.append(("cold question ≤ 1.5× one curl GET (emulator, N = %d)" % s["n"],
                        "%s ms vs %s ms = %.1f×" % (fmt_ms(s["qcold"]), fmt_ms(s["qcurl"]), s["qcold"] / s["qcurl"]),
                        mark(s["qcold"] <= 1.5 * s["qcurl"])))
    cli, cold, warm = q("realcloud", "question", "openstack CLI"), q("realcloud", "question", "fs cold"), q("realcloud", "question", "fs warm")
    if cli and cold:
        out.append(("≥ 50× faster than `openstack server show` (real cloud)",
                    "cold %.0f×, warm %.0f×" % (cli / cold, cli / warm if warm else 0), mark(cli / cold >= 50)))
    else:
        cli, cold = q("emulator", "question", "openstack CLI"), q("emulator", "question", "fs cold")
        if cli and cold:
            out.append(("≥ 50× faster than `openstack server show` (no real cloud: emulator)",
                        "cold %.0f×" % (cli / cold), mark(cli / cold >= 50)))
    for s in summary:
        out.append(("walk of N = %d: ≤ %d list requests" % (s["n"], s["expected"]), "%d" % s["lists"],
                    mark(s["lists"] <= s["expected"])))
    big = next((s for s in summary if s["n"] == 20000), None)
    if big:
        out.append(("20,000 servers walked cold ≤ 3 s", "%.2f s" % big["cold"], mark(big["cold"] <= 3)))
        out.append(("20,000 servers walked warm ≤ 0.5 s", "%.2f s" % big["warm"], mark(big["warm"] <= 0.5)))
        out.append(("daemon RSS ≤ 64 MiB with 20,000 servers cached",
                    "VmHWM %.0f MiB (cold mount) / %.0f MiB (warm mount), VmRSS %.0f MiB" % (
                        big["hwm_cold"] / 1024, big["hwm_warm"] / 1024, big["rss_warm"] / 1024),
                    mark(big["hwm"] <= 64 * 1024)))
    else:
        out.append(("20,000-server targets", "not run (--quick)", ""))
    if tp:
        r = tp[4]["median"]["ops_per_s"]
        out.append(("warm ≥ 50,000 open+read+close/s from 4 readers", "%.0f/s" % r, mark(r >= 50000)))
    return out


def plot(summary):
    dat = WORK / "walk.dat"
    with open(dat, "w") as f:
        for x in summary:
            f.write("%d %.5f %.5f %s\n" % (x["n"], x["cold"], x["warm"], "%.5f" % x["lscold"] if x.get("lscold") else "NaN"))
    gp = """
set terminal pngcairo size 900,600 noenhanced font ",11"
set output '%s'
set title 'openstackfs: grep -rl ACTIVE servers/*/status (emulator, medians)'
set xlabel 'servers (N)'
set ylabel 'wall time (s)'
set logscale xy
set grid
set key top left
set xrange [50:40000]
set arrow from 12000,3 to 32000,3 nohead dt 2 lw 2 lc rgb 'red'
set arrow from 12000,0.5 to 32000,0.5 nohead dt 2 lw 2 lc rgb 'blue'
set label 'target: cold 3 s' at 11000,3 right tc rgb 'red'
set label 'target: warm 0.5 s' at 11000,0.5 right tc rgb 'blue'
plot '%s' using 1:2 with linespoints lw 2 pt 7 lc rgb 'red' title 'walk, cold (listing stale, token cached)', \\
     '%s' using 1:4 with linespoints lw 1 pt 6 dt 3 lc rgb 'dark-red' title 'ls servers, cold (fetch + parse only)', \\
     '%s' using 1:3 with linespoints lw 2 pt 5 lc rgb 'blue' title 'walk, warm (listing cached)'
""" % (RES / "walk.png", dat, dat, dat)
    p = subprocess.run(["gnuplot"], input=gp, text=True, capture_output=True, timeout=60)
    if p.returncode != 0:
        p = subprocess.run(["gnuplot"], input=gp.replace("pngcairo", "png"), text=True,
                           capture_output=True, timeout=60)
        if p.returncode != 0:
            log("gnuplot failed: %s" % p.stderr[-300:])


# ---------------------------------------------------------------- main

def main():
    global WORK, RES, RAW, PROF, BIN, READER, RUNS, WARMUP, CLI_RUNS, RUNS_WALK, RUNS_WALK_WARM
    global COLD_TTL, QCOLD_TTL, WALK_QCOLD_TTL, TP_SECONDS, TP_REPS
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--reader", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--ns", default=None, help="walk sizes, e.g. 100,2000,20000")
    ap.add_argument("--no-real", action="store_true")
    ap.add_argument("--no-question", action="store_true", help="skip the question and listing phase")
    ap.add_argument("--wait-idle", type=float, default=0, metavar="S",
                    help="first wait up to S seconds for the 1-minute load average to drop below 0.7")
    ap.add_argument("--daemon-env", action="append", default=[], metavar="K=V",
                    help="extra environment for the daemon, e.g. MALLOC_ARENA_MAX=2")
    ap.add_argument("--keep-real", action="store_true", help="leave the osfs-bench servers on the real cloud")
    ap.add_argument("--profile", dest="profile", action="store_true", default=None)
    ap.add_argument("--no-profile", dest="profile", action="store_false")
    ap.add_argument("--callgrind-n", type=int, default=2000)
    ap.add_argument("--question-servers", type=int, default=100)
    ap.add_argument("--results", default=str(BENCH / "results"))
    ap.add_argument("--bin-before", default=os.environ.get("OSFS_BIN_BEFORE", ""),
                    help="a second binary measured side by side in issue 10's questions (default $OSFS_BIN_BEFORE)")
    ap.add_argument("--issue10-n", type=int, default=None, help="servers for issue 10's questions (20000; quick 2000)")
    ap.add_argument("--no-issue10", action="store_true", help="skip issue 10's questions")
    ap.add_argument("--args", default="")
    a = ap.parse_args()
    WORK, BIN, READER = Path(a.work), Path(a.bin).resolve(), Path(a.reader).resolve()
    RES = Path(a.results)
    RAW, PROF = RES / "raw", RES / "profile"
    for d in (RES, RAW, PROF):
        d.mkdir(parents=True, exist_ok=True)
    for f in list(RAW.glob("*.json")) + list(PROF.glob("*.txt")):
        f.unlink()
    if a.quick:
        ns = [100, 2000]
        RUNS, WARMUP, CLI_RUNS, RUNS_WALK, RUNS_WALK_WARM = 5, 1, 3, 3, 3
        COLD_TTL, TP_SECONDS, TP_REPS = 3.0, 1.5, 1
        profile = bool(a.profile)
    else:
        ns = [100, 2000, 20000]
        RUNS, WARMUP, CLI_RUNS, RUNS_WALK, RUNS_WALK_WARM = 10, 2, 5, 3, 5
        COLD_TTL, TP_SECONDS, TP_REPS = DAEMON_DEFAULT_TTL, 3.0, 3
        profile = a.profile is not False
    QCOLD_TTL, WALK_QCOLD_TTL = 1.0, 3.0
    if a.ns:
        ns = [int(x) for x in a.ns.split(",")]
    for kv in a.daemon_env:
        k, _, v = kv.partition("=")
        DAEMON_ENV[k] = v
    git = lambda *c: subprocess.run(["git", "-C", str(ROOT)] + list(c), capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "commit": git("rev-parse", "--short", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "--", "fs", "CMakeLists.txt")),
            "machine": "%d cores (%s), %s" % (os.cpu_count(), cpu, platform.release()),
            "binary": str(BIN.relative_to(ROOT)) if ROOT in BIN.parents else str(BIN),
            "mode": "quick" if a.quick else "full", "load0": loadavg(), "args": a.args, "notes": [],
            "cg_n": a.callgrind_n, "daemon_env": " ".join(a.daemon_env)}
    if a.wait_idle > 0:
        deadline = time.time() + a.wait_idle
        while float(loadavg()) >= 0.7 and time.time() < deadline:
            time.sleep(5)
        log("load average %s after waiting up to %g s for an idle machine" % (loadavg(), a.wait_idle))
        meta["waited"] = time.time() - T0
        meta["load0"] = loadavg()
    log("openstackfs benchmark (%s): walk N = %s, profile %s; work dir %s" % (meta["mode"], ns, profile, WORK))
    qrows, walks, cg, opmix, i10 = [], [], None, None, []
    try:
        # -- phase 1: emulator, then the real cloud
        if not a.no_question:
            phase("question and listing: emulator with %d servers" % a.question_servers)
            emu = Emulator(a.question_servers)
            try:
                qrows += question_phase("emulator", emu.env, "srv-%05d" % min(42, a.question_servers), None, emu=emu)
            finally:
                emu.stop()
        if a.no_question:
            pass
        elif a.no_real:
            meta["notes"].append("real cloud skipped (--no-real)")
        else:
            env, why = realcloud_env()
            if not env:
                meta["notes"].append("real cloud not measured: %s" % why)
                log("real cloud: skipped (%s)" % why)
            else:
                phase("question and listing: real cloud (tests/realcloud)")
                servers = []
                try:
                    api = Api(env)
                    servers, created = real_servers(api, 3)
                    x = servers[0]
                    qrows += question_phase("realcloud", env, x["name"], x["id"])
                    _, _, all_s = api.call("GET", "/servers/detail")
                    meta["notes"].append("real cloud: %d servers in project demo (%d `%s-N` servers %s by the bench)" % (
                        len(all_s["servers"]), len(servers), REAL_PREFIX, "created" if created else "reused"))
                except Exception as e:  # noqa: BLE001 - report and go on with the emulator
                    meta["notes"].append("real cloud failed: %s" % e)
                    log("real cloud FAILED: %s" % e)
                finally:
                    if not a.keep_real:
                        try:
                            a2 = Api(env)
                            status, _, body = a2.call("GET", "/servers/detail?name=%5E" + REAL_PREFIX)
                            real_delete(a2, [x for x in body["servers"] if x["name"].startswith(REAL_PREFIX)])
                        except Exception as e:  # noqa: BLE001
                            log("could not delete the %s servers: %s" % (REAL_PREFIX, e))
                            meta["notes"].append("the real cloud's %s-N servers may be left over: %s" % (REAL_PREFIX, e))
        # -- issue 10's questions, for one or two binaries side by side
        if not a.no_issue10:
            ref = os.environ.get("OSFS_BEFORE_REF")
            if a.bin_before and ref:
                meta["notes"].append("issue 10's \"before\" binary: git ref `%s` (`%s`), built by run.sh from `git archive`" % (
                    ref, git("rev-parse", "--short", ref)))
            bins = ([("before", Path(a.bin_before).resolve())] if a.bin_before else []) + [
                ("after" if a.bin_before else "openstackfs", BIN)]
            try:
                issue10.run(sys.modules[__name__], bins, a.issue10_n or (2000 if a.quick else 20000),
                            runs=3 if a.quick else 5, cold_runs=3, ttls=(1, 2),
                            seconds=1.5 if a.quick else 3.0, results=i10)
            except Exception as e:  # noqa: BLE001 - report and go on
                meta["notes"].append("issue 10's questions failed: %s" % e)
                log("issue 10 FAILED: %s" % e)
        # -- phase 2-4: walks, throughput and profiles at the largest N
        try:
            opmix = opmix_phase(2000 if max(ns) >= 2000 else max(ns))
        except Exception as e:  # noqa: BLE001
            meta["notes"].append("FUSE request count failed: %s" % e)
            log("opmix FAILED: %s" % e)
        for n in ns:
            walks.append(walk_phase(n, do_throughput=(n == max(ns)), do_perf=(profile and n == max(ns))))
        if profile:
            try:
                meta["massif"] = massif_phase(max(ns))
            except Exception as e:  # noqa: BLE001
                meta["notes"].append("massif failed: %s" % e)
                log("massif FAILED: %s" % e)
            try:
                cg = callgrind_phase(a.callgrind_n)
            except Exception as e:  # noqa: BLE001
                meta["notes"].append("callgrind failed: %s" % e)
                log("callgrind FAILED: %s" % e)
    finally:
        cleanup()
    meta["load1"] = loadavg()
    meta["took"] = time.time() - T0 - meta.get("waited", 0)
    meta["notes"] += NOTES
    meta["notes"].append("The machine (2 cores) is shared: other work may run during the bench. Load average "
                         "(1 min) at the start of each phase: " + "; ".join("%s: %s" % l for l in LOADS) + ".")
    write_results(meta, qrows, walks, cg, opmix, i10)
    log("results: %s" % (RES / "latest.md"))
    print()
    print((RES / "latest.md").read_text())


def on_term(signum, frame):
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_term)
    try:
        main()
    except KeyboardInterrupt:
        cleanup()
        sys.exit(130)
