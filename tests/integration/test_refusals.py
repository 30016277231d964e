"""What the mount never does (rename, links, special files, modes, owners,
times) is refused as a user understands it: "Operation not permitted", or
"Read-only file system" on a -o ro mount, with a line in the log naming the
operation and the path, and nothing changed in the cloud."""
import os
import shlex

import pytest

# command template (SRV: a live server's directory, relative to the mount),
# the operation the log names, and the path it names
REFUSALS = {
    "mv-server": ("mv SRV SRV-renamed", "rename", "SRV"),
    "mv-file": ("mv SRV/status SRV/state", "rename", "SRV/status"),
    "ln-s": ("ln -s status SRV/link", "symlink", "SRV/link"),
    "ln": ("ln SRV/status SRV/hardlink", "link", "SRV/status"),
    "chmod": ("chmod 600 SRV/status", "chmod", "SRV/status"),
    "chown": ("chown 4242 SRV/status", "chown", "SRV/status"),
    "touch-d": ("touch -d 2001-01-01 SRV/status", "utimens", "SRV/status"),
    "mknod": ("mknod SRV/fifo p", "mknod", "SRV/fifo"),
}


def cloud_view(cloud):
    """Every server's id, name and metadata, as the cloud itself says."""
    return sorted((s["id"], s["name"], sorted(s.get("metadata", {}).items()))
                  for s in cloud.client.servers())


def server_dir(m, cloud):
    s = cloud.client.servers()[0]
    return "servers/" + os.readlink(m.p("servers", ".by-id", s["id"]))[3:]


def run(m, cmd):
    return m.sh("LC_ALL=C timeout 20 " + cmd, check=False, timeout=30)


@pytest.mark.parametrize("what", sorted(REFUSALS))
def test_refused_with_eperm_and_logged(cloud, mnt, what):
    template, op, target = REFUSALS[what]
    srv = server_dir(mnt, cloud)
    before = cloud_view(cloud)
    listing = sorted(os.listdir(mnt.p(srv)))
    r = run(mnt, template.replace("SRV", shlex.quote(srv)))
    assert r.returncode != 0, r
    assert "Operation not permitted" in r.stderr, r.stderr
    assert cloud_view(cloud) == before
    assert sorted(os.listdir(mnt.p(srv))) == listing
    path = "/" + target.replace("SRV", srv)
    log = mnt.read(".openstackfs", "log")
    assert any(op in line and path in line for line in log.splitlines()), log


@pytest.mark.parametrize("what", sorted(REFUSALS))
def test_refused_with_erofs_on_read_only_mount(cloud, mount, what):
    m = mount("ro")
    template = REFUSALS[what][0]
    srv = server_dir(m, cloud)
    before = cloud_view(cloud)
    r = run(m, template.replace("SRV", shlex.quote(srv)))
    assert r.returncode != 0, r
    assert "Read-only file system" in r.stderr, r.stderr
    assert cloud_view(cloud) == before


def test_writable_files_still_take_truncation_and_touch(cloud, mnt):
    """The refusals stop at what is not writable: `: > ctl` and `touch ctl`
    are fine (shell scripts do both), while status stays read-only."""
    srv = server_dir(mnt, cloud)
    assert run(mnt, "sh -c %s" % shlex.quote(": > %s/ctl" % shlex.quote(srv))).returncode == 0
    assert run(mnt, "touch %s/ctl" % shlex.quote(srv)).returncode == 0
    r = run(mnt, "touch %s/status" % shlex.quote(srv))
    assert "Operation not permitted" in r.stderr, r
