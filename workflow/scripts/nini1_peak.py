# rule nini1_peak: the core's clock and FMA throughput, and the micro-kernel alone → JSON
from kadai.exclusive import timing_job
from kadai.io import job
from kadai.nini1 import peak

with job(snakemake) as sm, timing_job():  # noqa: F821 - provided by Snakemake
    peak.build(sm.output.lib)
    peak.run(sm.output.lib, sm.input.matmul, sm.output.peak)
