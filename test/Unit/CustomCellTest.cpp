// Custom cells built with rnnc/rnnc.h (CustomCell and the tensor operations)
// against the scalar reference running the cells' equations
// (CustomCellReference.h).

#include "CustomCellReference.h"
#include "RnnReference.h"
#include "custom/mgu.h"
#include "rnnc/rnnc.h"

#include <gtest/gtest.h>

#include <random>

namespace {
namespace ref = rnnc::reference;
using rnnc::test::Matrix;

Matrix randomMatrix(int64_t rows, int64_t cols, std::mt19937 &rng) {
  std::uniform_real_distribution<float> dist(-0.5f, 0.5f);
  Matrix m{std::vector<float>(rows * cols), rows, cols};
  for (float &v : m.values)
    v = dist(rng);
  return m;
}

std::vector<float> randomVector(size_t n, std::mt19937 &rng) {
  return randomMatrix(1, n, rng).values;
}

/// Runs the model once with `inputs` (NULL data: the runtime's default).
std::vector<std::vector<float>> run(const rnnc::ModelBuilder &builder, int64_t batch,
                                    std::vector<rnnrt_tensor_t> inputs) {
  std::string error;
  auto model = rnnc::Model::compile(builder, {}, &error);
  EXPECT_TRUE(model) << error;
  if (!model)
    return {};
  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.batch = batch;
  rnnrt_instance_t *instance = nullptr;
  EXPECT_EQ(rnnrt_instance_create(model->descriptor(), &options, &instance, nullptr, 0),
            RNNRT_STATUS_OK);
  inputs.resize(model->descriptor()->num_inputs, rnnrt_tensor_t{});
  EXPECT_EQ(rnnrt_instance_run(instance, inputs.data(), inputs.size()), RNNRT_STATUS_OK)
      << rnnrt_instance_last_error(instance);
  std::vector<std::vector<float>> outputs;
  for (uint32_t i = 0; i < model->descriptor()->num_outputs; ++i) {
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

TEST(CustomCell, MinimalRNNWithMaskAndGoBackwards) {
  constexpr int64_t D = 3, H = 5, T = 6, B = 3;
  std::mt19937 rng(31);
  Matrix w = randomMatrix(D, H, rng), u = randomMatrix(H, H, rng);
  rnnc::ModelBuilder b;
  rnnc::Tensor x = b.input("x", rnnc::DType::F32, {rnnc::kBatch, rnnc::kTime, D});
  rnnc::Tensor mask = b.input("mask", rnnc::DType::Bool, {rnnc::kBatch, rnnc::kTime});
  rnnc::CustomCellSpec spec{
      D, {H}, H, {b.constant(w.values, {D, H}), b.constant(u.values, {H, H})}};
  rnnc::Cell cell = b.CustomCell(spec, [](rnnc::ModelBuilder &b, rnnc::Tensor in,
                                          const std::vector<rnnc::Tensor> &states,
                                          const std::vector<rnnc::Tensor> &weights) {
    rnnc::Tensor out = b.add(b.matmul(in, weights[0]), b.matmul(states[0], weights[1]));
    return rnnc::CellStep{out, {out}};
  });
  rnnc::DynamicRNNOptions options;
  options.mask = mask;
  options.go_backwards = true;
  rnnc::RNNResult r = b.dynamic_rnn(cell, x, options);
  b.output("y", r.outputs);
  b.output("h", r.final_state[0]);
  ASSERT_EQ(b.error(), "");

  std::vector<float> inputs = randomVector(B * T * D, rng);
  std::vector<uint8_t> holes = {1, 0, 1, 1, 0, 1, /**/ 0, 0, 0, 0, 0, 0, /**/ 1, 1, 1, 1, 0, 0};
  auto outputs = run(b, B,
                     {{inputs.data(), RNNRT_DTYPE_F32, 3, {B, T, D}},
                      {holes.data(), RNNRT_DTYPE_BOOL, 2, {B, T}}});
  ref::Result expected = ref::dynamicRnn({rnnc::test::minimalRnnCell(w, u)}, inputs, T, B, false,
                                         nullptr, nullptr, false, false, &holes, false, true);
  ASSERT_GE(outputs.size(), 2u);
  expectNear(outputs[0], expected.outputs, "outputs");
  expectNear(outputs[1], expected.finalStates[0], "state");
}

TEST(CustomCell, MinimalGatedUnitWithLengths) {
  constexpr int64_t D = 4, H = 6, T = 5, B = 3;
  std::mt19937 rng(32);
  rnnc::test::MguWeights w{randomMatrix(D, H, rng), randomMatrix(H, H, rng),
                           randomMatrix(D, H, rng), randomMatrix(H, H, rng),
                           randomVector(H, rng),    randomVector(H, rng)};
  rnnc::ModelBuilder b;
  rnnc::Tensor x = b.input("x", rnnc::DType::F32, {rnnc::kTime, rnnc::kBatch, D});
  rnnc::Tensor len = b.input("len", rnnc::DType::I32, {rnnc::kBatch});
  std::vector<rnnc::Tensor> weights = {
      b.constant(w.wf.values, {D, H}), b.constant(w.uf.values, {H, H}), b.constant(w.bf, {H}),
      b.constant(w.wh.values, {D, H}), b.constant(w.uh.values, {H, H}), b.constant(w.bh, {H})};
  rnnc::DynamicRNNOptions options;
  options.sequence_length = len;
  options.time_major = true;
  rnnc::RNNResult r = b.dynamic_rnn(MinimalGatedUnit(b, D, H, weights), x, options);
  b.output("y", r.outputs);
  b.output("h", r.final_state[0]);
  ASSERT_EQ(b.error(), "");
  std::vector<float> inputs = randomVector(T * B * D, rng);
  std::vector<int32_t> lengths = {5, 0, 3};
  std::vector<int64_t> lengths64(lengths.begin(), lengths.end());
  auto outputs = run(
      b, B,
      {{inputs.data(), RNNRT_DTYPE_F32, 3, {T, B, D}}, {lengths.data(), RNNRT_DTYPE_I32, 1, {B}}});
  ref::Result expected =
      ref::dynamicRnn({rnnc::test::mguCell(w)}, inputs, T, B, true, &lengths64, nullptr);
  ASSERT_GE(outputs.size(), 2u);
  expectNear(outputs[0], expected.outputs, "outputs");
  expectNear(outputs[1], expected.finalStates[0], "state");
}

/// TF's nested inputs (features and a per-step side input) and Keras's
/// `constants` (a per-row tensor every step sees):
///   h' = tanh(features W + side V + h U + c[row])
TEST(CustomCell, NestedInputsAndConstants) {
  constexpr int64_t D = 2, H = 4, T = 4, B = 2;
  std::mt19937 rng(33);
  Matrix w = randomMatrix(D, H, rng), v = randomMatrix(1, H, rng), u = randomMatrix(H, H, rng);
  rnnc::ModelBuilder b;
  rnnc::Tensor features = b.input("features", rnnc::DType::F32, {rnnc::kBatch, rnnc::kTime, D});
  rnnc::Tensor side = b.input("side", rnnc::DType::F32, {rnnc::kBatch, rnnc::kTime, 1});
  rnnc::Tensor constants = b.input("constants", rnnc::DType::F32, {rnnc::kBatch, H});
  rnnc::CustomCellSpec spec{D + 1,
                            {H},
                            H,
                            {b.constant(w.values, {D, H}), b.constant(v.values, {1, H}),
                             b.constant(u.values, {H, H}), constants}};
  rnnc::Cell cell = b.CustomCell(spec, [](rnnc::ModelBuilder &b, rnnc::Tensor in,
                                          const std::vector<rnnc::Tensor> &states,
                                          const std::vector<rnnc::Tensor> &weights) {
    rnnc::Tensor f = b.slice(in, 0, D), s = b.slice(in, D, 1);
    rnnc::Tensor pre = b.add(b.add(b.matmul(f, weights[0]), b.matmul(s, weights[1])),
                             b.matmul(states[0], weights[2]));
    rnnc::Tensor out = b.tanh(b.add(pre, weights[3]));
    return rnnc::CellStep{out, {out}};
  });
  rnnc::RNNResult r = b.dynamic_rnn(cell, std::vector<rnnc::Tensor>{features, side});
  b.output("y", r.outputs);
  ASSERT_EQ(b.error(), "");

  std::vector<float> f = randomVector(B * T * D, rng), s = randomVector(B * T, rng),
                     c = randomVector(B * H, rng);
  auto outputs = run(b, B,
                     {{f.data(), RNNRT_DTYPE_F32, 3, {B, T, D}},
                      {s.data(), RNNRT_DTYPE_F32, 3, {B, T, 1}},
                      {c.data(), RNNRT_DTYPE_F32, 2, {B, H}}});
  ASSERT_FALSE(outputs.empty());
  // Row by row, since the constants differ per row.
  for (int64_t row = 0; row < B; ++row) {
    ref::Cell cell;
    cell.kind = ref::CellKind::Custom;
    cell.numUnits = H;
    cell.inputDepth = D + 1;
    cell.customStateSizes = {H};
    cell.customStep = [&, row](const std::vector<double> &in,
                               std::vector<std::vector<double>> &state) {
      std::vector<double> feat(in.begin(), in.begin() + D), sd(in.begin() + D, in.end());
      std::vector<double> a = rnnc::test::times(feat, w), bb = rnnc::test::times(sd, v),
                          cc = rnnc::test::times(state[0], u);
      for (int64_t k = 0; k < H; ++k)
        a[k] = std::tanh(a[k] + bb[k] + cc[k] + c[row * H + k]);
      state[0] = a;
      return a;
    };
    std::vector<float> rowInputs;
    for (int64_t t = 0; t < T; ++t) {
      rowInputs.insert(rowInputs.end(), f.begin() + (row * T + t) * D,
                       f.begin() + (row * T + t + 1) * D);
      rowInputs.push_back(s[row * T + t]);
    }
    ref::Result expected = ref::dynamicRnn({cell}, rowInputs, T, 1, false, nullptr, nullptr);
    std::vector<float> actual(outputs[0].begin() + row * T * H,
                              outputs[0].begin() + (row + 1) * T * H);
    expectNear(actual, expected.outputs, "outputs");
  }
}

TEST(CustomCell, ReportsMistakes) {
  rnnc::ModelBuilder b;
  rnnc::Tensor x = b.input("x", rnnc::DType::F32, {rnnc::kBatch, rnnc::kTime, 3});
  rnnc::CustomCellSpec spec{3, {4}, 4, {}};
  // The step yields the input (3 features) as the state (4 features).
  rnnc::Cell cell = b.CustomCell(spec, [](rnnc::ModelBuilder &, rnnc::Tensor in,
                                          const std::vector<rnnc::Tensor> &states,
                                          const std::vector<rnnc::Tensor> &) {
    return rnnc::CellStep{states[0], {in}};
  });
  b.output("y", b.dynamic_rnn(cell, x).outputs);
  std::string error;
  EXPECT_FALSE(rnnc::Model::compile(b, {}, &error));
  EXPECT_NE(error.find("yielded state 0 must be tensor<?x4xf32>, got 'tensor<?x3xf32>'"),
            std::string::npos)
      << error;

  rnnc::ModelBuilder c;
  rnnc::Tensor m = c.constant({1, 2, 3, 4, 5, 6}, {2, 3});
  c.matmul(m, m);
  EXPECT_EQ(c.error(),
            "matmul: the left operand's K (3) is not the right operand's (2): [2, 3] x [2, 3]");
  rnnc::ModelBuilder d;
  d.slice(d.constant({1, 2}, {2}), 1, 2);
  EXPECT_EQ(d.error(), "slice: columns [1, 3) are not within the last dimension");
}
} // namespace
