// The operations, types and attributes an untrusted model may contain
// (docs/dialect.md, "What a model file may contain"; docs/security.md).
// Everything here is pure tensor computation: a model names no code outside
// itself, so that loading and compiling it can never run anything but the
// kernel rnnc generates from it.

#include "rnnc/API/ModelFile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace {
/// Dialects whose every operation is a pure computation on values.
constexpr StringLiteral kAllowedDialects[] = {"arith", "math", "linalg", "rnn"};

/// Operations of the other dialects a model may use.
constexpr StringLiteral kAllowedOps[] = {
    "builtin.module",       "func.func",           "func.return",          "func.call",
    "tensor.empty",         "tensor.dim",          "tensor.cast",          "tensor.extract",
    "tensor.insert",        "tensor.extract_slice", "tensor.insert_slice", "tensor.expand_shape",
    "tensor.collapse_shape", "tensor.from_elements", "tensor.splat",       "tensor.pad",
    "tensor.generate",      "tensor.yield",        "tensor.concat",        "tensor.rank",
};

bool isAllowedOp(Operation *op) {
  StringRef name = op->getName().getStringRef();
  if (llvm::is_contained(kAllowedOps, name))
    return true;
  return op->getName().isRegistered() &&
         llvm::is_contained(kAllowedDialects, op->getName().getDialectNamespace());
}

/// Scalars, vectors and ranked tensors of them, and the rnn dialect's types.
bool isAllowedType(Type type) {
  if (type.getDialect().getNamespace() == "rnn")
    return true;
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return !tensor.getEncoding() && isAllowedType(tensor.getElementType());
  if (auto vector = dyn_cast<VectorType>(type))
    return isAllowedType(vector.getElementType());
  return isa<IntegerType, IndexType, FloatType>(type);
}

/// Attributes beyond an operation's own must be rnnc's (`rnn.` prefixed) or
/// its dialect's (`linalg.memoized_indexing_maps`, which linalg adds itself);
/// others (`llvm.linkage`, `passthrough`, ...) steer the LLVM lowering. Functions
/// and modules take only `rnn.` ones.
LogicalResult checkDiscardableAttributes(Operation *op, DictionaryAttr attributes,
                                         StringRef what) {
  if (!attributes)
    return success();
  StringRef dialect = op->getName().getDialectNamespace();
  bool ownAllowed = dialect != "builtin" && dialect != "func";
  for (NamedAttribute attribute : attributes) {
    StringRef name = attribute.getName().strref();
    if (name.starts_with("rnn.") ||
        (ownAllowed && name.consume_front(dialect) && name.starts_with(".")))
      continue;
    return op->emitError() << what << " '" << attribute.getName().strref()
                           << "' is not allowed in a model file (only 'rnn.' attributes are)";
  }
  return success();
}

LogicalResult checkFunction(func::FuncOp func) {
  if (func.isExternal())
    return func.emitError() << "function declaration '@" << func.getSymName()
                            << "' is not allowed in a model file: every function needs a body "
                               "(a model may not call code outside itself)";
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    if (failed(checkDiscardableAttributes(func, func.getArgAttrDict(i), "argument attribute")))
      return failure();
  for (unsigned i = 0; i < func.getNumResults(); ++i)
    if (failed(checkDiscardableAttributes(func, func.getResultAttrDict(i), "result attribute")))
      return failure();
  return success();
}

LogicalResult checkOperation(Operation *op, ModuleOp module) {
  if (!isAllowedOp(op))
    return op->emitError() << "operation '" << op->getName()
                           << "' is not allowed in a model file (docs/dialect.md lists the "
                              "operations a model may use)";
  if (failed(checkDiscardableAttributes(op, op->getDiscardableAttrDictionary(), "attribute")))
    return failure();
  for (Type type : op->getResultTypes())
    if (!isAllowedType(type))
      return op->emitError() << "type " << type << " is not allowed in a model file";
  for (Region &region : op->getRegions())
    for (Block &block : region)
      for (BlockArgument argument : block.getArguments())
        if (!isAllowedType(argument.getType()))
          return op->emitError() << "type " << argument.getType()
                                 << " is not allowed in a model file";
  // MLIR 19's bufferization rebuilds an expand_shape from its types alone,
  // which cannot split one run-time size into several: it crashed rnnc.
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op))
    for (const ReassociationIndices &group : expand.getReassociationIndices())
      if (llvm::count_if(group, [&](int64_t d) { return expand.getResultType().isDynamicDim(d); }) >
          1)
        return op->emitError() << "tensor.expand_shape may split a dimension into at most one "
                                  "run-time size (rnnc cannot lower more)";
  if (auto func = dyn_cast<func::FuncOp>(op))
    return checkFunction(func);
  if (auto nested = dyn_cast<ModuleOp>(op); nested && nested != module)
    return op->emitError() << "nested modules are not allowed in a model file";
  // Every symbol an operation names must be a function of the model itself.
  if (std::optional<SymbolTable::UseRange> uses = SymbolTable::getSymbolUses(op)) {
    for (const SymbolTable::SymbolUse &use : *uses) {
      Operation *target = SymbolTable::lookupNearestSymbolFrom(op, use.getSymbolRef());
      auto func = dyn_cast_or_null<func::FuncOp>(target);
      if (!func || func.isExternal())
        return op->emitError() << "symbol " << use.getSymbolRef()
                               << " is not a function defined in the model";
    }
  }
  return success();
}
} // namespace

LogicalResult mlir::rnnc::checkModelAllowlist(ModuleOp module) {
  if (failed(checkDiscardableAttributes(module, module->getDiscardableAttrDictionary(), "attribute")))
    return failure();
  WalkResult result = module->walk<WalkOrder::PreOrder>([&](Operation *op) {
    return failed(checkOperation(op, module)) ? WalkResult::interrupt() : WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}
