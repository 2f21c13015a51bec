"""課題2: matrix product and 3×3 convolution in Python, NumPy, CuPy and PyTorch (CPU/GPU).

One series per operation × implementation, measured by the shared harness. GPU series are
skipped with the reason where no GPU is usable, and stop with ``oom`` where memory runs out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import backends, figures, fit, measure
from .figures import NO_UNIT, Axis
from .io import read_json, write_csv, write_json

OPS = {"matmul": "行列積", "conv": "畳み込み"}
# the functions that build and run a series: their source is part of every series' fingerprint
MEASURE_CODE = ("to_host", "_reference_and_check", "host_memory_cap", "gpu_memory_cap",
                "bytes_needed", "make_series", "_program", "run_measure")


# ---------------------------------------------------------------- series


def to_host(x) -> np.ndarray:
    """A NumPy copy of a NumPy/CuPy array, torch tensor or nested list."""
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    if hasattr(x, "get") and not isinstance(x, (dict, np.ndarray)):
        return x.get()
    return np.asarray(x)


def _reference_and_check(op: str, padding: str, tol: float, rng_seed: int):
    """Reference and check for one operation.

    Matrix product: Freivalds' check — for a random vector r, every element of C·r must equal
    A·(B·r) within ``tol`` times its error scale |A|·(|B|·|r|). This costs O(N²) in float64
    instead of the O(N³) of recomputing the product. Convolution: the float64 NumPy convolution
    itself (already O(N²)), compared by relative norm.
    """
    if op == "matmul":
        def reference(a, b):
            a, b = to_host(a).astype(np.float64), to_host(b).astype(np.float64)
            r = np.random.default_rng(rng_seed).standard_normal(a.shape[1])
            return r, a @ (b @ r), np.abs(a) @ (np.abs(b) @ np.abs(r))

        def check(out, ref):
            r, expected, scale = ref
            out = to_host(out).astype(np.float64)
            if out.shape != (len(r), len(r)):
                return False
            return bool(np.all(np.abs(out @ r - expected) <= tol * scale + 1e-300))
    else:
        def reference(x, k):
            return backends.conv2d_reference(to_host(x), to_host(k), padding)

        def check(out, ref):
            return backends.rel_error(to_host(out), ref) <= tol
    return reference, check


def host_memory_cap(fraction: float) -> float:
    try:
        import psutil
        return fraction * psutil.virtual_memory().available
    except Exception:  # noqa: BLE001
        return float("inf")


def gpu_memory_cap(cap_gb, lib: str) -> float:
    """Configured cap, else 90 % of the device's free memory."""
    if cap_gb is not None:
        return float(cap_gb) * 2**30
    if lib == "cupy":
        import cupy
        free, _ = cupy.cuda.runtime.memGetInfo()
    else:
        import torch
        free, _ = torch.cuda.mem_get_info()
    return 0.9 * free


def bytes_needed(op: str, itemsize: int, python: bool = False):
    """Memory one run needs on its device: inputs, output and the float64 check on the host."""
    per = 32 if python else itemsize  # a Python float in a list costs ~32 bytes
    arrays = 3 if op == "matmul" else 2
    return lambda n: arrays * per * float(n) ** 2 + 8.0 * float(n) ** 2


def make_series(op: str, impl: str, cfg: dict) -> measure.Series:
    """The measure.Series of one operation × implementation (the implementation must be available)."""
    lib, device, gpu, transfer = backends.IMPLEMENTATIONS[impl]
    padding = cfg.get("padding", "valid")
    dtype = "float64" if lib == "python" else cfg["dtype"]
    np_dtype = np.dtype(dtype)
    reference, check = _reference_and_check(op, padding, backends.tolerance(dtype), 12345)

    def host_inputs(n, rng):
        if op == "matmul":
            return rng.random((n, n)).astype(np_dtype), rng.random((n, n)).astype(np_dtype)
        return rng.random((n, n)).astype(np_dtype), rng.standard_normal((3, 3)).astype(np_dtype)

    sync = lambda: None  # noqa: E731
    cleanup = lambda: None  # noqa: E731
    oom_errors: tuple = (MemoryError,)
    make_inputs = host_inputs
    if lib == "python":
        program = _program()
        make_inputs = lambda n, rng: tuple(x.tolist() for x in host_inputs(n, rng))  # noqa: E731
        kernel = program.matmul_naive if op == "matmul" else (
            lambda x, k: backends.conv2d_python(x, k, padding))
    elif lib == "numpy":
        kernel = (lambda a, b: backends.matmul_xp(np, a, b)) if op == "matmul" else (
            lambda x, k: backends.conv2d_xp(np, x, k, padding))
    elif lib == "cupy":
        import cupy
        sync = cupy.cuda.Device().synchronize

        def cleanup():
            cupy.get_default_memory_pool().free_all_blocks()

        oom_errors = (MemoryError, cupy.cuda.memory.OutOfMemoryError)
        compute = (lambda a, b: backends.matmul_xp(cupy, a, b)) if op == "matmul" else (
            lambda x, k: backends.conv2d_xp(cupy, x, k, padding))
        if transfer:
            kernel = lambda a, b: compute(cupy.asarray(a), cupy.asarray(b)).get()  # noqa: E731
        else:
            make_inputs = lambda n, rng: tuple(cupy.asarray(x) for x in host_inputs(n, rng))  # noqa: E731
            kernel = compute
    else:  # torch
        import torch
        dev = torch.device(device)
        if device == "cuda":
            sync = torch.cuda.synchronize
            cleanup = torch.cuda.empty_cache
            oom_errors = (MemoryError, torch.cuda.OutOfMemoryError)
        compute = backends.matmul_torch if op == "matmul" else (
            lambda x, k: backends.conv2d_torch(x, k, padding))
        if transfer:
            def kernel(a, b):
                return compute(torch.from_numpy(a).to(dev), torch.from_numpy(b).to(dev)).cpu().numpy()
        else:
            make_inputs = lambda n, rng: tuple(torch.from_numpy(x).to(dev) for x in host_inputs(n, rng))  # noqa: E731
            kernel = compute

    if gpu:
        cap = gpu_memory_cap(cfg.get("gpu_memory_cap_gb"), lib)
    else:
        cap = host_memory_cap(cfg.get("host_memory_fraction", 0.5))
    return measure.Series(implementation=impl, op=op, make_inputs=make_inputs, kernel=kernel,
                          reference=reference, check=check, dtype=dtype, device=device,
                          sync=sync, bytes_needed=bytes_needed(op, np_dtype.itemsize, lib == "python"),
                          memory_cap_bytes=cap, oom_errors=oom_errors, cleanup=cleanup)


def _program():
    from .kadai1 import load_program
    return load_program()


def run_measure(op: str, impl: str, cfg: dict, out_csv) -> pd.DataFrame:
    avail = backends.availability(impl)
    if not avail.ok:
        print(f"[kadai2/{op}/{impl}] skipped: {avail.reason}")
        raw = measure.skipped(impl, op, avail.reason, cfg["dtype"], backends.IMPLEMENTATIONS[impl][1])
    else:
        sweep = measure.SweepConfig.from_config(cfg[op])
        raw = measure.run_series(make_series(op, impl, cfg), sweep,
                                 progress=measure.Progress(f"kadai2/{op}/{impl}"))
    write_csv(out_csv, raw)
    return raw


# ---------------------------------------------------------------- analysis


def run_fits(raw_paths, fit_cfg: dict, out_json) -> dict:
    summary = measure.summarise(measure.load_raw(raw_paths))
    out: dict = {}
    for (op, impl), grp in summary.groupby(["op", "implementation"]):
        if len(grp) >= 2:
            out.setdefault(op, {})[impl] = fit.growth_law(
                grp.N.to_numpy(), grp["median"].to_numpy(), confidence=fit_cfg["confidence"],
                tolerance=fit_cfg["tolerance"], min_points=fit_cfg["min_points"])
    write_json(out_json, out)
    return out


def _ordered(impls):
    order = list(backends.IMPLEMENTATIONS)
    return sorted(impls, key=order.index)


def draw_figures(raw_paths, fits_json, out_dir, padding: str = "valid") -> None:
    summary = measure.summarise(measure.load_raw(raw_paths))
    fits = read_json(fits_json)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.svg*"):
        old.unlink()
    n_axis = Axis("行列サイズ N", NO_UNIT, "log")
    for op, label in OPS.items():
        s_op = summary[summary.op == op]
        if s_op.empty:
            continue
        fig, ax = figures.new_figure(n_axis, Axis("実行時間", "s", "log"), width=6.4, height=5.0)
        for impl in _ordered(s_op.implementation.unique()):
            g = s_op[s_op.implementation == impl]
            figures.plot_series(ax, impl, g.N, g["median"], g.q1, g.q3)
            if impl in fits.get(op, {}):
                figures.plot_power_fit(ax, impl, fits[op][impl]["power"])
        figures.size_ticks(ax, s_op.N)
        figures.legend_below(ax)
        figures.save(fig, out_dir / f"time_{op}.svg", caption=f"{label}の実行時間")

        fig, ax = figures.new_figure(n_axis, Axis("計算速度", "GFLOPS", "log"))
        for impl in _ordered(s_op.implementation.unique()):
            g = s_op[s_op.implementation == impl]
            ax.plot(g.N, backends.flops(op, g.N, padding) / g["median"] / 1e9, "o-", ms=3,
                    color=figures.impl_color(impl), label=figures.impl_name(impl))
        figures.size_ticks(ax, s_op.N)
        ax.legend(loc="best", fontsize=7)
        figures.save(fig, out_dir / f"gflops_{op}.svg", caption=f"{label}の計算速度")

    fig, axes = figures.new_figure(n_axis, Axis("NumPy に対する速度比", "倍", "log"), width=8.4, height=3.6,
                                   panels=[(n_axis, Axis("NumPy に対する速度比", "倍", "log"))] * 2)
    for ax, (op, label) in zip(axes, OPS.items()):
        s_op = summary[summary.op == op]
        base = s_op[s_op.implementation == "numpy"].set_index("N")["median"]
        for impl in _ordered(s_op.implementation.unique()):
            g = s_op[s_op.implementation == impl].set_index("N")["median"]
            common = g.index.intersection(base.index)
            if impl == "numpy" or common.empty:
                continue
            ax.plot(common, base[common] / g[common], "o-", ms=3, color=figures.impl_color(impl),
                    label=figures.impl_name(impl))
        ax.axhline(1.0, color=figures.impl_color("numpy"), lw=1, ls=":", label="NumPy と同じ")
        ax.set_title(label, fontsize=10)
        if not s_op.empty:
            figures.size_ticks(ax, s_op.N)
        ax.legend(loc="best", fontsize=6.5)
    figures.save(fig, out_dir / "speedup.svg", caption="NumPy に対する速度比")

    gpu = summary[summary.implementation.isin(["cupy", "cupy_transfer", "torch_cuda",
                                               "torch_cuda_transfer"])]
    if not gpu.empty:
        fig, axes = figures.new_figure(n_axis, Axis("実行時間", "s", "log"), width=8.4, height=3.6,
                                       panels=[(n_axis, Axis("実行時間", "s", "log"))] * 2)
        for ax, (op, label) in zip(axes, OPS.items()):
            g_op = gpu[gpu.op == op]
            for impl in _ordered(g_op.implementation.unique()):
                g = g_op[g_op.implementation == impl]
                ax.plot(g.N, g["median"], "o-" if "transfer" not in impl else "s--", ms=3,
                        color=figures.impl_color(impl), label=figures.impl_name(impl))
            ax.set_title(label, fontsize=10)
            if not g_op.empty:
                figures.size_ticks(ax, g_op.N)
            ax.legend(loc="upper left", fontsize=6.5)
        figures.save(fig, out_dir / "gpu_transfer.svg", caption="GPU の計算のみと転送込みの比較")


def crossover(summary: pd.DataFrame, op: str, impl: str, other: str = "numpy") -> int | None:
    """Smallest measured N from which ``impl`` stays faster than ``other`` (None if never)."""
    a = summary[(summary.op == op) & (summary.implementation == impl)].set_index("N")["median"]
    b = summary[(summary.op == op) & (summary.implementation == other)].set_index("N")["median"]
    common = sorted(a.index.intersection(b.index))
    for i, n in enumerate(common):
        if all(a[m] < b[m] for m in common[i:]):
            return int(n)
    return None


def build_context(raw_paths, fits_json, cfg: dict, fit_cfg: dict, out_json) -> dict:
    raw = measure.load_raw(raw_paths)
    summary = measure.summarise(raw)
    fits = read_json(fits_json)
    padding = cfg.get("padding", "valid")
    ops = {}
    for op, label in OPS.items():
        series = {}
        r_op = raw[raw.op == op]
        s_op = summary[summary.op == op]
        numpy = s_op[s_op.implementation == "numpy"].set_index("N")["median"]
        for impl in _ordered(r_op.implementation.unique()):
            stop = measure.stop_reason(r_op[r_op.implementation == impl])
            g = s_op[s_op.implementation == impl].sort_values("N")
            entry = {"key": impl, "name": figures.impl_name(impl), "stop": stop,
                     "measured": bool(len(g)), "skipped": stop["status"] == measure.SKIPPED,
                     "dtype": str(r_op[r_op.implementation == impl].dtype.iloc[0])}
            if len(g):
                n_max = int(g.N.max())
                t_max = float(g["median"].iloc[-1])
                rate = backends.flops(op, g.N, padding) / g["median"].to_numpy() / 1e9
                peak = int(np.argmax(rate))
                itemsize = 8 if impl == "python_naive" else np.dtype(cfg["dtype"]).itemsize
                arrays = 3 if op == "matmul" else 2
                entry.update(n_min=int(g.N.min()), n_max=n_max, t_min=float(g["median"].iloc[0]),
                             t_max=t_max, gflops_max=float(rate[-1]), sizes=int(len(g)),
                             gflops_peak=float(rate[peak]), n_peak=int(g.N.iloc[peak]),
                             # bytes of the operands and result, at the peak and at the largest N
                             bytes_peak=float(arrays * itemsize * g.N.iloc[peak] ** 2),
                             bytes_max=float(arrays * itemsize * n_max ** 2))
                common = sorted(set(g.N) & set(numpy.index))
                if impl != "numpy" and common:
                    n_c = common[-1]
                    t_c = float(g.set_index("N")["median"][n_c])
                    entry["vs_numpy"] = {"N": int(n_c), "t": t_c, "numpy_t": float(numpy[n_c]),
                                         "speedup": float(numpy[n_c]) / t_c}
                    entry["faster_than_numpy_from"] = crossover(summary, op, impl)
            if impl in fits.get(op, {}):
                entry["fit"] = fits[op][impl]
            series[impl] = entry
        ops[op] = {"label": label, "series": series, "impls": list(series),
                   "table": _time_table(s_op, series, op, padding)}
    relations = [[OPS[op], s["name"]] for op in ops for s in ops[op]["series"].values() if "fit" in s]
    configured = list(dict.fromkeys(raw.implementation))
    reg = backends.registry()
    registry_rows = [[figures.impl_name(k), "GPU" if backends.IMPLEMENTATIONS[k][2] else "CPU",
                      "計測した" if reg[k].ok else f"計測不可（{reg[k].reason}）"]
                     for k in _ordered(configured)]
    skipped = [{"name": figures.impl_name(k), "reason": reg[k].reason}
               for k in _ordered(configured) if not reg[k].ok]
    ctx = {"ops": ops, "relations": relations, "config": cfg, "fit_config": fit_cfg,
           "registry_rows": registry_rows, "skipped": skipped,
           "tolerance": backends.tolerance(cfg["dtype"]),
           "padding": padding,
           "gpu_measured": any(s.get("measured") and backends.IMPLEMENTATIONS[k][2]
                               for o in ops.values() for k, s in o["series"].items())}
    write_json(out_json, ctx)
    return ctx


def _time_table(s_op: pd.DataFrame, series: dict, op: str, padding: str) -> dict:
    """Median time per N (rows) and implementation (columns)."""
    impls = [k for k, s in series.items() if s.get("measured")]
    cols = [{"name": "N", "kind": "int"}] + [
        {"name": figures.impl_name(k), "unit": "s", "kind": "sig"} for k in impls]
    rows = []
    for n in sorted(s_op.N.unique()):
        row = [int(n)]
        for k in impls:
            g = s_op[(s_op.implementation == k) & (s_op.N == n)]
            row.append(float(g["median"].iloc[0]) if len(g) else None)
        rows.append(row)
    # keep the table readable: every other size when the sweep is dense
    if len(rows) > 12:
        rows = rows[::2] if rows[-1] in rows[::2] else rows[::2] + [rows[-1]]
    return {"columns": cols, "rows": rows}

