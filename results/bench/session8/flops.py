#!/usr/bin/env python3
"""FLOP accounting for ResNet-18 (CIFAR form) at a width: the direct-convolution multiply-accumulates
that bench and torch_anchor.py count (and PyTorch's profilers report), and the multiplications that
MaskLab's kernels really do (training: Winograd F(2x2,3x3) for 3x3 stride-1 layers; evaluation:
F(4x4,3x3) for those with >= 64 input channels, F(2x2) otherwise; im2col + GEMM for the stem,
stride-2 and 1x1 layers). Per image, forward pass; transforms (additions) are not counted."""
import sys

def layers(w):
    out = [("stem", 3, w, 32, 3, 1)]
    c, hw = w, 32
    for stage, width in enumerate([w, 2 * w, 4 * w, 8 * w]):
        for block in range(2):
            stride = 2 if (stage > 0 and block == 0) else 1
            if stride == 2: hw //= 2
            out.append((f"layer{stage+1}.{block}.conv1", c, width, hw, 3, stride))
            out.append((f"layer{stage+1}.{block}.conv2", width, width, hw, 3, 1))
            if stride == 2 or c != width:
                out.append((f"layer{stage+1}.{block}.shortcut", c, width, hw, 1, stride))
            c = width
    return out

def account(w):
    direct = train = evalm = 0
    for name, cin, cout, hw, k, stride in layers(w):
        macs = hw * hw * cin * cout * k * k
        direct += macs
        wino = k == 3 and stride == 1 and name != "stem"
        train += macs / 2.25 if wino else macs
        evalm += (macs / 4 if cin >= 64 else macs / 2.25) if wino else macs
    fc = 8 * w * 10
    return direct + fc, train + fc, evalm + fc

for w in (16, 64):
    d, t, e = account(w)
    print(f"| resnet18 w{w} | {d/1e6:.1f} M | {t/1e6:.1f} M ({d/t:.2f}x fewer) | {e/1e6:.1f} M ({d/e:.2f}x fewer) |")
