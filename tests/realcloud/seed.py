#!/usr/bin/python3
"""Seed the real test cloud (run by start.sh with Debian's /usr/bin/python3).

  seed.py keystone  service project/users/endpoints, demo project/user, demo app cred
  seed.py cloud     flavors, images, networks, router, demo security group,
                    demo quotas, demo keypair
  seed.py pool      wait until the cinder scheduler lists a pool
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
CINDER_URL = 'http://127.0.0.1:8776/v3/%(project_id)s'
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
    # one cinder, two types: nova's [cinder] catalog_info looks for
    # volumev3, openstacksdk for block-storage
    ('cinder', 'CINDER_PASS', 'cinderv3', 'volumev3', 'OpenStack Block Storage',
     CINDER_URL),
    ('cinder', 'CINDER_PASS', 'cinder', 'block-storage',
     'OpenStack Block Storage', CINDER_URL),
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
    for r in ('member', 'reader', 'service'):
        if r not in roles:
            roles[r] = ks.roles.create(name=r)
    admin_role, member_role = roles['admin'], roles['member']
    service_role = roles['service']

    service_project = ensure_project(ks, 'service', 'Service project')
    existing_services = ks.services.list()
    endpoints = ks.endpoints.list()
    for user, penv, sname, stype, desc, url in SERVICES:
        u = ensure_user(ks, user, os.environ[penv])
        # "service" marks this user's token as a service token: cinder
        # deletes an in-use attachment only for a caller holding one
        for role in (admin_role, service_role):
            ensure_grant(ks, role, u, service_project)
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
CINDER = {'service_type': 'block-storage', 'interface': 'public',
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
    sess.put('/os-quota-sets/%s' % demo_pid, endpoint_filter=CINDER, json={
        'quota_set': {k: -1 for k in (
            'volumes', 'snapshots', 'gigabytes', 'backups',
            'backup_gigabytes', 'per_volume_gigabytes', 'groups')}})
    log('demo quotas unlimited')


# ------------------------------------------------------------------ networks
# (name, network attributes, subnet attributes), made by admin
NETWORKS = [
    ('public', {'router:external': True, 'provider:network_type': 'flat',
                'provider:physical_network': 'public'},
     {'name': 'public-subnet', 'cidr': '172.24.4.0/24',
      'gateway_ip': '172.24.4.1', 'enable_dhcp': False,
      'allocation_pools': [{'start': '172.24.4.10', 'end': '172.24.4.250'}]}),
    ('private', {'shared': True, 'provider:network_type': 'local'},
     {'name': 'private-subnet', 'cidr': '10.0.0.0/24'}),
]
# ingress rules of demo's default security group
DEFAULT_SG_RULES = [
    {'protocol': 'icmp'},
    {'protocol': 'tcp', 'port_range_min': 22, 'port_range_max': 22},
]


def neutron_one(sess, what, **query):
    """The single WHAT (e.g. 'network') matching QUERY, or None."""
    q = '&'.join('%s=%s' % kv for kv in sorted(query.items()))
    items = sess.get('/v2.0/%ss?%s' % (what, q),
                     endpoint_filter=NEUTRON).json()
    items = items[what.replace('-', '_') + 's']
    return items[0] if items else None


def neutron_create(sess, what, body):
    r = sess.post('/v2.0/%ss' % what, endpoint_filter=NEUTRON,
                  json={what: body})
    log('created %s %s' % (what, body.get('name', '')))
    return r.json()[what]


def seed_networks(sess, demo_pid):
    subnets = {}
    for name, attrs, sub in NETWORKS:
        net = neutron_one(sess, 'network', name=name)
        if net is None:
            net = neutron_create(sess, 'network', dict(attrs, name=name))
        subnet = neutron_one(sess, 'subnet', network_id=net['id'])
        if subnet is None:
            subnet = neutron_create(sess, 'subnet', dict(
                sub, network_id=net['id'], ip_version=4))
        subnets[name] = (net, subnet)

    router = neutron_one(sess, 'router', name='router1', project_id=demo_pid)
    if router is None:
        router = neutron_create(sess, 'router', {
            'name': 'router1', 'project_id': demo_pid,
            'external_gateway_info': {
                'network_id': subnets['public'][0]['id']}})
    private_subnet = subnets['private'][1]['id']
    if neutron_one(sess, 'port', device_id=router['id'],
                   network_id=subnets['private'][0]['id']) is None:
        sess.put('/v2.0/routers/%s/add_router_interface' % router['id'],
                 endpoint_filter=NEUTRON, json={'subnet_id': private_subnet})
        log('router1 has an interface on private')

    # listing a project's groups as admin makes neutron create its default
    sg = neutron_one(sess, 'security-group', name='default',
                     project_id=demo_pid)
    have = sess.get('/v2.0/security-group-rules?security_group_id=%s'
                    % sg['id'], endpoint_filter=NEUTRON).json()
    have = have['security_group_rules']
    for rule in DEFAULT_SG_RULES:
        if any(r['direction'] == 'ingress' and r['ethertype'] == 'IPv4' and
               all(r.get(k) == v for k, v in rule.items()) for r in have):
            continue
        sess.post('/v2.0/security-group-rules', endpoint_filter=NEUTRON, json={
            'security_group_rule': dict(
                rule, security_group_id=sg['id'], direction='ingress',
                ethertype='IPv4', remote_ip_prefix='0.0.0.0/0',
                project_id=demo_pid)})
        log('default group of demo: ingress %s' % rule['protocol'])


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
    demo_pid = project_id(sess, 'demo')
    seed_quotas(sess, demo_pid)
    seed_networks(sess, demo_pid)
    seed_keypair()
    log('cloud seeding done')


# ------------------------------------------------------------------ revive
def revive():
    """After nova-compute restarts the fake driver knows no guest: a HARD
    reboot re-creates it (then SHUTOFF servers are stopped again)."""
    sess = admin_session()
    servers = sess.get('/servers/detail?all_tenants=1',
                       endpoint_filter=NOVA).json()['servers']
    hosts = os.environ.get('REVIVE_HOSTS', '').split()   # only these restarted
    todo = [s for s in servers if s['status'] in ('ACTIVE', 'SHUTOFF') and
            (not hosts or s.get('OS-EXT-SRV-ATTR:host') in hosts)]
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


# ------------------------------------------------------------------ pool
def wait_pool():
    sess = admin_session()
    deadline = time.time() + 120
    while True:
        r = sess.get('/scheduler-stats/get_pools', endpoint_filter=CINDER,
                     raise_exc=False)
        if r.status_code == 200 and r.json().get('pools'):
            log('cinder pools: %s' % [p['name'] for p in r.json()['pools']])
            return
        if time.time() > deadline:
            raise SystemExit('no cinder pool after 120 s (HTTP %d)'
                             % r.status_code)
        time.sleep(1)


if __name__ == '__main__':
    {'keystone': seed_keystone, 'cloud': seed_cloud,
     'revive': revive, 'pool': wait_pool}[sys.argv[1]]()
