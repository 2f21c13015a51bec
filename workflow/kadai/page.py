"""The printed page: what figures are drawn for and the rubric checks them against.

Kept apart from :mod:`kadai.figures` so that checking a report does not import matplotlib
(about half a second of every template edit → PDF).
"""

from __future__ import annotations

from pathlib import Path

# Figures are drawn at the size they are printed (the PDF places an SVG at its own size), so a
# font size in a figure is the printed size: nothing below MIN_FONT_PT.
TEXT_WIDTH_IN = (210 - 2 * 24) / 25.4   # A4 minus the margins of templates/report.typ
WIDTHS = {"single": 5.2, "wide": 6.3}   # inches: one plot; panels side by side
MIN_FONT_PT = 7.0


def sidecar_path(path) -> Path:
    """The JSON written beside a figure: axis labels, units and layout."""
    path = Path(path)
    return path.with_name(path.name + ".json")
