# 任意課題1: why plain C is slower than NumPy. Build variants, experiments, cache simulation.

NINI1 = config["nini1"]
NINI1_BUILDS = ["O3", "O3novec", "O2", "O0", "portable"]
NINI1_EXPERIMENTS = ["ladder", "simd", "opt", "threads", "bench"]
NINI1_LIBS = {b: f"results/nini1/build/libmm_{b}.so" for b in NINI1_BUILDS}
FIGURES["nini1"] = [
    "results/nini1/fig/ladder.svg",
    "results/nini1/fig/gflops_n.svg",
    "results/nini1/fig/threads.svg",
]
SOURCES["nini1"] = ["workflow/kadai/native/matmul.c"]


rule nini1_build:
    input:
        source="workflow/kadai/native/matmul.c",
        code=src("nini1"),
    output:
        lib="results/nini1/build/libmm_{build}.so",
        info="results/nini1/build/libmm_{build}.json",
    wildcard_constraints:
        build="|".join(NINI1_BUILDS),
    log:
        "results/logs/nini1/build_{build}.log",
    conda:
        ENV
    script:
        "../scripts/nini1.py"


rule nini1_driver:
    input:
        source="workflow/kadai/native/matmul.c",
        driver="workflow/kadai/native/driver.c",
    output:
        "results/nini1/build/driver",
    log:
        "results/logs/nini1/driver.log",
    conda:
        ENV
    script:
        "../scripts/nini1.py"


rule nini1_measure:
    input:
        libs=NINI1_LIBS.values(),
        code=src_measure(),
    output:
        "results/nini1/raw/{experiment}.csv",
    wildcard_constraints:
        experiment="|".join(NINI1_EXPERIMENTS),
    params:
        cfg=NINI1,
        libs=NINI1_LIBS,
        code=lambda wc: measure_digest(
            "workflow/kadai/nini1.py", ("workflow/kadai/kadai2.py", "_reference_and_check")
        ),
    threads: workflow.cores  # timings run alone: no other job shares the CPU meanwhile
    log:
        "results/logs/nini1/measure_{experiment}.log",
    conda:
        ENV
    script:
        "../scripts/nini1.py"


rule nini1_cachegrind:
    input:
        driver="results/nini1/build/driver",
    output:
        "results/nini1/cachegrind.json",
    params:
        cfg=NINI1,
    log:
        "results/logs/nini1/cachegrind.log",
    conda:
        ENV
    script:
        "../scripts/nini1.py"


rule nini1_figures:
    input:
        raw=expand("results/nini1/raw/{e}.csv", e=NINI1_EXPERIMENTS),
        sysinfo="results/sysinfo.json",
        code=src("nini1", "figures"),
    output:
        FIGURES["nini1"],
    params:
        ladder_n=NINI1["ladder_n"],
    log:
        "results/logs/nini1/figures.log",
    conda:
        ENV
    script:
        "../scripts/nini1.py"


rule nini1_context:
    input:
        raw=expand("results/nini1/raw/{e}.csv", e=NINI1_EXPERIMENTS),
        builds=expand("results/nini1/build/libmm_{b}.json", b=NINI1_BUILDS),
        cache="results/nini1/cachegrind.json",
        sysinfo="results/sysinfo.json",
        code=src("nini1"),
    output:
        "results/nini1/context.json",
    params:
        cfg=NINI1,
    log:
        "results/logs/nini1/context.log",
    conda:
        ENV
    script:
        "../scripts/nini1.py"
