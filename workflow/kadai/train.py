"""Datasets, models from compact specs, and two training loops (shared by 課題3 and 課題4).

Model spec: layers joined by ``-``; ``convC`` is a 3×3 Conv2d with C output channels followed
by ReLU, ``poolK`` a K×K max-pool, ``fcH`` a Linear layer with H outputs followed by ReLU. A
Flatten is inserted before the first ``fc`` and a final Linear to the number of classes is
appended. ``conv4-conv4-fc128`` is the course CNN; ``fc128`` is the same network with the
Conv2d layers removed. Layers are registered under the course's names (conv1, conv2, flatten,
fc1, fc2, …) and activations are applied in ``forward``, so torchinfo lists exactly the rows
of the lecture's table.

Loops: :func:`train_fast` normalises the whole dataset once into a tensor on the training
device and slices shuffled batches from it; :func:`train_dataloader` is written like the
course's mnist.py (``DataLoader`` with ``ToTensor`` and ``Normalize`` per sample). Both record
per epoch the training loss, the test accuracy and the time split into data handling,
computation and evaluation.
"""

from __future__ import annotations

import gzip
import re
import shutil
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN, STD = 0.1307, 0.3081  # the course's normalisation (MNIST statistics)
DATASETS = {  # config name → (torchvision class, folder under data_dir, Japanese name)
    "mnist": ("MNIST", "MNIST", "MNIST"),
    "fashion-mnist": ("FashionMNIST", "FashionMNIST", "Fashion-MNIST"),
}
IDX_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
             "t10k-labels-idx1-ubyte"]


class DatasetMissing(FileNotFoundError):
    pass


# ---------------------------------------------------------------- data


def raw_dir(dataset: str, data_dir) -> Path:
    return Path(data_dir) / DATASETS[dataset][1] / "raw"


def prepare(dataset: str, data_dir, source_dir=None, download: bool = True) -> Path:
    """Make the four IDX files available where torchvision looks for them.

    Order: files already in ``data_dir/<Name>/raw``; else copies (gunzipped) from
    ``source_dir``; else torchvision's download. Failing all three, the error names the folder
    and the four files.
    """
    raw = raw_dir(dataset, data_dir)
    if all((raw / f).exists() for f in IDX_FILES):
        return raw
    if source_dir:
        src = Path(source_dir)
        raw.mkdir(parents=True, exist_ok=True)
        for f in IDX_FILES:
            if (src / f).exists():
                shutil.copyfile(src / f, raw / f)
            elif (src / f"{f}.gz").exists():
                with gzip.open(src / f"{f}.gz", "rb") as fin, open(raw / f, "wb") as fout:
                    shutil.copyfileobj(fin, fout)
        if all((raw / f).exists() for f in IDX_FILES):
            return raw
    if download:
        try:
            import torchvision.datasets as tvd
            getattr(tvd, DATASETS[dataset][0])(str(data_dir), train=True, download=True)
            getattr(tvd, DATASETS[dataset][0])(str(data_dir), train=False, download=True)
            if all((raw / f).exists() for f in IDX_FILES):
                return raw
        except Exception as exc:  # noqa: BLE001 - any download failure ends in the message below
            reason = f"download failed ({type(exc).__name__}: {str(exc)[:120]})"
        else:
            reason = "download did not produce the files"
    else:
        reason = "download is switched off"
    raise DatasetMissing(
        f"{DATASETS[dataset][2]} is not available: {reason}.\n"
        f"Put the four IDX files (optionally .gz) into {raw.resolve()}:\n  "
        + "\n  ".join(IDX_FILES)
        + "\nor set kadai3.source_dir in config/config.yaml to a folder that holds them "
          "(Debian's dataset-fashion-mnist package installs Fashion-MNIST in "
          "/usr/share/datasets/fashion-mnist).")


def load_tensors(dataset: str, data_dir, train: bool):
    """uint8 images (N×28×28) and int64 labels through torchvision's own loader."""
    import torchvision.datasets as tvd
    ds = getattr(tvd, DATASETS[dataset][0])(str(data_dir), train=train, download=False)
    return ds.data, ds.targets


def torchvision_dataset(dataset: str, data_dir, train: bool):
    """The dataset the course's mnist.py uses: PIL images through ToTensor and Normalize."""
    import torchvision.datasets as tvd
    from torchvision import transforms
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])
    return getattr(tvd, DATASETS[dataset][0])(str(data_dir), train=train, download=False, transform=tf)


def write_idx(path, array: np.ndarray) -> None:
    """Write an IDX file (uint8 images N×H×W or labels N) — used by tests to make tiny data."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = bytes([0, 0, 0x08, array.ndim])
    dims = b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    Path(path).write_bytes(magic + dims + array.tobytes())


# ---------------------------------------------------------------- models

TOKEN = re.compile(r"^(conv|pool|fc)(\d+)$")


def parse_spec(spec: str) -> list[tuple[str, int]]:
    layers = []
    for tok in spec.split("-"):
        m = TOKEN.match(tok)
        if not m:
            raise ValueError(f"model spec {spec!r}: unknown layer {tok!r} (use convC, poolK, fcH)")
        layers.append((m.group(1), int(m.group(2))))
    return layers


ACTIVATIONS = {"relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "gelu": F.gelu}


class SpecNet(nn.Module):
    """A network built from a spec string; see the module docstring."""

    def __init__(self, spec: str, in_shape=(1, 28, 28), classes: int = 10, activation: str = "relu"):
        super().__init__()
        self.spec = spec
        self.act = ACTIVATIONS[activation]
        self.steps: list[tuple[str, bool]] = []  # (attribute name, apply activation after it)
        c, h, w = in_shape
        n_conv = n_fc = n_pool = 0
        flat = None
        for kind, size in parse_spec(spec):
            if kind == "conv":
                if flat is not None:
                    raise ValueError(f"model spec {spec!r}: conv after fc")
                n_conv += 1
                setattr(self, f"conv{n_conv}", nn.Conv2d(c, size, 3))
                self.steps.append((f"conv{n_conv}", True))
                c, h, w = size, h - 2, w - 2
            elif kind == "pool":
                n_pool += 1
                setattr(self, f"pool{n_pool}", nn.MaxPool2d(size))
                self.steps.append((f"pool{n_pool}", False))
                h, w = h // size, w // size
            else:
                if flat is None:
                    self.flatten = nn.Flatten()
                    self.steps.append(("flatten", False))
                    flat = c * h * w
                n_fc += 1
                setattr(self, f"fc{n_fc}", nn.Linear(flat, size))
                self.steps.append((f"fc{n_fc}", True))
                flat = size
            if h < 1 or w < 1:
                raise ValueError(f"model spec {spec!r}: the image shrank to nothing")
        if flat is None:
            self.flatten = nn.Flatten()
            self.steps.append(("flatten", False))
            flat = c * h * w
        setattr(self, f"fc{n_fc + 1}", nn.Linear(flat, classes))
        self.steps.append((f"fc{n_fc + 1}", False))

    def forward(self, x):
        for name, activate in self.steps:
            x = getattr(self, name)(x)
            if activate:
                x = self.act(x)
        return x


def param_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def summary(model: nn.Module, in_shape=(1, 28, 28)) -> dict:
    """torchinfo's table as data: one row per layer, plus totals (parameters, mult-adds)."""
    import torchinfo
    stats = torchinfo.summary(model, input_size=(1, *in_shape), verbose=0, device="cpu")
    rows = []
    for layer in stats.summary_list:
        if layer.depth == 0:
            continue
        rows.append([f"{layer.class_name}: {layer.depth}-{layer.depth_index}",
                     str(list(layer.output_size)), int(layer.num_params) if layer.num_params else 0,
                     int(layer.macs)])
    return {"rows": rows, "total_params": int(stats.total_params),
            "total_mult_adds": int(stats.total_mult_adds)}


# ---------------------------------------------------------------- training


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def _evaluate(model, x, y, batch: int = 1000) -> float:
    model.eval()
    correct = 0
    with torch.no_grad():
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
    if name == "adam":
        return torch.optim.Adam(params, lr=lr or 1e-3)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr or 0.01, momentum=0.9)
    raise ValueError(f"unknown optimiser {name!r}")


def normalised(images_u8: torch.Tensor, device) -> torch.Tensor:
    """uint8 N×28×28 → float N×1×28×28, (x/255 − mean)/std, on the device, once."""
    return ((images_u8.to(torch.float32) / 255.0 - MEAN) / STD).unsqueeze(1).to(device)


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


def train_fast(model, train_x, train_y, test_x, test_y, *, epochs: int, batch_size: int, seed: int,
               device, loss="cross_entropy", optimizer="adam", lr=None, progress=print) -> list[dict]:
    """Whole dataset as one tensor on the device; a permutation per epoch; sliced batches."""
    model.to(device)
    crit, opt = make_loss(loss), make_optimizer(optimizer, model.parameters(), lr)
    gen = torch.Generator().manual_seed(seed)

    def batches():
        perm = torch.randperm(len(train_x), generator=gen).to(device)
        for i in range(0, len(train_x), batch_size):
            idx = perm[i:i + batch_size]
            yield train_x[idx], train_y[idx]

    return _run_epochs(model, crit, opt, batches, lambda: _evaluate(model, test_x, test_y),
                       epochs=epochs, device=device, progress=progress)


def train_dataloader(model, train_ds, test_ds, *, epochs: int, batch_size: int, seed: int, device,
                     progress=print) -> list[dict]:
    """The course's loop: DataLoader over a torchvision dataset with per-sample transforms."""
    from torch.utils.data import DataLoader

    model.to(device)
    crit, opt = nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters())
    gen = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(train_ds, batch_size=batch_size, shuffle=True, generator=gen)
    test_loader = DataLoader(test_ds, batch_size=1000, shuffle=False)

    def evaluate():
        model.eval()
        correct = 0
        with torch.no_grad():
            for data, target in test_loader:
                correct += (model(data.to(device)).argmax(1) == target.to(device)).sum().item()
        model.train()
        return correct / len(test_ds)

    return _run_epochs(model, crit, opt, lambda: train_loader, evaluate, epochs=epochs, device=device,
                       progress=progress)


def device_for(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)
