// The runtime API over AOT objects of the bundled example LSTM (compiled by
// rnnc_add_model at build time) and the same model JIT-compiled in-process.
// Values are checked against PyTorch's in test/e2e/examples.test; here: AOT ==
// JIT bit for bit, streaming, resets, argument checking, threads, allocators.

#include "rnnc/rnnc.h"
#include "rnnc/rnnc_jit.h"
#include "rnnrt/rnnrt.h"
#include "unit_lstm.h"
#include "unit_lstm_b3.h"
#include "unit_lstm_bf16.h"
#include "unit_lstm_int8.h"
#include "unit_lstm_max4.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <random>
#include <thread>

namespace {
constexpr int64_t kInput = 4, kHidden = 8;

std::vector<float> randomInputs(int64_t T, int64_t B, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> values(T * B * kInput);
  for (float &v : values)
    v = dist(rng);
  return values;
}

struct Instance {
  explicit Instance(const rnnrt_model_t *model, int64_t batch, bool keepState = false,
                    const rnnrt_allocator_t *allocator = nullptr) {
    rnnrt_instance_options_t options;
    rnnrt_instance_options_initialize(&options);
    options.batch = batch;
    options.keep_state = keepState;
    if (allocator)
      options.allocator = *allocator;
    char message[256] = "";
    status = rnnrt_instance_create(model, &options, &instance, message, sizeof message);
    error = message;
  }
  ~Instance() { rnnrt_instance_destroy(instance); }
  rnnrt_instance_t *instance = nullptr;
  rnnrt_status_t status;
  std::string error;
};

/// Inputs of the example model: inputs [T, B, 4], sequence_length [B], and
/// four state inputs left NULL.
std::vector<rnnrt_tensor_t> exampleInputs(const std::vector<float> &x, int64_t T, int64_t B,
                                          const std::vector<int32_t> *lengths) {
  std::vector<rnnrt_tensor_t> tensors(6);
  tensors[0] = {const_cast<float *>(x.data()), RNNRT_DTYPE_F32, 3, {T, B, kInput}};
  tensors[1] = {
      lengths ? const_cast<int32_t *>(lengths->data()) : nullptr, RNNRT_DTYPE_I32, 1, {B}};
  for (int i = 2; i < 6; ++i)
    tensors[i] = {nullptr, RNNRT_DTYPE_F32, 2, {B, kHidden}};
  return tensors;
}

std::vector<float> output(rnnrt_instance_t *instance, size_t index) {
  rnnrt_tensor_t tensor;
  EXPECT_EQ(rnnrt_instance_output(instance, index, &tensor), RNNRT_STATUS_OK);
  const float *data = static_cast<const float *>(tensor.data);
  return std::vector<float>(data, data + rnnrt_tensor_bytes(&tensor) / sizeof(float));
}

std::vector<std::vector<float>> runOnce(const rnnrt_model_t *model, const std::vector<float> &x,
                                        int64_t T, int64_t B, const std::vector<int32_t> *lengths) {
  Instance inst(model, B);
  EXPECT_EQ(inst.status, RNNRT_STATUS_OK) << inst.error;
  auto tensors = exampleInputs(x, T, B, lengths);
  EXPECT_EQ(rnnrt_instance_run(inst.instance, tensors.data(), tensors.size()), RNNRT_STATUS_OK)
      << rnnrt_instance_last_error(inst.instance);
  std::vector<std::vector<float>> outputs;
  for (size_t i = 0; i < model->num_outputs; ++i)
    outputs.push_back(output(inst.instance, i));
  return outputs;
}

/// rnnc_add_model(... PRECISION bf16): the descriptor says so, the packed
/// kernels take half the bytes (the biases stay f32), and the outputs stay
/// within 2e-2 of the f32 model's without being the same.
TEST(Runtime, Bf16ModelSaysSoAndStaysClose) {
  const rnnrt_model_t *model = unit_lstm_bf16_model();
  ASSERT_EQ(rnnrt_model_verify(model, nullptr, 0), RNNRT_STATUS_OK);
  EXPECT_STREQ(model->weight_precision, "bf16");
  EXPECT_EQ(model->weight_bytes, (12u * 64 + 16 * 64) * 2 + 64 * 4);
  std::vector<float> x(9 * 3 * 4);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = std::sin(0.7 * i);
  std::vector<int32_t> lengths = {9, 4, 1};
  auto f32 = runOnce(unit_lstm_model(), x, 9, 3, &lengths);
  auto bf16 = runOnce(model, x, 9, 3, &lengths);
  ASSERT_EQ(f32.size(), bf16.size());
  double moved = 0;
  for (size_t o = 0; o < f32.size(); ++o) {
    ASSERT_EQ(f32[o].size(), bf16[o].size());
    for (size_t i = 0; i < f32[o].size(); ++i)
      moved = std::max(moved, (double)std::fabs(f32[o][i] - bf16[o][i]));
  }
  EXPECT_GT(moved, 0.0);
  EXPECT_LE(moved, 2e-2);
}

/// The int8 model (compiled for Cascade Lake: vpdpbusd) says so and needs
/// AVX512-VNNI: on a CPU with it, its outputs stay within 2e-2 of the f32
/// model's; on one without, it is refused before anything runs.
TEST(Runtime, Int8ModelSaysSoAndStaysCloseOrIsRefused) {
  const rnnrt_model_t *model = unit_lstm_int8_model();
  EXPECT_STREQ(model->weight_precision, "int8");
  EXPECT_NE(std::strstr(model->required_cpu_features, "avx512vnni"), nullptr);
  // s8 kernels, with an f32 scale and sum per (padded) column: a tiny model saves less.
  EXPECT_LT(model->weight_bytes, unit_lstm_model()->weight_bytes);
  char message[512] = "";
  if (!__builtin_cpu_supports("avx512vnni")) {
    EXPECT_EQ(rnnrt_model_verify(model, message, sizeof message), RNNRT_STATUS_UNSUPPORTED_CPU);
    EXPECT_NE(std::strstr(message, "which this CPU lacks"), nullptr) << message;
    return;
  }
  ASSERT_EQ(rnnrt_model_verify(model, message, sizeof message), RNNRT_STATUS_OK) << message;
  std::vector<float> x(9 * 3 * 4);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = std::sin(0.7 * i);
  std::vector<int32_t> lengths = {9, 4, 1};
  auto f32 = runOnce(unit_lstm_model(), x, 9, 3, &lengths);
  auto int8 = runOnce(model, x, 9, 3, &lengths);
  ASSERT_EQ(f32.size(), int8.size());
  double moved = 0;
  for (size_t o = 0; o < f32.size(); ++o) {
    ASSERT_EQ(f32[o].size(), int8[o].size());
    for (size_t i = 0; i < f32[o].size(); ++i)
      moved = std::max(moved, (double)std::fabs(f32[o][i] - int8[o][i]));
  }
  EXPECT_GT(moved, 0.0);
  EXPECT_LE(moved, 2e-2);
}

/// A model whose code needs a CPU feature this CPU lacks, or one the
/// runtime cannot check, is refused with a status and the feature's name.
TEST(Runtime, ModelNeedingUnknownCpuFeatureIsRefused) {
  rnnrt_model_t model = *unit_lstm_model();
  char message[512] = "";
  ASSERT_EQ(rnnrt_model_verify(&model, message, sizeof message), RNNRT_STATUS_OK) << message;
  model.required_cpu_features = "avx2,avx10.2";
  EXPECT_EQ(rnnrt_model_verify(&model, message, sizeof message), RNNRT_STATUS_UNSUPPORTED_CPU);
  EXPECT_NE(std::strstr(message, "needs the CPU feature 'avx10.2', which this runtime cannot check"),
            nullptr)
      << message;
  rnnrt_instance_t *instance = nullptr;
  EXPECT_EQ(rnnrt_instance_create(&model, nullptr, &instance, message, sizeof message),
            RNNRT_STATUS_UNSUPPORTED_CPU);
  EXPECT_EQ(instance, nullptr);
  model.required_cpu_features = nullptr;
  EXPECT_EQ(rnnrt_model_verify(&model, message, sizeof message), RNNRT_STATUS_BAD_FORMAT);
  EXPECT_STREQ(rnnrt_status_name(RNNRT_STATUS_UNSUPPORTED_CPU), "RNNRT_STATUS_UNSUPPORTED_CPU");
}

TEST(Runtime, DescriptorDescribesTheModel) {
  const rnnrt_model_t *model = unit_lstm_model();
  ASSERT_EQ(rnnrt_model_verify(model, nullptr, 0), RNNRT_STATUS_OK);
  EXPECT_EQ(model->abi_version, rnnrt_abi_version());
  EXPECT_STREQ(model->name, "unit_lstm");
  ASSERT_EQ(model->num_inputs, 6u);
  ASSERT_EQ(model->num_outputs, 5u);
  EXPECT_STREQ(model->inputs[0].name, "inputs");
  EXPECT_EQ(model->inputs[1].role, RNNRT_ROLE_SEQUENCE_LENGTHS);
  EXPECT_EQ(model->inputs[2].role, RNNRT_ROLE_STATE);
  EXPECT_STREQ(model->outputs[model->inputs[2].pair].name, "final_state/0/c");
  EXPECT_EQ(rnnrt_model_find_input(model, "initial_state/1/h"), 5);
  EXPECT_EQ(rnnrt_model_find_output(model, "outputs"), 0);
  EXPECT_EQ(rnnrt_model_find_output(model, "nope"), -1);
  EXPECT_STREQ(model->symbols[model->batch_symbol], "B");
  // Kernels packed gate-interleaved, each gate's 8 units padded to 16 lanes
  // ([12, 4 * 16] and [16, 4 * 16]), and the two biases.
  EXPECT_EQ(model->weight_bytes, (12u * 64 + 16 * 64 + 64) * 4);
  EXPECT_STREQ(model->weight_precision, "f32");
  EXPECT_EQ(unit_lstm_b3_model()->batch_symbol, -1);
  EXPECT_EQ(unit_lstm_b3_model()->max_batch, 3);
}

TEST(Runtime, AotEqualsJitBitForBit) {
  rnnc::CompileOptions options;
  options.name = "unit_lstm";
  options.cpu = "x86-64-v3"; // what rnnc_add_model compiled the object for
  std::string error;
  auto jit = rnnc::Model::load(RNNC_EXAMPLE_MODEL, options, &error);
  ASSERT_TRUE(jit) << error;
  std::vector<float> x = randomInputs(9, 3, 1);
  std::vector<int32_t> lengths = {9, 0, 4};
  auto aot = runOnce(unit_lstm_model(), x, 9, 3, &lengths);
  auto jitted = runOnce(jit->descriptor(), x, 9, 3, &lengths);
  ASSERT_EQ(aot.size(), jitted.size());
  for (size_t i = 0; i < aot.size(); ++i) {
    ASSERT_EQ(aot[i].size(), jitted[i].size());
    EXPECT_EQ(std::memcmp(aot[i].data(), jitted[i].data(), aot[i].size() * sizeof(float)), 0)
        << "output " << i;
  }
  // Compiling the same file again reuses the compiled model.
  auto again = rnnc::Model::load(RNNC_EXAMPLE_MODEL, options, &error);
  ASSERT_TRUE(again) << error;
  EXPECT_EQ(again->descriptor(), jit->descriptor());
}

TEST(Runtime, ChunkedStreamingEqualsOneShot) {
  const int64_t T = 23, B = 2;
  std::vector<float> x = randomInputs(T, B, 2);
  auto whole = runOnce(unit_lstm_model(), x, T, B, nullptr);
  Instance stream(unit_lstm_model(), B, /*keepState=*/true);
  ASSERT_EQ(stream.status, RNNRT_STATUS_OK) << stream.error;
  std::vector<float> chunked;
  for (int64_t t = 0; t < T; t += 5) {
    int64_t steps = std::min<int64_t>(5, T - t);
    std::vector<float> part(x.begin() + t * B * kInput, x.begin() + (t + steps) * B * kInput);
    auto tensors = exampleInputs(part, steps, B, nullptr);
    ASSERT_EQ(rnnrt_instance_run(stream.instance, tensors.data(), tensors.size()), RNNRT_STATUS_OK);
    std::vector<float> y = output(stream.instance, 0);
    chunked.insert(chunked.end(), y.begin(), y.end());
  }
  EXPECT_EQ(chunked, whole[0]);
  for (size_t i = 1; i < whole.size(); ++i)
    EXPECT_EQ(output(stream.instance, i), whole[i]) << "final state " << i;
  // The carried state is readable through the state accessor.
  rnnrt_tensor_t state;
  ASSERT_EQ(rnnrt_instance_state(stream.instance, 5, &state), RNNRT_STATUS_OK);
  EXPECT_EQ(std::vector<float>(static_cast<float *>(state.data),
                               static_cast<float *>(state.data) + B * kHidden),
            whole[4]);
}

TEST(Runtime, ResettingOneRowRestartsOnlyThatRow) {
  const int64_t T = 6, B = 3;
  std::vector<float> x = randomInputs(T, B, 3);
  auto fresh = runOnce(unit_lstm_model(), x, T, B, nullptr);
  Instance stream(unit_lstm_model(), B, true);
  auto tensors = exampleInputs(x, T, B, nullptr);
  ASSERT_EQ(rnnrt_instance_run(stream.instance, tensors.data(), 6), RNNRT_STATUS_OK);
  uint8_t rows[3] = {0, 1, 0};
  ASSERT_EQ(rnnrt_instance_reset_state(stream.instance, rows, 3), RNNRT_STATUS_OK);
  ASSERT_EQ(rnnrt_instance_run(stream.instance, tensors.data(), 6), RNNRT_STATUS_OK);
  std::vector<float> second = output(stream.instance, 0);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < kHidden; ++h) {
        size_t i = (t * B + b) * kHidden + h;
        if (b == 1) {
          EXPECT_EQ(second[i], fresh[0][i]) << "reset row, t=" << t;
        } else if (t == 0 && h == 0) {
          EXPECT_NE(second[i], fresh[0][i]) << "row " << b << " should continue its state";
        }
      }
  // Resetting every row makes the next call a fresh start again.
  ASSERT_EQ(rnnrt_instance_reset_state(stream.instance, nullptr, 0), RNNRT_STATUS_OK);
  ASSERT_EQ(rnnrt_instance_run(stream.instance, tensors.data(), 6), RNNRT_STATUS_OK);
  EXPECT_EQ(output(stream.instance, 0), fresh[0]);
}

TEST(Runtime, InstanceLengthsAreUsedWhenTheInputIsNull) {
  const int64_t T = 7, B = 3;
  std::vector<float> x = randomInputs(T, B, 4);
  std::vector<int32_t> lengths = {7, 2, 0};
  auto explicitLengths = runOnce(unit_lstm_model(), x, T, B, &lengths);
  Instance inst(unit_lstm_model(), B);
  ASSERT_EQ(rnnrt_instance_set_sequence_lengths(inst.instance, lengths.data(), B), RNNRT_STATUS_OK);
  auto tensors = exampleInputs(x, T, B, nullptr);
  ASSERT_EQ(rnnrt_instance_run(inst.instance, tensors.data(), 6), RNNRT_STATUS_OK);
  EXPECT_EQ(output(inst.instance, 0), explicitLengths[0]);
  // Lengths set on the instance are still checked against this call's T.
  auto shorter = exampleInputs(x, 5, B, nullptr);
  std::vector<float> part(x.begin(), x.begin() + 5 * B * kInput);
  shorter[0].data = part.data();
  EXPECT_EQ(rnnrt_instance_run(inst.instance, shorter.data(), 6), RNNRT_STATUS_OUT_OF_RANGE);
  EXPECT_NE(std::string(rnnrt_instance_last_error(inst.instance)).find("out of range [0, 5]"),
            std::string::npos);
}

TEST(Runtime, RejectsBadArguments) {
  const rnnrt_model_t *model = unit_lstm_model();
  char message[256];
  rnnrt_instance_t *none = nullptr;
  EXPECT_EQ(rnnrt_instance_create(model, nullptr, &none, message, sizeof message),
            RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(message).find("dynamic batch"), std::string::npos) << message;
  EXPECT_EQ(none, nullptr);
  EXPECT_EQ(rnnrt_instance_create(nullptr, nullptr, &none, message, sizeof message),
            RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(rnnrt_instance_create(model, nullptr, nullptr, message, sizeof message),
            RNNRT_STATUS_INVALID_ARGUMENT);
  rnnrt_model_t other = *model;
  other.abi_version = 99;
  EXPECT_EQ(rnnrt_instance_create(&other, nullptr, &none, message, sizeof message),
            RNNRT_STATUS_INCOMPATIBLE_VERSION);
  EXPECT_NE(std::string(message).find("version 99"), std::string::npos) << message;

  const int64_t T = 4, B = 2;
  Instance inst(model, B);
  ASSERT_EQ(inst.status, RNNRT_STATUS_OK);
  rnnrt_instance_t *in = inst.instance;
  std::vector<float> x = randomInputs(T, B, 5);
  std::vector<int32_t> lengths = {4, 3};
  auto expectError = [&](std::vector<rnnrt_tensor_t> tensors, rnnrt_status_t status,
                         const char *fragment) {
    EXPECT_EQ(rnnrt_instance_run(in, tensors.data(), tensors.size()), status) << fragment;
    EXPECT_NE(std::string(rnnrt_instance_last_error(in)).find(fragment), std::string::npos)
        << rnnrt_instance_last_error(in);
  };
  EXPECT_EQ(rnnrt_instance_output(in, 0, nullptr), RNNRT_STATUS_INVALID_ARGUMENT);
  rnnrt_tensor_t out;
  EXPECT_EQ(rnnrt_instance_output(in, 0, &out), RNNRT_STATUS_FAILED_PRECONDITION);
  EXPECT_EQ(rnnrt_instance_run(in, nullptr, 6), RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(rnnrt_instance_run(nullptr, nullptr, 0), RNNRT_STATUS_INVALID_ARGUMENT);

  auto good = exampleInputs(x, T, B, &lengths);
  expectError(std::vector<rnnrt_tensor_t>(good.begin(), good.begin() + 5),
              RNNRT_STATUS_INVALID_ARGUMENT, "has 6 inputs, got 5");
  auto bad = good;
  bad[0].dtype = RNNRT_DTYPE_I32;
  expectError(bad, RNNRT_STATUS_INVALID_ARGUMENT, "input 'inputs' must be float32, got int32");
  bad = good;
  bad[0].rank = 2;
  expectError(bad, RNNRT_STATUS_INVALID_ARGUMENT, "must have rank 3, got 2");
  bad = good;
  bad[0].dims[2] = 5;
  expectError(bad, RNNRT_STATUS_INVALID_ARGUMENT, "dimension 2 must be 4, got 5");
  bad = good;
  bad[0].dims[1] = 3;
  expectError(bad, RNNRT_STATUS_INVALID_ARGUMENT, "(the instance's batch)");
  bad = good;
  bad[0].dims[0] = -1;
  expectError(bad, RNNRT_STATUS_INVALID_ARGUMENT, "is negative");
  bad = good;
  bad[0].data = nullptr;
  expectError(bad, RNNRT_STATUS_INVALID_ARGUMENT, "input 'inputs' has no data");
  std::vector<int32_t> tooLong = {5, 1}, negative = {1, -1};
  bad = good;
  bad[1].data = tooLong.data();
  expectError(bad, RNNRT_STATUS_OUT_OF_RANGE, "sequence_length[0] = 5 is out of range [0, 4]");
  bad[1].data = negative.data();
  expectError(bad, RNNRT_STATUS_OUT_OF_RANGE, "sequence_length[1] = -1");
  std::vector<float> state(B * kHidden);
  bad = good;
  bad[3] = {state.data(), RNNRT_DTYPE_F32, 2, {B, kHidden + 1}};
  expectError(bad, RNNRT_STATUS_INVALID_ARGUMENT, "input 'initial_state/0/h' dimension 1");

  EXPECT_EQ(rnnrt_instance_set_sequence_lengths(in, lengths.data(), 3),
            RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(rnnrt_instance_set_sequence_lengths(in, negative.data(), 2), RNNRT_STATUS_OUT_OF_RANGE);
  uint8_t mask[8] = {1};
  EXPECT_EQ(rnnrt_instance_set_mask(in, mask, B, T), RNNRT_STATUS_FAILED_PRECONDITION);
  EXPECT_EQ(rnnrt_instance_reset_state(in, mask, 3), RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(rnnrt_instance_state(in, 0, &out), RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(rnnrt_instance_output(in, 5, &out), RNNRT_STATUS_INVALID_ARGUMENT);

  // A failed call leaves the last outputs alone.
  ASSERT_EQ(rnnrt_instance_run(in, good.data(), 6), RNNRT_STATUS_OK);
  std::vector<float> before = output(in, 0);
  bad = good;
  bad[1].data = tooLong.data();
  EXPECT_EQ(rnnrt_instance_run(in, bad.data(), 6), RNNRT_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(output(in, 0), before);
}

/// Output shapes before a call equal those after it; copies into caller
/// memory check every capacity first.
TEST(Runtime, OutputShapesAndCapacities) {
  const int64_t T = 5, B = 3;
  std::vector<float> x = randomInputs(T, B, 11);
  Instance inst(unit_lstm_model(), B);
  ASSERT_EQ(inst.status, RNNRT_STATUS_OK) << inst.error;
  std::vector<rnnrt_tensor_t> inputs = exampleInputs(x, T, B, nullptr);
  const rnnrt_model_t *model = unit_lstm_model();
  std::vector<rnnrt_tensor_t> before(model->num_outputs);
  for (size_t i = 0; i < before.size(); ++i)
    ASSERT_EQ(rnnrt_instance_output_shape(inst.instance, inputs.data(), inputs.size(), i,
                                          &before[i]),
              RNNRT_STATUS_OK)
        << rnnrt_instance_last_error(inst.instance);
  std::vector<size_t> capacities(model->num_outputs);
  std::vector<void *> none(model->num_outputs, nullptr);
  EXPECT_EQ(rnnrt_instance_copy_outputs(inst.instance, none.data(), capacities.data(),
                                        capacities.size()),
            RNNRT_STATUS_FAILED_PRECONDITION);
  ASSERT_EQ(rnnrt_instance_run(inst.instance, inputs.data(), inputs.size()), RNNRT_STATUS_OK);
  for (size_t i = 0; i < before.size(); ++i) {
    rnnrt_tensor_t after;
    ASSERT_EQ(rnnrt_instance_output(inst.instance, i, &after), RNNRT_STATUS_OK);
    EXPECT_EQ(before[i].dtype, after.dtype);
    ASSERT_EQ(before[i].rank, after.rank);
    for (int32_t d = 0; d < after.rank; ++d)
      EXPECT_EQ(before[i].dims[d], after.dims[d]) << "output " << i << " dimension " << d;
    capacities[i] = rnnrt_tensor_bytes(&after);
  }
  EXPECT_EQ(before[0].dims[0], T);

  // Exact capacities: the outputs, copied; NULL destinations skipped.
  std::vector<std::vector<float>> copies(model->num_outputs);
  std::vector<void *> destinations(model->num_outputs);
  for (size_t i = 0; i < copies.size(); ++i) {
    copies[i].assign(capacities[i] / sizeof(float), -7.0f);
    destinations[i] = copies[i].data();
  }
  destinations[1] = nullptr;
  ASSERT_EQ(rnnrt_instance_copy_outputs(inst.instance, destinations.data(), capacities.data(),
                                        capacities.size()),
            RNNRT_STATUS_OK);
  EXPECT_EQ(copies[0], output(inst.instance, 0));
  EXPECT_EQ(copies[1], std::vector<float>(copies[1].size(), -7.0f));

  // One element short on the last output: nothing is written, the message names it.
  for (auto &copy : copies)
    std::fill(copy.begin(), copy.end(), -7.0f);
  destinations[1] = copies[1].data();
  std::vector<size_t> short_capacities = capacities;
  short_capacities.back() -= sizeof(float);
  EXPECT_EQ(rnnrt_instance_copy_outputs(inst.instance, destinations.data(),
                                        short_capacities.data(), short_capacities.size()),
            RNNRT_STATUS_INVALID_ARGUMENT);
  std::string message = rnnrt_instance_last_error(inst.instance);
  EXPECT_NE(message.find(std::string("output '") + model->outputs[model->num_outputs - 1].name),
            std::string::npos)
      << message;
  for (const auto &copy : copies)
    EXPECT_EQ(copy, std::vector<float>(copy.size(), -7.0f));
  EXPECT_EQ(rnnrt_instance_copy_outputs(inst.instance, destinations.data(), capacities.data(), 1),
            RNNRT_STATUS_INVALID_ARGUMENT);

  // A shape query checks its inputs as a call does.
  inputs[0].dims[2] = kInput + 1;
  rnnrt_tensor_t shape;
  EXPECT_EQ(rnnrt_instance_output_shape(inst.instance, inputs.data(), inputs.size(), 0, &shape),
            RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(rnnrt_instance_output_shape(inst.instance, inputs.data(), inputs.size(),
                                        model->num_outputs, &shape),
            RNNRT_STATUS_INVALID_ARGUMENT);
}

TEST(Runtime, BatchLimits) {
  Instance fixed(unit_lstm_b3_model(), 0);
  EXPECT_EQ(fixed.status, RNNRT_STATUS_OK) << fixed.error;
  EXPECT_EQ(rnnrt_instance_batch(fixed.instance), 3);
  Instance wrong(unit_lstm_b3_model(), 2);
  EXPECT_EQ(wrong.status, RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(wrong.error.find("static batch of 3"), std::string::npos) << wrong.error;
  Instance within(unit_lstm_max4_model(), 4);
  EXPECT_EQ(within.status, RNNRT_STATUS_OK);
  Instance over(unit_lstm_max4_model(), 5);
  EXPECT_EQ(over.status, RNNRT_STATUS_OUT_OF_RANGE);
  EXPECT_NE(over.error.find("exceeds the model's limit of 4"), std::string::npos) << over.error;

  // A batch whose state sizes would wrap is refused before any allocation
  // (2^61 rows overflowed the size arithmetic of bind_default).
  Instance huge(unit_lstm_model(), int64_t(1) << 61);
  EXPECT_EQ(huge.status, RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(huge.error.find("more than a process can address"), std::string::npos) << huge.error;
  EXPECT_EQ(huge.instance, nullptr);
  // So is a run-time size that would: T = 2^61 steps of a batch of one.
  Instance one(unit_lstm_model(), 1);
  ASSERT_EQ(one.status, RNNRT_STATUS_OK) << one.error;
  float tiny[4] = {0, 0, 0, 0};
  std::vector<rnnrt_tensor_t> tensors(unit_lstm_model()->num_inputs);
  tensors[0] = {tiny, RNNRT_DTYPE_F32, 3, {int64_t(1) << 61, 1, 4}};
  for (size_t i = 1; i < tensors.size(); ++i)
    tensors[i] = {nullptr, unit_lstm_model()->inputs[i].dtype, unit_lstm_model()->inputs[i].rank,
                  {}};
  EXPECT_EQ(rnnrt_instance_run(one.instance, tensors.data(), tensors.size()),
            RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(rnnrt_instance_last_error(one.instance))
                .find("dimension 0 is 2305843009213693952, more than a process can address"),
            std::string::npos)
      << rnnrt_instance_last_error(one.instance);
  // 2^44 steps pass the per-dimension bound but not the call's: outputs of
  // 2^44 x 8 floats, refused without a memory limit.
  tensors[0].dims[0] = int64_t(1) << 44;
  EXPECT_EQ(rnnrt_instance_run(one.instance, tensors.data(), tensors.size()),
            RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(rnnrt_instance_last_error(one.instance))
                .find("more than a process can address"),
            std::string::npos)
      << rnnrt_instance_last_error(one.instance);

  // The batch-specialized object computes what the dynamic one does.
  std::vector<float> x = randomInputs(5, 3, 6);
  EXPECT_EQ(runOnce(unit_lstm_b3_model(), x, 5, 3, nullptr)[0],
            runOnce(unit_lstm_model(), x, 5, 3, nullptr)[0]);
}

TEST(Runtime, ThreadsWithSeparateInstancesAgreeBitForBit) {
  const int64_t T = 30, B = 4;
  std::vector<float> x = randomInputs(T, B, 7);
  std::vector<int32_t> lengths = {30, 17, 1, 0};
  auto expected = runOnce(unit_lstm_model(), x, T, B, &lengths);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      Instance inst(unit_lstm_model(), B, true);
      auto tensors = exampleInputs(x, T, B, &lengths);
      for (int repeat = 0; repeat < 20; ++repeat) {
        rnnrt_instance_reset_state(inst.instance, nullptr, 0);
        if (rnnrt_instance_run(inst.instance, tensors.data(), 6) != RNNRT_STATUS_OK)
          ++mismatches;
        for (size_t o = 0; o < expected.size(); ++o) {
          rnnrt_tensor_t tensor;
          rnnrt_instance_output(inst.instance, o, &tensor);
          if (std::memcmp(tensor.data, expected[o].data(), expected[o].size() * 4) != 0)
            ++mismatches;
        }
      }
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(Runtime, NanAndInfInputsStayInTheirRows) {
  // A NaN in row 0 and an Inf in row 1 (at step 2) run like any value: the
  // call succeeds, row 0 is NaN from step 2 on, and the rows without them are
  // bit-identical to a clean run (rows never mix).
  const int64_t T = 6, B = 3;
  std::vector<float> clean = randomInputs(T, B, 31), dirty = clean;
  dirty[(2 * B + 0) * kInput + 1] = std::numeric_limits<float>::quiet_NaN();
  dirty[(2 * B + 1) * kInput + 3] = std::numeric_limits<float>::infinity();
  auto expected = runOnce(unit_lstm_model(), clean, T, B, nullptr);
  auto got = runOnce(unit_lstm_model(), dirty, T, B, nullptr);
  const std::vector<float> &outputs = got[0]; // [T, B, kHidden]
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < kHidden; ++h) {
        size_t i = (t * B + b) * kHidden + h;
        if (b == 0 && t >= 2) {
          EXPECT_TRUE(std::isnan(outputs[i])) << "t=" << t << " h=" << h;
        } else if (b == 2 || t < 2) {
          EXPECT_EQ(outputs[i], expected[0][i]) << "t=" << t << " b=" << b << " h=" << h;
        }
      }
}

TEST(Runtime, ConcurrentJitCompilesAgreeWithAot) {
  // 8 threads compile the example at once (4 distinct option sets, so that
  // both fresh compiles and the process cache race), then each runs its model
  // on its own instance. Under TSan this is the compiler's concurrency test.
  const int64_t T = 12, B = 3;
  std::vector<float> x = randomInputs(T, B, 21);
  std::vector<int32_t> lengths = {12, 5, 0};
  auto expected = runOnce(unit_lstm_model(), x, T, B, &lengths);
  const char *cpus[] = {"x86-64-v3", "x86-64-v2", "x86-64", "x86-64-v3"};
  const int64_t maxBatches[] = {0, 0, 0, 8};
  std::atomic<int> failures{0};
  std::vector<std::string> errors(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      rnnc_jit_options_t options;
      rnnc_jit_options_initialize(&options);
      options.cpu = cpus[i % 4];
      options.max_batch = maxBatches[i % 4];
      rnnc_jit_model_t *model = nullptr;
      char message[512] = "";
      if (rnnc_jit_compile_file(RNNC_EXAMPLE_MODEL, &options, &model, message, sizeof message) !=
          RNNRT_STATUS_OK) {
        errors[i] = message;
        ++failures;
        return;
      }
      // x86-64 without FMA rounds differently: compare within 1e-5 there.
      auto outputs = runOnce(rnnc_jit_model_descriptor(model), x, T, B, &lengths);
      for (size_t o = 0; o < expected.size(); ++o)
        for (size_t k = 0; k < expected[o].size(); ++k)
          if (std::abs(outputs[o][k] - expected[o][k]) > 1e-5f) {
            errors[i] = "output " + std::to_string(o) + " differs";
            ++failures;
            break;
          }
      rnnc_jit_model_release(model);
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(failures.load(), 0);
  for (const std::string &error : errors)
    EXPECT_EQ(error, "");
}

struct CountingAllocator {
  std::atomic<long> live{0}, calls{0};
  static void *alloc(void *self, size_t size, size_t alignment) {
    ++static_cast<CountingAllocator *>(self)->live;
    ++static_cast<CountingAllocator *>(self)->calls;
    return aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
  }
  static void free(void *self, void *p) {
    if (p)
      --static_cast<CountingAllocator *>(self)->live;
    std::free(p);
  }
};

TEST(Runtime, InstanceMemoryComesFromTheAllocator) {
  CountingAllocator counter;
  rnnrt_allocator_t allocator = {&counter, CountingAllocator::alloc, CountingAllocator::free};
  {
    Instance inst(unit_lstm_model(), 2, true, &allocator);
    ASSERT_EQ(inst.status, RNNRT_STATUS_OK);
    EXPECT_GT(counter.live.load(), 0);
    std::vector<float> x = randomInputs(3, 2, 8);
    auto tensors = exampleInputs(x, 3, 2, nullptr);
    ASSERT_EQ(rnnrt_instance_run(inst.instance, tensors.data(), 6), RNNRT_STATUS_OK);
  }
  EXPECT_EQ(counter.live.load(), 0);
}

/// Creates an instance of the example model with `limit`, through `counter`.
rnnrt_status_t createLimited(const rnnrt_model_t *model, int64_t batch, uint64_t limit,
                             CountingAllocator &counter, rnnrt_instance_t **instance,
                             std::string &error) {
  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.allocator = {&counter, CountingAllocator::alloc, CountingAllocator::free};
  options.batch = batch;
  options.memory_limit = limit;
  char message[256] = "";
  rnnrt_status_t status = rnnrt_instance_create(model, &options, instance, message, sizeof message);
  error = message;
  return status;
}

TEST(Runtime, MemoryLimitRefusesBeforeAllocating) {
  const rnnrt_model_t *model = unit_lstm_model();
  ASSERT_TRUE(model->heap_bounded);
  ASSERT_GT(model->num_heap_terms, 0u);
  CountingAllocator counter;
  rnnrt_instance_t *instance = nullptr;
  std::string error;

  // An instance whose own buffers (2^40 rows) exceed the limit: nothing allocated.
  EXPECT_EQ(createLimited(model, int64_t(1) << 40, uint64_t(1) << 30, counter, &instance, error),
            RNNRT_STATUS_LIMIT_EXCEEDED);
  EXPECT_EQ(instance, nullptr);
  EXPECT_NE(error.find("over the memory limit of 1073741824"), std::string::npos) << error;
  EXPECT_EQ(counter.calls.load(), 0);

  // 64 KiB fit a call of 10 steps but not one of 1000 steps, whose output
  // alone ([1000, 3, 8] floats) is 96000 bytes.
  const int64_t B = 3;
  ASSERT_EQ(createLimited(model, B, 64 << 10, counter, &instance, error), RNNRT_STATUS_OK) << error;
  std::unique_ptr<rnnrt_instance_t, void (*)(rnnrt_instance_t *)> owner(instance,
                                                                        rnnrt_instance_destroy);
  std::vector<float> shortInput = randomInputs(10, B, 11), longInput = randomInputs(1000, B, 12);
  auto shortTensors = exampleInputs(shortInput, 10, B, nullptr);
  auto longTensors = exampleInputs(longInput, 1000, B, nullptr);
  ASSERT_EQ(rnnrt_instance_run(instance, shortTensors.data(), 6), RNNRT_STATUS_OK)
      << rnnrt_instance_last_error(instance);
  std::vector<float> before = output(instance, 0);
  long calls = counter.calls.load(), live = counter.live.load();
  EXPECT_EQ(rnnrt_instance_run(instance, longTensors.data(), 6), RNNRT_STATUS_LIMIT_EXCEEDED);
  std::string message = rnnrt_instance_last_error(instance);
  EXPECT_NE(message.find("outputs 96384"), std::string::npos) << message;
  EXPECT_NE(message.find("over the instance's memory limit of 65536"), std::string::npos)
      << message;
  EXPECT_EQ(counter.calls.load(), calls);
  EXPECT_EQ(counter.live.load(), live);
  EXPECT_EQ(output(instance, 0), before);

  // The limit counts exactly what the message says the call needs.
  unsigned long long needed = 0;
  ASSERT_EQ(std::sscanf(message.c_str(), "this call needs %llu bytes", &needed), 1) << message;
  for (uint64_t limit : {needed - 1, needed}) {
    rnnrt_instance_t *sized = nullptr;
    ASSERT_EQ(createLimited(model, B, limit, counter, &sized, error), RNNRT_STATUS_OK) << error;
    EXPECT_EQ(rnnrt_instance_run(sized, longTensors.data(), 6),
              limit < needed ? RNNRT_STATUS_LIMIT_EXCEEDED : RNNRT_STATUS_OK)
        << rnnrt_instance_last_error(sized);
    rnnrt_instance_destroy(sized);
  }
}

TEST(Runtime, DeviceBuffersOfACpuModelAreHostMemory) {
  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.batch = 2;
  options.memory_limit = 1 << 20;
  rnnrt_instance_t *instance = nullptr;
  ASSERT_EQ(rnnrt_instance_create(unit_lstm_model(), &options, &instance, nullptr, 0),
            RNNRT_STATUS_OK);
  void *buffer = nullptr;
  ASSERT_EQ(rnnrt_instance_device_alloc(instance, 64, &buffer), RNNRT_STATUS_OK);
  ASSERT_NE(buffer, nullptr);
  EXPECT_EQ(static_cast<unsigned char *>(buffer)[63], 0) << "not zeroed";
  const char text[] = "host <-> device";
  char back[sizeof text] = {};
  EXPECT_EQ(rnnrt_instance_copy_to_device(instance, buffer, text, sizeof text), RNNRT_STATUS_OK);
  EXPECT_EQ(rnnrt_instance_copy_to_host(instance, back, buffer, sizeof back), RNNRT_STATUS_OK);
  EXPECT_STREQ(back, text);
  EXPECT_EQ(rnnrt_instance_copy_to_host(instance, nullptr, buffer, 4),
            RNNRT_STATUS_INVALID_ARGUMENT);
  // Counted against the memory limit, before allocating.
  void *huge = nullptr;
  EXPECT_EQ(rnnrt_instance_device_alloc(instance, 2 << 20, &huge), RNNRT_STATUS_LIMIT_EXCEEDED);
  EXPECT_EQ(huge, nullptr);
  EXPECT_NE(std::string(rnnrt_instance_last_error(instance)).find("over its memory limit"),
            std::string::npos);
  EXPECT_EQ(rnnrt_instance_device_free(instance, buffer), RNNRT_STATUS_OK);
  int other;
  EXPECT_EQ(rnnrt_instance_device_free(instance, &other), RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(rnnrt_instance_device_alloc(nullptr, 8, &buffer), RNNRT_STATUS_INVALID_ARGUMENT);
  // Left for the instance to free (checked by the ASan suite).
  ASSERT_EQ(rnnrt_instance_device_alloc(instance, 16, &buffer), RNNRT_STATUS_OK);
  rnnrt_instance_destroy(instance);
}

TEST(Runtime, MemoryLimitNeedsABoundedHeap) {
  CountingAllocator counter;
  rnnrt_instance_t *instance = nullptr;
  std::string error;
  rnnrt_model_t unbounded = *unit_lstm_model();
  unbounded.heap_bounded = 0;
  EXPECT_EQ(createLimited(&unbounded, 2, uint64_t(1) << 30, counter, &instance, error),
            RNNRT_STATUS_FAILED_PRECONDITION);
  EXPECT_NE(error.find("cannot be given a memory limit"), std::string::npos) << error;
  EXPECT_EQ(createLimited(&unbounded, 2, 0, counter, &instance, error), RNNRT_STATUS_OK) << error;
  rnnrt_instance_destroy(instance);

  rnnrt_memory_term_t bad = {16, 1, {99}};
  rnnrt_model_t malformed = *unit_lstm_model();
  malformed.heap_terms = &bad;
  malformed.num_heap_terms = 1;
  char message[256];
  EXPECT_EQ(rnnrt_model_verify(&malformed, message, sizeof message), RNNRT_STATUS_BAD_FORMAT);
  EXPECT_NE(std::string(message).find("heap term 0 is malformed"), std::string::npos) << message;
}

TEST(Runtime, ZeroAndHugeSizes) {
  // T = 0: empty outputs, final states equal to the (zero) initial state.
  Instance inst(unit_lstm_model(), 2);
  ASSERT_EQ(inst.status, RNNRT_STATUS_OK) << inst.error;
  std::vector<float> none;
  auto empty = exampleInputs(none, 0, 2, nullptr);
  float dummy = 0;
  empty[0].data = &dummy; // a zero-size input still needs a non-NULL pointer
  ASSERT_EQ(rnnrt_instance_run(inst.instance, empty.data(), 6), RNNRT_STATUS_OK)
      << rnnrt_instance_last_error(inst.instance);
  rnnrt_tensor_t out;
  ASSERT_EQ(rnnrt_instance_output(inst.instance, 0, &out), RNNRT_STATUS_OK);
  EXPECT_EQ(out.dims[0], 0);
  EXPECT_EQ(rnnrt_tensor_bytes(&out), 0u);
  for (size_t o = 1; o < unit_lstm_model()->num_outputs; ++o)
    for (float v : output(inst.instance, o))
      EXPECT_EQ(v, 0.0f);

  // A batch of zero rows is refused; T = 2^40 steps under a memory limit is
  // refused before the kernel or any allocation (sizes saturate, not wrap).
  Instance zeroRows(unit_lstm_model(), 0);
  EXPECT_EQ(zeroRows.status, RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(zeroRows.error.find("positive value, got 0"), std::string::npos) << zeroRows.error;
  CountingAllocator counter;
  rnnrt_instance_t *limited = nullptr;
  std::string error;
  ASSERT_EQ(createLimited(unit_lstm_model(), 2, uint64_t(1) << 30, counter, &limited, error),
            RNNRT_STATUS_OK)
      << error;
  auto huge = exampleInputs(none, int64_t(1) << 40, 2, nullptr);
  huge[0].data = &dummy;
  long calls = counter.calls.load();
  EXPECT_EQ(rnnrt_instance_run(limited, huge.data(), 6), RNNRT_STATUS_LIMIT_EXCEEDED);
  EXPECT_NE(std::string(rnnrt_instance_last_error(limited)).find("over the instance's memory limit"),
            std::string::npos)
      << rnnrt_instance_last_error(limited);
  EXPECT_EQ(counter.calls.load(), calls);
  rnnrt_instance_destroy(limited);
}

// docs/security.md: a model file may not name code outside itself, through
// any entry point, unless the program vouches for it (trusted_ir).
TEST(Runtime, UntrustedModelRefusedByModelLoad) {
  const std::string system = RNNC_UNTRUSTED_MODELS "/system-call.mlir";
  const std::string trusted = RNNC_UNTRUSTED_MODELS "/trusted.mlir";
  rnnc::CompileOptions options;
  std::string error;
  EXPECT_EQ(rnnc::Model::load(system, options, &error), nullptr);
  EXPECT_NE(error.find("operation 'llvm.mlir.global' is not allowed in a model file"),
            std::string::npos)
      << error;
  EXPECT_EQ(rnnc::Model::load(trusted, options, &error), nullptr);
  EXPECT_NE(error.find("'llvm.mlir.constant' is not allowed"), std::string::npos) << error;
  options.trusted_ir = true;
  error.clear();
  EXPECT_NE(rnnc::Model::load(trusted, options, &error), nullptr) << error;
  // The memory limit applies here too (the example's file is over 4 KiB).
  options.memory_limit = 4096;
  EXPECT_EQ(rnnc::Model::load(RNNC_EXAMPLE_MODEL, options, &error), nullptr);
  EXPECT_NE(error.find("over the memory limit of 4096"), std::string::npos) << error;
}

// Indices a model gathers with (ONNX Gather on a model input) are checked by
// the runtime before the kernel runs: [-4, 4) for a 4-row table.
TEST(Runtime, GatherIndicesCheckedByTheRuntime) {
  std::string error;
  auto model = rnnc::Model::load(RNNC_UNTRUSTED_MODELS "/gather.mlir", {}, &error);
  ASSERT_NE(model, nullptr) << error;
  const rnnrt_model_t *descriptor = model->descriptor();
  ASSERT_EQ(descriptor->num_inputs, 1u);
  EXPECT_EQ(descriptor->inputs[0].role, RNNRT_ROLE_INDICES);
  EXPECT_EQ(descriptor->inputs[0].limit_static, 4);
  Instance instance(descriptor, 0);
  ASSERT_EQ(instance.status, RNNRT_STATUS_OK) << instance.error;
  auto run = [&](std::vector<int64_t> tokens) {
    rnnrt_tensor_t input = {tokens.data(), RNNRT_DTYPE_I64, 1, {(int64_t)tokens.size()}};
    return rnnrt_instance_run(instance.instance, &input, 1);
  };
  ASSERT_EQ(run({3, -4, 0, -1}), RNNRT_STATUS_OK) << rnnrt_instance_last_error(instance.instance);
  rnnrt_tensor_t out;
  ASSERT_EQ(rnnrt_instance_output(instance.instance, 0, &out), RNNRT_STATUS_OK);
  const float *rows = static_cast<const float *>(out.data);
  EXPECT_EQ(std::vector<float>(rows, rows + 12),
            (std::vector<float>{9, 10, 11, 0, 1, 2, 0, 1, 2, 9, 10, 11}));
  EXPECT_EQ(run({1, 4}), RNNRT_STATUS_OUT_OF_RANGE);
  EXPECT_STREQ(rnnrt_instance_last_error(instance.instance),
               "tokens[1] = 4 is out of range [-4, 4) of the dimension it indexes");
  std::vector<int64_t> many(1000, 2);
  many[777] = -5;
  EXPECT_EQ(run(many), RNNRT_STATUS_OUT_OF_RANGE);
  EXPECT_STREQ(rnnrt_instance_last_error(instance.instance),
               "tokens[777] = -5 is out of range [-4, 4) of the dimension it indexes");
}

TEST(Runtime, UntrustedModelRefusedByTheCApi) {
  rnnc_jit_options_t options;
  rnnc_jit_options_initialize(&options);
  EXPECT_EQ(options.memory_limit, UINT64_C(8) << 30);
  EXPECT_EQ(options.trusted_ir, 0);
  rnnc_jit_model_t *model = nullptr;
  char message[1024] = "";
  EXPECT_EQ(rnnc_jit_compile_file(RNNC_UNTRUSTED_MODELS "/system-call.mlir", &options, &model,
                                  message, sizeof message),
            RNNRT_STATUS_BAD_FORMAT);
  EXPECT_EQ(model, nullptr);
  EXPECT_NE(std::string(message).find("is not allowed in a model file"), std::string::npos)
      << message;
  // Located as a user reads it: file:line:col, not MLIR's loc(...) syntax.
  EXPECT_NE(std::string(message).find("system-call.mlir:"), std::string::npos) << message;
  EXPECT_EQ(std::string(message).find("loc("), std::string::npos) << message;
  EXPECT_EQ(rnnc_jit_compile_file(RNNC_UNTRUSTED_MODELS "/func-declaration.mlir", nullptr, &model,
                                  message, sizeof message),
            RNNRT_STATUS_BAD_FORMAT);
  EXPECT_NE(std::string(message).find("function declaration '@abort'"), std::string::npos)
      << message;
  options.trusted_ir = 1;
  ASSERT_EQ(rnnc_jit_compile_file(RNNC_UNTRUSTED_MODELS "/trusted.mlir", &options, &model, message,
                                  sizeof message),
            RNNRT_STATUS_OK)
      << message;
  rnnc_jit_model_release(model);
  options.trusted_ir = 0;
  options.memory_limit = 4096;
  EXPECT_EQ(rnnc_jit_compile_file(RNNC_EXAMPLE_MODEL, &options, &model, message, sizeof message),
            RNNRT_STATUS_BAD_FORMAT);
  EXPECT_NE(std::string(message).find("over the memory limit of 4096"), std::string::npos)
      << message;
}

// A JIT-compiled model's kernel takes its memory from the instance's
// workspace as an AOT object's does: warm calls allocate nothing.
TEST(Runtime, JitWarmCallsAllocateNothing) {
  rnnc_jit_options_t options;
  rnnc_jit_options_initialize(&options);
  options.cpu = "x86-64-v3";
  rnnc_jit_model_t *model = nullptr;
  char message[512] = "";
  ASSERT_EQ(rnnc_jit_compile_file(RNNC_EXAMPLE_MODEL, &options, &model, message, sizeof message),
            RNNRT_STATUS_OK)
      << message;
  struct Counter {
    long allocations = 0;
  } counter;
  rnnrt_allocator_t counting = {
      &counter,
      [](void *self, size_t size, size_t alignment) {
        ++static_cast<Counter *>(self)->allocations;
        return rnnrt_allocator_system().alloc(nullptr, size, alignment);
      },
      [](void *, void *pointer) { rnnrt_allocator_system().free(nullptr, pointer); }};
  {
    Instance inst(rnnc_jit_model_descriptor(model), 3, false, &counting);
    ASSERT_EQ(inst.status, RNNRT_STATUS_OK) << inst.error;
    std::vector<float> x = randomInputs(20, 3, 5);
    auto tensors = exampleInputs(x, 20, 3, nullptr);
    for (int i = 0; i < 3; ++i)
      ASSERT_EQ(rnnrt_instance_run(inst.instance, tensors.data(), tensors.size()),
                RNNRT_STATUS_OK);
    long warm = counter.allocations;
    for (int i = 0; i < 200; ++i)
      ASSERT_EQ(rnnrt_instance_run(inst.instance, tensors.data(), tensors.size()),
                RNNRT_STATUS_OK);
    EXPECT_EQ(counter.allocations, warm);
    uint64_t used = 0;
    ASSERT_EQ(rnnrt_instance_workspace_used(inst.instance, &used), RNNRT_STATUS_OK);
    EXPECT_GT(used, 0u);
  }
  rnnc_jit_model_release(model);
}

TEST(Runtime, JitCompilesFromTheCApi) {
  // The C entry point reports a missing file as an I/O failure, with the path.
  rnnc_jit_model_t *model = nullptr;
  char message[512] = "";
  EXPECT_EQ(
      rnnc_jit_compile_file("/nonexistent/model.mlir", nullptr, &model, message, sizeof message),
      RNNRT_STATUS_IO_ERROR);
  EXPECT_EQ(model, nullptr);
  EXPECT_NE(std::string(message).find("/nonexistent/model.mlir"), std::string::npos) << message;
  EXPECT_NE(std::string(message).find("No such file"), std::string::npos) << message;
  rnnc_jit_options_t options;
  rnnc_jit_options_initialize(&options);
  options.cpu = "x86-64-v3";
  ASSERT_EQ(rnnc_jit_compile_file(RNNC_EXAMPLE_MODEL, &options, &model, message, sizeof message),
            RNNRT_STATUS_OK)
      << message;
  std::vector<float> x = randomInputs(4, 2, 9);
  EXPECT_EQ(runOnce(rnnc_jit_model_descriptor(model), x, 4, 2, nullptr)[0],
            runOnce(unit_lstm_model(), x, 4, 2, nullptr)[0]);
  rnnc_jit_model_release(model);

  // Each C option reaches the compiler: with the first model alive, a compile
  // that differs in one option is a compile of its own (the process cache is
  // keyed by the options), and computes the same outputs.
  ASSERT_EQ(rnnc_jit_compile_file(RNNC_EXAMPLE_MODEL, &options, &model, message, sizeof message),
            RNNRT_STATUS_OK)
      << message;
  std::vector<float> expected = runOnce(rnnc_jit_model_descriptor(model), x, 4, 2, nullptr)[0];
  char dumpDir[] = "/tmp/rnnc-jitdump-XXXXXX";
  ASSERT_NE(mkdtemp(dumpDir), nullptr);
  setenv("JITDUMPDIR", dumpDir, 1);
  std::vector<std::function<void(rnnc_jit_options_t &)>> changes = {
      [](rnnc_jit_options_t &o) { o.threads = 2; },
      [](rnnc_jit_options_t &o) { o.threads = 2, o.wavefront = 0; },
      [](rnnc_jit_options_t &o) { o.row_block = 2; },
      [](rnnc_jit_options_t &o) { o.perf_jitdump = 1; },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    rnnc_jit_options_t changed = options;
    changes[i](changed);
    rnnc_jit_model_t *other = nullptr;
    ASSERT_EQ(rnnc_jit_compile_file(RNNC_EXAMPLE_MODEL, &changed, &other, message, sizeof message),
              RNNRT_STATUS_OK)
        << message;
    EXPECT_NE(rnnc_jit_model_descriptor(other), rnnc_jit_model_descriptor(model)) << "change " << i;
    std::vector<float> outputs = runOnce(rnnc_jit_model_descriptor(other), x, 4, 2, nullptr)[0];
    ASSERT_EQ(outputs.size(), expected.size());
    for (size_t k = 0; k < outputs.size(); ++k)
      EXPECT_NEAR(outputs[k], expected[k], 1e-6f) << "change " << i << ", element " << k;
    rnnc_jit_model_release(other);
  }
  unsetenv("JITDUMPDIR");
  // perf_jitdump (the last change) wrote LLVM's jitdump under JITDUMPDIR.
  int dumps = 0;
  for (const auto &entry : std::filesystem::recursive_directory_iterator(dumpDir))
    dumps += entry.path().filename().string().rfind("jit-", 0) == 0 &&
             entry.path().extension() == ".dump";
  EXPECT_EQ(dumps, 1) << "jitdumps under " << dumpDir;
  std::filesystem::remove_all(dumpDir);
  rnnc_jit_model_release(model);

  // precision reaches the compiler too: the descriptor says bf16 (outputs:
  // Bf16ModelSaysSoAndStaysClose); another is refused with the compiler's message.
  rnnc_jit_options_t bf16 = options;
  bf16.precision = "bf16";
  ASSERT_EQ(rnnc_jit_compile_file(RNNC_EXAMPLE_MODEL, &bf16, &model, message, sizeof message),
            RNNRT_STATUS_OK)
      << message;
  EXPECT_STREQ(rnnc_jit_model_descriptor(model)->weight_precision, "bf16");
  rnnc_jit_model_release(model);
  bf16.precision = "int4";
  EXPECT_NE(rnnc_jit_compile_file(RNNC_EXAMPLE_MODEL, &bf16, &model, message, sizeof message),
            RNNRT_STATUS_OK);
  EXPECT_NE(std::string(message).find("precision must be f32, bf16 or int8, or a comma-separated list of them with one per layer; not 'int4'"),
            std::string::npos)
      << message;

  // Options out of range are refused before compiling, by name.
  options.threads = 0;
  EXPECT_EQ(rnnc_jit_compile_file(RNNC_EXAMPLE_MODEL, &options, &model, message, sizeof message),
            RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(model, nullptr);
  EXPECT_EQ(std::string(message), "threads is 0: it must be at least 1");
  options.threads = 1;
  options.row_block = -1;
  EXPECT_EQ(rnnc_jit_compile_file(RNNC_EXAMPLE_MODEL, &options, &model, message, sizeof message),
            RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(message).find("row_block is -1"), std::string::npos) << message;
}
} // namespace
