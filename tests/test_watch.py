"""kadai.watch's decisions: which saved files it renders itself and which it leaves to Snakemake
(the watch itself runs end to end in test_workflow.py, on the quick build)."""
import datetime

import pytest
from kadai import config, watch

TARGETS = {"kadai1": {"pdf"}, "kadai2": {"md"}}


@pytest.mark.parametrize("changes,expected", [
    (["templates/kadai1.md.j2"], {"kadai1": {"md", "pdf"}}),
    (["templates/kadai2.md.j2"], {"kadai2": {"md"}}),  # only its Markdown was asked for
    (["templates/_macros.md.j2"], {"kadai1": {"md", "pdf"}, "kadai2": {"md"}}),  # a partial feeds every report
    (["templates/report.typ"], {"kadai1": {"pdf"}}),  # the page style: PDFs only
    (["templates/kadai3.md.j2"], {}),  # not a target
    (["templates/.kadai1.md.j2.swp", "templates/kadai1.md.j2~"], {}),  # an editor's files
    (["templates/kadai1.md.j2", "config/config.yaml"], None),  # settings: Snakemake decides
    (["workflow/kadai/render.py"], None),
    (["workflow/kadai/train/loops.py"], None),  # a listing the report quotes
    (["Snakefile"], None),
    (["my.yaml"], None),  # a --configfile outside config/
])
def test_only_template_edits_are_rendered_in_the_watch(changes, expected):
    assert watch.renders(changes, TARGETS) == expected


def test_targets_must_be_reports():
    assert watch.parse_targets(["report/kadai1.pdf", "report/kadai1.md", "report/nini1.pdf"]) == {
        "kadai1": {"pdf", "md"}, "nini1": {"pdf"}}
    with pytest.raises(SystemExit, match="results/kadai1/context.json"):
        watch.parse_targets(["results/kadai1/context.json"])


def test_the_markdown_job_comes_from_its_record():
    inputs = ["templates/kadai1.md.j2", "templates/_macros.md.j2", "results/kadai1/context.json",
              "results/sysinfo.json", "results/kadai1/fig/time.svg", "results/kadai1/fig/per_op.svg",
              ".snakemake/kadai-code/workflow/kadai/render.py.sig"]
    records = [{"outputs": ["report/kadai1.pdf"], "inputs": ["report/kadai1.md"]},
               {"outputs": ["report/kadai1.md"], "inputs": inputs}]
    assert watch.markdown_job("kadai1", records) == {
        "template": "templates/kadai1.md.j2", "context": "results/kadai1/context.json",
        "sysinfo": "results/sysinfo.json", "figures": ["results/kadai1/fig/time.svg", "results/kadai1/fig/per_op.svg"]}
    assert watch.markdown_job("kadai2", records) is None  # never rendered: Snakemake must run
    no_context = [{"outputs": ["report/kadai1.md"], "inputs": [i for i in inputs if "context" not in i]}]
    assert watch.markdown_job("kadai1", no_context) is None


def test_changed_files_are_found_by_time_and_size(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "a.md.j2").write_text("a")
    (tmp_path / "templates" / "__pycache__").mkdir()
    before = watch.snapshot([tmp_path / "templates"])
    (tmp_path / "templates" / "a.md.j2").write_text("ab")
    (tmp_path / "templates" / "b.md.j2").write_text("b")
    (tmp_path / "templates" / "__pycache__" / "x.pyc").write_text("x")
    assert watch.changed(before, watch.snapshot([tmp_path / "templates"])) == [
        str(tmp_path / "templates" / "a.md.j2"), str(tmp_path / "templates" / "b.md.j2")]


def test_settings_merge_config_files_as_snakemake_does(tmp_path):
    base, extra = tmp_path / "config.yaml", tmp_path / "extra.yaml"
    base.write_text("date: 2026-07-15\nstudent: {name: A, id: '1'}\ntables: {sig_figs: 3}\nkadai1: {x: 1}\n")
    extra.write_text("student: {name: B}\nrubric: {strict: false}\n")
    merged = config.merged([base, extra])
    assert merged["student"] == {"name": "B", "id": "1"}  # mappings merged key by key, the later file wins
    assert merged["date"] == datetime.date(2026, 7, 15).isoformat()  # normalised as the Snakefile does
    assert config.report_settings(merged) == {"student": {"name": "B", "id": "1"}, "course": None,
                                              "date": "2026-07-15", "tables": {"sig_figs": 3},
                                              "rubric": {"strict": False}}
