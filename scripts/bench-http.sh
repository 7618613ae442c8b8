#!/usr/bin/env bash
# Benchmark: GET /status from the cache over loopback keep-alive, 16 connections, measured with oha
# (or wrk when oha is not installed; oha is installed with `cargo install oha --locked` when neither
# is): requests/s and latency percentiles, once with everything open and no redaction, once with a
# bearer token and the default redaction policy plus hash rules (redaction runs once per snapshot,
# so the difference is the token check), then `/metrics` (rendered once per snapshot), and in the
# same invocation the baseline: a small Python server (`http.server`, HTTP/1.1 keep-alive, a thread
# per connection) sending the same `/status` bytes, serialized once. When nginx is installed (the
# script does not install it), a reference run follows: nginx, one process, pinned as the servers
# are, sending the same bytes from a file. It shows the floor of the machine's latency tail: on a
# virtual machine whose vCPUs are slow to wake or are taken away for milliseconds, p99 over 16
# loopback connections measures the machine as much as the server.
#
# Servers and load generator are pinned apart (taskset, when there are 2 cores or more): the servers
# to core 0, the load generator to the others, with one load thread per core it has. Unpinned on a
# 2-core machine, wrk's two threads and the server's one worker share both cores, and p99 measures
# the scheduler's wait (3.8 ms) rather than the server; `PIN=0` runs them unpinned, as before.
#
#   scripts/bench-http.sh            10 s per run
#   DURATION=30s scripts/bench-http.sh
#   PIN=0 scripts/bench-http.sh      unpinned, every process free to use every core
#   BIN=path/to/status-cli scripts/bench-http.sh    that binary instead of a release build
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${DURATION:-10s}"
command -v oha >/dev/null || command -v wrk >/dev/null || cargo install oha --locked
if [ -n "${BIN:-}" ]; then
  bin=$BIN
else
  cargo build --release -p status-cli
  bin=${CARGO_TARGET_DIR:-target}/release/status-cli
fi

cores=$(nproc)
server_pin=() load_pin=() load_threads=$cores
if [ "${PIN:-1}" != 0 ] && [ "$cores" -ge 2 ] && command -v taskset >/dev/null; then
  server_pin=(taskset -c 0) load_pin=(taskset -c "1-$((cores - 1))") load_threads=$((cores - 1))
  echo "== servers pinned to core 0, the load generator to cores 1-$((cores - 1)) ($load_threads thread(s))"
else
  echo "== unpinned: servers and the load generator share $cores core(s)"
fi

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
  "${server_pin[@]}" "$bin" serve --config "$config" > /dev/null 2> "$log" &
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

# The baseline: the same /status bytes, pre-serialized, from Python.
python3 -c "import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen('http://$open/status').read())" > "$dir/status.json"
cat > "$dir/baseline.py" <<'PY'
import http.server, sys
body = open(sys.argv[1], "rb").read()
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    def handle_error(self, request, client_address):
        # The load generator resets its connections when a run ends: not an error of the server.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)
server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
"${server_pin[@]}" python3 "$dir/baseline.py" "$dir/status.json" > "$dir/python.port" &
pids+=($!)
for _ in $(seq 100); do [ -s "$dir/python.port" ] && break; sleep 0.1; done
python=127.0.0.1:$(cat "$dir/python.port")

# load URL [header]: 16 connections for $duration, after 2 s of the same load untimed (the first
# requests fault the server's code and buffers in). One request is checked first: a server that
# answers with an error would be measured sending its error page, so the script stops instead.
load() {
  python3 -c '
import sys, urllib.request
request = urllib.request.Request(sys.argv[1])
if sys.argv[2]:
    name, value = sys.argv[2].split(": ", 1)
    request.add_header(name, value)
try:
    with urllib.request.urlopen(request, timeout=5) as response:
        print(f"   checked: {response.status}, {len(response.read())} bytes")
except Exception as error:
    sys.exit(f"bench-http.sh: {sys.argv[1]} does not answer 200 ({error}); not measuring it")
' "$1" "${2:-}"
  if command -v oha >/dev/null; then
    "${load_pin[@]}" oha --no-tui -z 2s -c 16 ${2:+-H "$2"} "$1" > /dev/null
    "${load_pin[@]}" oha --no-tui -z "$duration" -c 16 ${2:+-H "$2"} "$1"
  else
    "${load_pin[@]}" wrk -t "$load_threads" -c 16 -d 2s ${2:+-H "$2"} "$1" > /dev/null
    "${load_pin[@]}" wrk -t "$load_threads" -c 16 -d "$duration" --latency ${2:+-H "$2"} "$1"
  fi
}

echo "== /status, no token, no redaction ($open), 16 connections, $duration"
load "http://$open/status"
echo "== /status, bearer token + default redaction + hash rules ($guarded), 16 connections, $duration"
load "http://$guarded/status" "Authorization: Bearer $token"
echo "== /metrics, no token ($open), 16 connections, $duration"
load "http://$open/metrics"
echo "== baseline: Python http.server sending the same $(wc -c < "$dir/status.json") bytes of /status ($python), 16 connections, $duration"
load "http://$python/status"

if command -v nginx >/dev/null; then
  mkdir -p "$dir/nginx/html"
  cp "$dir/status.json" "$dir/nginx/html/status"
  nginx_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # One process that serves, as the user running the script: a worker that switched to nobody
  # could not read the private temporary directory and would answer 403.
  cat > "$dir/nginx/nginx.conf" <<CONF
master_process off;
daemon off;
error_log $dir/nginx/error.log;
pid $dir/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000000;
  tcp_nodelay on;
  client_body_temp_path $dir/nginx;
  server {
    listen 127.0.0.1:$nginx_port;
    root $dir/nginx/html;
    location / { default_type application/json; }
  }
}
CONF
  "${server_pin[@]}" nginx -c "$dir/nginx/nginx.conf" -p "$dir/nginx" 2> "$dir/nginx/stderr" &
  pids+=($!)
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$nginx_port") 2>/dev/null && break
    sleep 0.1
  done
  echo "== reference: nginx (one process) sending the same bytes from a file (127.0.0.1:$nginx_port), 16 connections, $duration"
  load "http://127.0.0.1:$nginx_port/status"
fi
