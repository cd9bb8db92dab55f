#!/bin/sh
# Run each libFuzzer target for a few seconds on its seed corpus.
#   scripts/fuzz-smoke.sh SECONDS build/fuzz/fuzz_NAME...
# A crash, leak or sanitizer report fails the run; the summary line goes to
# build/test-results.txt like the other tests.
set -u
secs=$1; shift
status=0
n=0; bad=0
for f in "$@"; do
	name=${f##*/fuzz_}
	corpus=tests/fuzz/corpus/$name
	work=build/fuzz/work/$name
	mkdir -p "$work" "$corpus"
	echo "== fuzz $name (${secs}s)"
	if "$f" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=1024 \
	    "$work" "$corpus" >build/fuzz/$name.log 2>&1; then
		grep -E '^Done|^#[0-9]+.*DONE' build/fuzz/$name.log | tail -n 1
	else
		echo "   fuzz target $name FAILED: see build/fuzz/$name.log"
		tail -n 20 build/fuzz/$name.log
		bad=$((bad + 1)); status=1
	fi
	n=$((n + 1))
done
pct=100; [ $n -gt 0 ] && pct=$(( (n - bad) * 100 / n ))
echo "fuzz: $pct%: Checks: $n, Failures: $bad, Errors: 0" >> build/test-results.txt
exit $status
