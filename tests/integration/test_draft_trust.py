"""Creating from a draft is exact: one `boot`, one server, whatever the
timing; a refused draft write leaves nothing behind; named networks are
checked when written; concurrent boots all learn the one outcome."""
import errno
import os
import time

from harness import sh, wait_for
from test_write import delete_server as delete_now, make_draft, named, unique, wait_file

SETTLE_TIMEOUT = 60


def wait_one_server(cloud, name, timeout=SETTLE_TIMEOUT):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = named(cloud, name)
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError("no server named %s after %ds" % (name, timeout))



def delete_server(m, cloud, name):
    """Delete and wait until the cloud no longer lists it, so that no test
    after this one sees the server count move under its walks."""
    delete_now(m, cloud, name)
    deadline = time.time() + 120
    while named(cloud, name) and time.time() < deadline:
        time.sleep(0.5)

def test_boot_whose_answer_times_out_settles_to_the_one_server(emu, cloud, mount):
    m = mount("timeout=3")
    name = unique("slowpost")
    make_draft(m, cloud, name)
    emu.reset()
    emu.fault(method="POST", path="/compute/v2.1/servers$", delay=6, count=1)
    try:
        assert m.write("servers/%s/ctl" % name, "boot\n") == errno.ETIMEDOUT
        assert m.read("servers", name, "status") == "SETTLING\n"
        assert "did not come" in m.read("servers", name, "error")
        # the natural retry sends nothing: the first POST may have made it
        assert m.write("servers/%s/ctl" % name, "boot\n") == errno.EBUSY
        assert "waiting to see whether the server was made" in m.read("servers", name, "error")
        (made,) = wait_one_server(cloud, name)
        wait_file(m, "servers/%s/id" % name, made["id"], timeout=SETTLE_TIMEOUT)
        assert m.read("servers", name, "error") == ""
        assert emu.count("POST /compute/v2.1/servers") == 1
        assert [s["id"] for s in named(cloud, name)] == [made["id"]]
    finally:
        emu.clear_faults()
        delete_server(m, cloud, name)


def test_a_boot_not_sent_stays_a_draft(emu, cloud, mount):
    """The look-up before the POST runs out of time, so the POST is not
    sent (the service is held for a moment): nothing was made, so the
    draft stays a draft, says why, and the next boot makes the server."""
    m = mount("timeout=2")
    name = unique("notsent")
    make_draft(m, cloud, name)
    emu.reset()
    emu.fault(method="GET", path="/compute/v2.1/servers\\?name=", delay=4, count=1)
    try:
        assert m.write("servers/%s/ctl" % name, "boot\n") == errno.ETIMEDOUT
        assert m.read("servers", name, "status") == "DRAFT\n"
        assert "ran out of time" in m.read("servers", name, "error")
        assert emu.count("POST /compute/v2.1/servers") == 0
        emu.clear_faults()
        sh("sleep 1.2")  # the hold on compute ends
        assert m.write("servers/%s/ctl" % name, "boot\n") == 0, m.read("servers", name, "error")
        (made,) = wait_one_server(cloud, name)
        assert emu.count("POST /compute/v2.1/servers") == 1
    finally:
        emu.clear_faults()
        delete_server(m, cloud, name)


def test_refused_metadata_write_leaves_no_key(cloud, mnt):
    name = unique("metaref")
    make_draft(mnt, cloud, name)
    try:
        assert mnt.write("servers/%s/metadata/k" % name, "x" * 1000 + "\n") == errno.EINVAL
        assert "k" not in os.listdir(mnt.p("servers", name, "metadata"))
        assert mnt.write("servers/%s/metadata/k" % name, b"a\0b\n") == errno.EINVAL
        assert "k" not in os.listdir(mnt.p("servers", name, "metadata"))
        # an existing key keeps its value when a new one is refused
        assert mnt.write("servers/%s/metadata/keep" % name, "old\n") == 0
        assert mnt.write("servers/%s/metadata/keep" % name, "y" * 1000 + "\n") == errno.EINVAL
        assert mnt.read("servers", name, "metadata", "keep") == "old\n"
        assert mnt.write("servers/%s/ctl" % name, "boot\n") == 0, mnt.read("servers", name, "error")
        (s,) = named(cloud, name)
        status, body = cloud.client.request("GET", "compute", "/servers/%s/metadata" % s["id"])
        assert status == 200, (status, body)
        assert body["metadata"] == {"keep": "old"}
    finally:
        delete_server(mnt, cloud, name)


def test_unknown_network_is_refused_when_written(cloud, mnt):
    name = unique("badnet")
    os.mkdir(mnt.p("servers", name))
    status, body = cloud.client.request("GET", "network", "/v2.0/networks")
    assert status == 200, (status, body)
    nets = [n["name"] for n in body["networks"] if n["name"]]
    assert nets
    assert mnt.write("servers/%s/networks" % name, "no-such-net-%s\n" % name) == errno.EINVAL
    err = mnt.read("servers", name, "error")
    assert "no-such-net" in err and nets[0] in err, err
    assert mnt.read("servers", name, "networks") == ""
    assert mnt.write("servers/%s/networks" % name, nets[0] + "\n") == 0, mnt.read("servers", name, "error")
    assert mnt.read("servers", name, "networks") == nets[0] + "\n"
    assert mnt.write("servers/%s/networks" % name, "none\n") == 0
    os.rmdir(mnt.p("servers", name))


def test_concurrent_boots_all_learn_the_one_outcome(cloud, mnt):
    name = unique("race")
    make_draft(mnt, cloud, name)
    ctl = mnt.p("servers", name, "ctl")
    script = ("pids=; for i in 1 2 3 4 5; do (echo boot > %s) 2>/dev/null & pids=\"$pids $!\"; done; "
              "for p in $pids; do wait $p; echo \"rc=$?\"; done") % ctl
    try:
        out = sh(script, timeout=120).stdout
        codes = [line for line in out.split() if line.startswith("rc=")]
        assert codes == ["rc=0"] * 5, (out, mnt.read(".openstackfs", "log")[-2000:])
        assert len(wait_one_server(cloud, name)) == 1
        assert len(named(cloud, name)) == 1
        # a boot written later, on the server that exists now, is refused
        # (the late racers of the one boot were told it went well)
        assert wait_for(lambda: mnt.write("servers/%s/ctl" % name, "boot\n") == errno.EINVAL, 15)
        assert "exists" in mnt.read("servers", name, "error")
        assert len(named(cloud, name)) == 1
    finally:
        delete_server(mnt, cloud, name)
