#!/usr/bin/python3
"""What a recursive walk costs the cloud (issue 16): `grep -r ACTIVE servers`
over N servers of the emulator, cold (a fresh daemon), for this build and,
side by side in the same run, for another binary (--before PATH).

For each binary: wall time, API requests by kind (list pages against
everything else), the daemon's peak RSS, and the ratios between the two.
Prints a Markdown table and writes it to bench/results/walk_cost.md.

    bench/walk_cost.py [--servers 20000] [--before PATH] [--bin PATH]
"""
import argparse
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from harness import Emulator, Mount  # noqa: E402


def peak_rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def daemon_pid(m):
    return m.serving_pid()


def walk(binary, emu, timeout):
    import harness
    harness.BIN = binary
    m = Mount(emu.env())
    try:
        emu.reset()
        t0 = time.monotonic()
        try:
            r = subprocess.run(["bash", "-c", "grep -r ACTIVE servers | wc -l"], cwd=m.path,
                               capture_output=True, text=True, timeout=timeout)
            lines, done = int(r.stdout.strip() or 0), True
        except subprocess.TimeoutExpired:   # what it cost the cloud until then
            lines, done = 0, False
        took = time.monotonic() - t0
        reqs = emu.counters()["requests"]
        pages = sum(v for k, v in reqs.items() if k.endswith("/servers/detail"))
        other = sum(reqs.values()) - pages
        rss = peak_rss_mib(daemon_pid(m))
        return {"time": took, "pages": pages, "other": other, "rss": rss, "lines": lines,
                "done": done}
    finally:
        m.unmount()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=20000)
    ap.add_argument("--bin", default=str(ROOT / "build" / "openstackfs"))
    ap.add_argument("--before", help="another binary, measured the same way in this run")
    ap.add_argument("--timeout", type=int, default=300,
                    help="seconds a walk may take; one stopped there shows what it cost until then")
    a = ap.parse_args()
    emu = Emulator(servers=a.servers)
    try:
        runs = [("this build", a.bin)] + ([("before", a.before)] if a.before else [])
        got = [(label, walk(path, emu, a.timeout)) for label, path in runs]
    finally:
        emu.stop()
    lines = ["# grep -r ACTIVE servers, %d servers, cold (fresh daemon)" % a.servers, "",
             "| binary | time | list pages | other requests | daemon peak RSS | matching lines |",
             "|---|---|---|---|---|---|"]
    for label, g in got:
        lines.append("| %s | %s%.2f s | %d | %d | %.0f MiB | %s |" % (
            label, "" if g["done"] else "stopped after ", g["time"], g["pages"], g["other"],
            g["rss"], g["lines"] if g["done"] else "—"))
    if len(got) == 2:
        new, old = got[0][1], got[1][1]
        lines += ["", "before / this build: time %s%.1f×, requests %s%.0f×, RSS %.1f×" % (
            "" if old["done"] else "> ", 
            old["time"] / max(new["time"], 1e-9), "" if old["done"] else "> ",
            (old["pages"] + old["other"]) / max(new["pages"] + new["other"], 1),
            old["rss"] / max(new["rss"], 1e-9))]
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "walk_cost.md").write_text(text)


if __name__ == "__main__":
    main()
