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

from kadai import made
from kadai.config import check_files, normalise as normalise_config, validate as validate_config

# Read every config file ourselves first: a YAML or encoding error names the file and line
CONFIG_FILES = check_files(["config/config.yaml", *getattr(workflow.config_settings, "configfiles", [])])


configfile: "config/config.yaml"


report: "workflow/report_captions/workflow.rst"


envvars:
    "PYTHONPATH",


validate_config(normalise_config(config), files=CONFIG_FILES)

# Files made from a missing intermediate (deleted, or removed when its job failed) go too, so
# that the chain is made again instead of "Nothing to be done" (kadai.made). Only the Snakemake
# a user started does this, not the one that runs each job of a cluster executor.
if workflow.is_main_process:
    made.sweep()
    Path("results/logs/cluster").mkdir(parents=True, exist_ok=True)  # profiles/pbs writes job logs here


onerror:
    made.sweep()

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
