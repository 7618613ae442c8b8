#!/usr/bin/env bash
# What the facade's features cost a host: the README's embedding example built cold in release, with
# `default-features = false, features = ["http"]` (minimal) and with every feature (full). Prints,
# for each: crates compiled, cold build seconds, release binary size, idle RSS after the first
# collection. Slow (two cold release builds): run by hand, not in CI.
#   scripts/feature-costs.sh [PORT]    (the example is run with a status.toml binding 127.0.0.1:PORT)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
port=${1:-18484}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The first ```toml and ```rust blocks after "## Embedding".
block() {
  awk -v lang="$1" '/^## Embedding/{on=1} on && !inside && $0 ~ "^```" lang {inside=1; next}
    inside && /^```/{exit} inside{print}' "$root/README.md"
}

for variant in minimal full; do
  case $variant in
    minimal) options=', default-features = false, features = ["http"]' ;;
    full) options=', features = ["http", "git", "sqlite", "mock"]' ;;
  esac
  dir="$work/$variant"
  mkdir -p "$dir/src"
  {
    printf '[package]\nname = "example-%s"\nversion = "0.1.0"\nedition = "2024"\n\n[workspace]\n\n' "$variant"
    block toml | sed "s|^status = {.*|status = { path = \"$root/crates/status\"$options }|"
  } >"$dir/Cargo.toml"
  block rust >"$dir/src/main.rs"
  cp "$root/Cargo.lock" "$dir/Cargo.lock"
  start=$(date +%s.%N)
  crates=$(cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo build --release --offline 2>&1 | grep -c '^ *Compiling ')
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  binary="$dir/target/release/example-$variant"
  size=$(stat -c %s "$binary")
  run="$work/run-$variant"
  mkdir -p "$run"
  printf '[http]\nbind = "127.0.0.1:%s"\n[state]\ndir = "%s/state"\n' "$port" "$run" >"$run/status.toml"
  (cd "$run" && exec "$binary" >/dev/null) &
  pid=$!
  for _ in $(seq 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/status" && break
    sleep 0.1
  done
  sleep 5
  rss=$(awk '/^VmRSS/{print $2}' "/proc/$pid/status")
  kill -INT "$pid"
  wait "$pid" || true
  printf '%-8s crates compiled: %4d  cold build: %6.1f s  binary: %5.1f MB  idle RSS: %5.1f MB\n' \
    "$variant" "$crates" "$seconds" "$(echo "$size / 1000000" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
done
