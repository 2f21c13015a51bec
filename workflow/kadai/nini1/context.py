"""任意課題1 context: the findings plus names and tables, everything the template reads."""

from __future__ import annotations

import math

from .. import tables, verdicts
from ..io import read_json, write_json
from .analyse import SIZE_GAP_FACTOR
from .labels import LADDER_STEPS, step_name

WORDS = {"yes": "支持された", "no": "支持されない", "unknown": "判定できない"}
# every measured comparison a hypothesis is decided from: (path in findings["hypotheses"], hypothesis, what
# was compared as slow ÷ fast, with the SIMD width of each side read from the machine code). H1 and H2
# are each decided from two comparisons (both must hold). Side results (the O3 ratios of H1 and H4,
# which include vectorisation; the packed portable ÷ avx2 ratio) are in the text, not here.
COMPARISONS = [
    (("order", "misses"), "仮説1 アクセス順", "L1 のミス数：i-j-k ÷ i-k-j（cachegrind、{cg_build}、N = {cg_n}）"),
    (("order", "speed"), "仮説1 アクセス順", "時間：i-j-k ÷ i-k-j（{order_build}、{order_width}、N = {n}）"),
    (("cache", "slows"), "仮説2 キャッシュ容量", "i-k-j の演算あたりの時間：N = {big} ÷ N = {small}"),
    (("cache", "helps"), "仮説2 キャッシュ容量", "時間：i-k-j ÷ ブロック化（N = {big}）"),
    (("simd",), "仮説3 SIMD 命令", "時間：i-k-j の O3novec ÷ O3（{simd_width}、N = {n}）"),
    (("opt",), "仮説4 最適化", "時間：i-k-j の -O0 ÷ -{opt_level}（{opt_width}、N = {n}）"),
    (("threads",), "仮説5 コア数", "時間：OpenMP 版の 1 スレッド ÷ 全コア（N = {bn}）"),
    (("gap", "verdict"), "仮説6 SIMD の幅", "時間：パック版の avx2 ÷ O3（{gap_width}、N = {n}）"),
]
# the kernels timed again in several experiments (analyse.repeated_kernels), as the prose names them,
# and where the report prints each experiment's value of that kernel
KERNEL_WORDS = {"c_ijk": "i-j-k", "c_ikj": "i-k-j", "c_blocked": "ブロック化版", "c_packed": "パック版",
                "c_packed_omp": "OpenMP 版"}
PRINTED_IN = {"ladder": "表2", "order": "仮説1", "opt": "仮説4", "simd": "仮説3"}
PRINTED_IN_PACKED = {**PRINTED_IN, "simd": "仮説6"}  # the simd experiment's packed O3 is printed under H6


def width_words(contrast: dict | None) -> str:
    """The SIMD width of both sides of a comparison, slow side first (「スカラーと 512 ビット」,
    「ともにスカラー」), from :func:`kadai.nini1.analyse.simd_contrast`; 「SIMD の幅は不明」 without
    the machine code."""
    if not contrast or contrast.get("kind") == "unknown":
        return "SIMD の幅は不明"

    def bits(x):
        return "スカラー" if x["bits"] == 0 else f"{x['bits']} ビット"
    if contrast["kind"] == "same_width":
        return f"ともに{bits(contrast['slow'])}"
    fast = bits(contrast["fast"])
    return f"{bits(contrast['slow'])}と{' ' if fast[0].isdigit() else ''}{fast}"


def repeated_rows(repeated: dict) -> list[dict]:
    """Each kernel timed in several experiments: its name, the value printed in each place, the spread."""
    out = []
    for kernel, r in repeated.items():
        where = PRINTED_IN_PACKED if kernel == "c_packed" else PRINTED_IN
        out.append({"name": tables.spaced("O3 の", KERNEL_WORDS.get(kernel, kernel)), "spread": r["spread"],
                    "within_drift": r["within_drift"], "lo": r["lo"], "hi": r["hi"],
                    "where": "・".join(where[e] for e in r["values"])})
    return out


def ladder_table(values: dict, with_numpy: bool, unconfirmed=()) -> dict:
    """The sweep at the ladder's N: every C step and its speed-up over i-j-k. NumPy's rows only
    where the sweep agrees with the alternated comparison (``with_numpy``); never a ratio to
    NumPy, which the sweep timed minutes apart from C. A step in ``unconfirmed`` (its minimum not
    reproduced) has its speed marked, as 課題1/2 mark their tables."""
    naive = values["c_ijk"]
    keys = LADDER_STEPS + (["numpy_1thread", "numpy_all"] if with_numpy else [])
    rows = [[step_name(k), {"value": v, "mark": tables.UNCONFIRMED_MARK} if k in unconfirmed else v,
             v / naive if v and naive else None] for k in keys for v in [values[k]]]
    marked = sum(1 for k in keys if k in unconfirmed)
    return {"columns": [{"name": "実装", "kind": "text"}, {"name": "計算速度", "unit": "GFLOPS", "kind": "sig"},
                        {"name": "i-j-k に対する速度比", "unit": "倍", "kind": "sig"}], "rows": rows,
            "marked": marked, "mark": tables.UNCONFIRMED_MARK}


def _part(h: dict, path: tuple) -> dict:
    node = h
    for key in path:
        node = (node or {}).get(key) or {}
    return node


def verdict_table(h: dict, n: int, bn: int, cache_sim: dict) -> dict:
    """Every comparison behind a hypothesis: its ratio (slow ÷ fast), interval, threshold, verdict."""
    c = h["cache"]
    isa = h.get("simd_isa", {})
    order, opt = h["order"], h.get("opt_levels", {}).get("ikj", {})
    names = {"n": n, "bn": bn, "big": c.get("n_big", "—"), "small": c.get("n_small", "—"),
             "cg_build": cache_sim.get("build") or "—", "cg_n": cache_sim.get("N", "—"),
             "order_build": order.get("basis", "O3"), "order_width": width_words(order.get("basis_isa")),
             "simd_width": width_words(isa.get("ikj")), "opt_level": opt.get("level", "O3"),
             "opt_width": width_words(opt.get("same_isa")), "gap_width": width_words(isa.get("width"))}
    rows = []
    for path, name, what in COMPARISONS:
        v = verdicts.of(_part(h, path)) if _part(h, path) else {"outcome": "unknown", "numbers": {}}
        num = v["numbers"]
        deterministic = path == ("order", "misses")  # counted, not timed: no interval
        lo, hi = num.get("lo"), num.get("hi")
        both = not deterministic and lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi)
        rows.append([name, what.format(**names), num.get("ratio"), tables.interval(lo, hi) if both else "—",
                     num.get("threshold"), WORDS[v["outcome"]]])
    # short numeric headers (the caption says what the interval is): the text columns keep the width
    return {"columns": [{"name": "仮説", "kind": "text"}, {"name": "比べたもの", "kind": "text"},
                        {"name": "比", "unit": "倍", "kind": "sig"},
                        {"name": "95 % 区間", "unit": "倍", "kind": "text"},
                        {"name": "閾値", "unit": "倍", "kind": "sig"}, {"name": "判定", "kind": "text"}],
            "rows": rows}


GPU_NAMES = {"cublas": "cuBLAS（CuPy の @）", "mm_naive": "素朴なカーネル", "mm_shared": "共有メモリのタイル",
             "mm_regtile": "レジスタのタイル", "mm_vec": "float4 と二重バッファ"}


def gpu_table(gpu: dict) -> dict | None:
    """Speed of cuBLAS and of each own kernel on the GPU, its share of cuBLAS, its error."""
    if not gpu["available"]:
        return None
    top = gpu["gflops"].get("cublas")
    rows = [[GPU_NAMES[k], gpu["gflops"][k] / 1e3 if k in gpu["gflops"] else None,
             gpu["gflops"][k] / top if k in gpu["gflops"] and top else None,
             gpu["correct"][k]["relative_error"]] for k in GPU_NAMES]
    return {"columns": [{"name": "実装", "kind": "text"}, {"name": "計算速度", "unit": "TFLOPS", "kind": "sig"},
                        {"name": "cuBLAS に対する比", "unit": "倍", "kind": "sig"},
                        {"name": "相対誤差", "unit": "無次元", "kind": "sig"}], "rows": rows}


def stop_groups(stops: dict) -> dict:
    """Why each series of the size sweep ended: the names that reached the largest size within the
    per-run budget (``complete``, with that N) in one group, every other ending on its own
    (``early``: also a series whose largest size ran over the budget, which its sentence says)."""
    done = [k for k, st in stops.items() if st["kind"] == "n_max" and not st.get("over_s")]
    return {"complete": [step_name(k) for k in done],
            "complete_n": max((stops[k]["N"] for k in done), default=None),
            "early": [{"name": step_name(k), "stop": st} for k, st in stops.items() if k not in done]}


def run(inputs: dict, settings: dict, out_json) -> dict:
    findings = read_json(inputs["findings"])
    cfg = settings["nini1"]
    values = findings["ladder_values"]
    with_numpy = findings["ladder_check"]["outcome"] == "agree"
    unsure = findings["sweep"].get("unconfirmed_at_n", ())
    ctx = {**findings, "cfg": cfg, "timing": settings["timing"], "ladder": ladder_table(values, with_numpy, unsure),
           "ladder_with_numpy": with_numpy,
           # with this few rounds the 95 % interval of a median is the whole range (kadai.verdicts.median_interval)
           "rounds_interval": verdicts.rounds_interval(cfg["rounds"]),
           "size_gap_factor": SIZE_GAP_FACTOR,
           "stop_groups": stop_groups(findings.get("stops", {})),
           "table_verdicts": verdict_table(findings["hypotheses"], cfg["ladder_n"], cfg["bench_n"],
                                           findings["cachegrind"]),
           "build_rows": [[name, " ".join(b["flags"]), b["simd"]] for name, b in findings["builds"].items()],
           "gpu_table": gpu_table(findings["gpu"]), "repeated_rows": repeated_rows(findings.get("repeated", {})),
           "repeated_within_drift": bool(findings.get("repeated")) and all(
               r["within_drift"] for r in findings.get("repeated", {}).values()),
           # the neighbouring steps within the drift, as the sentence lists them: [「i-k-j とブロック化版」, …]
           "ladder_close": [tables.spaced(KERNEL_WORDS[a], "と", KERNEL_WORDS[b])
                            for a, b in findings.get("ladder_within_drift", [])]}
    write_json(out_json, ctx)
    return ctx
