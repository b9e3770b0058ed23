#!/usr/bin/env python3
"""Where PyTorch spends a ResNet-18 training step on this CPU (issue 14, item 5, session 24).

Runs the anchor's own ResNet18 (bench/torch_anchor.py) with torch.profiler: SGD(momentum 0.9,
weight decay 5e-4), batch 128 of standard-normal 3x32x32 inputs, `--steps` profiled steps after
`--warmup` unprofiled ones, on `--threads` threads, NCHW or channels_last. Prints the step time and
the self CPU time per operator (summed over the profiled steps, all threads), largest first.
Usage: torch_profile.py [--width 16] [--threads 2] [--steps 5] [--warmup 3] [--channels-last]"""
import argparse, importlib.util, os, time, torch, torch.nn.functional as F
from torch.profiler import profile, ProfilerActivity

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("anchor", os.path.join(here, "..", "..", "..", "bench", "torch_anchor.py"))
anchor = importlib.util.module_from_spec(spec); spec.loader.exec_module(anchor)

p = argparse.ArgumentParser()
p.add_argument("--width", type=int, default=16); p.add_argument("--threads", type=int, default=2)
p.add_argument("--steps", type=int, default=5); p.add_argument("--warmup", type=int, default=3)
p.add_argument("--channels-last", action="store_true")
a = p.parse_args()
torch.set_num_threads(a.threads); torch.manual_seed(0)
model = anchor.ResNet18(a.width)
x = torch.randn(128, 3, 32, 32); y = torch.randint(0, 10, (128,))
if a.channels_last:
    model = model.to(memory_format=torch.channels_last); x = x.to(memory_format=torch.channels_last)
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
def step():
    opt.zero_grad(set_to_none=True); F.cross_entropy(model(x), y).backward(); opt.step()
for _ in range(a.warmup): step()
t = []
with profile(activities=[ProfilerActivity.CPU]) as prof:
    for _ in range(a.steps):
        t0 = time.perf_counter(); step(); t.append(time.perf_counter() - t0)
t.sort()
print(f"torch {torch.__version__}, width {a.width}, {a.threads} threads, {'channels_last' if a.channels_last else 'NCHW'}: "
      f"median step {1e3 * t[len(t) // 2]:.1f} ms ({128 / t[len(t) // 2]:.1f} img/s) over {a.steps} profiled steps")
print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=30, max_name_column_width=48))
