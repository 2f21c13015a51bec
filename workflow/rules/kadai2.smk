# 課題2: matrix product and 3×3 convolution in every library the assignment names.
from kadai.backends.registry import IMPLEMENTATIONS
from kadai.kadai2 import plan as kadai2_plan

KADAI2 = config["kadai2"]
KADAI2_RAW = [f"results/kadai2/raw/{op}_{impl}.csv" for op in kadai2_plan.OPS for impl in KADAI2["implementations"]]
KADAI2_EXPLAIN = expand("results/kadai2/explain/{e}.csv", e=kadai2_plan.EXPLAIN)
STAGES["kadai2"] = {
    "analyse": {"raw": KADAI2_RAW, "explain": KADAI2_EXPLAIN, "sysinfo": "results/sysinfo.json"},
    "figures": kadai2_plan.FIGURES,
    "figure_inputs": {"raw": KADAI2_RAW, "explain": KADAI2_EXPLAIN, "sysinfo": "results/sysinfo.json"},
    "context": {"raw": KADAI2_RAW},
    "settings": {"fit": config["fit"], "kadai2": KADAI2, "timing": config["timing"]},
    "sources": kadai2_plan.SOURCES,
}


rule kadai2_measure:
    input:
        # the entry script's imports plus the kernel module the registry names for this implementation
        code=lambda wc: code("kadai2_measure", IMPLEMENTATIONS[wc.impl]["kernels"]),
    output:
        "results/kadai2/raw/{op}_{impl}.csv",
    wildcard_constraints:
        op="|".join(kadai2_plan.OPS),
        impl="|".join(IMPLEMENTATIONS),
    params:
        implementation=lambda wc: IMPLEMENTATIONS[wc.impl],
        sweep=lambda wc: KADAI2[wc.op],
        timing=config["timing"],
        dtype=KADAI2["dtype"],
        padding=KADAI2["padding"],
        gpu_memory_cap_gb=KADAI2["gpu_memory_cap_gb"],
        host_memory_fraction=KADAI2["host_memory_fraction"],
        tools=lambda wc: TOOLS["gpu"] if IMPLEMENTATIONS[wc.impl]["device"] == "cuda" else None,
    threads: workflow.cores  # timings run alone: no other job shares the CPU meanwhile
    resources:
        gpu=lambda wc: 1 if IMPLEMENTATIONS[wc.impl]["device"] == "cuda" else 0,
        runtime=lambda wc: int(KADAI2[wc.op]["total_budget_s"] / 60) + 5,
    log:
        "results/logs/kadai2/measure_{op}_{impl}.log",
    benchmark:
        "results/benchmarks/kadai2_measure/{op}/{impl}.tsv",
    conda:
        ENV
    script:
        "../scripts/kadai2_measure.py"


rule kadai2_explain:
    input:
        code=code("kadai2_explain"),
    output:
        "results/kadai2/explain/{experiment}.csv",
    wildcard_constraints:
        experiment="|".join(kadai2_plan.EXPLAIN),
    params:
        explain=lambda wc: kadai2_plan.explain_settings(KADAI2["explain"], wc.experiment),
    threads: workflow.cores  # timings run alone: no other job shares the CPU meanwhile
    log:
        "results/logs/kadai2/explain_{experiment}.log",
    benchmark:
        "results/benchmarks/kadai2_explain/{experiment}.tsv",
    conda:
        ENV
    script:
        "../scripts/kadai2_explain.py"
