"""Work and memory of the measured operations, in one place (used by every report)."""

from __future__ import annotations

import numpy as np

KERNEL = 3  # the 3×3 convolution kernel of 課題2


def matmul_flops(n) -> np.ndarray:
    """N×N product: N³ multiplications and N³ additions."""
    return 2.0 * np.asarray(n, dtype=float) ** 3


def conv_outputs(n, padding: str = "valid") -> np.ndarray:
    """Output pixels of an N×N ⊛ 3×3 convolution: (N−2)² for ``valid``, N² for ``same``."""
    n = np.asarray(n, dtype=float)
    return (n - (KERNEL - 1)) ** 2 if padding == "valid" else n**2


def conv_flops(n, padding: str = "valid") -> np.ndarray:
    """9 multiply-adds per output pixel."""
    return 2.0 * KERNEL * KERNEL * conv_outputs(n, padding)


def flops(op: str, n, padding: str = "valid") -> np.ndarray:
    if op == "matmul":
        return matmul_flops(n)
    if op == "conv":
        return conv_flops(n, padding)
    raise ValueError(f"unknown operation {op!r}")


def operand_bytes(op: str, n, itemsize: int) -> np.ndarray:
    """Bytes of the operands and the result: 3 N×N matrices, or the image and the output."""
    return (3 if op == "matmul" else 2) * itemsize * np.asarray(n, dtype=float) ** 2
