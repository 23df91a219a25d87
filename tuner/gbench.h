/* A thin C API over Google Benchmark (implemented in gbench.cc, the only
 * C++ in the project). Register benchmarks by C function pointer, loop on
 * dc_gb_keep_running, attach counters and a label, run with argc/argv. */
#ifndef DC_GBENCH_H
#define DC_GBENCH_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dc_gb_state dc_gb_state; /* wraps benchmark::State */
typedef void (*dc_gb_fn)(dc_gb_state *state, void *user);

/* Counter flags (combine with |), mirroring benchmark::Counter::Flags. */
enum {
  DC_GB_COUNTER_DEFAULT = 0,
  DC_GB_COUNTER_RATE = 1,                /* value / elapsed seconds */
  DC_GB_COUNTER_ITERATION_INVARIANT = 2, /* value * iterations */
  DC_GB_COUNTER_AVG_ITERATIONS = 4       /* value / iterations */
};

/* Consumes the --benchmark_* flags from argv (argc is updated). */
void dc_gb_initialize(int *argc, char **argv);
/* After initialize: 1 (and a message on stderr) if argv still holds
 * arguments other than argv[0], else 0. */
int dc_gb_report_unrecognized(int argc, char **argv);

/* Registers name -> fn(state, user). real_time: time by wall clock (needed
 * for OpenMP code); min_time_seconds <= 0 keeps the library's default. */
int dc_gb_register(const char *name, dc_gb_fn fn, void *user, int real_time, double min_time_seconds);

/* The state loop: while (dc_gb_keep_running(s)) { ... }. Run it until it
 * returns 0 even after dc_gb_skip_with_error (it then stops at once), or
 * the library aborts. Options change the reported name: real_time appends
 * "/real_time", min_time appends "/min_time:T". */
int dc_gb_keep_running(dc_gb_state *state);
int64_t dc_gb_iterations(const dc_gb_state *state);
void dc_gb_pause_timing(dc_gb_state *state);
void dc_gb_resume_timing(dc_gb_state *state);
void dc_gb_set_counter(dc_gb_state *state, const char *name, double value, int flags);
void dc_gb_set_label(dc_gb_state *state, const char *label);
void dc_gb_skip_with_error(dc_gb_state *state, const char *message);

/* Runs every registered benchmark that matches --benchmark_filter with the
 * reporters chosen by the flags; returns how many ran. */
size_t dc_gb_run_all(void);
void dc_gb_shutdown(void);

#ifdef __cplusplus
}
#endif
#endif
