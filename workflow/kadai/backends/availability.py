"""Whether an implementation can run on this machine, and if not, why (never an exception)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Availability:
    ok: bool
    reason: str = ""


NO_DRIVER = "nvidia-smi が見つからず（NVIDIA のドライバが入っていないとみられる）、CUDA の GPU は使えない"
DRIVER_HINT = "ドライバが古いなら、CUDA 13 用の torch と CuPy には 580 以上に更新する（nvidia-smi で版を確かめる）"


def _unusable(what: str) -> str:
    """Why a GPU library cannot use the GPU: no driver at all, or the library's own words with
    what to check (a driver too old for the CUDA runtime is the common case)."""
    from ..tools import gpus

    if gpus() is None:
        return NO_DRIVER
    return f"{what}。{DRIVER_HINT}"


@cache
def cupy_status() -> Availability:
    try:
        cupy = importlib.import_module("cupy")
    except Exception as exc:  # noqa: BLE001 - any import failure means "not here"
        return Availability(False, f"CuPy を import できない（{type(exc).__name__}: {exc}）"[:200])
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # noqa: BLE001
        return Availability(False, _unusable(f"CUDA の GPU が使えない（{str(exc).splitlines()[0][:120]}）"))
    if count < 1:
        return Availability(False, _unusable("CUDA の GPU が 1 台もない"))
    return Availability(True)


@cache
def torch_cuda_status() -> Availability:
    try:
        import torch
    except Exception as exc:  # noqa: BLE001
        return Availability(False, f"PyTorch を import できない（{exc}）")
    if not torch.cuda.is_available():
        return Availability(False, _unusable(f"torch.cuda.is_available() が False（torch {torch.__version__}、"
                                             f"CUDA {torch.version.cuda or 'なし'}）"))
    return Availability(True)


def availability(entry: dict) -> Availability:
    """``entry``: one value of :data:`kadai.backends.registry.IMPLEMENTATIONS`."""
    if entry["library"] == "cupy":
        return cupy_status()
    if entry["library"] == "torch" and entry["device"] == "cuda":
        return torch_cuda_status()
    return Availability(True)
