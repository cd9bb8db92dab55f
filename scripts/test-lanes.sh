#!/bin/sh
# Run the release suite and the ASan suite side by side (two lanes): most
# integration tests wait on daemons and timers, not on the CPU, so on a
# 2-core machine the two lanes take little longer than the slower one.
#   scripts/test-lanes.sh MAKE JOBS
# The ASan lane builds its variant first.  Each lane's output goes to
# build/<variant>/tests.log and is printed whole once both are done (never
# interleaved); the exit status is non-zero if either lane failed.  Every
# test binary makes its own temporary directory and free ports, so the
# lanes share nothing but build/test-results.txt, to which each appends
# one short line per test.
set -u
make=${1:-make}
jobs=${2:-2}
mkdir -p build/release build/asan

lane() {
	v=$1
	{
		if [ "$v" = asan ]; then
			$make --no-print-directory -j"$jobs" VARIANT=asan tests ||
			    exit 1
		fi
		$make --no-print-directory VARIANT="$v" test-variant
	} >build/"$v"/tests.log 2>&1
}

start=$(date +%s)
lane release & rel=$!
lane asan & asn=$!
wait $rel; rrc=$?
wait $asn; arc=$?
for v in release asan; do
	echo "==== $v lane (build/$v/tests.log)"
	cat build/"$v"/tests.log
done
echo "==== lanes: release exit $rrc, asan exit $arc, $(( $(date +%s) - start )) s"
[ $rrc -eq 0 ] && [ $arc -eq 0 ]
