"""Rendering: numbering, strict templates, listings from source, Markdown → PDF."""
import re
import shutil

import jinja2
import pytest
from conftest import ROOT
from kadai import render


def write(tmp_path, name, text):
    (tmp_path / name).write_text(text, encoding="utf-8")


def test_numbering_resolves_references_before_definitions(tmp_path):
    write(tmp_path, "r.md.j2",
          "{{ ref('b') }}と{{ ref('a') }}を見よ。\n\n{{ figure('a', 'x.svg', 'A') }}\n\n"
          "{{ figure('b', 'y.svg', 'B') }}\n\n{{ table('t', tab, 'T') }}\n{{ ref('t') }}\n")
    text, numbering = _render(tmp_path)
    assert text.startswith("図2と図1を見よ。")
    assert "![図1　A](x.svg)\n" in text + "\n"
    assert ": 表1　T" in text and text.rstrip().endswith("表1")
    assert numbering.referenced == {"a", "b", "t"}


def _render(tmp_path):
    env_globals = {"tab": {"columns": [{"name": "N", "kind": "int"}], "rows": [[1]]}}
    tmpl = (tmp_path / "r.md.j2").read_text()
    (tmp_path / "r.md.j2").write_text("{% set tab = ctx.tab %}" + tmpl)
    return render.render_markdown("r.md.j2", env_globals, {"tables": {"sig_figs": 3}}, {},
                                  tmp_path / "out.md", root=tmp_path, templates=tmp_path)


def test_reference_to_unknown_key_fails(tmp_path):
    write(tmp_path, "r.md.j2", "{{ figure('a', 'x.svg', 'A') }} {{ ref('nope') }}")
    with pytest.raises(KeyError, match="nope"):
        render.render_markdown("r.md.j2", {}, {}, {}, tmp_path / "o.md", root=tmp_path,
                               templates=tmp_path)


def test_undefined_variable_is_an_error(tmp_path):
    write(tmp_path, "r.md.j2", "実行時間は {{ ctx.missing }} s である。")
    with pytest.raises(jinja2.UndefinedError):
        render.render_markdown("r.md.j2", {}, {}, {}, tmp_path / "o.md", root=tmp_path,
                               templates=tmp_path)


def test_listing_comes_from_the_real_source():
    code = render.extract_source(ROOT / "workflow/submission/kadai1.py", "matmul_naive")
    assert code.startswith("def matmul_naive(a, b):") and "s += a[i][k] * b[k][j]" in code
    with pytest.raises(KeyError):
        render.extract_source(ROOT / "workflow/submission/kadai1.py", "nothing_here")


def test_filters(tmp_path):
    write(tmp_path, "r.md.j2", "{{ 6.97910 | sig }} {{ 2.987 | pm(0.031) }} {{ 0.1234 | pct }} "
                               "{{ 'N^3 の項' | sup }}")
    text, _ = render.render_markdown("r.md.j2", {}, {"tables": {"sig_figs": 3}}, {},
                                     tmp_path / "o.md", root=tmp_path, templates=tmp_path)
    assert text.strip() == "6.98 2.987 ± 0.031 12.3 N^3^ の項"


def test_markdown_to_pdf_is_a4_with_embedded_japanese_fonts(tmp_path):
    from kadai import rubric
    from pypdf import PdfReader

    md = tmp_path / "t.md"
    md.write_text("---\ntitle: \"テスト\"\nsubtitle: \"副題\"\ncourse: \"深層実習\"\n"
                  "author: \"山田\"\nstudent-id: \"123\"\ndate: \"2026年1月1日\"\n---\n\n"
                  "# 目的\n\n行列サイズと実行時間の関係を調べる。N^3^ と 10^-5^。\n\n"
                  "```python\nx = 1  # 日本語\n```\n", encoding="utf-8")
    pdf = tmp_path / "t.pdf"
    choice = render.markdown_to_pdf(md, pdf, root=tmp_path)
    reader = PdfReader(str(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = reader.pages[0].extract_text()
    assert "目的" in text and "山田" in text
    embedded = rubric.pdf_fonts(pdf)
    # Mincho body, Gothic headings, monospace code: the faces chosen are the faces embedded
    assert {f["postscript"] for f in choice["faces"].values()} <= set(embedded)
    assert choice["faces"]["body"]["family"] == "Noto Serif JP"
    assert rubric.font_embedding(choice, embedded, md.read_text(encoding="utf-8")) == []
    assert not list(tmp_path.glob(".t.typ"))  # the intermediate Typst file is cleaned up


def test_tidy_markdown_separates_blocks_but_not_code():
    text = ("本文である。\n## 見出し\n\n\n\n次。\n![図1　x](a.svg)\n続き。\n| a |\n|---|\n"
            "```python\n# comment\nx = 1\n```\n")
    assert render.tidy_markdown(text) == (
        "本文である。\n\n## 見出し\n\n次。\n\n![図1　x](a.svg)\n\n続き。\n\n| a |\n|---|\n"
        "```python\n# comment\nx = 1\n```\n")


HOSTILE = r'山田\ "太郎" @ref $x$ *強調* _下線_ <b>タグ</b> #set page(width: 1cm) [a] {b} ~c^ 〜'


def test_student_fields_print_literally_and_a_long_id_wraps(tmp_path):
    """Whatever a student types as name, ID or course reaches the PDF character for character."""
    from pypdf import PdfReader

    shutil.copy(render.TEMPLATES / "_title.md.j2", tmp_path)
    (tmp_path / "r.md.j2").write_text('{% from "_title.md.j2" import title_block with context %}'
                                      '{{ title_block("題", "副題") }}\n\n# 目的\n\n本文である。\n', encoding="utf-8")
    long_id = "1234567890" * 8
    config = {"tables": {"sig_figs": 3}, "course": "深層実習 #1 & $2", "date": "2026-01-01",
              "student": {"name": HOSTILE, "id": long_id}}
    text, _ = render.render_markdown("r.md.j2", {}, config, {}, tmp_path / "o.md", root=tmp_path, templates=tmp_path)
    (tmp_path / "o.md").write_text(text, encoding="utf-8")
    render.markdown_to_pdf(tmp_path / "o.md", tmp_path / "o.pdf", root=tmp_path)
    page = PdfReader(str(tmp_path / "o.pdf")).pages[0].extract_text()
    flat = re.sub(r"[\s\u200b]", "", page)
    assert re.sub(r"\s", "", HOSTILE) in flat and "深層実習#1&$2" in flat
    assert long_id in flat
    id_lines = [line for line in page.splitlines() if re.search(r"\d{10}", line)]
    assert len(id_lines) >= 2, "an 80-digit ID must wrap onto more than one line"
    assert "本文である。" in page  # the hostile name ended nothing early


def test_code_spans_hold_any_backticks():
    assert render.code("a`b") == "``a`b``" and render.code("`x`") == "`` `x` ``"
    assert render.literal("a*b") == r"a\*b" and "\u200b" in render.literal("9" * 30)


def test_a_line_break_between_japanese_characters_is_no_space():
    import pypandoc

    md = "行列サイズと\n実行時間の関係。\nNumPy and\nPython.\n"
    text = pypandoc.convert_text(md, "plain", format=render.MARKDOWN, extra_args=["--wrap=none"])
    assert "行列サイズと実行時間の関係。" in text and "NumPy and Python." in text.replace("\n", " ")


def test_a_sentence_that_starts_with_a_number_follows_the_last_without_a_space():
    import pypandoc

    md = render.tidy_markdown("影響がある。\n1024 の精度は低い。\nNumPy は速い。\n| a |\n|---|\n| 1 |\n: 表1　x\n")
    assert md.startswith("影響がある。1024 の精度は低い。NumPy は速い。\n\n| a |")  # the table stays a table
    text = pypandoc.convert_text(md, "plain", format=render.MARKDOWN, extra_args=["--wrap=none"])
    assert "影響がある。1024 の精度は低い。NumPy は速い。" in text


def test_a_number_and_its_unit_never_break_apart_in_the_pdf():
    import pypandoc

    md = "割合は 93.5 % で、1 回あたり 0.719 ms、3.27 倍である。N = 512 では 3 shards。\n```\nx = 1 s\n```\n"
    kept = render.keep_units(md)
    assert "93.5\u00a0% で、1\u00a0回あたり 0.719\u00a0ms、3.27\u00a0倍である。N = 512 では 3 shards。" in kept
    assert "x = 1 s" in kept  # code as written
    typ = pypandoc.convert_text(kept, "typst", format=render.MARKDOWN)
    assert re.search(r"93\.5(~|\u00a0)%", typ)  # Typst's non-breaking space


def test_a_skip_reason_in_our_own_japanese_reads_as_prose_and_a_library_message_as_code():
    from kadai.backends.availability import NO_DRIVER

    assert render.reason_sentence(NO_DRIVER) == NO_DRIVER + "。"
    assert render.reason_sentence("GPU がない。") == "GPU がない。"
    assert render.reason_sentence("CUDA error: no kernel image  is available") == \
        "理由は `CUDA error: no kernel image is available` である。"
