# Thin entry point: templates/<report>.md.j2 + context → report/<report>.md, rubric-checked.
from kadai import render, rubric
from kadai.io import read_json, tee_log, write_text

sm = snakemake  # noqa: F821 - provided by Snakemake
with tee_log(sm.log[0]):
    report = sm.wildcards.report
    config = sm.params.config
    context = read_json(sm.input.context)
    text, numbering = render.render_markdown(f"{report}.md.j2", context, config,
                                             read_json(sm.input.sysinfo), sm.output[0])
    rubric.enforce(report, text, numbering, sm.input.figures, config,
                   relations=context.get("relations"), template=sm.input.template)
    write_text(sm.output[0], text)
