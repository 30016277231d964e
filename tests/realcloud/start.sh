#!/bin/bash
# Start (and on first use, create) a minimal real OpenStack on 127.0.0.1 for
# the openstackfs real-cloud tests.  Idempotent: services already running are
# left alone, databases are synced and the cloud seeded only once (markers in
# $STATE/markers).  Needs the packages of install.sh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

T_ALL=$(now)
T_PHASE=$T_ALL
PHASE=""
phase() { # phase NAME: close the previous phase (print its time), open a new one
  if [ -n "$PHASE" ]; then printf '  %-28s %6s s\n' "$PHASE" "$(elapsed "$T_PHASE")"; fi
  PHASE=$1
  T_PHASE=$(now)
}

[ "$(id -u)" = 0 ] || die "start.sh must run as root"
for b in mariadbd /usr/lib/rabbitmq/bin/rabbitmq-server uwsgi keystone-manage glance-api \
         nova-conductor nova-compute neutron-db-manage placement-manage \
         cinder-manage cinder-scheduler cinder-volume /usr/bin/cinder-wsgi qemu-img curl; do
  command -v "$b" >/dev/null || die "$b missing: run tests/realcloud/install.sh first"
done
[ -e /usr/lib/uwsgi/plugins/python3_plugin.so ] || die "uwsgi-plugin-python3 missing: run install.sh"

echo "start.sh: state dir $STATE"
phase "prepare"

# ---------------------------------------------------------------- layout
mkdir -p "$STATE" "$ETC" "$LOG" "$RUN" "$DATA" "$MARK"
# one start.sh/stop.sh at a time per state dir (background db syncs inherit it)
exec 9>"$STATE/.lock"
flock -w 600 9 || die "another start.sh/stop.sh holds $STATE/.lock"
chmod 0755 "$STATE" "$LOG" "$DATA"
chmod 0700 "$RUN" "$MARK"
mkd() { # mkd DIR OWNER [MODE]
  mkdir -p "$1"
  chown "$2:$2" "$1"
  chmod "${3:-0750}" "$1"
}
mkd "$DATA/mysql" mysql
mkd "$DATA/mysql-run" mysql 0755
mkd "$DATA/rabbitmq" rabbitmq
mkd "$DATA/rabbitmq/log" rabbitmq
mkd "$DATA/keystone" keystone
mkd "$DATA/glance" glance
mkd "$DATA/glance/images" glance
mkd "$DATA/glance/staging" glance
mkd "$DATA/placement" placement
mkd "$DATA/neutron" neutron
mkd "$DATA/nova" nova
mkd "$DATA/nova/instances" nova
mkd "$DATA/nova/tmp" nova
mkd "$DATA/nova2" nova
mkd "$DATA/nova2/instances" nova
mkd "$DATA/nova2/tmp" nova
mkd "$DATA/cinder" cinder
mkd "$DATA/cinder/lock" cinder

# ---------------------------------------------------------------- secrets
# Each secret is made once; a state dir from an older start.sh gains the
# secrets of services added since (cinder) and keeps the others.
SECRETS=$STATE/secrets.env
gen() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
WANT_SECRETS=(ADMIN_PASS RABBIT_PASS)
for s in KEYSTONE GLANCE PLACEMENT NEUTRON NOVA CINDER; do WANT_SECRETS+=("${s}_DBPASS" "${s}_PASS"); done
umask 077
touch "$SECRETS"
cp "$SECRETS" "$SECRETS.tmp"
for k in "${WANT_SECRETS[@]}"; do
  grep -q "^$k=" "$SECRETS.tmp" || echo "$k=$(gen)" >>"$SECRETS.tmp"
done
grep -q "^DEMO_PASS=" "$SECRETS.tmp" || echo "DEMO_PASS=demopass" >>"$SECRETS.tmp"
mv "$SECRETS.tmp" "$SECRETS"
umask 022
chmod 0600 "$SECRETS"
# shellcheck disable=SC1090
. "$SECRETS"

# ---------------------------------------------------------------- config files
KS=http://127.0.0.1:5000
RABBIT_URL="rabbit://openstack:$RABBIT_PASS@127.0.0.1:5672/"
dburl() { echo "mysql+pymysql://$1:$2@127.0.0.1/$3?charset=utf8"; }

write_conf() { # write_conf FILE GROUP  (content on stdin), mode 0640 root:GROUP
  local f=$1 g=$2
  mkdir -p "$(dirname "$f")"
  chmod 0755 "$(dirname "$f")"
  cat >"$f.tmp"
  chown "root:$g" "$f.tmp"
  chmod 0640 "$f.tmp"
  mv "$f.tmp" "$f"
}

# install_pylib DIR GROUP FILE: copy the harness's FILE into DIR (a python
# path of one service), readable by GROUP
install_pylib() {
  mkdir -p "$1"
  chmod 0755 "$1"
  install -m 0640 -o root -g "$2" "$HERE/$3" "$1/$3"
}

authtoken() { # authtoken USER PASS
  cat <<EOF
[keystone_authtoken]
www_authenticate_uri = $KS
auth_url = $KS
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $2
region_name = RegionOne
# a revoked token is refused within 10 s, not after the default 300 s
token_cache_time = 10
EOF
}

svc_client() { # svc_client SECTION USER PASS
  cat <<EOF
[$1]
auth_type = password
auth_url = $KS/v3
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $3
region_name = RegionOne
EOF
}

write_conf "$ETC/mariadb/my.cnf" mysql <<EOF
[mysqld]
datadir = $DATA/mysql
socket = $DATA/mysql-run/mysqld.sock
pid-file = $DATA/mysql-run/mysqld.pid
port = 3306
bind-address = 127.0.0.1
skip-name-resolve
max_connections = 1000
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
innodb_buffer_pool_size = 128M
innodb_flush_log_at_trx_commit = 0
innodb_doublewrite = 0
performance_schema = OFF
[client]
socket = $DATA/mysql-run/mysqld.sock
EOF

write_conf "$ETC/rabbitmq/rabbitmq-env.conf" rabbitmq <<EOF
NODENAME=rabbit@localhost
NODE_IP_ADDRESS=127.0.0.1
NODE_PORT=5672
DIST_PORT=25672
MNESIA_BASE=$DATA/rabbitmq/mnesia
LOG_BASE=$DATA/rabbitmq/log
LOGS=-
CONFIG_FILE=$ETC/rabbitmq/rabbitmq.conf
ENABLED_PLUGINS_FILE=$ETC/rabbitmq/enabled_plugins
ADVANCED_CONFIG_FILE=$ETC/rabbitmq/advanced.config
SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export ERL_EPMD_ADDRESS=127.0.0.1
EOF
write_conf "$ETC/rabbitmq/rabbitmq.conf" rabbitmq <<EOF
listeners.tcp.default = 127.0.0.1:5672
default_vhost = /
default_user = openstack
default_pass = $RABBIT_PASS
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
disk_free_limit.absolute = 50MB
log.console = true
log.console.level = warning
log.file = false
EOF
write_conf "$ETC/rabbitmq/enabled_plugins" rabbitmq <<<"[]."
write_conf "$ETC/rabbitmq/advanced.config" rabbitmq <<<"[]."

write_conf "$ETC/keystone/keystone.conf" keystone <<EOF
[DEFAULT]
debug = false
[database]
connection = $(dburl keystone "$KEYSTONE_DBPASS" keystone)
[token]
provider = fernet
expiration = 86400
[fernet_tokens]
key_repository = $DATA/keystone/fernet-keys
[fernet_receipts]
key_repository = $DATA/keystone/fernet-keys
[credential]
key_repository = $DATA/keystone/credential-keys
[oslo_policy]
policy_file = $ETC/keystone/policy.yaml
EOF

uwsgi_ini() { # uwsgi_ini FILE GROUP PORT WSGI_FILE PROCS THREADS "KEY = VALUE"...
  local f=$1 g=$2 port=$3 app=$4 procs=$5 threads=$6
  shift 6
  {
    echo "[uwsgi]"
    echo "plugins = python3"
    echo "http-socket = 127.0.0.1:$port"
    echo "wsgi-file = $app"
    echo "master = true"
    echo "processes = $procs"
    echo "threads = $threads"
    echo "enable-threads = true"
    echo "lazy-apps = true"
    echo "need-app = true"
    echo "die-on-term = true"
    echo "no-orphans = true"
    echo "buffer-size = 65535"
    echo "listen = 100"
    # uwsgi's http-socket closes the connection after each response but says
    # HTTP/1.1 without "Connection: close"; clients that reuse the connection
    # then get resets.  Debian's own uwsgi ini files add this header too.
    echo "add-header = Connection: close"
    local line
    for line in "$@"; do echo "$line"; done
  } | write_conf "$f" "$g"
}
uwsgi_ini "$ETC/keystone/uwsgi.ini" keystone 5000 /usr/bin/keystone-wsgi-public 2 4 \
  "env = OS_KEYSTONE_CONFIG_DIR=$ETC/keystone"

write_conf "$ETC/glance/glance-api.conf" glance <<EOF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = 9292
workers = 1
debug = false
use_stderr = true
node_staging_uri = file://$DATA/glance/staging
[database]
connection = $(dburl glance "$GLANCE_DBPASS" glance)
$(authtoken glance "$GLANCE_PASS")
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
[glance_store]
stores = file,http
default_store = file
filesystem_store_datadir = $DATA/glance/images
[oslo_concurrency]
lock_path = $DATA/glance/lock
[oslo_policy]
policy_file = $ETC/glance/policy.yaml
EOF

write_conf "$ETC/placement/placement.conf" placement <<EOF
[DEFAULT]
debug = false
[api]
auth_strategy = keystone
[placement_database]
connection = $(dburl placement "$PLACEMENT_DBPASS" placement)
$(authtoken placement "$PLACEMENT_PASS")
[oslo_policy]
policy_file = $ETC/placement/policy.yaml
EOF
uwsgi_ini "$ETC/placement/uwsgi.ini" placement 8778 /usr/bin/placement-api 1 4 \
  "env = OS_PLACEMENT_CONFIG_DIR=$ETC/placement"

write_conf "$ETC/neutron/neutron.conf" neutron <<EOF
[DEFAULT]
debug = false
core_plugin = ml2
service_plugins = router,port_forwarding
auth_strategy = keystone
transport_url = $RABBIT_URL
dhcp_agent_notification = false
rpc_workers = 0
# nova hears of port changes at once (a floating IP shows in its addresses)
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
api_paste_config = /etc/neutron/api-paste.ini
state_path = $DATA/neutron
[database]
connection = $(dburl neutron "$NEUTRON_DBPASS" neutron)
$(authtoken neutron "$NEUTRON_PASS")
$(svc_client nova nova "$NOVA_PASS")
[oslo_concurrency]
lock_path = $DATA/neutron/lock
[oslo_policy]
policy_file = $ETC/neutron/policy.yaml
EOF
write_conf "$ETC/neutron/ml2_conf.ini" neutron <<EOF
[ml2]
type_drivers = flat,local
tenant_network_types = local
mechanism_drivers = realcloud_fake
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
EOF
# The agentless binder (neutron_fake_binder.py), found by ML2 through the
# entry point its dist-info declares, on neutron's python path only.
install_pylib "$PYLIB/neutron" neutron neutron_fake_binder.py
BINDER_DI=$PYLIB/neutron/osfs_realcloud_binder-1.0.dist-info
write_conf "$BINDER_DI/METADATA" neutron <<EOF
Metadata-Version: 2.1
Name: osfs-realcloud-binder
Version: 1.0
EOF
write_conf "$BINDER_DI/entry_points.txt" neutron <<EOF
[neutron.ml2.mechanism_drivers]
realcloud_fake = neutron_fake_binder:FakeBinder
EOF
# neutron's uwsgi entry point, with the SQLAlchemy mappers configured at load
# (otherwise the first GET /v2.0/ports fails with AttributeError 'port_forwardings').
write_conf "$ETC/neutron/neutron-wsgi.py" neutron <<'EOF'
from neutron.cmd.eventlet.server import main_api_eventlet

application = main_api_eventlet()

import sqlalchemy.orm  # noqa: E402

sqlalchemy.orm.configure_mappers()
EOF
uwsgi_ini "$ETC/neutron/uwsgi.ini" neutron 9696 "$ETC/neutron/neutron-wsgi.py" 2 1 \
  "env = OS_NEUTRON_CONFIG_DIR=$ETC/neutron" "env = OS_NEUTRON_CONFIG_FILES=neutron.conf;ml2_conf.ini" \
  "pythonpath = $PYLIB/neutron"

nova_conf() { # nova_conf WITH_DB(yes|no)
  cat <<EOF
[DEFAULT]
debug = false
host = $NOVA_HOST
my_ip = 127.0.0.1
state_path = $DATA/nova
instances_path = $DATA/nova/instances
transport_url = $RABBIT_URL
compute_driver = fake.FakeDriver
enabled_apis = osapi_compute
# one fake host: a resize (or cold migration) stays on it, else "No valid host"
allow_resize_to_same_host = True
osapi_compute_workers = 1
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
EOF
  if [ "$1" = yes ]; then
    cat <<EOF
[api_database]
connection = $(dburl nova "$NOVA_DBPASS" nova_api)
[database]
connection = $(dburl nova "$NOVA_DBPASS" nova)
EOF
  fi
  authtoken nova "$NOVA_PASS"
  svc_client placement nova "$NOVA_PASS"
  svc_client neutron nova "$NOVA_PASS"
  svc_client cinder nova "$NOVA_PASS"
  echo "os_region_name = RegionOne"
  # nova adds its own token as X-Service-Token: cinder refuses to delete an
  # in-use attachment (a detach) without it (ConflictNovaUsingAttachment)
  svc_client service_user nova "$NOVA_PASS"
  echo "send_service_user_token = true"
  cat <<EOF
[glance]
region_name = RegionOne
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = -1
[vnc]
enabled = false
[spice]
enabled = false
[serial_console]
enabled = false
[oslo_concurrency]
lock_path = $DATA/nova/tmp
[oslo_policy]
policy_file = $ETC/nova/policy.yaml
EOF
}
nova_conf yes | write_conf "$ETC/nova/nova.conf" nova
nova_conf no | write_conf "$ETC/nova/nova-compute.conf" nova
# the second compute host: the same, read with these overrides after it
write_conf "$ETC/nova/nova-compute-2.conf" nova <<EOF
[DEFAULT]
host = $NOVA_HOST2
state_path = $DATA/nova2
instances_path = $DATA/nova2/instances
[oslo_concurrency]
lock_path = $DATA/nova2/tmp
EOF
uwsgi_ini "$ETC/nova/uwsgi.ini" nova 8774 /usr/bin/nova-api-wsgi 2 1 \
  "env = OS_NOVA_CONFIG_DIR=$ETC/nova" "env = OS_NOVA_CONFIG_FILES=api-paste.ini;nova.conf"
# nova's wsgi app loads its paste pipeline from the FIRST of those files
write_conf "$ETC/nova/api-paste.ini" nova </etc/nova/api-paste.ini

# Cinder with no storage: one backend "fake" whose driver
# (cinder_fake_volume.py) is on cinder-volume's PYTHONPATH only.  The volume
# service is $NOVA_HOST@fake, its only pool $NOVA_HOST@fake#fake.
write_conf "$ETC/cinder/cinder.conf" cinder <<EOF
[DEFAULT]
debug = false
host = $NOVA_HOST
my_ip = 127.0.0.1
state_path = $DATA/cinder
transport_url = $RABBIT_URL
auth_strategy = keystone
api_paste_config = /etc/cinder/api-paste.ini
osapi_volume_listen = 127.0.0.1
osapi_volume_workers = 1
glance_api_servers = http://127.0.0.1:9292
enabled_backends = fake
[fake]
volume_driver = cinder_fake_volume.FakeVolumeDriver
volume_backend_name = fake
[database]
connection = $(dburl cinder "$CINDER_DBPASS" cinder)
$(authtoken cinder "$CINDER_PASS")
$(svc_client nova cinder "$CINDER_PASS")
[oslo_concurrency]
lock_path = $DATA/cinder/lock
[oslo_policy]
policy_file = $ETC/cinder/policy.yaml
EOF
install_pylib "$PYLIB/cinder" cinder cinder_fake_volume.py
# cinder-wsgi reads its config files from sys.argv (pyargv).  A worker that
# ignores SIGTERM is killed after worker-reload-mercy seconds.
uwsgi_ini "$ETC/cinder/uwsgi.ini" cinder 8776 /usr/bin/cinder-wsgi 1 2 \
  "pyargv = --config-file $ETC/cinder/cinder.conf" \
  "worker-reload-mercy = 5"

# ---------------------------------------------------------------- helpers
# start_daemon NAME CMD... : start in the background as the service's user, in
# its own session (process group), stdout+stderr appended to $LOG/NAME.log.
start_daemon() {
  local name=$1 user
  shift
  user=$(svc_field "$name" 1)
  if svc_pid "$name" >/dev/null; then return 0; fi
  local port
  port=$(svc_field "$name" 2)
  if [ "$port" != "-" ] && port_open "$port"; then
    die "127.0.0.1:$port ($name) is already served by a process start.sh did not start:
$(ss -ltnp "sport = :$port" 2>/dev/null | tail -n +2)"
  fi
  echo "=== $(date -Is) start.sh starting $name: $*" >>"$LOG/$name.log"
  chmod 0640 "$LOG/$name.log"
  env -i PATH="$PATH" LANG=C.UTF-8 LC_ALL=C.UTF-8 HOME="$DATA/$(home_of "$name")" \
    OSFS_REALCLOUD_SVC="$STATE:$name" \
    setsid setpriv --reuid="$user" --regid="$user" --init-groups "$@" \
    >>"$LOG/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$RUN/$name.pid"
}
home_of() {
  case $1 in
    mariadb) echo mysql ;; epmd | rabbitmq) echo rabbitmq ;;
    nova-*) echo nova ;; cinder-*) echo cinder ;; *) echo "$1" ;;
  esac
}

wait_port() { # wait_port NAME TIMEOUT
  local name=$1 t=$2 port i
  port=$(svc_field "$name" 2)
  for i in $(seq 1 $((t * 5))); do
    svc_pid "$name" >/dev/null || die "$name exited during start-up" "$name"
    port_open "$port" && return 0
    sleep 0.2
  done
  die "$name did not listen on 127.0.0.1:$port within $t s" "$name"
}

wait_http() { # wait_http NAME URL TIMEOUT : until any HTTP answer < 500
  local name=$1 url=$2 t=$3 code i
  for i in $(seq 1 $((t * 4))); do
    svc_pid "$name" >/dev/null || die "$name exited during start-up" "$name"
    code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url" || true)
    case $code in 2?? | 3?? | 401) return 0 ;; esac
    sleep 0.25
  done
  die "$name did not answer $url within $t s (last HTTP code $code)" "$name"
}

as_user() { # as_user USER LOGNAME CMD... : run in the foreground, output to the log
  local user=$1 logn=$2
  shift 2
  echo "=== $(date -Is) $*" >>"$LOG/$logn.log"
  chmod 0640 "$LOG/$logn.log"
  env -i PATH="$PATH" LANG=C.UTF-8 LC_ALL=C.UTF-8 HOME="$DATA/$user" ${AS_USER_ENV:-} \
    setpriv --reuid="$user" --regid="$user" --init-groups "$@" >>"$LOG/$logn.log" 2>&1 </dev/null
}

mysql_root() { timeout 60 mariadb --defaults-file="$ETC/mariadb/my.cnf" -uroot "$@"; }

step_done() { [ -e "$MARK/$1" ]; }
step_mark() { date -Is >"$MARK/$1"; }

start_services() {
  start_daemon glance glance-api --config-file "$ETC/glance/glance-api.conf"
  start_daemon placement uwsgi --ini "$ETC/placement/uwsgi.ini"
  start_daemon neutron uwsgi --ini "$ETC/neutron/uwsgi.ini"
  start_daemon cinder-api uwsgi --ini "$ETC/cinder/uwsgi.ini"
  start_daemon nova-api uwsgi --ini "$ETC/nova/uwsgi.ini"
  start_daemon cinder-scheduler cinder-scheduler --config-file "$ETC/cinder/cinder.conf"
  start_daemon cinder-volume env PYTHONPATH="$PYLIB/cinder" \
    cinder-volume --config-file "$ETC/cinder/cinder.conf"
  start_daemon nova-conductor nova-conductor --config-file "$ETC/nova/nova.conf"
  start_daemon nova-scheduler nova-scheduler --config-file "$ETC/nova/nova.conf"
}
COMPUTE_STARTED=0
REVIVE_HOSTS=""   # hosts whose nova-compute (re)started: their guests are forgotten
COMPUTE_T0="1970-01-01 00:00:00"
start_compute() {
  if ! svc_pid nova-compute >/dev/null || ! svc_pid nova-compute-2 >/dev/null; then
    COMPUTE_T0=$(date -u '+%Y-%m-%d %H:%M:%S')
    COMPUTE_STARTED=1
  fi
  svc_pid nova-compute >/dev/null || REVIVE_HOSTS="$REVIVE_HOSTS $NOVA_HOST"
  svc_pid nova-compute-2 >/dev/null || REVIVE_HOSTS="$REVIVE_HOSTS $NOVA_HOST2"
  start_daemon nova-compute nova-compute --config-file "$ETC/nova/nova-compute.conf"
  start_daemon nova-compute-2 nova-compute --config-file "$ETC/nova/nova-compute.conf" \
    --config-file "$ETC/nova/nova-compute-2.conf"
}

# (cinder's scheduler hears of the pool only after both have started)
CINDER_WAS_UP=0
if svc_pid cinder-scheduler >/dev/null && svc_pid cinder-volume >/dev/null; then CINDER_WAS_UP=1; fi

# ---------------------------------------------------------------- MariaDB
phase "mariadb"
if [ ! -d "$DATA/mysql/mysql" ]; then
  echo "=== $(date -Is) mariadb-install-db" >>"$LOG/mariadb.log"
  mariadb-install-db --defaults-file="$ETC/mariadb/my.cnf" --user=mysql \
    --auth-root-authentication-method=socket --skip-test-db >>"$LOG/mariadb.log" 2>&1 ||
    die "mariadb-install-db failed" mariadb
fi
start_daemon mariadb mariadbd --defaults-file="$ETC/mariadb/my.cnf"
wait_port mariadb 60
for i in $(seq 1 50); do
  mysql_root -e 'SELECT 1' >/dev/null 2>&1 && break
  sleep 0.2
done
mysql_root -e 'SELECT 1' >/dev/null || die "cannot connect to MariaDB as root" mariadb

# (markers carry a generation: a state dir made before cinder existed gets its
# database, its keystone user/endpoints and its seed on the next start)
if ! step_done databases-2; then
  sql=""
  for db in keystone:keystone:$KEYSTONE_DBPASS glance:glance:$GLANCE_DBPASS \
            placement:placement:$PLACEMENT_DBPASS neutron:neutron:$NEUTRON_DBPASS \
            nova_api:nova:$NOVA_DBPASS nova:nova:$NOVA_DBPASS nova_cell0:nova:$NOVA_DBPASS \
            cinder:cinder:$CINDER_DBPASS; do
    IFS=: read -r d u p <<<"$db"
    sql+="CREATE DATABASE IF NOT EXISTS \`$d\` CHARACTER SET utf8mb4;"
    sql+="CREATE USER IF NOT EXISTS '$u'@'127.0.0.1' IDENTIFIED BY '$p';"
    sql+="ALTER USER '$u'@'127.0.0.1' IDENTIFIED BY '$p';"
    sql+="GRANT ALL PRIVILEGES ON \`$d\`.* TO '$u'@'127.0.0.1';"
  done
  mysql_root -e "$sql FLUSH PRIVILEGES;" >>"$LOG/mariadb.log" 2>&1 || die "creating databases failed" mariadb
  step_mark databases-2
fi

# ---------------------------------------------------------------- RabbitMQ
phase "rabbitmq"
if [ ! -s "$DATA/rabbitmq/.erlang.cookie" ]; then
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DATA/rabbitmq/.erlang.cookie"
  chown rabbitmq:rabbitmq "$DATA/rabbitmq/.erlang.cookie"
  chmod 0400 "$DATA/rabbitmq/.erlang.cookie"
fi
if ! svc_pid epmd >/dev/null; then
  if port_open 4369; then
    echo "  epmd: port 4369 already served by another epmd; using it"
  else
    start_daemon epmd epmd -address 127.0.0.1 -port 4369
    wait_port epmd 10
  fi
fi
if ! svc_up rabbitmq; then
  start_daemon rabbitmq env RABBITMQ_CONF_ENV_FILE="$ETC/rabbitmq/rabbitmq-env.conf" \
    ERL_EPMD_ADDRESS=127.0.0.1 /usr/lib/rabbitmq/bin/rabbitmq-server
fi

# ---------------------------------------------------------------- db sync (first time only)
# Keystone's sync runs in the foreground; the others run in parallel with the
# Keystone start-up and seeding (they need only MariaDB).
phase "keystone db_sync+bootstrap"
SYNC_PIDS=()
if ! step_done sync-keystone; then
  as_user keystone keystone-manage keystone-manage --config-file "$ETC/keystone/keystone.conf" db_sync ||
    die "keystone-manage db_sync failed" keystone-manage
  as_user keystone keystone-manage keystone-manage --config-file "$ETC/keystone/keystone.conf" \
    fernet_setup --keystone-user keystone --keystone-group keystone || die "fernet_setup failed" keystone-manage
  as_user keystone keystone-manage keystone-manage --config-file "$ETC/keystone/keystone.conf" \
    credential_setup --keystone-user keystone --keystone-group keystone || die "credential_setup failed" keystone-manage
  step_mark sync-keystone
fi
if ! step_done bootstrap-keystone; then
  AS_USER_ENV="OS_BOOTSTRAP_PASSWORD=$ADMIN_PASS" \
  as_user keystone keystone-manage keystone-manage --config-file "$ETC/keystone/keystone.conf" bootstrap \
    --bootstrap-username admin \
    --bootstrap-project-name admin --bootstrap-role-name admin \
    --bootstrap-service-name keystone --bootstrap-region-id RegionOne \
    --bootstrap-admin-url "$KS/v3" --bootstrap-internal-url "$KS/v3" \
    --bootstrap-public-url "$KS/v3" || die "keystone-manage bootstrap failed" keystone-manage
  step_mark bootstrap-keystone
fi

sync_bg() { # sync_bg NAME USER CMD... (runs in background, marker on success)
  local name=$1 user=$2
  shift 2
  step_done "sync-$name" && return 0
  (as_user "$user" "$name-manage" "$@" && step_mark "sync-$name") &
  SYNC_PIDS+=("$!:$name")
}
sync_bg glance glance glance-manage --config-file "$ETC/glance/glance-api.conf" db_sync
sync_bg placement placement placement-manage --config-file "$ETC/placement/placement.conf" db sync
sync_bg neutron neutron neutron-db-manage --config-file "$ETC/neutron/neutron.conf" \
  --config-file "$ETC/neutron/ml2_conf.ini" upgrade head
sync_bg cinder cinder cinder-manage --config-file "$ETC/cinder/cinder.conf" db sync
if ! step_done sync-nova; then
  NC=$ETC/nova/nova.conf
  (as_user nova nova-manage nova-manage --config-file "$NC" api_db sync &&
    as_user nova nova-manage nova-manage --config-file "$NC" cell_v2 map_cell0 &&
    { [ "$(mysql_root -N -e "SELECT COUNT(*) FROM nova_api.cell_mappings WHERE name='cell1'")" -ge 1 ] ||
        as_user nova nova-manage nova-manage --config-file "$NC" cell_v2 create_cell --name=cell1 --verbose; } &&
    as_user nova nova-manage nova-manage --config-file "$NC" db sync &&
    step_mark sync-nova) &
  SYNC_PIDS+=("$!:nova")
fi

# ---------------------------------------------------------------- Keystone
phase "keystone"
start_daemon keystone uwsgi --ini "$ETC/keystone/uwsgi.ini"
if [ ${#SYNC_PIDS[@]} -eq 0 ] && step_done seed-keystone-3; then
  # Restart of an existing cloud: nothing to sync or seed first, so every
  # service starts now, in parallel with Keystone and RabbitMQ.
  start_services
  start_compute
fi
wait_port keystone 60
wait_http keystone "$KS/v3" 60

export OSFS_RC_STATE=$STATE OSFS_RC_KS=$KS/v3
if ! step_done seed-keystone-3; then
  phase "keystone seed"
  # one python process does all of Keystone's seeding; it prints the app cred
  ADMIN_PASS=$ADMIN_PASS DEMO_PASS=$DEMO_PASS GLANCE_PASS=$GLANCE_PASS \
    PLACEMENT_PASS=$PLACEMENT_PASS NEUTRON_PASS=$NEUTRON_PASS NOVA_PASS=$NOVA_PASS \
    CINDER_PASS=$CINDER_PASS \
    timeout 300 $PY -I "$HERE/seed.py" keystone >>"$LOG/seed.log" 2>&1 ||
    die "keystone seeding failed" seed keystone
  step_mark seed-keystone-3
fi

# ---------------------------------------------------------------- wait for db syncs
phase "wait db syncs"
for pn in "${SYNC_PIDS[@]}"; do
  p=${pn%%:*}
  n=${pn#*:}
  wait "$p" || true
  step_done "sync-$n" || die "db sync of $n failed" "$n-manage"
done

# ---------------------------------------------------------------- RabbitMQ ready?
phase "rabbitmq ready"
wait_port rabbitmq 90

# ---------------------------------------------------------------- Glance, Placement, Neutron, Nova API
phase "glance placement neutron cinder nova-api"
start_services
wait_http glance http://127.0.0.1:9292/ 90
wait_http placement http://127.0.0.1:8778/ 90
wait_http neutron http://127.0.0.1:9696/ 90
wait_http cinder-api http://127.0.0.1:8776/ 90
wait_http nova-api http://127.0.0.1:8774/ 90

# ---------------------------------------------------------------- nova-compute
phase "nova-compute heartbeat"
start_compute
ok=0
for i in $(seq 1 600); do
  for s in nova-conductor nova-scheduler nova-compute nova-compute-2; do
    svc_pid "$s" >/dev/null || die "$s exited during start-up" "$s"
  done
  n=$(mysql_root -N -e "SELECT COUNT(*) FROM nova.services s JOIN nova.compute_nodes c
        ON c.host = s.host AND c.deleted = 0
        WHERE s.host IN ('$NOVA_HOST', '$NOVA_HOST2') AND s.binary='nova-compute' AND s.deleted=0
          AND COALESCE(s.updated_at, s.created_at) >= '$COMPUTE_T0' - INTERVAL 2 SECOND;
      " 2>/dev/null || echo 0)
  r=$(mysql_root -N -e "SELECT COUNT(*) FROM placement.resource_providers
        WHERE name IN ('$NOVA_HOST', '$NOVA_HOST2')" 2>/dev/null || echo 0)
  if [ "${n:-0}" -ge 2 ] && [ "${r:-0}" -ge 2 ]; then ok=1; break; fi
  sleep 0.2
done
[ $ok = 1 ] || die "nova-compute sent no heartbeat within 120 s" nova-compute nova-compute-2 nova-conductor

m=$(mysql_root -N -e "SELECT COUNT(*) FROM nova_api.host_mappings WHERE host IN ('$NOVA_HOST', '$NOVA_HOST2')")
if [ "$m" -lt 2 ]; then
  phase "discover_hosts"
  as_user nova nova-manage nova-manage --config-file "$ETC/nova/nova.conf" cell_v2 discover_hosts --verbose ||
    die "discover_hosts failed" nova-manage
fi

# ---------------------------------------------------------------- cinder pool
# A volume created before the scheduler has heard from cinder-volume fails
# with "No valid backend": wait until the scheduler lists the fake pool.
phase "cinder pool"
for s in cinder-scheduler cinder-volume; do
  svc_pid "$s" >/dev/null || die "$s exited during start-up" "$s"
done
if [ $CINDER_WAS_UP = 0 ]; then
  ADMIN_PASS=$ADMIN_PASS timeout 150 $PY -I "$HERE/seed.py" pool >>"$LOG/seed.log" 2>&1 ||
    die "the cinder scheduler lists no pool" seed cinder-volume cinder-scheduler
fi

# ---------------------------------------------------------------- cloud seed
SEEDED_BEFORE=0
if step_done seed-cloud || step_done seed-cloud-2; then SEEDED_BEFORE=1; fi
if ! step_done seed-cloud-2; then
  phase "cloud seed"
  ADMIN_PASS=$ADMIN_PASS DEMO_PASS=$DEMO_PASS timeout 300 $PY -I "$HERE/seed.py" cloud >>"$LOG/seed.log" 2>&1 ||
    die "seeding flavors/images/quotas/keypair failed" seed nova-api glance
  step_mark seed-cloud-2
fi
if [ $COMPUTE_STARTED = 1 ] && [ $SEEDED_BEFORE = 1 ]; then
  # The fake driver forgot its guests: a hard reboot re-creates them.
  phase "revive servers"
  ADMIN_PASS=$ADMIN_PASS REVIVE_HOSTS=$REVIVE_HOSTS timeout 300 $PY -I "$HERE/seed.py" revive \
    >>"$LOG/seed.log" 2>&1 ||
    die "reviving servers after nova-compute restart failed" seed nova-compute
fi

# ---------------------------------------------------------------- clouds.yaml, openrc
phase "clouds.yaml"
# shellcheck disable=SC1090,SC1091
. "$STATE/appcred.env" 2>/dev/null || die "$STATE/appcred.env missing (keystone seed)" seed
umask 077
cat >"$STATE/clouds.yaml.tmp" <<EOF
# written by tests/realcloud/start.sh
clouds:
  realcloud:
    auth_type: password
    auth:
      auth_url: $KS/v3
      username: demo
      password: $DEMO_PASS
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
    identity_api_version: 3
  realcloud-appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: $KS/v3
      application_credential_id: $APPCRED_ID
      application_credential_secret: $APPCRED_SECRET
    region_name: RegionOne
    interface: public
    identity_api_version: 3
  realcloud-admin:
    auth_type: password
    auth:
      auth_url: $KS/v3
      username: admin
      password: $ADMIN_PASS
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
    identity_api_version: 3
EOF
mv "$STATE/clouds.yaml.tmp" "$STATE/clouds.yaml"
cat >"$STATE/openrc.tmp" <<EOF
# written by tests/realcloud/start.sh: the demo user of the real cloud
export OS_AUTH_URL=$KS/v3
export OS_AUTH_TYPE=password
export OS_USERNAME=demo
export OS_PASSWORD=$DEMO_PASS
export OS_PROJECT_NAME=demo
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=RegionOne
export OS_INTERFACE=public
export OS_IDENTITY_API_VERSION=3
EOF
mv "$STATE/openrc.tmp" "$STATE/openrc"
chmod 0600 "$STATE/clouds.yaml" "$STATE/openrc"
umask 022

phase ""
echo "start.sh: cloud up in $(elapsed "$T_ALL") s"
echo "  clouds.yaml: $STATE/clouds.yaml (clouds: realcloud, realcloud-appcred, realcloud-admin)"
echo "  openrc:      $STATE/openrc"
