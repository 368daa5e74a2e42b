#include "rnnc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_PREFETCHSHAREDBUFFERS
#include "rnnc/Transforms/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;

namespace {
/// Buffers of at most this many elements are prefetched whole: the state
/// rows of a small batch (a batch of 1 up to 2048 units).
constexpr int64_t kMaxElements = 2048;
/// f32 elements per 64-byte cache line.
constexpr int64_t kLineElements = 16;

/// Whether `nested` (in `top`, or `top` itself) runs on thread 0 alone.
bool inSingleThreadStage(Operation *nested, Operation *top) {
  for (Operation *op = nested;; op = op->getParentOp()) {
    if (op->hasAttr(rnnc::kSingleThreadStage))
      return true;
    if (op == top)
      return false;
  }
}

/// The buffers `ops` (and the ops nested in them) read and write; with
/// `sharedOnly`, not counting the reads of stages thread 0 runs alone.
void collectAccesses(ArrayRef<Operation *> ops, llvm::SetVector<Value> &reads,
                     llvm::SetVector<Value> &writes, bool sharedOnly = false) {
  for (Operation *top : ops)
    top->walk([&](MemoryEffectOpInterface effecting) {
      bool countReads = !sharedOnly || !inSingleThreadStage(effecting, top);
      SmallVector<MemoryEffects::EffectInstance> effects;
      effecting.getEffects(effects);
      for (const MemoryEffects::EffectInstance &effect : effects) {
        Value buffer = effect.getValue();
        if (!buffer || !isa<MemRefType>(buffer.getType()))
          continue;
        if (isa<MemoryEffects::Write>(effect.getEffect()))
          writes.insert(buffer);
        else if (countReads && isa<MemoryEffects::Read>(effect.getEffect()))
          reads.insert(buffer);
      }
    });
}

bool smallEnough(Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  return type.getRank() > 0 && type.hasStaticShape() && type.getLayout().isIdentity() &&
         type.getNumElements() <= kMaxElements;
}

struct PrefetchSharedBuffers : rnnc::impl::PrefetchSharedBuffersBase<PrefetchSharedBuffers> {
  using PrefetchSharedBuffersBase::PrefetchSharedBuffersBase;

  /// Index constants of the loop being rewritten, created before it.
  DenseMap<int64_t, Value> indices;

  Value indexBefore(scf::ForOp loop, int64_t value) {
    Value &constant = indices[value];
    if (!constant)
      constant = OpBuilder(loop).create<arith::ConstantIndexOp>(loop.getLoc(), value);
    return constant;
  }

  /// Prefetches every line of `buffer` at the rewriter's insertion point in
  /// `loop`.
  void prefetchAll(Value buffer, scf::ForOp loop, RewriterBase &rewriter) {
    auto type = cast<MemRefType>(buffer.getType());
    ArrayRef<int64_t> shape = type.getShape();
    int64_t elements = type.getNumElements();
    SmallVector<int64_t> linears;
    for (int64_t linear = 0; linear < elements; linear += kLineElements)
      linears.push_back(linear);
    // The buffer may start inside a line: its last one too.
    if ((elements - 1) % kLineElements != 0)
      linears.push_back(elements - 1);
    for (int64_t linear : linears) {
      SmallVector<Value> at(shape.size());
      for (int64_t d = shape.size() - 1; d >= 0; --d) {
        at[d] = indexBefore(loop, linear % shape[d]);
        linear /= shape[d];
      }
      rewriter.create<memref::PrefetchOp>(loop.getLoc(), buffer, at, /*isWrite=*/false,
                                          /*localityHint=*/3, /*isDataCache=*/true);
    }
  }

  void runOnOperation() override {
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](omp::ParallelOp team) {
      if (!team->hasAttr(rnnc::kSpinBarrierTeam))
        return;
      for (Operation &op : team.getRegion().front())
        if (auto loop = dyn_cast<scf::ForOp>(op))
          loops.push_back(loop);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ForOp loop : loops) {
      indices.clear();
      Block *body = loop.getBody();
      llvm::SetVector<Value> loopReads, loopWrites;
      collectAccesses({loop}, loopReads, loopWrites);
      // The body's top-level barriers cut it into epochs; each starts where
      // the previous one's writes are complete.
      SmallVector<SmallVector<Operation *>> epochs(1);
      SmallVector<Block::iterator> starts{body->begin()};
      for (Operation &op : body->without_terminator()) {
        if (isa<omp::BarrierOp>(op)) {
          epochs.emplace_back();
          starts.push_back(std::next(op.getIterator()));
          continue;
        }
        epochs.back().push_back(&op);
      }
      for (auto [ops, start] : llvm::zip_equal(epochs, starts)) {
        llvm::SetVector<Value> reads, writes;
        collectAccesses(ops, reads, writes, /*sharedOnly=*/true);
        rewriter.setInsertionPoint(body, start);
        for (Value buffer : reads)
          if (!writes.contains(buffer) && loopWrites.contains(buffer) && smallEnough(buffer))
            prefetchAll(buffer, loop, rewriter);
      }
    }
  }
};
} // namespace
