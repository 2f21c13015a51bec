"""課題4's explanation experiment: is Sigmoid's shortfall against ReLU its slope of 1/4?

Near 0, σ(x) ≈ 0.5 + x/4: every hidden layer shrinks the differences between examples to about a
quarter, and an adaptive optimiser (Adam) rescales gradients but not those forward differences.
Sigmoid also saturates and is never negative, so the accuracy gap alone cannot tell which property
costs the accuracy. This job trains the baseline with ReLU, Sigmoid and 4·σ(x) — the same curve
stretched to slope 1 at 0, still saturating and never negative, but also with a 4× wider output
range — each with every ``explain_seeds`` seed (a seed gives the three the same initial weights and
batch order, so they are compared seed by seed): if the slope (or the narrow range) is the cause,
4·σ is as accurate as ReLU; if it is not, as inaccurate as Sigmoid (decided in
:func:`kadai.kadai4.analyse.slope_test`)."""

from __future__ import annotations

import pandas as pd

from .. import threads
from ..io import write_csv
from ..rows import RUNS4
from ..train import models
from . import train
from .labels import SCALED
from .settings import setting

COMPARED = ("relu", "sigmoid", SCALED)  # the activations of the experiment


def scaled_sigmoid(x):
    """4·σ(x): slope 1 at 0, values in (0, 4)."""
    import torch

    return 4.0 * torch.sigmoid(x)


def run(cfg: dict, npz_path, out_csv, n_threads: int | None = None) -> None:
    """Train the baseline with each of :data:`COMPARED`, every ``explain_seeds`` seed; rows as
    ``kadai4_train``'s (param "activation", value the activation)."""
    models.ACTIVATIONS.setdefault(SCALED, scaled_sigmoid)  # known to this job's process only
    rows = []
    with threads.limited(threads.usable(n_threads)):
        dataset = train.load_dataset(cfg, npz_path)
        for act in COMPARED:
            s = setting(cfg["baseline"], "activation", act)
            for seed in cfg["explain_seeds"]:
                say = lambda m, a=act, seed=seed: print(f"[kadai4/explain/{a}/s{seed}] {m}")  # noqa: E731
                model, hist, total = train.train_once(s, dataset, seed, say)
                rows += [{**h, "seed": seed, "param": "activation", "value": act,
                          "params": models.param_count(model), "run_s": total} for h in hist]
    write_csv(out_csv, pd.DataFrame(rows), RUNS4)
