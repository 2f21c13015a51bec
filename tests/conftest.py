import os
import shutil
import subprocess
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


IGNORE = shutil.ignore_patterns(".venv", ".git", ".snakemake", "results", "report", "__pycache__",
                                "*.egg-info", ".pytest_cache", ".ruff_cache", ".whl", "data", "build")
QUICK = ("--configfile", "config/quick.yaml", "tests/offline.yaml")


def fresh_copy(repo: Path) -> Path:
    """The repository without results, as a new user has it, with a tiny MNIST in data/
    (MNIST cannot be downloaded here: tests bring their own)."""
    shutil.copytree(ROOT, repo, ignore=IGNORE)
    (repo / "results").mkdir()
    (repo / "report").mkdir()
    make_tiny_mnist(repo / "data", 1000, 200)
    return repo


def snakemake(cwd, *args, check=True, env=None):
    """``snakemake --cores 1 …`` in ``cwd`` as a user runs it; AssertionError with its output on failure."""
    cmd = [sys.executable, "-m", "snakemake", "--cores", "1", *args]
    env = {**os.environ, "PYTHONPATH": str(Path(cwd) / "workflow"), **(env or {})}
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, timeout=900)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc
