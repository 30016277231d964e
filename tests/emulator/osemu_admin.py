"""osemu_admin.py - the emulator's operator plane: what Nova and Keystone
show an admin (fact sheet section 3.15, shapes checked on the Zed cloud
of tests/realcloud): compute services, hypervisors, aggregates,
migrations, Keystone's project list, every service's quotas of a
project, and the seeding of more projects with servers of their own on
two compute hosts.

A member (demo) gets Nova's and Keystone's 403 from every one of them.
osemu.py binds itself here (bind) so that this file raises its HTTPError
and answers with its json_resp, whether osemu runs as a script or is
imported.
"""
import random
import uuid

E = None            # the osemu module, set by bind()

CONTROLLER = "controller"
COMPUTE_HOSTS = ("compute1", "compute2")   # osemu seeds servers on compute1
BASE_T = 1704067200.0                      # 2024-01-01T00:00:00Z


def bind(module):
    global E
    E = module


def refuse(rule):
    """Nova's answer to a member asking for an admin API."""
    raise E.HTTPError(403, "Policy doesn't allow %s to be performed." % rule)


class AdminStore:
    """The admin data of one emulated cloud; guarded by State.lock."""

    def __init__(self, st, args):
        self.st = st
        self.rng = random.Random(args.seed + 3)   # the other seeds stay as they were
        self.services = []
        for n, (binary, host, zone) in enumerate(
                [("nova-scheduler", CONTROLLER, "internal"),
                 ("nova-conductor", CONTROLLER, "internal")] +
                [("nova-compute", h, "nova") for h in COMPUTE_HOSTS]):
            self.services.append({
                "id": self._uuid(), "legacy_id": n + 1, "binary": binary,
                "host": host, "zone": zone, "status": "enabled",
                "disabled_reason": None, "forced_down": False})
        self.hypervisors = []
        for n, host in enumerate(COMPUTE_HOSTS):
            self.hypervisors.append({
                "id": self._uuid(), "legacy_id": n + 1, "host": host,
                "host_ip": "192.168.122.%d" % (11 + n), "vcpus": 64,
                "memory_mb": 262144, "local_gb": 2000})
        self.aggregates = [{
            "id": 1, "uuid": self._uuid(), "name": "fast-ssd",
            "availability_zone": "nova", "hosts": [COMPUTE_HOSTS[0]],
            "metadata": {"availability_zone": "nova", "ssd": "true"},
            "created_at": BASE_T + 30}]
        self.migrations = []
        self.moving = {}       # server id -> (source host, migration) until confirmed
        self._seed_projects(args)

    def _uuid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _seed_projects(self, args):
        """Projects ops-a, ops-b, ... each with args.project_servers servers,
        every other one on the second host; the first of each shares its
        name with a demo server (srv-00001), for the suffix rule."""
        st = self.st
        saved, st.rng = st.rng, self.rng
        try:
            for p in range(args.projects):
                pid = uuid.UUID(int=self.rng.getrandbits(128), version=4).hex
                name = "ops-%s" % chr(ord("a") + p % 26) + ("" if p < 26 else str(p))
                st.projects[pid] = {"id": pid, "name": name, "domain_id": "default"}
                for i in range(args.project_servers):
                    sname = "srv-00001" if i == 0 else "%s-%05d" % (name, i)
                    s = st._new_server(sname, BASE_T + 3600 + p * 7 + i * 60, pid,
                                       st.admin_user, "1", st.img_cirros["id"])
                    s.host = COMPUTE_HOSTS[i % 2]
                    st._add_server(s)
                    if i == 1:
                        self.add_migration(s, "migration", COMPUTE_HOSTS[0], s.host,
                                           "confirmed", s.created + 20)
        finally:
            st.rng = saved

    # -- records ------------------------------------------------------------
    def add_migration(self, s, mtype, source, dest, status, now):
        m = {"id": len(self.migrations) + 1, "uuid": self._uuid(),
             "source_compute": source, "dest_compute": dest,
             "source_node": source, "dest_node": dest,
             "dest_host": "192.168.122.%d" % (11 + COMPUTE_HOSTS.index(dest))
             if dest in COMPUTE_HOSTS else None,
             "old_instance_type_id": int(s.flavor["id"]) if s.flavor["id"].isdigit() else 1,
             "new_instance_type_id": int(s.flavor["id"]) if s.flavor["id"].isdigit() else 1,
             "instance_uuid": s.id, "status": status, "migration_type": mtype,
             "user_id": s.user_id, "project_id": s.project_id,
             "created_at": now, "updated_at": now}
        self.migrations.append(m)
        return m

    def service(self, binary, host):
        for svc in self.services:
            if svc["binary"] == binary and svc["host"] == host:
                return svc
        return None

    def host_is_down(self, host):
        svc = self.service("nova-compute", host)
        return svc is None or svc["forced_down"]


class AdminNova:
    """Nova's admin APIs: routed here by Nova.route for ADMIN_HEADS."""

    HEADS = ("os-services", "os-hypervisors", "os-aggregates", "os-migrations", "os-quota-sets")

    def __init__(self, nova):
        self.nova = nova
        self.st = nova.st

    def route(self, req, segs):
        head, n, m = segs[0], len(segs), req.method
        if head == "os-services":
            if n == 1 and m in ("GET", "HEAD"):
                return self.list_services(req)
            if n == 2 and m == "PUT":
                return self.update_service(req, segs[1])
        elif head == "os-hypervisors":
            if m in ("GET", "HEAD") and n == 1:
                return self.list_hypervisors(req, detail=False)
            if m in ("GET", "HEAD") and n == 2 and segs[1] == "detail":
                return self.list_hypervisors(req, detail=True)
            if m in ("GET", "HEAD") and n == 2:
                return self.show_hypervisor(req, segs[1])
        elif head == "os-aggregates" and m in ("GET", "HEAD"):
            if n == 1:
                return self.list_aggregates(req)
            if n == 2:
                return self.show_aggregate(req, segs[1])
        elif head == "os-migrations" and n == 1 and m in ("GET", "HEAD"):
            return self.list_migrations(req)
        elif head == "os-quota-sets":
            return nova_quota(self.nova, req, segs)
        raise E.HTTPError(404, "The resource could not be found.")

    def _admin(self, req, rule):
        if not self.nova._is_admin(req):
            refuse(rule)

    @property
    def store(self):
        return self.st.admin

    # -- compute services ------------------------------------------------------
    def service_dict(self, req, svc):
        forced = svc["forced_down"]
        return {"binary": svc["binary"], "host": svc["host"],
                "id": svc["id"] if req.ver >= (2, 53) else svc["legacy_id"],
                "zone": svc["zone"], "status": svc["status"],
                "state": "down" if forced else "up",
                "updated_at": E.iso_us(self.st_now()),
                "disabled_reason": svc["disabled_reason"],
                "forced_down": forced}

    def st_now(self):
        import time
        return int(time.time())

    def list_services(self, req):
        self._admin(req, "os_compute_api:os-services:list")
        binary, host = req.q("binary"), req.q("host")
        with self.st.lock:
            out = [self.service_dict(req, s) for s in self.store.services
                   if (binary is None or s["binary"] == binary)
                   and (host is None or s["host"] == host)]
        return E.json_resp(200, {"services": out})

    def update_service(self, req, sid):
        self._admin(req, "os_compute_api:os-services:update")
        if req.ver < (2, 53):
            raise E.HTTPError(404, "The resource could not be found.")
        body = req.json()
        allowed = {"status", "disabled_reason", "forced_down"}
        if not isinstance(body, dict) or set(body) - allowed:
            raise E.HTTPError(400, "Invalid input for field/attribute service.")
        status = body.get("status")
        if status is not None and status not in ("enabled", "disabled"):
            raise E.HTTPError(400, "Invalid input for field/attribute status. Value: %s."
                              " '%s' is not one of ['enabled', 'disabled']" % (status, status))
        if "forced_down" in body and not isinstance(body["forced_down"], bool):
            raise E.HTTPError(400, "Invalid input for field/attribute forced_down.")
        try:
            uuid.UUID(sid)
        except ValueError:
            raise E.HTTPError(400, "Invalid uuid %s" % sid)
        with self.st.lock:
            svc = next((s for s in self.store.services if s["id"] == sid), None)
            if svc is None:
                raise E.HTTPError(404, "Service %s could not be found." % sid)
            if svc["binary"] != "nova-compute":
                raise E.HTTPError(400, "Updating a %s service is not supported. Only"
                                  " nova-compute services can be updated." % svc["binary"])
            if "disabled_reason" in body and status != "disabled":
                raise E.HTTPError(400, "Specifying 'disabled_reason' with status '%s' is"
                                  " invalid." % status)
            if status is None and "forced_down" not in body:
                raise E.HTTPError(400, "No updates were requested. Fields 'status' or"
                                  " 'forced_down' should be specified.")
            if status is not None:
                svc["status"] = status
                svc["disabled_reason"] = body.get("disabled_reason") \
                    if status == "disabled" else None
            if "forced_down" in body:
                svc["forced_down"] = body["forced_down"]
            out = self.service_dict(req, svc)
        return E.json_resp(200, {"service": out})

    # -- hypervisors ------------------------------------------------------------
    def hypervisor_dict(self, req, h, detail):
        st = self.st
        svc = self.store.service("nova-compute", h["host"])
        new_ids = req.ver >= (2, 53)
        d = {"id": h["id"] if new_ids else h["legacy_id"],
             "hypervisor_hostname": h["host"],
             "state": "down" if svc["forced_down"] else "up",
             "status": svc["status"]}
        if not detail:
            return d
        on = [s for s in st.servers.values() if s.host == h["host"]]
        d.update({"hypervisor_type": "fake", "hypervisor_version": 1000,
                  "host_ip": h["host_ip"],
                  "service": {"id": svc["id"] if new_ids else svc["legacy_id"],
                              "host": h["host"],
                              "disabled_reason": svc["disabled_reason"]}})
        if req.ver < (2, 88):   # later ones moved sizes and usage to Placement
            vcpus = sum(s.flavor["vcpus"] for s in on)
            ram = 512 + sum(s.flavor["ram"] for s in on)
            disk = sum(s.flavor["disk"] for s in on)
            d.update({"vcpus": h["vcpus"], "memory_mb": h["memory_mb"],
                      "local_gb": h["local_gb"], "vcpus_used": vcpus, "memory_mb_used": ram, "local_gb_used": disk,
                      "free_ram_mb": h["memory_mb"] - ram,
                      "free_disk_gb": h["local_gb"] - disk, "current_workload": 0,
                      "running_vms": len(on), "disk_available_least": 0,
                      "cpu_info": {"arch": "x86_64", "model": "Nehalem", "vendor": "Intel",
                                   "features": ["pge", "clflush"],
                                   "topology": {"cores": 1, "threads": 1, "sockets": 4}}})
        else:
            d["uptime"] = None
        return d

    def list_hypervisors(self, req, detail):
        self._admin(req, "os_compute_api:os-hypervisors:list%s" % ("-detail" if detail else ""))
        limit, marker = self.nova._limit_marker(req) if req.ver >= (2, 33) \
            else (self.st.page_max, None)
        with self.st.lock:
            hs = self.store.hypervisors
            key = "id" if req.ver >= (2, 53) else "legacy_id"
            start = 0
            if marker is not None:
                ids = [str(h[key]) for h in hs]
                if marker not in ids:
                    raise E.HTTPError(400, "marker [%s] not found" % marker)
                start = ids.index(marker) + 1
            page = hs[start:start + limit]
            out = [self.hypervisor_dict(req, h, detail) for h in page]
        body = {"hypervisors": out}
        if req.ver >= (2, 33) and page:
            coll = "os-hypervisors/detail" if detail else "os-hypervisors"
            links = self.nova._collection_links(req, len(page), limit, coll, str(page[-1][key]))
            if links:
                body["hypervisors_links"] = links
        return E.json_resp(200, body)

    def show_hypervisor(self, req, hid):
        self._admin(req, "os_compute_api:os-hypervisors:show")
        with self.st.lock:
            key = "id" if req.ver >= (2, 53) else "legacy_id"
            h = next((h for h in self.store.hypervisors if str(h[key]) == hid), None)
            if h is None:
                raise E.HTTPError(404, "Hypervisor with ID %s could not be found." % hid)
            return E.json_resp(200, {"hypervisor": self.hypervisor_dict(req, h, True)})

    # -- aggregates ----------------------------------------------------------------
    @staticmethod
    def aggregate_dict(a):
        return {"id": a["id"], "uuid": a["uuid"], "name": a["name"], "hosts": list(a["hosts"]),
                "metadata": dict(a["metadata"]), "created_at": E.iso_us(a["created_at"]),
                "updated_at": None, "deleted_at": None, "deleted": False,
                "availability_zone": a["availability_zone"]}

    def list_aggregates(self, req):
        self._admin(req, "os_compute_api:os-aggregates:index")
        with self.st.lock:
            out = [self.aggregate_dict(a) for a in self.store.aggregates]
        return E.json_resp(200, {"aggregates": out})

    def show_aggregate(self, req, aid):
        self._admin(req, "os_compute_api:os-aggregates:show")
        with self.st.lock:
            a = next((a for a in self.store.aggregates if str(a["id"]) == aid), None)
            if a is None:
                raise E.HTTPError(404, "Aggregate %s could not be found." % aid)
            return E.json_resp(200, {"aggregate": self.aggregate_dict(a)})

    # -- migrations ------------------------------------------------------------------
    @staticmethod
    def migration_dict(req, m):
        d = {k: m[k] for k in ("id", "source_compute", "dest_compute", "source_node",
                               "dest_node", "dest_host", "old_instance_type_id",
                               "new_instance_type_id", "instance_uuid", "status")}
        d["created_at"] = E.iso_us(m["created_at"])
        d["updated_at"] = E.iso_us(m["updated_at"])
        if req.ver >= (2, 23):
            d["migration_type"] = m["migration_type"]
        if req.ver >= (2, 59):
            d["uuid"] = m["uuid"]
        if req.ver >= (2, 80):
            d["user_id"] = m["user_id"]
            d["project_id"] = m["project_id"]
        return d

    def list_migrations(self, req):
        self._admin(req, "os_compute_api:os-migrations:index")
        paged = req.ver >= (2, 59)
        limit, marker = self.nova._limit_marker(req) if paged else (None, None)
        want = {k: req.q(k) for k in ("instance_uuid", "status", "migration_type")}
        host = req.q("host")
        with self.st.lock:
            seq = sorted(self.store.migrations, key=lambda m: (m["created_at"], m["id"]),
                         reverse=True)
            seq = [m for m in seq if all(v is None or m[k] == v for k, v in want.items())
                   and (host is None or host in (m["source_compute"], m["dest_compute"]))]
            start = 0
            if marker is not None:
                ids = [m["uuid"] for m in seq]
                if marker not in ids:
                    raise E.HTTPError(400, "Marker %s could not be found." % marker)
                start = ids.index(marker) + 1
            page = seq[start:start + limit] if paged else seq
            out = [self.migration_dict(req, m) for m in page]
        body = {"migrations": out}
        if paged and page:
            links = self.nova._collection_links(req, len(page), limit, "os-migrations",
                                                page[-1]["uuid"])
            if links:
                body["migrations_links"] = links
        return E.json_resp(200, body)


def project_dict(req, p):
    """Keystone's project, as GET /v3/projects shows it."""
    return {"id": p["id"], "name": p["name"], "domain_id": p["domain_id"],
            "description": p.get("description", "%s project" % p["name"].capitalize()),
            "enabled": p.get("enabled", True), "parent_id": p["domain_id"],
            "is_domain": False, "tags": [], "options": {},
            "links": {"self": "http://%s/identity/v3/projects/%s" % (req.host, p["id"])}}


def list_projects(keystone, req):
    """GET /v3/projects: admins only (identity:list_projects)."""
    st = keystone.st
    tok = keystone._caller(req)
    if "admin" not in st.assignments.get((tok.user, tok.project), []):
        raise E.HTTPError(403, "You are not authorized to perform the requested action:"
                          " identity:list_projects.")
    name = req.q("name")
    with st.lock:
        out = [project_dict(req, p) for p in st.projects.values()
               if name is None or p["name"] == name]
    return E.json_resp(200, {"projects": out, "links": {
        "self": "http://%s/identity/v3/projects" % req.host,
        "previous": None, "next": None}}, [("x-openstack-request-id", E.req_id())])


# -- moving servers between hosts (admin server actions) -----------------------
MOVES = {   # action: (policy rule, migration_type, vm_states it starts from)
    "migrate": ("os_compute_api:os-migrate-server:migrate", "migration", ("active", "stopped")),
    "os-migrateLive": ("os_compute_api:os-migrate-server:migrate_live", "live-migration",
                       ("active", "paused")),
    "evacuate": ("os_compute_api:os-evacuate", "evacuation", None),
}


def check_move_body(req, action, arg):
    """Nova's schemas: {"migrate": null | {"host"}} (host 2.56+),
    {"os-migrateLive": {"host", "block_migration"}}, {"evacuate": {"host"?}}."""
    if action == "migrate" and arg is None:
        return
    if not isinstance(arg, dict):
        raise E.bad_input(action, arg, "%r is not of type 'object'" % (arg,))
    allowed = {"migrate": {"host"}, "os-migrateLive": {"host", "block_migration"},
               "evacuate": {"host"}}[action]
    for k in arg:
        if k not in allowed:
            raise E.bad_input(action, arg, "Additional properties are not allowed"
                              " ('%s' was unexpected)" % k)
    if action == "os-migrateLive" and "block_migration" not in arg:
        raise E.bad_input(action, arg, "'block_migration' is a required property")
    host = arg.get("host")
    if host is not None and not isinstance(host, str):
        raise E.bad_input("host", host, "%r is not of type 'string', 'null'" % (host,))


def _destination(st, s, host, action):
    """The host a move goes to: the one asked for, else one the scheduler
    would pick (another enabled compute host that is up)."""
    store = st.admin
    usable = [h for h in COMPUTE_HOSTS if h != s.host and
              store.service("nova-compute", h)["status"] == "enabled" and
              not store.service("nova-compute", h)["forced_down"]]
    if host is not None:
        if host not in COMPUTE_HOSTS:
            raise E.HTTPError(400, "Compute host %s could not be found." % host)
        if host == s.host:
            raise E.HTTPError(400, "The target host can't be the same one.")
        usable = [h for h in usable if h == host]
    if not usable:
        raise E.HTTPError(400, "No valid host was found. No valid host found for %s"
                          % ("cold migrate" if action == "migrate" else "live migrate"
                             if action == "os-migrateLive" else "evacuate"))
    return usable[0]


def move(nova, req, s, action, arg, now):
    """migrate (to VERIFY_RESIZE on the new host, then confirmResize or
    revertResize), os-migrateLive and evacuate (ACTIVE on the new host)."""
    st = nova.st
    rule, mtype, vms = MOVES[action]
    if not nova._is_admin(req):
        refuse(rule)
    if vms is not None:
        nova._check_state(action, s, list(vms), [None])
    source = s.host
    if action == "evacuate" and not st.admin.host_is_down(source):
        raise E.HTTPError(400, "Compute service of %s is still in use." % source)
    host = arg.get("host") if isinstance(arg, dict) else None
    dest = _destination(st, s, host, action)
    mig = st.admin.add_migration(s, mtype, source, dest, "pre-migrating", now)

    def landed(s, until):
        s.host = dest
        mig["status"] = "finished" if action == "migrate" else \
            "completed" if action == "os-migrateLive" else "done"
        mig["updated_at"] = until
    power = s.power_state
    if action == "migrate":
        s.old_flavor, s.old_vm = s.flavor, s.vm_state
        st.admin.moving[s.id] = (source, mig)
        st.start_task(s, "resize_prep", "migrate", ("resized", power, landed), now)
    elif action == "os-migrateLive":
        st.start_task(s, "migrating", "live-migration", (s.vm_state, power, landed), now)
    else:
        st.start_task(s, "rebuilding", "evacuate", ("active", power, landed), now)
    st.record_action(s, "live-migration" if action == "os-migrateLive" else action,
                     req.rid, req.token.user, s.project_id, now)
    return E.nova_accepted() if action != "evacuate" else E.json_resp(200, {})


def resize_settled(st, s, confirmed, until):
    """After confirmResize / revertResize: a cold migration's record says
    so, and a revert puts the server back on its first host."""
    source, mig = st.admin.moving.pop(s.id, (None, None))
    if mig is None:
        return
    mig["status"] = "confirmed" if confirmed else "reverted"
    mig["updated_at"] = until
    if not confirmed:
        s.host = source


# -- quotas: limit and usage of one project, as each service keeps them -------
# Shapes and policies as the Zed cloud answers (fact sheet section 3.15):
# Nova {"quota_set": {"id", <resource>: {limit, in_use, reserved}}},
# Neutron {"quota": {<resource>: {limit, used, reserved}}}, Cinder
# {"quota_set": {<resource>: {limit, in_use, reserved}, ..., "id"}}.  A
# member reads its own project's, an admin any project's.
NEUTRON_QUOTA = (("network", 100), ("subnet", 100), ("subnetpool", -1), ("port", 500),
                 ("router", 10), ("floatingip", 50), ("rbac_policy", 10),
                 ("security_group", 10), ("security_group_rule", 100))
NEUTRON_COUNTED = {"network": "networks", "subnet": "subnets", "port": "ports",
                   "router": "routers", "floatingip": "floatingips",
                   "security_group": "security-groups",
                   "security_group_rule": "security-group-rules"}


def _usage(limit, used, used_key="in_use"):
    return {"limit": limit, used_key: used, "reserved": 0}


def _own_or_admin(st, req, pid):
    names = st.assignments.get((req.token.user, req.token.project), [])
    if req.token.app_cred:
        names = st.app_creds[req.token.app_cred]["roles"]
    return "admin" in names or pid == req.token.project


def nova_quota(nova, req, segs):
    """GET /os-quota-sets/{project_id}/detail: the limits are /limits' (one
    set for every project here); servers count where they are."""
    st = nova.st
    if len(segs) != 3 or segs[2] != "detail" or req.method not in ("GET", "HEAD"):
        raise E.HTTPError(404, "The resource could not be found.")
    pid = segs[1]
    if not _own_or_admin(st, req, pid):
        refuse("os_compute_api:os-quota-sets:detail")
    with st.lock:
        st.settle()
        mine = [s for s in st.servers.values() if s.project_id == pid]
        q = {"id": pid,
             "cores": _usage(-1, sum(s.flavor["vcpus"] for s in mine)),
             "instances": _usage(st.max_instances, len(mine)),
             "key_pairs": _usage(st.max_keypairs, 0),   # counted per user, not here
             "metadata_items": _usage(st.max_server_meta, 0),
             "ram": _usage(-1, sum(s.flavor["ram"] for s in mine)),
             "server_group_members": _usage(10, 0),
             "server_groups": _usage(10, 0)}
    return E.json_resp(200, {"quota_set": q})


def neutron_quota(neutron, req, segs):
    """GET /v2.0/quotas/{project_id}/details.  demo's limits are -1, as the
    real cloud's seed sets them (rbac_policy stays at its default)."""
    st = neutron.st
    if len(segs) != 3 or segs[2] != "details" or req.method not in ("GET", "HEAD"):
        raise E.NeutronError(404, "HTTPNotFound", "The resource could not be found.")
    pid = segs[1]
    if not _own_or_admin(st, req, pid):
        raise E.NeutronError(403, "AdminRequired", "User does not have admin privileges: Only"
                             " admin is authorized to access quotas for another project.")
    with st.lock:
        coll = st.net.coll
        q = {}
        for res, limit in NEUTRON_QUOTA:
            if res == "rbac_policy":   # a shared or external network's policy
                used = sum(1 for n in coll["networks"].values() if n["project_id"] == pid
                           and (n["shared"] or n["router:external"]))
            else:
                used = sum(1 for o in coll.get(NEUTRON_COUNTED.get(res), {}).values()
                           if o["project_id"] == pid)
            if pid == st.demo_project and res != "rbac_policy":
                limit = -1
            q[res] = _usage(limit, used, "used")
    return E.neutron_resp(200, {"quota": q})


def cinder_quota(cinder, req, segs):
    """GET /os-quota-sets/{project_id}?usage=true: volumes and gigabytes
    are the limits the emulator enforces; one volumes_/gigabytes_/
    snapshots_<type> each per volume type."""
    st = cinder.st
    if len(segs) != 2 or req.method not in ("GET", "HEAD"):
        raise E.HTTPError(404, "The resource could not be found.")
    pid = segs[1]
    if not _own_or_admin(st, req, pid):
        raise E.HTTPError(403, "Policy doesn't allow volume_extension:quotas:show to be"
                          " performed.")
    with st.lock:
        vol = st.vol
        n, gb = vol.used(pid)
        q = {"volumes": _usage(vol.max_volumes, n), "per_volume_gigabytes": _usage(-1, 0),
             "snapshots": _usage(10, 0), "gigabytes": _usage(vol.max_gigabytes, gb),
             "backups": _usage(10, 0), "backup_gigabytes": _usage(1000, 0)}
        for t in vol.types:
            mine = [v for v in vol.volumes.values()
                    if v.project_id == pid and v.volume_type == t["name"]]
            q["volumes_" + t["name"]] = _usage(-1, len(mine))
            q["gigabytes_" + t["name"]] = _usage(-1, sum(v.size for v in mine))
            q["snapshots_" + t["name"]] = _usage(-1, 0)
        q["groups"] = _usage(10, 0)
        q["id"] = pid
    if req.q("usage") not in ("true", "True", "1"):
        q = {k: (v["limit"] if isinstance(v, dict) else v) for k, v in q.items()}
    return E.json_resp(200, {"quota_set": q})
