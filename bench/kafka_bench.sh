#!/bin/sh
# Kafka bridge benchmark: signed block announcements from a libp2p peer
# through a real daemon's gossip worker and Kafka bridge to Kafka `blocks`,
# next to a raw librdkafka producer, both against one mock-cluster broker in
# the same run.  Prints both lines and the daemon's share of raw throughput.
#   bench/kafka_bench.sh build/release [N] [WINDOW]
set -eu
B=${1:-build/release}
N=${2:-20000}
W=${3:-100}
dir=$(mktemp -d /tmp/tp-kbench-XXXXXX)
broker=
cleanup() {
	exec 3>&- 2>/dev/null || true
	[ -n "$broker" ] && wait "$broker" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

mkfifo "$dir/in"
"$B/tests/kafka_mock_broker" -t blocks -t subtrees -t rejectedtx \
	-t invalid-blocks -t invalid-subtrees \
	<"$dir/in" >"$dir/out" &
broker=$!
exec 3>"$dir/in"
i=0
until grep -q '^bootstrap=' "$dir/out" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "broker did not start" >&2; exit 1; }
	sleep 0.1
done
bootstrap=$(sed -n 's/^bootstrap=//p' "$dir/out")
echo "Kafka bridge bench: $N announcements, at most $W in flight, broker $bootstrap"
raw=$("$B/bench/kafka_bench" raw "$bootstrap" "$N" "$W") || { echo "  raw run incomplete: $raw"; exit 1; }
echo "  $raw"
via=$("$B/bench/kafka_bench" daemon "$bootstrap" "$N" "$W" "$B/terap2pd") || { echo "  daemon run incomplete: $via"; exit 1; }
echo "  $via"
r=$(echo "$raw" | sed -n 's/.* \([0-9][0-9]*\) msgs\/s.*/\1/p')
v=$(echo "$via" | sed -n 's/.* \([0-9][0-9]*\) msgs\/s.*/\1/p')
awk -v r="$r" -v v="$v" 'BEGIN {
	printf "  daemon/raw throughput: %.2f (cost %.0f%% of raw; goal < 20%%)\n",
	    v / r, (1 - v / r) * 100 }'
