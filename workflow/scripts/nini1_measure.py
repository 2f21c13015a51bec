# rule nini1_measure: one experiment (one hypothesis) → raw CSV
from kadai.exclusive import timing_job
from kadai.io import job, named
from kadai.nini1 import measure

with job(snakemake) as sm, timing_job():  # noqa: F821 - provided by Snakemake
    libs = {b: p for b, p in named(sm.input).items() if b != "code"}
    measure.run(sm.wildcards.experiment, libs, sm.params.nini1, sm.params.timing, sm.output[0])
