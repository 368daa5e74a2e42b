#include "rnnc/Transforms/Passes.h"

#include "TimeLoops.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_HOISTSTEPBUFFERS
#include "rnnc/Transforms/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;

namespace {
/// A buffer allocated in each step of a time loop.
struct StepBuffer {
  memref::AllocOp alloc;
  memref::DeallocOp dealloc; // freed in the same step: one buffer for all steps
  int64_t carriedAs = -1;    // yielded as this iter_arg: two buffers, alternating
};

struct HoistStepBuffers : rnnc::impl::HoistStepBuffersBase<HoistStepBuffers> {
  using HoistStepBuffersBase::HoistStepBuffersBase;

  /// The steps' buffers of `loop` whose sizes are loop-invariant, or failure
  /// when one of them is used in a way this pass does not follow.
  FailureOr<SmallVector<StepBuffer>> stepBuffers(scf::ForOp loop) {
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    SmallVector<StepBuffer> buffers;
    for (auto alloc : loop.getBody()->getOps<memref::AllocOp>()) {
      if (!llvm::all_of(alloc->getOperands(),
                        [&](Value size) { return loop.isDefinedOutsideOfLoop(size); }))
        return failure();
      StepBuffer buffer{alloc, {}, -1};
      for (OpOperand &use : alloc->getUses()) {
        Operation *user = use.getOwner();
        if (auto dealloc = dyn_cast<memref::DeallocOp>(user)) {
          if (dealloc->getBlock() != loop.getBody() || buffer.dealloc)
            return failure();
          buffer.dealloc = dealloc;
        } else if (user == yield) {
          if (buffer.carriedAs >= 0)
            return failure();
          buffer.carriedAs = use.getOperandNumber();
        }
      }
      if ((buffer.dealloc != nullptr) == (buffer.carriedAs >= 0))
        return failure();
      buffers.push_back(buffer);
    }
    // A carried buffer is read in the next step only: each other carried
    // buffer is a step buffer or passed through unchanged.
    for (auto [i, next] : llvm::enumerate(yield.getOperands())) {
      if (!isa<MemRefType>(next.getType()) || next == loop.getRegionIterArgs()[i])
        continue;
      if (!llvm::any_of(buffers, [&](const StepBuffer &b) { return b.carriedAs == (int64_t)i; }))
        return failure();
    }
    return buffers;
  }

  /// The ownership flag that buffer deallocation carries for iter_arg `i`:
  /// one i1 per carried buffer, after them, in their order.
  std::optional<unsigned> ownershipOf(scf::ForOp loop, unsigned i) {
    SmallVector<unsigned> buffers;
    for (auto [j, arg] : llvm::enumerate(loop.getRegionIterArgs()))
      if (isa<MemRefType>(arg.getType()))
        buffers.push_back(j);
    unsigned count = loop.getNumRegionIterArgs();
    if (count < 2 * buffers.size())
      return std::nullopt;
    unsigned first = count - buffers.size();
    for (unsigned j = first; j < count; ++j)
      if (!loop.getRegionIterArgs()[j].getType().isInteger(1))
        return std::nullopt;
    auto rank = llvm::find(buffers, i);
    return first + static_cast<unsigned>(rank - buffers.begin());
  }

  /// Iter_arg `i`, which alternates between `even` and `odd`, computed
  /// instead of carried: a step reads the buffer the previous one wrote (the
  /// first step the initial value), the loop's result is the one the last
  /// step wrote (none: the initial value). The iter_arg then passes through,
  /// and canonicalization drops it: a loop that carries nothing runs in one
  /// OpenMP team on the CPU (rnnc-hoist-parallel-region).
  void uncarry(scf::ForOp loop, unsigned i, Value parity, Value even, Value odd,
               RewriterBase &rewriter) {
    Location loc = loop.getLoc();
    Value init = loop.getInitArgs()[i];
    BlockArgument carried = loop.getRegionIterArgs()[i];
    rewriter.setInsertionPointAfterValue(parity);
    Value first = rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq,
                                                 loop.getInductionVar(), loop.getLowerBound());
    Value previous = rewriter.create<arith::SelectOp>(loc, parity, odd, even);
    Value read = rewriter.create<arith::SelectOp>(loc, first, init, previous);
    rewriter.replaceAllUsesWith(carried, read);

    rewriter.setInsertionPointAfter(loop);
    Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    Value one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    Value two = rewriter.create<arith::ConstantIndexOp>(loc, 2);
    Value span = rewriter.create<arith::SubIOp>(loc, loop.getUpperBound(), loop.getLowerBound());
    span = rewriter.create<arith::MaxSIOp>(loc, span, zero);
    Value steps = rewriter.create<arith::CeilDivUIOp>(loc, span, loop.getStep());
    Value ran = rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ugt, steps, zero);
    Value lastStep = rewriter.create<arith::SubIOp>(loc, steps, one);
    Value lastEven =
        rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq,
                                       rewriter.create<arith::RemUIOp>(loc, lastStep, two), zero);
    Value last = rewriter.create<arith::SelectOp>(loc, lastEven, even, odd);
    Value result = rewriter.create<arith::SelectOp>(loc, ran, last, init);
    rewriter.replaceAllUsesWith(loop.getResult(i), result);
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    rewriter.modifyOpInPlace(yield, [&] { yield->setOperand(i, carried); });
  }

  LogicalResult hoist(scf::ForOp loop, RewriterBase &rewriter) {
    rnnc::resolveCarriedDims(loop, rewriter);
    FailureOr<SmallVector<StepBuffer>> buffers = stepBuffers(loop);
    if (failed(buffers))
      return failure();
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    auto function = dyn_cast<func::FuncOp>(loop->getParentOp());
    bool anyCarried =
        llvm::any_of(*buffers, [](const StepBuffer &b) { return b.carriedAs >= 0; });
    // Freed where the loop's results are last used: before the return.
    if (anyCarried && !function)
      return failure();
    SmallVector<unsigned> owners;
    for (const StepBuffer &buffer : *buffers) {
      if (buffer.carriedAs < 0)
        continue;
      std::optional<unsigned> owner = ownershipOf(loop, buffer.carriedAs);
      if (!owner || !matchPattern(yield.getOperand(*owner), m_One()))
        return failure();
      owners.push_back(*owner);
    }

    Location loc = loop.getLoc();
    Value parity;
    if (anyCarried) {
      rewriter.setInsertionPointToStart(loop.getBody());
      Value step = rewriter.create<arith::DivUIOp>(
          loc,
          rewriter.create<arith::SubIOp>(loc, loop.getInductionVar(), loop.getLowerBound()),
          loop.getStep());
      Value two = rewriter.create<arith::ConstantIndexOp>(loc, 2);
      Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
      parity = rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq,
                                              rewriter.create<arith::RemUIOp>(loc, step, two),
                                              zero);
    }
    for (const StepBuffer &buffer : *buffers) {
      if (buffer.carriedAs < 0) {
        rewriter.moveOpBefore(buffer.alloc, loop);
        rewriter.moveOpAfter(buffer.dealloc, loop);
        continue;
      }
      // Step i writes buffer i % 2 while reading the other, written in step i - 1.
      rewriter.setInsertionPoint(loop);
      Value even = rewriter.clone(*buffer.alloc)->getResult(0);
      Value odd = rewriter.clone(*buffer.alloc)->getResult(0);
      rewriter.setInsertionPoint(buffer.alloc);
      rewriter.replaceOpWithNewOp<arith::SelectOp>(buffer.alloc, parity, even, odd);
      rewriter.setInsertionPoint(loop->getBlock()->getTerminator());
      rewriter.create<memref::DeallocOp>(loc, even);
      rewriter.create<memref::DeallocOp>(loc, odd);
      if (!carryState)
        uncarry(loop, buffer.carriedAs, parity, even, odd, rewriter);
    }
    // The loop's results no longer own their buffers: whatever is returned
    // of them is copied (ownership-based deallocation's clone of unowned
    // results), the rest freed above.
    rewriter.setInsertionPoint(loop);
    Value notOwned = rewriter.create<arith::ConstantIntOp>(loc, 0, 1);
    for (unsigned owner : owners) {
      rewriter.modifyOpInPlace(yield, [&] { yield->setOperand(owner, notOwned); });
      // Not owned on entry either: the flag is false throughout, and the
      // conditional frees of the previous step's buffers go away.
      if (matchPattern(loop.getInitArgs()[owner], m_Zero())) {
        rewriter.replaceAllUsesWith(loop.getRegionIterArgs()[owner], notOwned);
        rewriter.replaceAllUsesWith(loop.getResult(owner), notOwned);
      }
    }
    return success();
  }

  void runOnOperation() override {
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](scf::ForOp loop) {
      if (loop->hasAttr(rnnc::kTimeLoopAttrName))
        loops.push_back(loop);
    });
    IRRewriter rewriter(&getContext());
    // A loop this pass cannot follow keeps allocating in each step (and stays
    // a launch per kernel per step on the GPU).
    for (scf::ForOp loop : loops)
      (void)hoist(loop, rewriter);
  }
};
} // namespace
