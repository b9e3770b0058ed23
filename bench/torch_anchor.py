#!/usr/bin/env python3
# Shipped with MaskLab: a copy (below this header) of the PyTorch reference script
# ../shared/bench/torch_anchor.py that the project's benchmark targets were defined against
# (copied on 2026-11-28, sha256 of the original: 63dce431c5fdeb07…), extended by one line on
# 2026-11-29: resnet18-w16 is also measured in channels_last ("resnet18-w16-cl"), as width 64
# already was, so that evaluation is compared with PyTorch's faster layout at both widths.
# `masklab bench --torch PYTHON` runs this file; it needs only python3 and torch.
"""PyTorch CPU reference: training throughput of the same models on the same machine.
Usage: torch_anchor.py [--threads 2] [--steps 6]
Prints one line per workload: name, batch, training images/s, GFLOP/s (multiply-accumulates counted by forward hooks,
training = 3 x forward), and evaluation images/s (model.eval(), torch.no_grad(), same batch)."""
import argparse, time, torch, torch.nn as nn, torch.nn.functional as F

class Block(nn.Module):
    def __init__(s, i, o, stride):
        super().__init__()
        s.c1 = nn.Conv2d(i, o, 3, stride, 1, bias=False); s.b1 = nn.BatchNorm2d(o)
        s.c2 = nn.Conv2d(o, o, 3, 1, 1, bias=False); s.b2 = nn.BatchNorm2d(o)
        s.sc = nn.Sequential()
        if stride != 1 or i != o:
            s.sc = nn.Sequential(nn.Conv2d(i, o, 1, stride, bias=False), nn.BatchNorm2d(o))
    def forward(s, x):
        y = F.relu(s.b1(s.c1(x))); y = s.b2(s.c2(y)); return F.relu(y + s.sc(x))

class ResNet18(nn.Module):
    def __init__(s, width=64, classes=10):
        super().__init__()
        w = width
        s.stem = nn.Sequential(nn.Conv2d(3, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU())
        layers, i = [], w
        for o, stride in [(w, 1), (2 * w, 2), (4 * w, 2), (8 * w, 2)]:
            layers += [Block(i, o, stride), Block(o, o, 1)]; i = o
        s.layers = nn.Sequential(*layers); s.fc = nn.Linear(i, classes)
    def forward(s, x):
        x = s.layers(s.stem(x)); x = F.adaptive_avg_pool2d(x, 1).flatten(1); return s.fc(x)

def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10))

def conv_macs(model, shape):
    macs = 0
    def hook(m, i, o):
        nonlocal macs
        if isinstance(m, nn.Conv2d): macs += o.numel() // o.shape[0] * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
        if isinstance(m, nn.Linear): macs += m.in_features * m.out_features
    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad(): model.eval(); model(torch.zeros(1, *shape)); model.train()
    for h in hs: h.remove()
    return macs

def bench(name, model, shape, batch, steps, channels_last=False):
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(batch, *shape); y = torch.randint(0, 10, (batch,))
    if channels_last: model = model.to(memory_format=torch.channels_last); x = x.to(memory_format=torch.channels_last)
    def step():
        opt.zero_grad(set_to_none=True); loss = F.cross_entropy(model(x), y); loss.backward(); opt.step()
    for _ in range(2): step()
    t = time.perf_counter()
    for _ in range(steps): step()
    dt = (time.perf_counter() - t) / steps
    model.eval()
    with torch.no_grad():
        for _ in range(2): model(x)
        t = time.perf_counter()
        for _ in range(steps): model(x)
        de = (time.perf_counter() - t) / steps
    model.train()
    macs = conv_macs(model, shape)
    gflops = 3 * 2 * macs * batch / dt / 1e9
    print(f"{name}\tbatch={batch}\timg/s={batch / dt:.1f}\tstep_ms={dt * 1000:.1f}\ttrain_GFLOP/s={gflops:.1f}\tfwd_MFLOP/img={2 * macs / 1e6:.1f}\teval_img/s={batch / de:.1f}", flush=True)

if __name__ == "__main__":
    ap = argparse.ArgumentParser(); ap.add_argument("--threads", type=int, default=2); ap.add_argument("--steps", type=int, default=6)
    a = ap.parse_args(); torch.set_num_threads(a.threads); torch.manual_seed(0)
    n = 2048; A = torch.randn(n, n); B = torch.randn(n, n); torch.mm(A, B)
    t = time.perf_counter(); [torch.mm(A, B) for _ in range(10)]; dt = (time.perf_counter() - t) / 10
    print(f"sgemm{n}\tGFLOP/s={2 * n ** 3 / dt / 1e9:.1f}", flush=True)
    bench("mlp-lenet300", mlp(), (1, 28, 28), 60, 200)
    bench("resnet18-w16", ResNet18(16), (3, 32, 32), 128, a.steps)
    bench("resnet18-w16-cl", ResNet18(16), (3, 32, 32), 128, a.steps, channels_last=True)
    bench("resnet18-w64", ResNet18(64), (3, 32, 32), 128, max(2, a.steps // 3))
    bench("resnet18-w64-cl", ResNet18(64), (3, 32, 32), 128, max(2, a.steps // 3), channels_last=True)
