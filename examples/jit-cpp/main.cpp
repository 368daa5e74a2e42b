// A C++ host program that builds a 2-layer LSTM in code with rnnc's builder
// (TensorFlow vocabulary: LSTMCell, MultiRNNCell, dynamic_rnn), compiles it
// in-process and runs it with the rnnrt instance API.
#include <cstdio>
#include <random>
#include <vector>

#include "rnnc/rnnc.h"

namespace {
std::vector<float> randomWeights(size_t count, std::mt19937 &rng) {
  std::uniform_real_distribution<float> dist(-0.3f, 0.3f);
  std::vector<float> values(count);
  for (float &v : values)
    v = dist(rng);
  return values;
}
} // namespace

int main() {
  constexpr int64_t I = 4, H = 16, T = 5, B = 2;
  std::mt19937 rng(7);

  rnnc::ModelBuilder builder;
  rnnc::Tensor x = builder.input("inputs", rnnc::DType::F32, {rnnc::kTime, rnnc::kBatch, I});
  rnnc::Tensor lengths = builder.input("sequence_length", rnnc::DType::I32, {rnnc::kBatch});
  std::vector<rnnc::Cell> layers;
  for (int64_t depth : {I, H}) {
    rnnc::LSTMWeights weights;
    weights.kernel = randomWeights((depth + H) * 4 * H, rng);
    weights.bias = randomWeights(4 * H, rng);
    rnnc::LSTMCellOptions options;
    options.forget_bias = 1.0f;
    layers.push_back(builder.LSTMCell(H, weights, options));
  }
  rnnc::DynamicRNNOptions rnnOptions;
  rnnOptions.sequence_length = lengths;
  rnnOptions.time_major = true;
  rnnc::RNNResult result = builder.dynamic_rnn(builder.MultiRNNCell(layers), x, rnnOptions);
  builder.output("outputs", result.outputs);
  builder.output("h1", result.final_state.back());

  std::string error;
  std::shared_ptr<const rnnc::Model> model = rnnc::Model::compile(builder, {}, &error);
  if (!model) {
    std::fprintf(stderr, "jit_lstm: %s\n", error.c_str());
    return 1;
  }
  // The same model again comes from the process's cache.
  std::shared_ptr<const rnnc::Model> again = rnnc::Model::compile(builder, {}, &error);
  std::printf("jit_lstm: compiled; second compile %s\n",
              again && again->descriptor() == model->descriptor() ? "reused the cache"
                                                                  : "compiled again");

  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.batch = B;
  rnnrt_instance_t *instance = nullptr;
  char message[256];
  if (rnnrt_instance_create(model->descriptor(), &options, &instance, message, sizeof message) !=
      RNNRT_STATUS_OK) {
    std::fprintf(stderr, "jit_lstm: %s\n", message);
    return 1;
  }
  std::vector<float> inputs = randomWeights(T * B * I, rng);
  std::vector<int32_t> rowLengths = {5, 3};
  const rnnrt_model_t *descriptor = model->descriptor();
  // Inputs in the model's order; the exposed state inputs are left NULL.
  std::vector<rnnrt_tensor_t> tensors(descriptor->num_inputs);
  tensors[0] = {inputs.data(), RNNRT_DTYPE_F32, 3, {T, B, I}};
  tensors[1] = {rowLengths.data(), RNNRT_DTYPE_I32, 1, {B}};
  if (rnnrt_instance_run(instance, tensors.data(), tensors.size()) != RNNRT_STATUS_OK) {
    std::fprintf(stderr, "jit_lstm: %s\n", rnnrt_instance_last_error(instance));
    return 1;
  }
  rnnrt_tensor_t h1;
  rnnrt_instance_output(instance, rnnrt_model_find_output(descriptor, "h1"), &h1);
  const float *h = static_cast<const float *>(h1.data);
  std::printf("jit_lstm: %u inputs, %u outputs; h1 is [%lld, %lld]; h1[1, 0:4] = %.5f %.5f %.5f "
              "%.5f\n",
              descriptor->num_inputs, descriptor->num_outputs, (long long)h1.dims[0],
              (long long)h1.dims[1], h[H], h[H + 1], h[H + 2], h[H + 3]);
  rnnrt_instance_destroy(instance);
  return 0;
}
