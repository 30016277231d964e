"""issue10.py - issue 10's questions, measured side by side in one run.

bench.py calls run() with itself (the module: Mount, Emulator, Api, run, log,
WORK, ...) and one or two binaries ("before" from OSFS_BIN_BEFORE, "after" =
the measured binary).  Every binary gets the same emulator of N servers and
the same tmpfs copy of its tree, and answers:

  1. warm `grep -l ACTIVE servers/*/status` on the mount vs on a tmpfs copy;
  2. warm open+read+close of one file, one reader (bench/reader.c), mount vs
     tmpfs, and which daemon / emulator counters a warm re-read loop moves;
  3. a cold walk (a freshly started daemon: token fetched, nothing listed) vs
     a shell loop of curl over the same list pages, token fetched beforehand;
  4. at `-o ttl=T`: full listings vs `changes-since` deltas during three warm
     walks (each started after the TTL ran out), from the emulator's request
     log, and the size of one refresh's answer when nothing changed;
  5. the daemon's VmRSS / VmHWM with N servers cached.

Figures and ratios only: nothing here asserts a time.  render() gives the
markdown, in the shape of the issue's table (question | openstackfs |
reference | ratio), one table per binary and a before/after table.
"""
import os
import statistics
import subprocess
import time
import urllib.parse
from pathlib import Path

GREP = "cd %s && grep -l ACTIVE servers/*/status | wc -l"
MiB_KIB = 1024
REQLOG_MAX = 2000  # the emulator's request log keeps this many entries
STALE_TTL = 3.0    # the TTL of the "listing stale" walk
TTL_WALKS = 3      # warm walks per TTL ...
TTL_BUDGET = 120.0  # ... unless they take longer than this (s): a core that re-lists mid-walk takes ~30 s a walk


# ---------------------------------------------------------------- helpers

def timed_walks(b, root, runs):
    """Wall time and match count of `runs` warm greps over root."""
    walls, matches = [], set()
    for _ in range(runs):
        t0 = time.perf_counter()
        p = b.run(["bash", "-c", GREP % root], 300)
        walls.append(time.perf_counter() - t0)
        matches.add(int(p.stdout.strip() or 0))
    return {"median": statistics.median(walls), "runs": walls, "matches": sorted(matches)}


def mount_stats(m):
    try:
        return m.stats()
    except (OSError, ValueError):
        return {}


def moved(before, after, baseline=None):
    """Counters that changed between two snapshots, less what reading the stats file moves by itself."""
    baseline = baseline or {}
    out = {}
    for k, v in after.items():
        d = v - before.get(k, 0) - baseline.get(k, 0)
        if d:
            out[k] = d
    return out


class Tmpfs:
    """A tmpfs holding servers/<name>/status copied from a warm mount."""

    def __init__(self, b, src):
        self.b = b
        self.dir = b.WORK / "tmpfs-tree"
        self.dir.mkdir(exist_ok=True)
        b.run(["mount", "-t", "tmpfs", "-o", "size=1g,mode=0755", "osfs-bench", str(self.dir)], 30)
        try:
            self.names = sorted(x for x in os.listdir(src / "servers") if not x.startswith("."))
            for name in self.names:
                d = self.dir / "servers" / name
                d.mkdir(parents=True)
                (d / "status").write_bytes((src / "servers" / name / "status").read_bytes())
        except BaseException:
            self.stop()
            raise

    def stop(self):
        subprocess.run(["umount", str(self.dir)], capture_output=True, timeout=30)
        if os.path.ismount(self.dir):
            subprocess.run(["umount", "-l", str(self.dir)], capture_output=True, timeout=30)


def one_file_list(b, root, name, tag):
    path = b.WORK / ("one-file-%s" % tag)
    path.write_text("%s/servers/%s/status\n" % (root, name))
    return path


def curl_bytes(hdr, url):
    """(body bytes, header bytes) of one GET with the bench's token headers."""
    p = subprocess.run(["curl", "-s", "-f", "-o", "/dev/null", "-H", "@%s" % hdr, "-w",
                        "%{size_download} %{size_header}", url], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        return None
    body, head = p.stdout.split()
    return int(body), int(head)


# ---------------------------------------------------------------- the questions

def warm_questions(b, label, binary, emu, tree, n, runs, seconds):
    """1, 2 and 5 on one warm mount.  Builds the tmpfs tree from the first mount (tree = [None])."""
    out = {}
    m = b.Mount("i10-%s-warm" % label, emu.env, "ttl=3600", bin=binary)
    try:
        b.run(["bash", "-c", GREP % m.dir], 300)  # warm-up: fills every cache
        if tree[0] is None:
            tree[0] = Tmpfs(b, m.dir)
            b.log("  tmpfs copy: %d servers/*/status files in %s" % (len(tree[0].names), tree[0].dir))
        t = tree[0]
        out["grep"] = timed_walks(b, m.dir, runs)
        out["grep_tmpfs"] = timed_walks(b, t.dir, runs)
        b.log("  %s: warm grep %.3f s (matches %s) vs tmpfs %.3f s (matches %s)" % (
            label, out["grep"]["median"], out["grep"]["matches"], out["grep_tmpfs"]["median"],
            out["grep_tmpfs"]["matches"]))
        name = t.names[min(41, len(t.names) - 1)]
        lm, lt = one_file_list(b, m.dir, name, label), one_file_list(b, t.dir, name, label + "-tmpfs")
        b.reader(1, 0.5, lm)  # warm-up
        out["read"] = b.reader(1, seconds, lm)
        out["read_tmpfs"] = b.reader(1, seconds, lt)
        out["read_file"] = "servers/%s/status" % name
        # a warm re-read loop: which counters move?  (baseline: what reading the stats file moves)
        s0 = mount_stats(m)
        base = moved(s0, mount_stats(m))
        emu.reset()
        s1, c1 = mount_stats(m), m.cpu()
        r = b.reader(1, 1.0, lm)
        c2, s2 = m.cpu(), mount_stats(m)
        ec = emu.counters()
        out["reread"] = {"ops": r["ops"], "daemon": moved(s1, s2, base), "emulator": ec["total"],
                         "daemon_cpu": c2 - c1}
        b.log("  %s: one reader %.0f/s vs tmpfs %.0f/s; warm re-read of %d ops moved %s, emulator saw %d, daemon CPU %.2f s" % (
            label, out["read"]["ops_per_s"], out["read_tmpfs"]["ops_per_s"], r["ops"],
            out["reread"]["daemon"] or "no counter", ec["total"], c2 - c1))
        out["rss"] = m.status()
        b.log("  %s: daemon with %d servers cached: %s" % (label, n, out["rss"]))
    finally:
        m.stop()
    return out


def cold_walks(b, label, binary, emu, runs):
    """3: a fresh daemon per run (authenticated at start-up, nothing listed) walks the tree once."""
    walls, lists, totals = [], [], []
    for i in range(runs):
        m = b.Mount("i10-%s-cold%d" % (label, i), emu.env, "ttl=%g" % b.DAEMON_DEFAULT_TTL, bin=binary)
        try:
            mount_stats(m)  # the daemon answers
            emu.reset()
            t0 = time.perf_counter()
            b.run(["bash", "-c", GREP % m.dir], 300)
            walls.append(time.perf_counter() - t0)
            ec = emu.counters()
            lists.append(ec["lists"])
            totals.append(ec["total"])
        finally:
            m.stop()
    b.log("  %s: cold walk %s s, list requests %s" % (label, ", ".join("%.2f" % w for w in walls), lists))
    return {"median": statistics.median(walls), "runs": walls, "lists": max(lists), "requests": max(totals)}


def stale_walks(b, label, binary, emu, runs, ttl=STALE_TTL):
    """3, as main's bench measured it: one daemon walks again each time its listing is older than the TTL."""
    m = b.Mount("i10-%s-stale" % label, emu.env, "ttl=%g" % ttl, bin=binary)
    walls, full, delta = [], [], []
    try:
        b.run(["bash", "-c", GREP % m.dir], 300)  # the first listing: not counted
        for _ in range(runs):
            time.sleep(ttl + 0.3)
            emu.reset()
            t0 = time.perf_counter()
            b.run(["bash", "-c", GREP % m.dir], 300)
            walls.append(time.perf_counter() - t0)
            f, d, _ = detail_requests(b, emu)
            full.append(len(f))
            delta.append(len(d))
    finally:
        m.stop()
    b.log("  %s: walk with the listing stale (ttl=%g) %s s, full listing pages %s, deltas %s" % (
        label, ttl, ", ".join("%.2f" % w for w in walls), full, delta))
    return {"median": statistics.median(walls), "runs": walls, "full": max(full), "delta": max(delta), "ttl": ttl}


def curl_loop(b, api, hdr, runs):
    """3's reference: one curl process per list page, in a shell loop, token fetched beforehand."""
    pages, _ = api.list_pages()
    script = b.WORK / "curl-loop.sh"
    script.write_text("for u in %s; do curl -s -f -H @%s -o /dev/null \"$u\" || exit 1; done\n" % (
        " ".join("'%s'" % u for u in pages), hdr))
    walls = []
    for _ in range(runs):
        t0 = time.perf_counter()
        b.run(["bash", str(script)], 300)
        walls.append(time.perf_counter() - t0)
    return {"median": statistics.median(walls), "runs": walls, "pages": len(pages), "urls": pages}


def detail_requests(b, emu):
    """GET .../servers/detail requests in the emulator's log since its last reset:
    (full paths, delta paths, was the log full?)."""
    _, _, body = b.http("GET", emu.url + "/_emu/requests?last=%d" % REQLOG_MAX, timeout=60)
    items = body["requests"]
    full, delta = [], []
    for e in items:
        if e["method"] != "GET" or "/servers/detail" not in urllib.parse.urlsplit(e["path"]).path:
            continue
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(e["path"]).query)
        (delta if "changes-since" in query else full).append(e["path"])
    return full, delta, len(items) >= REQLOG_MAX


def ttl_walks(b, label, binary, emu, hdr, ttl, pages):
    """4: three warm walks on `-o ttl=T`, each after the TTL ran out (fewer past TTL_BUDGET);
    what did the refreshes cost?"""
    m = b.Mount("i10-%s-ttl%g" % (label, ttl), emu.env, "ttl=%g" % ttl, bin=binary)
    try:
        b.run(["bash", "-c", GREP % m.dir], 300)  # the first listing: not counted
        emu.reset()
        walls = []
        t_end = time.perf_counter() + TTL_BUDGET
        while len(walls) < TTL_WALKS and (not walls or time.perf_counter() < t_end):
            time.sleep(ttl + 0.2)
            t0 = time.perf_counter()
            b.run(["bash", "-c", GREP % m.dir], 300)
            walls.append(time.perf_counter() - t0)
        full, delta, truncated = detail_requests(b, emu)
        total = emu.counters()["total"]
    finally:
        m.stop()
    out = {"ttl": ttl, "walls": walls, "full": len(full), "delta": len(delta), "requests": total,
           "truncated": truncated}
    if delta:
        out["delta_path"] = delta[-1]
        out["delta_bytes"] = curl_bytes(hdr, emu.url + delta[-1])
    else:
        sizes = [curl_bytes(hdr, u) for u in pages]
        out["full_bytes"] = sum(s[0] + s[1] for s in sizes if s)
        out["full_pages"] = len(pages)
    b.log("  %s: ttl=%g walks %s s: %d full listing pages, %d deltas, %d requests in all; refresh answer %s" % (
        label, ttl, ", ".join("%.2f" % w for w in walls), len(full), len(delta), total,
        out.get("delta_bytes") or "a full listing of %d bytes" % out.get("full_bytes", 0)))
    return out


# ---------------------------------------------------------------- driver

def run(b, bins, n, runs, cold_runs, ttls, seconds, results):
    """Every question for every (label, binary) in bins, against one emulator of n servers;
    each binary's answers are appended to results as soon as they are complete."""
    b.phase("issue 10's questions, N=%d, binaries: %s" % (n, ", ".join(l for l, _ in bins)))
    emu = b.Emulator(n, edge=False)
    tree = [None]
    try:
        truth = emu.true_servers()
        active = sum(1 for s in truth if s["status"] == "ACTIVE")
        api = b.Api(emu.env)
        hdr = b.WORK / "headers-issue10"
        api.write_header_file(hdr)
        for label, binary in bins:
            shown = Path(binary).resolve()
            shown = shown.relative_to(b.ROOT) if b.ROOT in shown.parents else shown
            r = {"label": label, "bin": str(shown), "n": n, "active": active}
            r.update(warm_questions(b, label, binary, emu, tree, n, runs, seconds))
            r["cold"] = cold_walks(b, label, binary, emu, cold_runs)
            r["stale"] = stale_walks(b, label, binary, emu, cold_runs)
            r["curl"] = curl_loop(b, api, hdr, cold_runs)
            b.log("  %s: curl loop over %d pages %s s" % (label, r["curl"]["pages"],
                                                         ", ".join("%.2f" % w for w in r["curl"]["runs"])))
            r["ttl"] = [ttl_walks(b, label, binary, emu, hdr, t, r["curl"]["urls"]) for t in ttls]
            results.append(r)
    finally:
        if tree[0] is not None:
            tree[0].stop()
        emu.stop()


# ---------------------------------------------------------------- report

def _x(a, b):
    return "%.2f×" % (a / b) if a and b else "n/a"


def rows(r):
    """(question, openstackfs, reference, ratio, target, met) for one binary's results."""
    n = r["n"]
    out = []
    g, gt = r["grep"], r["grep_tmpfs"]
    ok = g["matches"] == [r["active"]] and gt["matches"] == [r["active"]]
    out.append(("warm `grep -l ACTIVE servers/*/status`", "%.3f s" % g["median"],
                "same command over a tmpfs copy of %d dirs: %.3f s" % (n, gt["median"]),
                _x(g["median"], gt["median"]), "≤ 1.5×", g["median"] <= 1.5 * gt["median"] and ok))
    rd, rt = r["read"]["ops_per_s"], r["read_tmpfs"]["ops_per_s"]
    out.append(("warm open+read+close of one status file, one reader", "%.0f/s" % rd,
                "the same on tmpfs: %.0f/s" % rt, "%.0f%%" % (100 * rd / rt) if rt else "n/a", "≥ 50%",
                rt and rd >= 0.5 * rt))
    rr = r["reread"]
    dm = ", ".join("%s +%d" % kv for kv in sorted(rr["daemon"].items())) or "none moved"
    out.append(("daemon counters during a warm re-read loop (%d ops)" % rr["ops"],
                "`/.openstackfs/stats`: %s; emulator: %d requests; daemon CPU %.2f s" % (dm, rr["emulator"], rr["daemon_cpu"]),
                "no request", "—", "no request", not rr["daemon"] and rr["emulator"] == 0))
    c, cu = r["cold"], r["curl"]
    out.append(("cold walk of %d (fresh daemon, token fetched)" % n, "%.2f s (%d list requests)" % (c["median"], c["lists"]),
                "all %d pages fetched by curl in a loop: %.2f s" % (cu["pages"], cu["median"]),
                _x(c["median"], cu["median"]), "≤ 1.3×", c["median"] <= 1.3 * cu["median"]))
    st = r.get("stale")
    if st:
        out.append(("walk of %d with the listing stale (`-o ttl=%g`, TTL ran out)" % (n, st["ttl"]),
                    "%.2f s (%d full listing pages, %d deltas)" % (st["median"], st["full"], st["delta"]),
                    "all %d pages fetched by curl in a loop: %.2f s" % (cu["pages"], cu["median"]),
                    _x(st["median"], cu["median"]), "no full listing, a delta", st["full"] == 0 and st["delta"] > 0))
    for t in r["ttl"]:
        out.append(("full listings during %d warm walks (`-o ttl=%g`)" % (len(t["walls"]), t["ttl"]),
                    "%d full pages, %d deltas%s; walks %s s" % (
                        t["full"], t["delta"], " (log truncated)" if t["truncated"] else "",
                        ", ".join("%.2f" % w for w in t["walls"])),
                    "nothing changed in the cloud", "—", "0 full, only deltas", t["full"] == 0 and t["delta"] > 0))
        if t.get("delta_bytes"):
            body, head = t["delta_bytes"]
            out.append(("a refresh when nothing changed (`-o ttl=%g`)" % t["ttl"],
                        "one delta: %d B body + %d B headers" % (body, head), "goal < 2 KB", "—", "< 2 KB",
                        body + head < 2048))
        else:
            out.append(("a refresh when nothing changed (`-o ttl=%g`)" % t["ttl"],
                        "no delta: a full listing, %d pages, %.0f KiB" % (t["full_pages"], t["full_bytes"] / 1024),
                        "goal < 2 KB", "—", "< 2 KB", False))
    rss = r["rss"]
    out.append(("daemon RSS, %d cached" % n, "VmRSS %.0f MiB, VmHWM %.0f MiB" % (rss["VmRSS"] / MiB_KIB, rss["VmHWM"] / MiB_KIB),
                "goal 64 MiB", _x(rss["VmHWM"], 64 * MiB_KIB), "≤ 64 MiB (VmHWM)", rss["VmHWM"] <= 64 * MiB_KIB))
    return out


def mark(ok):
    return "✅" if ok else "❌"


def render(results, bench_mode):
    if not results:
        return []
    n = results[0]["n"]
    L = ["## Issue 10: reads at kernel speed, freshness at the cost of what changed", ""]
    L.append("Emulator of %d servers (%d ACTIVE), one run; medians. Warm: `-o ttl=3600` after a warm-up walk. "
             "tmpfs: `servers/<name>/status` copied from the warm mount. Cold: a freshly started daemon "
             "(authenticated at start-up, nothing listed) per run. Full listings vs deltas: `GET .../servers/detail` "
             "without / with `changes-since` in the emulator's request log during three walks, each started "
             "after the TTL ran out. Figures only, nothing asserted; the machine is shared, so times are noisy%s." % (
                 n, results[0]["active"], "" if n >= 20000 else " (this is a --quick run: N is not the issue's 20,000)"))
    L.append("")
    for r in results:
        L.append("### %s: `%s`" % (r["label"], r["bin"]))
        L.append("")
        L.append("| question | openstackfs | reference | ratio | target | |")
        L.append("|---|---|---|---|---|---|")
        for q, fs, ref, ratio, target, ok in rows(r):
            L.append("| %s | %s | %s | %s | %s | %s |" % (q, fs, ref, ratio, target, mark(ok)))
        g = r["grep"]
        if g["matches"] != [r["active"]]:
            L.append("")
            L.append("grep on the mount found %s matches, the emulator has %d ACTIVE servers." % (g["matches"], r["active"]))
        L.append("")
    if len(results) == 2:
        a, b = rows(results[0]), rows(results[1])
        L.append("### Before / after")
        L.append("")
        L.append("| question | %s | ratio | %s | ratio | target | %s | %s |" % (
            results[0]["label"], results[1]["label"], results[0]["label"], results[1]["label"]))
        L.append("|---|---|---|---|---|---|---|---|")
        for x, y in zip(a, b):
            L.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (x[0], x[1], x[3], y[1], y[3], x[4], mark(x[5]), mark(y[5])))
        L.append("")
    return L


def write_csv(path, results):
    with open(path, "w") as f:
        f.write("binary,label,n,question,openstackfs,reference,ratio,target,met\n")
        for r in results:
            for q, fs, ref, ratio, target, ok in rows(r):
                f.write(",".join('"%s"' % str(x).replace('"', "'") for x in (
                    Path(r["bin"]).name, r["label"], r["n"], q, fs, ref, ratio, target, "yes" if ok else "no")) + "\n")
