# 課題1: pure-Python matrix product (the submission file itself is measured).

KADAI1_VARIANTS = config["kadai1"]["variants"]
KADAI1_SWEEP = {k: v for k, v in config["kadai1"].items() if k != "variants"}
KADAI1_RAW = expand("results/kadai1/raw/matmul_{variant}.csv", variant=KADAI1_VARIANTS)
FIGURES["kadai1"] = ["results/kadai1/fig/time.svg", "results/kadai1/fig/mflops.svg"]
SOURCES["kadai1"] = ["workflow/submission/kadai1.py"]


rule kadai1_measure:
    input:
        code=src_measure(),
    output:
        "results/kadai1/raw/matmul_{variant}.csv",
    params:
        sweep=KADAI1_SWEEP,
        code=lambda wc: measure_digest(
            "workflow/kadai/kadai1.py",
            ("workflow/submission/kadai1.py",
             module_constant("workflow/kadai/kadai1.py", "VARIANTS")[wc.variant][0]),
        ),
    threads: workflow.cores  # timings run alone: no other job shares the CPU meanwhile
    resources:
        runtime=lambda wc: int(KADAI1_SWEEP["total_budget_s"] / 60) + 5,
    log:
        "results/logs/kadai1/measure_{variant}.log",
    conda:
        ENV
    script:
        "../scripts/kadai1.py"


rule kadai1_fit:
    input:
        raw=KADAI1_RAW,
        code=src("kadai1", "fit", "measure"),
    output:
        "results/kadai1/fits.json",
    params:
        fit=config["fit"],
    log:
        "results/logs/kadai1/fit.log",
    conda:
        ENV
    script:
        "../scripts/kadai1.py"


rule kadai1_figures:
    input:
        raw=KADAI1_RAW,
        fits="results/kadai1/fits.json",
        code=src("kadai1", "figures"),
    output:
        FIGURES["kadai1"],
    log:
        "results/logs/kadai1/figures.log",
    conda:
        ENV
    script:
        "../scripts/kadai1.py"


rule kadai1_context:
    input:
        raw=KADAI1_RAW,
        fits="results/kadai1/fits.json",
        code=src("kadai1", "measure"),
    output:
        "results/kadai1/context.json",
    params:
        sweep=KADAI1_SWEEP,
        fit=config["fit"],
    log:
        "results/logs/kadai1/context.log",
    conda:
        ENV
    script:
        "../scripts/kadai1.py"
