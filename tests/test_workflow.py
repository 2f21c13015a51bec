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
    from kadai.backends.availability import availability
    from kadai.backends.registry import IMPLEMENTATIONS
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(str(built / "report/kadai2.pdf")).pages)
    flat = re.sub(r"\s+", "", text)
    for words in (("NumPy", "行列積"), ("NumPy", "畳み込み"), ("PyTorch（CPU）", "畳み込み")):
        assert re.search(words[0] + "による" + words[1] + r"では、行列サイズと実行時間の間には", flat)
    if not availability(IMPLEMENTATIONS["cupy"]).ok:
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
    assert planned_rules(built, *TARGETS, *QUICK) == {}


# rules whose jobs measure, train or build what is measured: never rerun by a presentation edit
EXPENSIVE = {"kadai1_measure", "kadai2_measure", "nini1_build", "nini1_driver", "nini1_measure", "nini1_cachegrind",
             "kadai3_train", "kadai3_loader", "kadai3_summaries", "kadai4_dataset", "kadai4_train"}


def planned_jobs(cwd, *targets):
    """(rule, first output) of every job a dry run of ``targets`` would execute."""
    out = snakemake(cwd, *targets, *QUICK, "-n")
    jobs, rule = [], None
    for line in (out.stdout + out.stderr).splitlines():
        m = re.match(r"^(?:local)?rule (\w+):", line.strip())
        if m:
            rule = m.group(1)
        m = re.match(r"^output: ([^,]+)", line.strip())
        if m and rule:
            jobs.append((rule, m.group(1)))
            rule = None
    return sorted(jobs)


def edited(path, extra=None, old=None, new=None):
    """Append ``extra`` to a file, or replace ``old`` by ``new`` in it (exactly once); returns the
    original text. A real edit: Snakemake ignores a bare touch of small files."""
    original = path.read_text(encoding="utf-8")
    if extra is not None:
        path.write_text(original + extra, encoding="utf-8")
    else:
        assert original.count(old) == 1, f"{old!r} must occur once in {path}"
        path.write_text(original.replace(old, new), encoding="utf-8")
    return original


def plan_after(built, rel, **edit):
    f = built / rel
    original = edited(f, **edit)
    try:
        return planned_jobs(built, *TARGETS)
    finally:
        f.write_text(original, encoding="utf-8")


def test_template_edit_reruns_only_markdown_and_pdf(built):
    jobs = plan_after(built, "templates/kadai1.md.j2", extra="\n以上が本課題の報告である。\n")
    assert jobs == [("render_markdown", "report/kadai1.md"), ("render_pdf", "report/kadai1.pdf")]


@pytest.mark.parametrize("rel", [
    "workflow/kadai/figures.py", "workflow/kadai/kadai1/figures.py", "workflow/kadai/kadai2/analyse.py",
    "workflow/kadai/kadai2/context.py", "workflow/kadai/nini1/figures.py", "workflow/kadai/nini1/analyse.py",
    "workflow/kadai/kadai3/analyse.py", "workflow/kadai/kadai4/figures.py", "workflow/kadai/kadai4/context.py",
    "workflow/kadai/fit.py", "workflow/kadai/raw.py", "workflow/kadai/tables.py", "workflow/kadai/render.py",
    "workflow/kadai/rubric.py", "templates/_macros.md.j2"])
def test_a_comment_in_presentation_code_measures_and_trains_nothing(built, rel):
    comment = "\n{# a comment #}\n" if rel.endswith(".j2") else "\n# a comment\n"
    jobs = plan_after(built, rel, extra=comment)
    assert jobs, f"editing {rel} must rerun the stages that run it"
    assert not {r for r, _ in jobs} & EXPENSIVE, jobs


def kadai2_series(jobs):
    return sorted(out.split("/")[-1].removesuffix(".csv") for r, out in jobs if r == "kadai2_measure")


def measured(jobs):
    return sorted({r for r, _ in jobs} & EXPENSIVE)


GPU = ("cupy", "cupy_transfer", "torch_cuda", "torch_cuda_transfer")


@pytest.mark.parametrize("rel,edit,series,others", [
    # one library's kernels: its series (NumPy and CuPy share the array-module kernels)
    ("workflow/kadai/backends/xp.py", {"old": "    return a @ b\n", "new": "    out = a @ b\n    return out\n"},
     [f"{op}_{i}" for op in ("conv", "matmul") for i in ("cupy", "cupy_transfer", "numpy")], []),
    ("workflow/kadai/backends/torch_ops.py", {"old": "    return a @ b\n", "new": "    out = a @ b\n    return out\n"},
     [f"{op}_{i}" for op in ("conv", "matmul") for i in ("torch_cpu", "torch_cuda", "torch_cuda_transfer")], []),
    ("workflow/kadai/backends/python.py", {"extra": "\n# edit\n"}, ["conv_python_naive", "matmul_python_naive"], []),
    # one registry entry: exactly that implementation's series
    ("workflow/kadai/backends/registry.py",
     {"old": '"torch_cpu": {"library": "torch", "device": "cpu", "transfer": False',
      "new": '"torch_cpu": {"library": "torch", "device": "cpu", "transfer": True'},
     ["conv_torch_cpu", "matmul_torch_cpu"], []),
    # the input generator of 課題2: every 課題2 series, nothing else
    ("workflow/kadai/kadai2/measure.py", {"old": "rng.random((n, n)).astype(np_dtype), rng.random((n, n))",
                                          "new": "rng.random((n, n)).astype(np_dtype), 1.0 * rng.random((n, n))"},
     "all", []),
    # the checks and their tolerances: every series that is checked
    ("workflow/kadai/checks.py", {"old": '"float32": 1e-3', "new": '"float32": 2e-3'}, "all",
     ["kadai1_measure", "nini1_measure"]),
    # the loader of the 課題1 program: 課題1 and the pure-Python matrix product of 課題2
    ("workflow/kadai/submission.py", {"extra": "\n# edit\n"}, ["conv_python_naive", "matmul_python_naive"],
     ["kadai1_measure"]),
    # the training loops: every training job of 課題3 and 課題4
    ("workflow/kadai/train/loops.py", {"extra": "\n# edit\n"}, [], ["kadai3_loader", "kadai3_train", "kadai4_train"]),
])
def test_a_functional_edit_reruns_exactly_the_affected_series(built, rel, edit, series, others):
    jobs = plan_after(built, rel, **edit)
    want = sorted(f"{op}_{i}" for op in ("matmul", "conv") for i in ["python_naive", "numpy", "torch_cpu", *GPU]) \
        if series == "all" else sorted(series)
    assert kadai2_series(jobs) == want
    assert measured(jobs) == sorted(set(others) | ({"kadai2_measure"} if want else set()))


def test_a_new_helper_module_joins_the_inputs_of_the_jobs_that_import_it(built):
    helper = built / "workflow/kadai/kadai2/helper.py"
    helper.write_text("SCALE = 1.0\n", encoding="utf-8")
    m = built / "workflow/kadai/kadai2/measure.py"
    original = edited(m, old="from .. import checks, measure\n",
                      new="from .. import checks, measure\nfrom . import helper  # noqa: F401\n")
    try:
        code = subprocess.run([sys.executable, "-c", "from kadai import deps; "
                               "print(deps.code_files('workflow/scripts/kadai2_measure.py'))"],
                              cwd=built, env={**os.environ, "PYTHONPATH": str(built / "workflow")},
                              capture_output=True, text=True, check=True).stdout
        figure_code = subprocess.run([sys.executable, "-c", "from kadai import deps; "
                                      "print(deps.code_files('workflow/scripts/figure.py', 'kadai.kadai2.figures'))"],
                                     cwd=built, env={**os.environ, "PYTHONPATH": str(built / "workflow")},
                                     capture_output=True, text=True, check=True).stdout
    finally:
        m.write_text(original, encoding="utf-8")
        helper.unlink()
    assert "workflow/kadai/kadai2/helper.py" in code
    assert "workflow/kadai/kadai2/helper.py" not in figure_code


def test_every_job_loaded_only_code_among_its_inputs(built):
    """Each job's log lists the package modules it really loaded; all of them must be inputs of
    that job (a module missing there would let an edit leave stale results)."""
    from kadai import deps

    out = snakemake(built, *TARGETS, *QUICK, "-n", "--forceall")
    blocks = re.split(r"\n(?=\[[^\]]+\]\n(?:local)?rule )", out.stdout + out.stderr)
    checked = set()
    for block in blocks:
        rule = re.search(r"^(?:local)?rule (\w+):", block, re.M)
        inputs = re.search(r"^\s+input: (.*)$", block, re.M)
        log = re.search(r"^\s+log: (.*)$", block, re.M)
        if not (rule and log):
            continue
        inputs = set(inputs.group(1).split(", ")) if inputs else set()
        text = (built / log.group(1).strip()).read_text(encoding="utf-8")
        loaded = re.search(r"^kadai modules loaded: (.*)$", text, re.M)
        assert loaded, f"{log.group(1)} does not list the modules its job loaded"
        files = {deps.module_path(m).relative_to(deps.ROOT).as_posix() for m in loaded.group(1).split()}
        missing = files - inputs
        assert not missing, f"rule {rule.group(1)} ({log.group(1)}) loaded {sorted(missing)} without depending on it"
        checked.add(rule.group(1))
    assert EXPENSIVE <= checked and {"analyse", "figure", "context", "render_markdown"} <= checked


def test_budget_change_reruns_the_measurement(built, tmp_path):
    cfg = (built / "config/quick.yaml").read_text()
    assert "per_run_budget_s: 0.5" in cfg
    cfg = cfg.replace("per_run_budget_s: 0.5", "per_run_budget_s: 0.7")
    other = tmp_path / "quick2.yaml"
    other.write_text(cfg)
    plan = planned_rules(built, "report/kadai1.pdf", "--configfile", str(other))
    assert plan.get("kadai1_measure") == 2  # both variants
    assert "sysinfo" not in plan


def test_bad_config_fails_before_any_job(built, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kadai1:\n  sweep:\n    per_run_budget_s: -3\n")
    proc = snakemake(built, "report/kadai1.pdf", "--configfile", str(bad), check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "kadai1.sweep.per_run_budget_s" in out and "allowed" in out
    assert "localrule" not in out and "rule kadai1" not in out


def test_lint_is_clean(built):
    proc = snakemake(built, "--lint", check=False)
    assert "Congratulations" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
