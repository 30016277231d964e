#!/usr/bin/python3
"""What a cold listing costs the daemon (issue 20): `ls servers` on a fresh
daemon over N servers of the emulator, for this build and, side by side in
the same run, another binary (--before PATH).

The emulator renders every page in Python, so wall time mostly measures
the emulator; the daemon's own CPU time (user + system, from /proc) is
what the daemon spends to parse, index and pack the listing.  Also shown:
curl fetching the same pages (the download through this emulator), the
daemon's peak RSS, and the ratios between the two binaries.

    bench/listing_cost.py [--servers 20000 100000] [--before PATH] [--bin PATH] [--runs 3]
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from harness import Emulator, Mount  # noqa: E402
from walk_cost import peak_rss_mib  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_ms(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / TICK


def listing(binary, emu):
    """One fresh daemon's `ls servers`: wall s, daemon CPU ms, peak RSS MiB, entries."""
    import harness
    harness.BIN = binary
    m = Mount(emu.env(), "ttl=3600")
    try:
        pid = m.serving_pid()   # the serving process, not its supervisor
        before = cpu_ms(pid)
        t0 = time.monotonic()
        n = sum(not e.startswith(".") for e in os.listdir(os.path.join(m.path, "servers")))
        took = time.monotonic() - t0
        return took, cpu_ms(pid) - before, peak_rss_mib(pid), n
    finally:
        m.unmount()


def download(emu):
    """Every page the daemon fetches, one after the other, with curl: seconds, MiB."""
    env = emu.env()
    body = json.dumps({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": env["OS_USERNAME"], "password": env["OS_PASSWORD"], "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": env["OS_PROJECT_NAME"], "domain": {"name": "Default"}}}}})
    req = urllib.request.Request(env["OS_AUTH_URL"] + "/auth/tokens", data=body.encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        token = r.headers["X-Subject-Token"]
    url = env["OS_AUTH_URL"].replace("/identity/v3", "/compute/v2.1/servers/detail?limit=1000")
    t0, size, marker = time.monotonic(), 0, ""
    while True:
        out = subprocess.run(["curl", "-sf", "-H", "X-Auth-Token: " + token,
                              "-H", "OpenStack-API-Version: compute 2.79", url + marker],
                             capture_output=True, check=True).stdout
        size += len(out)
        servers = json.loads(out)["servers"]
        if len(servers) < 1000:
            return time.monotonic() - t0, size / 2 ** 20
        marker = "&marker=" + servers[-1]["id"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, nargs="+", default=[20000, 100000])
    ap.add_argument("--bin", default=str(ROOT / "build" / "openstackfs"))
    ap.add_argument("--before", help="another binary, measured the same way in this run")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    bins = [("this build", a.bin)] + ([("before", a.before)] if a.before else [])
    lines = ["# ls servers on a fresh daemon (the listing alone)", "",
             "| servers | binary | daemon CPU (median) | wall (median) | peak RSS | curl of the pages |",
             "|---|---|---|---|---|---|"]
    for n in a.servers:
        emu = Emulator("--no-edge-servers", servers=n)
        try:
            dl, mib = download(emu)
            got = {}
            for _ in range(a.runs):  # interleaved, so both see the same machine
                for label, path in bins:
                    got.setdefault(label, []).append(listing(path, emu))
        finally:
            emu.stop()
        for label, _ in bins:
            runs = got[label]
            assert all(r[3] == n for r in runs), "a listing missed servers: %s" % runs
            cpu = statistics.median(r[1] for r in runs)
            lines.append("| %d | %s | %.0f ms | %.2f s | %.0f MiB | %.2f s (%.0f MiB) |" % (
                n, label, cpu, statistics.median(r[0] for r in runs), max(r[2] for r in runs), dl, mib))
            got[label] = cpu
        if a.before:
            lines.append("| %d | ratio | %.2f× the CPU of before | | | |" % (
                n, got["this build"] / got["before"]))
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "bench" / "results" / "listing_cost.md"
    out.write_text(text)


if __name__ == "__main__":
    main()
