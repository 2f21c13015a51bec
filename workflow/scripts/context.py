# rule context: findings + names + tables → results/<report>/context.json (kadai.<report>.context.run)
import importlib

from kadai.io import job, named

with job(snakemake) as sm:  # noqa: F821 - provided by Snakemake
    stage = importlib.import_module(f"kadai.{sm.wildcards.report}.context")
    stage.run(named(sm.input), sm.params.settings, sm.output[0])
