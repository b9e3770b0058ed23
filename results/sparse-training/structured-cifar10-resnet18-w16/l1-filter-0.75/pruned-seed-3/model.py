"""PyTorch twin of the pruned resnet18 in this folder (written by `masklab prune --structured`).

    import model; net = model.build()
    net.load_state_dict(safetensors.torch.load_file("model.safetensors"), strict=True)

Dropout layers (if the run had any) hold no tensors and are left out; call net.eval() to evaluate.
"""
import os
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(s, i, mid, o, stride):
        super().__init__()
        s.conv1 = nn.Conv2d(i, mid, 3, stride, 1, bias=False); s.bn1 = nn.BatchNorm2d(mid)
        s.conv2 = nn.Conv2d(mid, o, 3, 1, 1, bias=False); s.bn2 = nn.BatchNorm2d(o)
        s.shortcut = nn.Sequential()
        if stride != 1 or i != o:
            s.shortcut = nn.Sequential(nn.Conv2d(i, o, 1, stride, bias=False), nn.BatchNorm2d(o))
    def forward(s, x):
        return F.relu(s.bn2(s.conv2(F.relu(s.bn1(s.conv1(x))))) + s.shortcut(x))

class Model(nn.Module):
    def __init__(s, width=16, blocks=[2, 2, 2, 2], inner=[4, 4, 8, 8, 16, 16, 32, 32], channels=3, classes=10):
        super().__init__()
        s.conv1 = nn.Conv2d(channels, width, 3, 1, 1, bias=False); s.bn1 = nn.BatchNorm2d(width)
        c, k = width, 0
        for stage, count in enumerate(blocks):
            layers = []
            for b in range(count):
                o = width << stage
                layers.append(Block(c, inner[k] if inner else o, o, 2 if stage > 0 and b == 0 else 1))
                c, k = o, k + 1
            setattr(s, f"layer{stage + 1}", nn.Sequential(*layers))
        s.linear = nn.Linear(c, classes)
    def forward(s, x):
        x = F.relu(s.bn1(s.conv1(x)))
        x = s.layer4(s.layer3(s.layer2(s.layer1(x))))
        return s.linear(F.adaptive_avg_pool2d(x, 1).flatten(1))

def build():
    return Model()


if __name__ == "__main__":
    from safetensors.torch import load_file
    net = build()
    net.load_state_dict(load_file(os.path.join(os.path.dirname(os.path.abspath(__file__)), "model.safetensors")), strict=True)
    print("loaded", sum(p.numel() for p in net.parameters()), "parameters")
