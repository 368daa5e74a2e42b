#include "rnnc/Dialect/Rnn/Transforms/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"

namespace mlir::rnn {
#define GEN_PASS_DEF_RNNFUSESTACKEDSEQUENCES
#include "rnnc/Dialect/Rnn/Transforms/Passes.h.inc"
} // namespace mlir::rnn

using namespace mlir;
using namespace mlir::rnn;

namespace {
struct FuseStackedSequences : public OpRewritePattern<DynamicRNNOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DynamicRNNOp upper, PatternRewriter &rewriter) const override {
    auto lower = upper.getInputs().getDefiningOp<DynamicRNNOp>();
    if (!lower || upper.getInputs() != lower.getOutputs())
      return rewriter.notifyMatchFailure(upper, "inputs are not another sequence's outputs");
    // The outputs' time and batch sizes are the inputs'; asking the inputs
    // leaves the outputs to the upper sequence alone.
    for (OpOperand &use : llvm::make_early_inc_range(lower.getOutputs().getUses())) {
      auto dim = dyn_cast<tensor::DimOp>(use.getOwner());
      std::optional<int64_t> index = dim ? dim.getConstantIndex() : std::nullopt;
      if (index && *index < 2) {
        rewriter.setInsertionPoint(dim);
        rewriter.replaceOpWithNewOp<tensor::DimOp>(dim, lower.getInputs(), *index);
      }
    }
    if (!lower.getOutputs().hasOneUse())
      return rewriter.notifyMatchFailure(upper, "the lower sequence's outputs have other uses");
    // go_backwards: the lower outputs come in processing order, which the
    // upper sequence reads (and flips again) as its inputs.
    if (lower.getReverse() || upper.getReverse() || lower.getGoBackwards() ||
        upper.getGoBackwards() || lower.getUnroll() != upper.getUnroll() ||
        lower.getTimeMajor() != upper.getTimeMajor() ||
        lower.getSequenceLength() != upper.getSequenceLength() ||
        lower.getMask() != upper.getMask() ||
        lower.getZeroFinalStateForEmptyRows() != upper.getZeroFinalStateForEmptyRows())
      return rewriter.notifyMatchFailure(upper, "different options");
    if (lower.getInitialState().empty() != upper.getInitialState().empty())
      return rewriter.notifyMatchFailure(upper, "only one has an initial state");

    // The fused op replaces the lower one in place (its final states may be used
    // before the upper op), so whatever computes the upper op's cell and
    // initial states moves above it; nothing of that may depend on the lower op.
    Block *block = lower->getBlock();
    if (upper->getBlock() != block)
      return rewriter.notifyMatchFailure(upper, "not in the same block");
    BackwardSliceOptions options;
    options.inclusive = true;
    options.filter = [&](Operation *op) {
      return op->getBlock() == block && lower->isBeforeInBlock(op);
    };
    SetVector<Operation *> slice;
    SmallVector<Value> upperOperands{upper.getCell()};
    llvm::append_range(upperOperands, upper.getInitialState());
    for (Value operand : upperOperands)
      if (Operation *def = operand.getDefiningOp(); def && options.filter(def))
        getBackwardSlice(def, &slice, options);
    for (Operation *op : slice)
      for (Value operand : op->getOperands())
        if (operand.getDefiningOp() == lower.getOperation())
          return rewriter.notifyMatchFailure(upper, "the upper cell depends on the lower sequence");
    for (Operation *op : slice)
      rewriter.moveOpBefore(op, lower);

    Location loc = rewriter.getFusedLoc({lower.getLoc(), upper.getLoc()});
    rewriter.setInsertionPoint(lower);
    Value stack = rewriter.create<MultiRNNCellOp>(loc, CellType::get(getContext()),
                                                  ValueRange{lower.getCell(), upper.getCell()});
    SmallVector<Value> initial(lower.getInitialState());
    llvm::append_range(initial, upper.getInitialState());
    SmallVector<Type> types{upper.getOutputs().getType()};
    llvm::append_range(types, lower.getFinalState().getTypes());
    llvm::append_range(types, upper.getFinalState().getTypes());
    auto fused = rewriter.create<DynamicRNNOp>(
        loc, types, stack, lower.getInputs(), lower.getSequenceLength(), lower.getMask(), initial,
        lower.getTimeMajorAttr(), UnitAttr(), lower.getZeroFinalStateForEmptyRowsAttr(),
        upper.getZeroOutputForMaskAttr(), UnitAttr(), lower.getUnrollAttr());
    size_t lowerStates = lower.getFinalState().size();
    rewriter.replaceAllUsesWith(lower.getFinalState(),
                                fused.getFinalState().take_front(lowerStates));
    SmallVector<Value> upperResults{fused.getOutputs()};
    llvm::append_range(upperResults, fused.getFinalState().drop_front(lowerStates));
    rewriter.replaceOp(upper, upperResults);
    rewriter.eraseOp(lower);
    return success();
  }
};

struct RnnFuseStackedSequencesPass
    : public mlir::rnn::impl::RnnFuseStackedSequencesBase<RnnFuseStackedSequencesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseStackedSequences>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
