"""Fixtures: the cloud under test (the emulator, or the real OpenStack of
tests/realcloud when OSFS_TARGET=realcloud) and real mounts of it."""
import os
import re
import time

import pytest

from harness import Emulator, Mount, sanitizer_reports, sh  # noqa: F401
from osclient import Client

TARGET = os.environ.get("OSFS_TARGET", "emulator")
REALCLOUD_DIR = os.environ.get("OSFS_REALCLOUD_DIR", "/var/lib/osfs-realcloud")
EMU_SERVERS = int(os.environ.get("OSFS_EMU_SERVERS", "2500"))


def read_openrc(path):
    env = {}
    for line in open(path):
        m = re.match(r"\s*export\s+(OS_\w+)=(.*)$", line)
        if m:
            env[m.group(1)] = m.group(2).strip().strip("'\"")
    return env


def realcloud_admin_env():
    """OS_* of the real cloud's admin (clouds.yaml's realcloud-admin)."""
    import yaml  # the real cloud's tier has it (the openstack CLI needs it)
    c = yaml.safe_load(open(os.path.join(REALCLOUD_DIR, "clouds.yaml")))["clouds"]["realcloud-admin"]
    a = c["auth"]
    return {"OS_AUTH_URL": a["auth_url"], "OS_USERNAME": a["username"],
            "OS_PASSWORD": a["password"], "OS_PROJECT_NAME": a["project_name"],
            "OS_USER_DOMAIN_NAME": a["user_domain_name"],
            "OS_PROJECT_DOMAIN_NAME": a["project_domain_name"],
            "OS_REGION_NAME": c["region_name"]}


class Cloud:
    """What a test needs to know about the cloud it runs against."""

    def __init__(self):
        self.emu = None
        if TARGET == "realcloud":
            self.env = read_openrc(os.path.join(REALCLOUD_DIR, "openrc"))
            self.clouds_yaml = os.path.join(REALCLOUD_DIR, "clouds.yaml")
            self.networks = "none"
            self.flavor, self.image = "m1.tiny", "cirros-0.6.2"
        else:
            self.emu = Emulator(servers=EMU_SERVERS)
            self.env = self.emu.env()
            self.clouds_yaml = None
            self.networks = "none"
            self.flavor, self.image = "m1.tiny", "cirros-0.6.2"
        self.client = Client(self.env)
        self.real = TARGET == "realcloud"
        self.seeded = []
        if self.real:
            self.seed_servers(["osfs-seed-a", "osfs-seed-b"])

    def seed_servers(self, names):
        """A real cloud starts empty: give the read tests servers to read."""
        have = {s["name"] for s in self.client.servers()}
        flavor = next(f["id"] for f in self.client.flavors() if f["name"] == self.flavor)
        image = next(i["id"] for i in self.client.images() if i["name"] == self.image)
        for name in names:
            if name in have:
                continue
            status, body = self.client.request("POST", "compute", "/servers", {"server": {
                "name": name, "flavorRef": flavor, "imageRef": image, "networks": "none",
                "metadata": {"seeded-by": "openstackfs-tests"}}})
            assert status == 202, (status, body)
            self.seeded.append(body["server"]["id"])
        for sid in self.seeded:
            self.client.wait_server(sid, lambda s: s and s["status"] == "ACTIVE"
                                    and not s["OS-EXT-STS:task_state"], timeout=300)

    def stop(self):
        for sid in self.seeded:
            self.client.request("DELETE", "compute", "/servers/" + sid)
        if self.emu:
            self.emu.stop()


def settle(client, everyone=False, timeout=180):
    """Wait until none of the project's servers (everyone's, for an admin)
    is being deleted.  A real cloud deletes after answering; a module that
    deleted a server through the API or the mount must not leave the next
    one a listing that may or may not still hold it."""
    deadline = time.time() + timeout
    while True:
        going = [s["id"] for s in client.servers(everyone)
                 if s.get("OS-EXT-STS:task_state") == "deleting"]
        if not going:
            return
        assert time.time() < deadline, ("servers still being deleted", going)
        time.sleep(1)


@pytest.fixture(scope="session")
def cloud():
    c = Cloud()
    yield c
    c.stop()


@pytest.fixture(scope="module", autouse=True)
def settled(cloud):
    """Each module on the real cloud ends with its deletions done."""
    yield
    if cloud.real:
        settle(cloud.client)


@pytest.fixture
def emu(cloud):
    if not cloud.emu:
        pytest.skip("needs the emulator's control API (fault injection, counters)")
    yield cloud.emu
    cloud.emu.clear_faults()
    cloud.emu.config(keystone_down=False)


@pytest.fixture
def mount(cloud):
    """mount(*opts, env=None, debug=False, args=None) → a live Mount."""
    mounts = []

    def make(*opts, env=None, debug=False, args=None, wait=True):
        m = Mount(env if env is not None else cloud.env, *opts, debug=debug, args=args, wait=wait)
        mounts.append(m)
        return m

    yield make
    reports = []
    for m in mounts:
        m.unmount()
        reports += sanitizer_reports(m)
    assert not reports, "sanitizer reports:\n" + "\n".join(reports[:20])


@pytest.fixture
def mnt(mount):
    return mount()
