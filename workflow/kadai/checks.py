"""Checks of a result against the truth, before its timing counts (measurement side).

* Matrix product: Freivalds' check — for a random vector r, every element of C·r must equal
  A·(B·r) within ``tol`` times its error scale |A|·(|B|·|r|). It costs O(N²) in float64 instead
  of the O(N³) of recomputing the product, and a wrong product passes with negligible chance.
* 3×3 convolution: the same idea applied to rows (:func:`conv_projection`).
"""

from __future__ import annotations

import numpy as np

SEED = 12345  # the random vector of Freivalds' check


def to_host(x) -> np.ndarray:
    """A NumPy copy of a NumPy/CuPy array, torch tensor or nested list."""
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    if hasattr(x, "get") and not isinstance(x, (dict, np.ndarray)):
        return x.get()
    return np.asarray(x)


def tolerance(dtype: str) -> float:
    """Accepted relative error: float32 (and cuDNN's TF32 convolutions) ≈ 1e-3, float64 1e-10."""
    return {"float64": 1e-10, "float32": 1e-3, "float16": 1e-2}[dtype]


def freivalds(tol: float, seed: int = SEED):
    """(reference, check) of a matrix product A·B by Freivalds' elementwise test."""

    def reference(a, b):
        a, b = to_host(a).astype(np.float64), to_host(b).astype(np.float64)
        r = np.random.default_rng(seed).standard_normal(a.shape[1])
        return r, a @ (b @ r), np.abs(a) @ (np.abs(b) @ np.abs(r))

    def check(out, ref) -> bool:
        r, expected, scale = ref
        out = to_host(out).astype(np.float64)
        if out.shape != (len(r), len(r)):
            return False
        return bool(np.all(np.abs(out @ r - expected) <= tol * scale + 1e-300))

    return reference, check


def conv_projection(tol: float, padding: str = "valid", seed: int = SEED):
    """(reference, check) of a 3×3 cross-correlation, by Freivalds' idea applied to rows.

    For a random vector s, row i of out·s must equal Σ_ab k_ab·(X_ab·s)_i, where X_ab is the
    image shifted by the tap (a, b), within ``tol`` times that row's error scale
    Σ_ab |k_ab|·(|X_ab|·|s|)_i. Nine matrix–vector products (O(N²), in the input's precision,
    accumulated in float64) replace recomputing the convolution, and share no code with any
    kernel they check.
    """

    def reference(x, k):
        x, k = to_host(x), to_host(k).astype(np.float64)
        if padding == "same":
            x = np.pad(x, ((k.shape[0] // 2,) * 2, (k.shape[1] // 2,) * 2))
        h, w = x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1
        s = np.random.default_rng(seed).standard_normal(w)
        s_x, abs_s, abs_x = s.astype(x.dtype), np.abs(s).astype(x.dtype), np.abs(x)
        expected, scale = np.zeros(h), np.zeros(h)
        for a in range(k.shape[0]):
            for b in range(k.shape[1]):
                expected += k[a, b] * (x[a:a + h, b:b + w] @ s_x)
                scale += abs(k[a, b]) * (abs_x[a:a + h, b:b + w] @ abs_s)
        return s, expected, scale

    def check(out, ref) -> bool:
        s, expected, scale = ref
        out = to_host(out)
        if out.shape != (len(expected), len(s)):
            return False
        got = (out @ s.astype(out.dtype)).astype(np.float64)
        return bool(np.all(np.abs(got - expected) <= tol * scale + 1e-300))

    return reference, check
