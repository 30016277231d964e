"""`rm` never changes the cloud (DESIGN.md, "Writing"): unlink and rmdir
delete no server, metadata key or keypair, whatever they are pointed at.
Metadata keys go with an explicit `echo 'unset KEY' > ctl`.  Drafts live in
the daemon only, so `rmdir` of a draft discards it.

The cloud's own view (osclient) is compared before and after.  On the
emulator the tests use a small cloud of their own, so that `rm -rf` over the
whole mount stays quick; on a real cloud they use it as it is."""
import errno
import os
import time

import pytest

from fixtures import Emulator, sh
from osclient import Client


class SmallCloud:
    def __init__(self, cloud):
        self.emu = None
        self.flavor, self.image, self.networks = cloud.flavor, cloud.image, cloud.networks
        if cloud.real:
            self.env, self.client = cloud.env, cloud.client
        else:
            self.emu = Emulator(servers=6)
            self.env = self.emu.env()
            self.client = Client(self.env)


@pytest.fixture(scope="module")
def small(cloud):
    c = SmallCloud(cloud)
    yield c
    if c.emu:
        c.emu.stop()


def unique(prefix):
    return "%s-%d-%d" % (prefix, os.getpid(), int(time.time() * 1000) % 100000)


def cloud_view(client):
    """What the cloud holds that rm could destroy: servers with their
    metadata, and keypairs."""
    servers = {s["id"]: (s["name"], s.get("metadata") or {}) for s in client.servers()}
    keypairs = {k["name"]: k["fingerprint"] for k in client.keypairs()}
    return servers, keypairs


def put_meta(client, sid, key, value):
    status, body = client.request("PUT", "compute", "/servers/%s/metadata/%s" % (sid, key),
                                  {"meta": {key: value}})
    assert status == 200, (status, body)


@pytest.fixture
def tagged(small, tmp_path):
    """Metadata keys on three servers and a keypair of our own; removed after."""
    # settled ones: a server another test is deleting may still read ACTIVE
    servers = [s for s in small.client.servers()
               if s["status"] == "ACTIVE" and not s.get("OS-EXT-STS:task_state")][:3]
    assert len(servers) >= 2, "the cloud needs servers to tag"
    for i, s in enumerate(servers):
        put_meta(small.client, s["id"], "osfs-rm-test", "v%d" % i)
        put_meta(small.client, s["id"], "role", "web")
    kp = unique("rmkp")
    pub = sh("ssh-keygen -q -t ed25519 -N '' -f %s/k && cat %s/k.pub" % (tmp_path, tmp_path)).stdout
    status, body = small.client.request("POST", "compute", "/os-keypairs",
                                        {"keypair": {"name": kp, "public_key": pub.strip()}})
    assert status in (200, 201), (status, body)
    yield servers, kp
    for s in servers:
        for key in ("osfs-rm-test", "role"):
            small.client.request("DELETE", "compute", "/servers/%s/metadata/%s" % (s["id"], key))
    small.client.request("DELETE", "compute", "/os-keypairs/" + kp)


def live_dir(m, client, sid):
    return "servers/" + os.readlink(m.p("servers", ".by-id", sid))[3:]


def test_rm_rf_over_the_whole_mount_changes_nothing(small, mount, tagged):
    servers, kp = tagged
    m = mount(env=small.env)
    draft = unique("rmdraft")
    os.mkdir(m.p("servers", draft))
    assert m.write("servers/%s/flavor" % draft, small.flavor + "\n") == 0
    assert m.write("servers/%s/metadata/k1" % draft, "v1\n") == 0
    before = cloud_view(small.client)
    assert any(meta.get("osfs-rm-test") for _, meta in before[0].values())
    assert kp in before[1]

    r = sh("rm -rf %s/* %s/.openstackfs" % (m.path, m.path), check=False, timeout=300)

    assert r.returncode != 0
    assert "Operation not permitted" in r.stderr
    assert "Directory not empty" in r.stderr
    assert cloud_view(small.client) == before
    assert not os.path.exists(m.p("servers", draft))       # the draft was local
    assert draft not in os.listdir(m.p("servers"))
    for s in servers:                                      # the mount still shows them
        assert sorted(os.listdir(m.p(live_dir(m, small.client, s["id"]), "metadata"))) == \
            sorted(small.client.server(s["id"])["metadata"])


def test_unlink_live_metadata_is_eperm_and_logged(small, mount, tagged):
    servers, _ = tagged
    m = mount(env=small.env)
    d = live_dir(m, small.client, servers[0]["id"])
    with pytest.raises(OSError) as e:
        os.unlink(m.p(d, "metadata", "role"))
    assert e.value.errno == errno.EPERM
    assert small.client.server(servers[0]["id"])["metadata"]["role"] == "web"
    assert "unset" in m.read(".openstackfs", "log")        # the log says what to do instead


def test_rm_under_ro_is_erofs(small, mount, tagged):
    servers, _ = tagged
    m = mount("ro", env=small.env)
    d = live_dir(m, small.client, servers[0]["id"])
    with pytest.raises(OSError) as e:
        os.unlink(m.p(d, "metadata", "role"))
    assert e.value.errno == errno.EROFS
    with pytest.raises(OSError) as e:
        os.rmdir(m.p(d))
    assert e.value.errno == errno.EROFS
    assert small.client.server(servers[0]["id"])["metadata"]["role"] == "web"


def test_rmdir_of_a_live_server_makes_no_api_call(small, mount):
    if not small.emu:
        pytest.skip("counts requests at the emulator")
    m = mount(env=small.env)
    s = small.client.servers()[0]
    d = live_dir(m, small.client, s["id"])
    os.listdir(m.p(d))
    small.emu.reset()
    with pytest.raises(OSError) as e:
        os.rmdir(m.p(d))
    assert e.value.errno in (errno.ENOTEMPTY, errno.EPERM)
    writes = [k for k in small.emu.counters()["requests"] if not k.startswith("GET")]
    assert writes == []


def test_unset_removes_one_key(small, mount, tagged):
    servers, _ = tagged
    m = mount(env=small.env)
    sid = servers[0]["id"]
    d = live_dir(m, small.client, sid)
    assert "unset KEY" in m.read(d, "ctl").splitlines()
    assert m.write(d + "/ctl", "unset role\n") == 0
    meta = small.client.server(sid)["metadata"]
    assert "role" not in meta and meta["osfs-rm-test"] == "v0"
    deadline = time.time() + 10
    while "role" in os.listdir(m.p(d, "metadata")) and time.time() < deadline:
        time.sleep(0.2)
    assert "role" not in os.listdir(m.p(d, "metadata"))
    # keys are case-sensitive: the verb is not, its argument is
    put_meta(small.client, sid, "Mixed", "x")
    assert m.write(d + "/ctl", "UNSET Mixed\n") == 0
    assert "Mixed" not in small.client.server(sid)["metadata"]


def test_unset_unknown_key_is_enoent_with_the_api_message(small, mount, tagged):
    servers, _ = tagged
    m = mount(env=small.env)
    sid = servers[1]["id"]
    d = live_dir(m, small.client, sid)
    before = small.client.server(sid)["metadata"]
    assert m.write(d + "/ctl", "unset no-such-key\n") == errno.ENOENT
    assert "no-such-key" in m.read(d, "error") or "404" in m.read(d, "error") or \
        "not found" in m.read(d, "error").lower()
    assert m.write(d + "/ctl", "unset\n") == errno.EINVAL
    assert small.client.server(sid)["metadata"] == before
