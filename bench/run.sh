#!/bin/bash
# openstackfs benchmark: one command.
#
#   bench/run.sh [--quick] [--no-real] [--keep-real] [--profile | --no-profile]
#                [--ns 100,2000,20000] [--callgrind-n 2000] [--question-servers 100]
#                [--no-question] [--daemon-env K=V] [--wait-idle S] [--results DIR]
#
#   OSFS_BIN=path          measure this binary instead of building bench/build
#   OSFS_BIN_BEFORE=path   also measure this one, side by side, in issue 10's questions
#   OSFS_BEFORE_REF=ref    ... or build that git ref (e.g. main) into bench/build-before
#
# Builds the daemon (into bench/build, or uses $OSFS_BIN) and bench/reader.c,
# then runs bench/bench.py: the openstack CLI vs cat vs curl for one question
# and a listing (emulator, and the real cloud of tests/realcloud when it
# answers), walks of N servers, warm read throughput and, in a full run,
# perf and callgrind profiles of the daemon.  Results: bench/results/
# (latest.md, *.csv, walk.png, profile/, raw/).
#
# Bounded: the whole run is killed after $BENCH_TIMEOUT seconds (default 900
# full, 300 quick; plus --wait-idle S); every mount it made is unmounted and
# every process it started is ended, also on failure or ^C.
set -uo pipefail
SELF=$(readlink -f "$0")
cd "$(dirname "$SELF")/.."
ROOT=$PWD

quick=0
wait_idle=0
prev=
for a in "$@"; do
	[ "$prev" = --wait-idle ] && wait_idle=${a%.*}
	prev=$a
	case $a in
	--quick) quick=1 ;;
	--wait-idle=*) wait_idle=${a#--wait-idle=}; wait_idle=${wait_idle%.*} ;;
	-h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$SELF"; exit 0 ;;
	esac
done

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
command -v valgrind >/dev/null || need+=(valgrind)
command -v perf >/dev/null || need+=(linux-perf)
command -v fusermount3 >/dev/null || need+=(fuse3)
[ -x /usr/bin/openstack ] || need+=(python3-openstackclient)
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "bench: installing ${need[*]}"
		timeout 600 apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 ||
			{ timeout 300 apt-get update -qq >/dev/null 2>&1 &&
			  timeout 600 apt-get install -y -qq "${need[@]}" >/dev/null 2>&1; } ||
			{ echo "bench: could not install ${need[*]}" >&2; exit 1; }
	else
		echo "bench: missing packages: ${need[*]} (apt-get install them as root)" >&2
		exit 1
	fi
fi

if [ -n "${OSFS_BIN:-}" ]; then
	BIN=$OSFS_BIN
else
	echo "bench: building the daemon into bench/build"
	timeout 600 scripts/build.sh bench/build || { echo "bench: build failed" >&2; exit 1; }
	BIN=bench/build/openstackfs
fi
mkdir -p bench/build
# the "before" binary of issue 10's before/after table: OSFS_BIN_BEFORE=path, or
# OSFS_BEFORE_REF=git-ref (e.g. main), built from `git archive` into bench/build-before
if [ -z "${OSFS_BIN_BEFORE:-}" ] && [ -n "${OSFS_BEFORE_REF:-}" ]; then
	echo "bench: building $OSFS_BEFORE_REF into bench/build-before"
	rm -rf bench/build-before && mkdir -p bench/build-before/src &&
		git archive "$OSFS_BEFORE_REF" | tar -x -C bench/build-before/src &&
		timeout 600 bench/build-before/src/scripts/build.sh build >/dev/null ||
		{ echo "bench: cannot build $OSFS_BEFORE_REF" >&2; exit 1; }
	export OSFS_BIN_BEFORE=$PWD/bench/build-before/src/build/openstackfs
fi
cc -std=c17 -O2 -Wall -Wextra -pthread bench/reader.c -o bench/build/reader ||
	{ echo "bench: cannot build bench/reader.c" >&2; exit 1; }

WORK=$(mktemp -d /tmp/osfs-bench.XXXXXX)
cleanup() {
	# backstop: whatever bench.py left behind
	awk -v w="$WORK/" 'index($2, w) == 1 {print $3, $2}' /proc/mounts | while read -r t m; do
		case $t in
		fuse*) fusermount3 -u -z "$m" 2>/dev/null ;;
		*) umount -l "$m" 2>/dev/null ;;  # the tmpfs copy of the tree
		esac
	done
	if [ -f "$WORK/pids" ]; then
		while read -r p; do kill "$p" 2>/dev/null; done <"$WORK/pids"
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# issue 10's questions add about 1 min (quick) / 3 min (full) per binary; OSFS_BIN_BEFORE adds a binary
per_bin=$([ $quick = 1 ] && echo 90 || echo 240)
base=$(( $([ $quick = 1 ] && echo 300 || echo 900) + per_bin * $([ -n "${OSFS_BIN_BEFORE:-}" ] && echo 2 || echo 1) ))
limit=$((${BENCH_TIMEOUT:-$base} + wait_idle))
timeout --kill-after=30 "$limit" /usr/bin/python3 -u bench/bench.py \
	--work "$WORK" --bin "$BIN" --reader bench/build/reader --args="$*" "$@"
rc=$?
[ $rc = 124 ] && echo "bench: stopped after $limit s (BENCH_TIMEOUT)" >&2
exit $rc
