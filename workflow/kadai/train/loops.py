"""Two training loops that record, per epoch, loss, test accuracy and where the time went.

:func:`train_fast` normalises the whole dataset once into a tensor on the training device and
slices shuffled batches from it; :func:`train_dataloader` is written like the course's mnist.py
(``DataLoader`` with ``ToTensor`` and ``Normalize`` per sample).
"""

from __future__ import annotations

import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def _evaluate(model, x, y, batch: int = 1000) -> float:
    model.eval()
    correct = 0
    with torch.inference_mode():
        for i in range(0, len(x), batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    model.train()
    return correct / len(x)


def make_loss(name: str, classes: int = 10):
    if name == "cross_entropy":
        return nn.CrossEntropyLoss()
    if name == "mse":
        mse = nn.MSELoss()
        return lambda out, y: mse(out, F.one_hot(y, classes).to(out.dtype))
    raise ValueError(f"unknown loss {name!r}")


def make_optimizer(name: str, params, lr: float | None):
    if name == "adam":  # fused: one kernel updates every parameter (the same update rule, fewer passes)
        return torch.optim.Adam(params, lr=lr or 1e-3, fused=True)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr or 0.01, momentum=0.9)
    raise ValueError(f"unknown optimiser {name!r}")


def _run_epochs(model, crit, opt, batches, evaluate, *, epochs: int, device, progress) -> list[dict]:
    """The loop both trainers share. ``batches()`` yields (x, y) for one epoch: the time spent
    getting each batch is data time, the time of forward, backward and update is compute time;
    ``evaluate()`` returns the test accuracy and is timed apart."""
    rows = []
    for epoch in range(1, epochs + 1):
        t_data = t_comp = 0.0
        total_loss, seen = 0.0, 0
        _sync(device)
        t_epoch = time.perf_counter()
        it = iter(batches())
        while True:
            t0 = time.perf_counter()
            try:
                xb, yb = next(it)
            except StopIteration:
                break
            xb, yb = xb.to(device), yb.to(device)
            _sync(device)
            t1 = time.perf_counter()
            opt.zero_grad()
            lv = crit(model(xb), yb)
            lv.backward()
            opt.step()
            total_loss += lv.item() * len(yb)
            seen += len(yb)
            t_data += t1 - t0
            t_comp += time.perf_counter() - t1
        _sync(device)
        t_train = time.perf_counter() - t_epoch
        t0 = time.perf_counter()
        acc = evaluate()
        _sync(device)
        t_eval = time.perf_counter() - t0
        rows.append(dict(epoch=epoch, loss=total_loss / seen, accuracy=acc, train_s=t_train,
                         data_s=t_data, compute_s=t_comp, eval_s=t_eval))
        progress(f"epoch {epoch}/{epochs}: loss {total_loss / seen:.4f}, accuracy {acc:.4f}, "
                 f"train {t_train:.2f} s (data {t_data:.2f} s), eval {t_eval:.2f} s")
    return rows


def fast_batches(train_x, train_y, batch_size: int, seed: int, device):
    """The fast loop's batches: a new permutation per epoch, slices of the tensors on the device.
    Returns a function that yields one epoch's (x, y) batches each time it is called."""
    gen = torch.Generator().manual_seed(seed)

    def epoch():
        perm = torch.randperm(len(train_x), generator=gen).to(device)
        for i in range(0, len(train_x), batch_size):
            idx = perm[i:i + batch_size]
            yield train_x[idx], train_y[idx]
    return epoch


def loader_batches(train_ds, batch_size: int, seed: int):
    """The course's batches: a DataLoader over a torchvision dataset, per-sample transforms."""
    from torch.utils.data import DataLoader

    loader = DataLoader(train_ds, batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    return lambda: loader


def train_fast(model, train_x, train_y, test_x, test_y, *, epochs: int, batch_size: int, seed: int,
               device, loss="cross_entropy", optimizer="adam", lr=None, progress=print) -> list[dict]:
    """Whole dataset as one tensor on the device; a permutation per epoch; sliced batches."""
    model.to(device)
    crit, opt = make_loss(loss), make_optimizer(optimizer, model.parameters(), lr)
    return _run_epochs(model, crit, opt, fast_batches(train_x, train_y, batch_size, seed, device),
                       lambda: _evaluate(model, test_x, test_y), epochs=epochs, device=device, progress=progress)


def train_dataloader(model, train_ds, test_ds, *, epochs: int, batch_size: int, seed: int, device,
                     progress=print) -> list[dict]:
    """The course's loop: DataLoader over a torchvision dataset with per-sample transforms."""
    from torch.utils.data import DataLoader

    model.to(device)
    # the fast loop's loss and optimiser: the two loops differ in their data handling only
    crit, opt = make_loss("cross_entropy"), make_optimizer("adam", model.parameters(), None)
    test_loader = DataLoader(test_ds, batch_size=1000, shuffle=False)

    def evaluate():
        model.eval()
        correct = 0
        with torch.inference_mode():
            for data, target in test_loader:
                correct += (model(data.to(device)).argmax(1) == target.to(device)).sum().item()
        model.train()
        return correct / len(test_ds)

    return _run_epochs(model, crit, opt, loader_batches(train_ds, batch_size, seed), evaluate, epochs=epochs,
                       device=device, progress=progress)


def stepper(model, batches, device, loss="cross_entropy", optimizer="adam", lr=None):
    """A function ``run(steps)`` that trains ``model`` for that many batches (forward, backward,
    update), drawing batches from ``batches()`` epoch after epoch: for timing a fixed amount of
    training, interleaved with other models (see kadai.measure.interleave)."""
    model.to(device)
    crit, opt = make_loss(loss), make_optimizer(optimizer, model.parameters(), lr)
    state = {"it": iter(batches())}

    def run(steps: int) -> None:
        for _ in range(steps):
            try:
                xb, yb = next(state["it"])
            except StopIteration:
                state["it"] = iter(batches())
                xb, yb = next(state["it"])
            opt.zero_grad()
            crit(model(xb.to(device)), yb.to(device)).backward()
            opt.step()
        _sync(device)
    return run


def device_for(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)
