/* bf16 <-> float, round to nearest even (NaN stays a quiet NaN). */
#include "internal.h"

uint16_t dconv1d_bf16_from_float(float value) { return dc_bf16_round(value); }

float dconv1d_bf16_to_float(uint16_t value) { return dc_bf16_widen(value); }
