"""Benchmark: one epoch of the course CNN with the DataLoader loop and with the fast loop.

``python -m kadai.kadai3 [--dataset fashion-mnist] [--source-dir DIR] [--batch-size 64]``
"""

from __future__ import annotations

import argparse


def main(argv) -> int:
    import torch

    from ..train import data, loops, models
    from .train import tensors

    p = argparse.ArgumentParser(prog="python -m kadai.kadai3",
                                description="DataLoader loop vs fast loop, one epoch of the course CNN")
    p.add_argument("--dataset", default="mnist", choices=list(data.DATASETS))
    p.add_argument("--data-dir", default="data")
    p.add_argument("--source-dir", default=None)
    p.add_argument("--batch-size", type=int, default=64)
    a = p.parse_args(argv)
    cfg = {"dataset": a.dataset, "data_dir": a.data_dir, "source_dir": a.source_dir, "download": True}
    device = loops.device_for("auto")
    x, y, tx, ty = tensors(cfg, device)
    spec = "conv4-conv4-fc128"
    torch.manual_seed(0)
    fast = loops.train_fast(models.SpecNet(spec), x, y, tx, ty, epochs=1, batch_size=a.batch_size, seed=0,
                            device=device, progress=lambda m: None)[0]
    ds = data.torchvision_dataset(a.dataset, a.data_dir, True)
    tds = data.torchvision_dataset(a.dataset, a.data_dir, False)
    torch.manual_seed(0)
    dl = loops.train_dataloader(models.SpecNet(spec), ds, tds, epochs=1, batch_size=a.batch_size, seed=0,
                                device=device, progress=lambda m: None)[0]
    print(f"{data.DATASETS[a.dataset][2]}, course CNN, batch {a.batch_size}, {device.type}: "
          f"DataLoader loop {dl['train_s']:.2f} s/epoch (accuracy {dl['accuracy']:.4f}), "
          f"fast loop {fast['train_s']:.2f} s/epoch (accuracy {fast['accuracy']:.4f}), "
          f"ratio {dl['train_s'] / fast['train_s']:.2f}")
    return 0
