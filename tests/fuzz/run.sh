#!/bin/bash
# Build the libFuzzer targets with clang into build-fuzz/ and run each one.
#
#   tests/fuzz/run.sh                 short: 20 s per target, one at a time
#   tests/fuzz/run.sh short [SECONDS]
#   tests/fuzz/run.sh long [SECONDS]  SECONDS per target (default 240),
#                                     as many targets at once as CPUs
#
# The seeds of tests/fuzz/corpus/<target>/ are read, never written: what a
# run learns goes to build-fuzz/corpus/<target>/, crashes to
# build-fuzz/artifacts/<target>/.  Any crash, sanitizer report, leak or
# timeout fails the target.  Prints one row per target (executions,
# coverage "cov:" and features "ft:" as libFuzzer counts them) and ends
# with "N passed, N failed".  Exit status 0 only when every target passed.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
mode=${1:-short}
case "$mode" in
short) secs=${2:-20}; jobs=1 ;;
long) secs=${2:-240}; jobs=$(nproc) ;;
*) echo "usage: $0 [short|long] [SECONDS]" >&2; exit 2 ;;
esac
build=$root/build-fuzz

if ! command -v clang >/dev/null; then
	echo "run.sh: clang is needed for libFuzzer" >&2
	exit 2
fi
mkdir -p "$build"
# one run at a time per build directory (they share corpora and logs)
exec 9>"$build/.run.lock"
if ! flock -n 9; then
	echo "another tests/fuzz/run.sh is using $build: waiting for it"
	flock 9
fi
echo "building fuzz targets into $build"
if ! CC=clang cmake -S . -B "$build" -DOSFS_FUZZ=ON -DOSFS_TESTS=OFF \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/build.log" 2>&1 ||
   ! cmake --build "$build" --target fuzz -j"$(nproc)" >>"$build/build.log" 2>&1; then
	tail -30 "$build/build.log" >&2
	echo "0 passed, build failed"
	exit 1
fi

# largest input worth trying, per target
declare -A max_len=(
	[fuzz_model]=32768 [fuzz_auth]=16384 [fuzz_api_error]=4096 [fuzz_console]=4096
	[fuzz_cloudsyaml]=8192 [fuzz_config]=8192 [fuzz_names]=4096 [fuzz_ctl]=512
)
targets=()
for t in "$build"/tests/fuzz/fuzz_*; do
	[ -x "$t" ] && targets+=("$(basename "$t")")
done
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

run_one() {
	local t=$1 work=$build/corpus/$1 art=$build/artifacts/$1/ log=$build/logs/$1.log
	mkdir -p "$work" "$art" "$build/logs"
	rm -f "$log" "$log.rc"
	# a hard bound over libFuzzer's own: never let a run hang the script
	timeout --kill-after=30 $((secs + 120)) \
		"$build/tests/fuzz/$t" "$work" "$root/tests/fuzz/corpus/$t" \
		-max_total_time="$secs" -max_len="${max_len[$t]:-4096}" -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$art" -print_final_stats=1 \
		>"$log" 2>&1
	echo $? >"$log.rc"
}

start=$(date +%s)
running=0
for t in "${targets[@]}"; do
	echo "fuzzing $t for ${secs}s"
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

passed=0
failed=0
printf '\n%-18s %-6s %12s %8s %8s %8s\n' target result executions cov ft corpus
for t in "${targets[@]}"; do
	log=$build/logs/$t.log
	rc=$(cat "$log.rc" 2>/dev/null || echo 99)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
	if [ "$rc" = 0 ] && ! grep -qE '^==[0-9]+==ERROR|runtime error:|deadly signal|fuzz assertion failed' "$log"; then
		result=ok
		passed=$((passed + 1))
	else
		result=FAIL
		failed=$((failed + 1))
	fi
	printf '%-18s %-6s %12s %8s %8s %8s\n' "$t" "$result" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
done
for t in "${targets[@]}"; do
	log=$build/logs/$t.log
	if [ "$(cat "$log.rc" 2>/dev/null)" != 0 ] || grep -qE '^==[0-9]+==ERROR|runtime error:|fuzz assertion failed' "$log"; then
		echo
		echo "---- $t (log $log, crash inputs in $build/artifacts/$t/)"
		grep -E 'ERROR|runtime error|assertion failed|SUMMARY|Test unit written|deadly signal' "$log" | head -8
	fi
done
echo
echo "$(( $(date +%s) - start )) s of fuzzing"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
