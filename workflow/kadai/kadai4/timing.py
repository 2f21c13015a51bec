"""課題4 timing: the training time of every setting of one parameter, measured alternately.

Accuracy comes from the training jobs (every seed); time comes from here, because settings
trained in separate jobs meet the machine in different moods. Here one training run of every
setting (the same seed each time) forms a round; rounds repeat with the order rotated, a round
holding a disturbed run is repeated (:func:`kadai.measure.interleave_defended`), and settings are
compared round by round. A run's time is its training time without the per-epoch evaluation.
"""

from __future__ import annotations

import pandas as pd

from .. import measure, threads
from ..io import write_csv
from ..rows import TIMING4
from .settings import setting
from .train import load_dataset, train_once


def print_nothing(message: str) -> None:
    pass


def updates(s: dict, n_train: int) -> int:
    """Optimiser steps of one training run of the setting ``s`` on ``n_train`` examples: the fast
    loop (kadai.train.loops.fast_batches) takes the batches at 0, B, 2B, … of every epoch."""
    return int(s["epochs"]) * len(range(0, n_train, int(s["batch_size"])))


def run(param: str, values: list, cfg: dict, npz_path, out_csv) -> None:
    rows = []
    with threads.limited(1):  # one thread: a busy second core cannot change the comparison
        dataset = load_dataset(cfg, npz_path)
        seed = cfg["seeds"][0]

        def case(value):
            s = setting(cfg["baseline"], param, value)
            def run():
                return {"seconds": sum(h["train_s"] for h in train_once(s, dataset, seed, progress=print_nothing)[1])}
            return run

        cases = {str(v): case(v) for v in values}
        steps = {str(v): updates(setting(cfg["baseline"], param, v), len(dataset[0])) for v in values}
        samples = measure.interleave_defended(cases, cfg["timing_rounds"], cfg["outlier_factor"],
                                              progress=measure.Progress(f"kadai4/timing/{param}"))
    for s in samples:
        rows.append({"param": param, "value": s["name"], "updates": steps[s["name"]], "round": s["round"],
                     "seconds": s["seconds"], "status": s["status"], "faults": s["faults"], "busy": s["busy"],
                     "cores": s["cores"]})
    write_csv(out_csv, pd.DataFrame(rows), TIMING4)
