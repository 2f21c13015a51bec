"""Growth laws t ∝ N^k that survive call overhead, stray measurements and regime changes.

The grader's warning (lecture 7-8): a cubic always fits four points better than a quadratic,
and N points are fitted exactly by a degree N−1 polynomial, so training error proves nothing.
Every step is therefore a stated model, judged on held-out points where a choice is made:

* ``overhead_region`` — fits t = c + a·N^k and leaves out the small sizes where the fixed cost c
  (call overhead, allocation) is still a sizeable share of the growing part a·N^k;
* ``robust_line`` — the exponent as a log–log slope by Huber IRLS, so one disturbed size cannot
  drag it, with a Student-t interval;
* ``segmented_fit`` — regimes: 1..m contiguous log–log lines (e.g. one per cache level); the
  number of segments and the breakpoints are chosen by leave-one-out cross-validation, so an
  extra segment must *predict* held-out sizes clearly better, not merely fit them better; where
  the hardware says a change is expected (the working set reaching a cache's size) a knot
  there must earn a smaller gain;
* ``compare_models`` — power law, quadratic and cubic polynomials, each fitted without the
  largest sizes and judged by how well it predicts them;
* ``term_shares`` — the dominant term of the cubic polynomial at a given N, the way the
  lecture plugs N into the fitted polynomial;
* ``growth_law`` — all of it for one series, as a JSON-ready dict; ``by_series`` for a table.

Inputs everywhere: ``n`` (sizes, any order; sorted here) and ``t`` (one robust time per size,
the minimum of the repeats, see :mod:`kadai.raw`), both positive.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

import numpy as np
from scipy import optimize, stats

CONFIDENCE = 0.95          # two-sided confidence level of every exponent interval
HUBER_C = 1.345            # Huber tuning constant in units of the residual scale (95 % efficiency)
HUBER_MAX_ITER = 20        # IRLS iterations at most
HUBER_TOL = 1e-10          # IRLS stops when no coefficient moves by more than this
MAD_TO_SIGMA = 1.4826      # MAD × this = standard deviation for normal residuals
SCALE_EPS = 1e-12          # residual scale below this (× (1 + max|y|)) counts as an exact fit
OVERHEAD_SHARE = 0.1       # a size is overhead-dominated while c > this share of a·N^k
LOG_C_FLOOR = 40.0         # c is bounded below by t_min·e^-40 (effectively zero)
MIN_OVERHEAD_SIZES = 3     # sizes needed to fit the three parameters of t = c + a·N^k
MAX_SEGMENTS = 4           # most knots (sizes where the log–log slope may change) considered
MIN_SEGMENT_POINTS = 4     # sizes per regime at least (LOO needs ≥ 3)
MIN_CV_GAIN = 0.25         # more knots must lower the held-out error by at least this fraction
CV_SCALE = 0.05            # held-out errors beyond 5 % (in log t) count linearly in the regime choice
MIN_SLOPE_CHANGE = 0.2     # a knot must change the exponent by at least this much, else it is dropped
MIN_REGIME_SPAN = 2.1      # a regime spans more than an octave in N (sizes are rounded: one octave of
                           # sizes spans 2.000–2.001); a piece of one octave or less is a transition
HINT_WINDOW = 2.0          # a knot for a change expected at size h (a cache filling up) lies in [h/2, 2h]
HINT_GAIN = 0.15           # … and must lower the held-out loss by this share (less than MIN_CV_GAIN)


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


def _sorted_positive(n, t) -> tuple[np.ndarray, np.ndarray]:
    n = np.asarray(n, float).ravel()
    t = np.asarray(t, float).ravel()
    if n.shape != t.shape:
        raise ValueError(f"n and t differ in length: {len(n)} vs {len(t)}")
    if np.any(~np.isfinite(n) | ~np.isfinite(t)) or np.any(n <= 0) or np.any(t <= 0):
        raise ValueError("sizes and times must be finite and positive for a log–log fit")
    order = np.argsort(n, kind="stable")
    return n[order], t[order]


# --------------------------------------------------------------------------- robust line
@dataclass
class Line:
    b0: float                 # intercept
    b1: float                 # slope
    se: float                 # standard error of the slope (NaN when dof < 1)
    halfwidth: float          # Student-t half-width of the slope interval (NaN when dof < 1)
    dof: int                  # n − 2
    weights: np.ndarray = field(repr=False)  # final Huber weights, 1 = full weight
    r2: float = float("nan")  # weighted coefficient of determination


def _wls(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float, float, float, float]:
    """Weighted least squares line; returns b0, b1, weighted means of x and y, Σw(x − x̄)²."""
    sw = float(w.sum())
    xm, ym = float((w * x).sum() / sw), float((w * y).sum() / sw)
    sxx = float((w * (x - xm) ** 2).sum())
    if sxx <= 0:
        raise ValueError("a line needs at least two distinct x values")
    b1 = float((w * (x - xm) * (y - ym)).sum() / sxx)
    return ym - b1 * xm, b1, xm, ym, sxx


def _huber_se(x: np.ndarray, r: np.ndarray, w: np.ndarray, clip: float, dof: int) -> float:
    """Standard error of the slope of a Huber fit (Huber 1981, Robust Statistics, §7.6).

    With ψ = w·r (the weighted residuals), m = share of residuals within ``clip`` (mean ψ'),
    K = 1 + (2/n)·(1 − m)/m:  se² = K²·Σψ²/dof / m² / Σ(x − x̄)².
    """
    if dof < 1:
        return float("nan")
    inside = float(np.mean(np.abs(r) <= clip))
    if inside <= 0:
        return float("nan")
    kk = 1.0 + 2.0 / len(x) * (1.0 - inside) / inside
    sxx = float(((x - x.mean()) ** 2).sum())
    return kk / inside * math.sqrt(float(((w * r) ** 2).sum()) / dof / sxx)


def straight_line(x, y, confidence: float = CONFIDENCE) -> dict | None:
    """Ordinary least squares y = intercept + slope·x, each coefficient with its t interval, and
    R²; None with fewer than three points or a single x (no interval exists)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.size < 3 or np.ptp(x) == 0:
        return None
    r = stats.linregress(x, y)
    t = float(stats.t.ppf(0.5 + confidence / 2, x.size - 2))
    return {"slope": float(r.slope), "slope_lo": float(r.slope - t * r.stderr),
            "slope_hi": float(r.slope + t * r.stderr), "intercept": float(r.intercept),
            "intercept_lo": float(r.intercept - t * r.intercept_stderr),
            "intercept_hi": float(r.intercept + t * r.intercept_stderr), "r2": float(r.rvalue ** 2),
            "n": int(x.size), "confidence": confidence}


def intercepts_apart(a: dict, b: dict) -> bool:
    """Whether the intercept intervals of two :func:`straight_line` fits do not overlap."""
    return a["intercept_lo"] > b["intercept_hi"] or b["intercept_lo"] > a["intercept_hi"]


def robust_line(x, y, confidence: float = CONFIDENCE, tuning: float = HUBER_C,
                max_iter: int = HUBER_MAX_ITER, tol: float = HUBER_TOL) -> Line:
    """Straight line y = b0 + b1·x by Huber iteratively reweighted least squares.

    1. start from ordinary least squares (all weights 1);
    2. residual scale s = MAD_TO_SIGMA · median |r − median r|; stop if s is (numerically) 0;
    3. Huber weights w = min(1, tuning·s / |r|): full weight inside tuning·s, less beyond;
    4. weighted least squares with w; repeat 2–4 until neither coefficient moves by more than
       ``tol`` or ``max_iter`` iterations are done;
    5. dof = n − 2; se of the slope from the weighted residuals w·r by Huber's (1981) asymptotic
       formula (``_huber_se``; ordinary least squares' se when every weight is 1); half-width =
       t_{dof} quantile at ``confidence`` × se (NaN when dof < 1); R² = 1 − Σw·r² / Σw·(y − ȳ_w)².

    Without outliers all weights stay near 1 and the result is close to ordinary least squares.
    """
    x, y = np.asarray(x, float).ravel(), np.asarray(y, float).ravel()
    if len(x) < 2 or len(x) != len(y):
        raise ValueError(f"a line needs at least 2 points of (x, y), got {len(x)} and {len(y)}")
    w, clip = np.ones_like(x), math.inf
    b0, b1, *_ = _wls(x, y, w)
    eps = SCALE_EPS * (1.0 + float(np.abs(y).max()))
    for _ in range(max_iter):
        r = y - (b0 + b1 * x)
        s = MAD_TO_SIGMA * float(np.median(np.abs(r - np.median(r))))
        if s <= eps:
            break
        clip = tuning * s
        w = np.minimum(1.0, clip / np.maximum(np.abs(r), eps))
        nb0, nb1, *_ = _wls(x, y, w)
        moved = max(abs(nb0 - b0), abs(nb1 - b1))
        b0, b1 = nb0, nb1
        if moved <= tol:
            break
    r = y - (b0 + b1 * x)
    dof = len(x) - 2
    se = _huber_se(x, r, w, clip, dof)
    ym = float((w * y).sum() / w.sum())
    sse, sst = float((w * r**2).sum()), float((w * (y - ym) ** 2).sum())
    half = float(stats.t.ppf(0.5 + confidence / 2, dof) * se) if dof >= 1 else float("nan")
    r2 = 1.0 - sse / sst if sst > 0 else 1.0
    return Line(b0=b0, b1=b1, se=se, halfwidth=half, dof=dof, weights=w, r2=r2)


# --------------------------------------------------------------------------- overhead
@dataclass
class Overhead:
    c: float            # fixed cost per call [s] (NaN when the fit failed)
    a: float            # prefactor of the growing part [s]
    k: float            # exponent of the growing part
    first: int          # index (into sorted n) of the first size past the overhead region
    n_first: int | None  # that size (None when every size is overhead-dominated)
    share: float        # the rule's threshold: overhead while c > share·a·N^k
    note: str = ""      # why the rule was not applied, if it was not

    def to_dict(self) -> dict:
        return asdict(self)


def _overhead_fit(x: np.ndarray, y: np.ndarray, log_c_floor: float):
    """Best (log c, log a, k) of log t = logaddexp(log c, log a + k·log N) over two starts."""
    half = max(2, len(x) // 2)
    k0 = float(np.polyfit(x[-half:], y[-half:], 1)[0])
    la0 = float(np.mean(y[-half:] - k0 * x[-half:]))
    lo = float(y.min()) - log_c_floor
    best = None
    for lc0 in (float(y.min()) + math.log(0.5), lo + log_c_floor / 2):
        res = optimize.least_squares(lambda p: np.logaddexp(p[0], p[1] + p[2] * x) - y,
                                     [lc0, la0, k0], bounds=([lo, -np.inf, -np.inf], np.inf))
        if res.success and np.all(np.isfinite(res.x)) and (best is None or res.cost < best.cost):
            best = res
    return best


def overhead_region(n, t, share: float = OVERHEAD_SHARE, log_c_floor: float = LOG_C_FLOOR,
                    min_sizes: int = MIN_OVERHEAD_SIZES) -> Overhead:
    """Fit t = c + a·N^k (c ≥ 0, a > 0) and find the leading sizes dominated by c.

    1. sort by N; x = log N, y = log t;
    2. start values: k0 = log–log slope of the larger half of the sizes, log a0 putting that line
       through their mean; log c0 = log(t_min / 2) (overhead present) and a vanishing c;
    3. minimise Σ (log(c + a·N^k) − log t)² over (log c, log a, k) with least_squares, computing
       log(c + a·N^k) as logaddexp(log c, log a + k·log N) so that c → 0 stays finite; log c is
       bounded below by log t_min − ``log_c_floor``; keep the start with the lower cost;
    4. ``first`` = length of the leading run of sizes where c > share·a·N^k;
    5. with fewer than ``min_sizes`` sizes or a failed fit: first = 0 and ``note`` says why.
    """
    n, t = _sorted_positive(n, t)
    nan = float("nan")
    if len(n) < min_sizes:
        return Overhead(nan, nan, nan, 0, int(round(n[0])) if len(n) else None, share,
                        note=f"{len(n)} sizes are too few to fit t = c + a·N^k; nothing excluded")
    try:
        res = _overhead_fit(np.log(n), np.log(t), log_c_floor)
    except (ValueError, np.linalg.LinAlgError) as exc:
        res, why = None, str(exc)
    else:
        why = "least_squares did not converge"
    if res is None:
        return Overhead(nan, nan, nan, 0, int(round(n[0])), share,
                        note=f"fit of t = c + a·N^k failed ({why}); nothing excluded")
    c, a, k = math.exp(res.x[0]), math.exp(res.x[1]), float(res.x[2])
    dominated = c > share * a * n**k
    first = len(n) if dominated.all() else int(np.argmin(dominated))
    n_first = int(round(n[first])) if first < len(n) else None
    return Overhead(c=c, a=a, k=k, first=first, n_first=n_first, share=share)


# --------------------------------------------------------------------------- regimes
@dataclass
class Segment:
    n_first: int
    n_last: int
    n_points: int
    k: float
    k_lo: float
    k_hi: float
    k_halfwidth: float
    a: float            # t = a·N^k within this segment
    r2: float
    transition: bool = False  # too few sizes or too short for a law: the stretch between two regimes …
    edge: bool = False        # … or, at either end of the fitted range, a stub with too few sizes


@dataclass
class Regimes:
    segments: list[Segment]          # regimes and the transitions between them, in order of N
    breaks: list[tuple[int, int]]    # sizes bracketing each change between two regimes
    cv_rmse: dict[int, float]        # held-out error (RMSE-like, log t) for each number of knots tried
    chosen: int                      # number of regimes (transitions not counted)
    knots: list[int] = field(default_factory=list)  # sizes where the slope changes

    def to_dict(self) -> dict:
        return {"segments": [asdict(s) for s in self.segments],
                "breaks": [[int(a), int(b)] for a, b in self.breaks],
                "cv_rmse": {str(m): float(v) for m, v in self.cv_rmse.items()},
                "chosen": int(self.chosen), "knots": [int(k) for k in self.knots]}


def cv_loss(e: np.ndarray, scale: float = CV_SCALE) -> np.ndarray:
    """Huber loss of held-out errors in log t, ×2 so that it equals e² inside ``scale``: a size
    far off every candidate line counts linearly, not quadratically."""
    a = np.abs(e)
    return np.where(a <= scale, a**2, 2 * scale * a - scale**2)


def _design(x: np.ndarray, knots: tuple[int, ...]) -> np.ndarray:
    """Columns 1, x and (x − x_k)₊ per knot index k: a continuous broken line in log–log space."""
    return np.column_stack([np.ones_like(x), x] + [np.maximum(x - x[k], 0.0) for k in knots])


def _loo(x: np.ndarray, y: np.ndarray, knots: tuple[int, ...]) -> float:
    """Summed cv_loss of the leave-one-out errors e_i / (1 − h_ii) of the least-squares broken line."""
    X = _design(x, knots)
    q, _ = np.linalg.qr(X)
    h = (q**2).sum(axis=1)
    if np.any(h >= 1 - 1e-9):
        return math.inf
    e = y - q @ (q.T @ y)
    return float(cv_loss(e / (1.0 - h)).sum())


def _best_knots(x: np.ndarray, y: np.ndarray, m: int, max_sets: int = 20000) -> tuple[float, tuple[int, ...]]:
    """The m interior knots (indices) with the least held-out loss: every set when there are at
    most ``max_sets``, else grown one knot at a time from the best set with one knot fewer."""
    from itertools import combinations

    inner = range(1, len(x) - 1)
    if math.comb(len(inner), m) <= max_sets:
        return min(((_loo(x, y, ks), ks) for ks in combinations(inner, m)), key=lambda c: c[0])
    best = _best_knots(x, y, m - 1, max_sets)[1]
    return min(((_loo(x, y, tuple(sorted(best + (k,)))), tuple(sorted(best + (k,)))) for k in inner if k not in best),
               key=lambda c: c[0])


def _rises(x: np.ndarray, y: np.ndarray, ks: tuple[int, ...], window: list[int], slope: float | None) -> bool:
    """Does the time grow faster than ``slope`` across the knots of ``ks`` inside ``window`` (the
    log–log slope from the size before the first of them to the size after the last)? True when
    ``slope`` is None or no knot lies in the window."""
    inside = [k for k in ks if k in window]
    if slope is None or not inside:
        return True
    lo, hi = inside[0] - 1, inside[-1] + 1
    return bool((y[hi] - y[lo]) / (x[hi] - x[lo]) > slope)


def _hinted_knots(x: np.ndarray, y: np.ndarray, knots: tuple[int, ...], loss: float, hints,
                  min_points: int = MIN_SEGMENT_POINTS, gain: float = HINT_GAIN,
                  slope: float | None = None) -> tuple[int, ...]:
    """Knots placed where a change of growth is expected a priori (``hints``: sizes, e.g. where
    the working set reaches a cache's size). For each hint with at least ``min_points`` sizes on
    either side: the knots within ``HINT_WINDOW`` of it are replaced by the one or two knots there
    with the least leave-one-out loss, kept when that loss is lower by at least ``gain`` (a
    smaller share than the ``min_gain`` an unexplained knot must earn: the cache predicted the
    change); knots that then change the slope too little are dropped like any other.
    ``slope`` (the exponent the operation count predicts): the cache's prediction is that each
    operation gets slower there, so a set of knots whose sizes do not grow faster than ``slope``
    across them (:func:`_rises`) earns no discount: the hint would admit a change that its own
    reason, a cache filling up, cannot explain."""
    from itertools import combinations

    for h in sorted(float(v) for v in hints):
        lh = math.log(h)
        if min(int((x < lh).sum()), int((x > lh).sum())) < min_points:
            continue
        window = [i for i in range(1, len(x) - 1) if abs(x[i] - lh) <= math.log(HINT_WINDOW)]
        outside = tuple(k for k in knots if k not in window)
        sets = [tuple(sorted(outside + c)) for r in (1, 2) for c in combinations(window, r)]
        sets = [ks for ks in sets if len(x) - len(ks) >= 3 + len(ks) and _rises(x, y, ks, window, slope)]
        if not sets:
            continue
        best_loss, best = min((_loo(x, y, ks), ks) for ks in sets)
        if best_loss <= (1 - gain) * loss:
            knots, loss = best, best_loss
    return knots


def _broken_line(x: np.ndarray, y: np.ndarray, knots: tuple[int, ...], confidence: float):
    """Huber IRLS fit of the broken line; slope of every piece with its Student-t half-width."""
    X = _design(x, knots)
    w = np.ones_like(y)
    for _ in range(HUBER_MAX_ITER):
        beta = np.linalg.lstsq(X * np.sqrt(w)[:, None], y * np.sqrt(w), rcond=None)[0]
        r = y - X @ beta
        s = MAD_TO_SIGMA * float(np.median(np.abs(r - np.median(r))))
        if s <= SCALE_EPS * (1.0 + float(np.abs(y).max())):
            break
        w_new = np.minimum(1.0, HUBER_C * s / np.maximum(np.abs(r), 1e-300))
        if np.allclose(w_new, w, atol=1e-9):
            break
        w = w_new
    dof = len(x) - X.shape[1]
    r = y - X @ beta
    cov = (float((w * r**2).sum()) / dof) * np.linalg.pinv(X.T @ (X * w[:, None])) if dof > 0 else None
    tq = float(stats.t.ppf(0.5 + confidence / 2, dof)) if dof > 0 else math.nan
    changes = [(float(beta[2 + j]), tq * math.sqrt(max(float(cov[2 + j, 2 + j]), 0.0)) if cov is not None else math.nan)
               for j in range(len(knots))]  # slope change at each knot, with its half-width
    pieces = []
    for s_idx in range(len(knots) + 1):
        c = np.zeros(X.shape[1])
        c[1] = 1.0
        c[2:2 + s_idx] = 1.0
        slope = float(c @ beta)
        half = tq * math.sqrt(max(float(c @ cov @ c), 0.0)) if cov is not None else math.nan
        pieces.append((slope, half))
    return changes, pieces, X @ beta


def _pieces(n, y_hat, knots, pieces, min_points) -> list[Segment]:
    bounds = [0, *knots, len(n) - 1]
    out = []
    for (i, j), (k, half) in zip(zip(bounds[:-1], bounds[1:]), pieces):
        a = math.exp(float(y_hat[i]) - k * math.log(n[i]))
        count = j - i + 1
        short = bool(count < min_points or n[j] < MIN_REGIME_SPAN * n[i])
        out.append(Segment(n_first=int(round(n[i])), n_last=int(round(n[j])), n_points=count, k=k,
                           k_lo=k - half, k_hi=k + half, k_halfwidth=half, a=a, r2=math.nan,
                           transition=short, edge=short and (i == 0 or j == len(n) - 1)))
    return out


def _breaks(segments: list[Segment], n: np.ndarray) -> list[tuple[int, int]]:
    """Sizes bracketing every change of growth: each transition's ends, and the sizes on either
    side of a knot where two regimes (or a regime and a stub at an end of the range) meet."""
    sizes = [int(round(v)) for v in n]
    between = [s.transition and not s.edge for s in segments]
    out = []
    for i, seg in enumerate(segments):
        if between[i]:
            out.append((seg.n_first, seg.n_last))
        elif i + 1 < len(segments) and not between[i + 1]:
            k = sizes.index(seg.n_last)
            out.append((sizes[max(k - 1, 0)], sizes[min(k + 1, len(sizes) - 1)]))
    return out


def segmented_fit(n, t, max_segments: int = MAX_SEGMENTS, min_points: int = MIN_SEGMENT_POINTS,
                  min_gain: float = MIN_CV_GAIN, confidence: float = CONFIDENCE, hints=(),
                  hint_gain: float = HINT_GAIN, hint_slope: float | None = None) -> Regimes:
    """Regimes: a continuous broken line in log–log space whose slope may change at 0 … m sizes.

    1. sort by N; x = log N, y = log t;
    2. for m = 0 … max_segments knots (interior sizes where the slope may change): the knots with
       the least leave-one-out error (closed form via the hat matrix; errors beyond ``CV_SCALE``
       count linearly), searched over every set of m knots;
    3. choose the smallest m that no model with more knots beats by ``min_gain`` (relative) in
       held-out error: an extra knot must predict held-out sizes clearly better;
       then, for every size in ``hints`` (where a change is expected, e.g. a cache filling up),
       place one or two knots near it where they lower the held-out error by ``hint_gain`` and
       the time grows faster than ``hint_slope`` across them (``_hinted_knots``);
    4. fit the chosen broken line with Huber IRLS; each piece's exponent is its slope, with a
       Student-t interval from the fit's covariance; while the change of slope at some knot is
       smaller than ``MIN_SLOPE_CHANGE`` (no practical change of the growth law) or its interval
       includes 0 (no sure change), drop the weakest such knot and fit again;
    5. a piece with at least ``min_points`` sizes spanning at least ``MIN_REGIME_SPAN`` in N is a
       regime; a shorter one is a transition (e.g. the few sizes where a cache fills up, whose
       slope is steep and says nothing about a growth law).
    """
    n, t = _sorted_positive(n, t)
    x, y = np.log(n), np.log(t)
    if len(n) < 3:
        line = robust_line(x, y, confidence) if len(n) == 2 else None
        k = line.b1 if line else math.nan
        seg = Segment(int(round(n[0])), int(round(n[-1])), len(n), k, math.nan, math.nan, math.nan,
                      math.exp(line.b0) if line else math.nan, math.nan)
        return Regimes(segments=[seg], breaks=[], cv_rmse={}, chosen=1)
    best: dict[int, tuple[float, tuple[int, ...]]] = {}
    for m in range(0, max_segments + 1):
        if len(n) - m < 3 + m:  # keep some degrees of freedom for the held-out errors
            break
        best[m] = _best_knots(x, y, m)
    cv = {m: math.sqrt(loss / len(n)) for m, (loss, _) in best.items()}
    chosen = next(m for m in sorted(cv) if all(cv[o] >= (1 - min_gain) * cv[m] for o in cv if o > m))
    knots = _hinted_knots(x, y, best[chosen][1], best[chosen][0], hints, min_points, hint_gain, hint_slope)
    changes, pieces, y_hat = _broken_line(x, y, knots, confidence)
    while knots:  # drop the weakest knot while one changes the slope too little or not surely
        weak = [abs(g) / MIN_SLOPE_CHANGE if not abs(g) > h else abs(g) / max(h, MIN_SLOPE_CHANGE) for g, h in changes]
        j = int(np.argmin(weak))
        if abs(changes[j][0]) >= MIN_SLOPE_CHANGE and abs(changes[j][0]) > changes[j][1]:
            break
        knots = knots[:j] + knots[j + 1:]
        changes, pieces, y_hat = _broken_line(x, y, knots, confidence)
    segments = _pieces(n, y_hat, knots, pieces, min_points)
    if all(s.transition for s in segments):
        segments = [replace(s, transition=False, edge=False) for s in segments]
    return Regimes(segments=segments, breaks=_breaks(segments, n), cv_rmse=cv,
                   chosen=sum(not s.transition for s in segments), knots=[int(round(n[k])) for k in knots])


# --------------------------------------------------------------------------- polynomials and the report
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


def cancellation(coef, n: float) -> float:
    """Σ|c_j N^j| / |Σ c_j N^j| at size n: 1 when every term has the polynomial's sign, large
    where terms of opposite signs cancel (then no single term "dominates" the value)."""
    terms = np.array([c * float(n) ** j for j, c in enumerate(coef)])
    value = abs(terms.sum())
    return float(np.abs(terms).sum() / value) if value > 0 else math.inf


def _term_name(j: int) -> str:
    return "定数項" if j == 0 else ("N の項" if j == 1 else f"N^{j} の項")


CANCELS = 1.5  # Σ|terms| over |Σ terms| above this: terms of opposite signs cancel, none dominates
MODEL_TIE = 0.1  # held-out errors within this share of the best one's: the comparison cannot rank them
PREDICTS = 0.1  # a model predicts the held-out sizes when its RMS relative error there is at most this
MODELS = {"power": "べき乗則 a·N^k^", "poly2": "2 次多項式", "poly3": "3 次多項式"}


def compare_models(n, t, confidence: float = CONFIDENCE, holdout: int | None = None, overhead: bool = True) -> dict:
    """Fit every candidate without the ``holdout`` largest sizes and score it on them.

    The score is the RMS relative error of the held-out predictions; training error is
    reported beside it only to show that it would have chosen differently. The power law is
    fitted as in ``growth_law`` (robust line; the overhead region left out unless ``overhead`` is
    false, for sizes already chosen past it).
    """
    n, t = _sorted_positive(n, t)
    h = holdout if holdout is not None else max(1, len(n) // 4)
    train_n, train_t, test_n, test_t = n[:-h], t[:-h], n[-h:], t[-h:]
    results = []
    for name in MODELS:
        need = 3 if name == "power" else int(name[-1]) + 1
        if len(train_n) < need + 1:
            results.append({"model": name, "label": MODELS[name],
                            "skipped": f"{len(train_n)} 点では当てはめに足りない"})
            continue
        if name == "power":
            first = overhead_region(train_n, train_t).first if overhead else 0
            first = first if len(train_n) - first >= 2 else 0
            p = _power(train_n[first:], train_t[first:], first, confidence)
            predict = lambda v, p=p: p["a"] * np.asarray(v, float) ** p["k"]  # noqa: E731
        else:
            c = fit_polynomial(train_n, train_t, int(name[-1]))
            predict = lambda v, c=c: poly_eval(c, v)  # noqa: E731
        results.append({
            "model": name, "label": MODELS[name],
            "train_rel_rmse": float(np.sqrt(np.mean(((predict(train_n) - train_t) / train_t) ** 2))),
            "holdout_rel_rmse": float(np.sqrt(np.mean(((predict(test_n) - test_t) / test_t) ** 2))),
        })
    scored = [r for r in results if "holdout_rel_rmse" in r]
    best = min(scored, key=lambda r: r["holdout_rel_rmse"]) if scored else None
    # a few held-out points cannot rank models whose errors are this close: name them as tied
    tied = [r["model"] for r in scored if r is not best
            and r["holdout_rel_rmse"] <= best["holdout_rel_rmse"] * (1 + MODEL_TIE)]
    return {"holdout_sizes": [int(v) for v in test_n], "models": results,
            "best": best["model"] if best else None, "tied": tied, "tie_share": MODEL_TIE,
            "predicted": bool(best and best["holdout_rel_rmse"] <= PREDICTS), "predicts": PREDICTS}


def poly3_summary(n: np.ndarray, t: np.ndarray) -> dict:
    """The cubic polynomial and its dominant terms at the smallest and the largest N."""
    coef = fit_polynomial(n, t, 3)
    at = {"n_min": float(n.min()), "n_max": float(n.max())}
    shares = {key: term_shares(coef, v) for key, v in at.items()}
    return {"coef": [float(c) for c in coef], "shares": shares, "at": at, "n_points": int(len(n)),
            "cancellation": {key: cancellation(coef, v) for key, v in at.items()},
            "cancels": {key: cancellation(coef, v) > CANCELS for key, v in at.items()},
            "dominant_at_n_max": max(shares["n_max"], key=shares["n_max"].get),
            "dominant_at_n_min": max(shares["n_min"], key=shares["n_min"].get)}


MODELS_LEAST = 6  # sizes a polynomial comparison needs: a cubic's 4 coefficients, one spare, one held out


def models_within(n, t, n_first: int, n_last: int, confidence: float = CONFIDENCE) -> dict | None:
    """:func:`compare_models` and :func:`poly3_summary` on the sizes N = ``n_first``…``n_last``
    only (e.g. the regime whose law a report states, past the overhead region and the cache
    steps that no polynomial of the expected degree can follow; the power law is fitted to every
    training size there, none left out as overhead); None with fewer than ``MODELS_LEAST`` sizes."""
    n, t = _sorted_positive(n, t)
    keep = (n >= n_first) & (n <= n_last)
    if keep.sum() < MODELS_LEAST:
        return None
    n, t = n[keep], t[keep]
    return {"n_first": int(round(n[0])), "n_last": int(round(n[-1])), "n_points": int(len(n)),
            "comparison": compare_models(n, t, confidence, overhead=False), "poly3": poly3_summary(n, t)}


def _power(n: np.ndarray, t: np.ndarray, excluded: int, confidence: float) -> dict:
    line = robust_line(np.log(n), np.log(t), confidence)
    return PowerFit(a=math.exp(line.b0), k=line.b1, k_lo=line.b1 - line.halfwidth,
                    k_hi=line.b1 + line.halfwidth, k_halfwidth=line.halfwidth, confidence=confidence,
                    n_points=len(n), n_first=int(round(n[0])), n_last=int(round(n[-1])),
                    n_excluded=int(excluded), r2=line.r2).to_dict()


def growth_law(n, t, confidence: float = CONFIDENCE, overhead_share: float = OVERHEAD_SHARE,
               max_knots: int = MAX_SEGMENTS, min_points: int = MIN_SEGMENT_POINTS,
               min_gain: float = MIN_CV_GAIN, hint_gain: float = HINT_GAIN, hints=(),
               hint_slope: float | None = None) -> dict:
    """Everything the report says about one series, as a JSON-serialisable dict.

    1. sort; find the overhead region with ``overhead_region`` (all sizes);
    2. keep the sizes past it; if fewer than 2 remain, keep all and say so in overhead["note"];
    3. "power": one ``robust_line`` in log–log space on the kept sizes (the keys of PowerFit);
    4. "regimes": ``segmented_fit`` on the kept sizes (``hints``: sizes where a change is expected,
       ``hint_slope``: the exponent the operation count predicts);
    5. "comparison" and "poly3" (all sizes, only with ≥ 4 sizes): held-out model comparison and
       the cubic's dominant terms.
    """
    n, t = _sorted_positive(n, t)
    overhead = overhead_region(n, t, overhead_share).to_dict()
    first = overhead["first"]
    if len(n) - first < 2:
        overhead["note"] = (overhead["note"] + "; " if overhead["note"] else "") + (
            f"only {len(n) - first} sizes past the overhead region; all {len(n)} sizes fitted")
        first = 0
    if first:  # what the fitted c is of the fitted time at the smallest size left out
        c, a, k = overhead["c"], overhead["a"], overhead["k"]
        overhead.update(n_min=int(round(n[0])), share_at_n_min=float(c / (c + a * n[0] ** k)))
    kept_n, kept_t = n[first:], t[first:]
    regimes = segmented_fit(kept_n, kept_t, max_knots, min_points, min_gain, confidence, hints, hint_gain,
                            hint_slope)
    out = {"overhead": overhead, "power": _power(kept_n, kept_t, first, confidence),
           "regimes": regimes.to_dict(), "n_sizes": int(len(n)), "sizes": [int(round(x)) for x in kept_n]}
    if len(n) >= 4:
        out["comparison"] = compare_models(n, t, confidence)
        out["poly3"] = poly3_summary(n, t)
    return out


def method(cfg: dict) -> dict:
    """The config's ``fit`` section with the fixed rules that the report's method paragraph states."""
    return {**cfg, "hint_window": HINT_WINDOW, "regime_span": MIN_REGIME_SPAN}


def per_operation(n, t, flops: Callable[[float], float]) -> np.ndarray:
    """Time per operation t / flops(N), element by element in the order given."""
    n, t = np.asarray(n, float).ravel(), np.asarray(t, float).ravel()
    return t / np.array([float(flops(v)) for v in n])


def by_series(summary, fit_cfg: dict, keys=("op", "implementation"), column: str = "time",
              hints: Callable[[tuple], list] | None = None,
              expected: Callable[[tuple], float] | None = None) -> dict:
    """``growth_law`` of every series of a summary table with at least 2 sizes, keyed by ``keys``
    (nested dicts, one level per key); ``fit_cfg``: the config's ``fit`` section; ``hints(key)``:
    the sizes where that series is expected to change its growth (none if not given);
    ``expected(key)``: the exponent its operation count predicts (a hint then stands only where
    each operation gets slower, :func:`_hinted_knots`)."""
    out: dict = {}
    for key, grp in summary.groupby(list(keys)):
        if len(grp) < 2:
            continue
        node = out
        for part in key[:-1]:
            node = node.setdefault(part, {})
        node[key[-1]] = growth_law(grp.N.to_numpy(), grp[column].to_numpy(), **fit_cfg,
                                   hints=hints(key) if hints else (),
                                   hint_slope=expected(key) if expected else None)
    return out
