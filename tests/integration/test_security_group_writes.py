"""Security groups, the smallest writable kind: `mkdir security_groups/NAME`
makes a draft, `description` is written, `echo create > ctl` makes the
group once, and the group's own ctl takes `delete`.  Every effect is
checked through the cloud's own API (osclient)."""
import errno
import os

import pytest

from harness import wait_for
from test_write import unique, wait_file


def groups_named(cloud, name):
    status, body = cloud.client.request("GET", "network", "/v2.0/security-groups?name=" + name)
    assert status == 200, (status, body)
    return [g for g in body["security_groups"] if g["name"] == name]


@pytest.fixture
def groups(cloud):
    """Names of groups a test makes; deleted through the API afterwards."""
    names = []
    yield names
    for n in names:
        for g in groups_named(cloud, n):
            cloud.client.request("DELETE", "network", "/v2.0/security-groups/" + g["id"])


def test_mkdir_description_create_makes_one_group(cloud, mnt, groups):
    m = mnt
    name = unique("sg")
    groups.append(name)
    os.mkdir(m.p("security_groups", name))
    assert m.read("security_groups", name, "status") == "DRAFT\n"
    assert sorted(os.listdir(m.p("security_groups", name))) == \
        ["ctl", "description", "error", "name", "status"]
    assert groups_named(cloud, name) == [], "a draft is not in the cloud yet"
    assert m.write("security_groups/%s/description" % name, "the web tier\n") == 0
    assert m.write("security_groups/%s/ctl" % name, "create\n") == 0, \
        m.read("security_groups", name, "error")
    (g,) = groups_named(cloud, name)
    assert g["description"] == "the web tier"
    wait_file(m, "security_groups/%s/id" % name, g["id"])
    # a second create of the same draft makes nothing more
    m.write("security_groups/%s/ctl" % name, "create\n")
    assert len(groups_named(cloud, name)) == 1


def test_a_groups_ctl_deletes_it(cloud, mnt, groups):
    m = mnt
    name = unique("sgdel")
    groups.append(name)
    os.mkdir(m.p("security_groups", name))
    assert m.write("security_groups/%s/ctl" % name, "create\n") == 0, \
        m.read("security_groups", name, "error")
    (g,) = groups_named(cloud, name)
    wait_file(m, "security_groups/%s/id" % name, g["id"])
    assert "delete" in m.read("security_groups", name, "ctl").split()
    assert m.write("security_groups/%s/ctl" % name, "delete\n") == 0, \
        m.read("security_groups", name, "error")
    assert groups_named(cloud, name) == []
    assert wait_for(lambda: name not in os.listdir(m.p("security_groups")), 30)


def test_a_description_too_long_is_refused_and_leaves_nothing(cloud, mnt):
    m = mnt
    name = unique("sglong")
    os.mkdir(m.p("security_groups", name))
    try:
        assert m.write("security_groups/%s/description" % name, "x" * 300 + "\n") == errno.EINVAL
        assert "255" in m.read("security_groups", name, "error")
        assert m.read("security_groups", name, "description") == ""
    finally:
        os.rmdir(m.p("security_groups", name))
    assert name not in os.listdir(m.p("security_groups"))
