# 課題2: matrix product and 3×3 convolution in every library the assignment names.

KADAI2 = config["kadai2"]
KADAI2_SERIES = [(op, impl) for op in ("matmul", "conv") for impl in KADAI2["implementations"]]
KADAI2_RAW = [f"results/kadai2/raw/{op}_{impl}.csv" for op, impl in KADAI2_SERIES]
KADAI2_SETTINGS = {k: v for k, v in KADAI2.items() if k != "implementations"}
FIGURES["kadai2"] = ["results/kadai2/fig"]  # a folder: the GPU figure exists only with a GPU
SOURCES["kadai2"] = ["workflow/kadai/backends.py", "workflow/submission/kadai1.py"]


rule kadai2_measure:
    input:
        code=src_measure(),
    output:
        "results/kadai2/raw/{op}_{impl}.csv",
    wildcard_constraints:
        op="matmul|conv",
    params:
        code=lambda wc: kadai2_series_digest(wc.op, wc.impl),
        # only this operation's sweep, so editing the other one does not rerun this series
        settings=lambda wc: {k: v for k, v in KADAI2_SETTINGS.items() if k in (wc.op, "dtype", "padding", "gpu_memory_cap_gb", "host_memory_fraction")},
    threads: workflow.cores  # timings run alone: no other job shares the CPU meanwhile
    resources:
        gpu=lambda wc: 1 if "cuda" in wc.impl or "cupy" in wc.impl else 0,
        runtime=lambda wc: int(KADAI2[wc.op]["total_budget_s"] / 60) + 5,
    log:
        "results/logs/kadai2/measure_{op}_{impl}.log",
    conda:
        ENV
    script:
        "../scripts/kadai2.py"


rule kadai2_fit:
    input:
        raw=KADAI2_RAW,
        code=src("kadai2", "fit", "measure"),
    output:
        "results/kadai2/fits.json",
    params:
        fit=config["fit"],
    log:
        "results/logs/kadai2/fit.log",
    conda:
        ENV
    script:
        "../scripts/kadai2.py"


rule kadai2_figures:
    input:
        raw=KADAI2_RAW,
        fits="results/kadai2/fits.json",
        code=src("kadai2", "figures"),
    output:
        directory("results/kadai2/fig"),
    params:
        padding=KADAI2["padding"],
    log:
        "results/logs/kadai2/figures.log",
    conda:
        ENV
    script:
        "../scripts/kadai2.py"


rule kadai2_context:
    input:
        raw=KADAI2_RAW,
        fits="results/kadai2/fits.json",
        code=src("kadai2", "backends", "measure"),
    output:
        "results/kadai2/context.json",
    params:
        settings=KADAI2_SETTINGS,
        fit=config["fit"],
    log:
        "results/logs/kadai2/context.log",
    conda:
        ENV
    script:
        "../scripts/kadai2.py"
