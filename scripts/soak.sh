#!/usr/bin/env bash
# Soak: a real `status-cli serve` on 127.0.0.1 under a failing disk, a hook storm and a probe storm
# for a bounded time; at the end, the server's open descriptors, RSS and threads must be back within
# 10 % of what they were once warmed up (nothing leaked: at most 10 % above).
#
#   scripts/soak.sh            10 minutes
#   scripts/soak.sh 120        2 minutes (seconds)
#
# What the server goes through, all loopback and all bounded:
# - failing disk: its state dir (history store, files) is a 64 MiB tmpfs (room for the store's WAL,
#   which grows to 4 MiB between checkpoints) that is filled to the last byte for 20 s of every
#   minute (SQLITE_FULL), and made immutable (`chattr +i`, read-only even for root) for another 20 s; both need root, and without it the dir is made 0500 instead (which
#   blocks writes only when not root);
# - hook storm: 8 command hooks on every change (at most 4 run at once; the rest are dropped), each
#   starting `sleep` children, printing 2 MB and hanging until its 300 ms timeout kills its group;
# - probe storm: a host database with 3 probes that would run for minutes (interrupted at the
#   deadline) and 3 quick ones, collected at every `?fresh=1` a client loop asks for (4 a second).
# The server's fd count, RSS and thread count are sampled from /proc after a warm-up (half the run,
# at most 5 minutes) and at the end, each time in a quiet spell (see quiet_sample), and twice a
# minute in between.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-600}"
case "$duration" in '' | *[!0-9]*) echo "usage: $0 [seconds]" >&2; exit 2 ;; esac
[ "$duration" -ge 120 ] || { echo "soak: at least 120 seconds" >&2; exit 2; }

cargo build -q -p status-cli
bin=${CARGO_TARGET_DIR:-target}/debug/status-cli

dir=$(mktemp -d /tmp/status-soak.XXXXXX)
chmod 700 "$dir"
state="$dir/state"
mkdir -m 700 "$state"
# Made immutable in the read-only phase. Not the store's -shm file: SQLite maps it, and a write
# fault on an immutable mapping is a SIGBUS, a failure no file system gives a store on its own.
immutable=("$state" "$state/status.db" "$state/status.db-wal" "$state/files")
root=false
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=64m,mode=0700 tmpfs "$state" 2>/dev/null; then
  root=true
fi
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if $root; then
    chattr -i "${immutable[@]}" 2>/dev/null || true
    umount -l "$state" 2>/dev/null || true
  fi
  chmod -R u+rwx "$dir" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A host database: an empty file is an empty SQLite database.
: > "$dir/app.db"
forever='WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c'
# `sleep 61.5`: a command line no other process has, so leftovers can be counted.
hook='sleep 61.5 & sleep 61.5 & head -c 2000000 /dev/zero; sleep 61.5'
{
  cat <<EOF
[collect]
interval = "5s"
deadline = "1s"
[http]
bind = "127.0.0.1:0"
[state]
dir = "$state"
[history]
enabled = true
# Reached within the warm-up: the store (and SQLite's page caches over it) is at its steady size
# when the figures are taken, so growth after that is a leak, not a store filling up.
max_rows = 100
[files]
dir = "$state/files"
[[databases]]
name = "app"
url = "$dir/app.db"
EOF
  for i in 1 2 3; do
    printf '[[databases.probes]]\nname = "forever%s"\nsql = "%s"\n' "$i" "$forever"
    printf '[[databases.probes]]\nname = "quick%s"\nsql = "SELECT COUNT(*) FROM sqlite_master"\n' "$i"
  done
  for _ in 1 2 3 4 5 6 7 8; do
    printf '[[hooks.on_change]]\ncommand = ["/bin/sh", "-c", "%s"]\ntimeout = "300ms"\n' "$hook"
  done
} > "$dir/status.toml"

"$bin" serve --config "$dir/status.toml" 2> "$dir/serve.log" &
server=$!
pids+=("$server")
addr=""
for _ in $(seq 600); do
  addr=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$dir/serve.log" | head -n 1 || true)
  [ -n "$addr" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$dir/serve.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$addr" ] || { echo "soak: the server never listened" >&2; exit 1; }
echo "soak: server $server at $addr for ${duration}s (root faults: $root)"

# The probe storm: a forced collection four times a second (one runs at a time; the rest share it).
(
  while :; do
    curl -s -o /dev/null --max-time 5 "$addr/status?fresh=1" || true
    sleep 0.25
  done
) &
storm=$!
pids+=("$storm")

sample() {
  local fds rss threads
  fds=$(find "/proc/$server/fd" -mindepth 1 -maxdepth 1 | wc -l)
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$server/status")
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$server/status")
  echo "$fds $rss $threads"
}
faults_off() {
  if $root; then
    chattr -i "${immutable[@]}" 2>/dev/null || true
    rm -f "$state/filler"
  else
    chmod 700 "$state"
  fi
}

# The figures compared: taken in a quiet spell (storm paused, faults lifted, 3 s for the running
# hooks and probes to end), the least of 6 readings half a second apart (a collection of the 5 s
# loop may still open a connection or a hook's pipes for a moment).
quiet_sample() {
  kill -STOP "$storm"
  faults_off
  sleep 3
  local best_fds=999999 best_threads=999999 fds rss threads
  for _ in 1 2 3 4 5 6; do
    read -r fds rss threads < <(sample)
    [ "$fds" -lt "$best_fds" ] && best_fds=$fds
    [ "$threads" -lt "$best_threads" ] && best_threads=$threads
    sleep 0.5
  done
  kill -CONT "$storm"
  echo "$best_fds $rss $best_threads"
}

# One fault cycle a minute: 20 s full disk, 20 s read-only, 20 s fine.
faults_until() {
  local until=$1 phase minute fds rss threads health store
  while [ "$(date +%s)" -lt "$until" ]; do
    phase=$(( ($(date +%s) - start) % 60 ))
    if [ "$phase" -lt 20 ]; then
      # Full disk: fill what is left (without the tmpfs, the dir is made 0500 instead).
      if $root; then
        [ -e "$state/filler" ] || dd if=/dev/zero of="$state/filler" bs=64k 2>/dev/null || true
      else
        chmod 500 "$state"
      fi
    elif [ "$phase" -lt 40 ]; then
      if $root; then
        rm -f "$state/filler"
        chattr +i "${immutable[@]}" 2>/dev/null || true
      fi
    else
      faults_off
    fi
    # A trace line 10 s into the full-disk phase and 10 s into the read-only one.
    minute=$(( ($(date +%s) - start) / 60 * 2 + (phase >= 30) ))
    if [ "$phase" -ge 10 ] && [ "$phase" -lt 40 ] && [ "$minute" != "${traced:-}" ]; then
      traced=$minute
      read -r fds rss threads < <(sample)
      health=$(curl -s --max-time 5 "$addr/health" || true)
      store=$(printf '%s' "$health" | grep -o '"store:writable":\[{[^}]*' | grep -o '"status":"[a-z]*"' || true)
      health=$(printf '%s' "$health" | grep -o '"status":"[a-z_]*"' | head -n 1 || true)
      echo "soak: +$(( $(date +%s) - start ))s  fds $fds  rss ${rss} KiB  threads $threads  health $health  store_writable $store"
    fi
    sleep 1
  done
}

# Warm-up: half the run (at most 5 fault cycles), so every path (full, read-only, recovered) has run
# and the bounded memory has reached its size: the store's SQLite page caches (2 connections, up to
# 2 MiB each) fill over the first minutes (+4 MiB by 250 s in a 10-minute run, flat after). The
# figures then compare two steady states.
start=$(date +%s)
warmup=$(( duration / 2 / 60 * 60 ))
[ "$warmup" -gt 300 ] && warmup=300
[ "$warmup" -lt 60 ] && warmup=60
faults_until $((start + warmup))
read -r fds0 rss0 threads0 < <(quiet_sample)
echo "soak: start  fds $fds0  rss ${rss0} KiB  threads $threads0  (after a ${warmup} s warm-up)"
faults_until $((start + duration - 25))
faults_off
sleep 10
read -r fds1 rss1 threads1 < <(quiet_sample)
echo "soak: end    fds $fds1  rss ${rss1} KiB  threads $threads1"
snapshot=$(curl -s --max-time 5 "$addr/status")
kill -0 "$server" || { echo "soak: FAIL: the server died" >&2; exit 1; }

within() { # within <start> <end>: end at most 10 % above start (or 1: a count of a few threads);
  # a figure that went down leaked nothing
  awk -v a="$1" -v b="$2" 'BEGIN { d = b - a; exit !(d <= a * 0.10 || d <= 1) }'
}
verdict=PASS
for pair in "fds $fds0 $fds1" "rss $rss0 $rss1" "threads $threads0 $threads1"; do
  set -- $pair
  if within "$2" "$3"; then mark=ok; else mark=LEAK; verdict=FAIL; fi
  echo "soak: $1: start $2, end $3 ($mark)"
done
abandoned=$(printf '%s' "$snapshot" | grep -o '"abandoned_total":[0-9]*' | head -n 1)
hooks=$(printf '%s' "$snapshot" | grep -o '"hooks_[a-z_]*_total":[0-9]*' | tr '\n' ' ')
store=$(curl -s --max-time 5 "$addr/health" | grep -o '"store:writable":\[{[^}]*' | grep -o '"status":"[a-z]*"' || true)
rows=$(sqlite3 -readonly "$state/status.db" 'SELECT COUNT(*) FROM history_snapshots' 2>/dev/null || echo '?')
echo "soak: $abandoned $hooks"
echo "soak: at the end (faults lifted): store_writable $store; history rows in the store: $rows"
echo "soak: server children now: $(pgrep -P "$server" | wc -l);" \
  "hook processes alive now (a firing may be under way): $(pgrep -fc '^sleep 61\.5$' || true)"
echo "soak: verdict $verdict (fd count, RSS and threads at most 10 % above the start)"
[ "$verdict" = PASS ]
