# rule kadai1_measure: one variant of the 課題1 program over a size sweep → raw CSV
from kadai.exclusive import timing_job
from kadai.io import job
from kadai.kadai1 import measure

with job(snakemake) as sm, timing_job():  # noqa: F821 - provided by Snakemake
    measure.run(sm.wildcards.variant, sm.params.sweep, sm.params.timing, sm.output[0])
