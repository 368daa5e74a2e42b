// libFuzzer target: random call sequences of the generic runtime API
// (rnnrt/model.h) with random arguments against a small compiled model, the
// bundled 2-layer LSTM (examples/lstm/model.mlir: inputs [T, B, 4],
// sequence_length [B], 4 state inputs [B, 8]). Every tensor the fuzzer passes
// really holds as many elements as its dims say (the API's contract with a
// trusted host); everything else (ranks, dims, dtypes, lengths, masks, batch
// sizes, indices, null pointers, call order) is arbitrary and must end in a
// status, never a crash or an out-of-bounds access.
#include "fuzz_lstm.h"
#include "rnnrt/model.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <vector>

namespace {

constexpr int64_t kMaxElements = 1 << 14;

/// A tensor with random dtype, rank and dims, and a buffer of matching size
/// (or no data at all).
struct OwnedTensor {
  std::vector<uint8_t> bytes;
  rnnrt_tensor_t tensor{};
};

OwnedTensor randomTensor(FuzzedDataProvider &in, const rnnrt_tensor_info_t &info, int64_t batch,
                         int64_t steps) {
  OwnedTensor t;
  t.tensor.dtype = in.ConsumeBool()
                       ? info.dtype
                       : static_cast<rnnrt_dtype_t>(in.ConsumeIntegralInRange<int32_t>(-1, 4));
  t.tensor.rank = in.ConsumeBool() ? info.rank : in.ConsumeIntegralInRange<int32_t>(-1, 9);
  int64_t elements = 1;
  for (int32_t d = 0; d < RNNRT_MAX_RANK; ++d) {
    int64_t dim = 0;
    if (d < info.rank && d < t.tensor.rank && in.ConsumeBool())
      dim = info.dims[d] >= 0 ? info.dims[d] : (d == 0 && info.rank != 3 ? batch : steps);
    else
      dim = in.ConsumeIntegralInRange<int64_t>(-2, 9);
    if (d == 1 && info.rank == 3 && in.ConsumeBool())
      dim = batch;
    t.tensor.dims[d] = dim;
    if (d < t.tensor.rank && dim > 0)
      elements = elements * dim > kMaxElements ? kMaxElements + 1 : elements * dim;
  }
  if (elements > kMaxElements || in.ConsumeIntegralInRange<int>(0, 7) == 0)
    return t; // no data: allowed for lengths, masks and states
  t.bytes.resize(static_cast<size_t>(elements) * 8);
  for (size_t i = 0; i < t.bytes.size(); ++i)
    t.bytes[i] = in.ConsumeIntegral<uint8_t>();
  t.tensor.data = t.bytes.data();
  return t;
}

void touch(const rnnrt_tensor_t &tensor) {
  // Reads every byte the runtime says the output holds.
  size_t bytes = rnnrt_tensor_bytes(&tensor);
  volatile uint8_t sink = 0;
  for (size_t i = 0; i < bytes; ++i)
    sink ^= static_cast<const uint8_t *>(tensor.data)[i];
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FuzzedDataProvider in(data, size);
  const rnnrt_model_t *model = fuzz_lstm_model();
  rnnrt_instance_t *instance = nullptr;
  int64_t batch = 1;
  char message[128];
  // A caller's workspace: outlives the instance that uses it (heap: a write
  // past it is caught).
  std::vector<uint8_t> workspace;
  for (int call = 0; call < 32 && in.remaining_bytes() > 0; ++call) {
    switch (in.ConsumeIntegralInRange<int>(0, 12)) {
    case 0: {
      rnnrt_instance_destroy(instance);
      instance = nullptr;
      rnnrt_instance_options_t options;
      rnnrt_instance_options_initialize(&options);
      options.batch = in.ConsumeIntegralInRange<int64_t>(-2, 6);
      options.keep_state = in.ConsumeBool();
      // No limit, one between what an instance and a call need, or any.
      options.memory_limit = in.PickValueInArray<uint64_t>(
          {0, 0, uint64_t(1) << 12, uint64_t(1) << 14, in.ConsumeIntegral<uint64_t>()});
      if (in.ConsumeIntegralInRange<int>(0, 3) == 0) {
        workspace.assign(in.ConsumeIntegralInRange<size_t>(0, 1 << 16), 0);
        options.workspace = in.ConsumeIntegralInRange<int>(0, 7) ? workspace.data() : nullptr;
        options.workspace_bytes = in.ConsumeIntegralInRange<int>(0, 7)
                                      ? workspace.size()
                                      : in.ConsumeIntegralInRange<uint64_t>(0, 1 << 16);
        if (options.workspace_bytes > workspace.size() && options.workspace)
          options.workspace_bytes = workspace.size();
      }
      if (rnnrt_instance_create(in.ConsumeIntegralInRange<int>(0, 15) ? model : nullptr, &options,
                                &instance, message, sizeof message) == RNNRT_STATUS_OK)
        batch = rnnrt_instance_batch(instance);
      break;
    }
    case 1: {
      int64_t steps = in.ConsumeIntegralInRange<int64_t>(0, 7);
      std::vector<OwnedTensor> owned;
      std::vector<rnnrt_tensor_t> tensors;
      for (uint32_t i = 0; i < model->num_inputs; ++i) {
        owned.push_back(randomTensor(in, model->inputs[i], batch, steps));
        tensors.push_back(owned.back().tensor);
      }
      size_t count = in.ConsumeIntegralInRange<int>(0, 15)
                         ? tensors.size()
                         : in.ConsumeIntegralInRange<size_t>(0, 8);
      if (count > tensors.size())
        count = tensors.size();
      rnnrt_instance_run(instance, in.ConsumeIntegralInRange<int>(0, 15) ? tensors.data() : nullptr,
                         count);
      break;
    }
    case 2: {
      std::vector<int32_t> lengths(8);
      for (int32_t &length : lengths)
        length = in.ConsumeIntegralInRange<int32_t>(-3, 10);
      int64_t count = in.ConsumeIntegralInRange<int64_t>(-1, 8);
      rnnrt_instance_set_sequence_lengths(instance, in.ConsumeBool() ? lengths.data() : nullptr,
                                          count);
      break;
    }
    case 3: {
      int64_t rows = in.ConsumeIntegralInRange<int64_t>(-1, 6);
      int64_t steps = in.ConsumeIntegralInRange<int64_t>(-1, 8);
      std::vector<uint8_t> mask(64);
      for (uint8_t &m : mask)
        m = in.ConsumeIntegral<uint8_t>();
      rnnrt_instance_set_mask(instance, in.ConsumeBool() ? mask.data() : nullptr, rows, steps);
      break;
    }
    case 4: {
      std::vector<uint8_t> rows(8);
      for (uint8_t &r : rows)
        r = in.ConsumeIntegral<uint8_t>();
      rnnrt_instance_reset_state(instance, in.ConsumeBool() ? rows.data() : nullptr,
                                 in.ConsumeIntegralInRange<int64_t>(-1, 8));
      break;
    }
    case 5: {
      rnnrt_tensor_t out{};
      if (rnnrt_instance_output(instance, in.ConsumeIntegralInRange<size_t>(0, 7),
                                in.ConsumeIntegralInRange<int>(0, 15) ? &out : nullptr) ==
          RNNRT_STATUS_OK)
        touch(out);
      break;
    }
    case 6: {
      rnnrt_tensor_t state{};
      if (rnnrt_instance_state(instance, in.ConsumeIntegralInRange<size_t>(0, 7),
                               in.ConsumeIntegralInRange<int>(0, 15) ? &state : nullptr) ==
          RNNRT_STATUS_OK)
        touch(state);
      break;
    }
    case 7:
      rnnrt_instance_destroy(instance);
      instance = nullptr;
      break;
    case 8:
      (void)rnnrt_instance_last_error(instance);
      (void)rnnrt_instance_model(instance);
      (void)rnnrt_instance_batch(instance);
      break;
    case 9:
      (void)rnnrt_model_verify(in.ConsumeBool() ? model : nullptr, message, sizeof message);
      (void)rnnrt_model_find_input(model, in.ConsumeBool() ? "inputs" : nullptr);
      break;
    case 10: {
      int64_t steps = in.ConsumeIntegralInRange<int64_t>(0, 7);
      std::vector<OwnedTensor> owned;
      std::vector<rnnrt_tensor_t> tensors;
      for (uint32_t i = 0; i < model->num_inputs; ++i) {
        owned.push_back(randomTensor(in, model->inputs[i], batch, steps));
        tensors.push_back(owned.back().tensor);
      }
      rnnrt_tensor_t shape{};
      (void)rnnrt_instance_output_shape(
          instance, in.ConsumeIntegralInRange<int>(0, 15) ? tensors.data() : nullptr,
          in.ConsumeIntegralInRange<int>(0, 15) ? tensors.size() : in.ConsumeIntegral<uint8_t>(),
          in.ConsumeIntegralInRange<size_t>(0, 7), in.ConsumeBool() ? &shape : nullptr);
      break;
    }
    case 11: {
      // Destinations of exactly their stated capacity (heap: an overflow is
      // caught), some NULL, some too small.
      std::vector<std::vector<uint8_t>> buffers(model->num_outputs);
      std::vector<void *> destinations(model->num_outputs);
      std::vector<size_t> capacities(model->num_outputs);
      for (uint32_t i = 0; i < model->num_outputs; ++i) {
        capacities[i] = in.ConsumeIntegralInRange<size_t>(0, 4096);
        buffers[i].resize(capacities[i]);
        destinations[i] = in.ConsumeIntegralInRange<int>(0, 7) ? buffers[i].data() : nullptr;
      }
      (void)rnnrt_instance_copy_outputs(
          instance, in.ConsumeIntegralInRange<int>(0, 15) ? destinations.data() : nullptr,
          in.ConsumeIntegralInRange<int>(0, 15) ? capacities.data() : nullptr,
          in.ConsumeIntegralInRange<int>(0, 15) ? destinations.size()
                                                : in.ConsumeIntegralInRange<size_t>(0, 8));
      break;
    }
    case 12: {
      std::vector<int64_t> sizes(in.ConsumeIntegralInRange<size_t>(0, 4));
      for (int64_t &value : sizes)
        value = in.ConsumeIntegralInRange<int64_t>(-1, 1 << 20);
      uint64_t bytes = 0;
      (void)rnnrt_instance_workspace_size(model, sizes.data(), sizes.size(),
                                          in.ConsumeBool() ? &bytes : nullptr, message,
                                          sizeof message);
      (void)rnnrt_instance_workspace_used(instance, in.ConsumeBool() ? &bytes : nullptr);
      break;
    }
    }
  }
  rnnrt_instance_destroy(instance);
  return 0;
}
