#!/usr/bin/env bash
# compare.sh: edge CPU per delivered message of two edge builds, in
# alternating runs on the same machine (docs/benchmarks.md).
#
#   compare.sh [-n NODES] [-r ROUNDS] OLD_EDGE NEW_EDGE -- EDGELOAD_ARGS...
#
# Each run starts NODES edges (1, or 3 forming a region on loopback: NATS
# routes, replicas 3, one region secret) on fresh data directories with
# --dev and the per-connection rate limits lifted, waits for /readyz,
# runs edgeload against the first node, and prints one line per run:
# the build, delivered messages, msgs/s, p50/p99 and the CPU all the
# edges used (utime+stime from /proc, over edgeload's whole run)
# divided by the messages delivered. EDGELOAD (default: built into a
# temporary directory) is the load generator.
set -euo pipefail

nodes=1 rounds=3
while getopts n:r: o; do
	case $o in
	n) nodes=$OPTARG ;;
	r) rounds=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 3 ] || [ "$3" != "--" ]; then
	echo "usage: compare.sh [-n 1|3] [-r ROUNDS] OLD_EDGE NEW_EDGE -- EDGELOAD_ARGS..." >&2
	exit 2
fi
old=$1 new=$2
shift 3
case $nodes in 1 | 3) ;; *)
	echo "compare.sh: -n is 1 or 3" >&2
	exit 2
	;;
esac

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

load=${EDGELOAD:-}
if [ -z "$load" ]; then
	load=$work/edgeload
	# a package path, not a directory name ("edge/cmd/edgeload" alone
	# names a standard-library package)
	(cd "$(dirname "$0")" && go build -o "$load" .)
fi
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/region.key"
chmod 600 "$work/region.key"

base=$((20000 + RANDOM % 20000))
tick=$(getconf CLK_TCK)

cpu() { # the ticks the given processes have used
	local sum=0 p f
	for p in "$@"; do
		read -ra f <"/proc/$p/stat"
		# fields 14 and 15 (utime, stime), counted after the command name
		sum=$((sum + f[13] + f[14]))
	done
	echo $sum
}

run() { # build label
	local bin=$1 label=$2 i
	shift 2
	pids=()
	for ((i = 0; i < nodes; i++)); do
		local dir=$work/$label-$i http=$((base + i)) route=$((base + 10 + i))
		rm -rf "$dir"
		mkdir -p "$dir"
		{
			echo "gateway: {customer_rate: 1000000, agent_rate: 1000000}"
			echo "auth: {key_file: $work/region.key}"
			if [ "$nodes" = 3 ]; then
				echo "node: {id: node-$i}"
				echo "nats:"
				echo "  replicas: 3"
				echo "  cluster:"
				echo "    name: bench"
				echo "    listen: 127.0.0.1:$route"
				echo "    routes:"
				for ((j = 0; j < nodes; j++)); do
					[ "$j" = "$i" ] || echo "      - nats-route://127.0.0.1:$((base + 10 + j))"
				done
			fi
		} >"$dir.yaml"
		"$bin" --dev --config "$dir.yaml" --data "$dir" --http "127.0.0.1:$http" --log-level warn >"$dir.log" 2>&1 &
		pids+=($!)
	done
	for ((i = 0; i < nodes; i++)); do
		local tries=0
		until curl -sf "http://127.0.0.1:$((base + i))/readyz" >/dev/null; do
			tries=$((tries + 1))
			if [ $tries -gt 600 ]; then
				echo "compare.sh: node $i of $label did not become ready; its log:" >&2
				cat "$work/$label-$i.log" >&2
				exit 1
			fi
			sleep 0.1
		done
	done
	local before after out status=0 log=$work/$label-edgeload.log
	local cmd=("$load" --addr "http://127.0.0.1:$base" "$@")
	before=$(cpu "${pids[@]}")
	"${cmd[@]}" >"$log" 2>"$log.err" || status=$?
	after=$(cpu "${pids[@]}")
	if [ "$status" != 0 ]; then
		# set -e would end the script here without a word: say what failed
		{
			echo "compare.sh: edgeload failed against the $label build ($bin), exit status $status:"
			printf '  '
			printf '%q ' "${cmd[@]}"
			echo
			echo "its last lines (stderr, then stdout):"
			tail -n 20 "$log.err" | sed 's/^/  /'
			tail -n 5 "$log" | sed 's/^/  /'
		} >&2
		exit 1
	fi
	out=$(tail -n 1 "$log")
	for p in "${pids[@]}"; do kill -TERM "$p"; done
	wait "${pids[@]}" 2>/dev/null || true
	pids=()
	local delivered rate p50 p99 lost dup
	field() { echo "$out" | grep -o "\"$1\":[0-9.e+-]*" | head -n 1 | cut -d: -f2 || true; } # "" when absent
	delivered=$(field delivered) rate=$(field msgs_per_s) p50=$(field p50_ms) p99=$(field p99_ms) lost=$(field lost) dup=$(field dup)
	if [ -z "$delivered" ] || [ "$delivered" = 0 ]; then
		echo "compare.sh: edgeload delivered nothing: $out" >&2
		exit 1
	fi
	awk -v l="$label" -v d="$delivered" -v r="$rate" -v p50="$p50" -v p99="$p99" -v lo="$lost" -v du="$dup" \
		-v c=$((after - before)) -v t="$tick" -v n="$nodes" \
		'BEGIN { printf "%s nodes=%d delivered=%d msgs/s=%.0f p50=%.1fms p99=%.1fms lost=%d dup=%d cpu=%.1fs us/msg=%.1f\n", l, n, d, r, p50, p99, lo, du, c / t, c / t / d * 1e6 }'
}

for ((r = 1; r <= rounds; r++)); do
	run "$old" old "$@"
	run "$new" new "$@"
done
