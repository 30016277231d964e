"""The inode table's bound (-o max_inodes): a walk over a large cloud keeps
the daemon's table near the bound (the kernel is asked to drop the oldest
names, directories too), and nothing a user sees changes: the walk finds
what an unbounded mount finds, a file dropped is found again, a shell
inside a server's directory keeps working and knows where it is."""
import os
import subprocess

from harness import SLOW

BOUND = 50


def stats(m):
    return dict(line.split() for line in m.read(".openstackfs", "stats").splitlines())


def walk(m):
    r = subprocess.run(["bash", "-c", "cd %s && grep -r . servers/*/status | sort" % m.path],
                       capture_output=True, text=True, timeout=300 * SLOW)
    assert r.returncode == 0, r.stderr[-500:]
    return r.stdout


def test_a_walk_stays_near_the_bound_and_finds_everything(emu, mount):
    free = mount("ttl=600,max_inodes=0")
    bounded = mount("ttl=600,max_inodes=%d" % BOUND)
    first = sorted(e for e in os.listdir(bounded.p("servers")) if not e.startswith("."))[0]
    # a shell whose working directory is a server's, across the walk
    shell = subprocess.Popen(["bash", "-c", "cd servers/%s && read && /usr/bin/python3 -c 'import os; print(os.getcwd())' && cat status"
                              % first],
                             cwd=bounded.path, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    try:
        want = walk(free)
        assert walk(bounded) == want
        n = len(want.splitlines())   # servers: one directory and one status file each
        assert n > 4 * BOUND, "too few servers to pass the bound"
        got = stats(bounded)
        assert int(got["evictions"]) > 0
        # directories and files come back near the bound as the kernel
        # forgets what it is told to
        assert int(got["inodes"]) < 4 * BOUND, got
        assert int(stats(free)["inodes"]) >= 2 * n
        # a file whose name was dropped is looked up again
        assert bounded.read("servers", first, "status") == free.read("servers", first, "status")
        out, _ = shell.communicate("\n", timeout=30 * SLOW)
        where = os.path.join(os.path.realpath(bounded.path), "servers", first)
        assert shell.returncode == 0, out
        assert out == where + "\n" + free.read("servers", first, "status")
    finally:
        shell.kill()
        shell.wait()
