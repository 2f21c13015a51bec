"""Growth-law fitting against synthetic data with known exponents."""
import numpy as np
import pytest
from kadai import fit


def synthetic(k, a=1e-8, overhead=0.0, noise=0.02, sizes=None, seed=0):
    rng = np.random.default_rng(seed)
    n = np.array(sizes or [2**e for e in range(3, 12)], float)
    t = (a * n**k + overhead) * np.exp(rng.normal(0, noise, len(n)))
    return n, t


@pytest.mark.parametrize("k", [1.0, 2.0, 3.0])
def test_recovers_known_exponent_with_interval(k):
    n, t = synthetic(k)
    f = fit.fit_power_law(n, t)
    assert abs(f.k - k) < 0.05
    assert f.k_lo < k < f.k_hi
    assert f.n_excluded == 0


def test_overhead_region_is_excluded_by_the_rule():
    # constant 1 ms overhead dominates small N; N³ dominates from N ≈ 64 on
    n, t = synthetic(3.0, a=1e-8, overhead=1e-3, noise=0.01)
    naive = np.polyfit(np.log(n), np.log(t), 1)[0]
    f = fit.fit_power_law(n, t, tolerance=0.25)
    assert naive < 2.6  # fitting all points underestimates the exponent
    assert f.n_excluded >= 3 and f.n_first >= 128
    assert abs(f.k - 3.0) < 0.15


def test_interval_covers_truth_most_of_the_time():
    hits = 0
    for seed in range(200):
        n, t = synthetic(2.0, noise=0.05, seed=seed, sizes=[64, 128, 256, 512, 1024, 2048])
        f = fit.fit_power_law(n, t, confidence=0.95, tolerance=10.0)
        hits += f.k_lo <= 2.0 <= f.k_hi
    assert 0.88 <= hits / 200 <= 1.0


def test_polynomial_fit_is_exact_on_polynomial_data():
    n = np.array([10, 20, 40, 80, 160], float)
    t = 1e-3 + 2e-5 * n**2 + 3e-8 * n**3
    c = fit.fit_polynomial(n, t, 3)
    np.testing.assert_allclose(c, [1e-3, 0, 2e-5, 3e-8], rtol=1e-6, atol=1e-12)
    shares = fit.term_shares(c, 2000)  # 3e-8·N³ = 240 > 2e-5·N² = 80
    assert max(shares, key=shares.get) == "N^3 の項"
    shares5 = fit.term_shares(c, 5)  # 1e-3 > 2e-5·25 = 5e-4
    assert max(shares5, key=shares5.get) == "定数項"


def test_held_out_comparison_prefers_the_true_law_not_the_best_training_fit():
    n, t = synthetic(3.0, a=1e-9, noise=0.03, sizes=[16, 32, 64, 128, 256, 512, 1024, 2048])
    comp = fit.compare_models(n, t, holdout=2)
    by = {m["model"]: m for m in comp["models"]}
    # more parameters fit the training points at least as well …
    assert by["poly3"]["train_rel_rmse"] <= by["poly2"]["train_rel_rmse"] + 1e-12
    # … but only held-out error decides, and the quadratic extrapolates badly
    assert by["poly2"]["holdout_rel_rmse"] > by["power"]["holdout_rel_rmse"]
    assert comp["best"] in ("power", "poly3")
    assert comp["holdout_sizes"] == [1024, 2048]


def test_growth_law_names_the_dominant_term():
    n, t = synthetic(2.0, a=1e-7, overhead=1e-4, noise=0.01)
    g = fit.growth_law(n, t)
    assert g["poly3"]["dominant_at_n_max"] == "N^2 の項"
    assert g["poly3"]["dominant_at_n_min"] == "定数項"
    assert abs(g["power"]["k"] - 2.0) < 0.15


def test_rejects_unusable_input():
    with pytest.raises(ValueError):
        fit.fit_power_law([10], [1.0])
    with pytest.raises(ValueError):
        fit.fit_power_law([10, 20, 40], [1.0, 0.0, 2.0])
