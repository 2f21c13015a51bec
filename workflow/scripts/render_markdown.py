# rule render_markdown: templates/<report>.md.j2 + context → report/<report>.md, rubric-checked
from kadai import render
from kadai.io import job

with job(snakemake) as sm:  # noqa: F821 - provided by Snakemake
    call = {"report": sm.wildcards.report, "template": sm.input.template, "context_path": sm.input.context,
            "sysinfo_path": sm.input.sysinfo, "figures": list(sm.input.figures), "config": sm.params.config,
            "typefaces": sm.params.fonts}
    render.report_markdown(**call, md_path=sm.output[0])
    render.remember(sm.output[0], sm.rule, call)
