#include "rnnc/API/Jit.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "rnnc/Target/Cpu/CpuTarget.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/BLAKE3.h"
#include "llvm/Support/DynamicLibrary.h"

#ifdef RNNC_HAVE_HALIDE
#include "rnnrt/halide.h"
#endif

#include <cstring>
#include <map>
#include <mutex>

using namespace mlir;
using namespace mlir::rnnc;

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

JitModel::~JitModel() = default;

FailureOr<std::unique_ptr<JitModel>> JitModel::compile(ModuleOp module,
                                                       const CompileOptions &options) {
  // Multi-threaded code calls libomp: its symbols must be in the process.
  // So does the GPU emulation (persistent kernels' threads run at once).
  if (options.threads > 1 || options.gpuOnHost) {
    std::string loadError;
    if (llvm::sys::DynamicLibrary::LoadLibraryPermanently(RNNC_LIBOMP_PATH, &loadError))
      return emitError(module.getLoc())
             << "threads > 1 needs libomp (" << RNNC_LIBOMP_PATH << "): " << loadError;
  }
#ifndef RNNC_HAVE_HALIDE
  if (options.halideProjection)
    return emitError(module.getLoc())
           << "the Halide projection needs rnnc built with RNNC_ENABLE_HALIDE=ON";
#endif
  FailureOr<LoweredModel> lowered = lowerModel(module, options);
  if (failed(lowered))
    return failure();
  CpuTargetOptions targetOptions;
  targetOptions.cpu = options.cpu;
  auto machine = createTargetMachine(targetOptions);
  if (!machine)
    return emitError(module.getLoc()) << llvm::toString(machine.takeError());

  std::string abiError;
  auto buildModule = [&](Operation *op,
                         llvm::LLVMContext &context) -> std::unique_ptr<llvm::Module> {
    auto llvmModule = translateForTarget(cast<ModuleOp>(op), context, **machine);
    if (!llvmModule) {
      abiError = llvm::toString(llvmModule.takeError());
      return nullptr;
    }
    auto facts = addRuntimeAbi(**llvmModule, *lowered, options, (*machine)->getTargetCPU());
    if (!facts) {
      abiError = llvm::toString(facts.takeError());
      return nullptr;
    }
    return std::move(*llvmModule);
  };
  // The engine compiles lazily, on the first lookup below: both callbacks
  // must outlive it.
  auto optimize = [&](llvm::Module *llvmModule) { return optimizeModule(*llvmModule, **machine); };
  ExecutionEngineOptions engineOptions;
  engineOptions.llvmModuleBuilder = buildModule;
  engineOptions.transformer = optimize;
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  // MLIR turns LLVM's perf listener on by default, and it writes a jitdump
  // file for every compile.
  engineOptions.enablePerfNotificationListener = options.perfJitDump;
  auto engine = ExecutionEngine::create(*lowered->module, engineOptions);
  if (!engine)
    return emitError(module.getLoc())
           << "JIT compilation failed: "
           << (abiError.empty() ? llvm::toString(engine.takeError()) : abiError);
#ifdef RNNC_HAVE_HALIDE
  // The Halide pipeline is linked into this library, not loaded from the process.
  (*engine)->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    symbols[interner("rnnrt_halide_project_inputs")] = {
        llvm::orc::ExecutorAddr::fromPtr(&rnnrt_halide_project_inputs),
        llvm::JITSymbolFlags::Exported};
    return symbols;
  });
#endif
  auto accessor = (*engine)->lookup(options.name + "_model");
  if (!accessor)
    return emitError(module.getLoc())
           << "JIT model descriptor missing: " << llvm::toString(accessor.takeError());

  std::unique_ptr<JitModel> model(new JitModel());
  model->signature_ = std::move(lowered->signature);
  model->engine_ = std::move(*engine);
  model->model_ = reinterpret_cast<const rnnrt_model_t *(*)()>(*accessor)();
  return model;
}

bool JitModel::prepare(const std::vector<TensorRef> &inputs, rnnrt_instance_t **instance,
                       std::vector<rnnrt_tensor_t> &tensors, std::string &error,
                       uint64_t memoryLimit) const {
  const ModelSignature &sig = signature_;
  if (inputs.size() != sig.inputs.size()) {
    error = "expected " + std::to_string(sig.inputs.size()) + " inputs, got " +
            std::to_string(inputs.size());
    return false;
  }
  std::vector<std::vector<int64_t>> shapes;
  std::vector<const void *> data;
  tensors.assign(inputs.size(), rnnrt_tensor_t{});
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].elementType != sig.inputs[i].elementType) {
      error = "input '" + sig.inputs[i].name + "' must be " +
              elementTypeName(sig.inputs[i].elementType) + ", got " +
              elementTypeName(inputs[i].elementType);
      return false;
    }
    for (int64_t d : inputs[i].shape)
      if (d < 0) {
        error = "input '" + sig.inputs[i].name + "' has a negative dimension";
        return false;
      }
    shapes.push_back(inputs[i].shape);
    data.push_back(inputs[i].data);
    if (inputs[i].shape.size() > RNNRT_MAX_RANK) {
      error = "input '" + sig.inputs[i].name + "' has too many dimensions";
      return false;
    }
    rnnrt_tensor_t &tensor = tensors[i];
    // A zero-size buffer may be NULL; the runtime reads NULL as "use the default".
    static const int64_t empty = 0;
    tensor.data =
        inputs[i].data ? const_cast<void *>(inputs[i].data) : const_cast<int64_t *>(&empty);
    tensor.dtype = toRuntimeDtype(inputs[i].elementType);
    tensor.rank = inputs[i].shape.size();
    std::copy(inputs[i].shape.begin(), inputs[i].shape.end(), tensor.dims);
  }
  std::vector<int64_t> symbols;
  if (!bindSymbols(sig, shapes, data, symbols, error))
    return false;

  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  if (sig.batchSymbol >= 0)
    options.batch = symbols[sig.batchSymbol];
  options.memory_limit = memoryLimit;
  char message[512];
  if (rnnrt_instance_create(model_, &options, instance, message, sizeof message) !=
      RNNRT_STATUS_OK) {
    error = message;
    return false;
  }
  if (model_->device == RNNRT_DEVICE_CPU)
    return true;
  // The inputs in the instance's device memory, freed with the instance.
  for (rnnrt_tensor_t &tensor : tensors) {
    size_t bytes = rnnrt_tensor_bytes(&tensor);
    void *device = nullptr;
    if (rnnrt_instance_device_alloc(*instance, bytes, &device) != RNNRT_STATUS_OK ||
        rnnrt_instance_copy_to_device(*instance, device, tensor.data, bytes) != RNNRT_STATUS_OK) {
      error = rnnrt_instance_last_error(*instance);
      rnnrt_instance_destroy(*instance);
      *instance = nullptr;
      return false;
    }
    tensor.data = device;
  }
  return true;
}

bool JitModel::run(const std::vector<TensorRef> &inputs, std::vector<HostTensor> &results,
                   std::string &error, uint64_t memoryLimit) const {
  const ModelSignature &sig = signature_;
  rnnrt_instance_t *instance = nullptr;
  std::vector<rnnrt_tensor_t> tensors;
  if (!prepare(inputs, &instance, tensors, error, memoryLimit))
    return false;
  std::unique_ptr<rnnrt_instance_t, void (*)(rnnrt_instance_t *)> owner(instance,
                                                                        rnnrt_instance_destroy);
  if (rnnrt_instance_run(instance, tensors.data(), tensors.size()) != RNNRT_STATUS_OK) {
    error = rnnrt_instance_last_error(instance);
    return false;
  }
  results.clear();
  for (size_t i = 0; i < sig.results.size(); ++i) {
    rnnrt_tensor_t out;
    rnnrt_instance_output(instance, i, &out);
    HostTensor tensor;
    tensor.name = sig.results[i].name;
    tensor.elementType = sig.results[i].elementType;
    tensor.shape.assign(out.dims, out.dims + out.rank);
    tensor.bytes.resize(tensor.numElements() * rnnrt_dtype_size(out.dtype));
    if (!tensor.bytes.empty() &&
        rnnrt_instance_copy_to_host(instance, tensor.bytes.data(), out.data, tensor.bytes.size()) !=
            RNNRT_STATUS_OK) {
      error = rnnrt_instance_last_error(instance);
      return false;
    }
    results.push_back(std::move(tensor));
  }
  return true;
}

FailureOr<std::shared_ptr<const JitModel>>
mlir::rnnc::compileCached(ModuleOp module, const CompileOptions &options) {
  // Large constants (the weights) are hashed as raw bytes rather than printed:
  // printing megabytes of hex cost more than the rest of a compile. BLAKE3,
  // not SHA-256: 16 MiB of weights (a 2-layer LSTM, H = 512) hash in 3 ms
  // instead of 41.
  constexpr int64_t kPrintedElements = 64;
  llvm::BLAKE3 hasher;
  module.walk([&](Operation *op) {
    for (NamedAttribute attr : op->getAttrs())
      if (auto dense = dyn_cast<DenseElementsAttr>(attr.getValue()))
        if (dense.getNumElements() > kPrintedElements)
          hasher.update(llvm::arrayRefFromStringRef(
              StringRef(dense.getRawData().data(), dense.getRawData().size())));
  });
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(
      os, OpPrintingFlags().printGenericOpForm().enableDebugInfo(false).elideLargeElementsAttrs(
              kPrintedElements));
  os << "\n// " << options.name << ' ' << options.function << ' ' << options.cpu << ' '
     << options.batch << ' ' << options.maxBatch << ' ' << options.exposeState << ' '
     << options.vectorWidth << ' ' << options.accumulators << ' ' << options.precision << ' '
     << options.rowBlock << ' ' << options.projectInputsAboveBytes << ' '
     << options.halideProjection << ' ' << options.threads << ' ' << options.cudaChip << ' '
     << options.cudaToolkit << ' ' << options.cudaPerStep << ' ' << options.gpuOnHost << ' '
     << options.gpuOnHostThreads << ' ' << options.gpuOnHostBlocks << ' ' << options.cudaLanes
     << ' ' << options.cudaSharedWeightBytes << ' ' << options.wavefront << ' '
     << options.perfJitDump;
  hasher.update(text);
  auto digest = hasher.final();
  std::string key(digest.begin(), digest.end());

  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<const JitModel>> cache;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto hit = cache[key].lock())
      return hit;
  }
  FailureOr<std::unique_ptr<JitModel>> compiled = JitModel::compile(module, options);
  if (failed(compiled))
    return failure();
  std::shared_ptr<const JitModel> model(std::move(*compiled));
  std::lock_guard<std::mutex> lock(mutex);
  if (auto raced = cache[key].lock())
    return raced;
  cache[key] = model;
  return model;
}
