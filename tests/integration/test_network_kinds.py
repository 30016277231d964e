"""Neutron's and Cinder's read-only kinds through a real mount: networks,
subnets, ports, security groups (with their rules), floating IPs and
volumes, checked against the cloud's own answers; links between kinds
resolve to the right directories.  Skipped where the catalog lacks the
service."""
import os
import time

import pytest

from test_read import expected_names

NEUTRON = {  # directory: (path, collection, name key)
    "networks": ("/v2.0/networks", "networks", "name"),
    "subnets": ("/v2.0/subnets", "subnets", "name"),
    "ports": ("/v2.0/ports", "ports", "name"),
    "security_groups": ("/v2.0/security-groups", "security_groups", "name"),
    "floating_ips": ("/v2.0/floatingips", "floatingips", "floating_ip_address"),
}


def service(cloud, *types):
    for t in types:
        if t in cloud.client.catalog:
            return t
    pytest.skip("the catalog has no %s service" % " or ".join(types))


def listed(cloud, svc, path, collection):
    status, body = cloud.client.request("GET", svc, path)
    assert status == 200, body
    return body[collection]


def named(items, key):
    """As the mount names them: Neutron's and Cinder's "" is no name."""
    return [dict(i, name=i.get(key) or None) for i in items]


def plain(value):
    return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


@pytest.mark.parametrize("kind", sorted(NEUTRON))
def test_ls_matches_neutron(cloud, mnt, kind):
    svc = service(cloud, "network")
    path, coll, key = NEUTRON[kind]
    items = named(listed(cloud, svc, path, coll), key)
    assert set(os.listdir(mnt.p(kind))) - {".by-id"} == expected_names(items, key="created_at")
    assert set(os.listdir(mnt.p(kind, ".by-id"))) == {i["id"] for i in items}


def test_network_files_and_subnet_links(cloud, mnt):
    svc = service(cloud, "network")
    nets = listed(cloud, svc, "/v2.0/networks", "networks")
    subnets = {s["id"]: s for s in listed(cloud, svc, "/v2.0/subnets", "subnets")}
    assert nets, "the cloud has no network to look at"
    for n in nets:
        d = mnt.p("networks", ".by-id", n["id"])
        assert mnt.read(d, "status") == n["status"] + "\n"
        assert mnt.read(d, "shared") == plain(n["shared"]) + "\n"
        assert mnt.read(d, "external") == plain(n["router:external"]) + "\n"
        assert sorted(os.listdir(os.path.join(d, "subnets"))) == sorted(n["subnets"])
        for sid in (s for s in n["subnets"] if s in subnets):  # (an external one may be hidden)
            sub = os.path.realpath(os.path.join(d, "subnets", sid))
            assert mnt.read(sub, "cidr") == subnets[sid]["cidr"] + "\n"
            assert os.path.realpath(os.path.join(sub, "network")) == os.path.realpath(d)


def test_port_links_reach_its_network_and_server(cloud, mnt):
    svc = service(cloud, "network")
    ports = listed(cloud, svc, "/v2.0/ports", "ports")
    assert ports, "the cloud has no port to look at"
    for p in ports:
        d = mnt.p("ports", ".by-id", p["id"])
        assert os.path.realpath(os.path.join(d, "network")) == \
            os.path.realpath(mnt.p("networks", ".by-id", p["network_id"]))
        assert mnt.read(d, "fixed_ips") == "".join(
            "%s %s\n" % (f["ip_address"], f["subnet_id"]) for f in p["fixed_ips"]) or "\n"
        device = os.path.join(d, "device")
        if p["device_owner"].startswith("compute:"):
            assert os.path.realpath(device) == os.path.realpath(mnt.p("servers", ".by-id", p["device_id"]))
            assert mnt.read(device, "id") == p["device_id"] + "\n"
        else:  # a router's or a DHCP port: no server to point at
            assert not os.path.lexists(device)


def test_security_group_rules_are_directories(cloud, mnt):
    svc = service(cloud, "network")
    groups = listed(cloud, svc, "/v2.0/security-groups", "security_groups")
    assert groups, "the cloud has no security group to look at"
    for g in groups:
        d = mnt.p("security_groups", ".by-id", g["id"])
        assert mnt.read(d, "description") == plain(g["description"]) + "\n"
        rules = g["security_group_rules"]
        assert sorted(os.listdir(os.path.join(d, "rules"))) == sorted(r["id"] for r in rules)
        for r in rules:
            rd = os.path.join(d, "rules", r["id"])
            for f in ("direction", "ethertype", "protocol", "port_range_min", "port_range_max",
                      "remote_ip_prefix"):
                assert mnt.read(rd, f) == plain(r[f]) + "\n", (rd, f)
            link = os.path.join(rd, "remote_group")
            if r["remote_group_id"]:
                assert os.path.realpath(link) == \
                    os.path.realpath(mnt.p("security_groups", ".by-id", r["remote_group_id"]))
            else:
                assert not os.path.lexists(link)


def test_ls_volumes_matches_cinder(cloud, mnt):
    svc = service(cloud, "block-storage", "volumev3")
    vols = named(listed(cloud, svc, "/volumes/detail", "volumes"), "name")
    assert set(os.listdir(mnt.p("volumes"))) - {".by-id"} == expected_names(vols, key="created_at")
    for v in vols:
        d = mnt.p("volumes", ".by-id", v["id"])
        assert mnt.read(d, "size") == "%d\n" % v["size"]
        assert mnt.read(d, "status") == v["status"] + "\n"
        assert sorted(os.listdir(os.path.join(d, "servers"))) == \
            sorted(a["server_id"] for a in v["attachments"])


def test_rm_rf_over_the_new_kinds_deletes_nothing(cloud, mnt):
    from harness import sh
    service(cloud, "network")
    before = {k: sorted(i["id"] for i in listed(cloud, "network", p, c)) for k, (p, c, _) in NEUTRON.items()}
    for kind in NEUTRON:
        if os.listdir(mnt.p(kind)) == [".by-id"]:
            continue
        r = sh("rm -rf %s/*" % mnt.p(kind), check=False, timeout=60)
        assert r.returncode != 0  # refused, not silently done
    after = {k: sorted(i["id"] for i in listed(cloud, "network", p, c)) for k, (p, c, _) in NEUTRON.items()}
    assert after == before


def test_a_servers_actions_are_what_nova_recorded(cloud, mnt):
    """servers/<name>/actions/<request id>/: a kind nested in each server."""
    flavor = next(f["id"] for f in cloud.client.flavors() if f["name"] == cloud.flavor)
    image = next(i["id"] for i in cloud.client.images() if i["name"] == cloud.image)
    name = "actions-%d-%d" % (os.getpid(), int(time.time() * 1000) % 100000)
    status, body = cloud.client.request("POST", "compute", "/servers", {"server": {
        "name": name, "flavorRef": flavor, "imageRef": image, "networks": "none"}})
    assert status == 202, body
    sid = body["server"]["id"]
    try:
        cloud.client.wait_server(sid, lambda s: s and s["status"] == "ACTIVE"
                                 and not s["OS-EXT-STS:task_state"], timeout=300)
        status, body = cloud.client.request("GET", "compute", "/servers/%s/os-instance-actions" % sid)
        assert status == 200, body
        recorded = body["instanceActions"]
        d = mnt.p("servers", ".by-id", sid, "actions")
        assert sorted(os.listdir(d)) == sorted(a["request_id"] for a in recorded)
        create = next(a for a in recorded if a["action"] == "create")
        a = os.path.join(d, create["request_id"])
        assert mnt.read(a, "action") == "create\n"
        assert mnt.read(a, "start_time") == create["start_time"] + "\n"
        assert os.path.realpath(os.path.join(a, "server")) == \
            os.path.realpath(mnt.p("servers", ".by-id", sid))
        status, body = cloud.client.request(
            "GET", "compute", "/servers/%s/os-instance-actions/%s" % (sid, create["request_id"]))
        assert status == 200, body
        events = body["instanceAction"].get("events") or []
        assert mnt.read(a, "events") == "".join(
            "%s %s %s %s\n" % tuple(plain(e.get(k)) for k in ("event", "start_time", "finish_time", "result"))
            for e in events) or "\n"
    finally:
        cloud.client.request("DELETE", "compute", "/servers/" + sid)
