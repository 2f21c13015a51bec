# rule nini1_gpu: our CUDA kernels against cuBLAS on the GPU, or why not → JSON
from kadai.exclusive import timing_job
from kadai.io import job
from kadai.nini1 import gpu

with job(snakemake) as sm, timing_job():  # noqa: F821 - provided by Snakemake
    g = sm.params.gpu
    gpu.measure(g["n"], g["rounds"], g["check_n"], g["vec"], sm.output[0])
