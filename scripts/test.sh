#!/bin/bash
# Every test of openstackfs, from a fresh Debian 12 machine: installs what is
# needed, builds, then runs the tiers below and prints how long each took.
#   unit         C unit tests of each module (ctest)
#   emulator     the emulator's own tests
#   integration  real mounts against the emulator (read, write, start-up,
#                faults) with an ASan+UBSan daemon; the plain build runs the
#                same suite in the realcloud tier
#   tsan         a 60 s concurrent stress test and the integration files where
#                threads meet, with a ThreadSanitizer daemon; any race report
#                fails the test
#   valgrind     a reduced integration run under valgrind memcheck
#   fuzz         a short run of every libFuzzer target
#   packaging    .deb built, installed, mounted via mount(8), removed; rpmbuild
#   realcloud    a real OpenStack (Debian's keystone, nova, glance, placement,
#                neutron) on 127.0.0.1, and the integration suite against it
# OSFS_TIERS="unit integration" runs only those tiers.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RESULTS=$ROOT/test-results
TIERS=${OSFS_TIERS:-unit emulator integration tsan valgrind fuzz packaging realcloud}
PYTEST=(/usr/bin/python3 -m pytest -q -p no:cacheprovider)
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
failed_tiers=()

now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# tier [--optional] NAME COMMAND...: run one tier, log it, time it, remember
# failures.  Exit 5 (pytest: no test collected) fails a tier unless it is
# marked --optional, one that may have nothing to run on this machine.
tier() {
	local optional=0 name t0 rc
	[ "$1" = --optional ] && { optional=1; shift; }
	name=$1
	shift
	case " $TIERS " in *" $name "*) ;; *) return 0 ;; esac
	echo "=== $name"
	t0=$(now)
	"$@" 2>&1 | tee "$RESULTS/$name.log"
	rc=${PIPESTATUS[0]}
	if [ "$rc" = 5 ]; then
		echo "=== $name: no test collected"
		[ "$optional" = 1 ] && rc=0
	fi
	echo "=== $name: exit $rc in $(took "$t0") s"
	echo "$name $rc $(took "$t0")" >>"$RESULTS/tiers"
	[ "$rc" = 0 ] || failed_tiers+=("$name")
}

t_deps=$(now)
scripts/deps.sh || exit 1
scripts/build.sh build || exit 1
echo "=== install + build: $(took "$t_deps") s"

unit() {
	ctest --test-dir build --output-on-failure --output-junit "$RESULTS/unit.xml"
}

emulator() {
	"${PYTEST[@]}" tests/emulator --junitxml="$RESULTS/emulator.xml"
}

# The emulator suite runs once, with the sanitizers' daemon: a run with the
# plain daemon would repeat it (the realcloud tier runs the plain one).
# OSFS_PLAIN=1 runs it with the plain daemon instead, for a quick local try.
integration() {
	if [ "${OSFS_PLAIN:-0}" = 1 ]; then
		"${PYTEST[@]}" tests/integration --junitxml="$RESULTS/integration.xml"
		return
	fi
	scripts/build.sh build-asan -DOSFS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug || return 1
	# reports go to the daemon's stderr, its mount log, which every test's
	# mount fixture scans (leaks inside libfuse itself are told apart there)
	OSFS_BIN=$ROOT/build-asan/openstackfs \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1 \
	OSFS_EMU_SERVERS=300 \
		"${PYTEST[@]}" tests/integration --junitxml="$RESULTS/integration.xml"
}

TSAN_FILES=(test_stress.py test_deltas.py test_kind_deltas.py test_write.py test_lifecycle.py
	test_faults.py test_draft_trust.py test_trust.py test_kernel_cache.py test_restart.py
	test_console.py test_background_refresh.py test_address_changes.py)
# unit tests whose threads meet (the cache's locks, the HTTP handle pool, a
# page read in two halves)
TSAN_UNITS='^test_(cache|http|model)$'

tsan() {
	scripts/build.sh build-tsan -DOSFS_TSAN=ON -DCMAKE_BUILD_TYPE=Debug || return 1
	# TSan maps its shadow at fixed addresses: with more than 28 random
	# bits of mmap (kernel 6.x defaults to 32) it dies with "unexpected
	# memory mapping", so lower them for the daemon when they are higher
	local bits
	bits=$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 28)
	if [ "$bits" -gt 28 ]; then
		sysctl -qw vm.mmap_rnd_bits=28 || { echo "tsan: cannot lower vm.mmap_rnd_bits"; return 1; }
		echo "tsan: vm.mmap_rnd_bits lowered from $bits to 28"
	fi
	# reports go to the daemon's stderr, its mount log, which every test's
	# mount fixture scans; halt_on_error=0 lets one run show every race
	# the files where threads meet (the stress test, deltas behind readers,
	# concurrent writes and boots, token renewal mid-walk, walks); the
	# integration tier runs every file already
	OSFS_BIN=$ROOT/build-tsan/openstackfs \
	TSAN_OPTIONS=halt_on_error=0:second_deadlock_stack=1 \
	OSFS_EMU_SERVERS=300 OSFS_STRESS_S=60 \
		"${PYTEST[@]}" "${TSAN_FILES[@]/#/tests/integration/}" --junitxml="$RESULTS/tsan.xml"
	local rc=$?
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 \
		ctest --test-dir build-tsan -R "$TSAN_UNITS" --output-on-failure \
		--output-junit "$RESULTS/tsan-unit.xml" || rc=1
	[ "$bits" -gt 28 ] && sysctl -qw vm.mmap_rnd_bits="$bits"
	return $rc
}

valgrind_tier() {
	local logs=$RESULTS/valgrind
	mkdir -p "$logs"
	# --trace-children: the supervisor execs the serving process
	OSFS_WRAP="valgrind --quiet --trace-children=yes --trace-children-skip=*fusermount3* --suppressions=$ROOT/tests/integration/valgrind.supp --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 --log-file=$logs/vg-%p.log" \
	OSFS_EMU_SERVERS=100 \
		"${PYTEST[@]}" tests/integration/test_read.py tests/integration/test_write.py \
		-k "not rm_rf and not concurrent and not json_changed_in_the_cloud" --junitxml="$RESULTS/valgrind.xml"
	local rc=$?
	if grep -lE "ERROR SUMMARY: [1-9]|definitely lost|Invalid (read|write|free)|uninitialised" \
		"$logs"/*.log 2>/dev/null; then
		cat "$logs"/*.log; return 1
	fi
	return $rc
}

fuzz() {
	[ -x tests/fuzz/run.sh ] || { echo "no fuzz targets"; return 5; }
	tests/fuzz/run.sh short
}

packaging() {
	local rc=0
	[ -x tests/packaging/test_deb.sh ] && { tests/packaging/test_deb.sh || rc=1; }
	[ -x tests/packaging/test_rpm.sh ] && { tests/packaging/test_rpm.sh || rc=1; }
	[ -x tests/packaging/test_source.sh ] && { tests/packaging/test_source.sh || rc=1; }
	return $rc
}

realcloud() {
	local t0
	t0=$(now); tests/realcloud/install.sh || return 1
	echo "realcloud install: $(took "$t0") s"
	t0=$(now); tests/realcloud/start.sh || return 1
	echo "realcloud start: $(took "$t0") s"
	t0=$(now)
	OSFS_TARGET=realcloud "${PYTEST[@]}" tests/integration tests/realcloud \
		--junitxml="$RESULTS/realcloud.xml"
	local rc=$?
	echo "realcloud suite: $(took "$t0") s"
	return $rc
}

tier unit unit
tier emulator emulator
tier integration integration
tier tsan tsan
tier valgrind valgrind_tier
tier --optional fuzz fuzz
tier packaging packaging
tier realcloud realcloud

echo "=== summary"
column -t "$RESULTS/tiers" 2>/dev/null || cat "$RESULTS/tiers"
/usr/bin/python3 scripts/summarize.py "$RESULTS"
if ((${#failed_tiers[@]})); then
	echo "failed tiers: ${failed_tiers[*]}"
	exit 1
fi
