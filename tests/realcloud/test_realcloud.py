"""What only a real OpenStack can show: a token revoked behind our back,
and an application credential mount."""
import json
import os
import time

import pytest
import yaml  # python3-yaml, a dependency of python3-openstackclient

from proxy import Recorder

KEYSTONE_PORT = 5000


@pytest.fixture
def recorder():
    r = Recorder(KEYSTONE_PORT)
    yield r
    r.stop()


def test_revoked_token_is_renewed(cloud, mount, recorder):
    env = dict(cloud.env, OS_AUTH_URL=recorder.url + "/v3")
    m = mount("ttl=1", env=env)
    assert m.read("flavors", "m1.tiny", "ram") == "512\n"
    assert len(recorder.tokens) == 1
    assert cloud.client.revoke(recorder.tokens[0]) == 204
    # nova may still accept the token from its keystonemiddleware cache for a
    # while; keep reading until the daemon has noticed, with a bound
    deadline = time.time() + 400
    while m.stats()["reauths"] == 0 and time.time() < deadline:
        time.sleep(2)
        assert m.read("flavors", "m1.tiny", "ram") == "512\n"
    assert m.stats()["reauths"] >= 1
    assert len(recorder.tokens) == 2
    assert m.read("flavors", "m1.tiny", "ram") == "512\n"


def test_application_credential_mount(cloud, mount, recorder, tmp_path):
    src = yaml.safe_load(open(cloud.clouds_yaml))["clouds"]["realcloud-appcred"]
    src["auth"]["auth_url"] = recorder.url + "/v3"
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"appcred": src}}))
    path.chmod(0o600)
    m = mount(env={"OS_CLIENT_CONFIG_FILE": str(path)}, args=["--cloud", "appcred"])
    assert m.read("flavors", "m1.tiny", "ram") == "512\n"
    assert sorted(os.listdir(m.p("keypairs"))) == sorted([".by-id"] + [k["name"] for k in cloud.client.keypairs()])
    [(method, path_, body)] = [r for r in recorder.requests if r[0] == "POST"]
    auth = json.loads(body)["auth"]
    assert auth["identity"]["methods"] == ["application_credential"]
    assert "scope" not in auth
