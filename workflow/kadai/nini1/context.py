"""任意課題1 context: the findings plus names and tables, everything the template reads."""

from __future__ import annotations

from .. import verdicts
from ..io import read_json, write_json
from .labels import LADDER_STEPS, step_name

WORDS = {"yes": "支持された", "no": "支持されない", "unknown": "判定できない"}
HYPOTHESES = [  # key in findings["hypotheses"], name in the report, what was compared
    ("order", "仮説1 アクセス順", "i-j-k と i-k-j（O3、N = {n}）"),
    ("simd", "仮説3 SIMD 命令", "パック版の portable と avx2（N = {n}）"),
    ("opt", "仮説4 最適化", "i-k-j の -O0 と -O3（N = {n}）"),
    ("threads", "仮説5 コア数", "OpenMP 版の 1 スレッドと全コア（N = {bn}）"),
    ("gap", "仮説6 SIMD の幅", "パック版の avx2 と O3（N = {n}）"),
]


def ladder_table(values: dict) -> dict:
    naive, np1 = values["c_ijk"], values["numpy_1thread"]
    rows = [[step_name(k), v, v / naive if v and naive else None, v / np1 if v and np1 else None]
            for k in LADDER_STEPS + ["numpy_1thread", "numpy_all"] for v in [values[k]]]
    return {"columns": [{"name": "実装", "kind": "text"}, {"name": "計算速度", "unit": "GFLOPS", "kind": "sig"},
                        {"name": "i-j-k に対する速度比", "unit": "倍", "kind": "sig"},
                        {"name": "NumPy（1 スレッド）に対する比", "unit": "倍", "kind": "sig"}], "rows": rows}


def verdict_table(h: dict, n: int, bn: int) -> dict:
    """Every paired hypothesis: its speed-up (median of the rounds), interval, threshold, verdict."""
    rows = []
    for key, name, what in HYPOTHESES:
        v = verdicts.of(h[key])
        num = v["numbers"]
        rows.append([name, what.format(n=n, bn=bn), num.get("ratio"), num.get("lo"), num.get("hi"),
                     num.get("threshold"), WORDS[v["outcome"]]])
    return {"columns": [{"name": "仮説", "kind": "text"}, {"name": "比べたもの", "kind": "text"},
                        {"name": "速度比（中央値）", "unit": "倍", "kind": "sig"},
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
    ijk = values["c_ijk"] / values["numpy_1thread"] if values["c_ijk"] and values["numpy_1thread"] else None
    ctx = {**findings, "cfg": cfg, "ladder": ladder_table(values),
           # the plain triple loop in C against NumPy's one thread, at the ladder's N
           "ijk_vs_numpy": ijk, "ijk_slower": ijk is not None and ijk < 1,
           "table_verdicts": verdict_table(findings["hypotheses"], cfg["ladder_n"], cfg["bench_n"]),
           "build_rows": [[name, " ".join(b["flags"]), b["simd"]] for name, b in findings["builds"].items()],
           "gpu_table": gpu_table(findings["gpu"])}
    write_json(out_json, ctx)
    return ctx
