"""PyTorch kernels: tensors already on their device (CPU or CUDA)."""

from __future__ import annotations


def matmul(a, b):
    return a @ b


def conv2d(x, k, padding: str = "valid"):
    """``torch.nn.functional.conv2d`` on a (1, 1, N, N) tensor (cross-correlation)."""
    import torch.nn.functional as F

    return F.conv2d(x[None, None], k[None, None], padding=padding)[0, 0]


def conv2d_shifted(x, k):
    """NumPy's formulation written with torch: 9 shifted views of the image, scaled and added
    (``valid``). Tells torch's tensor arithmetic apart from the algorithm behind ``conv2d``."""
    kh, kw = k.shape
    h, w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    out = x.new_zeros((h, w))
    for i in range(kh):
        for j in range(kw):
            out += k[i, j] * x[i:i + h, j:j + w]
    return out


def conv2d_unfold(x, k):
    """Convolution as a matrix product (im2col): every 3×3 patch becomes a row of a matrix
    (``unfold``), multiplied by the 9 weights (``valid``)."""
    import torch.nn.functional as F

    kh, kw = k.shape
    cols = F.unfold(x[None, None], (kh, kw))[0]  # (9, outputs)
    return (k.reshape(1, -1) @ cols).reshape(x.shape[0] - kh + 1, x.shape[1] - kw + 1)
