#!/bin/sh
# The runner `.cargo/config.toml` puts around every binary cargo runs for this workspace: it runs the
# binary, and when the binary is a test binary (under target/*/deps/), fails the run if a process the
# binary started is still alive after it exits — a test that leaves a process behind.
#
# Every process the test binary starts, and theirs in turn (a daemonized tmux server included),
# inherits STATUS_TEST_RUN with a value unique to this run; what still carries it after the binary
# exited and a grace period passed is a leftover. Those are listed, killed, and the run fails.
# A process started with a cleared environment escapes the check.
set -u

case "$1" in
  */deps/*) ;;
  *) exec "$@" ;;
esac

mark="STATUS_TEST_RUN=$$-$(date +%s%N)"
# Only the binary gets the mark: this script's own helpers (grep, sleep) must not carry it.
env "$mark" "$@"
status=$?

leftovers() {
  # One grep over every process's environment; processes of other users are unreadable and skipped.
  grep -lzxF "$mark" /proc/[0-9]*/environ 2>/dev/null | sed -e 's|^/proc/||' -e 's|/environ$||'
}

# A killed child may take a moment to be gone; a tmux server ends its sessions after kill-server.
# An empty scan is confirmed by a second one: a process caught in the middle of an exec shows an
# empty environment for that instant (its file was opened on the old memory map), so one scan can
# miss a leftover that was just started.
tries=0
empty=0
while [ "$tries" -lt 60 ]; do
  pids=$(leftovers)
  if [ -z "$pids" ]; then
    empty=$((empty + 1))
    [ "$empty" -ge 2 ] && break
  else
    empty=0
  fi
  sleep 0.05
  tries=$((tries + 1))
done
if [ -n "$pids" ]; then
  echo "error: $(basename "$1") left processes behind:" >&2
  for pid in $pids; do
    printf '  pid %s: %s\n' "$pid" "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2
  done
  kill -KILL $pids 2>/dev/null
  [ "$status" -eq 0 ] && status=101
fi
exit "$status"
