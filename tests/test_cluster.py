"""The cluster profiles: the quick 課題1 build through profiles/pbs (cluster-generic executor),
with a stand-in qsub that runs every job in a process of its own."""
import os
import re

import pytest
from conftest import QUICK, ROOT, fresh_copy, snakemake

pytest.importorskip("snakemake_executor_plugin_cluster_generic")


@pytest.mark.slow
def test_the_quick_kadai1_build_runs_through_the_pbs_profile(tmp_path):
    repo = fresh_copy(tmp_path / "kadai")
    log = tmp_path / "qsub.log"
    env = {"PATH": f"{ROOT / 'tests/cluster'}{os.pathsep}{os.environ['PATH']}", "QSUB_LOG": str(log)}
    proc = snakemake(repo, "report/kadai1.pdf", *QUICK, "--profile", "profiles/pbs", "--cores", "4", env=env)
    assert (repo / "report/kadai1.pdf").stat().st_size > 0
    submitted = log.read_text().splitlines()
    rules = [re.search(r"-N smk\.(\w+)", line).group(1) for line in submitted]
    # every job went through qsub, each once: nothing ran inside the Snakemake that submitted them
    assert sorted(rules) == sorted(re.findall(r"^rule (\w+):", proc.stdout + proc.stderr, re.M))
    assert {"kadai1_measure", "analyse", "figure", "render_markdown", "render_pdf"} <= set(rules)
    measure = next(line for line in submitted if "smk.kadai1_measure" in line)
    assert "ncpus=4:" in measure and "ngpus=0" in measure  # the profile's threads and the gpu resource
