// The CUDA target through the rnnrt instance API: models compiled for sm_80
// (kernels to PTX and cubin, host code by the JIT) run against a fake driver
// that records what the runtime asks of it (FakeCudaDriver.c), and, where a
// GPU and its driver are present, on the GPU against the scalar reference.
// Without a GPU the GPU tests skip and say why.
#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "ModelText.h"
#include "RandomCase.h"
#include "RnnReference.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "rnnc/API/Jit.h"
#include "rnnc/InitAll.h"
#include "rnnc/Target/Cuda/CudaTarget.h"
#include "rnnrt/rnnrt.h"

using namespace rnnc;
using namespace rnnc::test;

namespace {
/// A model of `text` compiled by the JIT for `chip`.
struct CudaModel {
  explicit CudaModel(const std::string &text, const std::string &chip = "sm_80",
                     bool exposeState = true) {
    mlir::DialectRegistry registry;
    mlir::rnnc::registerAllDialects(registry);
    context = std::make_unique<mlir::MLIRContext>(registry);
    mlir::ScopedDiagnosticHandler handler(context.get(), [&](mlir::Diagnostic &d) {
      diagnostics += d.str() + "\n";
      return mlir::success();
    });
    auto module = mlir::parseSourceString<mlir::ModuleOp>(text, context.get());
    if (!module)
      return;
    mlir::rnnc::CompileOptions options;
    options.cudaChip = chip;
    options.exposeState = exposeState;
    auto compiled = mlir::rnnc::JitModel::compile(*module, options);
    if (succeeded(compiled))
      jit = std::move(*compiled);
  }
  const rnnrt_model_t *model() const { return jit ? jit->model() : nullptr; }

  std::unique_ptr<mlir::MLIRContext> context;
  std::unique_ptr<mlir::rnnc::JitModel> jit;
  std::string diagnostics;
};

std::string readFile(const std::string &path) {
  std::string text;
  if (FILE *f = std::fopen(path.c_str(), "rb")) {
    char buffer[1 << 16];
    for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;)
      text.append(buffer, n);
    std::fclose(f);
  }
  return text;
}

/// The bundled example LSTM: inputs [T, B, 4], sequence_length [B], four
/// state inputs [B, 8], outputs [T, B, 8] and four final states.
const CudaModel &exampleModel() {
  static CudaModel model(readFile(RNNC_EXAMPLE_MODEL));
  return model;
}

/// The controls of the fake driver (FakeCudaDriver.c), which the runtime loads
/// from the same path: dlopen returns the same library.
struct FakeDriver {
  FakeDriver() {
    handle = dlopen(RNNC_FAKE_CUDA_DRIVER, RTLD_NOW | RTLD_LOCAL);
    if (!handle)
      return;
    auto get = [&](auto &fn, const char *name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(handle, name));
    };
    get(reset, "fake_cuda_reset");
    get(fail, "fake_cuda_fail");
    get(log, "fake_cuda_log");
    get(liveAllocations, "fake_cuda_live_allocations");
    get(allocations, "fake_cuda_allocations");
    get(launches, "fake_cuda_launches");
    get(contextsRetained, "fake_cuda_contexts_retained");
    get(contextDepth, "fake_cuda_context_depth");
    get(modulesLoaded, "fake_cuda_modules_loaded");
    get(imageKind, "fake_cuda_image_kind");
    reset(1, 8, 0);
  }
  ~FakeDriver() {
    if (handle)
      dlclose(handle);
  }
  void *handle = nullptr;
  void (*reset)(int devices, int major, int minor) = nullptr;
  void (*fail)(const char *call, int after, int code) = nullptr;
  const char *(*log)() = nullptr;
  long (*liveAllocations)() = nullptr;
  long (*allocations)() = nullptr;
  long (*launches)() = nullptr;
  int (*contextsRetained)() = nullptr;
  int (*contextDepth)() = nullptr;
  int (*modulesLoaded)() = nullptr;
  const char *(*imageKind)() = nullptr;
};

struct Instance {
  Instance(const rnnrt_model_t *model, int64_t batch, const char *driver, bool keepState = false,
           void *stream = nullptr) {
    rnnrt_instance_options_t options;
    rnnrt_instance_options_initialize(&options);
    options.batch = batch;
    options.keep_state = keepState;
    options.cuda_driver = driver;
    options.cuda_stream = stream;
    char message[512] = "";
    status = rnnrt_instance_create(model, &options, &instance, message, sizeof message);
    error = message;
  }
  ~Instance() { rnnrt_instance_destroy(instance); }
  rnnrt_instance_t *instance = nullptr;
  rnnrt_status_t status;
  std::string error;
};

/// The example's inputs for T steps of B rows at `x` (fake device memory is
/// host memory), lengths at `lengths` or NULL, NULL states.
std::vector<rnnrt_tensor_t> exampleInputs(float *x, int32_t *lengths, int64_t T, int64_t B) {
  std::vector<rnnrt_tensor_t> tensors(6);
  tensors[0] = {x, RNNRT_DTYPE_F32, 3, {T, B, 4}};
  tensors[1] = {lengths, RNNRT_DTYPE_I32, 1, {B}};
  for (int i = 2; i < 6; ++i)
    tensors[i] = {nullptr, RNNRT_DTYPE_F32, 2, {B, 8}};
  return tensors;
}

class CudaFake : public ::testing::Test {
protected:
  void SetUp() override {
    if (mlir::rnnc::findCudaToolkit().empty())
      GTEST_SKIP() << "no CUDA toolkit (libdevice) to compile kernels with: set CUDA_HOME";
    ASSERT_TRUE(fake.handle) << dlerror();
    ASSERT_TRUE(exampleModel().model()) << exampleModel().diagnostics;
  }
  FakeDriver fake;
};

TEST_F(CudaFake, DescriptorHoldsTheKernelsItLaunches) {
  const rnnrt_model_t *model = exampleModel().model();
  ASSERT_EQ(rnnrt_model_verify(model, nullptr, 0), RNNRT_STATUS_OK);
  EXPECT_EQ(model->device, RNNRT_DEVICE_CUDA);
  EXPECT_EQ(model->kernel, nullptr);
  const rnnrt_cuda_code_t *code = model->cuda;
  ASSERT_NE(code, nullptr);
  EXPECT_EQ(code->arch, 80);
  EXPECT_EQ(std::strlen(code->ptx), code->ptx_size);
  EXPECT_NE(std::strstr(code->ptx, ".target sm_80"), nullptr);
  ASSERT_GT(code->num_kernels, 0u);
  for (uint32_t k = 0; k < code->num_kernels; ++k)
    EXPECT_NE(std::strstr(code->ptx, (std::string(".entry ") + code->kernel_names[k] + "(").c_str()),
              nullptr)
        << code->kernel_names[k];
  ASSERT_NE(code->cubin, nullptr);
  EXPECT_EQ(std::memcmp(code->cubin, "\177ELF", 4), 0);
  // Two layers' kernels and biases.
  EXPECT_EQ(code->num_constants, 4u);
}

TEST_F(CudaFake, RunsLaunchEveryStepOnTheStreamAndReuseTheirScratch) {
  void *stream = reinterpret_cast<void *>(0x5eed);
  {
    Instance inst(exampleModel().model(), 2, RNNC_FAKE_CUDA_DRIVER, false, stream);
    ASSERT_EQ(inst.status, RNNRT_STATUS_OK) << inst.error;
    EXPECT_EQ(fake.contextsRetained(), 1);
    EXPECT_EQ(fake.modulesLoaded(), 1);
    EXPECT_STREQ(fake.imageKind(), "cubin"); // an sm_80 device runs the sm_80 cubin
    EXPECT_EQ(fake.contextDepth(), 0);
    std::vector<float> x(7 * 2 * 4, 0.5f);
    long launches[5], live[5], allocations[5];
    int64_t steps[5] = {3, 5, 7, 7, 3};
    for (int i = 0; i < 5; ++i) {
      long before = fake.launches(), allocated = fake.allocations();
      auto inputs = exampleInputs(x.data(), nullptr, steps[i], 2);
      ASSERT_EQ(rnnrt_instance_run(inst.instance, inputs.data(), inputs.size()), RNNRT_STATUS_OK)
          << rnnrt_instance_last_error(inst.instance);
      launches[i] = fake.launches() - before;
      live[i] = fake.liveAllocations();
      allocations[i] = fake.allocations() - allocated;
      EXPECT_EQ(fake.contextDepth(), 0) << "the context stays pushed after a call";
    }
    // The host code's time loop: the same kernels every step.
    long perTwoSteps = launches[1] - launches[0];
    EXPECT_GT(perTwoSteps, 0);
    EXPECT_EQ(launches[2] - launches[1], perTwoSteps);
    EXPECT_EQ(launches[3], launches[2]);
    // The scratch of a call is kept for the next: a call with the same sizes
    // allocates nothing (the steps allocate the same buffers again, too); one
    // with other sizes frees what it does not use.
    EXPECT_GT(allocations[0], 0);
    EXPECT_EQ(allocations[3], 0);
    EXPECT_EQ(live[3], live[2]);
    EXPECT_EQ(live[4], live[0]);
    std::string log = fake.log();
    EXPECT_NE(log.find("cuLaunchKernel"), std::string::npos);
    EXPECT_NE(log.find(" 0x5eed\n"), std::string::npos) << "launches are not on the stream";
  }
  EXPECT_EQ(fake.liveAllocations(), 0) << "device memory leaked";
  EXPECT_EQ(fake.contextsRetained(), 0);
  EXPECT_EQ(fake.modulesLoaded(), 0);
}

TEST_F(CudaFake, NewerGpusGetThePtxOlderOnesAreRefused) {
  fake.reset(1, 9, 0);
  {
    Instance inst(exampleModel().model(), 1, RNNC_FAKE_CUDA_DRIVER);
    ASSERT_EQ(inst.status, RNNRT_STATUS_OK) << inst.error;
    EXPECT_STREQ(fake.imageKind(), "ptx");
  }
  fake.reset(1, 7, 5);
  Instance old(exampleModel().model(), 1, RNNC_FAKE_CUDA_DRIVER);
  EXPECT_EQ(old.status, RNNRT_STATUS_DEVICE_ERROR);
  EXPECT_NE(old.error.find("compiled for sm_80; CUDA device 0 is sm_75"), std::string::npos)
      << old.error;
  EXPECT_EQ(old.instance, nullptr);
  EXPECT_EQ(fake.contextsRetained(), 0);
}

TEST_F(CudaFake, MissingDriversAndDevicesAreStatuses) {
  Instance missing(exampleModel().model(), 1, "/nonexistent/libcuda.so.1");
  EXPECT_EQ(missing.status, RNNRT_STATUS_DEVICE_ERROR);
  EXPECT_NE(missing.error.find("cannot load the CUDA driver '/nonexistent/libcuda.so.1'"),
            std::string::npos)
      << missing.error;

  fake.fail("cuInit", 0, 100);
  Instance noInit(exampleModel().model(), 1, RNNC_FAKE_CUDA_DRIVER);
  EXPECT_EQ(noInit.status, RNNRT_STATUS_DEVICE_ERROR);
  EXPECT_NE(noInit.error.find(
                "cuInit failed: CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)"),
            std::string::npos)
      << noInit.error;

  fake.reset(0, 8, 0);
  Instance none(exampleModel().model(), 1, RNNC_FAKE_CUDA_DRIVER);
  EXPECT_EQ(none.status, RNNRT_STATUS_DEVICE_ERROR);
  EXPECT_NE(none.error.find("CUDA device 0 does not exist (the driver reports 0)"),
            std::string::npos)
      << none.error;
  EXPECT_EQ(fake.liveAllocations(), 0);
}

TEST_F(CudaFake, DriverFailuresInACallBecomeStatusesWithTheDriversWords) {
  Instance inst(exampleModel().model(), 2, RNNC_FAKE_CUDA_DRIVER);
  ASSERT_EQ(inst.status, RNNRT_STATUS_OK) << inst.error;
  std::vector<float> x(4 * 2 * 4, 0.25f);
  auto inputs = exampleInputs(x.data(), nullptr, 4, 2);
  ASSERT_EQ(rnnrt_instance_run(inst.instance, inputs.data(), inputs.size()), RNNRT_STATUS_OK);
  long baseline = fake.liveAllocations();

  // The third launch fails: nothing more is launched or allocated, and
  // nothing leaks (scratch the call did not get to use is even released).
  long before = fake.launches();
  fake.fail("cuLaunchKernel", 2, 719);
  EXPECT_EQ(rnnrt_instance_run(inst.instance, inputs.data(), inputs.size()),
            RNNRT_STATUS_DEVICE_ERROR);
  std::string error = rnnrt_instance_last_error(inst.instance);
  EXPECT_NE(error.find("cuLaunchKernel("), std::string::npos) << error;
  EXPECT_NE(error.find("failed: CUDA_ERROR_LAUNCH_FAILED (unspecified launch failure)"),
            std::string::npos)
      << error;
  EXPECT_EQ(fake.launches() - before, 2);
  EXPECT_LE(fake.liveAllocations(), baseline);
  EXPECT_EQ(fake.contextDepth(), 0);

  // The instance works again once the driver does.
  fake.fail(nullptr, 0, 0);
  EXPECT_EQ(rnnrt_instance_run(inst.instance, inputs.data(), inputs.size()), RNNRT_STATUS_OK)
      << rnnrt_instance_last_error(inst.instance);
  EXPECT_EQ(fake.liveAllocations(), baseline);

  // Out of device memory in the middle of the host code (a call with new
  // sizes, so that it allocates).
  std::vector<float> longer(9 * 2 * 4, 0.25f);
  auto longerInputs = exampleInputs(longer.data(), nullptr, 9, 2);
  fake.fail("cuMemAlloc", 1, 2);
  EXPECT_EQ(rnnrt_instance_run(inst.instance, longerInputs.data(), longerInputs.size()),
            RNNRT_STATUS_DEVICE_ERROR);
  error = rnnrt_instance_last_error(inst.instance);
  EXPECT_NE(error.find("cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory)"),
            std::string::npos)
      << error;
  fake.fail(nullptr, 0, 0);
  EXPECT_EQ(rnnrt_instance_run(inst.instance, longerInputs.data(), longerInputs.size()),
            RNNRT_STATUS_OK)
      << rnnrt_instance_last_error(inst.instance);
}

TEST_F(CudaFake, LengthsInDeviceMemoryAreCheckedBeforeAnyLaunch) {
  Instance inst(exampleModel().model(), 3, RNNC_FAKE_CUDA_DRIVER);
  ASSERT_EQ(inst.status, RNNRT_STATUS_OK) << inst.error;
  std::vector<float> x(5 * 3 * 4, 0.1f);
  std::vector<int32_t> lengths = {5, 6, 0};
  auto inputs = exampleInputs(x.data(), lengths.data(), 5, 3);
  long before = fake.launches();
  EXPECT_EQ(rnnrt_instance_run(inst.instance, inputs.data(), inputs.size()),
            RNNRT_STATUS_OUT_OF_RANGE);
  EXPECT_STREQ(rnnrt_instance_last_error(inst.instance),
               "sequence_length[1] = 6 is out of range [0, 5]");
  EXPECT_EQ(fake.launches(), before);
  lengths[1] = 2;
  EXPECT_EQ(rnnrt_instance_run(inst.instance, inputs.data(), inputs.size()), RNNRT_STATUS_OK)
      << rnnrt_instance_last_error(inst.instance);
}

TEST_F(CudaFake, StateIsCarriedAndResetOnTheDevice) {
  Instance inst(exampleModel().model(), 2, RNNC_FAKE_CUDA_DRIVER, /*keepState=*/true);
  ASSERT_EQ(inst.status, RNNRT_STATUS_OK) << inst.error;
  std::vector<float> x(3 * 2 * 4, 0.1f);
  auto inputs = exampleInputs(x.data(), nullptr, 3, 2);
  ASSERT_EQ(rnnrt_instance_run(inst.instance, inputs.data(), inputs.size()), RNNRT_STATUS_OK);
  // The fake runs no kernel: the final states hold what cuMemAlloc left
  // (0xA5 bytes), and the device copy must have moved it into the state.
  const rnnrt_model_t *model = exampleModel().model();
  for (uint32_t i = 0; i < model->num_inputs; ++i) {
    if (model->inputs[i].role != RNNRT_ROLE_STATE)
      continue;
    rnnrt_tensor_t state, next;
    ASSERT_EQ(rnnrt_instance_state(inst.instance, i, &state), RNNRT_STATUS_OK);
    ASSERT_EQ(rnnrt_instance_output(inst.instance, model->inputs[i].pair, &next), RNNRT_STATUS_OK);
    ASSERT_EQ(rnnrt_tensor_bytes(&state), rnnrt_tensor_bytes(&next));
    EXPECT_EQ(std::memcmp(state.data, next.data, rnnrt_tensor_bytes(&state)), 0);
    EXPECT_EQ(static_cast<const unsigned char *>(state.data)[0], 0xA5);
  }
  uint8_t rows[2] = {0, 1};
  ASSERT_EQ(rnnrt_instance_reset_state(inst.instance, rows, 2), RNNRT_STATUS_OK);
  rnnrt_tensor_t state;
  ASSERT_EQ(rnnrt_instance_state(inst.instance, 2, &state), RNNRT_STATUS_OK);
  const float *values = static_cast<const float *>(state.data);
  for (int h = 0; h < 8; ++h) {
    EXPECT_NE(values[h], 0.0f) << "row 0 was reset";
    EXPECT_EQ(values[8 + h], 0.0f) << "row 1 was not reset";
  }
}

TEST_F(CudaFake, JitRunRefusesHostMemoryForAGpuModel) {
  std::vector<mlir::rnnc::HostTensor> results;
  std::string error;
  EXPECT_FALSE(exampleModel().jit->run({}, results, error));
  EXPECT_NE(error.find("takes device pointers"), std::string::npos) << error;
}

/// The real driver, for the GPU tests; `why` says what is missing.
struct Driver {
  Driver() {
    handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char *error = dlerror();
      why = std::string("no CUDA driver (libcuda.so.1: ") + (error ? error : "not found") + ")";
      return;
    }
    auto get = [&](auto &fn, const char *name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(handle, name));
      return fn != nullptr;
    };
    if (!get(cuInit, "cuInit") || !get(cuDeviceGetCount, "cuDeviceGetCount") ||
        !get(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain") ||
        !get(cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2") ||
        !get(cuCtxPushCurrent, "cuCtxPushCurrent_v2") ||
        !get(cuCtxPopCurrent, "cuCtxPopCurrent_v2") || !get(cuMemAlloc, "cuMemAlloc_v2") ||
        !get(cuMemFree, "cuMemFree_v2") || !get(cuMemcpyHtoD, "cuMemcpyHtoD_v2") ||
        !get(cuMemcpyDtoH, "cuMemcpyDtoH_v2")) {
      why = "the CUDA driver lacks an entry point the test uses";
      return;
    }
    int count = 0;
    if (cuInit(0) != 0 || cuDeviceGetCount(&count) != 0 || count == 0) {
      why = "the CUDA driver reports no GPU";
      return;
    }
    if (cuDevicePrimaryCtxRetain(&context, 0) != 0 || cuCtxPushCurrent(context) != 0) {
      why = "cannot make GPU 0's primary context current";
      return;
    }
    ready = true;
  }
  ~Driver() {
    if (ready) {
      void *popped;
      cuCtxPopCurrent(&popped);
      cuDevicePrimaryCtxRelease(0);
    }
    if (handle)
      dlclose(handle);
  }
  /// Device memory holding `bytes` of `data` (freed by release()).
  void *upload(const void *data, size_t bytes) {
    unsigned long long pointer = 0;
    EXPECT_EQ(cuMemAlloc(&pointer, bytes == 0 ? 1 : bytes), 0);
    if (bytes) {
      EXPECT_EQ(cuMemcpyHtoD(pointer, data, bytes), 0);
    }
    buffers.push_back(pointer);
    return reinterpret_cast<void *>(pointer);
  }
  std::vector<float> download(const rnnrt_tensor_t &tensor) {
    std::vector<float> values(rnnrt_tensor_bytes(&tensor) / sizeof(float));
    EXPECT_EQ(cuMemcpyDtoH(values.data(), reinterpret_cast<unsigned long long>(tensor.data),
                           values.size() * sizeof(float)),
              0);
    return values;
  }
  void release() {
    for (unsigned long long pointer : buffers)
      cuMemFree(pointer);
    buffers.clear();
  }

  void *handle = nullptr;
  bool ready = false;
  std::string why;
  void *context = nullptr;
  std::vector<unsigned long long> buffers;
  int (*cuInit)(unsigned) = nullptr;
  int (*cuDeviceGetCount)(int *) = nullptr;
  int (*cuDevicePrimaryCtxRetain)(void **, int) = nullptr;
  int (*cuDevicePrimaryCtxRelease)(int) = nullptr;
  int (*cuCtxPushCurrent)(void *) = nullptr;
  int (*cuCtxPopCurrent)(void **) = nullptr;
  int (*cuMemAlloc)(unsigned long long *, size_t) = nullptr;
  int (*cuMemFree)(unsigned long long) = nullptr;
  int (*cuMemcpyHtoD)(unsigned long long, const void *, size_t) = nullptr;
  int (*cuMemcpyDtoH)(void *, unsigned long long, size_t) = nullptr;
};

/// Random models (the JIT tests' cases, every fourth) compiled for sm_80 and,
/// on a GPU, run against the reference.
class CudaGpu : public ::testing::TestWithParam<unsigned> {};

TEST_P(CudaGpu, MatchesReference) {
  if (mlir::rnnc::findCudaToolkit().empty())
    GTEST_SKIP() << "no CUDA toolkit (libdevice) to compile kernels with: set CUDA_HOME";
  // Compiled (PTX, ptxas, host code) whether or not a GPU is there.
  Case c = randomCase(GetParam());
  const ModelConfig &m = c.config;
  SCOPED_TRACE(describe(m));
  std::vector<WeightArg> weights;
  CudaModel compiled(buildModelText(m, weights), "sm_80", /*exposeState=*/false);
  ASSERT_TRUE(compiled.model()) << compiled.diagnostics;
  const rnnrt_model_t *model = compiled.model();
  ASSERT_NE(model->cuda->cubin, nullptr);
  static Driver driver;
  if (!driver.ready)
    GTEST_SKIP() << driver.why << ": compiled, but GPU execution is not tested on this machine";

  const int64_t D = m.layers.front().inputDepth;
  std::vector<rnnrt_tensor_t> inputs;
  auto add = [&](const void *data, size_t bytes, rnnrt_dtype_t dtype,
                 std::vector<int64_t> dims) {
    rnnrt_tensor_t tensor{driver.upload(data, bytes), dtype, (int32_t)dims.size(), {}};
    std::copy(dims.begin(), dims.end(), tensor.dims);
    inputs.push_back(tensor);
  };
  add(c.inputs.data(), c.inputs.size() * sizeof(float), RNNRT_DTYPE_F32,
      m.timeMajor ? std::vector<int64_t>{m.T, m.B, D} : std::vector<int64_t>{m.B, m.T, D});
  std::vector<int32_t> lengths32(c.lengths.begin(), c.lengths.end());
  if (m.withLengths) {
    if (m.lengthsI64)
      add(c.lengths.data(), c.lengths.size() * 8, RNNRT_DTYPE_I64, {m.B});
    else
      add(lengths32.data(), lengths32.size() * 4, RNNRT_DTYPE_I32, {m.B});
  }
  if (m.withMask)
    add(c.mask.data(), c.mask.size(), RNNRT_DTYPE_BOOL, {m.B, m.T});
  for (const std::vector<float> &state : c.initialState)
    add(state.data(), state.size() * sizeof(float), RNNRT_DTYPE_F32,
        {m.B, (int64_t)state.size() / m.B});
  for (const WeightArg &w : weights)
    add(w.data->data(), w.data->size() * sizeof(float), RNNRT_DTYPE_F32, w.shape);

  Instance inst(model, model->batch_symbol >= 0 ? m.B : 0, nullptr);
  ASSERT_EQ(inst.status, RNNRT_STATUS_OK) << inst.error;
  ASSERT_EQ(rnnrt_instance_run(inst.instance, inputs.data(), inputs.size()), RNNRT_STATUS_OK)
      << rnnrt_instance_last_error(inst.instance);

  reference::Result expected = reference::dynamicRnn(
      m.layers, c.inputs, m.T, m.B, m.timeMajor, m.withLengths ? &c.lengths : nullptr,
      m.withInitialState ? &c.initialState : nullptr, m.reverse, m.zeroStateForEmptyRows,
      m.withMask ? &c.mask : nullptr, m.zeroOutputForMask, m.goBackwards);
  std::vector<const std::vector<float> *> wanted{&expected.outputs};
  for (const std::vector<float> &state : expected.finalStates)
    wanted.push_back(&state);
  ASSERT_EQ(model->num_outputs, wanted.size());
  for (size_t i = 0; i < wanted.size(); ++i) {
    rnnrt_tensor_t tensor;
    ASSERT_EQ(rnnrt_instance_output(inst.instance, i, &tensor), RNNRT_STATUS_OK);
    std::vector<float> actual = driver.download(tensor);
    ASSERT_EQ(actual.size(), wanted[i]->size()) << model->outputs[i].name;
    for (size_t j = 0; j < actual.size(); ++j)
      ASSERT_NEAR(actual[j], (*wanted[i])[j], 1e-4) << model->outputs[i].name << "[" << j << "]";
  }
  driver.release();
}

INSTANTIATE_TEST_SUITE_P(Seeds, CudaGpu, ::testing::Range(0u, 128u, 4u));
} // namespace
