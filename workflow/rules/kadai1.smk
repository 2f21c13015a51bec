# 課題1: pure-Python matrix product (the submission file itself is measured).
from kadai.kadai1 import plan as kadai1_plan

KADAI1_RAW = expand("results/kadai1/raw/matmul_{variant}.csv", variant=config["kadai1"]["variants"])
STAGES["kadai1"] = {
    "analyse": {"raw": KADAI1_RAW, "sysinfo": "results/sysinfo.json"},
    "figures": kadai1_plan.FIGURES,
    "figure_inputs": {"raw": KADAI1_RAW, "sysinfo": "results/sysinfo.json"},
    "context": {"raw": KADAI1_RAW},
    "settings": {"fit": config["fit"], "sweep": config["kadai1"]["sweep"], "timing": config["timing"]},
    "sources": kadai1_plan.SOURCES,
}


rule kadai1_measure:
    input:
        code=code("kadai1_measure"),
    output:
        "results/kadai1/raw/matmul_{variant}.csv",
    params:
        sweep=config["kadai1"]["sweep"],
        timing=config["timing"],
    threads: workflow.cores  # timings run alone: no other job shares the CPU meanwhile
    resources:
        runtime=int(config["kadai1"]["sweep"]["total_budget_s"] / 60) + 5,
    log:
        "results/logs/kadai1/measure_{variant}.log",
    benchmark:
        "results/benchmarks/kadai1_measure/{variant}.tsv",
    conda:
        ENV
    script:
        "../scripts/kadai1_measure.py"
