#!/bin/bash
# One line per service: up/down, pid, port, RSS of its process group.
# Exit status 0 when every service is up, 1 otherwise.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
rc=0
total=0
for s in "${SERVICES[@]}"; do
  IFS=: read -r name user port <<<"$s"
  if pid=$(svc_pid "$name"); then
    rss=$(ps -o rss= -g "$pid" 2>/dev/null | awk '{s+=$1} END{print int(s/1024)}')
    total=$((total + ${rss:-0}))
    if [ "$port" = "-" ] || port_open "$port"; then
      printf '%-17s up    pid %-7s port %-5s rss %5s MiB\n' "$name" "$pid" "$port" "$rss"
    else
      printf '%-17s down  pid %-7s port %-5s not listening\n' "$name" "$pid" "$port"
      rc=1
    fi
  else
    if [ "$name" = epmd ] && port_open 4369; then
      printf '%-17s up    (an epmd not started by start.sh serves port 4369)\n' "$name"
      continue
    fi
    printf '%-17s down\n' "$name"
    rc=1
  fi
done
printf '%-17s %s MiB RSS\n' total "$total"
exit $rc
