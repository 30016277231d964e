"""Addresses that Neutron changes behind Nova's back.

Nova keeps a server's `updated` when a floating IP is associated with one
of its ports or released from it, so Nova's changes-since never shows that.
The mount asks Neutron, with each refresh of servers, for its ports and
floating IPs by revision alone and fetches only the servers whose ports or
floating IPs changed: the new address shows in servers/X/addresses without
a full listing of the servers, and an in-use mount with nothing changing
sends only small requests.  On the real cloud (OSFS_TARGET=realcloud) the
addresses are checked; the request log is the emulator's."""
import json
import os
import time

import pytest

from harness import wait_for
from test_write import BOOT_TIMEOUT, unique

TTL = 2
SHOWS_S = 30  # the bound on a wait (floating IPs): under the old 60 s full listing


def network_id(cloud, name):
    status, body = cloud.client.request("GET", "network", "/v2.0/networks?name=" + name)
    assert status == 200, (status, body)
    (nid,) = [n["id"] for n in body["networks"] if n["name"] == name]
    return nid


def needs_neutron(cloud):
    if "network" not in cloud.client.catalog:
        pytest.skip("the catalog has no network service")


@pytest.fixture
def server(cloud):
    """A server on `private` booted through the API: (name, id, its port)."""
    needs_neutron(cloud)
    flavor = next(f["id"] for f in cloud.client.flavors() if f["name"] == cloud.flavor)
    image = next(i["id"] for i in cloud.client.images() if i["name"] == cloud.image)
    name = unique("osfs-addr")
    status, body = cloud.client.request("POST", "compute", "/servers", {"server": {
        "name": name, "flavorRef": flavor, "imageRef": image,
        "networks": [{"uuid": network_id(cloud, "private")}]}})
    assert status == 202, (status, body)
    sid = body["server"]["id"]
    try:
        cloud.client.wait_server(sid, lambda s: s and s["status"] == "ACTIVE"
                                 and not s["OS-EXT-STS:task_state"] and s["addresses"],
                                 timeout=BOOT_TIMEOUT)
        status, body = cloud.client.request("GET", "network", "/v2.0/ports?device_id=" + sid)
        assert status == 200 and len(body["ports"]) == 1, (status, body)
        yield name, sid, body["ports"][0]
    finally:
        cloud.client.request("DELETE", "compute", "/servers/" + sid)


@pytest.fixture
def fip(cloud):
    """A floating IP on `public`, released afterwards."""
    needs_neutron(cloud)
    status, body = cloud.client.request("POST", "network", "/v2.0/floatingips", {
        "floatingip": {"floating_network_id": network_id(cloud, "public"),
                       "description": "openstackfs test_address_changes"}})
    assert status == 201, (status, body)
    yield body["floatingip"]
    cloud.client.request("DELETE", "network", "/v2.0/floatingips/" + body["floatingip"]["id"])


def point(cloud, fip, port_id):
    status, body = cloud.client.request("PUT", "network", "/v2.0/floatingips/" + fip["id"],
                                        {"floatingip": {"port_id": port_id}})
    assert status == 200, (status, body)


def addresses(m, name):
    try:
        return m.read("servers", name, "addresses")
    except OSError as e:
        return "error %s" % e


def full_server_listings(emu):
    """Listings of servers the mount sent that ask for every server."""
    reqs = emu.call("GET", "/_emu/requests?last=2000")["requests"]
    return [r["path"] for r in reqs if r["method"] == "GET"
            and r["path"].split("?")[0].endswith("/servers/detail")
            and "changes-since" not in r["path"] and "name=" not in r["path"]]


def test_a_floating_ip_associated_behind_the_mount_shows_and_goes(cloud, mount, server, fip):
    name, sid, port = server
    fixed = port["fixed_ips"][0]["ip_address"]
    m = mount("ttl_servers=%d" % TTL)
    assert name in os.listdir(m.p("servers"))   # the listing, then kept up to date
    assert wait_for(lambda: fixed in addresses(m, name), SHOWS_S), addresses(m, name)
    time.sleep(TTL + 0.5)
    m.read("servers", name, "addresses")      # a refresh that has Neutron's revisions
    if cloud.emu:
        cloud.emu.reset()
    point(cloud, fip, port["id"])
    # Nova shows it a moment later (the real cloud: 2-3 s) with `updated` as it was
    assert wait_for(lambda: fip["floating_ip_address"] in addresses(m, name), SHOWS_S), \
        addresses(m, name)
    point(cloud, fip, None)
    assert wait_for(lambda: fip["floating_ip_address"] not in addresses(m, name), SHOWS_S), \
        addresses(m, name)
    assert fixed in addresses(m, name)
    if cloud.emu:
        assert full_server_listings(cloud.emu) == []


def test_an_in_use_mount_with_nothing_changing_sends_only_small_requests(cloud, mount, emu):
    needs_neutron(cloud)
    m = mount("ttl_servers=1")
    names = [n for n in os.listdir(m.p("servers")) if not n.startswith(".")]
    time.sleep(3.5)                            # past the deltas' margin: nothing changes
    os.listdir(m.p("servers"))
    time.sleep(1.5)
    emu.reset()
    until = time.time() + 8
    while time.time() < until:                 # in use: read every half second
        os.listdir(m.p("servers"))
        m.read("servers", names[0], "status")
        time.sleep(0.5)
    reqs = [r for r in emu.call("GET", "/_emu/requests?last=2000")["requests"]
            if r["method"] == "GET"]
    assert full_server_listings(emu) == []
    deltas = [r for r in reqs if "changes-since" in r["path"]]
    assert len(deltas) >= 3, [r["path"] for r in reqs]   # it did refresh
    status, body = cloud.client.request("GET", "compute", "/servers/detail?limit=1000")
    assert status == 200
    one_page = len(json.dumps(body))
    spent = sum(r.get("bytes") or 0 for r in reqs)
    # eight seconds of refreshes cost less than one page of the full listing
    assert 0 < spent < one_page, (spent, one_page, [r["path"] for r in reqs])


def test_a_port_deleted_behind_the_mount_leaves_the_addresses_without_a_full_listing(
        cloud, mount, server):
    name, sid, port = server
    fixed = port["fixed_ips"][0]["ip_address"]
    m = mount("ttl_servers=%d" % TTL)
    assert name in os.listdir(m.p("servers"))
    assert wait_for(lambda: fixed in addresses(m, name), SHOWS_S), addresses(m, name)
    time.sleep(3.5 + TTL)                      # past the deltas' margin after the boot
    m.read("servers", name, "addresses")
    if cloud.emu:
        cloud.emu.reset()
    status, body = cloud.client.request("DELETE", "network", "/v2.0/ports/" + port["id"])
    assert status == 204, (status, body)
    # ports are listed by revision at most once a minute: within that and a TTL
    assert wait_for(lambda: fixed not in addresses(m, name), 60 + SHOWS_S, step=0.5), \
        addresses(m, name)
    assert addresses(m, name).strip() == ""
    if cloud.emu:
        assert full_server_listings(cloud.emu) == []
