# rule nini1_cachegrind: simulated cache misses of the ladder's kernels → JSON
from kadai.io import job
from kadai.nini1 import cachegrind

with job(snakemake) as sm:  # noqa: F821 - provided by Snakemake
    cachegrind.run(sm.input.driver, sm.params.kernels, sm.params.n, sm.output[0], sm.params.build, sm.params.flags)
