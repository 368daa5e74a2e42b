#include "SumLoops.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

void rnnc::bufferRoots(Value value, llvm::SmallDenseSet<Value> &roots,
                       llvm::SmallDenseSet<Value> &visited) {
  if (!visited.insert(value).second)
    return;
  if (auto view = value.getDefiningOp<ViewLikeOpInterface>())
    return bufferRoots(view.getViewSource(), roots, visited);
  if (auto cast = value.getDefiningOp<memref::CastOp>())
    return bufferRoots(cast.getSource(), roots, visited);
  if (auto select = value.getDefiningOp<arith::SelectOp>()) {
    bufferRoots(select.getTrueValue(), roots, visited);
    return bufferRoots(select.getFalseValue(), roots, visited);
  }
  if (auto argument = dyn_cast<BlockArgument>(value)) {
    auto loop = dyn_cast<scf::ForOp>(argument.getOwner()->getParentOp());
    if (loop && argument.getArgNumber() > 0) {
      unsigned i = argument.getArgNumber() - 1;
      bufferRoots(loop.getInitArgs()[i], roots, visited);
      return bufferRoots(loop.getBody()->getTerminator()->getOperand(i), roots, visited);
    }
    roots.insert(Value());
    return;
  }
  roots.insert(value);
}

/// Whether a root is a buffer of its own: an allocation or a global.
static bool distinct(Value root) {
  return root && isa_and_nonnull<memref::AllocOp, memref::AllocaOp, memref::GetGlobalOp>(
                     root.getDefiningOp());
}

bool rnnc::mayAlias(Value a, Value b) {
  llvm::SmallDenseSet<Value> rootsOfA, rootsOfB, visitedA, visitedB;
  bufferRoots(a, rootsOfA, visitedA);
  bufferRoots(b, rootsOfB, visitedB);
  // Another op's result may be any buffer.
  auto opaque = [](Value root) { return root && !distinct(root); };
  if (llvm::any_of(rootsOfA, opaque) || llvm::any_of(rootsOfB, opaque))
    return true;
  return llvm::any_of(rootsOfA, [&](Value root) { return rootsOfB.contains(root); });
}

std::optional<rnnc::SumLoop> rnnc::matchSumLoop(scf::ForOp loop) {
  if (loop.getNumResults() > 0)
    return std::nullopt;
  SmallVector<memref::StoreOp> stores;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (auto store = dyn_cast<memref::StoreOp>(op))
      stores.push_back(store);
    else if (op.getNumRegions() > 0 || (!isa<memref::LoadOp>(op) && !isMemoryEffectFree(&op)))
      return std::nullopt;
  }
  if (stores.size() != 1)
    return std::nullopt;
  memref::StoreOp store = stores.front();
  if (!loop.isDefinedOutsideOfLoop(store.getMemRef()))
    return std::nullopt;
  auto add = store.getValueToStore().getDefiningOp<arith::AddFOp>();
  if (!add || !add->hasOneUse() ||
      !llvm::all_of(store.getIndices(), [&](Value i) { return loop.isDefinedOutsideOfLoop(i); }))
    return std::nullopt;
  for (Value operand : add->getOperands()) {
    auto load = operand.getDefiningOp<memref::LoadOp>();
    if (!load || !load->hasOneUse() || load.getMemRef() != store.getMemRef() ||
        !llvm::equal(load.getIndices(), store.getIndices()))
      continue;
    bool otherReads = llvm::any_of(loop.getBody()->getOps<memref::LoadOp>(), [&](auto other) {
      return other != load && mayAlias(other.getMemRef(), store.getMemRef());
    });
    if (!otherReads)
      return SumLoop{loop, load, add, store};
  }
  return std::nullopt;
}

Value rnnc::cloneSumTerms(SumLoop sum, IRMapping &mapping, OpBuilder &builder,
                          function_ref<bool(Operation &, IRMapping &)> replace) {
  for (Operation &op : sum.loop.getBody()->without_terminator()) {
    if (&op == sum.load.getOperation() || &op == sum.store.getOperation() ||
        (replace && replace(op, mapping)))
      continue;
    Operation *clone = builder.clone(op, mapping);
    if (auto fastMath = dyn_cast<arith::ArithFastMathInterface>(clone))
      clone->setAttr(fastMath.getFastMathAttrName(),
                     arith::FastMathFlagsAttr::get(builder.getContext(),
                                                   fastMath.getFastMathFlagsAttr().getValue() |
                                                       arith::FastMathFlags::contract));
  }
  return mapping.lookup(sum.add.getResult());
}
