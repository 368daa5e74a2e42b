#include "rnnc/API/Compile.h"
#include "rnnc/Target/Cpu/CpuTarget.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Pass/PassManager.h"
#include "rnnc/Dialect/Rnn/Transforms/Passes.h"
#include "rnnc/Conversion/ExecCalls.h"
#include "rnnc/Conversion/Passes.h"
#include "rnnc/Pipelines/Pipelines.h"
#include "rnnc/Target/CHeader/CIdentifiers.h"
#include "rnnc/Target/Cuda/CudaTarget.h"

#include <map>

using namespace mlir;
using namespace mlir::rnnc;

std::string HeapBound::format(ArrayRef<std::string> symbolNames) const {
  std::string text;
  for (const Term &term : terms) {
    text += (text.empty() ? "" : " + ") + std::to_string(term.bytes);
    for (int symbol : term.symbols)
      text += "*" + symbolNames[symbol];
  }
  if (text.empty())
    text = "0";
  if (unknown)
    text += " + sizes known only at run time";
  return text;
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

/// Boolean inputs (masks) arrive as one byte per element, any non-zero byte
/// true as in numpy; an i1 argument would read only each byte's low bit (2
/// would be false). Each becomes an i8 argument compared with zero first.
void takeBoolInputsAsBytes(func::FuncOp func) {
  MLIRContext *context = func.getContext();
  Block &body = func.front();
  OpBuilder builder = OpBuilder::atBlockBegin(&body);
  SmallVector<Type> argTypes(func.getArgumentTypes());
  for (BlockArgument arg : body.getArguments()) {
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    if (!type || !type.getElementType().isInteger(1))
      continue;
    Location loc = arg.getLoc();
    auto bytes = RankedTensorType::get(type.getShape(), builder.getI8Type());
    arg.setType(bytes);
    argTypes[arg.getArgNumber()] = bytes;
    SmallPtrSet<Operation *, 8> users;
    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d))
        continue;
      auto dim = builder.create<tensor::DimOp>(loc, arg, d);
      users.insert(dim);
      dynamicSizes.push_back(dim);
    }
    Value init = builder.create<tensor::EmptyOp>(loc, type.getShape(), builder.getI1Type(),
                                                 dynamicSizes);
    SmallVector<AffineMap> maps(2, builder.getMultiDimIdentityMap(type.getRank()));
    SmallVector<utils::IteratorType> iterators(type.getRank(), utils::IteratorType::parallel);
    auto truth = builder.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{arg}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange values) {
          Value zero = b.create<arith::ConstantIntOp>(l, 0, 8);
          Value nonZero = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, values[0], zero);
          b.create<linalg::YieldOp>(l, nonZero);
        });
    users.insert(truth);
    arg.replaceAllUsesExcept(truth.getResult(0), users);
  }
  func.setFunctionType(FunctionType::get(context, argTypes, func.getFunctionType().getResults()));
}

/// A dimension size in terms of the signature: a static size or a symbol.
struct SizeFactor {
  int64_t staticSize = 1;
  int symbol = -1;
};

/// Follows a memref dimension back to the function's inputs: through
/// allocations sized by other dimensions, loop-carried values, casts and
/// views (subviews, reshapes).
std::optional<SizeFactor> resolveDim(Value memref, int64_t index,
                                     const ModelSignature &signature, func::FuncOp func,
                                     int depth);

/// Whether an index value is known not to be negative: a constant >= 0, a
/// dimension, the max with one such or the min of two.
bool isNonNegative(Value value, int depth = 0) {
  if (std::optional<int64_t> constant = getConstantIntValue(value))
    return *constant >= 0;
  if (depth > 8)
    return false;
  Operation *def = value.getDefiningOp();
  if (isa_and_nonnull<memref::DimOp, tensor::DimOp>(def))
    return true;
  if (auto max = dyn_cast_or_null<arith::MaxSIOp>(def))
    return isNonNegative(max.getLhs(), depth + 1) || isNonNegative(max.getRhs(), depth + 1);
  if (auto min = dyn_cast_or_null<arith::MinSIOp>(def))
    return isNonNegative(min.getLhs(), depth + 1) && isNonNegative(min.getRhs(), depth + 1);
  return false;
}

std::optional<SizeFactor> resolveSize(OpFoldResult size, const ModelSignature &signature,
                                      func::FuncOp func, int depth) {
  if (std::optional<int64_t> constant = getConstantIntValue(size))
    return SizeFactor{*constant, -1};
  if (!isa<Value>(size) || depth > 16)
    return std::nullopt;
  // Sizes clamped at run time (ONNX Slice on a run-time dimension) are at
  // most the operand they are clamped from: min(a, b) <= either, max(a, c)
  // and select(x, a, c) <= a for a constant c <= 0, a - b <= a for b >= 0,
  // a + c <= a for c <= 0.
  Operation *def = cast<Value>(size).getDefiningOp();
  auto nonPositive = [](Value v) {
    std::optional<int64_t> constant = getConstantIntValue(v);
    return constant && *constant <= 0;
  };
  if (auto min = dyn_cast_or_null<arith::MinSIOp>(def)) {
    if (auto bound = resolveSize(min.getRhs(), signature, func, depth + 1))
      return bound;
    return resolveSize(min.getLhs(), signature, func, depth + 1);
  }
  // max(a, c) and a + c with a constant c <= 0, either way round.
  auto boundedByOther = [&](Value lhs, Value rhs) -> std::optional<SizeFactor> {
    if (nonPositive(rhs))
      return resolveSize(lhs, signature, func, depth + 1);
    if (nonPositive(lhs))
      return resolveSize(rhs, signature, func, depth + 1);
    return std::nullopt;
  };
  if (auto max = dyn_cast_or_null<arith::MaxSIOp>(def))
    return boundedByOther(max.getLhs(), max.getRhs());
  // select(c, a, 0): a size emptied where a run-time check fails
  // (rnnc-guard-tensor-indices).
  if (auto select = dyn_cast_or_null<arith::SelectOp>(def))
    return boundedByOther(select.getTrueValue(), select.getFalseValue());
  if (auto add = dyn_cast_or_null<arith::AddIOp>(def))
    return boundedByOther(add.getLhs(), add.getRhs());
  if (auto sub = dyn_cast_or_null<arith::SubIOp>(def))
    return isNonNegative(sub.getRhs())
               ? resolveSize(sub.getLhs(), signature, func, depth + 1)
               : std::nullopt;
  auto dim = dyn_cast_or_null<memref::DimOp>(def);
  std::optional<int64_t> index = dim ? dim.getConstantIndex() : std::nullopt;
  if (!index)
    return std::nullopt;
  return resolveDim(dim.getSource(), *index, signature, func, depth);
}

std::optional<SizeFactor> resolveDim(Value memref, int64_t index,
                                     const ModelSignature &signature, func::FuncOp func,
                                     int depth) {
  auto type = dyn_cast<MemRefType>(memref.getType());
  if (!type || index >= type.getRank() || depth > 16)
    return std::nullopt;
  if (!type.isDynamicDim(index))
    return SizeFactor{type.getDimSize(index), -1};
  if (auto arg = dyn_cast<BlockArgument>(memref)) {
    Operation *owner = arg.getOwner()->getParentOp();
    if (owner == func) {
      if (arg.getArgNumber() >= signature.inputs.size())
        return std::nullopt;
      const TensorSpec &spec = signature.inputs[arg.getArgNumber()];
      if (spec.dimSymbols[index] >= 0)
        return SizeFactor{1, spec.dimSymbols[index]};
      return SizeFactor{spec.shape[index], -1};
    }
    if (auto loop = dyn_cast<LoopLikeOpInterface>(owner))
      if (OpOperand *init = loop.getTiedLoopInit(arg))
        return resolveDim(init->get(), index, signature, func, depth + 1);
    return std::nullopt;
  }
  Operation *def = memref.getDefiningOp();
  if (auto alloc = dyn_cast<memref::AllocOp>(def))
    return resolveSize(alloc.getDynamicSizes()[type.getDynamicDimIndex(index)], signature, func,
                       depth + 1);
  if (auto cast = dyn_cast<memref::CastOp>(def))
    return resolveDim(cast.getSource(), index, signature, func, depth + 1);
  // Either of two buffers of one size (rnnc-hoist-step-buffers' alternating
  // state buffers).
  if (auto select = dyn_cast<arith::SelectOp>(def)) {
    std::optional<SizeFactor> onTrue =
        resolveDim(select.getTrueValue(), index, signature, func, depth + 1);
    std::optional<SizeFactor> onFalse =
        resolveDim(select.getFalseValue(), index, signature, func, depth + 1);
    if (onTrue && onFalse && onTrue->staticSize == onFalse->staticSize &&
        onTrue->symbol == onFalse->symbol)
      return onTrue;
    return std::nullopt;
  }
  if (auto subview = dyn_cast<memref::SubViewOp>(def)) {
    // The result's dimension `index` is the index-th size the subview keeps.
    llvm::SmallBitVector dropped = subview.getDroppedDims();
    SmallVector<OpFoldResult> sizes = subview.getMixedSizes();
    for (int64_t d = 0, kept = 0; d < (int64_t)sizes.size(); ++d) {
      if (dropped.test(d))
        continue;
      if (kept++ == index)
        return resolveSize(sizes[d], signature, func, depth + 1);
    }
    return std::nullopt;
  }
  if (auto expand = dyn_cast<memref::ExpandShapeOp>(def))
    return resolveSize(expand.getOutputShape()[type.getDynamicDimIndex(index)], signature, func,
                       depth + 1);
  if (auto collapse = dyn_cast<memref::CollapseShapeOp>(def)) {
    // A product of source dimensions, with at most one run-time size.
    SizeFactor product;
    for (int64_t d : collapse.getReassociationIndices()[index]) {
      std::optional<SizeFactor> factor =
          resolveDim(collapse.getSrc(), d, signature, func, depth + 1);
      if (!factor || (factor->symbol >= 0 && product.symbol >= 0))
        return std::nullopt;
      product.staticSize *= factor->staticSize;
      if (factor->symbol >= 0)
        product.symbol = factor->symbol;
    }
    return product;
  }
  if (auto loop = dyn_cast<LoopLikeOpInterface>(def)) {
    auto results = loop.getLoopResults();
    auto inits = loop.getInitsMutable();
    unsigned number = cast<OpResult>(memref).getResultNumber();
    if (results && number < inits.size())
      return resolveDim(inits[number].get(), index, signature, func, depth + 1);
  }
  return std::nullopt;
}

/// Sums the sizes of every memref.alloc in the bufferized `func` (an upper
/// bound of what is live at once: allocations in loops count twice, the one
/// of this iteration and the one carried from the last) as terms over the
/// signature's run-time sizes: the workspace an instance reserves per call.
/// test/Unit/WorkspaceTest.cpp checks it against what calls take.
HeapBound estimateHeapPerCall(func::FuncOp func, const ModelSignature &signature) {
  std::map<std::vector<int>, int64_t> terms; // sorted symbols -> bytes
  HeapBound bound;
  func.walk([&](memref::AllocOp alloc) {
    MemRefType type = alloc.getType();
    Type element = type.getElementType();
    // A buffer allocated in a loop may be carried into the next iteration,
    // which allocates another before the first is freed.
    int64_t copies = alloc->getParentOfType<LoopLikeOpInterface>() ? 2 : 1;
    int64_t bytes =
        copies * (element.isIndex() ? 8 : std::max<int64_t>(1, type.getElementTypeBitWidth() / 8));
    std::vector<int> symbols;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      std::optional<SizeFactor> factor = resolveDim(alloc, d, signature, func, 0);
      if (!factor) {
        bound.unknown = true;
        return;
      }
      bytes *= factor->staticSize;
      if (factor->symbol >= 0)
        symbols.push_back(factor->symbol);
    }
    llvm::sort(symbols);
    terms[symbols] += bytes;
    // The LLVM lowering over-allocates by the alignment to align by hand, and
    // the runtime's workspace places blocks at multiples of 64 bytes.
    terms[{}] += copies * (alloc.getAlignment().value_or(0) + 64);
  });
  // The Halide projection mallocs a panel of the kernel, depth x 32 floats
  // (runtime/halide), plus Halide's alignment slack, once per thread.
  func.walk([&](func::CallOp call) {
    if (call.getCallee() != "rnnrt_halide_project_inputs")
      return;
    std::optional<int64_t> depth = getConstantIntValue(call.getOperand(3));
    int64_t copies = 1;
    if (auto parallel = call->getParentOfType<scf::ParallelOp>()) {
      std::optional<int64_t> threads = getConstantIntValue(parallel.getUpperBound()[0]);
      copies = threads.value_or(-1);
    }
    if (!depth || copies < 0)
      bound.unknown = true;
    else
      terms[{}] += copies * (*depth * 32 * 4 + 512);
  });
  for (auto &[symbols, bytes] : terms)
    if (bytes != 0)
      bound.terms.push_back({bytes, symbols});
  // Most factors first, then by symbols (the map's order; keys are unique).
  llvm::sort(bound.terms, [](const HeapBound::Term &a, const HeapBound::Term &b) {
    if (a.symbols.size() != b.symbols.size())
      return a.symbols.size() > b.symbols.size();
    return a.symbols < b.symbols;
  });
  return bound;
}
/// Gives `entry` the runtime's exec as its first argument (ConvertMallocToRnnrt).
void addExecArgument(func::FuncOp entry) {
  MLIRContext *context = entry.getContext();
  context->getOrLoadDialect<LLVM::LLVMDialect>();
  entry.insertArgument(0, LLVM::LLVMPointerType::get(context), {}, entry.getLoc());
  entry->setAttr(kExecAttrName, UnitAttr::get(context));
}

/// The CUDA target after bufferization: kernels to PTX (and a cubin when
/// ptxas is there), the entry's host code to the LLVM dialect taking the
/// runtime's rnnrt_cuda_exec as its first argument.
LogicalResult lowerCudaKernelsAndHost(LoweredModel &lowered, func::FuncOp entry,
                                      const CompileOptions &options) {
  ModuleOp module = *lowered.module;
  MLIRContext *context = module.getContext();
  Location loc = module.getLoc();
  CudaPipelineOptions cudaOptions;
  cudaOptions.chip = options.cudaChip;
  cudaOptions.perStep = options.cudaPerStep;
  cudaOptions.lanes = options.cudaLanes;
  cudaOptions.sharedWeightBytes = options.cudaSharedWeightBytes;
  cudaOptions.wavefront = options.wavefront;
  std::string toolkit = options.cudaToolkit.empty() ? findCudaToolkit() : options.cudaToolkit;
  if (toolkit.empty())
    return emitError(loc) << "no CUDA toolkit found (for libdevice): set CUDA_HOME or install it "
                             "in /usr/local/cuda";
  cudaOptions.toolkit = toolkit;
  PassManager kernels(context);
  buildCudaKernelPipeline(kernels, cudaOptions);
  if (failed(kernels.run(module)))
    return failure();
  FailureOr<std::string> ptx = extractPtx(module, options.cudaChip);
  if (failed(ptx))
    return failure();
  lowered.ptx = std::move(*ptx);
  if (std::string ptxas = findPtxas(toolkit); !ptxas.empty()) {
    FailureOr<std::string> cubin = assembleCubin(loc, lowered.ptx, options.cudaChip, ptxas);
    if (failed(cubin))
      return failure();
    lowered.cubin = std::move(*cubin);
  }

  addExecArgument(entry);
  PassManager host(context);
  buildCudaHostToLLVMPipeline(host);
  if (failed(host.run(module)))
    return failure();
  for (Attribute name : module->getAttrOfType<ArrayAttr>("rnnc.cuda_kernels"))
    lowered.cudaKernels.push_back(cast<StringAttr>(name).str());
  lowered.cudaConstants =
      module->getAttrOfType<IntegerAttr>("rnnc.cuda_constants").getValue().getZExtValue();
  module->removeAttr("rnnc.cuda_kernels");
  module->removeAttr("rnnc.cuda_constants");
  return success();
}
} // namespace

bool mlir::rnnc::parseStatePair(StringRef text, std::pair<std::string, std::string> &pair,
                                std::string &error) {
  auto [input, output] = text.split('=');
  if (input.empty() || output.empty() || output.contains('=')) {
    error = "a state pair is INPUT=OUTPUT (an input that is the state of an output), got '" +
            text.str() + "'";
    return false;
  }
  pair = {input.str(), output.str()};
  return true;
}

/// Marks the inputs CompileOptions::statePairs names as the state of their
/// outputs (kStateOfAttrName), replacing pairs the importer found for them.
static LogicalResult applyStatePairs(func::FuncOp func,
                                     ArrayRef<std::pair<std::string, std::string>> pairs) {
  auto names = [&](bool inputs) {
    std::string list;
    unsigned count = inputs ? func.getNumArguments() : func.getNumResults();
    for (unsigned i = 0; i < count; ++i) {
      auto name = inputs ? func.getArgAttrOfType<StringAttr>(i, "rnn.name")
                         : func.getResultAttrOfType<StringAttr>(i, "rnn.name");
      if (name)
        list += (list.empty() ? "" : ", ") + name.str();
    }
    return list.empty() ? std::string("none") : list;
  };
  for (const auto &[input, output] : pairs) {
    std::optional<unsigned> arg, result;
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      if (auto name = func.getArgAttrOfType<StringAttr>(i, "rnn.name"); name && name == input)
        arg = i;
    for (unsigned i = 0; i < func.getNumResults(); ++i)
      if (auto name = func.getResultAttrOfType<StringAttr>(i, "rnn.name"); name && name == output)
        result = i;
    if (!arg)
      return emitError(func.getLoc()) << "the state pair " << input << "=" << output << " names '"
                                      << input << "', which is not an input (inputs: "
                                      << names(true) << ")";
    if (!result)
      return emitError(func.getLoc()) << "the state pair " << input << "=" << output << " names '"
                                      << output << "', which is not an output (outputs: "
                                      << names(false) << ")";
    // An output another input was paired with is taken over by this one.
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      if (auto stateOf = func.getArgAttrOfType<StringAttr>(i, kStateOfAttrName);
          stateOf && stateOf == output)
        func.removeArgAttr(i, kStateOfAttrName);
    func.setArgAttr(*arg, kStateOfAttrName, StringAttr::get(func.getContext(), output));
  }
  return success();
}

FailureOr<LoweredModel> mlir::rnnc::lowerModel(ModuleOp module, const CompileOptions &options) {
  Location loc = module.getLoc();
  if (std::string problem = modelNameProblem(options.name); !problem.empty())
    return emitError(loc) << problem;
  if (options.batch < 0 || options.maxBatch < 0)
    return emitError(loc) << "batch sizes must not be negative";
  if (options.threads < 1 || options.threads > kMaxThreads)
    return emitError(loc) << "threads must be between 1 and " << kMaxThreads << "; got "
                          << options.threads;
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
  if (failed(applyStatePairs(*entry, options.statePairs)))
    return failure();
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
  context->loadDialect<arith::ArithDialect, linalg::LinalgDialect, tensor::TensorDialect>();
  takeBoolInputsAsBytes(*entry);

  bool cuda = !options.cudaChip.empty();
  if (cuda && options.gpuOnHost)
    return emitError(loc) << "the GPU emulation is a CPU build; it takes no CUDA target";
  if (!cuda && !options.gpuOnHost && options.cudaPerStep)
    return emitError(loc) << "per-step kernels (--cuda-per-step) are an option of the CUDA "
                             "target (--target cuda or --gpu-on-host)";
  if (!cuda && !options.gpuOnHost && options.cudaLanes != 0)
    return emitError(loc) << "lanes (--cuda-lanes) are an option of the CUDA target (--target "
                             "cuda or --gpu-on-host)";
  if (options.cudaSharedWeightBytes < 0 || options.cudaSharedWeightBytes > 48 * 1024)
    return emitError(loc) << "shared weight bytes (--cuda-shared-weight-bytes) must be between 0 "
                             "and 49152 (a block's static shared memory); got "
                          << options.cudaSharedWeightBytes;
  if (options.cudaLanes != 0 &&
      (options.cudaLanes < 1 || options.cudaLanes > 32 ||
       !llvm::isPowerOf2_64(static_cast<uint64_t>(options.cudaLanes)) ||
       (options.gpuOnHost && options.gpuOnHostThreads % options.cudaLanes != 0)))
    return emitError(loc) << "lanes (--cuda-lanes) must be 1, 2, 4, 8, 16 or 32"
                          << (options.gpuOnHost ? ", dividing the emulated block's threads" : "")
                          << "; got " << options.cudaLanes;
  SmallVector<StringRef> precisions;
  StringRef(options.precision).split(precisions, ',');
  for (StringRef precision : precisions) {
    if (precision != "f32" && precision != "bf16" && precision != "int8")
      return emitError(loc) << "precision must be f32, bf16 or int8, or a comma-separated list "
                               "of them with one per layer; not '"
                            << options.precision << "'";
    if ((cuda || options.gpuOnHost) && precision != "f32")
      return emitError(loc) << "precision " << options.precision
                            << " is a CPU option; the CUDA target computes in f32";
  }
  if (cuda && (options.threads > 1 || options.halideProjection))
    return emitError(loc) << "threads and the Halide projection are CPU options; the CUDA "
                             "target takes neither";
  CpuPipelineOptions pipelineOptions;
  pipelineOptions.vectorWidth = options.vectorWidth;
  pipelineOptions.accumulators = options.accumulators;
  pipelineOptions.rowBlock = options.rowBlock;
  pipelineOptions.projectInputsAboveBytes = options.projectInputsAboveBytes;
  pipelineOptions.halideProjection = options.halideProjection;
  pipelineOptions.threads = options.threads;
  pipelineOptions.precision = options.precision;
  pipelineOptions.vnni = cpuHasFeature(CpuTargetOptions{options.cpu}, "avx512vnni");
  pipelineOptions.avx512Bf16 = cpuHasFeature(CpuTargetOptions{options.cpu}, "avx512bf16");
  PassManager toBuffers(context);
  if (cuda || options.gpuOnHost)
    buildCudaBufferizationPipeline(toBuffers);
  else
    buildCpuBufferizationPipeline(toBuffers, pipelineOptions);
  if (failed(toBuffers.run(clone)))
    return failure();
  // Kept until here for the messages of rnnc-guard-tensor-indices.
  dropNameAttributes(*entry);
  lowered.heapPerCall = estimateHeapPerCall(*entry, *signature);
  if (cuda) {
    if (failed(lowerCudaKernelsAndHost(lowered, *entry, options)))
      return failure();
  } else {
    PassManager toLLVM(context);
    if (options.gpuOnHost)
      buildGpuOnHostPipeline(toLLVM, options.cudaPerStep, options.gpuOnHostThreads,
                             options.gpuOnHostBlocks, options.cudaLanes,
                             options.cudaSharedWeightBytes, options.wavefront);
    buildCpuToLLVMPipeline(toLLVM, pipelineOptions);
    // The kernel's temporaries and results from the instance's workspace.
    toLLVM.addPass(createConvertMallocToRnnrt());
    addExecArgument(*entry);
    if (failed(toLLVM.run(clone)))
      return failure();
  }
  for (auto func : clone.getOps<LLVM::LLVMFuncOp>())
    func->removeAttr(kExecAttrName);
  lowered.signature = std::move(*signature);
  lowered.entry = lowered.signature.function;
  return lowered;
}
