# rule kadai4_timing: every setting of one parameter, trained alternately → training times per round
from kadai.exclusive import timing_job
from kadai.io import job, named
from kadai.kadai4 import timing

with job(snakemake) as sm, timing_job():  # noqa: F821 - provided by Snakemake
    cfg = named(sm.params)
    timing.run(sm.wildcards.param, cfg.pop("values"), cfg, sm.input.data, sm.output[0])
