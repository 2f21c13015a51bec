// 任意課題1, GPU part: C = A·B for row-major N×N float32 matrices, in four steps, each one
// hypothesis (workflow/kadai/nini1/gpu.py runs them through cupy.RawModule against cuBLAS):
//   mm_naive    one thread per element of C, A and B read from global memory every time;
//   mm_shared   32×32 tiles of A and B staged in shared memory: each element read from global
//               memory once per tile instead of once per product (fewer global loads);
//   mm_regtile  a 128×128 tile of C per block, 8×8 of it per thread kept in registers: each
//               value loaded from shared memory feeds 8 products (fewer shared loads per FMA);
//   mm_vec      the same 128×128 tiles, 16 deep, moved in 128-bit pieces (float4: a quarter of
//               the load instructions) and double-buffered: the next tile is fetched from global
//               memory into registers while the current one is multiplied, so its latency is hidden.
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

// mm_vec: thread tid owns rows rb + {0..3, 64..67} and columns cb + {0..3, 64..67} of the block's
// 128×128 tile (rb = (tid / 16)·4, cb = (tid % 16)·4): its fragments are two float4 reads each of
// As and Bs per k, and the 16 threads of a half-warp read 256 contiguous bytes of Bs. Also tried
// on the H100 and not faster there: launch order swizzled in groups of 4, 8 or 16 tile rows (for
// L2 reuse), and warps owning 32×64 blocks (fewer shared-memory wavefronts per read).
#ifndef VBK
// VBK, APAD, MINB: the fastest of six settings tried on an H100 at N = 4096 (2026-11-28; six of
// the eight combinations of depth 8 or 16, padding 0 or 4, 1 or 2 blocks per multiprocessor);
// each can be set with -D to try others (the static_assert below says which values work).
#define VBK 16  // k-depth of a tile: 2 × (16·132 + 16·128) floats = 33 280 B of shared memory
#endif
#define VLOADS (BM * VBK / 4 / THREADS)  // float4 pieces of A's (and B's) tile per thread
#ifndef APAD
#define APAD 4  // floats after each row of As (spreads the transposing stores of A over more banks)
#endif
#ifndef MINB
#define MINB 1  // blocks per multiprocessor the compiler must leave registers for
#endif
static_assert(APAD % 4 == 0 && VBK % 4 == 0 && (BM * VBK) % (4 * THREADS) == 0 && VLOADS >= 1,
              "mm_vec: float4 reads need APAD % 4 == 0; each thread moves whole float4 pieces of a tile");

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

extern "C" __global__ void __launch_bounds__(THREADS, MINB)
mm_vec(const float* __restrict__ A, const float* __restrict__ B, float* __restrict__ C, int n) {
    __shared__ __align__(16) float As[2][VBK][BM + APAD];  // transposed, as in mm_regtile
    __shared__ __align__(16) float Bs[2][VBK][BN];
    const int tid = threadIdx.x;
    const int rb = (tid / 16) * 4, cb = (tid % 16) * 4;  // rows rb + {0..3, 64..67}, columns cb + {0..3, 64..67}
    const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
    // float4 only where every row starts 16-byte aligned: N % 4 == 0 and aligned base pointers
    const bool vec = (n & 3) == 0 && ((reinterpret_cast<size_t>(A) | reinterpret_cast<size_t>(B) |
                                       reinterpret_cast<size_t>(C)) & 15) == 0;
    float4 pa[VLOADS], pb[VLOADS];  // the next tiles, on their way from global memory

    auto fetch = [&](int k0) {
#pragma unroll
        for (int l = 0; l < VLOADS; ++l) {
            const int i = tid + l * THREADS;
            pa[l] = load4(A, n, row0 + i / (VBK / 4), k0 + (i % (VBK / 4)) * 4, vec);
            pb[l] = load4(B, n, k0 + i / (BN / 4), col0 + (i % (BN / 4)) * 4, vec);
        }
    };
    auto stage = [&](int buf) {
#pragma unroll
        for (int l = 0; l < VLOADS; ++l) {
            const int i = tid + l * THREADS, m = i / (VBK / 4), k = (i % (VBK / 4)) * 4;
            As[buf][k][m] = pa[l].x;
            As[buf][k + 1][m] = pa[l].y;
            As[buf][k + 2][m] = pa[l].z;
            As[buf][k + 3][m] = pa[l].w;
            *reinterpret_cast<float4*>(&Bs[buf][i / (BN / 4)][(i % (BN / 4)) * 4]) = pb[l];
        }
    };

    float acc[8][8];
#pragma unroll
    for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] = 0.0f;

    fetch(0);
    stage(0);
    __syncthreads();
    int buf = 0;
    for (int k0 = 0; k0 < n; k0 += VBK) {
        const bool more = k0 + VBK < n;
        if (more) fetch(k0 + VBK);  // in flight during the products below
#pragma unroll
        for (int k = 0; k < VBK; ++k) {
            const float4 a0 = *reinterpret_cast<const float4*>(&As[buf][k][rb]);
            const float4 a1 = *reinterpret_cast<const float4*>(&As[buf][k][rb + 64]);
            const float4 b0 = *reinterpret_cast<const float4*>(&Bs[buf][k][cb]);
            const float4 b1 = *reinterpret_cast<const float4*>(&Bs[buf][k][cb + 64]);
            const float a[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
            const float b[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
            for (int i = 0; i < 8; ++i)
#pragma unroll
                for (int j = 0; j < 8; ++j) acc[i][j] += a[i] * b[j];
        }
        if (more) {
            stage(buf ^ 1);  // the other buffer: nobody reads it in this step
            __syncthreads();
            buf ^= 1;
        }
    }
#pragma unroll
    for (int i = 0; i < 8; ++i) {
        const int r = row0 + rb + (i & 3) + (i >> 2) * 64;
        store4(C, n, r, col0 + cb, vec, make_float4(acc[i][0], acc[i][1], acc[i][2], acc[i][3]));
        store4(C, n, r, col0 + cb + 64, vec, make_float4(acc[i][4], acc[i][5], acc[i][6], acc[i][7]));
    }
}
