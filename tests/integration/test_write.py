"""Creating and driving servers and keypairs with mkdir and echo, checked
against the cloud's own view after every step."""
import errno
import os
import threading
import time

import pytest

from harness import sh

BOOT_TIMEOUT = 180


def wait_file(m, rel, want, timeout=BOOT_TIMEOUT):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = m.read(rel).strip()
        except OSError as e:
            last = "error %s" % e
        if last == want:
            return
        time.sleep(0.3)
    raise AssertionError("%s is %r, not %r after %ds" % (rel, last, want, timeout))


def named(cloud, name):
    return [s for s in cloud.client.servers() if s["name"] == name]


def unique(prefix):
    return "%s-%d-%d" % (prefix, os.getpid(), int(time.time() * 1000) % 100000)


def make_draft(m, cloud, name):
    if not os.path.isdir(m.p("servers", name)):
        os.mkdir(m.p("servers", name))
    assert m.write("servers/%s/flavor" % name, cloud.flavor + "\n") == 0
    assert m.write("servers/%s/image" % name, cloud.image + "\n") == 0
    assert m.write("servers/%s/networks" % name, cloud.networks + "\n") == 0


def delete_server(m, cloud, name):
    for s in named(cloud, name):
        cloud.client.request("DELETE", "compute", "/servers/" + s["id"])


def test_full_lifecycle(cloud, mnt):
    m = mnt
    name = unique("web")
    os.mkdir(m.p("servers", name))
    assert m.read("servers", name, "status") == "DRAFT\n"
    assert m.read("servers", name, "missing") == "flavor\nimage\n"
    assert named(cloud, name) == []
    make_draft(m, cloud, name)
    assert m.read("servers", name, "missing") == ""
    assert m.write("servers/%s/metadata/role" % name, "web\n") == 0
    try:
        assert m.write("servers/%s/ctl" % name, "boot\n") == 0
        [s] = named(cloud, name)
        assert s["metadata"] == {"role": "web"}
        assert m.read("servers", name, "id") == s["id"] + "\n"
        wait_file(m, "servers/%s/status" % name, "ACTIVE")
        cloud.client.wait_server(s["id"], lambda x: x["status"] == "ACTIVE" and not x["OS-EXT-STS:task_state"])

        for verb, status in (("reboot", "ACTIVE"), ("stop", "SHUTOFF"), ("start", "ACTIVE")):
            assert m.write("servers/%s/ctl" % name, verb + "\n") == 0, verb
            cloud.client.wait_server(s["id"], lambda x: x["status"] == status and not x["OS-EXT-STS:task_state"])
            wait_file(m, "servers/%s/status" % name, status)
            wait_file(m, "servers/%s/task_state" % name, "")

        assert m.write("servers/%s/metadata/owner" % name, "alice\n") == 0
        assert cloud.client.server(s["id"])["metadata"] == {"role": "web", "owner": "alice"}
        assert m.read("servers", name, "metadata", "owner") == "alice\n"
        with pytest.raises(PermissionError):                # rm never changes the cloud
            os.unlink(m.p("servers", name, "metadata", "role"))
        assert cloud.client.server(s["id"])["metadata"] == {"role": "web", "owner": "alice"}
        assert m.write("servers/%s/ctl" % name, "unset role\n") == 0
        assert cloud.client.server(s["id"])["metadata"] == {"owner": "alice"}
        assert sorted(os.listdir(m.p("servers", name, "metadata"))) == ["owner"]

        assert m.write("servers/%s/ctl" % name, "delete\n") == 0
        cloud.client.wait_server(s["id"], lambda x: x is None, timeout=BOOT_TIMEOUT)
        deadline = time.time() + 30
        while os.path.exists(m.p("servers", name)) and time.time() < deadline:
            time.sleep(0.3)
        assert not os.path.exists(m.p("servers", name))
    finally:
        delete_server(m, cloud, name)


def test_bad_input_is_refused_with_a_reason(cloud, mnt):
    m = mnt
    name = unique("bad")
    os.mkdir(m.p("servers", name))
    assert m.write("servers/%s/flavor" % name, "no-such-flavor\n") == errno.EINVAL
    assert "no-such-flavor" in m.read("servers", name, "error")
    assert m.write("servers/%s/ctl" % name, "boot\n") == errno.EINVAL
    assert "missing" in m.read("servers", name, "error")
    assert m.write("servers/%s/user_data" % name, b"x" * (1 << 20)) == errno.EFBIG
    assert m.write("servers/%s/networks" % name, "auto none\n") == errno.EINVAL
    assert m.write("servers/%s/status" % name, "ACTIVE\n") == errno.EACCES
    assert m.read("servers", name, "status") == "DRAFT\n"
    os.rmdir(m.p("servers", name))
    assert not os.path.exists(m.p("servers", name))
    assert named(cloud, name) == []


def test_ambiguous_image_name(cloud, mnt):
    names = [i["name"] for i in cloud.client.images()]
    dup = next((n for n in names if n and names.count(n) > 1), None)
    if not dup:
        pytest.skip("no two images share a name here")
    name = unique("amb")
    os.mkdir(mnt.p("servers", name))
    try:
        assert mnt.write("servers/%s/image" % name, dup + "\n") == errno.EINVAL
        assert "named" in mnt.read("servers", name, "error")
    finally:
        os.rmdir(mnt.p("servers", name))


def test_live_server_verbs_and_errors(cloud, mnt):
    m = mnt
    s = next(x for x in cloud.client.servers() if x["status"] == "ACTIVE" and not x["OS-EXT-STS:task_state"])
    d = "servers/.by-id/%s/" % s["id"]
    assert m.read(d + "ctl").split("\n")[:2] == ["reboot", "reboot hard"]
    assert m.write(d + "ctl", "explode\n") == errno.EINVAL
    assert "explode" in m.read(d + "error")
    assert m.write(d + "ctl", "start\n") == errno.EBUSY   # already running: 409
    assert "409" in m.read(d + "error")
    assert m.write(d + "status", "SHUTOFF") == errno.EACCES
    assert cloud.client.server(s["id"])["status"] == "ACTIVE"


def test_name_taken_is_eexist(cloud, mnt):
    existing = sorted(os.listdir(mnt.p("servers")))[1]
    with pytest.raises(FileExistsError):
        os.mkdir(mnt.p("servers", existing))
    with pytest.raises(OSError) as e:
        os.mkdir(mnt.p("flavors", "m1.new"))
    assert e.value.errno in (errno.EPERM, errno.EACCES)


def test_rm_rf_never_deletes_a_server(cloud, mnt):
    before = sorted(s["id"] for s in cloud.client.servers())
    r = mnt.sh("rm -rf %s" % mnt.p("servers"), check=False, timeout=600)
    assert r.returncode != 0
    after = sorted(s["id"] for s in cloud.client.servers())
    assert before == after
    # and says so: its files refuse (EPERM); a directory emptied of what
    # can go refuses too (ENOTEMPTY), where rm gets that far
    assert "Operation not permitted" in r.stderr


def test_rmdir_live_server_is_enotempty(cloud, mnt):
    s = cloud.client.servers()[0]
    target = os.readlink(mnt.p("servers", ".by-id", s["id"]))[3:]
    with pytest.raises(OSError) as e:
        os.rmdir(mnt.p("servers", target))
    assert e.value.errno == errno.ENOTEMPTY
    assert cloud.client.server(s["id"]) is not None


def test_boot_with_api_error_makes_no_server(emu, cloud, mnt):
    name = unique("err500")
    make_draft(mnt, cloud, name)
    emu.fault(method="POST", path="/compute/v2.1/servers$", status=500, count=1)
    assert mnt.write("servers/%s/ctl" % name, "boot\n") == errno.EIO
    assert "500" in mnt.read("servers", name, "error")
    assert mnt.read("servers", name, "status") == "DRAFT\n"
    assert named(cloud, name) == []
    os.rmdir(mnt.p("servers", name))


def test_dropped_connection_after_post_makes_one_server(emu, cloud, mnt):
    name = unique("drop")
    make_draft(mnt, cloud, name)
    emu.reset()
    emu.fault(method="POST", path="/compute/v2.1/servers$", drop_after=True, count=1)
    try:
        assert mnt.write("servers/%s/ctl" % name, "boot\n") == 0
        assert emu.count("POST /compute/v2.1/servers") == 1
        assert len(named(cloud, name)) == 1
        assert mnt.read("servers", name, "id").strip() == named(cloud, name)[0]["id"]
    finally:
        delete_server(mnt, cloud, name)


def test_over_quota_is_edquot(emu, cloud, mnt):
    name = unique("quota")
    make_draft(mnt, cloud, name)
    emu.config(max_instances=1)
    try:
        assert mnt.write("servers/%s/ctl" % name, "boot\n") == errno.EDQUOT
        assert "uota" in mnt.read("servers", name, "error")
    finally:
        emu.config(max_instances=100000)
        os.rmdir(mnt.p("servers", name))
    assert named(cloud, name) == []


def test_mkdir_boots_at_once_with_defaults(cloud, mount):
    m = mount("default_flavor=" + cloud.flavor, "default_image=" + cloud.image,
              "default_networks=" + cloud.networks)
    name = unique("auto")
    os.mkdir(m.p("servers", name))
    try:
        [s] = named(cloud, name)
        assert m.read("servers", name, "id") == s["id"] + "\n"
        wait_file(m, "servers/%s/status" % name, "ACTIVE")
    finally:
        delete_server(m, cloud, name)


def test_status_follows_the_cloud_without_waiting_for_the_ttl(cloud, mount):
    m = mount("ttl_servers=600")
    name = unique("fresh")
    make_draft(m, cloud, name)
    try:
        assert m.write("servers/%s/ctl" % name, "boot\n") == 0
        [s] = named(cloud, name)
        cloud.client.wait_server(s["id"], lambda x: x["status"] == "ACTIVE")
        t = time.time()
        wait_file(m, "servers/%s/status" % name, "ACTIVE", timeout=5)
        assert time.time() - t < 2
    finally:
        delete_server(m, cloud, name)


def test_keypair_import_and_delete(cloud, mnt, tmp_path):
    name = unique("kp")
    key = sh("ssh-keygen -q -t ed25519 -N '' -f %s/k && cat %s/k.pub" % (tmp_path, tmp_path)).stdout
    os.mkdir(mnt.p("keypairs", name))
    assert mnt.read("keypairs", name, "missing") == "public_key\n"
    assert mnt.write("keypairs/%s/public_key" % name, key) == 0
    assert any(k["name"] == name for k in cloud.client.keypairs())
    assert mnt.read("keypairs", name, "public_key").strip() == key.strip()
    assert mnt.write("keypairs/%s/ctl" % name, "delete\n") == 0
    assert not any(k["name"] == name for k in cloud.client.keypairs())
    assert name not in os.listdir(mnt.p("keypairs"))     # no ghost of the draft either
    os.mkdir(mnt.p("keypairs", name + "x"))
    assert mnt.write("keypairs/%sx/public_key" % name, "garbage\n") == errno.EINVAL
    assert mnt.read("keypairs", name + "x", "error") != ""
    os.rmdir(mnt.p("keypairs", name + "x"))


# ---- a draft while it boots (issue 12 rows 2 and 6) ----

POST_SERVERS = "/compute/v2.1/servers$"


def boot_in_background(m, name):
    """Write boot to the draft's ctl in a thread; returns (thread, result)."""
    result = {}

    def run():
        result["errno"] = m.write("servers/%s/ctl" % name, "boot\n")
        result["at"] = time.time()

    t = threading.Thread(target=run)
    t.start()
    return t, result


def test_a_booting_draft_is_frozen_and_sends_what_it_shows(emu, cloud, mnt):
    """rm and create of metadata/k1 race a slow boot.  Once the draft
    froze, no change succeeds until the live server answers (where rm is
    EPERM and an empty create changes nothing), and the server holds k1
    exactly when the last change that succeeded before the freeze created
    it."""
    m = mnt
    name = unique("frozen")
    make_draft(m, cloud, name)
    assert m.write("servers/%s/metadata/fixed" % name, "yes\n") == 0
    emu.fault(method="POST", path=POST_SERVERS, delay=1.5, count=1)
    key = m.p("servers", name, "metadata", "k1")
    ops = []   # (op, errno) in the order they ended
    try:
        t, result = boot_in_background(m, name)
        while "errno" not in result:
            try:
                os.unlink(key)
                ops.append(("rm", 0))
            except OSError as e:
                ops.append(("rm", e.errno))
            try:
                os.close(os.open(key, os.O_WRONLY | os.O_CREAT, 0o644))
                ops.append(("create", 0))
            except OSError as e:
                ops.append(("create", e.errno))
        t.join(timeout=60)
        assert result["errno"] == 0
        [s] = named(cloud, name)
        busy = next((i for i, (_, err) in enumerate(ops) if err == errno.EBUSY), None)
        assert busy is not None, "the boot took 1.5 s, yet no change was refused: %s" % ops[-10:]
        end = max(i for i, (_, err) in enumerate(ops) if err == errno.EBUSY) + 1
        last = [op for op, err in ops[:busy] if err == 0]
        want_k1 = bool(last) and last[-1] == "create"
        # frozen: nothing changes.  rm of a key the draft does not hold is
        # ENOENT; create of one it holds opens it, changing nothing (the
        # kernel opens an existing file by itself)
        same = ("create", 0) if want_k1 else ("rm", errno.ENOENT)
        odd = [o for o in ops[busy:end] if o[1] != errno.EBUSY and o != same]
        assert not odd, (want_k1, odd[:5])
        # then the live server answers: rm is refused there too
        assert ("rm", 0) not in ops[end:], ops[end:][:10]
        assert ("k1" in s["metadata"]) == want_k1, (s["metadata"], ops[:busy][-6:])
        assert s["metadata"]["fixed"] == "yes"
        # the mount shows the server as it is, and rm of its keys changes nothing
        wait_file(m, "servers/%s/id" % name, s["id"])
        assert sorted(os.listdir(m.p("servers", name, "metadata"))) == sorted(s["metadata"])
        with pytest.raises(OSError) as e:
            os.unlink(m.p("servers", name, "metadata", "fixed"))
        assert e.value.errno == errno.EPERM
        assert cloud.client.server(s["id"])["metadata"] == s["metadata"]
    finally:
        emu.clear_faults()
        delete_server(m, cloud, name)


def test_ls_across_a_boot_always_lists_the_name(emu, cloud, mount):
    m = mount("ttl=0.3")
    name = unique("across")
    make_draft(m, cloud, name)
    emu.fault(method="GET", path="/servers/detail", delay=0.7, count=-1)
    emu.fault(method="POST", path=POST_SERVERS, delay=1.0, count=1)
    listings = []
    try:
        t, result = boot_in_background(m, name)
        stop_at = None
        while stop_at is None or time.time() < stop_at:
            r = m.sh("ls servers", timeout=60)
            listings.append((time.time(), name in r.stdout.split("\n")))
            if stop_at is None and "errno" in result:
                stop_at = time.time() + 4
        t.join(timeout=60)
        assert result["errno"] == 0
        missing = [at for at, seen in listings if not seen]
        assert not missing, "%d of %d listings lacked %s" % (len(missing), len(listings), name)
        assert len(named(cloud, name)) == 1
    finally:
        emu.clear_faults()
        delete_server(m, cloud, name)


# ---- names and values checked where they enter (rows 7, 8, 9) ----

@pytest.mark.parametrize("bad", ["x" * 256, "new\nline", "tab\there", "del\x7f", "bell\x07",
                                 ".hid2", "%41", "%2ehid", "bad%zz", "%00", " lead", "trail "])
def test_mkdir_refuses_names_that_would_fail_or_change(cloud, mnt, bad):
    with pytest.raises(OSError) as e:
        os.mkdir(mnt.p("servers", bad))
    assert e.value.errno == errno.EINVAL
    assert bad not in os.listdir(mnt.p("servers"))
    log = mnt.read(".openstackfs", "log")
    assert "mkdir refused" in log


def test_mkdir_of_an_existing_name_is_eexist_whatever_its_encoding(cloud, mnt):
    existing = next(s["name"] for s in cloud.client.servers()
                    if s["name"] and s["name"][0].isalpha() and "/" not in s["name"])
    spelled = "%%%02X%s" % (ord(existing[0]), existing[1:])   # the same name, escaped
    with pytest.raises(FileExistsError):
        os.mkdir(mnt.p("servers", spelled))
    with pytest.raises(FileExistsError):
        os.mkdir(mnt.p("servers", existing))


def test_mkdir_takes_names_that_need_escapes(cloud, mnt):
    for fname, name in ((unique("a%2Fb"), None), (unique("%2Ehid"), None)):
        name = fname.replace("%2F", "/").replace("%2E", ".")
        os.mkdir(mnt.p("servers", fname))
        try:
            assert mnt.read("servers", fname, "name") == name + "\n"
            assert mnt.read("servers", fname, "status") == "DRAFT\n"
        finally:
            os.rmdir(mnt.p("servers", fname))


def test_draft_values_get_the_limits_of_live_ones(cloud, mnt):
    m = mnt
    name = unique("limits")
    os.mkdir(m.p("servers", name))
    d = "servers/%s/" % name
    try:
        assert m.write(d + "metadata/k", "v" * 256 + "\n") == errno.EINVAL
        assert "255" in m.read(d + "error")
        assert m.write(d + "metadata/k", "v" * 256) == errno.EINVAL
        assert m.write(d + "metadata/k", "v" * 255 + "\n") == 0
        assert m.read(d + "metadata/k") == "v" * 255 + "\n"
        assert m.write(d + "metadata/k", "é" * 255 + "\n") == 0     # characters, not bytes
        assert m.write(d + "metadata/" + "k" * 256, "v\n") == errno.EINVAL
        for field in ("availability_zone", "key_name", "flavor", "image"):
            assert m.write(d + field, "z" * 256 + "\n") == errno.EINVAL, field
            assert "255" in m.read(d + "error"), field
        assert m.write(d + "availability_zone", "nova\n") == 0
        assert m.read(d + "availability_zone") == "nova\n"
    finally:
        os.rmdir(m.p("servers", name))


def test_the_error_file_describes_the_last_write(cloud, mnt):
    m = mnt
    name = unique("lasterr")
    os.mkdir(m.p("servers", name))
    d = "servers/%s/" % name
    try:
        assert m.write(d + "flavor", "no-such-flavor\n") == errno.EINVAL
        assert "no-such-flavor" in m.read(d + "error")
        assert m.write(d + "networks", "none\n") == 0
        assert m.read(d + "error") == ""
        assert m.write(d + "flavor", b"m1.tiny\0junk") == errno.EINVAL
        assert m.read(d + "error") != ""
        assert m.write(d + "metadata/k", "v\n") == 0
        assert m.read(d + "error") == ""
        assert m.write(d + "metadata/k", b"v\0w") == errno.EINVAL
        assert m.read(d + "error") != ""
        assert m.write(d + "metadata/k", "w\n") == 0
        assert m.read(d + "error") == ""
        assert m.write(d + "networks", "none,auto\n") == errno.EINVAL
        err = m.read(d + "error")
        assert "'none' is not" not in err and "auto" in err and "none" in err
        assert m.write(d + "ctl", "launch\n") == errno.EINVAL
        assert "boot" in m.read(d + "error")
    finally:
        os.rmdir(m.p("servers", name))


def test_live_metadata_values_get_the_same_limit(cloud, mnt):
    s = next(x for x in cloud.client.servers() if x["status"] == "ACTIVE")
    d = "servers/.by-id/%s/" % s["id"]
    key = unique("lim")
    try:
        assert mnt.write(d + "metadata/" + key, "v" * 256 + "\n") == errno.EINVAL
        assert "255" in mnt.read(d + "error")
        assert key not in (cloud.client.server(s["id"])["metadata"] or {})
        # characters, not bytes (another key: the kernel keeps the refused one's entry)
        assert mnt.write(d + "metadata/" + key + "b", "é" * 255 + "\n") == 0
        assert cloud.client.server(s["id"])["metadata"][key + "b"] == "é" * 255
    finally:
        for k in (key, key + "b"):
            cloud.client.request("DELETE", "compute", "/servers/%s/metadata/%s" % (s["id"], k))
