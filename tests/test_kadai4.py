"""課題4: the generated dataset, the one-at-a-time settings and the effect rule."""
import math

import numpy as np
import pandas as pd
import pytest
from kadai.kadai4 import analyse, dataset, settings, train

CFG = {"seed": 1, "train_per_class": 6, "test_per_class": 2,
       "augment": {"size_min": 18, "size_max": 30, "rotate_deg": 15, "shift_px": 2, "stroke_max": 2,
                   "noise_std": 20}}


def test_fonts_found_include_the_always_present_ones():
    names = [f.rsplit("/", 1)[-1] for f in dataset.font_files()]
    assert "DejaVuSans.ttf" in names and "ipaexg.ttf" in names


def test_dataset_is_deterministic_and_balanced(tmp_path):
    card = dataset.generate(CFG, tmp_path / "a.npz")
    dataset.generate(CFG, tmp_path / "b.npz")
    a, b = np.load(tmp_path / "a.npz"), np.load(tmp_path / "b.npz")
    for k in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(a[k], b[k])
    assert a["x_train"].shape == (60, 28, 28) and a["x_train"].dtype == np.uint8
    assert card["per_class_train"] == [6] * 10 and card["per_class_test"] == [2] * 10
    assert a["x_train"].max() == 255 and a["x_train"].mean() < 128  # white digits on black


def test_another_seed_gives_other_images(tmp_path):
    dataset.generate(CFG, tmp_path / "a.npz")
    dataset.generate({**CFG, "seed": 2}, tmp_path / "b.npz")
    assert not np.array_equal(np.load(tmp_path / "a.npz")["x_train"], np.load(tmp_path / "b.npz")["x_train"])


def test_digit_images_differ_between_classes():
    rng = np.random.default_rng(0)
    font = dataset.font_files()[0]
    aug = {**CFG["augment"], "rotate_deg": 0, "shift_px": 0, "noise_std": 0, "stroke_max": 0}
    one, seven = (dataset.render_digit(d, font, rng, aug).astype(int) for d in (1, 7))
    assert (one > 128).sum() > 10 and np.abs(one - seven).sum() > 1000


def test_a_study_decides_accuracy_and_time_effects_from_seeds_and_rounds():
    import pandas as pd

    base = {"hidden": 64, "layers": 1, "activation": "relu", "epochs": 2, "loss": "cross_entropy",
            "optimizer": "adam@0.001", "batch_size": 64}
    runs, timing = [], []
    for seed in range(4):
        for param, value, acc in (("baseline", "base", 0.90), ("hidden", "4", 0.60), ("hidden", "256", 0.903)):
            runs.append({"param": param, "value": value, "seed": seed, "epoch": 2, "params": 10,
                         "accuracy": acc + 0.002 * (seed - 1.5)})
    for r in range(7):  # a slow phase in rounds 2-3 hits every setting alike: paired rounds stay decisive
        slow = 3.0 if r in (2, 3) else 1.0
        for value, t in (("4", 1.00), ("64", 1.02), ("256", 2.0)):
            timing.append({"param": "hidden", "value": value, "round": r, "seconds": t * slow, "status": "ok"})
    st = analyse.study_of(pd.DataFrame(runs), pd.DataFrame(timing), "hidden", [4, 64, 256], base)
    assert st["acc_effect"]["outcome"] == "yes"  # 64 → 4 loses 30 points, far beyond 0.5
    assert st["time_effect"]["outcome"] == "yes"  # 256 takes twice as long, in every round
    assert st["time_effect"]["numbers"]["b"] == "256"
    # a setting within 0.5 points and 10 % of the baseline in every seed and round: no effect
    runs2 = [dict(r, value="128", param="hidden") for r in runs if r["param"] == "baseline"]
    timing2 = [dict(t, value="128", seconds=t["seconds"] * 1.03) for t in timing if t["value"] == "64"]
    same = analyse.study_of(pd.DataFrame(runs + runs2), pd.DataFrame(timing + timing2), "hidden", [64, 128], base)
    assert same["acc_effect"]["outcome"] == "no" and same["time_effect"]["outcome"] == "no"


def test_one_parameter_at_a_time():
    cfg = {"baseline": {"hidden": 64, "layers": 1, "activation": "relu", "epochs": 5, "loss": "cross_entropy",
                        "optimizer": "adam@0.001", "batch_size": 64}}
    s = settings.setting(cfg["baseline"], "layers", 3)
    assert s["layers"] == 3 and {k: v for k, v in s.items() if k != "layers"} == {
        k: v for k, v in cfg["baseline"].items() if k != "layers"}
    assert settings.spec_of(s) == "fc64-fc64-fc64"


def test_user_csv_is_accepted(tmp_path):
    import pandas as pd
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 3))
    df = pd.DataFrame(x, columns=["a", "b", "c"]).assign(label=np.where(x[:, 0] > 0, "cat", "dog"))
    df.to_csv(tmp_path / "mine.csv", index=False)
    cfg = {"csv": str(tmp_path / "mine.csv"), "csv_label": "label", "csv_test_fraction": 0.25,
           "split_seed": 0, "seeds": [0],
           "baseline": {"hidden": 8, "layers": 1, "activation": "relu", "epochs": 20, "loss": "cross_entropy",
                        "optimizer": "adam@0.01", "batch_size": 16}}
    train.run_setting("baseline", "base", cfg, None, tmp_path / "run.csv")
    from kadai.io import read_csv
    from kadai.rows import RUNS4

    out = read_csv(tmp_path / "run.csv", RUNS4)
    assert out.accuracy.iloc[-1] > 0.8  # the label is a threshold on feature a


def test_the_kadai3_and_kadai2_combined_decisions():
    """Decisions made of tested verdicts: their own yes / no / cannot tell."""
    import pandas as pd
    from kadai.kadai2.analyse import step_causes
    from kadai.kadai3.analyse import smallest_keeping
    from kadai.verdicts import not_proportional

    ratio = {"numbers": {"lo": 4.5, "hi": 7.9}}
    assert not_proportional(2.9, ratio)["outcome"] == "yes"
    assert not_proportional(2.9, ratio)["numbers"]["direction"] == "more"
    assert not_proportional(11.0, ratio)["numbers"]["direction"] == "less"
    assert not_proportional(5.0, ratio)["outcome"] == "unknown"  # one pair never proves proportionality
    assert not_proportional(5.0, {"numbers": {"lo": float("nan"), "hi": float("nan")}})["reason"] == "no_interval"
    assert not_proportional(11.0, {"reason": "too_few", "numbers": {"lo": 4.5, "hi": 7.9}})["outcome"] == "unknown"

    pm = pd.DataFrame({"model": ["a", "b", "c", "d"], "params": [10, 20, 30, 40], "kind": ["fc", "fc", "fc", "cnn"]})
    keeps = {m: {"outcome": o} for m, o in (("a", "no"), ("b", "unknown"), ("c", "yes"), ("d", "no"))}
    sm = smallest_keeping(pm, keeps)
    assert sm["fc"]["model"]["model"] == "c" and sm["fc"]["undecided_smaller"] == ["b"]
    assert sm["cnn"]["model"] is None
    from kadai.kadai3.analyse import smaller_kind
    pm = pd.DataFrame({"model": ["f1", "f2", "f3", "c1", "c2"], "params": [10, 20, 50, 15, 30],
                       "kind": ["fc", "fc", "fc", "cnn", "cnn"]})
    decided = {"f1": "no", "f2": "no", "f3": "yes", "c1": "no", "c2": "yes"}
    assert smaller_kind(smallest_keeping(pm, {m: {"outcome": o} for m, o in decided.items()}), pm) == "cnn"
    # an fc model smaller than the CNN that the seeds could not decide might keep the accuracy too
    unsure = {**decided, "f2": "unknown"}
    assert smaller_kind(smallest_keeping(pm, {m: {"outcome": o} for m, o in unsure.items()}), pm) is None

    def rows(per_op):  # 7 rounds at two sizes, time per operation per_op[name][size]
        out = []
        for (name, n), t in per_op.items():
            flops = 18 * (n - 2) ** 2
            out += [{"implementation": name, "N": n, "repeat": r, "seconds": t * flops * (1 + 0.01 * r),
                     "status": "ok"} for r in range(7)]
        return pd.DataFrame(out)

    both = rows({("numpy_alloc", 1024): 1.0, ("numpy_alloc", 2048): 1.5, ("numpy_inplace", 1024): 1.0,
                 ("numpy_inplace", 2048): 1.5})
    assert step_causes(both, 1024, 2048)["cause"] == "data_size"  # the step survives without allocation
    alloc = rows({("numpy_alloc", 1024): 1.0, ("numpy_alloc", 2048): 1.5, ("numpy_inplace", 1024): 1.0,
                  ("numpy_inplace", 2048): 1.0})
    assert step_causes(alloc, 1024, 2048)["cause"] == "allocation"
    unsure = rows({("numpy_alloc", 1024): 1.0, ("numpy_alloc", 2048): 1.0, ("numpy_inplace", 1024): 1.0,
                   ("numpy_inplace", 2048): 1.0})
    assert step_causes(unsure, 1024, 2048)["cause"] == "no_step"  # neither version steps: not reproduced
    noisy = rows({("numpy_alloc", 1024): 1.0, ("numpy_inplace", 1024): 1.0, ("numpy_inplace", 2048): 1.0})
    noisy = pd.concat([noisy, pd.DataFrame([{"implementation": "numpy_alloc", "N": 2048, "repeat": r, "status": "ok",
                                             "seconds": 18 * 2046 ** 2 * t} for r, t in enumerate(
                                                 [1.15, 1.4, 1.2, 1.35, 1.3, 1.45, 1.25])])])
    # no step without allocation (data size ruled out), the allocating version's step undecided
    assert step_causes(noisy, 1024, 2048)["cause"] == "not_data_size"
    # the bracket reaches one experiment size beyond the sweep's where it can: a rise just before n_left counts
    early = rows({("numpy_alloc", 512): 1.0, ("numpy_alloc", 1024): 1.5, ("numpy_alloc", 2048): 1.5,
                  ("numpy_inplace", 512): 1.0, ("numpy_inplace", 1024): 1.5, ("numpy_inplace", 2048): 1.5})
    wide = step_causes(early, 1024, 2048)
    assert (wide["lo"], wide["hi"], wide["cause"]) == (512, 2048, "data_size")


def test_a_change_is_reported_as_direction_and_size():
    from kadai.kadai4.analyse import magnitude

    down = magnitude({"estimate": -23.3, "lo": -29.8, "hi": -16.8})
    assert down == {"direction": "down", "size": 23.3, "size_lo": 16.8, "size_hi": 29.8}
    up = magnitude({"estimate": 4.0, "lo": -1.0, "hi": 9.0})  # the interval holds 0: no bounds on the size
    assert up["direction"] == "up" and up["size"] == 4.0 and up["size_lo"] is None and up["size_hi"] is None
    assert magnitude({"estimate": None, "lo": None, "hi": None})["direction"] is None


def _batch_timing(per_update: float, rounds: int = 7, noise=None):
    """Rounds of the batch-size study: t = drift × (2 s + per_update × U), U = 5 epochs × ⌈6000 / B⌉."""
    import pandas as pd

    drift = [1.0, 2.0, 1.1, 0.9, 2.5, 1.0, 1.2][:rounds]  # the machine's speed changes between rounds
    rows = []
    for r in range(rounds):
        for i, b in enumerate((16, 64, 256, 1024)):
            u = 5 * -(-6000 // b)
            wobble = 1.0 if noise is None else noise[(r + i) % len(noise)]
            rows.append({"param": "batch_size", "value": str(b), "updates": u, "round": r, "status": "ok",
                         "seconds": drift[r] * (2.0 + per_update * u) * wobble})
    return pd.DataFrame(rows)


def test_the_time_of_the_updates_is_fitted_round_by_round():
    cost = analyse.update_cost(_batch_timing(0.5e-3))  # 0.94 s of updates at B = 16 against 2 s of examples
    assert cost["verdict"]["outcome"] == "yes" and cost["most"] == "16"
    assert cost["verdict"]["numbers"]["estimate"] == pytest.approx(0.9375 / 2.9375)  # drift cancels in the share
    assert cost["per_update_lo"] <= 0.5e-3 * 1.1 <= cost["per_update_hi"]  # median drift of the rounds: 1.1
    assert cost["updates"] == {"16": 1875, "64": 470, "256": 120, "1024": 30}
    none = analyse.update_cost(_batch_timing(0.0, noise=[1.0, 1.01, 0.99]))  # time independent of the updates
    assert none["verdict"]["outcome"] == "no" and abs(none["verdict"]["numbers"]["estimate"]) < 0.1
    few = analyse.update_cost(_batch_timing(0.5e-3, rounds=4))  # 4 rounds: no 95 % interval of the median
    assert few["verdict"]["outcome"] == "unknown" and few["verdict"]["reason"] == "too_few"
    edge = analyse.update_cost(_batch_timing(0.08e-3, noise=[0.7, 1.4, 1.0, 1.2, 0.8]))  # ≈ 7 % in much noise
    assert (edge["verdict"]["outcome"], edge["verdict"]["reason"]) == ("unknown", "straddles")


def test_the_updates_of_a_timed_run_are_the_fast_loops_batches():
    import torch
    from kadai.kadai4 import timing
    from kadai.train import loops

    for n, b, epochs in ((100, 16, 1), (96, 16, 3), (5, 64, 2), (1000, 1, 1)):
        x, y = torch.zeros(n, 1), torch.zeros(n, dtype=torch.long)
        batches = loops.fast_batches(x, y, b, 0, torch.device("cpu"))
        counted = sum(sum(1 for _ in batches()) for _ in range(epochs))
        assert timing.updates({"epochs": epochs, "batch_size": b}, n) == counted


def test_the_textbook_expectation_is_checked_against_the_seeds():
    relu = [0.90, 0.91, 0.905, 0.899]
    lower = analyse.contrast({"relu": relu, "sigmoid": [0.80, 0.81, 0.805, 0.79]}, "relu", "sigmoid")
    assert lower["outcome"] == "as_expected" and lower["verdict"]["numbers"]["estimate"] < 0
    higher = analyse.contrast({"relu": relu, "sigmoid": [0.95, 0.96, 0.955, 0.951]}, "relu", "sigmoid")
    assert higher["outcome"] == "opposite"
    steady = [0.900, 0.901, 0.9005, 0.8995]  # seeds that agree closely: a 0.05-point difference is negligible
    same = analyse.contrast({"relu": steady, "sigmoid": [r + 0.0005 for r in steady]}, "relu", "sigmoid")
    assert same["outcome"] == "negligible"
    noisy = analyse.contrast({"relu": relu, "sigmoid": [0.70, 0.99, 0.75, 0.97]}, "relu", "sigmoid")
    assert noisy["outcome"] == "unclear"
    assert analyse.contrast({"relu": relu}, "relu", "sigmoid") is None


def _hidden_timing(grow: float, noise=None, rounds: int = 9):
    """Rounds of the hidden-size study: t = drift × (1 s + grow × params / params of 32 nodes)."""
    import pandas as pd

    drift = [1.0, 2.0, 1.1, 0.9, 2.5, 1.0, 1.2, 0.8, 1.5][:rounds]
    params = {"32": 25_450, "128": 101_770, "512": 407_050}
    rows = []
    for r in range(rounds):
        for i, (v, p) in enumerate(params.items()):
            wobble = 1.0 if noise is None else noise[(r + i) % len(noise)]
            rows.append({"param": "hidden", "value": v, "round": r, "status": "ok",
                         "seconds": drift[r] * (1.0 + grow * p / params["32"]) * wobble})
    rows_ = [{"value": v, "params": p, "time": 1.0} for v, p in params.items()]
    return rows_[::-1], pd.DataFrame(rows)


def test_the_training_time_is_compared_with_the_parameter_count_round_by_round():
    rows, timing = _hidden_timing(0.1)  # 16× the parameters, (1 + 1.6) / (1 + 0.1) = 2.36× the time
    p = analyse.proportional(rows, timing)
    assert (p["v_lo"], p["v_hi"], p["p_hi"] / p["p_lo"]) == ("32", "512", pytest.approx(16.0, rel=1e-3))
    v = p["verdict"]
    assert v["outcome"] == "yes" and v["numbers"]["direction"] == "less"
    assert v["numbers"]["ratio"] == pytest.approx(2.6 / 1.1, rel=1e-3)  # the drift cancels round by round
    rows, timing = _hidden_timing(100.0, noise=[1.0, 1.06, 0.94])  # ≈ 16× the time, ± 6 % per run
    assert analyse.proportional(rows, timing)["verdict"]["outcome"] == "unknown"
    rows, timing = _hidden_timing(0.1, rounds=4)  # far from proportional, but 4 rounds give no 95 % interval
    few = analyse.proportional(rows, timing)["verdict"]
    assert (few["outcome"], few["reason"]) == ("unknown", "too_few")
    rows, timing = _hidden_timing(0.1)  # other processes kept 1.5 cores busy during a 2-core timing
    busy = analyse.proportional(rows, timing.assign(busy=1.5, cores=2.0))["verdict"]
    assert (busy["outcome"], busy["reason"]) == ("unknown", "busy")


@pytest.mark.parametrize("dl_rounds,shared", [
    ([2.0, 2.1, 1.9, 2.05, 2.0, 1.95, 2.1], True),     # the DataLoader loop twice as slow: its gap is shared out
    ([1.0, 1.3, 0.75, 1.2, 0.8, 1.1, 0.9], False),     # no decided difference: no share of a difference
])
def test_the_data_share_of_the_loops_gap_needs_a_decided_gap(dl_rounds, shared):
    import pandas as pd
    from kadai.kadai3.analyse import loop_facts

    def records(data_s, train_s, model=None):
        return pd.DataFrame([{"model": model, "epoch": e, "seed": s, "accuracy": 0.9, "data_s": data_s,
                              "compute_s": train_s - data_s, "eval_s": 0.1, "train_s": train_s}
                             for e in (1, 2) for s in (0, 1, 2)])
    runs = records(0.1, 1.0, "cnn")
    loader = records(0.9, 2.0).drop(columns="model")
    times = {"cnn": pd.Series(np.ones(7)), "dl": pd.Series(dl_rounds)}  # seconds per round
    f = loop_facts(runs, loader, times, "dl", "cnn", 0.01, (float("nan"), float("nan")))
    assert f["slower"]["outcome"] == ("yes" if shared else "unknown")
    assert f["data_share"] == (pytest.approx(0.8) if shared else None)
    assert f["data_mostly"] is shared


def test_no_undisturbed_round_leaves_nothing_to_fit():
    timing = _batch_timing(0.5e-3)
    lost = {r: ("16", "64", "256", "1024")[r % 4] for r in timing["round"].unique()}
    timing.loc[timing.value == timing["round"].map(lost), "status"] = "outlier"  # every round lost one setting
    assert analyse.update_cost(timing) is None


BASE4 = {"hidden": 64, "layers": 1, "activation": "relu", "epochs": 5, "loss": "cross_entropy",
         "optimizer": "adam@0.001", "batch_size": 64}


def _hidden_study(accs: dict, losses: dict | None = None):
    """study_of on seeds' accuracies ``accs`` (value → list) and quiet timing rounds; training
    losses per seed for epochs 1 and 5 from ``losses`` (value → list of (first, last)), else
    the same fall for every run."""
    import pandas as pd

    losses = losses or {}
    runs = [{"param": "baseline" if v == "64" else "hidden", "value": "base" if v == "64" else v, "seed": s,
             "epoch": e, "params": 10, "accuracy": a, "loss": losses.get(v, [(1.0, 0.3)] * len(seeds))[s][i]}
            for v, seeds in accs.items() for s, a in enumerate(seeds) for i, e in enumerate((1, 5))]
    timing = [{"param": "hidden", "value": v, "round": r, "seconds": 1.0 + 0.01 * r, "status": "ok"}
              for r in range(7) for v in accs]
    return analyse.study_of(pd.DataFrame(runs), pd.DataFrame(timing), "hidden", [int(v) for v in accs], BASE4)


def test_the_largest_difference_is_reported_even_where_a_smaller_one_decides():
    from kadai import verdicts
    from kadai.kadai4 import context

    accs = {"4": [0.18, 0.41, 0.55], "16": [0.78, 0.785, 0.775], "64": [0.90, 0.905, 0.895],
            "256": [0.945, 0.95, 0.94]}
    st = _hidden_study(accs)
    decided, big = st["acc_effect"]["numbers"], st["acc_largest"]
    # the verdict is decided by 16 (consistent seeds); 4 differs most but its seeds scatter
    assert st["acc_effect"]["outcome"] == "yes" and decided["b"] == "16"
    assert big["b"] == "4" and big["note"] and big["outcome"] == "unknown"
    assert big["estimate"] == pytest.approx(np.mean(accs["4"]) - np.mean(accs["64"]))
    assert big["lo"] < -decided["min_effect"] < decided["min_effect"] < big["hi"]  # it straddles the band
    # its interval is the one the verdict computed for that pair (same Bonferroni level over 3 pairs)
    alone = verdicts.effect({"64": np.array(accs["64"]), "4": np.array(accs["4"])}, analyse.ACC_EFFECT,
                            confidence=1 - 0.05 / 3).to_dict()["numbers"]
    assert (big["lo"], big["hi"]) == pytest.approx((alone["lo"], alone["hi"]))
    # the effects table prints the largest difference and names the setting that decided
    row = context.effects_table({"hidden": st}, ["hidden"])["rows"][0]
    assert row[1].startswith(f"4 で −{100 * (np.mean(accs['64']) - np.mean(accs['4'])):.1f}")
    assert row[3] == "あり（16 の差による）"
    assert analyse.strength(big) == pytest.approx(abs(big["estimate"]) / analyse.ACC_EFFECT)
    # the effects figure shows the difference the verdict rests on (16), beyond the threshold
    shown = st["acc_shown"]
    assert shown["b"] == "16" and not shown["note"] and shown["outcome"] == "yes"
    assert shown["estimate"] == pytest.approx(decided["estimate"])
    assert min(abs(shown["lo"]), abs(shown["hi"])) > decided["min_effect"]
    # the seed spread of 4 is noted: its sd against the pooled sd of the other three settings
    (sv,) = st["spread"]
    pooled = np.sqrt(np.mean([np.var(accs[v], ddof=1) for v in ("16", "64", "256")]))
    assert sv["value"] == "4" and sv["ratio"] == pytest.approx(np.std(accs["4"], ddof=1) / pooled)


def test_where_the_largest_difference_decides_there_is_no_note_and_no_spread():
    st = _hidden_study({"4": [0.60, 0.61, 0.59], "16": [0.78, 0.785, 0.775], "64": [0.90, 0.905, 0.895]})
    assert st["acc_effect"]["numbers"]["b"] == st["acc_largest"]["b"] == "4"
    assert not st["acc_largest"]["note"] and st["spread"] == []
    assert st["acc_largest"]["estimate"] == pytest.approx(st["acc_effect"]["numbers"]["estimate"])
    assert st["acc_shown"] == st["acc_largest"] and st["time_shown"] == st["time_largest"]
    # the time: every setting as fast as the baseline round by round, nothing to note either
    assert st["time_effect"]["outcome"] == "no" and not st["time_largest"]["note"]


def test_the_baselines_time_differs_between_studies_only_where_the_intervals_part():
    def study(times, half=0.04):  # study → baseline median; its 95 % interval ± half of it
        return {p: {"name": p.upper(), "rows": [{"value": str(BASE4[p]), "time": t, "time_lo": t * (1 - half),
                                                 "time_hi": t * (1 + half)},
                                                {"value": "other", "time": 9.0, "time_lo": 8.0, "time_hi": 10.0}]}
                for p, t in times.items()}
    apart = analyse.baseline_time(study({"hidden": 0.365, "optimizer": 0.568, "layers": 0.55}), BASE4)
    assert apart["outcome"] == "apart" and apart["spread"] == pytest.approx(0.568 / 0.365 - 1)
    assert (apart["min"]["name"], apart["max"]["name"], apart["studies"]) == ("HIDDEN", "OPTIMIZER", 3)
    assert not apart["wide"] and apart["within_table"]  # narrow intervals, but they do not overlap
    # the report's case: medians 56 % apart, but round-to-round spread so large that the intervals overlap
    rows = {"hidden": (0.365, 0.357, 0.437), "optimizer": (0.568, 0.397, 0.594), "layers": (0.550, 0.400, 0.733)}
    real = {p: {"name": p.upper(), "rows": [{"value": str(BASE4[p]), "time": t, "time_lo": lo, "time_hi": hi}]}
            for p, (t, lo, hi) in rows.items()}
    over = analyse.baseline_time(real, BASE4)
    assert over["outcome"] == "overlap" and over["spread"] > 0.5
    assert over["widest"]["name"] == "LAYERS" and over["widest_ratio"] == pytest.approx(0.733 / 0.400)
    assert over["wide"] and over["within_table"]  # one study's median is not known to 10 % either
    close = analyse.baseline_time(study({"hidden": 0.40, "optimizer": 0.42}, half=0.035), BASE4)
    assert close["outcome"] == "overlap" and close["spread"] == pytest.approx(0.05)
    assert not close["wide"] and not close["within_table"]
    assert analyse.baseline_time(study({"hidden": 0.4}), BASE4) is None  # one study: nothing to compare


def test_whether_the_training_loss_fell_is_read_from_the_logs():
    import pandas as pd

    def runs(per_seed):
        return pd.DataFrame([{"param": "optimizer", "value": "sgd@0.1", "seed": s, "epoch": e + 1, "loss": loss}
                             for s, losses in enumerate(per_seed) for e, loss in enumerate(losses)])
    falls = analyse.loss_trend(runs([[1.26, 1.04, 1.0], [1.32, 0.95, 0.96], [1.39, 1.19, 1.03]]),
                               "optimizer", "sgd@0.1", BASE4)
    assert falls["outcome"] == "falls" and (falls["steps"], falls["steps_down"]) == (6, 5)
    assert falls["first"] == pytest.approx(np.mean([1.26, 1.32, 1.39]))
    assert falls["last"] == pytest.approx(np.mean([1.0, 0.96, 1.03])) and falls["epochs"] == 3
    rises = analyse.loss_trend(runs([[1.0, 2.0], [1.0, 1.5]]), "optimizer", "sgd@0.1", BASE4)
    assert rises["outcome"] == "rises" and rises["seeds_falling"] == 0
    mixed = analyse.loss_trend(runs([[1.0, 0.5], [1.0, 1.5]]), "optimizer", "sgd@0.1", BASE4)
    assert mixed["outcome"] == "mixed" and mixed["seeds_falling"] == 1
    assert analyse.loss_trend(runs([[1.0], [1.1]]), "optimizer", "sgd@0.1", BASE4) is None


def test_the_conclusion_groups_the_parameters_by_their_two_outcomes():
    outcomes = {"a": ("yes", "yes"), "b": ("yes", "unknown"), "c": ("yes", "yes"), "d": ("unknown", "yes"),
                "e": ("no", "no")}
    study = {p: {"name": p.upper(), "acc_effect": {"outcome": acc}, "time_effect": {"outcome": t}}
             for p, (acc, t) in outcomes.items()}
    groups = analyse.conclusion(study, ["c", "b", "a", "d", "e"])
    assert [(g["key"], g["names"]) for g in groups] == [
        ("yes/yes", ["C", "A"]), ("yes/unknown", ["B"]), ("unknown/yes", ["D"]), ("no/no", ["E"])]


def test_an_integer_parameter_gets_integer_ticks(tmp_path, monkeypatch):
    from kadai import figures as kfig
    from kadai.io import write_json
    from kadai.kadai4 import figures

    rows = [{"value": str(v), "label": str(v), "acc": 0.9, "acc_sd": 0.01, "time": 0.5 + 0.1 * v,
             "time_lo": 0.4, "time_hi": 0.9} for v in (1, 2, 3, 4)]
    write_json(tmp_path / "f.json", {"study": {"layers": {"name": "中間層の数", "numeric": True, "rows": rows}}})
    drawn = {}
    monkeypatch.setattr(kfig, "save", lambda fig, out, caption="": drawn.setdefault("fig", fig))
    figures.draw_param("layers", {"findings": tmp_path / "f.json"}, {}, tmp_path / "x.svg")
    for ax in drawn["fig"].get_axes():
        assert list(ax.get_xticks()) == [1, 2, 3, 4]
        assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3", "4"]


def test_every_glyph_fills_the_same_box_whatever_size_it_was_drawn_at():
    """The report says the drawn size (size_min–size_max) does not survive: the glyph's longer side
    is always context.GLYPH_BOX pixels."""
    from kadai.kadai4 import context

    font = dataset.font_files()[0]
    for size in (10, 40):
        aug = {**CFG["augment"], "size_min": size, "size_max": size, "rotate_deg": 0, "shift_px": 0,
               "noise_std": 0, "stroke_max": 0}
        img = dataset.render_digit(8, font, np.random.default_rng(0), aug)
        rows, cols = np.nonzero(img)
        assert max(np.ptp(rows) + 1, np.ptp(cols) + 1) == context.GLYPH_BOX, size


def test_the_largest_batch_is_named_only_where_it_is_the_least_accurate():
    rows = [{"value": v} for v in ("16", "64", "256", "1024")]
    assert analyse.fewest_updates_least_accurate({"rows": rows, "worst": {"value": "1024"}}, BASE4) == {
        "largest_batch": "1024", "fewest_least_accurate": True}
    assert not analyse.fewest_updates_least_accurate({"rows": rows, "worst": {"value": "256"}},
                                                     BASE4)["fewest_least_accurate"]
    assert not analyse.fewest_updates_least_accurate({"rows": rows, "worst": {"value": "1024"}},
                                                     {**BASE4, "batch_size": 1024})["fewest_least_accurate"]


def test_an_interval_beyond_the_possible_differences_is_not_printed_as_numbers():
    from kadai.kadai4 import context, figures

    accs = {"4": [0.18, 0.41, 0.55], "16": [0.78, 0.785, 0.775], "64": [0.90, 0.905, 0.895]}
    st = _hidden_study(accs)
    big = st["acc_largest"]
    assert big["b"] == "4" and big["lo"] < -1 and big["wide"]  # a t interval from 3 scattered seeds: below −100
    assert not st["acc_effect"]["numbers"]["wide"]  # the deciding pair (16) stays within ±100 points
    row = context.effects_table({"hidden": st}, ["hidden"])["rows"][0]
    assert row[1].endswith("（区間は使えない）") and "−1" not in row[1].split("（")[1]
    # the figure's interval stops at the largest possible difference (100 points ÷ 0.5-point threshold)
    est, low, high = figures.strength_bar(big, analyse.ACC_RANGE)
    assert low == 0.0 and high == pytest.approx(analyse.ACC_RANGE / analyse.ACC_EFFECT)
    assert figures.strength_bar(big)[2] > high  # without the limit it would reach beyond
    assert not analyse.beyond_range({"lo": -0.3, "hi": 0.2}, 1.0) and analyse.beyond_range({"lo": -0.3, "hi": 1.2}, 1.0)
    assert not analyse.beyond_range({"lo": -3.0, "hi": 2.0}, None)  # times: no limit


def _bounded(lower, upper, estimate=None):
    return {"name": "?", "acc_bounds": {"lower": lower, "upper": upper},
            "acc_largest": {"estimate": estimate if estimate is not None else upper, "min_effect": 0.005}}


def test_an_undecided_effect_wholly_on_one_side_of_zero_has_a_sure_direction():
    def eff(outcome, lo, hi, wide=False):
        return {"outcome": outcome, "numbers": {"lo": lo, "hi": hi, "wide": wide}}
    assert analyse.side_of_zero(eff("unknown", -0.0236, -0.00343)) == "down"  # MSE below CE, by ≥ 0.34 points
    assert analyse.side_of_zero(eff("unknown", 0.002, 0.009)) == "up"
    assert analyse.side_of_zero(eff("unknown", -0.01, 0.004)) is None      # holds 0
    assert analyse.side_of_zero(eff("yes", -0.03, -0.01)) is None          # decided: says so itself
    assert analyse.side_of_zero(eff("unknown", -2.0, -0.1, wide=True)) is None  # beyond ±100 points: bounds nothing
    assert analyse.side_of_zero(eff("unknown", None, None)) is None


def test_parameters_are_ranked_only_where_their_intervals_part():
    # the report's case: batch 19.1–23.9, optimizer 14.0–28.9 points overlap; nodes at least 9.4, at most 100
    study = {"hidden": _bounded(0.094, 1.0, 0.519), "batch": _bounded(0.191, 0.239, 0.215),
             "optimizer": _bounded(0.140, 0.289, 0.215), "activation": _bounded(0.0497, 0.097),
             "loss": _bounded(0.0069, 0.0387), "layers": _bounded(0.0, 0.055)}
    ranking = analyse.rank(study)
    assert ranking == ["batch", "optimizer", "hidden", "activation", "loss", "layers"]  # by the sure size
    order = analyse.dominance(study, ranking)
    assert [(g["params"], g["below"]) for g in order["groups"]] == [
        (["batch", "optimizer"], ["activation", "loss", "layers"]),  # 14.0 > 9.7, but batch vs optimizer: open
        (["hidden"], ["loss", "layers"]),  # 9.4 is not above activation's 9.7
        (["activation"], ["loss"])]
    assert order["undecided"]
    # intervals that part everywhere order every pair
    apart = {"a": _bounded(0.3, 0.4), "b": _bounded(0.2, 0.25), "c": _bounded(0.0, 0.1)}
    full = analyse.dominance(apart, analyse.rank(apart))
    assert not full["undecided"] and full["groups"][0] == {"params": ["a"], "below": ["b", "c"]}
    # a lower bound above the other's upper one by less than the 0.5 points that count: not ordered
    close = {"o": _bounded(0.20529, 0.277), "e": _bounded(0.178, 0.20516)}
    assert analyse.dominance(close, analyse.rank(close))["groups"] == []
    assert analyse.dominance({**close, "e": _bounded(0.178, 0.2002)}, ["o", "e"])["groups"][0]["below"] == ["e"]
    # equal lower bounds: the larger estimate first
    tied = {"x": _bounded(0.0, 0.1, 0.02), "y": _bounded(0.0, 0.1, 0.05)}
    assert analyse.rank(tied) == ["y", "x"] and analyse.dominance(tied, ["y", "x"])["groups"] == []


def test_the_sure_size_of_an_effect_comes_from_every_pairs_interval():
    pairs = [{"b": "4", "b_label": "4", "lo": -1.34, "hi": 0.30},
             {"b": "16", "b_label": "16", "lo": -0.143, "hi": -0.094},
             {"b": "256", "b_label": "256", "lo": 0.02, "hi": 0.07}]
    b = analyse.bounds(pairs, analyse.ACC_RANGE)
    assert (b["lower"], b["by"]) == (pytest.approx(0.094), "16") and b["upper"] == 1.0  # cut at 100 points
    none = analyse.bounds([{"b": "3", "b_label": "3", "lo": -0.007, "hi": 0.041}], 1.0)
    assert none["lower"] == 0.0 and none["by"] is None and none["upper"] == pytest.approx(0.041)
    assert analyse.bounds([], 1.0) == {"lower": 0.0, "upper": 1.0, "by": None, "by_label": None}


def test_the_effects_figure_follows_the_tables_order(tmp_path, monkeypatch):
    from kadai import figures as kfig
    from kadai.io import write_json
    from kadai.kadai4 import figures

    def st(name, est):
        pair = {"estimate": est, "lo": est * 0.8, "hi": est * 1.2, "min_effect": 0.005}
        return {"name": name, "acc_shown": pair, "time_shown": {**pair, "min_effect": 0.1}}
    write_json(tmp_path / "f.json", {"study": {"a": st("A", 0.01), "b": st("B", 0.2), "c": st("C", 0.05)},
                                     "ranking": ["b", "c", "a"]})
    drawn = {}
    monkeypatch.setattr(kfig, "save", lambda fig, out, caption="": drawn.setdefault("fig", fig))
    figures.draw_effects({"findings": tmp_path / "f.json"}, {}, tmp_path / "x.svg")
    (ax,) = drawn["fig"].get_axes()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["B", "C", "A"]


def test_a_scattered_seeds_accuracy_is_set_against_how_far_its_loss_fell():
    accs = {"4": [0.182, 0.4145, 0.5515], "16": [0.78, 0.785, 0.775], "64": [0.90, 0.905, 0.895]}
    losses = {"4": [(2.25, 1.97), (2.24, 1.67), (1.98, 1.32)], "16": [(1.6, 0.6)] * 3, "64": [(1.4, 0.32)] * 3}
    (sv,) = _hidden_study(accs, losses)["spread"]
    ln = sv["learning"]
    assert ln["seed"] == 0 and ln["agrees"] and ln["below_others"]
    assert ln["fall"] == pytest.approx((2.25 - 1.97) / 2.25)
    assert (ln["rest_lo"], ln["rest_hi"]) == (pytest.approx(0.57 / 2.24), pytest.approx(0.66 / 1.98))
    assert ln["others_min"] == pytest.approx(1.0 / 1.6)
    # the least accurate seed's loss fell most: the logs do not explain the spread
    other = {**losses, "4": [(2.25, 1.0), (2.24, 1.67), (1.98, 1.32)]}
    (sv,) = _hidden_study(accs, other)["spread"]
    assert not sv["learning"]["agrees"]


def _optimizer_runs(per_setting: dict):
    """Training losses per epoch, one list per seed, for every optimiser setting (adam@0.001 = baseline)."""
    import pandas as pd

    return pd.DataFrame([{"param": "baseline" if v == "adam@0.001" else "optimizer",
                          "value": "base" if v == "adam@0.001" else v, "seed": s, "epoch": e + 1, "loss": loss}
                         for v, seeds in per_setting.items() for s, losses in enumerate(seeds)
                         for e, loss in enumerate(losses)])


def test_the_least_accurate_optimisers_final_loss_is_compared_with_the_others():
    values = ["adam@0.001", "adam@0.01", "sgd@0.01", "sgd@0.1"]
    logs = {"adam@0.001": [[1.36, 0.42, 0.32], [1.41, 0.42, 0.32], [1.39, 0.44, 0.34]],
            "adam@0.01": [[1.10, 0.22, 0.16], [1.08, 0.22, 0.18], [1.12, 0.22, 0.20]],
            "sgd@0.01": [[1.31, 0.27, 0.19], [1.38, 0.27, 0.22], [1.38, 0.26, 0.20]],
            "sgd@0.1": [[1.26, 0.98, 0.96], [1.32, 0.90, 0.84], [1.39, 0.97, 0.95]]}
    fl = analyse.final_losses(_optimizer_runs(logs), "optimizer", values, "sgd@0.1", BASE4)
    assert fl["higher"] and fl["flatter"] and fl["consistent"]  # levels off far above the others: overshoot fits
    assert fl["closest"] == "adam@0.001" and fl["ratio"] == pytest.approx(np.mean([0.96, 0.84, 0.95]) /
                                                                           np.mean([0.32, 0.32, 0.34]))
    assert (fl["others_lo"], fl["others_hi"]) == (pytest.approx(0.18), pytest.approx(np.mean([0.32, 0.32, 0.34])))
    # still falling fast at the end, though higher: not what a too-large rate predicts
    slow = {**logs, "sgd@0.1": [[2.0, 1.5, 0.9], [2.0, 1.4, 0.8], [2.1, 1.5, 0.9]]}
    fl = analyse.final_losses(_optimizer_runs(slow), "optimizer", values, "sgd@0.1", BASE4)
    assert fl["higher"] and not fl["flatter"] and not fl["consistent"]
    # one seed ends below another setting's seed: not higher in every seed
    mixed = {**logs, "sgd@0.1": [[1.26, 0.98, 0.96], [1.32, 0.31, 0.30], [1.39, 0.97, 0.95]]}
    assert not analyse.final_losses(_optimizer_runs(mixed), "optimizer", values, "sgd@0.1", BASE4)["higher"]
    one = {v: [[x[0]] for x in seeds] for v, seeds in logs.items()}
    assert analyse.final_losses(_optimizer_runs(one), "optimizer", values, "sgd@0.1", BASE4) is None


def test_the_most_accurate_optimisers_final_loss_is_compared_with_the_baselines_seed_by_seed():
    logs = {"adam@0.001": [[1.36, 0.42, 0.32], [1.41, 0.42, 0.32], [1.39, 0.44, 0.34]],
            "sgd@0.01": [[1.31, 0.27, 0.19], [1.38, 0.27, 0.22], [1.38, 0.26, 0.20]]}
    bl = analyse.best_loss(_optimizer_runs(logs), "optimizer", "sgd@0.01", BASE4)
    assert bl["last"] == pytest.approx(np.mean([0.19, 0.22, 0.20]))
    assert bl["base_last"] == pytest.approx(np.mean([0.32, 0.32, 0.34]))
    assert bl["below"] and bl["all_lower"] and (bl["lower"], bl["seeds"], bl["epochs"]) == (3, 3, 3)
    # lower on average, but one seed ends above the baseline's same seed: not every seed
    one_above = {**logs, "sgd@0.01": [[1.31, 0.27, 0.19], [1.38, 0.27, 0.40], [1.38, 0.26, 0.20]]}
    bl = analyse.best_loss(_optimizer_runs(one_above), "optimizer", "sgd@0.01", BASE4)
    assert bl["below"] and not bl["all_lower"] and bl["lower"] == 2
    assert analyse.best_loss(_optimizer_runs(logs), "optimizer", "adam@0.001", BASE4) is None  # the baseline itself


def test_the_least_accurate_rate_is_set_against_the_same_optimiser_at_a_smaller_rate():
    values = ["adam@0.001", "adam@0.01", "sgd@0.01", "sgd@0.1"]
    logs = {"adam@0.001": [[1.36, 0.42, 0.32], [1.41, 0.42, 0.32]],
            "sgd@0.01": [[1.31, 0.27, 0.19], [1.38, 0.27, 0.22]],
            "sgd@0.1": [[1.26, 0.98, 0.96], [1.32, 0.90, 0.84]]}
    sr = analyse.smaller_rate(_optimizer_runs(logs), values, "sgd@0.1", BASE4)
    assert (sr["value"], sr["name"], sr["factor"]) == ("sgd@0.01", "sgd", pytest.approx(10))
    assert sr["all_lower"] and (sr["lower"], sr["seeds"]) == (2, 2) and sr["last"] == pytest.approx(0.205)
    # one seed of the smaller rate ends higher: the rate is not shown to be what keeps the loss up
    up = {**logs, "sgd@0.01": [[1.31, 0.27, 0.19], [1.38, 0.97, 0.90]]}
    assert not analyse.smaller_rate(_optimizer_runs(up), values, "sgd@0.1", BASE4)["all_lower"]
    # the nearest smaller rate of the same optimiser; none for the smallest one, or for another name
    many = {**logs, "sgd@0.03": [[1.3, 0.5, 0.4], [1.3, 0.5, 0.4]]}
    assert analyse.smaller_rate(_optimizer_runs(many), [*values, "sgd@0.03"], "sgd@0.1", BASE4)["value"] == "sgd@0.03"
    assert analyse.smaller_rate(_optimizer_runs(logs), values, "sgd@0.01", BASE4) is None
    assert analyse.smaller_rate(_optimizer_runs(logs), ["adam@0.001", "sgd@0.1"], "sgd@0.1", BASE4) is None


def test_the_gradient_scale_explanation_is_offered_only_for_an_optimiser_without_per_parameter_scaling():
    assert analyse.scale_free("adam@0.001") and analyse.scale_free("adam")
    assert not analyse.scale_free("sgd@0.1") and not analyse.scale_free("sgd")


def test_the_most_accurate_setting_is_compared_with_the_baseline():
    # the best (256) is 2.5 points above the baseline in consistent seeds: beyond the threshold
    st = _hidden_study({"4": [0.60, 0.61, 0.59], "64": [0.90, 0.905, 0.895], "256": [0.925, 0.93, 0.92]})
    bv = st["best_vs_base"]
    assert bv["b"] == "256" and bv["outcome"] == "yes" and bv["direction"] == "up"
    assert bv["size"] == pytest.approx(0.025)
    # 3 points above in scattered seeds: cannot tell (the report's sgd@0.01 against adam@0.001)
    st = _hidden_study({"4": [0.60, 0.61, 0.59], "16": [0.89, 0.90, 0.88], "64": [0.9005, 0.9095, 0.894],
                        "256": [0.9395, 0.927, 0.926]})
    assert st["best_vs_base"]["outcome"] == "unknown" and st["best_vs_base"]["lo"] < analyse.ACC_EFFECT
    # the baseline is the best: nothing to compare
    assert _hidden_study({"4": [0.60, 0.61, 0.59], "64": [0.90, 0.905, 0.895]})["best_vs_base"] is None
    # the best is the pair the verdict sentence already names
    st = _hidden_study({"64": [0.90, 0.905, 0.895], "256": [0.95, 0.955, 0.945]})
    assert st["acc_effect"]["numbers"]["b"] == "256" and st["best_vs_base"] is None


def test_the_setting_tables_sd_and_interval_carry_their_units():
    from kadai import tables
    from kadai.kadai4 import context

    st = {"name": "中間層のノード数", "rows": [
        {"label": "64", "params": 50890, "acc": 0.901, "acc_sd": 0.00778, "time": 0.568, "time_lo": 0.397,
         "time_hi": 0.594},
        {"label": "4", "params": 3190, "acc": 0.383, "acc_sd": 0.187, "time": 0.285, "time_lo": 0.259,
         "time_hi": 0.331}]}
    md = tables.md_table(context.setting_table(st))
    head, _, first, second = md.splitlines()
    assert "標準偏差 [ポイント]" in head and "時間の 95 % 区間 [s]" in head and "精度 [%]" in head.split("標準偏差")[0]
    assert first.split(" | ")[3:] == ["0.78", "0.568", "0.397〜0.594 |"]  # sd to 2 figures, no unit in the cell
    assert second.split(" | ")[3] == "19"


@pytest.mark.parametrize("gain, base_epochs, unconverged", [(0.05, 5, True), (0.0, 5, False), (0.05, 10, False)])
def test_a_baseline_shorter_than_the_still_rising_epochs_is_unconverged(gain, base_epochs, unconverged):
    import pandas as pd
    from kadai.kadai4.analyse import plateau

    rows = [{"param": "epochs", "value": "10", "seed": s, "epoch": e, "params": 50890,
             "accuracy": 0.85 + (gain if e == 10 else 0.0) + 0.002 * s} for s in range(3) for e in (5, 10)]
    out = plateau(pd.DataFrame(rows), [1, 5, 10], {"epochs": base_epochs})
    assert (out["before"], out["last"]) == ("5", "10")
    assert out["verdict"]["outcome"] == ("yes" if gain else "no")
    assert out["baseline_unconverged"] is unconverged
    assert (out["gain"] is not None) is unconverged


@pytest.mark.parametrize("lo, hi, where", [(0.03, 0.55, "inside"), (0.16, 0.55, "below"), (0.01, 0.04, "above")])
def test_a_layer_study_compares_its_time_change_with_its_added_arithmetic(lo, hi, where):
    from kadai.kadai4.analyse import size_vs_time, time_line

    # the hidden-size study: t = 0.3 s + 2 µs per parameter exactly
    sizes = [{"value": str(h), "params": p, "time": 0.3 + 2e-6 * p}
             for h, p in zip((4, 16, 64, 128, 256), (3190, 12730, 50890, 101770, 203530))]
    line = time_line(sizes, 0.3 + 2e-6 * 50890)
    assert (line["fixed_s"], line["per_param_s"]) == pytest.approx((0.3, 2e-6))
    assert line["fixed_share"] == pytest.approx(0.3 / (0.3 + 2e-6 * 50890))
    assert time_line(sizes[:2]) is None
    st = {"rows": [{"value": "1", "params": 50890, "time": 0.4}, {"value": "4", "params": 63370, "time": 0.54}],
          "time_effect": {"reason": "exceeds"},
          "time_largest": {"a": "1", "b": "4", "a_label": "1", "b_label": "4", "estimate": 0.34, "lo": lo, "hi": hi}}
    out = size_vs_time(st, line, 470)
    assert out["param_change"] == pytest.approx(63370 / 50890 - 1)  # 24.5 %
    # predicted: 2 µs × 12480 / (0.3 + 2 µs × 50890) = 6.2 %
    assert out["predicted"] == pytest.approx(2e-6 * 12480 / (0.3 + 2e-6 * 50890))
    assert out["where"] == where
    # beyond the prediction: the excess (34 % − 6.2 %) of the 1-layer time, per added layer and update
    excess = (0.34 - out["predicted"]) * 0.4 / 3 / 470
    assert out["extra_per_layer_update_s"] == (pytest.approx(excess) if where == "below" else None)
    assert size_vs_time(st, line)["extra_per_layer_update_s"] is None  # no update count: nothing per update
    assert size_vs_time({**st, "time_effect": {"reason": "busy"}}, line) is None
    assert size_vs_time(st, None) is None


def test_the_fixed_time_is_set_against_the_cost_of_the_updates():
    line = {"fixed_s": 0.34, "fixed_lo": 0.326, "fixed_hi": 0.358}
    uc = {"per_update": 0.731e-3, "per_update_lo": 0.691e-3, "per_update_hi": 0.883e-3}
    timing = pd.DataFrame({"updates": [470, 470, 470], "status": ["ok", "ok", "outlier"]})
    fu = analyse.fixed_by_updates(line, uc, timing)
    assert fu["updates"] == 470 and fu["time"] == pytest.approx(0.731e-3 * 470)
    assert (fu["lo"], fu["hi"]) == (pytest.approx(0.691e-3 * 470), pytest.approx(0.883e-3 * 470))
    assert fu["where"] == "inside"  # 0.325–0.415 s against 0.326–0.358 s
    # updates that take less than the fixed time cannot make it up; more: not comparable
    assert analyse.fixed_by_updates({**line, "fixed_lo": 0.5, "fixed_hi": 0.6}, uc, timing)["where"] == "below"
    assert analyse.fixed_by_updates({**line, "fixed_lo": 0.2, "fixed_hi": 0.25}, uc, timing)["where"] == "above"
    assert analyse.fixed_by_updates(line, None, timing) is None
    assert analyse.fixed_by_updates(line, uc, pd.DataFrame({"updates": [470, 118], "status": ["ok", "ok"]})) is None


def test_a_time_change_is_drawn_on_the_log_scale_the_verdict_uses():
    """5 times slower (+400 %) and 5 times faster (−80 %) are equally far from the 10 % threshold
    on the log scale (16.9 each); on the plain scale they would be 40 and 8."""
    from kadai.kadai4 import figures

    slower = {"estimate": 4.0, "lo": 3.0, "hi": 5.0, "min_effect": 0.1}
    faster = {"estimate": -0.8, "lo": -0.83, "hi": -0.75, "min_effect": 0.1}
    s, f = figures.strength_bar(slower, relative=True), figures.strength_bar(faster, relative=True)
    assert s[0] == pytest.approx(f[0]) == pytest.approx(math.log(5) / math.log(1.1))
    assert s[1] == pytest.approx(math.log(4) / math.log(1.1))
    assert f[2] == pytest.approx(math.log(1 / 0.17) / math.log(1.1))
    assert figures.strength_bar(slower)[0] == pytest.approx(40) and figures.strength_bar(faster)[0] == pytest.approx(8)


def test_the_epochs_study_pairs_its_accuracies_seed_by_seed():
    """Every epoch count of the epochs study is read from one long run per seed: seeds far apart
    (±3 points) that each gain 1 point from epoch 5 to 10 decide a gain only when paired; a seed whose
    run stopped early drops out of the pairs instead of shifting them."""
    from kadai.kadai4.analyse import plateau, seed_accuracies

    offset = {0: -0.03, 1: 0.0, 2: 0.03, 3: 0.01}
    rows = [{"param": "epochs", "value": "10", "seed": s, "epoch": e, "params": 50890,
             "accuracy": 0.85 + offset[s] + (0.01 + 0.0005 * s if e == 10 else 0.0)}
            for s in range(4) for e in (5, 10) if not (s == 3 and e == 10)]  # seed 3 stopped after epoch 5
    runs = pd.DataFrame(rows)
    accs = seed_accuracies(runs, "epochs", [5, 10], {"epochs": 5})
    assert accs["5"].size == accs["10"].size == 4 and math.isnan(accs["10"][3])
    out = plateau(runs, [1, 5, 10], {"epochs": 5})
    v = out["verdict"]
    assert v["numbers"]["paired"] and v["numbers"]["groups"]["10"]["count"] == 3
    assert v["outcome"] == "yes" and v["numbers"]["lo"] > 0.005  # 1.0–1.1 points in every seed
    unpaired = analyse.verdicts.effect({k: a[np.isfinite(a)] for k, a in accs.items()}, analyse.ACC_EFFECT)
    assert unpaired.outcome == "unknown"  # the seeds' ±3 points swamp the gain without the pairing
    # other studies train each setting separately: their seeds are not paired
    assert not analyse.paired_by_seed("hidden")


def ladder_rows(accs: dict, seeds: int = 4) -> list[dict]:
    """Explanation runs: every activation ±1 point between seeds (shared: the same seed's initial
    weights), ReLU with 0.1 point of its own noise in odd seeds."""
    return [{"param": "activation", "value": value, "seed": s, "epoch": e, "params": 10,
             "accuracy": acc + 0.01 * (s - 1) + 0.001 * (s % 2) * (value == "relu")}
            for value, acc in accs.items() for s in range(seeds) for e in (1, 2)]


@pytest.mark.parametrize("forms, states, causes, against", [
    ((0.85, 0.85, 0.90), ["up", "same", "up", "same"], ["slope", "centre"], []),
    ((0.80, 0.86, 0.86), ["same", "up", "same", "up"], ["range"], []),
    ((0.78, 0.85, 0.92), ["down", "up", "up", "down"], ["range", "centre"], ["slope"]),
])
def test_the_ladder_tells_which_of_sigmoids_properties_costs_accuracy(forms, states, causes, against):
    """Sigmoid 0.80 and ReLU 0.90 in every seed, the three Sigmoid forms between at ``forms``: each
    neighbour pair is decided seed by seed, and the steps' shares of the gap add up to 1."""
    from kadai.kadai4.analyse import ladder_test
    from kadai.kadai4.labels import CENTRED, LADDER, SCALED, SLOPE4

    accs = {"sigmoid": 0.80, SLOPE4: forms[0], SCALED: forms[1], CENTRED: forms[2], "relu": 0.90}
    out = ladder_test(pd.DataFrame(ladder_rows(accs)))
    assert [s["state"] for s in out["steps"]] == states and out["rest"] == states[-1]
    assert out["causes"] == causes and out["against"] == against
    assert out["seeds"] == 4 and out["comparisons"] == 4 and out["verdict"]["numbers"]["paired"]
    assert [(s["a"], s["b"]) for s in out["steps"]] == list(zip(LADDER, LADDER[1:]))
    gap = 0.9005 - 0.80
    assert out["gap"] == pytest.approx(gap)
    assert [s["share"] for s in out["steps"]] == pytest.approx(
        [(b - a) / gap for a, b in zip([0.80, *forms], [*forms, 0.9005])])
    assert sum(s["share"] for s in out["steps"]) == pytest.approx(1.0)
    # the seeds' shared ±1 point cancels in the pairs: the Sigmoid forms' steps are exact
    assert out["steps"][1]["estimate"] == pytest.approx(forms[1] - forms[0])
    assert out["steps"][1]["lo"] == pytest.approx(out["steps"][1]["hi"])
    assert [r["acc"] for r in out["rows"]] == pytest.approx([0.805, *(f + 0.005 for f in forms), 0.9055])


def test_the_ladders_functions_have_the_properties_the_report_names():
    """Slope at 0, output range and the input where the slope halves, from b·σ(a·x) − c, against
    the activations the job trains (autograd and their values far out)."""
    import torch
    from kadai.kadai4.analyse import form_properties
    from kadai.kadai4.explain import sigmoid_form
    from kadai.kadai4.labels import SIGMOID_FORMS

    for name, form in SIGMOID_FORMS.items():
        f, p = sigmoid_form(*form), form_properties(name)
        x = torch.tensor([0.0, p["half_slope_x"]], dtype=torch.float64, requires_grad=True)
        f(x).sum().backward()
        assert x.grad[0].item() == pytest.approx(p["slope"]) and x.grad[1].item() == pytest.approx(p["slope"] / 2)
        ends = f(torch.tensor([-60.0, 60.0], dtype=torch.float64))
        assert ends.tolist() == pytest.approx([p["low"], p["high"]])
    assert SIGMOID_FORMS["sigmoid"] == (1, 1, 0) and form_properties("sigmoid")["slope"] == 0.25
    assert form_properties("relu") == {"slope": 1.0, "low": 0.0, "high": None, "half_slope_x": None}


def test_every_sigmoid_form_of_the_ladder_represents_the_same_networks():
    """What the report says: b·σ(a·x) − c is Sigmoid with the layers around it rescaled and shifted.
    A Sigmoid network of 課題4's spec, its weights mapped (z' = z/a into each activation, h = (h' + c)/b
    out of it), gives the same outputs with every form."""
    import torch
    from kadai.kadai4.explain import sigmoid_form
    from kadai.kadai4.labels import SIGMOID_FORMS
    from kadai.kadai4.settings import spec_of
    from kadai.train import models

    torch.manual_seed(0)
    spec = spec_of({"hidden": 16, "layers": 3})
    x = torch.randn(32, 1, 28, 28, dtype=torch.float64)
    ref = models.SpecNet(spec, activation="sigmoid").double()
    fcs = [n for n, _ in ref.steps if n.startswith("fc")]
    for name, (a, b, c) in SIGMOID_FORMS.items():
        models.ACTIVATIONS.setdefault(name, sigmoid_form(a, b, c))
        net = models.SpecNet(spec, activation=name).double()
        with torch.no_grad():
            for i, fc in enumerate(fcs):
                w, bias = getattr(ref, fc).weight.clone(), getattr(ref, fc).bias.clone()
                if i > 0:  # its input is an activation's output
                    w, bias = w / b, bias + (c / b) * w.sum(dim=1)
                out_scale = a if i < len(fcs) - 1 else 1  # its output enters an activation
                getattr(net, fc).weight.copy_(w / out_scale)
                getattr(net, fc).bias.copy_(bias / out_scale)
        assert torch.allclose(net(x), ref(x), rtol=1e-10, atol=1e-10), name
        if (a, b, c) != (1, 1, 0):  # the same weights unmapped: another network
            net.load_state_dict(ref.state_dict())
            assert not torch.allclose(net(x), ref(x), rtol=1e-3, atol=1e-3), name


def test_the_ladder_needs_every_activation_and_two_seeds():
    from kadai.kadai4.analyse import ladder_test
    from kadai.kadai4.labels import CENTRED, SCALED, SLOPE4

    accs = {"sigmoid": 0.80, SLOPE4: 0.85, SCALED: 0.85, CENTRED: 0.88, "relu": 0.90}
    assert ladder_test(None) is None
    assert ladder_test(pd.DataFrame(ladder_rows({k: v for k, v in accs.items() if k != CENTRED}))) is None
    thin = ladder_test(pd.DataFrame(ladder_rows(accs, seeds=1)))  # one seed: no interval
    assert [s["state"] for s in thin["steps"]] == ["unclear"] * 4 and thin["steps"][0]["lo"] is None
    assert thin["causes"] == [] and thin["rest"] == "unclear"
