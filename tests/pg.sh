#!/bin/sh
# A private, throw-away PostgreSQL server for tests.
#   tests/pg.sh start DIR   initdb (trust auth) DIR, start it on a free port
#                           bound to 127.0.0.1 with its socket in DIR, print
#                           its URL postgres://postgres@127.0.0.1:PORT/postgres
#   tests/pg.sh stop DIR    stop it (fast), keep the data
#   tests/pg.sh restart DIR start an initialised DIR again on its port
#   tests/pg.sh url DIR     print the URL again
#   tests/pg.sh destroy DIR stop it and remove DIR
# initdb and postgres refuse to run as root, so as root they run as the
# `postgres` user (DIR is handed to it).  PGBIN overrides the binaries.
set -e
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
cmd=$1
dir=$2
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|restart|url|destroy DIR" >&2; exit 2; }

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

url() {
	echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/postgres"
}

start() {
	as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
	    -o "-p $(cat "$dir/port") -k $dir -c listen_addresses=127.0.0.1 -c fsync=on" \
	    start >/dev/null
}

case $cmd in
start)
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[ "$(id -u)" = 0 ] && chown postgres "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_pg "$PGBIN/initdb" -A trust -U postgres -D "$dir/data" >"$dir/initdb.log" 2>&1 ||
		    { cat "$dir/initdb.log" >&2; exit 1; }
	fi
	free_port >"$dir/port"
	start
	url
	;;
restart)
	dir=$(cd "$dir" && pwd)
	start
	url
	;;
stop)
	dir=$(cd "$dir" && pwd)
	as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	;;
url)
	dir=$(cd "$dir" && pwd)
	url
	;;
destroy)
	if [ -d "$dir" ]; then
		dir=$(cd "$dir" && pwd)
		as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
		rm -rf "$dir"
	fi
	;;
*)
	echo "usage: $0 start|stop|restart|url|destroy DIR" >&2
	exit 2
	;;
esac
