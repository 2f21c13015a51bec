"""Significant figures and Markdown tables."""
import re

import pytest
from kadai import rubric, tables


@pytest.mark.parametrize("x,n,expected", [
    (6.97910, 3, "6.98"), (24.545112, 3, "24.5"), (24.545112, 4, "24.55"), (0.05, 3, "0.0500"),
    (9.996, 3, "10.0"), (123456, 3, "123000"), (0.000123456, 3, "0.000123"),
    (1.23456e-5, 3, "1.23×10^−5^"), (-2.5, 2, "−2.5"), (-1234.5, 2, "−1200"), (0, 3, "0.00"), (float("nan"), 3, "—"),
])
def test_sig(x, n, expected):
    assert tables.sig(x, n) == expected


def test_pm_rounds_value_to_the_error():
    assert tables.pm(2.98765, 0.0312) == "2.988 ± 0.031"
    assert tables.pm(2.98765, 0.31) == "2.99 ± 0.31"
    assert tables.pm(-2.98765, 0.31) == "−2.99 ± 0.31"


def test_md_table_units_alignment_and_sig_figs():
    t = {"columns": [{"name": "N", "kind": "int"}, {"name": "numpy", "unit": "s", "kind": "sig"},
                     {"name": "実装", "kind": "text"}],
         "rows": [[5000, 6.97910, "a"], [10000, 24.545112, "b"]]}
    md = tables.md_table(t, 3).splitlines()
    assert md[0] == "| N | numpy [s] | 実装 |"
    assert re.fullmatch(r"\|-{3,}:\|-{3,}:\|:-{3,}\|", md[1])
    assert md[2] == "| 5000 | 6.98 | a |"
    assert md[3] == "| 10000 | 24.5 | b |"


def test_a_column_is_written_in_one_form_powers_of_ten_throughout_where_any_needs_them():
    t = {"columns": [{"name": "N", "kind": "int"}, {"name": "a", "unit": "s", "kind": "sig"},
                     {"name": "b", "unit": "s", "kind": "sig"}, {"name": "c", "unit": "s", "kind": "sig", "sig": 2}],
         "rows": [[8, 1.7449e-5, 0.5, 2.5e-5], [16, {"value": 0.000111, "mark": "*"}, 0.0123, None],
                  [512, 4.0123, 6.98, 9.96e-5]]}
    rows = [line.split(" | ")[1:] for line in tables.md_table(t, 3).splitlines()[2:]]
    # a: 1.74×10^−5^ above 0.000111 in sig's own forms; written alike, 4.01 included
    assert [r[0] for r in rows] == ["1.74×10^−5^", "1.11×10^−4^*", "4.01×10^0^"]
    assert [r[1] for r in rows] == ["0.500", "0.0123", "6.98"]  # b: no power of ten needed, none written
    # c: every number needs one (2 figures; 9.96e-5 rounds into the next decade); — stays —
    assert [r[2].rstrip(" |") for r in rows] == ["2.5×10^−5^", "—", "1.0×10^−4^"]
    assert all(rubric.sig_digits(r[0].rstrip("*")) == 3 for r in rows)


@pytest.mark.parametrize("value, text", [(3.011, "3.01"), (0.05, "0.05"), (-0.123, "−0.12"), (19.92, "19.9"),
                                         (9.996, "10.0"), (123.4, "123"), (-45.67, "−45.7")])
def test_fixed2_keeps_two_decimals_but_never_more_digits_than_the_table_allows(value, text):
    assert tables.cell(value, "fixed2", 3) == text
    assert (rubric.sig_digits(text) or 0) <= 3


def test_unknown_column_kind_is_an_error():
    with pytest.raises(ValueError):
        tables.md_table({"columns": [{"name": "x", "kind": "float"}], "rows": []})


def test_an_interval_shows_its_width():
    from kadai.tables import interval

    assert interval(2.0770, 2.0844) == "2.077〜2.084"  # 3 figures would print 2.08〜2.08
    assert interval(3.05, 3.13) == "3.05〜3.13"
    assert interval(16.8, 29.8) == "16.8〜29.8"
    assert interval(None, 1.0) == "—〜1.00"


def test_cache_sizes_print_in_their_binary_unit():
    exact = [tables.size(b, None) for b in (49152, 2097152, 503316480, 1572864)]
    assert exact == ["48 KiB", "2 MiB", "480 MiB", "1.5 MiB"]
    # a measured size: significant figures in the unit that keeps it in [1, 1024)
    assert [tables.size(b) for b in (393216, 1.5 * 2**20, 5.67 * 2**20, 100, float("nan"))] == \
        ["384 KiB", "1.50 MiB", "5.67 MiB", "100 B", "—"]
    # … and below 1000 as printed: 課題1's B at N = 181 (≈ 32 bytes per float) is 1.00 MiB, not 1020 KiB
    assert [tables.size(b) for b in (1048352, 1023 * 2**10, 999 * 2**10)] == ["1.00 MiB", "0.999 MiB", "999 KiB"]


def test_regime_table_prints_a_narrow_interval_and_names_stubs_and_transitions():
    rel = {"regimes": [{"n_first": 16, "n_last": 2048, "n_points": 29, "k": 2.083, "k_halfwidth": 0.0043,
                        "verdict": {"outcome": "yes"}}],
           "transitions": [{"n_first": 8, "n_last": 16, "n_points": 3, "k": 1.5, "k_halfwidth": 0.2, "edge": True},
                           {"n_first": 2048, "n_last": 2896, "n_points": 3, "k": 4.3, "k_halfwidth": 0.16,
                            "edge": False}]}
    lines = tables.md_table(tables.regimes({"NumPy": rel})).splitlines()[2:]
    assert [line.split(" | ")[-1].rstrip(" |") for line in lines] == ["端（点が少ない）", "一致", "遷移域"]
    assert " 0.0043 " in lines[1]  # not "0.00": a narrow interval is not a zero one


def test_latin_words_are_spaced_from_japanese_letters_only():
    assert tables.spaced("小さい", tables.spaced("i-k-j", "と", "ブロック化版")) == "小さい i-k-j とブロック化版"
    assert tables.spaced("基準の", "4", "より") == "基準の 4 より"
    assert tables.spaced("二乗誤差（", "one-hot", "）で") == "二乗誤差（one-hot）で"
    assert tables.spaced("に対する", "-O3 の ikj", "の") == "に対する -O3 の ikj の"
    assert tables.spaced("ReLU", "、", "Sigmoid") == "ReLU、Sigmoid"
    assert tables.spaced("ソフトマックス", "ー") == "ソフトマックスー"
    assert tables.pad("Adam") == " Adam " and tables.pad("Adam", lead=False) == "Adam "
    assert tables.pad("二乗誤差（one-hot）") == "二乗誤差（one-hot）" and tables.pad("4") == " 4 "


def test_a_minimum_seen_once_is_marked_in_the_size_table():
    import pandas as pd

    summary = pd.DataFrame({"implementation": ["numpy", "numpy", "torch"], "N": [4096, 5793, 4096],
                            "time": [0.98, 1.82, 0.60]})
    t = tables.by_size(summary, ["numpy", "torch"], [("time", "{}", "s")], {"numpy": "NumPy", "torch": "PyTorch"},
                       unconfirmed=[("numpy", 5793)])
    assert t["marked"] == 1
    text = tables.md_table(t)
    assert "| 5793 | 1.82* | — |" in text and "| 4096 | 0.980 | 0.600 |" in text
    assert tables.by_size(summary, ["numpy"], [("time", "{}", "s")], {"numpy": "NumPy"})["marked"] == 0


def test_kadai3_model_tables_fit_six_columns_with_mean_sd_and_interval_in_one_cell():
    """課題3's model tables: accuracy as mean ± sd (the mean to the sd's decimal, as the text writes
    it), time as median（95 % interval）, and those text cells right-aligned like numbers."""
    from kadai.kadai3.context import model_table, pairs_table

    rows = [{"kind": "fc", "model": "fc8", "params": 6370, "macs": 6370, "acc": 0.85187, "acc_sd": 0.00095,
             "time": 0.6187, "time_lo": 0.549, "time_hi": 0.767},
            {"kind": "fc", "model": "fc16", "params": 12730, "macs": 12730, "acc": 0.8612, "acc_sd": None,
             "time": 0.689, "time_lo": 0.617, "time_hi": 0.920}]
    t = model_table(rows, "fc", {"fc8": {"outcome": "no"}})
    assert len(t["columns"]) == 6
    assert t["rows"][0][3:] == ["85.187 ± 0.095", "0.619（0.549〜0.767）", "保たない"]
    assert t["rows"][1][3] == "86.1"  # no sd: the mean alone, 3 figures
    assert tables.md_table(t).splitlines()[1] == "|:---|---:|---:|---:|---:|:---|"
    pairs = pairs_table({"pairs": [{"cnn": "conv8-conv8-fc128", "params_cnn": 591906, "fc": "fc512",
                                    "params_fc": 407050, "diff": 0.0271, "lo": 0.0183, "hi": 0.0352,
                                    "higher": "cnn"}], "pair_confidence": 0.992})
    assert pairs["rows"][0][4:] == ["2.7（1.8〜3.5）", "畳み込み"]
    larger = pairs_table({"pairs": [{"cnn": "conv8-conv8-fc128", "params_cnn": 591906, "fc": "fc512",
                                     "params_fc": 407050, "diff": 0.0271, "lo": 0.0183, "hi": 0.0352,
                                     "higher": "cnn", "larger_won": True}], "pair_confidence": 0.992})
    assert larger["rows"][0][5] == "畳み込み（パラメータも多い）"


def test_an_estimate_is_printed_to_the_figures_of_its_interval():
    assert tables.interval(1.5962, 1.5991) == "1.596〜1.599"
    assert tables.estimate(1.5973, 1.5962, 1.5991) == "1.597"
    assert tables.estimate(1.35, 1.08, 1.65) == "1.35"


def test_the_model_table_has_a_range_column_only_where_ranges_are_given():
    from kadai import tables
    c = {"models": [{"label": "2 次多項式", "train_rel_rmse": 0.01, "holdout_rel_rmse": 0.2},
                    {"label": "3 次多項式", "skipped": "too few"}]}
    plain = tables.models({"NumPy": c, "PyTorch": None})
    assert [col["name"] for col in plain["columns"]] == ["実装", "モデル", "学習点の相対誤差", "検証点の相対誤差"]
    assert plain["rows"] == [["NumPy", "2 次多項式", 0.01, 0.2]]
    ranged = tables.models({"NumPy": c}, {"NumPy": (256, 4096)}, "系列")
    assert ranged["rows"] == [["NumPy", "256〜4096", "2 次多項式", 0.01, 0.2]]
    assert ranged["columns"][0]["name"] == "系列"
