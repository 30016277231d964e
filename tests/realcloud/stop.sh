#!/bin/bash
# Stop every daemon that start.sh started (by its pid file): first all the
# OpenStack services at once, then RabbitMQ, epmd and MariaDB.  Data, config
# and markers stay, so the next start.sh is quick.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
T0=$(now)
[ -d "$RUN" ] || { echo "stop.sh: nothing to stop ($STATE has no run dir)"; exit 0; }
exec 9>"$STATE/.lock"
flock -w 600 9 || { echo "stop.sh: another start.sh/stop.sh holds $STATE/.lock" >&2; exit 1; }

stop_group() {
  local name pids=()
  for name in "$@"; do
    if svc_pid "$name" >/dev/null; then
      (t=$(now); stop_svc "$name"; printf '  stopped %-16s %5s s\n' "$name" "$(elapsed "$t")") &
      pids+=($!)
    else
      rm -f "$RUN/$name.pid"
    fi
  done
  [ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
}
stop_group nova-compute nova-compute-2 nova-scheduler nova-conductor nova-api cinder-volume cinder-scheduler cinder-api \
  neutron placement glance keystone
stop_group rabbitmq
stop_group epmd mariadb
echo "stop.sh: done in $(elapsed "$T0") s"
