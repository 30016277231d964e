#!/bin/bash
# Stop every daemon that start.sh started (by its pid file), in reverse start
# order.  Data, config and markers stay, so the next start.sh is quick.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
T0=$(now)
[ -d "$RUN" ] || { echo "stop.sh: nothing to stop ($STATE has no run dir)"; exit 0; }
for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
  name=${SERVICES[$i]%%:*}
  if svc_pid "$name" >/dev/null; then
    t=$(now)
    stop_svc "$name"
    printf '  stopped %-16s %5s s\n' "$name" "$(elapsed "$t")"
  else
    rm -f "$RUN/$name.pid"
  fi
done
echo "stop.sh: done in $(elapsed "$T0") s"
