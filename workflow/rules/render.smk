# Shared rules: the machine fingerprint, and the Markdown and PDF of any report
# (templates/<report>.md.j2 + results/<report>/context.json).


rule sysinfo:
    input:
        code=code("sysinfo"),
    output:
        "results/sysinfo.json",
    # the thread counts it records (BLAS, PyTorch) are those of a job given every core, as the
    # timing jobs are: Snakemake limits a job's thread pools to its threads
    threads: workflow.cores
    log:
        "results/logs/sysinfo.log",
    benchmark:
        "results/benchmarks/sysinfo.tsv",
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
        figures=lambda wc: figure_files(wc.report),
        sources=lambda wc: STAGES[wc.report]["sources"],
        code=code("render_markdown"),
    output:
        "report/{report}.md",
    params:
        config=REPORT_CONFIG,
        fonts=FONTS,
    log:
        "results/logs/{report}/render.log",
    benchmark:
        "results/benchmarks/render_markdown/{report}.tsv",
    conda:
        ENV
    script:
        "../scripts/render_markdown.py"


rule render_pdf:
    input:
        md="report/{report}.md",
        page="templates/report.typ",
        figures=lambda wc: figure_files(wc.report),
        code=code("render_pdf"),
    output:
        report("report/{report}.pdf", caption="../report_captions/pdf.rst", category="{report}",
               labels={"report": "{report}", "file": "{report}.pdf"}),
    params:
        config=REPORT_CONFIG,
        fonts=FONTS,
    log:
        "results/logs/{report}/pdf.log",
    benchmark:
        "results/benchmarks/render_pdf/{report}.tsv",
    conda:
        ENV
    script:
        "../scripts/render_pdf.py"
