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
# runs and ticket masks are committed). The queue runs in a process group of its own, whose id it
# writes to $QUEUE_LOGS/queue.pgid; a second queue refuses to start while that group lives.
set -uo pipefail
cd "$(dirname "$0")/../.."
# A process group of its own, so that stop.sh can signal the whole queue and nothing else.
if [ "$(ps -o pgid= -p $$ | tr -d ' ')" != "$$" ]; then exec setsid bash "$0" "$@"; fi
export MASKLAB=${MASKLAB:-$PWD/.build/release/masklab}
export MASKLAB_DATA=${MASKLAB_DATA:-$(cd .. && pwd)/shared/data}
logs=${QUEUE_LOGS:-..}
stamp() { date -u +%FT%TZ; }
pgidfile="$logs/queue.pgid"
if [ -f "$pgidfile" ]; then
  other=$(cat "$pgidfile")
  if [ "$other" != "$$" ] && [ -n "$other" ] && pgrep -g "$other" >/dev/null 2>&1; then
    echo "queue: another queue is running (process group $other, from $pgidfile); stop it first: bash experiments/queue/stop.sh" >&2
    exit 75
  fi
fi
echo $$ > "$pgidfile"
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
python3 experiments/lottery/transfer_report.py results/lottery/transfer-cifar10 > results/lottery/transfer-cifar10/REPORT.md; echo "transfer report rc $?"
"$MASKLAB" compare experiments/regularisation-study/cifar-final.json --data "$MASKLAB_DATA" --out results; echo "F rc $? $(stamp)"
bash experiments/ladder/ladder-cifar10.sh alexnet resnet34 report; echo "ladder rc $? $(stamp)"
echo "queue end $(stamp)"
