"""課題3 timing: every model, and the course CNN with the course's DataLoader loop, trained for a
few batches each in alternating rounds.

Accuracy comes from the training jobs (full epochs, every seed); time comes from here, because
models trained in separate jobs meet the machine in different moods. A round trains every model
for ``timing_steps`` batches (forward, backward, update); rounds repeat with the order rotated,
a round holding a disturbed run is repeated (:func:`kadai.measure.interleave_defended`), and
models are compared round by round. Time per epoch = time per batch × batches per epoch.
"""

from __future__ import annotations

import pandas as pd

from .. import measure, threads
from ..io import write_csv
from ..rows import TIMING3
from ..train import data, loops, models
from .train import tensors

DATALOADER = "dataloader"  # the case name of the course CNN trained with the DataLoader loop


def cases(specs: list[str], cfg: dict, device) -> tuple[dict, int]:
    """One zero-argument training run of ``timing_steps`` batches per model, and the DataLoader
    loop's; returns them and the number of training images."""
    import torch

    x, y, _, _ = tensors(cfg, device)
    steps, batch = cfg["timing_steps"], cfg["batch_size"]
    out = {}
    for spec in specs:
        torch.manual_seed(0)
        run = loops.stepper(models.SpecNet(spec), loops.fast_batches(x, y, batch, 0, device), device)
        out[spec] = lambda run=run: run(steps)
    torch.manual_seed(0)
    ds = data.torchvision_dataset(cfg["dataset"], cfg["data_dir"], True)
    run = loops.stepper(models.SpecNet(cfg["baseline"]), loops.loader_batches(ds, batch, 0), device)
    out[DATALOADER] = lambda: run(steps)
    return out, len(x)


def run(specs: list[str], cfg: dict, out_csv) -> None:
    with threads.limited(1):  # one thread: a busy second core cannot change the comparison
        device = loops.device_for(cfg["device"])
        timed, n_train = cases(specs, cfg, device)
        samples = measure.interleave_defended(timed, cfg["timing_rounds"], cfg["outlier_factor"],
                                              progress=measure.Progress("kadai3/timing"))
    rows = [{"name": s["name"], "loop": "dataloader" if s["name"] == DATALOADER else "fast", "round": s["round"],
             "seconds": s["seconds"], "steps": cfg["timing_steps"],
             "batch_size": cfg["batch_size"], "train_size": n_train, "device": device.type, "status": s["status"],
             "faults": s["faults"], "busy": s["busy"], "cores": s["cores"]} for s in samples]
    write_csv(out_csv, pd.DataFrame(rows), TIMING3)
