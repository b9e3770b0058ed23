#!/usr/bin/env python3
"""Writes safetensors files the way a PyTorch user would, with the reference `safetensors`
library (numpy front end: no torch needed, same file format as safetensors.torch.save_file).

  pytorch_state_dict.py fixture OUT     LeNet-style MLP 784-4-10 (PyTorch names fc1.*, fc2.*),
                                        F32, value k of a tensor = ((37·k) mod 101 − 50) / 500;
                                        no metadata. Tests/Fixtures/pytorch-mlp-784-4-10.safetensors
                                        was written by this.
  pytorch_state_dict.py copy IN OUT     IN (a MaskLab checkpoint) as a plain state_dict: the
                                        model's tensors only (no optimizer.*, hook.*), no metadata,
                                        as safetensors.torch.save_file(model.state_dict()) writes.
"""
import sys
import numpy as np
from safetensors.numpy import load_file, save_file


def value(shape):
    n = int(np.prod(shape))
    k = np.arange(n, dtype=np.int64)
    return (((37 * k) % 101 - 50) / 500).astype(np.float32).reshape(shape)


def main():
    if sys.argv[1] == "fixture":
        tensors = {"fc1.weight": value((4, 784)), "fc1.bias": value((4,)),
                   "fc2.weight": value((10, 4)), "fc2.bias": value((10,))}
        save_file(tensors, sys.argv[2])
    elif sys.argv[1] == "copy":
        tensors = load_file(sys.argv[2])
        kept = {k: v for k, v in tensors.items() if not k.startswith(("optimizer.", "hook."))}
        save_file(kept, sys.argv[3])
    else:
        sys.exit("usage: pytorch_state_dict.py fixture OUT | copy IN OUT")


if __name__ == "__main__":
    main()
