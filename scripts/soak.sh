#!/usr/bin/env bash
# Soak: a real `status-cli serve` on 127.0.0.1 under a failing disk, a hook storm and a probe storm
# for a bounded time; at the end, the server's open descriptors, RSS and threads must be back within
# 10 % of what they were once warmed up (nothing leaked).
#
#   scripts/soak.sh            10 minutes
#   scripts/soak.sh 120        2 minutes (seconds)
#
# What the server goes through, all loopback and all bounded:
# - failing disk: its state dir (history store, files) is a 4 MiB tmpfs that is filled to the last
#   byte for 20 s of every minute (SQLITE_FULL), and made immutable (`chattr +i`, read-only even for
#   root) for another 20 s; both need root, and without it the dir is made 0500 instead (which
#   blocks writes only when not root);
# - hook storm: 8 command hooks on every change (at most 4 run at once; the rest are dropped), each
#   starting `sleep` children, printing 2 MB and hanging until its 300 ms timeout kills its group;
# - probe storm: a host database with 3 probes that would run for minutes (interrupted at the
#   deadline) and 3 quick ones, collected at every `?fresh=1` a client loop asks for (4 a second).
# The server's fd count, RSS and thread count are sampled from /proc after a 30 s warm-up and at the
# end (after a 10 s quiet spell with the faults lifted), and every minute in between.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-600}"
case "$duration" in '' | *[!0-9]*) echo "usage: $0 [seconds]" >&2; exit 2 ;; esac
[ "$duration" -ge 60 ] || { echo "soak: at least 60 seconds" >&2; exit 2; }

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
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=4m,mode=0700 tmpfs "$state" 2>/dev/null; then
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
pids+=("$!")

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

sleep 30
read -r fds0 rss0 threads0 < <(sample)
echo "soak: start  fds $fds0  rss ${rss0} KiB  threads $threads0"

start=$(date +%s)
end=$((start + duration - 40))
while [ "$(date +%s)" -lt "$end" ]; do
  phase=$(( ($(date +%s) - start) % 60 ))
  if [ "$phase" -lt 20 ]; then
    # Full disk: fill what is left (no-op without the tmpfs: the dir is then made 0500).
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
  if [ "$phase" -lt 2 ]; then
    read -r fds rss threads < <(sample)
    health=$(curl -s --max-time 5 "$addr/health" | head -c 200 || true)
    echo "soak: +$(( $(date +%s) - start ))s  fds $fds  rss ${rss} KiB  threads $threads  health ${health:0:60}"
    sleep 2
  fi
  sleep 1
done
faults_off
sleep 10
read -r fds1 rss1 threads1 < <(sample)
snapshot=$(curl -s --max-time 5 "$addr/status")
kill -0 "$server" || { echo "soak: FAIL: the server died" >&2; exit 1; }

within() { # within <start> <end>: end within 10 % of start (or 1 apart: a count of a few threads)
  awk -v a="$1" -v b="$2" 'BEGIN { d = b - a; if (d < 0) d = -d; exit !(d <= a * 0.10 || d <= 1) }'
}
verdict=PASS
for pair in "fds $fds0 $fds1" "rss $rss0 $rss1" "threads $threads0 $threads1"; do
  set -- $pair
  if within "$2" "$3"; then mark=ok; else mark=LEAK; verdict=FAIL; fi
  echo "soak: $1: start $2, end $3 ($mark)"
done
abandoned=$(printf '%s' "$snapshot" | grep -o '"abandoned_total":[0-9]*' | head -n 1)
hooks=$(printf '%s' "$snapshot" | grep -o '"hooks_[a-z_]*_total":[0-9]*' | tr '\n' ' ')
echo "soak: $abandoned $hooks"
echo "soak: server children now: $(pgrep -P "$server" | wc -l);" \
  "hook processes alive now (a firing may be under way): $(pgrep -fc '^sleep 61\.5$' || true)"
echo "soak: verdict $verdict (fd count, RSS and threads within 10 % of the start)"
[ "$verdict" = PASS ]
