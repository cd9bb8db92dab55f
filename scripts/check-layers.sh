#!/bin/sh
# The gossip worker's layers include only downward:
#   libp2p/  <  pubsub/, kad/  <  teranode/  <  the worker's glue (gossip.c, ...)
# A file fails the check when it includes a header of a higher layer, when
# it includes a layer folder's header other than its door (libp2p/libp2p.h,
# pubsub/pubsub.h, kad/kad.h, teranode/teranode.h) from outside that folder, or when
# another process's code includes any of them.  Unit tests and benchmarks
# (tests/, bench/) are white-box: they may include a layer's inner headers,
# never the glue's.
#   scripts/check-layers.sh [ROOT]     exit 1 and one line per offence
set -u
ROOT=${1:-.}
G=workers/gossip
fail=0

# rank of a folder-qualified header name, or of a file's own place
rank_of_header() {
	case $1 in
	libp2p/*) echo 1 ;;
	pubsub/*) echo 2 ;;
	kad/*) echo 2 ;;
	teranode/*) echo 3 ;;
	gossip.h) echo 4 ;;
	*) echo 0 ;;
	esac
}

rank_of_file() {
	case $1 in
	$G/libp2p/*) echo 1 ;;
	$G/pubsub/*) echo 2 ;;
	$G/kad/*) echo 2 ;;
	$G/teranode/*) echo 3 ;;
	$G/*) echo 4 ;;
	tests/*|bench/*) echo T ;;
	*) echo 0 ;;
	esac
}

door_of() {
	case $1 in
	libp2p/*) echo libp2p/libp2p.h ;;
	pubsub/*) echo pubsub/pubsub.h ;;
	kad/*) echo kad/kad.h ;;
	teranode/*) echo teranode/teranode.h ;;
	*) echo "$1" ;;
	esac
}

bad() {
	bf=$1 bi=$2
	shift 2
	echo "check-layers: $bf: includes \"$bi\": $*" >&2
	fail=1
}

cd "$ROOT" || exit 1
files=$(find workers supervisor common tools tests/unit tests/fuzz \
    tests/integration bench -name '*.[ch]' 2>/dev/null | sort)
for f in $files; do
	fr=$(rank_of_file "$f")
	dir=$(dirname "$f")
	grep -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
	    sed -E 's/^[^"]*"([^"]*)".*/\1/' > "${TMPDIR:-/tmp}/check-layers.$$"
	while read -r inc; do
		# a layer's header by another path (../, workers/gossip/...)
		case $inc in
		*workers/gossip/*|../*gossip*)
			bad "$f" "$inc" "name a gossip header by its folder" \
			    "(libp2p/..., pubsub/..., teranode/...)"
			continue ;;
		esac
		# inside the worker, its own headers only by folder
		if [ "$fr" != 0 ] && [ "$fr" != T ] && [ "$inc" != gossip.h ] &&
		    [ "${inc#*/}" = "$inc" ] && [ -f "$dir/$inc" ] &&
		    [ "$dir" != "$G" ]; then
			bad "$f" "$inc" "name it by its folder"
			continue
		fi
		hr=$(rank_of_header "$inc")
		[ "$hr" = 0 ] && continue
		case $fr in
		0)
			bad "$f" "$inc" "another process's code includes the" \
			    "gossip worker's headers"
			;;
		T)
			[ "$hr" = 4 ] && bad "$f" "$inc" "tests and benchmarks" \
			    "use the layers, not the glue"
			;;
		*)
			if [ "$hr" -gt "$fr" ]; then
				bad "$f" "$inc" "a higher layer's header"
			elif [ "$hr" -lt "$fr" ] && [ "$hr" != 4 ] &&
			    [ "$inc" != "$(door_of "$inc")" ]; then
				bad "$f" "$inc" "not the door of its layer" \
				    "($(door_of "$inc"))"
			fi
			;;
		esac
	done < "${TMPDIR:-/tmp}/check-layers.$$"
	rm -f "${TMPDIR:-/tmp}/check-layers.$$"
done
[ $fail = 0 ] && echo "check-layers: gossip layers include only downward, by their doors"
exit $fail
