"""Datasets: the four IDX files of MNIST / Fashion-MNIST, found, copied or downloaded, and loaded."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import torch

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


def normalised(images_u8: torch.Tensor, device) -> torch.Tensor:
    """uint8 N×28×28 → float N×1×28×28, (x/255 − mean)/std, on the device, once."""
    return ((images_u8.to(torch.float32) / 255.0 - MEAN) / STD).unsqueeze(1).to(device)
