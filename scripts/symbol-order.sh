#!/usr/bin/env bash
# Regenerates crates/status-cli/symbol-order.txt: the functions a `serve` runs, in the order the
# release build's linker places them (see crates/status-cli/build.rs for why).
#
#   scripts/symbol-order.sh           build target/release/status-cli, run it under callgrind, write the file
#   scripts/symbol-order.sh --check   how many of the file's names target/release/status-cli still has
#
# Needs valgrind and nm. Two runs of `serve` on the default config (collecting every 10 s), each
# under callgrind for $ORDER_SECONDS (default 40): the first left idle (start-up, collections), the
# second asked every endpoint. The first run's functions come first, then those only answering
# requests runs, so an idle server's code is packed tightest. Only names the binary defines are kept.
# Regenerate after changing the code a collection runs, the dependencies or the compiler.
set -euo pipefail
cd "$(dirname "$0")/.."
out=crates/status-cli/symbol-order.txt
bin=target/release/status-cli
seconds=${ORDER_SECONDS:-40}
port=${ORDER_PORT:-18485}

defined() { nm --defined-only "$bin" | awk '$2 ~ /^[tTwW]$/ {print $3}' | sort -u; }

if [ "${1:-}" = "--check" ]; then
  total=$(grep -c . "$out" || true)
  found=$(comm -12 <(sort -u "$out") <(defined) | wc -l)
  echo "$found of $total names in $out are defined in $bin"
  exit 0
fi

command -v valgrind >/dev/null || { echo "symbol-order.sh needs valgrind" >&2; exit 1; }
cargo build --release -p status-cli
dir=$(mktemp -d)
pid=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$dir"' EXIT
cat >"$dir/status.toml" <<TOML
[collect]
interval = "10s"
[http]
bind = "127.0.0.1:$port"
[state]
dir = "$dir/state"
TOML

# run NAME [requests]: serve under callgrind for $seconds; with "requests", every endpoint is asked
# each second once it answers. Writes the functions it ran, in first-seen order, to $dir/NAME.
run() {
  valgrind --tool=callgrind --demangle=no --callgrind-out-file="$dir/$1.out" \
    "$bin" serve --config "$dir/status.toml" >"$dir/$1.log" 2>&1 &
  pid=$!
  local end=$((SECONDS + seconds))
  while [ "$SECONDS" -lt "$end" ]; do
    if [ "${2:-}" = requests ]; then
      for path in / /status '/status?terse=1' /status/process /health /livez '/readyz?verbose' /metrics; do
        curl -sf -o /dev/null "http://127.0.0.1:$port$path" || true
      done
      curl -sf -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/status" || true
      curl -sf -o /dev/null -H 'Accept: application/openmetrics-text' "http://127.0.0.1:$port/metrics" || true
    fi
    sleep 1
  done
  kill -INT "$pid"
  wait "$pid" || true
  pid=
  grep -oE '^c?fn=\([0-9]+\) .*' "$dir/$1.out" | sed -E 's/^c?fn=\([0-9]+\) //' | awk '!seen[$0]++' >"$dir/$1"
}

run idle
run requests requests
defined >"$dir/defined"
cat "$dir/idle" "$dir/requests" | awk '!seen[$0]++' |
  awk 'NR == FNR {keep[$0] = 1; next} keep[$0]' "$dir/defined" - >"$out"
echo "wrote $out: $(wc -l <"$out") functions ($(grep -c . "$dir/idle") run idle, $(grep -c . "$dir/requests") answering requests)"
