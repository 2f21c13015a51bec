"""The figure style: labels with units are mandatory, sidecars record them."""
import json

import pytest
from kadai import figures, page
from kadai.figures import NO_UNIT, Axis


def test_japanize_matplotlib_imports():
    import japanize_matplotlib  # noqa: F401  (needs distutils → setuptools on Python ≥ 3.12)
    import matplotlib
    assert "IPAexGothic" in matplotlib.rcParams["font.family"]


def test_axis_needs_label_and_unit():
    assert Axis("実行時間", "s").text == "実行時間 [s]"
    assert Axis("行列サイズ N", NO_UNIT).text == "行列サイズ N"
    with pytest.raises(ValueError):
        Axis("実行時間", "")
    with pytest.raises(ValueError):
        Axis("", "s")


def test_save_writes_svg_and_sidecar(tmp_path):
    fig, ax = figures.new_figure(Axis("行列サイズ N", NO_UNIT, "log"), Axis("実行時間", "s", "log"))
    figures.plot_series(ax, "numpy", [8, 16, 32], [1e-3, 8e-3, 6.4e-2])
    figures.plot_regimes(ax, "numpy", {"kind": "single", "regimes": [
        {"a": 1e-3 / 512, "k": 3.0, "k_halfwidth": 0.1, "n_first": 8, "n_last": 32}]})
    out = tmp_path / "f.svg"
    figures.save(fig, out, caption="テスト")
    assert out.read_text().lstrip().startswith("<?xml")
    meta = json.loads(figures.sidecar_path(out).read_text())
    assert meta["axes"][0]["y"] == {"label": "実行時間", "unit": "s", "scale": "log",
                                    "text": "実行時間 [s]"}
    assert meta["axes"][0]["x"]["unit"] == NO_UNIT


def test_an_undeclared_axes_cannot_be_saved(tmp_path):
    fig, ax = figures.new_figure(Axis("x", "s"), Axis("y", "s"))
    fig.add_subplot(2, 1, 2)  # drawn around the API: no declared labels
    with pytest.raises(ValueError, match="without declared Axis"):
        figures.save(fig, tmp_path / "bad.svg")
    assert not (tmp_path / "bad.svg").exists()


def test_colours_are_fixed_per_implementation():
    assert figures.impl_color("numpy") == figures.STYLES["numpy"][1]
    assert len({c for _, c in figures.STYLES.values()}) == len(figures.STYLES)
    with pytest.raises(KeyError, match="no style"):
        figures.impl_color("fortran")


def test_figure_names_find_their_drawing_function():
    import types

    module = types.SimpleNamespace(__name__="m", draw_time=lambda *a: ("time", a), draw_per_op=lambda *a: ("per_op", a))
    assert figures.drawer(module, "time")() == ("time", ())
    assert figures.drawer(module, "per_op_conv")() == ("per_op", ("conv",))  # a family: the longest prefix wins
    assert figures.drawer(module, "time_matmul")() == ("time", ("matmul",))
    with pytest.raises(KeyError):
        figures.drawer(module, "speedup")


def test_figures_of_a_kind_have_one_printed_width_and_readable_text(tmp_path):
    x, y = Axis("行列サイズ N", NO_UNIT), Axis("実行時間", "s")
    one, _ = figures.new_figure(x, y)
    two, _ = figures.new_figure(x, y, panels=[(x, y), (x, y)])
    assert one.get_figwidth() == figures.WIDTHS["single"] and two.get_figwidth() == figures.WIDTHS["wide"]
    assert max(figures.WIDTHS.values()) <= page.TEXT_WIDTH_IN  # printed 1:1, never shrunk
    figures.save(one, tmp_path / "one.svg")
    layout = json.loads(figures.sidecar_path(tmp_path / "one.svg").read_text())["layout"]
    assert layout["min_font_pt"] >= page.MIN_FONT_PT and layout["overlaps"] == []


def test_the_legend_goes_below_rotated_tick_labels_and_the_axis_label(tmp_path):
    fig, ax = figures.new_figure(Axis("実装", NO_UNIT), Axis("計算速度", "GFLOPS"))
    names = ["とても長い実装の名前 " + str(i) for i in range(5)]
    ax.bar(range(5), [1, 2, 3, 4, 5], label="計測値")
    ax.set_xticks(range(5))
    ax.set_xticklabels(names, rotation=30, ha="right")
    ax.plot(range(5), [1, 2, 3, 4, 5], label="理論値")
    figures.legend_below(ax)
    figures.save(fig, tmp_path / "f.svg")
    assert json.loads(figures.sidecar_path(tmp_path / "f.svg").read_text())["layout"]["overlaps"] == []


def test_overlapping_text_is_found(tmp_path):
    fig, ax = figures.new_figure(Axis("x", "s"), Axis("y", "s"))
    ax.text(0.5, 0.5, "重なる文字", transform=ax.transAxes)
    ax.text(0.52, 0.5, "重なる文字2", transform=ax.transAxes)
    assert ["重なる文字", "重なる文字2"] in figures.layout(fig)["overlaps"]


def test_a_named_point_is_labelled_away_from_its_neighbours():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3), dpi=100)
    ax = fig.add_subplot()
    ax.set_xscale("log")
    # a point with close neighbours to its upper right and its left: only above or below is free
    pts = [(50890.0, 86.8), (92000.0, 87.2), (101770.0, 87.2), (112000.0, 87.25), (407050.0, 87.6)]
    ax.plot(*zip(*pts), "o")
    label = figures.label_point(ax, 101770.0, 87.2, "fc128", pts)
    fig.canvas.draw()
    box = label.get_window_extent()
    for x, y in pts:
        if (x, y) != (101770.0, 87.2):
            px, py = ax.transData.transform((x, y))
            assert not (box.x0 - 3 <= px <= box.x1 + 3 and box.y0 - 3 <= py <= box.y1 + 3), (x, y)


@pytest.mark.parametrize("k, half, label", [(3.0, 0.1, "k = 3.00 ± 0.10"), (2.0991, 0.0050, "k = 2.0991 ± 0.0050"),
                                            (2.1, None, "k = 2.10")])
def test_a_fitted_exponent_is_labelled_with_its_interval_as_the_text_prints_it(k, half, label):
    fig, ax = figures.new_figure(Axis("行列サイズ N", NO_UNIT, "log"), Axis("実行時間", "s", "log"))
    figures.plot_regimes(ax, "numpy", {"kind": "single", "regimes": [
        {"a": 1e-3 / 512, "k": k, "k_halfwidth": half, "n_first": 8, "n_last": 32}]})
    (line,) = ax.get_lines()
    assert line.get_label().endswith(label) and not line.get_label().endswith("± 0.00")


def test_log_axes_within_a_plain_range_are_labelled_with_plain_numbers(tmp_path):
    fig, ax = figures.new_figure(Axis("行列サイズ N", NO_UNIT, "log"), Axis("時間", "ns", "log"))
    ax.plot([8, 512], [10, 60])
    ax.set_ylim(9, 70)
    figures.save(fig, tmp_path / "plain.svg")
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.yaxis.get_ticklabels(which="both") if t.get_text()]
    assert "20" in labels and not any("times" in lbl or "^" in lbl for lbl in labels), labels
    # far from 1 (1e-6 s): the powers of ten stay
    fig, ax = figures.new_figure(Axis("行列サイズ N", NO_UNIT, "log"), Axis("時間", "s", "log"))
    ax.plot([8, 512], [1e-6, 1e-2])
    figures.save(fig, tmp_path / "sci.svg")
    fig.canvas.draw()
    assert any("10^" in t.get_text() or "10^{" in t.get_text() for t in ax.yaxis.get_ticklabels()), \
        [t.get_text() for t in ax.yaxis.get_ticklabels()]
