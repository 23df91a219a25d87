/* The oneDNN baseline: for every pass and dtype it finds a candidate whose
 * output matches the layer's, names oneDNN's implementation, caches the
 * choice, and refuses when no candidate matches the expected output. */
#include "check.h"
#include "compare.h"
#include "dconv1d.h"
#include "onednn_baseline.h"
#include <stdlib.h>
#include <string.h>

static void check_pass(const dconv1d_shape *sh, dconv1d_pass pass) {
  const int64_t q = dconv1d_out_width(sh), es = sh->dtype == DCONV1D_BF16 ? 2 : 4;
  const int64_t xs = sh->n * sh->c * sh->w, ys = sh->n * sh->k * q, ws = sh->k * sh->c * sh->s;
  void *x = malloc(xs * es), *dy = malloc(ys * es), *wt = malloc(ws * es), *bias = malloc(sh->k * es);
  void *expected = malloc((xs > ys ? (xs > ws ? xs : ws) : (ys > ws ? ys : ws)) * es);
  dc_fill_random(x, xs, sh->dtype, 1);
  dc_fill_random(dy, ys, sh->dtype, 2);
  dc_fill_random(wt, ws, sh->dtype, 3);
  dc_fill_random(bias, sh->k, sh->dtype, 4);
  dconv1d_layer *layer = NULL;
  CHECK_EQ_INT(dconv1d_create(&layer, sh, NULL), DCONV1D_OK);
  if (!layer) return;
  if (pass == DCONV1D_FWD)
    dconv1d_forward(layer, x, wt, bias, expected);
  else if (pass == DCONV1D_BWD_DATA)
    dconv1d_backward_data(layer, dy, wt, expected);
  else
    dconv1d_backward_weight(layer, x, dy, expected, NULL);
  dc_onednn_inputs in = {x, wt, bias, dy};
  dc_onednn *b = NULL;
  dc_onednn_info info;
  char why[256];
  int rc = dc_onednn_create(&b, sh, pass, &in, expected, &info, why, sizeof why);
  /* oneDNN 2.6 has BF16 convolutions on AVX-512 CPUs only (and not every pass): there it must find one */
  const int onednn_may_lack = sh->dtype == DCONV1D_BF16 && !dconv1d_bf16_native();
  if (rc == -2 && onednn_may_lack) {
    printf("%s %s: oneDNN has no implementation on this CPU (%s)\n", dconv1d_pass_name(pass),
           dconv1d_dtype_name(sh->dtype), why);
    CHECK(strstr(why, "not implemented on this CPU") != NULL);
    dconv1d_destroy(layer);
    free(x), free(dy), free(wt), free(bias), free(expected);
    return;
  }
  CHECK_EQ_INT(rc, 0);
  if (rc) fprintf(stderr, "%s\n", why);
  if (rc == 0) {
    printf("%s %s: %s (%s), %d of %d candidates correct, %.3f ms\n", dconv1d_pass_name(pass),
           dconv1d_dtype_name(sh->dtype), info.impl, info.layout, info.correct, info.tried, info.ms);
    CHECK(strlen(info.impl) > 0 && strlen(info.layout) > 0 && info.correct >= 1 && !info.cached);
    CHECK_EQ_INT(dc_onednn_execute(b), 0);
    dc_onednn_destroy(b);
    /* the same shape again: the cached choice, still checked */
    CHECK_EQ_INT(dc_onednn_create(&b, sh, pass, &in, expected, &info, why, sizeof why), 0);
    CHECK(info.cached == 1 && info.tried == 1);
    dc_onednn_destroy(b);
  }
  /* a wrong expected output: no candidate may pass */
  if (sh->dtype == DCONV1D_BF16)
    ((uint16_t *)expected)[0] ^= 0x4000;
  else
    ((float *)expected)[0] += 1000.0f;
  CHECK_EQ_INT(dc_onednn_create(&b, sh, pass, &in, expected, &info, why, sizeof why), -1);
  CHECK(strstr(why, "no correct oneDNN candidate") != NULL);
  dconv1d_destroy(layer);
  free(x), free(dy), free(wt), free(bias), free(expected);
}

int main(void) {
  const dconv1d_shape shapes[] = {{2, 15, 16, 700, 51, 8, 0, 0, DCONV1D_F32, 2},
                                  {1, 3, 5, 300, 9, 2, 4, 7, DCONV1D_BF16, 1}};
  for (int s = 0; s < 2; ++s)
    for (int p = 0; p < 3; ++p) check_pass(&shapes[s], (dconv1d_pass)p);
  /* tolerances: the tests' 1e-5 / 1e-2, growing with the FP32 reduction length only where it is long */
  const dconv1d_shape atac = {1, 15, 15, 60400, 51, 8, 0, 0, DCONV1D_F32, 1},
                      many = {64, 15, 15, 20400, 51, 8, 0, 0, DCONV1D_F32, 1};
  CHECK(dc_tolerance(&atac, DCONV1D_FWD) == 1e-5 && dc_tolerance(&atac, DCONV1D_BWD_DATA) == 1e-5);
  CHECK(dc_tolerance(&atac, DCONV1D_BWD_WEIGHT) > 1e-5 && dc_tolerance(&atac, DCONV1D_BWD_WEIGHT) < 2e-5);
  CHECK(dc_tolerance(&many, DCONV1D_BWD_WEIGHT) > 6e-5 && dc_tolerance(&many, DCONV1D_BWD_WEIGHT) < 7e-5);
  CHECK(dc_tolerance(&shapes[1], DCONV1D_BWD_WEIGHT) == 1e-2);
  CHECK(dc_tolerance_between(&atac, DCONV1D_FWD) == 2e-5);
  char line[256];
  dc_onednn_benchdnn_line(&shapes[0], DCONV1D_FWD, "nwc/inference", line, sizeof line);
  CHECK(strstr(line, "--dir=FWD_I") && strstr(line, "dw7") && strstr(line, "mb2ic15iw700oc16ow300kw51"));
  printf("%s\noneDNN %s\n", line, dc_onednn_version());
  return check_report("test_onednn_baseline");
}
