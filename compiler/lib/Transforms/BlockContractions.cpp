#include "rnnc/Transforms/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/LoopLikeInterface.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_BLOCKCONTRACTIONS
#include "rnnc/Transforms/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;

namespace {
struct BlockContractions : rnnc::impl::BlockContractionsBase<BlockContractions> {
  using BlockContractionsBase::BlockContractionsBase;

  static bool blockable(linalg::LinalgOp op) {
    if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
        op.getNumReductionLoops() == 0 || op.getNumParallelLoops() < 2 ||
        op->getParentOfType<LoopLikeOpInterface>() || op->getNumRegions() != 1)
      return false;
    if (!llvm::all_of(op.getIndexingMapsArray(),
                      [](AffineMap map) { return map.isProjectedPermutation(); }))
      return false;
    // The output is indexed by parallel dimensions only: one accumulator each.
    for (AffineExpr expr : op.getMatchingIndexingMap(op.getDpsInitOperand(0)).getResults())
      if (op.getIteratorTypesArray()[cast<AffineDimExpr>(expr).getPosition()] !=
          utils::IteratorType::parallel)
        return false;
    return !op.getBlock()->walk([](linalg::IndexOp) { return WalkResult::interrupt(); })
                .wasInterrupted();
  }

  void block(linalg::LinalgOp op, RewriterBase &rewriter) {
    Location loc = op.getLoc();
    rewriter.setInsertionPoint(op);
    auto index = [&](int64_t value) -> Value {
      return rewriter.create<arith::ConstantIndexOp>(loc, value);
    };
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    SmallVector<Range> ranges = op.createLoopRanges(rewriter, loc);
    SmallVector<Value> sizes;
    for (Range &range : ranges)
      sizes.push_back(getValueOrCreateConstantIndexOp(rewriter, loc, range.size));
    SmallVector<unsigned> parallelDims, reductionDims;
    for (auto [d, iterator] : llvm::enumerate(iterators))
      (iterator == utils::IteratorType::parallel ? parallelDims : reductionDims).push_back(d);
    unsigned first = parallelDims.front(), last = parallelDims.back();
    int64_t blockOf[2] = {rows, columns};

    // One iteration per block: the blocked dimensions count blocks.
    SmallVector<Value> lower, upper, steps;
    for (unsigned d : parallelDims) {
      Value size = sizes[d];
      if (d == first || d == last) {
        int64_t n = d == first ? rows : columns;
        size = rewriter.create<arith::DivUIOp>(
            loc, rewriter.create<arith::AddIOp>(loc, size, index(n - 1)), index(n));
      }
      lower.push_back(index(0));
      upper.push_back(size);
      steps.push_back(index(1));
    }
    auto loop = rewriter.create<scf::ParallelOp>(loc, lower, upper, steps);
    rewriter.setInsertionPoint(loop.getBody()->getTerminator());

    // Lane r of a blocked dimension: index min(base + r, size - 1) (clamped,
    // so that edge blocks read in bounds) and whether it is a real output.
    SmallVector<Value> point(iterators.size());
    SmallVector<Value> lanes[2], valid[2];
    for (auto [i, d] : llvm::enumerate(parallelDims)) {
      Value iv = loop.getInductionVars()[i];
      point[d] = iv;
      if (d != first && d != last)
        continue;
      int which = d == first ? 0 : 1;
      Value base = rewriter.create<arith::MulIOp>(loc, iv, index(blockOf[which]));
      Value lastIndex = rewriter.create<arith::SubIOp>(loc, sizes[d], index(1));
      for (int64_t lane = 0; lane < blockOf[which]; ++lane) {
        Value at = rewriter.create<arith::AddIOp>(loc, base, index(lane));
        lanes[which].push_back(rewriter.create<arith::MinUIOp>(loc, at, lastIndex));
        valid[which].push_back(
            rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, at, sizes[d]));
      }
    }
    auto pointOf = [&](int64_t r, int64_t c) {
      SmallVector<Value> at = point;
      at[first] = lanes[0][r];
      at[last] = lanes[1][c];
      return at;
    };
    auto indicesOf = [&](OpOperand *operand, ArrayRef<Value> at) {
      SmallVector<Value> indices;
      for (AffineExpr expr : op.getMatchingIndexingMap(operand).getResults())
        indices.push_back(at[cast<AffineDimExpr>(expr).getPosition()]);
      return indices;
    };
    OpOperand *output = op.getDpsInitOperand(0);
    SmallVector<Value> accs;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < columns; ++c)
        accs.push_back(rewriter.create<memref::LoadOp>(loc, output->get(),
                                                       indicesOf(output, pointOf(r, c))));

    // The reduction loops carry the accumulators; the innermost applies the
    // body to every output of the block.
    std::function<SmallVector<Value>(size_t, ValueRange)> reduce = [&](size_t level,
                                                                       ValueRange carried) {
      if (level == reductionDims.size()) {
        SmallVector<Value> next;
        Block *body = op.getBlock();
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t c = 0; c < columns; ++c) {
            SmallVector<Value> at = pointOf(r, c);
            IRMapping mapping;
            for (OpOperand *input : op.getDpsInputOperands())
              mapping.map(body->getArgument(input->getOperandNumber()),
                          rewriter.create<memref::LoadOp>(loc, input->get(),
                                                          indicesOf(input, at)));
            mapping.map(body->getArgument(output->getOperandNumber()),
                        carried[r * columns + c]);
            for (Operation &bodyOp : body->without_terminator())
              rewriter.clone(bodyOp, mapping);
            next.push_back(mapping.lookup(body->getTerminator()->getOperand(0)));
          }
        return next;
      }
      unsigned d = reductionDims[level];
      auto forOp = rewriter.create<scf::ForOp>(loc, index(0), sizes[d], index(1), carried);
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(forOp.getBody());
      point[d] = forOp.getInductionVar();
      SmallVector<Value> next = reduce(level + 1, forOp.getRegionIterArgs());
      rewriter.create<scf::YieldOp>(loc, next);
      return SmallVector<Value>(forOp.getResults());
    };
    SmallVector<Value> results = reduce(0, accs);

    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < columns; ++c) {
        Value inBlock = rewriter.create<arith::AndIOp>(loc, valid[0][r], valid[1][c]);
        auto ifOp = rewriter.create<scf::IfOp>(loc, inBlock, /*withElseRegion=*/false);
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPointToStart(ifOp.thenBlock());
        rewriter.create<memref::StoreOp>(loc, results[r * columns + c], output->get(),
                                         indicesOf(output, pointOf(r, c)));
      }
    rewriter.eraseOp(op);
  }

  void runOnOperation() override {
    if (rows < 1 || columns < 1) {
      getOperation().emitError("rnnc-block-contractions: rows and columns must be positive");
      return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (blockable(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops)
      block(op, rewriter);
  }
};
} // namespace
