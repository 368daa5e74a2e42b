#include "rnnc/API/Jit.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "rnnc/Pipelines/Pipelines.h"
#include "rnnc/Target/Cpu/CpuTarget.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <cstdlib>
#include <cstring>

using namespace mlir;
using namespace mlir::rnnc;

namespace {
size_t elementSize(ElementType type) {
  switch (type) {
  case ElementType::Bool:
    return 1;
  case ElementType::I64:
    return 8;
  default:
    return 4;
  }
}

/// Fields of an MLIR memref descriptor of rank r: allocated, aligned, offset,
/// sizes[r], strides[r] (all 8 bytes wide on x86-64).
size_t descriptorFields(size_t rank) { return 3 + 2 * rank; }

/// MLIR marks memrefs backed by a global (not heap memory) with this pointer.
constexpr intptr_t kGlobalSentinel = 0xdeadbeef;

FailureOr<func::FuncOp> findEntry(ModuleOp module, StringRef name) {
  if (!name.empty()) {
    auto func = module.lookupSymbol<func::FuncOp>(name);
    if (!func || func.isDeclaration())
      return emitError(module.getLoc()) << "the module has no function '" << name << "'";
    return func;
  }
  SmallVector<func::FuncOp> candidates;
  for (auto func : module.getOps<func::FuncOp>())
    if (func.isPublic() && !func.isDeclaration())
      candidates.push_back(func);
  if (candidates.size() != 1) {
    InFlightDiagnostic diag = emitError(module.getLoc())
                              << "expected exactly one public function to run, found "
                              << candidates.size();
    if (!candidates.empty())
      diag << "; pick one with --function";
    return diag;
  }
  return candidates.front();
}
} // namespace

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

JitModel::~JitModel() = default;

FailureOr<std::unique_ptr<JitModel>> JitModel::compile(ModuleOp module, const JitOptions &options) {
  OwningOpRef<ModuleOp> clone = module.clone();
  FailureOr<func::FuncOp> entry = findEntry(*clone, options.function);
  if (failed(entry))
    return failure();
  FailureOr<ModelSignature> signature = analyzeSignature(*entry);
  if (failed(signature))
    return failure();
  MLIRContext *context = module.getContext();
  (*entry)->setAttr("llvm.emit_c_interface", UnitAttr::get(context));
  dropNameAttributes(*entry);

  PassManager pm(context);
  CpuPipelineOptions pipelineOptions;
  pipelineOptions.vectorWidth = options.vectorWidth;
  pipelineOptions.accumulators = options.accumulators;
  buildCpuPipeline(pm, pipelineOptions);
  if (failed(pm.run(*clone)))
    return failure();

  auto machine = createTargetMachine(CpuTargetOptions{});
  if (!machine)
    return emitError(module.getLoc()) << llvm::toString(machine.takeError());
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  context->appendDialectRegistry(registry);

  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = makeOptimizingTransformer(3, 0, machine->get());
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  auto engine = ExecutionEngine::create(*clone, engineOptions);
  if (!engine)
    return emitError(module.getLoc())
           << "JIT compilation failed: " << llvm::toString(engine.takeError());
  auto packed = (*engine)->lookupPacked("_mlir_ciface_" + signature->function);
  if (!packed)
    return emitError(module.getLoc())
           << "JIT entry point missing: " << llvm::toString(packed.takeError());

  std::unique_ptr<JitModel> model(new JitModel());
  model->signature_ = std::move(*signature);
  model->engine_ = std::move(*engine);
  model->entry_ = *packed;
  return model;
}

bool JitModel::run(const std::vector<TensorRef> &inputs, std::vector<HostTensor> &results,
                   std::string &error) const {
  const ModelSignature &sig = signature_;
  if (inputs.size() != sig.inputs.size()) {
    error = "expected " + std::to_string(sig.inputs.size()) + " inputs, got " +
            std::to_string(inputs.size());
    return false;
  }
  std::vector<std::vector<int64_t>> shapes;
  std::vector<const void *> data;
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
  }
  std::vector<int64_t> symbols;
  if (!bindSymbols(sig, shapes, data, symbols, error))
    return false;

  std::vector<std::vector<int64_t>> descriptors;
  descriptors.reserve(inputs.size());
  for (const TensorRef &input : inputs) {
    size_t rank = input.shape.size();
    std::vector<int64_t> desc(descriptorFields(rank));
    desc[0] = desc[1] = reinterpret_cast<intptr_t>(input.data);
    desc[2] = 0;
    int64_t stride = 1;
    for (size_t d = rank; d-- > 0;) {
      desc[3 + d] = input.shape[d];
      desc[3 + rank + d] = stride;
      stride *= input.shape[d];
    }
    descriptors.push_back(std::move(desc));
  }
  size_t resultFields = 0;
  for (const TensorSpec &spec : sig.results)
    resultFields += descriptorFields(spec.shape.size());
  std::vector<int64_t> resultBuffer(resultFields);

  std::vector<void *> pointers;
  std::vector<void **> args;
  pointers.reserve(inputs.size() + 1);
  if (!sig.results.empty())
    pointers.push_back(resultBuffer.data());
  for (auto &desc : descriptors)
    pointers.push_back(desc.data());
  for (void *&p : pointers)
    args.push_back(&p);
  entry_(reinterpret_cast<void **>(args.data()));

  // Copy every result out, then free each heap buffer once (never an input).
  llvm::SmallPtrSet<void *, 8> owned, inputPointers;
  for (const TensorRef &input : inputs)
    inputPointers.insert(const_cast<void *>(input.data));
  results.clear();
  size_t field = 0;
  for (const TensorSpec &spec : sig.results) {
    size_t rank = spec.shape.size();
    const int64_t *desc = resultBuffer.data() + field;
    field += descriptorFields(rank);
    HostTensor tensor;
    tensor.name = spec.name;
    tensor.elementType = spec.elementType;
    tensor.shape.assign(desc + 3, desc + 3 + rank);
    size_t width = elementSize(spec.elementType);
    tensor.bytes.resize(tensor.numElements() * width);
    const char *base = reinterpret_cast<const char *>(desc[1]) + desc[2] * width;
    // Results are fresh row-major buffers: one copy. Anything else (a strided
    // view) is gathered element by element.
    bool contiguous = true;
    for (int64_t d = rank, stride = 1; d-- > 0;) {
      if (tensor.shape[d] != 1 && desc[3 + rank + d] != stride)
        contiguous = false;
      stride *= tensor.shape[d];
    }
    if (contiguous) {
      if (!tensor.bytes.empty())
        std::memcpy(tensor.bytes.data(), base, tensor.bytes.size());
    } else {
      std::vector<int64_t> index(rank, 0);
      for (int64_t n = 0, total = tensor.numElements(); n < total; ++n) {
        int64_t offset = 0;
        for (size_t d = 0; d < rank; ++d)
          offset += index[d] * desc[3 + rank + d];
        std::memcpy(tensor.bytes.data() + n * width, base + offset * width, width);
        for (size_t d = rank; d-- > 0;) {
          if (++index[d] < tensor.shape[d])
            break;
          index[d] = 0;
        }
      }
    }
    results.push_back(std::move(tensor));
    void *allocated = reinterpret_cast<void *>(desc[0]);
    if (desc[0] != kGlobalSentinel && !inputPointers.count(allocated))
      owned.insert(allocated);
  }
  for (void *p : owned)
    std::free(p);
  return true;
}
