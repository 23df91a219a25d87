/* Sweep files: values, lists, x and + ranges, defaults, the product, and
 * every malformed input rejected with file:line:column. */
#include "check.h"
#include "sweep.h"
#include <string.h>

static void rejected(const char *text, const char *where, const char *message) {
  dc_sweep sw;
  char why[512];
  CHECK_EQ_INT(dc_sweep_parse(text, "sweeps/t.sweep", &sw, why, sizeof why), -1);
  if (!strstr(why, where) || !strstr(why, message)) {
    ++check_failures;
    fprintf(stderr, "for %s\n  got '%s'\n  want '%s' and '%s'\n", text, why, where, message);
  }
  CHECK(sw.shapes == NULL);
}

int main(void) {
  dc_sweep sw;
  char why[512];
  const char *text = "# the width study\n"
                     "c = 15   # channels\n"
                     "k = 15\n"
                     "\n"
                     "w = 1000..8000 x2, 60400\n"
                     "s = 51\n"
                     "d = 8\n"
                     "pad = 0, 200\n"
                     "pass = fwd, bwd_weight\n"
                     "dtype = bf16\n"
                     "threads = 1, 2\n";
  CHECK_EQ_INT(dc_sweep_parse(text, "sweeps/width.sweep", &sw, why, sizeof why), 0);
  if (why[0]) fprintf(stderr, "%s\n", why);
  CHECK(strcmp(sw.name, "width") == 0);
  CHECK_EQ_INT(sw.nshapes, 10); /* w: 1000 2000 4000 8000 60400 (400 < span: 1000 fits) x pads 0, 200 */
  CHECK(sw.shapes[0].n == 1 && sw.shapes[0].c == 15 && sw.shapes[0].w == 1000 && sw.shapes[0].d == 8);
  CHECK(sw.shapes[1].pad_l == 200 && sw.shapes[1].pad_r == 200 && sw.shapes[1].w == 1000);
  CHECK_EQ_INT(sw.shapes[9].w, 60400);
  CHECK(sw.npasses == 2 && sw.passes[0] == 0 && sw.passes[1] == 2);
  CHECK(sw.ndtypes == 1 && sw.dtypes[0] == DCONV1D_BF16);
  CHECK(sw.nthreads == 2 && sw.threads[1] == 2);
  dc_sweep_free(&sw);

  CHECK_EQ_INT(
      dc_sweep_parse("name = dilation\nc=1\nk=1\nw=500\ns=3\nd = 1..32 +8\npl = 1\n", "x", &sw, why, sizeof why), 0);
  CHECK(strcmp(sw.name, "dilation") == 0 && sw.nshapes == 4 && sw.shapes[3].d == 25 && sw.shapes[0].pad_r == 0);
  CHECK(sw.npasses == 3 && sw.ndtypes == 2 && sw.nthreads == 1 && sw.threads[0] == 1);
  dc_sweep_free(&sw);

  rejected("c = 15\nk = 15\nw = 100\ns = 51\nx = 3\n", "t.sweep:5:1", "unknown or repeated key");
  rejected("c 15\n", "t.sweep:1:3", "expected '='");
  rejected("c = 15\nc = 16\n", "t.sweep:2:1", "given twice");
  rejected("c = 15\nk = 15\nw = 100..10 x2\n", "t.sweep:3:5", "does not advance");
  rejected("c = 15\nk = 15\nw = 100..1000 *2\n", "t.sweep:3:15", "after a range");
  rejected("c = 15\nk = 15\nw = 100, \n", "t.sweep:3:10", "expected a number");
  rejected("c = 15\nk = 15\nw = 100 junk\n", "t.sweep:3:9", "unexpected text");
  rejected("c = 15\nk = 15\ns = 51\n", "t.sweep:4:1", "'w' is missing");
  rejected("c=1\nk=1\nw=300\ns=51\nd=8\n", "t.sweep:6:1", "output width");
  rejected("c=1\nk=1\nw=300\ns=3\npass = fwd, sideways\n", "t.sweep:5:13", "unknown name");
  rejected("c=1\nk=1\nw=300\ns=3\nthreads = 0\n", "t.sweep:5:", "thread counts");
  rejected("c=1\nk=1\nw=300\ns=3\npl = 2\npad = 1\n", "t.sweep:6:1", "given twice");
  rejected("c = 99999999999999999999\n", "t.sweep:1:5", "out of range");
  CHECK_EQ_INT(
      dc_sweep_parse("shapes = n1c15k15w60000s51d8pl200pr200, c1k15w300s3\ndtype = f32\n", "a", &sw, why, sizeof why),
      0);
  CHECK(sw.nshapes == 2 && sw.shapes[0].pad_l == 200 && sw.shapes[1].c == 1 && sw.shapes[1].n == 1);
  dc_sweep_free(&sw);
  rejected("shapes = c1k15w300s3, c1k15w300x3\n", "t.sweep:1:32", "missing");
  rejected("shapes = c1k15w300s3\nc = 3\n", "t.sweep:", "excludes");
  rejected("shapes = c1k1w3s9\n", "t.sweep:", "output width");
  CHECK_EQ_INT(dc_sweep_load("/nonexistent/x.sweep", &sw, why, sizeof why), -1);
  CHECK(strstr(why, "No such file") != NULL);
  return check_report("test_sweep");
}
