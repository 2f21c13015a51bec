"""課題2 analysis: raw tables in, findings out (growth laws and regimes with verdicts, speeds,
NumPy comparisons, why each series stopped, and what the explaining experiments show)."""

from __future__ import annotations

import math
import os
import re

import numpy as np

from .. import fit, ops, raw, scaling, verdicts
from ..backends.registry import IMPLEMENTATIONS, ordered
from ..io import read_csv, read_json, write_json
from ..measure import SweepConfig
from .explain import ONEDNN

EXPECTED = {"matmul": 3, "conv": 2}  # operation counts 2N³ and 18(N−2)²
STEP = 1.25  # a "step": the time per operation grows by at least this factor across a change of growth
PYTHON_FLOAT_BYTES = 32  # a float in a list: an 8-byte pointer and a 24-byte float object
# the time with the transfers at least twice the computing time alone: moving the data takes at
# least as long as computing on them
TRANSFER_DOMINATES = 2.0


def itemsize(impl: str, dtype: str) -> int:
    return PYTHON_FLOAT_BYTES if IMPLEMENTATIONS[impl]["library"] == "python" else int(np.dtype(dtype).itemsize)


def working_set(op: str, impl: str, dtype: str):
    """Bytes that must stay in a cache at size N: for the pure-Python triple loop B alone (read
    again for every row of A); otherwise the operands and the result."""
    size = itemsize(impl, dtype)
    if op == "matmul" and IMPLEMENTATIONS[impl]["library"] == "python":
        return lambda n: float(size) * float(n) ** 2
    return lambda n: float(ops.operand_bytes(op, n, size))


CROSSOVER_SIZES = 3  # "faster at every size from N on" needs this many sizes from N on


def crossover(summary, op: str, impl: str, other: str = "numpy", margin: float = 0.0, sizes=None,
              least: int = CROSSOVER_SIZES) -> int | None:
    """Smallest N from which ``impl`` stays faster than ``other`` by more than ``margin`` (a share)
    at every size both measured (only ``sizes``, where given: e.g. those confirmed in both), with
    at least ``least`` such sizes from there on; None where there is none (a claim about "every
    size from N on" resting on one or two sizes says nothing)."""
    a = raw.series_of(summary, "time", op=op, implementation=impl)
    b = raw.series_of(summary, "time", op=op, implementation=other)
    common = sorted(n for n in a.index.intersection(b.index) if sizes is None or n in sizes)
    for i, n in enumerate(common[:len(common) - least + 1] if least > 0 else common):
        if all(a[m] * (1 + margin) < b[m] for m in common[i:]):
            return int(n)
    return None


def not_faster_at(summary, op: str, impl: str, from_n: int, margin: float = 0.0, other: str = "numpy") -> list[int]:
    """The sizes from ``from_n`` on, among all that both measured (confirmed or not), where
    ``impl`` is not faster than ``other`` by more than ``margin``: what a crossover found on the
    confirmed sizes alone does not see, and the figure shows."""
    a = raw.series_of(summary, "time", op=op, implementation=impl)
    b = raw.series_of(summary, "time", op=op, implementation=other)
    return [int(n) for n in sorted(a.index.intersection(b.index)) if n >= from_n and not a[n] * (1 + margin) < b[n]]


def speed_facts(g, op: str, size: int, padding: str, confirmed_n=None) -> dict:
    """Sizes, times and computing speed of one measured series (``g``: summary rows by N). The
    speed at the largest N (``gflops_max`` at ``n_rate``) is taken at the largest size whose
    minimum was confirmed by a second sample (``confirmed_n``; every size when None)."""
    n, t = g.N.to_numpy(), g["time"].to_numpy()
    rate = ops.flops(op, n, padding) / t / 1e9
    peak = int(np.argmax(rate))
    sure = [i for i, v in enumerate(n) if confirmed_n is None or int(v) in confirmed_n] or [len(n) - 1]
    return {"n_min": int(n[0]), "n_max": int(n[-1]), "t_min": float(t[0]), "t_max": float(t[-1]),
            "sizes": int(len(g)), "runs": int(g.runs.sum()), "outliers": int(g.outliers.sum()),
            "gflops_max": float(rate[sure[-1]]), "n_rate": int(n[sure[-1]]),
            "gflops_peak": float(rate[peak]), "n_peak": int(n[peak]),
            "bytes_peak": float(ops.operand_bytes(op, n[peak], size)),
            "bytes_max": float(ops.operand_bytes(op, n[-1], size))}


def threads_of(op: str, impl: str, sysinfo: dict) -> int:
    """Threads the series runs with: BLAS's matrix product and PyTorch use every usable core,
    pure Python and NumPy's element-wise convolution one."""
    lib = IMPLEMENTATIONS[impl]["library"]
    many = lib == "torch" or (lib in ("numpy", "cupy") and op == "matmul")
    return int(sysinfo.get("usable_cores") or os.cpu_count() or 1) if many else 1


def largest_common(table, op: str, a: str, b: str, sure: set | None = None):
    """The largest N both series ``a`` and ``b`` of ``op`` measured, among those confirmed in both
    where there are any (``sure``: (implementation, op, N) from :func:`kadai.raw.confirmed`): N,
    the ok times of each there, and whether that N is confirmed in both; None without a common N."""
    common = raw.common_sizes(table, op, a, b, sure)
    if not common:
        return None
    n = common[-1]
    return (int(n), raw.runs_at(table, n, op=op, implementation=a), raw.runs_at(table, n, op=op, implementation=b),
            sure is None or {(a, op, n), (b, op, n)} <= sure)


def versus_numpy(table, op: str, impl: str, threads: int = 1, sure: set | None = None) -> dict | None:
    """At the largest common N (:func:`largest_common`): the fastest times, NumPy's speed-up over
    ``impl``, which is faster by the minima alone (``min_faster``), and whether NumPy is faster
    (``numpy_faster``) or ``impl`` is (``impl_faster``). Where that N has too few runs to decide,
    ``decided``: the same at the largest common size that has enough (None if none has)."""
    found = None if impl == "numpy" else largest_common(table, op, impl, "numpy", sure)
    if found is None:
        return None
    n, t_mine, t_numpy, confirmed = found
    load = raw.load_of(table[(table.op == op) & table.implementation.isin([impl, "numpy"])], threads=threads)

    def compare(t_mine, t_numpy) -> dict:
        speedup = float(t_numpy.min() / t_mine.min())
        return {"t": float(t_mine.min()), "numpy_t": float(t_numpy.min()), "speedup": speedup,
                "min_faster": "impl" if speedup >= 1 else "numpy",
                "numpy_faster": verdicts.guard(verdicts.ratio(t_mine, t_numpy, verdicts.SPEEDUP, estimator="min"),
                                               *load),
                "impl_faster": verdicts.guard(verdicts.ratio(t_numpy, t_mine, verdicts.SPEEDUP, estimator="min"),
                                              *load)}
    out = {"N": n, "confirmed": confirmed, **compare(t_mine, t_numpy), "decided": None}
    if out["numpy_faster"].get("reason") == "too_few":
        for m in reversed(raw.common_sizes(table, op, impl, "numpy", sure)[:-1]):
            c = compare(raw.runs_at(table, m, op=op, implementation=impl),
                        raw.runs_at(table, m, op=op, implementation="numpy"))
            if c["numpy_faster"].get("reason") != "too_few":
                out["decided"] = {"N": int(m), **c}
                break
    return out


def stated(vs: dict | None) -> dict | None:
    """The library comparison a conclusion states, from :func:`versus_numpy`: at the largest common
    N, or at ``decided`` where that N has too few runs. ``faster``: "numpy", "impl" or None;
    ``numbers`` and ``min_ratio`` (the winner's speed-up by the minima) back a faster verdict;
    without one, ``reason`` None means neither is faster by the threshold, "busy" or "too_few" that
    the runs could not tell."""
    if vs is None:
        return None
    c = vs["decided"] if vs["numpy_faster"].get("reason") == "too_few" and vs.get("decided") else vs
    out = {"N": c["N"], "faster": None, "numbers": c["numpy_faster"].get("numbers"), "min_ratio": None,
           "reason": c["numpy_faster"].get("reason"), "threshold": c["numpy_faster"]["numbers"]["threshold"]}
    for who, key, ratio in (("numpy", "numpy_faster", 1 / c["speedup"]), ("impl", "impl_faster", c["speedup"])):
        if c[key]["outcome"] == verdicts.YES:
            out.update(faster=who, numbers=c[key]["numbers"], min_ratio=ratio, reason=None)
    if out["reason"] in ("below", "straddles"):
        out["reason"] = None  # measured well enough: neither is faster by the threshold
    return out


def sweep_against_experiment(stated_: dict | None, torch_conv: dict) -> dict | None:
    """Where the sweep's PyTorch-against-NumPy convolution verdict (:func:`stated`) falls on a size
    the formulation experiment also ran, whether the two disagree: the sweep names NumPy faster
    and the experiment's alternated rounds do not find ``conv2d`` slower (or the sweep does not,
    and the experiment does). None where they agree or share no size."""
    if not stated_ or stated_["N"] not in torch_conv or stated_["reason"] in ("busy", "too_few"):
        return None
    v = torch_conv[stated_["N"]]["conv2d_vs_numpy"]
    if (stated_["faster"] == "numpy") == (v["outcome"] == verdicts.YES):
        return None
    return {"N": stated_["N"], "sweep": stated_["faster"], "experiment": v["outcome"], "numbers": v["numbers"]}


def transfer_cost(table, op: str, impl: str, sure: set | None = None) -> dict | None:
    """At the largest N where a GPU series was measured both without and with the transfers
    between host and GPU (``impl`` and ``impl``_transfer; :func:`largest_common`): the two fastest
    times and whether the transfers take at least as long as the computation (``dominates``)."""
    found = largest_common(table, op, impl, f"{impl}_transfer", sure)
    if found is None:
        return None
    n, t_alone, t_moved, confirmed = found
    return {"N": n, "t": float(t_alone.min()), "t_transfer": float(t_moved.min()),
            "ratio": float(t_moved.min() / t_alone.min()),  # told even where too few runs decide nothing
            "confirmed": confirmed,
            "dominates": verdicts.ratio(t_moved, t_alone, TRANSFER_DOMINATES, estimator="min").to_dict()}


def speed_ratios(summary, op: str, impl: str):
    """NumPy's representative time over the series' at every size both measured (the speed-ratio
    figure's points), by N; empty without a common size."""
    s_op = summary[summary.op == op]
    base, g = (raw.series_of(s_op, implementation=i) for i in ("numpy", impl))
    common = g.index.intersection(base.index)
    return base[common] / g[common]


def speed_range(summary, op: str, impl: str) -> dict | None:
    """What the speed-ratio figure shows for one series (:func:`speed_ratios`): its range, the N of
    either end (``n_lo``, ``n_hi``), where it lies against 1 (``side``: "below", "above" or "both")
    and how many sizes lie on each side (``faster``: above 1, ``slower``: below). The figure draws
    every size; ``unconfirmed``: how many of them lack a minimum seen twice in either series (the
    table's *), and ``ends_unconfirmed``: which ends ("lo", "hi") lie at such a size. None without
    a common size, or for NumPy itself."""
    r = speed_ratios(summary, op, impl)
    if impl == "numpy" or r.empty:
        return None
    side = "below" if r.max() < 1 else "above" if r.min() > 1 else "both"
    s_op = summary[summary.op == op]
    sure = {i: set(s_op[(s_op.implementation == i) & s_op.confirmed].N.astype(int)) for i in ("numpy", impl)}
    unsure = [int(n) for n in r.index if int(n) not in sure["numpy"] or int(n) not in sure[impl]]
    return {"lo": float(r.min()), "hi": float(r.max()), "n_first": int(r.index.min()), "n_last": int(r.index.max()),
            "n_lo": int(r.idxmin()), "n_hi": int(r.idxmax()), "sizes": int(len(r)), "side": side,
            "faster": int((r > 1).sum()), "slower": int((r < 1).sum()), "unconfirmed": len(unsure),
            "ends_unconfirmed": [e for e, n in (("lo", int(r.idxmin())), ("hi", int(r.idxmax()))) if n in unsure]}


def series_findings(table, summary, op: str, impl: str, law: dict | None, settings: dict, sysinfo: dict,
                    sure: set | None = None, refuted: dict | None = None, agreement: float = 0.05, *,
                    fitted) -> dict:
    """Everything the report says about one series. ``fitted``: the summary rows the laws were
    fitted to (:func:`kadai.raw.fit_rows`)."""
    rows = table[(table.op == op) & (table.implementation == impl)]
    g = summary[(summary.op == op) & (summary.implementation == impl)].sort_values("N")
    entry = {"key": impl, "stop": raw.stop_reason(rows), "measured": bool(len(g)), "skipped": raw.skipped(rows),
             "dtype": str(rows.dtype.iloc[0]), "device": IMPLEMENTATIONS[impl]["device"],
             "threads": threads_of(op, impl, sysinfo), "inversions": []}
    if not len(g):
        return entry
    size = itemsize(impl, settings["dtype"])
    entry.update(speed_facts(g, op, size, settings["padding"],
                             None if sure is None else {n for i, o, n in sure if (i, o) == (impl, op)}))
    vs = versus_numpy(table, op, impl, max(threads_of(op, impl, sysinfo), threads_of(op, "numpy", sysinfo)), sure)
    if vs:
        entry["vs_numpy"] = vs
        entry["stated"] = stated(vs)
        entry["faster_than_numpy_from"] = crossover(summary, op, impl, margin=agreement,
                                                    sizes=set(raw.common_sizes(table, op, impl, "numpy", sure)))
        if entry["faster_than_numpy_from"] is not None:
            entry["not_faster_unconfirmed"] = not_faster_at(summary, op, impl, entry["faster_than_numpy_from"],
                                                            agreement)
    if law:
        faults = dict(zip(g.N.astype(int), g.faults)) if "faults" in g else {}
        times = dict(zip(g.N.astype(int), g["time"]))
        entry["fit"] = law
        entry["inversions"] = raw.inversions(times, agreement, law["power"]["n_first"], g)
        entry["relation"] = scaling.relation(law, EXPECTED[op], working_set(op, impl, settings["dtype"]),
                                             sysinfo.get("caches", []), faults, sysinfo.get("page_bytes", 4096),
                                             raw.load_of(rows, threads=threads_of(op, impl, sysinfo)),
                                             times, refuted, minima=dict(zip(g.N.astype(int), g["fastest"])))
        # polynomials against the power law where the stated law holds (the largest regime)
        top = entry["relation"]["regimes"][-1] if entry["relation"]["regimes"] else None
        law_t = raw.series_of(fitted, op=op, implementation=impl)
        entry["models"] = top and fit.models_within(list(law_t.index), list(law_t.values),
                                                    top["n_first"], top["n_last"])
        if entry["models"]:  # held-out sizes that the law's own line does not follow (scaling.off_line)
            entry["models"]["holdout_off_line"] = sorted(set(entry["models"]["comparison"]["holdout_sizes"])
                                                         & set(top["off_line"]["sizes"]))
    return entry


UNFOLD_COPIES = 9  # unfold lays out each 3×3 patch as a column: a matrix of 9 × the output's elements
FAULTS_MATCH = 0.1  # "the faults are that matrix": within this share of its size


def fresh_memory(g, n: int, page: int) -> dict | None:
    """Per formulation at size ``n`` (``g``: its ok rows), the memory a run touched for the first
    time (median minor page faults × ``page``) over the input image's bytes, and whether unfold's
    equals the matrix it lays out (``UNFOLD_COPIES`` × the output, within ``FAULTS_MATCH``): the
    faults then measure that allocation; ``conv2d_beyond_unfold``: conv2d touched at least as much
    (so it, too, lays out or converts its input each run). None where faults were not recorded."""
    if "faults" not in g or g.faults.isna().all():
        return None
    image = float(n) * n * np.dtype(str(g.dtype.iloc[0])).itemsize
    share = {k: float(s.median()) * page / image for k, s in g.groupby("implementation").faults}
    matrix = UNFOLD_COPIES * (n - 2) ** 2 / float(n) ** 2  # in images: the valid output is (n − 2)²
    unfold, conv2d = share.get("torch_unfold"), share.get("torch_conv2d")
    return {"share": share, "unfold_matrix": matrix,
            "unfold_is_matrix": unfold is not None and abs(unfold / matrix - 1) <= FAULTS_MATCH,
            "conv2d_beyond_unfold": unfold is not None and conv2d is not None and conv2d >= unfold > 0}


def explain_torch(table, threads: int = 1, page: int = 4096) -> dict:
    """Per size: each formulation's fastest time, the paired verdicts that locate the cost, and the
    memory each run touched afresh (:func:`fresh_memory`)."""
    out = {}
    for n, g in table[table.status == "ok"].groupby("N"):
        t = {name: s.sort_values("repeat").seconds.to_numpy() for name, s in g.groupby("implementation")}
        load = raw.load_of(g, threads=threads)  # conv2d runs with every core: a busy one decides nothing

        def slower(a, b, t=t, load=load):  # is a at least SPEEDUP × slower than b, round by round?
            return verdicts.guard(verdicts.ratio(t[a], t[b], verdicts.SPEEDUP, paired=True), *load)

        out[int(n)] = {"best": {k: float(v.min()) for k, v in t.items()},
                       "conv2d_vs_numpy": slower("torch_conv2d", "numpy_shift"),
                       "conv2d_vs_torch_shift": slower("torch_conv2d", "torch_shift"),
                       "torch_shift_vs_numpy": slower("torch_shift", "numpy_shift"),
                       "numpy_vs_torch_shift": slower("numpy_shift", "torch_shift"),
                       "one_thread_vs_all": slower("torch_conv2d_1thread", "torch_conv2d"),
                       "all_vs_one_thread": slower("torch_conv2d", "torch_conv2d_1thread"),
                       "conv2d_vs_unfold": slower("torch_conv2d", "torch_unfold"),
                       "fresh": fresh_memory(g, int(n), page)}
    return out


MOSTLY = 0.5  # a step "is in the reorder" where the reorder makes at least this share of the rise


LOGGING_AGREES = 1.2  # a traced call within this factor of the plain call: the trace left its time alone
INT_MAX = 2**31 - 1
F32_BYTES = 4


def small_strides(n: int, stride: int) -> bool:
    """oneDNN's ``prb_has_small_strides`` for one node of its jit reorder's kernel (f32): ``n``
    elements ``stride`` elements apart must stay within INT_MAX bytes (its integer division kept)."""
    return stride < (INT_MAX // n) // F32_BYTES


def jit_reorder_expected(width: int, threads: int, block: int) -> bool | None:
    """Does oneDNN (3.x, ``src/cpu/x64/jit_uni_reorder.cpp``) reorder a 1-channel convolution's
    blocked output (1 × ``block`` channels × width², aBcd16b → abcd) with jit:uni at ``threads``?
    The problem is three nodes: pixels (width², input stride 16), channels (16, output stride width²)
    and the image. ``prb_block_for_cache`` moves the channel node first where width² is not a
    multiple of 4 (odd width): the kernel always holds it, and its output stride must be small. A
    width that is a multiple of 4 splits the pixel node into a 16-pixel kernel node: always small.
    Width ≡ 2 (mod 4): ``prb_thread_kernel_balance`` lends the threads a factor of the pixel node
    (its smallest divisor ≥ the threads), so the kernel keeps width²/divisor pixels of stride 16.
    The kernel fails ``prb_has_small_strides`` → simple:any. None where the derivation does not
    apply (another channel block)."""
    if block != 16:
        return None
    px = width * width
    if width % 2:
        return small_strides(16, px)
    if width % 4 == 0:
        return True
    divisor = next(d for d in range(max(threads, 1), px + 1) if px % d == 0)
    return small_strides(px // divisor, 16)


def largest_jit_width(residue: int, threads: int, block: int = 16, upto: int = 1 << 15) -> int | None:
    """The largest output width ≡ ``residue`` (mod 4; 1 for odd) below ``upto`` that still gets
    jit:uni, where every smaller one does too (None where the widths do not split at one bound)."""
    widths = [w for w in range(2, upto) if (w % 2 if residue == 1 else w % 4 == residue)]
    jit = [bool(jit_reorder_expected(w, threads, block)) for w in widths]
    last = max((i for i, ok in enumerate(jit) if ok), default=None)
    if last is None or not all(jit[:last + 1]) or last == len(jit) - 1:
        return None
    return widths[last]


def reorder_rule(table, block: int | None, threads_main: int) -> dict | None:
    """The implementation oneDNN ran for the blocked output's reorder, per size and thread count
    (every round, the probe's too; ``impls``: N → threads → implementation), against
    :func:`jit_reorder_expected`. ``agree``: every one matched; ``stated``: the report may state the
    rule (it agreed on more than one); ``probe_threads``: the thread count traced besides the
    rounds' ``threads_main`` (None without a probe); ``by_threads``: sizes whose implementation
    changed with the thread count; the
    bounds the rule gives (:func:`largest_jit_width`) for odd widths and, per thread count traced,
    for widths ≡ 2 (mod 4). None without a traced reorder or where the rule does not apply."""
    if block is None or jit_reorder_expected(5, 1, block) is None:
        return None
    back = table[(table.primitive == "reorder") & table.src.str.contains(rf"{block}[a-z]$", regex=True)]
    checked = []
    for (n, t), g in back.groupby(["N", "threads"]):
        impls = sorted(set(g.implementation))
        width = int(str(g.iloc[0].dims).split("x")[-1])
        expected = "jit:uni" if jit_reorder_expected(width, int(t), block) else "simple:any"
        checked.append({"N": int(n), "width": width, "threads": int(t), "observed": "・".join(impls),
                        "expected": expected, "agrees": impls == [expected]})
    if not checked:
        return None
    per_n = {}
    for c in checked:
        per_n.setdefault(c["N"], {})[c["threads"]] = c["observed"]
    threads = sorted({c["threads"] for c in checked})
    branch = lambda w: "odd" if w % 2 else ("mult4" if w % 4 == 0 else "mod2")  # noqa: E731
    agree = all(c["agrees"] for c in checked)
    return {"checked": checked, "agree": agree, "stated": agree and len(checked) > 1, "impls": per_n,
            "probe_threads": next((t for t in threads if t != threads_main), None),
            # the rule's cases no traced width fell in (what the source says there is untested here)
            "untested": [b for b in ("mult4", "odd", "mod2") if b not in {branch(c["width"]) for c in checked}],
            # width ≡ 2 (mod 4): the most pixels the kernel may keep (stride 16) and stay jit:uni
            "mod2_pixels": INT_MAX // ((16 + 1) * F32_BYTES),
            "mismatches": [c for c in checked if not c["agrees"]], "threads": threads,
            "by_threads": [{"N": n, "impls": impls} for n, impls in per_n.items() if len(set(impls.values())) > 1],
            "odd_limit": largest_jit_width(1, 1, block),
            "mod2_limits": {t: largest_jit_width(2, t, block) for t in threads}}


def reorder_impls(sizes: dict) -> dict | None:
    """The reorder implementations oneDNN chose across the traced sizes: per implementation its
    sizes and its range of reorder time per output pixel; ``slow``/``fast``: where one
    implementation's fastest size is slower per pixel than every size of the other (``ratio``: the
    gap between the two ranges); ``not_by_size``: the sizes of the two interleave (a larger blocked
    output got the faster one), so the output's size alone does not choose. Sizes whose traced time
    is not representative (:func:`explain_onednn`) are left out. None with fewer than two."""
    per = {}
    for n, e in sizes.items():
        # one implementation in every round, and times that stand for an ordinary call
        if e["reorder_s"] is not None and "・" not in e["reorder_impl"] and e.get("representative", True):
            per.setdefault(e["reorder_impl"], []).append((n, e["reorder_s"] / e["pixels"], e["bytes"]))
    if len(per) < 2:
        return None
    out = {"by": {k: {"sizes": [n for n, _, _ in v], "per_pixel": [min(t for _, t, _ in v), max(t for _, t, _ in v)]}
                  for k, v in per.items()}}
    lo, hi = min(per, key=lambda k: out["by"][k]["per_pixel"][1]), max(per, key=lambda k: out["by"][k]["per_pixel"][0])
    if lo != hi and out["by"][hi]["per_pixel"][0] > out["by"][lo]["per_pixel"][1]:
        ratio = out["by"][hi]["per_pixel"][0] / out["by"][lo]["per_pixel"][1]
        out.update(slow=hi, fast=lo, ratio=ratio, at_least=math.floor(ratio * 100) / 100,  # printed after 「以上」
                   not_by_size=min(b for _, _, b in per[hi]) < max(b for _, _, b in per[lo]))
    return out


def explain_onednn(table) -> dict | None:
    """What ``conv2d`` ran inside (``torch_onednn``), per size: the convolution primitive and the
    reorder of its blocked output back to PyTorch's layout, each with its implementation and its
    fastest time over the rounds (the call's too; a reorder's share is its fastest over the fastest
    call, so at most 1), the channel block the output was padded to and that buffer's bytes.
    ``steps``: between consecutive sizes, the time per output pixel of the call, the convolution and
    the reorder (right over left), whether the reorder's implementation changed, and ``in_reorder``
    (the call steps by ≥ STEP and the reorder makes ≥ MOSTLY of that rise; ``reorder_part``).
    ``impls``: :func:`reorder_impls`. ``without``: the sizes whose
    calls ran no oneDNN primitive (PyTorch computes small convolutions itself); ``sizes`` is empty
    where no call did (a PyTorch without oneDNN)."""
    if table.empty:
        return None
    traced = table  # the rounds and the probe (round −1): the reorder rule reads both
    table = table[table["round"] >= 0]
    ok = table[table.primitive != "none"]
    threads_main = int(table.threads.iloc[0]) if len(table) else None
    calls = table.drop_duplicates(["N", "round"])  # call_s and plain_s repeat on every primitive's row
    logged = (calls.call_s / calls.plain_s).groupby(calls.N).median()
    sizes = {}
    for n, g in ok.groupby("N"):
        convs = g[g.primitive == "convolution"]
        if convs.empty:
            continue
        conv = convs.loc[convs.ms.idxmin()]
        out = g[(g.primitive == "reorder") & (g.src == conv.dst)]
        back = out.groupby("round").ms.sum()  # the reorders of one call
        h, w = (int(v) for v in out.iloc[0].dims.split("x")[-2:]) if not out.empty else (int(n) - 2,) * 2
        block = re.search(r"(\d+)[a-z]$", str(conv.dst))
        block = int(block[1]) if block else 1
        call = float(g.call_s.min())
        sizes[int(n)] = {"call_s": call, "pixels": h * w, "conv_s": float(conv.ms) / 1e3,
                         "conv_impl": str(conv.implementation), "dst": str(conv.dst), "block": block,
                         "reorder_s": float(back.min()) / 1e3 if not out.empty else None,
                         "reorder_impl": "・".join(sorted(set(out.implementation))) if not out.empty else None,
                         "bytes": h * w * block * 4, "rounds": int(g["round"].nunique()),
                         "threads": int(g.threads.iloc[0]), "logged": float(logged.get(n, math.nan)),
                         "plain_s": [float(g.plain_s.min()), float(g.plain_s.max())]}
        e = sizes[int(n)]
        # the trace left the call's time alone: its times stand for an ordinary call
        e["representative"] = bool(1 / LOGGING_AGREES <= e["logged"] <= LOGGING_AGREES)
        e["reorder_share"] = e["reorder_s"] / call if e["reorder_s"] is not None else None
    ns = sorted(sizes)
    steps = []
    for a, b in zip(ns, ns[1:]):
        A, B = sizes[a], sizes[b]
        per = {k: (B[k] / B["pixels"]) / (A[k] / A["pixels"]) if A[k] and B[k] else None
               for k in ("call_s", "conv_s", "reorder_s")}
        rise = B["call_s"] / B["pixels"] - A["call_s"] / A["pixels"]  # seconds per pixel more on the right
        part = ((B["reorder_s"] / B["pixels"] - A["reorder_s"] / A["pixels"]) / rise
                if rise > 0 and A["reorder_s"] and B["reorder_s"] else None)
        both = A["representative"] and B["representative"]  # times that stand for ordinary calls
        steps.append({"lo": a, "hi": b, "call": per["call_s"], "conv": per["conv_s"], "reorder": per["reorder_s"],
                      "reorder_part": part,  # the share of the call's rise per pixel that is the reorder's
                      "impl_changed": A["reorder_impl"] != B["reorder_impl"], "representative": both,
                      "in_reorder": bool(both and per["call_s"] and per["call_s"] >= STEP and part and part >= MOSTLY)})
    blocks = sorted({(e["block"], e["dst"]) for e in sizes.values()})
    shares = [e["reorder_share"] for e in sizes.values() if e["reorder_share"] is not None and e["representative"]]
    ratios = [e["logged"] for e in sizes.values() if math.isfinite(e["logged"])]
    block = dict(zip(("block", "dst"), blocks[0])) if len(blocks) == 1 else None
    return {"sizes": sizes, "steps": steps, "step": next((s for s in steps if s["in_reorder"]), None),
            "impls": reorder_impls(sizes),
            "without": sorted(int(n) for n in set(table.N) - set(ok.N)),
            # the convolution primitive itself slower per pixel by ≥ STEP: not the reorder's doing
            "conv_steps": [s for s in steps if s["representative"] and s["conv"] and s["conv"] >= STEP],
            # one blocked output format at every size (its channel block and name), or None; padded:
            # that format holds more channels than the one computed
            "block": block, "padded": len(blocks) == 1 and blocks[0][0] > 1,
            "reorder_share": [min(shares), max(shares)] if shares else None,
            # the traced call's time over the plain call's just before it (median over rounds, per size)
            "logging": {"ratio": [min(ratios), max(ratios)] if ratios else None, "agrees": LOGGING_AGREES,
                        "apart": [n for n, e in sizes.items() if not e["representative"]]},
            "threads": threads_main,  # PyTorch's threads in the timed rounds
            "rule": reorder_rule(traced, block["block"] if block else None, threads_main)}


def reorder_inversions(inversions: list[dict], onednn: dict | None, threads: int) -> None:
    """Where the sweep's PyTorch convolution was faster at the larger of two neighbouring sizes and
    the trace (at the sweep's thread count) reordered the smaller one's output with the slower
    implementation and the larger one's with the faster: adds ``reorder`` (the two) to the inversion."""
    im = (onednn or {}).get("impls") or {}
    if not im.get("slow"):
        return
    for inv in inversions:
        small, large = (onednn["sizes"].get(inv[k]) for k in ("n_small", "n_large"))
        if small and large and {small["threads"], large["threads"]} == {threads} \
                and (small["reorder_impl"], large["reorder_impl"]) == (im["slow"], im["fast"]):
            inv["reorder"] = {"small": im["slow"], "large": im["fast"],
                              "plain_small": small["plain_s"], "plain_large": large["plain_s"]}


def blocked_fresh(torch_conv: dict, onednn: dict | None) -> None:
    """Where a size of the formulation experiment was also traced: is the memory ``conv2d`` touched
    afresh per run (its page faults, in input images) the blocked output (block × the output's
    (N − 2)² pixels) or the blocked output plus the result (block + 1), whichever is nearer
    (``channels``), within ``FAULTS_MATCH``? Adds ``blocked`` (that size in images), ``channels``
    and ``conv2d_is_blocked`` to the size's ``fresh``."""
    for n, e in torch_conv.items():
        traced = (onednn or {}).get("sizes", {}).get(n)
        share = (e.get("fresh") or {}).get("share", {}).get("torch_conv2d")
        if traced is None or share is None:
            continue
        image = traced["pixels"] / float(n) ** 2  # one output channel, in input images
        # the blocked output alone, or with the result: whichever is nearer
        channels = min((traced["block"], traced["block"] + 1), key=lambda c: abs(share / (c * image) - 1))
        blocked = channels * image
        e["fresh"].update(blocked=blocked, block=traced["block"], channels=channels, match=FAULTS_MATCH,
                          conv2d_is_blocked=abs(share / blocked - 1) <= FAULTS_MATCH)


def conv2d_method_at(torch_conv: dict) -> list[int]:
    """Sizes at which conv2d's slowness lies in its method, not in torch's tensor arithmetic:
    conv2d slower than NumPy and than the same shift-and-add in torch, and that torch shift-and-add
    not slower than NumPy's (a "cannot tell" there leaves the tensor arithmetic as a suspect)."""
    return [n for n, e in torch_conv.items()
            if e["conv2d_vs_numpy"]["outcome"] == e["conv2d_vs_torch_shift"]["outcome"] == verdicts.YES
            and e["torch_shift_vs_numpy"]["outcome"] == verdicts.NO]


def step_causes(ok, n_left: int, n_right: int) -> dict:
    """Across a change of growth of NumPy's convolution (the experiment's sizes nearest strictly
    outside [n_left, n_right]): does the time per operation step up with and without allocating temporary
    arrays, and what explains the step (decided here, worded in the template)."""
    # the experiment's sizes strictly outside the sweep's bracket where it has them: the sweep places
    # a change to within one of its sizes, so a bracket that starts at n_left itself can miss half of it
    # (NumPy conv on this machine: the rise came at 256→362 for a break placed at 362–609)
    sizes = sorted(ok.N.unique())
    lo = max([n for n in sizes if n < n_left] or [n for n in sizes if n <= n_left] or sizes[:1])
    hi = min([n for n in sizes if n > n_right] or [n for n in sizes if n >= n_right] or sizes[-1:])

    def per_op(name, n):
        return ok[(ok.implementation == name) & (ok.N == n)].seconds.to_numpy() / float(ops.conv_flops(n))

    steps = {name: verdicts.ratio(per_op(name, hi), per_op(name, lo), STEP, estimator="min").to_dict()
             for name in ("numpy_alloc", "numpy_inplace")}
    if steps["numpy_inplace"]["outcome"] == verdicts.YES:
        cause = "data_size"  # the step is there without any allocation: the data outgrow a cache / memory
    elif steps["numpy_alloc"]["outcome"] == verdicts.YES and steps["numpy_inplace"]["outcome"] == verdicts.NO:
        cause = "allocation"
    elif steps["numpy_inplace"]["outcome"] == verdicts.NO and steps["numpy_alloc"]["outcome"] == verdicts.NO:
        cause = "no_step"  # neither version steps here: the experiment does not reproduce the change
    elif steps["numpy_inplace"]["outcome"] == verdicts.NO:
        cause = "not_data_size"  # no step without allocation: the data's size is ruled out, allocation undecided
    else:
        cause = "unknown"
    return {"n_left": int(n_left), "n_right": int(n_right), "lo": int(lo), "hi": int(hi), "steps": steps,
            "cause": cause, "threshold": STEP}


NOT_DATA_SIZE = ("allocation", "not_data_size")  # causes of step_causes that rule out the data's size


def refuted_caches(steps: list[dict]) -> dict:
    """(n_left, n_right) → what the experiment says against a cache explaining that break of
    NumPy's convolution, an input of :func:`kadai.scaling.cache_verdict` so that 考察 does not offer
    what the experiment refuted: no step without allocation while the allocating version steps or
    is undecided (the data's size ruled out: NO); no step in either version (the change was not
    reproduced, so it rules out nothing: UNKNOWN)."""
    out = {}
    for st in steps:
        numbers = {"inplace": st["steps"]["numpy_inplace"]["numbers"], "alloc": st["steps"]["numpy_alloc"]["numbers"],
                   "lo_n": st["lo"], "hi_n": st["hi"]}
        if st["cause"] in NOT_DATA_SIZE:
            out[(st["n_left"], st["n_right"])] = {"reason": "no_step_without_allocation", "numbers": numbers}
        elif st["cause"] == "no_step":
            out[(st["n_left"], st["n_right"])] = {"outcome": verdicts.UNKNOWN, "reason": "step_not_reproduced",
                                                  "numbers": numbers}
    return out


def reorder_explains(breaks, onednn: dict | None) -> dict:
    """(n_left, n_right) → the oneDNN trace's finding about that change of growth of PyTorch's
    convolution, an input of :func:`kadai.scaling.cache_verdict`: where the trace's step (the call
    per pixel ≥ STEP, most of the rise in the reorder, ``explain_onednn``'s ``step``) lies within
    the change and the reorder's implementation changed there, the change is explained without the
    caches (NO "reorder_switch"), so 考察 does not leave it to them undecided."""
    st = (onednn or {}).get("step")
    if not st or not st["impl_changed"]:
        return {}
    sizes = onednn["sizes"]
    return {(int(a), int(b)): {"reason": "reorder_switch", "numbers": {
                "lo_n": st["lo"], "hi_n": st["hi"], "part": st["reorder_part"], "call": st["call"],
                "impl_lo": sizes[st["lo"]]["reorder_impl"], "impl_hi": sizes[st["hi"]]["reorder_impl"]}}
            for a, b in breaks if a <= st["lo"] and st["hi"] <= b}


def explain_numpy(table, main_breaks, sweep_times: dict | None = None) -> dict:
    """Allocating vs preallocated NumPy convolution: per size whether the allocation costs time
    (paired) and how many page faults each run caused; per change of growth of the main series
    (``main_breaks``: the (n_left, n_right) of its fitted law), whether the step remains without
    allocation; ``sweep_ratio``: how the allocating version's fastest time compares with the
    sweep's estimate of the same computation at the sizes both ran (``sweep_times``: N → seconds),
    since the experiment alternates two versions where the sweep repeats one size back to back."""
    ok = table[table.status == "ok"]
    per_size = {}
    for n, g in ok.groupby("N"):
        t = {name: s.sort_values("repeat") for name, s in g.groupby("implementation")}
        per_size[int(n)] = {
            "alloc_s": float(t["numpy_alloc"].seconds.min()), "inplace_s": float(t["numpy_inplace"].seconds.min()),
            "faults_alloc": float(t["numpy_alloc"].faults.median()),
            "faults_inplace": float(t["numpy_inplace"].faults.median()),
            "alloc_slower": verdicts.ratio(t["numpy_alloc"].seconds.to_numpy(), t["numpy_inplace"].seconds.to_numpy(),
                                           verdicts.SPEEDUP, paired=True).to_dict()}
    breaks, seen = [], set()
    for n_left, n_right in main_breaks:
        step = step_causes(ok, n_left, n_right)
        # the experiment's sizes are coarser than the sweep's: a break between two of them is
        # tested once, and one that falls between none of them cannot be tested
        if step["lo"] < step["hi"] and (step["lo"], step["hi"]) not in seen:
            seen.add((step["lo"], step["hi"]))
            breaks.append(step)

    def where(outcome):
        return [n for n in sorted(per_size) if per_size[n]["alloc_slower"]["outcome"] == outcome]
    slower, same = where(verdicts.YES), where(verdicts.NO)
    both = {n: per_size[n]["alloc_s"] / sweep_times[n] for n in per_size if (sweep_times or {}).get(n)}
    sweep_ratio = ({"lo": min(both.values()), "hi": max(both.values()), "n_hi": max(both, key=both.get),
                    "sizes": len(both)} if both else None)
    return {"per_size": per_size, "breaks": breaks, "threshold": verdicts.SPEEDUP, "sweep_ratio": sweep_ratio,
            "slower_at": slower, "same_at": same,
            "more_faults_where_slower": more_faults(per_size, slower),
            # the other way round: sizes where allocating faulted more yet was not slower
            "more_faults_not_slower": [n for n in same if more_faults(per_size, [n])],
            "faults_from": faults_from(per_size)}


def faults_from(per_size: dict) -> int | None:
    """The smallest N from which the allocating version faults more (medians) at every size
    measured; None where it does not at the largest size or faults were not recorded."""
    sizes = sorted(per_size)
    more = [more_faults(per_size, [n]) for n in sizes]
    if not more or None in more or not more[-1]:
        return None
    i = len(more) - 1
    while i > 0 and more[i - 1]:
        i -= 1
    return int(sizes[i])


def more_faults(per_size: dict, sizes: list[int]) -> bool | None:
    """Does the allocating version cause more page faults (medians) at every one of ``sizes``?
    None where there is no size to ask about or the faults were not recorded (NaN)."""
    pairs = [(per_size[n]["faults_alloc"], per_size[n]["faults_inplace"]) for n in sizes]
    if not pairs or any(not (a == a and b == b) for a, b in pairs):
        return None
    return all(a > b for a, b in pairs)


def records(ops_out: dict, explain: dict) -> list[dict]:
    out = []
    for op, o in ops_out.items():
        for impl, s in o["series"].items():
            if "relation" in s:
                out += scaling.records(f"kadai2/{op}/{impl}", f"{op} {impl}: t ∝ N^{EXPECTED[op]}", s["relation"])
            if impl in o.get("transfer", {}):
                out.append(verdicts.record(f"kadai2/{op}/{impl}/transfer_dominates",
                                           f"{op} {impl}: transfers take at least as long as the computation",
                                           o["transfer"][impl]["dominates"]))
            if "vs_numpy" in s:
                out.append(verdicts.record(f"kadai2/{op}/{impl}/numpy_faster", f"{op}: NumPy faster than {impl}",
                                           s["vs_numpy"]["numpy_faster"]))
    for n, e in explain["torch_conv"].items():
        for key in ("conv2d_vs_numpy", "conv2d_vs_torch_shift", "torch_shift_vs_numpy", "one_thread_vs_all",
                    "all_vs_one_thread"):
            out.append(verdicts.record(f"kadai2/explain/torch_conv/{n}/{key}", f"N={n}: {key}", e[key]))
    for n, e in explain["numpy_conv"]["per_size"].items():
        out.append(verdicts.record(f"kadai2/explain/numpy_conv/{n}/alloc_slower",
                                   f"N={n}: allocating convolution slower than in place", e["alloc_slower"]))
    for b in explain["numpy_conv"]["breaks"]:
        for name, v in b["steps"].items():
            out.append(verdicts.record(f"kadai2/explain/numpy_conv/step_{b['lo']}_{b['hi']}/{name}",
                                       f"{name}: time per operation steps up from N={b['lo']} to {b['hi']}", v,
                                       span=(f"kadai2/explain/numpy_conv/step/{name}", b["lo"], b["hi"])))
    return out


def run(inputs: dict, settings: dict, out_json) -> dict:
    table = raw.load_raw(inputs["raw"])
    summary = raw.summarise(table, settings["timing"]["agreement"])
    sysinfo = read_json(inputs["sysinfo"])
    caches = sysinfo.get("caches", [])
    # a size whose minimum was not seen twice: the fits leave it out (raw.fit_rows)
    fitted = raw.fit_rows(summary)
    laws = fit.by_series(fitted, settings["fit"], hints=lambda key: scaling.crossings(
        working_set(key[0], key[1], settings["kadai2"]["dtype"]), caches), expected=lambda key: EXPECTED[key[0]])
    sure = raw.confirmed(table, settings["timing"]["agreement"])
    paths = raw.by_stem(inputs["explain"])
    onednn = explain_onednn(read_csv(paths.pop("torch_onednn"), ONEDNN)) if "torch_onednn" in paths else None
    experiments = {e: raw.load_raw([p]) for e, p in paths.items()}
    numpy_law = laws.get("conv", {}).get("numpy")
    sweep_numpy = raw.series_of(summary, op="conv", implementation="numpy")
    numpy_conv = explain_numpy(experiments["numpy_conv"], numpy_law["regimes"]["breaks"] if numpy_law else [],
                               {int(n): float(t) for n, t in sweep_numpy.items()})
    torch_law = laws.get("conv", {}).get("torch_cpu")
    refuted = {("conv", "numpy"): refuted_caches(numpy_conv["breaks"]),
               ("conv", "torch_cpu"): reorder_explains(torch_law["regimes"]["breaks"] if torch_law else [], onednn)}
    ops_out = {}
    for op in EXPECTED:
        impls = ordered(table[table.op == op].implementation.unique())
        series = {impl: series_findings(table, summary, op, impl, laws.get(op, {}).get(impl), settings["kadai2"],
                                        sysinfo, sure, refuted.get((op, impl)), settings["timing"]["agreement"],
                                        fitted=fitted)
                  for impl in impls}
        transfer = {impl: t for impl in impls if IMPLEMENTATIONS[impl]["device"] == "cuda"
                    and not IMPLEMENTATIONS[impl]["transfer"] and (t := transfer_cost(table, op, impl, sure))}
        speeds = {impl: r for impl in impls if (r := speed_range(summary, op, impl))}
        ops_out[op] = {"series": series, "impls": impls, "transfer": transfer, "speeds": speeds,
                       "tally": scaling.tally([s["relation"] for s in series.values() if "relation" in s])}
    torch_conv = explain_torch(experiments["torch_conv"], threads_of("conv", "torch_cpu", sysinfo),
                               sysinfo.get("page_bytes", 4096))
    blocked_fresh(torch_conv, onednn)
    reorder_inversions(ops_out["conv"]["series"].get("torch_cpu", {}).get("inversions", []), onednn,
                       threads_of("conv", "torch_cpu", sysinfo))
    explain = {"torch_conv": torch_conv, "numpy_conv": numpy_conv, "conv2d_method_at": conv2d_method_at(torch_conv),
               "onednn": onednn,
               "disagrees": sweep_against_experiment(ops_out["conv"]["series"].get("torch_cpu", {}).get("stated"),
                                                     torch_conv)}
    if onednn and onednn["step"]:  # the same two sizes in the sweep, where it measured both
        sweep = raw.series_of(summary, op="conv", implementation="torch_cpu")
        lo, hi = onednn["step"]["lo"], onednn["step"]["hi"]
        ratio = (float(sweep[hi] / sweep[lo]) * (lo - 2) ** 2 / (hi - 2) ** 2
                 if lo in sweep.index and hi in sweep.index else None)
        rows = summary[(summary.op == "conv") & (summary.implementation == "torch_cpu")]
        confirmed = dict(zip(rows.N.astype(int), rows.confirmed))
        onednn["step"].update(sweep=ratio, sweep_steps=ratio is not None and ratio >= STEP,
                              sweep_unconfirmed=[n for n in (lo, hi) if not confirmed.get(n, True)])
    sweeps = {op: SweepConfig.from_config(settings["kadai2"][op], settings["timing"]) for op in ops_out}
    findings = {"ops": ops_out, "explain": explain, "verdicts": records(ops_out, explain),
                "measured": raw.sweep_facts(table, sweeps, sure, summary),
                "overhead_excluded": any(s.get("fit", {}).get("power", {}).get("n_excluded", 0) > 0
                                         for o in ops_out.values() for s in o["series"].values()),
                "gpu_measured": any(s["measured"] and s["device"] == "cuda"
                                    for o in ops_out.values() for s in o["series"].values())}
    write_json(out_json, findings)
    return findings
