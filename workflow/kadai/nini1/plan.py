"""What the 任意課題1 report is made of (read by the Snakefile; no measurement code imports it).

=========  ==========================================================  =====================
name       hypothesis                                                  experiment
=========  ==========================================================  =====================
order      the i-j-k loop reads B down a column and misses the cache   ijk vs ikj, cachegrind
cache      a working set larger than a cache level slows the loop      GFLOPS vs N, blocked
simd       one scalar FMA per instruction wastes the vector units      vectorised vs not, FMA count
width      a 512-bit micro-kernel beats the 256-bit one (AVX-512)      O3 (widest) vs avx2 build
opt        without optimisation the compiler keeps values in memory    -O0 vs -O2 vs -O3
threads    NumPy uses every core                                       1…all threads, C and NumPy
alias      at a power-of-two N, i-j-k's walk down B's column maps onto   i-j-k at N − 1, N, N + 1
           a few cache sets (the ladder's N is slower than both
           neighbours; capacity cannot tell N ± 1 apart)
=========  ==========================================================  =====================
"""

# build variant → gcc flags (besides -shared -fPIC); the report prints them as they are
BUILDS = {
    "O3": ["-O3", "-march=native", "-fopenmp"],
    "O3novec": ["-O3", "-march=native", "-fno-tree-vectorize", "-fno-tree-slp-vectorize", "-fopenmp"],
    "O2": ["-O2", "-march=native", "-fopenmp"],
    "O0": ["-O0", "-march=native", "-fopenmp"],
    "avx2": ["-O3", "-march=native", "-mno-avx512f", "-fopenmp"],
    "portable": ["-O3", "-mno-avx2", "-mno-fma", "-fopenmp"],
}
# experiment → the builds it loads (ladder: a size sweep; the others: contenders timed alternately at one N)
EXPERIMENTS = {
    "ladder": ("O3",),
    "order": ("O3",),
    "simd": ("O3", "avx2", "O3novec", "portable"),
    "opt": ("O0", "O2", "O3"),
    "threads": ("O3",),
    "bench": ("O3",),
    "bench_ladder": ("O3",),  # the same comparison at the ladder's N: where C and NumPy differ with the size
    "alias": ("O3",),  # i-j-k at the ladder's N and its two neighbours, alternately
}
ALTERNATED = tuple(e for e in EXPERIMENTS if e != "ladder")  # contenders timed round by round
C_VS_NUMPY = ("bench", "bench_ladder")  # the C-vs-NumPy pairs, at bench_n and at ladder_n
CACHEGRIND_KERNELS = ("ijk", "ikj", "blocked", "packed")
# the build whose flags compile the driver that cachegrind runs: valgrind (3.19) cannot execute
# AVX-512 instructions (the O3 build's, on a CPU that has them: SIGILL), so the 256-bit build
CACHEGRIND_BUILD = "avx2"
FIGURES = ("ladder", "gflops_n", "threads", "gap")
SOURCES = ("workflow/kadai/native/matmul.c",)
