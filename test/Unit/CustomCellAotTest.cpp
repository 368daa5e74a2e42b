// The custom-cell examples (examples/custom/) compiled ahead of time by
// rnnc_add_model: against the scalar reference, the same file JIT-compiled,
// and streamed in chunks.

#include "CustomCellReference.h"
#include "RnnReference.h"
#include "rnnc/rnnc.h"
#include "unit_mgu.h"
#include "unit_minimal_rnn.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

namespace {
namespace ref = rnnc::reference;
using rnnc::test::Matrix;

constexpr int64_t D = 3, H = 8;

Matrix randomMatrix(int64_t rows, int64_t cols, std::mt19937 &rng) {
  std::uniform_real_distribution<float> dist(-0.5f, 0.5f);
  Matrix m{std::vector<float>(rows * cols), rows, cols};
  for (float &v : m.values)
    v = dist(rng);
  return m;
}

struct MguCall {
  rnnc::test::MguWeights w;
  std::vector<float> x;
  std::vector<int32_t> lengths;
  int64_t T, B;

  MguCall(int64_t T, int64_t B, unsigned seed) : T(T), B(B) {
    std::mt19937 rng(seed);
    w = {randomMatrix(D, H, rng), randomMatrix(H, H, rng),        randomMatrix(D, H, rng),
         randomMatrix(H, H, rng), randomMatrix(1, H, rng).values, randomMatrix(1, H, rng).values};
    x = randomMatrix(B * T, D, rng).values;
    for (int64_t b = 0; b < B; ++b)
      lengths.push_back((int32_t)((b * 3 + 1) % (T + 1)));
    lengths.back() = (int32_t)T;
  }

  /// Inputs in the order of examples/custom/mgu.mlir, state left to the instance.
  std::vector<rnnrt_tensor_t> tensors(float *xData, int64_t steps, int32_t *len) {
    auto f = [](std::vector<float> &v, std::initializer_list<int64_t> dims) {
      rnnrt_tensor_t t{v.data(), RNNRT_DTYPE_F32, (int32_t)dims.size(), {}};
      std::copy(dims.begin(), dims.end(), t.dims);
      return t;
    };
    return {{xData, RNNRT_DTYPE_F32, 3, {B, steps, D}},
            {len, RNNRT_DTYPE_I32, 1, {B}},
            f(w.wf.values, {D, H}),
            f(w.uf.values, {H, H}),
            f(w.bf, {H}),
            f(w.wh.values, {D, H}),
            f(w.uh.values, {H, H}),
            f(w.bh, {H}),
            {nullptr, RNNRT_DTYPE_F32, 2, {B, H}}};
  }
};

std::vector<std::vector<float>> runOnce(const rnnrt_model_t *model, MguCall &call) {
  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.batch = call.B;
  rnnrt_instance_t *instance = nullptr;
  EXPECT_EQ(rnnrt_instance_create(model, &options, &instance, nullptr, 0), RNNRT_STATUS_OK);
  auto tensors = call.tensors(call.x.data(), call.T, call.lengths.data());
  EXPECT_EQ(rnnrt_instance_run(instance, tensors.data(), tensors.size()), RNNRT_STATUS_OK)
      << rnnrt_instance_last_error(instance);
  std::vector<std::vector<float>> outputs;
  for (uint32_t i = 0; i < model->num_outputs; ++i) {
    rnnrt_tensor_t out;
    rnnrt_instance_output(instance, i, &out);
    const float *data = static_cast<const float *>(out.data);
    outputs.emplace_back(data, data + rnnrt_tensor_bytes(&out) / sizeof(float));
  }
  rnnrt_instance_destroy(instance);
  return outputs;
}

void expectNear(const std::vector<float> &actual, const std::vector<float> &expected,
                const char *what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i)
    ASSERT_NEAR(actual[i], expected[i], 2e-5) << what << " at " << i;
}

TEST(CustomCellAot, MguMatchesTheReference) {
  MguCall call(7, 4, 41);
  ASSERT_EQ(unit_mgu_model()->num_inputs, 9u);
  auto outputs = runOnce(unit_mgu_model(), call);
  std::vector<int64_t> lengths(call.lengths.begin(), call.lengths.end());
  ref::Result expected = ref::dynamicRnn({rnnc::test::mguCell(call.w)}, call.x, call.T, call.B,
                                         false, &lengths, nullptr);
  expectNear(outputs[0], expected.outputs, "outputs");
  expectNear(outputs[1], expected.finalStates[0], "state");
}

TEST(CustomCellAot, MguAotEqualsJit) {
  rnnc::CompileOptions options;
  options.name = "unit_mgu";
  options.cpu = "x86-64-v3";
  std::string error;
  auto jit = rnnc::Model::load(RNNC_MGU_MODEL, options, &error);
  ASSERT_TRUE(jit) << error;
  MguCall call(6, 3, 42);
  auto aot = runOnce(unit_mgu_model(), call), jitted = runOnce(jit->descriptor(), call);
  ASSERT_EQ(aot.size(), jitted.size());
  for (size_t i = 0; i < aot.size(); ++i)
    EXPECT_EQ(aot[i], jitted[i]) << "output " << i;
}

TEST(CustomCellAot, MguStreamsInChunks) {
  MguCall call(9, 2, 43);
  call.lengths = {9, 9};
  auto whole = runOnce(unit_mgu_model(), call);
  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.batch = call.B;
  options.keep_state = 1;
  rnnrt_instance_t *instance = nullptr;
  ASSERT_EQ(rnnrt_instance_create(unit_mgu_model(), &options, &instance, nullptr, 0),
            RNNRT_STATUS_OK);
  // Batch-major: each chunk gathers its steps of every row.
  std::vector<float> chunked(call.B * call.T * H);
  for (int64_t t0 = 0; t0 < call.T; t0 += 4) {
    int64_t steps = std::min<int64_t>(4, call.T - t0);
    std::vector<float> part;
    for (int64_t b = 0; b < call.B; ++b)
      part.insert(part.end(), call.x.begin() + (b * call.T + t0) * D,
                  call.x.begin() + (b * call.T + t0 + steps) * D);
    std::vector<int32_t> len(call.B, (int32_t)steps);
    auto tensors = call.tensors(part.data(), steps, len.data());
    ASSERT_EQ(rnnrt_instance_run(instance, tensors.data(), tensors.size()), RNNRT_STATUS_OK)
        << rnnrt_instance_last_error(instance);
    rnnrt_tensor_t y;
    rnnrt_instance_output(instance, 0, &y);
    for (int64_t b = 0; b < call.B; ++b)
      std::memcpy(&chunked[(b * call.T + t0) * H], static_cast<float *>(y.data) + b * steps * H,
                  steps * H * sizeof(float));
  }
  EXPECT_EQ(chunked, whole[0]);
  rnnrt_instance_destroy(instance);
}

TEST(CustomCellAot, MinimalRNNMatchesTheReference) {
  // The weights written in examples/custom/minimal_rnn.mlir.
  Matrix w{
      {0.5f, -0.25f, 0.125f, 0.3f, -0.4f, 0.2f, 0.6f, -0.1f, 0.05f, 0.15f, -0.35f, 0.45f}, 3, 4};
  Matrix u{{0.1f, 0.2f, -0.3f, 0.0f, -0.2f, 0.1f, 0.05f, 0.3f, 0.25f, -0.15f, 0.1f, -0.05f, 0.0f,
            0.3f, -0.2f, 0.1f},
           4,
           4};
  constexpr int64_t T = 5, B = 3;
  std::mt19937 rng(44);
  std::vector<float> x = randomMatrix(B * T, 3, rng).values;
  std::vector<uint8_t> mask = {1, 0, 1, 1, 1, /**/ 0, 0, 0, 0, 0, /**/ 1, 1, 1, 0, 0};
  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.batch = B;
  rnnrt_instance_t *instance = nullptr;
  ASSERT_EQ(rnnrt_instance_create(unit_minimal_rnn_model(), &options, &instance, nullptr, 0),
            RNNRT_STATUS_OK);
  std::vector<rnnrt_tensor_t> tensors(unit_minimal_rnn_model()->num_inputs);
  tensors[0] = {x.data(), RNNRT_DTYPE_F32, 3, {B, T, 3}};
  tensors[1] = {mask.data(), RNNRT_DTYPE_BOOL, 2, {B, T}};
  ASSERT_EQ(rnnrt_instance_run(instance, tensors.data(), tensors.size()), RNNRT_STATUS_OK)
      << rnnrt_instance_last_error(instance);
  ref::Result expected = ref::dynamicRnn({rnnc::test::minimalRnnCell(w, u)}, x, T, B, false,
                                         nullptr, nullptr, false, false, &mask);
  rnnrt_tensor_t y;
  rnnrt_instance_output(instance, 0, &y);
  const float *data = static_cast<const float *>(y.data);
  expectNear(std::vector<float>(data, data + B * T * 4), expected.outputs, "outputs");
  rnnrt_instance_destroy(instance);
}
} // namespace
