# rule render_pdf: report/<report>.md → (pandoc) Typst → (typst) report/<report>.pdf, fonts checked
from kadai import render
from kadai.io import job

with job(snakemake) as sm:  # noqa: F821 - provided by Snakemake
    render.report_pdf(sm.input.md, sm.output[0], sm.params.config)
    render.remember(sm.output[0], sm.rule, {"config": sm.params.config})
