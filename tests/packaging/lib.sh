# shellcheck shell=bash
# lib.sh - counting and reporting for the packaging tests (sourced).
#
#   pass NAME / fail NAME [DETAIL] / skip NAME REASON
#   known_issue NAME DETAIL   a failure already reported (skip; fail if strict)
#   check NAME COMMAND...     pass if COMMAND succeeds, else fail with its output
#   summary                   prints "N passed, N failed[, N skipped]",
#                             returns non-zero when anything failed

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
n_pass=0
n_fail=0
n_skip=0

pass() { n_pass=$((n_pass + 1)); echo "ok   - $1"; }
fail() {
	n_fail=$((n_fail + 1))
	echo "FAIL - $1"
	if [ $# -gt 1 ] && [ -n "$2" ]; then
		printf '%s\n' "$2" | sed 's/^/       /'
	fi
}
skip() { n_skip=$((n_skip + 1)); echo "skip - $1: $2"; }

# known_issue NAME DETAIL: a check that fails because of a daemon issue
# already reported to the lead.  It counts as skipped, or as failed with
# OSFS_PKGTEST_STRICT=1; the fix turns it into a pass by itself.
known_issue() {
	if [ "${OSFS_PKGTEST_STRICT:-0}" = 1 ]; then
		fail "$1" "$2"
	else
		skip "$1" "known daemon issue: $2"
	fi
}

check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$name"
	else
		fail "$name" "$out"
	fi
}

summary() {
	local line="$n_pass passed, $n_fail failed"
	[ "$n_skip" -eq 0 ] || line="$line, $n_skip skipped"
	echo "$line"
	[ "$n_fail" -eq 0 ]
}

# The version in CMake's project().
cmake_version() {
	sed -n 's/^project([^)]*VERSION \([0-9][0-9.]*\).*/\1/p' "$TOP/CMakeLists.txt" | head -n 1
}
