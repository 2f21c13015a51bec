"""The workflow as a user runs it: quick end-to-end build, rerun plans, fail-fast config.

Everything runs in a temporary copy of the repository, so the user's results/ stay untouched.
"""
import os
import re
import shutil
import subprocess
import sys
import time

import pytest
from conftest import ROOT, make_tiny_mnist

IGNORE = shutil.ignore_patterns(".venv", ".git", ".snakemake", "results", "report", "__pycache__",
                                "*.egg-info", ".pytest_cache", ".ruff_cache", ".whl", "data")


def snakemake(cwd, *args, check=True):
    cmd = [sys.executable, "-m", "snakemake", "--cores", "1", *args]
    env = {**os.environ, "PYTHONPATH": str(cwd / "workflow")}
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, timeout=900)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


def planned_rules(cwd, target, *extra):
    """Rule names (with counts) that a dry run would execute."""
    out = snakemake(cwd, target, *extra, "-n", "--quiet", "rules")
    text = out.stdout + out.stderr
    rules = {}
    for line in text.splitlines():
        m = re.match(r"^(\w+)\s+(\d+)\s*$", line.strip())
        if m and m.group(1) != "total":
            rules[m.group(1)] = int(m.group(2))
    return rules


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    repo = tmp_path_factory.mktemp("repo") / "kadai"
    shutil.copytree(ROOT, repo, ignore=IGNORE)
    (repo / "results").mkdir()
    (repo / "report").mkdir()
    make_tiny_mnist(repo / "data", 1000, 200)  # MNIST cannot be downloaded here: tests bring their own
    t0 = time.perf_counter()
    snakemake(repo, *TARGETS, "--configfile", *QUICK[1:], "--cores", "2")
    print(f"quick build of {', '.join(TARGETS)}: {time.perf_counter() - t0:.1f} s")
    return repo


QUICK = ("--configfile", "config/quick.yaml", "tests/offline.yaml")
TARGETS = ("report/kadai1.pdf", "report/kadai2.pdf", "report/nini1.pdf", "report/kadai3.pdf",
           "report/kadai4.pdf")


def test_quick_build_makes_the_report(built):
    from pypdf import PdfReader

    md = (built / "report/kadai1.md").read_text(encoding="utf-8")
    text = "".join(p.extract_text() for p in PdfReader(str(built / "report/kadai1.pdf")).pages)
    text = re.sub(r"\s+", "", text)
    for heading in ("目的", "方法", "結果", "考察", "結論"):
        assert heading in text
    assert "行列サイズと実行時間の間には" in text
    assert re.search(r"行列サイズと実行時間の間にはt∝N\d\.\d\dの関係がある", text)
    assert "図1" in text and "表1" in text
    assert "行列サイズと実行時間の間には t ∝ N^" in md
    raw = (built / "results/kadai1/raw/matmul_naive.csv").read_text().splitlines()
    assert raw[0] == "implementation,op,N,dtype,device,repeat,seconds,status,note"
    assert any(",ok," in r for r in raw) and any(",stop," in r for r in raw)


def test_quick_build_makes_the_kadai2_report(built):
    from kadai import backends
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(str(built / "report/kadai2.pdf")).pages)
    flat = re.sub(r"\s+", "", text)
    for words in (("NumPy", "行列積"), ("NumPy", "畳み込み"), ("PyTorch（CPU）", "畳み込み")):
        assert re.search(words[0] + "による" + words[1] + r"では、行列サイズと実行時間の間には", flat)
    if not backends.availability("cupy").ok:
        assert "計測不可" in flat and "GPUがないため" in flat


def test_quick_build_makes_the_nini1_report(built):
    from pypdf import PdfReader

    text = re.sub(r"\s+", "", "".join(
        p.extract_text() for p in PdfReader(str(built / "report/nini1.pdf")).pages))
    for word in ("仮説1", "仮説5", "検証方法", "判定", "パッキング"):
        assert word in text
    assert "今後の課題" not in text
    assert re.search(r"Cは NumPyの\d".replace(" ", ""), text)


def test_quick_build_makes_the_kadai3_report(built):
    from pypdf import PdfReader

    text = re.sub(r"\s+", "", "".join(
        p.extract_text() for p in PdfReader(str(built / "report/kadai3.pdf")).pages))
    for word in ("Conv2d:1-1", "295,040".replace(",", ""), "fc1の入力要素数を2304から784に修正", "DataLoader"):
        assert word in text, word
    assert "MNIST" in text


def test_quick_build_makes_the_kadai4_report(built):
    from pypdf import PdfReader

    text = re.sub(r"\s+", "", "".join(
        p.extract_text() for p in PdfReader(str(built / "report/kadai4.pdf")).pages))
    for word in ("フォント", "バッチサイズ", "活性化関数", "影響"):
        assert word in text, word
    assert re.search(r"(精度に影響がある|精度に影響はない)", text)


def test_nothing_to_do_after_a_build(built):
    assert planned_rules(built, "report/kadai1.pdf", *QUICK) == {}
    assert planned_rules(built, "report/nini1.pdf", *QUICK) == {}


def edited(path, extra):
    """Append ``extra`` to a file (a real edit: Snakemake ignores a bare touch of small files)."""
    original = path.read_text(encoding="utf-8")
    path.write_text(original + extra, encoding="utf-8")
    return original


def test_template_edit_reruns_only_markdown_and_pdf(built):
    tpl = built / "templates/kadai1.md.j2"
    original = edited(tpl, "\n以上が本課題の報告である。\n")
    try:
        assert planned_rules(built, "report/kadai1.pdf", *QUICK) == {
            "render_markdown": 1, "render_pdf": 1}
    finally:
        tpl.write_text(original, encoding="utf-8")


def test_figure_code_edit_redraws_without_measuring(built):
    f = built / "workflow/kadai/figures.py"
    original = edited(f, "\n# a figure-style edit\n")
    try:
        plan = planned_rules(built, "report/kadai1.pdf", *QUICK)
    finally:
        f.write_text(original, encoding="utf-8")
    assert "kadai1_figures" in plan and "kadai1_measure" not in plan


def test_kernel_edit_reruns_only_that_series(built):
    f = built / "workflow/kadai/backends.py"
    text = f.read_text(encoding="utf-8")
    f.write_text(text.replace("    return a @ b\n\n\ndef conv2d_xp",
                          "    out = a @ b\n    return out\n\n\ndef conv2d_xp", 1), encoding="utf-8")
    try:
        plan = planned_rules(built, "report/kadai2.pdf", *QUICK)
        edited_src = f.read_text(encoding="utf-8")
    finally:
        f.write_text(text, encoding="utf-8")
    assert "out = a @ b" in edited_src  # the edit really changed matmul_xp
    # matmul_xp serves NumPy (and CuPy, skipped here but still re-checked): nothing else reruns
    assert plan.get("kadai2_measure") == 3, plan
    assert "kadai1_measure" not in plan


def test_analysis_code_edit_does_not_remeasure(built):
    f = built / "workflow/kadai/kadai2.py"
    original = edited(f, "\n\ndef _unused_helper():\n    return None\n")
    try:
        plan = planned_rules(built, "report/kadai2.pdf", *QUICK)
    finally:
        f.write_text(original, encoding="utf-8")
    assert "kadai2_measure" not in plan and "kadai2_context" in plan


def test_budget_change_reruns_the_measurement(built, tmp_path):
    cfg = (built / "config/quick.yaml").read_text().replace("per_run_budget_s: 0.5",
                                                            "per_run_budget_s: 0.7")
    other = tmp_path / "quick2.yaml"
    other.write_text(cfg)
    plan = planned_rules(built, "report/kadai1.pdf", "--configfile", str(other))
    assert plan.get("kadai1_measure") == 2  # both variants
    assert "sysinfo" not in plan


def test_bad_config_fails_before_any_job(built, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kadai1:\n  per_run_budget_s: -3\n")
    proc = snakemake(built, "report/kadai1.pdf", "--configfile", str(bad), check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "kadai1.per_run_budget_s" in out and "allowed" in out
    assert "localrule" not in out and "rule kadai1" not in out


def test_lint_is_clean(built):
    proc = snakemake(built, "--lint", check=False)
    assert "Congratulations" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
