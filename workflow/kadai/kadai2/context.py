"""課題2 context: the findings plus names, tables and the registry, everything the template reads."""

from __future__ import annotations

import numpy as np

from .. import checks, figures, fit, raw, tables
from ..backends.registry import ordered
from ..io import read_json, write_json
from ..measure import SweepConfig
from ..rows import OK, OUTLIER, WARMUP, WRONG
from .analyse import PYTHON_FLOAT_BYTES
from .figures import FORMULATIONS
from .plan import OPS


def registry_rows(ops: dict) -> tuple[list, list]:
    """Every configured implementation with its device and whether it ran here (or why not)."""
    reasons, devices = {}, {}
    for o in ops.values():
        for impl, s in o["series"].items():
            devices[impl] = s["device"]
            reasons[impl] = s["stop"]["note"] if s["skipped"] else reasons.get(impl)
    rows = [[figures.impl_name(k), "GPU" if devices[k] == "cuda" else "CPU",
             "計測した" if reasons[k] is None else "計測不可（下記）"] for k in ordered(reasons)]
    why: dict = {}
    for k in ordered(reasons):
        if reasons[k] is not None:
            why.setdefault(reasons[k], []).append(figures.impl_name(k))
    return rows, [{"names": names, "reason": reason} for reason, names in why.items()]


def torch_table(found: dict) -> dict:
    cols = [{"name": "書き方", "kind": "text"}] + [
        {"name": f"N = {n} の時間", "unit": "s", "kind": "sig"} for n in found] + [
        {"name": f"N = {n} の NumPy との比", "unit": "倍", "kind": "sig"} for n in found]
    rows = [[FORMULATIONS[k][0]] + [e["best"][k] for e in found.values()]
            + [e["best"][k] / e["best"]["numpy_shift"] for e in found.values()] for k in FORMULATIONS]
    return {"columns": cols, "rows": rows}


UNLIKE = "*"  # a traced call whose time lay outside analyse.LOGGING_AGREES of the plain call's


def onednn_table(found: dict | None) -> dict | None:
    """Per traced size: the call, its convolution and its reorder of the blocked output, the
    reorder's share, its implementation at the rounds' thread count and at the probe's, and the
    blocked output's size (analyse.explain_onednn). Short headers; the caption says what each is."""
    if not found or not found["sizes"]:
        return None
    rule = found.get("rule") or {}
    seen = rule.get("impls", {})  # N → threads → implementation (JSON: string keys)
    counts = [found["threads"], *([rule["probe_threads"]] if rule.get("probe_threads") else [])]
    impl = [{"name": f"実装（{t} スレッド）", "kind": "text"} for t in counts]
    return {"mark": UNLIKE, "columns": [{"name": "N", "kind": "int"}, {"name": "全体", "unit": "ms", "kind": "sig"},
                        {"name": "畳み込み", "unit": "ms", "kind": "sig"},
                        {"name": "並べ替え", "unit": "ms", "kind": "sig"},
                        {"name": "割合", "unit": "%", "kind": "percent"}, *impl,
                        {"name": "内部形式", "unit": "MiB", "kind": "sig"}],
            "rows": [[{"value": int(n), "mark": "" if e["representative"] else UNLIKE}, e["call_s"] * 1e3,
                      e["conv_s"] * 1e3,
                      None if e["reorder_s"] is None else e["reorder_s"] * 1e3, e["reorder_share"],
                      *[seen.get(str(n), {}).get(str(t)) or (e["reorder_impl"] if t == e["threads"] else None) or "—"
                        for t in counts],
                      e["bytes"] / 2**20] for n, e in found["sizes"].items()]}


def numpy_table(found: dict) -> dict:
    words = {"yes": "遅い", "no": "遅くない", "unknown": "判定できない"}  # answers to 「確保の分だけ遅いか」
    return {"columns": [{"name": "N", "kind": "int"}, {"name": "そのまま", "unit": "s", "kind": "sig"},
                        {"name": "確保済み", "unit": "s", "kind": "sig"},
                        {"name": "ページフォルト（そのまま）", "unit": "回", "kind": "int"},
                        {"name": "ページフォルト（確保済み）", "unit": "回", "kind": "int"},
                        {"name": "確保の分だけ遅いか", "kind": "text"}],
            "rows": [[int(n), e["alloc_s"], e["inplace_s"], e["faults_alloc"], e["faults_inplace"],
                      words[e["alloc_slower"]["outcome"]]] for n, e in found["per_size"].items()]}


COURSE_RUN_LIMIT_S = 60.0  # the course: no single run over one minute


def longest_run(table) -> float | None:
    """The longest run that was executed (timed, warm-up, outlier or wrong result; not the predicted
    time of a size that was not run), None where none was."""
    ran = table[table.status.isin([OK, WARMUP, OUTLIER, WRONG])].seconds.dropna()
    return float(ran.max()) if len(ran) else None


def outlier_note(series: dict, shown: int = 2) -> dict | None:
    """The series with the most re-measured outliers (``top``, at most ``shown``: name, count, runs
    used and the count's share of them) and, for the others that had any, how many (``rest``) and
    the largest count among them (``rest_max``); None where no series had one."""
    noisy = sorted((s for s in series.values() if s["measured"] and s.get("outliers")),
                   key=lambda s: -s["outliers"])
    if not noisy:
        return None
    return {"top": [{"name": s["name"], "outliers": s["outliers"], "runs": s["runs"],
                     "share": s["outliers"] / s["runs"]} for s in noisy[:shown]],
            "rest": len(noisy) - len(noisy[:shown]), "rest_max": noisy[shown]["outliers"] if noisy[shown:] else None}


def run(inputs: dict, settings: dict, out_json) -> dict:
    findings = read_json(inputs["findings"])
    table = raw.load_raw(inputs["raw"])
    summary = raw.summarise(table, settings["timing"]["agreement"])
    ops = findings["ops"]
    cfg = settings["kadai2"]
    for op, o in ops.items():
        o["label"] = OPS[op]
        for impl, s in o["series"].items():
            s["name"] = figures.impl_name(impl, op)
        measured = [k for k, s in o["series"].items() if s["measured"]]
        s_op = summary[summary.op == op]
        o["unfitted"] = int(len(s_op) - len(raw.fit_rows(s_op)))  # open markers in this op's figures
        o["table"] = tables.by_size(summary[summary.op == op], measured, [("time", "{}", "s")],
                                    {k: figures.impl_name(k, op) for k in measured},
                                    keep=SweepConfig.from_config(cfg[op], settings["timing"]).sizes(),
                                    unconfirmed=[(i, n) for i, o, n in findings["measured"]["unconfirmed_sizes"]
                                                 if o == op])
        o["table_regimes"] = tables.regimes({o["series"][k]["name"]: o["series"][k]["relation"]
                                             for k in measured if "relation" in o["series"][k]})
        compared = {o["series"][k]["name"]: o["series"][k]["models"] for k in measured if o["series"][k].get("models")}
        o["table_models"] = tables.models({name: m["comparison"] for name, m in compared.items()},
                                          {name: (m["n_first"], m["n_last"]) for name, m in compared.items()}, "系列")
        o["outliers"] = outlier_note(o["series"])
    rows, skipped = registry_rows(ops)
    longest = longest_run(table)
    ctx = {**findings,
           "relations": [[OPS[op], s["name"]] for op in ops for s in ops[op]["series"].values() if "relation" in s],
           "config": cfg, "fit_config": fit.method(settings["fit"]), "timing": settings["timing"],
           "models_least": fit.MODELS_LEAST,
           "registry_rows": rows, "skipped": skipped, "tolerance": checks.tolerance(cfg["dtype"]),
           "tolerance_float64": checks.tolerance("float64"),
           "padding": cfg["padding"], "itemsize": int(np.dtype(cfg["dtype"]).itemsize),
           "python_float_bytes": PYTHON_FLOAT_BYTES,  # the figures' cache lines are the libraries' dtype
           # how the measured series ended, and the longest single run (the course's 1-minute rule)
           "stop_kinds": sorted({s["stop"]["kind"] for o in ops.values() for s in o["series"].values()
                                 if s["measured"]}),
           "longest_run_s": longest,
           "within_course_limit": longest is not None and longest <= COURSE_RUN_LIMIT_S,
           "table_torch": torch_table(findings["explain"]["torch_conv"]),
           "table_numpy_conv": numpy_table(findings["explain"]["numpy_conv"]),
           "table_onednn": onednn_table(findings["explain"].get("onednn"))}
    write_json(out_json, ctx)
    return ctx
