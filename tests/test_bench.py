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


HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def _job(root, rel, wall, cpu, end):
    import os
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"{wall}\t0:00:00\t1\t1\t1\t1\t0\t0\t0\t{cpu}\n")
    os.utime(path, (end, end))


def test_build_times_sum_the_benchmark_files_per_rule_and_per_report(tmp_path):
    assert bench.build_times(tmp_path) is None
    _job(tmp_path, "kadai3_train/conv4-conv4-fc128/0.tsv", 100.0, 95.0, 1000.0)
    _job(tmp_path, "kadai3_train/fc128/1.tsv", 20.0, 19.0, 1010.0)
    _job(tmp_path, "figure/kadai1/speed.tsv", 3.0, 2.5, 1200.0)
    _job(tmp_path, "render_pdf/kadai3.tsv", 1.5, 1.0, 1300.0)
    _job(tmp_path, "sysinfo.tsv", 0.5, 0.4, 850.0)
    b = bench.build_times(tmp_path)
    assert b["jobs"] == 5 and b["wall_s"] == 125.0
    assert b["span_s"] == 1300.0 - (850.0 - 0.5)  # first start (file time − wall) to last end
    rules = {r["rule"]: r for r in b["rules"]}
    assert rules["kadai3_train"] == {"rule": "kadai3_train", "jobs": 2, "wall_s": 120.0, "cpu_s": 114.0, "max_s": 100.0}
    assert [r["rule"] for r in b["rules"]][0] == "kadai3_train"  # longest first
    reports = {r["report"]: r["wall_s"] for r in b["reports"]}
    assert reports == {"kadai3": 121.5, "kadai1": 3.0, "shared": 0.5}
    text = bench.describe_build(b)
    assert "kadai3 2.0 min" in text and "kadai3_train" in text


def test_jobs_that_ran_alone_are_those_no_other_job_overlaps(tmp_path):
    # a and b side by side (20 s shared); c alone after them; d starts 0.5 s before c ends
    # (Snakemake's own start is not in the file's interval): still alone; e inside f
    _job(tmp_path, "kadai3_train/a/0.tsv", 30.0, 30.0, 130.0)   # 100–130
    _job(tmp_path, "kadai3_train/b/1.tsv", 30.0, 30.0, 140.0)   # 110–140
    _job(tmp_path, "kadai2_measure/c.tsv", 50.0, 50.0, 190.0)   # 140–190
    _job(tmp_path, "nini1_measure/d.tsv", 40.0, 40.0, 229.5)    # 189.5–229.5
    _job(tmp_path, "figure/kadai1/f.tsv", 20.0, 20.0, 260.0)    # 240–260
    _job(tmp_path, "figure/kadai1/e.tsv", 5.0, 5.0, 250.0)      # 245–250
    b = bench.build_times(tmp_path)
    assert b["alone"] == {"jobs": 2, "wall_s": 90.0, "rules": ["kadai2_measure", "nini1_measure"]}
    text = bench.describe_build(b, cores=2)
    # the other four jobs: 85 s, at least 42.5 s on 2 cores; with the 90 s alone, 132.5 s = 2.2 min
    assert "ran alone: 2 jobs, 1.5 min" in text
    assert "the other 4 jobs 1.4 min, on 2 cores at least 0.7 min: 2.2 min" in text
