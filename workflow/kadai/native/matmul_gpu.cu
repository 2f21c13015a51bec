// 任意課題1, GPU part: C = A·B for row-major N×N float32 matrices, in three steps, each one
// hypothesis (workflow/kadai/nini1/gpu.py runs them through cupy.RawModule against cuBLAS):
//   mm_naive    one thread per element of C, A and B read from global memory every time;
//   mm_shared   32×32 tiles of A and B staged in shared memory: each element read from global
//               memory once per tile instead of once per product (fewer global loads);
//   mm_regtile  a 128×128 tile of C per block, 8×8 of it per thread kept in registers: each
//               value loaded from shared memory feeds 8 products (fewer shared loads per FMA).
// Every kernel guards its loads and stores, so any N works.

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
