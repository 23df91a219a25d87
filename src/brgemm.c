/* LIBXSMM 1.17 quirks handled here and nowhere else (see method.md):
 * - only alpha = 1, beta in {0, 1}, no TRANS_A: other requests crash inside
 *   the dispatcher instead of returning NULL, so they are never made;
 * - leading dimensions and byte strides are 32-bit;
 * - BF16 wants VNNI_A and an even k, else NULL; with an odd ldb its sums
 *   are silently wrong (seen here; callers keep BF16 B rows even);
 * - TRANS_B is honoured for FP32 only, so BF16 never asks for it;
 * - a NULL kernel is still possible and is reported as DCONV1D_ERR_KERNEL. */
#include "brgemm.h"
#include <libxsmm.h>
#include <limits.h>
#include <stdio.h>

static int fits_blasint(int64_t value) { return value >= 0 && value <= INT_MAX; }

static void backend_init_once(void) {
  static int initialised = 0;
#pragma omp critical(dc_libxsmm_init)
  if (!initialised) {
    libxsmm_init();
    initialised = 1;
  }
}

dconv1d_status dc_brgemm_dispatch(const dc_brgemm_desc *d, dc_brgemm *kernel) {
  int64_t esize = d->dtype == DCONV1D_BF16 ? 2 : 4;
  kernel->fn = NULL;
#if defined(__x86_64__) && defined(__GNUC__)
  kernel->zero_upper = __builtin_cpu_supports("avx");
#else
  kernel->zero_upper = 0;
#endif
  if (d->m < 1 || d->n < 1 || d->k < 1 || (d->beta != 0 && d->beta != 1)) return DCONV1D_ERR_BAD_CONFIG;
  if (d->dtype == DCONV1D_BF16 && (d->k % 2 != 0 || d->trans_b)) return DCONV1D_ERR_BAD_CONFIG;
  if (d->trans_b != 0 && d->trans_b != 1) return DCONV1D_ERR_BAD_CONFIG;
  if (!fits_blasint(d->m) || !fits_blasint(d->n) || !fits_blasint(d->k) || !fits_blasint(d->lda) ||
      !fits_blasint(d->ldb) || !fits_blasint(d->ldc) || d->stride_a > INT_MAX / esize ||
      d->stride_b > INT_MAX / esize || d->stride_a < 0 || d->stride_b < 0)
    return DCONV1D_ERR_UNSUPPORTED;
  backend_init_once();
  libxsmm_blasint m = (libxsmm_blasint)d->m, n = (libxsmm_blasint)d->n, k = (libxsmm_blasint)d->k;
  libxsmm_blasint lda = (libxsmm_blasint)d->lda, ldb = (libxsmm_blasint)d->ldb, ldc = (libxsmm_blasint)d->ldc;
  libxsmm_blasint stride_a = (libxsmm_blasint)(d->stride_a * esize);
  libxsmm_blasint stride_b = (libxsmm_blasint)(d->stride_b * esize);
  float alpha = 1.0f, beta = (float)d->beta;
  if (d->dtype == DCONV1D_BF16) {
    int flags = LIBXSMM_GEMM_FLAG_VNNI_A | (d->beta == 0 ? LIBXSMM_GEMM_FLAG_BETA_0 : 0);
    libxsmm_bsmmfunction_reducebatch_strd fn = libxsmm_bsmmdispatch_reducebatch_strd(
        m, n, k, stride_a, stride_b, &lda, &ldb, &ldc, &alpha, &beta, &flags, NULL);
    kernel->fn = (void (*)(const void *, const void *, float *, const unsigned long long *, ...))fn;
  } else {
    int flags = (d->beta == 0 ? LIBXSMM_GEMM_FLAG_BETA_0 : 0) | (d->trans_b ? LIBXSMM_GEMM_FLAG_TRANS_B : 0);
    libxsmm_smmfunction_reducebatch_strd fn = libxsmm_smmdispatch_reducebatch_strd(
        m, n, k, stride_a, stride_b, &lda, &ldb, &ldc, &alpha, &beta, &flags, NULL);
    kernel->fn = (void (*)(const void *, const void *, float *, const unsigned long long *, ...))fn;
  }
  return kernel->fn ? DCONV1D_OK : DCONV1D_ERR_KERNEL;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* A call of its own: compiled for AVX (which the caller may not be), and the
 * intrinsic tells the compiler the upper halves are gone, which an asm
 * statement without the registers in its clobbers would not. */
__attribute__((target("avx"))) void dc_zero_upper(void) { _mm256_zeroupper(); }
#else
void dc_zero_upper(void) {}
#endif

const char *dconv1d_backend_version(void) {
  static char text[96];
  backend_init_once();
#pragma omp critical(dc_libxsmm_init)
  if (!text[0]) snprintf(text, sizeof text, "LIBXSMM %s (%s)", LIBXSMM_VERSION, libxsmm_get_target_arch());
  return text;
}
