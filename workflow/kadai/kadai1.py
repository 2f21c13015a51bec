"""課題1: the pure-Python matrix product, measured, fitted, drawn and summarised.

The kernels are *not* defined here: they are loaded from the submission file
``workflow/submission/kadai1.py`` (which may import only ``time`` and ``matplotlib``), so
the pipeline measures exactly the program the student hands in.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

from . import figures, fit, measure
from .figures import NO_UNIT, Axis
from .io import read_json, write_csv, write_json

PROGRAM = Path(__file__).resolve().parents[1] / "submission" / "kadai1.py"
VARIANTS = {"naive": ("matmul_naive", "python_naive"), "fast": ("matmul_fast", "python_fast")}
OP = "matmul"
# the functions that build and run a series: their source is part of every series' fingerprint
MEASURE_CODE = ("load_program", "make_series", "run_measure")


def load_program(path=PROGRAM):
    spec = importlib.util.spec_from_file_location("kadai1_submission", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def matmul_flops(n) -> float:
    """Floating-point operations of an N×N product: N³ multiplications and N³ additions."""
    return 2.0 * np.asarray(n, float) ** 3


def make_series(variant: str, program=None) -> measure.Series:
    program = program or load_program()
    func_name, impl = VARIANTS[variant]
    kernel = getattr(program, func_name)

    def make_inputs(n, rng):
        return rng.random((n, n)).tolist(), rng.random((n, n)).tolist()

    def reference(a, b):
        return np.asarray(a) @ np.asarray(b)

    def check(out, ref):
        out = np.asarray(out, dtype=float)
        return out.shape == ref.shape and np.allclose(out, ref, rtol=1e-10, atol=1e-12 * ref.shape[0])

    return measure.Series(implementation=impl, op=OP, make_inputs=make_inputs, kernel=kernel,
                          reference=reference, check=check, dtype="float64 (Python float)",
                          device="cpu")


def run_measure(variant: str, sweep: dict, out_csv) -> pd.DataFrame:
    cfg = measure.SweepConfig.from_config(sweep)
    raw = measure.run_series(make_series(variant), cfg,
                             progress=measure.Progress(f"kadai1/{variant}"))
    write_csv(out_csv, raw)
    return raw


def run_fits(raw_paths, fit_cfg: dict, out_json) -> dict:
    raw = measure.load_raw(raw_paths)
    summary = measure.summarise(raw)
    out = {}
    for impl, grp in summary.groupby("implementation"):
        out[impl] = fit.growth_law(grp.N.to_numpy(), grp["median"].to_numpy(),
                                   confidence=fit_cfg.get("confidence", 0.95),
                                   tolerance=fit_cfg.get("tolerance", 0.25),
                                   min_points=fit_cfg.get("min_points", 3))
    write_json(out_json, out)
    return out


def draw_figures(raw_paths, fits_json, out_dir) -> None:
    raw = measure.load_raw(raw_paths)
    summary = measure.summarise(raw)
    fits = read_json(fits_json)
    out_dir = Path(out_dir)
    n_axis = Axis("行列サイズ N", NO_UNIT, "log")

    fig, ax = figures.new_figure(n_axis, Axis("実行時間", "s", "log"), height=4.6)
    for impl, grp in summary.groupby("implementation"):
        figures.plot_series(ax, impl, grp.N, grp["median"], grp.q1, grp.q3)
        figures.plot_power_fit(ax, impl, fits[impl]["power"])
    figures.size_ticks(ax, summary.N)
    figures.legend_below(ax)
    figures.save(fig, out_dir / "time.svg", caption="行列サイズ N と実行時間（両対数）")

    fig, ax = figures.new_figure(n_axis, Axis("計算速度", "MFLOPS", "linear"))
    for impl, grp in summary.groupby("implementation"):
        ax.plot(grp.N, matmul_flops(grp.N) / grp["median"] / 1e6, "o-",
                color=figures.impl_color(impl), label=figures.impl_name(impl), ms=4)
    figures.size_ticks(ax, summary.N)
    ax.set_ylim(bottom=0)
    ax.legend(loc="lower right")
    figures.save(fig, out_dir / "mflops.svg", caption="行列サイズ N と計算速度")


def _at(summary: pd.DataFrame, impl: str, n: int) -> float | None:
    row = summary[(summary.implementation == impl) & (summary.N == n)]
    return float(row["median"].iloc[0]) if len(row) else None


def build_context(raw_paths, fits_json, sweep: dict, fit_cfg: dict, out_json) -> dict:
    raw = measure.load_raw(raw_paths)
    summary = measure.summarise(raw)
    fits = read_json(fits_json)
    series = {}
    for impl, grp in summary.groupby("implementation"):
        grp = grp.sort_values("N")
        stop = measure.stop_reason(raw[raw.implementation == impl])
        n_max = int(grp.N.max())
        t_max = float(grp["median"].iloc[-1])
        small = grp.iloc[:2]
        series[impl] = {
            "name": figures.impl_name(impl),
            "sizes": int(len(grp)),
            "n_min": int(grp.N.min()),
            "n_max": n_max,
            "t_min": float(grp["median"].iloc[0]),
            "t_max": t_max,
            "runs": int(grp.runs.sum()),
            "mflops_max": float(matmul_flops(n_max) / t_max / 1e6),
            "mflops_small": float(matmul_flops(small.N.iloc[0]) / small["median"].iloc[0] / 1e6),
            "stop": stop,
            # log–log slope between the two largest sizes: the growth where N is largest
            "k_last": float(np.log(grp["median"].iloc[-1] / grp["median"].iloc[-2])
                            / np.log(grp.N.iloc[-1] / grp.N.iloc[-2])) if len(grp) > 1 else None,
            "fit": fits[impl],
        }
    impls = sorted(series)
    common = sorted(set.intersection(*(set(summary[summary.implementation == i].N) for i in impls)))
    ratio = None
    if "python_naive" in series and "python_fast" in series and common:
        n_c = common[-1]
        ratio = {"N": int(n_c), "naive_s": _at(summary, "python_naive", n_c),
                 "fast_s": _at(summary, "python_fast", n_c)}
        ratio["ratio"] = ratio["naive_s"] / ratio["fast_s"]
    rows = []
    for n in sorted(summary.N.unique()):
        row = [int(n)]
        for impl in impls:
            g = summary[(summary.implementation == impl) & (summary.N == n)]
            row += [float(g["median"].iloc[0]), float(g.iqr.iloc[0])] if len(g) else [None, None]
        rows.append(row)
    columns = [{"name": "N", "kind": "int"}]
    for impl in impls:
        short = figures.impl_name(impl).removeprefix("Python（").removesuffix("）")
        columns += [{"name": f"{short} 中央値", "unit": "s", "kind": "sig"},
                    {"name": f"{short} 四分位範囲", "unit": "s", "kind": "sig"}]
    model_rows = []
    for impl in impls:
        comp = fits[impl].get("comparison")
        for m in (comp or {}).get("models", []):
            if "holdout_rel_rmse" in m:
                model_rows.append([figures.impl_name(impl), m["label"], m["train_rel_rmse"],
                                   m["holdout_rel_rmse"]])
    ctx = {
        "op": OP,
        "relations": [series[i]["name"] for i in impls],
        "table_models": {"columns": [
            {"name": "実装", "kind": "text"}, {"name": "モデル", "kind": "text"},
            {"name": "学習点の相対誤差", "unit": "%", "kind": "percent"},
            {"name": "検証点の相対誤差", "unit": "%", "kind": "percent"}], "rows": model_rows},
        "series": series,
        "impls": impls,
        "ratio": ratio,
        "sweep": sweep,
        "fit_config": fit_cfg,
        "table_times": {"columns": columns, "rows": rows},
        "program": str(PROGRAM.relative_to(PROGRAM.parents[2])),
    }
    write_json(out_json, ctx)
    return ctx
