// 任意課題1, GPU part: C = A·B for row-major N×N float32 matrices, in four steps, each one
// hypothesis (workflow/kadai/nini1/gpu.py runs them through cupy.RawModule against cuBLAS):
//   mm_naive    one thread per element of C, A and B read from global memory every time;
//   mm_shared   32×32 tiles of A and B staged in shared memory: each element read from global
//               memory once per tile instead of once per product (fewer global loads);
//   mm_regtile  a 128×128 tile of C per block, 8×8 of it per thread kept in registers: each
//               value loaded from shared memory feeds 8 products (fewer shared loads per FMA);
//   mm_vec      tiles per block and per thread set in config.yaml (there 128×256, 8×16 per
//               thread: each value loaded from shared memory feeds 16 or 8 products), read in
//               128-bit pieces (float4: a quarter of the load instructions) and double-buffered:
//               the next tile is fetched from global memory into registers while the current one
//               is multiplied, so its latency is hidden.
// Every kernel guards its loads and stores, so any N works (mm_vec moves float4 only where
// N % 4 == 0 keeps them aligned, single floats otherwise).

#define TILE 32

extern "C" __global__ void mm_naive(const float* __restrict__ A, const float* __restrict__ B,
                                    float* __restrict__ C, int n) {
    const int row = blockIdx.y * blockDim.y + threadIdx.y;
    const int col = blockIdx.x * blockDim.x + threadIdx.x;
    if (row < n && col < n) {
        float s = 0.0f;
        for (int k = 0; k < n; ++k) s += A[(size_t)row * n + k] * B[(size_t)k * n + col];
        C[(size_t)row * n + col] = s;
    }
}

extern "C" __global__ void mm_shared(const float* __restrict__ A, const float* __restrict__ B,
                                     float* __restrict__ C, int n) {
    __shared__ float As[TILE][TILE];
    __shared__ float Bs[TILE][TILE + 1];  // +1: no bank conflicts when read down a column
    const int ty = threadIdx.y, tx = threadIdx.x;
    const int row = blockIdx.y * TILE + ty, col = blockIdx.x * TILE + tx;
    float s = 0.0f;
    for (int k0 = 0; k0 < n; k0 += TILE) {
        As[ty][tx] = (row < n && k0 + tx < n) ? A[(size_t)row * n + k0 + tx] : 0.0f;
        Bs[ty][tx] = (k0 + ty < n && col < n) ? B[(size_t)(k0 + ty) * n + col] : 0.0f;
        __syncthreads();
#pragma unroll
        for (int k = 0; k < TILE; ++k) s += As[ty][k] * Bs[k][tx];
        __syncthreads();
    }
    if (row < n && col < n) C[(size_t)row * n + col] = s;
}

#define BM 128
#define BN 128
#define BK 8
#define TM 8
#define TN 8
#define THREADS ((BM / TM) * (BN / TN))  // 256

extern "C" __global__ void __launch_bounds__(THREADS)
mm_regtile(const float* __restrict__ A, const float* __restrict__ B, float* __restrict__ C, int n) {
    __shared__ float As[BK][BM];  // A's tile stored transposed: a column of it is contiguous
    __shared__ float Bs[BK][BN];
    const int tid = threadIdx.x;
    const int tr = tid / (BN / TN), tc = tid % (BN / TN);
    const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
    float acc[TM][TN];
#pragma unroll
    for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = 0.0f;
    float a[TM], b[TN];
    for (int k0 = 0; k0 < n; k0 += BK) {
        for (int i = tid; i < BM * BK; i += THREADS) {
            const int m = i / BK, k = i % BK, r = row0 + m, c = k0 + k;
            As[k][m] = (r < n && c < n) ? A[(size_t)r * n + c] : 0.0f;
        }
        for (int i = tid; i < BK * BN; i += THREADS) {
            const int k = i / BN, j = i % BN, r = k0 + k, c = col0 + j;
            Bs[k][j] = (r < n && c < n) ? B[(size_t)r * n + c] : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < BK; ++k) {
#pragma unroll
            for (int i = 0; i < TM; ++i) a[i] = As[k][tr * TM + i];
#pragma unroll
            for (int j = 0; j < TN; ++j) b[j] = Bs[k][tc * TN + j];
#pragma unroll
            for (int i = 0; i < TM; ++i)
#pragma unroll
                for (int j = 0; j < TN; ++j) acc[i][j] += a[i] * b[j];
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < TM; ++i) {
        const int r = row0 + tr * TM + i;
#pragma unroll
        for (int j = 0; j < TN; ++j) {
            const int c = col0 + tc * TN + j;
            if (r < n && c < n) C[(size_t)r * n + c] = acc[i][j];
        }
    }
}

// mm_vec: a VBM×VBN tile of C per block, VTM×VTN of it per thread (RM×RN float4 pieces): thread
// tid owns rows rb + {0..3} + i·VBM/RM (i < RM) and columns cb + {0..3} + j·VBN/RN (j < RN), with
// rb = 4·(tid / (VBN/VTN)) and cb = 4·(tid % (VBN/VTN)); its
// fragments are RM + RN float4 reads of As and Bs per k, and neighbouring threads read contiguous
// 16-byte pieces of Bs. The tiles are VBK deep and double-buffered: the next tile is on its way from
// global memory (through registers) while the current one is multiplied. A's tile is stored
// transposed: a column of it is contiguous. APAD floats after each row of it spread its transposing
// stores over more banks; MINB is the number of blocks per multiprocessor the compiler must leave
// registers for. The settings come from config.yaml (nini1.gpu.vec, with how they were chosen) as -D
// options; python -m kadai.nini1.gputune tries others. Also tried, on an H100 and not faster there:
// launch order swizzled in groups of 4, 8 or 16 tile rows (for L2 reuse), warps owning 32×64 blocks
// (fewer shared-memory wavefronts per read); on an H200: B's tile copied by cp.async, straight from
// global to shared memory.
#if !defined(VBM) || !defined(VBN) || !defined(VBK) || !defined(RM) || !defined(RN) || !defined(APAD) || !defined(MINB)
#error "mm_vec: compile with the settings of config.yaml's nini1.gpu.vec (-DVBM=… -DVBN=… …, see nini1/gpu.py)"
#endif
#define VTM (4 * RM)
#define VTN (4 * RN)
#define VTHREADS ((VBM / VTM) * (VBN / VTN))
#define ALOADS (VBM * VBK / 4 / VTHREADS)  // float4 pieces of A's tile per thread
#define BLOADS (VBK * VBN / 4 / VTHREADS)  // float4 pieces of B's tile per thread
static_assert(APAD % 4 == 0 && VBK % 4 == 0 && VBM % VTM == 0 && VBN % VTN == 0,
              "mm_vec: float4 reads need APAD % 4 == 0 and whole float4 pieces per thread tile");
static_assert((VBM * VBK) % (4 * VTHREADS) == 0 && (VBK * VBN) % (4 * VTHREADS) == 0 && ALOADS >= 1 &&
              BLOADS >= 1, "mm_vec: each thread moves whole float4 pieces of both tiles");
static_assert(2 * VBK * (VBM + APAD + VBN) * 4 <= 48 * 1024, "mm_vec: static shared memory is 48 KiB at most");
__device__ __forceinline__ float4 load4(const float* __restrict__ M, int n, int r, int c, bool vec) {
    if (vec && r < n && c + 3 < n) return *reinterpret_cast<const float4*>(M + (size_t)r * n + c);
    float4 v;
    v.x = (r < n && c < n) ? M[(size_t)r * n + c] : 0.0f;
    v.y = (r < n && c + 1 < n) ? M[(size_t)r * n + c + 1] : 0.0f;
    v.z = (r < n && c + 2 < n) ? M[(size_t)r * n + c + 2] : 0.0f;
    v.w = (r < n && c + 3 < n) ? M[(size_t)r * n + c + 3] : 0.0f;
    return v;
}

__device__ __forceinline__ void store4(float* __restrict__ M, int n, int r, int c, bool vec, float4 v) {
    if (r >= n) return;
    if (vec && c + 3 < n) {
        *reinterpret_cast<float4*>(M + (size_t)r * n + c) = v;
        return;
    }
    if (c < n) M[(size_t)r * n + c] = v.x;
    if (c + 1 < n) M[(size_t)r * n + c + 1] = v.y;
    if (c + 2 < n) M[(size_t)r * n + c + 2] = v.z;
    if (c + 3 < n) M[(size_t)r * n + c + 3] = v.w;
}

extern "C" __global__ void __launch_bounds__(VTHREADS, MINB)
mm_vec(const float* __restrict__ A, const float* __restrict__ B, float* __restrict__ C, int n) {
    __shared__ __align__(16) float As[2][VBK][VBM + APAD];  // transposed, as in mm_regtile
    __shared__ __align__(16) float Bs[2][VBK][VBN];
    const int tid = threadIdx.x;
    const int rb = (tid / (VBN / VTN)) * 4, cb = (tid % (VBN / VTN)) * 4;
    const int row0 = blockIdx.y * VBM, col0 = blockIdx.x * VBN;
    // float4 only where every row starts 16-byte aligned: N % 4 == 0 and aligned base pointers
    const bool vec = (n & 3) == 0 && ((reinterpret_cast<size_t>(A) | reinterpret_cast<size_t>(B) |
                                       reinterpret_cast<size_t>(C)) & 15) == 0;
    float4 pa[ALOADS], pb[BLOADS];  // the next tiles, on their way from global memory

    auto fetch = [&](int k0) {
#pragma unroll
        for (int l = 0; l < ALOADS; ++l) {
            const int i = tid + l * VTHREADS;
            pa[l] = load4(A, n, row0 + i / (VBK / 4), k0 + (i % (VBK / 4)) * 4, vec);
        }
#pragma unroll
        for (int l = 0; l < BLOADS; ++l) {
            const int i = tid + l * VTHREADS;
            pb[l] = load4(B, n, k0 + i / (VBN / 4), col0 + (i % (VBN / 4)) * 4, vec);
        }
    };
    auto stage = [&](int buf) {
#pragma unroll
        for (int l = 0; l < ALOADS; ++l) {
            const int i = tid + l * VTHREADS, m = i / (VBK / 4), k = (i % (VBK / 4)) * 4;
            As[buf][k][m] = pa[l].x;
            As[buf][k + 1][m] = pa[l].y;
            As[buf][k + 2][m] = pa[l].z;
            As[buf][k + 3][m] = pa[l].w;
        }
#pragma unroll
        for (int l = 0; l < BLOADS; ++l) {
            const int i = tid + l * VTHREADS;
            *reinterpret_cast<float4*>(&Bs[buf][i / (VBN / 4)][(i % (VBN / 4)) * 4]) = pb[l];
        }
    };

    float acc[VTM][VTN];
#pragma unroll
    for (int i = 0; i < VTM; ++i)
#pragma unroll
        for (int j = 0; j < VTN; ++j) acc[i][j] = 0.0f;

    fetch(0);
    stage(0);
    __syncthreads();
    int buf = 0;
    for (int k0 = 0; k0 < n; k0 += VBK) {
        const bool more = k0 + VBK < n;
        if (more) fetch(k0 + VBK);  // in flight during the products below
#pragma unroll
        for (int k = 0; k < VBK; ++k) {
            float a[VTM], b[VTN];
#pragma unroll
            for (int i = 0; i < RM; ++i) {
                const float4 v = *reinterpret_cast<const float4*>(&As[buf][k][rb + i * (VBM / RM)]);
                a[4 * i] = v.x, a[4 * i + 1] = v.y, a[4 * i + 2] = v.z, a[4 * i + 3] = v.w;
            }
#pragma unroll
            for (int j = 0; j < RN; ++j) {
                const float4 v = *reinterpret_cast<const float4*>(&Bs[buf][k][cb + j * (VBN / RN)]);
                b[4 * j] = v.x, b[4 * j + 1] = v.y, b[4 * j + 2] = v.z, b[4 * j + 3] = v.w;
            }
#pragma unroll
            for (int i = 0; i < VTM; ++i)
#pragma unroll
                for (int j = 0; j < VTN; ++j) acc[i][j] += a[i] * b[j];
        }
        if (more) {
            stage(buf ^ 1);  // the other buffer: nobody reads it in this step
            __syncthreads();
            buf ^= 1;
        }
    }
#pragma unroll
    for (int i = 0; i < VTM; ++i) {
        const int r = row0 + rb + (i & 3) + (i >> 2) * (VBM / RM);
#pragma unroll
        for (int j = 0; j < RN; ++j)
            store4(C, n, r, col0 + cb + j * (VBN / RN), vec,
                   make_float4(acc[i][4 * j], acc[i][4 * j + 1], acc[i][4 * j + 2], acc[i][4 * j + 3]));
    }
}
