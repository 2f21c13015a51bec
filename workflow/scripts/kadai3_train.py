# rule kadai3_train: one model × seed with the fast loop → one row per epoch
from kadai.exclusive import timing_job, watched
from kadai.io import job, named
from kadai.kadai3 import train

with job(snakemake) as sm, (timing_job() if sm.params.timed else watched()):  # noqa: F821 - provided by Snakemake
    train.run_training(sm.wildcards.model, int(sm.wildcards.seed), named(sm.params), sm.output[0], sm.threads)
