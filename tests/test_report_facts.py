"""Facts the reports print about their own measurements, computed from raw rows: how the sizes
were measured (warm-up, added midpoints), where a speed-up holds, which threads trained, and what
the tables leave out. Each is checked against rows built here, so a wrong count fails."""

import math

import numpy as np
import pandas as pd
import pytest
from kadai import raw, tables
from kadai.measure import SweepConfig
from kadai.rows import NO_WARMUP


def _rows(series: dict, note_at=()) -> pd.DataFrame:
    """Raw rows: series name → {N: [seconds…]}; a warm-up row before each size, except the sizes in
    ``note_at`` whose first timed sample carries the no-warm-up note."""
    out = []
    for impl, sizes in series.items():
        for n, times in sizes.items():
            if (impl, n) not in note_at:
                out.append(dict(implementation=impl, op="matmul", N=n, dtype="f", device="cpu", repeat=0,
                                seconds=times[0] * 1.5, status="warmup", note="untimed warm-up"))
            for i, t in enumerate(times):
                note = NO_WARMUP if (impl, n) in note_at and i == 0 else ""
                out.append(dict(implementation=impl, op="matmul", N=n, dtype="f", device="cpu", repeat=i,
                                seconds=t, status="ok", note=note))
    return pd.DataFrame(out)


def test_sweep_facts_count_the_cold_and_the_added_sizes():
    cfg = SweepConfig(n_min=8, n_max=64, points_per_octave=1)  # grid 8, 16, 32, 64
    table = _rows({"a": {8: [1e-3] * 3, 16: [8e-3] * 3, 23: [0.02] * 3, 32: [0.06] * 3},
                   "b": {8: [1e-3] * 3, 11: [2e-3] * 3, 64: [0.9] * 3}},
                  note_at={("a", 32), ("b", 64)})
    facts = raw.sweep_facts(table, {"matmul": cfg})
    assert facts == {"sizes": 7, "no_warmup": 2, "added": 2, "warmup_max_s": cfg.warmup_max_s, "unconfirmed": None,
                     "unconfirmed_sizes": None, "lift_max": None, "short": 0, "fewest": 3, "unfitted": None,
                     "fit_least": raw.FIT_LEAST}
    # a cold first run later marked an outlier loses its note; the size still had no warm-up
    first = table.index[(table.implementation == "a") & (table.N == 32) & (table.note == NO_WARMUP)]
    table.loc[first, ["status", "note"]] = ["outlier", "over 1.5 × the median of its size; re-measured"]
    assert raw.sweep_facts(table, {"matmul": cfg})["no_warmup"] == 2
    # a size left with fewer runs than min_repeats (its round skipped for the budget) is counted
    two = _rows({"a": {8: [1e-3] * 3, 16: [8e-3] * 2}})
    assert (raw.sweep_facts(two, {"matmul": cfg})["short"], raw.sweep_facts(two, {"matmul": cfg})["fewest"]) == (1, 2)
    # a size that only failed (no ok sample) counts for nothing
    wrong = pd.DataFrame([dict(implementation="b", op="matmul", N=128, dtype="f", device="cpu", repeat=0,
                               seconds=5.0, status="wrong", note=NO_WARMUP)])
    assert raw.sweep_facts(pd.concat([table, wrong]), {"matmul": cfg})["sizes"] == 7


def test_a_minimum_seen_once_is_not_confirmed():
    table = _rows({"numpy": {4096: [0.98, 0.99, 1.2], 5793: [1.82, 2.61, 2.81, 3.02]},
                   "torch": {4096: [0.61, 0.60], 5793: [1.75]}})
    assert raw.confirmed(table, 0.05) == {("numpy", "matmul", 4096), ("torch", "matmul", 4096)}
    cfg = SweepConfig(n_min=4096, n_max=8192, points_per_octave=2)
    facts = raw.sweep_facts(table, {"matmul": cfg}, raw.confirmed(table, 0.05))
    assert facts["unconfirmed"] == 2
    assert facts["unconfirmed_sizes"] == [["numpy", "matmul", 5793], ["torch", "matmul", 5793]]


def test_the_estimate_is_the_fastest_time_seen_twice():
    # a fast moment caught once (0.61) is not the size's time; the fastest pair that agrees is
    assert raw.reproduced([0.92, 0.61, 0.90, 1.3], 0.05) == pytest.approx(0.90)
    assert raw.reproduced([1.0, 1.04, 1.5], 0.05) == pytest.approx(1.0)     # the minimum, seen twice
    assert raw.reproduced([1.0, 1.3, 1.7], 0.05) == pytest.approx(1.0)      # no two agree: the minimum
    assert raw.reproduced([2.0], 0.05) == pytest.approx(2.0)
    # a fast pair just wider than 5 % and a slow pair that agrees: never above the median
    assert raw.reproduced([0.0932, 0.101, 0.1014, 0.0611, 0.065, 0.1063], 0.05) == pytest.approx(0.0971)
    table = _rows({"numpy": {64: [0.61, 0.90, 0.92, 1.3], 128: [4.0, 4.1, 4.0]}})
    summary = raw.summarise(table, 0.05).set_index("N")
    assert summary.loc[64, "time"] == pytest.approx(0.90) and summary.loc[64, "fastest"] == pytest.approx(0.61)
    assert summary.loc[128, "time"] == pytest.approx(4.0)
    # 64 is not confirmed (its two fastest disagree), and the method states how far its estimate was lifted
    sure = raw.confirmed(table, 0.05)
    assert sure == {("numpy", "matmul", 128)}
    cfg = SweepConfig(n_min=64, n_max=128, points_per_octave=1)
    facts = raw.sweep_facts(table, {"matmul": cfg}, sure, raw.summarise(table, 0.05))
    assert facts["unconfirmed"] == 1 and facts["lift_max"] == pytest.approx(0.90 / 0.61)


def test_a_larger_size_that_ran_faster_is_named_past_the_overhead_region_only():
    times = {16: 1.0e-5, 19: 0.9e-5, 128: 2.0e-3, 152: 3.3e-3, 181: 2.0e-3, 215: 3.4e-3, 256: 3.5e-3}
    inv = raw.inversions(times, 0.05, n_from=128)
    assert inv == [{"n_small": 152, "n_large": 181, "ratio": pytest.approx(1.65), "n_from": 128}]  # 256/215: < 5 %
    assert raw.inversions(times, 0.05)[0]["n_small"] == 16   # the overhead region counts only when asked
    assert raw.inversions({8: 1.0, 11: 1.04}, 0.05) == []


def test_an_inversion_says_whether_both_sizes_were_reproduced_and_what_the_minima_say():
    """The real kadai2 build: PyTorch's N = 1722 estimate (unreproduced) was 1.19× the N = 2048 time,
    its minimum only 1.08×."""
    table = _rows({"torch_cpu": {1448: [0.040, 0.0401], 1722: [0.0586, 0.0645, 0.0660], 2048: [0.0543, 0.0545]}})
    summary = raw.summarise(table, 0.05)
    times = dict(zip(summary.N.astype(int), summary["time"]))
    (inv,) = raw.inversions(times, 0.05, summary=summary)
    assert (inv["n_small"], inv["n_large"], inv["confirmed"]) == (1722, 2048, False)
    assert inv["ratio"] == pytest.approx(0.0645 / 0.0543) and inv["min_ratio"] == pytest.approx(0.0586 / 0.0543)
    assert inv["unconfirmed"] == [1722] and inv["min_inverted"]  # 1.08: still beyond 5 %
    assert not inv["min_same"]  # the estimate was lifted above the minimum: the minima say something else
    # two runs that do not agree: the estimate stays the minimum, so the minima's ratio is the same one
    table = _rows({"torch_cpu": {1448: [0.040, 0.0401], 1722: [0.0586, 0.0587], 2048: [0.050, 0.058]}})
    summary = raw.summarise(table, 0.05)
    (inv,) = raw.inversions(dict(zip(summary.N.astype(int), summary["time"])), 0.05, summary=summary)
    assert inv["unconfirmed"] == [2048] and inv["min_same"] and inv["ratio"] == pytest.approx(0.0586 / 0.050)


def test_a_regime_that_grows_too_fast_names_the_cache_it_reaches_inside():
    from kadai.scaling import caches_inside

    caches = [{"level": 1, "type": "Data", "bytes": 48 * 2**10}, {"level": 2, "type": "Unified", "bytes": 2 * 2**20}]
    b = lambda n: 32.0 * n * n  # noqa: E731 - B of Python floats: 2 MiB at N = 256
    steep = {"n_first": 128, "n_last": 362, "k_lo": 3.21, "k_hi": 3.32, "verdict": {"outcome": "no"}}
    (inside,) = caches_inside(steep, 3.0, b, caches)
    assert inside["mark"] == "L2" and inside["n"] == pytest.approx(256, rel=1e-6)
    assert caches_inside({**steep, "k_lo": 2.95}, 3.0, b, caches) == []      # not surely steeper: nothing to say
    assert caches_inside({**steep, "n_first": 300}, 3.0, b, caches) == []    # the crossing lies outside
    assert caches_inside({**steep, "k_lo": float("nan")}, 3.0, b, caches) == []
    # a crossing inside a break's bracket is the break's to weigh (課題1: a break at 128–256 and a
    # steep regime from 181 on both held L2's N ≈ 256, and said opposite things about it)
    assert caches_inside(steep, 3.0, b, caches, [(inside["n"] * 0.9, inside["n"] * 1.1)]) == []
    assert caches_inside(steep, 3.0, b, caches, [(1, 2)]) == [inside]
    # steeper, but within what counts as N^3 (verdict yes): too little to speak of a cache
    assert caches_inside({**steep, "k_lo": 3.04, "verdict": {"outcome": "yes"}}, 3.0, b, caches) == []


def test_a_size_whose_minimum_was_not_seen_twice_stays_out_of_the_fit():
    # numpy 1024: two slow runs agree (a slow period), the fastest one was never matched
    table = _rows({"numpy": {64: [1.0, 1.02, 1.3], 128: [8.0, 8.1], 256: [60.0, 75.0], 512: [500.0, 510.0],
                             1024: [3900.0, 4500.0, 4510.0]},
                   "torch": {64: [1.0, 1.5], 128: [8.0, 9.0], 256: [60.0, 61.0]}})
    summary = raw.summarise(table, 0.05).set_index(["implementation", "N"])
    assert not summary.loc[("numpy", 256), "confirmed"] and not summary.loc[("numpy", 1024), "confirmed"]
    assert summary.loc[("numpy", 1024), "time"] == 4500.0  # the estimate is the slow pair, marked unconfirmed
    fitted = raw.fit_rows(summary.reset_index())
    assert sorted(fitted[fitted.implementation == "numpy"].N) == [64, 128, 512]
    # a series with too few confirmed sizes keeps all of them (a fit needs points)
    assert sorted(fitted[fitted.implementation == "torch"].N) == [64, 128, 256]
    cfg = SweepConfig(n_min=64, n_max=1024, points_per_octave=1)
    # the method counts the sizes the fits left out (torch kept its two unconfirmed sizes)
    facts = raw.sweep_facts(table, {"matmul": cfg}, raw.confirmed(table, 0.05), raw.summarise(table, 0.05))
    assert facts["unfitted"] == 2 and facts["unconfirmed"] == 4 and facts["fit_least"] == raw.FIT_LEAST


def test_the_numpy_experiment_states_how_its_times_compare_with_the_sweep():
    from kadai.kadai2.analyse import explain_numpy

    base = {("numpy_alloc", 362): 2e-3, ("numpy_alloc", 724): 8e-3, ("numpy_inplace", 362): 1e-3,
            ("numpy_inplace", 724): 7e-3}
    table = pd.DataFrame([{"implementation": name, "N": n, "repeat": r, "seconds": t * (1 + 0.01 * r), "status": "ok",
                           "faults": 0.0} for (name, n), t in base.items() for r in range(7)])
    ratio = explain_numpy(table, [], {362: 1e-3, 724: 8e-3, 1024: 0.02})["sweep_ratio"]
    assert ratio == {"lo": pytest.approx(1.0), "hi": pytest.approx(2.0), "n_hi": 362, "sizes": 2}
    assert explain_numpy(table, [])["sweep_ratio"] is None


def test_common_sizes_prefer_those_confirmed_in_both_series():
    table = _rows({"numpy": {64: [1.0, 1.0], 128: [2.0, 2.0], 256: [3.0, 9.0], 512: [5.0, 5.0]},
                   "torch": {64: [1.0, 1.0], 128: [2.0, 2.0], 256: [3.0, 3.0], 1024: [6.0, 6.0]}})
    assert raw.common_sizes(table, "matmul", "numpy", "torch") == [64, 128, 256]
    # 256 is confirmed only in torch: the largest size both confirmed is 128
    assert raw.common_sizes(table, "matmul", "numpy", "torch", raw.confirmed(table, 0.05)) == [64, 128]
    # where no size is confirmed in both, every common size stays
    assert raw.common_sizes(table, "matmul", "numpy", "torch", set()) == [64, 128, 256]
    assert raw.common_sizes(table, "conv", "numpy", "torch") == []


def test_the_time_table_keeps_the_grid_and_says_how_many_it_left_out():
    summary = raw.summarise(_rows({"a": {8: [1.0], 11: [2.0], 16: [3.0]}, "b": {16: [4.0], 23: [5.0]}}), 0.05)
    t = tables.by_size(summary, ["a", "b"], [("time", "{}", "s")], {"a": "A", "b": "B"}, keep=[8, 16, 32])
    assert [r[0] for r in t["rows"]] == [8, 16] and t["omitted"] == 2
    assert t["rows"] == [[8, 1.0, None], [16, 3.0, 4.0]]
    assert tables.by_size(summary, ["a"], [("time", "{}", "s")], {"a": "A"})["omitted"] == 0


def test_the_speedup_is_given_over_every_common_size_not_only_the_largest():
    from kadai.kadai1.analyse import faster

    table = _rows({"python_naive": {8: [2.0, 2.1, 2.2], 16: [16.0, 16.5, 17.0], 32: [400.0, 410.0, 420.0]},
                   "python_fast": {8: [1.0, 1.1, 1.2], 16: [10.0, 10.2, 10.4], 32: [100.0, 101.0, 102.0],
                                   64: [800.0] * 3}})
    table["busy"], table["cores"] = 0.0, 1.0
    f = faster(table, "python_naive", "python_fast")
    assert f["N"] == 32 and f["ratio"] == pytest.approx(4.0)
    assert f["per_size"] == [[8, pytest.approx(2.0)], [16, pytest.approx(1.6)], [32, pytest.approx(4.0)]]
    assert (f["ratio_lo"], f["ratio_hi"]) == (pytest.approx(1.6), pytest.approx(4.0))
    assert f["rank"] == "highest" and f["n_common_first"] == 8
    assert f["last_step"] == {"n_prev": 16, "k_slow": pytest.approx(np.log2(400 / 16)),
                              "k_fast": pytest.approx(np.log2(100 / 10)), "ratio_prev": pytest.approx(1.6)}
    # a size whose minimum no second sample confirmed does not decide the comparison
    shaky = table.copy()
    shaky.loc[(shaky.implementation == "python_naive") & (shaky.N == 32) & (shaky.seconds == 410.0), "seconds"] = 900.0
    shaky.loc[(shaky.implementation == "python_naive") & (shaky.N == 32) & (shaky.seconds == 420.0), "seconds"] = 950.0
    g = faster(shaky, "python_naive", "python_fast", raw.confirmed(shaky, 0.05))
    assert g["N"] == 16 and g["ratio"] == pytest.approx(1.6)
    # 3 runs against 3 at the largest N cannot decide (too few for a 95 % interval): the largest
    # size with enough runs decides, and says so
    assert f["verdict"]["reason"] == "too_few" and f["decided"] is None  # no size has more runs here
    # … but the runs' ranges are stated: every naive run at N = 32 slower than every fast one
    assert f["runs"] == {"slow": [400.0, 420.0], "fast": [100.0, 102.0], "n_slow": 3, "n_fast": 3, "apart": True}
    close = table.copy()
    close.loc[(close.implementation == "python_fast") & (close.N == 32) & (close.seconds == 102.0), "seconds"] = 405.0
    assert faster(close, "python_naive", "python_fast")["runs"]["apart"] is False  # 405 > 400: they overlap
    more = _rows({"python_naive": {8: [2.0, 2.1, 2.2, 2.05, 2.15], 16: [16.0, 16.5, 17.0, 16.2, 16.8],
                                   32: [400.0, 410.0, 420.0]},
                  "python_fast": {8: [1.0, 1.1, 1.2, 1.05, 1.15], 16: [8.0, 8.2, 8.4, 8.1, 8.3],
                                  32: [100.0, 101.0, 102.0]}})
    more["busy"], more["cores"] = 0.0, 1.0
    h = faster(more, "python_naive", "python_fast")
    assert h["N"] == 32 and h["verdict"]["reason"] == "too_few"
    assert h["decided"]["N"] == 16 and h["decided"]["ratio"] == pytest.approx(2.0)
    assert h["decided"]["verdict"]["outcome"] == "yes"


def test_the_stretches_past_the_largest_regime_are_named_as_outside_the_verdict():
    from kadai import scaling

    def seg(a, b, points, k, transition=False, edge=False, half=0.1):
        return {"n_first": a, "n_last": b, "n_points": points, "k": k, "k_lo": k - half, "k_hi": k + half,
                "k_halfwidth": half, "a": 1e-9, "transition": transition, "edge": edge}

    def rel(*segments):
        law = {"power": seg(8, 512, 20, 3.1), "regimes": {"segments": list(segments), "breaks": []}}
        return scaling.relation(law, 3, lambda n: 32.0 * n * n, [], {}, 4096)

    # 課題1's naive series: regime 19–181, then a transition and an edge stub that grow faster than N^3
    r = rel(seg(8, 19, 3, 1.0, True, True), seg(19, 181, 11, 2.98, half=0.03), seg(181, 362, 5, 3.34, True, half=0.09),
            seg(362, 512, 3, 4.26, True, True, half=0.24))
    assert [(b["n_first"], b["n_last"], b["edge"], b["above"]) for b in r["beyond"]] == \
        [(181, 362, False, True), (362, 512, True, True)]  # the stub before the regime is not past it
    # a stretch whose slope's interval reaches down to 3 is past the regime but not surely slower per operation
    r = rel(seg(19, 181, 11, 2.98), seg(181, 512, 4, 3.2, True, True, half=0.3))
    assert [(b["n_first"], b["above"]) for b in r["beyond"]] == [(181, False)]
    # a stretch between two regimes is not past the largest one
    assert rel(seg(8, 64, 6, 3.0), seg(64, 128, 3, 3.5, True), seg(128, 512, 5, 3.0))["beyond"] == []


def test_threads_per_training_run_and_the_medians_that_disagree_with_the_paired_ratio():
    from kadai.kadai3.analyse import loop_facts, thread_counts

    def records(model, threads, seeds=(0, 1, 2)):
        return pd.DataFrame([{"model": model, "epoch": e, "seed": s, "accuracy": 0.9, "data_s": 0.1,
                              "compute_s": 0.9, "eval_s": 0.1, "train_s": 1.0, "threads": threads}
                             for e in (1, 2) for s in seeds])
    runs = pd.concat([records("cnn", 2), records("fc32", 1), records("fc64", 1)])
    loader = records(None, 2).drop(columns="model")
    assert thread_counts(runs, loader) == [{"threads": 2, "models": ["cnn", "dataloader"], "runs": 6},
                                           {"threads": 1, "models": ["fc32", "fc64"], "runs": 6}]
    assert len(thread_counts(records("cnn", 1), records(None, 1).drop(columns="model"))) == 1

    # every round the DataLoader loop takes twice the fast loop, but the machine slowed down during the
    # DataLoader-heavy second half: the medians' ratio (3.0) is not the paired ratio (2.0)
    fast = pd.Series([1.0, 1.0, 1.0, 1.0, 3.0, 3.0, 3.0])
    dl = 2 * fast
    dl_skewed = pd.Series([2.0, 2.0, 6.0, 6.0, 6.0, 6.0, 6.0])
    # 15 rounds, the machine three times slower from round 8 on (from round 8's DataLoader part): paired
    # ratios are 2 but one, their interval is [2, 2], and the medians' ratio (6 / 1) lies outside it
    fast15 = pd.Series([1.0] * 8 + [3.0] * 7)
    dl15 = pd.Series([2.0] * 7 + [6.0] * 8)
    for fast_rounds, dl_rounds, disagree in ((fast, dl, False), (fast, dl_skewed, True), (fast15, dl15, True)):
        f = loop_facts(records("cnn", 2), loader, {"cnn": fast_rounds, "dl": dl_rounds}, "dl", "cnn", 0.01,
                       (math.nan, math.nan))
        assert f["medians_disagree"] is disagree
        num = f["slower"]["numbers"]
        assert f["medians_outside"] is (disagree and not num["lo"] <= f["ratio"] <= num["hi"])
        assert f["ratio"] == pytest.approx(float(np.median(dl_rounds) / np.median(fast_rounds)))
    assert f["medians_outside"] is True   # the last case


def test_no_model_smaller_than_the_course_cnn_kept_the_accuracy():
    from kadai.kadai3.analyse import kept_below, smallest_keeping

    pm = pd.DataFrame({"model": ["f1", "c1", "c2"], "params": [100, 50, 600], "kind": ["fc", "cnn", "cnn"]})
    sm = smallest_keeping(pm, {"f1": {"outcome": "unknown"}, "c1": {"outcome": "no"}, "c2": {"outcome": "yes"}})
    assert not kept_below(sm, 300)   # the only keeper (c2, 600) is larger than the course CNN
    assert kept_below(sm, 601)
    sm = smallest_keeping(pm, {"f1": {"outcome": "yes"}, "c1": {"outcome": "no"}, "c2": {"outcome": "yes"}})
    assert kept_below(sm, 300)       # f1 (100) keeps it with fewer


def test_a_cache_explains_a_change_only_where_each_operation_got_slower():
    from kadai.scaling import cache_verdict

    caches = [{"level": 2, "type": "Unified", "bytes": 2 * 2**20}]
    mib = 2**20
    assert cache_verdict(1.5 * mib, 3 * mib, caches, 3.8, 3.0)["outcome"] == "yes"
    fell = cache_verdict(1.5 * mib, 3 * mib, caches, 2.4, 3.0)   # time per operation fell across L2
    assert (fell["outcome"], fell["reason"], fell["numbers"]["was"]) == ("no", "per_op_fell", "straddles")
    # … but less steeply than before (the fixed cost still spreading while something added cost): undecided
    slowed = cache_verdict(1.5 * mib, 3 * mib, caches, 2.9, 3.0, k_before=2.7)
    assert (slowed["outcome"], slowed["reason"], slowed["numbers"]["k_before"]) == ("unknown", "fall_slowed", 2.7)
    assert cache_verdict(1.5 * mib, 3 * mib, caches, 2.4, 3.0, k_before=2.7)["reason"] == "per_op_fell"
    # a fixed cost that is 5 % of the time cannot make each operation 20 % cheaper by being spread
    beyond = cache_verdict(1.5 * mib, 3 * mib, caches, 2.9, 3.0, k_before=2.7,
                           dilution={"fall": 0.2, "fixed_share": 0.05})["numbers"]
    assert beyond["beyond_dilution"] is True and beyond["fixed_share"] == 0.05
    assert cache_verdict(1.5 * mib, 3 * mib, caches, 2.9, 3.0, k_before=2.7,
                         dilution={"fall": 0.03, "fixed_share": 0.05})["numbers"]["beyond_dilution"] is False
    assert slowed["numbers"]["beyond_dilution"] is None  # fixed cost unknown: neither
    near = cache_verdict(2.5 * mib, 3.5 * mib, caches, 3.8, 3.0)
    assert (near["outcome"], near["reason"]) == ("unknown", "near")
    assert cache_verdict(2.5 * mib, 3.5 * mib, caches, 2.9, 3.0)["numbers"]["was"] == "near"
    assert cache_verdict(1.5 * mib, 3 * mib, caches, None, 3.0)["outcome"] == "yes"   # no times: the sizes alone
    assert cache_verdict(1.5 * mib, 3 * mib, [], 3.8, 3.0)["reason"] == "no_marks"


def test_the_experiment_without_allocation_overrules_a_cache_explanation():
    from kadai.kadai2.analyse import refuted_caches
    from kadai.scaling import cache_verdict

    mib = 2**20
    caches = [{"level": 2, "type": "Unified", "bytes": 2 * mib}]
    inplace_no = {"outcome": "no", "reason": "below", "numbers": {"ratio": 1.07}}
    alloc_yes = {"outcome": "yes", "reason": "above", "numbers": {"ratio": 1.5}}
    steps = [{"n_left": 512, "n_right": 724, "lo": 512, "hi": 724, "cause": "not_data_size",
              "steps": {"numpy_inplace": inplace_no, "numpy_alloc": {"outcome": "unknown", "numbers": {"ratio": 1.1}}}},
             {"n_left": 2048, "n_right": 3444, "lo": 2048, "hi": 4096, "cause": "data_size",
              "steps": {"numpy_inplace": {"outcome": "yes", "numbers": {"ratio": 1.4}}, "numpy_alloc": alloc_yes}},
             {"n_left": 128, "n_right": 181, "lo": 128, "hi": 256, "cause": "allocation",
              "steps": {"numpy_inplace": inplace_no, "numpy_alloc": alloc_yes}},
             {"n_left": 362, "n_right": 609, "lo": 362, "hi": 724, "cause": "no_step",
              "steps": {"numpy_inplace": inplace_no, "numpy_alloc": {"outcome": "no", "numbers": {"ratio": 0.94}}}}]
    refuted = refuted_caches(steps)
    # a step without allocation too: the cache may explain it
    assert set(refuted) == {(512, 724), (128, 181), (362, 609)}
    # neither version steps: the experiment did not reproduce the change, so it refutes nothing
    unsure = cache_verdict(1.5 * mib, 3 * mib, caches, 3.8, 3.0, refuted[(362, 609)])
    assert (unsure["outcome"], unsure["reason"]) == ("unknown", "step_not_reproduced")
    assert unsure["numbers"]["alloc"]["ratio"] == 0.94
    first = cache_verdict(1.5 * mib, 3 * mib, caches, 3.8, 3.0, refuted[(512, 724)])
    assert (first["outcome"], first["reason"]) == ("no", "no_step_without_allocation")
    assert first["numbers"]["was"] == "straddles" and first["numbers"]["inplace"]["ratio"] == 1.07
    assert (first["numbers"]["lo_n"], first["numbers"]["hi_n"], first["numbers"]["local_k"]) == (512, 724, 3.8)
    # without the experiment the same sizes offer the cache
    assert cache_verdict(1.5 * mib, 3 * mib, caches, 3.8, 3.0)["outcome"] == "yes"
    # no cache in reach, or the time per operation fell: those reasons stand
    far = cache_verdict(10 * mib, 12 * mib, caches, 3.8, 3.0, refuted[(128, 181)])
    assert (far["outcome"], far["reason"]) == ("no", "none")
    fell = cache_verdict(1.5 * mib, 3 * mib, caches, 2.4, 3.0, refuted[(512, 724)])
    assert fell["reason"] == "per_op_fell"


def test_a_reorder_switch_inside_a_change_of_growth_explains_it_instead_of_a_cache():
    from kadai import render
    from kadai.kadai2.analyse import reorder_explains
    from kadai.scaling import cache_verdict

    mib = 2**20
    sizes = {5793: {"reorder_impl": "jit:uni"}, 6889: {"reorder_impl": "simple:any"}}
    step = {"lo": 5793, "hi": 6889, "call": 2.64, "reorder_part": 0.96, "impl_changed": True}
    found = reorder_explains([(609, 861), (2896, 6889)], {"step": step, "sizes": sizes})
    assert set(found) == {(2896, 6889)}  # only the change the traced step lies within
    assert found[(2896, 6889)]["numbers"]["impl_hi"] == "simple:any"
    assert reorder_explains([(2896, 6889)], {"step": {**step, "impl_changed": False}, "sizes": sizes}) == {}
    assert reorder_explains([(2896, 6889)], {"step": None, "sizes": sizes}) == {}  # no representative step
    assert reorder_explains([(2896, 5793)], {"step": step, "sizes": sizes}) == {}  # the step lies outside
    caches = [{"level": 3, "type": "Unified", "bytes": 480 * mib}]
    v = cache_verdict(64 * mib, 362 * mib, caches, 4.7, 2.0, found[(2896, 6889)])
    assert (v["outcome"], v["reason"], v["numbers"]["was"]) == ("no", "reorder_switch", "near")
    env = render.make_env(render.Numbering(), None, 3)
    text = env.from_string('{% from "_macros.md.j2" import breaks %}{{ breaks("X", rel) }}').render(rel={
        "expected": 2, "breaks": [{"n_left": 2896, "n_right": 6889, "bytes_left": 64 * mib, "bytes_right": 362 * mib,
                                   "cache": v, "faults": {"outcome": "unknown", "reason": "missing"}}]})
    assert "N = 5793 から 6889 で出力の並べ替えの実装が jit:uni から simple:any に替わった。" in text
    assert "増加の 96 % は、この並べ替えで生じた" in text and "判定できない" not in text


def test_the_sweep_says_why_each_series_ended():
    from kadai.nini1.context import stop_groups

    stops = {"c_ijk": {"kind": "measured_over", "N": 1448}, "c_ikj": {"kind": "n_max", "N": 2048},
             "numpy_1thread": {"kind": "n_max", "N": 2048}}
    g = stop_groups(stops)
    assert len(g["complete"]) == 2 and g["complete_n"] == 2048
    assert [e["stop"]["kind"] for e in g["early"]] == ["measured_over"]
    assert stop_groups({}) == {"complete": [], "complete_n": None, "early": []}


def test_a_size_slower_than_both_neighbours_beyond_the_drift_is_a_dip():
    from kadai.nini1.analyse import dip_at

    n = np.array([431, 512, 609, 724])
    gf = np.array([1.76, 0.823, 1.47, 1.40])
    summary = pd.DataFrame({"implementation": "c_ijk", "N": n, "time": 2 * n.astype(float) ** 3 / (gf * 1e9)})
    d = dip_at(summary, "c_ijk", 512, 1.39)
    assert d["dip"] and (d["left"], d["right"]) == (431, 609) and d["factor"] == pytest.approx(1.47 / 0.823)
    assert not dip_at(summary, "c_ijk", 512, 2.0)["dip"]        # within a drift of 2×: not told apart
    assert not dip_at(summary, "c_ijk", 609, 1.39)["dip"]       # 1.47 is not below 1.40
    assert dip_at(summary, "c_ijk", 431, 1.39) is None           # no neighbour below


def test_models_of_the_same_size_are_compared_kind_against_kind():
    from kadai.kadai3.analyse import size_matched

    accs = {"fc8": [0.837, 0.840, 0.835], "c7k": [0.850, 0.852, 0.851],     # CNN higher, clearly
            "fc64": [0.868, 0.869, 0.867], "c37k": [0.853, 0.850, 0.857],   # FC higher, clearly
            "fc512": [0.869, 0.870, 0.868], "c300k": [0.87, 0.85, 0.89],    # cannot tell
            "c5M": [0.9, 0.9, 0.9]}                                          # no FC model near its size
    params = {"fc8": 6370, "c7k": 7098, "fc64": 50890, "c37k": 37284, "fc512": 407050, "c300k": 296518,
              "c5M": 5_000_000}
    runs = pd.DataFrame([{"model": m, "epoch": 3, "seed": s, "accuracy": a} for m, v in accs.items()
                         for s, a in enumerate(v)])
    pm = pd.DataFrame({"model": list(params), "params": list(params.values()),
                       "kind": ["fc" if m.startswith("fc") else "cnn" for m in params],
                       "acc": [float(np.mean(accs[m])) for m in params]})
    out = size_matched(pm, runs)
    assert [(p["cnn"], p["fc"], p["higher"]) for p in out["pairs"]] == [
        ("c7k", "fc8", "cnn"), ("c37k", "fc64", "fc"), ("c300k", "fc512", None)]
    # in both decided pairs the more accurate model also has more parameters (7098 > 6370, 50890 >
    # 37284): size may explain them, so neither answers which kind suits a small model
    assert [(p["larger_won"], p["size_ratio"]) for p in out["pairs"]] == [
        (True, pytest.approx(7098 / 6370)), (True, pytest.approx(50890 / 37284)), (False, None)]
    assert [p["cnn"] for p in out["confounded"]] == ["c7k", "c37k"] and out["decided"] == []
    assert out["count"] == {"cnn": 0, "fc": 0, "undecided": 1, "confounded": 2} and out["answer"] is None
    # with the winners no larger than their partners (parameters swapped within each pair) they answer
    swapped = {"fc8": 7098, "c7k": 6370, "fc64": 37284, "c37k": 50890}
    pm = pm.assign(params=pm.model.map(lambda m: swapped.get(m, params[m])))
    params.update(swapped)
    out = size_matched(pm, runs)
    assert [p["larger_won"] for p in out["pairs"]] == [False, False, False] and out["confounded"] == []
    assert out["count"] == {"cnn": 1, "fc": 1, "undecided": 1, "confounded": 0} and out["answer"] == "mixed"
    # the CNN won the small pair (6370 and 7098 parameters), FC the larger one (37284 and 50890): sizes part them
    assert out["split"] == {"small": "cnn", "large": "fc", "small_max": 7098, "large_min": 37284,
                            "small_n": 1, "large_n": 1}
    # three pairs answer one question: each interval at 1 − 0.05/3, wider than a pair's own 95 %
    assert out["pair_confidence"] == pytest.approx(1 - 0.05 / 3)
    alone = size_matched(pm[pm.model.isin(["fc8", "c7k"])], runs)["pairs"][0]
    assert alone["hi"] - alone["lo"] < out["pairs"][0]["hi"] - out["pairs"][0]["lo"]
    # one decided pair is not a general answer; two of the same kind are
    only_cnn = size_matched(pm[pm.model.isin(["fc8", "c7k", "fc512", "c300k"])], runs)
    assert only_cnn["answer"] == "single" and [p["cnn"] for p in only_cnn["decided"]] == ["c7k"]
    assert not only_cnn["only_largest"]  # the decided pair is the smallest of the two
    big = size_matched(pm[pm.model.isin(["fc512", "c300k", "fc8", "c7k"])].assign(
        params=lambda d: d.model.map({"fc512": 6370, "c300k": 7098, "fc8": 407050, "c7k": 296518})), runs)
    assert big["answer"] == "single" and big["only_largest"]
    accs["c55k"] = [0.880, 0.881, 0.879]
    params["c55k"] = 55000
    runs = pd.DataFrame([{"model": m, "epoch": 3, "seed": s, "accuracy": a} for m, v in accs.items()
                         for s, a in enumerate(v)])
    two = pd.DataFrame({"model": ["fc8", "c7k", "fc64", "c55k"], "params": [6370, 6000, 50890, 50000],
                        "kind": ["fc", "cnn", "fc", "cnn"], "acc": [0.84, 0.85, 0.868, 0.88]})
    assert size_matched(two, runs)["answer"] == "cnn"
    assert size_matched(two.assign(params=[6370, 7098, 50890, 55000]), runs)["answer"] is None  # larger won both
    assert size_matched(pm[pm.model.isin(["fc512", "c300k"])], runs)["answer"] is None


def test_won_pairs_that_interleave_in_size_part_nothing():
    from kadai.kadai3.analyse import size_split

    def pair(cnn, fc, higher):
        return {"params_cnn": cnn, "params_fc": fc, "higher": higher}
    assert size_split([pair(37284, 50890, "fc"), pair(296518, 407050, "cnn"), pair(591906, 407050, "cnn")]) == {
        "small": "fc", "large": "cnn", "small_max": 50890, "large_min": 296518, "small_n": 1, "large_n": 2}
    assert size_split([pair(7098, 6370, "cnn"), pair(37284, 50890, "fc"), pair(296518, 407050, "cnn")]) is None
    # a pair's size is both its models': a FC win at 50890 does not lie below a CNN win pairing 45000 with 40000
    assert size_split([pair(37284, 50890, "fc"), pair(45000, 40000, "cnn")]) is None
    assert size_split([pair(37284, 50890, "fc")]) is None  # one kind only


def test_an_undecided_keep_whose_interval_lies_below_zero_is_surely_lower():
    from kadai.kadai3.analyse import surely_lower

    assert surely_lower({"outcome": "unknown", "numbers": {"lo": -0.024, "hi": -0.0058}})
    assert not surely_lower({"outcome": "unknown", "numbers": {"lo": -0.024, "hi": 0.0061}})
    assert not surely_lower({"outcome": "no", "numbers": {"lo": -0.04, "hi": -0.02}})  # decided: says so itself
    assert not surely_lower({"outcome": "unknown", "numbers": {}})


def test_each_kind_of_model_gets_its_own_line_and_their_fixed_times_are_compared():
    from kadai.kadai3.analyse import family_lines

    rng = np.random.default_rng(0)
    fc_p = np.array([6370, 12730, 25450, 50890, 101770, 203530, 407050], float)
    cnn_p = np.array([7098, 9422, 37284, 74278, 296518, 591906], float)
    pm = pd.DataFrame({"kind": ["fc"] * 7 + ["cnn"] * 6, "params": np.r_[fc_p, cnn_p],
                       "time": np.r_[0.9 + 4.7e-6 * fc_p, 5.9 + 1.4e-5 * cnn_p] * (1 + 0.01 * rng.standard_normal(13))})
    out = family_lines(pm)
    assert out["fc"]["intercept"] == pytest.approx(0.9, abs=0.1)
    assert out["cnn"]["intercept"] == pytest.approx(5.9, abs=0.3)
    assert out["fc"]["slope"] == pytest.approx(4.7e-6, rel=0.1)
    assert out["fixed"]["outcome"] == "yes" and out["fixed"]["numbers"]["direction"] == "cnn"
    # the same fixed time for both kinds: the intervals overlap, nothing is claimed
    same = pm.assign(time=np.r_[0.9 + 4.7e-6 * fc_p, 0.9 + 1.4e-5 * cnn_p] * (1 + 0.01 * rng.standard_normal(13)))
    assert family_lines(same)["fixed"]["reason"] == "overlap"
    assert family_lines(pm[pm.kind == "fc"])["fixed"]["reason"] == "too_few"


def test_a_two_point_transition_is_told_by_its_measured_time_ratio():
    from kadai import scaling

    def seg(a, b, points, k, transition=False):
        return {"n_first": a, "n_last": b, "n_points": points, "k": k, "k_lo": k - 0.1, "k_hi": k + 0.1,
                "k_halfwidth": 0.1, "a": 1e-9, "transition": transition, "edge": False}

    law = {"power": seg(64, 4096, 12, 2.1),
           "regimes": {"segments": [seg(64, 724, 6, 2.0), seg(724, 790, 2, 21.9, True), seg(790, 4096, 5, 2.0)],
                       "breaks": []}}
    times = {724: 0.00386, 790: 0.0387}
    rel = scaling.relation(law, 2, lambda n: 8.0 * n * n, [], {}, 4096, times=times)
    (tr,) = rel["transitions"]
    assert tr["two_points"] and tr["k_halfwidth"] is None
    assert tr["time_ratio"] == pytest.approx(0.0387 / 0.00386)  # the measured minima, not the fitted line
    assert scaling.relation(law, 2, lambda n: 8.0 * n * n, [], {}, 4096)["transitions"][0]["time_ratio"] is None


def test_sizes_past_the_fitted_range_are_named_with_their_time_per_operation():
    from kadai import scaling

    seg = {"n_first": 1024, "n_last": 4096, "n_points": 5, "k": 2.0, "k_lo": 1.9, "k_hi": 2.1, "k_halfwidth": 0.1,
           "a": 1e-9, "transition": False, "edge": False}
    law = {"power": seg, "regimes": {"segments": [seg], "breaks": []}}
    # 課題2's PyTorch convolution: the two largest sizes were not confirmed, and one of them stepped up
    times = {1024: 0.05, 2048: 0.2, 4096: 0.8, 5793: 1.6, 6317: 3.8}
    rel = scaling.relation(law, 2, lambda n: 8.0 * n * n, [], {}, 4096, times=times)
    u = rel["unfitted_above"]
    assert (u["n_first"], u["n_last"], u["count"], u["from"]) == (5793, 6317, 2, 4096)
    assert u["per_op_lo"] == pytest.approx(1.6 / 0.8 / (5793 / 4096) ** 2)  # ≈ 1.0: as fast per operation
    assert u["per_op_hi"] == pytest.approx(3.8 / 0.8 / (6317 / 4096) ** 2)  # ≈ 2.0: each operation slower
    assert u["per_op_min_lo"] is None  # no minima given
    # with the minima, both are told: the estimate of a size left out may be a slow pair
    minima = {**times, 5793: 1.5, 6317: 2.9}
    u = scaling.relation(law, 2, lambda n: 8.0 * n * n, [], {}, 4096, times=times, minima=minima)["unfitted_above"]
    assert u["per_op_min_lo"] == pytest.approx(1.5 / 0.8 / (5793 / 4096) ** 2)
    assert u["per_op_min_hi"] == pytest.approx(2.9 / 0.8 / (6317 / 4096) ** 2)
    assert scaling.relation(law, 2, lambda n: 8.0 * n * n, [], {}, 4096,
                            times={n: t for n, t in times.items() if n <= 4096})["unfitted_above"] is None


def test_a_regime_fitted_across_an_empty_octave_decides_nothing():
    """The real kadai2 build: PyTorch conv fitted at 861, 1024, 5793 and 8192 only; an exponent
    that would lie outside the band is not a verdict on the sizes between 1024 and 5793."""
    from kadai import scaling

    seg = {"n_first": 861, "n_last": 8192, "n_points": 4, "k": 2.31, "k_lo": 2.25, "k_hi": 2.37,
           "k_halfwidth": 0.06, "a": 1e-9}
    gapped = scaling.regime(seg, 2.0, [256, 609, 861, 1024, 5793, 8192])
    assert gapped["gap"] == {"n_from": 1024, "n_to": 5793, "ratio": pytest.approx(5793 / 1024)}
    assert (gapped["verdict"]["outcome"], gapped["verdict"]["reason"]) == ("unknown", "gap")
    dense = scaling.regime(seg, 2.0, [861, 1024, 1448, 2048, 2896, 4096, 5793, 8192])
    assert dense["gap"] is None and (dense["verdict"]["outcome"], dense["verdict"]["reason"]) == ("no", "outside")
    assert scaling.regime(seg, 2.0)["verdict"]["outcome"] == "no"  # sizes unknown: no gap is claimed
    assert scaling.widest_gap([512, 1024], 512, 1024) is None  # one octave apart is no gap


def test_the_defence_of_alternated_rounds_is_counted_not_assumed():
    import pandas as pd
    from kadai import raw

    plain = pd.DataFrame({"round": [0, 0, 1, 1], "status": ["ok"] * 4})
    assert raw.defence(plain, rounds=2) == {"outliers": 0, "extra_rounds": 0}
    hit = pd.DataFrame({"round": [0, 0, 1, 1, 2, 2], "status": ["ok", "outlier", "ok", "ok", "ok", "ok"]})
    assert raw.defence(plain, hit, rounds=2) == {"outliers": 1, "extra_rounds": 1}


def test_sizes_far_from_the_fitted_line_are_named_as_not_following_the_law():
    """The real kadai2 build: PyTorch conv's regime N = 939–6889 (k = 2.09) had N = 6317 and 6889
    2.2× above its line and the report stated the law for them too. A synthetic N² law with two
    sizes injected 2× slow and one 0.7× fast: exactly those three are named, with their ratios."""
    from kadai import scaling

    sizes = [1024, 1448, 2048, 2896, 4096, 5793, 8192]
    times = {n: 1e-9 * n**2 for n in sizes}
    times[5793] *= 2.0
    times[8192] *= 2.2
    times[1448] *= 0.7
    times[2896] *= 1.2  # within 1.25×: follows the law
    r = {"n_first": 1448, "n_last": 8192, "a": 1e-9, "k": 2.0}
    off = scaling.off_line(r, sizes, times)
    assert off["sizes"] == [1448, 5793, 8192]  # 1024 lies outside the regime
    assert off["ratios"] == pytest.approx([0.7, 2.0, 2.2])
    assert scaling.off_line(r, sizes, {n: 1e-9 * n**2 for n in sizes})["sizes"] == []


def test_the_caveat_says_which_way_the_sizes_left_the_line():
    from kadai import render, scaling

    env = render.make_env(render.Numbering(), None, 3)
    macro = env.from_string('{% from "_macros.md.j2" import caveats %}{{ caveats(r) }}')

    def said(ratios, gap=None, reason="inside"):
        return macro.render(r={"gap": gap, "verdict": {"reason": reason},
                               "off_line": {"sizes": [100 * (i + 1) for i in range(len(ratios))],
                                            "ratios": ratios, "factor": 1.25,
                                            "direction": scaling.off_direction(ratios)}})
    assert said([]) == ""
    assert ("2 サイズでは時間が当てはめた線の 2.00〜2.20 倍であり、線より 25 % 以上遅い。\n"
            "そのサイズ（N = 100, 200）はこの関係に従わない。") in said([2.0, 2.2])
    assert "N = 100 の時間は当てはめた線の 0.700 倍であり、線より 20 % 以上速い" in said([0.7])
    assert "線から 25 % 以上離れている" in said([0.7, 2.0])
    assert said([2.0], reason="too_wide") == ""  # no law was stated: nothing departs from it
    both = said([2.0], {"n_from": 1, "n_to": 9})
    assert both.count("ただし") == 1 and "また、N = 100" in both


def _profile_rows(times: dict, rounds: int = 7, onednn: dict | None = None):
    """Profile rows with every round's convolution and linear times 1 % longer than the last; ``onednn``:
    model → (oneDNN's convolution seconds per batch, weight formats), else no oneDNN account."""
    import pandas as pd
    return pd.DataFrame([{"model": m, "round": r, "steps": 20, "batch_size": 64, "device": "cpu",
                          "conv_s": c * (1 + 0.01 * r), "linear_s": li * (1 + 0.01 * r), "other_s": o,
                          "onednn_conv_s": (onednn or {}).get(m, (float("nan"),))[0] * (1 + 0.01 * r),
                          "onednn_reorder_s": 1e-5 if m in (onednn or {}) else float("nan"),
                          "onednn_weights": (onednn or {}).get(m, (0, ""))[1]}
                         for m, (c, li, o) in times.items() for r in range(rounds)])


def _summary(conv_macs: int, linear_macs: int, params: int) -> dict:
    rows = ([["Conv2d: 1-1", "[1, 1, 26, 26]", 10, conv_macs]] if conv_macs else []) + \
        [["Linear: 1-2", "[1, 10]", params, linear_macs]]
    return {"rows": rows, "total_params": params, "total_mult_adds": conv_macs + linear_macs}


@pytest.mark.parametrize("fixed_ms, outcome", [(2.0, "yes"), (0.0, "no")])
def test_the_layer_profile_decides_what_the_convolutions_cost(fixed_ms, outcome):
    """Synthetic profiles: convolution time = fixed + 1e-8 s per mult-add. With a 2 ms fixed part
    most of it is independent of the work (YES), without one none is (NO); a convolution's
    mult-add against a linear layer's (0.5 ms for 400000) and the share are the known ratios."""
    import pandas as pd
    from kadai.kadai3 import analyse

    conv_macs = {"c1": 10000, "c2": 40000, "c3": 160000}
    summaries = {m: _summary(k, 1000, 1000 + i) for i, (m, k) in enumerate(conv_macs.items())}
    summaries["f"] = _summary(0, 400000, 400000)
    times = {m: (fixed_ms * 1e-3 + 1e-8 * k, 1e-4, 1e-3) for m, k in conv_macs.items()}
    times["f"] = (0.0, 5e-4, 1e-3)
    pm = pd.DataFrame({"model": list(summaries), "kind": ["cnn"] * 3 + ["fc"],
                       "params": [summaries[m]["total_params"] for m in summaries], "time": [3.0, 3.1, 3.2, 1.0]})
    lw = {"cnn": "c1", "fc": "f"}
    out = analyse.layer_profile(_profile_rows(times), summaries, pm, lw, {"fixed": {"outcome": "unknown"}}, "cpu", 938)
    conv_c1 = fixed_ms * 1e-3 + 1e-4
    assert out["per_mac"]["numbers"]["estimate"] == pytest.approx((conv_c1 / 10000) / (5e-4 / 400000), rel=1e-6)
    assert out["per_mac"]["outcome"] == "yes"
    f = 1.03  # the median round's factor on the convolution and linear times (the rest is constant)
    assert out["share"]["estimate"] == pytest.approx(f * conv_c1 / (f * conv_c1 + f * 1e-4 + 1e-3), rel=1e-6)
    g = out["growth"]
    assert (g["few"], g["most"], g["models"]) == ("c1", "c3", 3) and g["mostly_fixed"]["outcome"] == outcome
    assert g["mostly_fixed"]["numbers"]["estimate"] == pytest.approx(fixed_ms * 1e-3 / conv_c1, abs=1e-6)
    assert out["fixed"] is None  # the two kinds' fixed times did not differ: nothing to explain
    # the profiled batch against the timing's: pm's epoch times over 938 batches
    totals = {m: (out["per_model"][m]["total"], t / 938) for m, t in zip(pm.model, pm.time)}
    assert out["coverage"] == pytest.approx([min(a / b for a, b in totals.values()),
                                             max(a / b for a, b in totals.values())])
    assert out["covers"] is False  # 3 s per epoch against a few ms profiled per batch
    on_gpu = analyse.layer_profile(_profile_rows(times), summaries, pm, lw, {}, "cuda", 938)
    assert on_gpu["skipped"] == "cuda" and not any(on_gpu[k] for k in ("per_model", "share", "per_mac", "growth"))


def _onednn_split(inside_ms: float, rest_ms: float):
    """Four convolutional models' mult-adds, and their convolution time per batch split into oneDNN's
    part (inside_ms + 1e-8 s per mult-add) and the rest (rest_ms + 2e-9 s per mult-add), with a
    little noise so that each straight line has an interval."""
    conv_macs = {"c1": 10000, "c2": 40000, "c3": 160000, "c4": 320000}
    noise = {"c1": 1.0, "c2": 1.01, "c3": 0.99, "c4": 1.0}
    inside = {m: (inside_ms * 1e-3 + 1e-8 * k) * noise[m] for m, k in conv_macs.items()}
    rest = {m: (rest_ms * 1e-3 + 2e-9 * k) / noise[m] for m, k in conv_macs.items()}
    return conv_macs, inside, rest


@pytest.mark.parametrize("inside_ms, rest_ms, where", [(1.5, 0.5, "yes"), (0.2, 1.8, "no"), (1.0, 1.0, "unknown")])
def test_onednn_account_splits_the_convolutions_fixed_time(inside_ms, rest_ms, where):
    """Synthetic profiles: convolution time = oneDNN's (inside_ms + 1e-8 s per mult-add) + the rest
    (rest_ms + 2e-9 s per mult-add), with a little noise so that each line has an interval. The
    line through each part splits the fixed time into the two known intercepts; the larger one
    wins where the intervals are apart; oneDNN's share of the fewest mult-adds' model is the known
    share; the weight formats give the block of 16 channels, padded."""
    import pandas as pd
    from kadai.kadai3 import analyse

    conv_macs, inside, rest = _onednn_split(inside_ms, rest_ms)
    summaries = {m: _summary(k, 1000, 1000 + i) for i, (m, k) in enumerate(conv_macs.items())}
    summaries["f"] = _summary(0, 400000, 400000)
    times = {m: (inside[m] + rest[m], 1e-4, 1e-3) for m in conv_macs}
    times["f"] = (0.0, 5e-4, 1e-3)
    formats = "Acdb16a:p Bcda16b:p"
    pm = pd.DataFrame({"model": list(summaries), "kind": ["cnn"] * 4 + ["fc"],
                       "params": [summaries[m]["total_params"] for m in summaries], "time": [3.0, 3.1, 3.2, 3.3, 1.0]})
    rows = _profile_rows(times, onednn={m: (inside[m], formats) for m in conv_macs})
    growth = analyse.layer_profile(rows, summaries, pm, None, {}, "cpu", 938)["growth"]
    d = growth["onednn"]
    assert d["where"]["outcome"] == where and d["few"] == "c1" and d["reorder_s"] == pytest.approx(1e-5)
    assert d["lines"]["onednn"]["intercept"] == pytest.approx(1.03 * inside_ms * 1e-3, rel=0.05)
    assert d["lines"]["rest"]["intercept"] == pytest.approx(1.03 * rest_ms * 1e-3, rel=0.05)
    # the two parts' constants add up to the convolution time's own line
    assert d["lines"]["onednn"]["intercept"] + d["lines"]["rest"]["intercept"] == \
        pytest.approx(growth["line"]["intercept"], rel=1e-9)
    assert d["share"]["estimate"] == pytest.approx(inside["c1"] / (inside["c1"] + rest["c1"]), rel=1e-6)
    assert d["weights"] == {"formats": ["Acdb16a", "Bcda16b"], "block": 16, "padded": True}
    # oneDNN's account longer than the profiled convolutions in a single round: the two runs disagree
    one = (rows.model == "c2") & (rows["round"] == 3)
    rows.loc[one, "onednn_conv_s"] = 1.01 * rows.loc[one, "conv_s"]
    assert analyse.layer_profile(rows, summaries, pm, None, {}, "cpu", 938)["growth"]["onednn"]["where"]["reason"] \
        == "inconsistent"
    # formats blocked otherwise (two blocked dimensions, or unpadded) give no block, or no padding
    mixed = _profile_rows(times, onednn={m: (inside[m], "ABcd16b16a:p Acdb8a") for m in conv_macs})
    w = analyse.layer_profile(mixed, summaries, pm, None, {}, "cpu", 938)["growth"]["onednn"]["weights"]
    assert w == {"formats": ["ABcd16b16a", "Acdb8a"], "block": None, "padded": False}
    # no oneDNN account (another machine's PyTorch): no split
    assert analyse.layer_profile(_profile_rows(times), summaries, pm, None, {}, "cpu", 938)["growth"]["onednn"] is None


@pytest.mark.parametrize("conv_ms, explained", [(2.0, "yes"), (0.5, "no")])
def test_the_convolutions_explain_the_fixed_time_only_if_removing_them_closes_the_gap(conv_ms, explained):
    """Epoch times: fully connected 0.5 s + 1e-6 s per parameter; convolutional 2.4 s + the same
    per parameter. Removing 2 ms × 938 batches (1.9 s) closes the gap; removing 0.5 ms does not."""
    import pandas as pd
    from kadai import fit
    from kadai.kadai3 import analyse

    params = {"f1": 1000, "f2": 50000, "f3": 200000, "c1": 2000, "c2": 60000, "c3": 250000}
    noise = {"f1": 0.01, "f2": -0.01, "f3": 0.005, "c1": -0.01, "c2": 0.01, "c3": -0.005}
    time = {m: (2.4 if m[0] == "c" else 0.5) + 1e-6 * p + noise[m] for m, p in params.items()}
    summaries = {m: _summary(10000 * (m[0] == "c"), 1000, p) for m, p in params.items()}
    pm = pd.DataFrame({"model": list(params), "kind": ["fc" if m[0] == "f" else "cnn" for m in params],
                       "params": list(params.values()), "time": [time[m] for m in params]})
    lines = analyse.family_lines(pm)
    assert lines["fixed"]["outcome"] == "yes"
    rows = _profile_rows({m: (conv_ms * 1e-3 * (m[0] == "c"), 1e-4, 1e-3) for m in params})
    out = analyse.layer_profile(rows, summaries, pm, None, lines, "cpu", 938)["fixed"]
    assert out["explained"]["outcome"] == explained and out["models"] == 3
    conv = conv_ms * 1e-3 * 1.03 * 938  # the median round's factor is 1.03
    assert out["conv_epoch_s"] == pytest.approx([conv, conv])
    cnn = pm[pm.kind == "cnn"]
    assert out["after"]["intercept"] == pytest.approx(fit.straight_line(cnn.params, cnn.time - conv)["intercept"])


@pytest.mark.parametrize("last", [False, True])
def test_a_run_over_the_budget_names_its_size_and_time_and_a_last_size_is_the_series_end(last):
    """measured_over: the size whose first run exceeded the per-run budget and that run's seconds;
    where that size was the series' last, the stop row names it, and the series reached its end
    (n_max, its run over the budget said). Rendered through the report's stop sentence."""
    from kadai import raw, render

    table = _rows({"numpy": {8192: [1.1, 1.0, 1.05], 16384: [5.19, 4.15, 4.2]}})
    table = pd.concat([table, pd.DataFrame([dict(implementation="numpy", op="matmul", N=16384 if last else 23170,
                                                 dtype="f", device="cpu", repeat=0, seconds=float("nan"),
                                                 status="stop", note="measured_over: 5.19 s per run > per-run "
                                                                     "budget 5 s")])])
    stop = raw.stop_reason(table)
    assert (stop["over_N"], stop["over_s"]) == (16384, 5.19)
    assert stop["kind"] == ("n_max" if last else "measured_over")
    macro = render.make_env(render.Numbering(), None, 3).from_string(
        '{% from "_macros.md.j2" import stop_sentence %}{{ stop_sentence("NumPy", s, w) }}')
    text = macro.render(s=stop, w={"per_run_budget_s": 5.0})
    if last:
        assert text == ("NumPy の計測は、設定した最大サイズ N = 16384 まで進んだ。"
                        "ただし、そのサイズの最初の 1 回の実行時間は 5.19 s であり、"
                        "1 回あたりの上限 5.0 s を超えていた。")
    else:
        assert text == ("NumPy の計測は、N = 16384 の 1 回の実行時間が 5.19 s と上限 5.0 s を超えたため、"
                        "N = 23170 の手前で止めた。")
    from kadai.nini1.context import stop_groups
    assert bool(stop_groups({"numpy_1thread": stop})["early"]) is True  # not "within the budget" either way


def test_a_cache_shared_with_unseen_cores_leaves_the_sizes_below_it_undecided():
    """A 2-CPU virtual machine that sees a host's 480 MiB L3 (240 MiB per visible CPU, more than any
    processor has per core): a change between L2 and L3 cannot be ruled out as the L3's, since the
    share a process gets is unknown; a real 16 MiB L3 over 8 CPUs rules it out as before."""
    from kadai.scaling import _cpu_count, cache_verdict, unseen_shares

    mib = 2**20
    vm = [{"level": 1, "type": "Data", "bytes": 48 * 2**10, "shared_by": "0"},
          {"level": 2, "type": "Unified", "bytes": 2 * mib, "shared_by": "0"},
          {"level": 3, "type": "Unified", "bytes": 480 * mib, "shared_by": "0-1"}]
    assert (_cpu_count("0-1"), _cpu_count("0-3,8"), _cpu_count(""), _cpu_count("x")) == (2, 5, None, None)
    assert unseen_shares(vm) == [{"mark": "L3", "value": 480 * mib, "cpus": 2, "per_cpu": 240 * mib,
                                  "floor_mark": "L2", "floor": 2 * mib}]
    v = cache_verdict(45 * mib, 90 * mib, vm, 3.6, 2.0)
    assert (v["outcome"], v["reason"], v["numbers"]["shared"]["mark"]) == ("unknown", "share_unknown", "L3")
    assert cache_verdict(10 * 2**10, 20 * 2**10, vm, 3.6, 2.0)["reason"] == "none"  # below L2: L2 holds it
    assert cache_verdict(1.5 * mib, 3 * mib, vm, 3.6, 2.0)["reason"] == "straddles"  # L2 itself still decides
    real = [{**c, "shared_by": "0-7"} if c["level"] == 3 else c for c in vm]
    real[2]["bytes"] = 16 * mib
    assert unseen_shares(real) == [] and cache_verdict(45 * mib, 90 * mib, real, 3.6, 2.0)["reason"] == "none"


@pytest.mark.parametrize("rounds, said", [
    (7, "周回が 7 回のときは最小値から最大値までになり、中央値を含む確率は 98.4 % である。"),
    (3, "ただし 3 回の周回ではそのような組を作れないので、最小値から最大値までとした（中央値を含む確率は 75.0 %）。"),
    (21, None)])
def test_the_method_says_what_a_few_rounds_median_interval_is(rounds, said):
    from kadai import render, verdicts

    env = render.make_env(render.Numbering(), None, 3)
    text = env.from_string('{% from "_macros.md.j2" import rounds_interval_note %}{{ rounds_interval_note(r) }}'
                           ).render(r=verdicts.rounds_interval(rounds))
    assert text.startswith("中央値の 95 % 区間は、中央値を 95 % 以上の確率で含む最も狭い順序統計量の組とした。")
    assert (said in text) if said else "最小値から最大値" not in text
