#!/bin/sh
# Run test binaries and keep their Check summaries in build/test-results.txt.
#   scripts/run-tests.sh VARIANT UNIT... -- INTEGRATION...
#   scripts/run-tests.sh --summary   total every summary kept so far
# Unit tests run as they are; integration tests get TERAP2PD (the daemon of
# this variant) in their environment.  Exit status: non-zero if any failed.
set -u
RESULTS=build/test-results.txt

if [ "${1:-}" = --summary ]; then
	[ -f "$RESULTS" ] || { echo "no test results" >&2; exit 1; }
	awk -F'[:,] *' '/Checks: /{
		for (i = 1; i <= NF; i++) {
			if ($i == "Checks") c += $(i+1)
			if ($i == "Failures") f += $(i+1)
			if ($i == "Errors") e += $(i+1)
		}
	} END {
		pct = c ? int((c - f - e) * 100 / c) : 0
		printf "%d passed, %d failed\n", c - f - e, f + e
		printf "%d%%: Checks: %d, Failures: %d, Errors: %d\n", pct, c, f, e
		exit (f + e) ? 1 : (c ? 0 : 1)
	}' "$RESULTS"
	exit $?
fi

variant=$1; shift
mkdir -p build
# sanitizers slow everything down: give Check's time-outs room to match
if [ "$variant" = asan ]; then
	export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-2}
	# third-party leaks only (tests/lsan.supp); the daemon inherits it
	export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0}
fi
status=0
integ=0
for t in "$@"; do
	if [ "$t" = -- ]; then integ=1; continue; fi
	echo "== [$variant] $(basename "$t")"
	if [ $integ = 1 ]; then
		out=$(TERAP2PD=build/$variant/terap2pd "$t" 2>&1)
	else
		out=$("$t" 2>&1)
	fi
	rc=$?
	echo "$out" | grep -v '^ts=' | tail -n 30
	summary=$(echo "$out" | grep -E '^[0-9]+%: Checks: ' | tail -n 1)
	if [ -z "$summary" ]; then
		summary="0%: Checks: 1, Failures: 0, Errors: 1"
		echo "   (no Check summary: counted as one error)"
	fi
	echo "$variant $(basename "$t"): $summary" >> "$RESULTS"
	[ $rc -ne 0 ] && status=1
done
exit $status
