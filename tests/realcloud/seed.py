#!/usr/bin/python3
"""Seed the real test cloud (run by start.sh with Debian's /usr/bin/python3).

  seed.py keystone  service project/users/endpoints, demo project/user, demo app cred
  seed.py cloud     flavors, images, demo quotas, demo keypair
  seed.py revive    hard-reboot servers after nova-compute restarted (fake driver)

Everything is find-or-create, so a re-run is harmless.  Passwords come from
the environment (start.sh reads them from $STATE/secrets.env).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

from keystoneauth1 import session as ksa_session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client as ks_client

STATE = os.environ['OSFS_RC_STATE']
KS = os.environ['OSFS_RC_KS']          # http://127.0.0.1:5000/v3
REGION = 'RegionOne'
T0 = time.time()


def log(msg):
    print('[seed %6.1fs] %s' % (time.time() - T0, msg), flush=True)


def password_session(user, password, project):
    auth = v3.Password(auth_url=KS, username=user, password=password,
                       project_name=project, user_domain_id='default',
                       project_domain_id='default')
    return ksa_session.Session(auth=auth, timeout=60)


def admin_session():
    return password_session('admin', os.environ['ADMIN_PASS'], 'admin')


def find(items, name):
    for i in items:
        if i.name == name:
            return i
    return None


# ------------------------------------------------------------------ keystone
SERVICES = [
    # (user, password env, service name, type, description, url)
    ('glance', 'GLANCE_PASS', 'glance', 'image', 'OpenStack Image',
     'http://127.0.0.1:9292'),
    ('placement', 'PLACEMENT_PASS', 'placement', 'placement',
     'Placement API', 'http://127.0.0.1:8778'),
    ('neutron', 'NEUTRON_PASS', 'neutron', 'network', 'OpenStack Networking',
     'http://127.0.0.1:9696'),
    ('nova', 'NOVA_PASS', 'nova', 'compute', 'OpenStack Compute',
     'http://127.0.0.1:8774/v2.1'),
]


def ensure_project(ks, name, desc):
    p = find(ks.projects.list(domain='default'), name)
    if p is None:
        p = ks.projects.create(name=name, domain='default', description=desc)
        log('created project %s' % name)
    return p


def ensure_user(ks, name, password, project=None):
    u = find(ks.users.list(domain='default'), name)
    if u is None:
        u = ks.users.create(name=name, domain='default', password=password,
                            default_project=project)
        log('created user %s' % name)
    else:
        ks.users.update(u, password=password, enabled=True)
    return u


def ensure_grant(ks, role, user, project):
    # (roles.check would answer 404 and make keystone log an ERROR)
    if not ks.role_assignments.list(user=user, project=project, role=role):
        ks.roles.grant(role, user=user, project=project)


def seed_keystone():
    sess = admin_session()
    ks = ks_client.Client(session=sess, interface='public')
    roles = {r.name: r for r in ks.roles.list()}
    for r in ('member', 'reader'):
        if r not in roles:
            roles[r] = ks.roles.create(name=r)
    admin_role, member_role = roles['admin'], roles['member']

    service_project = ensure_project(ks, 'service', 'Service project')
    existing_services = ks.services.list()
    endpoints = ks.endpoints.list()
    for user, penv, sname, stype, desc, url in SERVICES:
        u = ensure_user(ks, user, os.environ[penv])
        ensure_grant(ks, admin_role, u, service_project)
        svc = None
        for s in existing_services:
            if s.type == stype:
                svc = s
        if svc is None:
            svc = ks.services.create(name=sname, type=stype, description=desc,
                                     enabled=True)
            log('created service %s (%s)' % (sname, stype))
        for iface in ('public', 'internal', 'admin'):
            have = [e for e in endpoints
                    if e.service_id == svc.id and e.interface == iface]
            if not have:
                ks.endpoints.create(service=svc, url=url, interface=iface,
                                    region=REGION, enabled=True)
            elif have[0].url != url:
                ks.endpoints.update(have[0], url=url)

    demo_project = ensure_project(ks, 'demo', 'Demo project')
    demo = ensure_user(ks, 'demo', os.environ['DEMO_PASS'], demo_project)
    ensure_grant(ks, member_role, demo, demo_project)
    log('keystone admin seeding done')

    # The application credential belongs to the demo user and is made by it.
    dsess = password_session('demo', os.environ['DEMO_PASS'], 'demo')
    dks = ks_client.Client(session=dsess, interface='public')
    path = os.path.join(STATE, 'appcred.env')
    known = {}
    if os.path.exists(path):
        for line in open(path):
            if '=' in line:
                k, v = line.strip().split('=', 1)
                known[k] = v
    creds = dks.application_credentials.list(user=demo.id)
    cred = find(creds, 'demo-cred')
    if cred is not None and cred.id == known.get('APPCRED_ID') and \
            known.get('APPCRED_SECRET'):
        log('application credential demo-cred kept (%s)' % cred.id)
        return
    if cred is not None:
        dks.application_credentials.delete(cred)
    cred = dks.application_credentials.create(
        name='demo-cred', user=demo.id,
        description='openstackfs real-cloud tests')
    fd = os.open(path + '.tmp', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write('APPCRED_ID=%s\nAPPCRED_SECRET=%s\n' % (cred.id, cred.secret))
    os.rename(path + '.tmp', path)
    log('created application credential demo-cred (%s)' % cred.id)


# ------------------------------------------------------------------ cloud
FLAVORS = [
    # id, name, ram MiB, vcpus, disk GiB, extra_specs
    ('1', 'm1.tiny', 512, 1, 1, None),
    ('2', 'm1.small', 2048, 1, 20, None),
    ('3', 'm1.medium', 4096, 2, 40, None),
    ('4', 'm1.large', 8192, 4, 80, None),
    ('5', 'm1.xlarge', 16384, 8, 160, None),
    ('6', 'm1.tiny.watchdog', 512, 1, 1,
     {'hw:watchdog_action': 'none', 'quota:cpu_shares': '1024'}),
]
# name, qemu-io fill pattern (gives each image its own content and checksum)
IMAGES = [('cirros', 0x41), ('cirros', 0x42), ('cirros-0.6.2', 0x43)]
NOVA = {'service_type': 'compute', 'interface': 'public',
        'region_name': REGION}
GLANCE = {'service_type': 'image', 'interface': 'public',
          'region_name': REGION}
NEUTRON = {'service_type': 'network', 'interface': 'public',
           'region_name': REGION}


def project_id(sess, name):
    ks = ks_client.Client(session=sess, interface='public')
    return find(ks.projects.list(domain='default'), name).id


def seed_flavors(sess):
    have = sess.get('/flavors/detail?is_public=None',
                    endpoint_filter=NOVA).json()['flavors']
    have = {f['id']: f for f in have}
    for fid, name, ram, vcpus, disk, specs in FLAVORS:
        if fid not in have:
            sess.post('/flavors', endpoint_filter=NOVA, json={'flavor': {
                'id': fid, 'name': name, 'ram': ram, 'vcpus': vcpus,
                'disk': disk, 'os-flavor-access:is_public': True}})
            log('created flavor %s (%s)' % (name, fid))
        if specs:
            sess.post('/flavors/%s/os-extra_specs' % fid,
                      endpoint_filter=NOVA, json={'extra_specs': specs})


def make_qcow2(path, pattern):
    subprocess.run(['timeout', '60', 'qemu-img', 'create', '-q', '-f',
                    'qcow2', path, '16M'], check=True)
    subprocess.run(['timeout', '60', 'qemu-io', '-f', 'qcow2', '-c',
                    'write -P 0x%02x 0 64k' % pattern, path], check=True,
                   stdout=subprocess.DEVNULL)


def seed_images(sess):
    imgs = sess.get('/v2/images?limit=1000',
                    endpoint_filter=GLANCE).json()['images']
    for im in imgs:     # leftovers of an interrupted upload
        if im['name'] in ('cirros', 'cirros-0.6.2') and \
                im['status'] in ('queued', 'saving', 'killed'):
            sess.delete('/v2/images/%s' % im['id'], endpoint_filter=GLANCE)
    imgs = [i for i in imgs if i['status'] == 'active']
    want = {}
    for name, pattern in IMAGES:
        want.setdefault(name, []).append(pattern)
    tmp = tempfile.mkdtemp(prefix='osfs-seed-')
    for name, patterns in want.items():
        n_have = len([i for i in imgs if i['name'] == name])
        for pattern in patterns[n_have:]:
            path = os.path.join(tmp, '%s-%x.qcow2' % (name, pattern))
            make_qcow2(path, pattern)
            im = sess.post('/v2/images', endpoint_filter=GLANCE, json={
                'name': name, 'disk_format': 'qcow2',
                'container_format': 'bare', 'visibility': 'public'}).json()
            with open(path, 'rb') as f:
                sess.put('/v2/images/%s/file' % im['id'],
                         endpoint_filter=GLANCE, data=f.read(),
                         headers={'Content-Type': 'application/octet-stream'})
            for _ in range(120):
                st = sess.get('/v2/images/%s' % im['id'],
                              endpoint_filter=GLANCE).json()['status']
                if st == 'active':
                    break
                time.sleep(0.5)
            else:
                raise SystemExit('image %s stuck in %s' % (im['id'], st))
            log('created image %s (%s)' % (name, im['id']))
    subprocess.run(['rm', '-rf', tmp])


def seed_quotas(sess, demo_pid):
    sess.put('/os-quota-sets/%s' % demo_pid, endpoint_filter=NOVA, json={
        'quota_set': {k: -1 for k in (
            'instances', 'cores', 'ram', 'key_pairs', 'metadata_items',
            'server_groups', 'server_group_members', 'injected_files',
            'injected_file_content_bytes', 'injected_file_path_bytes')}})
    sess.put('/v2.0/quotas/%s' % demo_pid, endpoint_filter=NEUTRON, json={
        'quota': {k: -1 for k in (
            'network', 'subnet', 'port', 'router', 'floatingip',
            'security_group', 'security_group_rule')}})
    log('demo quotas unlimited')


def seed_keypair():
    key = os.path.join(STATE, 'demo-key')
    if not os.path.exists(key + '.pub'):
        subprocess.run(['rm', '-f', key])
        subprocess.run(['timeout', '60', 'ssh-keygen', '-q', '-t', 'ed25519',
                        '-N', '', '-C', 'demo-key', '-f', key], check=True)
    dsess = password_session('demo', os.environ['DEMO_PASS'], 'demo')
    r = dsess.get('/os-keypairs/demo-key', endpoint_filter=NOVA,
                  raise_exc=False)
    if r.status_code == 404:
        pub = open(key + '.pub').read().strip()
        dsess.post('/os-keypairs', endpoint_filter=NOVA, json={
            'keypair': {'name': 'demo-key', 'public_key': pub}})
        log('created keypair demo-key')
    elif r.status_code != 200:
        raise SystemExit('GET keypair: HTTP %d' % r.status_code)


def seed_cloud():
    sess = admin_session()
    seed_flavors(sess)
    seed_images(sess)
    seed_quotas(sess, project_id(sess, 'demo'))
    seed_keypair()
    log('cloud seeding done')


# ------------------------------------------------------------------ revive
def revive():
    """After nova-compute restarts the fake driver knows no guest: a HARD
    reboot re-creates it (then SHUTOFF servers are stopped again)."""
    sess = admin_session()
    servers = sess.get('/servers/detail?all_tenants=1',
                       endpoint_filter=NOVA).json()['servers']
    todo = [s for s in servers if s['status'] in ('ACTIVE', 'SHUTOFF')]
    if not todo:
        log('no servers to revive')
        return
    for s in todo:
        sess.post('/servers/%s/action' % s['id'], endpoint_filter=NOVA,
                  json={'reboot': {'type': 'HARD'}})
    deadline = time.time() + 60 + 5 * len(todo)
    pending = {s['id']: s['status'] for s in todo}
    stopped = set()
    while pending and time.time() < deadline:
        time.sleep(1)
        for sid, want in list(pending.items()):
            cur = sess.get('/servers/%s' % sid,
                           endpoint_filter=NOVA).json()['server']
            if cur['status'] == 'ACTIVE' and not cur.get('OS-EXT-STS:task_state'):
                if want == 'SHUTOFF' and sid not in stopped:
                    sess.post('/servers/%s/action' % sid,
                              endpoint_filter=NOVA, json={'os-stop': None})
                    stopped.add(sid)
                    continue
                if want == 'ACTIVE':
                    del pending[sid]
            elif cur['status'] == 'SHUTOFF' and want == 'SHUTOFF' and \
                    sid in stopped and not cur.get('OS-EXT-STS:task_state'):
                del pending[sid]
            elif cur['status'] == 'ERROR':
                log('server %s went to ERROR' % sid)
                del pending[sid]
    if pending:
        raise SystemExit('servers not revived: %s' % json.dumps(pending))
    log('revived %d server(s)' % len(todo))


if __name__ == '__main__':
    {'keystone': seed_keystone, 'cloud': seed_cloud,
     'revive': revive}[sys.argv[1]]()
