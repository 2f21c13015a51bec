"""Growth laws: t = a·N^k fitted in log–log space, with an interval for k and model choice.

The grader's warning (lecture 7-8): a cubic always fits four points better than a quadratic,
and N points are fitted exactly by a degree N−1 polynomial, so training error proves nothing.
Hence

* the exponent comes from a straight line in log–log space, fitted only on the *asymptotic
  region*: starting from the ``min_points`` largest sizes, smaller sizes are added while each
  lies within ±``tolerance`` (relative) of the line fitted to the larger ones. Small sizes where
  call overhead dominates fall out by this stated rule;
* candidate models (power law, quadratic and cubic polynomials) are compared on *held-out*
  points: each is fitted without the largest sizes and judged by how well it predicts them;
* the dominant term of the cubic polynomial is named from each term's share at a given N,
  the way the lecture plugs N into the fitted polynomial.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats


@dataclass
class PowerFit:
    a: float              # prefactor [s]
    k: float              # exponent
    k_lo: float           # lower end of the confidence interval of k
    k_hi: float           # upper end
    k_halfwidth: float    # (k_hi - k_lo) / 2
    confidence: float
    n_points: int         # sizes used by the fit
    n_first: int          # smallest N in the fitted region
    n_last: int           # largest N in the fitted region
    n_excluded: int       # smaller sizes left out by the overhead rule
    r2: float

    def predict(self, n):
        return self.a * np.asarray(n, dtype=float) ** self.k

    def to_dict(self) -> dict:
        return asdict(self)


def _line(x: np.ndarray, y: np.ndarray):
    """Least squares y = b0 + b1 x; returns b0, b1, standard error of b1, R²."""
    n = len(x)
    xm, ym = x.mean(), y.mean()
    sxx = float(((x - xm) ** 2).sum())
    b1 = float(((x - xm) * (y - ym)).sum() / sxx)
    b0 = float(ym - b1 * xm)
    resid = y - (b0 + b1 * x)
    sst = float(((y - ym) ** 2).sum())
    r2 = 1.0 - float((resid**2).sum()) / sst if sst > 0 else 1.0
    se = math.sqrt(float((resid**2).sum()) / (n - 2) / sxx) if n > 2 else float("nan")
    return b0, b1, se, r2


def asymptotic_region(n, t, tolerance: float = 0.25, min_points: int = 3) -> int:
    """Index of the first size of the asymptotic region (``n`` sorted ascending)."""
    x, y = np.log(np.asarray(n, float)), np.log(np.asarray(t, float))
    first = max(0, len(x) - min_points)
    limit = math.log1p(tolerance)
    while first > 0:
        b0, b1, _, _ = _line(x[first:], y[first:])
        if abs(y[first - 1] - (b0 + b1 * x[first - 1])) > limit:
            break
        first -= 1
    return first


def fit_power_law(n, t, confidence: float = 0.95, tolerance: float = 0.25,
                  min_points: int = 3) -> PowerFit:
    """Fit t = a·N^k on the asymptotic region; interval for k from Student's t."""
    order = np.argsort(n)
    n = np.asarray(n, float)[order]
    t = np.asarray(t, float)[order]
    if len(n) < 2:
        raise ValueError(f"a power law needs at least 2 sizes, got {len(n)}")
    if np.any(t <= 0):
        raise ValueError("times must be positive for a log–log fit")
    first = asymptotic_region(n, t, tolerance, min(min_points, len(n)))
    x, y = np.log(n[first:]), np.log(t[first:])
    b0, b1, se, r2 = _line(x, y)
    dof = len(x) - 2
    half = float(stats.t.ppf(0.5 + confidence / 2, dof) * se) if dof > 0 else float("nan")
    return PowerFit(a=math.exp(b0), k=b1, k_lo=b1 - half, k_hi=b1 + half, k_halfwidth=half,
                    confidence=confidence, n_points=len(x), n_first=int(n[first]),
                    n_last=int(n[-1]), n_excluded=first, r2=r2)


def fit_polynomial(n, t, degree: int) -> np.ndarray:
    """Coefficients c0..c_degree of Σ c_j N^j minimising the *relative* squared error."""
    n = np.asarray(n, float)
    t = np.asarray(t, float)
    scale = n.max()
    design = np.vander(n / scale, degree + 1, increasing=True) / t[:, None]
    coef, *_ = np.linalg.lstsq(design, np.ones_like(t), rcond=None)
    return coef / scale ** np.arange(degree + 1)


def poly_eval(coef, n) -> np.ndarray:
    n = np.asarray(n, float)
    return sum(c * n**j for j, c in enumerate(coef))


def term_shares(coef, n: float) -> dict:
    """Each term's share |c_j N^j| / Σ|c_i N^i| at size n, keyed 'N^j'."""
    terms = np.array([abs(c) * float(n) ** j for j, c in enumerate(coef)])
    total = terms.sum()
    return {_term_name(j): float(v / total) for j, v in enumerate(terms)}


def _term_name(j: int) -> str:
    return "定数項" if j == 0 else ("N の項" if j == 1 else f"N^{j} の項")


MODELS = {"power": "べき乗則 a·N^k", "poly2": "2次多項式", "poly3": "3次多項式"}


def compare_models(n, t, confidence=0.95, tolerance=0.25, min_points=3, holdout: int | None = None):
    """Fit every candidate without the ``holdout`` largest sizes and score it on them.

    The score is the RMS relative error of the held-out predictions; training error is
    reported beside it only to show that it would have chosen differently.
    """
    order = np.argsort(n)
    n = np.asarray(n, float)[order]
    t = np.asarray(t, float)[order]
    h = holdout if holdout is not None else max(1, len(n) // 4)
    train_n, train_t, test_n, test_t = n[:-h], t[:-h], n[-h:], t[-h:]
    results = []
    for name in MODELS:
        need = 2 if name == "power" else int(name[-1]) + 1
        if len(train_n) < need + 1:
            results.append({"model": name, "label": MODELS[name], "skipped":
                            f"{len(train_n)} 点では当てはめに足りない"})
            continue
        if name == "power":
            f = fit_power_law(train_n, train_t, confidence, tolerance, min(min_points, len(train_n)))
            pred_train, pred_test = f.predict(train_n), f.predict(test_n)
        else:
            c = fit_polynomial(train_n, train_t, int(name[-1]))
            pred_train, pred_test = poly_eval(c, train_n), poly_eval(c, test_n)
        results.append({
            "model": name, "label": MODELS[name],
            "train_rel_rmse": float(np.sqrt(np.mean(((pred_train - train_t) / train_t) ** 2))),
            "holdout_rel_rmse": float(np.sqrt(np.mean(((pred_test - test_t) / test_t) ** 2))),
        })
    scored = [r for r in results if "holdout_rel_rmse" in r]
    best = min(scored, key=lambda r: r["holdout_rel_rmse"])["model"] if scored else None
    return {"holdout_sizes": [int(v) for v in test_n], "models": results, "best": best}


def growth_law(n, t, confidence=0.95, tolerance=0.25, min_points=3) -> dict:
    """Everything the report says about one series: exponent, model choice, dominant term."""
    n = np.asarray(n, float)
    t = np.asarray(t, float)
    power = fit_power_law(n, t, confidence, tolerance, min_points)
    out = {"power": power.to_dict(), "n_sizes": int(len(n))}
    if len(n) >= 4:
        out["comparison"] = compare_models(n, t, confidence, tolerance, min_points)
        coef = fit_polynomial(n, t, 3)
        at = {"n_min": float(n.min()), "n_max": float(n.max())}
        shares = {key: term_shares(coef, v) for key, v in at.items()}
        out["poly3"] = {"coef": [float(c) for c in coef], "shares": shares,
                        "dominant_at_n_max": max(shares["n_max"], key=shares["n_max"].get),
                        "dominant_at_n_min": max(shares["n_min"], key=shares["n_min"].get)}
    return out


def by_series(summary, fit_cfg: dict, keys=("op", "implementation"), column: str = "median") -> dict:
    """``growth_law`` of every series of a summary table with at least 2 sizes, keyed by ``keys``
    (nested dicts, one level per key)."""
    out: dict = {}
    for key, grp in summary.groupby(list(keys)):
        if len(grp) < 2:
            continue
        node = out
        for part in key[:-1]:
            node = node.setdefault(part, {})
        node[key[-1]] = growth_law(grp.N.to_numpy(), grp[column].to_numpy(),
                                   confidence=fit_cfg["confidence"], tolerance=fit_cfg["tolerance"],
                                   min_points=fit_cfg["min_points"])
    return out
