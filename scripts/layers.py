#!/usr/bin/python3
"""layers.py SRC_FS LIB... - what the build's include paths cannot refuse.

The folder libraries (LIB..., in link order, lowest first: fs/CMakeLists.txt
passes them) are read with nm: every symbol an object file takes from
another must be defined in its own library or one below, and no files call
each other in a circle, however long.  The sources under SRC_FS are read for
the third-party headers that stay with one folder or file (their headers
sit in /usr/include, where every folder finds them).  Prints each breach
and exits 1; prints the counts and exits 0 when there is none.
"""
import collections
import os
import re
import subprocess
import sys

# header prefix -> the files (or folders, ending in '/') that may include it
CONFINED = {
    "curl/": ("net/http.c",),
    "yaml.h": ("config/cloudsyaml.c",),
    "zstd.h": ("base/pack.c",),
    "json-c/": ("model/", "net/", "clients/"),
}


def read_archive(path):
    """{member: (defined symbols, undefined symbols)} of one static library."""
    out = subprocess.run(["nm", "-A", path], capture_output=True, text=True, check=True).stdout
    members = collections.defaultdict(lambda: (set(), set()))
    for line in out.splitlines():
        where, _, rest = line.rpartition(":")
        member = where.rpartition(":")[2] if ":" in where else where
        parts = rest.split()
        if len(parts) == 3 and parts[1] in "TDBRC":
            members[member][0].add(parts[2])
        elif len(parts) == 2 and parts[0] == "U":
            members[member][1].add(parts[1])
    return members


def circles(edges):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in list(edges):
        if v not in index:
            visit(v)
    return found


def check_calls(libs):
    bad = []
    rank, defs, uses = {}, {}, {}
    for i, lib in enumerate(libs):
        folder = os.path.basename(lib)[len("libosfs_"):-len(".a")]
        for member, (d, u) in read_archive(lib).items():
            name = folder + "/" + member[:-len(".c.o")] if member.endswith(".c.o") else member
            rank[name] = i
            uses[name] = u
            for s in d:
                defs[s] = name
    edges = collections.defaultdict(set)
    for name, u in uses.items():
        for s in u:
            other = defs.get(s)
            if other and other != name:
                edges[name].add(other)
                if rank[other] > rank[name]:
                    bad.append("%s calls %s (%s), a folder above it" % (name, other, s))
    for comp in circles(edges):
        bad.append("files call each other in a circle: " + " ".join(comp))
    return bad, len(uses)


def check_headers(src):
    bad, n = [], 0
    for folder in sorted(os.listdir(src)):
        for root, _, files in os.walk(os.path.join(src, folder)):
            for f in files:
                if not f.endswith((".c", ".h")):
                    continue
                n += 1
                rel = os.path.relpath(os.path.join(root, f), src)
                with open(os.path.join(root, f), encoding="utf-8") as fh:
                    for inc in re.findall(r"^#include <([^>]+)>", fh.read(), re.M):
                        for prefix, allowed in CONFINED.items():
                            if inc.startswith(prefix) and not any(
                                    rel == a or (a.endswith("/") and rel.startswith(a))
                                    for a in allowed):
                                bad.append("%s includes <%s>: only %s may" %
                                           (rel, inc, ", ".join(allowed)))
    return bad, n


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    bad_calls, nobj = check_calls(sys.argv[2:])
    bad_heads, nsrc = check_headers(sys.argv[1])
    for line in bad_calls + bad_heads:
        print(line)
    if bad_calls or bad_heads:
        return 1
    print("%d objects in %d folders: no call up, no circle; %d sources: third-party headers "
          "where they belong" % (nobj, len(sys.argv) - 2, nsrc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
