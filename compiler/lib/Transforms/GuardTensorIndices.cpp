#include "rnnc/API/ModelFile.h"
#include "rnnc/Transforms/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_GUARDTENSORINDICES
#include "rnnc/Transforms/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;

namespace {
/// Whether `index` is a constant inside dimension `d` of `type`.
bool provablyInBounds(Value index, RankedTensorType type, int64_t d) {
  std::optional<int64_t> constant = getConstantIntValue(index);
  return constant && !type.isDynamicDim(d) && *constant >= 0 && *constant < type.getDimSize(d);
}

/// "input 'x'" for a model input named by `rnn.name`, else "its tensor".
std::string describeTensor(Value tensor) {
  auto argument = dyn_cast<BlockArgument>(tensor);
  auto func = argument ? dyn_cast<func::FuncOp>(argument.getOwner()->getParentOp()) : nullptr;
  if (func && argument.getOwner()->isEntryBlock())
    if (auto name = func.getArgAttrOfType<StringAttr>(argument.getArgNumber(), "rnn.name"))
      return "input '" + name.str() + "'";
  return "its tensor";
}

struct GuardTensorIndices : rnnc::impl::GuardTensorIndicesBase<GuardTensorIndices> {
  void runOnOperation() override {
    SmallVector<Operation *> accesses;
    getOperation()->walk([&](Operation *op) {
      if (isa<tensor::ExtractOp, tensor::InsertOp>(op))
        accesses.push_back(op);
    });
    for (Operation *op : accesses)
      guard(op);
  }

  /// Wraps `op` in an scf.if on its indices being in range, with a check
  /// that reports the call as failed where they are not. Out of range, an
  /// extract yields zero and an insert leaves the tensor as it was.
  void guard(Operation *op) {
    auto extract = dyn_cast<tensor::ExtractOp>(op);
    auto insert = dyn_cast<tensor::InsertOp>(op);
    Value tensor = extract ? extract.getTensor() : insert.getDest();
    ValueRange indices = extract ? extract.getIndices() : insert.getIndices();
    auto type = cast<RankedTensorType>(tensor.getType());
    Location loc = op->getLoc();
    OpBuilder b(op);
    Value inRange;
    Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
    for (auto [d, index] : llvm::enumerate(indices)) {
      if (provablyInBounds(index, type, d))
        continue;
      Value size = b.createOrFold<tensor::DimOp>(loc, tensor, d);
      Value notNegative = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, index, zero);
      Value belowSize = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, index, size);
      Value both = b.create<arith::AndIOp>(loc, notNegative, belowSize);
      inRange = inRange ? b.create<arith::AndIOp>(loc, inRange, both) : both;
    }
    if (!inRange)
      return;
    std::string message = rnnc::describeLocation(loc) + ": " + op->getName().getStringRef().str() +
                          " index out of range of " + describeTensor(tensor) +
                          " (a value the model computes)";
    b.create<cf::AssertOp>(loc, inRange, message);
    auto ifOp = b.create<scf::IfOp>(loc, op->getResultTypes(), inRange, /*withElseRegion=*/true);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Operation *access = b.clone(*op);
    b.create<scf::YieldOp>(loc, access->getResults());
    b.setInsertionPointToStart(ifOp.elseBlock());
    Value fallback =
        extract ? b.create<arith::ConstantOp>(loc, b.getZeroAttr(type.getElementType())).getResult()
                : insert.getDest();
    b.create<scf::YieldOp>(loc, fallback);
    op->replaceAllUsesWith(ifOp.getResults());
    op->erase();
  }
};
} // namespace
