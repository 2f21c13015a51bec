"""Every yes/no statement a report prints is decided here, with named thresholds and three outcomes.

A :class:`Verdict` is ``yes``, ``no`` or ``unknown`` (cannot tell), a short machine-readable
``reason`` and the ``numbers`` behind it (estimate, interval, threshold, sample counts).
Templates only word the outcome. No decision says yes or no from an interval that does not lie
wholly on one side of its threshold; such cases are ``unknown``.

Decisions and their rules
-------------------------
* :func:`exponent` — "the fitted exponent is ``expected``". Band = [expected − tol, expected + tol]
  (edges inclusive, ``tol`` = ``EXPONENT_TOLERANCE``). YES "inside": the whole interval
  [k_lo, k_hi] lies in the band. NO "outside": the interval lies wholly outside the band
  (k_hi < expected − tol or k_lo > expected + tol). Else UNKNOWN: "too_wide" when the interval's
  half-width exceeds tol, otherwise "straddles". NaN bound → UNKNOWN "no_interval".
* :func:`ratio` — "est(num) / est(den) ≥ threshold" (speed-up of B over A = ratio(times_A, times_B)).
  Paired: median of per-pair ratios, distribution-free interval for the median from binomial order
  statistics; fewer pairs than that interval needs to reach ``confidence`` (6 for 95 %) →
  UNKNOWN "too_few". Unpaired medians: ratio of medians, seeded percentile bootstrap. Unpaired
  minima (run times, where noise only adds): both sides are compared as the best of the same
  number of runs k = min(n_num, n_den) (:func:`best_of`: the minimum of a side with more runs
  would be lower by its count alone), with the interval from inverting a permutation test on the
  log times (:func:`_min_interval`); runs too few for any permutation test at ``confidence``
  (C(n_num + n_den, n_num) < 2 / (1 − confidence): 3 against 3, 2 against 7) → UNKNOWN "too_few".
  YES "above": lo ≥ threshold. NO "below": hi < threshold. Else UNKNOWN "straddles".
* :func:`effect` — "the quantity differs between settings by more than ``min_effect``". For every
  pair of settings (a, b) the difference mean(b) − mean(a) gets a Welch t interval (paired: a
  one-sample t interval of per-round differences) at Bonferroni confidence 1 − (1 − confidence)/m,
  m = number of pairs. ``relative=True`` works on logs: the estimate is the ratio of geometric
  means − 1 and the band is symmetric on the log scale, |log ratio| vs log(1 + min_effect).
  YES "exceeds": some pair's interval lies wholly beyond the band (strictly). NO "negligible":
  every pair's interval lies wholly inside the open band. Else UNKNOWN "straddles".
  With ``reference`` only the pairs (reference, other) are compared (m = number of others); with
  ``pairs`` only the (a, b) pairs given (m = their number).
  Zero variance gives a zero-width interval, never NaN. ``numbers`` name the deciding pair (the
  exceeding pair with the largest |estimate|, else the pair with the largest |estimate|): ``a``,
  ``b``, ``estimate``, ``lo``, ``hi`` and the band [``band_lo``, ``band_hi``] on the same scale,
  plus mean, sd and count of every group.
* :func:`within` — "keeps the reference's level": mean(samples) − mean(reference) ≥ −tolerance,
  Welch t interval. YES "within": lo ≥ −tolerance. NO "below": hi < −tolerance.
  Else UNKNOWN "straddles".
* :func:`better_predictor` — "x_b explains y better than x_a" (R² of a straight-line fit). Bootstrap
  over points, both R² on the same resample. YES "b_better": lo > 0. NO "a_better": hi < 0.
  Else UNKNOWN "straddles". A constant x or y in a resample counts as R² = 0.
* :func:`boundary` — "a known boundary (a cache size) lies where the growth changes": YES "straddles"
  when some mark lies in [lo, hi]; UNKNOWN "near" when none does but one lies within a factor
  ``BOUNDARY_SLACK`` outside it (the effective capacity can differ from the nominal one, so the mark
  may or may not be the cause); NO "none" when marks are known and none is even near; UNKNOWN
  "no_marks" when none are known.
* :func:`guard` — a timing verdict stands only if the machine was quiet enough for it: a
  measurement that used more than ``MULTI_CORE`` cores while other processes kept at least
  ``BUSY_CORES`` busy cannot say how the work scales with the cores → UNKNOWN "busy".
* :func:`count` — how many verdicts are yes / no / unknown.

Common rules: fewer than ``MIN_SAMPLES`` finite samples in a group (``MIN_POINTS`` points for
:func:`better_predictor`, fewer than 2 settings for :func:`effect`) → UNKNOWN "too_few".
Non-finite samples (failed runs) are dropped first; in paired data the whole pair / round goes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy import special, stats

YES, NO, UNKNOWN = "yes", "no", "unknown"
OUTCOMES = (YES, NO, UNKNOWN)

EXPONENT_TOLERANCE = 0.2  # how far a fitted exponent may lie from the expected one and still be "that power law"
CONFIDENCE = 0.95  # confidence level of every interval a decision is made from (family-wise for effect)
MIN_SAMPLES = 2  # fewer samples per group than this → UNKNOWN "too_few"
MIN_POINTS = 4  # fewer (x, y) points than this → better_predictor is UNKNOWN "too_few"
SPEEDUP = 1.1  # "A is faster than B" needs A's speed-up over B to be at least this (10 %)
BUSY_CORES = 0.25  # other processes keeping this much of a core busy make a multi-core timing undecidable
MULTI_CORE = 1.2   # a measurement that kept more than this many cores busy relied on idle cores
BOUNDARY_SLACK = 2.0  # a cache within this factor outside the working sets at a break is "near" (cannot tell)
# sizes are integers on a geometric grid: a factor that is 2 on the grid (181 → 256) is 1.9996 in bytes
GRID_ROUNDING = 1.01
_EDGE_EPS = 1e-9  # absolute slack so that band edges stay inclusive despite float rounding (3 − 0.2 vs 2.8)


def _plain(x, non_finite):
    """``x`` as plain Python (dict/list/str/int/float/bool/None); non-finite floats → ``non_finite``."""
    if isinstance(x, dict):
        return {str(k): _plain(v, non_finite) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [_plain(v, non_finite) for v in x]
    if x is None or isinstance(x, str):
        return x
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if math.isfinite(x) else non_finite
    return str(x)


@dataclass(frozen=True)
class Verdict:
    """One decision: ``outcome`` (YES | NO | UNKNOWN), a short ``reason`` key and its ``numbers``."""

    outcome: str
    reason: str
    numbers: dict

    def __post_init__(self):
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, got {self.outcome!r}")
        object.__setattr__(self, "numbers", _plain(dict(self.numbers), math.nan))

    def to_dict(self) -> dict:
        """JSON-serialisable form: plain ints/floats/str, NaN and ±inf as ``None``."""
        return {"outcome": self.outcome, "reason": self.reason, "numbers": _plain(self.numbers, None)}


def count(verdicts) -> dict:
    """Number of yes / no / unknown among ``verdicts`` (for "k of m series …" sentences)."""
    outcomes = [v.outcome for v in verdicts]
    return {o: outcomes.count(o) for o in OUTCOMES}


# ---------------------------------------------------------------- helpers


def _finite(x) -> np.ndarray:
    x = np.asarray(x, dtype=float).ravel()
    return x[np.isfinite(x)]


def _finite_rows(*columns) -> list[np.ndarray]:
    """Equal-length columns with every row that holds a non-finite value dropped."""
    arrays = [np.asarray(c, dtype=float).ravel() for c in columns]
    if len({a.size for a in arrays}) > 1:
        raise ValueError(f"paired samples need equal lengths, got {[a.size for a in arrays]}")
    keep = np.logical_and.reduce([np.isfinite(a) for a in arrays])
    return [a[keep] for a in arrays]


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")


def _t_interval(d: float, var_terms: list[tuple[float, int]], confidence: float) -> tuple[float, float]:
    """``d`` ± t·se with se² = Σ v/n and Welch–Satterthwaite df over the (variance, n) terms.

    A zero standard error gives the zero-width interval (d, d) rather than NaN.
    """
    se2 = sum(v / n for v, n in var_terms)
    if not se2 > 0:
        return d, d
    den = sum((v / n) ** 2 / (n - 1) for v, n in var_terms)
    df = se2**2 / den if den > 0 else math.inf
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * math.sqrt(se2)
    return d - half, d + half


def _welch(a: np.ndarray, b: np.ndarray, confidence: float) -> tuple[float, float, float]:
    """Estimate and Welch t interval of mean(a) − mean(b)."""
    d = float(a.mean() - b.mean())
    lo, hi = _t_interval(d, [(a.var(ddof=1), a.size), (b.var(ddof=1), b.size)], confidence)
    return d, lo, hi


def _one_sample(x: np.ndarray, confidence: float) -> tuple[float, float, float]:
    """Estimate and one-sample t interval of mean(x)."""
    d = float(x.mean())
    lo, hi = _t_interval(d, [(x.var(ddof=1), x.size)], confidence)
    return d, lo, hi


def _positive(x: np.ndarray, what: str) -> np.ndarray:
    if np.any(x <= 0):
        raise ValueError(f"{what} must be positive")
    return x


# ---------------------------------------------------------------- exponent


def exponent(k: float, k_lo: float, k_hi: float, expected: float, tolerance: float = EXPONENT_TOLERANCE) -> Verdict:
    """Is the fitted exponent ``k`` (interval [k_lo, k_hi]) the ``expected`` one within ``tolerance``?"""
    band_lo, band_hi = expected - tolerance, expected + tolerance
    numbers = {"k": k, "lo": k_lo, "hi": k_hi, "expected": expected, "tolerance": tolerance,
               "band_lo": band_lo, "band_hi": band_hi, "half_width": (k_hi - k_lo) / 2}
    if not (math.isfinite(k_lo) and math.isfinite(k_hi)):
        return Verdict(UNKNOWN, "no_interval", numbers)
    if k_lo > k_hi:
        raise ValueError(f"interval bounds reversed: [{k_lo}, {k_hi}]")
    if k_lo >= band_lo - _EDGE_EPS and k_hi <= band_hi + _EDGE_EPS:
        return Verdict(YES, "inside", numbers)
    if k_hi < band_lo - _EDGE_EPS or k_lo > band_hi + _EDGE_EPS:
        return Verdict(NO, "outside", numbers)
    return Verdict(UNKNOWN, "too_wide" if (k_hi - k_lo) / 2 > tolerance else "straddles", numbers)


# ---------------------------------------------------------------- ratio


def median_interval(x, confidence: float = CONFIDENCE) -> tuple[float, float, float, float]:
    """Median of ``x`` and its distribution-free interval from binomial order statistics.

    [x_(j), x_(n+1−j)] covers the median with probability 1 − 2·P(Bin(n, ½) ≤ j − 1); j is the
    largest index that keeps this ≥ ``confidence``, or 1 (the range) when none does.
    Returns (median, lo, hi, coverage).
    """
    x = np.sort(np.asarray(x, dtype=float))
    n = x.size
    tail = stats.binom.cdf(np.arange(n), n, 0.5)
    j = max(1, int(np.sum(tail <= (1 - confidence) / 2)))
    coverage = 1 - 2 * float(stats.binom.cdf(j - 1, n, 0.5))
    return float(np.median(x)), float(x[j - 1]), float(x[n - j]), coverage


def rounds_interval(rounds: int, confidence: float = CONFIDENCE) -> dict:
    """What :func:`median_interval` gives for ``rounds`` samples, for a report's method section:
    ``is_range`` where it is the smallest to the largest sample, its real ``coverage``, and
    ``short`` where even the range covers less than ``confidence``."""
    _, lo, hi, coverage = median_interval(range(rounds), confidence)
    return {"rounds": int(rounds), "is_range": (lo, hi) == (0, rounds - 1), "coverage": coverage,
            "short": coverage < confidence}


def _bootstrap_ratio(num, den, est, confidence, n_boot, seed) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    num_b = est(num[rng.integers(0, num.size, (n_boot, num.size))], axis=1)
    den_b = est(den[rng.integers(0, den.size, (n_boot, den.size))], axis=1)
    alpha = 1 - confidence
    lo, hi = np.quantile(num_b / den_b, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def best_of(x, k: int) -> np.ndarray:
    """The expected fastest of ``k`` runs drawn (without replacement) from the runs ``x`` along
    the last axis: Σ x₍ᵢ₎·C(n − i, k − 1)/C(n, k) over the sorted runs (an unbiased U-statistic;
    ``k`` = n gives the minimum itself)."""
    x = np.sort(np.asarray(x, dtype=float), axis=-1)
    n = x.shape[-1]
    i = np.arange(1, n + 1)
    return x @ (special.comb(n - i, k - 1) / special.comb(n, k))


def _permutations(n: int, m: int, n_perm: int, seed: int) -> np.ndarray:
    """Index arrays that split n + m pooled runs into a first group of n: all C(n + m, n)
    splits where there are at most ``n_perm``, else the observed split and n_perm − 1 random ones."""
    if math.comb(n + m, n) <= n_perm:
        firsts = list(combinations(range(n + m), n))
        return np.array([[*f, *sorted(set(range(n + m)).difference(f))] for f in firsts], dtype=int)
    rng = np.random.default_rng(seed)
    return np.vstack([np.arange(n + m), rng.permuted(np.tile(np.arange(n + m), (n_perm - 1, 1)), axis=1)])


def _log_best_gap(x: np.ndarray, y: np.ndarray, k: int) -> float:
    """log of the best-of-k ratio: the difference of :func:`best_of` on the log times ``x``, ``y``."""
    return float(best_of(x, k) - best_of(y, k))


def _min_interval(num: np.ndarray, den: np.ndarray, confidence: float, n_perm: int,
                  seed: int) -> tuple[float, float, float]:
    """Ratio of the best of k runs (k = the smaller count, :func:`best_of`) and its interval: the
    log-ratios θ that a one-sided permutation test of log(num) − θ against log(den) does not
    reject at (1 − confidence)/2 on either side (statistic: difference of the best-of-k logs),
    found by bisection. A run-time distribution that only shifts on the log scale is all it assumes."""
    x, y = np.log(num), np.log(den)
    n, k = x.size, min(x.size, y.size)
    perms = _permutations(x.size, y.size, n_perm, seed)
    observed = _log_best_gap(x, y, k)
    alpha = (1 - confidence) / 2

    def p_values(theta: float) -> tuple[float, float]:
        z = np.concatenate([x - theta, y])[perms]
        s = best_of(z[:, :n], k) - best_of(z[:, n:], k)
        obs = observed - theta
        return float(np.mean(s >= obs - 1e-12)), float(np.mean(s <= obs + 1e-12))

    def bisect(lo: float, hi: float, inside) -> float:  # inside(lo) False, inside(hi) True
        for _ in range(40):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if inside(mid) else (mid, hi)
        return (lo + hi) / 2

    span = float(x.max() - x.min() + y.max() - y.min()) + 1.0
    far_lo, far_hi = observed - span, observed + span
    lo = bisect(far_lo, observed, lambda t: p_values(t)[0] > alpha)
    hi = bisect(far_hi, observed, lambda t: p_values(t)[1] > alpha)
    return math.exp(observed), math.exp(lo), math.exp(hi)


def ratio(num, den, threshold: float, *, paired: bool = False, estimator: str = "median",
          confidence: float = CONFIDENCE, n_boot: int = 2000, seed: int = 0,
          min_samples: int = MIN_SAMPLES) -> Verdict:
    """Is est(num) / est(den) ≥ ``threshold``? (samples must be positive, e.g. run times)."""
    _check_confidence(confidence)
    if estimator not in ("median", "min"):
        raise ValueError(f"estimator must be 'median' or 'min', got {estimator!r}")
    if paired:
        num, den = _finite_rows(num, den)
    else:
        num, den = _finite(num), _finite(den)
    numbers = {"ratio": math.nan, "lo": math.nan, "hi": math.nan, "threshold": threshold,
               "n_num": num.size, "n_den": den.size, "paired": paired,
               "estimator": "median" if paired else estimator, "confidence": confidence}
    if min(num.size, den.size) < max(min_samples, 1):
        return Verdict(UNKNOWN, "too_few", numbers)
    _positive(num, "num")
    _positive(den, "den")
    if paired:
        est, lo, hi, coverage = median_interval(num / den, confidence)
        numbers.update(ratio=est, lo=lo, hi=hi, coverage=coverage)
        if coverage < confidence - 1e-12:  # too few pairs for an interval at this confidence
            return Verdict(UNKNOWN, "too_few", numbers)
    elif estimator == "min":
        k = numbers["best_of"] = min(num.size, den.size)
        if math.comb(num.size + den.size, num.size) * (1 - confidence) < 2:  # no split is rare enough
            numbers["ratio"] = math.exp(_log_best_gap(np.log(num), np.log(den), k))  # told, not decided on
            return Verdict(UNKNOWN, "too_few", numbers)
        est, lo, hi = _min_interval(num, den, confidence, n_boot, seed)
        numbers["n_perm"], numbers["seed"] = n_boot, seed
    else:
        est = float(np.median(num) / np.median(den))
        lo, hi = _bootstrap_ratio(num, den, np.median, confidence, n_boot, seed)
        numbers["n_boot"], numbers["seed"] = n_boot, seed
    numbers.update(ratio=est, lo=lo, hi=hi)
    return _against(lo, hi, threshold, numbers)


def _against(lo: float, hi: float, threshold: float, numbers: dict) -> Verdict:
    """YES where the interval [lo, hi] lies at or above ``threshold``, NO where below, else UNKNOWN."""
    if lo >= threshold:
        return Verdict(YES, "above", numbers)
    if hi < threshold:
        return Verdict(NO, "below", numbers)
    return Verdict(UNKNOWN, "straddles", numbers)


def median_at_least(x, threshold: float, *, confidence: float = CONFIDENCE) -> Verdict:
    """Is the median of ``x`` (e.g. one value per timing round) ≥ ``threshold``? Decided on its
    distribution-free interval (:func:`median_interval`); too few values for it → UNKNOWN."""
    _check_confidence(confidence)
    x = _finite(x)
    numbers = {"estimate": math.nan, "lo": math.nan, "hi": math.nan, "threshold": threshold, "rounds": x.size}
    if x.size < 2:
        return Verdict(UNKNOWN, "too_few", numbers)
    est, lo, hi, coverage = median_interval(x, confidence)
    numbers.update(estimate=est, lo=lo, hi=hi, coverage=coverage)
    if coverage < confidence - 1e-12:
        return Verdict(UNKNOWN, "too_few", numbers)
    return _against(lo, hi, threshold, numbers)


# ---------------------------------------------------------------- effect


def not_proportional(size_ratio: float, time_ratio: dict) -> dict:
    """Is a time *not* proportional to a size (parameters, say)? YES when the ratio of the two
    sizes lies outside the interval of the ratio of their times (``time_ratio``: a :func:`ratio`
    verdict); otherwise UNKNOWN: a proportionality is never concluded from one pair. ``direction``:
    "less" where the time grows less than the size, "more" where it grows more."""
    n = time_ratio["numbers"]
    lo, hi = n.get("lo"), n.get("hi")
    numbers = {"param_ratio": size_ratio, "lo": lo, "hi": hi, "ratio": n.get("ratio"), "direction": None}
    if time_ratio.get("reason") in ("too_few", "busy"):  # no interval to trust: nothing is decided
        return Verdict(UNKNOWN, time_ratio["reason"], {**n, **numbers}).to_dict()
    if lo is None or hi is None or not (lo == lo and hi == hi):
        return Verdict(UNKNOWN, "no_interval", numbers).to_dict()
    numbers["direction"] = "less" if hi < size_ratio else "more" if lo > size_ratio else None
    return Verdict(YES if numbers["direction"] else UNKNOWN, "outside" if numbers["direction"] else "inside",
                   numbers).to_dict()


def _pairs(names: list, reference, pairs=None) -> list[tuple]:
    """Every pair in insertion order, or every (reference, other) pair, or the ``pairs`` given."""
    if pairs is not None:
        return [tuple(p) for p in pairs]
    if reference is None:
        return list(combinations(names, 2))
    return [(reference, b) for b in names if b != reference]


def _pair_intervals(values: dict, paired: bool, confidence: float, reference=None, pairs=None) -> list[dict]:
    """Estimate and interval of mean(b) − mean(a) for every compared pair (a, b)."""
    out = []
    for a, b in _pairs(list(values), reference, pairs):
        if paired:
            d, lo, hi = _one_sample(values[b] - values[a], confidence)
        else:
            d, lo, hi = _welch(values[b], values[a], confidence)
        out.append({"a": a, "b": b, "estimate": d, "lo": lo, "hi": hi})
    return out


def _clean_groups(groups: dict, paired: bool, relative: bool) -> dict:
    names = list(groups)
    if paired:
        columns = _finite_rows(*(groups[k] for k in names)) if names else []
    else:
        columns = [_finite(groups[k]) for k in names]
    if relative:
        columns = [_positive(c, f"samples of {k!r} (relative=True)") for k, c in zip(names, columns)]
    return dict(zip(names, columns))


def effect(groups: dict, min_effect: float, *, relative: bool = False, paired: bool = False,
           confidence: float = CONFIDENCE, min_samples: int = MIN_SAMPLES, reference=None,
           pairs=None) -> Verdict:
    """Does the quantity differ between some two settings by more than ``min_effect``? With
    ``reference`` (a key of ``groups``, e.g. the baseline of a one-at-a-time study) only the
    pairs (reference, other) are compared, so the Bonferroni correction is over fewer pairs; with
    ``pairs`` (a, b), e.g. the neighbours of a ladder, only those."""
    _check_confidence(confidence)
    if min_effect < 0:
        raise ValueError(f"min_effect must be ≥ 0, got {min_effect}")
    if reference is not None and reference not in groups:
        raise ValueError(f"reference {reference!r} is not one of the groups {list(groups)}")
    unknown = [k for p in pairs or [] for k in p if k not in groups]
    if unknown or (pairs is not None and reference is not None):
        raise ValueError(f"pairs {pairs!r}: give pairs of groups {list(groups)}, or a reference, not both")
    clean = _clean_groups(groups, paired, relative)
    m = len(_pairs(list(clean), reference, pairs))
    pair_conf = 1 - (1 - confidence) / m if m else confidence
    numbers = {"min_effect": min_effect, "relative": relative, "paired": paired, "confidence": confidence,
               "n_pairs": m, "pair_confidence": pair_conf,
               "groups": {k: {"mean": float(np.mean(v)) if v.size else math.nan,
                              "sd": float(np.std(v, ddof=1)) if v.size > 1 else math.nan,
                              "count": v.size} for k, v in clean.items()}}
    if m == 0 or min(v.size for v in clean.values()) < max(min_samples, 2):
        return Verdict(UNKNOWN, "too_few", numbers)
    values = {k: np.log(v) for k, v in clean.items()} if relative else clean
    compared = _pair_intervals(values, paired, pair_conf, reference, pairs)
    band = math.log1p(min_effect) if relative else min_effect
    beyond = [p for p in compared if p["lo"] > band or p["hi"] < -band]
    inside = all(-band < p["lo"] and p["hi"] < band for p in compared)
    top = max(beyond or compared, key=lambda p: abs(p["estimate"]))

    def reported(p):  # a relative change is reported as b/a − 1, comparable with min_effect
        return {**p, **{key: math.expm1(p[key]) for key in ("estimate", "lo", "hi")}} if relative else p

    # every compared pair at the Bonferroni level, with its own outcome against the band
    numbers["pairs"] = [{**reported(p), "outcome": YES if p in beyond else
                         NO if -band < p["lo"] and p["hi"] < band else UNKNOWN}
                        for p in compared if math.isfinite(p["estimate"])]
    numbers.update(reported(top), band_lo=math.expm1(-band) if relative else -band, band_hi=min_effect)
    if beyond:
        return Verdict(YES, "exceeds", numbers)
    if inside:
        return Verdict(NO, "negligible", numbers)
    return Verdict(UNKNOWN, "straddles", numbers)


# ---------------------------------------------------------------- within


def within(samples, reference, tolerance: float, *, confidence: float = CONFIDENCE,
           min_samples: int = MIN_SAMPLES) -> Verdict:
    """Does ``samples`` keep the ``reference``'s level: mean(samples) − mean(reference) ≥ −tolerance?"""
    _check_confidence(confidence)
    s, r = _finite(samples), _finite(reference)
    numbers = {"diff": math.nan, "lo": math.nan, "hi": math.nan, "tolerance": tolerance,
               "mean": float(s.mean()) if s.size else math.nan,
               "mean_reference": float(r.mean()) if r.size else math.nan,
               "n": s.size, "n_reference": r.size, "confidence": confidence}
    if min(s.size, r.size) < max(min_samples, 2):
        return Verdict(UNKNOWN, "too_few", numbers)
    d, lo, hi = _welch(s, r, confidence)
    numbers.update(diff=d, lo=lo, hi=hi)
    if lo >= -tolerance:
        return Verdict(YES, "within", numbers)
    if hi < -tolerance:
        return Verdict(NO, "below", numbers)
    return Verdict(UNKNOWN, "straddles", numbers)


# ---------------------------------------------------------------- better_predictor


def _r2_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """R² of the straight-line fit y ~ x along the last axis (= squared correlation; 0 if x or y is constant)."""
    xc = x - x.mean(axis=-1, keepdims=True)
    yc = y - y.mean(axis=-1, keepdims=True)
    sxx, syy, sxy = (xc * xc).sum(-1), (yc * yc).sum(-1), (xc * yc).sum(-1)
    ok = (sxx > 0) & (syy > 0)
    return np.where(ok, sxy**2 / np.where(ok, sxx * syy, 1.0), 0.0)


def better_predictor(x_a, x_b, y, *, n_boot: int = 2000, seed: int = 0, confidence: float = CONFIDENCE,
                     min_points: int = MIN_POINTS) -> Verdict:
    """Does predictor ``x_b`` explain ``y`` better (higher R² of a straight-line fit) than ``x_a``?"""
    _check_confidence(confidence)
    x_a, x_b, y = _finite_rows(x_a, x_b, y)
    n = y.size
    numbers = {"r2_a": math.nan, "r2_b": math.nan, "diff": math.nan, "lo": math.nan, "hi": math.nan,
               "n": n, "n_boot": n_boot, "seed": seed, "confidence": confidence}
    if n < max(min_points, 3):
        return Verdict(UNKNOWN, "too_few", numbers)
    r2_a, r2_b = float(_r2_rows(x_a, y)), float(_r2_rows(x_b, y))
    idx = np.random.default_rng(seed).integers(0, n, (n_boot, n))
    diffs = _r2_rows(x_b[idx], y[idx]) - _r2_rows(x_a[idx], y[idx])
    alpha = 1 - confidence
    lo, hi = (float(q) for q in np.quantile(diffs, [alpha / 2, 1 - alpha / 2]))
    numbers.update(r2_a=r2_a, r2_b=r2_b, diff=r2_b - r2_a, lo=lo, hi=hi)
    if lo > 0:
        return Verdict(YES, "b_better", numbers)
    if hi < 0:
        return Verdict(NO, "a_better", numbers)
    return Verdict(UNKNOWN, "straddles", numbers)


# ---------------------------------------------------------------- boundary


def boundary(lo: float, hi: float, marks: dict, slack: float = BOUNDARY_SLACK) -> Verdict:
    """Does a mark (e.g. ``{"L2": 2097152, "L3": …}`` bytes) lie between ``lo`` and ``hi`` (e.g. the
    working sets on both sides of a change of growth)? Only near it (within a factor ``slack``
    outside, give or take the grid's rounding) cannot tell; ``numbers["ratio_lo"]`` /
    ``["ratio_hi"]``: lo and hi over the mark;
    ``numbers["touch"]``: "hi" or "lo" where that end is the mark itself (the range reaches the
    mark, or starts at it, rather than lying across it), else None."""
    numbers = {"lo": lo, "hi": hi, "slack": slack, "marks": dict(marks), "mark": None, "value": None,
               "ratio_lo": None, "ratio_hi": None, "touch": None}
    if not marks:
        return Verdict(UNKNOWN, "no_marks", numbers)

    def closest(cands):
        name, value = min(cands, key=lambda m: abs(math.log(m[1] / math.sqrt(lo * hi))))
        numbers.update(mark=name, value=value, ratio_lo=lo / value, ratio_hi=hi / value,
                       touch="hi" if hi == value else ("lo" if lo == value else None))

    inside = [(name, v) for name, v in marks.items() if lo <= v <= hi]
    if inside:
        closest(inside)
        return Verdict(YES, "straddles", numbers)
    reach = slack * GRID_ROUNDING
    near = [(name, v) for name, v in marks.items() if lo / reach <= v <= hi * reach]
    if near:
        closest(near)
        return Verdict(UNKNOWN, "near", numbers)
    return Verdict(NO, "none", numbers)


def of(finding: dict) -> dict:
    """The verdict of a finding: the finding itself when it is one, else its ``"verdict"`` (a
    hypothesis made of several measured parts carries its decision there)."""
    return finding if "outcome" in finding else finding["verdict"]


def record(id: str, question: str, verdict: Verdict | dict, span: tuple[str, int, int] | None = None,
           nested: bool = False) -> dict:
    """One entry of a report's ``findings["verdicts"]`` (what the load test compares). ``span``:
    (what, first N, last N) for a verdict about a range of sizes that another build may draw
    differently (a fitted regime, a step between two sizes). ``nested``: the answer holds on any
    part of the range too (a power law does, a step somewhere in it does not), so the load test
    may compare it with another build's verdict on an overlapping range."""
    out = {"id": id, "question": question, **(verdict.to_dict() if isinstance(verdict, Verdict) else verdict)}
    if span is not None:
        out["span"] = {"of": span[0], "n_first": int(span[1]), "n_last": int(span[2]), "nested": bool(nested)}
    return out


def guard(verdict: Verdict | dict, busy: float, cores: float, busy_cores: float = BUSY_CORES,
          multi_core: float = MULTI_CORE) -> dict:
    """``verdict`` unless its timings used several cores while other processes were busy; then
    UNKNOWN "busy", keeping the original outcome and the load in ``numbers``."""
    v = verdict.to_dict() if isinstance(verdict, Verdict) else verdict
    busy, cores = (math.nan if x is None else float(x) for x in (busy, cores))
    if not (math.isfinite(busy) and math.isfinite(cores)) or busy < busy_cores or cores <= multi_core:
        return v
    numbers = {**v["numbers"], "busy": busy, "cores": cores, "busy_cores": busy_cores,
               "unguarded": v["outcome"]}
    return Verdict(UNKNOWN, "busy", numbers).to_dict()
