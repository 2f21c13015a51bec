"""Pure Python: lists of lists of floats, no library."""

from __future__ import annotations

from .. import submission


def matmul(a, b):
    """The 課題1 submission's textbook triple loop (the very file the student hands in)."""
    return submission.load().matmul_naive(a, b)


def conv2d(x, k, padding: str = "valid"):
    """The cross-correlation with four nested Python loops over lists."""
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
