"""One figure style for all five reports.

* Japanese text through japanize-matplotlib (IPAexGothic), so nothing turns into tofu.
* Every axis is an :class:`Axis` with a label *and* a unit (or an explicit ``NO_UNIT`` for
  dimensionless quantities such as 行列サイズ N). :func:`new_figure` demands one per axis and
  :func:`save` refuses a figure whose axes were not declared, so an unlabeled axis cannot be
  saved. ``save`` writes the SVG and a JSON sidecar with labels, units and scales that the
  rubric check reads later.
* One colour and one Japanese name per implementation, the same in every report.
* Object API only (``Figure``/``Axes``), never pyplot's global state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import japanize_matplotlib  # noqa: F401  (sets the IPAexGothic font family)
import matplotlib
import numpy as np
from matplotlib.figure import Figure

from .io import atomic_path, write_text

matplotlib.rcParams.update({
    "svg.fonttype": "path",       # glyphs become outlines: the PDF needs no font for figures
    "axes.unicode_minus": False,  # IPAexGothic has no U+2212
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.fontsize": 8,
    "figure.dpi": 100,
})

NO_UNIT = "無次元"


@dataclass(frozen=True)
class Axis:
    """An axis label with its unit: ``Axis("実行時間", "s")`` → 「実行時間 [s]」."""

    label: str
    unit: str
    scale: str = "linear"

    def __post_init__(self):
        if not self.label.strip():
            raise ValueError("an axis needs a label")
        if not self.unit.strip():
            raise ValueError(f"axis {self.label!r} needs a unit (use NO_UNIT for dimensionless)")
        if self.scale not in ("linear", "log"):
            raise ValueError(f"scale must be 'linear' or 'log', got {self.scale!r}")

    @property
    def text(self) -> str:
        return self.label if self.unit == NO_UNIT else f"{self.label} [{self.unit}]"


# key: (Japanese legend name, colour). The same implementation looks the same everywhere.
STYLES = {
    "python_naive": ("Python（3重ループ）", "#7f7f7f"),
    "python_fast": ("Python（高速化版）", "#bcbd22"),
    "numpy": ("NumPy", "#1f77b4"),
    "cupy": ("CuPy（GPU）", "#2ca02c"),
    "cupy_transfer": ("CuPy（GPU, 転送込み）", "#98df8a"),
    "torch_cpu": ("PyTorch（CPU）", "#ff7f0e"),
    "torch_cuda": ("PyTorch（GPU）", "#d62728"),
    "torch_cuda_transfer": ("PyTorch（GPU, 転送込み）", "#ff9896"),
    "c": ("C", "#9467bd"),
    "model_fc": ("全結合のみ", "#e377c2"),
    "model_cnn": ("畳み込みあり", "#17becf"),
}

MARKERS = "osD^v<>ph*"


def impl_name(key: str) -> str:
    return _impl(key)[0]


def impl_color(key: str) -> str:
    return _impl(key)[1]


def _impl(key: str):
    try:
        return STYLES[key]
    except KeyError:
        raise KeyError(f"implementation {key!r} has no style; add it to "
                       f"kadai.figures.STYLES") from None


def new_figure(x: Axis, y: Axis, *, width: float = 6.0, height: float = 4.0,
               panels: list[tuple[Axis, Axis]] | None = None):
    """A figure whose every axes carries declared labels. Returns ``(fig, ax)``.

    With ``panels`` (a list of (x, y) pairs) the figure has one axes per pair side by side
    and ``ax`` is the list of axes; ``x`` and ``y`` describe the first panel.
    """
    pairs = panels or [(x, y)]
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, len(pairs), squeeze=False)[0]
    for ax, (ax_x, ax_y) in zip(axes, pairs):
        ax.set_xlabel(ax_x.text)
        ax.set_ylabel(ax_y.text)
        ax.set_xscale(ax_x.scale)
        ax.set_yscale(ax_y.scale)
        ax._kadai_axes = (ax_x, ax_y)
    return fig, (axes[0] if len(pairs) == 1 else list(axes))


def size_ticks(ax, sizes) -> None:
    """Integer tick labels at powers of two on a log N axis (no 3×10¹ clutter)."""
    from matplotlib.ticker import FixedLocator, NullLocator

    lo, hi = min(sizes), max(sizes)
    ticks = [2**e for e in range(0, 31) if lo / 1.01 <= 2**e <= hi * 1.01]
    if len(ticks) > 8:
        ticks = ticks[::2]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([str(t) for t in ticks])


def twin_y(ax, y: Axis):
    """A second y axis on the right, declared like the others."""
    ax2 = ax.twinx()
    ax2.set_ylabel(y.text)
    ax2.set_yscale(y.scale)
    ax2.grid(False)
    ax2._kadai_axes = (ax._kadai_axes[0], y)
    return ax2


def plot_series(ax, impl: str, n, seconds, q1=None, q3=None, label: str | None = None, **kw):
    """Measured medians with interquartile bars, in the implementation's colour."""
    color = impl_color(impl)
    idx = list(STYLES).index(impl)
    n, seconds = np.asarray(n, float), np.asarray(seconds, float)
    yerr = None
    if q1 is not None and q3 is not None:
        yerr = np.vstack([seconds - np.asarray(q1, float), np.asarray(q3, float) - seconds])
        yerr = np.clip(yerr, 0, None)
    ax.errorbar(n, seconds, yerr=yerr, fmt=MARKERS[idx % len(MARKERS)], color=color, ms=4,
                capsize=2, label=label or impl_name(impl), **kw)


def plot_power_fit(ax, impl: str, fit: dict, unit_name: str = "N"):
    """The fitted line over its region, dashed; the exponent and its interval go in the legend."""
    n = np.geomspace(fit["n_first"], fit["n_last"], 50)
    ax.plot(n, fit["a"] * n ** fit["k"], "--", color=impl_color(impl), lw=1.2,
            label=f"{impl_name(impl)}の当てはめ ∝ ${unit_name}^{{k}}$, "
                  f"k = {fit['k']:.2f} ± {fit['k_halfwidth']:.2f}")


def legend_below(ax, ncol: int = 2, offset: float = 0.16) -> None:
    """Legend under the axes (``offset`` axes-heights down), so that it never hides data points."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -offset), ncol=ncol, fontsize=7, frameon=False)


def save(fig: Figure, path, *, caption: str = "") -> None:
    """Write ``path`` (SVG) and ``path`` + ``.json`` (labels, units, scales of every axes)."""
    path = Path(path)
    axes_meta = []
    for ax in fig.get_axes():
        declared = getattr(ax, "_kadai_axes", None)
        if declared is None:
            raise ValueError(f"{path.name}: an axes was drawn without declared Axis labels; "
                             "create figures with kadai.figures.new_figure")
        x, y = declared
        axes_meta.append({
            "x": {"label": x.label, "unit": x.unit, "scale": ax.get_xscale(),
                  "text": ax.get_xlabel()},
            "y": {"label": y.label, "unit": y.unit, "scale": ax.get_yscale(),
                  "text": ax.get_ylabel()},
        })
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="svg")
    write_text(sidecar_path(path), json.dumps(
        {"figure": path.name, "caption": caption, "axes": axes_meta,
         "no_unit": NO_UNIT}, ensure_ascii=False, indent=2) + "\n")


def sidecar_path(path) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".json")


def drawer(module, name: str):
    """The function of a report's figures module that draws figure ``name``: ``draw_<name>``,
    or ``draw_<family>`` called with ``member`` for a family of figures (``param_hidden`` →
    ``draw_param(member="hidden")``)."""
    import functools

    fn = getattr(module, f"draw_{name}", None)
    if fn is not None:
        return fn
    family, _, member = name.partition("_")
    fn = getattr(module, f"draw_{family}", None)
    if fn is None or not member:
        raise KeyError(f"{module.__name__} has no draw_{name} (nor draw_{family} for a family)")
    return functools.partial(fn, member)
