"""The operator's plane (issue 19): admin/ shows every project's servers,
the hypervisors, compute services, projects (with their quotas),
aggregates and migrations to credentials that may read them, and only to
the user who mounted.

Each listing is compared with what the API lists for an admin, on the
emulator (its own instance, with more projects on two compute hosts) and,
with OSFS_TARGET=realcloud, on the real cloud as its admin user, where the
openstack CLI's listings are compared too.  The request counts, paging and
deltas need the emulator's request log."""
import errno
import json
import os
import stat
import subprocess
import time

import pytest

from fixtures import REALCLOUD_DIR, Emulator, realcloud_admin_env, settle, sh
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
        self.real = cloud.real

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

    def projects(self):
        """{id: name} of every project."""
        return {p["id"]: p["name"] for p in self.get("identity", "/v3/projects")["projects"]}

    def quotas(self, pid):
        return api_quotas(self.client, pid)

    def stop(self):
        if self.emu:
            self.emu.stop()


# (service, its catalog types, path, member, "in use" key): a project's quotas
QUOTA_APIS = (("compute", ("compute",), "/os-quota-sets/%s/detail", "quota_set", "in_use"),
              ("network", ("network",), "/v2.0/quotas/%s/details", "quota", "used"),
              ("volume", ("block-storage", "volumev3"), "/os-quota-sets/%s?usage=true",
               "quota_set", "in_use"))


def api_quotas(client, pid):
    """{file name: "<limit> <in use>\n"} of project pid's quotas, as README
    says admin/projects/<name>/quota/ shows them: one file per resource of
    each service in the catalog, "<service>.<resource>" where two services
    name one resource."""
    per = {}
    for service, types, path, member, used in QUOTA_APIS:
        svc = next((t for t in types if t in client.catalog), None)
        if svc is None:
            continue
        status, body = client.request("GET", svc, path % pid,
                                      headers={"OpenStack-API-Version": "compute 2.93"}
                                      if svc == "compute" else None)
        assert status == 200, (path, status, body)
        per[service] = {k: "%s %s\n" % (v["limit"], v[used])
                        for k, v in body[member].items() if isinstance(v, dict)}
    out = {}
    for service, entries in per.items():
        for k, v in entries.items():
            shared = any(k in e for other, e in per.items() if other != service)
            out[encoded("%s.%s" % (service, k) if shared else k)] = v
    return out


@pytest.fixture(scope="module")
def plane(cloud):
    p = Plane(cloud)
    settle(p.client, everyone=True)
    yield p
    p.stop()


def encoded(name):
    return name.replace("%", "%25").replace("/", "%2F")


def cli(*args):
    """The openstack CLI's JSON answer, as the real cloud's admin."""
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": os.environ.get("HOME", "/root"),
           "OS_CLOUD": "realcloud-admin",
           "OS_CLIENT_CONFIG_FILE": os.path.join(REALCLOUD_DIR, "clouds.yaml")}
    r = subprocess.run(["openstack", *args, "-f", "json"], env=env, capture_output=True,
                       text=True, timeout=180)
    assert r.returncode == 0, (args, r.stderr[-2000:])
    return json.loads(r.stdout)


def read_dir(d):
    """{name: content} of the files in d."""
    return {n: open(os.path.join(d, n)).read() for n in os.listdir(d)}


def ids_in(d):
    """The ids of the servers a directory of links (hypervisors/H/servers/) names."""
    return sorted(open(os.path.join(d, e, "id")).read().strip() for e in os.listdir(d))


def check_listing(m, kind, want):
    """admin/<kind>/ names every resource of want ({id: name}) and no other."""
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
        check_listing(m, kind, plane.expected(kind))


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


def quota_dir(m, pname):
    return m.p("admin", "projects", encoded(pname), "quota")


def quota_requests(counters):
    return {k: v for k, v in counters["requests"].items() if "quota" in k}


def test_each_projects_quotas_are_the_apis(plane, mount):
    """admin/projects/<name>/quota/<resource> reads "<limit> <in use>": one
    file per resource of Nova's, Neutron's and Cinder's quotas, through a
    link into /.openstackfs/live/ (out of the walks' way)."""
    m = mount("ttl=1", env=plane.env)
    for pid, pname in plane.projects().items():
        d = quota_dir(m, pname)
        assert os.readlink(d) == "../../../.openstackfs/live/admin/projects/%s/quota" % pid
        seen = []

        def same():
            seen[:] = [read_dir(d), plane.quotas(pid)]
            return seen[0] == seen[1]
        assert wait_for(same, 20, 1), (pname, seen)   # in use may move while we read
        assert "instances" in seen[0] and "port" in seen[0], seen[0]


def test_quotas_cost_a_request_per_service_only_when_read(plane, mount):
    if not plane.emu:
        pytest.skip("counts requests in the emulator's log")
    m = mount("ttl=600", env=plane.env)
    pname = "ops-a"
    d = quota_dir(m, pname)
    os.listdir(m.p("admin", "projects", pname))
    plane.emu.reset()
    sh("ls -l %s >/dev/null && stat -L %s >/dev/null" % (m.p("admin", "projects", pname), d))
    assert stat.S_ISLNK(os.lstat(d).st_mode) and stat.S_ISDIR(os.stat(d).st_mode)
    assert quota_requests(plane.emu.counters()) == {}          # a stat costs nothing
    first = read_dir(d)
    c = quota_requests(plane.emu.counters())
    assert len(c) == 3 and set(c.values()) == {1}, c             # one a service
    assert read_dir(d) == first
    assert quota_requests(plane.emu.counters()) == c             # then kept


def test_a_refused_quota_api_leaves_its_files_out(plane, mount):
    if not plane.emu:
        pytest.skip("the real cloud's admin may read every quota: the refusal is injected")
    pid = next(i for i, n in plane.projects().items() if n == "ops-b")
    everything = plane.quotas(pid)
    network = set(plane.get("network", "/v2.0/quotas/%s/details" % pid)["quota"])
    m = mount("ttl=600", env=plane.env)
    plane.emu.fault(path="/network/v2.0/quotas/", status=403, count=-1,
                    content_type="application/json",
                    body='{"NeutronError": {"type": "AdminRequired", "message": "User does not'
                         ' have admin privileges", "detail": ""}}')
    try:
        got = read_dir(quota_dir(m, "ops-b"))
    finally:
        plane.emu.clear_faults()
    assert got == {k: v for k, v in everything.items() if k not in network}
    assert network and "instances" in got


def test_a_resource_two_services_name_is_prefixed_by_each(plane, mount):
    if not plane.emu:
        pytest.skip("no two services of the real cloud name one resource: the answer is injected")
    pid = next(i for i, n in plane.projects().items() if n == "ops-a")
    nova = plane.get("compute", "/os-quota-sets/%s/detail" % pid, "2.93")["quota_set"]["cores"]
    m = mount("ttl=600", env=plane.env)
    plane.emu.fault(path="/network/v2.0/quotas/", status=200, count=-1,
                    content_type="application/json", body=json.dumps({"quota": {
                        "cores": {"limit": 7, "used": 1, "reserved": 0},
                        "port": {"limit": 9, "used": 2, "reserved": 0}}}))
    try:
        got = read_dir(quota_dir(m, "ops-a"))
    finally:
        plane.emu.clear_faults()
    assert "cores" not in got, sorted(got)
    assert got["compute.cores"] == "%s %s\n" % (nova["limit"], nova["in_use"])
    assert (got["network.cores"], got["port"]) == ("7 1\n", "9 2\n")


def test_a_service_the_catalog_lacks_has_no_quota_files(cloud, mount):
    if cloud.real:
        pytest.skip("the real cloud's catalog has every service")
    emu = Emulator("--no-volume", "--projects", "1", "--project-servers", "2", servers=3)
    try:
        env = emu.env(OS_USERNAME="admin", OS_PASSWORD="adminpass", OS_PROJECT_NAME="admin")
        client = Client(env)
        assert "volumev3" not in client.catalog and "block-storage" not in client.catalog
        m = mount("ttl=600", env=env)
        ident = "/projects" if client.catalog["identity"].endswith("/v3") else "/v3/projects"
        status, body = client.request("GET", "identity", ident)
        for p in body["projects"]:
            got = read_dir(quota_dir(m, p["name"]))
            assert got == api_quotas(client, p["id"]) and "instances" in got, p["name"]
            assert "volumes" not in got and "gigabytes" not in got
    finally:
        emu.stop()


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
    pid, pname = next(iter(plane.projects().items()))
    q = quota_dir(m, pname)   # a link: the walk above does not enter it
    seen = [(q, os.stat(q).st_mode)] + [(os.path.join(q, n), os.stat(os.path.join(q, n)).st_mode)
                                        for n in os.listdir(q)]
    for path, mode in seen:
        want = 0o500 if stat.S_ISDIR(mode) else 0o400
        assert stat.S_IMODE(mode) == want, (path, oct(mode))
    if not opts:
        return
    # another local user: project files as they are, nothing under admin/,
    # nor where its links lead
    h = os.listdir(m.p("admin", "hypervisors"))[0]
    assert sh("%s cat %s/flavors/m1.tiny/ram" % (NOBODY, m.path)).returncode == 0
    for cmd in ("ls %s/admin" % m.path, "ls %s/admin/servers" % m.path,
                "cat %s/admin/hypervisors/%s/state" % (m.path, h),
                "ls %s/.openstackfs/live/admin/projects/%s/quota" % (m.path, pid)):
        r = sh("%s %s" % (NOBODY, cmd), check=False)
        assert r.returncode != 0 and "Permission denied" in r.stderr, (cmd, r.stdout, r.stderr)


def test_a_member_and_noadmin_have_no_admin(plane, mount):
    member = mount(env=plane.member_env)
    assert "admin" not in os.listdir(member.path)
    for path in ("admin", ".openstackfs/live/admin"):
        with pytest.raises(FileNotFoundError):
            os.stat(member.p(path))
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
    assert quota_requests(c) == {}, quota_requests(c)
    lists = {k: v for k, v in c["requests"].items() if k.startswith("GET ")}
    assert lists and all(v == 1 for v in lists.values()), lists   # each listing once
    # the walks passed every project's quota link by
    found = sh("cd %s && find admin/projects -name quota -type l" % m.path).stdout.split()
    assert len(found) == len(plane.projects()), found


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


def cli_service(host):
    """The nova-compute service of host as `openstack compute service list` shows it."""
    return next(r for r in cli("compute", "service", "list", "--service", "nova-compute", "--long")
                if r["Host"] == host)


def test_a_compute_service_disabled_and_enabled_through_ctl_shows_in_the_api(plane, mount):
    """... and in the CLI, on the real cloud."""
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
        if plane.real:
            row = cli_service(svc["host"])
            assert (row["Status"], row["Disabled Reason"]) == ("disabled", "osfs t19 drain test")
        assert m.write(ctl, "enable\n") == 0
        if plane.real:
            assert cli_service(svc["host"])["Status"] == "enabled"
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


# kind: (the CLI's list command, its row → (id, name)); ids as admin/<kind>/.by-id/ has them
CLI_LISTS = {
    "servers": (("server", "list", "--all-projects"), lambda r: (r["ID"], r["Name"])),
    "hypervisors": (("--os-compute-api-version", "2.53", "hypervisor", "list"),
                    lambda r: (r["ID"], r["Hypervisor Hostname"])),
    "compute_services": (("--os-compute-api-version", "2.53", "compute", "service", "list"),
                         lambda r: (r["ID"], "%s@%s" % (r["Binary"], r["Host"]))),
    "projects": (("project", "list"), lambda r: (r["ID"], r["Name"])),
    "aggregates": (("aggregate", "list"), lambda r: (str(r["ID"]), r["Name"])),
    "migrations": (("--os-compute-api-version", "2.59", "server", "migration", "list"),
                   lambda r: (r["UUID"], str(r["Id"]))),
}


def test_every_admin_listing_is_the_clis(plane, own_server, mount):
    """What an operator compares with: `openstack ... list` as admin.  Last,
    so that the moves above left migrations to list (own_server's, until
    it is deleted)."""
    if not plane.real:
        pytest.skip("the openstack CLI runs against the real cloud")
    m = mount("ttl=1", env=plane.env)
    for kind in KINDS:
        command, row = CLI_LISTS[kind]
        for attempt in range(3):   # another user of the cloud may make a server meanwhile
            try:
                check_listing(m, kind, dict(row(r) for r in cli(*command)))
                break
            except AssertionError:
                if attempt == 2:
                    raise
                time.sleep(2)
