# rule nini1_driver: driver.c + matmul.c → the executable cachegrind runs
from kadai.io import job
from kadai.nini1 import cachegrind

with job(snakemake) as sm:  # noqa: F821 - provided by Snakemake
    cachegrind.build_driver(sm.params.flags, sm.output[0])
