/* 任意課題1: a ladder of C matrix products, C = A·B, row-major, double precision.
 *
 * Each step is one small function and one hypothesis about why "just C" is slower than NumPy:
 *   mm_ijk      the textbook i-j-k loop: the inner loop walks B down a column (stride N)
 *   mm_ikj      loop order i-k-j: every inner loop reads B and C along a row (stride 1)
 *   mm_blocked  i-k-j on tiles that fit the cache, so each tile is reused many times
 *   mm_packed   BLIS-style: copy ("pack") tiles of A and B into contiguous panels and run a
 *               register-blocked micro-kernel for the widest SIMD the compiler targets, chosen at
 *               build time: AVX-512 (12×16 block, 24 of the 32 zmm registers accumulate),
 *               AVX2+FMA (6×8, 12 of the 16 ymm registers), else portable C
 *   mm_packed_omp  the same with the column panels shared among OpenMP threads
 * All functions take (n, A, B, C) with n×n arrays and overwrite C.
 */
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__AVX512F__)
#include <immintrin.h>
#define MM_SIMD "avx512f"
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define MM_SIMD "avx2+fma"
#else
#define MM_SIMD "portable"
#endif

const char *mm_simd(void) { return MM_SIMD; }

int mm_max_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

void mm_set_threads(int t) {
#ifdef _OPENMP
    omp_set_num_threads(t);
#else
    (void)t;
#endif
}

/* ---- step 1: textbook triple loop */
void mm_ijk(int n, const double *A, const double *B, double *C) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0.0;
            for (int k = 0; k < n; k++)
                s += A[(size_t)i * n + k] * B[(size_t)k * n + j];
            C[(size_t)i * n + j] = s;
        }
}

/* ---- step 2: access order */
void mm_ikj(int n, const double *A, const double *B, double *C) {
    memset(C, 0, sizeof(double) * (size_t)n * n);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++) {
            const double a = A[(size_t)i * n + k];
            const double *b = B + (size_t)k * n;
            double *c = C + (size_t)i * n;
            for (int j = 0; j < n; j++)
                c[j] += a * b[j];
        }
}

/* ---- step 3: cache blocking (tiles of BI×BK of A and BK×BJ of B) */
#define BI 64
#define BK 128
#define BJ 512
void mm_blocked(int n, const double *A, const double *B, double *C) {
    memset(C, 0, sizeof(double) * (size_t)n * n);
    for (int jj = 0; jj < n; jj += BJ) {
        const int je = jj + BJ < n ? jj + BJ : n;
        for (int kk = 0; kk < n; kk += BK) {
            const int ke = kk + BK < n ? kk + BK : n;
            for (int ii = 0; ii < n; ii += BI) {
                const int ie = ii + BI < n ? ii + BI : n;
                for (int i = ii; i < ie; i++)
                    for (int k = kk; k < ke; k++) {
                        const double a = A[(size_t)i * n + k];
                        const double *b = B + (size_t)k * n;
                        double *c = C + (size_t)i * n;
                        for (int j = jj; j < je; j++)
                            c[j] += a * b[j];
                    }
            }
        }
    }
}

/* ---- step 4: packed panels + register-blocked micro-kernel */
#if defined(__AVX512F__)
#define MR 12   /* 12 rows of A broadcast … */
#define NR 16   /* … against 2 zmm of B: 24 accumulators, 2 B registers, 1 broadcast */
/* Tuned on a 2-core Xeon (Sapphire Rapids: 48 KiB L1d, 2 MiB L2), N = 2048, 7 interleaved rounds,
 * median GFLOPS: MC=48, KC=512 65.7; 72/512 65.0; 48/256 64.6; 48/384 64.1; 24/512 63.0; 96/256 60.5. */
#ifndef MC
#define MC 48   /* MC×KC block of A (192 KiB) stays in L2; multiple of MR */
#endif
#ifndef KC
#define KC 512  /* KC×NR sliver of B (64 KiB) streams through L1 */
#endif
#ifndef NC
#define NC 4080 /* KC×NC panel of B (8 MiB) stays in L3; multiple of NR */
#endif
#else
#define MR 6
#define NR 8
/* Block sizes (override with -DMC=… -DKC=…). Tuned on an AMD EPYC (32 KiB L1d, 512 KiB L2 per
 * core): MC=24, KC=512 beat MC=96, KC=256 by 20 % at N=2048 in a scan of 15 pairs. */
#ifndef MC
#define MC 24   /* MC×KC block of A (96 KiB) stays in L2; multiple of MR */
#endif
#ifndef KC
#define KC 512  /* KC×NR sliver of B (32 KiB) streams through L1 */
#endif
#ifndef NC
#define NC 4080 /* KC×NC panel of B (8 MiB) stays in L3; multiple of NR */
#endif
#endif

/* Software prefetch (SIMD paths): the C tile is requested when the kernel starts, so its rows arrive
 * while the k loop runs, and every k step asks for the A and B elements PF_AHEAD steps ahead.
 * Measured on a 2-core Xeon (AVX-512, 12×16, N = 2048, interleaved with NumPy's SkylakeX kernel,
 * medians of 11–15 pairs in four runs): C/NumPy 0.81–0.85 without, 0.87–0.90 with one line of A and
 * one of B per step; 4 or 16 steps ahead instead of 8 made no difference larger than the spread, nor
 * did prefetching in the AVX2 6×8 kernel (0.460 without, 0.469 with). A 12×16 step reads 1.5 lines
 * of A and 2 of B, so one request each left half of B to the hardware: asking for 2 lines of each,
 * B packed row by row and the first k block stored instead of added to a zeroed C took it from
 * 0.857 to 0.947 (17 interleaved pairs; 0.861 → 0.946 in another run of 17). */
#ifndef PF_AHEAD
#define PF_AHEAD 8
#endif
#define PREFETCH(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)

/* Software prefetch distance of the micro-kernel in k steps (0: the portable loop does not prefetch) */
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#define PF_STEPS PF_AHEAD
#else
#define PF_STEPS 0
#endif

/* The blocking of this build: 0 MR, 1 NR, 2 MC, 3 KC, 4 NC, 5 prefetch distance (-1 for another index). */
int mm_tile(int which) {
    const int tile[] = {MR, NR, MC, KC, NC, PF_STEPS};
    return which >= 0 && which < 6 ? tile[which] : -1;
}

/* Copy A[0:mc, 0:kc] (leading dimension lda) into slivers of MR rows, k-major, zero-padded. */
static void pack_a(int mc, int kc, const double *A, int lda, double *Ap) {
    for (int i0 = 0; i0 < mc; i0 += MR) {
        const int mr = mc - i0 < MR ? mc - i0 : MR;
        for (int k = 0; k < kc; k++) {
            for (int i = 0; i < mr; i++) *Ap++ = A[(size_t)(i0 + i) * lda + k];
            for (int i = mr; i < MR; i++) *Ap++ = 0.0;
        }
    }
}

/* Copy B[0:kc, 0:nc] into slivers of NR columns, k-major, zero-padded. Row by row of B, so that
 * each row is read once and contiguously (sliver by sliver, every 128-byte piece came from another
 * row 16 KiB away: 2.5 times slower at N = 2048, 4 % of the product). */
static void pack_b(int kc, int nc, const double *B, int ldb, double *Bp) {
    const int full = nc / NR * NR;  /* columns in whole slivers */
    for (int k = 0; k < kc; k++) {
        const double *b = B + (size_t)k * ldb;
        double *dst = Bp + (size_t)k * NR;
        for (int j0 = 0; j0 < full; j0 += NR, dst += (size_t)NR * kc) memcpy(dst, b + j0, sizeof(double) * NR);
    }
    if (full < nc) {  /* the last, narrower sliver */
        double *bp = Bp + (size_t)full * kc;
        for (int k = 0; k < kc; k++) {
            const double *b = B + (size_t)k * ldb + full;
            for (int j = 0; j < nc - full; j++) *bp++ = b[j];
            for (int j = nc - full; j < NR; j++) *bp++ = 0.0;
        }
    }
}

/* acc[MR][NR] = Σ_k a[k][0:MR] ⊗ b[k][0:NR]; then C[0:mr, 0:nr] += acc, or = acc for the first
 * k block (first != 0: C needs no zeroing beforehand, and its old contents are never read). */
static void micro_kernel(int kc, const double *a, const double *b, double *C, int ldc, int mr, int nr, int first) {
#if defined(__AVX512F__)
#define ROW(i) PREFETCH(C + (size_t)(i) * ldc); PREFETCH(C + (size_t)(i) * ldc + 8);
    ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7) ROW(8) ROW(9) ROW(10) ROW(11)
#undef ROW
#define ROW(i) __m512d c##i##0 = _mm512_setzero_pd(), c##i##1 = _mm512_setzero_pd();
    ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7) ROW(8) ROW(9) ROW(10) ROW(11)
#undef ROW
    for (int k = 0; k < kc; k++) {  /* each step reads 1.5 lines of A and 2 of B: ask for 2 of each */
        PREFETCH(a + PF_AHEAD * MR);
        PREFETCH(a + PF_AHEAD * MR + 8);
        PREFETCH(b + PF_AHEAD * NR);
        PREFETCH(b + PF_AHEAD * NR + 8);
        const __m512d b0 = _mm512_load_pd(b), b1 = _mm512_load_pd(b + 8);
        __m512d a0;
#define ROW(i) a0 = _mm512_set1_pd(a[i]); c##i##0 = _mm512_fmadd_pd(a0, b0, c##i##0); \
               c##i##1 = _mm512_fmadd_pd(a0, b1, c##i##1);
        ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7) ROW(8) ROW(9) ROW(10) ROW(11)
#undef ROW
        a += MR;
        b += NR;
    }
    if (mr == MR && nr == NR && first) {  /* a full tile: the accumulators go straight into C */
#define ROW(i) { double *c = C + (size_t)(i) * ldc; _mm512_storeu_pd(c, c##i##0); _mm512_storeu_pd(c + 8, c##i##1); }
        ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7) ROW(8) ROW(9) ROW(10) ROW(11)
#undef ROW
        return;
    }
    if (mr == MR && nr == NR) {
#define ROW(i) { double *c = C + (size_t)(i) * ldc; \
                 _mm512_storeu_pd(c, _mm512_add_pd(_mm512_loadu_pd(c), c##i##0)); \
                 _mm512_storeu_pd(c + 8, _mm512_add_pd(_mm512_loadu_pd(c + 8), c##i##1)); }
        ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7) ROW(8) ROW(9) ROW(10) ROW(11)
#undef ROW
        return;
    }
    double acc[MR][NR] __attribute__((aligned(64)));
#define ROW(i) _mm512_store_pd(acc[i], c##i##0); _mm512_store_pd(acc[i] + 8, c##i##1);
    ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7) ROW(8) ROW(9) ROW(10) ROW(11)
#undef ROW
#elif defined(__AVX2__) && defined(__FMA__)
    __m256d c00 = _mm256_setzero_pd(), c01 = _mm256_setzero_pd();
    __m256d c10 = _mm256_setzero_pd(), c11 = _mm256_setzero_pd();
    __m256d c20 = _mm256_setzero_pd(), c21 = _mm256_setzero_pd();
    __m256d c30 = _mm256_setzero_pd(), c31 = _mm256_setzero_pd();
    __m256d c40 = _mm256_setzero_pd(), c41 = _mm256_setzero_pd();
    __m256d c50 = _mm256_setzero_pd(), c51 = _mm256_setzero_pd();
    for (int i = 0; i < MR; i++) PREFETCH(C + (size_t)i * ldc);
    for (int k = 0; k < kc; k++) {
        PREFETCH(a + PF_AHEAD * MR);
        PREFETCH(b + PF_AHEAD * NR);
        const __m256d b0 = _mm256_load_pd(b), b1 = _mm256_load_pd(b + 4);
        __m256d a0;
        a0 = _mm256_broadcast_sd(a + 0); c00 = _mm256_fmadd_pd(a0, b0, c00); c01 = _mm256_fmadd_pd(a0, b1, c01);
        a0 = _mm256_broadcast_sd(a + 1); c10 = _mm256_fmadd_pd(a0, b0, c10); c11 = _mm256_fmadd_pd(a0, b1, c11);
        a0 = _mm256_broadcast_sd(a + 2); c20 = _mm256_fmadd_pd(a0, b0, c20); c21 = _mm256_fmadd_pd(a0, b1, c21);
        a0 = _mm256_broadcast_sd(a + 3); c30 = _mm256_fmadd_pd(a0, b0, c30); c31 = _mm256_fmadd_pd(a0, b1, c31);
        a0 = _mm256_broadcast_sd(a + 4); c40 = _mm256_fmadd_pd(a0, b0, c40); c41 = _mm256_fmadd_pd(a0, b1, c41);
        a0 = _mm256_broadcast_sd(a + 5); c50 = _mm256_fmadd_pd(a0, b0, c50); c51 = _mm256_fmadd_pd(a0, b1, c51);
        a += MR;
        b += NR;
    }
    double acc[MR][NR] __attribute__((aligned(32)));
    _mm256_store_pd(acc[0], c00); _mm256_store_pd(acc[0] + 4, c01);
    _mm256_store_pd(acc[1], c10); _mm256_store_pd(acc[1] + 4, c11);
    _mm256_store_pd(acc[2], c20); _mm256_store_pd(acc[2] + 4, c21);
    _mm256_store_pd(acc[3], c30); _mm256_store_pd(acc[3] + 4, c31);
    _mm256_store_pd(acc[4], c40); _mm256_store_pd(acc[4] + 4, c41);
    _mm256_store_pd(acc[5], c50); _mm256_store_pd(acc[5] + 4, c51);
#else
    double acc[MR][NR] = {{0}};
    for (int k = 0; k < kc; k++) {
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++)
                acc[i][j] += a[i] * b[j];
        a += MR;
        b += NR;
    }
#endif
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++)
            C[(size_t)i * ldc + j] = first ? acc[i][j] : C[(size_t)i * ldc + j] + acc[i][j];
}

/* One KC×NC panel of B against all row blocks of A: the body shared by the serial and OpenMP versions. */
static void panel(int n, int jc, int nc, int pc, int kc, const double *A, const double *Bp,
                  double *C, double *Ap, int ic_first, int ic_step) {
    for (int ic = ic_first; ic < n; ic += ic_step) {
        const int mc = n - ic < MC ? n - ic : MC;
        pack_a(mc, kc, A + (size_t)ic * n + pc, n, Ap);
        for (int jr = 0; jr < nc; jr += NR) {
            const int nr = nc - jr < NR ? nc - jr : NR;
            for (int ir = 0; ir < mc; ir += MR) {
                const int mr = mc - ir < MR ? mc - ir : MR;
                micro_kernel(kc, Ap + (size_t)ir * kc, Bp + (size_t)jr * kc,
                             C + (size_t)(ic + ir) * n + jc + jr, n, mr, nr, pc == 0);
            }
        }
    }
}

/* A buffer for count doubles, aligned for the SIMD loads. A buffer of 2 MiB or more (the packed B
 * panel) is aligned to 2 MiB and marked for huge pages where Linux offers them (as NumPy does with
 * its large arrays), so walking the panel (8 MiB at N = 2048) needs 4 TLB entries instead of 2,048.
 * Interleaved with NumPy, N = 2048: C/NumPy 0.916 → 0.949 (21 pairs) and 0.946 → 0.960 (17 pairs). */
static double *aligned(size_t count) {
    void *p = NULL;
    size_t bytes = count * sizeof(double);
#if defined(MADV_HUGEPAGE) && !defined(NO_HUGE)
    const size_t huge = (size_t)1 << 21;
    if (bytes >= huge) {
        bytes = (bytes + huge - 1) / huge * huge;
        if (posix_memalign(&p, huge, bytes) != 0) return NULL;
        madvise(p, bytes, MADV_HUGEPAGE);  /* advice only: without huge pages the buffer works as well */
        return (double *)p;
    }
#endif
    if (posix_memalign(&p, 64, bytes) != 0) return NULL;
    return (double *)p;
}

/* ---- step 4 in isolation (experiment: where is the remaining gap?)
 * The micro-kernel alone, on one packed MR×kc sliver of A and one kc×NR sliver of B that stay in
 * L1 ((MR + NR)·kc·8 bytes: 28 KiB for AVX2, 56 KiB for AVX-512 at kc = 256), called reps times into one MR×NR tile of C: the speed step 4 would
 * reach if packing, blocking and edges cost nothing. Returns the FLOPs, 2·MR·NR·kc·reps (-1 when
 * out of memory or kc < 1). */
double mm_micro_bench(int kc, long reps) {
    static volatile double sink __attribute__((unused)); /* makes C observable */
    if (kc < 1 || reps < 0) return -1.0;
    double *A = malloc(sizeof(double) * (size_t)MR * kc), *B = malloc(sizeof(double) * (size_t)kc * NR);
    double *Ap = aligned((size_t)MR * kc), *Bp = aligned((size_t)kc * NR);
    double C[MR * NR] __attribute__((aligned(64))) = {0};
    if (!A || !B || !Ap || !Bp) { free(A); free(B); free(Ap); free(Bp); return -1.0; }
    unsigned long long s = 88172645463325252ULL;  /* xorshift: values in [-0.5, 0.5) */
    for (size_t i = 0; i < (size_t)MR * kc + (size_t)kc * NR; i++) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        const double v = (double)(s >> 11) / 9007199254740992.0 - 0.5;
        if (i < (size_t)MR * kc) A[i] = v; else B[i - (size_t)MR * kc] = v;
    }
    pack_a(MR, kc, A, kc, Ap);
    pack_b(kc, NR, B, NR, Bp);
    for (long r = 0; r < reps; r++) micro_kernel(kc, Ap, Bp, C, NR, MR, NR, 0);
    double t = 0.0;
    for (int i = 0; i < MR * NR; i++) t += C[i];
    sink = t;
    free(A); free(B); free(Ap); free(Bp);
    return 2.0 * MR * NR * kc * (double)reps;
}

int mm_packed(int n, const double *A, const double *B, double *C) {
    double *Ap = aligned((size_t)MC * KC), *Bp = aligned((size_t)KC * (NC + NR));
    if (!Ap || !Bp) { free(Ap); free(Bp); return -1; }
    for (int jc = 0; jc < n; jc += NC) {
        const int nc = n - jc < NC ? n - jc : NC;
        for (int pc = 0; pc < n; pc += KC) {
            const int kc = n - pc < KC ? n - pc : KC;
            pack_b(kc, nc, B + (size_t)pc * n + jc, n, Bp);
            panel(n, jc, nc, pc, kc, A, Bp, C, Ap, 0, MC);
        }
    }
    free(Ap);
    free(Bp);
    return 0;
}

/* ---- step 5: all cores. Threads share the packed B panel and split the row blocks of A. */
int mm_packed_omp(int n, const double *A, const double *B, double *C) {
    double *Bp = aligned((size_t)KC * (NC + NR));
    if (!Bp) return -1;
    int failed = 0;
    for (int jc = 0; jc < n; jc += NC) {
        const int nc = n - jc < NC ? n - jc : NC;
        for (int pc = 0; pc < n; pc += KC) {
            const int kc = n - pc < KC ? n - pc : KC;
            pack_b(kc, nc, B + (size_t)pc * n + jc, n, Bp);
#pragma omp parallel
            {
                int tid = 0, nth = 1;
#ifdef _OPENMP
                tid = omp_get_thread_num();
                nth = omp_get_num_threads();
#endif
                double *Ap = aligned((size_t)MC * KC);
                if (!Ap) {
#pragma omp atomic write
                    failed = 1;
                } else {
                    panel(n, jc, nc, pc, kc, A, Bp, C, Ap, tid * MC, nth * MC);
                    free(Ap);
                }
            }
        }
    }
    free(Bp);
    return failed ? -1 : 0;
}
