# Thin entry point: report/<report>.md → (pandoc) Typst → (typst) report/<report>.pdf.
from kadai import render, rubric
from kadai.io import tee_log

sm = snakemake  # noqa: F821 - provided by Snakemake
with tee_log(sm.log[0]):
    fonts = render.markdown_to_pdf(sm.input.md, sm.output[0])
    rubric.enforce_fonts(sm.input.md, sm.output[0], fonts, sm.params.config)
    print(f"{sm.output[0]}: body font {fonts['body']}, headings {fonts['heading']}")
