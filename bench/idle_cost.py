#!/usr/bin/python3
"""What an in-use mount sends when nothing changes (issue 20, item 5): the
requests and bytes per minute of a mount whose servers are read every two
seconds at the default TTL, over N servers of the emulator (each with a
port in Neutron, as on a real cloud: --server-ports), for this build and,
side by side in the same run, another binary (--before PATH: e.g. a build
of the code before, whose full server listing ran every 60 s).

Each request the emulator saw in the window is put in a class (a page of
the full server listing, a changes-since delta, a Neutron index of ports
or floating IPs by revision, a server fetched alone, other) with its count
and the bytes of its answers.

    bench/idle_cost.py [--servers 20000 100000] [--before PATH] [--bin PATH] [--window 120]
"""
import argparse
import os
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from harness import Emulator, Mount  # noqa: E402

CLASSES = (  # (name, test on the request's path), the first that holds
    ("full server listing pages", lambda p: p.split("?")[0].endswith("/servers/detail")
     and "changes-since" not in p),
    ("server deltas (changes-since)", lambda p: "changes-since" in p),
    ("Neutron ports by revision", lambda p: "/v2.0/ports?" in p and "fields=revision_number" in p),
    ("Neutron floating IPs by revision", lambda p: "/v2.0/floatingips?" in p
     and "fields=revision_number" in p),
    ("servers fetched alone", lambda p: "/servers/" in p and "?" not in p),
    ("other", lambda p: True),
)


def classify(path):
    return next(name for name, test in CLASSES if test(path))


def delta_seen(emu):
    reqs = emu.call("GET", "/_emu/requests?last=2000")["requests"]
    return any("changes-since" in r["path"] for r in reqs)


def in_use(binary, emu, window):
    """Per class: (requests, bytes) per minute of an in-use mount of binary."""
    import harness
    harness.BIN = binary
    m = Mount(emu.env(), "timeout=600")        # 100,000 servers from Python: slow pages
    try:
        servers = m.p("servers")
        first = None
        while first is None:                   # the first listing may outlast a request
            try:
                first = next(e for e in os.listdir(servers) if not e.startswith("."))
            except TimeoutError:
                time.sleep(1)
        # the first listing done (at 100,000 servers a minute or more): a delta came
        emu.reset()
        deadline = time.monotonic() + 900
        while not delta_seen(emu) and time.monotonic() < deadline:
            os.listdir(servers)
            time.sleep(2)
        time.sleep(4)                          # past the deltas' margin
        os.listdir(servers)
        time.sleep(1)
        emu.reset()
        t0 = time.monotonic()
        while time.monotonic() - t0 < window:
            os.listdir(servers)
            m.read("servers", first, "status")
            time.sleep(2)
        took = time.monotonic() - t0
        reqs = emu.call("GET", "/_emu/requests?last=100000")["requests"]
        total = emu.counters()
    finally:
        m.unmount()
    out = {}
    for r in reqs:
        n, b = out.get(classify(r["path"]), (0, 0))
        out[classify(r["path"])] = (n + 1, b + (r.get("bytes") or 0))
    per_min = 60.0 / took
    rows = {k: (n * per_min, b * per_min) for k, (n, b) in out.items()}
    rows["all"] = (total["total"] * per_min, total["bytes"] * per_min)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, nargs="+", default=[20000, 100000])
    ap.add_argument("--bin", default=str(ROOT / "build" / "openstackfs"))
    ap.add_argument("--before", help="another binary, measured in the same run")
    ap.add_argument("--window", type=float, default=120.0, help="seconds of use measured")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "idle_cost.md"))
    a = ap.parse_args()
    bins = [("this build", a.bin)] + ([("before", a.before)] if a.before else [])
    lines = ["# What an in-use mount sends when nothing changes", "",
             "`bench/idle_cost.py --window %g` (%s), one run: `ls servers` and a status read"
             " every 2 s at the default TTL (10 s), %g s measured once the first"
             " listing is done (a delta was sent); the emulator seeds a Neutron port per server (`--server-ports`)."
             " Per minute: requests / KiB of answers." % (a.window, time.strftime("%Y-%m-%d"),
                                                           a.window), ""]
    for n in a.servers:
        emu = Emulator("--server-ports", "--no-edge-servers", servers=n)
        try:
            got = [(label, in_use(path, emu, a.window)) for label, path in bins]
        finally:
            emu.stop()
        lines += ["## %d servers" % n, "",
                  "| per minute | " + " | ".join(label for label, _ in got) + " |",
                  "|---|" + "---|" * len(got)]
        for cls in [c for c, _ in CLASSES] + ["all"]:
            cells = ["%.1f / %.0f KiB" % (r[cls][0], r[cls][1] / 1024) if cls in r else "0"
                     for _, r in got]
            lines.append("| %s | %s |" % (cls, " | ".join(cells)))
        lines.append("")
        print("\n".join(lines[-len(CLASSES) - 5:]), flush=True)
        pathlib.Path(a.out).write_text("\n".join(lines) + "\n")
    print("written", a.out)


if __name__ == "__main__":
    main()
