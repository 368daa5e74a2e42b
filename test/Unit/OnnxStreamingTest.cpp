// Streaming PyTorch exports: an instance with keep_state fed a sequence in
// chunks of 1, 7 and the rest gives what one call on the whole sequence
// gives, and that call gives what PyTorch gave (torch_streaming_exports.py).

#include "NpyFile.h"
#include "rnnc/rnnc.h"
#include "rnnrt/model.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr int64_t T = 15, B = 3, I = 4, H = 5;

const std::string &exportDir() {
  static const std::string dir = [] {
    // Per process: ctest runs each test in a process of its own, in parallel.
    std::string path = ::testing::TempDir() + "rnnc-torch-streaming-" + std::to_string(getpid());
    std::string command = std::string(RNNC_TEST_PYTHON) + " " + RNNC_TEST_SOURCE_DIR +
                          "/torch_streaming_exports.py " + path;
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    return path;
  }();
  return dir;
}

/// x[t0, t0 + steps) along the time axis of a [T, B, I] or [B, T, I] array.
std::vector<float> timeSlice(const std::vector<float> &x, bool batchFirst, int64_t t0,
                             int64_t steps) {
  std::vector<float> part;
  for (int64_t outer = 0; outer < (batchFirst ? B : steps); ++outer)
    for (int64_t inner = 0; inner < (batchFirst ? steps : B); ++inner) {
      int64_t t = t0 + (batchFirst ? inner : outer), b = batchFirst ? outer : inner;
      int64_t at = (batchFirst ? b * T + t : t * B + b) * I;
      part.insert(part.end(), x.begin() + at, x.begin() + at + I);
    }
  return part;
}

/// Appends a chunk's y ([steps, B, H] or [B, steps, H]) to `whole` laid out
/// as the full sequence's y.
void placeChunk(std::vector<float> &whole, const float *y, bool batchFirst, int64_t t0,
                int64_t steps) {
  for (int64_t t = 0; t < steps; ++t)
    for (int64_t b = 0; b < B; ++b) {
      int64_t from = (batchFirst ? b * steps + t : t * B + b) * H;
      int64_t to = (batchFirst ? b * T + t0 + t : (t0 + t) * B + b) * H;
      std::memcpy(&whole[to], y + from, H * sizeof(float));
    }
}

struct Stream {
  std::string model;
  bool batchFirst;
  std::vector<std::string> stateInputs; ///< given (from torch's values) on the first call only
  std::vector<std::pair<std::string, std::string>> statePairs;
  std::vector<std::string> stateOutputs; ///< the final states torch returned
};

/// Runs `stream` in chunks of the given lengths on one keep_state instance;
/// returns y over the whole sequence and the final states, in order.
std::vector<std::vector<float>> runChunks(const rnnrt_model_t *model, const Stream &stream,
                                          const std::vector<int64_t> &chunks) {
  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.batch = B;
  options.keep_state = 1;
  rnnrt_instance_t *instance = nullptr;
  EXPECT_EQ(rnnrt_instance_create(model, &options, &instance, nullptr, 0), RNNRT_STATUS_OK);
  if (!instance)
    return {};
  std::string prefix = exportDir() + "/" + stream.model + "_";
  std::vector<float> x = loadNpy(prefix + "x.npy");
  std::vector<std::vector<float>> states;
  for (const std::string &name : stream.stateInputs)
    states.push_back(loadNpy(prefix + name + ".npy"));
  std::vector<float> y(T * B * H);
  int64_t t0 = 0;
  for (size_t c = 0; c < chunks.size(); ++c) {
    std::vector<float> part = timeSlice(x, stream.batchFirst, t0, chunks[c]);
    std::vector<rnnrt_tensor_t> inputs(model->num_inputs);
    for (uint32_t i = 0; i < model->num_inputs; ++i) {
      const rnnrt_tensor_info_t &info = model->inputs[i];
      rnnrt_tensor_t &tensor = inputs[i];
      tensor.dtype = RNNRT_DTYPE_F32;
      tensor.rank = info.rank;
      for (int32_t d = 0; d < info.rank; ++d)
        tensor.dims[d] = info.dims[d] >= 0 ? info.dims[d] : B;
      if (std::strcmp(info.name, "x") == 0) {
        tensor.dims[stream.batchFirst ? 1 : 0] = chunks[c];
        tensor.data = part.data();
      }
      for (size_t s = 0; s < stream.stateInputs.size(); ++s)
        if (c == 0 && stream.stateInputs[s] == info.name)
          tensor.data = states[s].data();
    }
    EXPECT_EQ(rnnrt_instance_run(instance, inputs.data(), inputs.size()), RNNRT_STATUS_OK)
        << rnnrt_instance_last_error(instance);
    rnnrt_tensor_t out;
    EXPECT_EQ(rnnrt_instance_output(instance, 0, &out), RNNRT_STATUS_OK);
    placeChunk(y, static_cast<const float *>(out.data), stream.batchFirst, t0, chunks[c]);
    t0 += chunks[c];
  }
  std::vector<std::vector<float>> results = {y};
  for (const std::string &name : stream.stateOutputs) {
    int32_t index = rnnrt_model_find_output(model, name.c_str());
    EXPECT_GE(index, 0) << name;
    rnnrt_tensor_t out;
    EXPECT_EQ(rnnrt_instance_output(instance, index, &out), RNNRT_STATUS_OK);
    const float *data = static_cast<const float *>(out.data);
    int64_t count = 1;
    for (int32_t d = 0; d < out.rank; ++d)
      count *= out.dims[d];
    results.emplace_back(data, data + count);
  }
  rnnrt_instance_destroy(instance);
  return results;
}

void expectNear(const std::vector<float> &actual, const std::vector<float> &expected,
                double rtol, double atol, const std::string &what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i)
    ASSERT_LE(std::fabs(actual[i] - expected[i]), atol + rtol * std::fabs(expected[i]))
        << what << "[" << i << "]";
}

void checkStream(const Stream &stream) {
  rnnc::CompileOptions options;
  options.name = stream.model;
  options.state_pairs = stream.statePairs;
  std::string error;
  auto model = rnnc::Model::load(exportDir() + "/" + stream.model + ".onnx", options, &error);
  ASSERT_TRUE(model) << error;
  const rnnrt_model_t *descriptor = model->descriptor();
  // One call against PyTorch.
  auto whole = runChunks(descriptor, stream, {T});
  ASSERT_EQ(whole.size(), 1 + stream.stateOutputs.size());
  std::string prefix = exportDir() + "/" + stream.model + "_expected_";
  expectNear(whole[0], loadNpy(prefix + "y.npy"), 1e-4, 1e-5, stream.model + " y");
  for (size_t s = 0; s < stream.stateOutputs.size(); ++s)
    expectNear(whole[1 + s], loadNpy(prefix + stream.stateOutputs[s] + ".npy"), 1e-4, 1e-5,
               stream.model + " " + stream.stateOutputs[s]);
  // Chunks of 1, 7 and the rest against the one call.
  auto chunked = runChunks(descriptor, stream, {1, 7, T - 8});
  ASSERT_EQ(chunked.size(), whole.size());
  for (size_t r = 0; r < whole.size(); ++r)
    expectNear(chunked[r], whole[r], 0, 1e-6, stream.model + " result " + std::to_string(r));
}

TEST(OnnxStreaming, TorchH0C0PairWithHnCn) {
  checkStream({"lstm_h0c0", false, {"h0", "c0"}, {}, {"h_n", "c_n"}});
}

TEST(OnnxStreaming, TorchZeroStateIsExposed) {
  checkStream({"gru_no_h0", true, {}, {}, {"h_n"}});
}

TEST(OnnxStreaming, AmbiguousStatePairedByOption) {
  checkStream({"gru_h0_twice", false, {"h0"}, {{"h0", "h_copy"}}, {"h_n", "h_copy"}});
}

TEST(OnnxStreaming, KeepStateWithoutStateIsRefused) {
  // The ambiguous export pairs nothing by itself: keep_state has nothing to keep.
  std::string error;
  rnnc::CompileOptions options;
  options.name = "unpaired";
  auto model = rnnc::Model::load(exportDir() + "/gru_h0_twice.onnx", options, &error);
  ASSERT_TRUE(model) << error;
  rnnrt_instance_options_t instanceOptions;
  rnnrt_instance_options_initialize(&instanceOptions);
  instanceOptions.batch = B;
  instanceOptions.keep_state = 1;
  rnnrt_instance_t *instance = nullptr;
  char message[512];
  EXPECT_EQ(rnnrt_instance_create(model->descriptor(), &instanceOptions, &instance, message,
                                  sizeof message),
            RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(message).find("has no state to keep"), std::string::npos) << message;
}

} // namespace
