"""課題3 layer profile: where one training batch of each model spends its time, by kind of layer.

Every model trains ``profile_steps`` batches (forward, backward, update) under PyTorch's profiler,
in alternating rounds on one thread, on the CPU (the timing's own thread count; a GPU's kernels
run asynchronously and would need its own profile). Each operator's self time goes to the layer
kind it belongs to: the convolutions (forward and backward), the linear layers' matrix products
(forward and backward), and everything else (activations, loss, optimiser, copies). Time is
given per batch; the rounds let the analysis compare two models round by round.

After its profiled batches, each model with convolutions trains as many batches again under
oneDNN's verbose mode (:mod:`kadai.onednn`), which times each primitive it runs itself: how much
of the convolution layers' time is oneDNN's convolution (forward and backward passes), how much
its reorders of data between PyTorch's layout and its own, and the convolutions' weight formats.
"""

from __future__ import annotations

import pandas as pd

from .. import onednn, threads
from ..io import write_csv

KINDS = ("conv", "linear", "other")
#: the profile's rows: seconds per batch of each layer kind, per model and round (its own schema here,
#: not in kadai.rows, whose every importer would rerun its measurements when a schema is added)
# ``onednn_*``: oneDNN's account of as many batches again (NaN, and no formats, where oneDNN ran none)
PROFILE3 = {"model": "text", "round": "int", "steps": "int", "batch_size": "int", "device": "text",
            "conv_s": "number", "linear_s": "number", "other_s": "number",
            "onednn_conv_s": "number", "onednn_reorder_s": "number", "onednn_weights": "text"}
#: a model's row where oneDNN ran no convolution (none in the model, or PyTorch convolved itself)
NO_ACCOUNT = {"onednn_conv_s": float("nan"), "onednn_reorder_s": float("nan"), "onednn_weights": ""}
_LINEAR = ("addmm", "aten::mm", "aten::linear", "aten::matmul", "aten::bmm", "mmbackward")


def kind_of(op: str) -> str:
    """The layer kind of a profiler event's name: ``conv`` for convolutions (aten::convolution,
    mkldnn_convolution, ConvolutionBackward0, …), ``linear`` for the matrix products of linear
    layers (aten::addmm, aten::mm, AddmmBackward0, …), else ``other``."""
    name = op.lower()
    if "convolution" in name or "conv2d" in name:
        return "conv"
    if any(k in name for k in _LINEAR):
        return "linear"
    return "other"


def profiled(run, steps: int) -> dict:
    """Seconds per batch of each layer kind while ``run(steps)`` trains: the operators' self CPU
    times summed by :func:`kind_of` (on one thread their sum is the time the batches took)."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        run(steps)
    out = dict.fromkeys(KINDS, 0.0)
    for event in prof.key_averages():
        out[kind_of(event.key)] += event.self_cpu_time_total * 1e-6 / steps
    return out


def onednn_account(run, steps: int) -> dict:
    """oneDNN's own times of ``run(steps)`` (:func:`kadai.onednn.traced`): seconds per batch of its
    convolution primitives and of its reorders, and the convolutions' weight formats, distinct and
    sorted, each marked ``:p`` where padded (``Acdb16a:p``); NaN and "" where oneDNN ran no
    convolution (a PyTorch without oneDNN, or one that convolves by itself)."""
    prims = onednn.primitives(onednn.traced(lambda: run(steps))[1])
    conv = [p for p in prims if p["primitive"] == "convolution"]
    if not conv:
        return dict(NO_ACCOUNT)
    return {"onednn_conv_s": sum(p["ms"] for p in conv) * 1e-3 / steps,
            "onednn_reorder_s": sum(p["ms"] for p in prims if p["primitive"] == "reorder") * 1e-3 / steps,
            "onednn_weights": " ".join(sorted({p["wei"] + (":p" if p["wei_padded"] else "") for p in conv
                                               if p["wei"]}))}


def run(specs: list[str], cfg: dict, out_csv) -> None:
    import torch

    from ..train import loops, models  # torch: imported by the job, not by the analysis that reads PROFILE3
    from .train import tensors

    device = torch.device("cpu")
    steps, batch = cfg["profile_steps"], cfg["batch_size"]
    with threads.limited(1):  # as the timing: one thread, so a busy second core changes no share
        x, y, _, _ = tensors(cfg, device)
        runs = {}
        for spec in specs:
            torch.manual_seed(0)
            runs[spec] = loops.stepper(models.SpecNet(spec), loops.fast_batches(x, y, batch, 0, device), device)
            runs[spec](steps)  # warm-up: first calls choose kernels and allocate
        rows = []
        for r in range(cfg["timing_rounds"]):
            order = specs[r % len(specs):] + specs[:r % len(specs)]  # each model leads once in turn
            for spec in order:
                kinds = profiled(runs[spec], steps)
                account = onednn_account(runs[spec], steps) if kinds["conv"] > 0 else NO_ACCOUNT
                rows.append({"model": spec, "round": r, "steps": steps, "batch_size": batch, "device": device.type,
                             **{f"{k}_s": v for k, v in kinds.items()}, **account})
            print(f"[kadai3/profile] round {r + 1}/{cfg['timing_rounds']}", flush=True)
    write_csv(out_csv, pd.DataFrame(rows), PROFILE3)
