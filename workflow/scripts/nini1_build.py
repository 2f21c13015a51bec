# rule nini1_build: matmul.c → shared library of one build variant (+ its flags and FMA counts)
from kadai.io import job
from kadai.nini1 import build

with job(snakemake) as sm:  # noqa: F821 - provided by Snakemake
    build.build(sm.wildcards.build, sm.params.flags, sm.output.lib, sm.output.info)
