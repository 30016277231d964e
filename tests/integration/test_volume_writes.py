"""Volumes: attached and detached through a server's ctl, created and
deleted through volumes/<name>/ctl, and never touched by rm.  Every effect
is checked through the cloud's own API (osclient)."""
import errno
import os
import subprocess
import time

import pytest

from test_network_writes import boot_active, draft
from test_write import named, unique

VOLUME_TIMEOUT = 120


def volume(cloud, vid):
    status, body = cloud.client.request("GET", "block-storage", "/volumes/" + vid)
    return body["volume"] if status == 200 else None


def wait_volume(cloud, vid, pred, timeout=VOLUME_TIMEOUT):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = volume(cloud, vid)
        if pred(last):
            return last
        time.sleep(0.3)
    raise AssertionError("volume %s: last seen %s" % (vid, last and last["status"]))


def volumes_named(cloud, name):
    status, body = cloud.client.request("GET", "block-storage", "/volumes/detail?name=" + name)
    assert status == 200, (status, body)
    return [v for v in body["volumes"] if v["name"] == name]


def attached_ids(cloud, sid):
    return [v["id"] for v in cloud.client.server(sid)["os-extended-volumes:volumes_attached"]]


@pytest.fixture
def made(cloud):
    """Servers and volumes a test makes, removed through the API afterwards."""
    things = {"servers": [], "volumes": []}
    yield things
    for n in things["servers"]:
        for s in named(cloud, n):
            cloud.client.request("DELETE", "compute", "/servers/" + s["id"])
    for vid in things["volumes"]:
        deadline = time.time() + VOLUME_TIMEOUT
        while volume(cloud, vid) and time.time() < deadline:
            v = volume(cloud, vid)
            if v and v["status"] in ("available", "error"):
                cloud.client.request("DELETE", "block-storage", "/volumes/" + vid)
            time.sleep(0.5)


def api_volume(cloud, made, name, size=1):
    status, body = cloud.client.request("POST", "block-storage", "/volumes",
                                        {"volume": {"size": size, "name": name}})
    assert status == 202, (status, body)
    vid = body["volume"]["id"]
    made["volumes"].append(vid)
    wait_volume(cloud, vid, lambda v: v and v["status"] == "available")
    return vid


def server_with_volume(m, cloud, made, by_id=False):
    name, vname = unique("vsrv"), unique("vol")
    made["servers"].append(name)
    vid = api_volume(cloud, made, vname)
    draft(m, cloud, name, networks="none\n")
    s = boot_active(m, cloud, name)
    assert m.write("servers/%s/ctl" % name, "attach %s\n" % (vid if by_id else vname)) == 0, \
        m.read("servers", name, "error")
    wait_volume(cloud, vid, lambda v: v and v["status"] == "in-use")
    return name, s["id"], vname, vid


def test_attach_and_detach_by_name(cloud, mnt, made):
    m = mnt
    name, sid, vname, vid = server_with_volume(m, cloud, made)
    assert attached_ids(cloud, sid) == [vid]
    assert [a["server_id"] for a in volume(cloud, vid)["attachments"]] == [sid]
    assert m.write("servers/%s/ctl" % name, "detach %s\n" % vname) == 0, m.read("servers", name, "error")
    wait_volume(cloud, vid, lambda v: v and v["status"] == "available" and not v["attachments"])
    assert attached_ids(cloud, sid) == []


def test_a_servers_volumes_are_named_as_volumes_shows_them(cloud, mnt, made):
    m = mnt
    name, sid, vname, vid = server_with_volume(m, cloud, made, by_id=True)
    deadline = time.time() + 30
    while os.listdir(m.p("servers", name, "volumes")) != [vname]:
        assert time.time() < deadline, os.listdir(m.p("servers", name, "volumes"))
        time.sleep(0.5)
    link = m.p("servers", name, "volumes", vname)
    assert os.readlink(link) == "../../../volumes/" + vname
    assert m.read("servers", name, "volumes", vname, "id") == vid + "\n"
    assert m.read("volumes", ".by-id", vid, "name") == vname + "\n"    # ids stay under .by-id


def test_attach_by_id(cloud, mnt, made):
    m = mnt
    name, sid, vname, vid = server_with_volume(m, cloud, made, by_id=True)
    assert attached_ids(cloud, sid) == [vid]


def test_attach_of_an_unknown_volume_says_why(cloud, mnt, made):
    m, name = mnt, unique("vnone")
    made["servers"].append(name)
    draft(m, cloud, name, networks="none\n")
    s = boot_active(m, cloud, name)
    assert m.write("servers/%s/ctl" % name, "attach no-such-volume\n") == errno.EINVAL
    assert "no-such-volume" in m.read("servers", name, "error")
    assert "no-such-volume" in m.read(".openstackfs", "log")
    assert attached_ids(cloud, s["id"]) == []


def test_rm_rf_of_a_server_with_a_volume_detaches_and_deletes_nothing(cloud, mnt, made):
    m = mnt
    name, sid, vname, vid = server_with_volume(m, cloud, made)
    r = subprocess.run(["rm", "-rf", m.p("servers", name)], capture_output=True, timeout=60)
    assert r.returncode != 0
    assert cloud.client.server(sid) is not None
    assert attached_ids(cloud, sid) == [vid]
    assert volume(cloud, vid)["status"] == "in-use"
    for d in ("volumes", "networks", "floating_ips", "security_groups"):
        if os.path.isdir(m.p(d)):
            subprocess.run(["rm", "-rf", m.p(d)], capture_output=True, timeout=60)
    assert volume(cloud, vid)["status"] == "in-use"
    assert attached_ids(cloud, sid) == [vid]


def volume_posts(emu):
    return [r for r in emu.call("GET", "/_emu/requests?last=500")["requests"]
            if r["method"] == "POST" and r["path"].split("?")[0].endswith("/volumes")]


def wait_listed_status(m, name, want, timeout=VOLUME_TIMEOUT):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = m.read("volumes", name, "status").strip()
        except OSError as e:
            last = "error %s" % e
        if last == want:
            return
        time.sleep(0.3)
    raise AssertionError("volumes/%s/status is %r, not %r" % (name, last, want))


def test_mkdir_size_create_makes_one_volume(cloud, mnt, made):
    m, name = mnt, unique("data")
    os.mkdir(m.p("volumes", name))
    assert m.read("volumes", name, "status") == "DRAFT\n"
    assert m.read("volumes", name, "size") == "1\n"               # the default
    assert volumes_named(cloud, name) == []
    for bad in ("ten\n", "0\n", "-2\n", "1.5\n"):
        assert m.write("volumes/%s/size" % name, bad) == errno.EINVAL, bad
        assert "size" in m.read("volumes", name, "error")
    assert m.write("volumes/%s/size" % name, "10\n") == 0
    before = len(volume_posts(cloud.emu)) if cloud.emu else None
    assert m.write("volumes/%s/ctl" % name, "create\n") == 0, m.read("volumes", name, "error")
    (v,) = volumes_named(cloud, name)
    made["volumes"].append(v["id"])
    assert v["size"] == 10
    if cloud.emu:
        posts = volume_posts(cloud.emu)[before:]
        assert [p["body"] for p in posts] == [{"volume": {"size": 10, "name": name}}]
    assert name in os.listdir(m.p("volumes"))                     # listed all along
    wait_listed_status(m, name, "available")
    assert m.read("volumes", name, "id") == v["id"] + "\n"
    assert m.write("volumes/%s/ctl" % name, "create\n") == errno.EINVAL   # live now: no create
    assert len(volumes_named(cloud, name)) == 1


def test_a_bare_mkdir_takes_the_size_option(cloud, mount, made):
    m, name = mount("volume_size=3"), unique("bare")
    os.mkdir(m.p("volumes", name))
    assert m.read("volumes", name, "size") == "3\n"
    assert m.write("volumes/%s/ctl" % name, "create\n") == 0, m.read("volumes", name, "error")
    (v,) = volumes_named(cloud, name)
    made["volumes"].append(v["id"])
    assert v["size"] == 3


def test_rm_rf_of_a_volume_draft_discards_it(cloud, mnt):
    m, name = mnt, unique("gone")
    os.mkdir(m.p("volumes", name))
    assert m.write("volumes/%s/size" % name, "5\n") == 0
    subprocess.run(["rm", "-rf", m.p("volumes", name)], capture_output=True, timeout=60)
    assert name not in os.listdir(m.p("volumes"))
    assert volumes_named(cloud, name) == []


def test_delete_of_an_attached_volume_is_ebusy_then_works_once_detached(cloud, mnt, made):
    m = mnt
    name, sid, vname, vid = server_with_volume(m, cloud, made)
    wait_listed_status(m, vname, "in-use")
    assert m.write("volumes/%s/ctl" % vname, "delete\n") == errno.EBUSY
    assert m.read("volumes", vname, "error").strip()            # the API's message
    assert volume(cloud, vid)["status"] == "in-use"
    assert m.write("servers/%s/ctl" % name, "detach %s\n" % vname) == 0
    wait_volume(cloud, vid, lambda v: v and v["status"] == "available")
    assert m.write("volumes/%s/ctl" % vname, "delete\n") == 0, m.read("volumes", vname, "error")
    wait_volume(cloud, vid, lambda v: v is None)
    made["volumes"].remove(vid)


def test_rm_rf_over_the_new_kinds_deletes_nothing(cloud, mnt, made):
    m = mnt
    vid = api_volume(cloud, made, unique("keep"))
    status, nets = cloud.client.request("GET", "network", "/v2.0/networks")
    status, groups = cloud.client.request("GET", "network", "/v2.0/security-groups")
    status, fips = cloud.client.request("GET", "network", "/v2.0/floatingips")
    for d in ("volumes", "networks", "floating_ips", "security_groups", "subnets", "ports"):
        assert os.path.isdir(m.p(d)), d
        r = subprocess.run(["rm", "-rf", m.p(d)], capture_output=True, timeout=60)
        assert r.returncode != 0, d
    assert volume(cloud, vid)["status"] == "available"
    assert cloud.client.request("GET", "network", "/v2.0/networks")[1] == nets
    assert cloud.client.request("GET", "network", "/v2.0/security-groups")[1] == groups
    assert cloud.client.request("GET", "network", "/v2.0/floatingips")[1] == fips


def test_a_dropped_connection_after_the_post_makes_one_volume(emu, cloud, mnt, made):
    m, name = mnt, unique("dropvol")
    os.mkdir(m.p("volumes", name))
    before = len(volume_posts(emu))
    fid = emu.call("POST", "/_emu/faults", {"method": "POST", "path": "/volume/v3/[^/]+/volumes$",
                                            "drop_after": True, "count": 1})["id"]
    assert m.write("volumes/%s/ctl" % name, "create\n") == 0, m.read("volumes", name, "error")
    assert len(volume_posts(emu)) - before == 1                   # sent once, never again
    assert not [f for f in emu.call("GET", "/_emu/faults")["faults"]
                if f["id"] == fid and f["remaining"] != 0]                # the drop happened
    (v,) = volumes_named(cloud, name)
    made["volumes"].append(v["id"])
    wait_listed_status(m, name, "available")
    assert m.read("volumes", name, "id") == v["id"] + "\n"
