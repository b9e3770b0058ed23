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
config_json = json.load(open(os.path.join(run, "config.json")))

# Per-iteration scalars (tensorboardEveryIterations = N > 0): the step's own batch at every
# multiple of N, each once. With N = 1 every step is there, so each epoch's batches, weighted by
# their sizes, must give metrics.csv's train loss and accuracy, and the epoch's last step its
# learning rate.
every = config_json.get("tensorboardEveryIterations", 0)
iteration_tags = [t for t in tags["scalars"] if t.startswith("iteration/")]
if every > 0:
    want_steps = list(range(every, steps[-1] + 1, every))
    expected_tags = {"iteration/loss_train", "iteration/accuracy_train", "iteration/learning_rate", "iteration/images_per_second"}
    assert expected_tags <= set(iteration_tags), f"iteration tags {iteration_tags}"
    for tag in iteration_tags:
        got = [e.step for e in acc.Scalars(tag)]
        assert got == want_steps, f"{tag}: steps {got[:20]}… ({len(got)}), expected every {every} up to {steps[-1]} ({len(want_steps)})"
    if every == 1:
        loss = {e.step: e.value for e in acc.Scalars("iteration/loss_train")}
        accuracy = {e.step: e.value for e in acc.Scalars("iteration/accuracy_train")}
        rate = {e.step: e.value for e in acc.Scalars("iteration/learning_rate")}
        batch, start = config_json["batchSize"], 0
        for r in rows:
            end, samples = int(r["iterations"]), int(r["samples"])
            sizes = [batch] * (end - start - 1) + [samples - batch * (end - start - 1)]
            mean_loss = sum(loss[s] * n for s, n in zip(range(start + 1, end + 1), sizes)) / samples
            mean_acc = sum(accuracy[s] * n for s, n in zip(range(start + 1, end + 1), sizes)) / samples
            assert math.isclose(mean_loss, float(r["train_loss"]), rel_tol=1e-5), f"epoch {r['epoch']}: batch losses give {mean_loss}, metrics.csv {r['train_loss']}"
            assert math.isclose(mean_acc, float(r["train_accuracy"]), rel_tol=1e-5), f"epoch {r['epoch']}: batch accuracies give {mean_acc}, metrics.csv {r['train_accuracy']}"
            assert np.float32(rate[end]) == np.float32(float(r["learning_rate"])), f"epoch {r['epoch']}: learning rate {rate[end]} != {r['learning_rate']}"
            start = end
    print(f"OK iterations {len(iteration_tags)} tags every {every} iterations, {len(want_steps)} steps")
else:
    assert not iteration_tags, f"per-iteration tags without tensorboardEveryIterations: {iteration_tags}"

# Parameter histograms (tensorboardWeightHistograms): one per parameter tensor and epoch; the
# last epoch's equal the final checkpoint's tensors (last.safetensors, read here by hand).
parameter_tags = [t for t in tags["histograms"] if t.startswith("parameters/")]
if config_json.get("tensorboardWeightHistograms", False):
    raw = open(os.path.join(run, "last.safetensors"), "rb").read()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + size])
    def tensor(name):
        info = header[name]
        assert info["dtype"] == "F32", f"{name}: {info['dtype']}"
        begin, end = info["data_offsets"]
        return np.frombuffer(raw[8 + size + begin:8 + size + end], dtype="<f4").astype(np.float64)
    names = {n for n in header if n != "__metadata__" and not n.startswith(("optimizer.", "hook.")) and n.endswith((".weight", ".bias"))}
    assert {t[len("parameters/"):] for t in parameter_tags} == names, f"parameter tags {sorted(parameter_tags)} vs checkpoint {sorted(names)}"
    for tag in parameter_tags:
        events = acc.Histograms(tag)
        assert [e.step for e in events] == steps, f"{tag}: steps {[e.step for e in events]} != metrics.csv iterations {steps}"
        h, values = events[-1].histogram_value, tensor(tag[len("parameters/"):])
        assert (h.num, h.min, h.max) == (len(values), values.min(), values.max()), f"{tag}: num/min/max {(h.num, h.min, h.max)}"
        assert math.isclose(h.sum, values.sum(), rel_tol=1e-9, abs_tol=1e-9), f"{tag}: sum {h.sum} != {values.sum()}"
        limits = np.array(h.bucket_limit)
        assert limits[-1] == values.max() and np.all(np.diff(limits) > 0), f"{tag}: limits {limits}"
        index = np.minimum(np.searchsorted(limits, values, side="right"), len(limits) - 1)
        counts = np.bincount(index, minlength=len(limits)).astype(float)
        assert list(h.bucket) == list(counts), f"{tag}: counts {list(h.bucket)} != {list(counts)}"
    print(f"OK parameter histograms {len(parameter_tags)} tensors x {len(steps)} epochs, the last equal to last.safetensors")
else:
    assert not parameter_tags, f"parameter histograms without tensorboardWeightHistograms: {parameter_tags}"

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
flatten("", config_json, config)
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
