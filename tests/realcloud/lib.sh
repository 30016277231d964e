# Shared definitions for the real-cloud harness (sourced, not executed).
# shellcheck shell=bash

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
unset PYTHONPATH PYTHONHOME PYTHONSTARTUP VIRTUAL_ENV OS_CLOUD || true
export LANG=C.UTF-8 LC_ALL=C.UTF-8

STATE=${OSFS_REALCLOUD_DIR:-/var/lib/osfs-realcloud}
ETC=$STATE/etc
LOG=$STATE/log
RUN=$STATE/run
DATA=$STATE/data
MARK=$STATE/markers
PYLIB=$STATE/lib
PY=/usr/bin/python3
NOVA_HOST=osfs-realcloud
# a second fake compute host, so that servers can move (migrations) and a
# host can be disabled while the other still takes new servers
NOVA_HOST2=osfs-realcloud-2
HERE=${HERE:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}

# name:user:port (port "-" for daemons without a listening socket), in start order
SERVICES=(
  mariadb:mysql:3306
  epmd:rabbitmq:4369
  rabbitmq:rabbitmq:5672
  keystone:keystone:5000
  glance:glance:9292
  placement:placement:8778
  neutron:neutron:9696
  cinder-api:cinder:8776
  nova-api:nova:8774
  cinder-scheduler:cinder:-
  cinder-volume:cinder:-
  nova-conductor:nova:-
  nova-scheduler:nova:-
  nova-compute:nova:-
  nova-compute-2:nova:-
)

svc_field() { # svc_field NAME INDEX
  local s
  for s in "${SERVICES[@]}"; do
    IFS=: read -r n u p <<<"$s"
    if [ "$n" = "$1" ]; then
      case $2 in 1) echo "$u" ;; 2) echo "$p" ;; esac
      return 0
    fi
  done
  return 1
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }

# The pid recorded for NAME, if that process is alive and really ours: every
# daemon is started with OSFS_REALCLOUD_SVC=<state dir>:<name> in its
# environment, which guards against a recycled pid.
svc_pid() {
  local f=$RUN/$1.pid pid
  [ -s "$f" ] || return 1
  pid=$(cat "$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/environ" ] || return 1
  alive "$pid" || return 1
  tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "OSFS_REALCLOUD_SVC=$STATE:$1" || return 1
  echo "$pid"
}

# alive PID: the process exists and is not a zombie
alive() {
  case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) in Z | X | '') return 1 ;; esac
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# Is the service running (process alive and, for network services, listening)?
svc_up() {
  local port
  svc_pid "$1" >/dev/null || return 1
  port=$(svc_field "$1" 2)
  [ "$port" = "-" ] || port_open "$port"
}

tail_log() {
  local f=$LOG/$1.log
  echo "----- last lines of $f -----" >&2
  tail -n "${2:-40}" "$f" >&2 2>/dev/null || echo "(no log)" >&2
  echo "-----" >&2
}

die() { # die MESSAGE [LOGNAME...]
  local m=$1; shift
  echo "ERROR: $m" >&2
  local l
  for l in "$@"; do tail_log "$l"; done
  exit 1
}

# Stop one service by its pid file: SIGTERM, then SIGKILL to its process group.
stop_svc() {
  local name=$1 pid i
  if ! pid=$(svc_pid "$name"); then
    rm -f "$RUN/$name.pid"
    return 0
  fi
  # SIGTERM to the main process only: uwsgi masters (die-on-term) and oslo
  # service parents stop their workers themselves.
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    echo "  $name did not stop in 20 s: SIGKILL" >&2
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  # children left in the group (uwsgi workers, oslo workers)
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$RUN/$name.pid"
  echo "=== $(date -Is) stopped by stop.sh" >>"$LOG/$name.log"
}
