/* 任意課題1: what one core can really do, measured instead of taken from a data sheet.
 *
 * Algorithm (the Python side, kadai.nini1.peak, times each call with a wall clock):
 *   1. clock: a chain of ADD_CHAIN dependent register-register integer additions per loop
 *      iteration, written in inline assembly (loop included) so that no optimisation level can
 *      remove, merge or shorten it; each addition waits for the previous one (latency 1 cycle),
 *      so the chain takes one cycle per addition and cycles / seconds is the core's clock.
 *   2. FMA throughput: FMA_ACC_256 (AVX2) or FMA_ACC_512 (AVX-512) independent accumulators,
 *      acc = acc·x + y, enough to cover FMA latency × number of FMA units; the horizontal sum of
 *      the accumulators goes to a volatile variable so the loop is observable.
 *   3. each function returns the work it did (cycles of the chain, or double-precision FLOPs:
 *      2 per lane per FMA); a function that cannot run here returns -1.
 *   4. peak_has_avx2 / peak_has_avx512 tell the caller which FMA function this CPU (and OS) can
 *      execute: calling an unsupported one would end the process with SIGILL.
 * Everything x86-specific is compiled only on x86, so the file builds on any architecture.
 */
#if defined(__x86_64__) || defined(__i386__)
#define PEAK_X86 1
#include <immintrin.h>
#endif

#define ADD_CHAIN 32
#define FMA_ACC_256 12
#define FMA_ACC_512 24

static volatile double peak_sink;

#define ADD1 "add %2, %0\n\t"
#define ADD8 ADD1 ADD1 ADD1 ADD1 ADD1 ADD1 ADD1 ADD1
#define ADD32 ADD8 ADD8 ADD8 ADD8

/* Step 1: cycles spent = ADD_CHAIN × iters (register-register adds: no CPU folds them at rename). */
double peak_add_chain(long iters) {
#ifdef PEAK_X86
    if (iters <= 0) return 0.0;
    unsigned long x = 0, one = 1;
    long n = iters;
    __asm__ volatile("1:\n\t" ADD32 "dec %1\n\t"
                     "jnz 1b\n\t"
                     : "+r"(x), "+r"(n)
                     : "r"(one)
                     : "cc");
    peak_sink = (double)x;
    return (double)iters * ADD_CHAIN;
#else
    (void)iters;
    return -1.0;
#endif
}

int peak_has_avx2(void) {
#ifdef PEAK_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

int peak_has_avx512(void) {
#ifdef PEAK_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

/* Twelve and twenty-four independent accumulators, written out so they live in registers. */
#define REP12(m) m(0) m(1) m(2) m(3) m(4) m(5) m(6) m(7) m(8) m(9) m(10) m(11)
#define REP24(m) REP12(m) m(12) m(13) m(14) m(15) m(16) m(17) m(18) m(19) m(20) m(21) m(22) m(23)

#ifdef PEAK_X86
/* Step 2, 256-bit: FLOPs = iters × FMA_ACC_256 × 4 lanes × 2. */
__attribute__((target("avx2,fma"))) double peak_fma_avx2(long iters) {
    const __m256d x = _mm256_set1_pd(0.999999), y = _mm256_set1_pd(1e-6);
#define DECL256(i) __m256d c##i = _mm256_set1_pd(1.0 + (i) * 1e-3);
#define FMA256(i) c##i = _mm256_fmadd_pd(c##i, x, y);
#define SUM256(i) s = _mm256_add_pd(s, c##i);
    REP12(DECL256)
    for (long it = 0; it < iters; it++) {
        REP12(FMA256)
    }
    __m256d s = _mm256_setzero_pd();
    REP12(SUM256)
    double lanes[4];
    _mm256_storeu_pd(lanes, s);
    peak_sink = lanes[0] + lanes[1] + lanes[2] + lanes[3];
    return iters > 0 ? (double)iters * FMA_ACC_256 * 4 * 2 : 0.0;
}

/* Step 2, 512-bit: FLOPs = iters × FMA_ACC_512 × 8 lanes × 2. */
__attribute__((target("avx512f"))) double peak_fma_avx512(long iters) {
    const __m512d x = _mm512_set1_pd(0.999999), y = _mm512_set1_pd(1e-6);
#define DECL512(i) __m512d c##i = _mm512_set1_pd(1.0 + (i) * 1e-3);
#define FMA512(i) c##i = _mm512_fmadd_pd(c##i, x, y);
#define SUM512(i) s = _mm512_add_pd(s, c##i);
    REP24(DECL512)
    for (long it = 0; it < iters; it++) {
        REP24(FMA512)
    }
    __m512d s = _mm512_setzero_pd();
    REP24(SUM512)
    double lanes[8];
    _mm512_storeu_pd(lanes, s);
    double t = 0.0;
    for (int i = 0; i < 8; i++) t += lanes[i];
    peak_sink = t;
    return iters > 0 ? (double)iters * FMA_ACC_512 * 8 * 2 : 0.0;
}
#else
double peak_fma_avx2(long iters) { (void)iters; return -1.0; }
double peak_fma_avx512(long iters) { (void)iters; return -1.0; }
#endif
