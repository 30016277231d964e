#!/usr/bin/python3
"""Warm walks at a short TTL (issue 20, item 2): `grep -l ACTIVE
servers/*/status` over N servers of the emulator, on the mount at `-o ttl=T`
and on a tmpfs copy of the same files, measured in one run, one walk after
the other; and what the mount asked the cloud meanwhile (full server
listings against deltas, from the emulator's request log).

With kinds in use refreshed in the background, the kernel keeps what it was
told across TTLs, so a warm walk should cost about what the same walk over
tmpfs costs, with deltas only.

    bench/warm_walk.py [--servers 20000] [--ttl 1] [--walks 5] [--bin PATH] [-o OPTS]
"""
import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import harness  # noqa: E402
from harness import Emulator, Mount  # noqa: E402

GREP = "grep -l ACTIVE servers/*/status | wc -l"
LOG_MAX = 2000   # the emulator's request log keeps this many entries


def walk(cwd):
    t0 = time.perf_counter()
    r = subprocess.run(["bash", "-c", GREP], cwd=cwd, capture_output=True, text=True,
                       timeout=600)
    return time.perf_counter() - t0, int(r.stdout.strip() or 0)


def tmpfs_copy(src, dst):
    """servers/*/status of the mount, as files on a tmpfs."""
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512m", "tmpfs", dst], check=True)
    for name in os.listdir(os.path.join(src, "servers")):
        if name.startswith("."):
            continue
        os.makedirs(os.path.join(dst, "servers", name))
        shutil.copyfile(os.path.join(src, "servers", name, "status"),
                        os.path.join(dst, "servers", name, "status"))


def server_lists(emu, since_seq):
    """Full server listing pages and deltas asked since request seq."""
    full = delta = 0
    for e in emu.call("GET", "/_emu/requests?last=%d" % LOG_MAX)["requests"]:
        if e["seq"] <= since_seq or "/servers/detail" not in e["path"]:
            continue
        if "changes-since" in e["path"]:
            delta += 1
        else:
            full += 1
    return full, delta


def last_seq(emu):
    log = emu.call("GET", "/_emu/requests?last=1")["requests"]
    return log[-1]["seq"] if log else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=20000)
    ap.add_argument("--ttl", type=float, default=1.0)
    ap.add_argument("--walks", type=int, default=5)
    ap.add_argument("--bin", default=str(ROOT / "build" / "openstackfs"))
    ap.add_argument("-o", dest="opts", default="", help="more mount options")
    a = ap.parse_args()
    harness.BIN = a.bin
    emu = Emulator(servers=a.servers)
    copy = tempfile.mkdtemp(prefix="osfs-tmpfs-")
    try:
        opts = ["ttl=%g" % a.ttl] + ([a.opts] if a.opts else [])
        m = Mount(emu.env(), *opts)
        try:
            walk(m.path)                       # loads the listing, warms the kernel
            tmpfs_copy(m.path, copy)
            walk(copy)
            seq, mount_t, tmpfs_t, found = last_seq(emu), [], [], set()
            for _ in range(a.walks):
                time.sleep(a.ttl)              # each walk starts past the TTL
                t, n = walk(m.path)
                mount_t.append(t)
                found.add(n)
                tmpfs_t.append(walk(copy)[0])
            full, delta = server_lists(emu, seq)
        finally:
            m.unmount()
    finally:
        subprocess.run(["umount", copy], capture_output=True)
        shutil.rmtree(copy, ignore_errors=True)
        emu.stop()
    mt, tt = statistics.median(mount_t), statistics.median(tmpfs_t)
    lines = ["# warm walks at -o ttl=%g, %d servers, %d walks each (medians)" %
             (a.ttl, a.servers, a.walks), "",
             "| walk `grep -l ACTIVE servers/*/status` | mount | tmpfs copy | mount / tmpfs | full server pages | deltas |",
             "|---|---|---|---|---|---|",
             "| warm, each past the TTL | %.3f s | %.3f s | %.2f× | %d | %d |" %
             (mt, tt, mt / max(tt, 1e-9), full, delta), "",
             "matches per walk: %s" % sorted(found)]
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "warm_walk.md").write_text(text)


if __name__ == "__main__":
    main()
