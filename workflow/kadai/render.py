"""Jinja → Markdown → (pandoc) Typst → (typst) PDF.

Templates see the report's ``context.json`` as ``ctx``, the configuration as ``config`` and the
machine fingerprint as ``sys``, plus

* filters ``sig`` (significant figures), ``pm`` (value ± error), ``md_table`` (a table dict from
  :mod:`kadai.tables`), ``pct``;
* ``figure(key, path, caption)`` and ``table(key, data, caption)``, which number 図n / 表n in
  order of appearance, and ``ref(key)``, which gives 「図n」/「表n」 anywhere in the text (also
  before the definition: rendering runs twice, the first pass only collects the numbers);
* ``listing(path, name)``, a fenced code block cut from a real source file (a function or class
  by name, or the whole file), so the report always shows the code that ran.

Undefined names are errors (StrictUndefined), never silent blanks.
"""

from __future__ import annotations

import ast
import datetime as _dt
import json
import os
import re
import tempfile
from pathlib import Path

import jinja2

from . import cache, fonts, rubric, tables
from .io import atomic_path, read_json, write_json, write_text

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
KIND_PREFIX = {"fig": "図", "table": "表"}


class Numbering:
    """Numbers figures and tables in order of definition; references resolve in pass two."""

    def __init__(self, known: dict | None = None):
        self.known = known or {}
        self.defined: dict[str, str] = {}
        self.kinds: dict[str, str] = {}
        self.referenced: set[str] = set()
        self._count = {k: 0 for k in KIND_PREFIX}

    def define(self, key: str, kind: str) -> str:
        if key in self.defined:
            raise ValueError(f"{KIND_PREFIX[kind]} key {key!r} is defined twice")
        self._count[kind] += 1
        label = f"{KIND_PREFIX[kind]}{self._count[kind]}"
        self.defined[key] = label
        self.kinds[key] = kind
        return label

    def ref(self, key: str) -> str:
        self.referenced.add(key)
        if key in self.defined:
            return self.defined[key]
        if key in self.known:
            return self.known[key]
        if self.known:  # second pass: the key was never defined anywhere
            raise KeyError(f"the text refers to {key!r}, but no figure or table has that key")
        return "??"


def extract_c_function(text: str, name: str) -> str:
    """A C function definition (from its return type line to the closing brace)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.match(rf"^[A-Za-z_][\w\s\*]*\b{re.escape(name)}\s*\(", line) and not line.rstrip().endswith(";"):
            depth, seen = 0, False
            for j in range(i, len(lines)):
                depth += lines[j].count("{") - lines[j].count("}")
                seen = seen or "{" in lines[j]
                if seen and depth == 0:
                    return "\n".join(lines[i:j + 1])
    raise KeyError(f"no C function named {name!r}")


def extract_source(path, name: str | None = None) -> str:
    """The source of function/class ``name`` in ``path`` (the whole file if ``name`` is None)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if name is None:
        return text.rstrip("\n")
    if path.suffix in (".c", ".h"):
        return extract_c_function(text, name)
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            lines = text.splitlines()
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            return "\n".join(lines[start - 1:node.end_lineno])
    raise KeyError(f"{path} has no function or class named {name!r}")


def report_date(config: dict) -> str:
    value = config.get("date")
    day = _dt.date.fromisoformat(value) if value else _dt.date.today()
    return f"{day.year}年{day.month}月{day.day}日"


ASCII_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
ZWSP = "\u200b"


def literal(text, wrap: int = 20) -> str:
    """``text`` (a name, an ID, a course title from the config) as pandoc Markdown that prints
    exactly these characters: every ASCII punctuation mark is backslash-escaped, so no emphasis,
    math, raw HTML, citation, link or Typst code can start; line breaks become spaces; an unbroken
    run longer than ``wrap`` characters gets a zero-width space every ``wrap`` characters, so a
    long ID wraps inside the margins instead of running past them."""
    text = " ".join(str(text).split())
    runs = re.split(r"(\s+)", text)
    runs = [ZWSP.join(r[i:i + wrap] for i in range(0, len(r), wrap)) if len(r) > wrap else r for r in runs]
    return ASCII_PUNCT.sub(r"\\\1", "".join(runs))


def meta(text) -> str:
    """A YAML front-matter value that pandoc reads as :func:`literal` Markdown."""
    return json.dumps(literal(text), ensure_ascii=False)


def code(text) -> str:
    """Inline code showing ``text`` exactly, whatever backticks it holds."""
    text = " ".join(str(text).split())
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def reason_sentence(text) -> str:
    """Why something did not run, as a sentence of the report: a reason in our own Japanese
    (kadai.backends.availability, kadai.nini1.gpu) reads as prose; a library's message is quoted
    exactly, as code."""
    text = " ".join(str(text).split())
    if JAPANESE.search(text):
        return text if text.endswith("。") else text + "。"
    return f"理由は {code(text)} である。"


def _compiled(templates: Path) -> jinja2.BytecodeCache | None:
    """Compiled templates on disk, checked against each template's source (jinja2's own
    bytecode cache): the two passes, and every later render, compile only a template that changed
    (compiling is most of a render's 0.3 s). Only for the checkout's own templates."""
    if not Path(templates).resolve().is_relative_to(cache.ROOT):
        return None
    where = cache.folder("jinja")
    return jinja2.FileSystemBytecodeCache(str(where)) if where is not None else None


def make_env(numbering: Numbering, md_dir: Path, sig_figs: int, root: Path = ROOT,
             templates: Path = TEMPLATES) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        bytecode_cache=_compiled(templates),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["sig"] = lambda x, n=sig_figs: tables.sig(x, n)
    env.filters["pm"] = tables.pm
    env.filters["size"] = lambda b, n=sig_figs: tables.size(b, n)
    env.filters["interval"] = lambda lo, hi, n=sig_figs: tables.interval(lo, hi, n)
    env.filters["estimate"] = lambda x, lo, hi, n=sig_figs: tables.estimate(x, lo, hi, n)
    env.filters["md_table"] = lambda t, n=sig_figs: tables.md_table(t, n)
    env.filters["sup"] = lambda s: re.sub(r"\^(-?\d+)", r"^\1^", str(s))  # N^3 → N^3^
    env.filters["pct"] = lambda x, n=sig_figs: tables.sig(100.0 * float(x), n)
    env.filters.update(literal=literal, meta=meta, code=code, binary_size=lambda b: tables.size(b, None),
                       reason_sentence=reason_sentence)

    def figure(key: str, path: str, caption: str) -> str:
        # no width: the SVG is drawn at its printed size (kadai.figures.WIDTHS), so its text is
        # printed at the font size it was drawn with
        label = numbering.define(key, "fig")
        rel = os.path.relpath(root / path, md_dir).replace(os.sep, "/")
        return f"![{label}　{caption}]({rel})"

    def table(key: str, data: dict, caption: str) -> str:
        label = numbering.define(key, "table")
        return f"{tables.md_table(data, sig_figs)}\n\n: {label}　{caption}"

    def listing(path: str, name: str | None = None, lang: str = "python") -> str:
        return f"```{lang}\n{extract_source(root / path, name)}\n```"

    env.globals.update(figure=figure, table=table, ref=numbering.ref, listing=listing, sp=tables.pad,
                       spaced=tables.spaced)
    env.filters["sjoin"] = tables.join  # join with the Latin/Japanese spacing of tables.spaced
    return env


def render_markdown(template: str, context: dict, config: dict, sysinfo: dict, md_path,
                    root: Path = ROOT, templates: Path = TEMPLATES,
                    typefaces: dict | None = None) -> tuple[str, Numbering]:
    """Render ``templates/<template>`` twice (numbering, then text). Returns text, numbering.
    ``typefaces``: :func:`kadai.fonts.summary` of the faces the PDF will be set in."""
    md_dir = (root / md_path).parent if not Path(md_path).is_absolute() else Path(md_path).parent
    sig_figs = config.get("tables", {}).get("sig_figs", 3)
    variables = {"ctx": context, "config": config, "sys": sysinfo, "fonts": typefaces,
                 "report_date": report_date(config)}
    first = Numbering()
    make_env(first, md_dir, sig_figs, root, templates).get_template(template).render(**variables)
    second = Numbering(known=dict(first.defined))
    text = make_env(second, md_dir, sig_figs, root, templates).get_template(template).render(**variables)
    return tidy_markdown(text), second


# a line of a paragraph's prose: not a heading, figure, table, caption, list item, quote or HTML
NOT_PROSE_LINE = re.compile(r"^(\s|#{1,6} |!\[|\||: |:::|[-*+] |\d+\. |>|<|```)")
WIDE = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff01-\uff60]")  # a Japanese character or punctuation


def tidy_markdown(text: str) -> str:
    """A blank line before every heading (pandoc needs it; Jinja's trim_blocks can eat it) and
    no runs of blank lines. A prose line that starts with a Latin letter, a digit or a symbol
    joins the line before it where that one ends in Japanese: pandoc drops a line break only
    between two East Asian characters and would print 「ある。 1024 の」 with a space. Fenced code
    is left exactly as it is."""
    out: list[str] = []
    fenced = False
    for line in text.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        block = not fenced and (re.match(r"#{1,6} ", line) or line.startswith("![")
                                or (line.startswith("|") and not (out and out[-1].startswith("|"))))
        if block and out and out[-1].strip():
            out.append("")  # headings, figures and tables need a blank line before them
        if not fenced and out and out[-1].startswith("![") and line.strip():
            out.append("")  # … and a figure one after it
        if not fenced and not line.strip() and out and not out[-1].strip():
            continue
        if (not fenced and out and line.strip() and not WIDE.match(line) and not NOT_PROSE_LINE.match(line)
                and WIDE.match(out[-1][-1:]) and not NOT_PROSE_LINE.match(out[-1])):
            out[-1] += line
            continue
        out.append(line)
    return "\n".join(out)


# ---------------------------------------------------------------- fonts and PDF

MARKDOWN = "markdown+east_asian_line_breaks"  # a line break between Japanese characters is no space


# a number and its unit stay on one line in the PDF (「93.5 %」, 「0.719 ms」, 「3.27 倍」)
UNIT_SPACE = re.compile(r"(?<=\d) (?=(%|ms|µs|ns|s|GFLOPS|GB|MiB|KiB|GHz|倍|ポイント|回|個|点|枚)(?![A-Za-z]))")


def keep_units(md: str) -> str:
    """The space between a number and its unit made non-breaking, outside fenced code (the .md
    keeps plain spaces: only the typeset PDF needs it)."""
    out, fenced = [], False
    for line in md.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        out.append(line if fenced else UNIT_SPACE.sub("\u00a0", line))
    return "\n".join(out)


def markdown_to_pdf(md_path, pdf_path, template=TEMPLATES / "report.typ",
                    root: Path = ROOT, choice: dict | None = None) -> dict:
    """pandoc (Markdown → Typst with our page template), then typst (→ PDF). Returns the
    faces it asked for (``choice``, by default :func:`kadai.fonts.choose`)."""
    import pypandoc
    import typst

    md_path, pdf_path = Path(md_path), Path(pdf_path)
    choice = choice or fonts.choose()
    faces = choice["faces"]
    # --columns: no pipe table counts as wide, so Typst sizes columns by content (no header
    # broken into single characters, no column too narrow for its word)
    args = ["--template", str(template), "--wrap=none", "--columns=100000",
            *[a for role in fonts.ROLES for a in ("-V", f"{role}-font={faces[role]['family']}")]]
    typ_text = pypandoc.convert_text(keep_units(md_path.read_text(encoding="utf-8")), "typst", format=MARKDOWN,
                                     extra_args=args)
    fd, typ_name = tempfile.mkstemp(prefix=f".{md_path.stem}.", suffix=".typ", dir=md_path.parent)
    os.close(fd)  # a name of its own: another process may be rendering the same report (kadai.watch, Snakemake)
    typ_path = Path(typ_name)
    write_text(typ_path, typ_text)
    dirs = sorted({str(Path(f["file"]).parent) for f in faces.values()})
    try:
        with atomic_path(pdf_path) as tmp:
            typst.compile(str(typ_path), output=str(tmp), root=str(root), font_paths=dirs)
    finally:
        typ_path.unlink(missing_ok=True)
    return choice


CALLS = Path("results") / ".render"  # what each render job was called with, for kadai.watch


def remember(out, rule: str, arguments: dict, folder=CALLS) -> None:
    """Keep the arguments the job of ``rule`` that made ``out`` called :func:`report_markdown` or
    :func:`report_pdf` with (its inputs and parameters, as Snakemake gave them): kadai.watch makes
    the same call again after a template save."""
    write_json(Path(folder) / f"{Path(out).name}.json", {"rule": rule, "arguments": arguments})


def recalled(out, folder=CALLS) -> tuple[dict, float] | None:
    """What :func:`remember` kept for ``out`` (``{"rule", "arguments"}``) and when (seconds since
    the epoch); None where nothing was."""
    f = Path(folder) / f"{Path(out).name}.json"
    try:
        kept, made_at = json.loads(f.read_text(encoding="utf-8")), f.stat().st_mtime
    except (OSError, ValueError):
        return None
    ok = isinstance(kept, dict) and isinstance(kept.get("rule"), str) and isinstance(kept.get("arguments"), dict)
    return (kept, made_at) if ok else None


def report_markdown(report: str, template, context_path, sysinfo_path, figures, config: dict, md_path,
                    typefaces: dict | None = None) -> str:
    """Rule render_markdown's job (also run by :mod:`kadai.watch`): the report's template
    (``template``: ``templates/<report>.md.j2`` as messages name it) rendered with its context,
    checked against the rubric (a failed check raises before anything is written) and written to
    ``md_path``. Returns the text."""
    context = read_json(context_path)
    text, numbering = render_markdown(f"{report}.md.j2", context, config, read_json(sysinfo_path), md_path,
                                      typefaces=typefaces)
    rubric.enforce(report, text, numbering, figures, config, relations=context.get("relations"),
                   template=str(template))
    write_text(md_path, text)
    return text


def report_pdf(md_path, pdf_path, config: dict) -> dict:
    """Rule render_pdf's job (also run by :mod:`kadai.watch`): the PDF of ``md_path``, its fonts
    checked (every character covered, the chosen faces embedded). Prints the faces; returns the
    choice of faces."""
    choice = markdown_to_pdf(md_path, pdf_path)
    rubric.enforce_fonts(md_path, pdf_path, choice, config)
    faces = fonts.summary(choice)
    print(f"{pdf_path}: " + ", ".join(f"{role} {f['family']} ({f['file']})" for role, f in faces.items()))
    for note in choice["notes"]:
        print(f"note: {note}")
    return choice
