"""Trust (issue 16): a walk costs only the listings of the kinds it
crosses, and a write does exactly what the file says.

Walks run every recursive tool a user reaches for over servers/ and over the
whole mount, cold and warm, and count the requests the emulator saw: only
listing pages, never a request per server.  Writes are checked in the cloud's
own view (the API client), on the emulator and on the real cloud."""
import errno
import math
import os
import stat
import subprocess
import time

import pytest

from fixtures import sh
from harness import SLOW

# (name, command run in the directory under test, writing to $OUT)
WALKS = [
    ("grep -r", "grep -r ACTIVE . >/dev/null || true"),
    ("find", "find . >/dev/null"),
    ("du", "du -s . >/dev/null"),
    ("ls -R", "ls -lR . >/dev/null"),
    ("tar", "tar cf $OUT/x.tar . 2>/dev/null || true"),
    ("rsync -a", "rsync -a . $OUT/rsync/ 2>/dev/null || true"),
    ("cp -r", "cp -r . $OUT/cp 2>/dev/null || true"),
]


def per_resource(counters):
    """The requests that are not a listing page: a path naming one
    resource ({id}; Cinder's paths start with the project's id), or
    anything but a GET."""
    return {k: v for k, v in counters["requests"].items()
            if "{id}" in k.replace("/volume/v3/{id}/", "/volume/v3/") or not k.startswith("GET ")}


def server_pages(counters):
    return sum(v for k, v in counters["requests"].items()
               if k.startswith("GET /compute/v2.1/servers/detail"))


def servers_in(emu):
    return len(emu.call("GET", "/_emu/servers")["servers"])


@pytest.mark.parametrize("name,cmd", WALKS, ids=[w[0] for w in WALKS])
def test_a_walk_costs_only_listings(emu, mount, tmp_path, name, cmd):
    n = servers_in(emu)
    page = emu.call("GET", "/_emu/config").get("page_max") or 1000
    m = mount("ttl=600")
    for where, label in (("servers", "cold servers/"), ("servers", "warm servers/"),
                         (".", "the whole mount")):
        out = tmp_path / label.replace(" ", "_").replace("/", "")
        out.mkdir()
        emu.reset()
        sh("cd %s && OUT=%s timeout %d bash -c %s" % (m.p(where), out, 300 * SLOW,
                                                    subprocess.list2cmdline([cmd])),
           timeout=320, check=True)
        c = emu.counters()
        assert per_resource(c) == {}, (label, per_resource(c))
        # a cold walk lists servers once (pages); a warm one not at all
        assert server_pages(c) <= (math.ceil(n / page) if label.startswith("cold") else 0), (label, c)


def test_on_demand_parts_are_one_cat_away(emu, mnt):
    """console.log and actions/ cost a request each: symlinks out of the
    walks' way, a cat or ls away for a person, console.log reused 3 s."""
    name = sorted(os.listdir(mnt.p("servers")))[2]
    d = mnt.p("servers", name)
    sid = mnt.read("servers", name, "id").strip()
    emu.reset()
    st = os.lstat(os.path.join(d, "console.log"))
    assert stat.S_ISLNK(st.st_mode) and stat.S_ISLNK(os.lstat(os.path.join(d, "actions")).st_mode)
    assert os.readlink(os.path.join(d, "console.log")) == \
        "../../.openstackfs/live/servers/%s/console.log" % sid
    assert per_resource(emu.counters()) == {}            # a stat costs nothing
    text = mnt.read("servers", name, "console.log")
    assert text and mnt.read("servers", name, "console.log") == text
    assert emu.count("POST /compute/v2.1/servers/{id}/action") == 1   # reused
    assert os.listdir(mnt.p(".openstackfs", "live")) == []             # walks find nothing
    assert os.path.isdir(os.path.join(d, "actions"))


def test_a_refused_actions_listing_is_empty_and_remembered(emu, mount):
    m = mount("ttl=600")
    emu.fault(path="os-instance-actions", status=404, count=-1)
    names = sorted(n for n in os.listdir(m.p("servers")) if not n.startswith("."))[:3]
    emu.reset()
    for _ in range(2):
        for name in names:
            r = sh("ls %s/" % m.p("servers", name, "actions"), check=False)
            assert r.returncode == 0 and r.stdout == "", r.stderr
    assert emu.count("GET /compute/v2.1/servers/{id}/os-instance-actions") == len(names)


def test_tar_and_find_newer_see_stable_times(emu, mnt, tmp_path):
    name = sorted(os.listdir(mnt.p("servers")))[3]
    ref = tmp_path / "ref"
    ref.write_text("")
    time.sleep(1.1)
    r = sh("cd %s && tar cf %s/x.tar %s" % (mnt.p("servers"), tmp_path, name), check=False)
    assert r.returncode == 0, r.stderr                     # "file changed as we read it"
    r = sh("find %s -newer %s" % (mnt.p("servers", name), ref))
    assert r.stdout == "", r.stdout


def active_server(cloud):
    s = next(s for s in cloud.client.servers() if s["status"] == "ACTIVE" and not s.get("locked"))
    return s["id"]


def srv_dir(m, sid):
    return m.p("servers", os.readlink(m.p("servers", ".by-id", sid))[3:])


def meta_of(cloud, sid):
    return cloud.client.server(sid).get("metadata") or {}


@pytest.fixture
def live(cloud, mount):
    """A mount and an ACTIVE server of the cloud; its test keys removed after."""
    sid = active_server(cloud)
    yield mount(), sid
    for key in ("osfs-trust", "osfs-trust2", "osfs-owner"):
        cloud.client.request("DELETE", "compute", "/servers/%s/metadata/%s" % (sid, key))
    cloud.client.request("POST", "compute", "/servers/%s/action" % sid, {"unlock": None})


def test_a_ctl_line_in_two_writes_runs_once_whole(cloud, live):
    m, sid = live
    ctl = os.path.join(srv_dir(m, sid), "ctl")
    sh("{ printf 'un'; printf 'lock\\n'; } > %s" % ctl)
    time.sleep(1)
    assert cloud.client.server(sid).get("locked") is False      # never "lock"
    sh("{ printf 'lo'; printf 'ck\\n'; } > %s" % ctl)
    cloud.client.wait_server(sid, lambda s: s.get("locked") is True, timeout=30)
    sh("printf 'unl' > %s" % ctl)                                # no newline: waits
    time.sleep(1)
    assert cloud.client.server(sid).get("locked") is True
    sh("echo ock >> %s" % ctl)                                   # the line is "unlock"
    cloud.client.wait_server(sid, lambda s: s.get("locked") is False, timeout=30)


def test_reboot_hard_in_two_writes_is_hard(emu, mnt):
    name = sorted(os.listdir(mnt.p("servers")))[4]
    sid = mnt.read("servers", name, "id").strip()
    emu.reset()                                                  # clears the request log
    sh("{ printf reboot; printf ' hard\\n'; } > %s" % mnt.p("servers", name, "ctl"))
    sent = [r for r in emu.call("GET", "/_emu/requests?last=50")["requests"]
            if r["method"] == "POST" and r["path"].endswith("/%s/action" % sid)]
    assert [r["body"] for r in sent] == [{"reboot": {"type": "HARD"}}], sent


def test_metadata_writes_have_file_semantics(cloud, live):
    m, sid = live
    meta = os.path.join(srv_dir(m, sid), "metadata")
    sh("echo a-long-value > %s/osfs-trust" % meta)
    sh("echo short > %s/osfs-trust" % meta)                      # > replaces, tail and all
    assert meta_of(cloud, sid).get("osfs-trust") == "short"
    sh("(echo -n prod-; echo web) > %s/osfs-trust" % meta)       # two writes, one value
    assert meta_of(cloud, sid).get("osfs-trust") == "prod-web"
    assert m.read(os.path.relpath(meta, m.path), "osfs-trust") == "prod-web\n"
    sh("echo bob >> %s/osfs-trust" % meta)                       # >> appends
    assert meta_of(cloud, sid).get("osfs-trust") == "prod-web\nbob"
    sh("truncate -s 4 %s/osfs-trust" % meta)                     # truncate sets the length
    assert meta_of(cloud, sid).get("osfs-trust") == "prod"
    sh("truncate -s 0 %s/osfs-trust" % meta)
    assert meta_of(cloud, sid).get("osfs-trust") == ""
    r = sh("printf '%s' > %s/osfs-trust" % ("v" * 300, meta), check=False)   # refused ...
    assert r.returncode != 0 and "Invalid argument" in r.stderr
    assert meta_of(cloud, sid).get("osfs-trust") == ""                        # ... changes nothing


def test_sed_in_place_edits_a_key_and_leaves_no_stray(cloud, live):
    m, sid = live
    meta = os.path.join(srv_dir(m, sid), "metadata")
    sh("echo alice > %s/osfs-owner" % meta)
    sh("sed -i s/alice/carol/ %s/osfs-owner" % meta)
    got = meta_of(cloud, sid)
    assert got.get("osfs-owner") == "carol"
    assert not [k for k in got if k.startswith("sed")], got
    assert sorted(k for k in os.listdir(meta) if k.startswith("osfs")) == ["osfs-owner"]


@pytest.mark.parametrize("opts", [(), ("allow_other",)], ids=["plain", "allow_other"])
def test_a_new_key_is_visible_at_once(cloud, mount, opts):
    sid = active_server(cloud)
    m = mount(*opts)
    meta = os.path.join(srv_dir(m, sid), "metadata")
    try:
        os.listdir(meta)                                       # the mount has seen the server
        sh("echo alice > %s/osfs-trust2" % meta)
        assert "osfs-trust2" in os.listdir(meta)
        assert open(os.path.join(meta, "osfs-trust2")).read() == "alice\n"
        time.sleep(3)
        assert open(os.path.join(meta, "osfs-trust2")).read() == "alice\n"
        assert meta_of(cloud, sid).get("osfs-trust2") == "alice"
    finally:
        cloud.client.request("DELETE", "compute", "/servers/%s/metadata/osfs-trust2" % sid)


def test_console_log_is_the_owners_only(cloud, mount):
    sid = active_server(cloud)
    m = mount("allow_other")
    target = os.path.join(srv_dir(m, sid), "console.log")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o400
    r = sh("su nobody -s /bin/bash -c 'cat %s'" % target, check=False)
    assert r.returncode != 0 and "Permission denied" in r.stderr
    r = sh("su nobody -s /bin/bash -c 'cat %s'" % os.path.join(srv_dir(m, sid), "status"))
    assert r.stdout.strip()                                   # the rest stays readable
