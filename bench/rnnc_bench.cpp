// rnnc-bench: times rnnc's compiled kernels, oneDNN's RNN primitive
// (forward_inference, same weights) and a hand-fused baseline (one sgemm for
// the input projection of all steps, one per step, one fused elementwise pass)
// interleaved, after checking that they agree. Each config runs in a process
// of its own (this program again, with --one-config), so that none inherits
// the C library heap of another, and reports the minor page faults of a warm
// call of each (rnnc's must be 0: the instance's workspace; it fails if not).
//
//   rnnc-bench [--quick] [--threads N] [--csv FILE] [--json FILE] [--filter REGEX]
//              [--row-block N] [--perf-jitdump] [--precision f32|bf16|int8]
//
// Prints per config: median ms of each, GFLOP/s = 2*L*B*T*(I+H)*G*H / time (L stacked layers),
// % of this machine's zmm FMA peak (measured on one thread at start, times the
// thread count) and the ratios. Where rnnc hoists the input projection (input
// weights > 1 MiB), the same kernel with the projection computed by the
// Halide pipeline (--halide-projection) runs too. At B = 1 the floor is L
// times the measured time to stream one layer's recurrent weights T times
// (the weights every step of a layer must read), on the same threads. The
// custom cells' configs (MGU, MinimalRNN, LSTM-custom: bench/custom_cells.h)
// run against a fused baseline of their equations (oneDNN only for
// LSTM-custom, as its LSTM).
// --threads N: rnnc's kernels are compiled for N threads (libomp) and oneDNN
// and the fused baseline run on N OpenMP threads. rnnc's kernels are compiled
// for the config's batch, as oneDNN's primitives are created for it.
// --filter REGEX: only the configs whose name ("LSTM H=256 B=1", "GRU L=2
// H=512 B=16") it matches somewhere ("^LSTM H=256 B=1$": that one config).
// --precision bf16|int8: rnnc's kernels in that precision (docs/precision.md),
// oneDNN's too where it has the cell in it (bf16: bf16 data and weights;
// int8: u8 data with one static scale, s8 weights), the fused baseline f32;
// the Halide columns become rnnc f32's. rnnc's outputs are checked against
// the f32 ones to 5e-2.
// --perf-jitdump: rnnc's kernels (named rnnc_, rnnc_halide_, rnnc_f32_)
// in a perf jitdump, for tools/profile.sh.

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "config.h"
#include "custom_cells.h"
#include "isolation.h"
#include "peers.h"
#include "rnnc/rnnc.h"

namespace {
using namespace bench;
using Clock = std::chrono::steady_clock;

//===----------------------------------------------------------------------===//
// rnnc
//===----------------------------------------------------------------------===//

struct RnncRunner {
  std::shared_ptr<const rnnc::Model> model;
  rnnrt_instance_t *instance = nullptr;
  std::vector<rnnrt_tensor_t> inputs;
  double compileMs = 0;

  int64_t rowBlock = 0; ///< 0: the compiler's default
  int threads = 1;
  bool halideProjection = false;
  /// The kernel's name (perf jitdump: rnnc_, rnnc_halide_, rnnc_f32_).
  std::string name = "rnnc";
  bool perfJitDump = false;
  std::string precision = "f32";

  bool init(const Config &c, const std::vector<Weights> &layers, const std::vector<float> &x,
            std::string &error) {
    int64_t I = c.H, H = c.H;
    rnnc::ModelBuilder b;
    rnnc::Tensor in = b.input("inputs", rnnc::DType::F32, {rnnc::kTime, rnnc::kBatch, I});
    std::vector<rnnc::Cell> cells;
    for (const Weights &w : layers)
      switch (c.kind) {
      case Kind::LSTM: {
        rnnc::LSTMCellOptions options;
        options.forget_bias = 0.0f; // oneDNN adds none
        cells.push_back(b.LSTMCell(H, {w.kernel, w.bias}, options));
        break;
      }
      case Kind::GRU:
      case Kind::LbrGRU: {
        rnnc::GRUCellOptions options;
        options.linear_before_reset = c.kind == Kind::LbrGRU;
        cells.push_back(
            b.GRUCell(H, {w.kernel, w.bias, w.candidate, w.candidateBias, w.hiddenBias}, options));
        break;
      }
      case Kind::RNN:
        cells.push_back(b.BasicRNNCell(H, w.kernel, w.bias));
        break;
      case Kind::MGU:
      case Kind::MinimalRNN:
      case Kind::CustomLSTM:
        cells.push_back(customCell(b, c.kind, I, H, w));
        break;
      }
    rnnc::DynamicRNNOptions options;
    options.time_major = true;
    rnnc::Cell cell = cells.size() == 1 ? cells.front() : b.MultiRNNCell(cells);
    b.output("outputs", b.dynamic_rnn(cell, in, options).outputs);
    rnnc::CompileOptions compileOptions;
    compileOptions.name = name;
    compileOptions.perf_jitdump = perfJitDump;
    compileOptions.expose_state = false;
    compileOptions.batch = c.B;
    compileOptions.threads = threads;
    compileOptions.halide_projection = halideProjection;
    compileOptions.precision = precision;
    if (rowBlock > 0)
      compileOptions.row_block = rowBlock;
    auto start = Clock::now();
    model = rnnc::Model::compile(b, compileOptions, &error);
    compileMs = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!model)
      return false;
    rnnrt_instance_options_t instanceOptions;
    rnnrt_instance_options_initialize(&instanceOptions);
    instanceOptions.batch = c.B;
    char message[256];
    if (rnnrt_instance_create(model->descriptor(), &instanceOptions, &instance, message,
                              sizeof message) != RNNRT_STATUS_OK) {
      error = message;
      return false;
    }
    inputs = {{const_cast<float *>(x.data()), RNNRT_DTYPE_F32, 3, {c.T, c.B, I}}};
    return true;
  }
  void run() { rnnrt_instance_run(instance, inputs.data(), inputs.size()); }
  const float *output() {
    rnnrt_tensor_t out;
    rnnrt_instance_output(instance, 0, &out);
    return static_cast<const float *>(out.data);
  }
  ~RnncRunner() { rnnrt_instance_destroy(instance); }
};

//===----------------------------------------------------------------------===//
// Measurement
//===----------------------------------------------------------------------===//

__attribute__((target("avx512f"))) double zmmPeakGflops() {
  constexpr int kChains = 16;
  __m512 acc[kChains], mul = _mm512_set1_ps(0.999999f), add = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm512_set1_ps((float)i);
  const int64_t iterations = 20'000'000;
  auto start = Clock::now();
  for (int64_t n = 0; n < iterations; ++n)
    for (int i = 0; i < kChains; ++i)
      acc[i] = _mm512_fmadd_ps(acc[i], mul, add);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  float sink = 0;
  for (int i = 0; i < kChains; ++i)
    sink += _mm512_reduce_add_ps(acc[i]);
  if (sink == 12345.0f)
    std::puts("");
  return 2.0 * 16 * kChains * iterations / seconds / 1e9;
}

/// Median ms to read `floats` floats once with zmm loads, split over the
/// OpenMP threads, after warming up: the buffer stays wherever its size lets it
/// (L2, L3 or DRAM), as recurrent weights read every step do.
// Median time of `reads` passes over `buffer` in one parallel region, each
// thread reading the same static share every pass (as the kernels' threads keep
// their share of the weights in their own L2). Timing each pass as its own
// parallel region counted a fork/join (microseconds) per pass of 1-4 us.
__attribute__((target("avx512f"))) double streamMs(const std::vector<float> &buffer,
                                                   int64_t reads) {
  // Independent sums, so that the adds' latency does not bound the loads.
  constexpr int64_t kSums = 8;
  const float *data = buffer.data();
  const int64_t blocks = static_cast<int64_t>(buffer.size()) / (16 * kSums);
  std::vector<double> samples;
  float sink = 0;
  for (int pass = 0; pass < 17; ++pass) {
    auto start = Clock::now();
#pragma omp parallel
    {
      const int64_t team = omp_get_num_threads(), thread = omp_get_thread_num();
      const int64_t begin = blocks * thread / team, end = blocks * (thread + 1) / team;
      __m512 acc[kSums];
      for (__m512 &a : acc)
        a = _mm512_setzero_ps();
      for (int64_t read = 0; read < reads; ++read)
        for (int64_t block = begin; block < end; ++block)
          for (int64_t i = 0; i < kSums; ++i)
            acc[i] = _mm512_add_ps(acc[i], _mm512_loadu_ps(data + 16 * (block * kSums + i)));
      __m512 total = _mm512_setzero_ps();
      for (__m512 &a : acc)
        total = _mm512_add_ps(total, a);
#pragma omp atomic
      sink += _mm512_reduce_add_ps(total);
    }
    if (pass >= 2)
      samples.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  if (sink == 12345.0f)
    std::puts("");
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double maxDifference(const float *a, const float *b, size_t n) {
  double worst = 0;
  for (size_t i = 0; i < n; ++i)
    worst = std::max(worst, (double)std::fabs(a[i] - b[i]));
  return worst;
}

struct Result {
  Config config;
  double rnnc = 0, onednn = 0, fused = 0, gflop = 0, compileMs = 0, diffOnednn = 0, diffFused = 0;
  /// 0: not measured (the projection is not hoisted; B > 1; --precision
  /// f32).
  double halide = 0, floor = 0, f32 = 0;
  /// Minor page faults per call in the steady state.
  double faultsRnnc = 0, faultsOnednn = 0, faultsFused = 0;

  /// The measured fields, as a config's process reports them to the parent.
  std::vector<double *> fields() {
    return {&rnnc,   &onednn, &fused,      &gflop,        &compileMs,  &diffOnednn,
            &diffFused, &halide, &floor, &faultsRnnc, &faultsOnednn, &faultsFused, &f32};
  }
};

struct Options {
  bool quick = false;
  int threads = 1;
  int64_t rowBlock = 0;
  bool perfJitDump = false;
  std::string precision = "f32";
  double peak = 0; ///< GFLOP/s of all threads
};

std::string configName(const Config &c) {
  return std::string(kindName(c.kind)) + (c.L > 1 ? " L=" + std::to_string(c.L) : "") +
         " H=" + std::to_string(c.H) + " B=" + std::to_string(c.B);
}

std::vector<Config> benchConfigs(bool quick) {
  if (quick)
    return {{Kind::LSTM, 256, 1, 100},   {Kind::LSTM, 256, 16, 100}, {Kind::GRU, 256, 16, 100},
            {Kind::LbrGRU, 256, 16, 100}, {Kind::RNN, 256, 16, 100},  {Kind::LSTM, 256, 1, 100, 2},
            {Kind::MGU, 256, 16, 100}};
  std::vector<Config> configs;
  for (Kind kind : {Kind::LSTM, Kind::GRU, Kind::LbrGRU})
    for (int64_t H : {256, 512, 1024})
      for (int64_t B : {1, 16, 32, 64}) {
        // B = 32 for the cells of speech models (LSTM, GRU-LBR) only; T = 50
        // where a step is large.
        if (B == 32 && (kind == Kind::GRU || H < 512))
          continue;
        int64_t T = H >= 512 && B >= 32 ? 50 : 100;
        configs.push_back({kind, H, B, T});
      }
  for (int64_t H : {256, 1024})
    for (int64_t B : {1, 16, 64})
      configs.push_back({Kind::RNN, H, B, 100});
  // Two stacked layers (one sequence per layer where the upper one's input
  // projection is hoisted, else one time loop).
  for (Kind kind : {Kind::LSTM, Kind::GRU})
    for (int64_t H : {256, 512})
      for (int64_t B : {1, 16})
        configs.push_back({kind, H, B, 100, 2});
  // Custom cells against a hand-fused baseline of their equations.
  for (Kind kind : {Kind::MGU, Kind::MinimalRNN, Kind::CustomLSTM})
    for (int64_t H : {256, 1024})
      for (int64_t B : {1, 16, 64})
        configs.push_back({kind, H, B, H >= 512 && B >= 32 ? 50 : 100});
  return configs;
}

/// Compiles, checks and times config `c` (in this process, which runs no
/// other) and prints its table row; a nonzero return is a failed check.
int measureConfig(const Config &c, const Options &o, Result &r) {
  std::string name = configName(c);
  std::mt19937 rng(std::hash<std::string>()(name) & 0xffffffff);
  int threads = o.threads;
  bool quick = o.quick;
  double peak = o.peak;
  r.config = c;
  {
    std::vector<Weights> w;
    for (int64_t l = 0; l < c.L; ++l)
      w.push_back(makeWeights(c, rng));
    std::vector<float> x = random(c.T * c.B * c.H, rng, 1.0f);
    // When rnnc hoists the input projection with its defaults (the rule of
    // hoistsInputProjection in RnnToLoops.cpp, for a static batch).
    int64_t inputBytes = 4 * c.H * gates(c.kind) * c.H;
    bool custom = isCustom(c.kind);
    bool hoisted = !custom && ((inputBytes > (1 << 20) && !(c.B >= 32 && inputBytes <= (8 << 20))) ||
                               (16 * c.B < c.H && inputBytes > (1 << 16)));
    // Custom cells: oneDNN only has LSTM-custom's equations, as an LSTM, and
    // the fused baseline runs each cell's own.
    Config peer = c;
    if (c.kind == Kind::CustomLSTM)
      peer.kind = Kind::LSTM;
    bool hasOneDnn = !custom || c.kind == Kind::CustomLSTM;
    RnncRunner rnncRunner, halideRunner;
    for (RnncRunner *runner : {&rnncRunner, &halideRunner}) {
      runner->rowBlock = o.rowBlock;
      runner->threads = threads;
      runner->perfJitDump = o.perfJitDump;
      runner->precision = o.precision;
    }
    // Another precision: the second rnnc is rnnc f32 (bf16 and int8 models
    // compute their projection without Halide).
    bool reduced = o.precision != "f32";
    if (reduced) {
      halideRunner.precision = "f32";
      halideRunner.name = "rnnc_f32";
      hoisted = false;
    } else {
      halideRunner.halideProjection = true;
      halideRunner.name = "rnnc_halide";
    }
    OneDnnRunner onednn;
    FusedRunner fused;
    std::string error;
    if (!rnncRunner.init(c, w, x, error) ||
        ((hoisted || reduced) && !halideRunner.init(c, w, x, error))) {
      std::fprintf(stderr, "rnnc-bench: %s: %s\n", name.c_str(), error.c_str());
      return 1;
    }
    // oneDNN at the same precision, where it has the cell in it.
    if (hasOneDnn && !onednn.init(peer, w, x, o.precision)) {
      std::fprintf(stderr, "rnnc-bench: %s: no oneDNN %s primitive (%s)\n", name.c_str(),
                   o.precision.c_str(), onednn.unsupported.c_str());
      hasOneDnn = false;
    }
    fused.init(peer, w, x);
    rnncRunner.run();
    fused.run();
    if (hasOneDnn)
      onednn.run();
    // Every output against oneDNN's f32 one, or the fused baseline's where
    // oneDNN has no such cell or runs in another precision.
    const float *reference = hasOneDnn && !reduced ? onednn.output() : fused.output();
    size_t n = c.T * c.B * c.H;
    r.diffOnednn = maxDifference(rnncRunner.output(), reference, n);
    r.diffFused = maxDifference(fused.output(), reference, n);
    double diffHalide = 0;
    if (hoisted || reduced) {
      halideRunner.run();
      diffHalide = maxDifference(halideRunner.output(), reference, n);
    }
    // bf16 and int8: rnnc's outputs move by up to ~1e-2 (docs/precision.md).
    double tolerance = reduced ? 5e-2 : 1e-3;
    if (reduced && hasOneDnn) {
      double peerDiff = maxDifference(onednn.output(), reference, n);
      if (peerDiff > tolerance)
        std::fprintf(stderr, "rnnc-bench: %s: oneDNN %s is %.2g from the f32 outputs\n",
                     name.c_str(), o.precision.c_str(), peerDiff);
    }
    if (r.diffOnednn > tolerance || r.diffFused > 1e-3 ||
        diffHalide > (reduced ? 1e-3 : tolerance)) {
      std::fprintf(stderr,
                   "rnnc-bench: %s: outputs disagree with %s's (rnnc %.2g, fused %.2g, "
                   "rnnc with Halide %.2g)\n",
                   name.c_str(), hasOneDnn ? "oneDNN" : "the fused baseline", r.diffOnednn,
                   r.diffFused, diffHalide);
      return 1;
    }
    // Interleaved rounds until each has >= 5 samples and >= 0.3 s (quick: 0.1 s).
    constexpr int kRunners = 4;
    std::vector<double> samples[kRunners];
    std::function<void()> runs[kRunners] = {[&] { rnncRunner.run(); }, [&] { onednn.run(); },
                                            [&] { fused.run(); }, [&] { halideRunner.run(); }};
    bool measured[kRunners] = {true, hasOneDnn, true, hoisted || reduced};
    double budget = quick ? 0.1 : 0.3, spent[kRunners] = {};
    auto underBudget = [&] {
      for (int k = 0; k < kRunners; ++k)
        if (measured[k] && spent[k] < budget)
          return true;
      return false;
    };
    while (samples[0].size() < 5 || underBudget()) {
      for (int k = 0; k < kRunners; ++k) {
        if (!measured[k])
          continue;
        auto start = Clock::now();
        runs[k]();
        double s = std::chrono::duration<double>(Clock::now() - start).count();
        samples[k].push_back(s * 1e3);
        spent[k] += s;
      }
      if (samples[0].size() >= 200)
        break;
    }
    r.rnnc = median(samples[0]);
    r.onednn = median(samples[1]);
    r.fused = median(samples[2]);
    (reduced ? r.f32 : r.halide) = median(samples[3]);
    // Page faults per call once warm: none for a kernel that allocates
    // nothing; each fault costs microseconds on a VM.
    double *faults[3] = {&r.faultsRnnc, &r.faultsOnednn, &r.faultsFused};
    for (int k = 0; k < 3; ++k) {
      if (!measured[k])
        continue;
      constexpr int kCalls = 10;
      long before = bench::minorFaults();
      for (int call = 0; call < kCalls; ++call)
        runs[k]();
      *faults[k] = double(bench::minorFaults() - before) / kCalls;
    }
    if (c.B == 1) {
      // Every step of a layer reads the recurrent part of its kernel: G*H*H
      // floats (layer after layer, one layer's weights stay in cache).
      std::vector<float> recurrentWeights = random(gates(c.kind) * c.H * c.H, rng, 1.0f);
      r.floor = c.L * streamMs(recurrentWeights, c.T);
    }
    r.gflop = 2.0 * c.L * c.B * c.T * 2 * c.H * gates(c.kind) * c.H / 1e9;
    r.compileMs = rnncRunner.compileMs;
    double gflops = r.gflop / (r.rnnc / 1e3);
    char halideText[32] = "-", halideRatio[32] = "-", floorText[32] = "-", floorRatio[32] = "-",
         onednnText[32] = "-", onednnRatio[32] = "-";
    if (r.onednn > 0) {
      std::snprintf(onednnText, sizeof onednnText, "%.3f", r.onednn);
      std::snprintf(onednnRatio, sizeof onednnRatio, "%.2fx", r.onednn / r.rnnc);
    }
    if (r.halide > 0 || r.f32 > 0) {
      double other = r.halide > 0 ? r.halide : r.f32;
      std::snprintf(halideText, sizeof halideText, "%.3f", other);
      std::snprintf(halideRatio, sizeof halideRatio, "%.2fx", other / r.rnnc);
    }
    if (r.floor > 0) {
      std::snprintf(floorText, sizeof floorText, "%.3f", r.floor);
      std::snprintf(floorRatio, sizeof floorRatio, "%.2f", r.rnnc / r.floor);
    }
    std::printf(
        "%-11s %2lld %5lld %3lld %4lld | %9.3f %9s %9.3f | %7.1f %5.0f%% | %8s %7.2fx | "
        "%9s %7s | %8s %6s | %6.0f %6.0f %6.0f | %.0f\n",
        kindName(c.kind), (long long)c.L, (long long)c.H, (long long)c.B, (long long)c.T, r.rnnc,
        onednnText, r.fused, gflops, peak > 0 ? 100 * gflops / peak : 0.0, onednnRatio,
        r.fused / r.rnnc, halideText, halideRatio, floorText, floorRatio, r.faultsRnnc,
        r.faultsOnednn, r.faultsFused, r.compileMs);
    std::fflush(stdout);
    if (r.faultsRnnc > 0) {
      std::fprintf(stderr,
                   "rnnc-bench: %s: rnnc's warm calls fault %.1f pages each; the instance's "
                   "workspace should make them fault none\n",
                   name.c_str(), r.faultsRnnc);
      return 1;
    }
  }
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  bool quick = false;
  int threads = 1;
  std::string csvPath, jsonPath, filter, oneConfig, precision = "f32";
  int64_t rowBlock = 0;
  bool perfJitDump = false;
  double givenPeak = -1;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (arg == "--quick")
      quick = true;
    else if (arg == "--threads")
      threads = std::max(1, std::atoi(value().c_str()));
    else if (arg == "--csv")
      csvPath = value();
    else if (arg == "--json")
      jsonPath = value();
    else if (arg == "--filter")
      filter = value();
    else if (arg == "--row-block")
      rowBlock = std::atoi(value().c_str());
    else if (arg == "--perf-jitdump")
      perfJitDump = true;
    else if (arg == "--precision")
      precision = value();
    else if (arg == "--one-config") // internal: the process of one config
      oneConfig = value();
    else if (arg == "--peak") // internal: the parent's measurement
      givenPeak = std::atof(value().c_str());
    else {
      std::fprintf(stderr, "usage: rnnc-bench [--quick] [--threads N] [--csv FILE] [--json FILE] "
                           "[--filter REGEX] [--row-block N] [--perf-jitdump] [--precision f32|bf16|int8]\n");
      return 2;
    }
  }
  std::regex filterRegex;
  try {
    filterRegex = std::regex(filter);
  } catch (const std::regex_error &e) {
    std::fprintf(stderr, "rnnc-bench: --filter %s: %s\n", filter.c_str(), e.what());
    return 2;
  }
  omp_set_num_threads(threads);
  double threadPeak = givenPeak >= 0 ? givenPeak / threads
                      : __builtin_cpu_supports("avx512f") ? zmmPeakGflops()
                                                          : 0.0;
  double peak = threadPeak * threads;
  Options options;
  options.quick = quick;
  options.threads = threads;
  options.rowBlock = rowBlock;
  options.perfJitDump = perfJitDump;
  options.precision = precision;
  options.peak = peak;
  if (oneConfig.empty())
    std::printf("zmm FMA peak, 1 thread: %.0f GFLOP/s (%% peak: of %d x that); rnnc, oneDNN and "
                "the fused baseline use %d thread(s); each config runs in a process of its own\n\n",
                threadPeak, threads, threads);

  // The compile-time target: JIT of a 2-layer LSTM with H = 512.
  double twoLayerCompileMs = 0;
  if (oneConfig.empty()) {
    std::mt19937 probe(7);
    rnnc::ModelBuilder b;
    rnnc::Tensor in = b.input("inputs", rnnc::DType::F32, {rnnc::kTime, rnnc::kBatch, 512});
    std::vector<rnnc::Cell> layers;
    for (int l = 0; l < 2; ++l)
      layers.push_back(
          b.LSTMCell(512, {random(1024 * 2048, probe, 0.04f), random(2048, probe, 0.04f)}));
    rnnc::DynamicRNNOptions options;
    options.time_major = true;
    b.output("outputs", b.dynamic_rnn(b.MultiRNNCell(layers), in, options).outputs);
    rnnc::CompileOptions compileOptions;
    compileOptions.name = "compile_probe";
    std::string error;
    auto start = Clock::now();
    auto model = rnnc::Model::compile(b, compileOptions, &error);
    twoLayerCompileMs = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!model) {
      std::fprintf(stderr, "rnnc-bench: %s\n", error.c_str());
      return 1;
    }
    std::printf("JIT compile of a 2-layer LSTM (H = 512, weights constant): %.0f ms\n\n",
                twoLayerCompileMs);
  }

  std::vector<Result> results;
  int failures = 0;
  if (!oneConfig.empty()) {
    // A child: one config, its row on stdout and its numbers for the parent.
    for (const Config &c : benchConfigs(false))
      if (configName(c) == oneConfig) {
        Result r;
        int status = measureConfig(c, options, r);
        std::printf("RESULT ");
        for (double *field : r.fields())
          std::printf(" %.17g", *field);
        std::printf("\n");
        return status;
      }
    std::fprintf(stderr, "rnnc-bench: no config named '%s'\n", oneConfig.c_str());
    return 2;
  }
  std::printf("%-11s %2s %5s %3s %4s | %9s %9s %9s | %7s %6s | %8s %8s | %9s %7s | %8s "
              "%6s | %20s | %s\n",
              "cell", "L", "H", "B", "T", "rnnc ms", "oneDNN ms", "fused ms", "GFLOP/s", "%peak",
              "/oneDNN", "/fused", precision == "f32" ? "Halide ms" : "f32 ms",
              precision == "f32" ? "/Halide" : "/f32", "floor ms", "xfloor",
              "faults/call r/o/f", "compile ms");
  std::fflush(stdout);
  // Each config in a process of its own: a fresh heap, as a program that
  // embeds one model has, not the state earlier configs left in glibc.
  char peakText[32];
  std::snprintf(peakText, sizeof peakText, "%.17g", peak);
  for (const Config &c : benchConfigs(quick)) {
    std::string name = configName(c);
    if (!std::regex_search(name, filterRegex))
      continue;
    std::vector<std::string> args = {"--threads", std::to_string(threads), "--peak", peakText,
                                     "--one-config", name};
    if (rowBlock > 0)
      args.insert(args.end(), {"--row-block", std::to_string(rowBlock)});
    if (quick)
      args.push_back("--quick");
    if (perfJitDump)
      args.push_back("--perf-jitdump");
    args.insert(args.end(), {"--precision", precision});
    int exitCode = -1;
    std::vector<std::string> reported = bench::runChild("/proc/self/exe", args, "RESULT ", exitCode);
    Result r;
    r.config = c;
    bool parsed = reported.size() == 1;
    if (parsed) {
      std::istringstream fields(reported.front());
      for (double *field : r.fields())
        parsed = parsed && static_cast<bool>(fields >> *field);
    }
    if (exitCode != 0 || !parsed) {
      std::fprintf(stderr, "rnnc-bench: %s failed (exit %d)\n", name.c_str(), exitCode);
      ++failures;
      continue;
    }
    results.push_back(r);
  }
  if (precision != "f32")
    std::printf("\n--precision %s: rnnc and oneDNN (where it has the cell in %s) in it; "
                "f32 ms: rnnc in f32, /f32 its ratio.",
                precision.c_str(), precision.c_str());
  std::printf("\nratios > 1: rnnc is faster (/Halide: than rnnc with --halide-projection); "
              "xfloor: rnnc / floor (1 = streaming-bound); faults/call: minor page "
              "faults per warm call of rnnc/oneDNN/fused.\nMGU, MinimalRNN, LSTM-custom: custom "
              "cells against a hand-fused baseline of their equations; "
              "LSTM-custom's oneDNN is its LSTM.\nGFLOP/s counts 2*L*B*T*(I+H)*G*H "
              "(G: weight matrices [I+H, H]).\n");

  if (!csvPath.empty()) {
    std::ofstream csv(csvPath);
    csv << "cell,H,B,T,threads,rnnc_ms,onednn_ms,fused_ms,rnnc_gflops,peak_percent,"
           "vs_onednn,vs_fused,compile_ms,halide_ms,floor_ms,layers,"
           "rnnc_faults_per_call,onednn_faults_per_call,fused_faults_per_call,precision,"
           "rnnc_f32_ms\n";
    for (const Result &r : results) {
      double gflops = r.gflop / (r.rnnc / 1e3);
      csv << kindName(r.config.kind) << ',' << r.config.H << ',' << r.config.B << ',' << r.config.T
          << ',' << threads << ',' << r.rnnc << ',';
      if (r.onednn > 0)
        csv << r.onednn;
      csv << ',' << r.fused << ',' << gflops << ',' << (peak > 0 ? 100 * gflops / peak : 0) << ',';
      if (r.onednn > 0)
        csv << r.onednn / r.rnnc;
      csv << ',' << r.fused / r.rnnc << ',' << r.compileMs << ',';
      if (r.halide > 0)
        csv << r.halide;
      csv << ',';
      if (r.floor > 0)
        csv << r.floor;
      csv << ',' << r.config.L << ',' << r.faultsRnnc << ',' << r.faultsOnednn << ','
          << r.faultsFused << ',' << precision << ',';
      if (r.f32 > 0)
        csv << r.f32;
      csv << '\n';
    }
  }
  if (!jsonPath.empty()) {
    std::ofstream json(jsonPath);
    json << "{\"peak_gflops\": " << peak << ", \"threads\": " << threads
         << ", \"two_layer_lstm_512_compile_ms\": " << twoLayerCompileMs << ", \"results\": [";
    for (size_t i = 0; i < results.size(); ++i) {
      const Result &r = results[i];
      json << (i ? ", " : "") << "{\"cell\": \"" << kindName(r.config.kind)
           << "\", \"layers\": " << r.config.L << ", \"H\": " << r.config.H
           << ", \"B\": " << r.config.B << ", \"T\": " << r.config.T << ", \"rnnc_ms\": " << r.rnnc
           << ", \"fused_ms\": " << r.fused << ", \"compile_ms\": " << r.compileMs;
      if (r.onednn > 0)
        json << ", \"onednn_ms\": " << r.onednn;
      if (r.halide > 0)
        json << ", \"halide_ms\": " << r.halide;
      if (r.f32 > 0)
        json << ", \"rnnc_f32_ms\": " << r.f32;
      if (r.floor > 0)
        json << ", \"floor_ms\": " << r.floor;
      json << ", \"rnnc_faults_per_call\": " << r.faultsRnnc
           << ", \"onednn_faults_per_call\": " << r.faultsOnednn
           << ", \"fused_faults_per_call\": " << r.faultsFused << "}";
    }
    json << "]}\n";
  }
  return failures > 0 ? 1 : 0;
}
