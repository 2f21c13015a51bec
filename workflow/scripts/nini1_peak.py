# rule nini1_peak: clock, FMA throughput, micro-kernel alone and whole product (C, NumPy), same rounds → JSON
from kadai.exclusive import timing_job
from kadai.io import job
from kadai.nini1 import peak

with job(snakemake) as sm, timing_job():  # noqa: F821 - provided by Snakemake
    peak.build(sm.output.lib)
    peak.run(sm.output.lib, sm.input.matmul, sm.output.peak, n=sm.params.n)
