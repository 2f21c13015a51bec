# Thin entry point: the machine fingerprint (kadai.sysinfo).
from kadai import sysinfo
from kadai.io import tee_log, write_json

with tee_log(snakemake.log[0]):  # noqa: F821 - provided by Snakemake
    write_json(snakemake.output[0], sysinfo.collect())  # noqa: F821
