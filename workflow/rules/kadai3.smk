# 課題3: the course CNN vs its Conv2d-free counterpart, families of both kinds, two loops.
from kadai.kadai3 import plan as kadai3_plan

KADAI3 = config["kadai3"]
KADAI3_RUNS = [f"results/kadai3/runs/{m}__s{s}.csv" for m in kadai3_plan.models(KADAI3) for s in KADAI3["seeds"]]
KADAI3_LOADER = [f"results/kadai3/loader/s{s}.csv" for s in KADAI3["seeds"]]
# a job that trains on the GPU asks for it (the `gpu` resource: --gpus on SLURM, ngpus on PBS);
# `auto` trains on the GPU exactly where the driver lists one (kadai.tools)
KADAI3_GPU = 1 if KADAI3["device"] == "cuda" or (KADAI3["device"] == "auto" and TOOLS["gpu"]) else 0
STAGES["kadai3"] = {
    "analyse": {"runs": KADAI3_RUNS, "loader": KADAI3_LOADER, "models": "results/kadai3/models.json",
                "timing": "results/kadai3/timing.csv", "profile": "results/kadai3/profile.csv"},
    "figures": kadai3_plan.FIGURES,
    "figure_inputs": {"runs": KADAI3_RUNS, "timing": "results/kadai3/timing.csv"},
    "context": {"models": "results/kadai3/models.json"},
    "settings": {"kadai3": KADAI3, "timing": config["timing"]},
    "sources": kadai3_plan.SOURCES,
}


rule kadai3_train:
    input:
        code=code("kadai3_train"),
    output:
        "results/kadai3/runs/{model}__s{seed}.csv",
    wildcard_constraints:
        seed=r"\d+",
    params:
        dataset=KADAI3["dataset"],
        data_dir=KADAI3["data_dir"],
        source_dir=KADAI3["source_dir"],
        download=KADAI3["download"],
        device=KADAI3["device"],
        tools=TOOLS["gpu"] if KADAI3["device"] != "cpu" else None,
        epochs=KADAI3["epochs"],
        batch_size=KADAI3["batch_size"],
        timed=lambda wc: kadai3_plan.timed(KADAI3, wc.model),
    # Timed runs run alone, on every core. The other models' runs give accuracies only (their time
    # comes from kadai3_timing), so two of them may share the machine, one thread each.
    threads: lambda wc: workflow.cores if kadai3_plan.timed(KADAI3, wc.model) else 1
    resources:
        gpu=KADAI3_GPU,
    log:
        "results/logs/kadai3/train_{model}__s{seed}.log",
    benchmark:
        "results/benchmarks/kadai3_train/{model}/{seed}.tsv",
    conda:
        ENV
    script:
        "../scripts/kadai3_train.py"


rule kadai3_loader:
    input:
        code=code("kadai3_loader"),
    output:
        "results/kadai3/loader/s{seed}.csv",
    params:
        dataset=KADAI3["dataset"],
        data_dir=KADAI3["data_dir"],
        source_dir=KADAI3["source_dir"],
        download=KADAI3["download"],
        device=KADAI3["device"],
        tools=TOOLS["gpu"] if KADAI3["device"] != "cpu" else None,
        loader_epochs=KADAI3["loader_epochs"],
        batch_size=KADAI3["batch_size"],
        baseline=KADAI3["baseline"],
    threads: workflow.cores  # timings run alone: no other job shares the CPU meanwhile
    resources:
        gpu=KADAI3_GPU,
    log:
        "results/logs/kadai3/loader_s{seed}.log",
    benchmark:
        "results/benchmarks/kadai3_loader/{seed}.tsv",
    conda:
        ENV
    script:
        "../scripts/kadai3_loader.py"


rule kadai3_summaries:
    input:
        code=code("kadai3_summaries"),
    output:
        "results/kadai3/models.json",
    params:
        models=kadai3_plan.models(KADAI3),
    log:
        "results/logs/kadai3/summaries.log",
    benchmark:
        "results/benchmarks/kadai3_summaries.tsv",
    conda:
        ENV
    script:
        "../scripts/kadai3_summaries.py"


rule kadai3_timing:
    input:
        code=code("kadai3_timing"),
    output:
        "results/kadai3/timing.csv",
    params:
        models=kadai3_plan.models(KADAI3),
        dataset=KADAI3["dataset"],
        data_dir=KADAI3["data_dir"],
        source_dir=KADAI3["source_dir"],
        download=KADAI3["download"],
        device=KADAI3["device"],
        tools=TOOLS["gpu"] if KADAI3["device"] != "cpu" else None,
        batch_size=KADAI3["batch_size"],
        baseline=KADAI3["baseline"],
        timing_rounds=KADAI3["timing_rounds"],
        timing_steps=KADAI3["timing_steps"],
        outlier_factor=config["timing"]["outlier_factor"],
    threads: workflow.cores  # timings run alone: no other job shares the CPU meanwhile
    resources:
        gpu=KADAI3_GPU,
    log:
        "results/logs/kadai3/timing.log",
    benchmark:
        "results/benchmarks/kadai3_timing.tsv",
    conda:
        ENV
    script:
        "../scripts/kadai3_timing.py"


rule kadai3_profile:
    input:
        code=code("kadai3_profile"),
    output:
        "results/kadai3/profile.csv",
    params:
        models=kadai3_plan.models(KADAI3),
        dataset=KADAI3["dataset"],
        data_dir=KADAI3["data_dir"],
        source_dir=KADAI3["source_dir"],
        download=KADAI3["download"],
        batch_size=KADAI3["batch_size"],
        timing_rounds=KADAI3["timing_rounds"],
        profile_steps=KADAI3["profile_steps"],
    threads: workflow.cores  # profiled alone, as the timing: no other job shares the CPU meanwhile
    log:
        "results/logs/kadai3/profile.log",
    benchmark:
        "results/benchmarks/kadai3_profile.tsv",
    conda:
        ENV
    script:
        "../scripts/kadai3_profile.py"
