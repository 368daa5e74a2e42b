#include "rnnc/Transforms/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_HOISTPARALLELREGION
#include "rnnc/Transforms/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;

namespace {
/// What an op does to memory, its regions included.
struct Access {
  bool reads = false;
  bool writes = false; // also allocation, freeing and unknown effects
};

Access accessOf(Operation *op) {
  if (isMemoryEffectFree(op))
    return {};
  std::optional<SmallVector<MemoryEffects::EffectInstance>> effects = getEffectsRecursively(op);
  if (!effects)
    return {true, true};
  Access access;
  for (const MemoryEffects::EffectInstance &effect : *effects) {
    if (isa<MemoryEffects::Read>(effect.getEffect()))
      access.reads = true;
    // A stack allocation is each thread's own.
    else if (!(isa<MemoryEffects::Allocate>(effect.getEffect()) &&
               isa<SideEffects::AutomaticAllocationScopeResource>(effect.getResource())))
      access.writes = true;
  }
  return access;
}

bool containsParallel(Operation *op) {
  return op->walk([](scf::ParallelOp) { return WalkResult::interrupt(); }).wasInterrupted();
}

struct HoistParallelRegion : rnnc::impl::HoistParallelRegionBase<HoistParallelRegion> {
  using HoistParallelRegionBase::HoistParallelRegionBase;

  /// Whether every thread can run `block` (see the pass description): the
  /// ops that write produce no values, nested control flow only holds such
  /// blocks, and parallel loops have no reductions.
  bool convertible(Block &block) {
    for (Operation &op : block) {
      if (auto parallel = dyn_cast<scf::ParallelOp>(op)) {
        if (parallel.getNumResults() > 0)
          return false;
        continue;
      }
      if (isa<scf::ForOp, scf::IfOp>(op) && containsParallel(&op)) {
        for (Region &region : op.getRegions())
          for (Block &nested : region)
            if (!convertible(nested))
              return false;
        continue;
      }
      if (accessOf(&op).writes && op.getNumResults() > 0)
        return false;
    }
    return true;
  }

  /// Rewrites `block` for a team of threads. `pending`: memory may have been
  /// read or written since the last barrier.
  void convert(Block &block, RewriterBase &rewriter, bool &pending) {
    auto barrierIfPending = [&](Operation *before) {
      if (!pending)
        return;
      rewriter.setInsertionPoint(before);
      rewriter.create<omp::BarrierOp>(before->getLoc());
      pending = false;
    };
    SmallVector<Operation *> ops;
    for (Operation &op : block.without_terminator())
      ops.push_back(&op);
    SmallVector<Operation *> writers; // a run of writing ops, for one omp.single
    auto flushWriters = [&]() {
      if (writers.empty())
        return;
      barrierIfPending(writers.front());
      rewriter.setInsertionPoint(writers.front());
      auto single = rewriter.create<omp::SingleOp>(writers.front()->getLoc(),
                                                   omp::SingleClauseOps{});
      Block *body = rewriter.createBlock(&single.getRegion());
      rewriter.setInsertionPointToEnd(body);
      auto terminator = rewriter.create<omp::TerminatorOp>(writers.front()->getLoc());
      for (Operation *writer : writers)
        writer->moveBefore(terminator);
      writers.clear();
      pending = false; // omp.single ends with a barrier
    };
    for (Operation *op : ops) {
      if (auto parallel = dyn_cast<scf::ParallelOp>(op)) {
        flushWriters();
        barrierIfPending(op);
        toWorksharingLoop(parallel, rewriter);
        pending = false; // omp.wsloop ends with a barrier
        continue;
      }
      if (isa<scf::ForOp, scf::IfOp>(op) && containsParallel(op)) {
        flushWriters();
        for (Region &region : op->getRegions())
          for (Block &nested : region)
            convert(nested, rewriter, pending);
        // Threads may leave the construct at different points of its body.
        pending = true;
        continue;
      }
      Access access = accessOf(op);
      if (access.writes) {
        writers.push_back(op);
        continue;
      }
      if (!access.reads && !writers.empty()) {
        // Pure: computed by every thread, before the run of writers (its
        // operands cannot come from them: writers produce no values).
        op->moveBefore(writers.front());
        continue;
      }
      flushWriters();
      if (access.reads)
        pending = true;
    }
    flushWriters();
  }

  /// scf.parallel -> omp.wsloop { omp.loop_nest } (static schedule, implicit
  /// barrier at its end).
  void toWorksharingLoop(scf::ParallelOp parallel, RewriterBase &rewriter) {
    Location loc = parallel.getLoc();
    rewriter.setInsertionPoint(parallel);
    auto wsloop = rewriter.create<omp::WsloopOp>(loc, omp::WsloopClauseOps{});
    Block *wrapper = rewriter.createBlock(&wsloop.getRegion());
    rewriter.setInsertionPointToEnd(wrapper);
    omp::LoopNestClauseOps bounds;
    bounds.loopLBVar = parallel.getLowerBound();
    bounds.loopUBVar = parallel.getUpperBound();
    bounds.loopStepVar = parallel.getStep();
    auto nest = rewriter.create<omp::LoopNestOp>(loc, bounds);
    rewriter.create<omp::TerminatorOp>(loc);
    Block *body = rewriter.createBlock(&nest.getRegion(), {},
                                       parallel.getBody()->getArgumentTypes(),
                                       SmallVector<Location>(parallel.getNumLoops(), loc));
    rewriter.setInsertionPointToEnd(body);
    auto yield = rewriter.create<omp::YieldOp>(loc);
    rewriter.eraseOp(parallel.getBody()->getTerminator()); // scf.reduce, no operands
    rewriter.inlineBlockBefore(parallel.getBody(), yield, body->getArguments());
    rewriter.eraseOp(parallel);
  }

  void runOnOperation() override {
    if (threads < 1) {
      getOperation().emitError("rnnc-hoist-parallel-region: threads must be positive");
      return signalPassFailure();
    }
    SmallVector<scf::ForOp> loops;
    getOperation().walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<scf::ParallelOp, omp::ParallelOp>(op))
        return WalkResult::skip();
      auto loop = dyn_cast<scf::ForOp>(op);
      if (!loop || !containsParallel(loop))
        return WalkResult::advance();
      if (loop.getNumResults() == 0 && convertible(*loop.getBody())) {
        loops.push_back(loop);
        return WalkResult::skip();
      }
      return WalkResult::advance();
    });
    IRRewriter rewriter(&getContext());
    for (scf::ForOp loop : loops) {
      Location loc = loop.getLoc();
      rewriter.setInsertionPoint(loop);
      omp::ParallelClauseOps clauses;
      clauses.numThreadsVar = rewriter.create<LLVM::ConstantOp>(
          loc, rewriter.getI32Type(), rewriter.getI32IntegerAttr(threads));
      auto team = rewriter.create<omp::ParallelOp>(loc, clauses);
      Block *body = rewriter.createBlock(&team.getRegion());
      rewriter.setInsertionPointToEnd(body);
      auto terminator = rewriter.create<omp::TerminatorOp>(loc);
      loop->moveBefore(terminator);
      bool pending = false;
      convert(*loop.getBody(), rewriter, pending);
      // The next iteration's first stage must not overwrite what a slower
      // thread still reads in this one.
      if (pending) {
        rewriter.setInsertionPoint(loop.getBody()->getTerminator());
        rewriter.create<omp::BarrierOp>(loc);
      }
    }
  }
};
} // namespace
