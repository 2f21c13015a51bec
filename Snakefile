# 深層実習 report pipeline — the table of contents.
#   snakemake --cores 1 report/kadai2.pdf      one report
#   snakemake --cores 1                        every report
# Settings: config/config.yaml (checked against config/schema.yaml before any job runs).
# Each report: workflow/rules/<report>.smk (measure/train) → workflow/rules/stages.smk (analyse,
# figure, context) → workflow/rules/render.smk (Markdown, PDF). Every rule runs one short script
# workflow/scripts/<rule>.py that calls one function of workflow/kadai/<report>/<stage>.py.
import os
import sys
from pathlib import Path

# The library (workflow/kadai) is importable here and in every job, even without `pip install -e .`
_LIB = str(Path(workflow.basedir) / "workflow")
sys.path.insert(0, _LIB)
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_LIB, os.environ.get("PYTHONPATH")) if p)

from kadai.config import validate as validate_config


configfile: "config/config.yaml"


envvars:
    "PYTHONPATH",


validate_config(config)

REPORTS = ["kadai1", "kadai2", "nini1", "kadai3", "kadai4"]


wildcard_constraints:
    report="|".join(REPORTS),


rule all:
    input:
        expand("report/{report}.pdf", report=REPORTS),
    default_target: True


include: "workflow/rules/common.smk"
include: "workflow/rules/kadai1.smk"
include: "workflow/rules/kadai2.smk"
include: "workflow/rules/nini1.smk"
include: "workflow/rules/kadai3.smk"
include: "workflow/rules/kadai4.smk"
include: "workflow/rules/stages.smk"
include: "workflow/rules/render.smk"
