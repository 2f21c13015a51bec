"""課題3 context: the findings plus model tables and names, everything the template reads."""

from __future__ import annotations

from .. import tables
from ..io import read_json, write_json
from ..train.data import DATASETS

KEEPS = {"yes": "保つ", "no": "保たない", "unknown": "判定できない"}


def model_table(per_model: list, kind: str, keeps: dict) -> dict:
    rows = sorted((r for r in per_model if r["kind"] == kind), key=lambda r: r["params"])
    # short headers (the caption says what each number is), so that the model names keep their width;
    # the standard deviation of a percentage is in points, to fewer figures than the mean it qualifies
    return {"columns": [{"name": "モデル", "kind": "text"}, {"name": "パラメータ数", "kind": "int"},
                        {"name": "積和回数", "kind": "int"},
                        {"name": "精度", "unit": "%", "kind": "percent"},
                        {"name": "標準偏差", "unit": "ポイント", "kind": "percent", "sig": 2},
                        {"name": "時間", "unit": "s", "kind": "sig"},
                        {"name": "時間の 95 % 区間", "unit": "s", "kind": "text"},
                        {"name": "精度の維持", "kind": "text"}],
            "rows": [[r["model"], r["params"], r["macs"], r["acc"], r["acc_sd"], r["time"],
                      tables.interval(r["time_lo"], r["time_hi"]),
                      KEEPS[keeps[r["model"]]["outcome"]] if r["model"] in keeps else "（基準）"]
                     for r in rows]}


def pairs_table(sm: dict) -> dict:
    """The size-matched pairs (kadai3.analyse.size_matched): both models, the accuracy difference
    (Conv2d minus fully connected, points) with its interval, and which is higher."""
    words = {"cnn": "畳み込み", "fc": "全結合", None: "判定できない"}
    # short headers (the caption explains them): the model names keep their width
    return {"columns": [{"name": "畳み込みあり", "kind": "text"}, {"name": "パラメータ", "kind": "int"},
                        {"name": "全結合のみ", "kind": "text"}, {"name": "パラメータ", "kind": "int"},
                        {"name": "差", "unit": "ポイント", "kind": "sig", "sig": 2},
                        {"name": f"{tables.sig(100 * sm['pair_confidence'])} % 区間", "unit": "ポイント",
                         "kind": "text"},
                        {"name": "高い方", "kind": "text"}],
            "rows": [[p["cnn"], p["params_cnn"], p["fc"], p["params_fc"],
                      None if p["diff"] is None else 100 * p["diff"],
                      tables.interval(100 * p["lo"], 100 * p["hi"], 2) if p["lo"] is not None else "—",
                      words[p["higher"]]] for p in sm["pairs"]]}


def summary_table(s: dict) -> dict:
    return {"columns": [{"name": "層（種類: 深さ-番号）", "kind": "text"}, {"name": "出力の形", "kind": "text"},
                        {"name": "パラメータ数", "kind": "int"}, {"name": "積和回数", "kind": "int"}],
            "rows": s["rows"] + [["合計", "", s["total_params"], s["total_mult_adds"]]]}


def run(inputs: dict, settings: dict, out_json) -> dict:
    findings = read_json(inputs["findings"])
    summaries = read_json(inputs["models"])
    sysinfo = read_json(inputs["sysinfo"])
    cfg = settings["kadai3"]
    ctx = {**findings, "cfg": cfg, "timing": settings["timing"], "dataset_name": DATASETS[cfg["dataset"]][2],
           "table_fc": model_table(findings["per_model"], "fc", findings["keeps"]),
           "table_pairs": pairs_table(findings["size_matched"]),
           "table_cnn": model_table(findings["per_model"], "cnn", findings["keeps"]),
           "summary_base": summary_table(summaries[cfg["baseline"]]),
           "summary_noconv": summary_table(summaries[cfg["no_conv"]]),
           "base_summary": summaries[cfg["baseline"]], "noconv_summary": summaries[cfg["no_conv"]],
           "gpu_name": sysinfo["torch"].get("gpu") if findings["device"] == "cuda" else None}
    write_json(out_json, ctx)
    return ctx
