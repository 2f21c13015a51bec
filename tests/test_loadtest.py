"""Load test tool: classification, exit code, busy-loop load, repository copy, Markdown. No snakemake run."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from kadai import loadtest


def v(vid, outcome, reason="", question="q?"):
    return {"id": vid, "question": question, "outcome": outcome, "reason": reason, "numbers": {}}


def by_id(*verdicts):
    return {x["id"]: {**x, "report": x["id"].split("/")[0]} for x in verdicts}


QUIET = by_id(v("kadai1/a", "yes", "inside"), v("kadai1/b", "no", "below"), v("kadai2/c", "yes", "above"),
              v("kadai2/d", "unknown", "straddles"), v("kadai2/e", "no", "outside"), v("kadai4/f", "yes", "x"))
LOADED = by_id(v("kadai1/a", "yes", "inside"), v("kadai1/b", "unknown", "straddles"), v("kadai2/c", "no", "below"),
               v("kadai2/d", "yes", "above"), v("kadai2/e", "no", "outside"), v("kadai2/g", "no", "y"))


def test_compare_classifies_every_case():
    rows = {r["id"]: r for r in loadtest.compare(QUIET, LOADED)}
    assert {k: r["class"] for k, r in rows.items()} == {
        "kadai1/a": "same", "kadai1/b": "loaded cannot tell", "kadai2/c": "FLIPPED",
        "kadai2/d": "quiet cannot tell", "kadai2/e": "same", "kadai4/f": "missing", "kadai2/g": "missing"}
    assert rows["kadai1/b"]["loaded_reason"] == "straddles"
    assert rows["kadai4/f"]["loaded"] is None and rows["kadai2/g"]["quiet"] is None
    assert loadtest.counts(list(rows.values())) == {
        "same": 2, "loaded cannot tell": 1, "quiet cannot tell": 1, "other range": 0, "FLIPPED": 1, "missing": 2,
        "invalid": 0}


def span(vid, outcome, of, a, b, reason="r", nested=True):
    return {**v(vid, outcome, reason), "span": {"of": of, "n_first": a, "n_last": b, "nested": nested}}


def test_range_verdicts_pair_by_overlap_and_a_flip_in_a_shared_range_fails():
    quiet = by_id(span("k/s/N=19-256", "yes", "k/s", 19, 256), span("k/s/N=256-512", "no", "k/s", 256, 512),
                  span("k/t/N=16-181", "yes", "k/t", 16, 181), span("k/u/N=64-512", "yes", "k/u", 64, 512))
    loaded = by_id(span("k/s/N=16-256", "yes", "k/s", 16, 256), span("k/t/N=16-512", "yes", "k/t", 16, 512),
                   span("k/u/N=64-362", "no", "k/u", 64, 362), span("k/v/N=8-16", "no", "k/v", 8, 16))
    # a step somewhere in 512–1024 need not lie in 724–1024: such ranges are compared only when equal
    quiet["step/512-1024"] = span("step/512-1024", "yes", "step", 512, 1024, nested=False)
    loaded["step/724-1024"] = span("step/724-1024", "no", "step", 724, 1024, nested=False)
    rows = {r["id"]: r for r in loadtest.compare(quiet, loaded)}
    assert rows["k/s/N=19-256"]["loaded_id"] == "k/s/N=16-256" and rows["k/s/N=19-256"]["class"] == "same"
    assert rows["k/s/N=256-512"]["class"] == "other range"  # the busy build stopped at 256: nothing to compare
    assert rows["k/t/N=16-181"]["loaded_id"] == "k/t/N=16-512"  # 70 % of the joint range in log N
    assert rows["k/u/N=64-512"]["class"] == "FLIPPED"  # a range shared by both builds, decided both ways
    assert rows["k/v/N=8-16"]["class"] == "other range" and rows["step/512-1024"]["class"] == "other range"
    assert rows["step/724-1024"]["class"] == "other range" and len(rows) == 7
    assert loadtest.overlap({"n_first": 16, "n_last": 181}, {"n_first": 181, "n_last": 512}) == 0.0


def test_compare_flags_reasonless_unknown_and_bad_outcome():
    rows = loadtest.compare(by_id(v("kadai1/a", "yes"), v("kadai1/b", "no")),
                            by_id(v("kadai1/a", "unknown", ""), v("kadai1/b", "maybe")))
    assert [r["class"] for r in rows] == ["invalid", "invalid"]


@pytest.fixture
def fake_run(monkeypatch, tmp_path):
    """Patch the expensive pieces; returns the call log and a setter for the verdicts per build."""
    calls, verdicts, ok = [], {"quiet": {}, "loaded": {}}, {"quiet": True, "loaded": True}
    monkeypatch.setattr(loadtest, "copy_repo", lambda dest, **kw: Path(dest).mkdir(parents=True) or Path(dest))
    monkeypatch.setattr(loadtest, "start_load", lambda cpu, procs: calls.append(("start", cpu, procs)) or ["p"])
    monkeypatch.setattr(loadtest, "stop_load", lambda procs: calls.append(("stop",)) or [1.5])

    def build(copy, targets, configfiles, cores, log):
        calls.append(("build", Path(copy).name, tuple(targets), cores))
        return ok[Path(copy).name], 12.0

    monkeypatch.setattr(loadtest, "build", build)
    monkeypatch.setattr(loadtest, "collect", lambda copy, reports: verdicts[Path(copy).name])
    return calls, verdicts, ok, tmp_path / "out"


def test_main_exit_code_zero_without_flip_or_missing(fake_run, capsys):
    calls, verdicts, _, out = fake_run
    verdicts["quiet"], verdicts["loaded"] = by_id(v("kadai1/a", "yes"), v("kadai1/b", "no")), by_id(
            v("kadai1/a", "unknown", "straddles"), v("kadai1/b", "no"))
    cpu = max(os.sched_getaffinity(0))
    assert loadtest.main(["--reports", "kadai1", "--out", str(out), "--load-cpu", str(cpu)]) == 0
    assert calls[1] == ("start", cpu, 1)
    # the load runs exactly around the loaded build, never around the quiet one
    assert [c[0] + (c[1] if c[0] == "build" else "") for c in calls] == ["buildquiet", "start", "buildloaded", "stop"]
    assert calls[0][2] == ("report/kadai1.pdf",)
    data = json.loads((out / "loadtest.json").read_text())
    assert data["ok"] and data["counts"]["loaded cannot tell"] == 1 and data["meta"]["load"]["cpu_seconds"] == [1.5]
    assert "PASS" in capsys.readouterr().out
    assert not (out / "copies").exists()


@pytest.mark.parametrize("loaded", [by_id(v("kadai1/a", "no")), {}])
def test_main_exit_code_one_on_flip_or_missing(fake_run, loaded):
    _, verdicts, _, out = fake_run
    verdicts["quiet"], verdicts["loaded"] = by_id(v("kadai1/a", "yes")), loaded
    assert loadtest.main(["--reports", "kadai1", "--out", str(out)]) == 1
    assert "FAIL" in (out / "loadtest.md").read_text()


def test_main_exit_code_one_on_failed_build(fake_run, capsys):
    _, verdicts, ok, out = fake_run
    verdicts["quiet"] = verdicts["loaded"] = by_id(v("kadai1/a", "yes"))
    ok["loaded"] = False
    assert loadtest.main(["--reports", "kadai1", "--out", str(out), "--keep"]) == 1
    printed = capsys.readouterr().out
    assert "loaded build FAILED" in printed and str(out / "loaded.log") in printed
    assert (out / "copies" / "quiet").is_dir()


def test_load_stopped_when_build_raises(fake_run):
    calls, _, _, out = fake_run

    def interrupted(*args):
        if Path(args[0]).name == "loaded":
            raise KeyboardInterrupt
        return True, 1.0

    loadtest.build = interrupted  # restored by monkeypatch (fake_run patched this attribute)
    with pytest.raises(KeyboardInterrupt):
        loadtest.main(["--reports", "kadai1", "--out", str(out)])
    assert calls[-1] == ("stop",)


def test_collect_and_notes_for_findings_without_verdicts(tmp_path):
    (tmp_path / "results" / "kadai1").mkdir(parents=True)
    (tmp_path / "results" / "kadai2").mkdir(parents=True)
    (tmp_path / "results" / "kadai1" / "findings.json").write_text(json.dumps({"verdicts": [v("kadai1/a", "yes")]}))
    (tmp_path / "results" / "kadai2" / "findings.json").write_text(json.dumps({"fits": []}))
    found = loadtest.collect(tmp_path, ["kadai1", "kadai2", "nini1"])
    assert list(found) == ["kadai1/a"] and found["kadai1/a"]["report"] == "kadai1"
    notes = "\n".join(loadtest.findings_notes(tmp_path, ["kadai1", "kadai2", "nini1"], "quiet"))
    assert 'kadai2/findings.json has no "verdicts" (0 verdicts)' in notes
    assert "nini1/findings.json is missing" in notes and "kadai1" not in notes


def test_start_load_pins_burns_and_stop_load_ends_it():
    cpu = max(os.sched_getaffinity(0))
    procs = loadtest.start_load(cpu, 1)
    try:
        pid = procs[0].pid
        assert os.sched_getaffinity(pid) == {cpu}
        time.sleep(0.1)
        before = loadtest.cpu_seconds(pid)
        time.sleep(0.3)
        after = loadtest.cpu_seconds(pid)
        assert before is not None and after > before
    finally:
        used = loadtest.stop_load(procs)
    assert procs[0].poll() is not None and not Path(f"/proc/{pid}").exists()
    assert used[0] >= after


def test_start_load_rejects_cpu_not_allowed():
    with pytest.raises(ValueError):
        loadtest.start_load(max(os.sched_getaffinity(0)) + 1000, 1)


def test_copy_repo_copies_code_not_builds(tmp_path):
    root = tmp_path / "repo"
    for f in ("Snakefile", "workflow/kadai/x.py", "workflow/kadai/__pycache__/x.pyc", "results/kadai1/f.json",
              "report/kadai1.pdf", ".git/HEAD", ".venv/bin/python", "data/MNIST/raw/a", "workflow/kadai/train/data.py"):
        (root / f).parent.mkdir(parents=True, exist_ok=True)
        (root / f).write_text("x")
    mnist = tmp_path / "mnist"
    mnist.mkdir()
    dest = loadtest.copy_repo(tmp_path / "copy", root=root, data=mnist)
    assert (dest / "Snakefile").is_file() and (dest / "workflow/kadai/x.py").is_file()
    assert (dest / "workflow/kadai/train/data.py").is_file()
    assert list((dest / "results").iterdir()) == [] and list((dest / "report").iterdir()) == []
    for gone in (".git", ".venv", "workflow/kadai/__pycache__"):
        assert not (dest / gone).exists()
    assert (dest / "data").resolve() == mnist.resolve()


def test_copy_repo_of_the_real_repository(tmp_path):
    dest = loadtest.copy_repo(tmp_path / "c")
    assert (dest / "Snakefile").is_file() and (dest / "workflow" / "kadai" / "loadtest.py").is_file()
    assert not (dest / ".git").exists() and not any((dest / "results").iterdir())


def test_render_lists_every_id_and_the_counts():
    rows = loadtest.compare(QUIET, LOADED)
    meta = {"date": "2025-01-01", "machine": "cpu, 2 cores", "command": "python -m kadai.loadtest",
            "builds": {"quiet": {"ok": True, "seconds": 10.0, "log": "q.log"},
                       "loaded": {"ok": True, "seconds": 12.0, "log": "l.log"}},
            "load": {"cpu": 1, "procs": 1, "cpu_seconds": [11.5]}, "reports": ["kadai1", "kadai2", "nini1"],
            "notes": ["quiet: results/nini1/findings.json is missing (0 verdicts)"]}
    md = loadtest.render(rows, meta)
    for vid in list(QUIET) + list(LOADED):
        assert f"| {vid} |" in md
    assert "## kadai4" in md and "## nini1" in md  # kadai4 only from the rows
    assert "unknown (straddles)" in md and "CPU 1" in md and "11.5 s" in md
    assert ("2 same, 1 loaded cannot tell, 1 quiet cannot tell, 0 other range, 1 FLIPPED, 2 missing, 0 invalid "
            "— FAIL") in md
