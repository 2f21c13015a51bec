# 深層実習 report pipeline.
#   snakemake --cores 1 report/kadai1.pdf      one report
#   snakemake --cores 1                        every report
# Settings: config/config.yaml (checked against config/schema.yaml before any job runs).
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))  # works without `pip install -e .`

from kadai.config import validate as validate_config


configfile: "config/config.yaml"


validate_config(config)

REPORTS = ["kadai1"]


rule all:
    input:
        expand("report/{report}.pdf", report=REPORTS),
    default_target: True


include: "workflow/rules/common.smk"
include: "workflow/rules/kadai1.smk"
include: "workflow/rules/render.smk"
