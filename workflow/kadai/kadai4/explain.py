"""課題4's explanation experiment: is Sigmoid's shortfall against ReLU its slope of 1/4?

Near 0, σ(x) ≈ 0.5 + x/4: every hidden layer shrinks the differences between examples to about a
quarter, and an adaptive optimiser (Adam) rescales gradients but not those forward differences.
Sigmoid also saturates and is never negative, so the accuracy gap alone cannot tell which property
costs the accuracy. This job trains the baseline with 4·σ(x) — the same curve, stretched to slope 1
at 0, still saturating and never negative — with the same seeds (so the same initial weights and
batch order): if the slope is the cause, 4·σ is as accurate as ReLU; if it is not, it is as
inaccurate as Sigmoid (decided in :func:`kadai.kadai4.analyse.slope_test`)."""

from __future__ import annotations

from ..train import models
from . import train
from .labels import SCALED


def scaled_sigmoid(x):
    """4·σ(x): slope 1 at 0, values in (0, 4)."""
    import torch

    return 4.0 * torch.sigmoid(x)


def run(cfg: dict, npz_path, out_csv, n_threads: int | None = None) -> None:
    """Train the baseline with 4·σ as its activation, every seed; rows as ``kadai4_train``'s
    (param "activation", value :data:`SCALED`)."""
    models.ACTIVATIONS.setdefault(SCALED, scaled_sigmoid)  # known to this job's process only
    train.run_setting("activation", SCALED, cfg, npz_path, out_csv, n_threads)
