#include "rnnc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

#include "SumLoops.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_HOISTPARALLELREGION
#include "rnnc/Transforms/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;

namespace {
/// A stack allocation is each thread's own.
bool isStackAllocation(const MemoryEffects::EffectInstance &effect) {
  return isa<MemoryEffects::Allocate>(effect.getEffect()) &&
         isa<SideEffects::AutomaticAllocationScopeResource>(effect.getResource());
}

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
    else if (!isStackAllocation(effect))
      access.writes = true;
  }
  return access;
}

/// The indices of a load or store of one element or vector.
std::optional<ValueRange> indicesOf(Operation *op) {
  return TypeSwitch<Operation *, std::optional<ValueRange>>(op)
      .Case<memref::LoadOp, memref::StoreOp, vector::LoadOp, vector::StoreOp, vector::MaskedLoadOp,
            vector::MaskedStoreOp>([](auto access) { return ValueRange(access.getIndices()); })
      .Default([](Operation *) { return std::nullopt; });
}

bool sameIndex(Value a, Value b) {
  if (a == b)
    return true;
  std::optional<int64_t> x = getConstantIntValue(a), y = getConstantIntValue(b);
  return x && y && *x == *y;
}

/// The buffers a stage (a parallel loop, a run of writes, a read) reads and
/// writes; `unknown`: it touches memory it does not name. For a parallel loop
/// of one dimension, its bounds, and the buffers it only touches at rows
/// indexed by its induction variable.
struct Stage {
  bool unknown = false;
  SetVector<Value> reads, writes;
  /// The loop's bounds (empty: not a parallel loop of one dimension), kept
  /// as values: the loop itself is replaced by each thread's share.
  SmallVector<Value, 3> bounds;
  llvm::SmallDenseSet<Value> rowLocal;

  bool empty() const { return !unknown && reads.empty() && writes.empty(); }

  /// Whether both are parallel loops whose iteration i runs on the same
  /// thread: the same iterations, shared by toThreadRange's rule.
  bool sameIterations(const Stage &other) const {
    return !bounds.empty() && !other.bounds.empty() &&
           llvm::all_of(llvm::zip_equal(bounds, other.bounds),
                        [](auto pair) { return sameIndex(std::get<0>(pair), std::get<1>(pair)); });
  }

  /// Whether `other`, run by other threads at the same time, may race with
  /// this stage: one of the two writes memory the other touches, except rows
  /// that both loops touch only in the same iteration, on the same thread.
  bool conflictsWith(const Stage &other) const {
    if (empty() || other.empty())
      return false;
    if (unknown || other.unknown)
      return true;
    bool sameThreads = sameIterations(other);
    auto overlap = [&](const SetVector<Value> &a, const SetVector<Value> &b) {
      return llvm::any_of(a, [&](Value x) {
        return llvm::any_of(b, [&](Value y) {
          if (sameThreads && x == y && rowLocal.contains(x) && other.rowLocal.contains(y))
            return false;
          return rnnc::mayAlias(x, y);
        });
      });
    };
    return overlap(writes, other.reads) || overlap(writes, other.writes) ||
           overlap(reads, other.writes);
  }

  static Stage of(ArrayRef<Operation *> ops) {
    Stage stage;
    Value row;
    if (ops.size() == 1)
      if (auto parallel = dyn_cast<scf::ParallelOp>(ops.front());
          parallel && parallel.getNumLoops() == 1) {
        stage.bounds = {parallel.getLowerBound()[0], parallel.getUpperBound()[0],
                        parallel.getStep()[0]};
        row = parallel.getInductionVars()[0];
      }
    llvm::SmallDenseSet<Value> elsewhere;
    auto note = [&](Operation *access, Value buffer) {
      std::optional<ValueRange> indices = indicesOf(access);
      auto type = dyn_cast<MemRefType>(buffer.getType());
      if (row && indices && !indices->empty() && indices->front() == row && type &&
          type.getLayout().isIdentity())
        stage.rowLocal.insert(buffer);
      else
        elsewhere.insert(buffer);
    };
    for (Operation *op : ops)
      op->walk([&](Operation *nested) {
        if (nested->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
          return;
        auto effecting = dyn_cast<MemoryEffectOpInterface>(nested);
        if (!effecting) {
          stage.unknown = true;
          return;
        }
        SmallVector<MemoryEffects::EffectInstance> effects;
        effecting.getEffects(effects);
        for (const MemoryEffects::EffectInstance &effect : effects) {
          if (isStackAllocation(effect))
            continue;
          Value buffer = effect.getValue();
          if (!buffer) {
            stage.unknown = true;
            continue;
          }
          note(nested, buffer);
          if (isa<MemoryEffects::Read>(effect.getEffect()))
            stage.reads.insert(buffer);
          else
            stage.writes.insert(buffer);
        }
      });
    for (Value buffer : elsewhere)
      stage.rowLocal.erase(buffer);
    return stage;
  }
};

/// The stages run since the last barrier.
struct Pending {
  SmallVector<Stage> stages;

  bool empty() const {
    return llvm::all_of(stages, [](const Stage &stage) { return stage.empty(); });
  }
  bool conflictsWith(const Stage &next) const {
    return llvm::any_of(stages, [&](const Stage &stage) { return stage.conflictsWith(next); });
  }
};

/// The stages a block runs before its first barrier.
struct Head {
  Pending pending;
  /// Whether a barrier ends them (else they are the whole block).
  bool closed = false;

  bool conflictsWith(const Pending &other) const {
    return llvm::any_of(pending.stages,
                        [&](const Stage &stage) { return other.conflictsWith(stage); });
  }
};

bool containsParallel(Operation *op) {
  return op->walk([](scf::ParallelOp) { return WalkResult::interrupt(); }).wasInterrupted();
}

struct HoistParallelRegion : rnnc::impl::HoistParallelRegionBase<HoistParallelRegion> {
  using HoistParallelRegionBase::HoistParallelRegionBase;

  /// In the team being built: this thread's number and the team's size, and
  /// the index constants the shares are computed with.
  Value threadIndex, teamSize, zero, one;

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

  /// Rewrites `block` for a team of threads, every thread entering it with no
  /// access pending; it ends with a barrier when accesses are pending then
  /// (the next iteration, or what follows, may conflict with them).
  void convertEnclosed(Block &block, RewriterBase &rewriter) {
    Pending since;
    convert(block, rewriter, since);
    if (since.empty())
      return;
    rewriter.setInsertionPoint(block.getTerminator());
    rewriter.create<omp::BarrierOp>(block.getParentOp()->getLoc());
  }

  /// Rewrites `block` for a team of threads. Parallel loops and runs of
  /// writes end without a barrier; a barrier goes before a stage only when
  /// it may conflict with what ran since the last one (`since`). `head`, when
  /// given, collects the stages before the block's first barrier.
  void convert(Block &block, RewriterBase &rewriter, Pending &since, Head *head = nullptr) {
    auto barrierBefore = [&](Operation *before) {
      rewriter.setInsertionPoint(before);
      rewriter.create<omp::BarrierOp>(before->getLoc());
      since = Pending();
      if (head)
        head->closed = true;
    };
    auto barrierIfConflicting = [&](Operation *before, const Stage &next) {
      if (since.conflictsWith(next))
        barrierBefore(before);
    };
    auto record = [&](Stage stage) {
      if (head && !head->closed)
        head->pending.stages.push_back(stage);
      since.stages.push_back(std::move(stage));
    };
    SmallVector<Operation *> ops;
    for (Operation &op : block.without_terminator())
      ops.push_back(&op);
    SmallVector<Operation *> writers; // a run of writing ops, for thread 0
    auto flushWriters = [&]() {
      if (writers.empty())
        return;
      Stage stage = Stage::of(writers);
      barrierIfConflicting(writers.front(), stage);
      Location loc = writers.front()->getLoc();
      rewriter.setInsertionPoint(writers.front());
      Value first =
          rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, threadIndex, zero);
      auto single = rewriter.create<scf::IfOp>(loc, first, /*withElseRegion=*/false);
      single->setAttr(rnnc::kSingleThreadStage, rewriter.getUnitAttr());
      for (Operation *writer : writers)
        writer->moveBefore(single.thenBlock()->getTerminator());
      writers.clear();
      record(std::move(stage));
    };
    for (Operation *op : ops) {
      if (auto parallel = dyn_cast<scf::ParallelOp>(op)) {
        flushWriters();
        Stage stage = Stage::of(op);
        barrierIfConflicting(op, stage);
        toThreadRange(parallel, rewriter);
        record(std::move(stage));
        continue;
      }
      if (isa<scf::ForOp, scf::IfOp>(op) && containsParallel(op)) {
        flushWriters();
        // Threads may leave the construct at different points of its body:
        // nothing pending on the way in or out.
        if (!since.empty())
          barrierBefore(op);
        if (head && !head->closed) {
          // Its stages are not tracked here: as if it touched everything.
          Stage everything;
          everything.unknown = true;
          head->pending.stages.push_back(everything);
        }
        for (Region &region : op->getRegions())
          for (Block &nested : region)
            convertEnclosed(nested, rewriter);
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
      if (access.reads) {
        Stage stage = Stage::of(op);
        barrierIfConflicting(op, stage);
        record(std::move(stage));
      }
    }
    flushWriters();
  }

  /// scf.parallel -> scf.for over this thread's share of its first
  /// dimension (inside, scf.for over the others): of n iterations, thread t
  /// of T gets n / T, the first n % T threads one more, in order. What OpenMP's
  /// static schedule gives, without a libomp call: __kmpc_for_static_init
  /// cost 0.35-0.5 us per loop here (it formats a string each time), as much
  /// as a barrier, and a step runs one to four such loops.
  void toThreadRange(scf::ParallelOp parallel, RewriterBase &rewriter) {
    Location loc = parallel.getLoc();
    rewriter.setInsertionPoint(parallel);
    auto fold = [&](auto type, auto... operands) -> Value {
      return rewriter.createOrFold<decltype(type)>(loc, operands...);
    };
    Value lower = parallel.getLowerBound()[0], upper = parallel.getUpperBound()[0],
          step = parallel.getStep()[0];
    // One op per statement: the order of the ops does not depend on the
    // compiler's order of evaluating arguments.
    Value span = fold(arith::SubIOp(), upper, lower);
    span = fold(arith::MaxSIOp(), span, zero);
    Value trips = fold(arith::CeilDivUIOp(), span, step);
    Value share = fold(arith::DivUIOp(), trips, teamSize);
    Value extra = fold(arith::RemUIOp(), trips, teamSize);
    Value before = fold(arith::MinUIOp(), threadIndex, extra);
    Value full = fold(arith::MulIOp(), threadIndex, share);
    Value begin = fold(arith::AddIOp(), full, before);
    Value longer = fold(arith::CmpIOp(), arith::CmpIPredicate::ult, threadIndex, extra);
    Value more = fold(arith::SelectOp(), longer, one, zero);
    Value end = fold(arith::AddIOp(), begin, share);
    end = fold(arith::AddIOp(), end, more);
    auto at = [&](Value trip) {
      Value offset = fold(arith::MulIOp(), trip, step);
      return fold(arith::AddIOp(), offset, lower);
    };
    Value first = at(begin);
    Value last = at(end);
    SmallVector<Value> lowers{first}, uppers{last}, steps{step};
    for (unsigned d = 1; d < parallel.getNumLoops(); ++d) {
      lowers.push_back(parallel.getLowerBound()[d]);
      uppers.push_back(parallel.getUpperBound()[d]);
      steps.push_back(parallel.getStep()[d]);
    }
    scf::LoopNest nest = scf::buildLoopNest(rewriter, loc, lowers, uppers, steps);
    Block *body = nest.loops.back().getBody();
    rewriter.eraseOp(parallel.getBody()->getTerminator()); // scf.reduce, no operands
    SmallVector<Value> ivs;
    for (scf::ForOp loop : nest.loops)
      ivs.push_back(loop.getInductionVar());
    rewriter.inlineBlockBefore(parallel.getBody(), body->getTerminator(), ivs);
    rewriter.eraseOp(parallel);
  }

  void runOnOperation() override {
    if (threads < 1) {
      getOperation().emitError("rnnc-hoist-parallel-region: threads must be positive");
      return signalPassFailure();
    }
    ModuleOp module = getOperation();
    SmallVector<scf::ForOp> loops;
    module.walk<WalkOrder::PreOrder>([&](Operation *op) {
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
    if (loops.empty())
      return;
    func::FuncOp threadNum = rnnc::declareI32Function(module, "omp_get_thread_num");
    func::FuncOp numThreads = rnnc::declareI32Function(module, "omp_get_num_threads");
    IRRewriter rewriter(&getContext());
    for (scf::ForOp loop : loops) {
      Location loc = loop.getLoc();
      rewriter.setInsertionPoint(loop);
      omp::ParallelClauseOps clauses;
      clauses.numThreadsVar = rewriter.create<LLVM::ConstantOp>(
          loc, rewriter.getI32Type(), rewriter.getI32IntegerAttr(threads));
      auto team = rewriter.create<omp::ParallelOp>(loc, clauses);
      team->setAttr(rnnc::kSpinBarrierTeam, rewriter.getUnitAttr());
      Block *body = rewriter.createBlock(&team.getRegion());
      rewriter.setInsertionPointToEnd(body);
      auto terminator = rewriter.create<omp::TerminatorOp>(loc);
      // The team may have fewer threads than asked for (nested in another
      // team, a thread limit): shares are cut by its actual size.
      rewriter.setInsertionPoint(terminator);
      auto asIndex = [&](func::FuncOp function) {
        Value value = rewriter.create<func::CallOp>(loc, function).getResult(0);
        return rewriter.create<arith::IndexCastOp>(loc, rewriter.getIndexType(), value);
      };
      threadIndex = asIndex(threadNum);
      teamSize = asIndex(numThreads);
      zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
      one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
      loop->moveBefore(terminator);
      // The next iteration's first stages must not race with what a slower
      // thread still runs in this one: a barrier ends the body, unless what is
      // pending then conflicts with none of the stages before the body's first
      // barrier (which then waits for both; the team's end waits for the last).
      Pending since;
      Head head;
      convert(*loop.getBody(), rewriter, since, &head);
      if (!since.empty() && (!head.closed || head.conflictsWith(since))) {
        rewriter.setInsertionPoint(loop.getBody()->getTerminator());
        rewriter.create<omp::BarrierOp>(loc);
      }
    }
  }
};
} // namespace
