"""The grader's rubric (SPEC "What the grader criticised") as an automatic check.

Every rendered report passes these rules before its PDF is made. Each rule has a name that
``config.rubric.ignore`` can list to silence it knowingly; ``config.rubric.strict: false``
turns failures into warnings while drafting.

==================  =======================================================================
rule                what it rejects
==================  =======================================================================
style_mix           です/ます sentence endings mixed into である prose
colloquial          colloquial words (やった, けど, すごく, ちょっと, めっちゃ, …)
long_sentence       a sentence longer than ``rubric.max_sentence_chars`` characters
placeholder         TODO/XXX/FIXME, ○○, unrendered Jinja, unresolved ??, 「グラフタイトル」,
                    「今後の課題」 (a surprising result needs an explanation, not a promise)
bullet_discussion   bullet lists in 考察 or 結論 (the grader wants prose)
numbering           a figure/table without 図n/表n caption, or never referred to in the text
axis_units          a figure axis without label or unit (read from the figure's sidecar)
table_units         a table column of non-integer numbers without a unit in its header
sig_figs            a table number with more significant figures than ``tables.sig_figs``
relation_sentence   kadai1/kadai2: no 「行列サイズと実行時間の間には…関係がある」 sentence for a
                    measured operation × implementation
vague_comparative   比較的/かなり/若干… without a named comparison (より, と比べ, 倍…) in the
                    same sentence
font_coverage       a character that no font used by the PDF can draw (tofu)
==================  =======================================================================
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

RULES = ["style_mix", "colloquial", "long_sentence", "placeholder", "bullet_discussion",
         "numbering", "axis_units", "table_units", "sig_figs", "relation_sentence",
         "vague_comparative", "font_coverage"]

POLITE = re.compile(r"(です|ます|でした|ました|ません|でしょう|ましょう|ください)(?=[。！!？?」）)]|$)")
COLLOQUIAL = ["やった", "けど", "すごく", "すごい", "ちょっと", "めっちゃ", "じゃない", "みたいな",
              "とりあえず", "なんか", "っぽい", "やっぱり", "だよね", "かも。"]
PLACEHOLDERS = ["TODO", "FIXME", "XXX", "○○", "{{", "}}", "{%", " %}", "{#", "??",
                "グラフタイトル", "今後の課題"]
VAGUE = ["比較的", "かなり", "若干", "割と", "わりと", "結構", "やや", "大幅に"]
COMPARED = ["より", "と比べ", "と比較", "に比べ", "に対し", "倍", "と同程度", "の方が", "との差",
            "%", "割"]
RELATION = re.compile(r"行列サイズ\s*N?\s*と実行時間の間には.*関係がある")


class RubricError(RuntimeError):
    pass


@dataclass
class Violation:
    rule: str
    where: str
    message: str
    needle: str = ""  # the offending fragment, used to find the template line

    def __str__(self):
        return f"[{self.rule}] {self.where}: {self.message}"


# ------------------------------------------------------------------ text structure

def prose_lines(md: str):
    """(line number, text) of prose lines: no front matter, code, tables, images, captions."""
    lines = md.splitlines()
    in_code = False
    in_front = bool(lines) and lines[0].strip() == "---"
    for i, line in enumerate(lines, 1):
        s = line.strip()
        if in_front:
            if i > 1 and s in ("---", "..."):
                in_front = False
            continue
        if s.startswith("```"):
            in_code = not in_code
            continue
        if in_code or not s or s.startswith("|") or s.startswith("![") or s.startswith(": "):
            continue
        yield i, line


def sentences(md: str):
    """(line number, sentence) split at 。, for prose lines."""
    for i, line in prose_lines(md):
        text = re.sub(r"^\s*(#+|[-*+]|\d+\.)\s+", "", line)
        for part in re.split(r"(?<=。)", text):
            if part.strip():
                yield i, part.strip()


def sections(md: str):
    """(heading, first line, [(line number, text)]) for every heading."""
    current, start, body = "", 1, []
    out = []
    for i, line in enumerate(md.splitlines(), 1):
        if re.match(r"^#{1,6}\s", line):
            out.append((current, start, body))
            current, start, body = line.lstrip("#").strip(), i, []
        else:
            body.append((i, line))
    out.append((current, start, body))
    return out


def md_tables(md: str):
    """(first line number, header cells, body rows) of every pipe table."""
    lines = md.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith("|") and i + 1 < len(lines) and re.match(r"^\s*\|[\s:|-]+\|\s*$", lines[i + 1]):
            head = _cells(lines[i])
            rows = []
            j = i + 2
            while j < len(lines) and lines[j].lstrip().startswith("|"):
                rows.append(_cells(lines[j]))
                j += 1
            yield i + 1, head, rows, j
            i = j
        else:
            i += 1


def _cells(line: str):
    return [c.strip() for c in line.strip().strip("|").split("|")]


NUMBER = re.compile(r"^[-+]?(\d+(\.\d+)?|\.\d+)(×10\^-?\d+\^)?$")


def sig_digits(cell: str) -> int | None:
    """Significant digits of a written decimal number; None for integers and non-numbers."""
    if not NUMBER.match(cell):
        return None
    mant = cell.lstrip("+-").split("×")[0]
    if "." not in mant:
        return None  # exact integers (sizes, counts) are not measurements
    digits = mant.replace(".", "").lstrip("0")
    return len(digits) if digits else 1


# ------------------------------------------------------------------ rules

def check_text(md: str, max_sentence: int = 200) -> list[Violation]:
    out = []
    for i, s in sentences(md):
        m = POLITE.search(s)
        if m:
            out.append(Violation("style_mix", f"line {i}", f"です/ます調の文末: 「{s[:60]}」",
                                 s[max(0, m.start() - 4):m.end()]))
        for w in COLLOQUIAL:
            if w in s:
                out.append(Violation("colloquial", f"line {i}", f"口語表現「{w}」: 「{s[:60]}」", w))
        if len(s) > max_sentence:
            out.append(Violation("long_sentence", f"line {i}",
                                 f"{len(s)} 文字の文（上限 {max_sentence}）: 「{s[:40]}…」", s[:10]))
        for w in VAGUE:
            if w in s and not any(c in s for c in COMPARED):
                out.append(Violation("vague_comparative", f"line {i}",
                                     f"「{w}」の比較対象が同じ文にない: 「{s[:60]}」", w))
    for i, line in enumerate(md.splitlines(), 1):
        for w in PLACEHOLDERS:
            if w in line and not _in_code(md, i):
                out.append(Violation("placeholder", f"line {i}",
                                     f"「{w}」が残っている: {line.strip()[:60]}", w))
    for heading, _start, body in sections(md):
        if "考察" in heading or "結論" in heading:
            for i, line in body:
                if re.match(r"^\s*([-*+]|\d+\.)\s+\S", line) and not _in_code(md, i):
                    out.append(Violation("bullet_discussion", f"line {i}",
                                         f"「{heading}」に箇条書きがある（文章で書く）"))
                    break
    return out


def _in_code(md: str, lineno: int) -> bool:
    fence = 0
    for line in md.splitlines()[:lineno - 1]:
        if line.strip().startswith("```"):
            fence ^= 1
    return bool(fence)


def check_numbering(md: str, numbering) -> list[Violation]:
    out = []
    for i, line in enumerate(md.splitlines(), 1):
        s = line.strip()
        if s.startswith("![") and not re.match(r"^!\[図\d+　\S", s):
            out.append(Violation("numbering", f"line {i}", "図に「図n　説明」のキャプションがない"))
    for first, _, _, end in md_tables(md):
        after = md.splitlines()[end:end + 2]
        if not any(re.match(r"^: 表\d+　\S", a) for a in after):
            out.append(Violation("numbering", f"line {first}", "表に「表n　説明」のキャプションがない"))
    if numbering is not None:
        for key, label in numbering.defined.items():
            if key not in numbering.referenced:
                out.append(Violation("numbering", label,
                                     f"{label}（{key}）が本文で参照されていない（ref('{key}') で言及する）"))
    return out


def check_tables(md: str, sig_figs: int) -> list[Violation]:
    out = []
    for first, head, rows, _ in md_tables(md):
        for c, name in enumerate(head):
            col = [r[c] for r in rows if c < len(r) and r[c] not in ("", "—")]
            if not col or not all(NUMBER.match(v) for v in col):
                continue
            if any(sig_digits(v) is not None for v in col) and "[" not in name:
                out.append(Violation("table_units", f"table at line {first}",
                                     f"列「{name}」に単位 [..] がない"))
            for v in col:
                d = sig_digits(v)
                if d is not None and d > sig_figs:
                    out.append(Violation("sig_figs", f"table at line {first}",
                                         f"列「{name}」の {v} は有効数字 {d} 桁（設定 {sig_figs} 桁）"))
    return out


def check_figures(sidecars) -> list[Violation]:
    out = []
    for path in sidecars:
        meta = json.loads(Path(path).read_text(encoding="utf-8"))
        for k, ax in enumerate(meta["axes"], 1):
            for side in ("x", "y"):
                a = ax[side]
                if not a.get("label") or not a.get("unit"):
                    out.append(Violation("axis_units", f"{meta['figure']} axes {k}",
                                         f"{side} 軸にラベルか単位がない"))
                elif a["unit"] != meta.get("no_unit") and f"[{a['unit']}]" not in a.get("text", ""):
                    out.append(Violation("axis_units", f"{meta['figure']} axes {k}",
                                         f"{side} 軸の表示「{a.get('text')}」に単位 [{a['unit']}] がない"))
    return out


def check_relations(md: str, names) -> list[Violation]:
    """``names``: one entry per measured series, a name or a list of words (operation, library)
    that must all stand in one relation sentence."""
    out = []
    sents = [s for _, s in sentences(md) if RELATION.search(s)]
    for name in names:
        words = [name] if isinstance(name, str) else list(name)
        if not any(all(w in s for w in words) for s in sents):
            label = "・".join(words)
            out.append(Violation("relation_sentence", label,
                                 f"「{label}」について「行列サイズと実行時間の間には…関係がある」の文がない"))
    return out


def font_coverage(text: str, font_files) -> list[Violation]:
    """Characters of ``text`` that none of ``font_files`` has a glyph for."""
    from fontTools.ttLib import TTCollection, TTFont

    covered: set[int] = set()
    for f in font_files:
        f = str(f)
        fonts = TTCollection(f).fonts if f.lower().endswith(".ttc") else [TTFont(f, lazy=True)]
        for font in fonts:
            covered |= set(font.getBestCmap() or {})
    missing = sorted({ch for ch in text if ord(ch) >= 32 and not ch.isspace() and ord(ch) not in covered})
    if missing:
        return [Violation("font_coverage", "report", "フォントに字形がない文字: " + " ".join(
            f"{c}(U+{ord(c):04X})" for c in missing[:20]))]
    return []


# ------------------------------------------------------------------ enforcement

def locate_in_template(v: Violation, md: str, template: str | None) -> Violation:
    """Point a line-level violation to the template line that produced it, where possible."""
    m = re.match(r"line (\d+)$", v.where)
    if not template or not m or not v.needle:
        return v
    tlines = Path(template).read_text(encoding="utf-8").splitlines()
    # the fragment itself, else its tail (the part after a substituted number or name)
    for needle in (v.needle, v.needle[-3:]):
        hits = [i for i, t in enumerate(tlines, 1) if needle and needle in t]
        if hits:
            v.where = f"{template}:{hits[0]} (report line {m.group(1)})"
            break
    return v


def check(report: str, md: str, numbering=None, figure_paths=(), config=None,
          relations=None, template: str | None = None) -> list[Violation]:
    config = config or {}
    rub = config.get("rubric", {}) or {}
    sig_figs = (config.get("tables") or {}).get("sig_figs", 3)
    out = check_text(md, rub.get("max_sentence_chars", 200))
    out += check_numbering(md, numbering)
    out += check_tables(md, sig_figs)
    from .figures import sidecar_path
    svgs = []
    for p in map(Path, figure_paths):
        svgs += sorted(p.glob("*.svg")) if p.is_dir() else [p]
    out += check_figures([sidecar_path(p) for p in svgs])
    if relations is not None:
        out += check_relations(md, relations)
    ignore = set(rub.get("ignore", []))
    return [locate_in_template(v, md, template) for v in out if v.rule not in ignore]


def _raise_or_warn(report: str, found: list[Violation], config: dict) -> None:
    if not found:
        print(f"rubric: {report} passes all {len(RULES)} rules")
        return
    msg = f"rubric: {report} has {len(found)} problem(s):\n  " + "\n  ".join(map(str, found))
    msg += ("\n(silence a rule knowingly with rubric.ignore in config/config.yaml, or set "
            "rubric.strict: false while drafting)")
    if (config.get("rubric") or {}).get("strict", True):
        raise RubricError(msg)
    print("WARNING " + msg)


def enforce(report: str, md: str, numbering, figure_paths, config: dict, relations=None,
            template: str | None = None) -> list[Violation]:
    found = check(report, md, numbering, figure_paths, config, relations, template)
    _raise_or_warn(report, found, config)
    return found


def enforce_fonts(md_path, pdf_path, fonts: dict, config: dict) -> list[Violation]:
    """No tofu: every character is covered by the fonts the PDF was set in (and embeds)."""
    if "font_coverage" in set((config.get("rubric") or {}).get("ignore", [])):
        return []
    files = font_files(fonts)
    found = font_coverage(Path(md_path).read_text(encoding="utf-8"), files)
    _raise_or_warn(Path(md_path).stem + " (fonts)", found, config)
    return found


def font_files(fonts: dict) -> list[Path]:
    """The files of the body, heading and mono families named in ``fonts``."""
    from fontTools.ttLib import TTCollection, TTFont

    wanted = {fonts["body"], fonts["heading"], fonts["mono"], "IPAexGothic"}
    out = []
    for d in fonts["dirs"]:
        for p in Path(d).iterdir():
            if p.suffix.lower() not in (".ttf", ".otf", ".ttc"):
                continue
            try:
                fs = TTCollection(str(p)).fonts if p.suffix.lower() == ".ttc" else [TTFont(str(p), lazy=True)]
            except Exception:  # noqa: BLE001 - unreadable font files are skipped
                continue
            names = {f["name"].getDebugName(1) for f in fs}
            if names & wanted:
                out.append(p)
    return out


def pdf_fonts(pdf_path) -> list[str]:
    """Base names of the fonts embedded in a PDF (subset prefixes removed)."""
    from pypdf import PdfReader

    names = set()
    for page in PdfReader(str(pdf_path)).pages:
        res = page.get("/Resources") or {}
        for f in (res.get("/Font") or {}).values():
            f = f.get_object()
            base = str(f.get("/BaseFont", ""))
            for d in (f.get("/DescendantFonts") or []):
                base = str(d.get_object().get("/BaseFont", base))
            names.add(base.lstrip("/").split("+")[-1])
    return sorted(names)
