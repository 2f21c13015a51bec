# rule render_pdf: report/<report>.md → (pandoc) Typst → (typst) report/<report>.pdf, fonts checked
from kadai import fonts, render, rubric
from kadai.io import job

with job(snakemake) as sm:  # noqa: F821 - provided by Snakemake
    choice = render.markdown_to_pdf(sm.input.md, sm.output[0])
    rubric.enforce_fonts(sm.input.md, sm.output[0], choice, sm.params.config)
    faces = fonts.summary(choice)
    print(f"{sm.output[0]}: " + ", ".join(f"{role} {f['family']} ({f['file']})" for role, f in faces.items()))
    for note in choice["notes"]:
        print(f"note: {note}")
