#!/usr/bin/env bash
# Stops the study queue (run.sh) cleanly and commits what it finished: SIGTERM to the queue's
# process group (from $QUEUE_LOGS/queue.pgid, default ../queue.pgid) — every training in it stops
# after its current step with a checkpoint, every lottery chain and compare with it — then waits
# until the group has gone (at most STOP_WAIT seconds, default 600; a step of a large model can take
# seconds, a checkpoint of ResNet-34 a few more), and runs commit-finished.sh --masks, so the study
# goes on from git on a new machine as well as from the checkpoints on this one.
# Usage (repository root or anywhere in it): bash experiments/queue/stop.sh [--no-commit]
set -uo pipefail
cd "$(dirname "$0")/../.."
logs=${QUEUE_LOGS:-..}
pgidfile="$logs/queue.pgid"
wait_limit=${STOP_WAIT:-600}
[ -f "$pgidfile" ] || { echo "stop: no $pgidfile (no queue was started from run.sh with these logs)" >&2; exit 66; }
pgid=$(cat "$pgidfile")
case "$pgid" in ''|*[!0-9]*) echo "stop: $pgidfile does not hold a process group id: '$pgid'" >&2; exit 65 ;; esac
if pgrep -g "$pgid" >/dev/null 2>&1; then
  leader=$(ps -o args= -p "$pgid" 2>/dev/null || true)
  case "$leader" in
    *run.sh*|*queue*|"") ;;   # the queue's own group (its leader may have ended while its lanes run)
    *) echo "stop: process group $pgid is led by '$leader', not the queue; not signalling it" >&2; exit 65 ;;
  esac
  echo "stop: SIGTERM to the queue's process group $pgid ($(pgrep -g "$pgid" | wc -l) processes)"
  kill -TERM -- "-$pgid"
  waited=0
  while pgrep -g "$pgid" >/dev/null 2>&1 && [ "$waited" -lt "$wait_limit" ]; do sleep 2; waited=$((waited + 2)); done
  if pgrep -g "$pgid" >/dev/null 2>&1; then
    echo "stop: after ${wait_limit}s these still run (not killed; look at them):" >&2
    ps -o pid,etime,args -g "$pgid" >&2
    exit 1
  fi
  echo "stop: the queue has stopped after ${waited}s"
else
  echo "stop: the queue (process group $pgid) is not running"
fi
rm -f "$pgidfile"
[ "${1:-}" = --no-commit ] && exit 0
bash experiments/queue/commit-finished.sh --masks
