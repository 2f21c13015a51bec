# 課題3: the course CNN vs its Conv2d-free counterpart, families of both kinds, two loops.

KADAI3 = config["kadai3"]
KADAI3_MODELS = list(
    dict.fromkeys([KADAI3["baseline"], KADAI3["no_conv"], *KADAI3["fc_family"], *KADAI3["cnn_family"]])
)
KADAI3_RUNS = [f"results/kadai3/runs/{m}__s{s}.csv" for m in KADAI3_MODELS for s in KADAI3["seeds"]]
KADAI3_LOADER = [f"results/kadai3/loader/s{s}.csv" for s in KADAI3["seeds"]]
# what one training run depends on (so adding a seed or a family member only adds runs)
KADAI3_RUN_KEYS = ("dataset", "data_dir", "source_dir", "download", "device", "epochs", "batch_size")
KADAI3_TRAIN = {k: KADAI3.get(k) for k in KADAI3_RUN_KEYS}
KADAI3_LOOP = {**KADAI3_TRAIN, "baseline": KADAI3["baseline"], "loader_epochs": KADAI3["loader_epochs"]}
FIGURES["kadai3"] = [
    "results/kadai3/fig/course.svg",
    "results/kadai3/fig/family_acc.svg",
    "results/kadai3/fig/family_time.svg",
    "results/kadai3/fig/loader.svg",
]
SOURCES["kadai3"] = ["workflow/kadai/train.py"]


rule kadai3_train:
    input:
        code=src_measure("train"),
    output:
        "results/kadai3/runs/{model}__s{seed}.csv",
    wildcard_constraints:
        seed=r"\d+",
    params:
        cfg=KADAI3_TRAIN,
        code=lambda wc: measure_digest("workflow/kadai/kadai3.py", ("workflow/kadai/kadai3.py", "run_training")),
    threads: workflow.cores  # timings run alone: no other job shares the CPU meanwhile
    resources:
        gpu=1 if KADAI3.get("device") == "cuda" else 0,
    log:
        "results/logs/kadai3/train_{model}__s{seed}.log",
    conda:
        ENV
    script:
        "../scripts/kadai3.py"


rule kadai3_loader:
    input:
        code=src_measure("train"),
    output:
        "results/kadai3/loader/s{seed}.csv",
    params:
        cfg=KADAI3_LOOP,
        code=lambda wc: measure_digest("workflow/kadai/kadai3.py", ("workflow/kadai/kadai3.py", "run_loader")),
    threads: workflow.cores  # timings run alone: no other job shares the CPU meanwhile
    log:
        "results/logs/kadai3/loader_s{seed}.log",
    conda:
        ENV
    script:
        "../scripts/kadai3.py"


rule kadai3_summaries:
    input:
        code=src("train"),
    output:
        "results/kadai3/models.json",
    params:
        models=KADAI3_MODELS,
    log:
        "results/logs/kadai3/summaries.log",
    conda:
        ENV
    script:
        "../scripts/kadai3.py"


rule kadai3_figures:
    input:
        runs=KADAI3_RUNS,
        loader=KADAI3_LOADER,
        models="results/kadai3/models.json",
        code=src("kadai3", "figures"),
    output:
        FIGURES["kadai3"],
    params:
        cfg=KADAI3,
    log:
        "results/logs/kadai3/figures.log",
    conda:
        ENV
    script:
        "../scripts/kadai3.py"


rule kadai3_context:
    input:
        runs=KADAI3_RUNS,
        loader=KADAI3_LOADER,
        models="results/kadai3/models.json",
        code=src("kadai3", "train"),
    output:
        "results/kadai3/context.json",
    params:
        cfg=KADAI3,
    log:
        "results/logs/kadai3/context.log",
    conda:
        ENV
    script:
        "../scripts/kadai3.py"
