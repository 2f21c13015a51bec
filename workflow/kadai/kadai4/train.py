"""課題4 training jobs: one setting (the baseline with one parameter changed), every seed.

A student's own CSV (feature columns + label column) can replace the font digits through the
config; its features are standardised and a seeded share of rows is held out for testing.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .. import threads
from ..io import write_csv
from ..rows import RUNS4
from ..train import data, loops, models
from ..train.spec import parse_optimizer
from .settings import setting, spec_of


def load_dataset(cfg: dict, npz_path):
    """(x_train, y_train, x_test, y_test, in_shape) as tensors; images or the user's CSV.

    ``cfg``: csv (None for the font digits), csv_label, csv_test_fraction, split_seed."""
    import torch

    if cfg["csv"]:
        df = pd.read_csv(cfg["csv"])
        label = cfg["csv_label"]
        y = pd.factorize(df[label], sort=True)[0]
        x = df.drop(columns=[label]).to_numpy(np.float32)
        x = (x - x.mean(0)) / (x.std(0) + 1e-8)
        idx = np.random.default_rng(cfg["split_seed"]).permutation(len(x))
        n_test = max(1, int(len(x) * cfg["csv_test_fraction"]))
        te, tr = idx[:n_test], idx[n_test:]
        t = lambda a: torch.from_numpy(np.ascontiguousarray(a))
        return t(x[tr]), t(y[tr]), t(x[te]), t(y[te]), (x.shape[1],)
    d = np.load(npz_path)
    dev = torch.device("cpu")
    return (data.normalised(torch.from_numpy(d["x_train"]), dev), torch.from_numpy(d["y_train"]),
            data.normalised(torch.from_numpy(d["x_test"]), dev), torch.from_numpy(d["y_test"]), (1, 28, 28))


def optimizer_of(s: dict) -> tuple[str, float | None]:
    """``adam@0.001`` → ("adam", 0.001); ``sgd`` → ("sgd", None)."""
    return parse_optimizer(s["optimizer"])


def train_once(s: dict, dataset, seed: int, progress=print):
    """Train the setting ``s`` once with ``seed``; returns (model, per-epoch rows, seconds)."""
    import torch

    x, y, tx, ty, in_shape = dataset
    classes = int(max(int(y.max()), int(ty.max())) + 1)
    if len(in_shape) == 1:  # CSV features: a 1×1 "image" with one channel per feature
        in_shape, x, tx = (in_shape[0], 1, 1), x[:, :, None, None], tx[:, :, None, None]
    torch.manual_seed(seed)
    model = models.SpecNet(spec_of(s), in_shape=in_shape, classes=classes, activation=s["activation"])
    name, lr = optimizer_of(s)
    t0 = time.perf_counter()
    hist = loops.train_fast(model, x, y, tx, ty, epochs=int(s["epochs"]), batch_size=int(s["batch_size"]),
                            seed=seed, device=torch.device("cpu"), loss=s["loss"], optimizer=name, lr=lr,
                            progress=progress)
    return model, hist, time.perf_counter() - t0


def run_setting(param: str, value, cfg: dict, npz_path, out_csv, n_threads: int | None = None) -> None:
    """Train one setting with every seed; one row per seed × epoch."""
    s = setting(cfg["baseline"], None if param == "baseline" else param, value)
    rows = []
    with threads.limited(threads.usable(n_threads)):
        dataset = load_dataset(cfg, npz_path)
        for seed in cfg["seeds"]:
            model, hist, total = train_once(s, dataset, seed,
                                            lambda m, seed=seed: print(f"[kadai4/{param}={value}/s{seed}] {m}"))
            rows += [{**h, "seed": seed, "param": param, "value": str(value),
                      "params": models.param_count(model), "run_s": total} for h in hist]
    write_csv(out_csv, pd.DataFrame(rows), RUNS4)
