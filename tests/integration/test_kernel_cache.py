"""The low-level glue: warm reads are served by the kernel without reaching
the daemon, inode numbers are stable, and what changes still reads fresh."""
import json
import os
import re
import signal
import time

from harness import sh, wait_for


def fuse_requests(m, since):
    """Opcodes of the FUSE requests the daemon logged after offset `since`."""
    return re.findall(r"opcode: ([A-Z_]+)", m.output()[since:])


def raw_read(path):
    """open + read + close as cat does (Python's open() adds an isatty
    ioctl that FUSE always passes to the daemon)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 65536)
    finally:
        os.close(fd)


def a_server(m, cloud):
    s = cloud.client.servers()[0]
    return s, os.readlink(m.p("servers", ".by-id", s["id"]))[3:]


def test_warm_reread_reaches_no_daemon(cloud, mount):
    m = mount("ttl=600", debug=True)
    _, name = a_server(m, cloud)
    path = m.p("servers", name, "status")
    first = raw_read(path)
    sh("cat %s >/dev/null" % path)   # the first stat after a READ asks for atime
    time.sleep(0.3)
    mark = len(m.output())
    for _ in range(20):
        assert raw_read(path) == first
    sh("cat %s %s >/dev/null" % (path, path))
    time.sleep(0.3)
    assert fuse_requests(m, mark) == []


def test_inode_numbers_are_stable(cloud, mnt):
    _, name = a_server(mnt, cloud)
    a = os.stat(mnt.p("servers", name, "status")).st_ino
    b = os.stat(mnt.p("servers", name, "name")).st_ino
    assert a != b
    os.listdir(mnt.p("servers"))
    assert os.stat(mnt.p("servers", name, "status")).st_ino == a


def test_sizes_are_exact(cloud, mnt):
    _, name = a_server(mnt, cloud)
    for f in ("status", "json", "console.log", "ctl"):
        p = mnt.p("servers", name, f)
        assert os.stat(p).st_size == len(open(p, "rb").read()), f
    p = mnt.p(".openstackfs", "stats")
    assert os.stat(p).st_size == len(open(p, "rb").read())


def test_stats_read_fresh(cloud, mnt):
    before = mnt.stats()["requests.image"]
    os.listdir(mnt.p("images"))
    assert mnt.stats()["requests.image"] > before


def test_json_follows_our_metadata_write(cloud, mount):
    m = mount("ttl=600")
    s, name = a_server(m, cloud)
    key = "osfs-kc-%d" % os.getpid()
    assert key not in m.read("servers", name, "json")
    assert m.write("servers/%s/metadata/%s" % (name, key), "v1\n") == 0
    try:
        assert cloud.client.server(s["id"])["metadata"].get(key) == "v1"
        assert '"%s": "v1"' % key in m.read("servers", name, "json")
        assert m.read("servers", name, "metadata", key) == "v1\n"
        assert key in os.listdir(m.p("servers", name, "metadata"))
    finally:
        cloud.client.request("DELETE", "compute", "/servers/%s/metadata/%s" % (s["id"], key))


def test_a_file_held_across_a_change_reads_whole(cloud, mount):
    """A reader holding json while the server changes reads the content
    it began with, whole: not the new, longer content cut at the old size,
    even once the kind is invalidated whole (SIGHUP does that)."""
    m = mount("ttl=1")
    s, name = a_server(m, cloud)
    path = m.p("servers", name, "json")
    before = raw_read(path)
    fd = os.open(path, os.O_RDONLY)
    key = "osfs-held-%d" % os.getpid()
    try:
        status, _ = cloud.client.request("PUT", "compute", "/servers/%s/metadata/%s" % (s["id"], key),
                                         {"meta": {key: "x" * 200}})
        assert status == 200
        # the new json, under the name, in a new inode
        assert wait_for(lambda: key.encode() in raw_read(path), 15)
        assert os.stat(path).st_ino != os.fstat(fd).st_ino
        os.kill(int(m.read(".openstackfs", "pid")), signal.SIGHUP)
        time.sleep(1.5)   # its invalidations go out from the notify thread at once
        held = os.pread(fd, 65536, 0)
        assert held == before
        assert json.loads(held)["id"] == s["id"]
    finally:
        os.close(fd)
        cloud.client.request("DELETE", "compute", "/servers/%s/metadata/%s" % (s["id"], key))
