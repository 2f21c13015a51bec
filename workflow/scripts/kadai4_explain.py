# rule kadai4_explain: the baseline trained with Sigmoid changed step by step towards ReLU, every seed
from kadai.exclusive import watched
from kadai.io import job, named
from kadai.kadai4 import explain

with job(snakemake) as sm, watched():  # noqa: F821 - provided by Snakemake
    explain.run(named(sm.params), sm.input.data, sm.output[0], sm.threads)
