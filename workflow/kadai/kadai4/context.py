"""課題4 context: the findings plus tables and the data card, everything the template reads."""

from __future__ import annotations

from .. import verdicts
from ..io import read_json, write_json
from ..tables import interval, sig, signed, spaced
from .analyse import holds_zero
from .labels import LABELS

# dataset.render_digit scales every glyph so that its longer side is this many pixels, whatever
# size it was drawn at (a test renders two sizes and checks it; the dataset module is not imported
# here so that a wording change never regenerates the data)
GLYPH_BOX = 20

EFFECT_WORDS = {"yes": "あり", "no": "なし", "unknown": "判定できない"}


def setting_table(st: dict) -> dict:
    """One row per setting: accuracy (mean over seeds, %) and its sd (percentage points, 2 figures),
    training time (median over rounds, s) and its 95 % interval (s). Short numeric headers; the
    caption says what each is."""
    return {"columns": [{"name": st["name"], "kind": "text"}, {"name": "パラメータ数", "kind": "int"},
                        {"name": "精度", "unit": "%", "kind": "percent"},
                        {"name": "標準偏差", "unit": "ポイント", "kind": "percent", "sig": 2},
                        {"name": "時間", "unit": "s", "kind": "sig"},
                        {"name": "時間の 95 % 区間", "unit": "s", "kind": "text"}],
            "rows": [[r["label"], r["params"], r["acc"], r["acc_sd"], r["time"], interval(r["time_lo"], r["time_hi"])]
                     for r in st["rows"]]}


WIDE = "区間は使えない"  # an interval beyond the possible differences (analyse.beyond_range)


def span(largest: dict, scale: float) -> str:
    """The largest difference: its setting, estimate and 95 % interval (「16 で −11.8（−14.3〜−9.40）」),
    or 「区間は使えない」 in place of an interval that reaches beyond the differences possible."""
    if largest.get("estimate") is None:
        return "—"
    ends = WIDE if largest.get("wide") else interval(scale * largest["lo"], scale * largest["hi"])
    # 「4 で −11.8（…）」「二乗誤差（one-hot）で …」
    return f"{spaced(largest['b_label'], 'で')} {sig(scale * largest['estimate'])}（{ends}）"


def verdict_cell(effect: dict, largest: dict) -> str:
    """The verdict, naming the setting that decided it where that is not the largest difference."""
    word = EFFECT_WORDS[effect["outcome"]]
    return f"{word}（{effect['numbers']['b_label']} の差による）" if largest.get("note") else word


def effects_table(study: dict, ranking: list) -> dict:
    """Per parameter: the largest difference from the baseline (setting, estimate and 95 %
    interval) and the verdict, for accuracy (percentage points) and for training time (relative
    change, %, from the rounds' paired ratios); and the size the accuracy effect surely exceeds
    (analyse.bounds, — where every interval holds 0), the order of the rows."""
    return {"columns": [{"name": "パラメータ", "kind": "text"},
                        {"name": "精度の最大の差", "unit": "ポイント", "kind": "text"},
                        {"name": "下限", "unit": "ポイント", "kind": "sig"},
                        {"name": "精度への影響", "kind": "text"},
                        {"name": "時間の最大の変化", "unit": "%", "kind": "text"},
                        {"name": "時間への影響", "kind": "text"}],
            "rows": [[st["name"], span(st["acc_largest"], 100),
                      100 * st["acc_bounds"]["lower"] if st["acc_bounds"]["lower"] > 0 else None,
                      verdict_cell(st["acc_effect"], st["acc_largest"]),
                      span(st["time_largest"], 100), verdict_cell(st["time_effect"], st["time_largest"])]
                     for p in ranking for st in [study[p]]]}


def output_range(row: dict) -> str:
    """「0〜1」「−2〜2」, or 「0 以上」 where the outputs are unbounded above (ReLU)."""
    low = signed(f"{row['low']:g}")
    return f"{low} 以上" if row["high"] is None else f"{low}〜{signed(format(row['high'], 'g'))}"


def ladder_table(ladder: dict | None) -> dict | None:
    """The explanation experiment's ladder (analyse.ladder_test), one row per activation: its slope
    at 0, output range, mean accuracy (%), the change from the row above (percentage points, its
    Bonferroni 95 % interval) and the part of the ReLU − Sigmoid gap that change makes (%). Short
    headers; the caption says what 傾き, 差 and 割合 are."""
    if not ladder:
        return None
    steps = [None, *ladder["steps"]]
    return {"columns": [{"name": "活性化関数", "kind": "text"}, {"name": "傾き", "unit": "-", "kind": "sig"},
                        {"name": "出力の範囲", "kind": "text"}, {"name": "精度", "unit": "%", "kind": "percent"},
                        {"name": "差", "unit": "ポイント", "kind": "sig"},
                        {"name": "95 % 区間", "unit": "ポイント", "kind": "text"},
                        {"name": "割合", "unit": "%", "kind": "percent", "sig": 2}],
            "rows": [[r["label"], r["slope"], output_range(r), r["acc"],
                      100 * st["estimate"] if st else None,
                      interval(100 * st["lo"], 100 * st["hi"]) if st and st["lo"] is not None else "—",
                      st["share"] if st else None]
                     for r, st in zip(ladder["rows"], steps)]}


def run(inputs: dict, settings: dict, out_json) -> dict:
    findings = read_json(inputs["findings"])
    cfg = settings["kadai4"]
    card = read_json(inputs["card"]) if not cfg["csv"] else None
    fonts = None
    if card:
        fonts = {"columns": [{"name": "フォント", "kind": "text"}, {"name": "使用枚数", "kind": "int"}],
                 "rows": [[f, n] for f, n in zip(card["fonts"], card["font_use"])]}
    ctx = {**findings, "cfg": cfg, "timing": settings["timing"],
           "rounds_interval": verdicts.rounds_interval(cfg["timing_rounds"]),
           # the effects figure marks an interval that holds 0 (▼): its caption explains the mark only then
           "effects_hold_zero": any(holds_zero(st[k]) for st in findings["study"].values()
                                    for k in ("acc_shown", "time_shown")),
           "card": card, "fonts_table": fonts,
           "tables": {p: setting_table(st) for p, st in findings["study"].items()},
           "effects": effects_table(findings["study"], findings["ranking"]),
           "ladder": ladder_table((findings["contrasts"]["activation"] or {}).get("ladder")),
           "effects_wide": any(st["acc_largest"].get("wide") for st in findings["study"].values()),
           "wide_word": WIDE,
           "bl_labels": {k: LABELS.get(str(v), str(v)) for k, v in cfg["baseline"].items()},
           "glyph_box": GLYPH_BOX}
    write_json(out_json, ctx)
    return ctx
