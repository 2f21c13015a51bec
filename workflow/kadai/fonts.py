"""The three faces every report is set in: Mincho body, Gothic headings, monospace code.

All three come from pip (``pyproject.toml``), so a fresh machine sets the same PDF as this one:

- body: Noto Serif JP (``pylopdf-fonts-jp``, SIL OFL 1.1);
- headings and captions: IPAex Gothic (``japanize-matplotlib``, also the figures' face);
- code: Noto Sans Mono CJK JP (``noto-cjk-sans-otc``, SIL OFL 1.1), a monospace face with
  Japanese glyphs, so code with Japanese comments stays aligned.

A face installed on the machine is used only where the pip one is missing, and the choice says
so. Typst matches fonts by family name, so every family is read from the font's own name table
(the typographic family, name ID 16, where there is one; else ID 1), never guessed from a file
name: ``NotoSerifJP-Regular.otf`` is "Noto Serif JP", not "Noto Serif CJK JP". The PDF rule then
checks that the chosen faces are the ones embedded (:func:`missing`).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from . import cache

# (package, file inside it) per role, best first; then families a machine may have installed
PIP = {
    "body": [("pylopdf_fonts_jp", "NotoSerifJP-Regular.otf")],
    "heading": [("japanize_matplotlib", "fonts/ipaexg.ttf")],
    "mono": [("noto_cjk_sans_otc", "NotoSansCJK-Regular.ttc"),
             ("matplotlib", "mpl-data/fonts/ttf/DejaVuSansMono.ttf")],
}
WANTED = {"body": ("Noto Serif JP", "IPAexMincho", "IPAMincho", "Noto Serif CJK JP", "Yu Mincho", "MS Mincho",
                   "Hiragino Mincho ProN"),
          "heading": ("IPAexGothic",),
          "mono": ("Noto Sans Mono CJK JP", "DejaVu Sans Mono")}
SYSTEM_DIRS = ["/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts",
               "C:/Windows/Fonts", "/Library/Fonts", "/System/Library/Fonts"]
ROLES = ("body", "heading", "mono")
LABELS = {"body": "本文", "heading": "見出し", "mono": "コード"}


def _english(name_table, ids) -> str | None:
    for i in ids:
        recs = [r for r in name_table.names if r.nameID == i]
        recs.sort(key=lambda r: (r.platformID != 3, r.langID != 0x409))  # Windows English first
        for r in recs:
            try:
                return r.toUnicode()
            except UnicodeDecodeError:
                continue
    return None


def _open(path) -> list:
    """The faces of a font file as fontTools fonts, read lazily (several in a .ttc)."""
    from fontTools.ttLib import TTCollection, TTFont

    path = Path(path)
    return TTCollection(str(path), lazy=True).fonts if path.suffix.lower() == ".ttc" else [TTFont(str(path), lazy=True)]


_FACES = cache.Table("faces")


def faces_in(path) -> list[dict]:
    """Every face in a font file (several in a .ttc): family, PostScript name and index. Reading
    the name tables costs ≈ 0.05 s for the fonts a report uses, at every Snakemake start and in the
    PDF job, so the faces are kept on disk per file version (:mod:`kadai.cache`)."""
    path = Path(path)
    try:
        key = cache.file_key(path)
    except OSError:
        return []
    def read() -> list[dict]:
        try:
            return [{"family": _english(font["name"], (16, 1)), "postscript": _english(font["name"], (6,)),
                     "index": index} for index, font in enumerate(_open(path))]
        except Exception:  # noqa: BLE001 - an unreadable file simply offers no face
            return []

    found = _FACES.derived(key, read, save=True)
    return [{**face, "file": str(path)} for face in found]


_CMAPS = cache.Table("cmaps")


def code_points(face: dict) -> set[int]:
    """The characters ``face`` (one of :func:`faces_in`'s) has a glyph for. Reading a CJK face's
    character map takes ≈ 0.1 s, so it is kept on disk per file version (:mod:`kadai.cache`)."""
    path = str(face["file"])
    key = f"{cache.file_key(path)}|{face['index']}"
    def read() -> list[list[int]]:
        ranges: list[list[int]] = []
        for cp in sorted(_open(path)[face["index"]].getBestCmap() or {}):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
        return ranges

    ranges = _CMAPS.derived(key, read, save=True)
    return {cp for lo, hi in ranges for cp in range(lo, hi + 1)}


def _pip_file(package: str, inside: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent / inside
    return path if path.is_file() else None


def _system_files():
    for d in SYSTEM_DIRS:
        base = Path(os.path.expanduser(d))
        if base.is_dir():
            for dirpath, _, files in os.walk(base):
                for f in sorted(files):
                    if f.lower().endswith((".ttf", ".otf", ".ttc")):
                        yield Path(dirpath) / f


def choose(system_files=None) -> dict:
    """The face of each role, ``{"faces": {role: {family, postscript, file, index, source}},
    "notes": [...]}``: the pip face where it is installed, else the best wanted family on the
    machine (``system_files``, for tests, replaces the scan of its font folders), else for the
    body the heading's Gothic face. Every role that falls back gets a note."""
    faces, notes, system = {}, [], None
    for role in ("heading", "body", "mono"):  # the heading's face is the body's last resort
        offered = [{**f, "source": f"pip: {package}"} for package, inside in PIP[role]
                   if (path := _pip_file(package, inside)) for f in faces_in(path) if f["family"] in WANTED[role]]
        if not any(f["family"] == WANTED[role][0] for f in offered):  # look on the machine too
            if system is None:
                files = _system_files() if system_files is None else system_files
                system = [{**f, "source": "system"} for p in files for f in faces_in(p)]
            offered += [f for f in system if f["family"] in WANTED[role]]
        if offered:
            faces[role] = min(offered, key=lambda f: WANTED[role].index(f["family"]))
        elif role == "body" and "heading" in faces:
            faces[role] = faces["heading"]
        if role not in faces:
            notes.append(f"{role}: none of {', '.join(WANTED[role])} is installed")
        elif faces[role]["family"] != WANTED[role][0]:
            notes.append(f"{role}: {WANTED[role][0]} is not installed (`pip install -e .` brings it); "
                         f"set in {faces[role]['family']} instead")
    return {"faces": faces, "notes": notes}


def summary(choice: dict) -> dict:
    """What decides the PDF, per role: family, file name and where it came from (a Snakemake
    parameter of the Markdown and PDF rules, and the report's environment section)."""
    return {role: {"family": f["family"], "file": Path(f["file"]).name, "source": f["source"]}
            for role, f in choice["faces"].items()}


def missing(choice: dict, embedded, roles=ROLES) -> list[str]:
    """The roles whose chosen face is not among the PDF's ``embedded`` PostScript names."""
    names = {e.lower() for e in embedded}
    return [r for r in roles if r in choice["faces"] and (choice["faces"][r]["postscript"] or "").lower() not in names]
