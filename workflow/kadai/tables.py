"""Numbers with significant figures, and Markdown tables with units in their headers.

A table travels through ``context.json`` as plain data::

    {"columns": [{"name": "行列サイズ N", "kind": "int"},
                 {"name": "実行時間の中央値", "unit": "s", "kind": "sig"}],
     "rows": [[64, 0.0123], [128, 0.0981]]}

and the template turns it into Markdown with the ``md_table`` filter. Numeric columns are
right-aligned; ``sig`` columns are written with the configured significant figures (6.98, not
6.97910), ``int`` columns as exact integers, ``text`` columns as they are.
"""

from __future__ import annotations

import math
import unicodedata

KINDS = ("int", "sig", "text", "percent", "fixed2")
MINUS = "\u2212"  # typeset negative numbers with the minus sign, not the hyphen-minus of ASCII


def signed(text: str) -> str:
    """A number as printed: the ASCII hyphen-minus (of the sign and of an exponent) as 「−」."""
    return text.replace("-", MINUS)


def sig(x, n: int = 3) -> str:
    """``x`` with ``n`` significant figures, trailing zeros kept (0.0500, 6.98, 1.20×10^-5^)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    x = float(x)
    if x == 0:
        return "0" if n <= 1 else "0." + "0" * (n - 1)
    exp = math.floor(math.log10(abs(x)))
    # rounding may carry into the next decade (9.996 → 10.0)
    rounded = round(x, -exp + n - 1)
    if rounded != 0:
        exp = math.floor(math.log10(abs(rounded)))
    if -4 <= exp < 6:
        decimals = max(n - 1 - exp, 0)
        if decimals == 0 and exp >= n:
            # integer part longer than n digits: zero the insignificant ones
            return signed(f"{int(round(rounded, -exp + n - 1)):d}")
        return signed(f"{rounded:.{decimals}f}")
    return sci(x, n)


def sci(x, n: int = 3) -> str:
    """``x`` as ``m.mm×10^e^`` with ``n`` significant figures, whatever its size (4.01×10^0^): the
    form of every cell of a table column where :func:`sig` writes some in that form."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    x = float(x)
    if x == 0:
        return sig(x, n)
    exp = math.floor(math.log10(abs(x)))
    rounded = round(x, -exp + n - 1)
    exp = math.floor(math.log10(abs(rounded)))  # 9.996 → 1.00×10^1^
    return signed(f"{rounded / 10**exp:.{n - 1}f}×10^{exp}^")


def latin(ch: str) -> bool:
    """A character that is spaced from Japanese: an ASCII letter or digit, or the hyphen that
    starts a compiler flag (``-O3``)."""
    return bool(ch) and ch.isascii() and (ch.isalnum() or ch == "-")


def kana_kanji(ch: str) -> bool:
    """A Japanese letter (kana, kanji, 「ー」); not punctuation such as 「、」「（」."""
    return bool(ch) and not ch.isascii() and unicodedata.category(ch) in ("Lo", "Lm")


def spaced(*parts) -> str:
    """The parts joined as the reports space Japanese and Latin: one space where a Latin letter or
    digit meets a Japanese letter (「基準の 4 より」, 「O3 の i-j-k」), none next to punctuation or
    between two Japanese letters (「（one-hot）」, 「二乗誤差より」)."""
    out = ""
    for part in map(str, parts):
        a, b = out[-1:], part[:1]
        if (latin(a) and kana_kanji(b)) or (kana_kanji(a) and latin(b)):
            out += " "
        out += part
    return out


def join(words, sep: str) -> str:
    """``words`` joined by ``sep`` with :func:`spaced`'s spacing (「NumPy と PyTorch（CPU）」)."""
    parts: list = []
    for w in words:
        parts += [sep, w] if parts else [w]
    return spaced(*parts)


def pad(word, lead: bool = True, trail: bool = True) -> str:
    """``word`` with a space at each Latin end, for a template that sets it between Japanese
    letters (``lead``/``trail`` false: that side meets the start of a line or punctuation)."""
    word = str(word)
    return (" " if lead and latin(word[:1]) else "") + word + (" " if trail and latin(word[-1:]) else "")


def size(n_bytes, n: int | None = 3) -> str:
    """A size in bytes with the binary unit that keeps it between 1 and 1000 as printed: a measured one to
    ``n`` significant figures (``48.0 KiB``, ``2.00 MiB``), or with ``n=None`` an exact one, such as
    a cache, in the unit it is sold in (``48 KiB``, ``2 MiB``, ``1.5 MiB``)."""
    if n_bytes is None or not math.isfinite(float(n_bytes)):
        return "—"
    value, unit = float(n_bytes), "B"
    for bigger in ("KiB", "MiB", "GiB", "TiB"):
        # … and below 1000 as printed: 1 048 352 B is 1.00 MiB, not 1020 KiB
        if abs(value) < 1024 and (n is None or abs(float(f"{value:.{n}g}")) < 1000):
            break
        value, unit = value / 1024, bigger
    return f"{value:g} {unit}" if n is None else f"{sig(value, n)} {unit}"


def pm(value, err, n: int = 2) -> str:
    """``value ± err`` with err to ``n`` significant figures and value to the same decimal."""
    if err is None or not math.isfinite(err) or err <= 0:
        return sig(value, 3)
    exp = math.floor(math.log10(abs(err)))
    decimals = max(n - 1 - exp, 0)
    return signed(f"{value:.{decimals}f} ± {err:.{decimals}f}")


def interval_digits(lo, hi, n: int = 3) -> int:
    """The significant figures :func:`interval` prints ``lo`` and ``hi`` with: ``n``, or more where
    ``n`` would print both ends the same."""
    for digits in range(n, 8):
        if sig(lo, digits) != sig(hi, digits):
            return digits
    return 7


def interval(lo, hi, n: int = 3, sep: str = "〜") -> str:
    """``lo〜hi`` with ``n`` significant figures, or more where ``n`` would print both ends the same
    (2.077〜2.084 rather than 2.08〜2.08)."""
    digits = interval_digits(lo, hi, n)
    return f"{sig(lo, digits)}{sep}{sig(hi, digits)}"


def estimate(x, lo, hi, n: int = 3) -> str:
    """``x`` to as many figures as its interval ``lo``–``hi`` is printed with (1.597 within
    1.596〜1.599, not 1.60)."""
    return sig(x, interval_digits(lo, hi, n))


def header(col: dict) -> str:
    unit = col.get("unit")
    return f"{col['name']} [{unit}]" if unit else col["name"]


def cell(value, kind: str, n: int) -> str:
    if isinstance(value, dict):  # a value with a mark the caption explains: {"value": 1.23, "mark": "*"}
        return cell(value["value"], kind, n) + value["mark"]
    if kind == "text":
        return str(value)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if kind == "int":
        return signed(f"{int(value):d}")
    if kind == "fixed2":  # exponents and other dimensionless numbers: two decimals, at most n digits
        for decimals in (2, 1, 0):  # 3.01, but 19.9 and 123 (a wild fit under load)
            text = f"{float(value):.{decimals}f}"
            if decimals == 0 or len(text.lstrip("-").replace(".", "").lstrip("0")) <= n:
                return signed(text)
    if kind == "percent":
        return sig(100.0 * float(value), n)
    if kind == "sci":
        return sci(value, n)
    return sig(value, n)


def column_kind(values, kind: str, n: int) -> str:
    """``sci`` for a ``sig`` column where :func:`sig` would write some numbers as powers of ten and
    others not (1.74×10^−5^ above 0.000111): one column, one form; else ``kind``."""
    if kind != "sig":
        return kind
    numbers = [v["value"] if isinstance(v, dict) else v for v in values]
    forms = {"×10" in sig(v, n) for v in numbers if v is not None and math.isfinite(float(v))}
    return "sci" if forms == {True, False} else kind


def md_table(table: dict, n: int = 3) -> str:
    """Pipe table; numeric columns right-aligned. The caption is added by the template macro."""
    cols = table["columns"]
    for c in cols:
        if c.get("kind", "sig") not in KINDS:
            raise ValueError(f"column {c['name']!r}: kind must be one of {KINDS}")
    heads = [header(c) for c in cols]
    kinds = [column_kind([row[j] for row in table["rows"]], c.get("kind", "sig"), c.get("sig", n))
             for j, c in enumerate(cols)]
    body = [[cell(v, k, c.get("sig", n)) for v, c, k in zip(row, cols, kinds)] for row in table["rows"]]
    # column widths come from the content: render.markdown_to_pdf lets pandoc see no table as
    # "wide", so Typst sizes every column to its content and wraps only the widest ones
    # numbers right-aligned, and text that reads as numbers (``"right": True``: 83.8 ± 0.43)
    align = ["---:" if c.get("kind", "sig") != "text" or c.get("right") else ":---" for c in cols]
    lines = ["| " + " | ".join(heads) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines)


UNCONFIRMED_MARK = "*"


def by_size(summary, impls, values, names: dict, keep=None, unconfirmed=()) -> dict:
    """A table with one row per size N and, for each implementation, the summary columns in
    ``values`` (``(column, header pattern with {} for the name, unit)``); — where not measured.
    ``keep``: only these sizes get a row (e.g. the sweep's grid, without the midpoints added
    later); ``omitted`` says how many measured sizes were left out. ``unconfirmed``: (implementation,
    N) whose minimum was seen once (:func:`kadai.raw.confirmed`): its first column carries
    :data:`UNCONFIRMED_MARK`, and ``marked`` counts such cells."""
    columns = [{"name": "N", "kind": "int"}]
    for impl in impls:
        columns += [{"name": pattern.format(names[impl]), "unit": unit, "kind": "sig"} for _, pattern, unit in values]
    sizes = sorted(int(n) for n in summary[summary.implementation.isin(impls)].N.unique())
    shown = [n for n in sizes if keep is None or n in set(keep)]
    marks = {(str(i), int(m)) for i, m in unconfirmed}
    rows, marked = [], 0
    for n in shown:
        row = [n]
        for impl in impls:
            g = summary[(summary.implementation == impl) & (summary.N == n)]
            cells = [float(g[col].iloc[0]) if len(g) else None for col, _, _ in values]
            if len(g) and (impl, n) in marks:
                cells[0], marked = {"value": cells[0], "mark": UNCONFIRMED_MARK}, marked + 1
            row += cells
        rows.append(row)
    return {"columns": columns, "rows": rows, "omitted": len(sizes) - len(shown), "marked": marked,
            "mark": UNCONFIRMED_MARK}


VERDICT_WORDS = {"yes": "一致", "no": "不一致", "unknown": "判定できない"}


def models(comparisons: dict, spans: dict | None = None, first: str = "実装") -> dict:
    """Training and held-out error of every candidate model of every series (``comparisons``:
    name → :func:`kadai.fit.compare_models`, or None; ``spans``: name → (first N, last N) of the
    sizes compared, a column of its own where given)."""
    rows = []
    for name, c in comparisons.items():
        span = [f"{spans[name][0]}〜{spans[name][1]}"] if spans else []
        rows += [[name, *span, m["label"], m["train_rel_rmse"], m["holdout_rel_rmse"]]
                 for m in (c or {}).get("models", []) if "holdout_rel_rmse" in m]
    return {"columns": [{"name": first, "kind": "text"}, *([{"name": "N の範囲", "kind": "text"}] if spans else []),
                        {"name": "モデル", "kind": "text"},
                        {"name": "学習点の相対誤差", "unit": "%", "kind": "percent"},
                        {"name": "検証点の相対誤差", "unit": "%", "kind": "percent"}], "rows": rows}


def regimes(relations: dict) -> dict:
    """One row per regime of every series (``{name: kadai.scaling.relation(...)}``): its sizes,
    exponent with interval and whether it matches the expected exponent."""
    rows = []
    for name, rel in relations.items():
        pieces = sorted(rel["regimes"] + rel.get("transitions", []), key=lambda r: r["n_first"])
        for r in pieces:
            word = (VERDICT_WORDS[r["verdict"]["outcome"]] if "verdict" in r
                    else "端（点が少ない）" if r.get("edge") else "遷移域")
            rows.append([name, f"{r['n_first']}〜{r['n_last']}", r["n_points"], r["k"], r["k_halfwidth"], word])
    return {"columns": [{"name": "系列", "kind": "text"}, {"name": "N の範囲", "kind": "text"},
                        {"name": "点数", "kind": "int"}, {"name": "指数 k", "unit": "-", "kind": "fixed2"},
                        {"name": "95 % 区間の半幅", "unit": "-", "kind": "sig", "sig": 2},
                        {"name": "予想との一致", "kind": "text"}],
            "rows": rows}
