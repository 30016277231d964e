"""The server lifecycle verbs written to servers/NAME/ctl: resize,
confirm-resize, revert-resize, rebuild [IMAGE], shelve, unshelve, rescue,
unrescue and snapshot NAME.

Each test makes its own server through the API, drives it through the
mount one ctl line at a time, reads the states Nova reports in the
mount's status file, checks the end through the API, and deletes what it
made.  Every wait is bounded (the real cloud's fake driver is done in a
second or two; 120 s is the ceiling).  All of them fail on the code before
these verbs: `cat ctl` did not name them and writing one was EINVAL."""
import errno
import os
import time

import pytest

WAIT = int(os.environ.get("OSFS_LIFE_WAIT", "120"))


def unique(prefix):
    return "%s-%d-%d" % (prefix, os.getpid(), int(time.time() * 1000) % 100000)


def wait_status(m, name, want, timeout=WAIT):
    """Until servers/NAME/status reads one of `want`; what it read."""
    want = (want,) if isinstance(want, str) else tuple(want)
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = m.read("servers", name, "status").strip()
        except OSError as e:
            last = "error %s" % e
        if last in want:
            return last
        time.sleep(0.2)
    try:
        log = m.read(".openstackfs", "log").splitlines()[-10:]
    except OSError as e:
        log = ["error %s" % e]
    raise AssertionError("servers/%s/status is %r, not %s after %ds; error: %r; log: %s" % (
        name, last, " or ".join(want), timeout, read_error(m, name), "\n".join(log)))


def read_error(m, name):
    try:
        return m.read("servers", name, "error").strip()
    except OSError as e:
        return "error %s" % e


def ctl(m, name, line):
    """echo LINE > servers/NAME/ctl; 0 or the errno."""
    return m.write("servers/%s/ctl" % name, line + "\n")


def settled(s):
    return s is not None and not s["OS-EXT-STS:task_state"]


def flavor_name(s):
    return s["flavor"].get("original_name") or s["flavor"].get("id")


@pytest.fixture
def server(cloud):
    """(name, id) of a new ACTIVE server of cloud.flavor; deleted afterwards,
    with any image a test made from it."""
    c = cloud.client
    name = unique("life")
    flavor = next(f["id"] for f in c.flavors() if f["name"] == cloud.flavor)
    image = next(i["id"] for i in c.images() if i["name"] == cloud.image)
    status, body = c.request("POST", "compute", "/servers", {"server": {
        "name": name, "flavorRef": flavor, "imageRef": image, "networks": "none"}})
    assert status == 202, (status, body)
    sid = body["server"]["id"]
    try:
        c.wait_server(sid, lambda s: s and s["status"] == "ACTIVE" and settled(s), timeout=WAIT)
        yield name, sid
    finally:
        c.request("DELETE", "compute", "/servers/" + sid)
        for img in c.images():
            if (img.get("name") or "").startswith(name):
                c.request("DELETE", "image", "/v2/images/" + img["id"])


def action_names(cloud, sid):
    status, body = cloud.client.request("GET", "compute", "/servers/%s/os-instance-actions" % sid)
    assert status == 200, (status, body)
    return [a["action"] for a in body["instanceActions"]]


def resize_to_verify(cloud, m, name, sid, flavor):
    """resize FLAVOR through ctl, until status reads VERIFY_RESIZE.  A cloud
    that cannot resize on its one host (nova-api without
    allow_resize_to_same_host) takes the resize and puts the server back:
    that is the cloud's set-up, not the mount, so the test is skipped."""
    assert ctl(m, name, "resize " + flavor) == 0, read_error(m, name)

    def done(s):
        return s and (s["status"] == "VERIFY_RESIZE" or (
            s["status"] == "ACTIVE" and settled(s) and "resize" in action_names(cloud, sid)))
    s = cloud.client.wait_server(sid, done, timeout=WAIT)
    if cloud.real and s["status"] == "ACTIVE":
        pytest.skip("the real cloud could not resize on its one host: nova-api needs "
                    "allow_resize_to_same_host = True (tests/realcloud/start.sh) and a restart")
    assert wait_status(m, name, "VERIFY_RESIZE") == "VERIFY_RESIZE"


def test_ctl_lists_the_lifecycle_verbs_with_their_arguments(cloud, mnt, server):
    name, _ = server
    verbs = mnt.read("servers", name, "ctl").splitlines()
    for v in ("resize FLAVOR", "confirm-resize", "revert-resize", "rebuild [IMAGE]", "shelve",
              "unshelve", "rescue", "unrescue", "snapshot NAME"):
        assert v in verbs, (v, verbs)


def test_resize_then_confirm_ends_active_with_the_new_flavor(cloud, mnt, server):
    name, sid = server
    resize_to_verify(cloud, mnt, name, sid, "m1.small")
    assert mnt.read("servers", name, "flavor").strip() == "m1.small"
    assert ctl(mnt, name, "confirm-resize") == 0, read_error(mnt, name)
    wait_status(mnt, name, "ACTIVE")
    s = cloud.client.wait_server(sid, lambda s: s and s["status"] == "ACTIVE" and settled(s))
    assert flavor_name(s) in ("m1.small", "2")
    assert mnt.read("servers", name, "flavor").strip() == "m1.small"
    assert read_error(mnt, name) == ""


def test_resize_then_revert_goes_back_to_the_old_flavor(cloud, mnt, server):
    name, sid = server
    resize_to_verify(cloud, mnt, name, sid, "m1.small")
    assert ctl(mnt, name, "revert-resize") == 0, read_error(mnt, name)
    wait_status(mnt, name, "ACTIVE")
    s = cloud.client.wait_server(sid, lambda s: s and s["status"] == "ACTIVE" and settled(s))
    assert flavor_name(s) in (cloud.flavor, "1")
    assert mnt.read("servers", name, "flavor").strip() == cloud.flavor


def test_resize_to_an_unknown_flavor_is_einval_with_the_candidates(cloud, mnt, server):
    name, sid = server
    assert ctl(mnt, name, "resize no-such-flavor") == errno.EINVAL
    err = read_error(mnt, name)
    assert "no-such-flavor" in err and "m1.small" in err, err
    assert "resize" not in action_names(cloud, sid)   # nothing reached Nova


def test_shelve_then_unshelve(cloud, mnt, server):
    name, sid = server
    assert ctl(mnt, name, "shelve") == 0, read_error(mnt, name)
    # Nova offloads at once with shelved_offload_time = 0 (its default)
    wait_status(mnt, name, ("SHELVED", "SHELVED_OFFLOADED"))
    # SHELVED shows while the offload still runs (task_state
    # shelving_offloading), when Nova refuses unshelve with a 409
    cloud.client.wait_server(sid, lambda s: s and s["status"].startswith("SHELVED") and settled(s))
    assert ctl(mnt, name, "unshelve") == 0, read_error(mnt, name)
    wait_status(mnt, name, "ACTIVE")
    cloud.client.wait_server(sid, lambda s: s and s["status"] == "ACTIVE" and settled(s))


def test_unshelve_of_an_active_server_is_ebusy_with_novas_message(cloud, mnt, server):
    name, sid = server
    wait_status(mnt, name, "ACTIVE")
    assert ctl(mnt, name, "unshelve") == errno.EBUSY
    err = read_error(mnt, name)
    assert "unshelve" in err and "active" in err, err   # Nova's 409: "Cannot 'unshelve' ..."
    assert cloud.client.server(sid)["status"] == "ACTIVE"


def test_rescue_then_unrescue(cloud, mnt, server):
    name, sid = server
    assert ctl(mnt, name, "rescue") == 0, read_error(mnt, name)
    wait_status(mnt, name, "RESCUE")
    # ACTIVE and RESCUE are as long, and the fake driver ends both in the
    # same second: the status file must still change (the mtime moves)
    assert ctl(mnt, name, "unrescue") == 0, read_error(mnt, name)
    wait_status(mnt, name, "ACTIVE")
    cloud.client.wait_server(sid, lambda s: s and s["status"] == "ACTIVE" and settled(s))


def test_rebuild_with_and_without_an_image_ends_active(cloud, mnt, server):
    name, sid = server
    image = cloud.client.server(sid)["image"]["id"]
    assert ctl(mnt, name, "rebuild") == 0, read_error(mnt, name)   # its own image
    cloud.client.wait_server(sid, lambda s: s and s["status"] == "ACTIVE" and settled(s))
    wait_status(mnt, name, "ACTIVE")
    assert ctl(mnt, name, "rebuild " + cloud.image) == 0, read_error(mnt, name)
    s = cloud.client.wait_server(sid, lambda s: s and s["status"] == "ACTIVE" and settled(s))
    wait_status(mnt, name, "ACTIVE")
    assert action_names(cloud, sid).count("rebuild") == 2
    assert s["image"]["id"] == image
    assert mnt.read("servers", name, "image").strip() == image


def test_snapshot_shows_the_new_image_in_images(cloud, mnt, server):
    name, sid = server
    snap = name + "-snap"
    os.listdir(mnt.p("images"))          # the images listing is loaded before
    assert ctl(mnt, name, "snapshot " + snap) == 0, read_error(mnt, name)
    assert any(i["name"] == snap for i in cloud.client.images())
    deadline = time.time() + 15         # the images listing is read again at once
    while snap not in os.listdir(mnt.p("images")) and time.time() < deadline:
        time.sleep(0.2)
    assert snap in os.listdir(mnt.p("images"))
    assert mnt.read("images", snap, "id").strip() == next(
        i["id"] for i in cloud.client.images() if i["name"] == snap)
