# 課題4: one parameter at a time around a baseline, on a font-digit dataset made here.
from kadai.kadai4 import plan as kadai4_plan

KADAI4 = config["kadai4"]
KADAI4_RUNS = [f"results/kadai4/runs/{s}.csv" for s in kadai4_plan.settings(KADAI4)]
KADAI4_DATA = "results/kadai4/data/dataset.npz"
# what a training job needs besides the dataset (kadai4_train, kadai4_explain, kadai4_timing)
KADAI4_TRAIN = {"baseline": KADAI4["baseline"], "csv": KADAI4["csv"],
                "csv_label": KADAI4["csv_label"], "csv_test_fraction": KADAI4["csv_test_fraction"],
                "split_seed": KADAI4["dataset"]["seed"]}
KADAI4_TIMING = [f"results/kadai4/timing/{p}.csv" for p in KADAI4["study"]]
STAGES["kadai4"] = {
    "analyse": {"runs": KADAI4_RUNS, "timing": KADAI4_TIMING, "explain": kadai4_plan.explain(KADAI4)},
    "figures": kadai4_plan.figures(KADAI4["study"]),
    "figure_inputs": {"data": KADAI4_DATA},
    "context": {"card": "results/kadai4/data/dataset.json"},
    "settings": {"kadai4": KADAI4, "timing": config["timing"]},
    "sources": kadai4_plan.SOURCES,
}


rule kadai4_dataset:
    input:
        code=code("kadai4_dataset"),
    output:
        npz=KADAI4_DATA,
        card="results/kadai4/data/dataset.json",
    params:
        dataset=KADAI4["dataset"],
    log:
        "results/logs/kadai4/dataset.log",
    benchmark:
        "results/benchmarks/kadai4_dataset.tsv",
    conda:
        ENV
    script:
        "../scripts/kadai4_dataset.py"


rule kadai4_train:
    input:
        data=KADAI4_DATA,
        code=code("kadai4_train"),
    output:
        "results/kadai4/runs/{param}={value}.csv",
    params:
        **KADAI4_TRAIN,
        seeds=KADAI4["seeds"],
    threads: 1  # accuracies only (the time of every setting comes from kadai4_timing): two may run at once
    log:
        "results/logs/kadai4/train_{param}={value}.log",
    benchmark:
        "results/benchmarks/kadai4_train/{param}/{value}.tsv",
    conda:
        ENV
    script:
        "../scripts/kadai4_train.py"


rule kadai4_explain:
    input:
        data=KADAI4_DATA,
        code=code("kadai4_explain"),
    output:
        "results/kadai4/explain/activation.csv",
    params:
        **KADAI4_TRAIN,
        explain_seeds=KADAI4["explain_seeds"],
    threads: 1  # accuracies only, like kadai4_train
    log:
        "results/logs/kadai4/explain_activation.log",
    benchmark:
        "results/benchmarks/kadai4_explain.tsv",
    conda:
        ENV
    script:
        "../scripts/kadai4_explain.py"


rule kadai4_timing:
    input:
        data=KADAI4_DATA,
        code=code("kadai4_timing"),
    output:
        "results/kadai4/timing/{param}.csv",
    params:
        **KADAI4_TRAIN,
        seeds=KADAI4["seeds"][:1],  # every round trains from the first seed: more seeds do not retime
        values=lambda wc: KADAI4["study"][wc.param],
        timing_rounds=KADAI4["timing_rounds"],
        outlier_factor=config["timing"]["outlier_factor"],
    threads: workflow.cores  # timings run alone: no other job shares the CPU meanwhile
    log:
        "results/logs/kadai4/timing_{param}.log",
    benchmark:
        "results/benchmarks/kadai4_timing/{param}.tsv",
    conda:
        ENV
    script:
        "../scripts/kadai4_timing.py"
