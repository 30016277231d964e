"""Issue 11's walk-through, as a user does it, through the mount only: a
server booted on a network named as users know it and in a group of its
own, its port, a volume made, attached, detached and deleted by ctl, a
floating IP added and removed.  What the user reads is checked in the
mount (links followed with realpath); the API is used only to make the
group and to clean up."""
import os
import time

from test_network_writes import boot_active, draft
from test_volume_writes import made  # noqa: F401 (fixture)
from test_write import named, unique, wait_file

WAIT = 300  # a loaded real cloud takes minutes to detach


def until(what, pred, timeout=WAIT):
    """Poll pred() (a value, or None/False) until it holds."""
    start = time.time()
    while time.time() < start + timeout:
        got = pred()
        if got:
            print("%s: %.1f s" % (what, time.time() - start))  # shown when a test fails
            return got
        time.sleep(0.5)
    raise AssertionError("never happened in %d s: %s" % (timeout, what))


def api_volume_status(cloud, vid):
    status, body = cloud.client.request("GET", "block-storage", "/volumes/" + vid)
    return body["volume"]["status"] if status == 200 else None


def volume_reaches(m, cloud, vname, vid, want):
    """The cloud may take minutes (a loaded real cloud detaches slowly);
    once it says `want`, the mount must say so within a few TTLs."""
    until("the API's volume %s" % want, lambda: api_volume_status(cloud, vid) == want)
    wait_file(m, "volumes/%s/status" % vname, want, timeout=10)


def same(a, b):
    return os.path.realpath(a) == os.path.realpath(b)


def entries(path):
    try:
        return [e for e in os.listdir(path) if e != ".by-id"]
    except OSError:
        return []


def test_the_walkthrough_of_issue_11(cloud, mount, made):
    m = mount("ttl=1")
    name, vname, group = unique("walk"), unique("data"), unique("grp")
    status, body = cloud.client.request("POST", "network", "/v2.0/security-groups",
                                        {"security_group": {"name": group}})
    assert status == 201, body
    gid = body["security_group"]["id"]
    made["servers"].append(name)
    try:
        # a server on `private`, by name, in a group of its own
        draft(m, cloud, name, networks="private\n", security_groups=group + "\n")
        boot_active(m, cloud, name)
        srv = m.p("servers", name)
        until("an address on private", lambda: any(
            line.startswith("private ") for line in m.read(srv, "addresses").splitlines()))
        assert group in m.read(srv, "security_groups").split()
        # its port, whose device link points at the server
        until("the server's port", lambda: [p for p in entries(m.p("ports"))
                                            if same(m.p("ports", p, "device"), srv)])
        # a volume made, attached, detached and deleted by ctl
        os.mkdir(m.p("volumes", vname))
        assert m.write("volumes/%s/size" % vname, "1\n") == 0
        assert m.write("volumes/%s/ctl" % vname, "create\n") == 0, m.read("volumes", vname, "error")
        wait_file(m, "volumes/%s/status" % vname, "available", timeout=WAIT)
        vol = m.p("volumes", vname)
        vid = m.read(vol, "id").strip()
        made["volumes"].append(vid)
        assert m.write("servers/%s/ctl" % name, "attach %s\n" % vname) == 0, m.read(srv, "error")
        volume_reaches(m, cloud, vname, vid, "in-use")
        sid = m.read(srv, "id").strip()
        until("the link in servers/%s/volumes/" % name, lambda: [
            v for v in entries(os.path.join(srv, "volumes")) if same(os.path.join(srv, "volumes", v), vol)])
        assert m.read(vol, "attachments").split()[0] == sid
        assert [same(os.path.join(vol, "servers", s), srv) for s in entries(os.path.join(vol, "servers"))] == [True]
        assert m.write("servers/%s/ctl" % name, "detach %s\n" % vname) == 0, m.read(srv, "error")
        volume_reaches(m, cloud, vname, vid, "available")
        until("servers/%s/volumes/ empty" % name, lambda: not entries(os.path.join(srv, "volumes")))
        assert m.write("volumes/%s/ctl" % vname, "delete\n") == 0, m.read(vol, "error")
        until("the volume gone", lambda: vname not in entries(m.p("volumes")), timeout=WAIT)
        # a floating IP from `public`, seen in floating_ips/ and in the addresses
        assert m.write("servers/%s/ctl" % name, "add-floating-ip public\n") == 0, m.read(srv, "error")
        address = until("a floating IP of the server", lambda: next(
            (a for a in entries(m.p("floating_ips"))
             if os.path.lexists(m.p("floating_ips", a, "server")) and same(m.p("floating_ips", a, "server"), srv)),
            None))
        until("the floating IP in addresses", lambda: address in m.read(srv, "addresses").split())
        assert m.write("servers/%s/ctl" % name, "remove-floating-ip %s\n" % address) == 0, m.read(srv, "error")
        until("the floating IP gone from the server", lambda: address not in m.read(srv, "addresses").split())
    finally:
        for s in named(cloud, name):
            cloud.client.request("DELETE", "compute", "/servers/" + s["id"])
            cloud.client.wait_server(s["id"], lambda x: x is None, timeout=300)
        cloud.client.request("DELETE", "network", "/v2.0/security-groups/" + gid)
