# rule kadai3_summaries: torchinfo summaries of every model → JSON
from kadai.io import job
from kadai.kadai3 import summaries

with job(snakemake) as sm:  # noqa: F821 - provided by Snakemake
    summaries.run(sm.params.models, sm.output[0])
