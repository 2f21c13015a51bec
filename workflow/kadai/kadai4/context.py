"""課題4 context: the findings plus tables and the data card, everything the template reads."""

from __future__ import annotations

from ..io import read_json, write_json


def setting_table(st: dict) -> dict:
    return {"columns": [{"name": st["name"], "kind": "text"}, {"name": "パラメータ数", "kind": "int"},
                        {"name": "テスト精度", "unit": "%", "kind": "percent"},
                        {"name": "精度の標準偏差", "unit": "%", "kind": "percent"},
                        {"name": "学習時間", "unit": "s", "kind": "sig"},
                        {"name": "時間の標準偏差", "unit": "s", "kind": "sig"}],
            "rows": [[r["label"], r["params"], r["acc"], r["acc_sd"], r["time"], r["time_sd"]] for r in st["rows"]]}


def effects_table(study: dict, ranking: list) -> dict:
    def word(e):
        return "あり" if e["has_effect"] else "なし"
    return {"columns": [{"name": "パラメータ", "kind": "text"},
                        {"name": "精度の平均の範囲", "unit": "ポイント", "kind": "percent"},
                        {"name": "精度の閾値", "unit": "ポイント", "kind": "percent"},
                        {"name": "精度への影響", "kind": "text"},
                        {"name": "時間の平均の範囲", "unit": "s", "kind": "sig"},
                        {"name": "時間の閾値", "unit": "s", "kind": "sig"},
                        {"name": "時間への影響", "kind": "text"}],
            "rows": [[study[p]["name"], a["range"], a["threshold"], word(a), t["range"], t["threshold"], word(t)]
                     for p in ranking for a, t in [(study[p]["acc_effect"], study[p]["time_effect"])]]}


def run(inputs: dict, settings: dict, out_json) -> dict:
    findings = read_json(inputs["findings"])
    cfg = settings["kadai4"]
    card = read_json(inputs["card"]) if not cfg["csv"] else None
    fonts = None
    if card:
        fonts = {"columns": [{"name": "フォント", "kind": "text"}, {"name": "使用枚数", "kind": "int"}],
                 "rows": [[f, n] for f, n in zip(card["fonts"], card["font_use"])]}
    ctx = {**findings, "cfg": cfg, "card": card, "fonts_table": fonts,
           "tables": {p: setting_table(st) for p, st in findings["study"].items()},
           "effects": effects_table(findings["study"], findings["ranking"])}
    write_json(out_json, ctx)
    return ctx
