// Randomized end-to-end tests: models compiled by the JIT against the scalar
// reference, over cell kinds and options, stacks, shapes and length patterns.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <tuple>

#include "CaseCheck.h"
#include "ModelText.h"
#include "RandomCase.h"
#include "RnnReference.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/APFloat.h"
#include "rnnc/API/Jit.h"
#include "rnnc/InitAll.h"

using namespace rnnc;
using namespace rnnc::test;
using reference::Activation;
using reference::Cell;
using reference::CellKind;

namespace {
class RandomModelTest : public ::testing::TestWithParam<unsigned> {};

TEST_P(RandomModelTest, MatchesReference) { checkCase(randomCase(GetParam())); }

constexpr unsigned kSeeds = 128;
INSTANTIATE_TEST_SUITE_P(Seeds, RandomModelTest, ::testing::Range(0u, kSeeds));

/// A value rounded to bf16, nearest even (what --precision bf16 stores).
float roundedToBf16(float value) {
  llvm::APFloat rounded(value);
  bool lostInfo = false;
  rounded.convert(llvm::APFloat::BFloat(), llvm::APFloat::rmNearestTiesToEven, &lostInfo);
  rounded.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven, &lostInfo);
  return rounded.convertToFloat();
}

/// The largest difference between two runs' first results.
double maxChange(const std::vector<mlir::rnnc::HostTensor> &a,
                 const std::vector<mlir::rnnc::HostTensor> &b) {
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a.size(), b.size());
  if (a.empty() || a.size() != b.size() || a[0].numElements() != b[0].numElements())
    return INFINITY;
  double change = 0;
  for (int64_t i = 0; i < a[0].numElements(); ++i)
    change = std::max(change, (double)std::fabs(a[0].f32()[i] - b[0].f32()[i]));
  return change;
}

/// bf16 weights (precision "bf16") on every fourth case, its weights constants
/// (weights given at run time stay f32), for an AVX-512 CPU without
/// AVX512_BF16 (x86-64-v4): the weights widened to f32 as loaded. With the
/// weight matrices rounded to bf16 in the model itself, storing them as bf16
/// changes nothing and the products and sums are f32: the results match the
/// reference as an f32 model's do. With f32 weights, within 2e-2 of the f32
/// reference (the outputs are O(1); docs/precision.md).
class Bf16WeightsTest : public ::testing::TestWithParam<unsigned> {};

TEST_P(Bf16WeightsTest, MatchesReference) {
  Case c = randomCase(GetParam());
  c.config.weightsAsConstants = true;
  auto bf16 = [](mlir::rnnc::CompileOptions &options) {
    options.precision = "bf16";
    options.cpu = "x86-64-v4";
  };
  std::vector<mlir::rnnc::HostTensor> f32Results, bf16Results;
  checkCase(c, nullptr, &f32Results);
  checkCase(c, bf16, &bf16Results, 2e-2);
  // The weights were stored as bf16: the outputs moved (the random weights
  // are not all bf16 values), by this much (in the test's XML report).
  double moved = maxChange(f32Results, bf16Results);
  EXPECT_GT(moved, 0.0);
  RecordProperty("bf16_max_abs_change", std::to_string(moved));
  for (reference::Cell &cell : c.config.layers)
    for (std::vector<float> *matrix : {&cell.kernel, &cell.projKernel, &cell.gatesKernel,
                                       &cell.candidateKernel})
      for (float &w : *matrix)
        w = roundedToBf16(w);
  checkCase(c, bf16);
}

INSTANTIATE_TEST_SUITE_P(Seeds, Bf16WeightsTest, ::testing::Range(0u, kSeeds, 4u));

/// The largest value of a run's first result (the scale relative errors are
/// of).
double largest(const std::vector<mlir::rnnc::HostTensor> &results) {
  double value = 0;
  if (!results.empty())
    for (int64_t i = 0; i < results[0].numElements(); ++i)
      value = std::max(value, (double)std::fabs(results[0].f32()[i]));
  return value;
}

/// bf16 and int8 for this CPU on every case, its weights constants: bf16
/// weights (and, where the CPU has AVX512_BF16, rows rounded to bf16 and
/// multiplied in pairs: vdpbf16ps), int8 weights s8 per column and each
/// matmul's rows u8 per row (vpdpbusd where it has AVX512-VNNI). Within
/// kBf16Tolerance and kInt8Tolerance of the f32 reference (the outputs are
/// O(1)); the errors against the f32 model, absolute and relative to its
/// largest output, are in the test's XML report (docs/precision.md has
/// them, and the errors over longer sequences and larger models). On every
/// fourth case the code for CPUs with the instructions (Cooper Lake, Zen 4)
/// has them. ThresholdedRelu jumps from 0 to alpha at its threshold, where
/// any rounding may flip an output: cases with it are held to finite
/// outputs only.
constexpr double kBf16Tolerance = 2e-2, kInt8Tolerance = 2e-2;

bool hasJump(const ModelConfig &config) {
  return llvm::any_of(config.layers, [](const reference::Cell &cell) {
    return cell.activation.kind == reference::Activation::ThresholdedRelu ||
           cell.gateActivation.kind == reference::Activation::ThresholdedRelu ||
           (cell.outputActivation &&
            cell.outputActivation->kind == reference::Activation::ThresholdedRelu);
  });
}
class ReducedPrecisionTest : public ::testing::TestWithParam<unsigned> {};

TEST_P(ReducedPrecisionTest, StaysClose) {
  Case c = randomCase(GetParam());
  c.config.weightsAsConstants = true;
  std::vector<mlir::rnnc::HostTensor> f32Results;
  checkCase(c, nullptr, &f32Results);
  double scale = std::max(largest(f32Results), 1e-6);
  for (auto [precision, tolerance, cpu] :
       {std::tuple("bf16", kBf16Tolerance, "cooperlake"), std::tuple("int8", kInt8Tolerance, "znver4")}) {
    std::string name = precision;
    auto options = [&](mlir::rnnc::CompileOptions &o) { o.precision = name; };
    std::vector<mlir::rnnc::HostTensor> results;
    checkCase(c, options, &results, hasJump(c.config) ? INFINITY : tolerance);
    double error = maxChange(f32Results, results);
    EXPECT_TRUE(std::isfinite(error)) << name;
    RecordProperty(name + "_max_abs_error", std::to_string(error));
    RecordProperty(name + "_max_rel_error", std::to_string(error / scale));
    if (GetParam() % 4 == 0) {
      std::string target = cpu;
      EXPECT_GT(countLoweredOps(c, [&](mlir::rnnc::CompileOptions &o) {
        o.precision = name;
        o.cpu = target;
      }, "llvm.call_intrinsic"), 0) << name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, ReducedPrecisionTest, ::testing::Range(0u, kSeeds));

/// A precision per layer on the stacked cases among every second seed: int8,
/// bf16, f32, int8, ... bottom to top. Within kInt8Tolerance of the f32
/// reference, and each layer's precision is its own: the outputs differ from
/// those of the whole stack in int8 and from the f32 model's (on most cases:
/// a top layer that outputs constants, a ReLU GRU of one unit say, hides
/// what is below it).
TEST(MixedPrecisionTest, StacksStayClose) {
  auto precision = [](std::string name) {
    return [name](mlir::rnnc::CompileOptions &o) { o.precision = name; };
  };
  int stacked = 0, differing = 0;
  for (unsigned seed = 0; seed < kSeeds; seed += 2) {
    Case c = randomCase(seed);
    if (c.config.layers.size() < 2)
      continue;
    ++stacked;
    c.config.weightsAsConstants = true;
    std::string perLayer;
    for (size_t layer = 0; layer < c.config.layers.size(); ++layer)
      perLayer += std::string(layer ? "," : "") + std::array{"int8", "bf16", "f32"}[layer % 3];
    SCOPED_TRACE("seed " + std::to_string(seed) + ", precision " + perLayer);
    std::vector<mlir::rnnc::HostTensor> f32Results, int8Results, mixedResults;
    checkCase(c, nullptr, &f32Results);
    checkCase(c, precision("int8"), &int8Results, INFINITY);
    checkCase(c, precision(perLayer), &mixedResults,
              hasJump(c.config) ? INFINITY : kInt8Tolerance);
    differing += maxChange(f32Results, mixedResults) > 0 && maxChange(int8Results, mixedResults) > 0;
  }
  RecordProperty("stacked_cases", stacked);
  RecordProperty("cases_differing_from_f32_and_int8", differing);
  EXPECT_GT(stacked, 8);
  EXPECT_GT(differing, stacked * 3 / 4);
}

/// int8 for a CPU without AVX512-VNNI (x86-64-v3: AVX2): the dot products of
/// four bytes by shuffles and adds instead of vpdpbusd, the same sums.
class Int8WithoutVnniTest : public ::testing::TestWithParam<unsigned> {};

TEST_P(Int8WithoutVnniTest, StaysClose) {
  Case c = randomCase(GetParam());
  c.config.weightsAsConstants = true;
  checkCase(c, [](mlir::rnnc::CompileOptions &options) {
    options.precision = "int8";
    options.cpu = "x86-64-v3";
  }, nullptr, kInt8Tolerance);
  EXPECT_EQ(countLoweredOps(c, [](mlir::rnnc::CompileOptions &options) {
    options.precision = "int8";
    options.cpu = "x86-64-v3";
  }, "llvm.call_intrinsic"), 0);
}

INSTANTIATE_TEST_SUITE_P(Seeds, Int8WithoutVnniTest, ::testing::Range(5u, kSeeds, 16u));

/// The CUDA target's code without a GPU: the same outlined kernels, block and
/// thread mapping and launches, each kernel run on the host one thread at a
/// time, except the persistent time-loop kernel, whose 2 blocks of 2 threads
/// run at once (buildGpuOnHostPipeline), each matmul's sums split over the 2
/// threads of a block and added with shuffles, with its host code
/// (rnnc-legalize-gpu-host): every other seed.
class GpuOnHostTest : public ::testing::TestWithParam<unsigned> {};

TEST_P(GpuOnHostTest, MatchesReference) {
  Case c = randomCase(GetParam());
  auto onHost = [](mlir::rnnc::CompileOptions &options) {
    options.gpuOnHost = true;
    options.cudaLanes = 2;
  };
  checkCase(c, onHost);
  // Every time loop (one not unrolled, of more than one step or of a length
  // known only at run time) is one persistent kernel, which runs on an
  // OpenMP team here: its path through the emulation was taken.
  bool timeLoop = !c.config.unroll && (c.config.dynamicShapes || c.config.T > 1);
  EXPECT_EQ(countLoweredOps(c, onHost, "omp.parallel"), timeLoop ? 1 : 0)
      << describe(c.config);
}

INSTANTIATE_TEST_SUITE_P(Seeds, GpuOnHostTest, ::testing::Range(1u, kSeeds, 2u));

/// The persistent kernel dealt to 3 blocks of 3 threads (9 at once): other
/// grid-stride strides and thread-to-unit assignments for the same barrier
/// decisions: every eighth seed.
class GpuOnHostWideTest : public ::testing::TestWithParam<unsigned> {};

TEST_P(GpuOnHostWideTest, MatchesReference) {
  checkCase(randomCase(GetParam()), [](mlir::rnnc::CompileOptions &options) {
    options.gpuOnHost = true;
    options.gpuOnHostThreads = 3;
    options.gpuOnHostBlocks = 3;
  });
}

INSTANTIATE_TEST_SUITE_P(Seeds, GpuOnHostWideTest, ::testing::Range(5u, kSeeds, 8u));

/// Sums split over 4 lanes (2 blocks of 4 threads: 2 groups per block, a
/// butterfly of 2 shuffles), the weights read through the caches, not
/// shared memory (iterations dealt to groups in plain order, not by chunks
/// of units), and stacked layers a barrier each per step, not a wavefront:
/// every eighth seed. The other GPU-on-host tests use the defaults (shared
/// memory, wavefronts).
class GpuOnHostLanesTest : public ::testing::TestWithParam<unsigned> {};

TEST_P(GpuOnHostLanesTest, MatchesReference) {
  checkCase(randomCase(GetParam()), [](mlir::rnnc::CompileOptions &options) {
    options.gpuOnHost = true;
    options.gpuOnHostThreads = 4;
    options.gpuOnHostBlocks = 2;
    options.cudaLanes = 4;
    options.cudaSharedWeightBytes = 0;
    options.wavefront = false;
  });
}

INSTANTIATE_TEST_SUITE_P(Seeds, GpuOnHostLanesTest, ::testing::Range(1u, kSeeds, 8u));

/// A GPU-sized model through the CUDA target's defaults: a 2-layer LSTM and a
/// GRU of 256 units with lengths (the bottom input projection hoisted; every
/// sum in the time loop over k = 256): lanes chosen from k (8, a butterfly
/// of 3 shuffles), weights in shared memory in chunks of 2 units, emulated
/// as 2 blocks of 8 threads (16 at once), 128 chunks in 64 rounds each.
class GpuOnHostSizedTest : public ::testing::TestWithParam<reference::CellKind> {};

TEST_P(GpuOnHostSizedTest, MatchesReference) {
  std::mt19937 rng(7);
  Case c;
  ModelConfig &m = c.config;
  for (int64_t depth : {int64_t(256), int64_t(256)}) {
    reference::Cell cell;
    cell.kind = GetParam();
    cell.numUnits = 256;
    cell.inputDepth = depth;
    randomWeights(rng, cell);
    m.layers.push_back(cell);
    if (GetParam() != reference::CellKind::LSTM)
      break;
  }
  m.T = 3;
  m.B = 2;
  m.withLengths = true;
  m.dynamicShapes = true;
  c.inputs = randomVector(rng, m.T * m.B * 256, 1.0f);
  c.lengths = {2, 3};
  auto sized = [](mlir::rnnc::CompileOptions &options) {
    options.gpuOnHost = true;
    options.gpuOnHostThreads = 8;
    options.gpuOnHostBlocks = 2;
  };
  checkCase(c, sized);
  // The defaults' lanes and shared memory were taken.
  EXPECT_GT(countLoweredOps(c, sized, "omp.parallel"), 0);
}

INSTANTIATE_TEST_SUITE_P(Cells, GpuOnHostSizedTest,
                         ::testing::Values(reference::CellKind::LSTM, reference::CellKind::GRU),
                         [](const auto &info) {
                           return info.param == reference::CellKind::LSTM ? "LSTM" : "GRU";
                         });

/// The per-step kernels (--cuda-per-step, and steps whose weights exceed the
/// L2) on the host, one thread at a time: every fourth seed.
class GpuOnHostPerStepTest : public ::testing::TestWithParam<unsigned> {};

TEST_P(GpuOnHostPerStepTest, MatchesReference) {
  Case c = randomCase(GetParam());
  auto perStep = [](mlir::rnnc::CompileOptions &options) {
    options.gpuOnHost = true;
    options.cudaPerStep = true;
  };
  checkCase(c, perStep);
  EXPECT_EQ(countLoweredOps(c, perStep, "omp.parallel"), 0) << describe(c.config);
}

INSTANTIATE_TEST_SUITE_P(Seeds, GpuOnHostPerStepTest, ::testing::Range(3u, kSeeds, 4u));

/// The same cases with the bottom layer's input projection computed for all
/// steps before the time loop (by default only for large weights): every
/// other seed.
class ProjectedInputsTest : public ::testing::TestWithParam<unsigned> {};

TEST_P(ProjectedInputsTest, MatchesReference) {
  checkCase(randomCase(GetParam()),
            [](mlir::rnnc::CompileOptions &options) { options.projectInputsAboveBytes = 0; });
}

INSTANTIATE_TEST_SUITE_P(Seeds, ProjectedInputsTest, ::testing::Range(1u, kSeeds, 2u));

/// Every fourth case on 2 threads (OpenMP), with column groups of one vector
/// so that even these small models have several groups to share; every other
/// one of them with the input projection hoisted too (stacks then run one
/// sequence per layer), the others' stacks layer after layer within each step
/// of one time loop. Each column is computed
/// by one thread in the same order: the results equal one thread's bit for bit.
class TwoThreadsTest : public ::testing::TestWithParam<unsigned> {};

TEST_P(TwoThreadsTest, MatchesReferenceAndOneThread) {
  unsigned seed = GetParam();
  std::vector<mlir::rnnc::HostTensor> oneThread, twoThreads;
  for (int threads : {1, 2})
    checkCase(
        randomCase(seed),
        [seed, threads](mlir::rnnc::CompileOptions &options) {
          options.threads = threads;
          options.accumulators = 2;
          if (seed % 8 == 0)
            options.projectInputsAboveBytes = 0;
        },
        threads == 1 ? &oneThread : &twoThreads);
  ASSERT_EQ(oneThread.size(), twoThreads.size());
  for (size_t i = 0; i < oneThread.size(); ++i) {
    ASSERT_EQ(oneThread[i].numElements(), twoThreads[i].numElements());
    EXPECT_EQ(0, std::memcmp(oneThread[i].f32(), twoThreads[i].f32(),
                             oneThread[i].numElements() * sizeof(float)))
        << oneThread[i].name;
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, TwoThreadsTest, ::testing::Range(0u, kSeeds, 4u));

/// int8 and bf16 on 2 threads, every fourth case from the second (column
/// groups of one vector, as TwoThreadsTest): small batches have each thread
/// convert the rows for itself (VectorEmitter::convertRows), larger ones
/// share a parallel loop; either way the same rows are converted the same
/// way, and the results equal one thread's bit for bit (and stay close to the
/// f32 reference).
class TwoThreadsReducedPrecisionTest : public ::testing::TestWithParam<unsigned> {};

TEST_P(TwoThreadsReducedPrecisionTest, MatchesOneThread) {
  Case c = randomCase(GetParam());
  c.config.weightsAsConstants = true;
  for (std::string precision : {"int8", "bf16"}) {
    std::vector<mlir::rnnc::HostTensor> oneThread, twoThreads;
    for (int threads : {1, 2})
      checkCase(
          c,
          [&](mlir::rnnc::CompileOptions &options) {
            options.threads = threads;
            options.accumulators = 2;
            options.precision = precision;
          },
          threads == 1 ? &oneThread : &twoThreads,
          hasJump(c.config) ? INFINITY : kInt8Tolerance);
    ASSERT_EQ(oneThread.size(), twoThreads.size());
    for (size_t i = 0; i < oneThread.size(); ++i) {
      ASSERT_EQ(oneThread[i].numElements(), twoThreads[i].numElements());
      EXPECT_EQ(0, std::memcmp(oneThread[i].f32(), twoThreads[i].f32(),
                               oneThread[i].numElements() * sizeof(float)))
          << precision << " " << oneThread[i].name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, TwoThreadsReducedPrecisionTest, ::testing::Range(1u, kSeeds, 4u));

/// A batch known to be 1 on 2 threads: a 2-layer stack of 64 units with
/// lengths, one time loop (the input weights, 64 KiB, are not hoisted), an
/// LSTM's cell equations in its gate matmul's epilogue, split
/// between the threads; against the reference and one thread, bit for bit.
class TwoThreadsBatchOneTest : public ::testing::TestWithParam<reference::CellKind> {};

TEST_P(TwoThreadsBatchOneTest, MatchesReferenceAndOneThread) {
  std::mt19937 rng(11);
  Case c;
  ModelConfig &m = c.config;
  for (int l = 0; l < 2; ++l) {
    reference::Cell cell;
    cell.kind = GetParam();
    cell.numUnits = 64;
    cell.inputDepth = 64;
    randomWeights(rng, cell);
    m.layers.push_back(cell);
  }
  m.T = 5;
  m.B = 1;
  m.withLengths = true;
  c.inputs = randomVector(rng, m.T * m.B * 64, 1.0f);
  c.lengths = {4};
  std::vector<mlir::rnnc::HostTensor> oneThread, twoThreads;
  for (int threads : {1, 2})
    checkCase(
        c,
        [threads](mlir::rnnc::CompileOptions &options) {
          options.threads = threads;
          options.accumulators = 2;
        },
        threads == 1 ? &oneThread : &twoThreads);
  ASSERT_EQ(oneThread.size(), twoThreads.size());
  for (size_t i = 0; i < oneThread.size(); ++i)
    EXPECT_EQ(0, std::memcmp(oneThread[i].f32(), twoThreads[i].f32(),
                             oneThread[i].numElements() * sizeof(float)))
        << oneThread[i].name;
}

INSTANTIATE_TEST_SUITE_P(Cells, TwoThreadsBatchOneTest,
                         ::testing::Values(reference::CellKind::LSTM, reference::CellKind::GRU),
                         [](const auto &info) {
                           return info.param == reference::CellKind::LSTM ? "LSTM" : "GRU";
                         });

#ifdef RNNC_HAVE_HALIDE
/// Every fourth case with the input projection hoisted and computed by the
/// Halide pipeline (librnnrt_halide), every other one of them on 2 threads
/// (each projects a range of steps).
class HalideProjectionTest : public ::testing::TestWithParam<unsigned> {};

TEST_P(HalideProjectionTest, MatchesReference) {
  unsigned seed = GetParam();
  checkCase(randomCase(seed), [seed](mlir::rnnc::CompileOptions &options) {
    options.projectInputsAboveBytes = 0;
    options.halideProjection = true;
    options.threads = seed % 8 == 3 ? 2 : 1;
  });
}

INSTANTIATE_TEST_SUITE_P(Seeds, HalideProjectionTest, ::testing::Range(3u, kSeeds, 4u));
#endif

/// The random cases must keep covering what the semantics hinge on; this
/// fails if a change to the generator drops a feature.
TEST(RandomModelCoverage, SeedsCoverEveryFeature) {
  std::map<std::string, int> seen;
  for (unsigned seed = 0; seed < kSeeds; ++seed) {
    Case c = randomCase(seed);
    const ModelConfig &m = c.config;
    seen[m.T == 1 ? "T=1" : "T>1"]++;
    seen[m.B == 1 ? "B=1" : "B>1"]++;
    seen[m.timeMajor ? "time_major" : "batch_major"]++;
    seen[m.dynamicShapes ? "dynamic" : "static"]++;
    seen[m.weightsAsConstants ? "constants" : "weight_args"]++;
    if (m.reverse)
      seen[m.withLengths ? "reverse_lengths" : "reverse"]++;
    if (m.zeroStateForEmptyRows && m.withInitialState)
      seen["zero_state_for_empty_with_initial"]++;
    if (m.withMask) {
      seen[m.zeroOutputForMask ? "mask_zero_output" : "mask_carry_output"]++;
      if (m.reverse)
        seen["mask_reverse"]++;
      if (m.goBackwards)
        seen["mask_go_backwards"]++;
      if (m.T > 2 && m.B > 2)
        seen["mask_with_holes"]++;
    }
    if (m.withInitialState)
      seen["initial_state"]++;
    if (m.goBackwards)
      seen["go_backwards"]++;
    if (m.unroll)
      seen[m.withLengths ? "unroll_lengths" : "unroll"]++;
    if (m.withLengths) {
      seen[m.lengthsI64 ? "lengths_i64" : "lengths_i32"]++;
      for (int64_t len : c.lengths)
        seen[len == 0 ? "length=0" : len == m.T ? "length=T" : "0<length<T"]++;
    }
    if (m.layers.size() > 1) {
      seen["stack"]++;
      for (size_t l = 1; l < m.layers.size(); ++l)
        if (m.layers[l].kind != m.layers[l - 1].kind)
          seen["mixed_stack"]++;
    }
    for (const Cell &cell : m.layers) {
      std::string kind = cell.kind == CellKind::LSTM  ? "lstm"
                         : cell.kind == CellKind::GRU ? "gru"
                                                      : "rnn";
      seen[kind + "_H=" + std::to_string(cell.numUnits)]++;
      seen[std::string("activation_") + reference::activationName(cell.activation.kind)]++;
      if (!std::isnan(cell.activation.alpha))
        seen["activation_parameters"]++;
      if (cell.gateActivation.kind != Activation::Sigmoid)
        seen["gate_activation"]++;
      if (cell.gateClip)
        seen[cell.kind == CellKind::LSTM  ? "gate_clip_lstm"
             : cell.kind == CellKind::GRU ? "gate_clip_gru"
                                          : "gate_clip_rnn"]++;
      if (cell.outputActivation)
        seen["output_activation"]++;
      if (cell.inputForget)
        seen["input_forget"]++;
      if (cell.inputDepth != cell.numUnits)
        seen["input!=hidden"]++;
      if (cell.peepholes)
        seen["peepholes"]++;
      if (cell.cellClip)
        seen["cell_clip"]++;
      if (cell.numProj)
        seen["num_proj"]++;
      if (cell.projClip)
        seen["proj_clip"]++;
      if (cell.kind == CellKind::LSTM && cell.forgetBias != 1.0f)
        seen["forget_bias!=1"]++;
      if (cell.kind == CellKind::GRU)
        seen[cell.linearBeforeReset ? "gru_lbr" : "gru_reset_before"]++;
    }
  }
  std::vector<std::string> required = {"T=1",
                                       "T>1",
                                       "B=1",
                                       "B>1",
                                       "time_major",
                                       "batch_major",
                                       "dynamic",
                                       "static",
                                       "constants",
                                       "weight_args",
                                       "initial_state",
                                       "reverse",
                                       "reverse_lengths",
                                       "zero_state_for_empty_with_initial",
                                       "mask_zero_output",
                                       "mask_carry_output",
                                       "mask_reverse",
                                       "mask_go_backwards",
                                       "go_backwards",
                                       "unroll",
                                       "unroll_lengths",
                                       "mask_with_holes",
                                       "lengths_i32",
                                       "lengths_i64",
                                       "length=0",
                                       "length=T",
                                       "0<length<T",
                                       "stack",
                                       "mixed_stack",
                                       "input!=hidden",
                                       "peepholes",
                                       "cell_clip",
                                       "num_proj",
                                       "proj_clip",
                                       "forget_bias!=1",
                                       "gru_lbr",
                                       "gru_reset_before"};
  for (const char *kind : {"lstm", "gru", "rnn"})
    for (int units : {1, 7, 33, 130})
      required.push_back(std::string(kind) + "_H=" + std::to_string(units));
  for (const char *feature :
       {"activation_parameters", "gate_activation", "gate_clip_lstm", "gate_clip_gru",
        "gate_clip_rnn", "output_activation", "input_forget"})
    required.push_back(feature);
  for (const char *act :
       {"tanh", "sigmoid", "relu", "relu6", "elu", "softsign", "softplus", "linear", "hard_sigmoid",
        "leaky_relu", "thresholded_relu", "scaled_tanh", "affine"})
    required.push_back(std::string("activation_") + act);
  for (const std::string &feature : required)
    EXPECT_GT(seen[feature], 0) << "no random case covers " << feature;
}

/// A fixed LSTM with every option at once, a length-0 row and a full row.
TEST(JitVsReference, LSTMWithAllOptions) {
  std::mt19937 rng(7);
  Case c;
  Cell cell;
  cell.kind = CellKind::LSTM;
  cell.numUnits = 33;
  cell.inputDepth = 5;
  cell.peepholes = true;
  cell.cellClip = 0.4f;
  cell.numProj = 7;
  cell.projClip = 0.25f;
  cell.forgetBias = 1.0f;
  randomWeights(rng, cell);
  c.config.layers = {cell};
  c.config.T = 6;
  c.config.B = 3;
  c.config.withLengths = true;
  c.config.withInitialState = true;
  c.lengths = {0, 6, 3};
  c.inputs = randomVector(rng, 6 * 3 * 5, 1.0f);
  c.initialState = {randomVector(rng, 3 * 33, 0.5f), randomVector(rng, 3 * 7, 0.5f)};
  checkCase(c);
}

/// A result that is a strided view of the outputs (rows 1..2 of 3) comes back
/// with the right values.
TEST(JitVsReference, StridedResult) {
  std::mt19937 rng(5);
  Case c;
  Cell cell;
  cell.kind = CellKind::BasicRNN;
  cell.numUnits = 5;
  cell.inputDepth = 2;
  randomWeights(rng, cell);
  c.config.layers = {cell};
  c.config.T = 4;
  c.config.B = 3;
  c.inputs = randomVector(rng, 4 * 3 * 2, 1.0f);
  std::vector<WeightArg> weights;
  std::string text = buildModelText(c.config, weights);
  // Return rows 1..2 of the [4, 3, 5] outputs instead of all of them.
  auto replace = [&](const std::string &from, const std::string &to) {
    size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  };
  replace("-> (tensor<4x3x5xf32>,", "-> (tensor<4x2x5xf32>,");
  replace("  return %r#0, %r#1 : tensor<4x3x5xf32>,",
          "  %view = tensor.extract_slice %r#0[0, 1, 0] [4, 2, 5] [1, 1, 1]"
          " : tensor<4x3x5xf32> to tensor<4x2x5xf32>\n"
          "  return %view, %r#1 : tensor<4x2x5xf32>,");
  mlir::DialectRegistry registry;
  mlir::rnnc::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  auto module = mlir::parseSourceString<mlir::ModuleOp>(text, &context);
  ASSERT_TRUE(module) << text;
  auto model = mlir::rnnc::JitModel::compile(*module, statelessOptions());
  ASSERT_TRUE(succeeded(model)) << text;
  std::vector<mlir::rnnc::HostTensor> results;
  std::string error;
  ASSERT_TRUE(
      (*model)->run({{mlir::rnnc::ElementType::F32, {4, 3, 2}, c.inputs.data()}}, results, error))
      << error;
  reference::Result expected =
      reference::dynamicRnn(c.config.layers, c.inputs, 4, 3, true, nullptr, nullptr);
  std::vector<float> rows;
  for (int64_t t = 0; t < 4; ++t)
    for (int64_t b = 1; b < 3; ++b)
      for (int64_t k = 0; k < 5; ++k)
        rows.push_back(expected.outputs[(t * 3 + b) * 5 + k]);
  ASSERT_EQ(results[0].shape, (std::vector<int64_t>{4, 2, 5}));
  expectClose(rows, results[0], "strided outputs view");
}

/// Mixed stack with hidden sizes around the vector width.
TEST(JitVsReference, MixedStack) {
  std::mt19937 rng(11);
  Case c;
  std::vector<std::pair<CellKind, int64_t>> shape = {
      {CellKind::GRU, 17}, {CellKind::LSTM, 15}, {CellKind::BasicRNN, 16}, {CellKind::LSTM, 1}};
  int64_t depth = 4;
  for (auto [kind, units] : shape) {
    Cell cell;
    cell.kind = kind;
    cell.numUnits = units;
    cell.inputDepth = depth;
    cell.linearBeforeReset = kind == CellKind::GRU;
    randomWeights(rng, cell);
    c.config.layers.push_back(cell);
    depth = units;
  }
  c.config.T = 7;
  c.config.B = 4;
  c.config.timeMajor = false;
  c.config.withLengths = true;
  c.config.dynamicShapes = true;
  c.lengths = {7, 2, 0, 5};
  c.inputs = randomVector(rng, 7 * 4 * 4, 1.0f);
  checkCase(c);
}

} // namespace
