# rule render_markdown: templates/<report>.md.j2 + context → report/<report>.md, rubric-checked
from kadai import render
from kadai.io import job

with job(snakemake) as sm:  # noqa: F821 - provided by Snakemake
    render.report_markdown(sm.wildcards.report, sm.input.template, sm.input.context, sm.input.sysinfo,
                           sm.input.figures, sm.params.config, sm.output[0], typefaces=sm.params.fonts)
