"""The operator's plane (issue 19): admin/ shows every project's servers,
the hypervisors, compute services, projects, aggregates and migrations to
credentials that may read them, and only to the user who mounted.

Each listing is compared with what the API lists for an admin, on the
emulator (its own instance, with more projects on two compute hosts) and,
with OSFS_TARGET=realcloud, on the real cloud as its admin user.  The
request counts, paging and deltas need the emulator's request log."""
import errno
import os
import stat
import time

import pytest

from fixtures import Emulator, realcloud_admin_env, sh
from harness import wait_for
from osclient import Client

NOBODY = "setpriv --reuid=65534 --regid=65534 --clear-groups"
KINDS = ("servers", "hypervisors", "compute_services", "projects", "aggregates", "migrations")


class Plane:
    """The cloud as its admin sees it: env for mounts, an API client."""

    def __init__(self, cloud):
        self.emu = None
        if cloud.real:
            self.env = realcloud_admin_env()
        else:
            self.emu = Emulator("--projects", "3", "--project-servers", "5", servers=60)
            self.env = self.emu.env(OS_USERNAME="admin", OS_PASSWORD="adminpass",
                                    OS_PROJECT_NAME="admin")
        self.member_env = cloud.env if cloud.real else self.emu.env()
        self.client = Client(self.env)

    def get(self, service, path, version="2.87"):
        if service == "identity" and self.client.catalog["identity"].endswith("/v3"):
            path = path[len("/v3"):]   # the catalog's identity URL may hold the version
        status, body = self.client.request("GET", service, path,
                                           headers={"OpenStack-API-Version": "compute " + version}
                                           if service == "compute" else None)
        assert status == 200, (path, status, body)
        return body

    def paged(self, path, coll, marker_key="id"):
        out, sep = [], "&" if "?" in path else "?"
        page = self.get("compute", path + sep + "limit=1000", "2.93")[coll]
        while page:
            out += page
            page = self.get("compute", "%s%slimit=1000&marker=%s" % (path, sep, page[-1][marker_key]),
                            "2.93")[coll]
        return out

    def expected(self, kind):
        """{id: name} of a kind, as the API lists it for an admin."""
        if kind == "servers":
            return {s["id"]: s["name"] for s in self.paged("/servers/detail?all_tenants=1", "servers")}
        if kind == "hypervisors":
            return {h["id"]: h["hypervisor_hostname"]
                    for h in self.paged("/os-hypervisors/detail", "hypervisors")}
        if kind == "compute_services":
            return {s["id"]: "%s@%s" % (s["binary"], s["host"])
                    for s in self.get("compute", "/os-services", "2.93")["services"]}
        if kind == "projects":
            return {p["id"]: p["name"] for p in self.get("identity", "/v3/projects")["projects"]}
        if kind == "aggregates":
            return {str(a["id"]): a["name"] for a in self.get("compute", "/os-aggregates")["aggregates"]}
        return {m["uuid"]: str(m["id"]) for m in self.paged("/os-migrations", "migrations", "uuid")}

    def stop(self):
        if self.emu:
            self.emu.stop()


@pytest.fixture(scope="module")
def plane(cloud):
    p = Plane(cloud)
    yield p
    p.stop()


def encoded(name):
    return name.replace("%", "%25").replace("/", "%2F")


def ids_in(d):
    """The ids of the servers a directory of links (hypervisors/H/servers/) names."""
    return sorted(open(os.path.join(d, e, "id")).read().strip() for e in os.listdir(d))


def check_listing(m, plane, kind):
    want = plane.expected(kind)
    d = m.p("admin", kind)
    assert sorted(os.listdir(os.path.join(d, ".by-id"))) == sorted(want), kind
    names = [n for n in os.listdir(d) if n != ".by-id"]
    assert len(names) == len(want), (kind, names, want)
    for rid, name in want.items():
        # one of a name keeps it; the others carry their id's first 8 chars
        assert encoded(name) in names or "%s~%s" % (encoded(name), rid[:8]) in names, (kind, name)
        target = os.readlink(os.path.join(d, ".by-id", rid))
        assert m.read("admin", kind, target[3:], "id").strip() == rid \
            if kind != "migrations" else m.read("admin", kind, target[3:], "uuid").strip() == rid


def test_every_admin_listing_is_the_apis(plane, mount):
    m = mount("ttl=600", env=plane.env)
    assert "admin" in os.listdir(m.path)
    assert sorted(os.listdir(m.p("admin"))) == sorted(KINDS)
    for kind in KINDS:
        check_listing(m, plane, kind)


def test_admin_files_hold_the_apis_values_and_links_resolve(plane, mount):
    m = mount("ttl=600", env=plane.env)
    hyp = plane.get("compute", "/os-hypervisors/detail")["hypervisors"][0]
    h = hyp["hypervisor_hostname"]
    for f in ("state", "status", "vcpus", "vcpus_used", "memory_mb", "memory_mb_used",
              "local_gb", "local_gb_used", "running_vms", "host_ip"):
        assert m.read("admin", "hypervisors", h, f) == "%s\n" % hyp[f], f
    svc = next(s for s in plane.get("compute", "/os-services", "2.93")["services"]
               if s["binary"] == "nova-compute")
    d = "%s@%s" % (svc["binary"], svc["host"])
    for f in ("status", "state", "zone", "forced_down"):
        want = svc[f] if not isinstance(svc[f], bool) else str(svc[f]).lower()
        assert m.read("admin", "compute_services", d, f) == "%s\n" % want, f
    assert os.path.realpath(m.p("admin", "hypervisors", h, "service")) == \
        os.path.realpath(m.p("admin", "compute_services", d))
    servers = plane.paged("/servers/detail?all_tenants=1", "servers")
    on_h = sorted(s["id"] for s in servers if s["OS-EXT-SRV-ATTR:hypervisor_hostname"] == h)
    assert ids_in(m.p("admin", "hypervisors", h, "servers")) == on_h
    projects = {p["id"]: p["name"] for p in plane.get("identity", "/v3/projects")["projects"]}
    for pid, pname in projects.items():
        assert ids_in(m.p("admin", "projects", pname, "servers")) == \
            sorted(s["id"] for s in servers if s["tenant_id"] == pid), pname
    for s in servers[:5]:
        sd = os.path.join(m.p("admin", "servers", ".by-id"), s["id"])
        assert open(os.path.join(sd, "host")).read() == "%s\n" % s["OS-EXT-SRV-ATTR:host"]
        assert open(os.path.join(sd, "instance_name")).read() == \
            "%s\n" % s["OS-EXT-SRV-ATTR:instance_name"]
        assert open(os.path.join(sd, "project", "name")).read() == "%s\n" % projects[s["tenant_id"]]
        assert open(os.path.join(sd, "hypervisor", "name")).read() == \
            "%s\n" % s["OS-EXT-SRV-ATTR:hypervisor_hostname"]
        assert os.readlink(os.path.join(sd, "hypervisor")) == \
            "../../hypervisors/" + s["OS-EXT-SRV-ATTR:hypervisor_hostname"]


def modes_under(top):
    """(path, mode) of everything below top, links left out."""
    out = []
    for root, dirs, files in os.walk(top):
        for n in dirs + files:
            st = os.lstat(os.path.join(root, n))
            if not stat.S_ISLNK(st.st_mode):
                out.append((os.path.join(root, n), st.st_mode))
    return out


@pytest.mark.parametrize("opts", [(), ("allow_other",)], ids=["plain", "allow_other"])
def test_admin_is_the_mounting_users_alone(plane, mount, opts):
    m = mount("ttl=600", *opts, env=plane.env)
    st = os.stat(m.p("admin"))
    assert stat.S_IMODE(st.st_mode) == 0o500
    seen = modes_under(m.p("admin", "hypervisors")) + modes_under(m.p("admin", "projects"))
    assert seen
    for path, mode in seen:
        want = 0o500 if stat.S_ISDIR(mode) else 0o400
        assert stat.S_IMODE(mode) == want, (path, oct(mode))
    if not opts:
        return
    # another local user: project files as they are, nothing under admin/
    h = os.listdir(m.p("admin", "hypervisors"))[0]
    assert sh("%s cat %s/flavors/m1.tiny/ram" % (NOBODY, m.path)).returncode == 0
    for cmd in ("ls %s/admin" % m.path, "ls %s/admin/servers" % m.path,
                "cat %s/admin/hypervisors/%s/state" % (m.path, h)):
        r = sh("%s %s" % (NOBODY, cmd), check=False)
        assert r.returncode != 0 and "Permission denied" in r.stderr, (cmd, r.stdout, r.stderr)


def test_a_member_and_noadmin_have_no_admin(plane, mount):
    member = mount(env=plane.member_env)
    assert "admin" not in os.listdir(member.path)
    with pytest.raises(FileNotFoundError):
        os.stat(member.p("admin"))
    assert "os-services" not in member.read(".openstackfs", "log")   # asking is no error
    hidden = mount("noadmin", env=plane.env)
    assert "admin" not in os.listdir(hidden.path)
    with pytest.raises(FileNotFoundError):
        os.stat(hidden.p("admin"))


def per_resource(counters):
    """Requests that are not a listing page (a path naming one resource)."""
    return {k: v for k, v in counters["requests"].items()
            if "{id}" in k or not k.startswith("GET ")}


def test_a_walk_of_admin_costs_only_listing_pages(plane, mount):
    if not plane.emu:
        pytest.skip("counts requests in the emulator's log")
    m = mount("ttl=600", env=plane.env)
    os.listdir(m.path)
    plane.emu.reset()
    for cmd in ("find admin >/dev/null", "grep -r . admin >/dev/null", "ls -lR admin >/dev/null"):
        sh("cd %s && timeout 120 %s" % (m.path, cmd), timeout=130)
    c = plane.emu.counters()
    assert per_resource(c) == {}, per_resource(c)
    lists = {k: v for k, v in c["requests"].items() if k.startswith("GET ")}
    assert lists and all(v == 1 for v in lists.values()), lists   # each listing once


def requests_for(emu, key):
    return [r for r in emu.call("GET", "/_emu/requests?last=10000")["requests"] if r["key"] == key]


@pytest.fixture(scope="module")
def crowd(cloud):
    """Thousands of servers in several projects, pages of 400."""
    if cloud.real:
        pytest.skip("thousands of servers: the emulator's")
    emu = Emulator("--projects", "4", "--project-servers", "600", "--page-max", "400",
                   servers=1500)
    yield emu
    emu.stop()


def test_admin_servers_pages_and_deltas_across_projects(cloud, crowd, mount):
    env = crowd.env(OS_USERNAME="admin", OS_PASSWORD="adminpass", OS_PROJECT_NAME="admin")
    admin = Client(env)
    total = sum(1 for _ in crowd.servers())
    m = mount("ttl=1", env=env)
    crowd.reset()
    names = [n for n in os.listdir(m.p("admin", "servers")) if n != ".by-id"]
    assert len(names) == total > 3000
    pages = requests_for(crowd, "GET /compute/v2.1/servers/detail")
    assert len(pages) == -(-total // 400) + (total % 400 == 0), [r["path"] for r in pages]
    assert all("all_tenants=1" in r["path"] for r in pages)
    # a server made in another project shows through a delta, not a relisting
    status, body = admin.request("POST", "compute", "/servers", {"server": {
        "name": "t19-delta", "flavorRef": "1", "imageRef": cloud_image(admin),
        "networks": "none"}})
    assert status == 202, body
    crowd.reset()
    wait_for(lambda: "t19-delta" in os.listdir(m.p("admin", "servers")), 30)
    reqs = requests_for(crowd, "GET /compute/v2.1/servers/detail")
    assert reqs and all("changes-since=" in r["path"] and "all_tenants=1" in r["path"]
                        for r in reqs), [r["path"] for r in reqs]
    assert len([n for n in os.listdir(m.p("admin", "servers")) if n != ".by-id"]) == total + 1


def cloud_image(client):
    return next(i["id"] for i in client.images() if i["name"] == "cirros-0.6.2")


def compute_service(plane, host=None):
    services = plane.get("compute", "/os-services?binary=nova-compute", "2.93")["services"]
    return next(s for s in services if host in (None, s["host"]))


def test_a_compute_service_disabled_and_enabled_through_ctl_shows_in_the_api(plane, mount):
    m = mount("ttl=1", env=plane.env)
    hosts = sorted(h["hypervisor_hostname"]
                   for h in plane.get("compute", "/os-hypervisors/detail")["hypervisors"])
    svc = compute_service(plane, hosts[-1])
    d = "nova-compute@%s" % svc["host"]
    ctl = "admin/compute_services/%s/ctl" % d
    assert "disable [REASON]" in m.read(ctl).splitlines()
    try:
        # the window a real cloud's only host refuses new servers: short
        assert m.write(ctl, "disable osfs t19 drain test\n") == 0
        svc = compute_service(plane, svc["host"])
        assert (svc["status"], svc["disabled_reason"]) == ("disabled", "osfs t19 drain test")
        assert m.write(ctl, "enable\n") == 0
    finally:
        status, body = plane.client.request(
            "PUT", "compute", "/os-services/" + svc["id"], {"status": "enabled"},
            headers={"OpenStack-API-Version": "compute 2.93"})
    assert compute_service(plane, svc["host"])["status"] == "enabled"
    assert wait_for(lambda: m.read("admin", "compute_services", d, "status") == "enabled\n", 10)
    # what Nova refuses says why, in error
    other = next(s for s in plane.get("compute", "/os-services", "2.93")["services"]
                 if s["binary"] != "nova-compute")
    od = "%s@%s" % (other["binary"], other["host"])
    assert m.write("admin/compute_services/%s/ctl" % od, "disable\n") == errno.EINVAL
    assert "Only nova-compute" in m.read("admin", "compute_services", od, "error")


def server_now(plane, sid):
    return plane.get("compute", "/servers/" + sid, "2.93")["server"]


@pytest.fixture(scope="module")
def own_server(plane):
    """A server of our own to move: on the real cloud one booted for these
    tests (others' servers stay where they are), on the emulator one of
    another project's."""
    if plane.emu:
        servers = plane.paged("/servers/detail?all_tenants=1", "servers")
        yield next(s for s in servers if s["name"] == "ops-b-00002")
        return
    c = plane.client
    flavor = next(f["id"] for f in c.flavors() if f["name"] == "m1.tiny")
    status, body = c.request("POST", "compute", "/servers", {"server": {
        "name": "osfs-t19-move-%d" % os.getpid(), "flavorRef": flavor,
        "imageRef": cloud_image(c), "networks": "none"}})
    assert status == 202, body
    sid = body["server"]["id"]
    try:
        yield wait_server(plane, sid, lambda x: x["status"] == "ACTIVE"
                          and not x["OS-EXT-STS:task_state"])
    finally:
        c.request("DELETE", "compute", "/servers/" + sid)


def movable_server(plane, own):
    """own as it is now, once it is still."""
    return wait_server(plane, own["id"], lambda x: x["status"] == "ACTIVE"
                       and not x["OS-EXT-STS:task_state"])


def wait_server(plane, sid, pred):
    """The server once pred holds for it, or None."""
    def check():
        s = server_now(plane, sid)
        return s if pred(s) else None
    return wait_for(check, 120 if plane.emu is None else 30, 0.3)


@pytest.mark.parametrize("how", ["live-migrate", "migrate"])
def test_a_server_moved_through_ctl_changes_host_and_shows_in_migrations(plane, own_server, mount,
                                                                         how):
    hyps = plane.get("compute", "/os-hypervisors/detail")["hypervisors"]
    if len(hyps) < 2:
        pytest.skip("one compute host: nowhere to move a server")
    m = mount("ttl=1", env=plane.env)
    s = movable_server(plane, own_server)
    src = s["OS-EXT-SRV-ATTR:host"]
    d = m.p("admin", "servers", s["name"])
    before = set(os.listdir(m.p("admin", "migrations", ".by-id")))
    assert m.write("admin/servers/%s/ctl" % s["name"], how + "\n") == 0, \
        m.read("admin", "servers", s["name"], "error")
    if how == "migrate":
        assert wait_server(plane, s["id"], lambda x: x["status"] == "VERIFY_RESIZE")
        assert m.write("admin/servers/%s/ctl" % s["name"], "confirm-resize\n") == 0
    now = wait_server(plane, s["id"], lambda x: x["status"] == "ACTIVE" and
                      not x["OS-EXT-STS:task_state"] and x["OS-EXT-SRV-ATTR:host"] != src)
    assert now, server_now(plane, s["id"])
    dest = now["OS-EXT-SRV-ATTR:host"]
    assert wait_for(lambda: open(os.path.join(d, "host")).read() == dest + "\n", 15)
    assert wait_for(lambda: s["id"] in ids_in(m.p("admin", "hypervisors", dest, "servers")), 35)
    new = wait_for(lambda: set(os.listdir(m.p("admin", "migrations", ".by-id"))) - before, 15)
    assert len(new) == 1, new
    rec = m.p("admin", "migrations", ".by-id", new.pop())
    assert os.path.realpath(os.path.join(rec, "server")) == os.path.realpath(d)
    assert open(os.path.join(rec, "migration_type")).read() == \
        ("live-migration\n" if how == "live-migrate" else "migration\n")
    assert (open(os.path.join(rec, "source_compute")).read(),
            open(os.path.join(rec, "dest_compute")).read()) == (src + "\n", dest + "\n")


def test_a_refused_move_is_eacces_with_the_apis_message(plane, own_server, mount):
    if not plane.emu:
        pytest.skip("the real cloud's admin may do all: the refusal is injected")
    m = mount("ttl=600", env=plane.env)
    s = movable_server(plane, own_server)
    message = "Policy doesn't allow os_compute_api:os-migrate-server:migrate_live to be performed."
    plane.emu.fault(method="POST", path=r"/servers/%s/action" % s["id"], status=403,
                    content_type="application/json", count=1,
                    body='{"forbidden": {"code": 403, "message": "%s"}}' % message)
    try:
        assert m.write("admin/servers/%s/ctl" % s["name"], "live-migrate\n") == errno.EACCES
    finally:
        plane.emu.clear_faults()
    assert message in m.read("admin", "servers", s["name"], "error")
    assert server_now(plane, s["id"])["OS-EXT-SRV-ATTR:host"] == s["OS-EXT-SRV-ATTR:host"]
    # evacuating off a host that is up: Nova's 400, its reason in error
    assert m.write("admin/servers/%s/ctl" % s["name"], "evacuate\n") == errno.EINVAL
    assert "still in use" in m.read("admin", "servers", s["name"], "error")


def test_a_change_outside_the_mount_reaches_admin_servers(plane, own_server, mount):
    """Kept pages of admin/servers/<name>/ files are dropped when the server
    changes; the change is a line of /.openstackfs/events under admin/."""
    m = mount("ttl=1", env=plane.env)
    s = movable_server(plane, own_server)
    name = next(n for n in os.listdir(m.p("admin", "servers"))
                if n != ".by-id" and os.path.realpath(m.p("admin", "servers", n)) ==
                os.path.realpath(m.p("admin", "servers", ".by-id", s["id"])))
    status = m.p("admin", "servers", name, "status")
    assert open(status).read() == "ACTIVE\n" and open(status).read() == "ACTIVE\n"   # kept
    st, body = plane.client.request("POST", "compute", "/servers/%s/action" % s["id"],
                                    {"os-stop": None})
    assert st == 202, body
    try:
        assert wait_server(plane, s["id"], lambda x: x["status"] == "SHUTOFF")
        assert wait_for(lambda: open(status).read() == "SHUTOFF\n", 20), open(status).read()
        events = m.read(".openstackfs", "events")
        assert "admin/servers/%s SHUTOFF" % name in events, events[-500:]
    finally:
        plane.client.request("POST", "compute", "/servers/%s/action" % s["id"], {"os-start": None})
        wait_server(plane, s["id"], lambda x: x["status"] == "ACTIVE")
