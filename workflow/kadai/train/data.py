"""Datasets: the four IDX files of MNIST / Fashion-MNIST, found, copied or downloaded, and loaded."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import torch

from ..io import atomic_path

MEAN, STD = 0.1307, 0.3081  # the course's normalisation (MNIST statistics)
DATASETS = {  # config name → (torchvision class, folder under data_dir, Japanese name)
    "mnist": ("MNIST", "MNIST", "MNIST"),
    "fashion-mnist": ("FashionMNIST", "FashionMNIST", "Fashion-MNIST"),
}
IDX_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
             "t10k-labels-idx1-ubyte"]


class DatasetMissing(FileNotFoundError):
    pass


class DatasetDamaged(ValueError):
    pass


# ---------------------------------------------------------------- data


def raw_dir(dataset: str, data_dir) -> Path:
    return Path(data_dir) / DATASETS[dataset][1] / "raw"


def idx_shape(path) -> tuple[int, ...]:
    """The dimensions an IDX file of unsigned bytes declares, after checking that its header is
    one and that its size matches them; :class:`DatasetDamaged` names the file otherwise."""
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(4)
        if len(head) < 4 or head[:3] != b"\x00\x00\x08" or not 1 <= head[3] <= 4:
            raise DatasetDamaged(f"{path}: not an IDX file of bytes (it starts with {head.hex() or 'nothing'}, "
                                 "an IDX file with 00000801 or 00000803)")
        dims = tuple(int.from_bytes(f.read(4), "big") for _ in range(head[3]))
    expected = 4 + 4 * len(dims) + int(np.prod(dims))
    if size != expected:
        raise DatasetDamaged(f"{path}: {size} bytes where its header ({' × '.join(map(str, dims))}) "
                             f"needs {expected}: the file is cut short or damaged")
    return dims


def check_idx_set(folder) -> None:
    """The four files belong together: 28×28 images, one label per image."""
    folder = Path(folder)
    shapes = {f: idx_shape(folder / f) for f in IDX_FILES}
    for images, labels in ((IDX_FILES[0], IDX_FILES[1]), (IDX_FILES[2], IDX_FILES[3])):
        n, *hw = shapes[images]
        if hw != [28, 28] or shapes[labels] != (n,):
            raise DatasetDamaged(f"{folder / images} ({' × '.join(map(str, shapes[images]))}) and {folder / labels} "
                                 f"({' × '.join(map(str, shapes[labels]))}) are not N × 28 × 28 images with N labels")


def _fetch(src: Path, dest: Path) -> None:
    """Copy (or gunzip) ``src`` to ``dest`` through a temporary name, checking it on the way: an
    interrupted or damaged copy never takes the final name."""
    with atomic_path(dest) as tmp:
        try:
            if src.suffix == ".gz":
                with gzip.open(src, "rb") as fin, open(tmp, "wb") as fout:
                    shutil.copyfileobj(fin, fout)
            else:
                shutil.copyfile(src, tmp)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise DatasetDamaged(f"{src}: cannot be read ({type(exc).__name__}: {exc}); the file is damaged "
                                 "or cut short — copy it again from its source") from None
        try:
            idx_shape(tmp)
        except DatasetDamaged as exc:
            raise DatasetDamaged(str(exc).replace(str(tmp), str(src))) from None


def prepare(dataset: str, data_dir, source_dir=None, download: bool = True) -> Path:
    """Make the four IDX files available where torchvision looks for them, checked.

    Order: files already in ``data_dir/<Name>/raw`` (when they pass :func:`check_idx_set`); else
    copies (gunzipped) from ``source_dir``; else torchvision's download. Damaged files already
    in place are replaced, and a damaged source is named; failing all three, the error names the
    folder and the four files.
    """
    raw = raw_dir(dataset, data_dir)
    problem = None
    if all((raw / f).exists() for f in IDX_FILES):
        try:
            check_idx_set(raw)
            return raw
        except DatasetDamaged as exc:  # left by an older or interrupted copy: fetch again
            problem = str(exc)
            for f in IDX_FILES:
                (raw / f).unlink(missing_ok=True)
    if source_dir:
        src = Path(source_dir)
        for f in IDX_FILES:
            found = next((c for c in (src / f, src / f"{f}.gz") if c.exists()), None)
            if found and not (raw / f).exists():
                _fetch(found, raw / f)
        if all((raw / f).exists() for f in IDX_FILES):
            check_idx_set(raw)
            return raw
    if download:
        try:
            import torchvision.datasets as tvd
            getattr(tvd, DATASETS[dataset][0])(str(data_dir), train=True, download=True)
            getattr(tvd, DATASETS[dataset][0])(str(data_dir), train=False, download=True)
            if all((raw / f).exists() for f in IDX_FILES):
                check_idx_set(raw)
                return raw
        except DatasetDamaged:
            raise
        except Exception as exc:  # noqa: BLE001 - any download failure ends in the message below
            reason = f"download failed ({type(exc).__name__}: {str(exc)[:120]})"
        else:
            reason = "download did not produce the files"
    else:
        reason = "download is switched off"
    raise DatasetMissing(
        f"{DATASETS[dataset][2]} is not available: {reason}"
        + (f" (the files there were damaged: {problem})" if problem else "") + ".\n"
        f"Put the four IDX files (optionally .gz) into {raw.resolve()}:\n  "
        + "\n  ".join(IDX_FILES)
        + "\nor set kadai3.source_dir in config/config.yaml to a folder that holds them "
          "(Debian's dataset-fashion-mnist package installs Fashion-MNIST in "
          "/usr/share/datasets/fashion-mnist).")


def read_idx(path) -> np.ndarray:
    """The array of an IDX file of unsigned bytes (header checked by :func:`idx_shape`)."""
    dims = idx_shape(path)
    return np.fromfile(path, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def load_tensors(dataset: str, data_dir, train: bool):
    """uint8 images (N×28×28) and int64 labels: the bytes torchvision's dataset holds, read
    straight from the IDX files (without importing torchvision, about 1 s per training job)."""
    raw = raw_dir(dataset, data_dir)
    images, labels = IDX_FILES[:2] if train else IDX_FILES[2:]
    return torch.from_numpy(read_idx(raw / images)), torch.from_numpy(read_idx(raw / labels).astype(np.int64))


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


def normalised(images_u8: torch.Tensor, device) -> torch.Tensor:
    """uint8 N×28×28 → float N×1×28×28, (x/255 − mean)/std, on the device, once."""
    x = images_u8.to(device=device, dtype=torch.float32)
    return x.div_(255.0).sub_(MEAN).div_(STD).unsqueeze(1)
