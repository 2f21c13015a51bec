"""Whether an implementation can run on this machine, and if not, why (never an exception)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Availability:
    ok: bool
    reason: str = ""


@cache
def cupy_status() -> Availability:
    try:
        cupy = importlib.import_module("cupy")
    except Exception as exc:  # noqa: BLE001 - any import failure means "not here"
        return Availability(False, f"CuPy を import できない（{type(exc).__name__}: {exc}）"[:200])
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # noqa: BLE001
        return Availability(False, f"CUDA の GPU が使えない（{str(exc).splitlines()[0][:120]}）")
    if count < 1:
        return Availability(False, "CUDA の GPU が 1 台もない")
    return Availability(True)


@cache
def torch_cuda_status() -> Availability:
    try:
        import torch
    except Exception as exc:  # noqa: BLE001
        return Availability(False, f"PyTorch を import できない（{exc}）")
    if not torch.cuda.is_available():
        return Availability(False, "torch.cuda.is_available() が False（CUDA の GPU またはドライバがない）")
    return Availability(True)


def availability(entry: dict) -> Availability:
    """``entry``: one value of :data:`kadai.backends.registry.IMPLEMENTATIONS`."""
    if entry["library"] == "cupy":
        return cupy_status()
    if entry["library"] == "torch" and entry["device"] == "cuda":
        return torch_cuda_status()
    return Availability(True)
