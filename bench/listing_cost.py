#!/usr/bin/python3
"""What a cold listing costs against its download (issue 20), for N servers of
the emulator with its pages cached (`page_cache`: each listing page is
rendered once, then served from memory, so serving it costs about what a
real API's transfer does).  Measured side by side in one run, per N:

- the download: ONE curl process fetching every page the daemon fetches, in
  order, over one connection, with the daemon's own URLs and microversion
  (read from the emulator's request log after a first mount warmed the pages);
- `ls servers` on a fresh daemon (the listing alone): wall, the daemon's CPU
  (user + system, from /proc), its peak RSS;
- the walk `grep -l ACTIVE servers/*/status` over the loaded listing with the
  kernel's caches dropped: in the daemon that just listed, after
  `echo 2 > /proc/sys/vm/drop_caches`.  That frees the kernel's unused
  dentries and inodes, FUSE's among them (the kernel sends FORGET for each),
  so the walk looks every entry up again through the daemon, while the
  daemon keeps its listing.  A remount would drop the listing too, and
  "1" (the page cache) is not where FUSE keeps names;
- the cold walk: the same walk on a fresh daemon (the glob's readdir lists);
- the issue's targets: ls <= download + 0.4 s, cold walk <= 1.15 x
  (download + loaded walk).

Medians of --runs runs (interleaved, so each sees the same machine).  Needs
root (drop_caches).  Writes bench/results/listing_cost.md.

    bench/listing_cost.py [--servers 20000 100000] [--bin PATH] [--before PATH] [--runs 3]
"""
import argparse
import json
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import harness  # noqa: E402
from harness import Emulator, Mount  # noqa: E402
from walk_cost import peak_rss_mib  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
WALK = "grep -l ACTIVE servers/*/status | wc -l"
STEP_TIMEOUT = 600


def cpu_ms(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / TICK


def big_stack():
    # 100,000 paths are ~5 MB of arguments: the limit on them is a quarter
    # of the stack limit
    resource.setrlimit(resource.RLIMIT_STACK, (1 << 30, 1 << 30))


def walk(m):
    """The walk in mount m: seconds, matching files."""
    env = dict(os.environ, LC_ALL="C")
    t0 = time.monotonic()
    r = subprocess.run(["bash", "-c", WALK], cwd=m.path, capture_output=True, text=True,
                       timeout=STEP_TIMEOUT, env=env, preexec_fn=big_stack)
    took = time.monotonic() - t0
    if r.returncode != 0:
        raise RuntimeError("the walk failed: %s" % r.stderr[-500:])
    return took, int(r.stdout.strip() or 0)


def mount(binary, emu):
    harness.BIN = binary
    return Mount(emu.env(), "ttl=3600")


def listing_then_walk(binary, emu):
    """A fresh daemon's `ls servers`, then the walk over its loaded listing
    with the kernel's caches dropped."""
    m = mount(binary, emu)
    try:
        pid = m.serving_pid()   # the serving process, not its supervisor
        before = cpu_ms(pid)
        t0 = time.monotonic()
        n = sum(not e.startswith(".") for e in os.listdir(os.path.join(m.path, "servers")))
        took = time.monotonic() - t0
        cpu, rss = cpu_ms(pid) - before, peak_rss_mib(pid)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("2\n")
        loaded, hits = walk(m)
        return {"ls": took, "cpu": cpu, "rss": rss, "n": n, "loaded": loaded, "hits": hits}
    finally:
        m.unmount()


def cold_walk(binary, emu):
    m = mount(binary, emu)
    try:
        took, hits = walk(m)
        return {"cold": took, "cold_hits": hits, "cold_rss": peak_rss_mib(m.serving_pid())}
    finally:
        m.unmount()


def daemon_pages(binary, emu):
    """Lists once with a daemon (rendering every page into the emulator's
    cache) and returns the page paths it asked for and its version header."""
    emu.call("POST", "/_emu/reset")
    m = mount(binary, emu)
    try:
        os.listdir(os.path.join(m.path, "servers"))
    finally:
        m.unmount()
    log = emu.call("GET", "/_emu/requests?last=2000")["requests"]
    pages = [e for e in log if e["method"] == "GET" and e["key"].endswith("/servers/detail")
             and e["status"] == 200]
    return [e["path"] for e in pages], pages[0]["headers"]["OpenStack-API-Version"]


def token(emu):
    env = emu.env()
    body = json.dumps({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": env["OS_USERNAME"], "password": env["OS_PASSWORD"], "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": env["OS_PROJECT_NAME"], "domain": {"name": "Default"}}}}})
    req = urllib.request.Request(env["OS_AUTH_URL"] + "/auth/tokens", data=body.encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.headers["X-Subject-Token"]


def download(emu, paths, version):
    """One curl fetching every page in order over one connection: seconds, MiB."""
    cmd = ["curl", "-sS", "--fail", "-H", "X-Auth-Token: " + token(emu),
           "-H", "OpenStack-API-Version: " + version, "-w", "%{size_download} %{num_connects}\\n"]
    for p in paths:
        cmd += ["-o", "/dev/null", emu.url + p]
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=STEP_TIMEOUT, check=True)
    took = time.monotonic() - t0
    rows = [line.split() for line in r.stdout.splitlines()]
    assert len(rows) == len(paths), r.stdout
    assert sum(int(c) for _, c in rows) == 1, "curl opened more than one connection"
    return took, sum(int(s) for s, _ in rows) / 2 ** 20


def measure(n, bins, runs):
    emu = Emulator("--no-edge-servers", servers=n)
    try:
        emu.config(page_cache=True)
        paths, version = daemon_pages(bins[0][1], emu)
        active = sum(s["status"] == "ACTIVE" for s in emu.servers())
        got = {label: [] for label, _ in bins}
        dls = []
        for _ in range(runs):
            dls.append(download(emu, paths, version))
            for label, path in bins:
                r = listing_then_walk(path, emu)
                r.update(cold_walk(path, emu))
                got[label].append(r)
        dls.append(download(emu, paths, version))
    finally:
        emu.stop()
    for label, rs in got.items():
        for r in rs:
            assert r["n"] == n, "%s: a listing missed servers: %d of %d" % (label, r["n"], n)
            assert r["hits"] == r["cold_hits"] == active, "%s: a walk missed servers: %s of %d" % (
                label, r, active)
    return statistics.median(d[0] for d in dls), dls[0][1], len(paths), got


def row(n, label, dl, rs):
    med = {k: statistics.median(r[k] for r in rs) for k in ("ls", "cpu", "loaded", "cold")}
    rss = max(max(r["rss"], r["cold_rss"]) for r in rs)
    ls_ok = med["ls"] <= dl + 0.4
    cold_goal = 1.15 * (dl + med["loaded"])
    return ("| %d | %s | %.0f ms | %.2f s (%.0f ms CPU) | %.2f s | %.2f s | "
            "%.2f s − %.2f s = %+.2f s: %s | %.2f × (goal ≤ 1.15): %s | %.0f MiB |" % (
                n, label, dl * 1000, med["ls"], med["cpu"], med["loaded"], med["cold"],
                med["ls"], dl, med["ls"] - dl, "met" if ls_ok else "not met",
                med["cold"] / (dl + med["loaded"]), "met" if med["cold"] <= cold_goal else "not met",
                rss))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, nargs="+", default=[20000, 100000])
    ap.add_argument("--bin", default=str(ROOT / "build" / "openstackfs"))
    ap.add_argument("--before", help="another binary, measured the same way in this run")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    bins = [("this build", a.bin)] + ([("before", a.before)] if a.before else [])
    lines = ["# A cold listing against its download (issue 20)", "",
             "Emulator with its pages cached; pages of 1,000; medians of %d runs in one run "
             "of bench/listing_cost.py." % a.runs, "",
             "| servers | binary | download (one curl) | `ls servers`, fresh daemon | "
             "walk over the loaded listing, caches dropped | cold walk, fresh daemon | "
             "ls − download (goal ≤ 0.4 s) | cold / (download + loaded walk) | peak RSS |",
             "|---|---|---|---|---|---|---|---|---|"]
    sizes = []
    for n in a.servers:
        dl, mib, npages, got = measure(n, bins, a.runs)
        sizes.append("%d servers: %d pages, %.0f MiB" % (n, npages, mib))
        for label, _ in bins:
            lines.append(row(n, label, dl, got[label]))
            print(lines[-1], flush=True)
    lines += ["", "Downloads: " + "; ".join(sizes) + ".",
              "The walk: `%s` (LC_ALL=C)." % WALK]
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "listing_cost.md").write_text(text)


if __name__ == "__main__":
    main()
