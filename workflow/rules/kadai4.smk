# 課題4: one parameter at a time around a baseline, on a font-digit dataset made here.

KADAI4 = config["kadai4"]
# one job per setting that differs from the baseline; the epochs study is one long run whose
# per-epoch records give every epoch count; settings equal to the baseline reuse its runs
KADAI4_SETTINGS = ["baseline=base"] + [
    f"{p}={v}"
    for p, values in KADAI4["study"].items()
    if p != "epochs"
    for v in values
    if str(v) != str(KADAI4["baseline"][p])
]
if "epochs" in KADAI4["study"]:
    KADAI4_SETTINGS.append(f"epochs={max(KADAI4['study']['epochs'])}")
KADAI4_RUNS = [f"results/kadai4/runs/{s}.csv" for s in KADAI4_SETTINGS]
KADAI4_DATA = "results/kadai4/data/dataset.npz"
FIGURES["kadai4"] = [f"results/kadai4/fig/param_{p}.svg" for p in KADAI4["study"]] + [
    "results/kadai4/fig/effects.svg",
    "results/kadai4/fig/samples.svg",
]
SOURCES["kadai4"] = ["workflow/kadai/train.py", "workflow/kadai/kadai4.py"]


rule kadai4_dataset:
    input:
        code=src(),
    output:
        npz=KADAI4_DATA,
        card="results/kadai4/data/dataset.json",
    params:
        cfg=KADAI4["dataset"],
        # the generator's own functions, so editing the analysis code does not remake the data
        code=lambda wc: digest(
            *[("workflow/kadai/kadai4.py", f) for f in ("font_files", "font_name", "render_digit", "generate")]
        ),
    log:
        "results/logs/kadai4/dataset.log",
    conda:
        ENV
    script:
        "../scripts/kadai4.py"


rule kadai4_train:
    input:
        data=KADAI4_DATA,
        code=src_measure("train"),
    output:
        "results/kadai4/runs/{param}={value}.csv",
    params:
        cfg={k: v for k, v in KADAI4.items() if k != "study"},
        code=lambda wc: measure_digest("workflow/kadai/kadai4.py", ("workflow/kadai/kadai4.py", "spec_of")),
    threads: workflow.cores  # timings run alone: no other job shares the CPU meanwhile
    log:
        "results/logs/kadai4/train_{param}={value}.log",
    conda:
        ENV
    script:
        "../scripts/kadai4.py"


rule kadai4_figures:
    input:
        runs=KADAI4_RUNS,
        data=KADAI4_DATA,
        code=src("kadai4", "figures"),
    output:
        FIGURES["kadai4"],
    params:
        cfg=KADAI4,
    log:
        "results/logs/kadai4/figures.log",
    conda:
        ENV
    script:
        "../scripts/kadai4.py"


rule kadai4_context:
    input:
        runs=KADAI4_RUNS,
        card="results/kadai4/data/dataset.json",
        code=src("kadai4"),
    output:
        "results/kadai4/context.json",
    params:
        cfg=KADAI4,
    log:
        "results/logs/kadai4/context.log",
    conda:
        ENV
    script:
        "../scripts/kadai4.py"
