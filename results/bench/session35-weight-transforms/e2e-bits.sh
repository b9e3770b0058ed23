#!/usr/bin/env bash
# Session 35: the whole training path with and without the F(4×4) weight transforms in C gives the
# same bits. Six steps of ResNet-18 width 64 (batch 64, 2 threads, a 512-image CIFAR-10 subset)
# with the binary before (A), the binary after (B), and B with MASKLAB_F4_VECTOR_TRANSFORMS=0
# (every F(4×4) transform on its Swift twin); then the tensors of the three final checkpoints
# (weights, BatchNorm statistics, momentum) are hashed, leaving out the metadata (times, commit).
# Usage: MASKLAB_DATA=<data folder> bash e2e-bits.sh OUT BIN_A BIN_B
set -eu
out=$1; a=$2; b=$3; data=${MASKLAB_DATA:?set MASKLAB_DATA to the folder with cifar-10-batches-bin}
mkdir -p "$out"
args=(train --model resnet18 --dataset cifar10 --width 64 --iterations 6 --batch-size 64 --train-subset 512
      --test-subset 256 --threads 2 --data "$data" --quiet --overwrite)
"$a" "${args[@]}" --out "$out/before"
"$b" "${args[@]}" --out "$out/after"
MASKLAB_F4_VECTOR_TRANSFORMS=0 "$b" "${args[@]}" --out "$out/after-portable"
python3 - "$out" <<'PY'
import hashlib, json, struct, sys
for v in ["before", "after", "after-portable"]:
    b = open(f"{sys.argv[1]}/{v}/last.safetensors", "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n]); header.pop("__metadata__", None)
    last = open(f"{sys.argv[1]}/{v}/metrics.csv").read().splitlines()[-1].split(",")
    print(f"{v}: {len(header)} tensors, data md5 {hashlib.md5(b[8 + n:]).hexdigest()}, "
          f"header md5 {hashlib.md5(json.dumps(header, sort_keys=True).encode()).hexdigest()}, "
          f"test loss {last[5]}, test accuracy {last[6]}")
PY
