# rule analyse: a report's raw results → results/<report>/findings.json (kadai.<report>.analyse.run)
import importlib

from kadai.io import job, named

with job(snakemake) as sm:  # noqa: F821 - provided by Snakemake
    stage = importlib.import_module(f"kadai.{sm.wildcards.report}.analyse")
    stage.run(named(sm.input), sm.params.settings, sm.output[0])
