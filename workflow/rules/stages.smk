# The stages every report shares: analyse → figure (one job per figure) → context.
# Each calls kadai.<report>.<stage>; what it reads comes from STAGES[report] (the report's rule file).


rule analyse:
    input:
        unpack(lambda wc: STAGES[wc.report]["analyse"]),
        code=lambda wc: code("analyse", f"kadai.{wc.report}.analyse"),
    output:
        "results/{report}/findings.json",
    params:
        settings=lambda wc: STAGES[wc.report]["settings"],
    log:
        "results/logs/{report}/analyse.log",
    benchmark:
        "results/benchmarks/analyse/{report}.tsv",
    conda:
        ENV
    script:
        "../scripts/analyse.py"


rule figure:
    input:
        unpack(lambda wc: STAGES[wc.report]["figure_inputs"]),
        findings="results/{report}/findings.json",
        code=lambda wc: code("figure", f"kadai.{wc.report}.figures"),
    output:
        svg=report("results/{report}/fig/{name}.svg", caption="../report_captions/figure.rst", category="{report}",
                   labels={"report": "{report}", "file": "{name}.svg"}),
        meta="results/{report}/fig/{name}.svg.json",
    wildcard_constraints:
        name=r"[a-z0-9_]+",
    params:
        settings=lambda wc: STAGES[wc.report]["settings"],
    log:
        "results/logs/{report}/figure_{name}.log",
    benchmark:
        "results/benchmarks/figure/{report}/{name}.tsv",
    conda:
        ENV
    script:
        "../scripts/figure.py"


rule context:
    input:
        unpack(lambda wc: STAGES[wc.report]["context"]),
        findings="results/{report}/findings.json",
        sysinfo="results/sysinfo.json",
        code=lambda wc: code("context", f"kadai.{wc.report}.context"),
    output:
        "results/{report}/context.json",
    params:
        settings=lambda wc: STAGES[wc.report]["settings"],
    log:
        "results/logs/{report}/context.log",
    benchmark:
        "results/benchmarks/context/{report}.tsv",
    conda:
        ENV
    script:
        "../scripts/context.py"
