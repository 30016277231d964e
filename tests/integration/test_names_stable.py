"""A name never moves: within a mount's life a file name names one
resource.  Two servers share an API name; the oldest is `dup`, the other
`dup~<8 chars of its id>`.  Once `dup` is deleted, `dup~...` keeps its name
and `dup` names nothing, so a repeated `echo delete > servers/dup/ctl` is
ENOENT, never a delete of the other server.

And `mkdir` refuses a name that is not valid UTF-8 (the cloud would refuse
the boot), with the reason in /.openstackfs/log."""
import errno
import os
import time

import pytest

from harness import wait_for

TIMEOUT = 300


def unique(prefix):
    return "%s-%d-%d" % (prefix, os.getpid(), int(time.time() * 1000) % 100000)


def create_server(cloud, name):
    c = cloud.client
    flavor = next(f["id"] for f in c.flavors() if f["name"] == cloud.flavor)
    image = next(i["id"] for i in c.images() if i["name"] == cloud.image)
    status, body = c.request("POST", "compute", "/servers", {"server": {
        "name": name, "flavorRef": flavor, "imageRef": image, "networks": "none"}})
    assert status == 202, (status, body)
    return body["server"]["id"]


def alive(server):
    return server is not None and server.get("status") != "DELETED"


def test_a_deleted_name_is_not_given_to_its_namesake(cloud, mount):
    name = unique("dup")
    ids = []
    try:
        ids.append(create_server(cloud, name))
        ids.append(create_server(cloud, name))
        for sid in ids:
            cloud.client.wait_server(sid, lambda s: s and s["status"] == "ACTIVE"
                                     and not s["OS-EXT-STS:task_state"], timeout=TIMEOUT)
        m = mount("ttl=1")
        shown = sorted(n for n in os.listdir(m.p("servers")) if n.startswith(name))
        first = m.read("servers", name, "id").strip()
        [other] = [sid for sid in ids if sid != first]
        suffixed = "%s~%s" % (name, other[:8])
        assert shown == sorted([name, suffixed])
        assert m.read("servers", suffixed, "id").strip() == other

        assert m.write("servers/%s/ctl" % name, "delete\n") == 0
        cloud.client.wait_server(first, lambda s: not alive(s), timeout=TIMEOUT)
        # the listing (ttl=1) learns that the first is gone
        assert wait_for(lambda: not os.path.lexists(m.p("servers", ".by-id", first)), 60)

        assert m.read("servers", suffixed, "id").strip() == other
        assert not os.path.exists(m.p("servers", name))
        with pytest.raises(FileNotFoundError):
            os.stat(m.p("servers", name))
        assert name not in os.listdir(m.p("servers"))
        assert m.write("servers/%s/ctl" % name, "delete\n") == errno.ENOENT
        assert alive(cloud.client.server(other))
    finally:
        for sid in ids:
            cloud.client.request("DELETE", "compute", "/servers/" + sid)


def test_mkdir_refuses_a_name_that_is_not_utf8(emu, mnt):
    bad = b"bad\xff"
    path = os.path.join(os.fsencode(mnt.p("servers")), bad)
    with pytest.raises(OSError) as e:
        os.mkdir(path)
    assert e.value.errno == errno.EINVAL
    assert not os.path.exists(path)
    assert bad not in os.listdir(os.fsencode(mnt.p("servers")))
    assert "UTF-8" in mnt.read(".openstackfs", "log")
    for bad in (b"ov\xc0\xaf", b"sur\xed\xa0\x80", b"cut\xe2\x82"):
        with pytest.raises(OSError) as e:
            os.mkdir(os.path.join(os.fsencode(mnt.p("servers")), bad))
        assert e.value.errno == errno.EINVAL
