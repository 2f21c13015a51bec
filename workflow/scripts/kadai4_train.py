# rule kadai4_train: one setting (baseline with one parameter changed), every seed → rows per epoch
from kadai.exclusive import watched
from kadai.io import job, named
from kadai.kadai4 import train

with job(snakemake) as sm, watched():  # noqa: F821 - provided by Snakemake
    value = sm.wildcards.value
    train.run_setting(sm.wildcards.param, int(value) if value.isdigit() else value, named(sm.params),
                      sm.input.data, sm.output[0], sm.threads)
