# rule sysinfo: the machine fingerprint → results/sysinfo.json
from kadai import sysinfo
from kadai.io import job, write_json

with job(snakemake) as sm:  # noqa: F821 - provided by Snakemake
    write_json(sm.output[0], sysinfo.collect())
