"""任意課題1 context: the findings plus names and tables, everything the template reads."""

from __future__ import annotations

from ..io import read_json, write_json
from .labels import LADDER_STEPS, step_name


def ladder_table(values: dict) -> dict:
    naive, np1 = values["c_ijk"], values["numpy_1thread"]
    rows = [[step_name(k), v, v / naive if v and naive else None, v / np1 if v and np1 else None]
            for k in LADDER_STEPS + ["numpy_1thread", "numpy_all"] for v in [values[k]]]
    return {"columns": [{"name": "実装", "kind": "text"}, {"name": "計算速度", "unit": "GFLOPS", "kind": "sig"},
                        {"name": "i-j-k に対する速度比", "unit": "倍", "kind": "sig"},
                        {"name": "NumPy（1 スレッド）に対する比", "unit": "倍", "kind": "sig"}], "rows": rows}


def run(inputs: dict, settings: dict, out_json) -> dict:
    findings = read_json(inputs["findings"])
    ctx = {**findings, "cfg": settings["nini1"], "ladder": ladder_table(findings["ladder_values"]),
           "build_rows": [[name, " ".join(b["flags"]), b["simd"]] for name, b in findings["builds"].items()]}
    write_json(out_json, ctx)
    return ctx
