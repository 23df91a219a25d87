// The C++ side of gbench.h: every entry point is extern "C", and none lets a
// C++ exception escape, because unwinding through C frames is undefined.
#include "gbench.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <exception>

// Lives on the stack of the registered lambda for exactly one run of the C
// function, so C code never sees (or keeps) a benchmark::State directly.
struct dc_gb_state {
  benchmark::State *st;
};

namespace {

// The C enum values are not the library's bit values (its ITERATION_INVARIANT
// is 1 << 2, AVG_ITERATIONS 1 << 3), so translate bit by bit.
benchmark::Counter::Flags to_counter_flags(int flags) {
  int out = benchmark::Counter::kDefaults;
  if (flags & DC_GB_COUNTER_RATE) out |= benchmark::Counter::kIsRate;
  if (flags & DC_GB_COUNTER_ITERATION_INVARIANT) out |= benchmark::Counter::kIsIterationInvariant;
  if (flags & DC_GB_COUNTER_AVG_ITERATIONS) out |= benchmark::Counter::kAvgIterations;
  return static_cast<benchmark::Counter::Flags>(out);
}

} // namespace

extern "C" {

void dc_gb_initialize(int *argc, char **argv) {
  if (!argc || !argv) return;
  try {
    benchmark::Initialize(argc, argv);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "dc_gb_initialize: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "dc_gb_initialize: unknown exception\n");
  }
}

// Not benchmark::ReportUnrecognizedArguments: this keeps the message format
// our own ("unrecognized argument: X") instead of the library's, which
// differs between versions and whose header misdocuments it as stdout.
int dc_gb_report_unrecognized(int argc, char **argv) {
  if (argc <= 1 || !argv) return 0;
  for (int i = 1; i < argc; ++i) std::fprintf(stderr, "unrecognized argument: %s\n", argv[i] ? argv[i] : "(null)");
  return 1;
}

int dc_gb_register(const char *name, dc_gb_fn fn, void *user, int real_time, double min_time_seconds) {
  if (!name || !fn) return -1;
  try {
    // The library copies the name and owns the lambda for the process lifetime.
    auto *b = benchmark::RegisterBenchmark(name, [fn, user](benchmark::State &st) {
      dc_gb_state s{&st};
      fn(&s, user);
    });
    if (!b) return -1;
    if (real_time) b->UseRealTime();
    if (min_time_seconds > 0) b->MinTime(min_time_seconds);
    return 0;
  } catch (...) {
    return -1;
  }
}

int dc_gb_keep_running(dc_gb_state *state) { return state && state->st->KeepRunning() ? 1 : 0; }

int64_t dc_gb_iterations(const dc_gb_state *state) { return state ? static_cast<int64_t>(state->st->iterations()) : 0; }

void dc_gb_pause_timing(dc_gb_state *state) {
  if (state) state->st->PauseTiming();
}

void dc_gb_resume_timing(dc_gb_state *state) {
  if (state) state->st->ResumeTiming();
}

// Building the map key can throw std::bad_alloc; the counter is then dropped.
void dc_gb_set_counter(dc_gb_state *state, const char *name, double value, int flags) {
  if (!state || !name) return;
  try {
    state->st->counters[name] = benchmark::Counter(value, to_counter_flags(flags));
  } catch (...) {
  }
}

void dc_gb_set_label(dc_gb_state *state, const char *label) {
  if (!state) return;
  try {
    state->st->SetLabel(label ? label : "");
  } catch (...) {
  }
}

// A NULL message would be turned into a std::string inside the library (UB),
// so substitute a generic one.
void dc_gb_skip_with_error(dc_gb_state *state, const char *message) {
  if (!state) return;
  try {
    state->st->SkipWithError(message ? message : "skipped");
  } catch (...) {
  }
}

size_t dc_gb_run_all(void) {
  try {
    return benchmark::RunSpecifiedBenchmarks();
  } catch (const std::exception &e) {
    std::fprintf(stderr, "dc_gb_run_all: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "dc_gb_run_all: unknown exception\n");
  }
  return 0;
}

void dc_gb_shutdown(void) {
  try {
    benchmark::Shutdown();
  } catch (...) {
  }
}

} // extern "C"
