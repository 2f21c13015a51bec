"""課題4 context: the findings plus tables and the data card, everything the template reads."""

from __future__ import annotations

from ..io import read_json, write_json
from ..tables import sig

EFFECT_WORDS = {"yes": "あり", "no": "なし", "unknown": "判定できない"}


def setting_table(st: dict) -> dict:
    return {"columns": [{"name": st["name"], "kind": "text"}, {"name": "パラメータ数", "kind": "int"},
                        {"name": "テスト精度", "unit": "%", "kind": "percent"},
                        {"name": "精度の標準偏差", "unit": "%", "kind": "percent"},
                        {"name": "学習時間（中央値）", "unit": "s", "kind": "sig"},
                        {"name": "その 95 % 区間", "kind": "text"}],
            "rows": [[r["label"], r["params"], r["acc"], r["acc_sd"], r["time"],
                      f"{sig(r['time_lo'])}〜{sig(r['time_hi'])} s"] for r in st["rows"]]}


def span(e: dict, scale: float) -> str:
    n = e["numbers"]
    if n.get("estimate") is None:
        return "—"
    return f"{sig(scale * n['estimate'])}（{sig(scale * n['lo'])}〜{sig(scale * n['hi'])}）"


def effects_table(study: dict, ranking: list, thresholds: dict) -> dict:
    """Per parameter: the largest difference (estimate and 95 % interval) and the verdict, for
    accuracy (percentage points) and for training time (relative change, %)."""
    return {"columns": [{"name": "パラメータ", "kind": "text"},
                        {"name": "精度の最大の差（95 % 区間）[ポイント]", "kind": "text"},
                        {"name": "精度への影響", "kind": "text"},
                        {"name": "時間の最大の変化（95 % 区間）[%]", "kind": "text"},
                        {"name": "時間への影響", "kind": "text"}],
            "rows": [[study[p]["name"], span(a, 100), EFFECT_WORDS[a["outcome"]], span(t, 100),
                      EFFECT_WORDS[t["outcome"]]]
                     for p in ranking for a, t in [(study[p]["acc_effect"], study[p]["time_effect"])]]}


def run(inputs: dict, settings: dict, out_json) -> dict:
    findings = read_json(inputs["findings"])
    cfg = settings["kadai4"]
    card = read_json(inputs["card"]) if not cfg["csv"] else None
    fonts = None
    if card:
        fonts = {"columns": [{"name": "フォント", "kind": "text"}, {"name": "使用枚数", "kind": "int"}],
                 "rows": [[f, n] for f, n in zip(card["fonts"], card["font_use"])]}
    ctx = {**findings, "cfg": cfg, "timing": settings["timing"], "card": card, "fonts_table": fonts,
           "tables": {p: setting_table(st) for p, st in findings["study"].items()},
           "effects": effects_table(findings["study"], findings["ranking"], findings["thresholds"])}
    write_json(out_json, ctx)
    return ctx
