"""The measurement harness: sizes, predicted stop, budgets, correctness gate, OOM, tidy rows,
interleaved rounds, outliers and their replacement, refinement."""
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


def cubic_series(clock, a=1e-6, k=3.0, wrong_at=None, oom_at=None, slow=None, **kw):
    """A kernel whose run advances the fake clock by a·N^k; ``slow(call, n)`` may return a
    factor that disturbs one call (another process stealing the CPU)."""
    calls = []

    def kernel(x):
        n = x.shape[0]
        if oom_at is not None and n >= oom_at:
            raise MemoryError("fake allocator: out of memory")
        calls.append(n)
        clock.now += a * n**k * (slow(len(calls), n) if slow else 1.0)
        return x + (1.0 if wrong_at is not None and n >= wrong_at else 0.0)

    return Series(implementation="numpy", op="matmul",
                  make_inputs=lambda n, rng: (rng.random((n, 2)),),
                  kernel=kernel, reference=lambda x: x,
                  check=lambda out, ref: np.allclose(out, ref), **kw)


def cfg(**kw):
    # target_halfwidth = inf: no refinement unless a test asks for it
    base = dict(n_min=8, n_max=4096, points_per_octave=1, per_run_budget_s=1.0,
                total_budget_s=1e9, min_repeats=3, min_time_s=0.0, max_repeats=10,
                warmup=1, warmup_max_s=0.5, prior_exponent=3.0, seed=0, target_halfwidth=float("inf"))
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
        # one warm-up before scouting, one before each of the 3 later visits (short runs)
        assert (sel.status == "warmup").sum() == 4
        assert (sel.status == "ok").sum() == 4
        assert sorted(sel[sel.status == "ok"].repeat) == [0, 1, 2, 3]
    assert raw.stop_reason(table)["kind"] == "n_max"
    summary = raw.summarise(table, 0.05)
    assert summary["time"].tolist() == pytest.approx([1e-6 * n**3 for n in (8, 16, 32)])
    assert summary["median"].tolist() == pytest.approx([1e-6 * n**3 for n in (8, 16, 32)])


def test_repeats_are_interleaved_across_sizes():
    clock = FakeClock()
    table = run_series(cubic_series(clock), cfg(n_max=64, min_repeats=4), clock=clock, progress=quiet)
    order = table[table.status == "ok"].N.tolist()
    # scouting ascends once; then every round visits all sizes, alternating the direction
    assert order[:4] == [8, 16, 32, 64]
    assert order[4:8] == [64, 32, 16, 8] and order[8:12] == [8, 16, 32, 64]
    assert max(sum(1 for _ in g) for _, g in __import__("itertools").groupby(order)) == 2  # never 3 in a row


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
    assert 32 not in set(raw.summarise(table, 0.05).N)


def test_out_of_memory_is_recorded_not_fatal():
    clock = FakeClock()
    freed = []
    s = cubic_series(clock, oom_at=64, cleanup=lambda: freed.append(True))
    table = run_series(s, cfg(per_run_budget_s=100), clock=clock, progress=quiet)
    assert raw.stop_reason(table) == {"status": "oom", "kind": "oom", "N": 64,
                                        "predicted_s": None,
                                        "note": "MemoryError: fake allocator: out of memory", "over_N": None,
                                        "over_s": None}
    assert freed == [True]
    assert set(raw.summarise(table, 0.05).N) == {8, 16, 32}


def test_a_disturbed_sample_is_kept_marked_and_replaced():
    clock = FakeClock()
    # calls: scouting 8, 16, 32, then round 1 descends: the 4th call (N=32) is slowed 3×
    s = cubic_series(clock, slow=lambda call, n: 3.0 if call == 4 else 1.0)
    table = run_series(s, cfg(n_max=32, warmup=0), clock=clock, progress=quiet)
    out = table[table.status == "outlier"]
    assert len(out) == 1 and out.N.iloc[0] == 32 and "re-measured" in out.note.iloc[0]
    assert out.seconds.iloc[0] == pytest.approx(3 * 1e-6 * 32**3)
    assert (table[(table.N == 32)].status == "ok").sum() == 3  # the outlier was replaced
    assert raw.summarise(table, 0.05).set_index("N").loc[32, "outliers"] == 1
    assert raw.summarise(table, 0.05).set_index("N").loc[32, "time"] == pytest.approx(1e-6 * 32**3)


def test_disagreeing_fastest_samples_get_more_runs_within_the_limit():
    clock = FakeClock()
    # every second run is 10 % slower: the two fastest of 3 runs may disagree, so runs are added
    s = cubic_series(clock, slow=lambda call, n: 1.1 if call % 2 else 1.0)
    table = run_series(s, cfg(n_max=16, warmup=0, max_repeats=6, agreement=0.05), clock=clock, progress=quiet)
    ok = table[table.status == "ok"].groupby("N").seconds
    for _, times in ok:
        fastest = sorted(times)
        assert fastest[1] <= 1.05 * fastest[0] or len(times) == 6


def test_scouting_reserves_the_repeats_it_still_owes():
    clock = FakeClock()
    table = run_series(cubic_series(clock), cfg(total_budget_s=0.2, per_run_budget_s=100, min_repeats=3),
                       clock=clock, progress=quiet)
    assert raw.stop_reason(table)["kind"] == "budget_total"
    assert clock.now <= 0.2 + 1e-9
    counts = table[table.status == "ok"].groupby("N").size()
    assert (counts == 3).all()  # every size that was scouted got all its repeats


def test_a_wide_interval_adds_midpoints_while_the_budget_allows():
    base = {8, 16, 32, 64, 128, 256, 512}
    clock = FakeClock()
    # noisy growth: every other size 30 % slow in every run, so the slope's interval is wide
    s = cubic_series(clock, slow=lambda call, n: 1.3 if n in (16, 64, 256) else 1.0)
    table = run_series(s, cfg(n_max=512, per_run_budget_s=1000, target_halfwidth=0.01), clock=clock,
                       progress=quiet)
    sizes = set(table[table.status == "ok"].N)
    assert base < sizes and 362 in sizes  # midpoints were added, from the largest down
    # a clean power law over enough sizes needs no midpoints
    clock = FakeClock()
    clean = run_series(cubic_series(clock), cfg(n_max=512, per_run_budget_s=1000, target_halfwidth=0.01),
                       clock=clock, progress=quiet)
    assert set(clean[clean.status == "ok"].N) == base
    # and midpoints never overrun the total budget
    clock = FakeClock()
    s = cubic_series(clock, slow=lambda call, n: 1.3 if n in (16, 64, 256) else 1.0)
    run_series(s, cfg(n_max=512, per_run_budget_s=1000, target_halfwidth=0.01, total_budget_s=600), clock=clock,
               progress=quiet)
    assert clock.now <= 600


def test_one_slow_run_does_not_end_the_series():
    # the first run at N = 64 is 5× slow (another process): predicted from it, N = 128 would overrun
    # the per-run budget; the size is timed once more and the series goes on from its faster run
    clock = FakeClock()
    first = {}

    def slow(call, n):
        first.setdefault(n, call)
        return 5.0 if n == 64 and call == first[n] else 1.0
    table = run_series(cubic_series(clock, slow=slow), cfg(n_max=256, per_run_budget_s=5.0, warmup=0), clock=clock,
                       progress=quiet)
    assert {8, 16, 32, 64, 128} <= set(table[table.status == "ok"].N)  # 256: 16.8 s, rightly not run
    assert (table.note == measure.RETIMED).sum() >= 1
    # where the size is slow again, the series stops as before
    clock = FakeClock()
    always = run_series(cubic_series(clock, slow=lambda call, n: 5.0 if n == 64 else 1.0),
                        cfg(n_max=256, per_run_budget_s=5.0, warmup=0), clock=clock, progress=quiet)
    assert 128 not in set(always[always.status == "ok"].N) and raw.stop_reason(always)["kind"] == "budget_run"


def test_midpoints_join_the_same_rounds_as_the_other_sizes():
    # a midpoint timed after the other sizes' rounds carries whatever the machine's speed did in
    # between (a sawtooth of fast and slow sizes): every round visits the added sizes among the others
    clock = FakeClock()
    s = cubic_series(clock, slow=lambda call, n: 1.3 if n in (16, 64, 256) else 1.0)
    table = run_series(s, cfg(n_max=512, per_run_budget_s=1000, target_halfwidth=0.01), clock=clock,
                       progress=quiet)
    timed = table[table.status == "ok"].reset_index(drop=True)
    grid = {8, 16, 32, 64, 128, 256, 512}
    added = set(timed.N) - grid
    assert added
    for r in ("round 1", "round 2"):
        visits = timed[timed.note == r]
        assert set(visits.N) == grid | added  # one round holds every size
        # … visited in one pass, descending then ascending: added sizes sit between grid sizes
        order = list(dict.fromkeys(visits.N))
        assert order == sorted(order, reverse=(r == "round 1"))
    # the scouting run of every added size precedes every repeat
    first_repeat = timed.index[timed.note.str.startswith("round")].min()
    assert all(timed.index[timed.N == n].min() < first_repeat for n in added)


class CUDARuntimeError(RuntimeError):
    """Stands in for cupy's error class (no GPU here): the harness sees only its type and text."""


class CompileException(Exception):
    pass


@pytest.mark.parametrize("error", [
    CUDARuntimeError("cudaErrorInsufficientDriver: CUDA driver version is insufficient for CUDA runtime version"),
    OSError("libnvrtc.so.12: cannot open shared object file: No such file or directory"),
    OSError("libcublas.so.12: cannot open shared object file"),
    CompileException("nvrtc: error: invalid value for --gpu-architecture (-arch)"),
    CUDARuntimeError("cudaErrorLaunchFailure: unspecified launch failure"),
])
@pytest.mark.parametrize("during", ["scout", "rounds"])
def test_a_gpu_failure_ends_its_series_with_the_reason_not_the_build(error, during):
    clock = FakeClock()
    state = {"calls": 0}
    s = cubic_series(clock, device_errors=(RuntimeError, OSError, ImportError, CompileException))
    inner = s.kernel

    def failing(x):
        state["calls"] += 1
        if (during == "scout" and x.shape[0] >= 32) or (during == "rounds" and state["calls"] > 12):
            raise error
        return inner(x)

    s.kernel = failing
    table = run_series(s, cfg(n_max=256), clock=clock, progress=quiet)
    last = table.iloc[-1]
    assert last.status == rows.ERROR and type(error).__name__ in last.note and str(error)[:20] in last.note
    assert (table.status == rows.OK).any()  # what was measured before stays
    stop = raw.stop_reason(table)
    assert stop["kind"] == "error" and stop["N"] == (32 if during == "scout" else int(last.N))


def test_an_error_not_declared_as_a_device_error_still_stops_the_job():
    clock = FakeClock()
    s = cubic_series(clock)
    s.kernel = lambda x: 1 / 0
    with pytest.raises(ZeroDivisionError):
        run_series(s, cfg(), clock=clock, progress=quiet)


def test_training_takes_one_thread_while_another_process_keeps_a_core_busy():
    import multiprocessing
    import os

    from kadai import threads

    if not os.path.exists("/proc/stat") or (os.cpu_count() or 1) < 2:
        pytest.skip("needs Linux and two cores")
    busy = multiprocessing.get_context("spawn").Process(target=_spin, daemon=True)
    busy.start()
    try:
        said = []
        assert threads.usable(2, sample_s=0.5, say=said.append) == 1 and "using 1 thread" in said[0]
    finally:
        busy.terminate()
    assert threads.usable(1) == 1 and threads.usable(None) is None


def _spin():
    while True:
        pass
