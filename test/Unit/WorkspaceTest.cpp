// The kernel's memory (the instance's workspace, runtime/src/cpu_device.c):
// - what a call takes against the heap bound its model declares
//   (rnnrt_model_t::heap_terms, which memory limits and caller workspaces
//   rely on);
// - once warm, no allocation and no page fault per call: the binary links the
//   AOT objects with -Wl,--wrap=malloc,... so that any C-library allocation in
//   the process is counted, instances get a counting allocator, and minor
//   faults come from getrusage;
// - a workspace of the caller's, and a workspace that cannot be had.

#include "rnnrt/rnnrt.h"
#include "heap_gru.h"
#include "heap_mask.h"
#include "heap_wide.h"
#include "heap_wide_t2.h"
#include "steady_gru_bidirectional.h"
#include "steady_gru_bidirectional_t2.h"
#include "steady_rnn.h"
#include "unit_lstm.h"
#include "unit_lstm_t2.h"
#include "unit_mgu.h"
#include "unit_minimal_rnn.h"
#ifdef RNNC_HAVE_HALIDE
#include "heap_wide_halide.h"
#include "heap_wide_halide_t2.h"
#endif

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

// A sanitizer's runtime faults pages of its own (shadow memory, fake stacks)
// during calls; page faults are asserted in uninstrumented builds only.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RNNC_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define RNNC_SANITIZED 1
#endif
#endif

namespace {
/// C-library allocations anywhere in the process while counting.
std::atomic<bool> counting{false};
std::atomic<uint64_t> libcAllocations{0};

void countLibcAllocation() {
  if (counting.load(std::memory_order_relaxed))
    libcAllocations.fetch_add(1, std::memory_order_relaxed);
}
} // namespace

extern "C" {
void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *pointer, size_t size);
void *__real_aligned_alloc(size_t alignment, size_t size);
int __real_posix_memalign(void **pointer, size_t alignment, size_t size);

void *__wrap_malloc(size_t size) {
  countLibcAllocation();
  return __real_malloc(size);
}
void *__wrap_calloc(size_t count, size_t size) {
  countLibcAllocation();
  return __real_calloc(count, size);
}
void *__wrap_realloc(void *pointer, size_t size) {
  countLibcAllocation();
  return __real_realloc(pointer, size);
}
void *__wrap_aligned_alloc(size_t alignment, size_t size) {
  countLibcAllocation();
  return __real_aligned_alloc(alignment, size);
}
int __wrap_posix_memalign(void **pointer, size_t alignment, size_t size) {
  countLibcAllocation();
  return __real_posix_memalign(pointer, alignment, size);
}
}

namespace {
/// An instance allocator that counts its calls and refuses blocks above a cap.
struct CountingAllocator {
  uint64_t allocations = 0;
  uint64_t cap = UINT64_MAX;

  static void *alloc(void *self, size_t size, size_t alignment) {
    auto *a = static_cast<CountingAllocator *>(self);
    ++a->allocations;
    if (size > a->cap)
      return nullptr;
    return rnnrt_allocator_system().alloc(nullptr, size, alignment);
  }
  static void free(void *self, void *pointer) {
    (void)self;
    rnnrt_allocator_system().free(nullptr, pointer);
  }
  rnnrt_allocator_t allocator() { return {this, alloc, free}; }
};

/// Inputs of `model` at sizes T, B: random data, lengths of T - b % T per
/// row and masks with holes; state NULL (the instance's).
struct Call {
  std::vector<int64_t> symbols;
  std::vector<std::vector<float>> floats;
  std::vector<std::vector<int64_t>> ints;
  std::vector<std::vector<uint8_t>> bytes;
  std::vector<rnnrt_tensor_t> tensors;
  int64_t batch = 0;

  Call(const rnnrt_model_t *model, int64_t T, int64_t B)
      : symbols(model->num_symbols), floats(model->num_inputs), ints(model->num_inputs),
        bytes(model->num_inputs), tensors(model->num_inputs) {
    for (uint32_t s = 0; s < model->num_symbols; ++s) {
      std::string name = model->symbols[s];
      symbols[s] = name == "T" ? T : name == "B" ? B : 2;
    }
    batch = model->batch_symbol >= 0 ? symbols[model->batch_symbol] : 0;
    std::mt19937 rng(T * 131 + B);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
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
        floats[i].resize(count);
        for (float &v : floats[i])
          v = dist(rng);
        tensor.data = floats[i].data();
      } else if (info.role == RNNRT_ROLE_SEQUENCE_LENGTHS) {
        int64_t limit = info.limit_symbol >= 0 ? symbols[info.limit_symbol] : info.limit_static;
        ints[i].resize(count);
        for (size_t b = 0; b < count; ++b)
          ints[i][b] = limit - (int64_t)b % std::max<int64_t>(limit, 1);
        if (info.dtype == RNNRT_DTYPE_I32) {
          auto *narrow = reinterpret_cast<int32_t *>(ints[i].data());
          for (size_t b = 0; b < count; ++b)
            narrow[b] = (int32_t)ints[i][b];
        }
        tensor.data = ints[i].data();
      } else if (info.role == RNNRT_ROLE_MASK) {
        bytes[i].resize(count);
        for (size_t k = 0; k < count; ++k)
          bytes[i][k] = k % 3 != 1;
        tensor.data = bytes[i].data();
      }
    }
  }

  /// The model's heap bound at these sizes.
  uint64_t bound(const rnnrt_model_t *model) const {
    uint64_t bytes = 0;
    EXPECT_EQ(rnnrt_instance_workspace_size(model, symbols.data(), symbols.size(), &bytes,
                                            nullptr, 0),
              RNNRT_STATUS_OK);
    return bytes;
  }
};

rnnrt_instance_t *create(const rnnrt_model_t *model, int64_t batch, CountingAllocator &allocator,
                         void *workspace = nullptr, uint64_t workspace_bytes = 0) {
  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.batch = batch;
  options.allocator = allocator.allocator();
  options.workspace = workspace;
  options.workspace_bytes = workspace_bytes;
  rnnrt_instance_t *instance = nullptr;
  char message[256] = "";
  EXPECT_EQ(rnnrt_instance_create(model, &options, &instance, message, sizeof message),
            RNNRT_STATUS_OK)
      << message;
  return instance;
}

long minorFaults() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

struct NamedModel {
  const char *name;
  const rnnrt_model_t *(*model)(void);
};

void PrintTo(const NamedModel &model, std::ostream *os) { *os << model.name; }

class Workspace : public ::testing::TestWithParam<NamedModel> {};

TEST_P(Workspace, CallTakesNoMoreThanTheDescriptorDeclares) {
  const rnnrt_model_t *model = GetParam().model();
  ASSERT_TRUE(model->heap_bounded) << GetParam().name;
  for (auto [T, B] : {std::pair<int64_t, int64_t>{1, 1}, {7, 3}, {40, 5}, {200, 2}}) {
    Call call(model, T, B);
    CountingAllocator allocator;
    rnnrt_instance_t *instance = create(model, call.batch, allocator);
    ASSERT_NE(instance, nullptr);
    ASSERT_EQ(rnnrt_instance_run(instance, call.tensors.data(), call.tensors.size()),
              RNNRT_STATUS_OK)
        << rnnrt_instance_last_error(instance);
    uint64_t used = 0;
    ASSERT_EQ(rnnrt_instance_workspace_used(instance, &used), RNNRT_STATUS_OK);
    EXPECT_GT(used, 0u) << "T=" << T << " B=" << B << ": the kernel took no workspace";
    EXPECT_LE(used, call.bound(model)) << GetParam().name << " T=" << T << " B=" << B;
    rnnrt_instance_destroy(instance);
  }
}

TEST_P(Workspace, WarmCallsAllocateNothingAndFaultNoPage) {
  const rnnrt_model_t *model = GetParam().model();
  Call call(model, 50, 4);
  CountingAllocator allocator;
  rnnrt_instance_t *instance = create(model, call.batch, allocator);
  ASSERT_NE(instance, nullptr);
  for (int warmup = 0; warmup < 3; ++warmup)
    ASSERT_EQ(rnnrt_instance_run(instance, call.tensors.data(), call.tensors.size()),
              RNNRT_STATUS_OK)
        << rnnrt_instance_last_error(instance);
  uint64_t instanceAllocations = allocator.allocations;
  libcAllocations = 0;
  long faults = minorFaults();
  counting = true;
  for (int i = 0; i < 1000; ++i)
    if (rnnrt_instance_run(instance, call.tensors.data(), call.tensors.size()) != RNNRT_STATUS_OK)
      break;
  counting = false;
  faults = minorFaults() - faults;
  EXPECT_STREQ(rnnrt_instance_last_error(instance), "");
  EXPECT_EQ(allocator.allocations - instanceAllocations, 0u) << "instance allocations";
  EXPECT_EQ(libcAllocations.load(), 0u) << "C library allocations";
#ifndef RNNC_SANITIZED
  // A call that allocates faults every time (each new page is a fault); a
  // fault or two in 1000 calls come from the operating system on a loaded
  // machine (seen in CI with 2-thread models, one per run), not the model.
  EXPECT_LE(faults, 2) << "minor page faults in 1000 calls";
#endif
  rnnrt_instance_destroy(instance);
}

TEST_P(Workspace, RunsInTheCallersWorkspace) {
  const rnnrt_model_t *model = GetParam().model();
  Call large(model, 40, 5), small(model, 7, 5), larger(model, 41, 5);
  uint64_t bytes = large.bound(model);
  std::vector<unsigned char> workspace(bytes + 1);
  CountingAllocator allocator, own;
  // Deliberately misaligned: the runtime aligns within it.
  rnnrt_instance_t *instance = create(model, large.batch, allocator, workspace.data() + 1, bytes);
  rnnrt_instance_t *reference = create(model, large.batch, own);
  ASSERT_NE(instance, nullptr);
  ASSERT_NE(reference, nullptr);
  uint64_t created = allocator.allocations;
  for (Call *call : {&large, &small, &large}) {
    ASSERT_EQ(rnnrt_instance_run(instance, call->tensors.data(), call->tensors.size()),
              RNNRT_STATUS_OK)
        << rnnrt_instance_last_error(instance);
    ASSERT_EQ(rnnrt_instance_run(reference, call->tensors.data(), call->tensors.size()),
              RNNRT_STATUS_OK);
    for (uint32_t o = 0; o < model->num_outputs; ++o) {
      rnnrt_tensor_t got, want;
      ASSERT_EQ(rnnrt_instance_output(instance, o, &got), RNNRT_STATUS_OK);
      ASSERT_EQ(rnnrt_instance_output(reference, o, &want), RNNRT_STATUS_OK);
      ASSERT_EQ(rnnrt_tensor_bytes(&got), rnnrt_tensor_bytes(&want));
      EXPECT_EQ(std::memcmp(got.data, want.data, rnnrt_tensor_bytes(&got)), 0)
          << "output " << model->outputs[o].name;
    }
  }
  // Output buffers grow with the first call's sizes only; the kernel's
  // memory is the caller's.
  EXPECT_LE(allocator.allocations - created, (uint64_t)model->num_outputs);
  EXPECT_EQ(rnnrt_instance_run(instance, larger.tensors.data(), larger.tensors.size()),
            RNNRT_STATUS_LIMIT_EXCEEDED);
  EXPECT_NE(std::strstr(rnnrt_instance_last_error(instance), "needs a workspace of"), nullptr)
      << rnnrt_instance_last_error(instance);
  rnnrt_instance_destroy(instance);
  rnnrt_instance_destroy(reference);
}

TEST_P(Workspace, WorkspaceOutOfMemoryIsAnError) {
  const rnnrt_model_t *model = GetParam().model();
  Call small(model, 2, 2), large(model, 200, 2);
  CountingAllocator allocator;
  rnnrt_instance_t *instance = create(model, small.batch, allocator);
  ASSERT_NE(instance, nullptr);
  ASSERT_EQ(rnnrt_instance_run(instance, small.tensors.data(), small.tensors.size()),
            RNNRT_STATUS_OK);
  allocator.cap = small.bound(model) + 4096;
  ASSERT_GT(large.bound(model), allocator.cap);
  EXPECT_EQ(rnnrt_instance_run(instance, large.tensors.data(), large.tensors.size()),
            RNNRT_STATUS_OUT_OF_MEMORY);
  EXPECT_NE(std::strstr(rnnrt_instance_last_error(instance), "workspace"), nullptr)
      << rnnrt_instance_last_error(instance);
  allocator.cap = UINT64_MAX;
  EXPECT_EQ(rnnrt_instance_run(instance, large.tensors.data(), large.tensors.size()),
            RNNRT_STATUS_OK)
      << rnnrt_instance_last_error(instance);
  rnnrt_instance_destroy(instance);
}

// Every kind of call: LSTM stacks with lengths (the example), a custom cell
// (per-step buffers), bidirectional GRU stacks with lengths, an RNN, a masked
// RNN, the hoisted projection; one and two threads.
INSTANTIATE_TEST_SUITE_P(
    AotModels, Workspace,
    ::testing::Values(NamedModel{"lstm", unit_lstm_model},
                      NamedModel{"lstm_t2", unit_lstm_t2_model},
                      NamedModel{"mgu", unit_mgu_model},
                      NamedModel{"minimal_rnn", unit_minimal_rnn_model},
                      NamedModel{"gru_bidirectional", steady_gru_bidirectional_model},
                      NamedModel{"gru_bidirectional_t2", steady_gru_bidirectional_t2_model},
                      NamedModel{"rnn", steady_rnn_model}, NamedModel{"masked", heap_mask_model},
                      NamedModel{"wide", heap_wide_model},
                      NamedModel{"wide_t2", heap_wide_t2_model}),
    [](const auto &info) { return std::string(info.param.name); });

TEST(Workspace, GruWithAStaticBatch) {
  const rnnrt_model_t *model = heap_gru_model();
  Call call(model, 9, 0);
  CountingAllocator allocator;
  rnnrt_instance_t *instance = create(model, 0, allocator);
  ASSERT_NE(instance, nullptr);
  ASSERT_EQ(rnnrt_instance_run(instance, call.tensors.data(), call.tensors.size()),
            RNNRT_STATUS_OK)
      << rnnrt_instance_last_error(instance);
  uint64_t used = 0;
  ASSERT_EQ(rnnrt_instance_workspace_used(instance, &used), RNNRT_STATUS_OK);
  EXPECT_GT(used, 0u);
  EXPECT_LE(used, call.bound(model));
  rnnrt_instance_destroy(instance);
}

#ifdef RNNC_HAVE_HALIDE
// The Halide projection's panels come from Halide's runtime (its own malloc),
// not the workspace: only the bound is checked.
TEST(Workspace, HalideProjectionWithinTheBound) {
  for (const rnnrt_model_t *model : {heap_wide_halide_model(), heap_wide_halide_t2_model()}) {
    Call call(model, 40, 5);
    CountingAllocator allocator;
    rnnrt_instance_t *instance = create(model, call.batch, allocator);
    ASSERT_NE(instance, nullptr);
    ASSERT_EQ(rnnrt_instance_run(instance, call.tensors.data(), call.tensors.size()),
              RNNRT_STATUS_OK)
        << rnnrt_instance_last_error(instance);
    uint64_t used = 0;
    ASSERT_EQ(rnnrt_instance_workspace_used(instance, &used), RNNRT_STATUS_OK);
    EXPECT_LE(used, call.bound(model)) << model->name;
    rnnrt_instance_destroy(instance);
  }
}
#endif

TEST(Workspace, RefusesWhatCannotWork) {
  const rnnrt_model_t *model = unit_lstm_model();
  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.batch = 2;
  options.workspace_bytes = 1024;
  rnnrt_instance_t *instance = nullptr;
  char message[256] = "";
  EXPECT_EQ(rnnrt_instance_create(model, &options, &instance, message, sizeof message),
            RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(message, "workspace is NULL"), nullptr) << message;
  EXPECT_EQ(instance, nullptr);

  uint64_t bytes = 0;
  std::vector<int64_t> sizes(model->num_symbols, 3);
  EXPECT_EQ(rnnrt_instance_workspace_size(model, sizes.data(), sizes.size() - 1, &bytes, message,
                                          sizeof message),
            RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(message, "run-time sizes"), nullptr) << message;
  sizes[0] = -1;
  EXPECT_EQ(rnnrt_instance_workspace_size(model, sizes.data(), sizes.size(), &bytes, message,
                                          sizeof message),
            RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(rnnrt_instance_workspace_used(nullptr, &bytes), RNNRT_STATUS_INVALID_ARGUMENT);
}
} // namespace
