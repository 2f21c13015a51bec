"""課題1 context: the findings plus names and tables, everything the template reads."""

from __future__ import annotations

from .. import figures, raw, submission, tables
from ..io import read_json, write_json


def model_table(series: dict, impls: list[str]) -> dict:
    """Training and held-out error of every candidate model of every series."""
    rows = []
    for impl in impls:
        for m in (series[impl]["fit"].get("comparison") or {}).get("models", []):
            if "holdout_rel_rmse" in m:
                rows.append([figures.impl_name(impl), m["label"], m["train_rel_rmse"], m["holdout_rel_rmse"]])
    return {"columns": [{"name": "実装", "kind": "text"}, {"name": "モデル", "kind": "text"},
                        {"name": "学習点の相対誤差", "unit": "%", "kind": "percent"},
                        {"name": "検証点の相対誤差", "unit": "%", "kind": "percent"}], "rows": rows}


def run(inputs: dict, settings: dict, out_json) -> dict:
    findings = read_json(inputs["findings"])
    summary = raw.summarise(raw.load_raw(inputs["raw"]))
    series, impls = findings["series"], findings["impls"]
    for impl in impls:
        series[impl]["name"] = figures.impl_name(impl)
    short = {i: figures.impl_name(i).removeprefix("Python（").removesuffix("）") for i in impls}
    ctx = {
        **findings,
        "op": "matmul",
        "relations": [series[i]["name"] for i in impls],
        "table_models": model_table(series, impls),
        "table_times": tables.by_size(summary, impls, [("median", "{} 中央値", "s"), ("iqr", "{} 四分位範囲", "s")],
                                      short),
        "sweep": settings["sweep"],
        "fit_config": settings["fit"],
        "program": submission.DEPENDS_ON_FILES[0],
    }
    write_json(out_json, ctx)
    return ctx
