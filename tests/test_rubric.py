"""Every rubric rule with one passing and one failing example."""
import json

import pytest
from kadai import fonts, render, rubric
from kadai.figures import NO_UNIT, Axis, new_figure, save

GOOD = "# 考察\n\n図1 より、NumPy の実行時間は Python の 100 倍短い。\n"


def rules_hit(md, **kw):
    return {v.rule for v in rubric.check("t", md, **kw)}


@pytest.mark.parametrize("rule,bad", [
    ("style_mix", "実行時間は N^3^ に比例します。"),
    ("colloquial", "畳み込みは1層でやった。"),
    ("colloquial", "速いけど精度は低い。"),
    ("placeholder", "行列サイズと実行時間の間には○○という関係がある。"),
    ("placeholder", "理由は今後の課題である。"),
    ("placeholder", "値は {{ ctx.x }} である。"),
    ("placeholder", "図??を見よ。"),
    ("vague_comparative", "PyTorch は比較的速い。"),
    ("long_sentence", "あ" * 101 + "。"),
    ("many_commas", "N は小さく、時間は短く、誤差は大きく、結果は不確か、と言える。"),
    ("repeated_particle", "実行時間が N が大きいほど長い。"),
    ("repeated_particle", "積を計算ライブラリを使わずに求めた。"),
    ("okonau", "計測を行った。"),
    ("kanji_run", "浮動小数点演算回数を数えた。"),
    ("sentence_end", "この文は句点で終わらない"),
])
def test_text_rules(rule, bad):
    assert rule not in rules_hit(GOOD)
    assert rule in rules_hit(GOOD + "\n" + bad + "\n")


def test_a_vague_word_inside_another_word_is_not_vague():
    assert "vague_comparative" not in rules_hit("大きい N で時間が増えるのは、実装の切り替わりと同じ区間である。\n")
    assert "vague_comparative" in rules_hit("時間はわりと増える。\n")


def test_vague_comparative_with_named_comparison_passes():
    assert "vague_comparative" not in rules_hit("PyTorch は NumPy より比較的速い。\n")


def test_code_blocks_are_not_prose():
    md = GOOD + "\n```python\n# TODO です。けど\nx = 1\n```\n"
    assert rules_hit(md) == set()


def test_bullet_list_in_discussion():
    assert "bullet_discussion" in rules_hit("# 考察\n\n- 速い\n- 遅い\n")
    assert "bullet_discussion" not in rules_hit("# 方法\n\n- 手順1\n\n# 考察\n\n文章である。\n")


def test_numbering_rules():
    n = render.Numbering()
    n.define("a", "fig")
    n.ref("a")
    good = "図1を見よ。\n\n![図1　説明](x.svg)\n\n| N | t [s] |\n|---:|---:|\n| 1 | 2.00 |\n\n: 表1　説明\n"
    assert "numbering" not in rules_hit(good, numbering=n)
    assert "numbering" in rules_hit("![説明だけ](x.svg)\n")
    assert "numbering" in rules_hit("| N | t [s] |\n|---:|---:|\n| 1 | 2.00 |\n\n本文。\n")
    unref = render.Numbering()
    unref.define("lonely", "fig")
    assert "numbering" in rules_hit(good, numbering=unref)


def test_table_units_and_sig_figs():
    good = "| N | numpy [s] |\n|---:|---:|\n| 5000 | 6.98 |\n\n: 表1　x\n"
    assert rules_hit(good, config={"tables": {"sig_figs": 3}}) & {"table_units", "sig_figs"} == set()
    no_unit = "| N | numpy |\n|---:|---:|\n| 5000 | 6.98 |\n\n: 表1　x\n"
    assert "table_units" in rules_hit(no_unit)
    too_many = "| N | numpy [s] |\n|---:|---:|\n| 5000 | 6.97910 |\n\n: 表1　x\n"
    assert "sig_figs" in rules_hit(too_many, config={"tables": {"sig_figs": 3}})


def test_axis_units_from_sidecar(tmp_path):
    fig, ax = new_figure(Axis("行列サイズ N", NO_UNIT, "log"), Axis("実行時間", "s", "log"))
    save(fig, tmp_path / "ok.svg")
    assert "axis_units" not in rules_hit(GOOD, figure_paths=[tmp_path / "ok.svg"])
    meta = json.loads((tmp_path / "ok.svg.json").read_text())
    meta["axes"][0]["y"]["unit"] = ""  # e.g. a figure made outside kadai.figures
    (tmp_path / "bad.svg.json").write_text(json.dumps(meta))
    assert "axis_units" in rules_hit(GOOD, figure_paths=[tmp_path / "bad.svg"])


def test_relation_sentence_per_implementation():
    md = "Python では、行列サイズと実行時間の間には N^3^ の関係がある。\n"
    assert "relation_sentence" not in rules_hit(md, relations=["Python"])
    assert "relation_sentence" in rules_hit(md, relations=["Python", "NumPy"])


def test_font_coverage_finds_tofu():
    faces = fonts.choose()["faces"].values()
    assert rubric.font_coverage("行列サイズと実行時間 [s] ±×∝≈〜", faces) == []
    bad = rubric.font_coverage("絵文字 \U0001F600", faces)
    assert bad and "U+1F600" in bad[0].message


def test_ignore_and_non_strict_mode(capsys):
    md = GOOD + "速いです。\n"
    with pytest.raises(rubric.RubricError, match="style_mix"):
        rubric.enforce("t", md, None, [], {"rubric": {"strict": True}})
    assert rubric.enforce("t", md, None, [], {"rubric": {"strict": True, "ignore": ["style_mix"]}}) == []
    found = rubric.enforce("t", md, None, [], {"rubric": {"strict": False}})
    assert [v.rule for v in found] == ["style_mix"]
    assert "WARNING" in capsys.readouterr().out


def test_violation_points_to_the_template_line(tmp_path):
    tpl = tmp_path / "r.md.j2"
    tpl.write_text("# 考察\n\n{{ x }} は速いです。\n", encoding="utf-8")
    found = rubric.check("t", "# 考察\n\nNumPy は速いです。\n", template=str(tpl))
    assert found[0].where.startswith(f"{tpl}:3")


@pytest.mark.parametrize("rule,good", [
    ("long_sentence", "あ" * 99 + "。"),
    ("long_sentence", "`" + "x" * 150 + "` は一つの記号として数える。"),
    ("many_commas", "N は小さく、時間は短く、誤差は大きい（a、b、c、d）。"),
    ("repeated_particle", "時間が長く、誤差が大きい。"),
    ("okonau", "計測した。"),
    ("kanji_run", "浮動小数点の演算の回数を数えた。"),
    ("sentence_end", "この文は\n次の行で終わる。"),
])
def test_writing_rules_pass_good_japanese(rule, good):
    assert rule not in rules_hit(GOOD + "\n" + good + "\n")


def test_a_sentence_over_two_lines_is_one_sentence():
    md = "# 考察\n\n最初の行は\n次の行に続く。\n"
    assert [s for _, s in rubric.sentences(md)] == ["考察", "最初の行は次の行に続く。"]


def test_figure_layout_rules():
    ok = {"min_font_pt": 8.0, "width_in": 5.2, "overlaps": []}
    assert rubric.check_figure_layout({"figure": "a.svg", "layout": ok}) == []
    for bad, words in (({"min_font_pt": 6.0}, "6 pt"), ({"width_in": 8.4}, "本文の幅"),
                       ({"overlaps": [["凡例", "N"]]}, "「凡例」と「N」")):
        found = rubric.check_figure_layout({"figure": "a.svg", "layout": {**ok, **bad}})
        assert [v.rule for v in found] == ["figure_text"] and words in found[0].message


def test_a_face_missing_from_the_pdf_is_named():
    choice = {"faces": {r: {"family": f, "postscript": f.replace(" ", ""), "file": f"/f/{r}.otf"}
                        for r, f in (("body", "Noto Serif JP"), ("heading", "IPAexGothic"),
                                     ("mono", "Noto Sans Mono CJK JP"))}}
    assert rubric.font_embedding(choice, ["NotoSerifJP", "IPAexGothic"], "本文。") == []
    found = rubric.font_embedding(choice, ["IPAexGothic"], "本文と `code`。")
    assert [v.message.split(" ")[0] for v in found] == ["本文の書体", "コードの書体"]


def test_a_branch_this_machine_did_not_print_is_checked_too(tmp_path):
    """The rendered report holds one branch; another machine's data take the other. The template's
    literal text is checked in every branch, also where a number splits a sentence."""
    tpl = tmp_path / "r.md.j2"
    tpl.write_text("# 考察\n\n{% if x %}\nC に残る時間は主にカーネルの周りにある。\n{% else %}\n差はない。\n"
                   "{% endif %}\n時間は {{ t }} s で、計算を行った{{ '。' }}\n```\n計算を行った。\n```\n"
                   "| 表 | 計算を行った |\n{# 計算を行った #}\n順を ikj に変えるだけで速度は {{ r }} 倍になった。\n"
                   "{% if a %}時間が長い{% else %}時間が短い{% endif %}。\n"
                   "{{ \"計算を行った\" if x else \"差はない\" }}。\n", encoding="utf-8")
    found = rubric.check_template(tpl)
    # line 15's two branches are never printed together; line 14's value joins the clause's two 「に」;
    # line 16's inline if holds prose in a string
    assert [(v.rule, v.where.split(" ")[0]) for v in found] == [("repeated_particle", f"{tpl}:4"),
                                                                ("okonau", f"{tpl}:8"),
                                                                ("repeated_particle", f"{tpl}:14"),
                                                                ("okonau", f"{tpl}:16")]
    md = "# 考察\n\n差はない。\n時間は 1.5 s で、計算した。\n"
    assert rubric.check_text(md) == []
    assert {v.rule for v in rubric.check("t", md, template=str(tpl))} == {"repeated_particle", "okonau"}
    with pytest.raises(rubric.RubricError, match=r"r\.md\.j2:4"):
        rubric.enforce("t", md, None, [], {}, template=str(tpl))
    # a violation the report prints is named once, at its template line
    printed = "# 考察\n\nC に残る時間は主にカーネルの周りにある。\n時間は 1.5 s で、計算した。\n"
    assert [v.where.split(" ")[0] for v in rubric.check("t", printed, template=str(tpl))].count(f"{tpl}:4") == 1


def test_every_shipped_template_keeps_the_rules_in_every_branch():
    from pathlib import Path
    templates = sorted(Path(render.TEMPLATES).glob("*.j2"))
    assert len(templates) >= 5
    assert [str(v) for t in templates for v in rubric.check_template(t)] == []
