"""Creating and driving servers and keypairs with mkdir and echo, checked
against the cloud's own view after every step."""
import errno
import os
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
    assert m.write("servers/%s/networks" % name, "not a network\n") == errno.EINVAL
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
    assert "Directory not empty" in r.stderr


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
    os.mkdir(mnt.p("keypairs", name + "x"))
    assert mnt.write("keypairs/%sx/public_key" % name, "garbage\n") == errno.EINVAL
    assert mnt.read("keypairs", name + "x", "error") != ""
    os.rmdir(mnt.p("keypairs", name + "x"))
