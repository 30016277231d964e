#!/usr/bin/python3
"""The gap a crash leaves (issue 18): kill -9 of the serving process, then
how long until the mount answers again, from the next generation.

Mounts the emulator (N servers), walks `ls -l servers` once, then K times:
lets the generation serve a little over a second (so that the supervisor
never sees a crash loop), kills it with SIGKILL and reads
/.openstackfs/generation until the next generation answers.  Prints the
median, p99 and max of the gaps in milliseconds.

    bench/restart_gap.py [--servers 2000] [--kills 50] [--bin PATH]
"""
import argparse
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import harness  # noqa: E402
from harness import Emulator, Mount  # noqa: E402


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def one_gap(m, gen):
    """Kill generation `gen`; seconds until generation gen+1 answers."""
    pid = m.serving_pid()
    t0 = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    while True:   # the dying one may still answer for a few microseconds
        got = int(m.read(".openstackfs", "generation"))
        if got == gen + 1:
            return time.monotonic() - t0
        if time.monotonic() - t0 > 30:
            raise RuntimeError("no generation %d after 30 s: %s" % (gen + 1, m.output()[-2000:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=2000)
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--bin", default=os.environ.get("OSFS_BIN", str(ROOT / "build" / "openstackfs")))
    a = ap.parse_args()
    harness.BIN = a.bin
    emu = Emulator(servers=a.servers)
    m = None
    try:
        m = Mount(emu.env())
        subprocess.run(["ls", "-l", m.p("servers")], stdout=subprocess.DEVNULL, check=True, timeout=300)
        gaps = []
        for gen in range(1, a.kills + 1):
            time.sleep(1.1)
            gaps.append(one_gap(m, gen) * 1000)
        print("restart gap over %d kills, %d servers (ms): median %.1f  p99 %.1f  max %.1f" % (
            len(gaps), a.servers, statistics.median(gaps), percentile(gaps, 99), max(gaps)))
    finally:
        if m:
            m.unmount()
        emu.stop()


if __name__ == "__main__":
    main()
