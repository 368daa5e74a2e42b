#include "rnnc/API/Compile.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Pass/PassManager.h"
#include "rnnc/Dialect/Rnn/Transforms/Passes.h"
#include "rnnc/Pipelines/Pipelines.h"

#include <map>

using namespace mlir;
using namespace mlir::rnnc;

bool mlir::rnnc::isValidModelName(StringRef name) {
  if (name.empty() || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
    return false;
  return llvm::all_of(name, [](char c) { return isalnum((unsigned char)c) || c == '_'; });
}

namespace {
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

/// Fixes every batch-sized input dimension to `batch`: the arguments get the
/// static type and a tensor.cast back to the dynamic one feeds the body.
void specializeBatch(func::FuncOp func, const ModelSignature &signature, int64_t batch) {
  OpBuilder builder(func.getBody());
  SmallVector<Type> argTypes(func.getArgumentTypes());
  for (auto [i, spec] : llvm::enumerate(signature.inputs)) {
    BlockArgument arg = func.getArgument(i);
    auto type = cast<RankedTensorType>(arg.getType());
    SmallVector<int64_t> shape(type.getShape());
    bool changed = false;
    for (auto [d, symbol] : llvm::enumerate(spec.dimSymbols))
      if (symbol >= 0 && symbol == signature.batchSymbol) {
        shape[d] = batch;
        changed = true;
      }
    if (!changed)
      continue;
    auto fixed = RankedTensorType::get(shape, type.getElementType());
    arg.setType(fixed);
    auto cast = builder.create<tensor::CastOp>(arg.getLoc(), type, arg);
    arg.replaceAllUsesExcept(cast, cast);
    argTypes[i] = fixed;
  }
  func.setFunctionType(
      FunctionType::get(func.getContext(), argTypes, func.getFunctionType().getResults()));
}
/// Sums the sizes of every memref.alloc in the bufferized `func` (an upper
/// bound of what is live at once: allocations in loops count once) as terms
/// over the signature's run-time sizes.
std::string estimateHeapPerCall(func::FuncOp func, const ModelSignature &signature) {
  std::map<std::vector<int>, int64_t> terms; // sorted symbols -> bytes
  bool unknown = false;
  func.walk([&](memref::AllocOp alloc) {
    MemRefType type = alloc.getType();
    int64_t bytes = std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
    std::vector<int> symbols;
    unsigned next = 0;
    for (int64_t size : type.getShape()) {
      if (!ShapedType::isDynamic(size)) {
        bytes *= size;
        continue;
      }
      Value operand = alloc.getDynamicSizes()[next++];
      if (std::optional<int64_t> constant = getConstantIntValue(operand)) {
        bytes *= *constant;
        continue;
      }
      auto dim = operand.getDefiningOp<memref::DimOp>();
      auto arg = dim ? dyn_cast<BlockArgument>(dim.getSource()) : BlockArgument();
      std::optional<int64_t> index = dim ? dim.getConstantIndex() : std::nullopt;
      if (!arg || !index || arg.getOwner()->getParentOp() != func ||
          arg.getArgNumber() >= signature.inputs.size()) {
        unknown = true;
        return;
      }
      const TensorSpec &spec = signature.inputs[arg.getArgNumber()];
      if (spec.dimSymbols[*index] >= 0)
        symbols.push_back(spec.dimSymbols[*index]);
      else
        bytes *= spec.shape[*index];
    }
    llvm::sort(symbols);
    terms[symbols] += bytes;
  });
  std::vector<std::pair<std::vector<int>, int64_t>> ordered(terms.begin(), terms.end());
  llvm::stable_sort(ordered, [](auto &a, auto &b) { return a.first.size() > b.first.size(); });
  std::string text;
  for (auto &[symbols, bytes] : ordered) {
    if (bytes == 0)
      continue;
    text += (text.empty() ? "" : " + ") + std::to_string(bytes);
    for (int symbol : symbols)
      text += "*" + signature.symbols[symbol];
  }
  if (text.empty())
    text = "0";
  if (unknown)
    text += " + sizes known only at run time";
  return text;
}
} // namespace

FailureOr<LoweredModel> mlir::rnnc::lowerModel(ModuleOp module, const CompileOptions &options) {
  Location loc = module.getLoc();
  if (!isValidModelName(options.name))
    return emitError(loc) << "model name '" << options.name
                          << "' is not a C identifier ([A-Za-z_][A-Za-z0-9_]*)";
  if (options.batch < 0 || options.maxBatch < 0)
    return emitError(loc) << "batch sizes must not be negative";
  LoweredModel lowered;
  lowered.module = module.clone();
  ModuleOp clone = *lowered.module;
  FailureOr<func::FuncOp> entry = findEntry(clone, options.function);
  if (failed(entry))
    return failure();
  // Only the entry becomes the model; other public functions would be dead
  // external symbols in the object.
  for (auto func : llvm::make_early_inc_range(clone.getOps<func::FuncOp>()))
    if (func != *entry && func.isPublic())
      func.setPrivate();
  MLIRContext *context = module.getContext();
  if (options.exposeState) {
    PassManager pm(context);
    pm.addPass(rnn::createRnnExposeState());
    if (failed(pm.run(clone)))
      return failure();
  }
  FailureOr<ModelSignature> signature = analyzeSignature(*entry);
  if (failed(signature))
    return failure();
  if (signature->results.empty())
    return emitError(entry->getLoc()) << "the model function returns nothing";
  for (const TensorSpec &spec : signature->inputs)
    if (spec.shape.size() > 8)
      return emitError(entry->getLoc()) << "input '" << spec.name << "' has rank "
                                        << spec.shape.size() << "; the runtime handles up to 8";
  if (options.batch > 0) {
    if (signature->batchSymbol < 0)
      return emitError(entry->getLoc())
             << "--batch needs a dynamic batch dimension; this model's batch is static";
    context->getOrLoadDialect<tensor::TensorDialect>();
    specializeBatch(*entry, *signature, options.batch);
    // The batch symbol becomes the static size everywhere it appears.
    for (auto *specs : {&signature->inputs, &signature->results})
      for (TensorSpec &spec : *specs)
        for (auto [size, symbol] : llvm::zip(spec.shape, spec.dimSymbols))
          if (symbol == signature->batchSymbol) {
            size = options.batch;
            symbol = -1;
          }
    signature->batchSymbol = -1;
    signature->staticBatch = options.batch;
  }
  (*entry)->setAttr("llvm.emit_c_interface", UnitAttr::get(context));
  dropNameAttributes(*entry);

  CpuPipelineOptions pipelineOptions;
  pipelineOptions.vectorWidth = options.vectorWidth;
  pipelineOptions.accumulators = options.accumulators;
  pipelineOptions.genericCells = options.genericCells;
  pipelineOptions.rowBlock = options.rowBlock;
  pipelineOptions.projectInputsAboveBytes = options.projectInputsAboveBytes;
  pipelineOptions.halideProjection = options.halideProjection;
  pipelineOptions.threads = options.threads;
  PassManager toBuffers(context);
  buildCpuBufferizationPipeline(toBuffers, pipelineOptions);
  if (failed(toBuffers.run(clone)))
    return failure();
  lowered.heapPerCall = estimateHeapPerCall(*entry, *signature);
  PassManager toLLVM(context);
  buildCpuToLLVMPipeline(toLLVM, pipelineOptions);
  if (failed(toLLVM.run(clone)))
    return failure();
  lowered.signature = std::move(*signature);
  lowered.entry = lowered.signature.function;
  return lowered;
}
