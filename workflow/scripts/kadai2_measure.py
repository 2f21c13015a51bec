# rule kadai2_measure: one operation × implementation over a size sweep → raw CSV
from kadai.exclusive import timing_job
from kadai.io import job, named
from kadai.kadai2 import measure

with job(snakemake) as sm, timing_job():  # noqa: F821 - provided by Snakemake
    settings = named(sm.params)
    measure.run(sm.wildcards.op, sm.wildcards.impl, settings.pop("implementation"), settings, sm.output[0])
