#!/usr/bin/env bash
# What an idle `serve` costs: CPU time and context switches of the whole process over a window in
# which nothing asks it anything and no collection runs (interval 300 s, the maximum).
#
#   scripts/idle-cost.sh [path/to/status-cli] [seconds]     (defaults: target/release/status-cli, 60)
#   IDLE_INTERVAL=30 scripts/idle-cost.sh target/release/status-cli 600
#                                      the default config's loop over 10 minutes, collections included
#
# Starts `serve` on 127.0.0.1:18484 (or `$IDLE_PORT`) with a private state dir, waits 15 s (the first collection,
# then tokio's idle blocking threads exit after their 10 s keep-alive), then reads every thread's /proc/PID/task/*/schedstat (ns on CPU) and
# voluntary/nonvoluntary_ctxt_switches at the start and the end of the window, and the process's
# utime+stime (which keeps exited threads, in clock ticks). Stops the server at the end.
set -euo pipefail
bin=${1:-target/release/status-cli}
window=${2:-60}
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
cat >"$dir/status.toml" <<TOML
[collect]
interval = "${IDLE_INTERVAL:-300}s"
[http]
bind = "127.0.0.1:${IDLE_PORT:-18484}"
[state]
dir = "$dir/state"
TOML
"$bin" serve --config "$dir/status.toml" >"$dir/out" 2>&1 &
pid=$!
sleep 15
kill -0 "$pid" || { cat "$dir/out"; exit 1; }
sample() {
  local cpu=0 vol=0 nonvol=0 task
  for task in /proc/"$pid"/task/*; do
    read -r ns _ <"$task/schedstat" || continue
    cpu=$((cpu + ns))
    vol=$((vol + $(awk '/^voluntary_ctxt_switches/ {print $2}' "$task/status")))
    nonvol=$((nonvol + $(awk '/^nonvoluntary_ctxt_switches/ {print $2}' "$task/status")))
  done
  local ticks
  ticks=$(awk '{print $14 + $15}' /proc/"$pid"/stat)
  echo "$cpu $vol $nonvol $(ls /proc/"$pid"/task | wc -l) $ticks"
}
read -r cpu0 vol0 non0 threads0 ticks0 < <(sample)
sleep "$window"
read -r cpu1 vol1 non1 threads1 ticks1 < <(sample)
hz=$(getconf CLK_TCK)
echo "idle serve over ${window}s: cpu $(( (cpu1 - cpu0) / 1000 )) us (utime+stime $(( (ticks1 - ticks0) * 1000 / hz )) ms)," \
  "context switches $((vol1 - vol0)) voluntary + $((non1 - non0)) involuntary," \
  "threads $threads0 -> $threads1, RSS $(awk '/^VmRSS/ {print $2}' /proc/"$pid"/status) KiB" \
  "(file-backed $(awk '/^RssFile/ {print $2}' /proc/"$pid"/status) KiB)," \
  "$(awk -v us="$(( (cpu1 - cpu0) / 1000 ))" -v w="$window" 'BEGIN {printf "%.4f", us / (w * 1e6) * 100}') % of a core (live threads' schedstat)," \
  "load $(cut -d' ' -f1-3 /proc/loadavg)"
