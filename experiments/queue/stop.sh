#!/usr/bin/env bash
# Stops the study queue (run.sh) cleanly and commits what it finished. The queue's processes are
# the ones holding $QUEUE_LOGS/queue.lock open (default ../queue.lock; run.sh opens it and every
# process it starts inherits it): their process groups get SIGTERM — every training in them stops
# after its current step with a checkpoint, every lottery chain and compare with it — then this
# waits until they have all ended (at most STOP_WAIT seconds, default 600) and runs
# commit-finished.sh --masks, so the study goes on from git on a new machine as well as from the
# checkpoints on this one. Run it again while a stop is under way and it only waits: a second
# SIGTERM would make `masklab` quit at once, without its checkpoint.
# Usage (repository root or anywhere in it): bash experiments/queue/stop.sh [--no-commit]
set -uo pipefail
cd "$(dirname "$0")/../.."
commit=1
for a in "$@"; do
  case $a in
    --no-commit) commit=0 ;;
    *) echo "stop: unknown argument '$a' (usage: stop.sh [--no-commit])" >&2; exit 64 ;;
  esac
done
logs=${QUEUE_LOGS:-..}
lock="$logs/queue.lock"
marker="$logs/queue.stopping"
wait_limit=${STOP_WAIT:-600}

# The processes that hold the lock file open (ours by construction: nothing else opens it).
holders() {
  [ -e "$lock" ] || return 0
  local target; target=$(readlink -f "$lock")
  for fd in /proc/[0-9]*/fd/*; do
    [ "$(readlink "$fd" 2>/dev/null)" = "$target" ] && { p=${fd#/proc/}; echo "${p%%/*}"; }
  done 2>/dev/null | sort -un
}
groups_of() { for p in "$@"; do ps -o pgid= -p "$p" 2>/dev/null; done | tr -d ' ' | sort -un; }

pids=$(holders)
if [ -n "$pids" ]; then
  groups=$(groups_of $pids)
  if [ -f "$marker" ]; then
    echo "stop: a stop is already under way (since $(cat "$marker")); waiting for it, not signalling again"
  else
    date -u +%FT%TZ > "$marker"
    echo "stop: SIGTERM to the queue's process group(s) $(echo $groups) ($(echo $pids | wc -w) processes hold $lock)"
    for g in $groups; do kill -TERM -- "-$g" 2>/dev/null; done
  fi
  waited=0
  alive() {
    [ -n "$(holders)" ] && return 0
    for g in $groups; do pgrep -g "$g" >/dev/null 2>&1 && return 0; done
    return 1
  }
  while alive && [ "$waited" -lt "$wait_limit" ]; do sleep 2; waited=$((waited + 2)); done
  if alive; then
    echo "stop: after ${wait_limit}s these still run (not killed; look at them, or run stop.sh again to keep waiting):" >&2
    for g in $groups; do ps -o pid,etime,args -g "$g" >&2; done
    exit 1
  fi
  rm -f "$marker"
  echo "stop: the queue has stopped after ${waited}s"
else
  rm -f "$marker"
  echo "stop: no queue is running (no process holds $lock)"
fi
[ $commit = 1 ] || exit 0
bash experiments/queue/commit-finished.sh --masks
