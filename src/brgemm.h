/* The one door to LIBXSMM: strided batch-reduce GEMM, FP32 or BF16 inputs,
 * FP32 accumulator. Column-major: C(m x n) (+)= sum_i A_i(m x k) * B_i(k x n),
 * A_i = a + i*stride_a, B_i = b + i*stride_b (strides in elements).
 * BF16: A is VNNI-2 packed ([k/2][lda][2]), k must be even; B is plain.
 * trans_b (FP32 only): B_i is stored transposed, n x k with ldb >= n. */
#ifndef DC_BRGEMM_H
#define DC_BRGEMM_H
#include "dconv1d.h"

typedef struct {
  int64_t m, n, k, lda, ldb, ldc, stride_a, stride_b;
  int beta;    /* 0 overwrites C, 1 accumulates */
  int trans_b; /* 1: B_i(k x n) is read from an n x k column-major array */
  dconv1d_dtype dtype;
} dc_brgemm_desc;

typedef struct {
  void (*fn)(const void *a, const void *b, float *c, const unsigned long long *count, ...);
  int zero_upper; /* the CPU has AVX: clear the vector registers' upper halves after each call */
} dc_brgemm;

dconv1d_status dc_brgemm_dispatch(const dc_brgemm_desc *desc, dc_brgemm *kernel);

/* count >= 1: LIBXSMM computes one product even for a count of 0.
 * LIBXSMM 1.17's kernels return with the upper halves of the vector
 * registers dirty, and the library around them is compiled for baseline
 * x86-64, whose SSE instructions then each wait on a merge with the last
 * AVX-512 result. vzeroupper ends that: measured, the C = 12 -> K = 8, S = 9
 * forward pass ran 0.56 ms without and 0.45 ms with it. */
void dc_zero_upper(void); /* vzeroupper, as the compiler knows it: no AVX register survives it unseen */
static inline void dc_brgemm_run(const dc_brgemm *kernel, const void *a, const void *b, float *c, int64_t count) {
  unsigned long long batch = (unsigned long long)count;
  if (count <= 0) return;
  kernel->fn(a, b, c, &batch);
  if (kernel->zero_upper) dc_zero_upper();
}

#endif
