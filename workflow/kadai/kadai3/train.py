"""課題3 training jobs: one model × seed with the fast loop, or the course CNN with the
course-style DataLoader loop. One row per epoch."""

from __future__ import annotations

import pandas as pd

from .. import threads
from ..io import write_csv
from ..rows import RUNS3
from ..train import data, loops, models


def tensors(cfg: dict, device):
    """Training and test data, normalised once, on the device."""
    data.prepare(cfg["dataset"], cfg["data_dir"], cfg["source_dir"], cfg["download"])
    x, y = data.load_tensors(cfg["dataset"], cfg["data_dir"], True)
    tx, ty = data.load_tensors(cfg["dataset"], cfg["data_dir"], False)
    return data.normalised(x, device), y.to(device), data.normalised(tx, device), ty.to(device)


def run_training(spec: str, seed: int, cfg: dict, out_csv, n_threads: int | None = None) -> None:
    """Train one model with the fast loop."""
    import torch

    with threads.limited(threads.usable(n_threads)):
        device = loops.device_for(cfg["device"])
        x, y, tx, ty = tensors(cfg, device)
        torch.manual_seed(seed)
        model = models.SpecNet(spec)
        rows = loops.train_fast(model, x, y, tx, ty, epochs=cfg["epochs"], batch_size=cfg["batch_size"], seed=seed,
                                device=device, progress=lambda m: print(f"[kadai3/{spec}/s{seed}] {m}"))
        df = pd.DataFrame(rows).assign(model=spec, seed=seed, loop="fast", device=device.type,
                                       params=models.param_count(model), threads=torch.get_num_threads())
    write_csv(out_csv, df, RUNS3)


def run_loader(seed: int, cfg: dict, out_csv, n_threads: int | None = None) -> None:
    """The course CNN with the course-style DataLoader loop (per-sample ToTensor/Normalize)."""
    import torch

    with threads.limited(threads.usable(n_threads)):
        device = loops.device_for(cfg["device"])
        data.prepare(cfg["dataset"], cfg["data_dir"], cfg["source_dir"], cfg["download"])
        ds = data.torchvision_dataset(cfg["dataset"], cfg["data_dir"], True)
        tds = data.torchvision_dataset(cfg["dataset"], cfg["data_dir"], False)
        torch.manual_seed(seed)
        model = models.SpecNet(cfg["baseline"])
        rows = loops.train_dataloader(model, ds, tds, epochs=cfg["loader_epochs"], batch_size=cfg["batch_size"],
                                      seed=seed, device=device,
                                      progress=lambda m: print(f"[kadai3/dataloader/s{seed}] {m}"))
        df = pd.DataFrame(rows).assign(model=cfg["baseline"], seed=seed, loop="dataloader", device=device.type,
                                       params=models.param_count(model), threads=torch.get_num_threads())
    write_csv(out_csv, df, RUNS3)
