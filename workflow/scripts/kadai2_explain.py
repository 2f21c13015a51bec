# rule kadai2_explain: one experiment that explains a surprise of 課題2 → raw CSV
from kadai.exclusive import timing_job
from kadai.io import job
from kadai.kadai2 import explain

with job(snakemake) as sm, timing_job():  # noqa: F821 - provided by Snakemake
    explain.run(sm.wildcards.experiment, sm.params.explain, sm.output[0])
