#include "rnnc/Transforms/Passes.h"

#include "SumLoops.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_SUMINREGISTERS
#include "rnnc/Transforms/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;

namespace {
struct SumInRegisters : rnnc::impl::SumInRegistersBase<SumInRegisters> {
  void runOnOperation() override {
    SmallVector<rnnc::SumLoop> sums;
    getOperation().walk([&](scf::ForOp loop) {
      if (std::optional<rnnc::SumLoop> sum = rnnc::matchSumLoop(loop))
        sums.push_back(*sum);
    });
    IRRewriter rewriter(&getContext());
    for (rnnc::SumLoop sum : sums) {
      scf::ForOp loop = sum.loop;
      Location loc = loop.getLoc();
      rewriter.setInsertionPoint(loop);
      // The element's indices and buffer are defined outside the loop.
      Operation *initial = rewriter.clone(*sum.load);
      auto carried = rewriter.create<scf::ForOp>(loc, loop.getLowerBound(), loop.getUpperBound(),
                                                 loop.getStep(), initial->getResults());
      {
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPointToStart(carried.getBody());
        IRMapping mapping;
        mapping.map(loop.getInductionVar(), carried.getInductionVar());
        mapping.map(sum.load.getResult(), carried.getRegionIterArgs()[0]);
        rewriter.create<scf::YieldOp>(loc, rnnc::cloneSumTerms(sum, mapping, rewriter));
      }
      IRMapping result;
      result.map(sum.add.getResult(), carried.getResult(0));
      rewriter.clone(*sum.store, result);
      rewriter.eraseOp(loop);
    }
  }
};
} // namespace
