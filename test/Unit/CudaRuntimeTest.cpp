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

#include "CaseCheck.h"
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
                     bool exposeState = true, bool perStep = false) {
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
    options.cudaPerStep = perStep;
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
    get(setCooperative, "fake_cuda_set_cooperative");
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
  void (*setCooperative)(int supported, int multiprocessors, int blocksPerMultiprocessor) =
      nullptr;
};

size_t occurrences(const std::string &text, const std::string &what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++count;
  return count;
}

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

TEST_F(CudaFake, RunsTheTimeLoopAsOneCooperativeLaunchAndReusesScratch) {
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
    // The time loop is one persistent kernel: as many launches for 3 steps
    // as for 7, one of them cooperative per call.
    EXPECT_GT(launches[0], 0);
    EXPECT_EQ(launches[1], launches[0]);
    EXPECT_EQ(launches[2], launches[0]);
    std::string log = fake.log();
    EXPECT_EQ(occurrences(log, "cuLaunchCooperativeKernel"), 5u) << log;
    // The scratch of a call is kept for the next: a call with the same sizes
    // allocates nothing; one with other sizes frees what it does not use.
    EXPECT_GT(allocations[0], 0);
    EXPECT_EQ(allocations[3], 0);
    EXPECT_EQ(live[3], live[2]);
    EXPECT_EQ(live[4], live[0]);
    EXPECT_NE(log.find("cuLaunchKernel"), std::string::npos);
    EXPECT_NE(log.find(" 0x5eed\n"), std::string::npos) << "launches are not on the stream";
  }
  EXPECT_EQ(fake.liveAllocations(), 0) << "device memory leaked";
  EXPECT_EQ(fake.contextsRetained(), 0);
  EXPECT_EQ(fake.modulesLoaded(), 0);
}

TEST_F(CudaFake, PerStepKernelsLaunchEveryStepWithoutCooperativeLaunches) {
  static CudaModel perStep(readFile(RNNC_EXAMPLE_MODEL), "sm_80", true, /*perStep=*/true);
  ASSERT_TRUE(perStep.model()) << perStep.diagnostics;
  // A GPU without cooperative launches runs them.
  fake.setCooperative(0, 4, 2);
  Instance inst(perStep.model(), 2, RNNC_FAKE_CUDA_DRIVER);
  ASSERT_EQ(inst.status, RNNRT_STATUS_OK) << inst.error;
  std::vector<float> x(5 * 2 * 4, 0.5f);
  long launches[2];
  int64_t steps[2] = {3, 5};
  for (int i = 0; i < 2; ++i) {
    long before = fake.launches();
    auto inputs = exampleInputs(x.data(), nullptr, steps[i], 2);
    ASSERT_EQ(rnnrt_instance_run(inst.instance, inputs.data(), inputs.size()), RNNRT_STATUS_OK)
        << rnnrt_instance_last_error(inst.instance);
    launches[i] = fake.launches() - before;
  }
  // The same kernels every step: two more steps, twice the launches of one.
  EXPECT_GT(launches[1], launches[0]);
  EXPECT_EQ((launches[1] - launches[0]) % 2, 0);
  EXPECT_EQ(std::string(fake.log()).find("cuLaunchCooperativeKernel"), std::string::npos);
}

TEST_F(CudaFake, CooperativeGridIsCappedAtTheResidentBlocks) {
  // 300 rows x 32 gate columns want 75 blocks of 128 threads; the fake GPU
  // holds 3 multiprocessors x 2 blocks.
  fake.setCooperative(1, 3, 2);
  Instance inst(exampleModel().model(), 300, RNNC_FAKE_CUDA_DRIVER);
  ASSERT_EQ(inst.status, RNNRT_STATUS_OK) << inst.error;
  std::vector<float> x(4 * 300 * 4, 0.5f);
  auto inputs = exampleInputs(x.data(), nullptr, 4, 300);
  ASSERT_EQ(rnnrt_instance_run(inst.instance, inputs.data(), inputs.size()), RNNRT_STATUS_OK)
      << rnnrt_instance_last_error(inst.instance);
  std::string log = fake.log();
  size_t at = log.find("cuLaunchCooperativeKernel ");
  ASSERT_NE(at, std::string::npos) << log;
  std::string line = log.substr(at, log.find('\n', at) - at);
  EXPECT_NE(line.find(" 6,1,1 128,1,1 "), std::string::npos) << line;
}

TEST_F(CudaFake, GpusWithoutCooperativeLaunchAreRefusedWithAMessage) {
  fake.setCooperative(0, 4, 2);
  Instance inst(exampleModel().model(), 2, RNNC_FAKE_CUDA_DRIVER);
  ASSERT_EQ(inst.status, RNNRT_STATUS_OK) << inst.error;
  std::vector<float> x(3 * 2 * 4, 0.5f);
  auto inputs = exampleInputs(x.data(), nullptr, 3, 2);
  EXPECT_EQ(rnnrt_instance_run(inst.instance, inputs.data(), inputs.size()),
            RNNRT_STATUS_DEVICE_ERROR);
  EXPECT_NE(std::string(rnnrt_instance_last_error(inst.instance))
                .find("synchronizes its whole grid, which needs a cooperative launch; this GPU "
                      "does not support one (compile with --cuda-per-step)"),
            std::string::npos)
      << rnnrt_instance_last_error(inst.instance);
  // No block fits at all: also a message, not a hang or a driver error.
  fake.setCooperative(1, 4, 0);
  EXPECT_EQ(rnnrt_instance_run(inst.instance, inputs.data(), inputs.size()),
            RNNRT_STATUS_DEVICE_ERROR);
  EXPECT_NE(std::string(rnnrt_instance_last_error(inst.instance)).find("cannot all be resident"),
            std::string::npos)
      << rnnrt_instance_last_error(inst.instance);
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

TEST_F(CudaFake, DeviceBuffersForHostsWithoutCuda) {
  {
    Instance inst(exampleModel().model(), 1, RNNC_FAKE_CUDA_DRIVER);
    ASSERT_EQ(inst.status, RNNRT_STATUS_OK) << inst.error;
    long before = fake.liveAllocations();
    void *device = nullptr;
    ASSERT_EQ(rnnrt_instance_device_alloc(inst.instance, 64, &device), RNNRT_STATUS_OK);
    EXPECT_EQ(fake.liveAllocations(), before + 1);
    float in[16], out[16] = {};
    for (int i = 0; i < 16; ++i)
      in[i] = 0.5f * i;
    EXPECT_EQ(rnnrt_instance_copy_to_device(inst.instance, device, in, sizeof in),
              RNNRT_STATUS_OK);
    EXPECT_EQ(rnnrt_instance_copy_to_host(inst.instance, out, device, sizeof out),
              RNNRT_STATUS_OK);
    EXPECT_EQ(std::memcmp(in, out, sizeof in), 0);
    std::string log = fake.log();
    EXPECT_NE(log.find("cuMemcpyHtoDAsync 64"), std::string::npos);
    EXPECT_NE(log.find("cuMemcpyDtoHAsync 64"), std::string::npos);
    EXPECT_EQ(rnnrt_instance_device_free(inst.instance, device), RNNRT_STATUS_OK);
    EXPECT_EQ(fake.liveAllocations(), before);
    EXPECT_EQ(rnnrt_instance_device_free(inst.instance, device), RNNRT_STATUS_INVALID_ARGUMENT);
    // Left for the instance to free.
    ASSERT_EQ(rnnrt_instance_device_alloc(inst.instance, 8, &device), RNNRT_STATUS_OK);
  }
  EXPECT_EQ(fake.liveAllocations(), 0);
}

/// Whether this machine runs CUDA models: empty when an instance of the
/// example can be created with the default driver, else why not.
const std::string &whyNoGpu() {
  static const std::string why = [] {
    rnnrt_instance_options_t options;
    rnnrt_instance_options_initialize(&options);
    options.batch = 1;
    rnnrt_instance_t *instance = nullptr;
    char message[512] = "";
    rnnrt_status_t status = rnnrt_instance_create(exampleModel().model(), &options, &instance,
                                                  message, sizeof message);
    rnnrt_instance_destroy(instance);
    return status == RNNRT_STATUS_OK ? std::string() : std::string(message);
  }();
  return why;
}

/// Random models (the JIT tests' cases, every fourth) compiled for sm_80 and,
/// on a GPU, run through JitModel::run (inputs uploaded, results downloaded)
/// against the reference.
class CudaGpu : public ::testing::TestWithParam<unsigned> {};

TEST_P(CudaGpu, MatchesReference) {
  if (mlir::rnnc::findCudaToolkit().empty())
    GTEST_SKIP() << "no CUDA toolkit (libdevice) to compile kernels with: set CUDA_HOME";
  ASSERT_TRUE(exampleModel().model()) << exampleModel().diagnostics;
  Case c = randomCase(GetParam());
  if (!whyNoGpu().empty()) {
    // Compiled (PTX, ptxas, host code) all the same.
    std::vector<WeightArg> weights;
    CudaModel compiled(buildModelText(c.config, weights), "sm_80", /*exposeState=*/false);
    ASSERT_TRUE(compiled.model()) << describe(c.config) << "\n" << compiled.diagnostics;
    ASSERT_NE(compiled.model()->cuda->cubin, nullptr);
    GTEST_SKIP() << whyNoGpu() << ": compiled, but GPU execution is not tested on this machine";
  }
  // GPU math (libdevice) is not the CPU's polynomial approximations.
  checkCase(
      c, [](mlir::rnnc::CompileOptions &options) { options.cudaChip = "sm_80"; }, nullptr, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Seeds, CudaGpu, ::testing::Range(0u, 128u, 4u));
} // namespace
