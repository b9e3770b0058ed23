#!/usr/bin/env python3
"""Groups torch_profile.py's operator table into the categories of MaskLab's profiles: per step, ms and share.
Usage: categorise.py w16-cl.txt [...]"""
import re, sys
groups = [("convolution forward", ["aten::mkldnn_convolution"]), ("convolution backward", ["aten::convolution_backward"]),
          ("BatchNorm forward", ["aten::native_batch_norm"]), ("BatchNorm backward", ["aten::native_batch_norm_backward"]),
          ("ReLU forward", ["aten::clamp_min"]), ("ReLU backward", ["aten::threshold_backward"]),
          ("residual and gradient adds", ["aten::add", "aten::add_"]), ("layout copies", ["aten::copy_"])]
def ms(text):
    v, unit = re.match(r"([\d.]+)(ms|us|s)", text).groups()
    return float(v) * {"s": 1e3, "ms": 1.0, "us": 1e-3}[unit]
for path in sys.argv[1:]:
    lines = open(path).read().splitlines()
    head = next(l for l in lines if l.startswith("torch "))
    steps = int(re.search(r"over (\d+) profiled steps", head).group(1))
    total = ms(next(l for l in lines if l.startswith("Self CPU time total:")).split(":")[1].strip())
    self_ms = {}
    for l in lines:
        cols = re.split(r"\s{2,}", l.strip())
        if len(cols) >= 7 and cols[0].startswith("aten::"): self_ms[cols[0]] = ms(cols[2])
    print(f"{path}: {head}\n\n| where | ms per step | share |\n|---|---:|---:|")
    named = 0.0
    for name, ops in groups:
        t = sum(self_ms.get(o, 0.0) for o in ops); named += t
        print(f"| {name} | {t / steps:.1f} | {100 * t / total:.1f} % |")
    print(f"| other (autograd, optimiser, allocation) | {(total - named) / steps:.1f} | {100 * (total - named) / total:.1f} % |")
    print(f"| **total (self CPU of the calling thread)** | {total / steps:.1f} | 100 % |\n")
