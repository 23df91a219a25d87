/* Shape descriptors: canonical round trip, defaults, and every kind of bad
 * text rejected with a caret under the offending character. */
#include "check.h"
#include "dconv1d.h"
#include <string.h>

static void round_trip(const char *text, const char *canonical) {
  dconv1d_shape sh = {0}, again = {0};
  char why[256], printed[128];
  CHECK_EQ_INT(dconv1d_shape_parse(text, &sh, why, sizeof why), DCONV1D_OK);
  CHECK(dconv1d_shape_print(&sh, printed, sizeof printed) == (int)strlen(canonical));
  if (strcmp(printed, canonical) != 0) {
    ++check_failures;
    fprintf(stderr, "'%s' printed as '%s', want '%s'\n", text, printed, canonical);
  }
  CHECK_EQ_INT(dconv1d_shape_parse(printed, &again, why, sizeof why), DCONV1D_OK);
  CHECK(memcmp(&sh, &again, sizeof sh) == 0);
}

static void rejected(const char *text, const char *message, int caret_column) {
  dconv1d_shape sh = {7, 7, 7, 7, 7, 7, 7, 7, DCONV1D_BF16, 3}, before = sh;
  char why[512];
  CHECK_EQ_INT(dconv1d_shape_parse(text, &sh, why, sizeof why), DCONV1D_ERR_PARSE);
  CHECK(memcmp(&sh, &before, sizeof sh) == 0);
  if (!strstr(why, message)) {
    ++check_failures;
    fprintf(stderr, "'%s': message '%s' lacks '%s'\n", text, why, message);
  }
  const char *caret = strrchr(why, '^'), *line = strrchr(why, '\n');
  CHECK(caret && line && caret - line - 1 - 2 == caret_column); /* two spaces of indent */
}

int main(void) {
  round_trip("n1c15k15w60400s51d8", "n1c15k15w60400s51d8");
  round_trip("c15k15w60400s51", "n1c15k15w60400s51d1");
  round_trip("s51d8w60400k15c15n64", "n64c15k15w60400s51d8");
  round_trip("n1c15k15w60000s51d8pl200pr200", "n1c15k15w60000s51d8pl200pr200");
  round_trip("c1k1w1s1pr3", "n1c1k1w1s1d1pl0pr3");
  round_trip("c1k1w1s1pl0pr0", "n1c1k1w1s1d1");
  dconv1d_shape sh = {0};
  CHECK_EQ_INT(dconv1d_shape_parse("c2k3w4s5", &sh, NULL, 0), DCONV1D_OK);
  CHECK(sh.n == 1 && sh.c == 2 && sh.k == 3 && sh.w == 4 && sh.s == 5 && sh.d == 1 && sh.pad_l == 0);
  rejected("", "empty", 0);
  rejected("n1c15x3k15w60400s51", "unknown field", 5);
  rejected("n1c15k15c3w60400s51", "twice", 8);
  rejected("n1c15kw60400s51", "missing value", 6);
  rejected("n1c15k15w99999999999999999999s51", "overflows", 9);
  rejected("n1c15k15w60400s51 ", "unknown field", 17);
  rejected("n1c15k15w60400s51d8junk", "unknown field", 19);
  rejected("n1k15w60400s51", "'c' is missing", 14);
  rejected("n0c15k15w60400s51", "at least 1", 1);
  rejected("n1c15k15w60400s51p3", "unknown field", 17);
  rejected("n-1c15k15w60400s51", "missing value", 1);
  CHECK_EQ_INT(dconv1d_shape_parse(NULL, &sh, NULL, 0), DCONV1D_ERR_NULL_ARG);
  CHECK_EQ_INT(dconv1d_shape_print(NULL, NULL, 0), -1);
  char small[8];
  CHECK(dconv1d_shape_print(&sh, small, sizeof small) > (int)sizeof small);
  CHECK(strlen(small) == sizeof small - 1);
  return check_report("test_descriptor");
}
