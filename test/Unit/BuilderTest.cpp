// The C++ builder API (rnnc/rnnc.h): models built in code compile in-process
// and match the scalar reference; mistakes come back as errors.

#include "RnnReference.h"
#include "rnnc/rnnc.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace {
namespace ref = rnnc::reference;

std::vector<float> randomValues(size_t count, std::mt19937 &rng, float scale = 0.4f) {
  std::uniform_real_distribution<float> dist(-scale, scale);
  std::vector<float> values(count);
  for (float &v : values)
    v = dist(rng);
  return values;
}

/// Runs `model` once; inputs in order (NULL data allowed where the runtime
/// allows it); returns every output.
std::vector<std::vector<float>> run(const rnnrt_model_t *model, int64_t batch,
                                    std::vector<rnnrt_tensor_t> inputs) {
  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.batch = batch;
  rnnrt_instance_t *instance = nullptr;
  char message[256];
  EXPECT_EQ(rnnrt_instance_create(model, &options, &instance, message, sizeof message),
            RNNRT_STATUS_OK)
      << message;
  inputs.resize(model->num_inputs, rnnrt_tensor_t{});
  EXPECT_EQ(rnnrt_instance_run(instance, inputs.data(), inputs.size()), RNNRT_STATUS_OK)
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
  double worst = 0;
  for (size_t i = 0; i < actual.size(); ++i)
    worst = std::max(worst, (double)std::fabs(actual[i] - expected[i]));
  EXPECT_LT(worst, 2e-5) << what;
}

TEST(Builder, StackedLSTMAndGRUMatchTheReference) {
  constexpr int64_t I = 5, H = 6, P = 4, G = 7, T = 6, B = 3;
  std::mt19937 rng(11);
  ref::Cell lstm;
  lstm.kind = ref::CellKind::LSTM;
  lstm.numUnits = H;
  lstm.inputDepth = I;
  lstm.peepholes = true;
  lstm.cellClip = 0.8f;
  lstm.numProj = P;
  lstm.forgetBias = 0.5f;
  lstm.kernel = randomValues((I + P) * 4 * H, rng);
  lstm.bias = randomValues(4 * H, rng);
  lstm.wIDiag = randomValues(H, rng);
  lstm.wFDiag = randomValues(H, rng);
  lstm.wODiag = randomValues(H, rng);
  lstm.projKernel = randomValues(H * P, rng);
  ref::Cell gru;
  gru.kind = ref::CellKind::GRU;
  gru.numUnits = G;
  gru.inputDepth = P;
  gru.linearBeforeReset = true;
  gru.gatesKernel = randomValues((P + G) * 2 * G, rng);
  gru.gatesBias = randomValues(2 * G, rng);
  gru.candidateKernel = randomValues((P + G) * G, rng);
  gru.candidateBias = randomValues(G, rng);
  gru.hiddenBias = randomValues(G, rng);

  rnnc::ModelBuilder b;
  rnnc::Tensor x = b.input("x", rnnc::DType::F32, {rnnc::kTime, rnnc::kBatch, I});
  rnnc::Tensor len = b.input("len", rnnc::DType::I64, {rnnc::kBatch});
  rnnc::Tensor c0 = b.input("c0", rnnc::DType::F32, {rnnc::kBatch, H});
  rnnc::Tensor m0 = b.input("m0", rnnc::DType::F32, {rnnc::kBatch, P});
  rnnc::Tensor g0 = b.input("g0", rnnc::DType::F32, {rnnc::kBatch, G});
  rnnc::LSTMCellOptions lstmOptions;
  lstmOptions.use_peepholes = true;
  lstmOptions.cell_clip = 0.8f;
  lstmOptions.num_proj = P;
  lstmOptions.forget_bias = 0.5f;
  rnnc::Cell lstmCell = b.LSTMCell(
      H, {lstm.kernel, lstm.bias, lstm.wIDiag, lstm.wFDiag, lstm.wODiag, lstm.projKernel},
      lstmOptions);
  rnnc::GRUCellOptions gruOptions;
  gruOptions.linear_before_reset = true;
  rnnc::Cell gruCell = b.GRUCell(
      G, {gru.gatesKernel, gru.gatesBias, gru.candidateKernel, gru.candidateBias, gru.hiddenBias},
      gruOptions);
  rnnc::DynamicRNNOptions options;
  options.sequence_length = len;
  options.initial_state = {c0, m0, g0};
  options.time_major = true;
  rnnc::RNNResult result = b.dynamic_rnn(b.MultiRNNCell({lstmCell, gruCell}), x, options);
  ASSERT_EQ(result.final_state.size(), 3u);
  b.output("y", result.outputs);
  b.output("c", result.final_state[0]);
  b.output("g", result.final_state[2]);
  ASSERT_EQ(b.error(), "");
  EXPECT_NE(b.str().find("rnn.multi_rnn_cell"), std::string::npos);

  std::string error;
  auto model = rnnc::Model::compile(b, {}, &error);
  ASSERT_TRUE(model) << error;
  std::vector<float> inputs = randomValues(T * B * I, rng, 1.0f);
  std::vector<int64_t> lengths = {6, 2, 0};
  std::vector<std::vector<float>> initial = {randomValues(B * H, rng), randomValues(B * P, rng),
                                             randomValues(B * G, rng)};
  auto outputs = run(model->descriptor(), B,
                     {{inputs.data(), RNNRT_DTYPE_F32, 3, {T, B, I}},
                      {lengths.data(), RNNRT_DTYPE_I64, 1, {B}},
                      {initial[0].data(), RNNRT_DTYPE_F32, 2, {B, H}},
                      {initial[1].data(), RNNRT_DTYPE_F32, 2, {B, P}},
                      {initial[2].data(), RNNRT_DTYPE_F32, 2, {B, G}}});
  ref::Result expected =
      ref::dynamicRnn({lstm, gru}, inputs, T, B, /*timeMajor=*/true, &lengths, &initial);
  ASSERT_EQ(outputs.size(), 3u);
  expectNear(outputs[0], expected.outputs, "outputs");
  expectNear(outputs[1], expected.finalStates[0], "lstm c");
  expectNear(outputs[2], expected.finalStates[2], "gru h");
}

TEST(Builder, BasicRNNReverseBatchMajorWithExposedState) {
  constexpr int64_t I = 3, H = 5, T = 4, B = 2;
  std::mt19937 rng(12);
  ref::Cell cell;
  cell.kind = ref::CellKind::BasicRNN;
  cell.numUnits = H;
  cell.inputDepth = I;
  cell.activation = ref::ActivationFn(ref::Activation::Relu);
  cell.kernel = randomValues((I + H) * H, rng);
  cell.bias = randomValues(H, rng);

  rnnc::ModelBuilder b;
  rnnc::Tensor x = b.input("x", rnnc::DType::F32, {rnnc::kBatch, rnnc::kTime, I});
  rnnc::BasicRNNCellOptions cellOptions;
  cellOptions.activation = "relu";
  rnnc::DynamicRNNOptions options;
  options.reverse = true;
  rnnc::RNNResult result =
      b.dynamic_rnn(b.BasicRNNCell(H, cell.kernel, cell.bias, cellOptions), x, options);
  b.output("y", result.outputs);
  std::string error;
  auto model = rnnc::Model::compile(b, {}, &error);
  ASSERT_TRUE(model) << error;
  // expose_state gave the sequence a state input and output.
  const rnnrt_model_t *descriptor = model->descriptor();
  ASSERT_EQ(descriptor->num_inputs, 2u);
  EXPECT_STREQ(descriptor->inputs[1].name, "initial_state/0");
  EXPECT_EQ(descriptor->inputs[1].role, RNNRT_ROLE_STATE);
  std::vector<float> inputs = randomValues(B * T * I, rng, 1.0f);
  auto outputs = run(descriptor, B, {{inputs.data(), RNNRT_DTYPE_F32, 3, {B, T, I}}});
  ref::Result expected =
      ref::dynamicRnn({cell}, inputs, T, B, /*timeMajor=*/false, nullptr, nullptr, true);
  expectNear(outputs[0], expected.outputs, "outputs");
  expectNear(outputs[1], expected.finalStates[0], "final state");
}

/// Model::compile keeps compiled models by a hash of the module, its large
/// constants hashed as raw bytes: the same model twice is one compile, a
/// model differing in one weight is another.
TEST(Builder, CompilesAModelOnceAndTellsWeightsApart) {
  constexpr int64_t I = 8, H = 8, T = 3, B = 1;
  std::mt19937 rng(13);
  std::vector<float> kernel = randomValues((I + H) * H, rng), bias = randomValues(H, rng);
  auto compile = [&](const std::vector<float> &weights) {
    rnnc::ModelBuilder b;
    rnnc::Tensor x = b.input("x", rnnc::DType::F32, {rnnc::kTime, rnnc::kBatch, I});
    rnnc::DynamicRNNOptions options;
    options.time_major = true;
    b.output("y", b.dynamic_rnn(b.BasicRNNCell(H, weights, bias), x, options).outputs);
    rnnc::CompileOptions compileOptions;
    compileOptions.expose_state = false;
    std::string error;
    auto model = rnnc::Model::compile(b, compileOptions, &error);
    EXPECT_TRUE(model) << error;
    return model;
  };
  auto first = compile(kernel), again = compile(kernel);
  ASSERT_TRUE(first && again);
  EXPECT_EQ(first->descriptor(), again->descriptor());

  // The last recurrent weight: past the 64 elements a key prints.
  std::vector<float> changed = kernel;
  changed.back() += 0.5f;
  auto other = compile(changed);
  ASSERT_TRUE(other);
  EXPECT_NE(first->descriptor(), other->descriptor());
  std::vector<float> inputs = randomValues(T * B * I, rng, 1.0f);
  std::vector<rnnrt_tensor_t> tensors = {{inputs.data(), RNNRT_DTYPE_F32, 3, {T, B, I}}};
  auto expectReference = [&](const rnnc::Model &model, const std::vector<float> &weights,
                             const char *what) {
    ref::Cell cell;
    cell.kind = ref::CellKind::BasicRNN;
    cell.numUnits = H;
    cell.inputDepth = I;
    cell.kernel = weights;
    cell.bias = bias;
    ref::Result expected =
        ref::dynamicRnn({cell}, inputs, T, B, /*timeMajor=*/true, nullptr, nullptr, false);
    expectNear(run(model.descriptor(), B, tensors)[0], expected.outputs, what);
  };
  expectReference(*first, kernel, "first weights");
  expectReference(*other, changed, "changed weights");
}

TEST(Builder, MaskSetOnTheInstanceEqualsAMaskInput) {
  constexpr int64_t I = 2, H = 3, T = 5, B = 2;
  std::mt19937 rng(13);
  ref::Cell cell;
  cell.kind = ref::CellKind::BasicRNN;
  cell.numUnits = H;
  cell.inputDepth = I;
  cell.kernel = randomValues((I + H) * H, rng);
  cell.bias = randomValues(H, rng);
  rnnc::ModelBuilder b;
  rnnc::Tensor x = b.input("x", rnnc::DType::F32, {rnnc::kBatch, rnnc::kTime, I});
  rnnc::Tensor mask = b.input("mask", rnnc::DType::Bool, {rnnc::kBatch, rnnc::kTime});
  rnnc::DynamicRNNOptions options;
  options.mask = mask;
  b.output("y", b.dynamic_rnn(b.BasicRNNCell(H, cell.kernel, cell.bias), x, options).outputs);
  std::string error;
  auto model = rnnc::Model::compile(b, {}, &error);
  ASSERT_TRUE(model) << error;
  ASSERT_EQ(model->descriptor()->inputs[1].role, RNNRT_ROLE_MASK);

  std::vector<float> inputs = randomValues(B * T * I, rng, 1.0f);
  std::vector<uint8_t> holes = {1, 0, 1, 1, 0, /**/ 0, 0, 1, 0, 1};
  auto withInput = run(model->descriptor(), B,
                       {{inputs.data(), RNNRT_DTYPE_F32, 3, {B, T, I}},
                        {holes.data(), RNNRT_DTYPE_BOOL, 2, {B, T}}});
  ref::Result expected =
      ref::dynamicRnn({cell}, inputs, T, B, false, nullptr, nullptr, false, false, &holes);
  expectNear(withInput[0], expected.outputs, "mask input");

  rnnrt_instance_options_t instanceOptions;
  rnnrt_instance_options_initialize(&instanceOptions);
  instanceOptions.batch = B;
  rnnrt_instance_t *instance = nullptr;
  ASSERT_EQ(rnnrt_instance_create(model->descriptor(), &instanceOptions, &instance, nullptr, 0),
            RNNRT_STATUS_OK);
  ASSERT_EQ(rnnrt_instance_set_mask(instance, holes.data(), B, T), RNNRT_STATUS_OK);
  std::vector<rnnrt_tensor_t> tensors(3);
  tensors[0] = {inputs.data(), RNNRT_DTYPE_F32, 3, {B, T, I}};
  ASSERT_EQ(rnnrt_instance_run(instance, tensors.data(), 3), RNNRT_STATUS_OK);
  rnnrt_tensor_t out;
  ASSERT_EQ(rnnrt_instance_output(instance, 0, &out), RNNRT_STATUS_OK);
  const float *y = static_cast<const float *>(out.data);
  EXPECT_EQ(std::vector<float>(y, y + B * T * H), withInput[0]);
  // A mask of another length than this call's T is refused.
  tensors[0].dims[1] = T - 1;
  EXPECT_EQ(rnnrt_instance_run(instance, tensors.data(), 3), RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(
      std::string(rnnrt_instance_last_error(instance)).find("has 5 steps but this call has 4"),
      std::string::npos)
      << rnnrt_instance_last_error(instance);
  EXPECT_EQ(rnnrt_instance_set_sequence_lengths(instance, nullptr, 0),
            RNNRT_STATUS_FAILED_PRECONDITION);
  rnnrt_instance_destroy(instance);
}

TEST(Builder, ReportsMistakes) {
  {
    rnnc::ModelBuilder b;
    b.LSTMCell(4, {std::vector<float>(30), std::vector<float>(16)});
    EXPECT_EQ(b.error(), "LSTMCell kernel: expected a multiple of 16 values, got 30");
    std::string error;
    EXPECT_FALSE(rnnc::Model::compile(b, {}, &error));
    EXPECT_EQ(error, b.error());
  }
  {
    rnnc::ModelBuilder b;
    rnnc::BasicRNNCellOptions options;
    options.activation = "sigmoidal";
    b.BasicRNNCell(2, std::vector<float>(6), std::vector<float>(2), options);
    EXPECT_NE(b.error().find("'sigmoidal' is not an activation"), std::string::npos) << b.error();
  }
  {
    // The cell expects 3 input features; the verifier names the mismatch.
    rnnc::ModelBuilder b;
    rnnc::Tensor x = b.input("x", rnnc::DType::F32, {rnnc::kTime, rnnc::kBatch, 4});
    auto result =
        b.dynamic_rnn(b.BasicRNNCell(2, std::vector<float>(10), std::vector<float>(2)), x);
    b.output("y", result.outputs);
    std::string error;
    EXPECT_FALSE(rnnc::Model::compile(b, {}, &error));
    EXPECT_NE(error.find("layer 0 expects inputs of depth 3 but 'inputs' has depth 4"),
              std::string::npos)
        << error;
  }
  {
    rnnc::ModelBuilder b;
    b.output("y", rnnc::Tensor{42});
    EXPECT_EQ(b.error(), "output 'y': not a tensor of this builder");
  }
  {
    // A matmul names the operand and the size at fault.
    rnnc::ModelBuilder b;
    rnnc::Tensor x = b.input("x", rnnc::DType::F32, {rnnc::kTime, rnnc::kBatch, 4});
    b.matmul(x, b.constant(std::vector<float>(8), {4, 2}));
    EXPECT_NE(b.error().find("matmul: the left operand has rank 3"), std::string::npos)
        << b.error();
  }
}
} // namespace
