#include "rnnc/API/Compile.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/PassManager.h"
#include "rnnc/Dialect/Rnn/Transforms/Passes.h"
#include "rnnc/Pipelines/Pipelines.h"

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

  PassManager pm(context);
  CpuPipelineOptions pipelineOptions;
  pipelineOptions.vectorWidth = options.vectorWidth;
  pipelineOptions.accumulators = options.accumulators;
  buildCpuPipeline(pm, pipelineOptions);
  if (failed(pm.run(clone)))
    return failure();
  lowered.signature = std::move(*signature);
  lowered.entry = lowered.signature.function;
  return lowered;
}
