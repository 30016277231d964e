"""openstackfs authenticates before it mounts: a bad setting is one clear
line on stderr, exit status 1, and nothing mounted."""


from harness import Emulator, Mount, free_port, is_mounted


def start_failing(env, *args):
    m = Mount(env, *args, wait=False)
    try:
        code = m.wait_exit(timeout=60)
        out = m.output().strip()
        mounted = is_mounted(m.path)
    finally:
        m.unmount()
    return code, out, mounted


def one_line(out):
    lines = [l for l in out.splitlines() if l.strip()]
    assert len(lines) == 1, out
    return lines[0]


def test_wrong_password(cloud):
    env = dict(cloud.env, OS_PASSWORD="not-the-password")
    code, out, mounted = start_failing(env)
    assert code == 1 and not mounted
    line = one_line(out)
    assert "401" in line and "not-the-password" not in line


def test_unknown_project(cloud):
    env = dict(cloud.env, OS_PROJECT_NAME="no-such-project")
    code, out, mounted = start_failing(env)
    assert code == 1 and not mounted
    assert "401" in one_line(out)


def test_dead_auth_url(cloud):
    env = dict(cloud.env, OS_AUTH_URL="http://127.0.0.1:%d/v3" % free_port())
    code, out, mounted = start_failing(env)
    assert code == 1 and not mounted
    assert "cannot reach Keystone" in one_line(out)


def test_missing_compute_endpoint():
    emu = Emulator("--no-compute", servers=1)
    try:
        code, out, mounted = start_failing(emu.env())
    finally:
        emu.stop()
    assert code == 1 and not mounted
    assert "compute" in one_line(out) and "not found" in out


def test_nothing_configured():
    code, out, mounted = start_failing({"HOME": "/nonexistent"})
    assert code == 1 and not mounted
    assert "auth_url" in one_line(out)


def test_unknown_cloud_name(cloud, tmp_path):
    path = tmp_path / "clouds.yaml"
    path.write_text("clouds:\n  other:\n    auth:\n      auth_url: http://127.0.0.1:1/v3\n")
    m = Mount({"OS_CLIENT_CONFIG_FILE": str(path)}, wait=False, args=["--cloud", "nope"])
    try:
        assert m.wait_exit(timeout=30) == 1
        assert "nope" in one_line(m.output())
    finally:
        m.unmount()


def test_help_and_version():
    import subprocess
    from harness import BIN
    h = subprocess.run([BIN, "--help"], capture_output=True, text=True, timeout=10)
    v = subprocess.run([BIN, "--version"], capture_output=True, text=True, timeout=10)
    assert h.returncode == 0 and "ttl=" in h.stdout
    assert v.returncode == 0 and v.stdout.startswith("openstackfs ")
