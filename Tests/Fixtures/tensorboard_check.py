"""Reads a MaskLab run folder back with TensorBoard's own reader and checks it against the CSVs.

Usage: python tensorboard_check.py RUN_DIR [--corruption]
Prints one "OK ..." line per check group; exits non-zero with the first mismatch.
Used by Tests/MasklabCLITests/TensorBoardCLITests.swift (in a venv with `pip install tensorboard`).
"""
import csv, glob, json, math, os, shutil, struct, sys, tempfile

import numpy as np
from tensorboard.backend.event_processing import event_accumulator, plugin_event_accumulator
from tensorboard.compat.tensorflow_stub import errors, pywrap_tensorflow
from tensorboard.plugins.hparams import plugin_data_pb2

run = sys.argv[1]
files = glob.glob(os.path.join(run, "events.out.tfevents.*"))
assert len(files) == 1, f"expected one event file in {run}, found {files}"

acc = event_accumulator.EventAccumulator(run, size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
acc.Reload()
tags = acc.Tags()

# Scalars: every metrics.csv value at step = iterations, as float32, each step once.
columns = {"loss/train": "train_loss", "loss/test": "test_loss", "accuracy/train": "train_accuracy",
           "accuracy/test": "test_accuracy", "gap": "gap", "learning_rate": "learning_rate",
           "images_per_second": "images_per_second"}
rows = list(csv.DictReader(open(os.path.join(run, "metrics.csv"))))
steps = [int(r["iterations"]) for r in rows]
for tag, column in columns.items():
    events = acc.Scalars(tag)
    got = [e.step for e in events]
    assert got == steps, f"{tag}: steps {got}, metrics.csv iterations {steps}"
    for e, r in zip(events, rows):
        want = np.float32(float(r[column]))
        assert np.float32(e.value) == want, f"{tag} at step {e.step}: {e.value!r} != {column} {want!r}"
mask_tags = [t for t in tags["scalars"] if t.startswith("mask/")]
for tag in mask_tags:
    assert [e.step for e in acc.Scalars(tag)] == steps, f"{tag}: steps {[e.step for e in acc.Scalars(tag)]}"
print(f"OK scalars {len(columns)} tags x {len(steps)} epochs, {len(mask_tags)} mask tags")

# Histograms: importance_histograms.csv bins and counts, one histogram per refresh and tensor.
path = os.path.join(run, "importance_histograms.csv")
if os.path.exists(path):
    want = {}
    for r in csv.DictReader(open(path)):
        high = float(r["log10w_high"])
        want.setdefault((r["tensor"], int(r["iteration"])), []).append((high, float(r["count"])))
    checked = 0
    for tensor in sorted({t for t, _ in want}):
        events = acc.Histograms("importance/" + tensor)
        want_steps = sorted(i for t, i in want if t == tensor)
        assert [e.step for e in events] == want_steps, f"{tensor}: steps {[e.step for e in events]} != {want_steps}"
        for e in events:
            h = e.histogram_value
            bins = want[(tensor, e.step)]
            limits = [b if math.isfinite(b) else sys.float_info.max for b, _ in bins]
            assert list(h.bucket_limit) == limits, f"{tensor}@{e.step}: limits {list(h.bucket_limit)} != {limits}"
            assert list(h.bucket) == [c for _, c in bins], f"{tensor}@{e.step}: counts {list(h.bucket)} != {[c for _, c in bins]}"
            assert h.num == sum(c for _, c in bins), f"{tensor}@{e.step}: num {h.num}"
            checked += 1
    print(f"OK histograms {checked} equal to the CSV bins")

# HParams: the session lists the flattened config.json; the session ended with success.
content = acc.PluginTagToContent("hparams")
start = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"]).session_start_info
end = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_end_info"]).session_end_info

def flatten(prefix, value, out):
    if isinstance(value, dict):
        for k, v in value.items():
            flatten(f"{prefix}.{k}" if prefix else k, v, out)
    elif value is not None and not isinstance(value, list):
        out[prefix] = value
config = {}
flatten("", json.load(open(os.path.join(run, "config.json"))), config)
for key, value in config.items():
    assert key in start.hparams, f"hparam {key} missing; have {sorted(start.hparams)}"
    hv = start.hparams[key]
    kind = hv.WhichOneof("kind")
    got = {"number_value": hv.number_value, "string_value": hv.string_value, "bool_value": hv.bool_value}[kind]
    if isinstance(value, bool):
        assert kind == "bool_value" and got == value, f"hparam {key}: {hv} != {value!r}"
    else:
        assert got == value, f"hparam {key}: {got!r} != {value!r}"
assert end.status == 1, f"session end status {end.status}, expected STATUS_SUCCESS (1)"
# TensorBoard's data provider (what the HParams dashboard reads) lists only tensor summaries.
pacc = plugin_event_accumulator.EventAccumulator(run)
pacc.Reload()
assert "_hparams_/session_start_info" in pacc.Tags()["tensors"], pacc.Tags()
print(f"OK hparams {len(config)} config keys, status success")

# Corruption: TensorBoard's record reader refuses a flipped byte and a cut file by their CRC/length.
def read_all(p):
    reader = pywrap_tensorflow.PyRecordReader_New(p)
    n = 0
    while True:
        try:
            reader.GetNext()
            n += 1
        except errors.OutOfRangeError:
            return n
data = open(files[0], "rb").read()
assert read_all(files[0]) > 0
with tempfile.TemporaryDirectory() as d:
    for name, mutated in [("flipped", data[:len(data) // 2] + bytes([data[len(data) // 2] ^ 0x10]) + data[len(data) // 2 + 1:]),
                          ("truncated", data[:-5])]:
        p = os.path.join(d, "events.out.tfevents.0." + name)
        open(p, "wb").write(mutated)
        try:
            read_all(p)
        except errors.DataLossError as e:
            print(f"OK {name} file refused: {e.message}")
        else:
            raise AssertionError(f"{name} event file was read without an error")
