# rule kadai3_profile: every model's training batches under the profiler → time per layer kind
from kadai.exclusive import timing_job
from kadai.io import job, named
from kadai.kadai3 import profile

with job(snakemake) as sm, timing_job():  # noqa: F821 - provided by Snakemake
    cfg = named(sm.params)
    profile.run(cfg.pop("models"), cfg, sm.output[0])
