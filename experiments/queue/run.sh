#!/usr/bin/env bash
# Every long study still open, in order; each step skips what is finished and resumes what was
# interrupted, so the queue can be stopped and started again any number of times, on this machine
# (checkpoints) or a new one (from the committed files: finished runs, lottery ticket masks).
#   1. Conv-2/4/6 tickets, Conv-6 global, Conv-2 dropout and the CIFAR-10 ticket transfer
#      (issues 16 and 21): seeds 1 and 2 side by side, one thread each;
#   2. their reports;
#   3. the regularisation study F (issue 15): `masklab compare` resumes the missing runs (the
#      headline comparison goes before the ladder: its question matters more, and it is longer);
#   4. the ladder's AlexNet and ResNet-34 (issue 21), two threads, and its report.
# Usage (repository root), detached and at low priority:
#   MASKLAB=/path/to/masklab setsid nohup nice -n 19 bash experiments/queue/run.sh >> queue.log 2>&1 &
# MASKLAB: the binary (default .build/release/masklab; build it in its own worktree so that
# rebuilding this checkout does not change it mid-study). MASKLAB_DATA: the data (../shared/data).
# Lane logs go to QUEUE_LOGS (default ..). Commit finished runs with commit-finished.sh; stop the
# queue with stop.sh (every process of the queue gets SIGTERM and checkpoints, then the finished
# runs and ticket masks are committed). The queue holds a lock, $QUEUE_LOGS/queue.lock, open in
# every one of its processes (an inherited file descriptor): a second queue refuses to start while
# any process of the first lives, and stop.sh finds the queue by who holds that file. It runs in a
# process group of its own (so a signal to its caller's group, e.g. Ctrl-C in a pipeline or a
# `timeout` wrapper, does not reach it: stop it with stop.sh).
set -uo pipefail
cd "$(dirname "$0")/../.."
# A process group of its own, so that stop.sh can signal the whole queue and nothing else.
if [ "${QUEUE_OWN_GROUP:-}" != 1 ] && [ "$(ps -o pgid= -p $$ | tr -d ' ')" != "$$" ]; then
  QUEUE_OWN_GROUP=1 exec setsid bash experiments/queue/run.sh "$@"
fi
export MASKLAB=${MASKLAB:-$PWD/.build/release/masklab}
export MASKLAB_DATA=${MASKLAB_DATA:-$(cd .. && pwd)/shared/data}
logs=${QUEUE_LOGS:-..}
stamp() { date -u +%FT%TZ; }
exec 9>>"$logs/queue.lock"
if ! flock -n 9; then
  echo "queue: another queue is running (a process holds $logs/queue.lock); stop it first: bash experiments/queue/stop.sh" >&2
  exit 75
fi
[ -x "$MASKLAB" ] || { echo "queue: no binary at $MASKLAB (build it: swift build -c release --product masklab)" >&2; exit 66; }
[ -d "$MASKLAB_DATA" ] || { echo "queue: no data folder at $MASKLAB_DATA (set MASKLAB_DATA)" >&2; exit 66; }
echo "queue start $(stamp) binary $MASKLAB ($("$MASKLAB" --version))"
lane() {
  local s=$1
  { echo "lane $s start $(stamp)"
    bash experiments/lottery/conv-tickets-cifar10.sh "$s"; echo "lane $s tickets rc $? $(stamp)"
    bash experiments/lottery/transfer-cifar10.sh "$s"; echo "lane $s transfer rc $? $(stamp)"
  } >> "$logs/study-lane$s.log" 2>&1
}
lane 1 & p1=$!
lane 2 & p2=$!
wait $p1 $p2
echo "lanes done $(stamp)"
python3 experiments/lottery/conv_tickets_report.py results/lottery/conv-cifar10; echo "conv report rc $?"
t=results/lottery/transfer-cifar10
python3 experiments/lottery/transfer_report.py $t > $t/REPORT.md.tmp && mv $t/REPORT.md.tmp $t/REPORT.md; echo "transfer report rc $?"
# Study F is complete (36 of 36 runs) and its report was written by a newer binary than the study's
# own: running compare again would rewrite REPORT.md with this binary's (older) report code, so the
# step runs only while fewer than its 36 runs have completed (a stopped run has a summary.json too,
# with another status).
if [ "$(grep -ls '"status" : "completed"' results/compare-study-cifar-final/runs/*/seed-*/summary.json | wc -l)" -lt 36 ]; then
  "$MASKLAB" compare experiments/regularisation-study/cifar-final.json --data "$MASKLAB_DATA" --out results; echo "F rc $? $(stamp)"
else
  echo "F complete (36 runs), report left as committed $(stamp)"
fi
bash experiments/ladder/ladder-cifar10.sh alexnet resnet34 report; echo "ladder rc $? $(stamp)"
echo "queue end $(stamp)"
