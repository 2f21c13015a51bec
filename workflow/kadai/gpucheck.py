"""Every GPU part of the pipeline, run once in a few minutes, before the long build.

``python -m kadai.gpucheck [--configfile config/fashion.yaml …] [--out results/gpucheck]
[--budget 20] [--skip kadai2 nini1 kadai3]``

With the code the rules run, and the settings of the config files given (over
``config/config.yaml``): 課題2's CUDA series (:func:`kadai.kadai2.measure.run`, each sweep's total
budget cut to ``--budget`` seconds), 任意課題1's own kernels against cuBLAS
(:func:`kadai.nini1.gpu.measure`), and 課題3's course CNN on the GPU: one epoch with each loop
(:func:`kadai.kadai3.bench.measure`) and the alternated timing of every model
(:func:`kadai.kadai3.timing.run`). Each raw output goes under ``--out`` in the pipeline's own
format; one line per part says what it measured or why it was skipped. A GPU problem is a line,
never an exception: the same code in the build records it the same way.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

from .config import read_yaml

CUDA_IMPLEMENTATIONS = ("cupy", "cupy_transfer", "torch_cuda", "torch_cuda_transfer")


def merged(files) -> dict:
    """``config/config.yaml`` with each file laid over it, mappings merged key by key (as
    Snakemake merges ``--configfile``)."""

    def lay(base: dict, top: dict) -> dict:
        out = dict(base)
        for k, v in top.items():
            out[k] = lay(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
        return out

    config = {}
    for f in ["config/config.yaml", *files]:
        config = lay(config, read_yaml(f))
    return config


def kadai2(config: dict, out: Path, budget: float) -> list[str]:
    """Each CUDA series of 課題2 as its rule runs it, with ``budget`` seconds per series."""
    from .backends.registry import IMPLEMENTATIONS
    from .io import read_csv
    from .kadai2 import measure, plan
    from .rows import RAW

    k2, lines = config["kadai2"], []
    for op in plan.OPS:
        for impl in CUDA_IMPLEMENTATIONS:
            settings = {"sweep": {**k2[op], "total_budget_s": min(budget, k2[op]["total_budget_s"])},
                        "timing": config["timing"], "dtype": k2["dtype"], "padding": k2["padding"],
                        "gpu_memory_cap_gb": k2["gpu_memory_cap_gb"],
                        "host_memory_fraction": k2["host_memory_fraction"]}
            path = out / "kadai2" / f"{op}_{impl}.csv"
            t0 = time.perf_counter()
            measure.run(op, impl, IMPLEMENTATIONS[impl], settings, path)
            lines.append(f"課題2 {op} {impl}: {series_line(read_csv(path, RAW))} ({time.perf_counter() - t0:.0f} s)")
    return lines


def series_line(table) -> str:
    """What one raw series holds: its fastest time at the largest size measured and why the
    series ended, or why it was skipped."""
    from .raw import stop_reason

    ok, stop = table[table.status == "ok"], stop_reason(table)
    if ok.empty:
        return f"{stop['status']}: {stop['note']}"
    top = ok[ok.N == ok.N.max()]
    return (f"{ok.N.nunique()} sizes, N = {ok.N.min()}–{ok.N.max()}, fastest at N = {top.N.iloc[0]}: "
            f"{top.seconds.min() * 1e3:.3g} ms ({len(top)} runs); ended: {stop['note']}")


def nini1(config: dict, out: Path) -> list[str]:
    from .nini1 import analyse, gpu

    g = config["nini1"]["gpu"]
    result = gpu.measure(g["n"], g["rounds"], g["check_n"], g["vec"], out / "nini1" / "gpu.json")
    if not result["available"]:
        return [f"任意課題1 GPU: skipped: {result['reason']}"]
    facts = analyse.gpu_facts(result)
    lines = [f"任意課題1 GPU ({facts['device']}, N = {facts['N']}, {facts['rounds']} rounds):"]
    for name, c in result["correct"].items():
        speed = facts["gflops"].get(name)
        shown = f"{speed:.0f} GFLOPS" if speed else "not timed"
        lines.append(f"  {name}: {shown}, relative error {c['relative_error']:.2e}, "
                     f"checked at N = {facts['N']}: {c.get('timed_size_ok')}")
    num3 = lambda x: "—" if x is None else f"{x:.3g}"  # noqa: E731 - too few rounds: no number
    for key, v in facts["steps"].items():
        num = v.get("numbers", {})
        lines.append(f"  step {key}: ratio {num3(num.get('ratio'))} (95 % {num3(num.get('lo'))}–"
                     f"{num3(num.get('hi'))}): {v['outcome']} {v.get('reason', '')}".rstrip())
    alone = facts["alone"]
    if alone:
        v, num = alone["goal"], alone["goal"]["numbers"]
        speeds = ", ".join(f"{k} {g:.0f} GFLOPS" for k, g in alone["gflops"].items())
        lines.append(f"  each alone ({alone['burst']} runs in a row): {speeds}; ratio {num3(num.get('ratio'))} "
                     f"(95 % {num3(num.get('lo'))}–{num3(num.get('hi'))}): {v['outcome']} {v['reason']}")
    lines.append(f"  goal over both orders: {facts['goal']['outcome']} {facts['goal']['reason']}")
    return lines


def kadai3(config: dict, out: Path) -> list[str]:
    from .backends.availability import torch_cuda_status
    from .io import read_csv
    from .kadai3 import bench, plan, timing
    from .kadai3.analyse import epoch_times
    from .rows import TIMING3

    status = torch_cuda_status()
    if not status.ok:
        return [f"課題3 GPU: skipped: {status.reason}"]
    k3 = {**config["kadai3"], "device": "cuda", "outlier_factor": config["timing"]["outlier_factor"]}
    r = bench.measure(k3["dataset"], k3["data_dir"], k3["source_dir"], k3["batch_size"])
    lines = [f"課題3 GPU: {bench.describe(r)}"]
    path = out / "kadai3" / "timing.csv"
    timing.run(plan.models(k3), k3, path)
    times, _ = epoch_times(read_csv(path, TIMING3))
    lines += [f"  {name}: {s.median():.2f} s/epoch (median of {len(s)} rounds of {k3['timing_steps']} batches)"
              for name, s in sorted(times.items(), key=lambda kv: kv[1].median())]
    return lines


PARTS = {"kadai2": kadai2, "nini1": nini1, "kadai3": kadai3}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m kadai.gpucheck", description=__doc__.split("\n")[0])
    p.add_argument("--configfile", nargs="+", default=[])
    p.add_argument("--out", default="results/gpucheck")
    p.add_argument("--budget", type=float, default=20.0, help="seconds per 課題2 series (default 20)")
    p.add_argument("--skip", nargs="*", default=[], choices=list(PARTS))
    a = p.parse_args(sys.argv[1:] if argv is None else argv)
    config, out = merged(a.configfile), Path(a.out)
    failed = 0
    for name, part in PARTS.items():
        if name in a.skip:
            continue
        args = (config, out, a.budget) if name == "kadai2" else (config, out)
        try:
            lines = part(*args)
        except Exception:  # noqa: BLE001 - a failure the pipeline does not catch: shown, the other parts run
            failed += 1
            lines = [f"{name}: FAILED (the build would stop here)\n{traceback.format_exc()}"]
        print("\n".join(lines), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
