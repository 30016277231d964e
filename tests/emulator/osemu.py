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
                 "networks", "admin_pass", "index")

    def __init__(self):
        self.cache = {}
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
        self.page_max = int(args.page_max)
        self.keystone_down = False
        self.fail_builds = False
        self.max_version = parse_version(args.max_version)
        self.max_instances = args.max_instances
        self.max_server_meta = 128
        self.max_keypairs = 100
        self.region = args.region
        self.no_compute = args.no_compute
        self.stopping = False
        self.hang_event = threading.Event()
        # observations
        self.counters = {}
        self.by_service = {}
        self.total = 0
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
        self.network = {"name": "private",
                        "id": self._uuid()}
        self._seed_flavors()
        self._seed_images()
        self._seed_keypairs()
        self._seed_servers(args.servers, not args.no_edge_servers)
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
                s.volumes = [self._uuid()]
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
        """The project's servers deleted at or after since_t."""
        return [s for s in self.deleted.values()
                if s.project_id == project and s.updated >= since_t]

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
        if not self.pending:
            return
        now = now or time.time()
        for s in list(self.pending):
            kind, until, arg = s.pending
            if until > now:
                continue
            self.pending.discard(s)
            s.pending = None
            s.task_state = None
            if kind == "delete":
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
                    s.host = None
                    s.addresses = {}
                    s.sec_groups = []
                    s.fault = {"code": 500, "created": iso_z(until),
                               "message": "No valid host was found. "}
                else:
                    s.vm_state, s.power_state = "active", POWER["RUNNING"]
                    s.launched_at = until
                    if s.networks != "none":
                        self._assign_addresses(s)
                        s.addresses = {k: v for k, v in s.addresses.items()}
                    else:
                        s.addresses = {}
                        s.sec_groups = []
            else:
                vm, power = arg
                s.vm_state, s.power_state = vm, power
            s.touch(until)

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

    def catalog(self):
        base = self.base_url()
        services = [("identity", "keystone", base + "/identity")]
        if not self.no_compute:
            services.append(("compute", "nova", base + "/compute/v2.1"))
        services.append(("image", "glance", base + "/image"))
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
                t["catalog"] = st.catalog()
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
            cat = self.st.catalog()
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
        if ver >= (2, 46):
            vh.append(("X-OpenStack-Request-Id", rid))
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
        if s is None or s.project_id != req.token.project:
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
                e["delete_on_termination"] = True
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
        if ver >= (2, 90):
            d["OS-EXT-SRV-ATTR:hostname"] = s.hostname
        if ver >= (2, 96):
            d["pinned_availability_zone"] = None
        if ver >= (2, 100):
            d["scheduler_hints"] = {}
        return d

    def server_fragment(self, req, s, ver, detail):
        if detail:
            key = (self.view_class(ver), req.host)
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
                if i is not None and seq[i].project_id == project:
                    start = i + 1
                elif i is None and gone and gone[2] == project and seq is base:
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
                    if s.project_id != project:
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
            if isinstance(networks, list):
                for net in networks:
                    if "port" in net:
                        raise HTTPError(400, "Port id %s could not be found." % net["port"])
                    if "uuid" in net and net["uuid"] != st.network["id"]:
                        raise HTTPError(400, "Network %s could not be found." % net["uuid"])
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
                if bfv:
                    s.volumes = [str(uuid.uuid4())]
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
                st._add_server(s)
                st.start_task(s, "spawning", "build",
                              "fail" if st.fail_builds else None, now)
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
                 "resume", "lock", "unlock", "os-getConsoleOutput"}
        if action not in known:
            raise HTTPError(400, "There is no such action: %s" % action)
        # schema checks
        if action == "reboot":
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
                out = "FAKE CONSOLE OUTPUT\nANOTHER\nLAST LINE"
                ln = arg.get("length")
                if ln is not None and int(ln) != -1:
                    ln = int(ln)
                    out = "" if ln == 0 else "\n".join(out.split("\n")[-ln:])
                return json_resp(200, {"output": out})
            if action == "lock":
                s.locked = True
                if req.ver >= (2, 73) and isinstance(arg, dict):
                    s.locked_reason = arg.get("locked_reason")
                s.touch(now)
                return Resp(202, b"")
            if action == "unlock":
                s.locked = False
                s.locked_reason = None
                s.touch(now)
                return Resp(202, b"")
            if s.locked and not admin:
                raise HTTPError(409, "Instance %s is locked" % s.id)
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
                return Resp(202, b"")
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
        return Resp(202, b"")

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

def counter_key(method, path):
    """Method + path with ids replaced by {id} (and metadata keys by {key})."""
    out = []
    prev = None
    for s in path.split("/"):
        if prev in ("servers", "flavors", "images", "os-keypairs") and s and \
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
                        ("image", "/image")):
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
            else:
                resp = Resp(404, "404 Not Found\n\nThe resource could not be found.\n\n   ",
                            [("Content-Type", "text/plain; charset=UTF-8")])
        except HTTPError as e:
            resp = json_resp(e.status, {"error": e.message})
        except Exception as e:
            import traceback
            traceback.print_exc()
            if svc == "compute":
                resp = nova_error(500, "Unexpected API Error. %s" % type(e).__name__)
            else:
                resp = ks_error(500, "An unexpected error prevented the server from"
                                " fulfilling your request.")
        entry["status"] = resp.status
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
        if status == 401 and svc in ("compute", "image"):
            # what keystonemiddleware answers for a rejected token
            r = middleware_401(self.server.emu.state, req)
            r.headers.extend(headers)
            return r
        if svc == "compute":
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
                                       "total": st.total})
        if path == "/_emu/reset" and m == "POST":
            with st.lock:
                st.counters.clear()
                st.by_service.clear()
                st.total = 0
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
                        "max_keypairs": st.max_keypairs})
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
    p.add_argument("--page-max", type=int, default=1000)
    p.add_argument("--max-instances", type=int, default=None,
                   help="maxTotalInstances (default 10000, or servers+1000 if"
                        " more servers are seeded)")
    p.add_argument("--max-version", default=NOVA_MAX_DEFAULT,
                   help="highest compute microversion (default %s)" % NOVA_MAX_DEFAULT)
    p.add_argument("--region", default="RegionOne")
    p.add_argument("--no-compute", action="store_true",
                   help="leave compute out of the catalog")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    if parse_version(a.max_version) is None or parse_version(a.max_version) < NOVA_MIN:
        p.error("bad --max-version")
    return a


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
