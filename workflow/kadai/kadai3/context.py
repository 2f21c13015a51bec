"""課題3 context: the findings plus model tables and names, everything the template reads."""

from __future__ import annotations

from .. import tables, verdicts
from ..io import read_json, write_json
from ..train.data import DATASETS

KEEPS = {"yes": "保つ", "no": "保たない", "unknown": "判定できない"}


def model_table(per_model: list, kind: str, keeps: dict) -> dict:
    """One row per model: size, mult-adds, accuracy as mean ± sd over seeds (%), time per epoch as
    the median over rounds with its 95 % interval in brackets (s), and whether the model keeps the
    course CNN's accuracy. Six columns, so that the model names and intervals fit the text width."""
    rows = sorted((r for r in per_model if r["kind"] == kind), key=lambda r: r["params"])

    def accuracy(r) -> str:
        # the mean to the decimal of its sd, as the text writes it (88.53 ± 0.81)
        return tables.pm(100 * r["acc"], None if r["acc_sd"] is None else 100 * r["acc_sd"])

    return {"columns": [{"name": "モデル", "kind": "text"}, {"name": "パラメータ数", "kind": "int"},
                        {"name": "積和回数", "kind": "int"},
                        {"name": "精度", "unit": "%", "kind": "text", "right": True},
                        {"name": "時間", "unit": "s", "kind": "text", "right": True},
                        {"name": "精度の維持", "kind": "text"}],
            "rows": [[r["model"], r["params"], r["macs"], accuracy(r),
                      f"{tables.sig(r['time'])}（{tables.interval(r['time_lo'], r['time_hi'])}）",
                      KEEPS[keeps[r["model"]]["outcome"]] if r["model"] in keeps else "（基準）"]
                     for r in rows]}


def pairs_table(sm: dict) -> dict:
    """The size-matched pairs (kadai3.analyse.size_matched): both models, the accuracy difference
    (Conv2d minus fully connected, points) with its interval in brackets, and which is higher
    (marked where the higher one also has more parameters)."""
    words = {"cnn": "畳み込み", "fc": "全結合", None: "判定できない"}

    def higher(p) -> str:
        return words[p["higher"]] + ("（パラメータも多い）" if p.get("larger_won") else "")

    def difference(p) -> str:
        if p["diff"] is None:
            return "—"
        ends = tables.interval(100 * p["lo"], 100 * p["hi"], 2) if p["lo"] is not None else "—"
        return f"{tables.sig(100 * p['diff'], 2)}（{ends}）"

    # short headers (the caption explains them): the model names keep their width
    return {"columns": [{"name": "畳み込みあり", "kind": "text"}, {"name": "パラメータ", "kind": "int"},
                        {"name": "全結合のみ", "kind": "text"}, {"name": "パラメータ", "kind": "int"},
                        {"name": "差", "unit": "ポイント", "kind": "text", "right": True},
                        {"name": "高い方", "kind": "text"}],
            "rows": [[p["cnn"], p["params_cnn"], p["fc"], p["params_fc"], difference(p), higher(p)]
                     for p in sm["pairs"]]}


def summary_table(s: dict) -> dict:
    return {"columns": [{"name": "層（種類: 深さ-番号）", "kind": "text"}, {"name": "出力の形", "kind": "text"},
                        {"name": "パラメータ数", "kind": "int"}, {"name": "積和回数", "kind": "int"}],
            "rows": s["rows"] + [["合計", "", s["total_params"], s["total_mult_adds"]]]}


def layers_table(layers: dict, summaries: dict) -> dict | None:
    """The layer profile, one row per model (fewest parameters first): milliseconds per batch of
    the convolution layers, the linear layers and the rest, and each kind's mult-adds per image.
    Six columns, as the model tables, so that the longest model name fits the text width."""
    if not layers.get("per_model"):
        return None
    rows = []
    for m in sorted(layers["per_model"], key=lambda m: summaries[m]["total_params"]):
        t = layers["per_model"][m]
        macs = t["macs"]
        rows.append([m, 1e3 * t["conv"] if macs["conv"] else None, 1e3 * t["linear"], 1e3 * t["other"],
                     macs["conv"], macs["linear"]])
    return {"columns": [{"name": "モデル", "kind": "text"}, {"name": "畳み込み", "unit": "ms", "kind": "sig"},
                        {"name": "全結合", "unit": "ms", "kind": "sig"},
                        {"name": "その他", "unit": "ms", "kind": "sig"},
                        {"name": "畳み込みの積和", "unit": "回", "kind": "int"},
                        {"name": "全結合の積和", "unit": "回", "kind": "int"}], "rows": rows}


def record_where(findings: dict) -> str | None:
    """Where the training records ran, as the report names it: the GPU, or the CPU threads they
    had (None where the loops' thread counts differ)."""
    if findings["device"] == "cuda":
        return "GPU"
    threads = findings["loop"].get("threads")
    return f"{threads} スレッド" if threads else None


def run(inputs: dict, settings: dict, out_json) -> dict:
    findings = read_json(inputs["findings"])
    summaries = read_json(inputs["models"])
    sysinfo = read_json(inputs["sysinfo"])
    cfg = settings["kadai3"]
    ctx = {**findings, "cfg": cfg, "timing": settings["timing"],
           "rounds_interval": verdicts.rounds_interval(cfg["timing_rounds"]),
           "dataset_name": DATASETS[cfg["dataset"]][2],
           "table_fc": model_table(findings["per_model"], "fc", findings["keeps"]),
           "table_pairs": pairs_table(findings["size_matched"]),
           "table_cnn": model_table(findings["per_model"], "cnn", findings["keeps"]),
           "table_layers": layers_table(findings["layers"], summaries),
           "summary_base": summary_table(summaries[cfg["baseline"]]),
           "summary_noconv": summary_table(summaries[cfg["no_conv"]]),
           "base_summary": summaries[cfg["baseline"]], "noconv_summary": summaries[cfg["no_conv"]],
           "gpu_name": sysinfo["torch"].get("gpu") if findings["device"] == "cuda" else None,
           "record_where": record_where(findings)}
    write_json(out_json, ctx)
    return ctx
