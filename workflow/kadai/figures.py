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
from matplotlib.ticker import Formatter

from . import tables
from .io import atomic_path, write_text
from .page import WIDTHS, sidecar_path

matplotlib.rcParams.update({
    "svg.fonttype": "path",       # glyphs become outlines: the PDF needs no font for figures
    "axes.unicode_minus": False,  # IPAexGothic has no U+2212
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 9,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "figure.dpi": 100,
})

NO_UNIT = "無次元"


SCALES = ("linear", "log", "symlog")


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
        if self.scale not in SCALES:
            raise ValueError(f"scale must be one of {', '.join(SCALES)}, got {self.scale!r}")

    def apply(self, set_scale) -> None:
        """Set this scale with ``ax.set_xscale`` / ``set_yscale``: "symlog" is linear within ±1
        (counts that can be 0 stay on a logarithmic axis without being moved)."""
        set_scale(self.scale, **({"linthresh": 1.0, "linscale": 0.5} if self.scale == "symlog" else {}))

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


# where one implementation's loop nest differs by operation: the naive convolution runs four loops
OP_NAMES = {("python_naive", "conv"): "Python（4重ループ）"}


def impl_name(key: str, op: str | None = None) -> str:
    """The legend name of an implementation (of ``op``, where the name depends on it)."""
    return OP_NAMES.get((key, op)) or _impl(key)[0]


def impl_color(key: str) -> str:
    return _impl(key)[1]


def _impl(key: str):
    try:
        return STYLES[key]
    except KeyError:
        raise KeyError(f"implementation {key!r} has no style; add it to "
                       f"kadai.figures.STYLES") from None


def new_figure(x: Axis, y: Axis, *, aspect: float = 0.7, panels: list[tuple[Axis, Axis]] | None = None,
               wide: bool = False):
    """A figure whose every axes carries declared labels. Returns ``(fig, ax)``.

    Every figure of a kind has the same printed width (``WIDTHS``): "wide" for panels side by
    side (or ``wide=True``), "single" otherwise; ``aspect`` is height / width. With ``panels``
    (a list of (x, y) pairs) the figure has one axes per pair side by side and ``ax`` is the
    list of axes; ``x`` and ``y`` describe the first panel.
    """
    pairs = panels or [(x, y)]
    width = WIDTHS["wide" if wide or len(pairs) > 1 else "single"]
    fig = Figure(figsize=(width, width * aspect), layout="constrained")
    axes = fig.subplots(1, len(pairs), squeeze=False)[0]
    for ax, (ax_x, ax_y) in zip(axes, pairs):
        ax.set_xlabel(ax_x.text)
        ax.set_ylabel(ax_y.text)
        ax_x.apply(ax.set_xscale)
        ax_y.apply(ax.set_yscale)
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
    y.apply(ax2.set_yscale)
    ax2.grid(False)
    ax2._kadai_axes = (ax._kadai_axes[0], y)
    return ax2


def plot_series(ax, impl: str, n, seconds, upper=None, label: str | None = None, hollow=None, **kw):
    """Measured estimates as markers, with a bar up to ``upper`` (the median: how much slower a
    typical run was), in the implementation's colour; the points where ``hollow`` is true (sizes
    left out of the fit, :func:`kadai.raw.fit_rows`) drawn as open markers."""
    color = impl_color(impl)
    idx = list(STYLES).index(impl)
    n, seconds = np.asarray(n, float), np.asarray(seconds, float)
    yerr = None
    if upper is not None:
        yerr = np.vstack([np.zeros_like(seconds), np.clip(np.asarray(upper, float) - seconds, 0, None)])
    open_ = np.zeros(len(n), bool) if hollow is None else np.asarray(hollow, bool)
    legend = label or impl_name(impl)
    for part, face, name in ((~open_, color, legend), (open_, "white", None if (~open_).any() else legend)):
        if part.any():
            ax.errorbar(n[part], seconds[part], yerr=None if yerr is None else yerr[:, part],
                        fmt=MARKERS[idx % len(MARKERS)], color=color, mfc=face, ms=4, capsize=2,
                        label=name or "_nolegend_", **kw)


# dashed, dash-dot, long dashes: never dotted, which marks the cache sizes
REGIME_DASHES = ((0, (5, 2)), (0, (6, 2, 1.5, 2)), (0, (10, 3)))


def plot_regimes(ax, impl: str, relation: dict, per=None, name: str | None = None):
    """The fitted law of every regime (``kadai.scaling.relation``), dashed over its own sizes; each
    exponent with its interval in the legend (after ``name``, else the implementation's own).
    ``per(n)``: divide by it (time per operation)."""
    for i, r in enumerate(relation["regimes"]):
        n = np.geomspace(r["n_first"], r["n_last"], 50)
        y = r["a"] * n ** r["k"] / (per(n) if per else 1.0)
        span = f"N = {r['n_first']}〜{r['n_last']}" if relation["kind"] == "regimes" else "当てはめ"
        # the exponent with its interval as the text prints it (tables.pm: the half-width to 2
        # significant figures, the exponent to the same decimal), never "± 0.00"
        k = tables.pm(r["k"], r["k_halfwidth"]) if r.get("k_halfwidth") is not None else f"{r['k']:.2f}"
        # the regimes of one series share its colour: each has its own dash, as in the legend
        ax.plot(n, y, linestyle=REGIME_DASHES[i % len(REGIME_DASHES)], color=impl_color(impl), lw=1.2,
                label=f"{name or impl_name(impl)} {span}: k = {k}")


def cache_lines(ax, caches: list, n_at, kinds=("Data", "Unified")) -> None:
    """A dotted vertical line, labelled L1/L2/L3, where the working set equals each data cache:
    ``n_at(bytes)`` is the N whose working set has that many bytes."""
    lo, hi = ax.get_xlim()
    for c in caches:
        if c.get("type") not in kinds or not c.get("bytes"):
            continue
        n = n_at(c["bytes"])
        if lo <= n <= hi:
            ax.axvline(n, color="0.5", ls=":", lw=1)
            ax.text(n, 0.98, f" L{c['level']}", transform=ax.get_xaxis_transform(), fontsize=8, va="top",
                    color="0.3")


# where a point's name may go, in points from the point: right, left, above, below, then diagonals
LABEL_OFFSETS = ((12, 0), (-12, 0), (0, 12), (0, -14), (10, 10), (-10, 10), (10, -12), (-10, -12))


def label_point(ax, x: float, y: float, text: str, others, fontsize: float = 8, **kw):
    """Name the point (x, y) at the offset (:data:`LABEL_OFFSETS`) whose text box lies farthest
    from every other point drawn (``others``: their (x, y), error bars' ends included), so that a
    name never sits on a neighbour's marker; a thin line joins each name to its point."""
    ax.autoscale_view()
    to_px = ax.transData.transform
    px = ax.figure.dpi / 72.0
    at = to_px((x, y))
    pts = np.array([to_px(o) for o in others if tuple(o) != (x, y)]).reshape(-1, 2)
    width, height = 0.6 * fontsize * len(text) * px, fontsize * px  # the text box, roughly

    def box(dx, dy):
        x0 = at[0] + dx * px - (width if dx < 0 else width / 2 if dx == 0 else 0)
        y0 = at[1] + dy * px - (height if dy < 0 else height / 2 if dy == 0 else 0)
        return x0, y0, x0 + width, y0 + height

    def clearance(b):
        if not len(pts):
            return np.inf
        gx = np.maximum(np.maximum(b[0] - pts[:, 0], pts[:, 0] - b[2]), 0)
        gy = np.maximum(np.maximum(b[1] - pts[:, 1], pts[:, 1] - b[3]), 0)
        return float(np.hypot(gx, gy).min())

    dx, dy = max(LABEL_OFFSETS, key=lambda o: clearance(box(*o)))
    return ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize,
                       ha="right" if dx < 0 else "center" if dx == 0 else "left",
                       va="top" if dy < 0 else "center" if dy == 0 else "bottom",
                       arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "0.4", "shrinkA": 1, "shrinkB": 4}, **kw)


def legend_below(ax, ncol: int = 2) -> None:
    """One legend under the figure's axes and their x-axis labels (constrained layout makes room
    for it), so that it hides neither data nor labels. ``ax``: an axes, or a list of the panels
    whose entries it collects (an entry in several panels is listed once)."""
    axes = ax if isinstance(ax, list) else [ax]
    entries: dict = {}
    for a in axes:
        for handle, label in zip(*a.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    axes[0].figure.legend(list(entries.values()), list(entries), loc="outside lower center", ncol=ncol,
                          frameon=False)


def layout(fig: Figure) -> dict:
    """What a reader sees of the figure's text: printed width, the smallest font, and every pair
    of texts that overlap (as drawn: tick labels outside the view are not drawn, so not counted).
    Texts turned by an angle other than 0° or 90° are left out of the overlap test (their boxes
    are not their shapes)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    drawn: list = []
    draw = Text.draw

    def recording(self, renderer):
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)
        return draw(self, renderer)

    canvas = FigureCanvasAgg(fig)
    Text.draw = recording
    try:
        canvas.draw()
    finally:
        Text.draw = draw
    renderer = canvas.get_renderer()
    boxes = [(t, t.get_window_extent(renderer)) for t in dict.fromkeys(drawn)]
    square = [(t, b) for t, b in boxes if round(t.get_rotation()) % 90 == 0]
    overlaps = []
    for i, (t1, b1) in enumerate(square):
        for t2, b2 in square[i + 1:]:
            w = min(b1.x1, b2.x1) - max(b1.x0, b2.x0)
            h = min(b1.y1, b2.y1) - max(b1.y0, b2.y0)
            if w > 1 and h > 1 and w * h > 0.05 * min(b1.width * b1.height, b2.width * b2.height):
                overlaps.append([t1.get_text(), t2.get_text()])
    return {"width_in": float(fig.get_figwidth()), "height_in": float(fig.get_figheight()),
            "min_font_pt": min((float(t.get_fontsize()) for t, _ in boxes), default=None), "overlaps": overlaps}


PLAIN_RANGE = (1e-3, 1e5)  # log-axis labels inside this range are printed as plain numbers


class PlainLabels(Formatter):
    """Plain numbers for the ticks the wrapped formatter labels (it thins the minor ones in
    set_locs, so that decision stays its own)."""

    def __init__(self, inner):
        self.inner = inner

    def set_locs(self, locs):
        self.inner.set_locs(locs)

    def __call__(self, v, pos=None):
        return f"{v:g}" if self.inner(v, pos) else ""


def plain_log_labels(axis) -> None:
    """On a logarithmic axis whose view lies inside :data:`PLAIN_RANGE`, label the ticks matplotlib
    chose to label as plain numbers (20, 0.3) instead of 2×10¹, 3×10⁻¹; other axes unchanged."""
    lo, hi = sorted(axis.get_view_interval())
    if axis.get_scale() != "log" or lo <= 0 or lo < PLAIN_RANGE[0] or hi > PLAIN_RANGE[1]:
        return
    axis.set_major_formatter(PlainLabels(axis.get_major_formatter()))
    axis.set_minor_formatter(PlainLabels(axis.get_minor_formatter()))


def save(fig: Figure, path, *, caption: str = "") -> None:
    """Write ``path`` (SVG) and ``path`` + ``.json`` (labels, units, scales of every axes)."""
    path = Path(path)
    axes_meta = []
    for ax in fig.get_axes():
        declared = getattr(ax, "_kadai_axes", None)
        if declared is None:
            raise ValueError(f"{path.name}: an axes was drawn without declared Axis labels; "
                             "create figures with kadai.figures.new_figure")
        for axis in (ax.xaxis, ax.yaxis):
            plain_log_labels(axis)
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
        {"figure": path.name, "caption": caption, "axes": axes_meta, "no_unit": NO_UNIT,
         "layout": layout(fig)}, ensure_ascii=False, indent=2) + "\n")


def drawer(module, name: str):
    """The function of a report's figures module that draws figure ``name``: ``draw_<name>``, or
    ``draw_<family>`` called with the rest of the name for a family of figures (``param_hidden``
    → ``draw_param("hidden", …)``; the longest family name that exists wins)."""
    import functools

    fn = getattr(module, f"draw_{name}", None)
    if fn is not None:
        return fn
    cuts = [i for i, ch in enumerate(name) if ch == "_"]
    for i in reversed(cuts):
        fn = getattr(module, f"draw_{name[:i]}", None)
        if fn is not None:
            return functools.partial(fn, name[i + 1:])
    raise KeyError(f"{module.__name__} has no draw_{name} (nor a draw_<family> for it)")
