"""Neutron's and Cinder's kinds refreshed by what changed: an idle refresh
of a network kind is one small listing of ids and revisions, of volumes an
updated_at=gte: delta and a count; a resource created, renamed and deleted
behind the mount's back still shows up, changes and goes; a delta the cloud
refuses falls back to full listings with a warning.

Request counts come from the emulator's request log, or on the real cloud
from the mount's .openstackfs/stats."""
import json
import time

import pytest

from harness import wait_for

KINDS = {  # directory: (service, list path, collection, stats service)
    "networks": ("network", "/v2.0/networks", "networks", "network"),
    "subnets": ("network", "/v2.0/subnets", "subnets", "network"),
    "ports": ("network", "/v2.0/ports", "ports", "network"),
    "security_groups": ("network", "/v2.0/security-groups", "security_groups", "network"),
    "floating_ips": ("network", "/v2.0/floatingips", "floatingips", "network"),
    "volumes": ("block-storage", "/volumes/detail", "volumes", "volume"),
}
EMU_ROOT = {"network": "/network", "block-storage": "/volume/v3/"}
TTL = 1


def service(cloud, kind):
    svc = KINDS[kind][0]
    if svc not in cloud.client.catalog:
        pytest.skip("the catalog has no %s service" % svc)
    return svc


def emu_requests(cloud, kind):
    """The emulator's listings of kind since the last reset (not single GETs)."""
    svc, seg = KINDS[kind][0], "/" + KINDS[kind][1].split("/")[-1 if kind != "volumes" else -2]
    reqs = cloud.emu.call("GET", "/_emu/requests?last=10000")["requests"]
    return [r for r in reqs if r["method"] == "GET" and r["path"].startswith(EMU_ROOT[svc])
            and r["path"].split("?")[0].endswith((seg, seg + "/detail"))]


def is_full(path):
    """A plain page of the whole listing: nothing asked but limit and marker."""
    query = path.split("?", 1)[1] if "?" in path else ""
    return all(p.split("=")[0] in ("limit", "marker") for p in query.split("&") if p)


def answer_size(cloud, kind, emu_path):
    """Bytes of the cloud's answer to a request the mount sent."""
    if KINDS[kind][0] == "network":
        rel, headers = emu_path[len("/network"):], None
    else:  # /volume/v3/<project>/volumes...
        rel, headers = "/" + emu_path.split("/", 4)[4], {"OpenStack-API-Version": "volume 3.60"}
    status, body = cloud.client.request("GET", KINDS[kind][0], rel, headers=headers)
    assert status == 200, (rel, body)
    return len(json.dumps(body))


def full_size(cloud, kind):
    svc, path = KINDS[kind][0], KINDS[kind][1]
    status, body = cloud.client.request("GET", svc, path + "?limit=1000")
    assert status == 200, body
    return len(json.dumps(body))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_an_idle_refresh_is_at_most_two_small_requests(cloud, mount, kind):
    service(cloud, kind)
    m = mount("ttl_%s=%d" % (kind, TTL), "active=0")  # one refresh, started by the read
    m.sh("ls %s >/dev/null" % kind)
    time.sleep(3.5)                  # longer than any margin: nothing changed since
    m.sh("ls %s >/dev/null" % kind)
    time.sleep(TTL + 0.5)
    if cloud.emu:
        cloud.emu.reset()
    before = m.stats()["requests." + KINDS[kind][3]]
    m.sh("ls %s >/dev/null" % kind)  # stale: answered now, refreshed behind
    time.sleep(1.0)
    spent = m.stats()["requests." + KINDS[kind][3]] - before
    assert 1 <= spent <= 2, spent
    if cloud.emu:
        reqs = emu_requests(cloud, kind)
        assert 1 <= len(reqs) <= 2, [r["path"] for r in reqs]
        small = max(full_size(cloud, kind) / 2, 2048)
        for r in reqs:
            assert not is_full(r["path"]), r["path"]
            assert answer_size(cloud, kind, r["path"]) < small, r["path"]


def create(cloud, kind, name):
    if kind == "networks":
        status, body = cloud.client.request("POST", "network", "/v2.0/networks",
                                            {"network": {"name": name}})
        assert status == 201, body
        return body["network"]["id"]
    status, body = cloud.client.request("POST", "block-storage", "/volumes",
                                        {"volume": {"size": 1, "name": name}})
    assert status == 202, body
    vid = body["volume"]["id"]
    assert wait_for(lambda: status_of(cloud, vid) == "available", 120), status_of(cloud, vid)
    return vid


def status_of(cloud, vid):
    status, body = cloud.client.request("GET", "block-storage", "/volumes/" + vid)
    return body["volume"]["status"] if status == 200 else None


def rename(cloud, kind, rid, name):
    if kind == "networks":
        status, body = cloud.client.request("PUT", "network", "/v2.0/networks/" + rid,
                                            {"network": {"name": name}})
        assert status == 200, body
        return
    status, body = cloud.client.request("PUT", "block-storage", "/volumes/" + rid,
                                        {"volume": {"name": name}})
    assert status == 200, body


def delete(cloud, kind, rid):
    path = "/v2.0/networks/" if kind == "networks" else "/volumes/"
    cloud.client.request("DELETE", KINDS[kind][0], path + rid)


@pytest.mark.parametrize("kind", ["networks", "volumes"])
def test_changes_behind_the_mounts_back_show_within_two_ttls(cloud, mount, kind):
    service(cloud, kind)
    ttl = 2
    m = mount("ttl_%s=%d" % (kind, ttl))
    name = "osfs-t20d-%s-%d" % (kind, int(time.time() * 1000) % 10 ** 8)
    listing = lambda: set(m.sh("ls %s" % kind).stdout.split())  # noqa: E731
    assert name not in listing()
    if cloud.emu:
        cloud.emu.reset()
    rid = create(cloud, kind, name)
    try:
        assert wait_for(lambda: name in listing(), 2 * ttl + 5), "never showed up"
        assert m.read(kind, ".by-id", rid, "name") == name + "\n"
        rename(cloud, kind, rid, name + "-b")
        assert wait_for(lambda: name + "-b" in listing(), 2 * ttl + 5), "rename never seen"
        assert name not in listing()
        if cloud.emu:  # a deletion may cost a full listing (a volume's count), the rest not
            full = [r["path"] for r in emu_requests(cloud, kind) if is_full(r["path"])]
            assert full == [], "full listings while following the changes: %s" % full
        delete(cloud, kind, rid)
        rid_gone = rid
        rid = None
        assert wait_for(lambda: name + "-b" not in listing(), 2 * ttl + 10), "delete never seen"
        assert wait_for(lambda: rid_gone not in set(m.sh("ls %s/.by-id" % kind).stdout.split()),
                        2 * ttl + 5)
    finally:
        if rid:
            delete(cloud, kind, rid)


def test_a_cinder_without_3_60_is_listed_in_full_with_a_warning(emu, cloud, mount):
    service(cloud, "volumes")
    emu.config(cinder_max="3.59")
    try:
        m = mount("ttl_volumes=%d" % TTL)
        m.sh("ls volumes >/dev/null")
        name = "osfs-t20d-old-%d" % (int(time.time() * 1000) % 10 ** 8)
        rid = create(cloud, "volumes", name)
        try:
            assert wait_for(lambda: name in m.sh("ls volumes").stdout.split(), 3 * TTL + 5)
            emu.reset()
            time.sleep(TTL + 0.2)
            m.sh("ls volumes >/dev/null")
            time.sleep(1.0)
            paths = [r["path"] for r in emu_requests(cloud, "volumes")]
            assert paths and all("updated_at" not in p and "with_count" not in p
                                 for p in paths), paths
            assert "refused" in m.output()
        finally:
            delete(cloud, "volumes", rid)
    finally:
        emu.config(cinder_max="3.70")


def test_a_refused_revision_listing_falls_back_to_full_listings(emu, cloud, mount):
    service(cloud, "networks")
    m = mount("ttl_networks=%d" % TTL)
    m.sh("ls networks >/dev/null")
    emu.fault(path=r"/networks\?.*fields=revision_number", status=400, count=-1)
    name = "osfs-t20d-ref-%d" % (int(time.time() * 1000) % 10 ** 8)
    rid = create(cloud, "networks", name)
    try:
        assert wait_for(lambda: name in m.sh("ls networks").stdout.split(), 3 * TTL + 5)
        assert "refused" in m.output()
    finally:
        delete(cloud, "networks", rid)
