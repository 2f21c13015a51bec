"""The measurement harness: sizes, predicted stop, budgets, correctness gate, OOM, tidy rows."""
import numpy as np
import pytest
from kadai import measure, raw, rows
from kadai.measure import Series, SweepConfig, run_series


class FakeClock:
    """Deterministic time: the kernel advances it by a·N^k seconds."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def cubic_series(clock, a=1e-6, k=3.0, wrong_at=None, oom_at=None, **kw):
    def kernel(x):
        n = x.shape[0]
        if oom_at is not None and n >= oom_at:
            raise MemoryError("fake allocator: out of memory")
        clock.now += a * n**k
        return x + (1.0 if wrong_at is not None and n >= wrong_at else 0.0)

    return Series(implementation="numpy", op="matmul",
                  make_inputs=lambda n, rng: (rng.random((n, 2)),),
                  kernel=kernel, reference=lambda x: x,
                  check=lambda out, ref: np.allclose(out, ref), **kw)


def cfg(**kw):
    base = dict(n_min=8, n_max=4096, points_per_octave=1, per_run_budget_s=1.0,
                total_budget_s=1e9, min_repeats=3, min_time_s=0.0, max_repeats=10,
                warmup=1, warmup_max_s=0.5, prior_exponent=3.0, seed=0)
    base.update(kw)
    return SweepConfig(**base)


def quiet(msg):
    pass


def test_geometric_sizes():
    assert measure.geometric_sizes(8, 64, 1) == [8, 16, 32, 64]
    assert measure.geometric_sizes(8, 32, 2) == [8, 11, 16, 23, 32]
    with pytest.raises(ValueError):
        measure.geometric_sizes(10, 5, 1)


def test_prediction_uses_growth_so_far_and_prior():
    assert measure.predict_seconds([100], [1.0], 200, prior=3.0) == pytest.approx(8.0)
    # measured growth faster than the prior wins
    assert measure.predict_seconds([100, 200], [1.0, 16.0], 400, prior=3.0) == pytest.approx(256.0)
    # a flat start (overhead) never predicts less than the prior growth
    assert measure.predict_seconds([100, 200], [1.0, 1.0], 400, prior=2.0) == pytest.approx(4.0)


def test_series_stops_before_a_run_predicted_over_budget():
    clock = FakeClock()
    table = run_series(cubic_series(clock), cfg(per_run_budget_s=1.0), clock=clock, progress=quiet)
    ok = table[table.status == "ok"]
    # 1e-6·N³ ≤ 1 s up to N = 64 (0.26 s); N = 128 is predicted at 2.1 s and never run
    assert ok.N.max() == 64
    stop = raw.stop_reason(table)
    assert stop["kind"] == "budget_run" and stop["N"] == 128
    assert stop["predicted_s"] == pytest.approx(1e-6 * 128**3, rel=1e-6)
    assert 128 not in set(table[table.status.isin(["ok", "warmup"])].N)


def test_every_sample_is_recorded_with_repeats_and_warmup():
    clock = FakeClock()
    table = run_series(cubic_series(clock), cfg(n_max=32, min_repeats=4), clock=clock, progress=quiet)
    assert list(table.columns) == rows.COLUMNS
    for n in (8, 16, 32):
        sel = table[table.N == n]
        assert (sel.status == "warmup").sum() == 1
        assert (sel.status == "ok").sum() == 4
    assert raw.stop_reason(table)["kind"] == "n_max"
    summary = raw.summarise(table)
    assert summary["median"].tolist() == pytest.approx([1e-6 * n**3 for n in (8, 16, 32)])


def test_repeats_continue_until_min_time():
    clock = FakeClock()
    table = run_series(cubic_series(clock), cfg(n_max=8, min_repeats=1, min_time_s=0.005,
                                              max_repeats=100), clock=clock, progress=quiet)
    # one run at N=8 takes 0.000512 s: 10 runs are needed to reach 0.005 s
    assert (table[table.N == 8].status == "ok").sum() == 10


def test_total_budget_stops_the_series():
    clock = FakeClock()
    table = run_series(cubic_series(clock), cfg(total_budget_s=0.05, per_run_budget_s=100),
                     clock=clock, progress=quiet)
    stop = raw.stop_reason(table)
    assert stop["kind"] == "budget_total"
    assert clock.now <= 0.05 + 1e-9


def test_wrong_result_never_counts_and_stops_the_series():
    clock = FakeClock()
    table = run_series(cubic_series(clock, wrong_at=32), cfg(n_max=128), clock=clock, progress=quiet)
    assert set(table[table.N == 32].status) <= {"warmup", "wrong"}
    assert raw.stop_reason(table)["status"] == "wrong"
    assert 32 not in set(raw.summarise(table).N)


def test_out_of_memory_is_recorded_not_fatal():
    clock = FakeClock()
    freed = []
    s = cubic_series(clock, oom_at=64, cleanup=lambda: freed.append(True))
    table = run_series(s, cfg(per_run_budget_s=100), clock=clock, progress=quiet)
    assert raw.stop_reason(table) == {"status": "oom", "kind": "oom", "N": 64,
                                        "predicted_s": None,
                                        "note": "MemoryError: fake allocator: out of memory"}
    assert freed == [True]
    assert set(raw.summarise(table).N) == {8, 16, 32}


def test_memory_cap_stops_before_allocating():
    clock = FakeClock()
    calls = []
    s = cubic_series(clock, bytes_needed=lambda n: 8.0 * n * n, memory_cap_bytes=8.0 * 40 * 40)
    s.make_inputs = lambda n, rng: calls.append(n) or (rng.random((n, 2)),)
    table = run_series(s, cfg(per_run_budget_s=100), clock=clock, progress=quiet)
    stop = raw.stop_reason(table)
    assert stop["status"] == "oom" and stop["N"] == 64 and stop["note"].startswith("memory_cap")
    assert 64 not in calls  # nothing was allocated for the size over the cap


def test_long_runs_skip_warmup():
    clock = FakeClock()
    table = run_series(cubic_series(clock, a=1e-3), cfg(n_max=16, per_run_budget_s=100,
                                                      warmup_max_s=1.0), clock=clock, progress=quiet)
    # N=8: predicted 0 (first size) → warm-up; N=16: predicted 4.1 s > 1 s → no warm-up
    assert (table[table.N == 16].status == "warmup").sum() == 0
    assert "warm-up skipped" in table[(table.N == 16) & (table.status == "ok")].note.iloc[0]


def test_atomic_write_leaves_no_partial_file(tmp_path):
    from kadai.io import atomic_path

    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
