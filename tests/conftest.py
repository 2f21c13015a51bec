import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))
os.environ.setdefault("PYTHONHASHSEED", "0")


def make_tiny_mnist(data_dir, n_train=1000, n_test=200, folder="MNIST", seed=0):
    """A tiny, learnable MNIST look-alike in IDX format: class k has a bright 6×6 patch at a
    position that depends on k, on top of noise."""
    import numpy as np
    from kadai.train.data import write_idx

    rng = np.random.default_rng(seed)
    raw = Path(data_dir) / folder / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = np.arange(n) % 10
        rng.shuffle(labels)
        images = rng.integers(0, 60, size=(n, 28, 28))
        for i, k in enumerate(labels):
            r, c = 2 + 8 * (k // 4), 2 + 6 * (k % 4)
            images[i, r:r + 6, c:c + 6] = 255
        write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    return raw
