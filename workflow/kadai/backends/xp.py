"""Array-module kernels: ``xp`` is ``numpy`` (CPU) or ``cupy`` (GPU), the code is the same."""

from __future__ import annotations


def matmul(xp, a, b):
    """N×N matrix product with the array module's BLAS (NumPy: OpenBLAS/MKL; CuPy: cuBLAS)."""
    return a @ b


def conv2d(xp, x, k, padding: str = "valid"):
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


def conv2d_inplace(xp, x, k, out, tmp):
    """The same 9 shifted adds (``valid``) into preallocated ``out`` and ``tmp``: no array is
    allocated during the call. Used to tell allocation and page faults apart from arithmetic."""
    kh, kw = k.shape
    h, w = out.shape
    out[...] = 0
    for i in range(kh):
        for j in range(kw):
            xp.multiply(x[i:i + h, j:j + w], k[i, j], out=tmp)
            out += tmp
    return out
