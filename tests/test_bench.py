"""The combined benchmark's guards: it reads Snakemake's plan and never starts expensive jobs."""
from kadai import bench

DRY_RUN = """Building DAG of jobs...
Job stats:
job                count
---------------  -------
kadai3_train          42
render_markdown        1
render_pdf             1
total                 44

Reasons:
"""


def test_planned_rules_are_read_from_the_job_stats_table():
    assert bench.planned_rules(DRY_RUN) == {"kadai3_train", "render_markdown", "render_pdf"}
    assert bench.planned_rules("Nothing to be done (all requested files are present and up to date).") == set()


def test_rendering_is_skipped_without_a_built_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "build it first" in bench.plan_is_render_only("kadai1", [])


def test_rendering_is_skipped_when_the_plan_holds_more_than_the_two_render_jobs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "kadai3.pdf").write_bytes(b"%PDF")

    class Done:
        returncode, stdout, stderr = 0, DRY_RUN, ""

    monkeypatch.setattr(bench, "_snakemake", lambda report, configfiles, dry: Done())
    assert bench.plan_is_render_only("kadai3", []) == (
        "it would also run kadai3_train (pass the --configfile of your build)")
    Done.stdout = DRY_RUN.replace("kadai3_train          42\n", "")
    assert bench.plan_is_render_only("kadai3", []) is None
