#!/usr/bin/env bash
# Starts Edgedesk on this machine as it runs in production, in miniature: a
# hub and two edges of different regions (eu and us), each edge enrolled
# with the hub's dev token and shipping its event log to it. Every process
# prints the URLs it serves. Ctrl-C stops all three.
#
#   DATA=./.edgedesk-data BIN=bin deploy/run-local.sh   (make run does this)
set -euo pipefail
set -m # each process in its own group: Ctrl-C reaches this script alone, which stops them once, in order
DATA=${DATA:-./.edgedesk-data}
BIN=${BIN:-bin}
PLUGIN_KEY=${PLUGIN_KEY:-$BIN/plugin-dev}
HUB_QUIC=${HUB_QUIC:-127.0.0.1:4443}
mkdir -p "$DATA"
pids=()
stop() {
	trap - EXIT INT TERM
	# the edges first, so they do not see their hub go
	kill -TERM "${pids[@]:1}" 2>/dev/null || true
	wait "${pids[@]:1}" 2>/dev/null || true
	kill -TERM "${pids[0]}" 2>/dev/null || true
	wait "${pids[0]}" 2>/dev/null || true
}
trap stop EXIT INT TERM

"$BIN/hub" --dev --data "$DATA/hub" --http 127.0.0.1:8090 --quic "$HUB_QUIC" &
pids+=($!)
for _ in $(seq 100); do
	[ -s "$DATA/hub/dev-enroll-token" ] && break
	sleep 0.1
done
[ -s "$DATA/hub/dev-enroll-token" ] || { echo "run-local: the hub did not start" >&2; exit 1; }

edge() { # region, http port, TURN port, SMTP port
	"$BIN/edge" --dev --data "$DATA/edge-$1" --http "127.0.0.1:$2" --node-id "$1-1" --region "$1" \
		--hub "$HUB_QUIC" --enroll-token-file "$DATA/hub/dev-enroll-token" --plugin-keys "$PLUGIN_KEY.pub" \
		--turn "127.0.0.1:$3" --smtp "127.0.0.1:$4" &
	pids+=($!)
}
# the shipped plugins, as an operator installs them (make packages built them)
install_plugins() { # region, http port
	for _ in $(seq 100); do
		"$BIN/edge" plugin list --edge "http://127.0.0.1:$2" --token-file "$DATA/edge-$1/dev-admin-token" >/dev/null 2>&1 && break
		sleep 0.1
	done
	for p in routing nlp triage; do
		"$BIN/edge" plugin install --edge "http://127.0.0.1:$2" --token-file "$DATA/edge-$1/dev-admin-token" "$BIN/plugins/$p"
	done
}
edge eu 8080 3478 2525
edge us 8081 3479 2526
install_plugins eu 8080
install_plugins us 8081
cat <<MSG

Edgedesk is running: a hub and two edges.
  Hub API       http://127.0.0.1:8090/api/v1/edges  (Authorization: Bearer \$(cat $DATA/hub/dev-admin-token))
  Edge eu       http://127.0.0.1:8080/demo  (shop)   http://127.0.0.1:8080/console/  (agents)
  Edge us       http://127.0.0.1:8081/demo  (shop)   http://127.0.0.1:8081/console/  (agents)
  Agents        alice@demo.test (admin), bob@demo.test, carol@demo.test; password edgedesk-demo
  TURN          turn:127.0.0.1:3478 (eu), turn:127.0.0.1:3479 (us); credentials: GET /api/v1/ice-servers with a session token
  E-mail        swaks --server 127.0.0.1:2525 --to support@demo.test --from you@example.com --header "Subject: Hello" --body "Where is my order?"
                (eu; us: 2526) opens a conversation in the console; replies go out once email.relay is set (docs/email.md)
  Plugins       $BIN/edge plugin list --edge http://127.0.0.1:8080 --token-file $DATA/edge-eu/dev-admin-token
Ctrl-C stops all three.
MSG
wait -n "${pids[@]}"
