#!/bin/sh
# Install (as root) or name (otherwise) the Debian packages terap2p needs.
#   scripts/deps.sh run    build and run the daemon
#   scripts/deps.sh test   also everything the test suite uses
set -eu

BUILD="gcc make pkg-config libevent-dev libnng-dev librdkafka-dev libpq-dev \
libsodium-dev libcjson-dev libprotobuf-c-dev protobuf-c-compiler libsqlite3-dev \
libcurl4-openssl-dev libssl-dev libgrpc-dev libc-ares-dev libsystemd-dev"
TEST="check clang libclang-rt-14-dev postgresql curl chromium kcat wrk openssl dnsmasq-base prometheus"

want=$BUILD
[ "${1:-run}" = test ] && want="$BUILD $TEST"

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
# Node.js (20 or later) runs the js-libp2p peers of the interop tests
if [ "${1:-run}" = test ] && ! command -v node >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "terap2p needs these Debian packages; as root run:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
