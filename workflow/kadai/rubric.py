"""The grader's rubric (SPEC "What the grader criticised") as an automatic check.

Every rendered report passes these rules before its PDF is made. Each rule has a name that
``config.rubric.ignore`` can list to silence it knowingly; ``config.rubric.strict: false``
turns failures into warnings while drafting.

==================  =======================================================================
rule                what it rejects
==================  =======================================================================
style_mix           です/ます sentence endings mixed into である prose
colloquial          colloquial words (やった, けど, すごく, ちょっと, めっちゃ, …)
long_sentence       a sentence longer than ``rubric.max_sentence_chars`` characters as printed (100)
many_commas         more than three 読点 in a sentence (outside brackets)
repeated_particle   the same particle (が, を, に, で) twice in one clause (between 読点)
okonau              「〜を行う」 where one verb says it (計測を行った → 計測した)
kanji_run           six or more kanji in a row (「浮動小数点演算回数」)
sentence_end        a paragraph whose last sentence does not end with 。
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
figure_text         a figure with text under 7 pt as printed, wider than the text, or two texts on top
                    of each other (from the figure's sidecar)
font_embedded       a chosen face (Mincho body, Gothic headings, code) missing from the PDF: Typst
                    fell back to another font
==================  =======================================================================
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

RULES = ["style_mix", "colloquial", "long_sentence", "many_commas", "repeated_particle", "okonau", "kanji_run",
         "sentence_end", "placeholder", "bullet_discussion",
         "numbering", "axis_units", "table_units", "sig_figs", "relation_sentence",
         "vague_comparative", "figure_text", "font_coverage", "font_embedded"]

POLITE = re.compile(r"(です|ます|でした|ました|ません|でしょう|ましょう|ください)(?=[。！!？?」）)]|$)")
COLLOQUIAL = ["やった", "けど", "すごく", "すごい", "ちょっと", "めっちゃ", "じゃない", "みたいな",
              "とりあえず", "なんか", "っぽい", "やっぱり", "だよね", "かも。"]
PLACEHOLDERS = ["TODO", "FIXME", "XXX", "○○", "{{", "}}", "{%", " %}", "{#", "??",
                "グラフタイトル", "今後の課題"]
VAGUE = ["比較的", "かなり", "若干", "割と", "わりと", "結構", "やや", "大幅に"]
# a vague word, not the okurigana of a word that ends in it: 「切り替わりと」「終わりと」 hold 「わりと」
VAGUE_WORDS = [(w, re.compile(("" if re.match(r"[一-龥]", w) else r"(?<![一-龥々])") + re.escape(w)))
               for w in VAGUE]
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


def paragraphs(md: str):
    """(line of each character, text) of every prose paragraph: consecutive prose lines joined
    as pandoc's ``east_asian_line_breaks`` joins them (no space between Japanese characters).
    Headings and list items stand alone."""
    cur: list[tuple[int, str]] = []
    prev = None
    for i, line in prose_lines(md):
        text = line.strip()
        alone = re.match(r"^(#+|[-*+]|\d+\.)\s+", text)
        if cur and (prev != i - 1 or alone):
            yield _joined(cur)
            cur = []
        if alone:
            yield [i] * len(text), text
            prev = None
            continue
        cur.append((i, text))
        prev = i
    if cur:
        yield _joined(cur)


def _joined(lines):
    rows, text = [], ""
    for i, t in lines:
        if text and (text[-1].isascii() and t[0].isascii()) and text[-1].isalnum():
            text += " "  # pandoc keeps the space between two Latin words
            rows.append(i)
        text += t
        rows += [i] * len(t)
    return rows, text


def sentences(md: str, tail: bool = True):
    """(line number, sentence) split after 。; with ``tail``, also the text after a paragraph's
    last 。 (a sentence without its full stop)."""
    for rows, text in paragraphs(md):
        if re.match(r"^(#+|[-*+]|\d+\.)\s+", text):
            text = re.sub(r"^(#+|[-*+]|\d+\.)\s+", "", text)
            rows = rows[len(rows) - len(text):]
        start = 0
        for part in re.split(r"(?<=。)", text):
            if part.strip() and (tail or part.endswith("。")):
                lead = len(part) - len(part.lstrip())
                yield rows[min(start + lead, len(rows) - 1)], part.strip()
            start += len(part)


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


NUMBER = re.compile(r"^[-+−]?(\d+(\.\d+)?|\.\d+)(×10\^[-−]?\d+\^)?$")


def sig_digits(cell: str) -> int | None:
    """Significant digits of a written decimal number; None for integers and non-numbers."""
    if not NUMBER.match(cell):
        return None
    mant = cell.lstrip("+-−").split("×")[0]
    if "." not in mant:
        return None  # exact integers (sizes, counts) are not measurements
    digits = mant.replace(".", "").lstrip("0")
    return len(digits) if digits else 1


# ------------------------------------------------------------------ rules

def check_text(md: str, max_sentence: int = 100) -> list[Violation]:
    out = []
    for i, s in sentences(md):
        out += check_sentence(i, s, max_sentence)
        for w, word in VAGUE_WORDS:
            if word.search(s) and not any(c in s for c in COMPARED):
                out.append(Violation("vague_comparative", f"line {i}",
                                     f"「{w}」の比較対象が同じ文にない: 「{s[:60]}」", w))
    for rows, para in paragraphs(md):
        last = re.split(r"(?<=。)", para)[-1].strip()
        if last and not re.match(r"^(#+|[-*+]|\d+\.)\s+", para):
            out.append(Violation("sentence_end", f"line {rows[-1]}", f"文が「。」で終わっていない: 「…{last[-40:]}」",
                                 last[-6:]))
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


MAX_COMMAS = 3      # 読点 in one sentence, outside brackets
MAX_KANJI_RUN = 5   # kanji in a row: 「浮動小数点演算回数」 reads better as 「浮動小数点数の演算の回数」
# a particle: after a kanji, katakana or closing bracket, or after a Latin word or number and a space
PARTICLE = re.compile(r"(?:(?<=[\u4e00-\u9fff々\u30a0-\u30ff）」])|(?<=[A-Za-z0-9%)\]] ))"
                      r"(が|を|に(?![よおつ]|対し|比べ|関し)|で(?![あきはも]))")
OKONAU = re.compile(r"を行[わいうえおっ]")
KANJI_RUN = re.compile(r"[\u4e00-\u9fff々〆]{" + str(MAX_KANJI_RUN + 1) + ",}")


def plain(sentence: str) -> str:
    """The sentence as printed: inline code as one symbol, no Markdown marks."""
    text = re.sub(r"`[^`]*`", "X", sentence)
    return re.sub(r"\*\*|\\|\^|~", "", text)


def outside_brackets(text: str) -> str:
    """``text`` without what stands in （）, (), 「」 and []: asides and quotations."""
    out, depth = [], 0
    for ch in text:
        if ch in "（(「[":
            depth += 1
        elif ch in "）)」]":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def check_sentence(i: int, s: str, max_chars: int) -> list[Violation]:
    """The rules of Japanese technical writing that one sentence, or any part of it, must keep."""
    out, text = [], plain(s)

    def hit(rule, message, needle=s[:10]):
        out.append(Violation(rule, f"line {i}", message, needle))

    m = POLITE.search(s)
    if m:
        hit("style_mix", f"です/ます調の文末: 「{s[:60]}」", s[max(0, m.start() - 4):m.end()])
    for w in COLLOQUIAL:
        if w in s:
            hit("colloquial", f"口語表現「{w}」: 「{s[:60]}」", w)
    if len(text) > max_chars:
        hit("long_sentence", f"{len(text)} 文字の文（上限 {max_chars}）: 「{s[:40]}…」")
    bare = outside_brackets(text)
    if bare.count("、") > MAX_COMMAS:
        hit("many_commas", f"読点が {bare.count('、')} 個（上限 {MAX_COMMAS}）: 「{s[:40]}…」")
    for clause in re.split(r"[、。]", bare):
        found = PARTICLE.findall(clause)
        twice = sorted({p for p in found if found.count(p) > 1})
        if twice:
            hit("repeated_particle", f"一つの節に「{'」「'.join(twice)}」が 2 回: 「{clause[:50]}」", clause[-8:])
    m = OKONAU.search(text)
    if m:
        hit("okonau", f"「〜を行う」は動詞一つで言える（計測を行った → 計測した）: 「{s[:40]}…」",
            text[max(0, m.start() - 3):m.end()])
    for m in KANJI_RUN.finditer(text):
        hit("kanji_run", f"漢字が {len(m.group(0))} 字続く「{m.group(0)}」（上限 {MAX_KANJI_RUN}）："
            "「の」や仮名で区切る", m.group(0))
    return out


NOT_PROSE = ("|", "#", "<", "!", ":::")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
BRANCH = "\x00"  # where a Jinja block tag stood: the text on either side may belong to different branches


def template_fragments(source: str):
    """(line, text) of every piece of prose a template can print, in every branch: each line with
    every ``{{ … }}`` read as a number, cut at block tags (``{% … %}``, where a branch may begin or
    end) and into sentences at 「。」; comments, tables, headings and code left out. The Japanese
    string literals inside the tags (the two sides of an inline ``if``, a macro's argument) are
    pieces of prose too, each checked on its own."""
    def blank(replacement):
        return lambda m: replacement + "\n" * m.group(0).count("\n")
    source = re.sub(r"\{#.*?#\}", blank(""), source, flags=re.S)
    for tag in re.finditer(r"\{\{.*?\}\}|\{%.*?%\}", source, flags=re.S):
        line = source.count("\n", 0, tag.start()) + 1
        for literal in re.findall(r'"([^"\\]*)"|\'([^\'\\]*)\'', tag.group(0)):
            text = "".join(literal)
            if JAPANESE.search(text):
                for piece in re.split(r"(?<=。)", text):
                    if piece.strip():
                        yield line, piece
    source = re.sub(r"\{%.*?%\}", blank(BRANCH), source, flags=re.S)
    source = re.sub(r"\{\{.*?\}\}", blank("1"), source, flags=re.S)
    fence = False
    for lineno, line in enumerate(source.split("\n"), 1):
        stripped = line.replace(BRANCH, "").strip()
        if stripped.startswith("```"):
            fence = not fence
            continue
        if fence or not stripped or stripped.startswith(NOT_PROSE):
            continue
        for part in line.split(BRANCH):
            for piece in re.split(r"(?<=。)", part):
                if piece.strip():
                    yield lineno, piece


def check_template(template, max_sentence: int = 100) -> list[Violation]:
    """The sentence rules on the template's literal text, in every branch, not only the ones
    this machine's data printed. A fragment is part of every sentence printed from it, so a
    particle repeated in one of its clauses, a run of kanji, a です/ます ending or a colloquial
    word is there on any machine whose data takes that branch. Lengths and 読点 are lower bounds:
    a ``{{ … }}`` counts as one character here, though it may print a name, a list or a clause;
    the rendered report is checked in full as well (:func:`check`)."""
    out = []
    pieces = sorted(template_fragments(Path(template).read_text(encoding="utf-8")), key=lambda f: f[0])
    for lineno, piece in pieces:
        for v in check_sentence(lineno, piece, max_sentence):
            v.where = f"{template}:{lineno} (in every report that prints this line)"
            out.append(v)
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
        out += check_figure_layout(meta)
    return out


def check_figure_layout(meta: dict) -> list[Violation]:
    """Text a reader can read: no font under MIN_FONT_PT at printed size, no figure wider than the
    text, no two texts on top of each other (``layout`` of the sidecar, from kadai.figures)."""
    from .page import MIN_FONT_PT, TEXT_WIDTH_IN

    lay, where, out = meta.get("layout") or {}, meta["figure"], []
    if lay.get("min_font_pt") is not None and lay["min_font_pt"] < MIN_FONT_PT:
        out.append(Violation("figure_text", where, f"印刷時 {lay['min_font_pt']:g} pt の文字がある"
                                                   f"（{MIN_FONT_PT:g} pt 以上にする）"))
    if lay.get("width_in", 0) > TEXT_WIDTH_IN:
        out.append(Violation("figure_text", where, f"幅 {lay['width_in']:.2f} in が本文の幅 {TEXT_WIDTH_IN:.2f} in を"
                                                   "超え、縮小されて文字が小さくなる"))
    for a, b in lay.get("overlaps", []):
        out.append(Violation("figure_text", where, f"文字が重なっている：「{a}」と「{b}」"))
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


def font_coverage(text: str, faces) -> list[Violation]:
    """Characters of ``text`` that none of ``faces`` (:func:`kadai.fonts.choose`'s) has a glyph for."""
    from . import fonts

    covered: set[int] = set()
    for face in faces:
        covered |= fonts.code_points(face)
    missing = sorted({ch for ch in text if ord(ch) >= 32 and not ch.isspace() and ord(ch) not in covered})
    if missing:
        return [Violation("font_coverage", "report", "フォントに字形がない文字: " + " ".join(
            f"{c}(U+{ord(c):04X})" for c in missing[:20]))]
    return []


def font_embedding(choice: dict, embedded, md: str) -> list[Violation]:
    """The chosen faces the PDF does not embed: body and headings always, code where the report
    has code."""
    from . import fonts

    roles = ("body", "heading", "mono") if "`" in md else ("body", "heading")
    return [Violation("font_embedded", "report",
                      f"{fonts.LABELS[r]}の書体 {choice['faces'][r]['family']} "
                      f"({choice['faces'][r]['postscript']}, {choice['faces'][r]['file']}) が PDF に埋め込まれていない"
                      f"（埋め込まれたのは {', '.join(embedded) or 'なし'}）")
            for r in fonts.missing(choice, embedded, roles)]


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
    out = check_text(md, rub.get("max_sentence_chars", 100))
    out += check_numbering(md, numbering)
    out += check_tables(md, sig_figs)
    from .page import sidecar_path
    svgs = []
    for p in map(Path, figure_paths):
        svgs += sorted(p.glob("*.svg")) if p.is_dir() else [p]
    out += check_figures([sidecar_path(p) for p in svgs])
    if relations is not None:
        out += check_relations(md, relations)
    ignore = set(rub.get("ignore", []))
    found = [locate_in_template(v, md, template) for v in out if v.rule not in ignore]
    if template:  # the report's own template; the shared partials are checked by the test suite
        printed = {(v.rule, v.where.split(" ")[0]) for v in found}
        found += [v for v in check_template(template, rub.get("max_sentence_chars", 100))
                  if v.rule not in ignore and (v.rule, v.where.split(" ")[0]) not in printed]
    return found


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


def enforce_fonts(md_path, pdf_path, choice: dict, config: dict) -> list[Violation]:
    """No tofu (every character is covered by the chosen faces), and those faces are the ones
    the PDF embeds."""
    ignored = set((config.get("rubric") or {}).get("ignore", []))
    md = Path(md_path).read_text(encoding="utf-8")
    found = [] if "font_coverage" in ignored else font_coverage(md, choice["faces"].values())
    if "font_embedded" not in ignored:
        found += font_embedding(choice, pdf_fonts(pdf_path), md)
    _raise_or_warn(Path(md_path).stem + " (fonts)", found, config)
    return found


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
