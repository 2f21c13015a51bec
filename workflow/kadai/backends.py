"""Kernels of 課題2 and the one registry that says which implementations run here.

* **Array-module kernels** take ``xp`` (``numpy`` or ``cupy``): the very same function runs on
  the CPU with NumPy (and in CI) and on the GPU with CuPy.
* **Torch kernels** take tensors already on their device (CPU or CUDA).
* **Pure Python** uses the 課題1 submission's ``matmul_naive`` and a 4-loop convolution.

Convolution follows the deep-learning convention (``torch.nn.functional.conv2d``): a
cross-correlation, the kernel is *not* flipped. ``valid`` gives (N−2)×(N−2) outputs for a 3×3
kernel, ``same`` zero-pads to N×N.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

import numpy as np

# ---------------------------------------------------------------- kernels


def matmul_xp(xp, a, b):
    """N×N matrix product with the array module's BLAS (NumPy: OpenBLAS/MKL; CuPy: cuBLAS)."""
    return a @ b


def conv2d_xp(xp, x, k, padding: str = "valid"):
    """3×3 (in general kh×kw) cross-correlation, vectorised over all pixels.

    The kernel has only kh·kw taps, so the loop runs over taps, never over pixels: each tap
    adds one shifted view of the whole image, scaled by its weight.
    """
    kh, kw = k.shape
    if padding == "same":
        x = xp.pad(x, ((kh // 2, kh // 2), (kw // 2, kw // 2)))
    elif padding != "valid":
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    h, w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    out = xp.zeros((h, w), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            out += k[i, j] * x[i:i + h, j:j + w]
    return out


def conv2d_python(x, k, padding: str = "valid"):
    """The same cross-correlation with four nested Python loops over lists."""
    kh, kw = len(k), len(k[0])
    if padding == "same":
        ph, pw = kh // 2, kw // 2
        width = len(x[0]) + 2 * pw
        x = ([[0.0] * width for _ in range(ph)]
             + [[0.0] * pw + list(row) + [0.0] * pw for row in x]
             + [[0.0] * width for _ in range(ph)])
    h, w = len(x) - kh + 1, len(x[0]) - kw + 1
    out = [[0.0] * w for _ in range(h)]
    for r in range(h):
        for c in range(w):
            s = 0.0
            for i in range(kh):
                for j in range(kw):
                    s += x[r + i][c + j] * k[i][j]
            out[r][c] = s
    return out


def matmul_torch(a, b):
    return a @ b


def conv2d_torch(x, k, padding: str = "valid"):
    """``torch.nn.functional.conv2d`` on a (1, 1, N, N) tensor (cross-correlation)."""
    import torch.nn.functional as F

    return F.conv2d(x[None, None], k[None, None], padding=padding)[0, 0]


def conv2d_reference(x, k, padding: str = "valid"):
    """float64 NumPy reference (same definition, computed on the host)."""
    return conv2d_xp(np, np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64), padding)


def flops(op: str, n, padding: str = "valid") -> np.ndarray:
    """Floating-point operations: 2N³ for the product, 2·9·(N−2)² for a valid 3×3 convolution."""
    n = np.asarray(n, dtype=float)
    if op == "matmul":
        return 2.0 * n**3
    m = n - 2 if padding == "valid" else n
    return 2.0 * 9.0 * m**2


def rel_error(out, ref) -> float:
    """‖out − ref‖ / ‖ref‖ in float64 (Frobenius norm)."""
    out = np.asarray(out, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if out.shape != ref.shape:
        return float("inf")
    denom = np.linalg.norm(ref)
    return float(np.linalg.norm(out - ref) / (denom if denom else 1.0))


def tolerance(dtype: str) -> float:
    """Accepted relative error: float32 (and cuDNN's TF32 convolutions) ≈ 1e-3, float64 1e-10."""
    return {"float64": 1e-10, "float32": 1e-3, "float16": 1e-2}[dtype]


# ---------------------------------------------------------------- registry


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


# implementation key → (library, device, uses the GPU, includes host↔device transfer)
IMPLEMENTATIONS = {
    "python_naive": ("python", "cpu", False, False),
    "numpy": ("numpy", "cpu", False, False),
    "torch_cpu": ("torch", "cpu", False, False),
    "cupy": ("cupy", "cuda", True, False),
    "cupy_transfer": ("cupy", "cuda", True, True),
    "torch_cuda": ("torch", "cuda", True, False),
    "torch_cuda_transfer": ("torch", "cuda", True, True),
}


# (operation, implementation) → the kernel function a series runs, as (file, function)
KERNELS = {
    ("matmul", "python_naive"): ("workflow/submission/kadai1.py", "matmul_naive"),
    ("conv", "python_naive"): ("workflow/kadai/backends.py", "conv2d_python"),
    **{(op, impl): ("workflow/kadai/backends.py", fn)
       for impl in ("numpy", "cupy", "cupy_transfer")
       for op, fn in (("matmul", "matmul_xp"), ("conv", "conv2d_xp"))},
    **{(op, impl): ("workflow/kadai/backends.py", fn)
       for impl in ("torch_cpu", "torch_cuda", "torch_cuda_transfer")
       for op, fn in (("matmul", "matmul_torch"), ("conv", "conv2d_torch"))},
}


def availability(impl: str) -> Availability:
    lib, device, _, _ = IMPLEMENTATIONS[impl]
    if lib == "cupy":
        return cupy_status()
    if lib == "torch" and device == "cuda":
        return torch_cuda_status()
    return Availability(True)


def registry() -> dict[str, Availability]:
    """Every implementation with whether it runs on this machine and, if not, why."""
    return {impl: availability(impl) for impl in IMPLEMENTATIONS}
