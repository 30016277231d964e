"""Booting on networks named as users know them, in security groups, from
a volume; a booted server's admin_pass; floating IPs and security groups
changed through ctl.  Every effect is checked through the cloud's own API
(osclient), and on the emulator also through its request log."""
import errno
import json
import os
import stat
import subprocess
import time

import pytest

from test_write import BOOT_TIMEOUT, delete_server, named, unique, wait_file


def server_posts(emu):
    return [r for r in emu.call("GET", "/_emu/requests?last=500")["requests"]
            if r["method"] == "POST" and r["path"].split("?")[0].endswith("/compute/v2.1/servers")]


def last_boot_body(emu, name):
    bodies = [r["body"] for r in server_posts(emu) if (r["body"] or {}).get("server", {}).get("name") == name]
    assert bodies, "no POST /servers for %s" % name
    return bodies[-1]["server"]


def network_id(cloud, name):
    status, body = cloud.client.request("GET", "network", "/v2.0/networks?name=" + name)
    assert status == 200, (status, body)
    ids = [n["id"] for n in body["networks"] if n["name"] == name]
    assert len(ids) == 1, (name, ids)
    return ids[0]


def draft(m, cloud, name, **fields):
    os.mkdir(m.p("servers", name))
    assert m.write("servers/%s/flavor" % name, cloud.flavor + "\n") == 0
    assert m.write("servers/%s/image" % name, cloud.image + "\n") == 0
    for f, v in fields.items():
        assert m.write("servers/%s/%s" % (name, f), v) == 0, (f, m.read("servers", name, "error"))


def boot_active(m, cloud, name):
    assert m.write("servers/%s/ctl" % name, "boot\n") == 0, m.read("servers", name, "error")
    wait_file(m, "servers/%s/status" % name, "ACTIVE")
    (s,) = named(cloud, name)
    return s


@pytest.fixture
def booted(cloud):
    """Names of servers a test boots; deleted through the API afterwards."""
    names = []
    yield names
    for n in names:
        for s in named(cloud, n):
            cloud.client.request("DELETE", "compute", "/servers/" + s["id"])


def test_a_network_named_by_name_is_the_one_the_server_boots_on(cloud, mnt, booted):
    m, name = mnt, unique("netname")
    booted.append(name)
    draft(m, cloud, name, networks="private\n")
    s = boot_active(m, cloud, name)
    assert list(s["addresses"]) == ["private"]
    wait_file(m, "servers/%s/addresses" % name, "private " + s["addresses"]["private"][0]["addr"])
    if cloud.emu:
        assert last_boot_body(cloud.emu, name)["networks"] == [{"uuid": network_id(cloud, "private")}]


def test_a_network_id_still_works(cloud, mnt, booted):
    m, name = mnt, unique("netid")
    booted.append(name)
    draft(m, cloud, name, networks=network_id(cloud, "private") + "\n")
    s = boot_active(m, cloud, name)
    assert list(s["addresses"]) == ["private"]


def test_an_unknown_network_name_is_refused_when_written_and_says_what_is_there(cloud, mnt):
    m, name = mnt, unique("netunknown")
    draft(m, cloud, name)
    before = len(server_posts(cloud.emu)) if cloud.emu else None
    assert m.write("servers/%s/networks" % name, "no-such-net\n") == errno.EINVAL
    assert m.read("servers", name, "networks") == ""               # nothing kept
    err = m.read("servers", name, "error")
    assert "no-such-net" in err
    assert "private" in err and network_id(cloud, "private") in err  # the candidates
    assert "no-such-net" in m.read(".openstackfs", "log")
    assert m.read("servers", name, "status") == "DRAFT\n"           # the draft stays open
    assert named(cloud, name) == []
    if cloud.emu:
        assert len(server_posts(cloud.emu)) == before                 # nothing was POSTed
    os.rmdir(m.p("servers", name))


def test_an_ambiguous_network_name_fails_with_the_ids(cloud, mnt):
    m, name, net = mnt, unique("netdup"), unique("twin")
    made = []
    try:
        for _ in range(2):
            status, body = cloud.client.request("POST", "network", "/v2.0/networks",
                                                {"network": {"name": net}})
            assert status == 201, (status, body)
            made.append(body["network"]["id"])
        draft(m, cloud, name)
        before = len(server_posts(cloud.emu)) if cloud.emu else None
        assert m.write("servers/%s/networks" % name, net + "\n") == errno.EINVAL
        err = m.read("servers", name, "error")
        assert all(i in err for i in made), err
        assert named(cloud, name) == []
        if cloud.emu:
            assert len(server_posts(cloud.emu)) == before
        os.rmdir(m.p("servers", name))
    finally:
        for i in made:
            cloud.client.request("DELETE", "network", "/v2.0/networks/" + i)


def test_security_groups_go_into_the_boot(cloud, mnt, booted):
    m, name, group = mnt, unique("sgboot"), unique("osfs-sg")
    status, body = cloud.client.request("POST", "network", "/v2.0/security-groups",
                                        {"security_group": {"name": group}})
    assert status == 201, (status, body)
    try:
        booted.append(name)
        draft(m, cloud, name, networks="private\n", security_groups="default\n%s\n" % group)
        assert m.read("servers", name, "security_groups") == "default\n%s\n" % group
        s = boot_active(m, cloud, name)
        assert sorted(g["name"] for g in s["security_groups"]) == sorted(["default", group])
    finally:
        delete_server(m, cloud, name)
        deadline = time.time() + BOOT_TIMEOUT
        while named(cloud, name) and time.time() < deadline:
            time.sleep(0.5)
        cloud.client.request("DELETE", "network", "/v2.0/security-groups/" + body["security_group"]["id"])


def test_boot_volume_size_takes_only_a_positive_whole_number(cloud, mnt):
    m, name = mnt, unique("bvsize")
    os.mkdir(m.p("servers", name))
    for bad in ("ten\n", "0\n", "-1\n", "1.5\n", "12 GiB\n", "\x01\n"):
        assert m.write("servers/%s/boot_volume_size" % name, bad) == errno.EINVAL, bad
        assert "size" in m.read("servers", name, "error")
    assert m.write("servers/%s/boot_volume_size" % name, "2\n") == 0
    assert m.read("servers", name, "boot_volume_size") == "2\n"
    os.rmdir(m.p("servers", name))


def test_boot_volume_size_boots_from_a_new_volume(cloud, mnt, booted):
    m, name = mnt, unique("bfv")
    booted.append(name)
    draft(m, cloud, name, networks="private\n", boot_volume_size="2\n")
    s = boot_active(m, cloud, name)
    vols = s["os-extended-volumes:volumes_attached"]
    assert len(vols) == 1
    status, body = cloud.client.request("GET", "block-storage", "/volumes/" + vols[0]["id"])
    assert status == 200, (status, body)
    assert body["volume"]["size"] == 2 and body["volume"]["bootable"] in ("true", True)
    if cloud.emu:
        sent = last_boot_body(cloud.emu, name)
        assert "imageRef" not in sent
        (bdm,) = sent["block_device_mapping_v2"]
        assert bdm["boot_index"] == 0 and bdm["source_type"] == "image"
        assert bdm["destination_type"] == "volume" and bdm["volume_size"] == 2
        assert bdm["delete_on_termination"] is True


def emu_admin_pass(cloud, sid):
    """What the emulator's boot answer said, when its control API tells."""
    if not cloud.emu:
        return None
    for s in cloud.emu.servers():
        if s["id"] == sid:
            return s.get("admin_pass")
    return None


def test_admin_pass_is_0400_holds_the_boot_answer_and_is_never_logged(cloud, mount, booted):
    m, name = mount(debug=True), unique("pass")
    booted.append(name)
    draft(m, cloud, name, networks="none\n")
    s = boot_active(m, cloud, name)
    path = m.p("servers", name, "admin_pass")
    st = os.stat(path)
    assert stat.S_IMODE(st.st_mode) == 0o400 and st.st_uid == os.getuid()
    assert "admin_pass" in os.listdir(m.p("servers", name))
    password = m.read("servers", name, "admin_pass")
    assert password.endswith("\n") and len(password.strip()) >= 8 and "\n" not in password.strip()
    want = emu_admin_pass(cloud, s["id"])
    if want is not None:
        assert password == want + "\n"
    assert password.strip() not in m.output()                      # the -d log of every call
    assert password.strip() not in m.read(".openstackfs", "log")
    assert m.write("servers/%s/admin_pass" % name, "x\n") in (errno.EACCES, errno.EPERM)
    assert m.write("servers/%s/ctl" % name, "delete\n") == 0
    booted.remove(name)
    assert not os.path.exists(path)


def test_no_admin_pass_for_a_server_booted_elsewhere_or_before_a_restart(cloud, mount, booted):
    m, name = mount(), unique("nopass")
    booted.append(name)
    draft(m, cloud, name, networks="none\n")
    boot_active(m, cloud, name)
    assert os.path.exists(m.p("servers", name, "admin_pass"))
    m.unmount()
    m2 = mount()
    wait_file(m2, "servers/%s/status" % name, "ACTIVE")
    assert "admin_pass" not in os.listdir(m2.p("servers", name))
    with pytest.raises(FileNotFoundError):
        m2.read("servers", name, "admin_pass")


def floating_ips_of(cloud, sid):
    status, body = cloud.client.request("GET", "network", "/v2.0/ports?device_id=" + sid)
    assert status == 200, (status, body)
    ports = {p["id"] for p in body["ports"]}
    status, body = cloud.client.request("GET", "network", "/v2.0/floatingips")
    assert status == 200, (status, body)
    return [f for f in body["floatingips"] if f["port_id"] in ports]


@pytest.fixture
def fips(cloud):
    """Ids of floating IPs a test allocates; released through the API afterwards."""
    ids = []
    yield ids
    for i in ids:
        cloud.client.request("DELETE", "network", "/v2.0/floatingips/" + i)


def fips_at(cloud, addr):
    """The project's floating IPs with this address, as the API lists them."""
    status, body = cloud.client.request("GET", "network", "/v2.0/floatingips?floating_ip_address=" + addr)
    assert status == 200, (status, body)
    return body["floatingips"]


def allocate(cloud, fips):
    """An address allocated the way `openstack floating ip create public` does."""
    status, body = cloud.client.request("POST", "network", "/v2.0/floatingips", {
        "floatingip": {"floating_network_id": network_id(cloud, "public")}})
    assert status == 201, (status, body)
    fips.append(body["floatingip"]["id"])
    return body["floatingip"]


def wait_until(pred, timeout=30):
    deadline = time.time() + timeout
    while not pred() and time.time() < deadline:
        time.sleep(0.3)
    return pred()


def test_add_and_remove_a_floating_ip(cloud, mnt, booted, fips):
    m, name = mnt, unique("fip")
    booted.append(name)
    draft(m, cloud, name, networks="private\n")
    s = boot_active(m, cloud, name)
    assert m.write("servers/%s/ctl" % name, "add-floating-ip public\n") == 0, \
        m.read("servers", name, "error")
    assert m.read("servers", name, "error") == ""
    (fip,) = floating_ips_of(cloud, s["id"])
    fips.append(fip["id"])
    assert fip["floating_network_id"] == network_id(cloud, "public")
    addr = fip["floating_ip_address"]
    deadline = time.time() + 30
    while addr not in m.read("servers", name, "addresses") and time.time() < deadline:
        time.sleep(0.3)
    assert "private " + addr + "\n" in m.read("servers", name, "addresses")
    # no such address in the project: refused, nothing released
    assert m.write("servers/%s/ctl" % name, "remove-floating-ip 192.0.2.77\n") == errno.ENOENT
    assert "192.0.2.77" in m.read("servers", name, "error")
    assert m.write("servers/%s/ctl" % name, "remove-floating-ip %s\n" % addr) == 0
    assert floating_ips_of(cloud, s["id"]) == []
    (kept,) = fips_at(cloud, addr)                                # detached, not released
    assert kept["id"] == fip["id"] and kept["port_id"] is None
    # Nova shows it gone only once Neutron told it, and its `updated` stays:
    # the mount follows the server until its addresses change
    deadline = time.time() + 30
    while addr in m.read("servers", name, "addresses") and time.time() < deadline:
        time.sleep(0.3)
    assert m.read("servers", name, "addresses").split() == ["private", fixed_address(cloud, s["id"])]
    assert m.write("floating_ips/%s/ctl" % addr, "release\n") == 0, m.read("floating_ips", addr, "error")
    assert fips_at(cloud, addr) == []


def fixed_address(cloud, sid):
    """The server's fixed address, as Nova shows it."""
    status, body = cloud.client.request("GET", "compute", "/servers/" + sid)
    assert status == 200, (status, body)
    return [a["addr"] for a in body["server"]["addresses"]["private"]
            if a["OS-EXT-IPS:type"] == "fixed"][0]


def test_add_floating_ip_from_an_unknown_network_says_why(cloud, mnt, booted):
    m, name = mnt, unique("fipbad")
    booted.append(name)
    draft(m, cloud, name, networks="private\n")
    s = boot_active(m, cloud, name)
    assert m.write("servers/%s/ctl" % name, "add-floating-ip no-such-net\n") == errno.EINVAL
    err = m.read("servers", name, "error")
    assert "no-such-net" in err and "public" in err
    assert floating_ips_of(cloud, s["id"]) == []
    assert m.write("servers/%s/ctl" % name, "add-floating-ip\n") == errno.EINVAL  # no NETWORK


def test_add_and_remove_a_security_group(cloud, mnt, booted):
    m, name, group = mnt, unique("sgctl"), unique("osfs-sg")
    status, body = cloud.client.request("POST", "network", "/v2.0/security-groups",
                                        {"security_group": {"name": group}})
    assert status == 201, (status, body)
    try:
        booted.append(name)
        draft(m, cloud, name, networks="private\n")
        s = boot_active(m, cloud, name)
        assert m.write("servers/%s/ctl" % name, "add-security-group %s\n" % group) == 0, \
            m.read("servers", name, "error")
        groups = {g["name"] for g in cloud.client.server(s["id"])["security_groups"]}
        assert group in groups
        assert m.write("servers/%s/ctl" % name, "remove-security-group %s\n" % group) == 0
        groups = {g["name"] for g in cloud.client.server(s["id"])["security_groups"]}
        assert group not in groups
        # the API's own message lands in error
        assert m.write("servers/%s/ctl" % name, "remove-security-group %s\n" % group) != 0
        assert m.read("servers", name, "error").strip()
        assert "add-floating-ip NETWORK\n" in m.read("servers", name, "ctl")
    finally:
        delete_server(m, cloud, name)
        deadline = time.time() + BOOT_TIMEOUT
        while named(cloud, name) and time.time() < deadline:
            time.sleep(0.5)
        cloud.client.request("DELETE", "network", "/v2.0/security-groups/" + body["security_group"]["id"])


def test_add_floating_ip_picks_the_port_a_router_reaches(cloud, mnt, booted, fips):
    m, name, iso = mnt, unique("fip2"), unique("isolated")
    status, body = cloud.client.request("POST", "network", "/v2.0/networks", {"network": {"name": iso}})
    assert status == 201, (status, body)
    net = body["network"]["id"]
    try:
        status, body = cloud.client.request("POST", "network", "/v2.0/subnets", {"subnet": {
            "network_id": net, "cidr": "192.168.77.0/24", "ip_version": 4}})
        assert status == 201, (status, body)
        booted.append(name)
        draft(m, cloud, name, networks="%s private\n" % iso)   # the isolated one first
        s = boot_active(m, cloud, name)
        assert sorted(s["addresses"]) == sorted([iso, "private"])
        assert m.write("servers/%s/ctl" % name, "add-floating-ip public\n") == 0, \
            m.read("servers", name, "error")
        (fip,) = floating_ips_of(cloud, s["id"])
        fips.append(fip["id"])                                  # detached, still allocated
        status, port = cloud.client.request("GET", "network", "/v2.0/ports/" + fip["port_id"])
        assert port["port"]["network_id"] == network_id(cloud, "private")
        assert m.write("servers/%s/ctl" % name, "remove-floating-ip %s\n" % fip["floating_ip_address"]) == 0
    finally:
        for s in named(cloud, name):
            cloud.client.request("DELETE", "compute", "/servers/" + s["id"])
        deadline = time.time() + BOOT_TIMEOUT
        while named(cloud, name) and time.time() < deadline:
            time.sleep(0.5)
        cloud.client.request("DELETE", "network", "/v2.0/networks/" + net)


def test_remove_floating_ip_keeps_an_address_allocated_with_the_cli(cloud, mount, booted, fips):
    m, name = mount(), unique("fipcli")
    booted.append(name)
    draft(m, cloud, name, networks="private\n")
    s = boot_active(m, cloud, name)
    fip = allocate(cloud, fips)
    addr = fip["floating_ip_address"]
    status, body = cloud.client.request("GET", "network", "/v2.0/ports?device_id=" + s["id"])
    (port,) = body["ports"]
    status, body = cloud.client.request("PUT", "network", "/v2.0/floatingips/" + fip["id"],
                                        {"floatingip": {"port_id": port["id"]}})  # server add floating ip
    assert status == 200, (status, body)
    assert wait_until(lambda: addr in str(cloud.client.server(s["id"])["addresses"]))
    # (its status turns ACTIVE only where an L3 agent runs: not in tests/realcloud)
    m2 = mount()                                                  # lists what Nova shows now
    assert "private " + addr + "\n" in m2.read("servers", name, "addresses")
    assert m2.write("servers/%s/ctl" % name, "remove-floating-ip %s\n" % addr) == 0, \
        m2.read("servers", name, "error")
    (kept,) = fips_at(cloud, addr)                                # still the project's
    assert kept["id"] == fip["id"]
    assert kept["port_id"] is None and kept["fixed_ip_address"] is None
    assert wait_until(lambda: addr not in m2.read("servers", name, "addresses"))
    assert m2.read("servers", name, "addresses").split() == ["private", fixed_address(cloud, s["id"])]
    assert wait_until(lambda: not os.path.lexists(m2.p("floating_ips", addr, "port")))
    wait_file(m2, "floating_ips/%s/status" % addr, "DOWN", timeout=30)
    # not on the server any more: refused, and still allocated
    assert m2.write("servers/%s/ctl" % name, "remove-floating-ip %s\n" % addr) == errno.EINVAL
    assert addr in m2.read("servers", name, "error")
    assert len(fips_at(cloud, addr)) == 1


def test_release_is_the_floating_ips_own_verb(cloud, mnt, fips):
    m = mnt
    addr = allocate(cloud, fips)["floating_ip_address"]
    assert m.read("floating_ips", addr, "ctl") == "release\n"
    r = subprocess.run(["rm", "-rf", m.p("floating_ips", addr), m.p("floating_ips")],
                       capture_output=True, timeout=60)
    assert r.returncode != 0                                      # rm changes nothing
    assert len(fips_at(cloud, addr)) == 1
    assert m.write("floating_ips/%s/ctl" % addr, "release\n") == 0, m.read("floating_ips", addr, "error")
    assert fips_at(cloud, addr) == []
    assert addr not in os.listdir(m.p("floating_ips"))
    assert not os.path.exists(m.p("floating_ips", addr))


def test_a_garbage_verb_on_a_floating_ip_is_einval_and_says_why(cloud, mnt, fips):
    m = mnt
    addr = allocate(cloud, fips)["floating_ip_address"]
    assert m.write("floating_ips/%s/ctl" % addr, "explode now\n") == errno.EINVAL
    err = m.read("floating_ips", addr, "error")
    assert "explode" in err and "ctl" in err
    assert m.write("floating_ips/%s/ctl" % addr, "delete\n") == errno.EINVAL  # the verb is `release`
    assert len(fips_at(cloud, addr)) == 1


def neutron_deletes(emu, fid):
    return [r for r in emu.call("GET", "/_emu/requests?last=500")["requests"]
            if r["method"] == "DELETE" and r["path"].split("?")[0].endswith("/v2.0/floatingips/" + fid)]


def test_a_refused_release_says_why_and_is_sent_once(emu, cloud, mnt, fips):
    m, fip = mnt, allocate(cloud, fips)
    addr = fip["floating_ip_address"]
    assert m.read("floating_ips", addr, "status") == "DOWN\n"
    message = "Floating IP %s is busy elsewhere." % fip["id"]
    emu.fault(method="DELETE", path="/v2.0/floatingips/" + fip["id"], status=409, count=1,
              content_type="application/json",
              body=json.dumps({"NeutronError": {"type": "FloatingIPInUse", "message": message,
                                                "detail": ""}}))
    assert m.write("floating_ips/%s/ctl" % addr, "release\n") == errno.EBUSY
    assert message in m.read("floating_ips", addr, "error")
    assert len(neutron_deletes(emu, fip["id"])) == 1
    assert len(fips_at(cloud, addr)) == 1
    emu.fault(method="DELETE", path="/v2.0/floatingips/" + fip["id"], status=503, count=1)
    assert m.write("floating_ips/%s/ctl" % addr, "release\n") == errno.EAGAIN
    assert len(neutron_deletes(emu, fip["id"])) == 2              # never retried blindly
    assert m.write("floating_ips/%s/ctl" % addr, "release\n") == 0, m.read("floating_ips", addr, "error")
    assert fips_at(cloud, addr) == []
