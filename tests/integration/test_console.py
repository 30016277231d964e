"""console.log while the guest prints: a reader sees one version of it.

Nova answers the last 1000 lines of a console (osfs asks that many), so once
a console is longer, each new answer is a window moved on: a reader that
took its first bytes from one answer and its next from another would read
lines out of order.  Every line here carries its number, so a torn read
shows as a gap or a repeat."""
import os
import re
import threading
import time

from harness import wait_for

WIDTH = 300                   # bytes a line, its number included
LINE = re.compile(r"^(\d{7}) x+$")


def lines(first, n):
    return ["%07d %s" % (i, "x" * (WIDTH - 9)) for i in range(first, first + n)]


def torn(text):
    """Why text is not one version of the console (None when it is)."""
    got = text.rstrip("\n").split("\n")
    nums = []
    for ln in got:
        m = LINE.match(ln)
        if not m or len(ln) != WIDTH - 1:
            return "a broken line: %r" % ln[:40]
        nums.append(int(m.group(1)))
    for a, b in zip(nums, nums[1:]):
        if b != a + 1:
            return "line %07d follows %07d" % (b, a)
    return None


def slow_read(path, chunk, pause, deadline):
    """The whole file through one descriptor, a chunk at a time."""
    fd = os.open(path, os.O_RDONLY)
    try:
        parts = []
        while time.monotonic() < deadline:
            b = os.read(fd, chunk)
            if not b:
                break
            parts.append(b)
            time.sleep(pause)
        return b"".join(parts).decode()
    finally:
        os.close(fd)


def test_two_slow_readers_each_see_one_version(emu, mnt):
    name = sorted(n for n in os.listdir(mnt.p("servers")) if not n.startswith("."))[0]
    sid = mnt.read("servers", name, "id").strip()
    path = mnt.p("servers", name, "console.log")
    emu.call("POST", "/_emu/console", {"id": sid, "lines": lines(0, 1200)})
    printed = [1200]
    stop = threading.Event()

    def guest():                       # the console grows while it is read
        while not stop.wait(0.3):
            emu.call("POST", "/_emu/console", {"id": sid, "lines": lines(printed[0], 40)})
            printed[0] += 40

    results, errors = {}, []

    def reader(k):
        try:
            deadline = time.monotonic() + 60
            # 300 KB, 16 KB a read, 0.25 s apart: about 5 s a pass, longer
            # than a render is reused, so other renders come meanwhile
            results[k] = [slow_read(path, 16384, 0.25, deadline) for _ in range(2)]
        except OSError as e:
            errors.append("reader %d: %s" % (k, e))

    g = threading.Thread(target=guest, daemon=True)
    readers = [threading.Thread(target=reader, args=(k,), daemon=True) for k in range(2)]
    g.start()
    try:
        for t in readers:
            t.start()
            time.sleep(1.0)            # the second starts mid-way through the first
        for t in readers:
            t.join(timeout=90)
        assert not any(t.is_alive() for t in readers), "a reader hangs"
    finally:
        stop.set()
        g.join(timeout=30)
    assert not errors, errors
    for k, texts in sorted(results.items()):
        for text in texts:
            assert len(text) > 2 * 131072     # longer than one read
            assert torn(text) is None, "reader %d: %s" % (k, torn(text))
    # and a new reader sees what the guest printed last
    last = lines(printed[0] - 1, 1)[0]
    assert wait_for(lambda: mnt.read("servers", name, "console.log").rstrip("\n").endswith(last),
                    timeout=30)
