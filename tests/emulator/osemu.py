#!/usr/bin/python3
"""osemu - a single-file OpenStack emulator for openstackfs tests.

Emulates Keystone v3 (/identity), Nova compute v2.1 (/compute) and
Glance v2 (/image) on one port, devstack style, plus a control API under
/_emu.  Standard library only (Debian's /usr/bin/python3).

The emulator tries hard to behave like the real services (field names,
status codes, headers, pagination, error body shapes) and never to be
friendlier than they are.  See README.md next to this file.
"""

import argparse
import base64
import binascii
import datetime
import hashlib
import ipaddress
import json
import os
import random
import re
import secrets
import signal
import socket
import sys
import threading
import time
import urllib.parse
import uuid

import osemu_admin
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# ---------------------------------------------------------------------------
# constants
# ---------------------------------------------------------------------------

NOVA_MIN = (2, 1)
NOVA_MAX_DEFAULT = "2.93"
GIB = 1024 ** 3
MAX_REQUEST_BODY = 114688          # oslo.middleware sizelimit default
NOVA_FAULT_NAMES = {
    400: "badRequest", 401: "unauthorized", 403: "forbidden",
    404: "itemNotFound", 405: "badMethod", 409: "conflictingRequest",
    413: "overLimit", 415: "badMediaType", 429: "overLimit",
    501: "notImplemented", 503: "serviceUnavailable",
}
KS_TITLES = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
    413: "Request Entity Too Large", 415: "Unsupported Media Type",
    429: "Too Many Requests", 500: "Internal Server Error",
    502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
}
KS_AUTH_MSG = "The request you have made requires authentication."
KS_VALIDATION_TAIL = (" The server could not comply with the request since it is"
                      " either malformed or otherwise incorrect. The client is"
                      " assumed to be in error.")

# nova/api/openstack/common.py _STATE_MAP
_RESIZE = {"resize_prep": "RESIZE", "resize_migrating": "RESIZE",
           "resize_migrated": "RESIZE", "resize_finish": "RESIZE"}
_REBUILD = {"rebuilding": "REBUILD", "rebuild_block_device_mapping": "REBUILD",
            "rebuild_spawning": "REBUILD"}
STATE_MAP = {
    "active": dict({"default": "ACTIVE", "rebooting": "REBOOT",
                    "reboot_pending": "REBOOT", "reboot_started": "REBOOT",
                    "rebooting_hard": "HARD_REBOOT",
                    "reboot_pending_hard": "HARD_REBOOT",
                    "reboot_started_hard": "HARD_REBOOT",
                    "updating_password": "PASSWORD",
                    "migrating": "MIGRATING"}, **_RESIZE, **_REBUILD),
    "building": {"default": "BUILD"},
    "stopped": dict({"default": "SHUTOFF"}, **_RESIZE, **_REBUILD),
    "resized": {"default": "VERIFY_RESIZE", "resize_reverting": "REVERT_RESIZE"},
    "paused": {"default": "PAUSED", "migrating": "MIGRATING"},
    "suspended": {"default": "SUSPENDED"},
    "rescued": {"default": "RESCUE"},
    "error": dict({"default": "ERROR"}, **_REBUILD),
    "deleted": {"default": "DELETED"},
    "soft-delete": {"default": "SOFT_DELETED"},
    "shelved": {"default": "SHELVED"},
    "shelved_offloaded": {"default": "SHELVED_OFFLOADED"},
}
ALL_STATUSES = {v for m in STATE_MAP.values() for v in m.values()}
PROGRESS_STATUSES = ("ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE",
                     "MIGRATING")
FAULT_STATUSES = ("ERROR", "DELETED")
POWER = {"NOSTATE": 0, "RUNNING": 1, "PAUSED": 3, "SHUTDOWN": 4,
         "CRASHED": 6, "SUSPENDED": 7}

# Server actions of the lifecycle: the vm_states Nova allows each in (task
# state None), the task state it runs in and its compute event; and its body's
# schema: the key its object must hold (None: the body is null) and whether
# null is allowed instead of that object.
LIFECYCLE = {
    "resize": (["active", "stopped"], "resize_prep", "compute_prep_resize"),
    "confirmResize": (["resized"], None, "compute_confirm_resize"),
    "revertResize": (["resized"], "resize_reverting", "compute_revert_resize"),
    "rebuild": (["active", "stopped", "error"], "rebuilding", "compute_rebuild_instance"),
    "shelve": (["active", "stopped", "paused", "suspended"], "shelving",
               "compute_shelve_instance"),
    "unshelve": (["shelved", "shelved_offloaded"], "unshelving",
                 "compute_unshelve_instance"),
    "rescue": (["active", "stopped", "error"], "rescuing", "compute_rescue_instance"),
    "unrescue": (["rescued"], "unrescuing", "compute_unrescue_instance"),
    "createImage": (["active", "stopped", "paused", "suspended"], "image_snapshot_pending",
                    "compute_snapshot_instance"),
}
LIFECYCLE_SCHEMA = {
    "resize": ("flavorRef", False), "confirmResize": (None, True),
    "revertResize": (None, True), "rebuild": ("imageRef", False),
    "shelve": (None, True), "unshelve": (None, True), "rescue": ("", True),
    "unrescue": (None, True), "createImage": ("name", False),
}

# Microversions at which the per-server detail view changes shape.
SERVER_VIEW_THRESHOLDS = [(2, 3), (2, 9), (2, 19), (2, 26), (2, 47), (2, 63),
                          (2, 73), (2, 90), (2, 96), (2, 98), (2, 100)]

# Query parameters nova's servers query schema knows (>=2.75 anything else is 400)
SERVER_QUERY_PARAMS = {
    "user_id", "project_id", "tenant_id", "launch_index", "image_ref", "image",
    "kernel_id", "ramdisk_id", "hostname", "key_name", "power_state",
    "vm_state", "task_state", "host", "node", "flavor", "reservation_id",
    "launched_at", "terminated_at", "availability_zone", "name",
    "display_name", "description", "display_description", "locked_by",
    "uuid", "root_device_name", "config_drive", "access_ip_v4",
    "access_ip_v6", "auto_disk_config", "progress", "sort_key", "sort_dir",
    "all_tenants", "soft_deleted", "deleted", "status", "changes-since",
    "changes-before", "ip", "ip6", "created_at", "block_device_mapping",
    "services", "metadata", "system_metadata", "info_cache",
    "security_groups", "pci_devices", "tags", "tags-any", "not-tags",
    "not-tags-any", "locked", "limit", "marker", "pinned_availability_zone",
}

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                     r"[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
VERSION_RE = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")
META_KEY_RE = re.compile(r"^[a-zA-Z0-9\-_:. ]{1,255}$")
KEYPAIR_NAME_RE = re.compile(r"^[a-zA-Z0-9 _\-]+$")
KEYPAIR_NAME_RE_292 = re.compile(r"^[a-zA-Z0-9 _\-@.]+$")
SSH_KEY_TYPES = {"ssh-rsa", "ssh-dss", "ssh-ed25519", "ecdsa-sha2-nistp256",
                 "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                 "sk-ssh-ed25519@openssh.com",
                 "sk-ecdsa-sha2-nistp256@openssh.com"}


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------

def iso_z(t):
    """nova 'created' style: 2013-09-03T04:01:32Z"""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def iso_us(t):
    """oslo jsonutils datetime style: 2013-09-23T13:37:00.880302 (no zone)"""
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).replace(tzinfo=None).strftime(
        "%Y-%m-%dT%H:%M:%S.%f")


def ks_time(t):
    """keystone style: 2015-11-07T02:58:43.578887Z"""
    return iso_us(t) + "Z"


def parse_iso(value):
    v = value.strip()
    if v.endswith("Z"):
        v = v[:-1] + "+00:00"
    try:
        dt = datetime.datetime.fromisoformat(v)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt.timestamp()


def parse_version(s):
    m = VERSION_RE.match(s)
    if not m:
        return None
    return (int(m.group(1)), int(m.group(2)))


def vstr(v):
    return "%d.%d" % v


def req_id():
    return "req-" + str(uuid.uuid4())


def dumps(obj):
    return json.dumps(obj)


def _sortval(v):
    return (v is None, v if v is not None else "")


def make_token():
    raw = base64.urlsafe_b64encode(os.urandom(140)).decode().rstrip("=")
    return "gAAAAAB" + raw[:176]


def audit_id():
    return base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")


def mask_secrets(obj):
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k in ("password", "secret", "adminPass", "private_key") and \
                    not isinstance(v, (dict, list)):
                out[k] = "***"
            elif k == "token" and isinstance(v, dict) and "id" in v:
                out[k] = dict(mask_secrets(v), id="<token>")
            else:
                out[k] = mask_secrets(v)
        return out
    if isinstance(obj, list):
        return [mask_secrets(x) for x in obj]
    return obj


def ssh_fingerprint(public_key):
    """Return nova-style md5 fingerprint or None if the key is invalid."""
    parts = public_key.strip().split()
    if len(parts) < 2 or parts[0] not in SSH_KEY_TYPES:
        return None
    try:
        blob = base64.b64decode(parts[1].encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    if len(blob) < 4:
        return None
    n = int.from_bytes(blob[:4], "big")
    if blob[4:4 + n] != parts[0].encode():
        return None
    if len(blob) < 4 + n + 8:
        return None
    digest = hashlib.md5(blob).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def x509_fingerprint(public_key):
    m = re.search(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----",
                  public_key, re.S)
    if not m:
        return None
    try:
        der = base64.b64decode("".join(m.group(1).split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    if not der:
        return None
    digest = hashlib.sha1(der).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 40, 2))


def ssh_blob(keytype, payload):
    def s(b):
        return len(b).to_bytes(4, "big") + b
    return s(keytype.encode()) + payload


# ---------------------------------------------------------------------------
# HTTP response object + errors
# ---------------------------------------------------------------------------

class Resp:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status, body=b"", headers=None):
        self.status = status
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.body = body
        self.headers = list(headers or [])


def json_resp(status, obj, headers=None, ctype="application/json"):
    body = obj if isinstance(obj, (bytes, str)) else dumps(obj)
    h = [("Content-Type", ctype)]
    h.extend(headers or [])
    return Resp(status, body, h)


def nova_accepted():
    """Nova's empty 202: its serializer names the JSON type even with no body."""
    return Resp(202, b"", [("Content-Type", "application/json")])


class HTTPError(Exception):
    """Raised inside a service handler; rendered per service."""

    def __init__(self, status, message, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or []


def nova_error(status, message, headers=None):
    name = NOVA_FAULT_NAMES.get(status, "computeFault")
    return json_resp(status, {name: {"code": status, "message": message}},
                     headers, "application/json; charset=UTF-8")


def ks_error(status, message, headers=None):
    return json_resp(status, {"error": {"code": status,
                                        "title": KS_TITLES.get(status, "Error"),
                                        "message": message}}, headers)


def webob_error(status, message, accept, headers=None):
    title = KS_TITLES.get(status, "Error")
    code = "%d %s" % (status, title)
    if accept and "application/json" in accept:
        body = {"message": message + "<br /><br />\n\n\n", "code": code,
                "title": title}
        return json_resp(status, body, headers)
    text = "%s\n\n%s\n\n\n   " % (code, message)
    h = [("Content-Type", "text/plain; charset=UTF-8")] + list(headers or [])
    return Resp(status, text, h)


def bad_input(path, value, msg):
    return HTTPError(400, "Invalid input for field/attribute %s. Value: %s. %s"
                     % (path, value if isinstance(value, str) else repr(value),
                        msg))


# ---------------------------------------------------------------------------
# data model
# ---------------------------------------------------------------------------

class Token:
    __slots__ = ("token", "audit_ids", "user", "project", "methods", "issued",
                 "expires", "revoked", "app_cred", "uses")

    def __init__(self, token, user, project, methods, issued, expires,
                 app_cred=None, audits=None):
        self.token = token
        self.user = user
        self.project = project
        self.methods = methods
        self.issued = issued
        self.expires = expires
        self.revoked = False
        self.app_cred = app_cred
        self.audit_ids = audits or [audit_id()]
        self.uses = 0


class Server:
    __slots__ = ("id", "name", "project_id", "user_id", "flavor", "image_id",
                 "key_name", "metadata", "created", "updated", "launched_at",
                 "vm_state", "task_state", "power_state", "locked",
                 "locked_reason", "description", "tags", "fault", "host",
                 "addresses", "config_drive", "disk_config", "sec_groups",
                 "user_data", "az", "volumes", "pending", "cache", "hostname",
                 "networks", "admin_pass", "index", "ports", "own_ports", "bdms",
                 "old_flavor", "old_vm", "shelved_image", "console")

    def __init__(self):
        self.cache = {}
        self.console = None     # lines added by /_emu/console, else the fake driver's
        self.pending = None
        self.locked = False
        self.locked_reason = None
        self.description = None
        self.tags = []
        self.fault = None
        self.metadata = {}
        self.volumes = []
        self.user_data = None
        self.config_drive = ""
        self.disk_config = "MANUAL"
        self.az = "nova"
        self.sec_groups = ["default"]
        self.admin_pass = None
        self.ports = None       # Neutron port ids; None: seeded static addresses
        self.own_ports = []     # the ports Nova made for it (deleted with it)
        self.bdms = {}          # volume id -> {"device", "delete_on_termination", ...}
        self.old_flavor = None  # resized: the flavor a revert goes back to
        self.old_vm = None      # resized: the vm_state confirm or revert returns to
        self.shelved_image = None  # shelved: the snapshot unshelve spawns from

    def touch(self, now):
        self.updated = now
        self.cache.clear()

    @property
    def status(self):
        m = STATE_MAP.get(self.vm_state)
        if m is None:
            return "UNKNOWN"
        return m.get(self.task_state, m["default"])


class Fault:
    __slots__ = ("method", "path", "regex", "count", "spec", "id")

    def __init__(self, spec, fid):
        self.id = fid
        self.method = spec.get("method")
        self.path = spec.get("path", "")
        self.regex = re.compile(self.path)
        self.count = int(spec.get("count", 1))
        self.spec = spec


class State:
    def __init__(self, args):
        self.lock = threading.RLock()
        self.args = args
        self.port = None
        self.rng = random.Random(args.seed)
        self.token_ttl = float(args.token_ttl)
        self.build_time = float(args.build_time)
        # Neutron tells Nova of a port's change (network-changed) and Nova
        # rebuilds the server's addresses after this long; the server's
        # `updated` stays as it was, so changes-since never shows it
        self.net_event_delay = float(args.net_event_delay)
        self.net_due = {}             # server id -> when its addresses follow
        self.fip_due = {}             # floating IP id -> when its status follows its port
        self.page_max = int(args.page_max)
        self.cinder_max = CINDER_MAX    # /_emu/config cinder_max: an older Cinder
        # /_emu/config page_cache (for bench/): server listing pages are
        # rendered once and then served from memory, so that fetching them
        # costs about what a real API's network transfer does.  Any change
        # (every request but GET and HEAD, every control POST) empties it.
        self.page_cache = False
        self.pages = {}
        self.keystone_down = False
        self.fail_builds = False
        self.max_version = parse_version(args.max_version)
        self.max_instances = args.max_instances
        self.max_server_meta = 128
        self.max_keypairs = 100
        self.region = args.region
        self.no_compute = args.no_compute
        self.no_volume = args.no_volume
        self.stopping = False
        self.hang_event = threading.Event()
        # observations
        self.counters = {}
        self.by_service = {}
        self.total = 0
        self.bytes_out = 0            # bytes of the response bodies sent
        self.reqlog = deque(maxlen=2000)
        self.seq = 0
        self.faults = []
        self.fault_seq = 0
        # identity
        self.tokens = {}
        self._seed_identity()
        # compute / image
        self.flavors = {}
        self.flavor_order = []
        self.images = {}
        self.keypairs = {}            # user_id -> {name: kp}
        self.servers = {}             # id -> Server (not yet gone)
        self.order = []               # servers sorted by created desc
        self.pos = None
        self.pending = set()
        self.graveyard = {}           # deleted server id -> (created, id, project)
        self.deleted = {}             # deleted server id -> Server, status DELETED,
                                      # `updated` its deletion time (changes-since)
        self._uuid()                  # the draw the old fixed network id took:
                                      # the seeded servers stay as they were
        self.actions = {}             # server id -> [instance action], oldest first
        self.net = NetStore(self)
        self.vol = VolStore(self)
        private = self.net.seed(self.demo_project, self.admin_project,
                                args.networks, time.time())
        self.network = {"name": private["name"], "id": private["id"]}
        for i in range(1, args.volumes + 1):
            self.vol.new(self.demo_project, self.demo_user, 1 + i % 3, "vol-%05d" % i,
                         1704067200.0 + i * 60, status="available")
        self.nova_net_check = True
        self._seed_flavors()
        self._seed_images()
        self._seed_keypairs()
        self._seed_servers(args.servers, not args.no_edge_servers)
        if args.server_ports:
            self._seed_server_ports()
        self.admin = osemu_admin.AdminStore(self, args)
        if self.max_instances is None:
            self.max_instances = max(10000, len(self.servers) + 1000)

    # -- ids -----------------------------------------------------------
    def _uuid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _hex(self):
        return uuid.UUID(int=self.rng.getrandbits(128), version=4).hex

    # -- seeding -------------------------------------------------------
    def _seed_identity(self):
        self.domain = {"id": "default", "name": "Default"}
        self.roles = {n: {"id": self._hex(), "name": n}
                      for n in ("admin", "member", "reader")}
        self.projects = {}
        for name in ("admin", "demo"):
            p = {"id": self._hex(), "name": name, "domain_id": "default"}
            self.projects[p["id"]] = p
        pid = {p["name"]: p["id"] for p in self.projects.values()}
        self.users = {}
        for name, pw, default in (("admin", "adminpass", None),
                                  ("demo", "demopass", pid["demo"])):
            u = {"id": self._hex(), "name": name, "password": pw,
                 "domain_id": "default", "default_project_id": default}
            self.users[u["id"]] = u
        uid = {u["name"]: u["id"] for u in self.users.values()}
        # role assignments: (user, project) -> [role names]
        self.assignments = {
            (uid["admin"], pid["admin"]): ["admin", "member", "reader"],
            (uid["admin"], pid["demo"]): ["admin", "member", "reader"],
            (uid["demo"], pid["demo"]): ["member", "reader"],
        }
        self.app_creds = {
            "democred": {"id": "democred", "name": "demo-cred",
                         "secret": "demosecret", "user_id": uid["demo"],
                         "project_id": pid["demo"],
                         "roles": ["member", "reader"], "restricted": True},
        }
        self.demo_project = pid["demo"]
        self.admin_project = pid["admin"]
        self.demo_user = uid["demo"]
        self.admin_user = uid["admin"]
        self.service_ids = {t: self._hex() for t in ("identity", "compute",
                                                     "image")}
        self.endpoint_ids = {(t, i): self._hex()
                             for t in ("identity", "compute", "image")
                             for i in ("public", "internal", "admin")}
        # the services added later draw from their own generator, so that the
        # ids seeded before them stay what they were
        more = random.Random(self.args.seed + 2)
        for t in ("network", "block-storage", "volumev3"):
            self.service_ids[t] = uuid.UUID(int=more.getrandbits(128)).hex
            for i in ("public", "internal", "admin"):
                self.endpoint_ids[(t, i)] = uuid.UUID(int=more.getrandbits(128)).hex

    def _seed_flavors(self):
        for fid, name, vcpus, ram, disk, specs in (
                ("1", "m1.tiny", 1, 512, 1, {}),
                ("2", "m1.small", 1, 2048, 20, {}),
                ("3", "m1.medium", 2, 4096, 40, {}),
                ("4", "m1.large", 4, 8192, 80, {}),
                ("5", "m1.xlarge", 8, 16384, 160, {}),
                ("42", "m1.nano", 1, 64, 1, {"hw:cpu_policy": "shared"})):
            self.flavors[fid] = {"id": fid, "name": name, "vcpus": vcpus,
                                 "ram": ram, "disk": disk, "ephemeral": 0,
                                 "swap": 0, "rxtx_factor": 1.0,
                                 "is_public": True, "disabled": False,
                                 "description": None, "extra_specs": specs}
        self.flavor_order = sorted(self.flavors)   # flavorid asc (string)

    def _image(self, name, status, created, size=None, vsize=None,
               checksum=None, disk="qcow2", container="bare",
               visibility="public", owner=None, props=None, min_disk=0,
               min_ram=0, tags=None):
        iid = self._uuid()
        hv = None
        if checksum:
            hv = hashlib.sha512(("%s-%s" % (name, iid)).encode()).hexdigest()
        img = {
            "id": iid, "name": name, "status": status,
            "visibility": visibility, "protected": False, "os_hidden": False,
            "checksum": checksum, "os_hash_algo": "sha512" if hv else None,
            "os_hash_value": hv, "owner": owner or self.admin_project,
            "size": size, "virtual_size": vsize,
            "container_format": container, "disk_format": disk,
            "created_at": iso_z(created),
            "updated_at": iso_z(created + (37 if status == "active" else 0)),
            "tags": list(tags or []), "min_disk": min_disk,
            "min_ram": min_ram,
            "self": "/v2/images/" + iid,
            "file": "/v2/images/%s/file" % iid,
            "schema": "/v2/schemas/image",
        }
        img.update(props or {})
        img["_created"] = created
        self.images[iid] = img
        return img

    def _seed_images(self):
        base = 1700000000.0   # 2023-11-14
        self.img_cirros = self._image(
            "cirros-0.6.2", "active", base + 100, 21430272, 117440512,
            "c8fc807773e5354afe61636071771906",
            props={"hw_rng_model": "virtio", "owner_specified.openstack.md5": "",
                   "owner_specified.openstack.object": "images/cirros-0.6.2",
                   "owner_specified.openstack.sha256": ""})
        self._image("cirros", "active", base + 200, 16300544, 117440512,
                    "b874c39491a2377b8490f5f1e89761a4")
        self._image("cirros", "active", base + 300, 16338944, 117440512,
                    "1d3062cd89af34e419f7100277f38b2b")
        self._image(None, "active", base + 400, 41126400, 41126400,
                    "4e1ad7dbea2c4e4c5e3ef5b4f6f14f9b", disk="raw")
        self.img_ubuntu = self._image(
            "ubuntu/22.04", "active", base + 500, 660865024, 2361393152,
            "47e3b1fb4f4a32ab95a8b5b7e07a3b43", min_disk=3,
            props={"os_distro": "ubuntu", "os_version": "22.04",
                   "hw_disk_bus": "scsi", "hw_scsi_model": "virtio-scsi"},
            tags=["lts"])
        self.img_queued = self._image("pending-upload", "queued", base + 600)
        self._image("demo-snapshot", "active", base + 700, 21692416,
                    117440512, "9d5cc5a24ae0a0c6e5de59e6ac8f8e6a",
                    visibility="private", owner=self.demo_project,
                    props={"image_type": "snapshot",
                           "instance_uuid": self._uuid()})
        self._image("admin-only", "active", base + 800, 21430272, 117440512,
                    "c8fc807773e5354afe61636071771906",
                    visibility="private", owner=self.admin_project)

    def _seed_keypairs(self):
        payload = bytes(self.rng.getrandbits(8) for _ in range(32))
        blob = ssh_blob("ssh-ed25519", len(payload).to_bytes(4, "big") + payload)
        pub = "ssh-ed25519 %s demo@osemu" % base64.b64encode(blob).decode()
        self.add_keypair(self.demo_user, "demo-key", pub, "ssh",
                         1700000500.0)

    def add_keypair(self, user_id, name, public_key, ktype, now):
        fp = (ssh_fingerprint(public_key) if ktype == "ssh"
              else x509_fingerprint(public_key))
        kps = self.keypairs.setdefault(user_id, {})
        self.kp_seq = getattr(self, "kp_seq", 0) + 1
        kp = {"name": name, "public_key": public_key, "fingerprint": fp,
              "type": ktype, "user_id": user_id, "id": self.kp_seq,
              "created_at": iso_us(now)}
        kps[name] = kp
        return kp

    def _new_server(self, name, created, project_id, user_id, flavor_id,
                    image_id, key_name=None, status="ACTIVE", metadata=None):
        s = Server()
        s.id = self._uuid()
        s.name = name
        s.project_id = project_id
        s.user_id = user_id
        s.flavor = dict(self.flavors[flavor_id])
        s.image_id = image_id
        s.key_name = key_name
        s.metadata = dict(metadata or {})
        s.created = created
        s.updated = created + 12
        s.launched_at = created + 11.123456
        s.host = "compute1"
        s.hostname = re.sub(r"[^a-z0-9-]", "-", name.lower())[:63].strip("-") \
            or "server-" + s.id
        s.networks = "auto"
        self._assign_addresses(s)
        self._apply_status(s, status, created)
        return s

    def _seed_server_ports(self):
        """A port in Neutron's listing for every seeded server, as a real cloud
        has (for benches of what listing the ports costs).  The servers keep
        their seeded addresses: these ports do not feed them."""
        net = self.net.coll["networks"][self.network["id"]]
        now = time.time()
        for s in list(self.servers.values()):
            if s.ports is not None:
                continue
            p = self.net._std(s.project_id, now)
            fixed = [a for addrs in s.addresses.values() for a in addrs
                     if a["OS-EXT-IPS:type"] == "fixed"]
            p.update({"name": "", "network_id": net["id"], "status": "ACTIVE",
                      "fixed_ips": [{"subnet_id": net["subnets"][0], "ip_address": a["addr"]}
                                    for a in fixed],
                      "mac_address": fixed[0]["OS-EXT-IPS-MAC:mac_addr"] if fixed else "",
                      "admin_state_up": True, "device_id": s.id,
                      "device_owner": "compute:nova", "security_groups": [],
                      "allowed_address_pairs": [], "extra_dhcp_opts": [],
                      "port_security_enabled": True, "binding:vnic_type": "normal"})
            self.net.add("ports", p)

    def _assign_addresses(self, s):
        self.ip_seq = getattr(self, "ip_seq", 0) + 1
        n = self.ip_seq
        ip = "10.%d.%d.%d" % (n // 62500 % 256, n // 250 % 250, n % 250 + 2)
        mac = "fa:16:3e:%02x:%02x:%02x" % ((n >> 16) & 255, (n >> 8) & 255,
                                           n & 255)
        addrs = [{"version": 4, "addr": ip, "OS-EXT-IPS:type": "fixed",
                  "OS-EXT-IPS-MAC:mac_addr": mac}]
        if n % 10 == 0:
            addrs.append({"version": 4,
                          "addr": "172.24.%d.%d" % (n // 250 % 250, n % 250 + 2),
                          "OS-EXT-IPS:type": "floating",
                          "OS-EXT-IPS-MAC:mac_addr": mac})
        s.addresses = {self.network["name"]: addrs}

    def _apply_status(self, s, status, when):
        s.task_state = None
        s.fault = None
        if status == "ACTIVE":
            s.vm_state, s.power_state = "active", POWER["RUNNING"]
        elif status == "SHUTOFF":
            s.vm_state, s.power_state = "stopped", POWER["SHUTDOWN"]
        elif status == "PAUSED":
            s.vm_state, s.power_state = "paused", POWER["PAUSED"]
        elif status == "SUSPENDED":
            s.vm_state, s.power_state = "suspended", POWER["SUSPENDED"]
        elif status == "ERROR":
            s.vm_state, s.power_state = "error", POWER["SHUTDOWN"]
            s.fault = {"code": 500, "created": iso_z(when + 30),
                       "message": "Connection to the hypervisor is broken on"
                                  " host"}
        else:
            raise ValueError("unsupported status " + status)

    def _add_server(self, s):
        self.servers[s.id] = s
        # order: created desc, id desc
        key = (s.created, s.id)
        i = 0
        if self.order and (self.order[0].created, self.order[0].id) > key:
            # binary search (list is descending)
            lo, hi = 0, len(self.order)
            while lo < hi:
                mid = (lo + hi) // 2
                o = self.order[mid]
                if (o.created, o.id) > key:
                    lo = mid + 1
                else:
                    hi = mid
            i = lo
        self.order.insert(i, s)
        self.pos = None

    def _seed_servers(self, n, edge):
        base = 1704067200.0   # 2024-01-01T00:00:00Z
        rng = self.rng
        flavor_ids = ["1", "1", "2", "2", "2", "3", "42", "4"]
        t = base
        for i in range(1, n + 1):
            t = base + i * 60
            r = rng.random()
            status = "ACTIVE" if r < 0.85 else ("SHUTOFF" if r < 0.95
                                                else "ERROR")
            md = {}
            if i % 7 == 0:
                md = {"role": "web", "owner": "team-%d" % (i % 5)}
            image = self.img_cirros["id"] if i % 50 else ""
            s = self._new_server("srv-%05d" % i, t, self.demo_project,
                                 self.demo_user, rng.choice(flavor_ids),
                                 image, "demo-key" if i % 3 == 0 else None,
                                 status, md)
            if not image:
                vid = self._uuid()
                self.vol.new(s.project_id, s.user_id, 1, "", s.created, bootable=True,
                             status="in-use", vid=vid)
                self.attach_volume(s, self.vol.volumes[vid], s.created, True, boot=True)
            self._add_server(s)
        if edge:
            t0 = base + (n + 1) * 60
            for k, name in enumerate(("dup", "a/b", "dup", "100%")):
                s = self._new_server(name, t0 + k * 60, self.demo_project,
                                     self.demo_user, "1",
                                     self.img_cirros["id"], None, "ACTIVE")
                self._add_server(s)

    # -- server bookkeeping ---------------------------------------------
    def deleted_since(self, project, since_t):
        """The project's (None: every project's) servers deleted at or after
        since_t."""
        return [s for s in self.deleted.values()
                if project in (None, s.project_id) and s.updated >= since_t]

    def position_after(self, key, seq=None):
        """Index of the first server that sorts after key=(created, id) in
        the default (descending) order of seq (the live servers if None)."""
        seq = self.order if seq is None else seq
        lo, hi = 0, len(seq)
        while lo < hi:
            mid = (lo + hi) // 2
            o = seq[mid]
            if (o.created, o.id) >= key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def positions(self):
        if self.pos is None:
            self.pos = {s.id: i for i, s in enumerate(self.order)}
        return self.pos

    def settle(self, now=None):
        now = now or time.time()
        self.vol.settle(now)
        for sid, due in list(self.net_due.items()):
            if due <= now:
                del self.net_due[sid]
                if sid in self.servers:
                    self.refresh_addresses(self.servers[sid])
        for fid, due in list(self.fip_due.items()):
            if due <= now:
                del self.fip_due[fid]
                self.net.settle_floatingip(fid, now)
        if not self.pending:
            return
        for s in list(self.pending):
            kind, until, arg = s.pending
            if until > now:
                continue
            self.pending.discard(s)
            s.pending = None
            s.task_state = None
            if kind == "delete":
                self.release_resources(s, until)
                # nova reads the marker with read_deleted='yes': keep sort keys
                self.graveyard[s.id] = (s.created, s.id, s.project_id)
                # and lists it as DELETED to changes-since from then on
                s.vm_state, s.power_state = "deleted", POWER["NOSTATE"]
                s.touch(until)
                self.deleted[s.id] = s
                self.servers.pop(s.id, None)
                try:
                    self.order.remove(s)
                except ValueError:
                    pass
                self.pos = None
                continue
            if kind == "build":
                if arg == "fail":
                    s.vm_state, s.power_state = "error", POWER["NOSTATE"]
                    self.release_ports(s, until)
                    s.host = None
                    s.addresses = {}
                    s.sec_groups = []
                    s.fault = {"code": 500, "created": iso_z(until),
                               "message": "No valid host was found. "}
                else:
                    s.vm_state, s.power_state = "active", POWER["RUNNING"]
                    s.launched_at = until
                    if s.ports is not None:
                        for pid in s.ports:
                            port = self.net.coll["ports"].get(pid)
                            if port is not None:
                                port["status"] = "ACTIVE"
                                self.net.bump(port, until)
                        self.refresh_addresses(s)
                        if not s.ports:
                            s.sec_groups = []
                    elif s.networks != "none":
                        self._assign_addresses(s)
                        s.addresses = {k: v for k, v in s.addresses.items()}
                    else:
                        s.addresses = {}
                        s.sec_groups = []
            else:
                vm, power = arg[:2]
                s.vm_state, s.power_state = vm, power
                if len(arg) > 2:    # what the task changes besides the state
                    arg[2](s, until)
            s.touch(until)

    # -- servers and their ports/volumes ----------------------------------
    def refresh_addresses(self, s):
        """addresses from the server's ports and the floating IPs on them."""
        if s.ports is None:
            return
        out = {}
        fips = {}
        for f in self.net.coll["floatingips"].values():
            if f["port_id"]:
                fips.setdefault(f["port_id"], []).append(f)
        for pid in s.ports:
            p = self.net.coll["ports"].get(pid)
            if p is None:
                continue
            name = self.net.coll["networks"][p["network_id"]]["name"]
            lst = out.setdefault(name, [])
            for ip in p["fixed_ips"]:
                lst.append({"version": 6 if ":" in ip["ip_address"] else 4,
                            "addr": ip["ip_address"], "OS-EXT-IPS:type": "fixed",
                            "OS-EXT-IPS-MAC:mac_addr": p["mac_address"]})
            for f in fips.get(pid, []):
                lst.append({"version": 4, "addr": f["floating_ip_address"],
                            "OS-EXT-IPS:type": "floating",
                            "OS-EXT-IPS-MAC:mac_addr": p["mac_address"]})
        s.ports = [pid for pid in s.ports if pid in self.net.coll["ports"]]
        s.addresses = out
        if s.ports:
            # Nova shows the groups of the server's ports
            names = []
            for pid in s.ports:
                for gid in self.net.coll["ports"][pid]["security_groups"]:
                    g = self.net.coll["security-groups"].get(gid)
                    if g is not None and g["name"] not in names:
                        names.append(g["name"])
            s.sec_groups = names
        s.cache.clear()

    def release_ports(self, s, now):
        """Nova deletes the ports it made and unbinds the ones it was given."""
        for pid in s.ports or []:
            p = self.net.coll["ports"].get(pid)
            if p is None:
                continue
            if pid in s.own_ports:
                self.net.delete_port(pid, now)
            else:
                p.update({"device_id": "", "device_owner": "", "status": "DOWN"})
                self.net.bump(p, now)
        if s.ports is not None:
            s.ports = []
        s.own_ports = []

    def release_resources(self, s, now):
        self.release_ports(s, now)
        for vid in list(s.volumes):
            v = self.vol.volumes.get(vid)
            bdm = s.bdms.get(vid, {})
            if v is not None:
                self.vol.detach(v, s.id, now, delete=bdm.get("delete_on_termination"))
        s.volumes = []
        s.bdms = {}

    def attach_volume(self, s, v, now, delete_on_termination=False, boot=False):
        used = {b["device"] for b in s.bdms.values()}
        dev = "/dev/vda" if boot else next(
            "/dev/sd" + c for c in "bcdefghijklmnopqrstuvwxyz"
            if "/dev/sd" + c not in used)
        s.volumes.append(v.id)
        s.bdms[v.id] = {"device": dev, "delete_on_termination": delete_on_termination,
                        "bdm_uuid": str(uuid.uuid4()), "tag": None}
        if v.status == "in-use" and not v.pending:
            v.attachments.append({"server_id": s.id, "attachment_id": str(uuid.uuid4()),
                                  "device": dev, "at": now, "host_name": None})
            s.bdms[v.id]["attachment_id"] = v.attachments[-1]["attachment_id"]
        else:
            self.vol.attach(v, s.id, dev, now)
            s.bdms[v.id]["attachment_id"] = v.attachments[-1]["attachment_id"]
        return s.bdms[v.id]

    def record_action(self, s, action, rid, user, project, now, event=None,
                      failed=False):
        """os-instance-actions: one action, with a compute event that ends when
        the server's task does (build_time)."""
        ev = []
        if event:
            ev.append({"event": event, "start_time": now, "until": now + self.build_time,
                       "result": "Error" if failed else "Success"})
        self.actions.setdefault(s.id, []).append({
            "action": action, "instance_uuid": s.id, "request_id": rid,
            "user_id": user, "project_id": project, "start_time": now,
            "message": "Error" if failed else None, "events": ev})

    def start_task(self, s, task_state, kind, arg, now):
        s.task_state = task_state
        s.pending = (kind, now + self.build_time, arg)
        self.pending.add(s)
        s.touch(now)
        if self.build_time <= 0:
            self.settle(now)

    # -- tokens -----------------------------------------------------------
    def issue_token(self, user, project, methods, app_cred=None,
                    expires=None, audits=None):
        now = time.time()
        tok = Token(make_token(), user, project, methods, now,
                    expires if expires is not None else now + self.token_ttl,
                    app_cred, audits)
        self.tokens[tok.token] = tok
        return tok

    def check_token(self, value):
        if not value:
            return None
        tok = self.tokens.get(value)
        if tok is None or tok.revoked or tok.expires <= time.time():
            return None
        return tok

    # -- catalog ----------------------------------------------------------
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    def catalog(self, project=None):
        base = self.base_url()
        services = [("identity", "keystone", base + "/identity")]
        if not self.no_compute:
            services.append(("compute", "nova", base + "/compute/v2.1"))
        services.append(("image", "glance", base + "/image"))
        services.append(("network", "neutron", base + "/network"))
        for stype in () if self.no_volume else ("block-storage", "volumev3"):
            services.append((stype, "cinderv3", "%s/volume/v3/%s" % (base, project)))
        out = []
        for stype, name, url in services:
            eps = [{"id": self.endpoint_ids[(stype, i)], "interface": i,
                    "region_id": self.region, "url": url,
                    "region": self.region}
                   for i in ("public", "internal", "admin")]
            out.append({"endpoints": eps, "id": self.service_ids[stype],
                        "type": stype, "name": name})
        return out


# ---------------------------------------------------------------------------
# request context
# ---------------------------------------------------------------------------

class Req:
    def __init__(self, method, raw_path, headers, body, host):
        self.method = method
        self.raw_path = raw_path
        p, _, q = raw_path.partition("?")
        self.path = p
        self.query_string = q
        self.qs = urllib.parse.parse_qsl(q, keep_blank_values=True)
        self.headers = headers
        self.body = body
        self.host = host
        self.loop_next = False
        self.token = None
        self.ver = None

    def q(self, name, default=None):
        val = default
        for k, v in self.qs:
            if k == name:
                val = v
        return val

    def qall(self, name):
        return [v for k, v in self.qs if k == name]

    def header(self, name):
        return self.headers.get(name)

    def json(self):
        if not self.body:
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise HTTPError(400, "Malformed request body")


# ---------------------------------------------------------------------------
# Keystone
# ---------------------------------------------------------------------------

class Keystone:
    def __init__(self, st):
        self.st = st

    def www_auth(self, req):
        return [("WWW-Authenticate",
                 'Keystone uri="http://%s/identity/v3"' % req.host)]

    def err(self, req, status, message):
        h = [("x-openstack-request-id", req_id()), ("Vary", "X-Auth-Token")]
        if status == 401:
            h += self.www_auth(req)
        return ks_error(status, message, h)

    def version_entry(self, req):
        return {"id": "v3.14", "status": "stable",
                "updated": "2020-04-07T00:00:00Z",
                "links": [{"rel": "self",
                           "href": "http://%s/identity/v3/" % req.host}],
                "media-types": [{"base": "application/json",
                                 "type": "application/vnd.openstack.identity-v3+json"}]}

    def handle(self, req):
        path = req.path[len("/identity"):]
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/")        # keystone url_normalize middleware
        try:
            if path in ("", "/"):
                if req.method not in ("GET", "HEAD"):
                    raise HTTPError(405, "The method is not allowed for the requested URL.")
                loc = "http://%s/identity/v3/" % req.host
                return json_resp(300, {"versions": {"values": [self.version_entry(req)]}},
                                 [("Location", loc),
                                  ("x-openstack-request-id", req_id())])
            if path == "/v3":
                if req.method not in ("GET", "HEAD"):
                    raise HTTPError(405, "The method is not allowed for the requested URL.")
                return json_resp(200, {"version": self.version_entry(req)},
                                 [("x-openstack-request-id", req_id())])
            if path == "/v3/auth/tokens":
                if req.method == "POST":
                    return self.create_token(req)
                if req.method in ("GET", "HEAD"):
                    return self.validate_token(req)
                if req.method == "DELETE":
                    return self.revoke_token(req)
                raise HTTPError(405, "The method is not allowed for the requested URL.")
            if path == "/v3/auth/catalog":
                if req.method not in ("GET", "HEAD"):
                    raise HTTPError(405, "The method is not allowed for the requested URL.")
                return self.get_catalog(req)
            if path == "/v3/projects":
                if req.method not in ("GET", "HEAD"):
                    raise HTTPError(405, "The method is not allowed for the requested URL.")
                return osemu_admin.list_projects(self, req)
            if path == "/v3/auth/projects":
                if req.method not in ("GET", "HEAD"):
                    raise HTTPError(405, "The method is not allowed for the requested URL.")
                return self.auth_projects(req)
            raise HTTPError(404, "The resource could not be found.")
        except HTTPError as e:
            return self.err(req, e.status, e.message)

    # -- helpers ---------------------------------------------------------
    def _caller(self, req):
        tok = self.st.check_token(req.header("X-Auth-Token"))
        if tok is None:
            raise HTTPError(401, KS_AUTH_MSG)
        return tok

    def _find_domain(self, d, target):
        if not isinstance(d, dict):
            raise HTTPError(400, "Expecting to find id or name in domain." + KS_VALIDATION_TAIL)
        if d.get("id"):
            return d["id"] if d["id"] == self.st.domain["id"] else None
        if d.get("name"):
            return self.st.domain["id"] if d["name"] == self.st.domain["name"] else None
        raise HTTPError(400, "Expecting to find id or name in domain." + KS_VALIDATION_TAIL)

    def _find_user(self, u):
        if not isinstance(u, dict):
            raise HTTPError(400, "Expecting to find user in password." + KS_VALIDATION_TAIL)
        if u.get("id"):
            return self.st.users.get(u["id"])
        if u.get("name"):
            if "domain" not in u:
                raise HTTPError(400, "Expecting to find domain in user." + KS_VALIDATION_TAIL)
            did = self._find_domain(u["domain"], "user")
            if did is None:
                raise HTTPError(401, KS_AUTH_MSG)
            for usr in self.st.users.values():
                if usr["name"] == u["name"] and usr["domain_id"] == did:
                    return usr
            return None
        raise HTTPError(400, "Expecting to find id or name in user." + KS_VALIDATION_TAIL)

    def _find_project(self, p):
        if not isinstance(p, dict):
            raise HTTPError(400, "Expecting to find project in scope." + KS_VALIDATION_TAIL)
        if p.get("id"):
            return self.st.projects.get(p["id"])
        if p.get("name"):
            if "domain" not in p:
                raise HTTPError(400, "Expecting to find domain in project." + KS_VALIDATION_TAIL)
            did = self._find_domain(p["domain"], "project")
            if did is None:
                raise HTTPError(401, KS_AUTH_MSG)
            for prj in self.st.projects.values():
                if prj["name"] == p["name"] and prj["domain_id"] == did:
                    return prj
            return None
        raise HTTPError(400, "Expecting to find id or name in project." + KS_VALIDATION_TAIL)

    def token_body(self, tok, catalog=True):
        st = self.st
        u = st.users[tok.user]
        t = {"methods": list(tok.methods),
             "user": {"domain": dict(st.domain), "id": u["id"],
                      "name": u["name"], "password_expires_at": None},
             "audit_ids": list(tok.audit_ids),
             "expires_at": ks_time(tok.expires),
             "issued_at": ks_time(tok.issued)}
        if tok.project:
            p = st.projects[tok.project]
            t["project"] = {"domain": dict(st.domain), "id": p["id"],
                            "name": p["name"]}
            t["is_domain"] = False
            if tok.app_cred:
                names = st.app_creds[tok.app_cred]["roles"]
            else:
                names = st.assignments.get((tok.user, tok.project), [])
            t["roles"] = [dict(st.roles[n]) for n in names]
            if catalog:
                t["catalog"] = st.catalog(tok.project)
        if tok.app_cred:
            ac = st.app_creds[tok.app_cred]
            t["application_credential"] = {"id": ac["id"], "name": ac["name"],
                                           "restricted": ac["restricted"]}
        return {"token": t}

    # -- POST /v3/auth/tokens -----------------------------------------------
    def create_token(self, req):
        st = self.st
        body = None
        if req.body:
            try:
                body = json.loads(req.body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                body = None
        if not isinstance(body, dict) or not isinstance(body.get("auth"), dict):
            raise HTTPError(400, "Expecting to find auth in request body." + KS_VALIDATION_TAIL)
        auth = body["auth"]
        ident = auth.get("identity")
        if not isinstance(ident, dict):
            raise HTTPError(400, "Expecting to find identity in auth." + KS_VALIDATION_TAIL)
        methods = ident.get("methods")
        if (not isinstance(methods, list) or not methods
                or not all(isinstance(m, str) for m in methods)):
            raise HTTPError(400, "Expecting to find methods in identity." + KS_VALIDATION_TAIL)
        for m in methods:
            if m not in ("password", "token", "application_credential"):
                raise HTTPError(401, "Attempted to authenticate with an unsupported method.")
            if m not in ident:
                raise HTTPError(400, "Expecting to find %s in identity." % m + KS_VALIDATION_TAIL)
        has_scope = "scope" in auth
        scope = auth.get("scope")
        with st.lock:
            user = None
            app_cred = None
            expires = None
            parent_audit = None
            inherited_methods = []
            if "application_credential" in methods:
                ac = ident["application_credential"]
                if not isinstance(ac, dict):
                    raise HTTPError(400, "Expecting to find application_credential in identity." + KS_VALIDATION_TAIL)
                if has_scope:
                    # ApplicationCredentialAuthError
                    raise HTTPError(401, KS_AUTH_MSG)
                if "secret" not in ac:
                    raise HTTPError(400, "Expecting to find secret in application_credential." + KS_VALIDATION_TAIL)
                rec = None
                if ac.get("id"):
                    rec = st.app_creds.get(ac["id"])
                elif ac.get("name"):
                    if "user" not in ac:
                        raise HTTPError(400, "Expecting to find user in application_credential." + KS_VALIDATION_TAIL)
                    u = self._find_user(ac["user"])
                    if u is not None:
                        match = [c for c in st.app_creds.values()
                                 if c["name"] == ac["name"] and c["user_id"] == u["id"]]
                        rec = match[0] if len(match) == 1 else None
                else:
                    raise HTTPError(400, "Expecting to find id or name in application_credential." + KS_VALIDATION_TAIL)
                if rec is None or rec["secret"] != ac.get("secret"):
                    raise HTTPError(401, KS_AUTH_MSG)
                user = rec["user_id"]
                app_cred = rec["id"]
            if "password" in methods:
                pw = ident["password"]
                if not isinstance(pw, dict) or "user" not in pw:
                    raise HTTPError(400, "Expecting to find user in password." + KS_VALIDATION_TAIL)
                u = self._find_user(pw["user"])
                if u is None or pw["user"].get("password") != u["password"]:
                    raise HTTPError(401, KS_AUTH_MSG)
                if user is not None and user != u["id"]:
                    raise HTTPError(401, KS_AUTH_MSG)
                user = u["id"]
            if "token" in methods:
                tk = ident["token"]
                if not isinstance(tk, dict) or "id" not in tk:
                    raise HTTPError(400, "Expecting to find id in token." + KS_VALIDATION_TAIL)
                old = st.check_token(tk["id"])
                if old is None:
                    raise HTTPError(404, "Failed to validate token")
                if user is not None and user != old.user:
                    raise HTTPError(401, KS_AUTH_MSG)
                user = old.user
                expires = old.expires
                parent_audit = old.audit_ids[-1]
                inherited_methods = list(old.methods)
                if old.app_cred:
                    app_cred = old.app_cred
            # scope
            project = None
            if app_cred:
                project = st.app_creds[app_cred]["project_id"]
                if has_scope and "token" in methods:
                    raise HTTPError(401, KS_AUTH_MSG)
            elif has_scope:
                if scope == "unscoped":
                    project = None
                elif not isinstance(scope, dict):
                    raise HTTPError(400, "Expecting to find scope in auth." + KS_VALIDATION_TAIL)
                else:
                    targets = [k for k in ("project", "domain", "system",
                                           "OS-TRUST:trust") if k in scope]
                    if len(targets) > 1:
                        raise HTTPError(400, "Only one of project, domain, system or trust may be specified for scope.")
                    if not targets:
                        raise HTTPError(400, "Expecting to find project or domain in scope." + KS_VALIDATION_TAIL)
                    if targets[0] != "project":
                        # no domain/system/trust role assignments exist here
                        raise HTTPError(401, KS_AUTH_MSG)
                    prj = self._find_project(scope["project"])
                    if prj is None:
                        raise HTTPError(401, KS_AUTH_MSG)
                    if not st.assignments.get((user, prj["id"])):
                        raise HTTPError(401, KS_AUTH_MSG)
                    project = prj["id"]
            else:
                dp = st.users[user]["default_project_id"]
                if dp and st.assignments.get((user, dp)):
                    project = dp
            mlist = []
            for m in list(methods) + inherited_methods:
                if m not in mlist:
                    mlist.append(m)
            audits = None
            if parent_audit:
                audits = [audit_id(), parent_audit]
            tok = st.issue_token(user, project, mlist, app_cred, expires, audits)
            body = self.token_body(tok, catalog="nocatalog" not in dict(req.qs))
        return json_resp(201, body, [("X-Subject-Token", tok.token),
                                     ("Vary", "X-Auth-Token"),
                                     ("x-openstack-request-id", req_id())])

    def validate_token(self, req):
        st = self.st
        with st.lock:
            self._caller(req)
            subj = req.header("X-Subject-Token")
            if not subj:
                raise HTTPError(400, "Expecting to find X-Subject-Token in the request." + KS_VALIDATION_TAIL)
            tok = st.tokens.get(subj)
            allow_expired = req.q("allow_expired") in ("1", "true", "True")
            now = time.time()
            if (tok is None or tok.revoked or
                    (tok.expires <= now and not
                     (allow_expired and now - tok.expires < 172800))):
                raise HTTPError(404, "Failed to validate token")
            body = self.token_body(tok, catalog="nocatalog" not in dict(req.qs))
        r = json_resp(200, body, [("X-Subject-Token", subj),
                                  ("Vary", "X-Auth-Token"),
                                  ("x-openstack-request-id", req_id())])
        return r

    def revoke_token(self, req):
        st = self.st
        with st.lock:
            self._caller(req)
            subj = req.header("X-Subject-Token")
            if not subj:
                raise HTTPError(400, "Expecting to find X-Subject-Token in the request." + KS_VALIDATION_TAIL)
            tok = st.check_token(subj)
            if tok is None:
                raise HTTPError(404, "Failed to validate token")
            tok.revoked = True
        return Resp(204, b"", [("x-openstack-request-id", req_id()),
                               ("Vary", "X-Auth-Token")])

    def get_catalog(self, req):
        with self.st.lock:
            tok = self._caller(req)
            if tok.project is None:
                raise HTTPError(403, "The service catalog is empty.")
            cat = self.st.catalog(tok.project)
        return json_resp(200, {"catalog": cat, "links": {
            "self": "http://%s/identity/v3/auth/catalog" % req.host,
            "previous": None, "next": None}},
            [("x-openstack-request-id", req_id()), ("Vary", "X-Auth-Token")])

    def auth_projects(self, req):
        st = self.st
        with st.lock:
            tok = self._caller(req)
            out = []
            for (u, p), roles in sorted(st.assignments.items()):
                if u == tok.user and roles:
                    prj = st.projects[p]
                    out.append({"id": prj["id"], "name": prj["name"],
                                "domain_id": "default", "enabled": True,
                                "is_domain": False, "parent_id": "default",
                                "description": "", "tags": [],
                                "links": {"self": "http://%s/identity/v3/projects/%s"
                                          % (req.host, prj["id"])}})
        return json_resp(200, {"projects": out, "links": {
            "self": "http://%s/identity/v3/auth/projects" % req.host,
            "previous": None, "next": None}},
            [("x-openstack-request-id", req_id())])


# ---------------------------------------------------------------------------
# keystonemiddleware (used by nova and glance)
# ---------------------------------------------------------------------------

def authtoken(st, req):
    """Return Token or raise a keystonemiddleware-shaped 401 (as HTTPError
    with status 401; callers render with ks_error)."""
    with st.lock:
        tok = st.check_token(req.header("X-Auth-Token"))
        if tok is None or tok.project is None:
            return None
        tok.uses += 1
        return tok


def middleware_401(st, req):
    # keystonemiddleware: www_authenticate_uri is the configured keystone URL
    return ks_error(401, KS_AUTH_MSG, [
        ("WWW-Authenticate", 'Keystone uri="%s/identity"' % st.base_url()),
        ("x-openstack-request-id", req_id())])


# ---------------------------------------------------------------------------
# Nova
# ---------------------------------------------------------------------------

class Nova:
    def __init__(self, st):
        self.st = st
        self.admin_api = osemu_admin.AdminNova(self)

    # -- versions ---------------------------------------------------------
    def versions(self, req):
        h = req.host
        return json_resp(200, {"versions": [
            {"id": "v2.0", "links": [{"href": "http://%s/compute/v2/" % h,
                                      "rel": "self"}],
             "status": "DEPRECATED", "version": "", "min_version": "",
             "updated": "2025-07-04T12:00:00Z"},
            {"id": "v2.1", "links": [{"href": "http://%s/compute/v2.1/" % h,
                                      "rel": "self"}],
             "status": "CURRENT", "version": vstr(self.st.max_version),
             "min_version": vstr(NOVA_MIN), "updated": "2013-07-23T11:33:21Z"},
        ]})

    def version_doc(self, req):
        h = req.host
        return json_resp(200, {"version": {
            "id": "v2.1",
            "links": [{"href": "http://%s/compute/v2.1/" % h, "rel": "self"},
                      {"href": "http://docs.openstack.org/",
                       "rel": "describedby", "type": "text/html"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.compute+json;version=2.1"}],
            "status": "CURRENT", "version": vstr(self.st.max_version),
            "min_version": vstr(NOVA_MIN), "updated": "2013-07-23T11:33:21Z"}})

    # -- entry --------------------------------------------------------------
    def handle(self, req):
        path = req.path[len("/compute"):]
        rid = req_id()
        if path in ("", "/"):
            if req.method not in ("GET", "HEAD"):
                return nova_error(404, "The resource could not be found.",
                                  [("X-Compute-Request-Id", rid)])
            return self.versions(req)
        if path in ("/v2.1", "/v2.1/"):
            if req.method not in ("GET", "HEAD"):
                return nova_error(404, "The resource could not be found.",
                                  [("X-Compute-Request-Id", rid)])
            r = self.version_doc(req)
            r.headers.append(("X-Compute-Request-Id", rid))
            return r
        if not path.startswith("/v2.1/"):
            return nova_error(404, "The resource could not be found.",
                              [("X-Compute-Request-Id", rid)])
        if len(req.body) > MAX_REQUEST_BODY:
            # oslo.middleware sizelimit sits in front of keystonemiddleware
            return webob_error(413, "Request is too large.", req.header("Accept"),
                               [("X-Compute-Request-Id", rid)])
        tok = authtoken(self.st, req)
        if tok is None:
            r = middleware_401(self.st, req)
            r.headers.append(("X-Compute-Request-Id", rid))
            return r
        req.token = tok
        req.rid = rid
        # microversion
        vhdr = None
        new = req.header("OpenStack-API-Version")
        if new:
            for item in new.split(","):
                parts = item.strip().split()
                if len(parts) == 2 and parts[0].lower() == "compute":
                    vhdr = parts[1]
                elif parts and parts[0].lower() == "compute":
                    vhdr = " ".join(parts[1:]) or "-"
        if vhdr is None:
            vhdr = req.header("X-OpenStack-Nova-API-Version")
        base_headers = [("X-Compute-Request-Id", rid)]
        if vhdr is None:
            ver = NOVA_MIN
        elif vhdr.strip().lower() == "latest":
            ver = self.st.max_version
        else:
            ver = parse_version(vhdr.strip())
            if ver is None:
                return nova_error(400, "API Version String %s is of invalid format."
                                  " Must be of format MajorNum.MinorNum." % vhdr,
                                  base_headers)
            if not (NOVA_MIN <= ver <= self.st.max_version):
                return nova_error(406, "Version %s is not supported by the API."
                                  " Minimum is %s and maximum is %s."
                                  % (vstr(ver), vstr(NOVA_MIN),
                                     vstr(self.st.max_version)), base_headers)
        req.ver = ver
        vh = [("OpenStack-API-Version", "compute " + vstr(ver)),
              ("X-OpenStack-Nova-API-Version", vstr(ver)),
              ("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version")]
        vh.append(("X-OpenStack-Request-Id", rid))   # at every version
        base_headers += vh
        try:
            if req.body and req.method in ("POST", "PUT"):
                ct = (req.header("Content-Type") or "").split(";")[0].strip().lower()
                if ct and ct not in ("application/json",
                                     "application/vnd.openstack.compute+json"):
                    raise HTTPError(415, "Unsupported Content-Type")
            segs = [urllib.parse.unquote(s) for s in path[len("/v2.1/"):].split("/")]
            if segs and segs[-1] == "" and len(segs) > 1:
                segs = segs[:-1]
            # optional project id in URL
            if segs and (UUID_RE.match(segs[0]) or segs[0] in self.st.projects):
                if segs[0] != tok.project:
                    raise HTTPError(400, "Malformed request URL: URL's project_id '%s'"
                                    " doesn't match Context's project_id '%s'"
                                    % (segs[0], tok.project))
                segs = segs[1:]
            r = self.route(req, segs)
        except HTTPError as e:
            r = nova_error(e.status, e.message, e.headers)
        r.headers.extend(base_headers)
        return r

    def route(self, req, segs):
        m = req.method
        n = len(segs)
        head = segs[0] if segs else ""
        if head == "servers":
            if n == 1:
                if m in ("GET", "HEAD"):
                    return self.list_servers(req, detail=False)
                if m == "POST":
                    return self.create_server(req)
            elif n == 2 and segs[1] == "detail":
                if m in ("GET", "HEAD"):
                    return self.list_servers(req, detail=True)
            elif n == 2:
                if m in ("GET", "HEAD"):
                    return self.show_server(req, segs[1])
                if m == "PUT":
                    return self.update_server(req, segs[1])
                if m == "DELETE":
                    return self.delete_server(req, segs[1])
            elif n == 3 and segs[2] == "action" and m == "POST":
                return self.action(req, segs[1])
            elif n == 3 and segs[2] == "metadata":
                if m in ("GET", "HEAD", "POST", "PUT"):
                    return self.metadata(req, segs[1], None)
            elif n == 4 and segs[2] == "metadata":
                if m in ("GET", "HEAD", "PUT", "DELETE"):
                    return self.metadata(req, segs[1], segs[3])
            elif n in (3, 4) and segs[2] == "os-instance-actions" and m in ("GET", "HEAD"):
                return self.instance_actions(req, segs[1], segs[3] if n == 4 else None)
            elif n in (3, 4) and segs[2] == "os-volume_attachments":
                return self.volume_attachments(req, segs[1], segs[3] if n == 4 else None)
        elif head == "flavors":
            if m in ("GET", "HEAD"):
                if n == 1:
                    return self.list_flavors(req, False)
                if n == 2 and segs[1] == "detail":
                    return self.list_flavors(req, True)
                if n == 2:
                    return self.show_flavor(req, segs[1])
                if n == 3 and segs[2] == "os-extra_specs":
                    return self.extra_specs(req, segs[1], None)
                if n == 4 and segs[2] == "os-extra_specs":
                    return self.extra_specs(req, segs[1], segs[3])
        elif head == "os-keypairs":
            if n == 1 and m in ("GET", "HEAD"):
                return self.list_keypairs(req)
            if n == 1 and m == "POST":
                return self.create_keypair(req)
            if n == 2 and m in ("GET", "HEAD"):
                return self.show_keypair(req, segs[1])
            if n == 2 and m == "DELETE":
                return self.delete_keypair(req, segs[1])
        elif head == "limits" and n == 1 and m in ("GET", "HEAD"):
            return self.limits(req)
        elif head in osemu_admin.AdminNova.HEADS:
            return self.admin_api.route(req, segs)
        elif head == "os-availability-zone" and n == 1 and m in ("GET", "HEAD"):
            self._check_unknown_params(req, set())
            return json_resp(200, {"availabilityZoneInfo": [
                {"zoneName": "nova", "zoneState": {"available": True},
                 "hosts": None}]})
        raise HTTPError(404, "The resource could not be found.")

    # -- helpers ------------------------------------------------------------
    def _base(self, req):
        return "http://%s/compute" % req.host

    def _links(self, req, coll, ident):
        b = self._base(req)
        q = urllib.parse.quote(str(ident), safe="")
        return [{"rel": "self", "href": "%s/v2.1/%s/%s" % (b, coll, q)},
                {"rel": "bookmark", "href": "%s/%s/%s" % (b, coll, q)}]

    def _check_unknown_params(self, req, allowed):
        if req.ver >= (2, 102):
            for k, _ in req.qs:
                if k not in allowed:
                    raise HTTPError(400, "Invalid input for query parameters %s."
                                    " Value: %s. Additional properties are not"
                                    " allowed ('%s' was unexpected)"
                                    % (k, req.q(k), k))

    def _limit_marker(self, req):
        limit = self.st.page_max
        if "limit" in dict(req.qs):
            v = req.q("limit")
            try:
                iv = int(v)
            except ValueError:
                raise HTTPError(400, "Invalid input received: limit must be an integer")
            if iv < 0:
                raise HTTPError(400, "Invalid input received: limit must be >= 0")
            limit = min(limit, iv)
        marker = req.q("marker")
        return limit, marker

    def _next_link(self, req, coll, last_id):
        if req.loop_next:
            return "http://%s%s" % (req.host, req.raw_path)
        params = {}
        for k, v in sorted(req.qs, key=lambda kv: kv[0]):
            params[k] = v
        params["marker"] = last_id
        return "%s/v2.1/%s?%s" % (self._base(req), coll,
                                  urllib.parse.urlencode(params))

    def _collection_links(self, req, items_len, limit, coll, last_id):
        if req.loop_next:
            return [{"rel": "next", "href": self._next_link(req, coll, last_id)}]
        if limit and items_len == limit:
            return [{"rel": "next", "href": self._next_link(req, coll, last_id)}]
        return []

    def _get_server(self, req, sid):
        s = self.st.servers.get(sid)
        if s is None or (s.project_id != req.token.project and not self._is_admin(req)):
            raise HTTPError(404, "Instance %s could not be found." % sid)
        return s

    def _is_admin(self, req):
        names = self.st.assignments.get((req.token.user, req.token.project), [])
        if req.token.app_cred:
            names = self.st.app_creds[req.token.app_cred]["roles"]
        return "admin" in names

    # -- server views -------------------------------------------------------
    @staticmethod
    def view_class(ver):
        rep = (2, 1)
        for t in SERVER_VIEW_THRESHOLDS:
            if ver >= t:
                rep = t
        return rep

    def server_dict(self, req, s, ver, show=False):
        st = self.st
        status = s.status
        b = self._base(req)
        if s.image_id:
            img = {"id": s.image_id,
                   "links": [{"rel": "bookmark",
                              "href": "%s/images/%s" % (b, s.image_id)}]}
            if ver >= (2, 98):
                im = st.images.get(s.image_id) or {}
                img["properties"] = {k: v for k, v in im.items()
                                     if k not in GLANCE_BASE_PROPS
                                     and not k.startswith("_")}
        else:
            img = ""
        f = s.flavor
        if ver >= (2, 47):
            flavor = {"vcpus": f["vcpus"], "ram": f["ram"], "disk": f["disk"],
                      "ephemeral": f["ephemeral"], "swap": f["swap"],
                      "original_name": f["name"],
                      "extra_specs": dict(f["extra_specs"])}
        else:
            flavor = {"id": f["id"],
                      "links": [{"rel": "bookmark",
                                 "href": "%s/flavors/%s" % (b, f["id"])}]}
        d = {
            "id": s.id,
            "name": s.name,
            "status": status,
            "tenant_id": s.project_id,
            "user_id": s.user_id,
            "metadata": dict(s.metadata),
            "hostId": (hashlib.sha224((s.project_id + s.host).encode()).hexdigest()
                       if s.host else ""),
            "image": img,
            "flavor": flavor,
            "created": iso_z(s.created),
            "updated": iso_z(s.updated),
            "addresses": s.addresses if s.vm_state != "building" else {},
            "accessIPv4": "",
            "accessIPv6": "",
            "links": self._links(req, "servers", s.id),
            "OS-DCF:diskConfig": s.disk_config,
        }
        if status in FAULT_STATUSES and s.fault:
            d["fault"] = dict(s.fault)
        if status in PROGRESS_STATUSES:
            d["progress"] = 0
        d["OS-EXT-AZ:availability_zone"] = s.az if s.host else ""
        d["config_drive"] = s.config_drive
        d["key_name"] = s.key_name
        d["OS-SRV-USG:launched_at"] = iso_us(s.launched_at) if s.launched_at else None
        d["OS-SRV-USG:terminated_at"] = None
        if s.sec_groups and s.vm_state != "building" and d["addresses"]:
            d["security_groups"] = [{"name": g} for g in s.sec_groups]
        d["OS-EXT-STS:task_state"] = s.task_state
        d["OS-EXT-STS:vm_state"] = s.vm_state
        d["OS-EXT-STS:power_state"] = s.power_state
        vols = []
        for v in s.volumes:
            e = {"id": v}
            if ver >= (2, 3):
                e["delete_on_termination"] = bool(
                    s.bdms.get(v, {}).get("delete_on_termination", True))
            vols.append(e)
        d["os-extended-volumes:volumes_attached"] = vols
        if ver >= (2, 9):
            d["locked"] = s.locked
        if ver >= (2, 19):
            d["description"] = s.description
        if ver >= (2, 26):
            d["tags"] = list(s.tags)
        if ver >= (2, 63):
            d["trusted_image_certificates"] = None
        if show and ver >= (2, 71):
            d["server_groups"] = []
        if ver >= (2, 73):
            d["locked_reason"] = s.locked_reason
        if self._is_admin(req):
            d.update(self.admin_server_fields(s, ver))
        elif ver >= (2, 90):
            d["OS-EXT-SRV-ATTR:hostname"] = s.hostname
        if ver >= (2, 96):
            d["pinned_availability_zone"] = None
        if ver >= (2, 100):
            d["scheduler_hints"] = {}
        return d

    @staticmethod
    def admin_server_fields(s, ver):
        """What Nova adds to a server for an admin (every listing)."""
        d = {"OS-EXT-SRV-ATTR:host": s.host,
             "OS-EXT-SRV-ATTR:instance_name": "instance-%08x" % int(s.id[:6], 16),
             "OS-EXT-SRV-ATTR:hypervisor_hostname": s.host}
        if ver >= (2, 3):
            d.update({"OS-EXT-SRV-ATTR:reservation_id": "r-" + s.id[:8],
                      "OS-EXT-SRV-ATTR:launch_index": 0,
                      "OS-EXT-SRV-ATTR:hostname": s.hostname,
                      "OS-EXT-SRV-ATTR:kernel_id": "",
                      "OS-EXT-SRV-ATTR:ramdisk_id": "",
                      "OS-EXT-SRV-ATTR:root_device_name": "/dev/sda",
                      "OS-EXT-SRV-ATTR:user_data": None})
        if ver >= (2, 16):
            d["host_status"] = "UP" if s.host else ""
        return d

    def server_fragment(self, req, s, ver, detail):
        if detail:
            key = (self.view_class(ver), req.host, self._is_admin(req))
        else:
            key = ("basic", req.host)
        frag = s.cache.get(key)
        if frag is None:
            if detail:
                frag = dumps(self.server_dict(req, s, key[0]))
            else:
                frag = dumps({"id": s.id,
                              "links": self._links(req, "servers", s.id),
                              "name": s.name})
            s.cache[key] = frag
        return frag

    # -- servers: list -------------------------------------------------------
    def list_servers(self, req, detail):
        st = self.st
        if not st.page_cache or req.loop_next:
            return self.render_servers(req, detail)
        key = (req.raw_path, req.ver, req.token.project, self._is_admin(req), req.host)
        with st.lock:
            hit = st.pages.get(key)
            settled = not (st.pending or st.net_due or st.fip_due)
        if hit is not None:
            return Resp(hit.status, hit.body, list(hit.headers))
        resp = self.render_servers(req, detail)
        if resp.status == 200 and settled:   # a page that no timer can change
            with st.lock:
                st.pages[key] = Resp(resp.status, resp.body, list(resp.headers))
        return resp

    def render_servers(self, req, detail):
        st = self.st
        ver = req.ver
        if ver >= (2, 75):
            for k, _ in req.qs:
                if k not in SERVER_QUERY_PARAMS:
                    raise HTTPError(400, "Invalid input for query parameters %s."
                                    " Value: %s. Additional properties are not"
                                    " allowed ('%s' was unexpected)"
                                    % (k, req.q(k), k))
        limit, marker = self._limit_marker(req)
        name_re = None
        name = req.q("name")
        if name is not None:
            try:
                name_re = re.compile(name)
            except re.error:
                raise HTTPError(500, "Unexpected API Error. Please report this at"
                                " http://bugs.launchpad.net/nova/ and attach the"
                                " Nova API log if possible.\n<class"
                                " 'oslo_db.exception.DBError'>")
        statuses = req.qall("status")
        vm_states = task_states = None
        if statuses:
            vm_states, task_states = set(), set()
            low = [x.lower() for x in statuses]
            for vm, tmap in STATE_MAP.items():
                for ts, stv in tmap.items():
                    if stv.lower() in low:
                        vm_states.add(vm)
                        task_states.add(ts)
            if not vm_states and ver >= (2, 38):
                raise HTTPError(400, "Invalid status value")
        flavor_f = req.q("flavor")
        image_f = req.q("image")
        extra = []          # further predicates (non-admin filters per microversion)
        ip_f = req.q("ip")
        if ip_f is not None:
            try:
                ip_re = re.compile(ip_f)
            except re.error:
                ip_re = re.compile(re.escape(ip_f))
            extra.append(lambda s: any(ip_re.search(a["addr"])
                                       for v in s.addresses.values() for a in v
                                       if a["version"] == 4))
        if ver >= (2, 5) and req.q("ip6") is not None:
            extra.append(lambda s: False)        # no IPv6 addresses here
        if ver >= (2, 26):
            def taglist(name):
                v = req.q(name)
                return None if v is None else [t for t in v.split(",") if t]
            t_all, t_any = taglist("tags"), taglist("tags-any")
            n_all, n_any = taglist("not-tags"), taglist("not-tags-any")
            if t_all is not None:
                extra.append(lambda s: all(t in s.tags for t in t_all))
            if t_any is not None:
                extra.append(lambda s: any(t in s.tags for t in t_any))
            if n_all is not None:
                extra.append(lambda s: not all(t in s.tags for t in n_all))
            if n_any is not None:
                extra.append(lambda s: not any(t in s.tags for t in n_any))
        if ver >= (2, 73) and req.q("locked") is not None:
            lv = req.q("locked").lower()
            if lv not in ("true", "false", "1", "0", "yes", "no", "on", "off",
                          "t", "f", "y", "n"):
                raise HTTPError(400, "Invalid input for query parameters locked."
                                " Value: %s." % req.q("locked"))
            want = lv in ("true", "1", "yes", "on", "t", "y")
            extra.append(lambda s: s.locked == want)
        if ver >= (2, 83):
            for qn, attr in (("key_name", "key_name"), ("vm_state", "vm_state"),
                             ("task_state", "task_state"),
                             ("availability_zone", "az"), ("user_id", "user_id")):
                vals = req.qall(qn)
                if vals:
                    extra.append(lambda s, a=attr, v=vals: getattr(s, a) in v)
            if req.qall("power_state"):
                pv = set()
                for v in req.qall("power_state"):
                    try:
                        pv.add(int(v))
                    except ValueError:
                        raise HTTPError(400, "Invalid input for query parameters"
                                        " power_state. Value: %s." % v)
                extra.append(lambda s: s.power_state in pv)
        since = req.q("changes-since")
        before = req.q("changes-before") if ver >= (2, 66) else None
        since_t = before_t = None
        if since is not None:
            since_t = parse_iso(since)
            if since_t is None:
                raise HTTPError(400, "Invalid input for query parameters changes-since."
                                " Value: %s. '%s' is not a 'date-time'" % (since, since))
        if before is not None:
            before_t = parse_iso(before)
            if before_t is None:
                raise HTTPError(400, "Invalid input for query parameters changes-before."
                                " Value: %s. '%s' is not a 'date-time'" % (before, before))
        sort_keys = req.qall("sort_key")
        sort_dirs = req.qall("sort_dir")
        for d in sort_dirs:
            if d not in ("asc", "desc"):
                raise HTTPError(400, "Invalid input for query parameters sort_dir."
                                " Value: %s. '%s' is not one of ['asc', 'desc']" % (d, d))
        key_map = {"created_at": "created", "updated_at": "updated",
                   "display_name": "name", "uuid": "id", "launched_at": "launched_at",
                   "vm_state": "vm_state", "task_state": "task_state",
                   "key_name": "key_name"}
        for k in sort_keys:
            if k in ("host", "node", "compute_host", "hostname"):
                raise HTTPError(403, "Only administrators can sort servers by %s" % k)
        custom = [k for k in sort_keys if k in key_map]
        project = req.token.project
        if (req.q("all_tenants") or "").lower() in ("1", "true", "yes", "on", "t", "y", ""):
            if req.q("all_tenants") is not None:
                if not self._is_admin(req):
                    raise HTTPError(403, "Policy doesn't allow os_compute_api:servers:%s:"
                                    "get_all_tenants to be performed."
                                    % ("detail" if detail else "index"))
                project = None      # every project's
        with st.lock:
            st.settle()
            # changes-since lists deleted servers too, as DELETED (nova reads
            # them with read_deleted='yes'), in the same order as the others
            dead = st.deleted_since(project, since_t) if since_t is not None else []
            base = st.order
            if dead:
                base = sorted(st.order + dead, key=lambda s: (s.created, s.id), reverse=True)
            seq = base
            if (custom and custom != ["created_at"]) or \
                    (sort_dirs and sort_dirs[0] == "asc"):
                keys = custom or ["created_at"]
                dirs = [sort_dirs[i] if i < len(sort_dirs) else "desc"
                        for i in range(len(keys))]
                seq = sorted(base, key=lambda s: s.id,
                             reverse=(dirs[0] == "desc"))
                for k, dr in reversed(list(zip(keys, dirs))):
                    seq.sort(key=lambda s, a=key_map[k]: _sortval(getattr(s, a)),
                             reverse=(dr == "desc"))
                pos = {s.id: i for i, s in enumerate(seq)}
            elif dead:
                pos = {s.id: i for i, s in enumerate(seq)}
            else:
                pos = st.positions()
            start = 0
            if marker is not None:
                i = pos.get(marker)
                gone = st.graveyard.get(marker)
                if i is not None and project in (None, seq[i].project_id):
                    start = i + 1
                elif i is None and gone and project in (None, gone[2]) and seq is base:
                    start = st.position_after(gone[:2], seq)
                else:
                    raise HTTPError(400, "marker [%s] not found" % marker)
            out = []
            simple = (name_re is None and vm_states is None and not flavor_f
                      and not image_f and since_t is None and before_t is None
                      and not extra)
            if limit > 0:
                for s in (seq[start:] if simple else
                          (seq[j] for j in range(start, len(seq)))):
                    if project is not None and s.project_id != project:
                        continue
                    if not simple:
                        if name_re is not None and not name_re.search(s.name):
                            continue
                        if vm_states is not None:
                            if s.vm_state not in vm_states:
                                continue
                            if "default" not in task_states and \
                                    s.task_state not in task_states:
                                continue
                        if flavor_f and s.flavor["id"] != flavor_f:
                            continue
                        if image_f and s.image_id != image_f:
                            continue
                        if since_t is not None and s.updated < since_t:
                            continue
                        if before_t is not None and s.updated > before_t:
                            continue
                        if extra and not all(p(s) for p in extra):
                            continue
                    out.append(s)
                    if len(out) >= limit:
                        break
            frags = [self.server_fragment(req, s, ver, detail) for s in out]
            last = out[-1].id if out else marker
        coll = "servers/detail" if detail else "servers"
        links = self._collection_links(req, len(out), limit, coll, last)
        body = '{"servers": [' + ", ".join(frags) + "]"
        if links:
            body += ', "servers_links": ' + dumps(links)
        body += "}"
        return json_resp(200, body)

    def show_server(self, req, sid):
        with self.st.lock:
            self.st.settle()
            s = self._get_server(req, sid)
            d = self.server_dict(req, s, req.ver, show=True)
        return json_resp(200, {"server": d})

    # -- servers: update/delete -----------------------------------------------
    def update_server(self, req, sid):
        body = req.json()
        if not isinstance(body, dict) or not isinstance(body.get("server"), dict):
            raise bad_input("server", body, "'server' is a required property")
        srv = body["server"]
        allowed = {"name", "accessIPv4", "accessIPv6", "OS-DCF:diskConfig"}
        if req.ver >= (2, 19):
            allowed.add("description")
        if req.ver >= (2, 90):
            allowed.add("hostname")
        for k in srv:
            if k not in allowed:
                raise bad_input("server", srv, "Additional properties are not allowed"
                                " ('%s' was unexpected)" % k)
        if "name" in srv:
            self._check_name(srv["name"])
        if "description" in srv and srv["description"] is not None:
            if not isinstance(srv["description"], str) or len(srv["description"]) > 255:
                raise bad_input("description", srv["description"], "is too long")
        with self.st.lock:
            self.st.settle()
            s = self._get_server(req, sid)
            now = time.time()
            if "name" in srv:
                s.name = srv["name"]
            if "description" in srv:
                s.description = srv["description"]
            if "hostname" in srv:
                s.hostname = srv["hostname"]
            s.touch(now)
            d = self.server_dict(req, s, req.ver, show=True)
        return json_resp(200, {"server": d})

    def delete_server(self, req, sid):
        st = self.st
        with st.lock:
            st.settle()
            s = self._get_server(req, sid)
            if s.locked and not self._is_admin(req):
                raise HTTPError(409, "Instance %s is locked" % s.id)
            now = time.time()
            if s.pending and s.pending[0] == "delete":
                return Resp(204, b"")
            st.pending.discard(s)
            st.record_action(s, "delete", req.rid, req.token.user, s.project_id, now,
                             "compute_terminate_instance")
            st.start_task(s, "deleting", "delete", None, now)
        return Resp(204, b"")

    # -- servers: create --------------------------------------------------------
    def _check_name(self, name, field="name"):
        if not isinstance(name, str):
            raise bad_input(field, name, "%r is not of type 'string'" % (name,))
        if len(name) < 1:
            raise bad_input(field, name, "'' is too short")
        if len(name) > 255:
            raise bad_input(field, name, "%r is too long" % name)
        if name != name.strip() or not name.isprintable():
            raise bad_input(field, name, "%r does not match 'name'" % name)

    def create_server(self, req):
        st = self.st
        ver = req.ver
        body = req.json()
        if not isinstance(body, dict):
            raise HTTPError(400, "The request body is invalid")
        for k in body:
            if k not in ("server", "os:scheduler_hints", "OS-SCH-HNT:scheduler_hints"):
                raise bad_input("root", body, "Additional properties are not allowed"
                                " ('%s' was unexpected)" % k)
        srv = body.get("server")
        if not isinstance(srv, dict):
            raise bad_input("root", body, "'server' is a required property")
        allowed = {"name", "imageRef", "flavorRef", "adminPass", "metadata",
                   "networks", "OS-DCF:diskConfig", "accessIPv4", "accessIPv6",
                   "availability_zone", "block_device_mapping",
                   "block_device_mapping_v2", "config_drive", "key_name",
                   "min_count", "max_count", "return_reservation_id",
                   "security_groups", "user_data"}
        if ver < (2, 57):
            allowed.add("personality")
        if ver >= (2, 19):
            allowed.add("description")
        if ver >= (2, 52):
            allowed.add("tags")
        if ver >= (2, 63):
            allowed.add("trusted_image_certificates")
        if ver >= (2, 90):
            allowed.add("hostname")
        for k in srv:
            if k not in allowed:
                raise bad_input("server", srv, "Additional properties are not allowed"
                                " ('%s' was unexpected)" % k)
        for req_key in ("name", "flavorRef") + (("networks",) if ver >= (2, 37) else ()):
            if req_key not in srv:
                raise bad_input("server", srv, "'%s' is a required property" % req_key)
        name = srv["name"]
        self._check_name(name)
        flavor_ref = srv["flavorRef"]
        if isinstance(flavor_ref, bool) or not isinstance(flavor_ref, (str, int)) \
                or (isinstance(flavor_ref, str) and not flavor_ref):
            raise bad_input("flavorRef", flavor_ref, "%r is not valid under any of"
                            " the given schemas" % (flavor_ref,))
        fid = str(flavor_ref).rstrip("/").rsplit("/", 1)[-1]
        image_ref = srv.get("imageRef")
        bdm = srv.get("block_device_mapping_v2")
        if image_ref is not None:
            if not isinstance(image_ref, str):
                raise bad_input("imageRef", image_ref, "%r is not of type 'string'" % (image_ref,))
            if image_ref and not UUID_RE.match(image_ref):
                raise bad_input("imageRef", image_ref, "%r is not a 'uuid'" % image_ref)
        # networks
        networks = srv.get("networks")
        if "networks" in srv:
            if isinstance(networks, str):
                if ver < (2, 37) or networks not in ("auto", "none"):
                    raise bad_input("networks", networks, "%r is not valid under any"
                                    " of the given schemas" % networks)
            elif isinstance(networks, list):
                for net in networks:
                    if not isinstance(net, dict):
                        raise bad_input("networks", networks, "%r is not of type 'object'" % (net,))
                    for k in net:
                        if k not in ("uuid", "port", "fixed_ip", "tag"):
                            raise bad_input("networks", networks, "Additional properties"
                                            " are not allowed ('%s' was unexpected)" % k)
            else:
                raise bad_input("networks", networks, "%r is not valid under any of"
                                " the given schemas" % (networks,))
        key_name = srv.get("key_name")
        if "key_name" in srv:
            if not isinstance(key_name, str) or not (1 <= len(key_name) <= 255):
                raise bad_input("key_name", key_name, "%r is not of type 'string'" % (key_name,))
        user_data = srv.get("user_data")
        if "user_data" in srv:
            if not isinstance(user_data, str):
                raise bad_input("user_data", user_data, "%r is not of type 'string'" % (user_data,))
            if len(user_data) > 65535:
                raise bad_input("user_data", user_data[:40] + "...", "is too long")
            try:
                base64.decodebytes(user_data.encode("utf-8"))
            except (binascii.Error, ValueError):
                raise bad_input("user_data", user_data, "%r is not a 'base64'" % user_data)
        metadata = srv.get("metadata", {})
        self._validate_metadata(metadata, "metadata")
        description = srv.get("description")
        if "description" in srv and description is not None:
            if not isinstance(description, str) or len(description) > 255:
                raise bad_input("description", description, "is not valid")
        tags = srv.get("tags", [])
        if "tags" in srv:
            if not isinstance(tags, list) or len(tags) > 50 or any(
                    not isinstance(t, str) or not t or len(t) > 60 or "/" in t
                    or "," in t for t in tags):
                raise bad_input("tags", tags, "is not valid")
        az = srv.get("availability_zone")
        if "availability_zone" in srv:
            if not isinstance(az, str) or not az:
                raise bad_input("availability_zone", az, "is not valid")
        min_count = srv.get("min_count", 1)
        max_count = srv.get("max_count", min_count)
        for k, v in (("min_count", min_count), ("max_count", max_count)):
            if isinstance(v, str) and v.isdigit():
                v = int(v)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise bad_input(k, v, "%r is less than the minimum of 1" % (v,))
        min_count, max_count = int(min_count), int(max_count)
        if min_count > max_count:
            raise HTTPError(400, "min_count must be <= max_count")
        config_drive = srv.get("config_drive")
        if "config_drive" in srv and not isinstance(config_drive, bool):
            raise bad_input("config_drive", config_drive, "is not of type 'boolean'")
        disk_config = srv.get("OS-DCF:diskConfig", "MANUAL")
        if disk_config not in ("AUTO", "MANUAL"):
            raise bad_input("OS-DCF:diskConfig", disk_config,
                            "%r is not one of ['AUTO', 'MANUAL']" % disk_config)
        sgs = srv.get("security_groups", [{"name": "default"}])
        if not isinstance(sgs, list) or any(not isinstance(g, dict) or "name" not in g
                                             for g in sgs):
            raise bad_input("security_groups", sgs, "is not valid")
        admin_pass = srv.get("adminPass")
        if admin_pass is not None and not isinstance(admin_pass, str):
            raise bad_input("adminPass", admin_pass, "is not of type 'string'")
        hostname = srv.get("hostname")
        with st.lock:
            st.settle()
            flavor = st.flavors.get(fid)
            if flavor is None:
                raise HTTPError(400, "Invalid flavorRef provided.")
            bfv = False
            if not image_ref:
                if isinstance(bdm, list) and any(
                        isinstance(b, dict) and str(b.get("boot_index")) == "0"
                        for b in bdm):
                    bfv = True
                else:
                    raise HTTPError(400, "Missing imageRef attribute")
            image = None
            if image_ref:
                image = st.images.get(image_ref)
                if image is None or not Glance.visible(st, image, req.token.project):
                    raise HTTPError(400, "Can not find requested image")
                if image["status"] != "active":
                    raise HTTPError(400, "Image %s is not active." % image_ref)
                need = image.get("virtual_size") or image.get("size") or 0
                if flavor["disk"] and need > flavor["disk"] * GIB:
                    raise HTTPError(400, "Flavor's disk is too small for requested"
                                    " image. Flavor disk is %d bytes, image is %d"
                                    " bytes." % (flavor["disk"] * GIB, need))
                if image.get("min_disk") and flavor["disk"] and \
                        image["min_disk"] > flavor["disk"]:
                    raise HTTPError(400, "Flavor's disk is too small for requested image.")
                if image.get("min_ram") and image["min_ram"] > flavor["ram"]:
                    raise HTTPError(400, "Flavor's memory is too small for requested image.")
            if key_name is not None and key_name not in st.keypairs.get(req.token.user, {}):
                raise HTTPError(400, "Invalid key_name provided.")
            plan = self._network_plan(req, networks, max_count)
            sg_ids = self._boot_groups(req, sgs) if plan else []
            boot_vols = self._boot_volumes(req, bdm) if bfv else []
            if az is not None and az != "nova":
                raise HTTPError(400, "The requested availability zone is not available")
            if len(metadata) > st.max_server_meta:
                raise HTTPError(403, "Quota exceeded for metadata_items: Requested %d,"
                                " but already used 0 of %d metadata_items"
                                % (len(metadata), st.max_server_meta))
            used = sum(1 for s in st.servers.values() if s.project_id == req.token.project)
            allowed_n = st.max_instances - used
            if allowed_n < min_count:
                raise HTTPError(403, "Quota exceeded for instances: Requested %d, but"
                                " already used %d of %d instances"
                                % (min_count, used, st.max_instances))
            count = min(max_count, allowed_n)
            now = time.time()
            first = None
            resv = "r-" + secrets.token_hex(4)
            for i in range(count):
                s = Server()
                s.id = str(uuid.uuid4())
                s.name = name if count == 1 else "%s-%d" % (name, i + 1)
                s.project_id = req.token.project
                s.user_id = req.token.user
                s.flavor = dict(flavor)
                s.image_id = "" if bfv else image_ref
                s.key_name = key_name
                s.metadata = dict(metadata)
                s.created = now + i * 1e-6
                s.updated = s.created
                s.launched_at = None
                s.vm_state, s.power_state = "building", POWER["NOSTATE"]
                s.host = "compute1"
                s.hostname = hostname or (re.sub(r"[^a-z0-9-]", "-", s.name.lower())
                                          [:63].strip("-") or "server-" + s.id)
                s.networks = networks if networks is not None else "auto"
                s.addresses = {}
                s.sec_groups = [g["name"] for g in sgs]
                s.user_data = user_data
                s.config_drive = "True" if config_drive else ""
                s.disk_config = disk_config
                s.description = description
                s.tags = list(tags)
                s.az = "nova"
                s.admin_pass = admin_pass or "".join(
                    secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
                    for _ in range(12))
                fail = st.fail_builds or not self._plug(s, plan, sg_ids, now)
                for spec in boot_vols:
                    self._attach_boot_volume(req, s, spec, now)
                st._add_server(s)
                st.record_action(s, "create", req.rid, req.token.user, s.project_id, now,
                                 "compute__do_build_and_run_instance", fail)
                st.start_task(s, "spawning", "build", "fail" if fail else None, now)
                if first is None:
                    first = s
        if srv.get("return_reservation_id"):
            return json_resp(202, {"reservation_id": resv})
        links = self._links(req, "servers", first.id)
        out = {"server": {"id": first.id, "links": links,
                          "OS-DCF:diskConfig": first.disk_config,
                          "security_groups": [{"name": g} for g in first.sec_groups],
                          "adminPass": first.admin_pass}}
        return json_resp(202, out, [("Location", links[0]["href"])])

    # -- actions -------------------------------------------------------------
    def _invalid_state(self, action, s, attr):
        state = s.vm_state if attr == "vm_state" else s.task_state
        raise HTTPError(409, "Cannot '%s' instance %s while it is in %s %s"
                        % (action, s.id, attr, state))

    def _check_state(self, action, s, vm_states, task_states=(None,)):
        if vm_states is not None and s.vm_state not in vm_states:
            self._invalid_state(action, s, "vm_state")
        if task_states is not None and s.task_state not in task_states:
            self._invalid_state(action, s, "task_state")

    def action(self, req, sid):
        st = self.st
        body = req.json()
        if not isinstance(body, dict) or not body:
            raise HTTPError(400, "Malformed request body")
        action = next(iter(body)) if len(body) == 1 else "action"
        arg = body.get(action)
        known = {"reboot", "os-start", "os-stop", "pause", "unpause", "suspend",
                 "resume", "lock", "unlock", "os-getConsoleOutput",
                 "addSecurityGroup", "removeSecurityGroup"} | set(LIFECYCLE_SCHEMA) \
            | set(osemu_admin.MOVES)
        if action not in known:
            raise HTTPError(400, "There is no such action: %s" % action)
        # schema checks
        if action in LIFECYCLE_SCHEMA:
            self._lifecycle_schema(req, action, arg)
        elif action in osemu_admin.MOVES:
            osemu_admin.check_move_body(req, action, arg)
        elif action == "reboot":
            if not isinstance(arg, dict) or "type" not in arg:
                raise bad_input("reboot", arg, "'type' is a required property")
            for k in arg:
                if k != "type":
                    raise bad_input("reboot", arg, "Additional properties are not"
                                    " allowed ('%s' was unexpected)" % k)
            if arg["type"] not in ("HARD", "Hard", "hard", "SOFT", "Soft", "soft"):
                raise bad_input("reboot/type", arg["type"], "%r is not one of ['HARD',"
                                " 'Hard', 'hard', 'SOFT', 'Soft', 'soft']" % (arg["type"],))
        elif action == "lock":
            if arg is not None:
                if req.ver < (2, 73) or not isinstance(arg, dict) or any(
                        k != "locked_reason" for k in arg) or (
                        "locked_reason" in arg and (not isinstance(arg["locked_reason"], str)
                                                    or len(arg["locked_reason"]) > 255)):
                    raise bad_input("lock", arg, "%r is not of type 'null'" % (arg,))
        elif action == "os-getConsoleOutput":
            if not isinstance(arg, dict):
                raise bad_input("os-getConsoleOutput", arg, "%r is not of type 'object'" % (arg,))
            for k in arg:
                if k != "length":
                    raise bad_input("os-getConsoleOutput", arg, "Additional properties"
                                    " are not allowed ('%s' was unexpected)" % k)
            ln = arg.get("length")
            if ln is not None:
                ok = (isinstance(ln, int) and not isinstance(ln, bool)) or (
                    isinstance(ln, str) and re.match(r"^-?[0-9]+$", ln))
                if not ok or int(ln) < -1:
                    raise bad_input("length", ln, "%r is not valid under any of the"
                                    " given schemas" % (ln,))
        elif action in ("addSecurityGroup", "removeSecurityGroup"):
            if not isinstance(arg, dict) or not isinstance(arg.get("name"), str) \
                    or not arg["name"].strip():
                raise HTTPError(400, "Security group name cannot be empty")
        elif arg is not None and not (isinstance(arg, dict) and not arg):
            raise bad_input(action, arg, "%r is not of type 'null'" % (arg,))
        with st.lock:
            st.settle()
            s = self._get_server(req, sid)
            now = time.time()
            admin = self._is_admin(req)
            if action == "os-getConsoleOutput":
                if s.vm_state == "building" or not s.host:
                    raise HTTPError(409, "Instance %s is not ready" % s.id)
                out = "\n".join(s.console) if s.console is not None else \
                    "FAKE CONSOLE OUTPUT\nANOTHER\nLAST LINE"
                ln = arg.get("length")
                if ln is not None and int(ln) != -1:
                    ln = int(ln)
                    out = "" if ln == 0 else "\n".join(out.split("\n")[-ln:])
                return json_resp(200, {"output": out})
            if action in ("addSecurityGroup", "removeSecurityGroup"):
                return self._server_group(req, s, action, arg["name"], now)
            if action == "lock":
                s.locked = True
                if req.ver >= (2, 73) and isinstance(arg, dict):
                    s.locked_reason = arg.get("locked_reason")
                s.touch(now)
                st.record_action(s, "lock", req.rid, req.token.user, s.project_id, now)
                return nova_accepted()
            if action == "unlock":
                s.locked = False
                s.locked_reason = None
                s.touch(now)
                st.record_action(s, "unlock", req.rid, req.token.user, s.project_id, now)
                return nova_accepted()
            if s.locked and not admin:
                raise HTTPError(409, "Instance %s is locked" % s.id)
            if action in osemu_admin.MOVES:
                return osemu_admin.move(self, req, s, action, arg, now)
            if action == "reboot":
                hard = arg["type"].upper() == "HARD"
                self._check_state("reboot", s,
                                  ["active", "stopped", "paused", "suspended", "error"],
                                  [None, "rebooting", "reboot_pending", "reboot_started",
                                   "rebooting_hard", "reboot_pending_hard",
                                   "reboot_started_hard", "resuming", "unpausing",
                                   "pausing", "suspending"])
                if hard:
                    self._check_state("reboot", s,
                                      ["active", "stopped", "paused", "suspended", "error"],
                                      [None, "rebooting", "reboot_pending",
                                       "reboot_started", "rebooting_hard",
                                       "reboot_pending_hard", "reboot_started_hard",
                                       "resuming", "unpausing", "pausing",
                                       "suspending"])
                    st.pending.discard(s)
                    st.start_task(s, "rebooting_hard", "reboot",
                                  ("active", POWER["RUNNING"]), now)
                else:
                    self._check_state("reboot", s, ["active"], [None])
                    st.start_task(s, "rebooting", "reboot",
                                  ("active", POWER["RUNNING"]), now)
                st.record_action(s, "reboot", req.rid, req.token.user, s.project_id, now,
                                 "compute_reboot_instance")
                return nova_accepted()
            if action in LIFECYCLE_SCHEMA:
                return self._lifecycle(req, s, action, arg, now)
            table = {
                "os-stop": ("stop", ["active", "error"], "powering-off",
                            ("stopped", POWER["SHUTDOWN"])),
                "os-start": ("start", ["stopped"], "powering-on",
                             ("active", POWER["RUNNING"])),
                "pause": ("pause", ["active"], "pausing",
                          ("paused", POWER["PAUSED"])),
                "unpause": ("unpause", ["paused"], "unpausing",
                            ("active", POWER["RUNNING"])),
                "suspend": ("suspend", ["active"], "suspending",
                            ("suspended", POWER["SUSPENDED"])),
                "resume": ("resume", ["suspended"], "resuming",
                           ("active", POWER["RUNNING"])),
            }
            name, vms, task, final = table[action]
            if action in ("os-stop", "os-start") and not s.host:
                raise HTTPError(409, "Instance %s is not ready" % s.id)
            self._check_state(name, s, vms, [None])
            st.start_task(s, task, name, final, now)
            st.record_action(s, name, req.rid, req.token.user, s.project_id, now,
                             "compute_%s_instance" % name)
        return nova_accepted()

    # -- the lifecycle actions (resize, rebuild, shelve, rescue, createImage) ---
    def _lifecycle_schema(self, req, action, arg):
        """Nova's request schemas of these actions: what each body must hold."""
        key, nullable = LIFECYCLE_SCHEMA[action]
        if key is None:
            if action == "unshelve" and isinstance(arg, dict) and req.ver >= (2, 77):
                return
            if arg is not None:
                raise bad_input(action, arg, "%r is not of type 'null'" % (arg,))
            return
        if arg is None and nullable:
            return
        if not isinstance(arg, dict):
            raise bad_input(action, arg, "%r is not of type 'object'" % (arg,))
        if key and key not in arg:
            raise bad_input(action, arg, "'%s' is a required property" % key)
        v = arg.get(key) if key else None
        if key == "flavorRef" and isinstance(v, int) and not isinstance(v, bool):
            arg[key] = str(v)       # flavor_ref: a string or an integer
        elif key == "imageRef" and not (isinstance(v, str) and UUID_RE.match(v)):
            raise bad_input(key, v, "%r is not a 'uuid'" % (v,))
        elif key and (not isinstance(v, str) or not v.strip() or len(v) > 255):
            raise bad_input(key, v, "%r is too short" % (v,) if v == "" else
                            "%r is not of type 'string'" % (v,) if not isinstance(v, str)
                            else "%r is not a '%s'" % (v, key))

    def _snapshot_image(self, s, name, now, props=None):
        """The image a snapshot (createImage, shelve) makes: Glance lists it
        at once, queued until the upload ends."""
        st = self.st
        base = st.images.get(s.image_id) or {}
        img = st._image(name, "queued", now, disk=base.get("disk_format", "qcow2"),
                        visibility="private", owner=s.project_id,
                        min_disk=s.flavor["disk"], min_ram=base.get("min_ram", 0),
                        props=dict({"image_type": "snapshot", "instance_uuid": s.id,
                                    "base_image_ref": s.image_id or "",
                                    "user_id": s.user_id, "owner_user_name": "",
                                    "owner_project_name": ""}, **(props or {})))
        img["updated_at"] = iso_z(now)
        return img

    @staticmethod
    def _image_uploaded(img):
        def done(s, until):
            if img.get("status") == "queued":
                img.update({"status": "active", "size": 21430272,
                            "virtual_size": 117440512, "updated_at": iso_z(until)})
        return done

    def _lifecycle(self, req, s, action, arg, now):
        """resize, confirmResize, revertResize, rebuild, shelve, unshelve,
        rescue, unrescue, createImage: Nova's allowed states (409 otherwise,
        with its message), the task state each runs in, and where it ends."""
        st = self.st
        vms, task, event = LIFECYCLE[action]
        self._check_state(action, s, vms, [None])
        if s.pending:   # confirmResize runs without a task state
            raise HTTPError(400, "Instance has not been resized.")
        power = s.power_state
        headers, out, status = [], None, 202
        if action == "resize":
            f = st.flavors.get(arg["flavorRef"])
            if f is None:
                raise HTTPError(400, "Flavor %s could not be found." % arg["flavorRef"])
            if f["id"] == s.flavor["id"]:
                raise HTTPError(400, "When resizing, instances must change flavor!")
            if f.get("disabled"):
                raise HTTPError(400, "Flavor's disk is too small for requested image.")
            if f["disk"] == 0 and s.flavor["disk"] != 0 and s.image_id:
                raise HTTPError(400, "Unable to resize disk down.")
            s.old_flavor, s.old_vm = s.flavor, s.vm_state
            new = dict(f)

            def finish(s, until, new=new):
                s.flavor = new
            st.start_task(s, task, action, ("resized", power, finish), now)
        elif action == "confirmResize":
            back = s.old_vm or "active"

            def confirmed(s, until):
                s.old_flavor = s.old_vm = None
                osemu_admin.resize_settled(st, s, True, until)
            # Nova sets no task state: VERIFY_RESIZE until the compute confirms
            st.start_task(s, task, action, (back, power, confirmed), now)
            status = 204
        elif action == "revertResize":
            back = s.old_vm or "active"

            def reverted(s, until):
                if s.old_flavor:
                    s.flavor = s.old_flavor
                s.old_flavor = s.old_vm = None
                osemu_admin.resize_settled(st, s, False, until)
            st.start_task(s, task, action, (back, power, reverted), now)
        elif action == "rebuild":
            img = st.images.get(arg["imageRef"])
            if img is None or not Glance.visible(st, img, s.project_id):
                raise HTTPError(400, "Image %s could not be found." % arg["imageRef"])
            if img["status"] != "active":
                raise HTTPError(400, "Image %s is not active." % img["id"])
            s.image_id = img["id"]
            end = "stopped" if s.vm_state == "stopped" else "active"
            st.start_task(s, task, action,
                          (end, POWER["SHUTDOWN"] if end == "stopped" else POWER["RUNNING"]),
                          now)
            s.admin_pass = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmn"
                                                  "opqrstuvwxyz23456789") for _ in range(12))
            out = {"server": self.server_dict(req, s, req.ver, show=True)}
            out["server"]["adminPass"] = s.admin_pass
        elif action == "shelve":
            # shelved_offload_time = 0 (Nova's default): offloaded at once
            img = self._snapshot_image(s, s.name + "-shelved", now) if s.image_id else None
            s.shelved_image = img["id"] if img else None
            done = self._image_uploaded(img) if img else (lambda s, until: None)
            st.start_task(s, task, action,
                          ("shelved_offloaded", POWER["NOSTATE"], done), now)
        elif action == "unshelve":
            def spawned(s, until):
                if s.shelved_image:
                    st.images.pop(s.shelved_image, None)
                s.shelved_image = None
            st.start_task(s, task, action, ("active", POWER["RUNNING"], spawned), now)
        elif action == "rescue":
            if not s.image_id and req.ver < (2, 87):
                raise HTTPError(400, "Instance %s cannot be rescued: Cannot rescue a"
                                " volume-backed instance" % s.id)
            st.start_task(s, task, action, ("rescued", POWER["RUNNING"]), now)
            status = 200
            out = {"adminPass": (arg or {}).get("adminPass") or "".join(
                secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
                for _ in range(12))}
        elif action == "unrescue":
            st.start_task(s, task, action, ("active", POWER["RUNNING"]), now)
        elif action == "createImage":
            img = self._snapshot_image(s, arg["name"], now, arg.get("metadata"))
            st.start_task(s, task, action,
                          (s.vm_state, power, self._image_uploaded(img)), now)
            if req.ver >= (2, 45):
                out = {"image_id": img["id"]}
            else:
                headers.append(("Location", "%s/images/%s" % (self._base(req), img["id"])))
        st.record_action(s, action, req.rid, req.token.user, s.project_id, now, event)
        if out is None:
            if status == 204:
                return Resp(204, b"", [])
            r = nova_accepted()
            r.headers.extend(headers)
            return r
        return json_resp(status, out, headers)

    # -- servers: networks, security groups, volumes ----------------------------
    def _available_networks(self, project):
        """What Nova boots on when no network is named: the project's own
        networks and the shared ones, external networks left out."""
        return [n for n in self.st.net.coll["networks"].values()
                if (n["project_id"] == project or n["shared"])
                and not n["router:external"]]

    def _network_plan(self, req, networks, max_count):
        """[("net", network, fixed_ip) | ("port", port)] to plug a new server into."""
        net = self.st.net
        project = req.token.project
        if networks == "none":
            return []
        if networks is None or networks == "auto":
            avail = self._available_networks(project)
            if len(avail) > 1:
                raise HTTPError(409, "Multiple possible networks found, use a Network"
                                " ID to be more specific.")
            return [("net", n, None) for n in avail]
        plan = []
        for want in networks:
            if "port" in want and want["port"]:
                p = net.coll["ports"].get(want["port"])
                if p is None or p["project_id"] != project:
                    raise HTTPError(400, "Port id %s could not be found." % want["port"])
                if p["device_id"]:
                    raise HTTPError(409, "Port %s is still in use." % p["id"])
                if max_count > 1:
                    raise HTTPError(400, "Unable to launch multiple instances with a"
                                    " single configured port ID. Please launch your"
                                    " instance one by one with different ports.")
                plan.append(("port", p))
                continue
            n = net.coll["networks"].get(want.get("uuid"))
            if n is None or not (n["project_id"] == project or n["shared"]):
                raise HTTPError(400, "Network %s could not be found." % want.get("uuid"))
            plan.append(("net", n, want.get("fixed_ip")))
        return plan

    def _boot_groups(self, req, sgs):
        ids = []
        groups = self.st.net.coll["security-groups"]
        for g in sgs:
            name = g["name"]
            if name == "default":
                self.st.net.default_group(req.token.project, time.time())
            hit = [x for x in groups.values() if x["project_id"] == req.token.project
                   and name in (x["id"], x["name"])]
            if not hit:
                raise HTTPError(400, "Security group %s not found." % name)
            if len(hit) > 1:
                raise HTTPError(409, "Multiple security groups found matching '%s'. Use"
                                " an ID to be more specific." % name)
            ids.append(hit[0]["id"])
        return ids

    def _plug(self, s, plan, sg_ids, now):
        """Give the new server its ports; False if Neutron refused one (the
        build then fails, as when nova-compute cannot allocate the network)."""
        net = self.st.net
        s.ports = []
        for step in plan:
            if step[0] == "port":
                p = step[1]
                p.update({"device_id": s.id, "device_owner": "compute:nova"})
                net.bump(p, now)
                s.ports.append(p["id"])
                continue
            _, n, fixed_ip = step
            try:
                p = net.new_port(n, s.project_id, now, groups=sg_ids,
                                 fixed_ips=[{"ip_address": fixed_ip}] if fixed_ip else None,
                                 device_id=s.id, device_owner="compute:nova")
            except NeutronError:
                return False
            s.ports.append(p["id"])
            s.own_ports.append(p["id"])
        return True

    def _boot_volumes(self, req, bdm):
        """Check block_device_mapping_v2; [(kind, image or volume, size, dot)]."""
        out = []
        for b in bdm:
            if not isinstance(b, dict):
                raise bad_input("block_device_mapping_v2", bdm, "is not valid")
            src, dst = b.get("source_type"), b.get("destination_type", "volume")
            dot = bool(b.get("delete_on_termination", False))
            if src == "image" and dst == "volume":
                size = b.get("volume_size")
                if not size or int(size) < 1:
                    raise HTTPError(400, "Images with destination_type 'volume' need to"
                                    " have a non-zero size specified")
                img = self.st.images.get(b.get("uuid"))
                if img is None or not Glance.visible(self.st, img, req.token.project):
                    raise HTTPError(400, "Image %s could not be found." % b.get("uuid"))
                out.append(("image", img, int(size), dot))
            elif src == "volume":
                v = self.st.vol.volumes.get(b.get("uuid"))
                if v is None or v.project_id != req.token.project:
                    raise HTTPError(400, "Block Device Mapping is Invalid: failed to get"
                                    " volume %s." % b.get("uuid"))
                if v.status != "available":
                    raise HTTPError(400, "Invalid volume: volume %s status must be"
                                    " available, but current status is: %s"
                                    % (v.id, v.status))
                out.append(("volume", v, v.size, dot))
        return out

    def _attach_boot_volume(self, req, s, spec, now):
        kind, obj, size, dot = spec
        if kind == "image":
            v = self.st.vol.new(s.project_id, s.user_id, size, "", now, bootable=True,
                                image=obj, status="downloading")
        else:
            v = obj
        self.st.attach_volume(s, v, now, dot, boot=True)

    def _server_group(self, req, s, action, name, now):
        net = self.st.net
        hit = [g for g in net.coll["security-groups"].values()
               if g["project_id"] == s.project_id and name in (g["id"], g["name"])]
        if not hit:
            raise HTTPError(404, "Security group %s is not found for project %s"
                            % (name, s.project_id))
        g = hit[0]
        ports = [net.coll["ports"][p] for p in s.ports or [] if p in net.coll["ports"]]
        if not ports:
            raise HTTPError(404, "instance_id %s could not be found as device id on"
                            " any ports" % s.id)
        if action == "addSecurityGroup":
            if all(g["id"] in p["security_groups"] for p in ports):
                raise HTTPError(400, "Security group %s is already associated with the"
                                " instance %s" % (g["id"], s.id))
            for p in ports:
                if g["id"] not in p["security_groups"]:
                    p["security_groups"].append(g["id"])
                    net.bump(p, now)
        else:
            if not any(g["id"] in p["security_groups"] for p in ports):
                raise HTTPError(400, "Security group %s not associated with the instance"
                                " %s" % (g["id"], s.id))
            for p in ports:
                if g["id"] in p["security_groups"]:
                    p["security_groups"].remove(g["id"])
                    net.bump(p, now)
        self.st.refresh_addresses(s)
        return nova_accepted()

    # -- os-instance-actions -----------------------------------------------------
    def _action_view(self, a, ver, events, now, admin=False):
        """An instance action; `admin`: the caller may see events' details."""
        d = {k: a[k] for k in ("action", "instance_uuid", "request_id", "user_id",
                               "project_id", "message")}
        d["start_time"] = iso_us(a["start_time"])
        ends = [min(e["until"], now) for e in a["events"]]
        if ver >= (2, 58):
            d["updated_at"] = iso_us(max(ends + [a["start_time"]]))
        if events:
            out = []
            for e in a["events"]:
                done = e["until"] <= now
                ev = {"event": e["event"], "start_time": iso_us(e["start_time"]),
                      "finish_time": iso_us(e["until"]) if done else None,
                      "result": e["result"] if done else None}
                if ver >= (2, 62):
                    ev["hostId"] = hashlib.sha224(
                        (a["project_id"] + "compute1").encode()).hexdigest()
                if ver >= (2, 84) and admin:
                    ev["details"] = None
                out.append(ev)
            d["events"] = out
        return d

    def instance_actions(self, req, sid, rid):
        st = self.st
        with st.lock:
            st.settle()
            self._get_server(req, sid)
            now = time.time()
            acts = st.actions.get(sid, [])
            if rid is None:
                return json_resp(200, {"instanceActions": [
                    self._action_view(a, req.ver, False, now) for a in reversed(acts)]})
            a = next((a for a in acts if a["request_id"] == rid), None)
            if a is None:
                raise HTTPError(404, "Action %s on instance %s could not be found."
                                % (rid, sid))
            # before 2.51 only admins see the events
            admin = self._is_admin(req)
            events = req.ver >= (2, 51) or admin
            return json_resp(200, {"instanceAction": self._action_view(a, req.ver, events,
                                                                       now, admin)})

    # -- os-volume_attachments ------------------------------------------------------
    def _attachment_view(self, s, vid, ver, listing):
        b = s.bdms[vid]
        d = {"device": b["device"], "serverId": s.id, "volumeId": vid}
        if not (listing and ver >= (2, 89)):
            d["id"] = vid
        if ver >= (2, 70):
            d["tag"] = b["tag"]
        if ver >= (2, 79):
            d["delete_on_termination"] = bool(b["delete_on_termination"])
        if listing and ver >= (2, 89):
            d["attachment_id"] = b["attachment_id"]
            d["bdm_uuid"] = b["bdm_uuid"]
        return d

    def volume_attachments(self, req, sid, vid):
        st = self.st
        m = req.method
        with st.lock:
            st.settle()
            s = self._get_server(req, sid)
            now = time.time()
            if vid is None and m in ("GET", "HEAD"):
                return json_resp(200, {"volumeAttachments": [
                    self._attachment_view(s, v, req.ver, True) for v in s.volumes]})
            if vid is not None and m in ("GET", "HEAD"):
                if vid not in s.bdms:
                    raise HTTPError(404, "Volume %s is not attached to %s" % (vid, sid))
                return json_resp(200, {"volumeAttachment": self._attachment_view(
                    s, vid, req.ver, True)})
            if vid is None and m == "POST":
                return self._attach(req, s, now)
            if vid is not None and m == "DELETE":
                return self._detach(req, s, vid, now)
        raise HTTPError(405, "The method is not allowed for this resource.")

    def _attach(self, req, s, now):
        st = self.st
        body = req.json()
        if not isinstance(body, dict) or not isinstance(body.get("volumeAttachment"), dict):
            raise bad_input("volumeAttachment", body, "'volumeAttachment' is a required"
                            " property")
        spec = body["volumeAttachment"]
        vid = spec.get("volumeId")
        if not isinstance(vid, str) or not UUID_RE.match(vid):
            raise bad_input("volumeAttachment/volumeId", vid, "%r is not a 'uuid'" % (vid,))
        if s.locked and not self._is_admin(req):
            raise HTTPError(409, "Instance %s is locked" % s.id)
        self._check_state("attach_volume", s, ["active", "paused", "stopped",
                                               "suspended", "shelved",
                                               "shelved_offloaded"], [None])
        v = st.vol.volumes.get(vid)
        if v is None or v.project_id != s.project_id:
            raise HTTPError(404, "Volume %s could not be found." % vid)
        if vid in s.bdms:
            raise HTTPError(400, "Invalid volume: volume %s already attached" % vid)
        if v.status != "available" and not (v.multiattach and v.status == "in-use"):
            raise HTTPError(400, "Invalid input received: Invalid volume: Volume %s"
                            " status must be available or downloading to reserve, but"
                            " the current status is %s." % (vid, v.status))
        st.attach_volume(s, v, now, bool(spec.get("delete_on_termination", False)))
        if spec.get("tag") is not None and req.ver >= (2, 49):
            s.bdms[vid]["tag"] = spec["tag"]
        s.touch(now)
        st.record_action(s, "attach_volume", req.rid, req.token.user, s.project_id, now,
                         "compute_attach_volume")
        return json_resp(200, {"volumeAttachment": self._attachment_view(
            s, vid, req.ver, False)})

    def _detach(self, req, s, vid, now):
        st = self.st
        if vid not in s.bdms:
            raise HTTPError(404, "Volume %s is not attached to %s" % (vid, s.id))
        if s.locked and not self._is_admin(req):
            raise HTTPError(409, "Instance %s is locked" % s.id)
        if s.bdms[vid]["device"] == "/dev/vda" and not s.image_id:
            raise HTTPError(400, "Cannot detach a root device volume")
        self._check_state("detach_volume", s, ["active", "paused", "stopped",
                                               "suspended", "shelved",
                                               "shelved_offloaded"], [None])
        v = st.vol.volumes.get(vid)
        if v is not None:
            st.vol.detach(v, s.id, now)
        s.volumes.remove(vid)
        del s.bdms[vid]
        s.touch(now)
        st.record_action(s, "detach_volume", req.rid, req.token.user, s.project_id, now,
                         "compute_detach_volume")
        return nova_accepted()

    # -- metadata ----------------------------------------------------------------
    def _validate_metadata(self, md, field):
        if not isinstance(md, dict):
            raise bad_input(field, md, "%r is not of type 'object'" % (md,))
        for k, v in md.items():
            if not META_KEY_RE.match(k):
                raise bad_input(field, md, "Additional properties are not allowed"
                                " (%r was unexpected)" % k)
            if not isinstance(v, str):
                raise bad_input("%s/%s" % (field, k), v, "%r is not of type 'string'" % (v,))
            if len(v) > 255:
                raise bad_input("%s/%s" % (field, k), v, "%r is too long" % v)

    def _meta_writable(self, req, s, action):
        if s.locked and not self._is_admin(req):
            raise HTTPError(409, "Instance %s is locked" % s.id)
        if s.vm_state not in ("active", "paused", "suspended", "stopped"):
            self._invalid_state(action, s, "vm_state")

    def metadata(self, req, sid, key):
        st = self.st
        m = req.method
        body = None
        if m in ("POST", "PUT"):
            body = req.json()
        with st.lock:
            st.settle()
            s = self._get_server(req, sid)
            now = time.time()
            if key is None:
                if m in ("GET", "HEAD"):
                    return json_resp(200, {"metadata": dict(s.metadata)})
                if not isinstance(body, dict) or "metadata" not in body or len(body) != 1:
                    raise bad_input("root", body, "'metadata' is a required property")
                md = body["metadata"]
                self._validate_metadata(md, "metadata")
                self._meta_writable(req, s, "update metadata")
                new = dict(md) if m == "PUT" else dict(s.metadata, **md)
                if len(new) > st.max_server_meta:
                    raise HTTPError(403, "Quota exceeded for metadata_items: Requested"
                                    " %d, but already used %d of %d metadata_items"
                                    % (len(md), len(s.metadata) if m == "POST" else 0,
                                       st.max_server_meta))
                s.metadata = new
                s.touch(now)
                return json_resp(200, {"metadata": dict(s.metadata)})
            if m in ("GET", "HEAD"):
                if key not in s.metadata:
                    raise HTTPError(404, "Metadata item was not found")
                return json_resp(200, {"meta": {key: s.metadata[key]}})
            if m == "PUT":
                if not isinstance(body, dict) or "meta" not in body or len(body) != 1:
                    raise bad_input("root", body, "'meta' is a required property")
                meta = body["meta"]
                if not isinstance(meta, dict) or not meta:
                    raise bad_input("meta", meta, "%r does not have enough properties" % (meta,))
                if len(meta) > 1:
                    raise HTTPError(400, "Request body contains too many items")
                self._validate_metadata(meta, "meta")
                if key not in meta:
                    raise HTTPError(400, "Request body and URI mismatch")
                self._meta_writable(req, s, "update metadata")
                new = dict(s.metadata)
                new[key] = meta[key]
                if len(new) > st.max_server_meta:
                    raise HTTPError(403, "Quota exceeded for metadata_items: Requested 1,"
                                    " but already used %d of %d metadata_items"
                                    % (len(s.metadata), st.max_server_meta))
                s.metadata = new
                s.touch(now)
                return json_resp(200, {"meta": {key: meta[key]}})
            # DELETE
            if key not in s.metadata:
                raise HTTPError(404, "Metadata item was not found")
            self._meta_writable(req, s, "delete metadata")
            del s.metadata[key]
            s.touch(now)
            return Resp(204, b"")

    # -- flavors -------------------------------------------------------------------
    def flavor_dict(self, req, f, detail):
        ver = req.ver
        d = {"id": f["id"], "name": f["name"]}
        if detail:
            d.update({"ram": f["ram"], "disk": f["disk"],
                      "swap": f["swap"] if (f["swap"] or ver >= (2, 75)) else "",
                      "OS-FLV-EXT-DATA:ephemeral": f["ephemeral"]})
            if ver < (2, 102):
                d["OS-FLV-DISABLED:disabled"] = f["disabled"]
            d["vcpus"] = f["vcpus"]
            d["os-flavor-access:is_public"] = f["is_public"]
            if ver < (2, 102):
                d["rxtx_factor"] = f["rxtx_factor"]
        d["links"] = self._links(req, "flavors", f["id"])
        if ver >= (2, 55):
            d["description"] = f["description"]
        if detail and ver >= (2, 61):
            d["extra_specs"] = dict(f["extra_specs"])
        return d

    def list_flavors(self, req, detail):
        st = self.st
        self._check_unknown_params(req, {"limit", "marker", "minDisk", "minRam",
                                         "is_public", "sort_key", "sort_dir", "name"})
        limit, marker = self._limit_marker(req)
        min_disk = req.q("minDisk")
        min_ram = req.q("minRam")
        for nm, v in (("minDisk", min_disk), ("minRam", min_ram)):
            if v is not None:
                try:
                    int(v)
                except ValueError:
                    raise HTTPError(400, "Invalid %s filter [%s]" % (nm, v))
        sort_key = req.q("sort_key", "flavorid")
        sort_dir = req.q("sort_dir", "asc")
        keymap = {"flavorid": "id", "id": "id", "name": "name", "memory_mb": "ram",
                  "vcpus": "vcpus", "root_gb": "disk", "ephemeral_gb": "ephemeral",
                  "swap": "swap", "rxtx_factor": "rxtx_factor",
                  "created_at": "id", "description": "description",
                  "disabled": "disabled", "is_public": "is_public"}
        if sort_key not in keymap:
            raise HTTPError(400, "Invalid input for query parameters sort_key."
                            " Value: %s." % sort_key)
        if sort_dir not in ("asc", "desc"):
            raise HTTPError(400, "Invalid input for query parameters sort_dir."
                            " Value: %s." % sort_dir)
        name_f = req.q("name") if req.ver >= (2, 102) else None
        with st.lock:
            fl = [st.flavors[i] for i in st.flavor_order]
            fl.sort(key=lambda f: (f[keymap[sort_key]] is None, f[keymap[sort_key]] or "",
                                   f["id"]), reverse=(sort_dir == "desc"))
            if min_disk is not None:
                fl = [f for f in fl if f["disk"] >= int(min_disk)]
            if min_ram is not None:
                fl = [f for f in fl if f["ram"] >= int(min_ram)]
            if name_f is not None:
                fl = [f for f in fl if re.search(name_f, f["name"])]
            start = 0
            if marker is not None:
                ids = [f["id"] for f in fl]
                if marker not in st.flavors:
                    raise HTTPError(400, "marker [%s] not found" % marker)
                start = ids.index(marker) + 1 if marker in ids else len(fl)
            page = fl[start:start + limit] if limit else []
            items = [self.flavor_dict(req, f, detail) for f in page]
        out = {"flavors": items}
        last = page[-1]["id"] if page else marker
        links = self._collection_links(req, len(page), limit,
                                       "flavors/detail" if detail else "flavors", last)
        if links:
            out["flavors_links"] = links
        return json_resp(200, out)

    def show_flavor(self, req, fid):
        self._check_unknown_params(req, set())
        f = self.st.flavors.get(fid)
        if f is None:
            raise HTTPError(404, "Flavor %s could not be found." % fid)
        return json_resp(200, {"flavor": self.flavor_dict(req, f, True)})

    def extra_specs(self, req, fid, key):
        f = self.st.flavors.get(fid)
        if f is None:
            raise HTTPError(404, "Flavor %s could not be found." % fid)
        if key is None:
            return json_resp(200, {"extra_specs": dict(f["extra_specs"])})
        if key not in f["extra_specs"]:
            raise HTTPError(404, "Flavor %s has no extra specs with key %s." % (fid, key))
        return json_resp(200, {key: f["extra_specs"][key]})

    # -- keypairs ------------------------------------------------------------------
    def list_keypairs(self, req):
        st = self.st
        ver = req.ver
        allowed = {"user_id"} | ({"limit", "marker"} if ver >= (2, 35) else set())
        self._check_unknown_params(req, allowed)
        with st.lock:
            kps = sorted(st.keypairs.get(req.token.user, {}).values(),
                         key=lambda k: k["name"])
            limit = None
            if ver >= (2, 35):
                limit, marker = self._limit_marker(req)
                if marker is not None:
                    names = [k["name"] for k in kps]
                    if marker not in names:
                        raise HTTPError(400, "Marker %s could not be found." % marker)
                    kps = kps[names.index(marker) + 1:]
                kps = kps[:limit]
            items = []
            for k in kps:
                d = {"name": k["name"], "public_key": k["public_key"],
                     "fingerprint": k["fingerprint"]}
                if ver >= (2, 2):
                    d["type"] = k["type"]
                items.append({"keypair": d})
        out = {"keypairs": items}
        if limit is not None:
            links = self._collection_links(req, len(kps), limit, "os-keypairs",
                                           kps[-1]["name"] if kps else req.q("marker"))
            if links:
                out["keypairs_links"] = links
        return json_resp(200, out)

    def show_keypair(self, req, name):
        st = self.st
        with st.lock:
            k = st.keypairs.get(req.token.user, {}).get(name)
            if k is None:
                raise HTTPError(404, "Keypair %s not found for user %s"
                                % (name, req.token.user))
            d = {"public_key": k["public_key"], "name": k["name"],
                 "fingerprint": k["fingerprint"], "user_id": k["user_id"],
                 "created_at": k["created_at"], "updated_at": None,
                 "deleted": False, "deleted_at": None, "id": k["id"]}
            if req.ver >= (2, 2):
                d["type"] = k["type"]
        return json_resp(200, {"keypair": d})

    def delete_keypair(self, req, name):
        st = self.st
        with st.lock:
            kps = st.keypairs.get(req.token.user, {})
            if name not in kps:
                raise HTTPError(404, "Keypair %s not found for user %s"
                                % (name, req.token.user))
            del kps[name]
        return Resp(204 if req.ver >= (2, 2) else 202, b"")

    def create_keypair(self, req):
        st = self.st
        ver = req.ver
        body = req.json()
        if not isinstance(body, dict) or not isinstance(body.get("keypair"), dict):
            raise bad_input("root", body, "'keypair' is a required property")
        for k in body:
            if k != "keypair":
                raise bad_input("root", body, "Additional properties are not allowed"
                                " ('%s' was unexpected)" % k)
        kp = body["keypair"]
        allowed = {"name", "public_key"}
        if ver >= (2, 2):
            allowed.add("type")
        if ver >= (2, 10):
            allowed.add("user_id")
        for k in kp:
            if k not in allowed:
                raise bad_input("keypair", kp, "Additional properties are not allowed"
                                " ('%s' was unexpected)" % k)
        if "name" not in kp:
            raise bad_input("keypair", kp, "'name' is a required property")
        if ver >= (2, 92) and "public_key" not in kp:
            raise bad_input("keypair", kp, "'public_key' is a required property")
        name = kp["name"]
        pattern = KEYPAIR_NAME_RE_292 if ver >= (2, 92) else KEYPAIR_NAME_RE
        if not isinstance(name, str) or not (1 <= len(name) <= 255) or \
                not pattern.match(name):
            raise bad_input("name", name, "%r does not match %r" % (name, pattern.pattern))
        if ver < (2, 92) and not name.strip():
            raise HTTPError(400, "Keypair data is invalid: Keypair name must be string"
                            " and between 1 and 255 characters long")
        ktype = kp.get("type", "ssh")
        if ktype not in ("ssh", "x509"):
            raise bad_input("type", ktype, "%r is not one of ['ssh', 'x509']" % ktype)
        user = req.token.user
        if kp.get("user_id") not in (None, user):
            if not self._is_admin(req):
                raise HTTPError(403, "Policy doesn't allow os_compute_api:os-keypairs:create"
                                " to be performed.")
            user = kp["user_id"]
        public_key = kp.get("public_key")
        private_key = None
        if public_key is not None and not isinstance(public_key, str):
            raise bad_input("public_key", public_key, "is not of type 'string'")
        with st.lock:
            kps = st.keypairs.get(user, {})
            if len(kps) >= st.max_keypairs:
                raise HTTPError(403, "Quota exceeded, too many key pairs.")
            if name in kps:
                raise HTTPError(409, "Key pair '%s' already exists." % name)
            if public_key is None:
                if ktype != "ssh":
                    raise HTTPError(400, "Keypair data is invalid: failed to generate"
                                    " fingerprint")
                mod = b"\x00" + os.urandom(256)
                payload = (len(b"\x01\x00\x01").to_bytes(4, "big") + b"\x01\x00\x01" +
                           len(mod).to_bytes(4, "big") + mod)
                blob = ssh_blob("ssh-rsa", payload)
                public_key = "ssh-rsa %s Generated-by-Nova" % base64.b64encode(blob).decode()
                pk = base64.encodebytes(os.urandom(1190)).decode()
                private_key = ("-----BEGIN RSA PRIVATE KEY-----\n%s"
                               "-----END RSA PRIVATE KEY-----\n" % pk)
            fp = ssh_fingerprint(public_key) if ktype == "ssh" else x509_fingerprint(public_key)
            if fp is None:
                raise HTTPError(400, "Keypair data is invalid: failed to generate"
                                " fingerprint")
            rec = st.add_keypair(user, name, public_key, ktype, time.time())
        d = {"name": rec["name"], "public_key": rec["public_key"],
             "fingerprint": rec["fingerprint"], "user_id": rec["user_id"]}
        if ver >= (2, 2):
            d["type"] = rec["type"]
        if private_key:
            d["private_key"] = private_key
        return json_resp(201 if ver >= (2, 2) else 200, {"keypair": d})

    # -- limits ------------------------------------------------------------------------
    def limits(self, req):
        st = self.st
        ver = req.ver
        self._check_unknown_params(req, {"tenant_id"})
        with st.lock:
            st.settle()
            mine = [s for s in st.servers.values() if s.project_id == req.token.project]
            used_i = len(mine)
            used_c = sum(s.flavor["vcpus"] for s in mine)
            used_r = sum(s.flavor["ram"] for s in mine)
            mx = st.max_instances
        a = {"maxServerMeta": st.max_server_meta, "maxPersonality": 5,
             "maxPersonalitySize": 10240, "maxImageMeta": st.max_server_meta,
             "maxTotalKeypairs": st.max_keypairs, "maxServerGroups": 10,
             "maxServerGroupMembers": 10, "maxTotalInstances": mx,
             "maxTotalCores": -1, "maxTotalRAMSize": -1,
             "maxSecurityGroups": 10, "maxSecurityGroupRules": 20,
             "maxTotalFloatingIps": 10,
             "totalInstancesUsed": used_i, "totalCoresUsed": used_c,
             "totalRAMUsed": used_r, "totalSecurityGroupsUsed": 0,
             "totalFloatingIpsUsed": 0, "totalServerGroupsUsed": 0}
        if ver >= (2, 36):
            for k in ("maxSecurityGroups", "maxSecurityGroupRules",
                      "maxTotalFloatingIps", "totalSecurityGroupsUsed",
                      "totalFloatingIpsUsed"):
                a.pop(k)
        if ver >= (2, 39):
            a.pop("maxImageMeta")
        if ver >= (2, 57):
            a.pop("maxPersonality")
            a.pop("maxPersonalitySize")
        return json_resp(200, {"limits": {"rate": [], "absolute": a}})


# ---------------------------------------------------------------------------
# Glance
# ---------------------------------------------------------------------------

GLANCE_BASE_PROPS = {
    "id", "name", "status", "visibility", "protected", "os_hidden", "checksum",
    "os_hash_algo", "os_hash_value", "owner", "size", "virtual_size",
    "container_format", "disk_format", "created_at", "updated_at", "tags",
    "min_disk", "min_ram", "self", "file", "schema", "locations",
    "direct_url", "stores",
}
GLANCE_STATUSES = {"queued", "saving", "active", "killed", "deleted",
                   "pending_delete", "deactivated", "uploading", "importing"}


class Glance:
    def __init__(self, st):
        self.st = st

    @staticmethod
    def visible(st, img, project):
        vis = img["visibility"]
        return vis in ("public", "community") or img["owner"] == project

    def err(self, req, status, message, headers=None):
        return webob_error(status, message, req.header("Accept"),
                           [("X-Openstack-Request-Id", req_id())] + (headers or []))

    def versions(self, req, status=300):
        h = req.host
        vals = [{"id": "v2.18", "status": "CURRENT"}]
        for minor in range(17, -1, -1):
            vals.append({"id": "v2.%d" % minor, "status": "SUPPORTED"})
        for v in vals:
            v["links"] = [{"rel": "self", "href": "http://%s/image/v2/" % h}]
        return json_resp(status, {"versions": vals})

    def handle(self, req):
        path = req.path[len("/image"):]
        if path in ("", "/", "/v2", "/v2/"):
            if req.method not in ("GET", "HEAD"):
                return self.err(req, 405, "The method is not allowed for this resource.")
            return self.versions(req, 300)
        if path in ("/versions", "/versions/"):
            return self.versions(req, 200)
        tok = authtoken(self.st, req)
        if tok is None:
            return middleware_401(self.st, req)
        req.token = tok
        try:
            segs = [urllib.parse.unquote(s) for s in path.split("/")[1:]]
            if segs[:2] == ["v2", "images"]:
                if segs[2:] == [""]:
                    segs = segs[:2]
                if len(segs) == 2 and req.method in ("GET", "HEAD"):
                    r = self.list_images(req)
                elif len(segs) == 3 and segs[2] and req.method in ("GET", "HEAD"):
                    r = self.show_image(req, segs[2])
                elif len(segs) in (2, 3):
                    raise HTTPError(405, "The method is not allowed for this resource.")
                else:
                    raise HTTPError(404, "The resource could not be found.")
            else:
                raise HTTPError(404, "The resource could not be found.")
        except HTTPError as e:
            return self.err(req, e.status, e.message, e.headers)
        r.headers.append(("X-Openstack-Request-Id", req_id()))
        return r

    def public_image(self, img):
        return {k: v for k, v in img.items() if not k.startswith("_")}

    def show_image(self, req, iid):
        st = self.st
        with st.lock:
            img = st.images.get(iid)
            if img is None or not self.visible(st, img, req.token.project):
                raise HTTPError(404, "No image found with ID %s" % iid)
            out = self.public_image(img)
        return json_resp(200, out)

    def list_images(self, req):
        st = self.st
        params = {}
        for k, v in req.qs:
            params[k] = v            # dict(request.params): last one wins
        limit = 25
        if "limit" in params:
            try:
                limit = int(params["limit"])
            except ValueError:
                raise HTTPError(400, "limit param must be an integer")
            if limit < 0:
                raise HTTPError(400, "limit param must be positive")
        limit = min(st.page_max, limit)
        marker = params.get("marker")
        sort_key = params.get("sort_key", "created_at")
        sort_dir = params.get("sort_dir", "desc")
        if sort_dir not in ("asc", "desc"):
            raise HTTPError(400, "Invalid sort direction: %s" % sort_dir)
        sort_keys = [(sort_key, sort_dir)]
        if "sort" in params:
            sort_keys = []
            for part in params["sort"].split(","):
                k, _, d = part.strip().partition(":")
                d = d or "desc"
                if d not in ("asc", "desc"):
                    raise HTTPError(400, "Invalid sort direction: %s" % d)
                sort_keys.append((k, d))
        sortable = {"name", "status", "container_format", "disk_format", "size",
                    "id", "created_at", "updated_at", "visibility", "owner",
                    "min_disk", "min_ram", "virtual_size"}
        for k, _ in sort_keys:
            if k not in sortable:
                raise HTTPError(400, "Invalid sort key: %s. It must be one of the"
                                " following: %s." % (k, ", ".join(sorted(sortable))))
        visibility = params.get("visibility")
        if visibility is not None and visibility not in (
                "public", "private", "shared", "community", "all"):
            raise HTTPError(400, "Invalid visibility value: %s" % visibility)
        status = params.get("status")
        if status is not None:
            vals = status[3:].split(",") if status.startswith("in:") else [status]
            for v in vals:
                if v not in GLANCE_STATUSES:
                    raise HTTPError(400, "Invalid status value: %s" % v)
        tags = req.qall("tag")
        reserved = {"limit", "marker", "sort_key", "sort_dir", "sort",
                    "visibility", "member_status", "tag"}
        project = req.token.project

        def in_vals(v):
            if v.startswith("in:"):
                out = []
                for m in re.finditer(r'"([^"]*)"|([^,]+)', v[3:]):
                    out.append(m.group(1) if m.group(1) is not None else m.group(2))
                return out
            return [v]

        def cmp_time(spec, value):
            op, _, ts = spec.partition(":")
            if op not in ("gt", "gte", "lt", "lte", "eq", "neq"):
                op, ts = "eq", spec
            t = parse_iso(ts)
            if t is None:
                raise HTTPError(400, "Unable to filter on a range with a nonnumeric value.")
            iv = parse_iso(value)
            return {"gt": iv > t, "gte": iv >= t, "lt": iv < t, "lte": iv <= t,
                    "eq": iv == t, "neq": iv != t}[op]

        with st.lock:
            imgs = []
            for img in st.images.values():
                vis = img["visibility"]
                if visibility is None:
                    # public + own private/shared (+ accepted shared; no members here)
                    if not (vis == "public" or (img["owner"] == project
                                                and vis != "community")):
                        continue
                elif visibility == "all":
                    if not self.visible(st, img, project):
                        continue
                else:
                    if vis != visibility or not self.visible(st, img, project):
                        continue
                if img["os_hidden"] and params.get("os_hidden") != "true":
                    continue
                ok = True
                for k, v in params.items():
                    if k in reserved or k == "os_hidden":
                        continue
                    if k in ("name", "status", "id", "disk_format",
                             "container_format", "owner", "checksum"):
                        if img.get(k) not in in_vals(v):
                            ok = False
                    elif k == "protected":
                        if v not in ("true", "false"):
                            raise HTTPError(400, "Invalid value '%s' for 'protected' filter."
                                            " Valid values are 'true' or 'false'." % v)
                        if img["protected"] != (v == "true"):
                            ok = False
                    elif k in ("size_min", "size_max"):
                        try:
                            n = int(v)
                        except ValueError:
                            raise HTTPError(400, "Unable to filter using the specified"
                                            " range.")
                        sz = img["size"]
                        if sz is None or (sz < n if k == "size_min" else sz > n):
                            ok = False
                    elif k in ("created_at", "updated_at"):
                        if not cmp_time(v, img[k]):
                            ok = False
                    else:
                        # custom property filter
                        if str(img.get(k)) != v or k in GLANCE_BASE_PROPS:
                            ok = False
                    if not ok:
                        break
                if ok and tags and not all(t in img["tags"] for t in tags):
                    ok = False
                if ok:
                    imgs.append(img)
            for k, d in reversed(sort_keys + [("created_at", "desc"), ("id", "desc")]):
                imgs.sort(key=lambda i, k=k: (i[k] is None, i[k] if i[k] is not None else ""),
                          reverse=(d == "desc"))
            start = 0
            if marker is not None:
                ids = [i["id"] for i in imgs]
                m = st.images.get(marker)
                if m is None or not self.visible(st, m, project):
                    raise HTTPError(400, "marker [%s] not found" % marker)
                start = ids.index(marker) + 1 if marker in ids else len(imgs)
            page = imgs[start:start + limit]
            items = [self.public_image(i) for i in page]
        rest = dict(params)
        rest.pop("marker", None)
        body = {"images": items, "first": "/v2/images", "schema": "/v2/schemas/images"}
        if rest:
            body["first"] += "?" + urllib.parse.urlencode(rest)
        if req.loop_next:
            body["next"] = req.path[len("/image"):] + (
                "?" + req.query_string if req.query_string else "")
        elif page and len(page) == limit:
            rest["marker"] = page[-1]["id"]
            body["next"] = "/v2/images?" + urllib.parse.urlencode(rest)
        return json_resp(200, dumps(body))


# ---------------------------------------------------------------------------
# HTTP server
# ---------------------------------------------------------------------------

# ---------------------------------------------------------------------------
# Neutron (networking v2.0): data
# ---------------------------------------------------------------------------

# collection -> (member key, error type, "not found" message format)
NEUTRON_RESOURCES = {
    "networks": ("network", "NetworkNotFound", "Network %s could not be found."),
    "subnets": ("subnet", "SubnetNotFound", "Subnet %s could not be found."),
    "ports": ("port", "PortNotFound", "Port %s could not be found."),
    "security-groups": ("security_group", "SecurityGroupNotFound",
                        "Security group %s does not exist"),
    "security-group-rules": ("security_group_rule", "SecurityGroupRuleNotFound",
                             "Security group rule %s does not exist"),
    "floatingips": ("floatingip", "FloatingIPNotFound",
                    "Floating IP %s could not be found"),
    "routers": ("router", "RouterNotFound", "Router %s could not be found"),
}
# what a POST may set (beyond project_id/tenant_id); PUT takes the same minus
# the keys in NEUTRON_CREATE_ONLY
NEUTRON_WRITABLE = {
    "networks": {"name", "admin_state_up", "shared", "description", "mtu",
                 "port_security_enabled", "router:external", "tags"},
    "subnets": {"name", "network_id", "cidr", "ip_version", "gateway_ip",
                "enable_dhcp", "allocation_pools", "dns_nameservers",
                "host_routes", "description"},
    "ports": {"name", "network_id", "fixed_ips", "security_groups", "device_id",
              "device_owner", "admin_state_up", "mac_address", "description",
              "port_security_enabled", "allowed_address_pairs",
              "binding:vnic_type"},
    "security-groups": {"name", "description", "stateful"},
    "security-group-rules": {"security_group_id", "direction", "ethertype",
                             "protocol", "port_range_min", "port_range_max",
                             "remote_ip_prefix", "remote_group_id",
                             "description"},
    "floatingips": {"floating_network_id", "port_id", "fixed_ip_address",
                    "floating_ip_address", "description", "subnet_id"},
    "routers": {"name", "admin_state_up", "external_gateway_info",
                "description"},
}
NEUTRON_CREATE_ONLY = {
    "networks": set(), "subnets": {"network_id", "cidr", "ip_version"},
    "ports": {"network_id"}, "security-groups": set(),
    "security-group-rules": NEUTRON_WRITABLE["security-group-rules"] - {"description"},
    "floatingips": {"floating_network_id", "floating_ip_address", "subnet_id"},
    "routers": set(),
}
NEUTRON_REQUIRED = {
    "subnets": ("network_id", "cidr", "ip_version"), "ports": ("network_id",),
    "security-group-rules": ("security_group_id", "direction"),
    "floatingips": ("floating_network_id",),
}
NEUTRON_PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "ipv6-icmp": 58}
NEUTRON_EXTENSIONS = ("address-scope", "agent", "allowed-address-pairs",
                      "availability_zone", "binding", "default-subnetpools",
                      "external-net", "extra_dhcp_opt",
                      "extraroute", "fip-port-details", "floating-ip-port-forwarding",
                      "l3_agent_scheduler", "network_availability_zone",
                      "port-security", "project-id", "quotas", "router",
                      "security-group", "standard-attr-description",
                      "standard-attr-revisions", "standard-attr-tag",
                      "standard-attr-timestamp", "subnet_allocation")


class NeutronError(Exception):
    """Rendered as {"NeutronError": {"type", "message", "detail"}}."""

    def __init__(self, status, etype, message):
        super().__init__(message)
        self.status = status
        self.etype = etype
        self.message = message


def neutron_bad(message):
    return NeutronError(400, "HTTPBadRequest", message)


class NetStore:
    """Neutron's objects.  Guarded by State.lock (the only emulator lock)."""

    def __init__(self, st):
        self.st = st
        self.coll = {c: {} for c in NEUTRON_RESOURCES}
        self.mac_seq = 0
        self.rng = random.Random(st.args.seed + 1)
        self.std_seq = 0            # standard_attr_id: one counter for every object

    # -- helpers ------------------------------------------------------------
    def _std(self, project, now):
        """The standard attributes every Neutron object carries.  `_std_id` is
        the standard_attr_id that Neutron shows only on the rules inside a
        security group."""
        self.std_seq += 1
        return {"id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                "project_id": project, "tenant_id": project,
                "description": "", "tags": [], "created_at": iso_z(now),
                "updated_at": iso_z(now), "revision_number": 0,
                "_std_id": self.std_seq}

    @staticmethod
    def bump(obj, now):
        obj["revision_number"] += 1
        obj["updated_at"] = iso_z(now)

    def add(self, coll, obj):
        self.coll[coll][obj["id"]] = obj
        return obj

    def network_by_name(self, name):
        return next(n for n in self.coll["networks"].values() if n["name"] == name)

    # -- creators (used by the seed, the API and Nova) ---------------------
    def new_network(self, project, name, now, shared=False, external=False,
                    mtu=1500):
        n = self._std(project, now)
        n.update({"name": name, "status": "ACTIVE", "admin_state_up": True,
                  "shared": shared, "router:external": external, "subnets": [],
                  "mtu": mtu, "port_security_enabled": True,
                  "availability_zone_hints": [], "availability_zones": [],
                  "ipv4_address_scope": None, "ipv6_address_scope": None,
                  "_ptype": "flat" if external else "local"})
        return self.add("networks", n)

    def new_subnet(self, net, name, cidr, now, gateway_ip=None, enable_dhcp=True,
                   pools=None, dns=None, project=None, ip_version=4):
        try:
            ipn = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise neutron_bad("Invalid input for cidr. Reason: '%s' is not a valid"
                              " IP subnet." % cidr)
        if ipn.version != ip_version:
            raise neutron_bad("Invalid input for operation: Specified IP version %d"
                              " does not match the CIDR %s." % (ip_version, cidr))
        hosts = list(ipn.hosts())[:1] if ipn.num_addresses > 2 else []
        if gateway_ip is None and hosts:
            gateway_ip = str(hosts[0])
        if pools is None:
            first = ipn.network_address + (2 if gateway_ip else 1)
            last = ipn.broadcast_address - (1 if ipn.version == 4 else 0)
            pools = [{"start": str(first), "end": str(last)}]
        s = self._std(project or net["project_id"], now)
        s.update({"name": name, "network_id": net["id"], "cidr": str(ipn),
                  "ip_version": ipn.version, "gateway_ip": gateway_ip,
                  "enable_dhcp": enable_dhcp, "allocation_pools": pools,
                  "dns_nameservers": list(dns or []), "host_routes": [],
                  "ipv6_address_mode": None, "ipv6_ra_mode": None,
                  "service_types": [], "subnetpool_id": None})
        net["subnets"].append(s["id"])
        self.bump(net, now)
        return self.add("subnets", s)

    def _used_ips(self, subnet_id):
        used = set()
        for p in self.coll["ports"].values():
            for f in p["fixed_ips"]:
                if f["subnet_id"] == subnet_id:
                    used.add(f["ip_address"])
        for f in self.coll["floatingips"].values():
            used.add(f["floating_ip_address"])
        return used

    def allocate_ip(self, subnet, wanted=None):
        used = self._used_ips(subnet["id"])
        if wanted is not None:
            if wanted in used:
                raise NeutronError(409, "IpAddressAlreadyAllocated",
                                   "IP address %s already allocated in subnet %s"
                                   % (wanted, subnet["id"]))
            try:
                ok = ipaddress.ip_address(wanted) in ipaddress.ip_network(subnet["cidr"])
            except ValueError:
                ok = False
            if not ok:
                raise neutron_bad("Invalid input for operation: IP address %s is not"
                                  " a valid IP for the specified subnet." % wanted)
            return wanted
        for pool in subnet["allocation_pools"]:
            a = ipaddress.ip_address(pool["start"])
            end = ipaddress.ip_address(pool["end"])
            while a <= end:
                if str(a) not in used:
                    return str(a)
                a += 1
        raise NeutronError(409, "IpAddressGenerationFailure",
                           "No more IP addresses available on network %s."
                           % subnet["network_id"])

    def default_group(self, project, now):
        for g in self.coll["security-groups"].values():
            if g["project_id"] == project and g["name"] == "default":
                return g
        g = self.new_group(project, "default", "Default security group", now)
        for eth in ("IPv4", "IPv6"):
            self.new_rule(g, "ingress", now, ethertype=eth, remote_group_id=g["id"])
        return g

    def new_group(self, project, name, description, now, stateful=True):
        g = self._std(project, now)
        g.update({"name": name, "description": description, "stateful": stateful,
                  "shared": False, "security_group_rules": []})
        self.add("security-groups", g)
        for eth in ("IPv4", "IPv6"):
            self.new_rule(g, "egress", now, ethertype=eth)
        return g

    def new_rule(self, g, direction, now, ethertype="IPv4", protocol=None,
                 port_range_min=None, port_range_max=None, remote_ip_prefix=None,
                 remote_group_id=None, description=""):
        r = self._std(g["project_id"], now)
        del r["tags"]               # a rule of its own shows none (in a group: [])
        r.update({"security_group_id": g["id"], "direction": direction,
                  "ethertype": ethertype, "protocol": protocol,
                  "port_range_min": port_range_min, "port_range_max": port_range_max,
                  "remote_ip_prefix": remote_ip_prefix,
                  "remote_group_id": remote_group_id,
                  "remote_address_group_id": None,
                  "normalized_cidr": (str(ipaddress.ip_network(remote_ip_prefix,
                                                               strict=False))
                                      if remote_ip_prefix else None),
                  "description": description})
        self.add("security-group-rules", r)
        g["security_group_rules"].append(r["id"])
        self.bump(g, now)
        return r

    def new_port(self, net, project, now, name="", fixed_ips=None, groups=None,
                 device_id="", device_owner="", status="DOWN"):
        self.mac_seq += 1
        n = self.mac_seq
        p = self._std(project, now)
        ips = []
        if fixed_ips is None:
            fixed_ips = [{"subnet_id": sid} for sid in net["subnets"][:1]]
        for want in fixed_ips:
            sid = want.get("subnet_id")
            if sid is None and "ip_address" in want:
                sid = next((s for s in net["subnets"]
                            if self._in_subnet(s, want["ip_address"])), None)
                if sid is None:
                    raise neutron_bad("Invalid input for operation: IP address %s is"
                                      " not a valid IP for any of the subnets on the"
                                      " specified network." % want["ip_address"])
            sub = self.coll["subnets"].get(sid)
            if sub is None or sub["network_id"] != net["id"]:
                raise neutron_bad("Invalid input for operation: Failed to create port"
                                  " on network %s, because fixed_ips included invalid"
                                  " subnet %s." % (net["id"], sid))
            ips.append({"subnet_id": sid,
                        "ip_address": self.allocate_ip(sub, want.get("ip_address"))})
        if groups is None:
            groups = [self.default_group(project, now)["id"]] if project else []
        p.update({"name": name, "network_id": net["id"], "fixed_ips": ips,
                  "mac_address": "fa:16:3e:%02x:%02x:%02x" % ((n >> 16) & 255,
                                                              (n >> 8) & 255, n & 255),
                  "status": status, "admin_state_up": True, "device_id": device_id,
                  "device_owner": device_owner, "security_groups": list(groups),
                  "allowed_address_pairs": [], "extra_dhcp_opts": [],
                  "port_security_enabled": True, "binding:vnic_type": "normal"})
        return self.add("ports", p)

    def _in_subnet(self, sid, ip):
        try:
            return ipaddress.ip_address(ip) in ipaddress.ip_network(
                self.coll["subnets"][sid]["cidr"])
        except ValueError:
            return False

    def new_router(self, project, name, now, gateway_net=None):
        r = self._std(project, now)
        r.update({"name": name, "status": "ACTIVE", "admin_state_up": True,
                  "external_gateway_info": None, "routes": [], "flavor_id": None,
                  "availability_zone_hints": [], "availability_zones": []})
        self.add("routers", r)
        if gateway_net is not None:
            self.set_gateway(r, gateway_net, now)
        return r

    def set_gateway(self, r, net, now):
        gw = self.new_port(net, "", now, device_id=r["id"],
                           device_owner="network:router_gateway", groups=[])
        r["external_gateway_info"] = {
            "network_id": net["id"], "enable_snat": True,
            "external_fixed_ips": [dict(f) for f in gw["fixed_ips"]]}

    def add_interface(self, r, subnet, now):
        net = self.coll["networks"][subnet["network_id"]]
        return self.new_port(net, r["project_id"], now, device_id=r["id"],
                             device_owner="network:router_interface", groups=[],
                             fixed_ips=[{"subnet_id": subnet["id"],
                                         "ip_address": subnet["gateway_ip"]}])

    def router_for(self, port, ext_net_id):
        """The router joining port's subnets to external network ext_net_id."""
        subnets = {f["subnet_id"] for f in port["fixed_ips"]}
        for r in self.coll["routers"].values():
            gw = r["external_gateway_info"]
            if not gw or gw["network_id"] != ext_net_id:
                continue
            for p in self.coll["ports"].values():
                if p["device_id"] == r["id"] and \
                        p["device_owner"] == "network:router_interface" and \
                        subnets & {f["subnet_id"] for f in p["fixed_ips"]}:
                    return r
        return None

    def associate(self, fip, port, fixed_ip, now):
        """Point fip at port (None: disassociate); NeutronError if not allowed."""
        if port is None:
            fip.update({"port_id": None, "fixed_ip_address": None, "router_id": None})
            self.status_follows(fip, now)
            return
        v4 = [f for f in port["fixed_ips"] if ":" not in f["ip_address"]]
        if fixed_ip is not None:
            v4 = [f for f in v4 if f["ip_address"] == fixed_ip]
        if not v4:
            raise neutron_bad("Bad floatingip request: Port %s does not have a fixed"
                              " IPv4 address." % port["id"])
        router = self.router_for(port, fip["floating_network_id"])
        if router is None:
            raise NeutronError(404, "ExternalGatewayForFloatingIPNotFound",
                               "External network %s is not reachable from subnet %s."
                               "  Therefore, cannot associate Port %s with a Floating"
                               " IP." % (fip["floating_network_id"],
                                         v4[0]["subnet_id"], port["id"]))
        for other in self.coll["floatingips"].values():
            if other is not fip and other["port_id"] == port["id"] and \
                    other["fixed_ip_address"] == v4[0]["ip_address"]:
                raise NeutronError(409, "FloatingIPPortAlreadyAssociated",
                                   "Cannot associate floating IP %s (%s) with port %s"
                                   " using fixed IP %s, as that fixed IP already has a"
                                   " floating IP on external network %s."
                                   % (fip["floating_ip_address"], fip["id"], port["id"],
                                      v4[0]["ip_address"], fip["floating_network_id"]))
        fip.update({"port_id": port["id"], "fixed_ip_address": v4[0]["ip_address"],
                    "router_id": router["id"]})
        self.status_follows(fip, now)

    def status_follows(self, fip, now):
        """Like the L3 agent (or OVN) reporting back: the answer to the change
        keeps the old status, which becomes ACTIVE (on a port) or DOWN (on
        none) a moment later."""
        self.st.fip_due[fip["id"]] = now + max(self.st.net_event_delay, 0)

    def settle_floatingip(self, fid, now):
        fip = self.coll["floatingips"].get(fid)
        want = "ACTIVE" if fip is not None and fip["port_id"] else "DOWN"
        if fip is not None and fip["status"] != want:
            fip["status"] = want
            self.bump(fip, now)

    def new_floatingip(self, net, project, now, address=None):
        sub = next((self.coll["subnets"][s] for s in net["subnets"]), None)
        if sub is None:
            raise neutron_bad("Bad floatingip request: Network %s does not contain"
                              " any IPv4 subnet" % net["id"])
        ip = self.allocate_ip(sub, address)
        f = self._std(project, now)
        f.update({"floating_ip_address": ip, "floating_network_id": net["id"],
                  "router_id": None, "port_id": None, "fixed_ip_address": None,
                  "status": "DOWN", "port_forwardings": []})
        return self.add("floatingips", f)

    def ports_of(self, device_id):
        return [p for p in self.coll["ports"].values() if p["device_id"] == device_id]

    def delete_port(self, pid, now):
        for f in self.coll["floatingips"].values():
            if f["port_id"] == pid:
                self.associate(f, None, None, now)
                self.bump(f, now)
        self.coll["ports"].pop(pid, None)

    # -- the seed --------------------------------------------------------------
    def seed(self, demo, admin, extra_networks, now):
        public = self.new_network(admin, "public", now, external=True)
        self.new_subnet(public, "public-subnet", "172.24.4.0/24", now,
                        gateway_ip="172.24.4.1", enable_dhcp=False,
                        pools=[{"start": "172.24.4.10", "end": "172.24.4.250"}])
        private = self.new_network(admin, "private", now, shared=True)
        sub = self.new_subnet(private, "private-subnet", "10.0.0.0/24", now)
        router = self.new_router(demo, "router1", now, gateway_net=public)
        self.add_interface(router, sub, now)
        g = self.default_group(demo, now)
        self.new_rule(g, "ingress", now, protocol="icmp", remote_ip_prefix="0.0.0.0/0")
        self.new_rule(g, "ingress", now, protocol="tcp", port_range_min=22,
                      port_range_max=22, remote_ip_prefix="0.0.0.0/0")
        for i in range(1, extra_networks + 1):
            net = self.new_network(demo, "net-%05d" % i, now)
            self.new_subnet(net, "subnet-%05d" % i, "10.%d.%d.0/24"
                            % (1 + i // 256 % 254, i % 256), now)
            self.new_port(net, demo, now, name="port-%05d" % i)
        return private


# ---------------------------------------------------------------------------
# Neutron (networking v2.0): API
# ---------------------------------------------------------------------------

def neutron_resp(status, obj):
    return json_resp(status, obj, [("X-Openstack-Request-Id", req_id())])


class Neutron:
    def __init__(self, st):
        self.st = st

    @property
    def net(self):
        return self.st.net

    def handle(self, req):
        path = req.path[len("/network"):]
        if path in ("", "/"):
            # the versions app sits outside the request-id middleware
            return json_resp(200, {"versions": [{
                "id": "v2.0", "status": "CURRENT",
                "links": [{"href": "http://%s/network/v2.0/" % req.host,
                           "rel": "self"}]}]})
        tok = authtoken(self.st, req)
        if tok is None:
            return middleware_401(self.st, req)
        req.token = tok
        try:
            if not (path == "/v2.0" or path.startswith("/v2.0/")):
                raise NeutronError(404, "HTTPNotFound", "The resource could not be found.")
            segs = [urllib.parse.unquote(s) for s in path[len("/v2.0"):].split("/")
                    if s != ""]
            if segs and segs[-1].endswith(".json"):
                segs[-1] = segs[-1][:-5]
            r = self.route(req, segs)
        except NeutronError as e:
            return neutron_resp(e.status, {"NeutronError": {
                "type": e.etype, "message": e.message, "detail": ""}})
        r.headers.append(("X-Openstack-Request-Id", req_id()))
        return r

    def route(self, req, segs):
        m = req.method
        if not segs and m in ("GET", "HEAD"):
            return json_resp(200, {"resources": [
                {"name": NEUTRON_RESOURCES[c][0], "collection": c,
                 "links": [{"href": "http://%s/network/v2.0/%s" % (req.host, c),
                            "rel": "self"}]} for c in NEUTRON_RESOURCES]})
        if segs == ["extensions"] and m in ("GET", "HEAD"):
            return json_resp(200, {"extensions": [
                {"alias": a, "name": a, "description": a, "updated": "2013-01-01T00:00:00Z",
                 "links": []} for a in NEUTRON_EXTENSIONS]})
        coll = segs[0] if segs else ""
        if coll == "quotas":
            return osemu_admin.neutron_quota(self, req, segs)
        if coll not in NEUTRON_RESOURCES or len(segs) > 2:
            raise NeutronError(404, "HTTPNotFound", "The resource could not be found.")
        with self.st.lock:
            self.st.settle()
            if len(segs) == 1 and m in ("GET", "HEAD"):
                return self.list(req, coll)
            if len(segs) == 1 and m == "POST":
                return self.create(req, coll)
            if len(segs) == 2 and m in ("GET", "HEAD"):
                return json_resp(200, {NEUTRON_RESOURCES[coll][0]: self.view(
                    req, coll, self.get(req, coll, segs[1]))})
            if len(segs) == 2 and m == "PUT":
                return self.update(req, coll, segs[1])
            if len(segs) == 2 and m == "DELETE":
                return self.delete(req, coll, segs[1])
        raise NeutronError(405, "HTTPMethodNotAllowed",
                           "The server could not comply with the request since it is"
                           " either malformed or otherwise incorrect.")

    # -- visibility and views ---------------------------------------------------
    def _admin(self, req):
        return Nova._is_admin(self, req)

    def visible(self, req, coll, obj):
        if self._admin(req) or obj["project_id"] == req.token.project:
            return True
        if coll == "networks":
            return obj["shared"] or obj["router:external"]
        if coll == "subnets":
            n = self.net.coll["networks"].get(obj["network_id"])
            return bool(n) and (n["shared"] or n["router:external"])
        return False

    def get(self, req, coll, oid):
        obj = self.net.coll[coll].get(oid)
        if obj is None or not self.visible(req, coll, obj):
            _, etype, msg = NEUTRON_RESOURCES[coll]
            raise NeutronError(404, etype, msg % oid)
        return obj

    def _rule_in_group(self, rid):
        """A rule as a security group embeds it: with its standard_attr_id and
        tags, which the rule's own answers leave out."""
        r = self.net.coll["security-group-rules"][rid]
        d = {k: v for k, v in r.items() if not k.startswith("_")}
        d.update({"standard_attr_id": r["_std_id"], "tags": []})
        return d

    def view(self, req, coll, obj, fields=None):
        d = {k: (list(v) if isinstance(v, list) else v) for k, v in obj.items()
             if not k.startswith("_")}
        if coll == "security-groups":
            d["security_group_rules"] = [self._rule_in_group(r)
                                         for r in obj["security_group_rules"]]
        elif coll == "floatingips":
            p = self.net.coll["ports"].get(obj["port_id"]) if obj["port_id"] else None
            d["port_details"] = None if p is None else {
                k: p[k] for k in ("name", "network_id", "mac_address", "admin_state_up",
                                  "status", "device_id", "device_owner")}
        if coll == "networks" and obj["router:external"]:
            d["is_default"] = False  # auto-allocated-topology: external networks only
        if coll == "networks" and self._admin(req):
            d["provider:network_type"] = obj["_ptype"]
            d["provider:physical_network"] = obj["name"] if obj["_ptype"] == "flat" else None
            d["provider:segmentation_id"] = None
        if fields:
            d = {k: v for k, v in d.items() if k in fields}
        return d

    # -- list -----------------------------------------------------------------------
    # what filter-validation takes besides a resource's own attributes, and
    # what it refuses although objects carry it (Zed; see the fact sheet 5.2.1)
    FILTER_EXTRA = {"id", "name", "description", "project_id", "tenant_id", "status",
                    "revision_number", "tags", "tags-any", "not-tags", "not-tags-any"}
    NOT_FILTERS = {"created_at", "updated_at", "changed_since", "standard_attr_id"}
    NOT_SORT_KEYS = {"created_at", "updated_at", "revision_number"}

    def _check_query(self, req, coll, filters):
        """Neutron's filter-validation and sort checks: 400 for a filter that
        is no attribute of the resource, for changed_since and updated_at,
        and for sorting by a timestamp or the revision."""
        known = set(NEUTRON_WRITABLE[coll]) | self.FILTER_EXTRA
        for o in self.net.coll[coll].values():
            known |= {k for k in o if not k.startswith("_")}
        bad = sorted(k for k in filters if k not in known or k in self.NOT_FILTERS)
        if bad:
            raise neutron_bad("%s is invalid attribute for filtering" % bad)
        keys, dirs = req.qall("sort_key"), req.qall("sort_dir")
        if len(keys) != len(dirs):
            raise neutron_bad("The number of sort_keys and sort_dirs must be same")
        bad = [k for k in keys if k in self.NOT_SORT_KEYS]
        if bad:
            raise neutron_bad("%s is invalid attribute for sort_keys" % bad)

    def list(self, req, coll):
        filters = {}
        for k, v in req.qs:
            if v and k not in ("limit", "marker", "page_reverse", "fields", "sort_key",
                               "sort_dir"):
                filters.setdefault(k, []).append(v)
        self._check_query(req, coll, filters)

        def text(v):
            if isinstance(v, bool):
                return "true" if v else "false"
            return "" if v is None else str(v)

        def matches(o):
            for k, vals in filters.items():
                have = text(o.get(k)) if k in o else None
                if have is None or not any(
                        have == (v.lower() if have in ("true", "false") else v)
                        for v in vals):
                    return False
            return True
        items = sorted((o for o in self.net.coll[coll].values()
                        if self.visible(req, coll, o) and matches(o)),
                       key=lambda o: o["id"])
        key = coll.replace("-", "_")
        limit = req.q("limit", "0")
        try:
            limit = int(limit)
        except ValueError:
            limit = -1
        if limit < 0:
            raise NeutronError(400, "BadRequest", "Bad limit request: Limit must be an"
                               " integer 0 or greater and not '%s'." % req.q("limit"))
        if limit:  # pagination_max_limit, set to the emulator's page_max
            limit = min(limit, self.st.page_max)
        marker = req.q("marker") if limit else None
        reverse = (req.q("page_reverse") or "False").lower() == "true"
        if marker:
            self.get(req, coll, marker)
        if limit and reverse:
            # the page before the marker (or the last page), in id order
            if marker:
                items = [o for o in items if o["id"] < marker]
            items = items[max(len(items) - limit, 0):]
        elif limit:
            if marker:
                items = [o for o in items if o["id"] > marker]
            items = items[:limit]
        fields = set(req.qall("fields"))
        body = {key: [self.view(req, coll, o, fields) for o in items]}
        if limit:
            body[key + "_links"] = self._links(req, coll, items, limit, reverse)
        return json_resp(200, body)

    @staticmethod
    def _links(req, coll, items, limit, reverse):
        """neutron/api/api_common.py get_pagination_links: going forward, next
        when the page is full and previous always; backward, the mirror."""
        links = []
        full = len(items) >= limit
        if full or reverse:
            links.append({"rel": "next", "href": Neutron._href(
                req, coll, items[-1]["id"] if items else None, False)})
        if full or not reverse:
            links.append({"rel": "previous", "href": Neutron._href(
                req, coll, items[0]["id"] if items else None, True)})
        return links

    @staticmethod
    def _href(req, coll, marker, reverse):
        params = [(k, v) for k, v in req.qs if k not in ("marker", "page_reverse")]
        if marker is not None:
            params.append(("marker", marker))
        if reverse:
            params.append(("page_reverse", "True"))
        return "http://%s/network/v2.0/%s?%s" % (req.host, coll,
                                                 urllib.parse.urlencode(params))

    # -- write helpers -----------------------------------------------------------
    def _body(self, req, coll, verb):
        member = NEUTRON_RESOURCES[coll][0]
        try:
            body = req.json()
        except HTTPError:
            raise neutron_bad("Malformed JSON in request body.")
        if not isinstance(body, dict) or not isinstance(body.get(member), dict):
            raise neutron_bad("Resource body required")
        attrs = body[member]
        allowed = set(NEUTRON_WRITABLE[coll])
        if verb == "PUT":
            allowed -= NEUTRON_CREATE_ONLY[coll]
        else:
            allowed |= {"project_id", "tenant_id"}
        unknown = [k for k in attrs if k not in allowed]
        if unknown:
            known = set(NEUTRON_WRITABLE[coll]) | {"id", "status", "project_id",
                                                   "tenant_id"}
            bad = [k for k in unknown if k not in known]
            if bad:
                raise neutron_bad("Unrecognized attribute(s) '%s'" % ", ".join(bad))
            if verb == "PUT":
                raise neutron_bad("Cannot update read-only attribute %s" % unknown[0])
            raise neutron_bad("Attribute '%s' not allowed in POST" % unknown[0])
        if verb == "POST":
            for k in NEUTRON_REQUIRED.get(coll, ()):
                if k not in attrs:
                    raise neutron_bad("Failed to parse request. Required attribute '%s'"
                                      " not specified" % k)
        for k in ("name", "description"):
            if k in attrs and not isinstance(attrs[k], str):
                raise neutron_bad("Invalid input for %s. Reason: '%s' is not a valid"
                                  " string." % (k, attrs[k]))
        return attrs

    def _project(self, req, attrs):
        p = attrs.get("project_id") or attrs.get("tenant_id") or req.token.project
        if p != req.token.project and not self._admin(req):
            raise NeutronError(403, "HTTPForbidden",
                               "Specifying 'project_id' or 'tenant_id' other than the"
                               " authenticated project in request requires admin"
                               " privileges")
        return p

    def _policy(self, req, what):
        if not self._admin(req):
            raise NeutronError(403, "PolicyNotAuthorized",
                               "(rule:%s) is disallowed by policy" % what)

    def _own(self, req, coll, oid):
        """The object, if the caller may change it (a shared network is visible
        to all but belongs to its owner: 403; anything else: not found)."""
        obj = self.get(req, coll, oid)
        if obj["project_id"] == req.token.project or self._admin(req):
            return obj
        if coll == "networks":
            raise NeutronError(403, "PolicyNotAuthorized",
                               "(rule:update_network) is disallowed by policy")
        _, etype, msg = NEUTRON_RESOURCES[coll]
        raise NeutronError(404, etype, msg % oid)

    def _sg_ids(self, req, names, now):
        out = []
        for g in names:
            obj = self.net.coll["security-groups"].get(g)
            if obj is None or not self.visible(req, "security-groups", obj):
                raise NeutronError(404, "SecurityGroupNotFound",
                                   "Security group %s does not exist" % g)
            out.append(g)
        return out

    # -- create -------------------------------------------------------------------
    def create(self, req, coll):
        attrs = self._body(req, coll, "POST")
        project = self._project(req, attrs)
        now = time.time()
        obj = getattr(self, "create_" + coll.replace("-", "_"))(req, attrs, project, now)
        for k in ("name", "description", "admin_state_up"):
            if k in attrs and k in obj:
                obj[k] = attrs[k]
        return json_resp(201, {NEUTRON_RESOURCES[coll][0]: self.view(req, coll, obj)})

    def create_networks(self, req, attrs, project, now):
        if attrs.get("shared"):
            self._policy(req, "create_network:shared")
        if attrs.get("router:external"):
            self._policy(req, "create_network:router:external")
        mtu = attrs.get("mtu", 1500)
        if not isinstance(mtu, int) or isinstance(mtu, bool) or not 68 <= mtu <= 1500:
            raise neutron_bad("Invalid input for operation: Requested MTU is too big,"
                              " maximum is 1500.")
        return self.net.new_network(project, attrs.get("name", ""), now,
                                    shared=bool(attrs.get("shared")),
                                    external=bool(attrs.get("router:external")), mtu=mtu)

    def create_subnets(self, req, attrs, project, now):
        net = self._own(req, "networks", attrs["network_id"])
        if attrs["ip_version"] not in (4, 6):
            raise neutron_bad("Invalid input for ip_version. Reason: '%s' is not in"
                              " [4, 6]." % attrs["ip_version"])
        if not isinstance(attrs["cidr"], str):
            raise neutron_bad("Invalid input for cidr. Reason: '%s' is not a valid IP"
                              " subnet." % attrs["cidr"])
        new = ipaddress.ip_network(attrs["cidr"], strict=False) \
            if self._valid_net(attrs["cidr"]) else None
        for sid in net["subnets"]:
            old = ipaddress.ip_network(self.net.coll["subnets"][sid]["cidr"])
            if new is not None and new.version == old.version and new.overlaps(old):
                raise neutron_bad("Invalid input for operation: Requested subnet with"
                                  " cidr: %s for network: %s overlaps with another"
                                  " subnet." % (attrs["cidr"], net["id"]))
        dns = attrs.get("dns_nameservers", [])
        if not isinstance(dns, list):
            raise neutron_bad("Invalid input for dns_nameservers. Reason: '%s' is not a"
                              " list." % (dns,))
        return self.net.new_subnet(net, attrs.get("name", ""), attrs["cidr"], now,
                                   gateway_ip=attrs.get("gateway_ip"),
                                   enable_dhcp=attrs.get("enable_dhcp", True) is not False,
                                   pools=attrs.get("allocation_pools"), dns=dns,
                                   project=project, ip_version=attrs["ip_version"])

    @staticmethod
    def _valid_net(cidr):
        try:
            ipaddress.ip_network(cidr, strict=False)
            return True
        except ValueError:
            return False

    def create_ports(self, req, attrs, project, now):
        net = self.get(req, "networks", attrs["network_id"])
        if net["project_id"] != project and not net["shared"] and not self._admin(req):
            raise NeutronError(404, "NetworkNotFound",
                               "Network %s could not be found." % net["id"])
        groups = attrs.get("security_groups")
        if groups is not None:
            groups = self._sg_ids(req, groups, now)
        fixed = attrs.get("fixed_ips")
        if fixed is not None and (not isinstance(fixed, list) or any(
                not isinstance(f, dict) for f in fixed)):
            raise neutron_bad("Invalid input for fixed_ips. Reason: Invalid data format"
                              " for fixed IP: '%s'." % (fixed,))
        p = self.net.new_port(net, project, now, name=attrs.get("name", ""),
                              fixed_ips=fixed, groups=groups,
                              device_id=attrs.get("device_id", ""),
                              device_owner=attrs.get("device_owner", ""))
        if "mac_address" in attrs:
            p["mac_address"] = attrs["mac_address"]
        return p

    def create_security_groups(self, req, attrs, project, now):
        if attrs.get("name") == "default":
            raise NeutronError(409, "SecurityGroupDefaultAlreadyExists",
                               "Default security group already exists.")
        self.net.default_group(project, now)
        return self.net.new_group(project, attrs.get("name", ""),
                                  attrs.get("description", ""), now,
                                  stateful=attrs.get("stateful", True) is not False)

    def create_security_group_rules(self, req, attrs, project, now):
        g = self._own(req, "security-groups", attrs["security_group_id"])
        direction = attrs["direction"]
        if direction not in ("ingress", "egress"):
            raise neutron_bad("Invalid input for direction. Reason: %s is not in"
                              " ['ingress', 'egress']." % direction)
        eth = attrs.get("ethertype", "IPv4")
        if eth not in ("IPv4", "IPv6"):
            raise neutron_bad("Invalid input for ethertype. Reason: %s is not in"
                              " ['IPv4', 'IPv6']." % eth)
        proto = attrs.get("protocol")
        if proto is not None:
            proto = str(proto).lower()
            if proto not in NEUTRON_PROTOCOLS and not (proto.isdigit() and
                                                       int(proto) <= 255):
                raise NeutronError(400, "SecurityGroupRuleInvalidProtocol",
                                   "Security group rule protocol %s not supported. Only"
                                   " protocol values [None, 'ah', 'dccp', 'egp', 'esp',"
                                   " 'gre', 'hopopt', 'icmp', 'igmp', 'ip', 'ipip',"
                                   " 'ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'icmpv6',"
                                   " 'ipv6-nonxt', 'ipv6-opts', 'ipv6-route', 'ospf',"
                                   " 'pgm', 'rsvp', 'sctp', 'tcp', 'udp', 'udplite',"
                                   " 'vrrp'] and integer representations [0 to 255] are"
                                   " supported." % proto)
        lo, hi = attrs.get("port_range_min"), attrs.get("port_range_max")
        if (lo is not None or hi is not None) and proto is None:
            raise NeutronError(400, "SecurityGroupProtocolRequiredWithPorts",
                               "Must also specify protocol if port range is given.")
        if proto in ("tcp", "udp", "6", "17") and lo is not None and hi is not None \
                and int(lo) > int(hi):
            raise NeutronError(400, "SecurityGroupInvalidPortRange",
                               "For TCP/UDP protocols, port_range_min must be <="
                               " port_range_max")
        prefix = attrs.get("remote_ip_prefix")
        if prefix is not None and not self._valid_net(prefix):
            raise neutron_bad("Invalid input for remote_ip_prefix. Reason: '%s' is not a"
                              " valid IP subnet." % prefix)
        rgroup = attrs.get("remote_group_id")
        if rgroup is not None:
            self.get(req, "security-groups", rgroup)
        want = (direction, eth, proto, lo, hi, prefix, rgroup)
        for rid in g["security_group_rules"]:
            r = self.net.coll["security-group-rules"][rid]
            if (r["direction"], r["ethertype"], r["protocol"], r["port_range_min"],
                    r["port_range_max"], r["remote_ip_prefix"], r["remote_group_id"]) == want:
                raise NeutronError(409, "SecurityGroupRuleExists",
                                   "Security group rule already exists. Rule id is %s."
                                   % rid)
        return self.net.new_rule(g, direction, now, ethertype=eth, protocol=proto,
                                 port_range_min=lo, port_range_max=hi,
                                 remote_ip_prefix=prefix, remote_group_id=rgroup,
                                 description=attrs.get("description", ""))

    def create_floatingips(self, req, attrs, project, now):
        net = self.net.coll["networks"].get(attrs["floating_network_id"])
        if net is None:
            raise NeutronError(404, "NetworkNotFound", "Network %s could not be found."
                               % attrs["floating_network_id"])
        if not net["router:external"]:
            raise neutron_bad("Bad floatingip request: Network %s is not a valid external"
                              " network." % net["id"])
        fip = self.net.new_floatingip(net, project, now, attrs.get("floating_ip_address"))
        try:
            if attrs.get("port_id"):
                port = self._own(req, "ports", attrs["port_id"])
                self.net.associate(fip, port, attrs.get("fixed_ip_address"), now)
                self.changed_port(port)
        except NeutronError:
            self.net.coll["floatingips"].pop(fip["id"], None)
            raise
        return fip

    def create_routers(self, req, attrs, project, now):
        gw = attrs.get("external_gateway_info")
        net = None
        if gw:
            net = self.get(req, "networks", gw.get("network_id"))
            if not net["router:external"]:
                raise neutron_bad("Bad router request: Network %s is not an external"
                                  " network." % net["id"])
        return self.net.new_router(project, attrs.get("name", ""), now, net)

    # -- update / delete -----------------------------------------------------------
    def update(self, req, coll, oid):
        attrs = self._body(req, coll, "PUT")
        obj = self._own(req, coll, oid)
        now = time.time()
        if coll == "floatingips" and "port_id" in attrs:
            port = self._own(req, "ports", attrs["port_id"]) if attrs["port_id"] else None
            old = self.net.coll["ports"].get(obj["port_id"]) if obj["port_id"] else None
            self.net.associate(obj, port, attrs.get("fixed_ip_address"), now)
            for p in (old, port):
                if p is not None:
                    self.changed_port(p)
        elif coll == "ports" and "security_groups" in attrs:
            obj["security_groups"] = self._sg_ids(req, attrs["security_groups"], now)
        if coll == "networks" and "shared" in attrs and attrs["shared"] != obj["shared"]:
            self._policy(req, "update_network:shared")
        for k, v in attrs.items():
            if k in ("port_id", "fixed_ip_address", "security_groups", "fixed_ips",
                     "external_gateway_info", "allocation_pools"):
                continue
            obj[k] = v
        self.net.bump(obj, now)
        if coll == "ports":
            self.changed_port(obj)
        return json_resp(200, {NEUTRON_RESOURCES[coll][0]: self.view(req, coll, obj)})

    def changed_port(self, port):
        """Nova hears network-changed: the server's addresses follow."""
        s = self.st.servers.get(port["device_id"])
        if s is None:
            return
        if self.st.net_event_delay <= 0:
            self.st.refresh_addresses(s)
        else:
            self.st.net_due[s.id] = time.time() + self.st.net_event_delay

    def delete(self, req, coll, oid):
        obj = self._own(req, coll, oid)
        now = time.time()
        c = self.net.coll
        if coll == "networks":
            if any(p["network_id"] == oid and p["device_owner"] not in (
                    "network:dhcp",) for p in c["ports"].values()):
                raise NeutronError(409, "NetworkInUse",
                                   "Unable to complete operation on network %s. There"
                                   " are one or more ports still in use on the network."
                                   % oid)
            for sid in obj["subnets"]:
                c["subnets"].pop(sid, None)
        elif coll == "subnets":
            if any(f["subnet_id"] == oid for p in c["ports"].values()
                   for f in p["fixed_ips"]):
                raise NeutronError(409, "SubnetInUse",
                                   "Unable to complete operation on subnet %s: One or"
                                   " more ports have an IP allocation from this subnet."
                                   % oid)
            net = c["networks"].get(obj["network_id"])
            if net:
                net["subnets"].remove(oid)
                self.net.bump(net, now)
        elif coll == "ports":
            if obj["device_owner"] == "network:router_interface":
                raise NeutronError(409, "PortInUse",
                                   "Port %s cannot be deleted directly via the port API:"
                                   " has device owner network:router_interface." % oid)
            self.net.delete_port(oid, now)
            self.changed_port(obj)
            return Resp(204, b"")
        elif coll == "security-groups":
            if obj["name"] == "default" and not self._admin(req):
                raise NeutronError(409, "SecurityGroupCannotRemoveDefault",
                                   "Insufficient rights for removing default security"
                                   " group.")
            if any(oid in p["security_groups"] for p in c["ports"].values()):
                raise NeutronError(409, "SecurityGroupInUse",
                                   "Security Group %s in use." % oid)
            for rid in obj["security_group_rules"]:
                c["security-group-rules"].pop(rid, None)
        elif coll == "security-group-rules":
            g = c["security-groups"].get(obj["security_group_id"])
            if g:
                g["security_group_rules"].remove(oid)
                self.net.bump(g, now)
        elif coll == "floatingips":
            port = c["ports"].get(obj["port_id"]) if obj["port_id"] else None
            c["floatingips"].pop(oid)
            if port is not None:
                self.changed_port(port)
            return Resp(204, b"")
        elif coll == "routers":
            if any(p["device_id"] == oid and p["device_owner"] ==
                   "network:router_interface" for p in c["ports"].values()):
                raise NeutronError(409, "RouterInUse",
                                   "Router %s still has ports" % oid)
            for p in self.net.ports_of(oid):
                c["ports"].pop(p["id"], None)
        c[coll].pop(oid, None)
        return Resp(204, b"")


# ---------------------------------------------------------------------------
# Cinder (block storage v3)
# ---------------------------------------------------------------------------

CINDER_MIN = (3, 0)
CINDER_MAX = (3, 70)
CINDER_FILTERS = {"name", "status", "bootable", "availability_zone", "size",
                  "metadata", "created_at", "updated_at", "group_id",
                  "migration_status"}
CINDER_LIST_PARAMS = {"limit", "marker", "offset", "sort", "sort_key", "sort_dir",
                      "all_tenants", "with_count", "project_id"}
CINDER_DELETABLE = ("available", "error", "error_restoring", "error_extending",
                    "error_managing")


class Volume:
    __slots__ = ("id", "name", "description", "size", "status", "bootable",
                 "volume_type", "az", "created", "updated", "attachments",
                 "multiattach", "project_id", "user_id", "metadata", "pending",
                 "image_meta")

    def __init__(self):
        self.attachments = []       # [{"server_id", "attachment_id", "device", "at"}]
        self.metadata = {}
        self.pending = None         # (until, status) when a transition ends
        self.image_meta = None
        self.description = None


class VolStore:
    """Cinder's volumes.  Guarded by State.lock."""

    def __init__(self, st):
        self.st = st
        self.volumes = {}
        self.types = [{"id": "0d6a5b5c-7f3e-4b53-9a55-3c3b4e0f2a11", "name": "__DEFAULT__",
                       "description": "Default Volume Type", "is_public": True,
                       "extra_specs": {}, "os-volume-type-access:is_public": True}]
        self.max_volumes = 1000
        self.max_gigabytes = 10000
        self.moving = set()         # ids of volumes in a transition

    def settle(self, now):
        for vid in list(self.moving):
            v = self.volumes.get(vid)
            if v is None:
                self.moving.discard(vid)
                continue
            if v.pending and v.pending[0] <= now:
                self.moving.discard(vid)
                until, status = v.pending
                v.pending = None
                if status is None:
                    del self.volumes[v.id]
                    continue
                v.status = status
                v.updated = until

    def transition(self, v, now_status, final, now):
        """v shows now_status, then final (None: gone) after build_time."""
        v.status = now_status
        v.updated = now
        v.pending = (now + self.st.build_time, final)
        self.moving.add(v.id)
        if self.st.build_time <= 0:
            self.settle(now)

    def new(self, project, user, size, name, now, bootable=False, image=None,
            status="creating", vid=None):
        v = Volume()
        v.id = vid or str(uuid.uuid4())
        v.name, v.size, v.project_id, v.user_id = name, size, project, user
        v.volume_type = self.types[0]["name"]
        v.az = "nova"
        v.multiattach = False
        v.created = v.updated = now
        v.bootable = bootable
        if image is not None:
            v.image_meta = {"image_id": image["id"], "image_name": image["name"] or "",
                            "container_format": image.get("container_format") or "bare",
                            "disk_format": image.get("disk_format") or "qcow2",
                            "checksum": image.get("checksum") or "",
                            "size": str(image.get("size") or 0),
                            "min_disk": str(image.get("min_disk") or 0),
                            "min_ram": str(image.get("min_ram") or 0)}
        self.volumes[v.id] = v
        if status == "creating":
            self.transition(v, "creating", "available", now)
        else:
            v.status = status
        return v

    def attach(self, v, server_id, device, now):
        v.attachments.append({"server_id": server_id, "attachment_id": str(uuid.uuid4()),
                              "device": device, "at": now, "host_name": None})
        self.transition(v, "attaching", "in-use", now)

    def detach(self, v, server_id, now, delete=False):
        v.attachments = [a for a in v.attachments if a["server_id"] != server_id]
        if delete:
            self.transition(v, "deleting", None, now)
        elif not v.attachments:
            self.transition(v, "detaching", "available", now)

    def used(self, project):
        vols = [v for v in self.volumes.values() if v.project_id == project]
        return len(vols), sum(v.size for v in vols)


def cinder_error(status, message, headers=None):
    return nova_error(status, message, headers)


class CinderBareResp(Resp):
    """An answer Cinder's controller builds with webob itself: it skips the
    serializer, so it has webob's content type and no x-compute-request-id."""
    __slots__ = ()

    def __init__(self, status):
        super().__init__(status, b"", [("Content-Type", "text/html; charset=UTF-8")])


class Cinder:
    def __init__(self, st):
        self.st = st

    @property
    def vol(self):
        return self.st.vol

    def version_entry(self, req):
        return {"id": "v3.0", "status": "CURRENT", "version": vstr(self.st.cinder_max),
                "min_version": vstr(CINDER_MIN), "updated": "2016-02-08T12:20:21Z",
                "links": [{"rel": "describedby", "type": "text/html",
                           "href": "https://docs.openstack.org/"},
                          {"rel": "self", "href": "http://%s/volume/v3/" % req.host}],
                "media-types": [{"base": "application/json",
                                 "type": "application/vnd.openstack.volume+json;version=3"}]}

    def handle(self, req):
        path = req.path[len("/volume"):]
        rid = req_id()
        ids = [("x-compute-request-id", rid), ("x-openstack-request-id", rid)]
        base = [("OpenStack-API-Version", "volume " + vstr(CINDER_MIN)),
                ("Vary", "OpenStack-API-Version")] + ids
        if path in ("", "/"):
            return json_resp(300, {"versions": [self.version_entry(req)]}, base)
        if path in ("/v3", "/v3/"):
            return json_resp(200, {"versions": [self.version_entry(req)]}, base)
        tok = authtoken(self.st, req)
        if tok is None:
            r = middleware_401(self.st, req)
            return r
        req.token = tok
        try:
            ver = self.microversion(req)
        except HTTPError as e:
            r = cinder_error(e.status, e.message, e.headers)
            r.headers.extend(ids)
            return r
        req.ver = ver
        # like Nova, on errors too
        vh = [("OpenStack-API-Version", "volume " + vstr(ver)),
              ("Vary", "OpenStack-API-Version")]
        try:
            if not path.startswith("/v3/"):
                raise HTTPError(404, "The resource could not be found.")
            segs = [urllib.parse.unquote(s) for s in path[len("/v3/"):].split("/")]
            if segs and segs[-1] == "" and len(segs) > 1:
                segs = segs[:-1]
            if segs and (UUID_RE.match(segs[0]) or segs[0] in self.st.projects) \
                    and segs[0] not in ("volumes", "types"):
                if segs[0] != tok.project:
                    raise HTTPError(400, "Malformed request url")
                segs = segs[1:]
            with self.st.lock:
                self.st.settle()
                r = self.route(req, segs)
        except HTTPError as e:
            r = cinder_error(e.status, e.message, e.headers)
        r.headers.extend(vh + (ids[1:] if isinstance(r, CinderBareResp) else ids))
        return r

    def microversion(self, req):
        hdr = req.header("OpenStack-API-Version")
        want = None
        for item in (hdr or "").split(","):
            parts = item.strip().split()
            if len(parts) == 2 and parts[0].lower() == "volume":
                want = parts[1]
        if want is None:
            return CINDER_MIN
        top = self.st.cinder_max
        if want.lower() == "latest":
            return top
        ver = parse_version(want)
        if ver is None:
            raise HTTPError(400, "API Version String %s is of invalid format. Must be of"
                            " format MajorNum.MinorNum." % want)
        if not CINDER_MIN <= ver <= top:
            # the fault names the version asked for, as any answer names its own
            raise HTTPError(406, "Version %s is not supported by the API. Minimum is %s"
                            " and maximum is %s." % (vstr(ver), vstr(CINDER_MIN),
                                                     vstr(top)),
                            [("OpenStack-API-Version", "volume " + vstr(ver)),
                             ("Vary", "OpenStack-API-Version")])
        return ver

    def route(self, req, segs):
        m = req.method
        n = len(segs)
        head = segs[0] if segs else ""
        if head == "volumes":
            if n == 1 and m in ("GET", "HEAD"):
                return self.list(req, False)
            if n == 1 and m == "POST":
                return self.create(req)
            if n == 2 and segs[1] == "detail" and m in ("GET", "HEAD"):
                return self.list(req, True)
            if n == 2 and m in ("GET", "HEAD"):
                return json_resp(200, {"volume": self.view(req, self.get(req, segs[1]))})
            if n == 2 and m == "PUT":
                return self.update(req, segs[1])
            if n == 2 and m == "DELETE":
                return self.delete(req, segs[1])
        elif head == "types" and m in ("GET", "HEAD"):
            if n == 1:
                return json_resp(200, {"volume_types": [self.type_view(t, True)
                                                        for t in self.vol.types]})
            if n == 2:
                t = next((t for t in self.vol.types if segs[1] in (t["id"], t["name"])),
                         None)
                if t is None:
                    raise HTTPError(404, "Volume type %s could not be found." % segs[1])
                return json_resp(200, {"volume_type": self.type_view(t, False)})
        elif head == "attachments" and n == 1 and m in ("GET", "HEAD") \
                and req.ver >= (3, 27):
            return self.attachments(req)
        elif head == "os-quota-sets":
            return osemu_admin.cinder_quota(self, req, segs)
        raise HTTPError(404, "The resource could not be found.")

    @staticmethod
    def type_view(t, listing):
        """A volume type; only the list carries the type-access extension's key."""
        keys = ("id", "name", "description", "is_public", "extra_specs") + \
            (("os-volume-type-access:is_public",) if listing else ())
        return {k: (dict(t[k]) if k == "extra_specs" else t[k]) for k in keys}

    def _admin(self, req):
        return Nova._is_admin(self, req)

    def get(self, req, vid):
        v = self.vol.volumes.get(vid)
        if v is None or (v.project_id != req.token.project and not self._admin(req)):
            raise HTTPError(404, "Volume %s could not be found." % vid)
        return v

    def _links(self, req, vid):
        return [{"rel": "self", "href": "http://%s/volume/v3/%s/volumes/%s"
                 % (req.host, req.token.project, vid)},
                {"rel": "bookmark", "href": "http://%s/volume/%s/volumes/%s"
                 % (req.host, req.token.project, vid)}]

    def view(self, req, v):
        ver = req.ver
        d = {"id": v.id, "name": v.name, "description": v.description,
             "size": v.size, "status": v.status,
             "bootable": "true" if v.bootable else "false",
             "volume_type": v.volume_type, "availability_zone": v.az,
             "created_at": iso_us(v.created), "updated_at": iso_us(v.updated),
             "attachments": [{"id": v.id, "attachment_id": a["attachment_id"],
                              "volume_id": v.id, "server_id": a["server_id"],
                              "host_name": a["host_name"], "device": a["device"],
                              "attached_at": iso_us(a["at"])} for a in v.attachments],
             "multiattach": v.multiattach, "encrypted": False,
             "replication_status": None, "consistencygroup_id": None,
             "snapshot_id": None, "source_volid": None, "user_id": v.user_id,
             "os-vol-tenant-attr:tenant_id": v.project_id,
             "metadata": dict(v.metadata), "links": self._links(req, v.id)}
        if v.image_meta is not None:
            d["volume_image_metadata"] = dict(v.image_meta)
        if ver >= (3, 13):
            d["group_id"] = None
        if ver >= (3, 48):
            d["shared_targets"] = False
            d["service_uuid"] = None
        if ver >= (3, 63):
            d["volume_type_id"] = self.vol.types[0]["id"]
        if ver >= (3, 65):
            d["consumes_quota"] = True
        return d

    def list(self, req, detail):
        params = dict(req.qs)
        if req.ver >= (3, 31) and not self._admin(req):
            known = CINDER_FILTERS | CINDER_LIST_PARAMS
            if req.ver < (3, 45):
                known = known - {"with_count"}
            bad = [k for k in params if k not in known]
            if bad:
                raise HTTPError(400, "Invalid filters %s are found in query options."
                                % ",".join(sorted(bad)))
        limit = self.st.page_max
        if "limit" in params:
            try:
                limit = int(params["limit"])
            except ValueError:
                raise HTTPError(400, "Invalid input received: limit must be an integer")
            if limit < 0:
                raise HTTPError(400, "Invalid input received: limit must be >= 0")
            limit = min(limit, self.st.page_max)
        vols = sorted((v for v in self.vol.volumes.values()
                       if v.project_id == req.token.project),
                      key=lambda v: (v.created, v.id), reverse=True)
        for k in ("name", "status", "availability_zone"):
            if k in params:
                attr = {"availability_zone": "az"}.get(k, k)
                vols = [v for v in vols if getattr(v, attr) == params[k]]
        if "bootable" in params:
            want = params["bootable"].lower() in ("true", "1", "yes")
            vols = [v for v in vols if v.bootable == want]
        if "size" in params:
            vols = [v for v in vols if str(v.size) == params["size"]]
        if req.ver >= (3, 60):  # below, Cinder ignores the time filters
            for k, attr in (("created_at", "created"), ("updated_at", "updated")):
                if k in params:
                    vols = self._time_filter(vols, attr, params[k])
        count = len(vols)
        marker = params.get("marker")
        if marker:
            ids = [v.id for v in vols]
            if marker not in ids:
                raise HTTPError(404, "Marker %s could not be found." % marker)
            vols = vols[ids.index(marker) + 1:]
        vols = vols[:limit]
        if detail:
            items = [self.view(req, v) for v in vols]
        else:
            items = [{"id": v.id, "name": v.name, "links": self._links(req, v.id)}
                     for v in vols]
        body = {"volumes": items}
        if req.ver >= (3, 45) and params.get("with_count", "").lower() in ("true", "1", "yes"):
            body["count"] = count
        if vols and len(vols) >= limit:
            q = [(k, v) for k, v in req.qs if k != "marker"] + [("marker", vols[-1].id)]
            body["volumes_links"] = [{"rel": "next", "href": "http://%s/volume/v3/%s/"
                                      "volumes%s?%s" % (req.host, req.token.project,
                                                        "/detail" if detail else "",
                                                        urllib.parse.urlencode(q))}]
        return json_resp(200, body)

    TIME_OPS = {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
                "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
                "eq": lambda a, b: a == b, "neq": lambda a, b: a != b}

    @classmethod
    def _time_filter(cls, vols, attr, value):
        """Cinder's "<op>:<time>" filter at 3.60 (api/v3/volumes.py); times
        compare to the second, as the database keeps them."""
        op, _, when = value.partition(":")
        if op not in cls.TIME_OPS or not when:
            raise HTTPError(400, "Invalid %s operator" % op)
        try:
            t = datetime.datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            raise HTTPError(400, "Invalid %s value" % when)
        if t.tzinfo is None:
            t = t.replace(tzinfo=datetime.timezone.utc)
        t = t.timestamp()
        return [v for v in vols if cls.TIME_OPS[op](int(getattr(v, attr)), t)]

    def _check_quota(self, req, size):
        n, gb = self.vol.used(req.token.project)
        if n + 1 > self.vol.max_volumes:
            raise HTTPError(413, "VolumeLimitExceeded: Maximum number of volumes allowed"
                            " (%d) exceeded for quota 'volumes'." % self.vol.max_volumes,
                            [("Retry-After", "0")])
        if gb + size > self.vol.max_gigabytes:
            raise HTTPError(413, "VolumeSizeExceedsAvailableQuota: Requested volume or"
                            " snapshot exceeds allowed gigabytes quota. Requested %dG,"
                            " quota is %dG and %dG has been consumed."
                            % (size, self.vol.max_gigabytes, gb), [("Retry-After", "0")])

    def create(self, req):
        body = req.json()
        if not isinstance(body, dict) or not isinstance(body.get("volume"), dict):
            raise HTTPError(400, "Invalid input for field/attribute volume. Value: %s."
                            " 'volume' is a required property" % (body,))
        spec = body["volume"]
        allowed = {"size", "name", "description", "volume_type", "availability_zone",
                   "metadata", "multiattach", "imageRef", "snapshot_id", "source_volid",
                   "consistencygroup_id", "backup_id", "display_name",
                   "display_description", "group_id", "scheduler_hints"}
        for k in spec:
            if k not in allowed:
                raise bad_input("volume", spec, "Additional properties are not allowed"
                                " ('%s' was unexpected)" % k)
        size = spec.get("size")
        if isinstance(size, str) and size.isdigit():
            size = int(size)
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise bad_input("size", spec.get("size"), "%r is not valid under any of the"
                            " given schemas" % (spec.get("size"),))
        vtype = spec.get("volume_type")
        if vtype is not None and not any(vtype in (t["id"], t["name"])
                                         for t in self.vol.types):
            raise HTTPError(404, "Volume type with name %s could not be found." % vtype)
        az = spec.get("availability_zone")
        if az is not None and az != "nova":
            raise HTTPError(400, "Invalid input received: Availability zone '%s' is"
                            " invalid." % az)
        image = None
        if spec.get("imageRef"):
            image = self.st.images.get(spec["imageRef"])
            if image is None or not Glance.visible(self.st, image, req.token.project):
                raise HTTPError(400, "Invalid image identifier or unable to access"
                                " requested image.")
        md = spec.get("metadata", {})
        if not isinstance(md, dict):
            raise bad_input("metadata", md, "%r is not of type 'object'" % (md,))
        self._check_quota(req, size)
        v = self.vol.new(req.token.project, req.token.user, size,
                         spec.get("name", spec.get("display_name")), time.time(),
                         bootable=image is not None, image=image)
        v.description = spec.get("description")
        v.metadata = {str(k): str(x) for k, x in md.items()}
        v.multiattach = bool(spec.get("multiattach"))
        d = self.view(req, v)
        del d["os-vol-tenant-attr:tenant_id"]    # that extension extends show and detail only
        return json_resp(202, {"volume": d})

    def update(self, req, vid):
        body = req.json()
        if not isinstance(body, dict) or not isinstance(body.get("volume"), dict):
            raise HTTPError(400, "Missing required element 'volume' in request body.")
        v = self.get(req, vid)
        spec = body["volume"]
        for k in ("name", "description"):
            if k in spec:
                setattr(v, k, spec[k])
        if "metadata" in spec and isinstance(spec["metadata"], dict):
            v.metadata = {str(k): str(x) for k, x in spec["metadata"].items()}
        v.updated = time.time()
        return json_resp(200, {"volume": self.view(req, v)})

    def delete(self, req, vid):
        v = self.get(req, vid)
        if v.status not in CINDER_DELETABLE or v.attachments:
            raise HTTPError(400, "Invalid volume: Volume status must be available or"
                            " error or error_restoring or error_extending or"
                            " error_managing and must not be migrating, attached,"
                            " belong to a group, have snapshots, awaiting a transfer,"
                            " or be disassociated from snapshots after volume"
                            " transfer.")
        self.vol.transition(v, "deleting", None, time.time())
        return CinderBareResp(202)

    def attachments(self, req):
        want = req.q("volume_id")
        out = []
        for v in self.vol.volumes.values():
            if v.project_id != req.token.project or (want and v.id != want):
                continue
            for a in v.attachments:
                out.append({"id": a["attachment_id"], "status": "attached",
                            "instance": a["server_id"], "volume_id": v.id})
        return json_resp(200, {"attachments": out})


def counter_key(method, path):
    """Method + path with ids replaced by {id} (and metadata keys by {key})."""
    out = []
    prev = None
    for s in path.split("/"):
        if prev in ("servers", "flavors", "images", "os-keypairs",
                    "os-instance-actions", "os-volume_attachments", "volumes",
                    "types") + tuple(NEUTRON_RESOURCES) and s and \
                s != "detail":
            out.append("{id}")
        elif prev in ("metadata", "os-extra_specs") and s:
            out.append("{key}")
        elif UUID_RE.match(s):
            out.append("{id}")
        else:
            out.append(s)
        prev = s
    return "%s %s" % (method, "/".join(out))


def service_of(path):
    for svc, prefix in (("identity", "/identity"), ("compute", "/compute"),
                        ("image", "/image"), ("network", "/network"),
                        ("volume", "/volume")):
        if path == prefix or path.startswith(prefix + "/"):
            return svc
    return "other"


LOG_HEADERS = ("OpenStack-API-Version", "X-OpenStack-Nova-API-Version",
               "X-OpenStack-Request-Id", "Content-Type", "Accept",
               "User-Agent")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "osemu/1.0"
    sys_version = ""
    timeout = 300

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if not self.server.emu.args.quiet:
            sys.stderr.write("osemu: %s - %s\n" % (self.address_string(), fmt % args))

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    # -- io helpers -------------------------------------------------------------
    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            total = 0
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    break
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while True:
                        trailer = self.rfile.readline(65537)
                        if trailer in (b"\r\n", b"\n", b""):
                            break
                    break
                total += size
                if total > 64 * 1024 * 1024:
                    raise ValueError("body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        if n > 64 * 1024 * 1024:
            raise ValueError("body too large")
        return self.rfile.read(n) if n > 0 else b""

    def send(self, resp, head=False, truncate=False):
        self.send_response(resp.status)
        for k, v in resp.headers:
            self.send_header(k, v)
        body = resp.body
        if resp.status not in (204, 304) or body:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Content-Length", "0")
        if truncate:
            self.send_header("Connection", "close")
        self.end_headers()
        try:
            if head:
                self.wfile.flush()
                return
            if truncate:
                self.wfile.write(body[:len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def drop(self):
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- main ---------------------------------------------------------------------
    def dispatch(self):
        emu = self.server.emu
        st = emu.state
        method = self.command
        raw_path = self.path
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.send(Resp(413, "Request is too large.",
                           [("Content-Type", "text/plain; charset=UTF-8"),
                            ("Connection", "close")]))
            self.close_connection = True
            return
        host = self.headers.get("Host") or "127.0.0.1:%d" % st.port
        hdrs = {k: v for k, v in self.headers.items()}
        # case-insensitive header access via self.headers
        req = Req(method, raw_path, self.headers, body, host)
        if method not in ("GET", "HEAD") and st.pages:
            with st.lock:
                st.pages = {}   # a change: no page stays as rendered
        if req.path == "/_emu" or req.path.startswith("/_emu/"):
            try:
                resp = emu.control(req)
            except HTTPError as e:
                resp = json_resp(e.status, {"error": e.message})
            except Exception as e:  # pragma: no cover - defensive
                resp = json_resp(500, {"error": "%s: %s" % (type(e).__name__, e)})
            self.send(resp, head=(method == "HEAD"))
            return
        svc = service_of(req.path)
        entry = emu.record(req, svc, hdrs)
        fault = emu.match_fault(method, raw_path)
        if svc == "identity" and st.keystone_down:
            entry["fault"] = "keystone_down"
            entry["status"] = None
            self.drop()
            return
        spec = fault.spec if fault else {}
        if fault:
            entry["fault"] = next((k for k in ("status", "delay", "hang", "drop",
                                               "drop_after", "malformed",
                                               "truncate", "huge", "loop_next")
                                   if k in spec), "?")
        if spec.get("hang"):
            ev = st.hang_event
            while not ev.wait(0.5):
                if st.stopping:
                    break
            if st.stopping:
                self.drop()
                return
        if "delay" in spec:
            time.sleep(float(spec["delay"]))
        if spec.get("drop"):
            entry["status"] = None
            self.drop()
            return
        if "status" in spec:
            resp = self.fault_status(req, svc, spec)
            entry["status"] = resp.status
            self.send(resp, head=(method == "HEAD"))
            return
        if spec.get("malformed"):
            entry["status"] = 200
            self.send(Resp(200, b'{"servers": [{"id": "8b4e7d', [
                ("Content-Type", "application/json")]), head=(method == "HEAD"))
            return
        if spec.get("huge"):
            entry["status"] = 200
            self.send_huge(int(spec["huge"]))
            return
        if spec.get("loop_next"):
            req.loop_next = True
        try:
            if svc == "identity":
                resp = emu.keystone.handle(req)
            elif svc == "compute":
                resp = emu.nova.handle(req)
            elif svc == "image":
                resp = emu.glance.handle(req)
            elif svc == "network":
                resp = emu.neutron.handle(req)
            elif svc == "volume":
                resp = emu.cinder.handle(req)
            else:
                resp = Resp(404, "404 Not Found\n\nThe resource could not be found.\n\n   ",
                            [("Content-Type", "text/plain; charset=UTF-8")])
        except HTTPError as e:
            resp = json_resp(e.status, {"error": e.message})
        except Exception as e:
            import traceback
            traceback.print_exc()
            if svc in ("compute", "volume"):
                resp = nova_error(500, "Unexpected API Error. %s" % type(e).__name__)
            elif svc == "network":
                resp = json_resp(500, {"NeutronError": {
                    "type": "HTTPInternalServerError", "detail": "",
                    "message": "Request Failed: internal server error while"
                               " processing your request."}})
            else:
                resp = ks_error(500, "An unexpected error prevented the server from"
                                " fulfilling your request.")
        entry["status"] = resp.status
        if method != "HEAD":
            with emu.state.lock:
                entry["bytes"] = len(resp.body)
                emu.state.bytes_out += len(resp.body)
        if spec.get("drop_after"):
            self.drop()
            return
        self.send(resp, head=(method == "HEAD"), truncate=bool(spec.get("truncate")))

    def fault_status(self, req, svc, spec):
        status = int(spec["status"])
        headers = []
        if spec.get("retry_after") is not None:
            headers.append(("Retry-After", str(spec["retry_after"])))
        if "body" in spec:
            ctype = spec.get("content_type", "text/plain; charset=UTF-8")
            return Resp(status, spec["body"], [("Content-Type", ctype)] + headers)
        title = KS_TITLES.get(status, "Error")
        if status == 401 and svc in ("compute", "image", "network", "volume"):
            # what keystonemiddleware answers for a rejected token
            r = middleware_401(self.server.emu.state, req)
            r.headers.extend(headers)
            return r
        if svc == "network":
            return json_resp(status, {"NeutronError": {
                "type": "HTTP" + title.replace(" ", ""), "message": title,
                "detail": ""}}, headers)
        if svc in ("compute", "volume"):
            name = NOVA_FAULT_NAMES.get(status, "computeFault")
            inner = {"code": status, "message": title}
            if spec.get("retry_after") is not None and status in (413, 429):
                inner["retryAfter"] = str(spec["retry_after"])
            return json_resp(status, {name: inner}, headers,
                             "application/json; charset=UTF-8")
        if svc == "image":
            return webob_error(status, title, req.header("Accept"), headers)
        return ks_error(status, title, headers)

    def send_huge(self, size):
        prefix = b'{"padding": "'
        suffix = b'"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        try:
            if size < len(prefix) + len(suffix):
                self.wfile.write((b"{}" + b" " * size)[:size])
            else:
                self.wfile.write(prefix)
                left = size - len(prefix) - len(suffix)
                chunk = b"x" * (1 << 20)
                while left > 0:
                    n = min(left, len(chunk))
                    self.wfile.write(chunk[:n])
                    left -= n
                self.wfile.write(suffix)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class EmuServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128


class Emulator:
    def __init__(self, args):
        self.args = args
        self.state = State(args)
        self.keystone = Keystone(self.state)
        self.nova = Nova(self.state)
        self.glance = Glance(self.state)
        self.neutron = Neutron(self.state)
        self.cinder = Cinder(self.state)

    # -- observations ---------------------------------------------------------
    def record(self, req, svc, hdrs):
        st = self.state
        key = counter_key(req.method, req.path)
        headers = {}
        lower = {k.lower(): v for k, v in hdrs.items()}
        for h in LOG_HEADERS:
            if h.lower() in lower:
                headers[h] = lower[h.lower()]
        tok_val = lower.get("x-auth-token")
        if tok_val is not None:
            headers["X-Auth-Token"] = "<token>"
        if "x-subject-token" in lower:
            headers["X-Subject-Token"] = "<token>"
        body = None
        if req.body:
            try:
                body = mask_secrets(json.loads(req.body.decode("utf-8")))
            except (ValueError, UnicodeDecodeError):
                text = req.body[:4096].decode("utf-8", "replace")
                body = re.sub(r'("(?:password|secret)"\s*:\s*)"[^"]*"', r'\1"***"', text)
        with st.lock:
            st.counters[key] = st.counters.get(key, 0) + 1
            st.by_service[svc] = st.by_service.get(svc, 0) + 1
            st.total += 1
            st.seq += 1
            tok = st.tokens.get(tok_val) if tok_val else None
            entry = {"seq": st.seq, "time": time.time(), "method": req.method,
                     "path": req.raw_path, "service": svc, "key": key,
                     "headers": headers, "token_present": tok_val is not None,
                     "token_id": tok.audit_ids[0] if tok else None,
                     "body": body, "status": None, "fault": None}
            st.reqlog.append(entry)
        return entry

    def match_fault(self, method, raw_path):
        st = self.state
        with st.lock:
            for f in st.faults:
                if f.count == 0:
                    continue
                if f.method and f.method.upper() != method:
                    continue
                if not f.regex.search(raw_path):
                    continue
                if f.count > 0:
                    f.count -= 1
                return f
        return None

    # -- control API ----------------------------------------------------------------
    def control(self, req):
        st = self.state
        path = req.path.rstrip("/")
        m = req.method
        body = None
        if req.body:
            try:
                body = json.loads(req.body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                raise HTTPError(400, "invalid JSON")
        if path == "/_emu/counters" and m == "GET":
            with st.lock:
                return json_resp(200, {"requests": dict(st.counters),
                                       "by_service": dict(st.by_service),
                                       "total": st.total, "bytes": st.bytes_out})
        if path == "/_emu/reset" and m == "POST":
            with st.lock:
                st.counters.clear()
                st.by_service.clear()
                st.total = 0
                st.bytes_out = 0
                st.reqlog.clear()
            return json_resp(200, {"ok": True})
        if path == "/_emu/faults":
            if m == "POST":
                if not isinstance(body, dict) or "path" not in body:
                    raise HTTPError(400, "fault needs a 'path' regex")
                kinds = [k for k in ("status", "delay", "hang", "drop", "drop_after",
                                     "malformed", "truncate", "huge", "loop_next")
                         if k in body]
                if kinds == ["status", "delay"]:
                    kinds = ["status"]  # a slow error: wait `delay`, then answer
                if len(kinds) != 1:
                    raise HTTPError(400, "fault needs exactly one of status, delay,"
                                    " hang, drop, drop_after, malformed, truncate,"
                                    " huge, loop_next")
                try:
                    with st.lock:
                        st.fault_seq += 1
                        f = Fault(body, st.fault_seq)
                        st.faults.append(f)
                except re.error as e:
                    raise HTTPError(400, "bad regex: %s" % e)
                return json_resp(200, {"id": f.id})
            if m == "DELETE":
                with st.lock:
                    st.faults = []
                    old = st.hang_event
                    st.hang_event = threading.Event()
                    old.set()
                return json_resp(200, {"ok": True})
            if m == "GET":
                with st.lock:
                    return json_resp(200, {"faults": [
                        dict(f.spec, id=f.id, remaining=f.count) for f in st.faults]})
        if path == "/_emu/revoke" and m == "POST":
            with st.lock:
                n = 0
                for t in st.tokens.values():
                    if not t.revoked:
                        t.revoked = True
                        n += 1
            return json_resp(200, {"revoked": n})
        if path == "/_emu/config":
            if m == "POST":
                if not isinstance(body, dict):
                    raise HTTPError(400, "expected a JSON object")
                with st.lock:
                    for k, v in body.items():
                        if k == "token_ttl":
                            st.token_ttl = float(v)
                        elif k == "build_time":
                            st.build_time = float(v)
                        elif k == "net_event_delay":
                            st.net_event_delay = float(v)
                        elif k == "page_max":
                            st.page_max = int(v)
                        elif k == "keystone_down":
                            st.keystone_down = bool(v)
                        elif k == "max_instances":
                            st.max_instances = int(v)
                        elif k == "fail_builds":
                            st.fail_builds = bool(v)
                        elif k == "max_server_meta":
                            st.max_server_meta = int(v)
                        elif k == "max_keypairs":
                            st.max_keypairs = int(v)
                        elif k == "max_volumes":
                            st.vol.max_volumes = int(v)
                        elif k == "max_gigabytes":
                            st.vol.max_gigabytes = int(v)
                        elif k == "page_cache":
                            st.page_cache = bool(v)
                            st.pages = {}
                        elif k == "cinder_max":
                            ver = parse_version(str(v))
                            if ver is None or not CINDER_MIN <= ver <= CINDER_MAX:
                                raise HTTPError(400, "cinder_max: 3.0 to %s"
                                                % vstr(CINDER_MAX))
                            st.cinder_max = ver
                        else:
                            raise HTTPError(400, "unknown config key %s" % k)
            if m in ("GET", "POST"):
                with st.lock:
                    return json_resp(200, {
                        "token_ttl": st.token_ttl, "build_time": st.build_time,
                        "page_max": st.page_max, "keystone_down": st.keystone_down,
                        "max_instances": st.max_instances,
                        "fail_builds": st.fail_builds,
                        "max_server_meta": st.max_server_meta,
                        "max_keypairs": st.max_keypairs,
                        "max_volumes": st.vol.max_volumes,
                        "max_gigabytes": st.vol.max_gigabytes,
                        "page_cache": st.page_cache,
                        "cinder_max": vstr(st.cinder_max)})
        if path == "/_emu/servers":
            if m == "GET":
                with st.lock:
                    st.settle()
                    out = []
                    for s in st.order:
                        out.append({"id": s.id, "name": s.name, "status": s.status,
                                    "vm_state": s.vm_state, "task_state": s.task_state,
                                    "power_state": s.power_state, "locked": s.locked,
                                    "locked_reason": s.locked_reason,
                                    "metadata": dict(s.metadata),
                                    "flavor_id": s.flavor["id"], "image_id": s.image_id,
                                    "key_name": s.key_name, "user_data": s.user_data,
                                    "project_id": s.project_id, "created": iso_z(s.created),
                                    "description": s.description, "tags": list(s.tags),
                                    "deleting": bool(s.pending and s.pending[0] == "delete")})
                return json_resp(200, {"servers": out})
            if m == "POST":
                body = body or {}
                count = int(body.get("count", 1))
                prefix = body.get("prefix", "emu")
                names = body.get("names")
                status = body.get("status", "ACTIVE")
                if status not in ("ACTIVE", "SHUTOFF", "ERROR", "PAUSED", "SUSPENDED"):
                    raise HTTPError(400, "unsupported status")
                ids = []
                with st.lock:
                    now = time.time()
                    names = names or ["%s-%05d" % (prefix, i + 1) for i in range(count)]
                    for i, nm in enumerate(names):
                        s = st._new_server(nm, now + i * 1e-3, st.demo_project,
                                           st.demo_user, body.get("flavor_id", "1"),
                                           st.img_cirros["id"], body.get("key_name"),
                                           status, body.get("metadata"))
                        s.id = str(uuid.uuid4())
                        s.updated = now
                        s.launched_at = now
                        st._add_server(s)
                        ids.append(s.id)
                return json_resp(200, {"ids": ids})
        if path == "/_emu/console" and m == "POST":
            # a booted guest prints: its lines are added to the server's
            # console (os-getConsoleOutput answers the last `length`)
            body = body or {}
            with st.lock:
                s = st.servers.get(body.get("id"))
                if s is None:
                    raise HTTPError(404, "no such server")
                s.console = (s.console or []) + [str(x) for x in body.get("lines", [])]
                return json_resp(200, {"lines": len(s.console)})
        if path == "/_emu/volumes" and m == "GET":
            with st.lock:
                st.settle()
                out = [{"id": v.id, "name": v.name, "size": v.size, "status": v.status,
                        "bootable": v.bootable, "project_id": v.project_id,
                        "attachments": [dict(a, at=iso_us(a["at"])) for a in v.attachments]}
                       for v in sorted(st.vol.volumes.values(), key=lambda v: v.created)]
            return json_resp(200, {"volumes": out})
        if path.startswith("/_emu/neutron/") and m == "GET":
            coll = path[len("/_emu/neutron/"):]
            if coll not in NEUTRON_RESOURCES:
                raise HTTPError(404, "no such collection: %s" % coll)
            with st.lock:
                out = [{k: v for k, v in o.items() if not k.startswith("_")}
                       for o in st.net.coll[coll].values()]
            return json_resp(200, {coll.replace("-", "_"): out})
        if path == "/_emu/keypairs" and m == "GET":
            with st.lock:
                out = []
                for uid, kps in st.keypairs.items():
                    for k in sorted(kps.values(), key=lambda k: k["name"]):
                        out.append({"user_id": uid, "user": st.users[uid]["name"],
                                    "name": k["name"], "type": k["type"],
                                    "fingerprint": k["fingerprint"],
                                    "public_key": k["public_key"]})
            return json_resp(200, {"keypairs": out})
        if path == "/_emu/tokens" and m == "GET":
            show = req.q("secrets") in ("1", "true")
            with st.lock:
                now = time.time()
                out = []
                for t in sorted(st.tokens.values(), key=lambda t: t.issued):
                    d = {"id": t.audit_ids[0], "revoked": t.revoked,
                         "expired": t.expires <= now, "issued_at": ks_time(t.issued),
                         "expires_at": ks_time(t.expires),
                         "user": st.users[t.user]["name"],
                         "project": st.projects[t.project]["name"] if t.project else None,
                         "methods": list(t.methods), "uses": t.uses}
                    if show:
                        d["token"] = t.token
                    out.append(d)
            return json_resp(200, {"tokens": out})
        if path == "/_emu/requests" and m == "GET":
            try:
                n = int(req.q("last", "50"))
            except ValueError:
                raise HTTPError(400, "last must be an integer")
            with st.lock:
                items = list(st.reqlog)[-n:] if n > 0 else []
                items = [dict(e) for e in items]
            return json_resp(200, {"requests": items})
        if path == "/_emu/info" and m == "GET":
            with st.lock:
                return json_resp(200, {
                    "port": st.port,
                    "auth_url": st.base_url() + "/identity",
                    "users": [{"id": u["id"], "name": u["name"],
                               "password": u["password"],
                               "default_project_id": u["default_project_id"]}
                              for u in st.users.values()],
                    "projects": [{"id": p["id"], "name": p["name"]}
                                 for p in st.projects.values()],
                    "application_credentials": [
                        {"id": c["id"], "name": c["name"], "secret": c["secret"],
                         "user_id": c["user_id"]} for c in st.app_creds.values()],
                    "network": dict(st.network),
                    "networks": {n["name"]: n["id"]
                                 for n in st.net.coll["networks"].values()},
                    "images": [{"id": i["id"], "name": i["name"], "status": i["status"],
                                "visibility": i["visibility"]}
                               for i in sorted(st.images.values(),
                                               key=lambda i: i["_created"])],
                    "max_microversion": vstr(st.max_version)})
        raise HTTPError(404, "no such control endpoint: %s %s" % (m, path))


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(description="OpenStack (Keystone/Nova/Glance) emulator")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--portfile")
    p.add_argument("--servers", type=int, default=10)
    p.add_argument("--no-edge-servers", action="store_true",
                   help="do not add the dup/dup/a/b/100%% servers")
    p.add_argument("--token-ttl", type=float, default=3600)
    p.add_argument("--build-time", type=float, default=0.5)
    p.add_argument("--net-event-delay", type=float, default=1.0,
                   help="seconds until a server's addresses show a port or "
                   "floating IP change (Nova hears it from Neutron)")
    p.add_argument("--page-max", type=int, default=1000)
    p.add_argument("--server-ports", action="store_true",
                   help="every seeded server also has a port in Neutron's listing")
    p.add_argument("--max-instances", type=int, default=None,
                   help="maxTotalInstances (default 10000, or servers+1000 if"
                        " more servers are seeded)")
    p.add_argument("--max-version", default=NOVA_MAX_DEFAULT,
                   help="highest compute microversion (default %s)" % NOVA_MAX_DEFAULT)
    p.add_argument("--region", default="RegionOne")
    p.add_argument("--no-compute", action="store_true",
                   help="leave compute out of the catalog")
    p.add_argument("--no-volume", action="store_true",
                   help="leave Cinder out of the catalog")
    p.add_argument("--networks", type=int, default=0,
                   help="seed N more networks (net-00001...) and N more ports")
    p.add_argument("--volumes", type=int, default=0,
                   help="seed N available demo volumes (vol-00001...)")
    p.add_argument("--projects", type=int, default=0,
                   help="seed N more projects (ops-a, ops-b, ...), each with"
                   " --project-servers servers on two compute hosts")
    p.add_argument("--project-servers", type=int, default=3)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    if parse_version(a.max_version) is None or parse_version(a.max_version) < NOVA_MIN:
        p.error("bad --max-version")
    return a


osemu_admin.bind(sys.modules[__name__])


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    emu = Emulator(args)
    httpd = EmuServer(("127.0.0.1", args.port), Handler)
    httpd.emu = emu
    port = httpd.server_address[1]
    emu.state.port = port
    if args.portfile:
        d = os.path.dirname(os.path.abspath(args.portfile))
        tmp = os.path.join(d, ".%s.tmp.%d" % (os.path.basename(args.portfile), os.getpid()))
        with open(tmp, "w") as fh:
            fh.write("%d\n" % port)
        os.replace(tmp, args.portfile)
    print("osemu listening on http://127.0.0.1:%d" % port, flush=True)

    def stop(signum, frame):
        emu.state.stopping = True
        emu.state.hang_event.set()
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        emu.state.stopping = True
        emu.state.hang_event.set()
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
