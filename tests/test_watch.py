"""kadai.watch's decisions: which saved files it renders itself, which it leaves to Snakemake and
when it starts afresh; which kept calls it may replay (the watch runs end to end in
test_workflow.py, on the quick build)."""
import json
import os

import pytest
from kadai import render, watch

TARGETS = {"kadai1": {"pdf"}, "kadai2": {"md"}}
BEFORE = {"templates/kadai1.md.j2": (1, 10), "templates/kadai2.md.j2": (1, 10), "templates/_macros.md.j2": (1, 10),
          "templates/report.typ": (1, 10), "config/config.yaml": (1, 10), "workflow/kadai/render.py": (1, 10),
          "Snakefile": (1, 10), "my.yaml": (1, 10)}


def after(*edited, added=(), removed=()):
    out = {p: (2, v[1]) if p in edited else v for p, v in BEFORE.items() if p not in removed}
    out.update({p: (2, 1) for p in added})
    return out


@pytest.mark.parametrize("now,expected", [
    (after("templates/kadai1.md.j2"), ("render", {"kadai1": {"md", "pdf"}})),
    (after("templates/kadai2.md.j2"), ("render", {"kadai2": {"md"}})),  # only its Markdown was asked for
    (after("templates/_macros.md.j2"), ("render", {"kadai1": {"md", "pdf"}, "kadai2": {"md"}})),  # a partial: all
    (after("templates/report.typ"), ("render", {"kadai1": {"pdf"}})),  # the page style: PDFs only
    (after(added=["templates/.kadai1.md.j2.swp", "templates/kadai1.md.j2~"]), ("render", {})),  # an editor's files
    (after(added=["templates/kadai3.md.j2"]), ("snakemake", {})),  # a template added or removed changes the jobs'
    (after(removed=["templates/_macros.md.j2"]), ("snakemake", {})),  # inputs (the partials are globbed)
    (after("templates/kadai1.md.j2", "config/config.yaml"), ("snakemake", {})),  # settings: Snakemake decides
    (after("my.yaml"), ("snakemake", {})),  # a --configfile outside config/
    (after("workflow/kadai/render.py"), ("restart", {})),  # code: render with the edited code
    (after("Snakefile", "templates/kadai1.md.j2"), ("restart", {})),
])
def test_a_save_is_rendered_here_only_where_it_touched_templates_alone(now, expected):
    assert watch.decide(BEFORE, now, TARGETS) == expected


def test_the_watch_runs_where_snakemake_would(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match="no Snakefile here"):
        watch.main(["report/kadai1.pdf"])


def test_targets_must_be_reports():
    assert watch.parse_targets(["report/kadai1.pdf", "report/kadai1.md", "report/nini1.pdf"]) == {
        "kadai1": {"pdf", "md"}, "nini1": {"pdf"}}
    with pytest.raises(SystemExit, match="results/kadai1/context.json"):
        watch.parse_targets(["results/kadai1/context.json"])


def test_a_kept_call_is_replayed_only_while_all_it_read_is_older(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inputs = ["templates/kadai1.md.j2", "results/kadai1/context.json", "results/kadai1/fig/time.svg"]
    for i in inputs:
        (tmp_path / i).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / i).write_text("x")
        os.utime(tmp_path / i, (1000, 1000))
    records = [{"outputs": ["report/kadai1.md"], "inputs": inputs}]
    assert watch.replayable("report/kadai1.md", records) is None  # no call kept
    render.remember("report/kadai1.md", "render_markdown", {"report": "kadai1", "figures": ["a.svg"]})
    os.utime(render.CALLS / "kadai1.md.json", (2000, 2000))
    call = {"rule": "render_markdown", "arguments": {"report": "kadai1", "figures": ["a.svg"]}}
    assert json.loads((render.CALLS / "kadai1.md.json").read_text()) == call
    assert watch.replayable("report/kadai1.md", records) == call
    assert watch.replayable("report/kadai1.md", []) is None  # no record of what the job read

    os.utime(tmp_path / "templates/kadai1.md.j2", (3000, 3000))  # the edited template: still replayable
    assert watch.replayable("report/kadai1.md", records) == call
    os.utime(tmp_path / "results/kadai1/context.json", (3000, 3000))  # a newer context: Snakemake's to run
    assert watch.replayable("report/kadai1.md", records) is None
    os.utime(tmp_path / "results/kadai1/context.json", (1000, 1000))
    (tmp_path / "results/kadai1/fig/time.svg").unlink()  # a deleted figure: Snakemake makes it again
    assert watch.replayable("report/kadai1.md", records) is None


def test_changed_files_are_found_by_time_as_well_as_size(tmp_path):
    (tmp_path / "templates" / "__pycache__").mkdir(parents=True)
    f = tmp_path / "templates" / "a.md.j2"
    f.write_text("a")
    os.utime(f, (1000, 1000))
    before = watch.snapshot([tmp_path / "templates"])
    f.write_text("b")  # the same size
    (tmp_path / "templates" / "__pycache__" / "x.pyc").write_text("x")
    now = watch.snapshot([tmp_path / "templates"])
    assert [p for p in now if now[p] != before.get(p)] == [str(f)]


def test_snakemake_is_told_to_compare_times_alone_for_what_the_watch_made(tmp_path, monkeypatch):
    """Snakemake skips an input newer than the output when its content is the recorded one; the
    watch made the output from other contents, so the output's record keeps no checksums."""
    from base64 import urlsafe_b64encode

    monkeypatch.chdir(tmp_path)
    assert not watch.forget_checksums("report/kadai1.md")  # no record: nothing to do
    record = {"rule": "render_markdown", "input": ["templates/kadai1.md.j2"], "params": ["x"],
              "input_checksums": {"templates/kadai1.md.j2": "sha256:00"}}
    path = watch.METADATA / urlsafe_b64encode(b"report/kadai1.md").decode()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(record))
    assert watch.forget_checksums("report/kadai1.md")
    assert json.loads(path.read_text()) == {**record, "input_checksums": {}}  # params, code etc. stay
