# rule render_markdown: templates/<report>.md.j2 + context → report/<report>.md, rubric-checked
from kadai import render, rubric
from kadai.io import job, read_json, write_text

with job(snakemake) as sm:  # noqa: F821 - provided by Snakemake
    report, config = sm.wildcards.report, sm.params.config
    context = read_json(sm.input.context)
    text, numbering = render.render_markdown(f"{report}.md.j2", context, config, read_json(sm.input.sysinfo),
                                             sm.output[0], typefaces=sm.params.fonts)
    rubric.enforce(report, text, numbering, sm.input.figures, config, relations=context.get("relations"),
                   template=sm.input.template)
    write_text(sm.output[0], text)
