# rule kadai3_timing: every model (and the DataLoader loop) trained alternately → time per round
from kadai.exclusive import timing_job
from kadai.io import job, named
from kadai.kadai3 import timing

with job(snakemake) as sm, timing_job():  # noqa: F821 - provided by Snakemake
    cfg = named(sm.params)
    timing.run(cfg.pop("models"), cfg, sm.output[0])
