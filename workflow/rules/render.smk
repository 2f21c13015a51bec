# Shared rules: the machine fingerprint, and the Markdown and PDF of any report
# (templates/<report>.md.j2 + results/<report>/context.json).

rule sysinfo:
    input:
        src("sysinfo"),
    output:
        "results/sysinfo.json",
    log:
        "results/logs/sysinfo.log",
    conda:
        ENV
    script:
        "../scripts/sysinfo.py"


REPORT_CONFIG = {k: config.get(k) for k in ("student", "course", "date", "tables", "rubric")}


rule render_markdown:
    input:
        template="templates/{report}.md.j2",
        partials=TEMPLATE_PARTIALS,
        context="results/{report}/context.json",
        sysinfo="results/sysinfo.json",
        figures=lambda wc: FIGURES[wc.report],
        sources=lambda wc: SOURCES[wc.report],
        code=src("render", "tables", "rubric"),
    output:
        "report/{report}.md",
    params:
        config=REPORT_CONFIG,
    log:
        "results/logs/{report}/render.log",
    conda:
        ENV
    script:
        "../scripts/render.py"


rule render_pdf:
    input:
        md="report/{report}.md",
        page="templates/report.typ",
        figures=lambda wc: FIGURES[wc.report],
        code=src("render"),
    output:
        "report/{report}.pdf",
    params:
        config=REPORT_CONFIG,
    log:
        "results/logs/{report}/pdf.log",
    conda:
        ENV
    script:
        "../scripts/pdf.py"
