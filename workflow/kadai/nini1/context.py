"""任意課題1 context: the findings plus names and tables, everything the template reads."""

from __future__ import annotations

from .. import verdicts
from ..io import read_json, write_json
from .labels import LADDER_STEPS, step_name

WORDS = {"yes": "支持された", "no": "支持されない", "unknown": "判定できない"}
# every measured comparison behind a hypothesis: (path in findings["hypotheses"], hypothesis, what was
# compared as slow ÷ fast). H1 and H2 are each decided from two comparisons (both must hold).
COMPARISONS = [
    (("order", "misses"), "仮説1 アクセス順", "L1 のミス数：i-j-k ÷ i-k-j（cachegrind、{cg_build}、N = {cg_n}）"),
    (("order", "speed"), "仮説1 アクセス順", "時間：i-j-k ÷ i-k-j（O3、N = {n}）"),
    (("cache", "slows"), "仮説2 キャッシュ容量", "i-k-j の演算あたりの時間：N = {big} ÷ N = {small}"),
    (("cache", "helps"), "仮説2 キャッシュ容量", "時間：i-k-j ÷ ブロック化（N = {big}）"),
    (("simd",), "仮説3 SIMD 命令", "時間：パック版の portable ÷ avx2（{simd_bits}N = {n}）"),
    (("opt",), "仮説4 最適化", "時間：i-k-j の -O0 ÷ -O3（N = {n}）"),
    (("threads",), "仮説5 コア数", "時間：OpenMP 版の 1 スレッド ÷ 全コア（N = {bn}）"),
    (("gap", "verdict"), "仮説6 SIMD の幅", "時間：パック版の avx2 ÷ O3（N = {n}）"),
]


def ladder_table(values: dict, with_numpy: bool) -> dict:
    """The sweep at the ladder's N: every C step and its speed-up over i-j-k. NumPy's rows only
    where the sweep agrees with the alternated comparison (``with_numpy``); never a ratio to
    NumPy, which the sweep timed minutes apart from C."""
    naive = values["c_ijk"]
    keys = LADDER_STEPS + (["numpy_1thread", "numpy_all"] if with_numpy else [])
    rows = [[step_name(k), v, v / naive if v and naive else None] for k in keys for v in [values[k]]]
    return {"columns": [{"name": "実装", "kind": "text"}, {"name": "計算速度", "unit": "GFLOPS", "kind": "sig"},
                        {"name": "i-j-k に対する速度比", "unit": "倍", "kind": "sig"}], "rows": rows}


def _part(h: dict, path: tuple) -> dict:
    node = h
    for key in path:
        node = (node or {}).get(key) or {}
    return node


def verdict_table(h: dict, n: int, bn: int, cache_sim: dict) -> dict:
    """Every comparison behind a hypothesis: its ratio (slow ÷ fast), interval, threshold, verdict."""
    c = h["cache"]
    simd = h.get("simd_isa", {}).get("packed", {})
    simd_bits = (f"{simd['slow']['bits']} ビットと {simd['fast']['bits']} ビット、"
                 if simd.get("kind") == "wider" else "")
    names = {"n": n, "bn": bn, "big": c.get("n_big", "—"), "small": c.get("n_small", "—"),
             "cg_build": cache_sim.get("build") or "—", "cg_n": cache_sim.get("N", "—"), "simd_bits": simd_bits}
    rows = []
    for path, name, what in COMPARISONS:
        v = verdicts.of(_part(h, path)) if _part(h, path) else {"outcome": "unknown", "numbers": {}}
        num = v["numbers"]
        deterministic = path == ("order", "misses")  # counted, not timed: no interval
        rows.append([name, what.format(**names), num.get("ratio"), None if deterministic else num.get("lo"),
                     None if deterministic else num.get("hi"), num.get("threshold"), WORDS[v["outcome"]]])
    return {"columns": [{"name": "仮説", "kind": "text"}, {"name": "比べたもの", "kind": "text"},
                        {"name": "比", "unit": "倍", "kind": "sig"},
                        {"name": "95 % 区間の下限", "unit": "倍", "kind": "sig"},
                        {"name": "95 % 区間の上限", "unit": "倍", "kind": "sig"},
                        {"name": "支持の閾値", "unit": "倍", "kind": "sig"}, {"name": "判定", "kind": "text"}],
            "rows": rows}


GPU_NAMES = {"cublas": "cuBLAS（CuPy の @）", "mm_naive": "素朴なカーネル", "mm_shared": "共有メモリのタイル",
             "mm_regtile": "レジスタのタイル"}


def gpu_table(gpu: dict) -> dict | None:
    """Speed of cuBLAS and of each own kernel on the GPU, its share of cuBLAS, its error."""
    if not gpu["available"]:
        return None
    top = gpu["gflops"].get("cublas")
    rows = [[GPU_NAMES[k], gpu["gflops"].get(k), gpu["gflops"][k] / top if k in gpu["gflops"] and top else None,
             gpu["correct"][k]["relative_error"]] for k in GPU_NAMES]
    return {"columns": [{"name": "実装", "kind": "text"}, {"name": "計算速度", "unit": "GFLOPS", "kind": "sig"},
                        {"name": "cuBLAS に対する比", "unit": "倍", "kind": "sig"},
                        {"name": "相対誤差", "unit": "無次元", "kind": "sig"}], "rows": rows}


def run(inputs: dict, settings: dict, out_json) -> dict:
    findings = read_json(inputs["findings"])
    cfg = settings["nini1"]
    values = findings["ladder_values"]
    with_numpy = findings["ladder_check"]["outcome"] == "agree"
    ctx = {**findings, "cfg": cfg, "ladder": ladder_table(values, with_numpy), "ladder_with_numpy": with_numpy,
           "table_verdicts": verdict_table(findings["hypotheses"], cfg["ladder_n"], cfg["bench_n"],
                                           findings["cachegrind"]),
           "build_rows": [[name, " ".join(b["flags"]), b["simd"]] for name, b in findings["builds"].items()],
           "gpu_table": gpu_table(findings["gpu"])}
    write_json(out_json, ctx)
    return ctx
