"""Benchmark: one epoch of the course CNN with the DataLoader loop and with the fast loop.

``python -m kadai.kadai3 [--dataset fashion-mnist] [--source-dir DIR] [--batch-size 64]``
"""

from __future__ import annotations

import argparse


def measure(dataset: str = "mnist", data_dir="data", source_dir=None, batch_size: int = 64) -> dict:
    """One epoch of the course CNN with the fast loop, then one with the DataLoader loop."""
    import torch

    from ..train import data, loops, models
    from .train import tensors

    cfg = {"dataset": dataset, "data_dir": data_dir, "source_dir": source_dir, "download": True}
    device = loops.device_for("auto")
    x, y, tx, ty = tensors(cfg, device)
    spec = "conv4-conv4-fc128"
    torch.manual_seed(0)
    fast = loops.train_fast(models.SpecNet(spec), x, y, tx, ty, epochs=1, batch_size=batch_size, seed=0,
                            device=device, progress=lambda m: None)[0]
    ds = data.torchvision_dataset(dataset, data_dir, True)
    tds = data.torchvision_dataset(dataset, data_dir, False)
    torch.manual_seed(0)
    dl = loops.train_dataloader(models.SpecNet(spec), ds, tds, epochs=1, batch_size=batch_size, seed=0,
                                device=device, progress=lambda m: None)[0]
    return {"dataset": data.DATASETS[dataset][2], "batch_size": batch_size, "device": device.type,
            "threads": torch.get_num_threads(), "fast_s": fast["train_s"], "fast_acc": fast["accuracy"],
            "dl_s": dl["train_s"], "dl_acc": dl["accuracy"], "ratio": dl["train_s"] / fast["train_s"]}


def describe(r: dict) -> str:
    return (f"{r['dataset']}, course CNN, batch {r['batch_size']}, {r['device']} ({r['threads']} threads): "
            f"DataLoader loop {r['dl_s']:.2f} s/epoch (accuracy {r['dl_acc']:.4f}), "
            f"fast loop {r['fast_s']:.2f} s/epoch (accuracy {r['fast_acc']:.4f}), ratio {r['ratio']:.2f}")


def main(argv) -> int:
    from ..train import data

    p = argparse.ArgumentParser(prog="python -m kadai.kadai3",
                                description="DataLoader loop vs fast loop, one epoch of the course CNN")
    p.add_argument("--dataset", default="mnist", choices=list(data.DATASETS))
    p.add_argument("--data-dir", default="data")
    p.add_argument("--source-dir", default=None)
    p.add_argument("--batch-size", type=int, default=64)
    a = p.parse_args(argv)
    print(describe(measure(a.dataset, a.data_dir, a.source_dir, a.batch_size)))
    return 0
