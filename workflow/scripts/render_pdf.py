# rule render_pdf: report/<report>.md → (pandoc) Typst → (typst) report/<report>.pdf, fonts checked
from kadai import render, rubric
from kadai.io import job

with job(snakemake) as sm:  # noqa: F821 - provided by Snakemake
    fonts = render.markdown_to_pdf(sm.input.md, sm.output[0])
    rubric.enforce_fonts(sm.input.md, sm.output[0], fonts, sm.params.config)
    print(f"{sm.output[0]}: body font {fonts['body']}, headings {fonts['heading']}")
