#!/usr/bin/env bash
# Benchmark: GET /status from the cache over loopback keep-alive, 16 connections, measured with oha
# (installed with `cargo install oha --locked` when missing): requests/s and latency percentiles,
# once with everything open and no redaction, once with a bearer token and the default redaction
# policy plus hash rules. Redaction runs once per snapshot, so the difference is the token check.
#
#   scripts/bench-http.sh            10 s per run
#   DURATION=30s scripts/bench-http.sh
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${DURATION:-10s}"
command -v oha >/dev/null || cargo install oha --locked
cargo build --release -p status-cli
bin=${CARGO_TARGET_DIR:-target}/release/status-cli

dir=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$token" > "$dir/token"
chmod 600 "$dir/token"
cat > "$dir/open.toml" <<EOF
[http]
bind = "127.0.0.1:0"
[redact]
defaults = false
EOF
cat > "$dir/guarded.toml" <<EOF
[http]
bind = "127.0.0.1:0"
token_file = "$dir/token"
[redact]
hash = ["host.disks", "tasks.tasks.group", "queue.per_group"]
EOF

# Starts a server with a config; sets `addr` once its /status answers 200. Not run in `$(...)`: the
# server would keep the substitution's pipe open.
start() {
  local config=$1 log=$dir/$(basename "$1").log
  "$bin" serve --config "$config" > /dev/null 2> "$log" &
  pids+=($!)
  addr=""
  for _ in $(seq 100); do
    addr=$(grep -o 'http://[0-9.:]*' "$log" | head -1 | sed 's|http://||') && [ -n "$addr" ] && break
    sleep 0.1
  done
  for _ in $(seq 100); do
    local host=${addr%:*} port=${addr##*:}
    exec 3<>"/dev/tcp/$host/$port"
    printf 'GET /status HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' "$addr" "$token" >&3
    local status
    status=$(head -1 <&3 | cut -d' ' -f2)
    exec 3<&-
    [ "$status" = 200 ] && break
    sleep 0.1
  done
}

start "$dir/open.toml"
open=$addr
start "$dir/guarded.toml"
guarded=$addr

echo "== /status, no token, no redaction ($open), 16 connections, $duration"
oha --no-tui -z "$duration" -c 16 "http://$open/status"
echo "== /status, bearer token + default redaction + hash rules ($guarded), 16 connections, $duration"
oha --no-tui -z "$duration" -c 16 -H "Authorization: Bearer $token" "http://$guarded/status"
