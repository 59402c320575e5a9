#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TFTP timers, limits and reload, driven packet by packet by tests/integration/tftp_peer.py:
# SIGHUP during a transfer, the session cap, the per-client rate limit, retransmission with
# backoff, abandoning a silent client, and a window restarted after a lost block.
. "$(dirname "$0")/../lib.sh"

peer="python3 $(dirname "$0")/tftp_peer.py"

if ! why=$(have_server); then
	skip tftp_limits "$why"
	exit 0
fi
if [[ "$BOOTHERD_TEST_SERVER" != bootherd ]]; then
	skip tftp_limits "bootherd-only behaviour (limits, reload)"
	exit 0
fi

mkdir -p "$T/root" "$T/root2"
head -c 20000 /dev/urandom >"$T/root/slow.bin"
head -c 300000 /dev/urandom >"$T/root/win.bin"
head -c 3000 /dev/urandom >"$T/root/small.bin"
echo "only in the second root" >"$T/root2/new.txt"
port=$(free_port)

write_conf()	# write_conf ROOT EXTRA-YAML [FILE]
{
	cat >"${3:-$T/bootherd.yaml}" <<YAML
listen: 127.0.0.1
tftp:
  port: $port
  timeout_ms: 200
  retries: 3
http:
  enabled: false
roots:
  - path: $1
$2
YAML
}

# --- reload during a transfer; the new root serves new requests
write_conf "$T/root" ""
start_bootherd -c "$T/bootherd.yaml" || { fail tftp_limits "server did not start"; exit 1; }
echo "$SERVER_PID" >"$T/pid"
# Staged beside it: bootherd watches its file, so the new one is renamed in mid-transfer.
write_conf "$T/root2" "" "$T/bootherd.yaml.next"
if out=$($peer "$port" reload "$T/root/slow.bin" "$T/pid" "$T/bootherd.yaml.next" \
	"$T/bootherd.yaml" 2>&1); then
	if grep -q "reloaded .*generation 2" "$SERVER_LOG"; then
		ok reload_keeps_transfer_in_flight
	else
		fail reload_keeps_transfer_in_flight "transfer intact but no 'reloaded' log line"
	fi
else
	fail reload_keeps_transfer_in_flight "$out"
fi
if curl -s -o "$T/new.txt" "tftp://127.0.0.1:$port/new.txt" &&
	cmp -s "$T/new.txt" "$T/root2/new.txt"; then
	ok reload_new_root_serves
else
	fail reload_new_root_serves "new.txt from the reloaded root not served"
fi
stop_bootherd

# --- retransmission, abandon, window loss
write_conf "$T/root" ""
start_bootherd -c "$T/bootherd.yaml" || { fail tftp_limits "server did not start"; exit 1; }
if out=$($peer "$port" retransmit "$T/root/small.bin" 2>&1); then
	ok retransmit_after_timeout
else
	fail retransmit_after_timeout "$out"
fi
if out=$($peer "$port" abandon "$T/root/small.bin" 2>&1); then
	sleep 0.5
	if grep -q '"small.bin".*timed out' "$SERVER_LOG"; then
		ok abandon_silent_client "DATA 1 sent $out times"
	else
		fail abandon_silent_client "no 'timed out' log line"
	fi
else
	fail abandon_silent_client "$out"
fi
if out=$($peer "$port" window_loss "$T/root/win.bin" 2>&1); then
	ok window_restarts_after_loss
else
	fail window_restarts_after_loss "$out"
fi
stop_bootherd

# --- session cap: two held transfers fill it; a third request is dropped and logged
write_conf "$T/root" "limits:
  max_sessions: 2"
start_bootherd -c "$T/bootherd.yaml" || { fail tftp_limits "server did not start"; exit 1; }
coproc HOLD { $peer "$port" hold "$T/root/small.bin" 2 2>&1; }
track_pid "$HOLD_PID"
read -r -t 15 line <&"${HOLD[0]}"
if [[ "$line" != READY ]]; then
	fail session_cap "could not open two transfers: $line"
elif ! out=$($peer "$port" unanswered "$T/root/small.bin" 2>&1); then
	fail session_cap "$out"
elif ! grep -q "session cap (2) reached" "$SERVER_LOG"; then
	fail session_cap "no log line for the cap"
else
	ok session_cap
fi
echo >&"${HOLD[1]}"
wait "$HOLD_PID" 2>/dev/null
stop_bootherd

# --- per-client rate limit: burst 3 at 1/s: 5 quick requests, 3 answered, and a log line
write_conf "$T/root" "limits:
  client_rate: 1
  client_burst: 3"
start_bootherd -c "$T/bootherd.yaml" || { fail tftp_limits "server did not start"; exit 1; }
n=$($peer "$port" burst missing.cfg 5 2>&1)
if [[ "$n" != 3 ]]; then
	fail client_rate_limit "expected 3 of 5 requests answered, got $n"
elif ! grep -q "over the per-client rate limit" "$SERVER_LOG"; then
	fail client_rate_limit "no log line for the limit"
else
	ok client_rate_limit
fi
stop_bootherd
