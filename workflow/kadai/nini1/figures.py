"""任意課題1 figures, one function each: ``draw_<name>(inputs, settings, out_svg)``."""

from __future__ import annotations

import numpy as np

from .. import figures, ops, raw
from ..figures import NO_UNIT, Axis
from ..io import read_json
from .analyse import gflops
from .labels import COLORS, KERNEL_NAMES, LADDER_STEPS, step_name

N_AXIS = Axis("行列サイズ N", NO_UNIT, "log")


def readable_ticks(lo: float, hi: float) -> list[float]:
    """Ticks at 1, 2, 5 × 10^k between ``lo`` and ``hi`` (a log axis that labels only its
    decades leaves 45 or 70 unreadable between 10 and 100)."""
    if not (0 < lo < hi):
        return []
    out = []
    for e in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1):
        out += [m * 10.0 ** e for m in (1, 2, 5) if lo <= m * 10.0 ** e <= hi]
    return out


def tick_label(v: float) -> str:
    """0.5, 1, 20 (no 10^k notation, no trailing .0)."""
    return f"{v:g}"


def readable_log_y(ax) -> None:
    """Label a log y axis at :func:`readable_ticks` of its current limits, without minor labels."""
    from matplotlib.ticker import FixedLocator, NullFormatter

    lo, hi = ax.get_ylim()
    ticks = readable_ticks(lo, hi)
    if len(ticks) < 2:
        return
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.set_yticklabels([tick_label(t) for t in ticks])
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylim(lo, hi)


def draw_ladder(inputs: dict, settings: dict, out) -> None:
    lad = raw.summarise(raw.load_raw([raw.by_stem(inputs["raw"])["ladder"]]), settings["timing"]["agreement"])
    found = read_json(inputs["findings"])
    peak = found["peak"]
    # NumPy's lines only where the sweep agrees with C and NumPy timed alternately (analyse.ladder_check)
    numpy_lines = found["ladder_check"]["outcome"] == "agree"
    widest = peak.get(peak.get("widest") or "", {})
    n = settings["nini1"]["ladder_n"]
    fig, ax = figures.new_figure(Axis("実装", NO_UNIT), Axis("計算速度", "GFLOPS"), aspect=0.7)
    vals = [gflops(lad, k, n) or 0.0 for k in LADDER_STEPS]
    ax.bar(range(len(vals)), vals, color=[COLORS[k] for k in LADDER_STEPS])
    ax.set_xticks(range(len(vals)))
    ax.set_xticklabels([step_name(k).removeprefix("C: ") for k in LADDER_STEPS], rotation=15, fontsize=8)
    for i, v in enumerate(vals):
        ax.text(i, v, f"{v:.3g}", ha="center", va="bottom", fontsize=8)
    for impl, ls in (("numpy_1thread", "--"), ("numpy_all", "-")) if numpy_lines else ():
        v = gflops(lad, impl, n)
        if v:
            ax.axhline(v, color=figures.impl_color("numpy"), ls=ls, lw=1.2, label=step_name(impl))
    # the peaks are computed from the measured clock (clock × lanes × 2 × FMA units); the FMA-only
    # loop of the widest width is what the core reached, below its peak where its clock dropped
    if peak.get("avx2", {}).get("supported"):
        ax.axhline(peak["avx2"]["peak_gflops"], color="k", ls=":", lw=1, label="1 コアのピーク（AVX2）")
    if peak.get("widest") == "avx512":
        ax.axhline(widest["peak_gflops"], color="k", ls="-.", lw=1, label="1 コアのピーク（AVX-512）")
        ax.axhline(widest["gflops"], color="0.55", ls="-.", lw=1, label="FMA だけのループ（AVX-512、実測）")
    ax.grid(axis="x", visible=False)
    figures.legend_below(ax)
    figures.save(fig, out, caption="段階ごとの計算速度")


def draw_gflops_n(inputs: dict, settings: dict, out) -> None:
    lad = raw.summarise(raw.load_raw([raw.by_stem(inputs["raw"])["ladder"]]), settings["timing"]["agreement"])
    caches = read_json(inputs["findings"])["caches"]
    fig, ax = figures.new_figure(N_AXIS, Axis("計算速度", "GFLOPS", "log"), aspect=0.75)
    for k in LADDER_STEPS[:4] + ["numpy_1thread"]:
        curve = gflops(lad, k)
        color = figures.impl_color("numpy") if k == "numpy_1thread" else COLORS[k]
        ax.plot(list(curve), list(curve.values()), "o-", ms=3, color=color, label=step_name(k))
    readable_log_y(ax)
    for c in caches:
        n_cross = (c["bytes"] / float(ops.operand_bytes("matmul", 1, 8))) ** 0.5  # 3 matrices of N² doubles
        ax.axvline(n_cross, color="0.5", ls=":", lw=1)
        ax.text(n_cross, ax.get_ylim()[1], f" L{c['level']}", fontsize=8, va="top", color="0.3")
    figures.size_ticks(ax, lad.N)
    figures.legend_below(ax, ncol=3)
    figures.save(fig, out, caption="行列サイズと計算速度、キャッシュ容量の境界")


def draw_threads(inputs: dict, settings: dict, out) -> None:
    found = read_json(inputs["findings"])
    thr, peak = found["threads"], found["peak"]
    fig, ax = figures.new_figure(Axis("スレッド数", NO_UNIT), Axis("計算速度", "GFLOPS"))
    for prefix, label, color in (("c_packed_omp@", KERNEL_NAMES["packed_omp"], COLORS["c_packed_omp"]),
                                 ("numpy@", "NumPy", figures.impl_color("numpy"))):
        points = sorted((int(k.split("@")[1]), v) for k, v in thr.items() if k.startswith(prefix))
        ax.plot([t for t, _ in points], [v for _, v in points], "o-", color=color, label=label)
    cores = max(int(k.split("@")[1]) for k in thr)
    t = np.arange(1, cores + 1)
    if peak.get("avx2", {}).get("supported"):
        ax.plot(t, peak["avx2"]["peak_gflops"] * t, "k:", label="ピーク（AVX2）× コア数")
    if peak.get("widest") == "avx512":
        ax.plot(t, peak["avx512"]["peak_gflops"] * t, "k-.", label="ピーク（AVX-512）× コア数")
    ax.set_xticks(range(1, cores + 1))
    ax.set_ylim(bottom=0)
    figures.legend_below(ax, ncol=2)
    figures.save(fig, out, caption="スレッド数と計算速度")


def draw_gap(inputs: dict, settings: dict, out) -> None:
    """Where the remaining gap to NumPy lies: C's whole product, its micro-kernel alone and NumPy
    (one thread each) from one round of the peak job (the one where C's product ran at its median
    speed), beside the FMA-only loops of the two SIMD widths in that same round."""
    found = read_json(inputs["findings"])
    peak, gap = found["peak"], found["hypotheses"]["gap"]
    same_round = gap.get("peak_gflops", {})
    bars = [("C（行列積全体）", gap["c_gflops"], COLORS["c_packed"]),
            ("C のマイクロカーネルのみ", gap["micro_gflops"], "#c5b0d5")]
    if peak.get("avx2", {}).get("supported") and "avx2" in same_round:
        bars.append(("FMA のみ（AVX2）", same_round["avx2"], "0.6"))
    bars.append(("NumPy", gap["numpy_gflops"], figures.impl_color("numpy")))
    if peak.get("widest") == "avx512" and "avx512" in same_round:
        bars.append(("FMA のみ（AVX-512）", same_round["avx512"], "0.3"))
    fig, ax = figures.new_figure(Axis("計測した対象（1 スレッド）", NO_UNIT), Axis("計算速度", "GFLOPS"),
                                 aspect=0.66)
    ax.bar(range(len(bars)), [v for _, v, _ in bars], color=[c for _, _, c in bars])
    for i, (_, v, _) in enumerate(bars):
        ax.text(i, v, f"{v:.3g}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(bars)))
    ax.set_xticklabels([name for name, _, _ in bars], rotation=15, fontsize=8)
    ax.grid(axis="x", visible=False)
    figures.save(fig, out, caption="NumPy との差の内訳")
