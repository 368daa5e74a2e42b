// Keras layers built with rnnc/rnnc.h against a scalar implementation of the
// Keras equations written here from ../shared/brief/semantics.md (§2.3 LSTM
// i, f, c, o; §2.4 GRU z, r, h with reset_after true and false; SimpleRNN
// h = act(x W + h U + b)) and Keras's generic-loop masking (§3.2) and
// go_backwards (§3.3). It shares nothing with the compiler or with the
// TensorFlow-layout reference.

#include "NpyFile.h"
#include "RnnReference.h"
#include "rnnc/rnnc.h"
#include "rnnrt/npy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>

namespace {
using Kind = rnnc::KerasLayer::Kind;

double activate(const std::string &name, double x) {
  if (name == "tanh")
    return std::tanh(x);
  if (name == "sigmoid")
    return 1.0 / (1.0 + std::exp(-x));
  if (name == "hard_sigmoid") // Keras 2
    return std::clamp(0.2 * x + 0.5, 0.0, 1.0);
  if (name == "relu")
    return std::max(0.0, x);
  ADD_FAILURE() << "no activation " << name;
  return 0;
}

/// One Keras step for row `x`; `states` in Keras order (h[, c]).
std::vector<double> kerasStep(const rnnc::KerasLayer &layer, const std::vector<double> &x,
                              std::vector<std::vector<double>> &states) {
  const int64_t H = layer.units, I = x.size();
  const auto &w = layer.weights;
  const auto &o = layer.options;
  const std::vector<double> &h = states[0];
  int64_t G = layer.kind == Kind::LSTM ? 4 : layer.kind == Kind::GRU ? 3 : 1;
  // xw[g*H+u] = x @ kernel + input bias; hu = h @ recurrent_kernel (+ recurrent bias).
  std::vector<double> xw(G * H, 0.0), hu(G * H, 0.0);
  for (int64_t c = 0; c < G * H; ++c) {
    for (int64_t i = 0; i < I; ++i)
      xw[c] += x[i] * w.kernel[i * G * H + c];
    for (int64_t j = 0; j < H; ++j)
      hu[c] += h[j] * w.recurrent_kernel[j * G * H + c];
    if (!w.bias.empty()) {
      xw[c] += w.bias[c];
      if (layer.kind == Kind::GRU && o.reset_after)
        hu[c] += w.bias[G * H + c];
    }
  }
  std::vector<double> next(H);
  switch (layer.kind) {
  case Kind::SimpleRNN:
    for (int64_t u = 0; u < H; ++u)
      next[u] = activate(o.activation, xw[u] + hu[u]);
    states[0] = next;
    break;
  case Kind::LSTM: {
    std::vector<double> &c = states[1];
    for (int64_t u = 0; u < H; ++u) {
      double i = activate(o.recurrent_activation, xw[u] + hu[u]);
      double f = activate(o.recurrent_activation, xw[H + u] + hu[H + u]);
      double cc = activate(o.activation, xw[2 * H + u] + hu[2 * H + u]);
      double og = activate(o.recurrent_activation, xw[3 * H + u] + hu[3 * H + u]);
      c[u] = f * c[u] + i * cc;
      next[u] = og * activate(o.activation, c[u]);
    }
    states[0] = next;
    break;
  }
  case Kind::GRU: {
    std::vector<double> z(H), r(H);
    for (int64_t u = 0; u < H; ++u) {
      z[u] = activate(o.recurrent_activation, xw[u] + hu[u]);
      r[u] = activate(o.recurrent_activation, xw[H + u] + hu[H + u]);
    }
    for (int64_t u = 0; u < H; ++u) {
      double candidate;
      if (o.reset_after) {
        candidate = xw[2 * H + u] + r[u] * hu[2 * H + u];
      } else {
        candidate = xw[2 * H + u];
        for (int64_t j = 0; j < H; ++j)
          candidate += r[j] * h[j] * w.recurrent_kernel[j * 3 * H + 2 * H + u];
      }
      next[u] = z[u] * h[u] + (1 - z[u]) * activate(o.activation, candidate);
    }
    states[0] = next;
    break;
  }
  }
  return next;
}

struct KerasOutput {
  std::vector<float> sequences;           // [B, T, H], in processing order
  std::vector<float> last;                // [B, H]
  std::vector<std::vector<float>> states; // Keras order, [B, H] each
};

/// keras.layers.RNN's generic loop, batch-major inputs [B, T, I].
KerasOutput kerasRun(const rnnc::KerasLayer &layer, const std::vector<float> &inputs, int64_t B,
                     int64_t T, const std::vector<uint8_t> *mask,
                     const std::vector<std::vector<float>> *initial = nullptr) {
  const int64_t H = layer.units, I = inputs.size() / (B * T);
  int64_t leafs = layer.kind == Kind::LSTM ? 2 : 1;
  KerasOutput out;
  out.sequences.assign(B * T * H, 0.0f);
  out.last.assign(B * H, 0.0f);
  out.states.assign(leafs, std::vector<float>(B * H));
  for (int64_t b = 0; b < B; ++b) {
    std::vector<std::vector<double>> states(leafs, std::vector<double>(H, 0.0));
    if (initial)
      for (int64_t l = 0; l < leafs; ++l)
        for (int64_t u = 0; u < H; ++u)
          states[l][u] = (*initial)[l][b * H + u];
    std::vector<double> previous(H, 0.0);
    for (int64_t s = 0; s < T; ++s) {
      int64_t t = layer.options.go_backwards ? T - 1 - s : s;
      std::vector<double> x(inputs.begin() + (b * T + t) * I, inputs.begin() + (b * T + t + 1) * I);
      std::vector<std::vector<double>> candidate = states;
      std::vector<double> output = kerasStep(layer, x, candidate);
      bool valid = !mask || (*mask)[b * T + t];
      if (valid)
        states = candidate;
      else
        output = layer.options.zero_output_for_mask ? std::vector<double>(H, 0.0) : previous;
      previous = output;
      for (int64_t u = 0; u < H; ++u)
        out.sequences[(b * T + s) * H + u] = output[u];
    }
    for (int64_t u = 0; u < H; ++u) {
      out.last[b * H + u] = previous[u];
      for (int64_t l = 0; l < leafs; ++l)
        out.states[l][b * H + u] = states[l][u];
    }
  }
  return out;
}

std::vector<float> randomValues(size_t count, std::mt19937 &rng, float scale = 0.5f) {
  std::uniform_real_distribution<float> dist(-scale, scale);
  std::vector<float> values(count);
  for (float &v : values)
    v = dist(rng);
  return values;
}

rnnc::KerasLayer randomLayer(Kind kind, int64_t units, int64_t inputDim, std::mt19937 &rng,
                             bool resetAfter = true) {
  rnnc::KerasLayer layer;
  layer.kind = kind;
  layer.units = units;
  int64_t G = kind == Kind::LSTM ? 4 : kind == Kind::GRU ? 3 : 1;
  layer.weights.kernel = randomValues(inputDim * G * units, rng);
  layer.weights.recurrent_kernel = randomValues(units * G * units, rng);
  layer.options.reset_after = resetAfter;
  layer.weights.bias = randomValues((kind == Kind::GRU && resetAfter ? 2 : 1) * G * units, rng);
  return layer;
}

/// Runs the compiled model with x [B, T, I] and an optional mask and initial
/// states (inputs in that order); returns the outputs in declaration order.
std::vector<std::vector<float>> run(const rnnc::ModelBuilder &builder, int64_t B, int64_t T,
                                    int64_t I, const std::vector<float> &x,
                                    const std::vector<uint8_t> *mask,
                                    std::vector<std::vector<float>> initial = {}) {
  std::string error;
  auto model = rnnc::Model::compile(builder, {}, &error);
  EXPECT_TRUE(model) << error;
  if (!model)
    return {};
  const rnnrt_model_t *descriptor = model->descriptor();
  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.batch = B;
  rnnrt_instance_t *instance = nullptr;
  EXPECT_EQ(rnnrt_instance_create(descriptor, &options, &instance, nullptr, 0), RNNRT_STATUS_OK);
  std::vector<rnnrt_tensor_t> inputs(descriptor->num_inputs);
  inputs[0] = {const_cast<float *>(x.data()), RNNRT_DTYPE_F32, 3, {B, T, I}};
  size_t next = 1;
  if (mask)
    inputs[next++] = {const_cast<uint8_t *>(mask->data()), RNNRT_DTYPE_BOOL, 2, {B, T}};
  for (std::vector<float> &state : initial)
    inputs[next++] = {state.data(), RNNRT_DTYPE_F32, 2, {B, (int64_t)(state.size() / B)}};
  EXPECT_EQ(rnnrt_instance_run(instance, inputs.data(), inputs.size()), RNNRT_STATUS_OK)
      << rnnrt_instance_last_error(instance);
  std::vector<std::vector<float>> outputs;
  for (uint32_t i = 0; i < descriptor->num_outputs; ++i) {
    rnnrt_tensor_t out;
    rnnrt_instance_output(instance, i, &out);
    const float *data = static_cast<const float *>(out.data);
    outputs.emplace_back(data, data + rnnrt_tensor_bytes(&out) / sizeof(float));
  }
  rnnrt_instance_destroy(instance);
  return outputs;
}

void expectNear(const std::vector<float> &actual, const std::vector<float> &expected,
                const std::string &what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  double worst = 0;
  for (size_t i = 0; i < actual.size(); ++i)
    worst = std::max(worst, (double)std::fabs(actual[i] - expected[i]));
  EXPECT_LT(worst, 2e-5) << what;
}

std::vector<uint8_t> maskWithHoles(int64_t B, int64_t T) {
  std::vector<uint8_t> mask(B * T, 1);
  for (int64_t t = 0; t < T; ++t) {
    mask[0 * T + t] = t % 3 != 1; // holes
    mask[1 * T + t] = 0;          // fully masked row
    if (B > 2)
      mask[2 * T + t] = t < T - 2; // right padding
  }
  return mask;
}

struct LayerCase {
  Kind kind;
  bool resetAfter;
  bool goBackwards;
  bool returnSequences;
  bool zeroOutput;
  bool withMask;
  const char *recurrentActivation;
  bool withInitialState = false;
};

class KerasLayers : public ::testing::TestWithParam<LayerCase> {};

TEST_P(KerasLayers, MatchTheKerasEquations) {
  const LayerCase &c = GetParam();
  constexpr int64_t I = 3, H = 5, T = 7, B = 3;
  std::mt19937 rng(21);
  rnnc::KerasLayer layer = randomLayer(c.kind, H, I, rng, c.resetAfter);
  layer.options.go_backwards = c.goBackwards;
  layer.options.return_sequences = c.returnSequences;
  layer.options.zero_output_for_mask = c.zeroOutput;
  layer.options.recurrent_activation = c.recurrentActivation;
  if (c.kind == Kind::SimpleRNN)
    layer.options.activation = "relu";
  std::vector<float> x = randomValues(B * T * I, rng, 1.0f);
  std::vector<uint8_t> mask = maskWithHoles(B, T);

  rnnc::ModelBuilder b;
  rnnc::Tensor input = b.input("x", rnnc::DType::F32, {rnnc::kBatch, rnnc::kTime, I});
  if (c.withMask)
    layer.options.mask = b.input("mask", rnnc::DType::Bool, {rnnc::kBatch, rnnc::kTime});
  // Keras order: [h, c] for an LSTM.
  std::vector<std::vector<float>> initial;
  if (c.withInitialState)
    for (int64_t l = 0; l < (c.kind == Kind::LSTM ? 2 : 1); ++l) {
      layer.options.initial_state.push_back(
          b.input("state_in" + std::to_string(l), rnnc::DType::F32, {rnnc::kBatch, H}));
      initial.push_back(randomValues(B * H, rng, 0.9f));
    }
  rnnc::KerasRNNResult result = b.rnn(layer, input);
  b.output("y", result.output);
  for (size_t i = 0; i < result.states.size(); ++i)
    b.output("state" + std::to_string(i), result.states[i]);
  ASSERT_EQ(b.error(), "");
  auto outputs = run(b, B, T, I, x, c.withMask ? &mask : nullptr, initial);
  ASSERT_GE(outputs.size(), 1 + result.states.size());

  KerasOutput expected =
      kerasRun(layer, x, B, T, c.withMask ? &mask : nullptr, c.withInitialState ? &initial : nullptr);
  expectNear(outputs[0], c.returnSequences ? expected.sequences : expected.last, "output");
  for (size_t i = 0; i < result.states.size(); ++i)
    expectNear(outputs[1 + i], expected.states[i], "state " + std::to_string(i));
}

INSTANTIATE_TEST_SUITE_P(
    Layers, KerasLayers,
    ::testing::Values(LayerCase{Kind::LSTM, true, false, true, false, true, "sigmoid"},
                      LayerCase{Kind::LSTM, true, true, true, false, true, "hard_sigmoid"},
                      LayerCase{Kind::LSTM, true, false, false, false, true, "sigmoid"},
                      LayerCase{Kind::LSTM, true, true, true, true, true, "sigmoid"},
                      LayerCase{Kind::GRU, true, false, true, false, true, "sigmoid"},
                      LayerCase{Kind::GRU, false, true, true, true, true, "hard_sigmoid"},
                      LayerCase{Kind::GRU, false, false, false, false, false, "sigmoid"},
                      LayerCase{Kind::SimpleRNN, true, true, true, false, true, "sigmoid"},
                      LayerCase{Kind::SimpleRNN, true, false, false, false, false, "sigmoid"},
                      // The last output of a masked layer is the last emitted
                      // output: 0 for a fully masked row even with a non-zero
                      // initial state (whose state stays the initial one), and
                      // with zero_output_for_mask 0 where the last processed
                      // step is masked (post-padded rows; going backwards, the
                      // first step).
                      LayerCase{Kind::LSTM, true, false, false, false, true, "sigmoid", true},
                      LayerCase{Kind::GRU, true, true, false, false, true, "sigmoid", true},
                      LayerCase{Kind::LSTM, true, false, false, true, true, "sigmoid", true},
                      LayerCase{Kind::GRU, false, false, false, true, true, "hard_sigmoid", true},
                      LayerCase{Kind::SimpleRNN, true, true, false, true, true, "sigmoid", true},
                      LayerCase{Kind::SimpleRNN, true, false, false, true, true, "sigmoid"}));

TEST(Keras, LSTMInitialStateIsHThenC) {
  constexpr int64_t I = 2, H = 4, T = 3, B = 2;
  std::mt19937 rng(22);
  rnnc::KerasLayer layer = randomLayer(Kind::LSTM, H, I, rng);
  layer.options.return_sequences = true;
  std::vector<float> x = randomValues(B * T * I, rng, 1.0f);
  std::vector<std::vector<float>> initial = {randomValues(B * H, rng), randomValues(B * H, rng)};
  rnnc::ModelBuilder b;
  rnnc::Tensor input = b.input("x", rnnc::DType::F32, {rnnc::kBatch, rnnc::kTime, I});
  layer.options.initial_state = {b.input("h0", rnnc::DType::F32, {rnnc::kBatch, H}),
                                 b.input("c0", rnnc::DType::F32, {rnnc::kBatch, H})};
  b.output("y", b.rnn(layer, input).output);
  auto outputs = run(b, B, T, I, x, nullptr, initial);
  ASSERT_FALSE(outputs.empty());
  expectNear(outputs[0], kerasRun(layer, x, B, T, nullptr, &initial).sequences, "output");
}

/// Keras's Bidirectional: forward sequences, and the go_backwards sequences
/// flipped back to input order, both with masked outputs zeroed.
TEST(Keras, BidirectionalMergeModes) {
  constexpr int64_t I = 3, H = 4, T = 6, B = 3;
  std::mt19937 rng(23);
  rnnc::KerasLayer forward = randomLayer(Kind::GRU, H, I, rng);
  rnnc::KerasLayer backward = randomLayer(Kind::GRU, H, I, rng);
  forward.options.return_sequences = backward.options.return_sequences = true;
  std::vector<float> x = randomValues(B * T * I, rng, 1.0f);
  std::vector<uint8_t> mask = maskWithHoles(B, T);

  rnnc::KerasLayer fw = forward, bw = backward;
  fw.options.zero_output_for_mask = bw.options.zero_output_for_mask = true;
  bw.options.go_backwards = true;
  KerasOutput f = kerasRun(fw, x, B, T, &mask), r = kerasRun(bw, x, B, T, &mask);
  std::vector<float> bwAligned(B * T * H);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t)
      for (int64_t u = 0; u < H; ++u)
        bwAligned[(b * T + t) * H + u] = r.sequences[(b * T + (T - 1 - t)) * H + u];

  for (std::string mode : {"concat", "sum", "ave", "mul", "none"}) {
    rnnc::ModelBuilder b;
    rnnc::Tensor input = b.input("x", rnnc::DType::F32, {rnnc::kBatch, rnnc::kTime, I});
    rnnc::KerasLayer fwLayer = forward, bwLayer = backward;
    fwLayer.options.mask = bwLayer.options.mask =
        b.input("mask", rnnc::DType::Bool, {rnnc::kBatch, rnnc::kTime});
    rnnc::BidirectionalResult result = b.Bidirectional(fwLayer, bwLayer, input, mode);
    ASSERT_EQ(b.error(), "") << mode;
    EXPECT_EQ((bool)result.output, mode != "none");
    if (result.output)
      b.output("y", result.output);
    b.output("fw", result.forward.output);
    b.output("bw", result.backward.output);
    auto outputs = run(b, B, T, I, x, &mask);
    size_t next = 0;
    if (mode != "none") {
      std::vector<float> merged;
      for (int64_t i = 0; i < B * T; ++i)
        for (int64_t u = 0; u < (mode == "concat" ? 2 * H : H); ++u) {
          float a = f.sequences[i * H + u % H], c = bwAligned[i * H + u % H];
          merged.push_back(mode == "concat" ? (u < H ? a : c)
                           : mode == "sum"  ? a + c
                           : mode == "ave"  ? (a + c) / 2
                                            : a * c);
        }
      expectNear(outputs[next++], merged, mode);
    }
    expectNear(outputs[next++], f.sequences, mode + " forward");
    expectNear(outputs[next++], bwAligned, mode + " backward");
  }
}

/// TF's bidirectional_dynamic_rnn: the backward cell runs within each row's
/// length; checked against the TensorFlow-layout reference.
TEST(Keras, TFBidirectionalDynamicRNN) {
  namespace ref = rnnc::reference;
  constexpr int64_t I = 3, H = 4, T = 5, B = 3;
  std::mt19937 rng(24);
  auto cell = [&](int64_t units) {
    ref::Cell c;
    c.kind = ref::CellKind::LSTM;
    c.numUnits = units;
    c.inputDepth = I;
    c.kernel = randomValues((I + units) * 4 * units, rng);
    c.bias = randomValues(4 * units, rng);
    return c;
  };
  ref::Cell fwCell = cell(H), bwCell = cell(H + 1);
  rnnc::ModelBuilder b;
  rnnc::Tensor x = b.input("x", rnnc::DType::F32, {rnnc::kTime, rnnc::kBatch, I});
  rnnc::Tensor len = b.input("len", rnnc::DType::I32, {rnnc::kBatch});
  rnnc::DynamicRNNOptions options;
  options.sequence_length = len;
  options.time_major = true;
  rnnc::BidirectionalRNNResult r =
      b.bidirectional_dynamic_rnn(b.LSTMCell(H, {fwCell.kernel, fwCell.bias}),
                                  b.LSTMCell(H + 1, {bwCell.kernel, bwCell.bias}), x, options);
  b.output("fw", r.forward.outputs);
  b.output("bw", r.backward.outputs);
  b.output("bw_h", r.backward.final_state[1]);
  std::string error;
  auto model = rnnc::Model::compile(b, {}, &error);
  ASSERT_TRUE(model) << error;
  std::vector<float> inputs = randomValues(T * B * I, rng, 1.0f);
  std::vector<int32_t> lengths = {5, 2, 0};
  std::vector<int64_t> lengths64(lengths.begin(), lengths.end());
  rnnrt_instance_options_t instanceOptions;
  rnnrt_instance_options_initialize(&instanceOptions);
  instanceOptions.batch = B;
  rnnrt_instance_t *instance = nullptr;
  ASSERT_EQ(rnnrt_instance_create(model->descriptor(), &instanceOptions, &instance, nullptr, 0),
            RNNRT_STATUS_OK);
  std::vector<rnnrt_tensor_t> tensors(model->descriptor()->num_inputs);
  tensors[0] = {inputs.data(), RNNRT_DTYPE_F32, 3, {T, B, I}};
  tensors[1] = {lengths.data(), RNNRT_DTYPE_I32, 1, {B}};
  ASSERT_EQ(rnnrt_instance_run(instance, tensors.data(), tensors.size()), RNNRT_STATUS_OK)
      << rnnrt_instance_last_error(instance);
  auto output = [&](size_t i) {
    rnnrt_tensor_t out;
    rnnrt_instance_output(instance, i, &out);
    const float *data = static_cast<const float *>(out.data);
    return std::vector<float>(data, data + rnnrt_tensor_bytes(&out) / sizeof(float));
  };
  ref::Result fw = ref::dynamicRnn({fwCell}, inputs, T, B, true, &lengths64, nullptr);
  ref::Result bw = ref::dynamicRnn({bwCell}, inputs, T, B, true, &lengths64, nullptr, true);
  expectNear(output(0), fw.outputs, "forward");
  expectNear(output(1), bw.outputs, "backward");
  expectNear(output(2), bw.finalStates[1], "backward h");
  rnnrt_instance_destroy(instance);
}

TEST(Keras, ReportsMistakes) {
  std::mt19937 rng(25);
  {
    rnnc::ModelBuilder b;
    rnnc::Tensor x = b.input("x", rnnc::DType::F32, {rnnc::kBatch, rnnc::kTime, 3});
    rnnc::KerasLayer layer = randomLayer(Kind::GRU, 4, 3, rng, /*resetAfter=*/false);
    layer.options.reset_after = true; // expects a [2, 12] bias
    b.rnn(layer, x);
    EXPECT_EQ(b.error(), "GRU: bias must have 24 values, got 12");
  }
  {
    rnnc::ModelBuilder b;
    rnnc::Tensor x = b.input("x", rnnc::DType::F32, {rnnc::kBatch, rnnc::kTime, 3});
    rnnc::KerasLayer layer = randomLayer(Kind::LSTM, 4, 3, rng);
    layer.weights.recurrent_kernel.pop_back();
    b.rnn(layer, x);
    EXPECT_EQ(b.error(), "LSTM: recurrent_kernel must be [4, 16], got 63 values");
  }
  {
    rnnc::ModelBuilder b;
    rnnc::Tensor x = b.input("x", rnnc::DType::F32, {rnnc::kBatch, rnnc::kTime, 3});
    rnnc::KerasLayer layer = randomLayer(Kind::SimpleRNN, 4, 3, rng);
    b.Bidirectional(layer, layer, x, "max");
    EXPECT_EQ(b.error(),
              "Bidirectional: merge_mode must be concat, sum, ave, mul or none, got 'max'");
  }
}
} // namespace

namespace {
/// Keras LSTM and GRU (reset_after) against PyTorch's values for the same
/// weights (keras_torch_golden.py writes them).
TEST(Keras, MatchesPyTorchWhereTheSemanticsCoincide) {
  std::string dir = ::testing::TempDir() + "keras_torch_golden";
  std::string command =
      std::string(RNNC_TEST_PYTHON) + " " + RNNC_TEST_SOURCE_DIR + "/keras_torch_golden.py " + dir;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  constexpr int64_t B = 3, T = 6, I = 4, H = 5;
  for (Kind kind : {Kind::LSTM, Kind::GRU}) {
    std::string prefix = dir + (kind == Kind::LSTM ? "/lstm_" : "/gru_");
    rnnc::KerasLayer layer;
    layer.kind = kind;
    layer.units = H;
    layer.weights = {loadNpy(prefix + "kernel.npy"), loadNpy(prefix + "recurrent_kernel.npy"),
                     loadNpy(prefix + "bias.npy")};
    layer.options.return_sequences = true;
    rnnc::ModelBuilder b;
    rnnc::Tensor x = b.input("x", rnnc::DType::F32, {rnnc::kBatch, rnnc::kTime, I});
    rnnc::KerasRNNResult result = b.rnn(layer, x);
    b.output("y", result.output);
    for (size_t i = 0; i < result.states.size(); ++i)
      b.output("state" + std::to_string(i), result.states[i]);
    ASSERT_EQ(b.error(), "");
    auto outputs = run(b, B, T, I, loadNpy(prefix + "x.npy"), nullptr);
    ASSERT_GE(outputs.size(), 2u);
    expectNear(outputs[0], loadNpy(prefix + "y.npy"), prefix + "y");
    expectNear(outputs[1], loadNpy(prefix + "h.npy"), prefix + "h");
    if (kind == Kind::LSTM)
      expectNear(outputs[2], loadNpy(prefix + "c.npy"), prefix + "c");
  }
}
} // namespace
