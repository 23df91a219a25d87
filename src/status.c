/* Status messages and the canonical names of passes and dtypes. */
#include "dconv1d.h"

const char *dconv1d_status_string(dconv1d_status status) {
  switch (status) {
#define DCONV1D_STATUS_CASE(name, value, message)                                                                      \
  case name:                                                                                                           \
    return message;
    DCONV1D_STATUS_TABLE(DCONV1D_STATUS_CASE)
#undef DCONV1D_STATUS_CASE
  }
  return "unknown status code";
}

const char *dconv1d_pass_name(dconv1d_pass pass) {
  switch (pass) {
  case DCONV1D_FWD:
    return "fwd";
  case DCONV1D_BWD_DATA:
    return "bwd_data";
  case DCONV1D_BWD_WEIGHT:
    return "bwd_weight";
  }
  return "unknown";
}

const char *dconv1d_dtype_name(dconv1d_dtype dtype) {
  switch (dtype) {
  case DCONV1D_F32:
    return "f32";
  case DCONV1D_BF16:
    return "bf16";
  }
  return "unknown";
}
