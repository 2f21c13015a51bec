# 任意課題1: why plain C is slower than NumPy. Build variants, experiments, cache simulation.
from kadai.nini1 import plan as nini1_plan

NINI1 = config["nini1"]
NINI1_RAW = expand("results/nini1/raw/{e}.csv", e=nini1_plan.EXPERIMENTS)
NINI1_BUILD_INFO = expand("results/nini1/build/libmm_{b}.json", b=nini1_plan.BUILDS)
STAGES["nini1"] = {
    "analyse": {"raw": NINI1_RAW, "builds": NINI1_BUILD_INFO, "cache": "results/nini1/cachegrind.json",
                "peak": "results/nini1/peak.json", "gpu": "results/nini1/gpu.json", "sysinfo": "results/sysinfo.json",
                # the built libraries, disassembled by the analysis (kadai.nini1.isa): which SIMD instructions each uses
                "libs": expand("results/nini1/build/libmm_{b}.so", b=nini1_plan.BUILDS)},
    "figures": nini1_plan.FIGURES,
    "figure_inputs": {"raw": NINI1_RAW},
    "context": {},
    "settings": {"nini1": NINI1, "timing": config["timing"]},
    "sources": nini1_plan.SOURCES,
}


rule nini1_build:
    input:
        code=code("nini1_build"),
    output:
        lib="results/nini1/build/libmm_{build}.so",
        info="results/nini1/build/libmm_{build}.json",
    wildcard_constraints:
        build="|".join(nini1_plan.BUILDS),
    params:
        flags=lambda wc: nini1_plan.BUILDS[wc.build],
        tools={k: TOOLS[k] for k in ("cc", "objdump")},
    log:
        "results/logs/nini1/build_{build}.log",
    benchmark:
        "results/benchmarks/nini1_build/{build}.tsv",
    conda:
        ENV
    script:
        "../scripts/nini1_build.py"


rule nini1_driver:
    input:
        code=code("nini1_driver"),
    output:
        "results/nini1/build/driver",
    params:
        flags=nini1_plan.BUILDS[nini1_plan.CACHEGRIND_BUILD],  # valgrind cannot run AVX-512 code
        tools=TOOLS["cc"],
    log:
        "results/logs/nini1/driver.log",
    benchmark:
        "results/benchmarks/nini1_driver.tsv",
    conda:
        ENV
    script:
        "../scripts/nini1_driver.py"


rule nini1_measure:
    input:
        unpack(lambda wc: {b: f"results/nini1/build/libmm_{b}.so" for b in nini1_plan.EXPERIMENTS[wc.experiment]}),
        code=code("nini1_measure"),
    output:
        "results/nini1/raw/{experiment}.csv",
    wildcard_constraints:
        experiment="|".join(nini1_plan.EXPERIMENTS),
    params:
        nini1={k: v for k, v in NINI1.items() if k != "gpu"},  # the GPU part has a rule of its own
        timing=config["timing"],
    threads: workflow.cores  # timings run alone: no other job shares the CPU meanwhile
    log:
        "results/logs/nini1/measure_{experiment}.log",
    benchmark:
        "results/benchmarks/nini1_measure/{experiment}.tsv",
    conda:
        ENV
    script:
        "../scripts/nini1_measure.py"


rule nini1_cachegrind:
    input:
        driver="results/nini1/build/driver",
        code=code("nini1_cachegrind"),
    output:
        "results/nini1/cachegrind.json",
    params:
        kernels=nini1_plan.CACHEGRIND_KERNELS,
        n=NINI1["cachegrind_n"],
        build=nini1_plan.CACHEGRIND_BUILD,
        flags=nini1_plan.BUILDS[nini1_plan.CACHEGRIND_BUILD],
        tools=TOOLS["valgrind"],
    log:
        "results/logs/nini1/cachegrind.log",
    benchmark:
        "results/benchmarks/nini1_cachegrind.tsv",
    conda:
        ENV
    script:
        "../scripts/nini1_cachegrind.py"


rule nini1_peak:
    input:
        matmul="results/nini1/build/libmm_O3.so",
        code=code("nini1_peak"),
    output:
        peak="results/nini1/peak.json",
        lib="results/nini1/build/libpeak.so",
    params:
        tools=TOOLS["cc"],
        n=NINI1["bench_n"],  # the whole product (C and NumPy) is timed in the peak's rounds
    threads: workflow.cores  # timings run alone: no other job shares the CPU meanwhile
    log:
        "results/logs/nini1/peak.log",
    benchmark:
        "results/benchmarks/nini1_peak.tsv",
    conda:
        ENV
    script:
        "../scripts/nini1_peak.py"


rule nini1_gpu:
    input:
        code=code("nini1_gpu"),
    output:
        "results/nini1/gpu.json",
    params:
        gpu=NINI1["gpu"],
        tools=TOOLS["gpu"],
    resources:
        gpu=1 if TOOLS["gpu"] else 0,
    log:
        "results/logs/nini1/gpu.log",
    benchmark:
        "results/benchmarks/nini1_gpu.tsv",
    conda:
        ENV
    script:
        "../scripts/nini1_gpu.py"
