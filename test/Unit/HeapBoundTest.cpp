// The heap bound a compiled model declares (rnnrt_model_t::heap_terms, which
// the runtime's memory_limit relies on) against what its kernel really
// mallocs: this binary links the AOT objects with -Wl,--wrap=malloc,--wrap=free
// and records the peak of live kernel allocations during each call.

#include "rnnrt/rnnrt.h"
#include "heap_gru.h"
#include "heap_wide.h"
#include "heap_wide_t2.h"
#include "unit_lstm.h"
#include "unit_mgu.h"
#include "unit_minimal_rnn.h"
#ifdef RNNC_HAVE_HALIDE
#include "heap_wide_halide.h"
#include "heap_wide_halide_t2.h"
#endif

#include <gtest/gtest.h>

#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>

namespace {
struct MallocTracker {
  std::mutex mutex;
  bool tracking = false;
  std::unordered_map<void *, size_t> live;
  uint64_t liveBytes = 0, peakBytes = 0;
};

MallocTracker &tracker() {
  static MallocTracker instance;
  return instance;
}
} // namespace

extern "C" {
void *__real_malloc(size_t size);
void __real_free(void *pointer);

void *__wrap_malloc(size_t size) {
  void *pointer = __real_malloc(size);
  MallocTracker &t = tracker();
  std::lock_guard<std::mutex> lock(t.mutex);
  if (t.tracking && pointer) {
    t.live[pointer] = size;
    t.liveBytes += size;
    t.peakBytes = std::max(t.peakBytes, t.liveBytes);
  }
  return pointer;
}

void __wrap_free(void *pointer) {
  {
    MallocTracker &t = tracker();
    std::lock_guard<std::mutex> lock(t.mutex);
    auto it = t.live.find(pointer);
    if (it != t.live.end()) {
      t.liveBytes -= it->second;
      t.live.erase(it);
    }
  }
  __real_free(pointer);
}
}

namespace {
/// The value a test gives each run-time size: T and B as asked, others 2.
int64_t symbolValue(const std::string &name, int64_t T, int64_t B) {
  return name == "T" ? T : name == "B" ? B : 2;
}

/// Runs `model` once at sizes T, B on random data (NULL for lengths, masks and
/// state: the instance's defaults) and returns the peak heap of the call and
/// the model's bound for the same sizes.
std::pair<uint64_t, uint64_t> peakAndBound(const rnnrt_model_t *model, int64_t T, int64_t B) {
  std::vector<int64_t> symbols(model->num_symbols);
  for (uint32_t s = 0; s < model->num_symbols; ++s)
    symbols[s] = symbolValue(model->symbols[s], T, B);
  int64_t batch = model->batch_symbol >= 0 ? symbols[model->batch_symbol] : 0;

  std::mt19937 rng(T * 131 + B);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<std::vector<float>> storage(model->num_inputs);
  std::vector<rnnrt_tensor_t> tensors(model->num_inputs);
  for (uint32_t i = 0; i < model->num_inputs; ++i) {
    const rnnrt_tensor_info_t &info = model->inputs[i];
    rnnrt_tensor_t &tensor = tensors[i];
    tensor.dtype = info.dtype;
    tensor.rank = info.rank;
    size_t count = 1;
    for (int32_t d = 0; d < info.rank; ++d) {
      tensor.dims[d] = info.dims[d] >= 0 ? info.dims[d] : symbols[-1 - info.dims[d]];
      count *= tensor.dims[d];
    }
    tensor.data = nullptr;
    if (info.role == RNNRT_ROLE_DATA) {
      EXPECT_EQ(info.dtype, RNNRT_DTYPE_F32) << info.name;
      storage[i].resize(count);
      for (float &v : storage[i])
        v = dist(rng);
      tensor.data = storage[i].data();
    }
  }

  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.batch = batch;
  rnnrt_instance_t *instance = nullptr;
  char message[256] = "";
  EXPECT_EQ(rnnrt_instance_create(model, &options, &instance, message, sizeof message),
            RNNRT_STATUS_OK)
      << message;
  MallocTracker &t = tracker();
  {
    std::lock_guard<std::mutex> lock(t.mutex);
    t.tracking = true;
    t.liveBytes = t.peakBytes = 0;
  }
  EXPECT_EQ(rnnrt_instance_run(instance, tensors.data(), tensors.size()), RNNRT_STATUS_OK)
      << rnnrt_instance_last_error(instance);
  uint64_t peak;
  {
    std::lock_guard<std::mutex> lock(t.mutex);
    t.tracking = false;
    peak = t.peakBytes;
    EXPECT_EQ(t.liveBytes, 0u) << "the call left kernel memory allocated";
    t.live.clear();
  }
  rnnrt_instance_destroy(instance);

  uint64_t bound = 0;
  for (uint32_t k = 0; k < model->num_heap_terms; ++k) {
    const rnnrt_memory_term_t &term = model->heap_terms[k];
    uint64_t bytes = term.bytes;
    for (int32_t f = 0; f < term.num_factors; ++f)
      bytes *= symbols[term.factors[f]];
    bound += bytes;
  }
  return {peak, bound};
}

struct NamedModel {
  const char *name;
  const rnnrt_model_t *(*model)(void);
};

void PrintTo(const NamedModel &model, std::ostream *os) { *os << model.name; }

class HeapBound : public ::testing::TestWithParam<NamedModel> {};

TEST_P(HeapBound, KernelMallocsNoMoreThanTheDescriptorDeclares) {
  const rnnrt_model_t *model = GetParam().model();
  ASSERT_TRUE(model->heap_bounded) << GetParam().name;
  for (auto [T, B] : {std::pair<int64_t, int64_t>{1, 1}, {7, 3}, {40, 5}, {200, 2}}) {
    auto [peak, bound] = peakAndBound(model, T, B);
    EXPECT_GT(peak, 0u) << "T=" << T << " B=" << B << ": no kernel allocation was seen";
    EXPECT_LE(peak, bound) << GetParam().name << " T=" << T << " B=" << B;
  }
}

INSTANTIATE_TEST_SUITE_P(
    AotModels, HeapBound,
    ::testing::Values(NamedModel{"lstm", unit_lstm_model}, NamedModel{"mgu", unit_mgu_model},
                      NamedModel{"minimal_rnn", unit_minimal_rnn_model},
                      NamedModel{"gru", heap_gru_model}, NamedModel{"wide", heap_wide_model},
                      NamedModel{"wide_t2", heap_wide_t2_model}
#ifdef RNNC_HAVE_HALIDE
                      ,
                      NamedModel{"wide_halide", heap_wide_halide_model},
                      NamedModel{"wide_halide_t2", heap_wide_halide_t2_model}
#endif
                      ),
    [](const auto &info) { return std::string(info.param.name); });
} // namespace
