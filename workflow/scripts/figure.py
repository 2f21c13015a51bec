# rule figure: one figure of a report → results/<report>/fig/<name>.svg (kadai.<report>.figures.draw_<name>)
import importlib

from kadai.figures import drawer
from kadai.io import job, named

with job(snakemake) as sm:  # noqa: F821 - provided by Snakemake
    module = importlib.import_module(f"kadai.{sm.wildcards.report}.figures")
    drawer(module, sm.wildcards.name)(named(sm.input), sm.params.settings, sm.output.svg)
