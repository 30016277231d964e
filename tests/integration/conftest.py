"""Fixtures: the cloud under test (the emulator, or the real OpenStack of
tests/realcloud when OSFS_TARGET=realcloud) and real mounts of it."""
import os
import re

import pytest

from harness import Emulator, Mount, sh  # noqa: F401
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

    def stop(self):
        if self.emu:
            self.emu.stop()


@pytest.fixture(scope="session")
def cloud():
    c = Cloud()
    yield c
    c.stop()


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
    for m in mounts:
        m.unmount()


@pytest.fixture
def mnt(mount):
    return mount()
