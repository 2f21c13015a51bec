"""課題4's explanation experiment: which of Sigmoid's properties costs it accuracy against ReLU?

Near 0, σ(x) ≈ 0.5 + x/4: every hidden layer shrinks the differences between examples to about a
quarter. Sigmoid also has outputs only in (0, 1), never negative and centred on 0.5, and it
saturates, so the accuracy gap alone cannot tell which property costs the accuracy. This job trains
the baseline with a ladder of activations from Sigmoid to ReLU (:data:`kadai.kadai4.labels.LADDER`),
each step changing its shape: σ(4x) (slope 1 at 0, same outputs; it saturates at a quarter of
the input), 4σ(x) (outputs in (0, 4), saturating where Sigmoid does), 4σ(x) − 2 (centred on 0),
then ReLU. Every b·σ(a·x) − c is Sigmoid with the weights and biases around it rescaled and shifted,
so the four Sigmoid forms can represent the same networks: what differs is how training from the
same initial weights with the same learning rate proceeds. Each activation trains with every
``explain_seeds`` seed (a seed gives them all the same initial weights and batch order, so
neighbours on the ladder are compared seed by seed, :func:`kadai.kadai4.analyse.ladder_test`)."""

from __future__ import annotations

import pandas as pd

from .. import threads
from ..io import write_csv
from ..rows import RUNS4
from ..train import models
from . import train
from .labels import LADDER, SIGMOID_FORMS
from .settings import setting


def sigmoid_form(a: float, b: float, c: float):
    """x ↦ b·σ(a·x) − c: slope a·b/4 at 0, outputs in (−c, b − c)."""
    import torch

    return lambda x: b * torch.sigmoid(a * x) - c


def run(cfg: dict, npz_path, out_csv, n_threads: int | None = None) -> None:
    """Train the baseline with each activation of :data:`LADDER`, every ``explain_seeds`` seed; rows
    as ``kadai4_train``'s (param "activation", value the activation)."""
    for name, form in SIGMOID_FORMS.items():  # known to this job's process only
        models.ACTIVATIONS.setdefault(name, sigmoid_form(*form))
    rows = []
    with threads.limited(threads.usable(n_threads)):
        dataset = train.load_dataset(cfg, npz_path)
        for act in LADDER:
            s = setting(cfg["baseline"], "activation", act)
            for seed in cfg["explain_seeds"]:
                say = lambda m, a=act, seed=seed: print(f"[kadai4/explain/{a}/s{seed}] {m}")  # noqa: E731
                model, hist, total = train.train_once(s, dataset, seed, say)
                rows += [{**h, "seed": seed, "param": "activation", "value": act,
                          "params": models.param_count(model), "run_s": total} for h in hist]
    write_csv(out_csv, pd.DataFrame(rows), RUNS4)
