#include "rnnc/Transforms/Passes.h"

#include "SumLoops.h"
#include "TimeLoops.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_PERSISTENTTIMELOOP
#include "rnnc/Transforms/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;

namespace {
struct PersistentTimeLoop : rnnc::impl::PersistentTimeLoopBase<PersistentTimeLoop> {
  using PersistentTimeLoopBase::PersistentTimeLoopBase;

  static constexpr int64_t kWarp = 32;
  /// Chunks of units to aim for when weights stay in shared memory: about
  /// the multiprocessors of an A100 (108) or H100 (132).
  static constexpr int64_t kChunks = 128;

  /// What of a time loop's body a persistent kernel runs: its parallel loops
  /// (the steps' kernels) and the pure ops they and the carried buffers
  /// depend on. The rest is host bookkeeping (buffer deallocation's
  /// ownership checks), which touches no device memory and stays in the
  /// host's copy of the loop.
  struct KernelPart {
    SmallVector<scf::ParallelOp> stages;
    llvm::SmallDenseSet<Operation *> pureOps;
    SmallVector<unsigned> carried; // iter_args the kernel's loop carries
  };

  /// Adds the pure ops `value` depends on in the loop body to `ops`; false
  /// when it depends on anything else (a host op, an iter_arg not in
  /// `carried`).
  static bool kernelComputable(Value value, scf::ForOp loop, ArrayRef<bool> carried,
                               llvm::SmallDenseSet<Operation *> &ops) {
    if (loop.isDefinedOutsideOfLoop(value) || value == loop.getInductionVar())
      return true;
    if (auto argument = dyn_cast<BlockArgument>(value))
      return argument.getOwner() == loop.getBody() && carried[argument.getArgNumber() - 1];
    Operation *def = value.getDefiningOp();
    if (def->getBlock() != loop.getBody() || !isMemoryEffectFree(def))
      return false;
    if (!ops.insert(def).second)
      return true;
    SetVector<Value> inputs(def->getOperands().begin(), def->getOperands().end());
    for (Region &region : def->getRegions())
      getUsedValuesDefinedAbove(region, inputs);
    return llvm::all_of(inputs, [&](Value input) {
      return kernelComputable(input, loop, carried, ops);
    });
  }

  static std::optional<KernelPart> kernelPart(scf::ForOp loop) {
    KernelPart part;
    for (Operation &op : loop.getBody()->without_terminator()) {
      auto stage = dyn_cast<scf::ParallelOp>(op);
      if (!stage) {
        bool nested = op.walk([](scf::ParallelOp) { return WalkResult::interrupt(); })
                          .wasInterrupted();
        if (nested)
          return std::nullopt;
        continue;
      }
      bool nested = stage.getBody()
                        ->walk([](scf::ParallelOp) { return WalkResult::interrupt(); })
                        .wasInterrupted();
      if (stage.getNumResults() > 0 || nested)
        return std::nullopt;
      part.stages.push_back(stage);
    }
    if (part.stages.empty())
      return std::nullopt;
    // The carried values the kernel can compute itself: drop the others
    // until none depends on a dropped one.
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    SmallVector<bool> carried(loop.getNumRegionIterArgs(), true);
    for (bool changed = true; changed;) {
      changed = false;
      for (auto [i, next] : llvm::enumerate(yield.getOperands())) {
        llvm::SmallDenseSet<Operation *> ops;
        if (carried[i] && !kernelComputable(next, loop, carried, ops)) {
          carried[i] = false;
          changed = true;
        }
      }
    }
    for (auto [i, next] : llvm::enumerate(yield.getOperands()))
      if (carried[i]) {
        part.carried.push_back(i);
        (void)kernelComputable(next, loop, carried, part.pureOps);
      }
    for (scf::ParallelOp stage : part.stages) {
      SetVector<Value> inputs(stage->getOperands().begin(), stage->getOperands().end());
      getUsedValuesDefinedAbove(stage.getRegion(), inputs);
      for (Value input : inputs)
        if (!kernelComputable(input, loop, carried, part.pureOps))
          return std::nullopt;
    }
    return part;
  }

  /// Bytes of the constant buffers (weights) the steps read.
  static int64_t weightBytes(const KernelPart &part) {
    llvm::SmallDenseSet<Operation *> globals;
    int64_t bytes = 0;
    for (scf::ParallelOp stage : part.stages) {
      SetVector<Value> inputs;
      getUsedValuesDefinedAbove(stage.getRegion(), inputs);
      for (Value input : inputs) {
        // Through views to the buffer they view.
        while (auto view = input.getDefiningOp<ViewLikeOpInterface>())
          input = view.getViewSource();
        auto global = input.getDefiningOp<memref::GetGlobalOp>();
        if (!global || !globals.insert(global).second)
          continue;
        auto type = cast<MemRefType>(global.getType());
        if (type.hasStaticShape())
          bytes += type.getNumElements() * type.getElementTypeBitWidth() / 8;
      }
    }
    return bytes;
  }

  /// `value` computed before `loop`, when it does not depend on the loop's
  /// iterations (pure ops cloned), else null.
  static Value invariant(Value value, scf::ForOp loop, RewriterBase &rewriter) {
    if (loop.isDefinedOutsideOfLoop(value))
      return value;
    Operation *def = value.getDefiningOp();
    if (!def || def->getNumRegions() > 0 || !isMemoryEffectFree(def) ||
        def->getBlock() != loop.getBody())
      return nullptr;
    IRMapping mapping;
    for (Value operand : def->getOperands()) {
      Value hoisted = invariant(operand, loop, rewriter);
      if (!hoisted)
        return nullptr;
      mapping.map(operand, hoisted);
    }
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(loop);
    return rewriter.clone(*def, mapping)->getResult(cast<OpResult>(value).getResultNumber());
  }

  /// ceil(a / b) as (a + b - 1) / b (arith.ceildivui has no
  /// direct LLVM lowering).
  static Value ceilDiv(Value a, Value b, Location loc, RewriterBase &rewriter) {
    Value one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    Value bumped = rewriter.create<arith::AddIOp>(loc, a, rewriter.create<arith::SubIOp>(loc, b, one));
    return rewriter.create<arith::DivUIOp>(loc, bumped, b);
  }

  /// Iterations of `stage`, one count per dimension.
  static SmallVector<Value> tripCounts(scf::ParallelOp stage, IRMapping &mapping,
                                       RewriterBase &rewriter) {
    SmallVector<Value> counts;
    Location loc = stage.getLoc();
    for (auto [lower, upper, step] :
         llvm::zip(stage.getLowerBound(), stage.getUpperBound(), stage.getStep())) {
      Value span = rewriter.create<arith::SubIOp>(loc, mapping.lookupOrDefault(upper),
                                                  mapping.lookupOrDefault(lower));
      counts.push_back(ceilDiv(span, mapping.lookupOrDefault(step), loc, rewriter));
    }
    return counts;
  }

  static Value product(ArrayRef<Value> values, Location loc, RewriterBase &rewriter) {
    Value result = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    for (Value value : values)
      result = rewriter.create<arith::MulIOp>(loc, result, value);
    return result;
  }

  /// A memory access of a stage: a load or store whose indices are the
  /// stage's induction variables in order (`identity`) or anything else.
  /// `root`/`offsets`: the buffer seen through subviews with static offsets
  /// and unit strides (and casts), and where the view starts in it.
  struct Access {
    Value buffer;
    bool write;
    bool identity;
    size_t stage = 0;
    Value root;
    SmallVector<int64_t, 2> offsets;
  };

  /// The accesses of `stage`, or nullopt when it touches memory otherwise.
  static std::optional<SmallVector<Access>> accessesOf(scf::ParallelOp stage, size_t index) {
    SmallVector<Access> accesses;
    auto add = [&](Value buffer, bool write, ValueRange indices) {
      Access access{buffer, write, llvm::equal(indices, stage.getInductionVars()), index,
                    buffer, SmallVector<int64_t, 2>(indices.size(), 0)};
      while (true) {
        if (auto cast = access.root.getDefiningOp<memref::CastOp>()) {
          access.root = cast.getSource();
          continue;
        }
        auto view = access.root.getDefiningOp<memref::SubViewOp>();
        if (!view || view.getSourceType().getRank() != view.getType().getRank() ||
            !llvm::all_of(view.getStaticStrides(), [](int64_t s) { return s == 1; }) ||
            llvm::any_of(view.getStaticOffsets(), ShapedType::isDynamic))
          break;
        for (auto [offset, start] : llvm::zip(access.offsets, view.getStaticOffsets()))
          offset += start;
        access.root = view.getSource();
      }
      accesses.push_back(access);
    };
    WalkResult result = stage.getBody()->walk([&](Operation *op) {
      if (auto load = dyn_cast<memref::LoadOp>(op))
        add(load.getMemRef(), false, load.getIndices());
      else if (auto store = dyn_cast<memref::StoreOp>(op))
        add(store.getMemRef(), true, store.getIndices());
      else if (!isMemoryEffectFree(op) && !op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return std::nullopt;
    return accesses;
  }

  static bool sameValue(Value x, Value y) {
    std::optional<int64_t> cx = getConstantIntValue(x), cy = getConstantIntValue(y);
    return x == y || (cx && cy && *cx == *cy);
  }

  static bool sameIterations(scf::ParallelOp a, scf::ParallelOp b) {
    return a.getNumLoops() == b.getNumLoops() &&
           llvm::all_of(llvm::zip(a->getOperands(), b->getOperands()),
                        [&](auto pair) { return sameValue(std::get<0>(pair), std::get<1>(pair)); });
  }

  /// Whether two stages have the same outermost iterations.
  static bool sameRows(scf::ParallelOp a, scf::ParallelOp b) {
    return sameValue(a.getLowerBound()[0], b.getLowerBound()[0]) &&
           sameValue(a.getUpperBound()[0], b.getUpperBound()[0]) &&
           sameValue(a.getStep()[0], b.getStep()[0]);
  }

  /// The static extent of a 2-D stage's inner dimension when it runs from 0
  /// by 1, else 0.
  static int64_t innerExtent(scf::ParallelOp stage) {
    if (stage.getNumLoops() != 2 || !matchPattern(stage.getLowerBound()[1], m_Zero()) ||
        !matchPattern(stage.getStep()[1], m_One()))
      return 0;
    return getConstantIntValue(stage.getUpperBound()[1]).value_or(0);
  }

  /// How each stage's iterations are dealt to threads: a 2-D stage over
  /// [rows, n] with unit u (u divides n) gives iteration (i, j) to the thread
  /// of (i, j mod u), the n / u iterations of a thread one after another;
  /// unit n (and 0, for other stages) is the plain linear order. A stage
  /// whose [rows, n] result a later stage over [rows, u] reads in column
  /// slices (an LSTM's gates, read per gate by the cell update) gets unit u,
  /// and so do the stages over [rows, n] whose results it reads elementwise
  /// (the gate matmul and its zero fill): then each thread computes the
  /// gates of the units it updates, and no barrier separates them.
  static SmallVector<int64_t> unitsOf(ArrayRef<scf::ParallelOp> stages,
                                      ArrayRef<SmallVector<Access>> accesses) {
    SmallVector<int64_t> units;
    for (scf::ParallelOp stage : stages)
      units.push_back(innerExtent(stage));
    // Readers in column slices.
    for (size_t t = 0; t < stages.size(); ++t) {
      int64_t unit = innerExtent(stages[t]);
      if (unit <= 0)
        continue;
      for (const Access &read : accesses[t]) {
        if (read.write || !read.identity || read.offsets[1] % unit != 0)
          continue;
        for (size_t s = 0; s < t; ++s) {
          int64_t n = innerExtent(stages[s]);
          if (n <= unit || n % unit != 0 || units[s] != n || !sameRows(stages[s], stages[t]))
            continue;
          bool writes = llvm::any_of(accesses[s], [&](const Access &w) {
            return w.write && w.identity && w.root == read.root && w.offsets[0] == read.offsets[0] &&
                   w.offsets[1] % unit == 0;
          });
          if (writes)
            units[s] = unit;
        }
      }
    }
    // Back through elementwise chains over the same iterations.
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t t = 0; t < stages.size(); ++t) {
        if (units[t] <= 0 || units[t] == innerExtent(stages[t]))
          continue;
        for (size_t s = 0; s < t; ++s) {
          if (units[s] != innerExtent(stages[s]) || !sameIterations(stages[s], stages[t]))
            continue;
          bool feeds = llvm::any_of(accesses[s], [&](const Access &w) {
            return w.write && w.identity &&
                   llvm::any_of(accesses[t], [&](const Access &r) {
                     return r.identity && r.buffer == w.buffer;
                   });
          });
          if (feeds) {
            units[s] = units[t];
            changed = true;
          }
        }
      }
    }
    return units;
  }

  /// Whether the thread that makes access `a` also makes `b` whenever they
  /// touch the same element.
  static bool sameThread(const Access &a, const Access &b, ArrayRef<scf::ParallelOp> stages,
                         ArrayRef<int64_t> units) {
    if (!a.identity || !b.identity || units[a.stage] != units[b.stage])
      return false;
    scf::ParallelOp sa = stages[a.stage], sb = stages[b.stage];
    if (a.buffer == b.buffer && sameIterations(sa, sb))
      return true;
    // Slices of one buffer, dealt by the same unit: the same element is the
    // same row and the same column modulo the unit.
    int64_t unit = units[a.stage];
    return unit > 0 && a.root == b.root && a.offsets.size() == 2 && b.offsets.size() == 2 &&
           a.offsets[0] == b.offsets[0] && (a.offsets[1] - b.offsets[1]) % unit == 0 &&
           sameRows(sa, sb);
  }

  /// Whether `carried` (an iter_arg of `loop`) and `next` are always
  /// different buffers within a step: `next` is what the step yields for it,
  /// one of two buffers allocated before the loop alternating with the step's
  /// parity (rnnc-hoist-step-buffers), neither of them the initial value.
  static bool alternates(Value carried, Value next, scf::ForOp loop) {
    auto argument = dyn_cast<BlockArgument>(carried);
    if (!argument || argument.getOwner() != loop.getBody() || argument.getArgNumber() == 0)
      return false;
    unsigned i = argument.getArgNumber() - 1;
    if (loop.getBody()->getTerminator()->getOperand(i) != next)
      return false;
    auto select = next.getDefiningOp<arith::SelectOp>();
    if (!select)
      return false;
    auto even = select.getTrueValue().getDefiningOp<memref::AllocOp>();
    auto odd = select.getFalseValue().getDefiningOp<memref::AllocOp>();
    Value init = loop.getInitArgs()[i];
    if (!even || !odd || even == odd || !loop.isDefinedOutsideOfLoop(even) ||
        !loop.isDefinedOutsideOfLoop(odd) || init == even.getResult() || init == odd.getResult())
      return false;
    return isStepParity(select.getCondition(), loop);
  }

  /// Whether `condition` is the parity of the step: x % 2 == 0 with x
  /// growing by one per step: (iv - lb) / step, iv / step, or iv - lb and iv
  /// when the step is 1.
  static bool isStepParity(Value condition, scf::ForOp loop) {
    auto isEven = condition.getDefiningOp<arith::CmpIOp>();
    if (!isEven || isEven.getPredicate() != arith::CmpIPredicate::eq ||
        !matchPattern(isEven.getRhs(), m_Zero()))
      return false;
    auto remainder = isEven.getLhs().getDefiningOp<arith::RemUIOp>();
    if (!remainder || getConstantIntValue(remainder.getRhs()) != 2)
      return false;
    Value step = remainder.getLhs();
    if (auto divide = step.getDefiningOp<arith::DivUIOp>()) {
      if (divide.getRhs() != loop.getStep())
        return false;
      step = divide.getLhs();
    }
    if (auto subtract = step.getDefiningOp<arith::SubIOp>()) {
      if (subtract.getRhs() != loop.getLowerBound())
        return false;
      step = subtract.getLhs();
    }
    return step == loop.getInductionVar() &&
           (matchPattern(loop.getStep(), m_One()) ||
            remainder.getLhs().getDefiningOp<arith::DivUIOp>());
  }

  /// Whether stage `t`, after stage `s` in a step, may need a grid barrier
  /// between them (barriersAfter's test for one pair).
  static bool conflict(scf::ForOp loop, ArrayRef<scf::ParallelOp> stages,
                       ArrayRef<std::optional<SmallVector<Access>>> accesses,
                       ArrayRef<int64_t> units, size_t s, size_t t) {
    if (!accesses[s] || !accesses[t])
      return true;
    for (const Access &a : *accesses[s])
      for (const Access &b : *accesses[t]) {
        if ((!a.write && !b.write) || sameThread(a, b, stages, units) ||
            alternates(a.buffer, b.buffer, loop) || alternates(b.buffer, a.buffer, loop))
          continue;
        if (rnnc::mayAlias(a.buffer, b.buffer))
          return true;
      }
    return false;
  }

  /// Whether stage `t`, after stage `s` in a step, may touch an element `s`
  /// touches, one of them writing it (so `t` must not run before `s`).
  static bool dependent(scf::ForOp loop, ArrayRef<std::optional<SmallVector<Access>>> accesses,
                        size_t s, size_t t) {
    if (!accesses[s] || !accesses[t])
      return true;
    for (const Access &a : *accesses[s])
      for (const Access &b : *accesses[t])
        if ((a.write || b.write) && !alternates(a.buffer, b.buffer, loop) &&
            !alternates(b.buffer, a.buffer, loop) && rnnc::mayAlias(a.buffer, b.buffer))
          return true;
    return false;
  }

  /// Raises `phases` until each stage is in a phase after every stage it
  /// conflicts with (so no barrier separates the stages of a phase), in
  /// none before a stage it depends on (a phase runs its stages in order),
  /// and, with `acrossSteps`, in none before a stage of the step before that
  /// it depends on (which a wavefront would otherwise run after it). False
  /// when no phases can be (a stage would have to follow itself).
  static bool raisePhases(scf::ForOp loop, ArrayRef<scf::ParallelOp> stages,
                          ArrayRef<std::optional<SmallVector<Access>>> accesses,
                          ArrayRef<int64_t> units, bool acrossSteps,
                          ArrayRef<memref::AllocOp> twins, MutableArrayRef<int64_t> phases) {
    auto raise = [&](size_t stage, int64_t phase) {
      if (phases[stage] >= phase)
        return false;
      phases[stage] = phase;
      return true;
    };
    for (bool changed = true; changed;) {
      // Phases past the number of stages: a cycle.
      if (llvm::any_of(phases, [&](int64_t phase) { return phase >= int64_t(stages.size()); }))
        return false;
      changed = false;
      for (size_t t = 0; t < stages.size(); ++t)
        for (size_t s = 0; s < t; ++s) {
          if (conflict(loop, stages, accesses, units, s, t))
            changed |= raise(t, phases[s] + 1);
          else if (dependent(loop, accesses, s, t))
            changed |= raise(t, phases[s]);
        }
      if (!acrossSteps)
        return true;
      for (size_t s = 0; s < stages.size(); ++s)
        for (size_t t = 0; t < stages.size(); ++t) {
          if (phases[s] >= phases[t])
            continue;
          bool follows = !accesses[s] || !accesses[t] ||
                         llvm::any_of(*accesses[s], [&](const Access &a) {
                           return llvm::any_of(*accesses[t], [&](const Access &b) {
                             return conflictAcrossSteps(a, b, 1, loop, twins);
                           });
                         });
          if (follows)
            changed |= raise(s, phases[t]);
        }
    }
    return true;
  }

  /// The buffer alternating with the step's parity that `buffer` is in
  /// step s + `shift` (a parity select of the loop; a carried buffer is
  /// the one its step yields in the step before), seen through views; null
  /// when it is not one.
  static Value parityBuffer(Value buffer, scf::ForOp loop, int64_t &shift) {
    shift = 0;
    while (true) {
      if (auto view = buffer.getDefiningOp<ViewLikeOpInterface>())
        buffer = view.getViewSource();
      else if (auto cast = buffer.getDefiningOp<memref::CastOp>())
        buffer = cast.getSource();
      else
        break;
    }
    if (auto argument = dyn_cast<BlockArgument>(buffer)) {
      if (argument.getOwner() != loop.getBody() || argument.getArgNumber() == 0)
        return Value();
      buffer = loop.getBody()->getTerminator()->getOperand(argument.getArgNumber() - 1);
      shift = -1;
    }
    auto select = buffer.getDefiningOp<arith::SelectOp>();
    if (!select || select->getBlock() != loop.getBody() ||
        !isStepParity(select.getCondition(), loop))
      return Value();
    return buffer;
  }

  /// Whether access `a` in step s + `k` and `b` in step s may touch the same
  /// element with one of them writing it.
  /// Buffers in `twins` count as twinned: a different one in steps an odd
  /// number apart.
  static bool conflictAcrossSteps(const Access &a, const Access &b, int64_t k, scf::ForOp loop,
                                  ArrayRef<memref::AllocOp> twins) {
    if (!a.write && !b.write)
      return false;
    auto twinned = [&](Value buffer) -> Operation * {
      llvm::SmallDenseSet<Value> roots, visited;
      rnnc::bufferRoots(buffer, roots, visited);
      if (roots.size() != 1 || !*roots.begin())
        return nullptr;
      Operation *root = roots.begin()->getDefiningOp();
      return llvm::is_contained(twins, root) ? root : nullptr;
    };
    if (Operation *twin = twinned(a.buffer); twin && twin == twinned(b.buffer))
      return k % 2 == 0;
    int64_t shiftA, shiftB;
    Value parityA = parityBuffer(a.buffer, loop, shiftA);
    Value parityB = parityBuffer(b.buffer, loop, shiftB);
    if (parityA && parityA == parityB)
      return (k + shiftA - shiftB) % 2 == 0;
    return rnnc::mayAlias(a.buffer, b.buffer);
  }

  /// Whether phase p may run step s + d while a later phase q = p + d runs
  /// step s, for every d: then also steps s + 1 ... s + d - 1 of p run
  /// before step s of q, so none of those may conflict either.
  static bool wavefrontLegal(scf::ForOp loop, ArrayRef<std::optional<SmallVector<Access>>> accesses,
                             ArrayRef<int64_t> phases, ArrayRef<memref::AllocOp> twins) {
    for (size_t s = 0; s < phases.size(); ++s)
      for (size_t t = 0; t < phases.size(); ++t) {
        if (phases[s] >= phases[t])
          continue;
        if (!accesses[s] || !accesses[t])
          return false;
        for (int64_t k = 1; k <= phases[t] - phases[s]; ++k)
          for (const Access &a : *accesses[s])
            for (const Access &b : *accesses[t])
              if (conflictAcrossSteps(a, b, k, loop, twins))
                return false;
      }
    return true;
  }

  /// Whether `alloc` (a step buffer allocated before the loop) can be given
  /// a twin that alternates with it by the step's parity: every use in the
  /// loop a load or store of a stage or a view in the loop's body only they
  /// use, no view of it before the loop used in it, freed after the loop,
  /// and all of it written before anything reads it in every step (the
  /// first stage touching it stores at each of its elements and reads it
  /// not).
  static bool twinnable(memref::AllocOp alloc, scf::ForOp loop, ArrayRef<scf::ParallelOp> stages,
                        ArrayRef<std::optional<SmallVector<Access>>> accesses) {
    auto inLoop = [&](Operation *op) { return loop->isProperAncestor(op); };
    auto inStage = [&](Operation *op) {
      return llvm::any_of(stages, [&](scf::ParallelOp stage) { return stage->isAncestor(op); });
    };
    auto memoryUse = [&](OpOperand &use) {
      return isa<memref::LoadOp, memref::StoreOp>(use.getOwner()) && inStage(use.getOwner()) &&
             !(isa<memref::StoreOp>(use.getOwner()) && use.getOperandNumber() == 0);
    };
    bool freed = false;
    for (OpOperand &use : alloc->getUses()) {
      Operation *user = use.getOwner();
      if (!inLoop(user)) {
        if (isa<memref::DeallocOp>(user) && user->getBlock() == loop->getBlock() &&
            loop->isBeforeInBlock(user))
          freed = true;
        else if (auto view = dyn_cast<ViewLikeOpInterface>(user))
          if (llvm::any_of(view->getUsers(), inLoop))
            return false;
        continue;
      }
      if (memoryUse(use))
        continue;
      auto view = dyn_cast<ViewLikeOpInterface>(user);
      if (!view || user->getBlock() != loop.getBody() ||
          !llvm::all_of(user->getUses(), memoryUse))
        return false;
    }
    if (!freed)
      return false;
    for (size_t i = 0; i < stages.size(); ++i) {
      scf::ParallelOp stage = stages[i];
      if (!accesses[i])
        return false;
      SmallVector<Access> touching;
      for (const Access &access : *accesses[i]) {
        llvm::SmallDenseSet<Value> roots, visited;
        rnnc::bufferRoots(access.buffer, roots, visited);
        if (roots.contains(alloc.getResult()))
          touching.push_back(access);
      }
      if (touching.empty())
        continue;
      auto type = alloc.getType();
      unsigned dynamic = 0;
      for (int64_t d = 0; d < type.getRank(); ++d) {
        Value upper = stage.getUpperBound()[d];
        bool whole = matchPattern(stage.getLowerBound()[d], m_Zero()) &&
                     matchPattern(stage.getStep()[d], m_One()) &&
                     (type.isDynamicDim(d) ? upper == alloc.getDynamicSizes()[dynamic++]
                                           : getConstantIntValue(upper) == type.getDimSize(d));
        if (!whole)
          return false;
      }
      return stage.getNumLoops() == type.getRank() &&
             llvm::all_of(touching, [&](const Access &access) {
               return access.write && access.identity && access.buffer == alloc.getResult();
             }) &&
             llvm::any_of(stage.getBody()->getOps<memref::StoreOp>(), [&](memref::StoreOp store) {
               return store.getMemRef() == alloc.getResult();
             });
    }
    return false;
  }

  /// The step buffers that stages of different phases touch (one of them
  /// writing) and that can have a twin alternating with the step's parity,
  /// so that phases running different steps at once use different ones.
  static SmallVector<memref::AllocOp>
  twinCandidates(scf::ForOp loop, ArrayRef<scf::ParallelOp> stages,
                 ArrayRef<std::optional<SmallVector<Access>>> accesses, ArrayRef<int64_t> phases) {
    llvm::MapVector<Operation *, std::pair<llvm::SmallDenseSet<int64_t>, bool>> touched;
    for (auto [i, stageAccesses] : llvm::enumerate(accesses)) {
      if (!stageAccesses)
        return {};
      for (const Access &access : *stageAccesses) {
        llvm::SmallDenseSet<Value> roots, visited;
        rnnc::bufferRoots(access.buffer, roots, visited);
        for (Value root : roots)
          if (auto alloc = root ? root.getDefiningOp<memref::AllocOp>() : nullptr;
              alloc && loop.isDefinedOutsideOfLoop(root)) {
            auto &[inPhases, written] = touched[alloc];
            inPhases.insert(phases[i]);
            written |= access.write;
          }
      }
    }
    SmallVector<memref::AllocOp> candidates;
    for (auto &[op, use] : touched) {
      auto alloc = cast<memref::AllocOp>(op);
      if (use.first.size() >= 2 && use.second && twinnable(alloc, loop, stages, accesses))
        candidates.push_back(alloc);
    }
    return candidates;
  }

  /// Gives each of `twins` a twin alternating with the step's parity; adds
  /// the ops that pick the step's buffer to `pureOps`.
  static void twinStepBuffers(scf::ForOp loop, ArrayRef<memref::AllocOp> twins,
                              llvm::SmallDenseSet<Operation *> &pureOps, RewriterBase &rewriter) {
    for (memref::AllocOp alloc : twins) {
      Location loc = alloc.getLoc();
      rewriter.setInsertionPointAfter(alloc);
      Operation *twin = rewriter.clone(*alloc);
      for (Operation *user : alloc->getUsers())
        if (isa<memref::DeallocOp>(user) && !loop->isProperAncestor(user)) {
          rewriter.setInsertionPointAfter(user);
          rewriter.create<memref::DeallocOp>(loc, twin->getResult(0));
          break;
        }
      rewriter.setInsertionPointToStart(loop.getBody());
      Value index = rewriter.create<arith::DivUIOp>(
          loc, rewriter.create<arith::SubIOp>(loc, loop.getInductionVar(), loop.getLowerBound()),
          loop.getStep());
      Value parity = rewriter.create<arith::RemUIOp>(
          loc, index, rewriter.create<arith::ConstantIndexOp>(loc, 2));
      Value isEven = rewriter.create<arith::CmpIOp>(
          loc, arith::CmpIPredicate::eq, parity, rewriter.create<arith::ConstantIndexOp>(loc, 0));
      Value buffer = rewriter.create<arith::SelectOp>(loc, isEven, alloc.getResult(),
                                                      twin->getResult(0));
      for (Operation &picked : llvm::make_range(loop.getBody()->begin(),
                                                std::next(buffer.getDefiningOp()->getIterator())))
        pureOps.insert(&picked);
      rewriter.replaceUsesWithIf(alloc.getResult(), buffer, [&](OpOperand &use) {
        return loop->isProperAncestor(use.getOwner()) && use.getOwner() != buffer.getDefiningOp();
      });
    }
  }

  /// Whether a stage needs a grid barrier after it. Not when everything the
  /// next stage touches that the stages since the last barrier wrote (or
  /// that it writes and they touched) is the same element in the same
  /// thread, or another buffer. The last stage of a step always has one.
  static SmallVector<bool> barriersAfter(scf::ForOp loop, ArrayRef<scf::ParallelOp> stages,
                                         ArrayRef<std::optional<SmallVector<Access>>> accesses,
                                         ArrayRef<int64_t> units) {
    SmallVector<bool> after(stages.size(), true);
    auto roots = [&](Value buffer) {
      llvm::SmallDenseSet<Value> result, visited;
      rnnc::bufferRoots(buffer, result, visited);
      return result;
    };
    // The accesses since the last barrier (none: unknown).
    std::optional<SmallVector<Access>> group = accesses.front();
    for (size_t s = 1; s < stages.size(); ++s) {
      const std::optional<SmallVector<Access>> &next = accesses[s];
      bool safe = group && next;
      for (size_t i = 0; safe && i < group->size(); ++i)
        for (size_t j = 0; safe && j < next->size(); ++j) {
          const Access &a = (*group)[i], &b = (*next)[j];
          if ((!a.write && !b.write) || sameThread(a, b, stages, units) ||
              alternates(a.buffer, b.buffer, loop) || alternates(b.buffer, a.buffer, loop))
            continue;
          llvm::SmallDenseSet<Value> ra = roots(a.buffer), rb = roots(b.buffer);
          safe = llvm::none_of(ra, [&](Value root) { return rb.contains(root); });
        }
      if (!safe) {
        group = next;
        continue;
      }
      after[s - 1] = false;
      group->append(next->begin(), next->end());
    }
    return after;
  }

  /// A stage that sums into its iteration's element over k (a matmul): its
  /// body one loop summing into memory (matchSumLoop).
  using Reduction = rnnc::SumLoop;

  static std::optional<Reduction> reductionOf(scf::ParallelOp stage) {
    Block *body = stage.getBody();
    if (!llvm::hasSingleElement(body->without_terminator()))
      return std::nullopt;
    auto loop = dyn_cast<scf::ForOp>(body->front());
    return loop ? rnnc::matchSumLoop(loop) : std::nullopt;
  }

  /// The sum's static depth (iterations of its loop), else 0.
  static int64_t depth(Reduction reduction) {
    std::optional<int64_t> lower = getConstantIntValue(reduction.loop.getLowerBound()),
                           upper = getConstantIntValue(reduction.loop.getUpperBound()),
                           step = getConstantIntValue(reduction.loop.getStep());
    if (!lower || !upper || !step || *step <= 0 || *upper <= *lower)
      return 0;
    return (*upper - *lower + *step - 1) / *step;
  }

  /// What lane `lane` of `lanes` sums of `reduction`'s terms (k = lane,
  /// lane + lanes, ...), in a register; `body` maps the stage's induction
  /// variables. Multiplies and adds may contract (to fma).
  /// Weights of a matmul sum kept in shared memory: `load` reads the
  /// constant [k, n] buffer `source` at [k, j], j over `slices` slices of
  /// `unit` columns; `shared` holds [k, slices x chunk units] of them.
  struct SharedWeights {
    memref::LoadOp load;
    Value source;
    int64_t depth, unit, slices;
    Value shared;
  };

  /// Where a lane's sum reads the weights from shared memory: column
  /// `column` of `weights->shared`.
  struct SharedColumn {
    SharedWeights *weights = nullptr;
    Value column;
  };

  static Value laneSum(Reduction reduction, const IRMapping &body, Value lane,
                       int64_t lanes, SharedColumn tile, Location loc, RewriterBase &rewriter) {
    scf::ForOp loop = reduction.loop;
    Value step = body.lookupOrDefault(loop.getStep());
    Value start = rewriter.create<arith::AddIOp>(
        loc, body.lookupOrDefault(loop.getLowerBound()),
        rewriter.create<arith::MulIOp>(loc, lane, step));
    Value stride = rewriter.create<arith::MulIOp>(
        loc, step, rewriter.create<arith::ConstantIndexOp>(loc, lanes));
    Type type = reduction.add.getType();
    Value zero = rewriter.create<arith::ConstantOp>(loc, type, rewriter.getFloatAttr(type, 0.0));
    auto sum = rewriter.create<scf::ForOp>(loc, start, body.lookupOrDefault(loop.getUpperBound()),
                                           stride, ValueRange{zero});
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(sum.getBody());
    IRMapping terms = body;
    terms.map(loop.getInductionVar(), sum.getInductionVar());
    terms.map(reduction.load.getResult(), sum.getRegionIterArgs()[0]);
    Value next = rnnc::cloneSumTerms(reduction, terms, rewriter, [&](Operation &op, IRMapping &m) {
      if (!tile.weights || &op != tile.weights->load.getOperation())
        return false;
      m.map(tile.weights->load.getResult(),
            rewriter.create<memref::LoadOp>(loc, tile.weights->shared,
                                            ValueRange{sum.getInductionVar(), tile.column}));
      return true;
    });
    rewriter.create<scf::YieldOp>(loc, next);
    return sum.getResult(0);
  }

  /// The element plus `total`, stored where the reduction stores.
  static void addToElement(Reduction reduction, const IRMapping &body, Value total,
                           RewriterBase &rewriter) {
    IRMapping mapping = body;
    Operation *element = rewriter.clone(*reduction.load, mapping);
    Value sum = rewriter.create<arith::AddFOp>(reduction.add.getLoc(), element->getResult(0), total);
    mapping.map(reduction.add.getResult(), sum);
    rewriter.clone(*reduction.store, mapping);
  }

  /// Every block waits until all blocks have arrived at barrier `target` /
  /// gridDim (a count that only grows within a launch).
  void gridBarrier(Location loc, Value counter, Value target, Value isLeader,
                   RewriterBase &rewriter) {
    auto fence = [&]() {
      // LLVM 19's NVPTX backend selects no `fence` instruction.
      if (ptxFences)
        rewriter.create<LLVM::InlineAsmOp>(loc, Type(), ValueRange(), "fence.acq_rel.gpu;",
                                           "~{memory}", /*has_side_effects=*/true,
                                           /*is_align_stack=*/false, LLVM::AsmDialectAttr(),
                                           ArrayAttr());
      else
        rewriter.create<LLVM::FenceOp>(loc, LLVM::AtomicOrdering::acq_rel);
    };
    Type i64 = rewriter.getI64Type();
    Value zeroIndex = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    auto atomicAdd = [&](int64_t amount) {
      auto add = rewriter.create<memref::AtomicRMWOp>(
          loc, arith::AtomicRMWKind::addi,
          rewriter.create<arith::ConstantIntOp>(loc, amount, i64), counter,
          ValueRange{zeroIndex});
      add->setAttr(rnnc::kGridBarrierAttrName, rewriter.getUnitAttr());
      return add.getResult();
    };
    // Each thread's writes of this stage are done before its block arrives.
    rewriter.create<gpu::BarrierOp>(loc);
    auto leader = rewriter.create<scf::IfOp>(loc, isLeader, /*withElseRegion=*/false);
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPoint(leader.thenBlock()->getTerminator());
      fence(); // release the block's writes
      atomicAdd(1);
      auto wait = rewriter.create<scf::WhileOp>(loc, TypeRange(), ValueRange());
      rewriter.createBlock(&wait.getBefore());
      Value arrived = atomicAdd(0);
      Value early = rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, arrived,
                                                   rewriter.create<arith::IndexCastOp>(loc, i64, target));
      rewriter.create<scf::ConditionOp>(loc, early, ValueRange());
      rewriter.createBlock(&wait.getAfter());
      rewriter.create<scf::YieldOp>(loc);
      rewriter.setInsertionPointAfter(wait);
      fence(); // acquire the other blocks'
    }
    rewriter.create<gpu::BarrierOp>(loc);
  }

  /// How a thread takes part in the stages: as group `first` of `stride`
  /// groups (every `stride`-th iteration from `first`), lane `lane` of
  /// `lanes` (with lanes above 1).
  struct Lanes {
    Value first, stride;
    Value lane, isFirstLane;
    int64_t lanes;
  };

  /// The lanes of a time loop's groups: 1 without sums to share.
  int64_t lanesFor(ArrayRef<std::optional<Reduction>> reductions) const {
    if (llvm::none_of(reductions, [](const auto &r) { return r.has_value(); }))
      return 1;
    if (lanes > 0)
      return lanes;
    int64_t deepest = 0;
    for (std::optional<Reduction> reduction : reductions)
      if (reduction)
        deepest = std::max(deepest, depth(*reduction));
    int64_t chosen = 1;
    while (chosen * 2 <= kWarp && threads % (chosen * 2) == 0 && chosen * 2 * kWarp <= deepest &&
           warpsIntact())
      chosen *= 2;
    return chosen;
  }

  /// Whether a block is whole warps (or less than one): shuffles across a
  /// group's lanes then have all of the warp's threads.
  bool warpsIntact() const { return threads <= kWarp || threads % kWarp == 0; }

  /// One iteration of `stage` (`body` maps its induction variables). A sum
  /// is split over the group's lanes and added up with shuffles; the rest
  /// runs on the group's first lane; nothing when the iteration is past the
  /// end (`valid` false; null: always valid). With `tile`, the sum reads its
  /// weights from shared memory when `resident`.
  void emitIteration(scf::ParallelOp stage, std::optional<Reduction> reduction,
                     IRMapping body, const Lanes &group, Value valid, SharedColumn tile,
                     Value resident, RewriterBase &rewriter) {
    Location loc = stage.getLoc();
    OpBuilder::InsertionGuard guard(rewriter);
    auto guarded = [&](Value condition) {
      if (!condition)
        return;
      auto only = rewriter.create<scf::IfOp>(loc, condition, /*withElseRegion=*/false);
      rewriter.setInsertionPoint(only.thenBlock()->getTerminator());
    };
    auto both = [&](Value a, Value b) -> Value {
      if (!a || !b)
        return a ? a : b;
      return rewriter.create<arith::AndIOp>(loc, a, b);
    };
    Value firstLaneOfValid = both(valid, group.lanes > 1 ? group.isFirstLane : Value());
    if (!reduction) {
      guarded(firstLaneOfValid);
      for (Operation &nested : stage.getBody()->without_terminator())
        rewriter.clone(nested, body);
      return;
    }
    Type type = reduction->add.getType();
    auto yieldIf = [&](Value condition, function_ref<Value()> then,
                       function_ref<Value()> otherwise) -> Value {
      auto choice = rewriter.create<scf::IfOp>(loc, TypeRange{type}, condition,
                                               /*withElseRegion=*/true);
      OpBuilder::InsertionGuard inner(rewriter);
      rewriter.setInsertionPointToStart(choice.thenBlock());
      rewriter.create<scf::YieldOp>(loc, then());
      rewriter.setInsertionPointToStart(choice.elseBlock());
      rewriter.create<scf::YieldOp>(loc, otherwise());
      return choice.getResult(0);
    };
    Value lane = group.lanes > 1 ? group.lane : rewriter.create<arith::ConstantIndexOp>(loc, 0);
    auto sum = [&]() -> Value {
      auto from = [&](SharedColumn where) {
        return laneSum(*reduction, body, lane, group.lanes, where, loc, rewriter);
      };
      if (!tile.weights)
        return from(SharedColumn());
      return yieldIf(resident, [&] { return from(tile); }, [&] { return from(SharedColumn()); });
    };
    if (group.lanes == 1) {
      guarded(valid);
      addToElement(*reduction, body, sum(), rewriter);
      return;
    }
    Value total = valid ? yieldIf(valid, sum, [&]() -> Value {
      return rewriter.create<arith::ConstantOp>(loc, type, rewriter.getFloatAttr(type, 0.0));
    })
                        : sum();
    // A butterfly: every lane ends with the group's total.
    int32_t width = static_cast<int32_t>(std::min<int64_t>(kWarp, threads));
    for (int64_t offset = group.lanes / 2; offset >= 1; offset /= 2) {
      auto shuffle = rewriter.create<gpu::ShuffleOp>(loc, total, static_cast<int32_t>(offset), width,
                                                     gpu::ShuffleMode::XOR);
      total = rewriter.create<arith::AddFOp>(loc, total, shuffle.getShuffleResult());
    }
    guarded(firstLaneOfValid);
    addToElement(*reduction, body, total, rewriter);
  }

  /// The weights of `stage`'s sum that can stay in shared memory: a load
  /// in the sum's loop at [k, j] (k its induction variable from 0 by 1 to
  /// a static depth, j the stage's inner one) of a buffer of static shape
  /// defined before the time loop; the stage's inner dimension static from
  /// 0 by 1, dealt by `unit`.
  static std::optional<SharedWeights> sharedWeightsOf(scf::ParallelOp stage,
                                                      std::optional<Reduction> reduction,
                                                      int64_t unit, scf::ForOp loop) {
    int64_t columns = innerExtent(stage);
    if (!reduction || columns <= 0 || !matchPattern(reduction->loop.getLowerBound(), m_Zero()) ||
        !matchPattern(reduction->loop.getStep(), m_One()))
      return std::nullopt;
    int64_t depthOfSum = depth(*reduction);
    if (unit <= 0)
      unit = columns;
    for (auto load : reduction->loop.getBody()->getOps<memref::LoadOp>()) {
      auto type = cast<MemRefType>(load.getMemRef().getType());
      if (load == reduction->load || !loop.isDefinedOutsideOfLoop(load.getMemRef()) ||
          !type.hasStaticShape() || type.getRank() != 2 ||
          load.getIndices()[0] != reduction->loop.getInductionVar() ||
          load.getIndices()[1] != stage.getInductionVars()[1] || type.getDimSize(0) < depthOfSum ||
          type.getDimSize(1) < columns || depthOfSum <= 0)
        continue;
      return SharedWeights{load, load.getMemRef(), depthOfSum, unit, columns / unit, Value()};
    }
    return std::nullopt;
  }

  /// Copies, before the time loop, the weight columns of chunk `blockId`
  /// (`chunk` units, every slice) into shared memory, by the block's
  /// threads in turn; then the block waits for them.
  void stageWeights(ArrayRef<SharedWeights> weights, int64_t chunk, Value blockId, Value threadId,
                    Location loc, RewriterBase &rewriter) {
    auto index = [&](int64_t value) { return rewriter.create<arith::ConstantIndexOp>(loc, value); };
    for (const SharedWeights &w : weights) {
      int64_t width = w.slices * chunk;
      auto copy = rewriter.create<scf::ForOp>(loc, threadId, index(w.depth * width), index(threads));
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(copy.getBody());
      Value i = copy.getInductionVar();
      Value k = rewriter.create<arith::DivUIOp>(loc, i, index(width));
      Value column = rewriter.create<arith::RemUIOp>(loc, i, index(width));
      Value slice = rewriter.create<arith::DivUIOp>(loc, column, index(chunk));
      Value unit = rewriter.create<arith::AddIOp>(
          loc, rewriter.create<arith::MulIOp>(loc, blockId, index(chunk)),
          rewriter.create<arith::RemUIOp>(loc, column, index(chunk)));
      auto inside = rewriter.create<scf::IfOp>(
          loc, rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, unit, index(w.unit)),
          /*withElseRegion=*/false);
      rewriter.setInsertionPoint(inside.thenBlock()->getTerminator());
      Value j = rewriter.create<arith::AddIOp>(
          loc, rewriter.create<arith::MulIOp>(loc, slice, index(w.unit)), unit);
      Value weight = rewriter.create<memref::LoadOp>(loc, w.source, ValueRange{k, j});
      rewriter.create<memref::StoreOp>(loc, weight, w.shared, ValueRange{k, column});
    }
    rewriter.create<gpu::BarrierOp>(loc);
  }

  /// Units per chunk when weights stay in shared memory (0: none; then
  /// `shared` is all empty): about kChunks chunks of the widest stage, at
  /// most as many units as the weights of fit `shared-weight-bytes`.
  int64_t chunkUnits(ArrayRef<scf::ParallelOp> stages, ArrayRef<std::optional<Reduction>> reductions,
                     ArrayRef<int64_t> units,
                     ArrayRef<std::optional<SmallVector<Access>>> accesses, scf::ForOp loop,
                     MutableArrayRef<std::optional<SharedWeights>> shared) const {
    // Not when a stage touches memory other than by loads and stores: it
    // might write the weights.
    if (sharedWeightBytes <= 0 ||
        llvm::any_of(accesses, [](const auto &stageAccesses) { return !stageAccesses; }))
      return 0;
    // The buffers the steps write (null: a function argument, any of them).
    llvm::SmallDenseSet<Value> written, visited;
    for (const std::optional<SmallVector<Access>> &stageAccesses : accesses)
      for (const Access &access : *stageAccesses)
        if (access.write)
          rnnc::bufferRoots(access.buffer, written, visited);
    int64_t bytesPerUnit = 0, widest = 0;
    for (auto [i, stage] : llvm::enumerate(stages)) {
      shared[i] = sharedWeightsOf(stage, reductions[i], units[i], loop);
      if (!shared[i])
        continue;
      // Copied once: only weights that no step writes.
      llvm::SmallDenseSet<Value> roots, seen;
      rnnc::bufferRoots(shared[i]->source, roots, seen);
      if (llvm::any_of(roots, [&](Value root) { return written.contains(root); })) {
        shared[i].reset();
        continue;
      }
      auto type = cast<MemRefType>(shared[i]->source.getType());
      bytesPerUnit +=
          shared[i]->depth * shared[i]->slices * type.getElementTypeBitWidth() / 8;
      widest = std::max(widest, shared[i]->unit);
    }
    int64_t fit = bytesPerUnit > 0 ? sharedWeightBytes / bytesPerUnit : 0;
    if (fit == 0) {
      for (std::optional<SharedWeights> &weights : shared)
        weights.reset();
      return 0;
    }
    return std::min(fit, std::max<int64_t>(1, (widest + kChunks - 1) / kChunks));
  }

  /// A 2-D stage dealt by chunks of `chunk` units: chunk c to block
  /// c mod gridDim (round c / gridDim), its (row, unit) pairs to the block's
  /// groups in turn, unit fastest; in rounds every thread runs. In round 0
  /// a block's chunk is the one whose weights it holds in shared memory.
  void emitChunked(scf::ParallelOp stage, std::optional<Reduction> reduction,
                   ArrayRef<Value> counts, int64_t slices, int64_t unit, int64_t chunk,
                   std::optional<SharedWeights> &weights, const IRMapping &mapping,
                   const Lanes &group, gpu::LaunchOp launch, Value groupInBlock,
                   Value groupsPerBlock, RewriterBase &rewriter) {
    Location loc = stage.getLoc();
    OpBuilder::InsertionGuard guard(rewriter);
    auto index = [&](int64_t value) { return rewriter.create<arith::ConstantIndexOp>(loc, value); };
    Value zero = index(0), one = index(1), chunkValue = index(chunk);
    Value rows = counts[0], columns = counts[1];
    Value grid = launch.getGridSize().x, blockId = launch.getBlockIds().x;
    Value chunks = ceilDiv(columns, chunkValue, loc, rewriter);
    auto overChunks =
        rewriter.create<scf::ForOp>(loc, zero, ceilDiv(chunks, grid, loc, rewriter), one);
    rewriter.setInsertionPointToStart(overChunks.getBody());
    Value chunkIndex = rewriter.create<arith::AddIOp>(
        loc, rewriter.create<arith::MulIOp>(loc, overChunks.getInductionVar(), grid), blockId);
    Value resident = rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq,
                                                    overChunks.getInductionVar(), zero);
    Value pairs = rewriter.create<arith::MulIOp>(loc, rows, chunkValue);
    auto overPairs =
        rewriter.create<scf::ForOp>(loc, zero, ceilDiv(pairs, groupsPerBlock, loc, rewriter), one);
    rewriter.setInsertionPointToStart(overPairs.getBody());
    Value pair = rewriter.create<arith::AddIOp>(
        loc, rewriter.create<arith::MulIOp>(loc, overPairs.getInductionVar(), groupsPerBlock),
        groupInBlock);
    Value row = rewriter.create<arith::DivUIOp>(loc, pair, chunkValue);
    Value local = rewriter.create<arith::RemUIOp>(loc, pair, chunkValue);
    Value column = rewriter.create<arith::AddIOp>(
        loc, rewriter.create<arith::MulIOp>(loc, chunkIndex, chunkValue), local);
    auto below = [&](Value a, Value b) {
      return rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, a, b);
    };
    Value valid = rewriter.create<arith::AndIOp>(
        loc, rewriter.create<arith::AndIOp>(loc, below(chunkIndex, chunks), below(pair, pairs)),
        below(column, columns));
    IRMapping body = mapping;
    Value positions[] = {row, column};
    for (auto [d, position] : llvm::enumerate(positions))
      body.map(stage.getInductionVars()[d],
               rewriter.create<arith::AddIOp>(
                   loc, mapping.lookupOrDefault(stage.getLowerBound()[d]),
                   rewriter.create<arith::MulIOp>(loc, position,
                                                  mapping.lookupOrDefault(stage.getStep()[d]))));
    Value slice = zero;
    if (slices > 1) {
      // The inner dimension runs from 0 by 1 (innerExtent).
      Value first = body.lookup(stage.getInductionVars()[1]);
      auto overSlices = rewriter.create<scf::ForOp>(loc, zero, index(slices), one);
      rewriter.setInsertionPointToStart(overSlices.getBody());
      slice = overSlices.getInductionVar();
      body.map(stage.getInductionVars()[1],
               rewriter.create<arith::AddIOp>(
                   loc, first, rewriter.create<arith::MulIOp>(loc, slice, index(unit))));
    }
    SharedColumn tile;
    if (weights)
      tile = SharedColumn{&*weights, rewriter.create<arith::AddIOp>(
                                         loc, rewriter.create<arith::MulIOp>(loc, slice, chunkValue),
                                         local)};
    emitIteration(stage, reduction, body, group, valid, tile, resident, rewriter);
  }

  void persist(scf::ForOp loop, const KernelPart &part, RewriterBase &rewriter) {
    Location loc = loop.getLoc();
    ArrayRef<scf::ParallelOp> stages = part.stages;
    rewriter.setInsertionPoint(loop);
    Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    Value one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    Value blockSize = rewriter.create<arith::ConstantIndexOp>(loc, threads);
    SmallVector<std::optional<Reduction>> reductions;
    for (scf::ParallelOp stage : stages)
      reductions.push_back(reductionOf(stage));
    int64_t groupLanes = lanesFor(reductions);
    SmallVector<std::optional<SmallVector<Access>>> accesses;
    SmallVector<SmallVector<Access>> known;
    for (auto [i, stage] : llvm::enumerate(stages)) {
      accesses.push_back(accessesOf(stage, i));
      known.push_back(accesses.back().value_or(SmallVector<Access>()));
    }
    SmallVector<int64_t> units = unitsOf(stages, known);
    SmallVector<bool> barrierAfter = barriersAfter(loop, stages, accesses, units);
    // Stacked layers: one barrier per wavefront of steps instead of one per
    // layer and step, when the phases may run different steps at once.
    llvm::SmallDenseSet<Operation *> pureOps = part.pureOps;
    // Phases within a step first; step buffers used across them get twins
    // (so that a wavefront's phases, in different steps, use different
    // ones); then phases also after what they need of the step before.
    SmallVector<int64_t> phases(stages.size(), 0);
    (void)raisePhases(loop, stages, accesses, units, /*acrossSteps=*/false, {}, phases);
    int64_t phaseCount = *llvm::max_element(phases) + 1;
    bool wavefront = false;
    if (this->wavefront && phaseCount > 1 && llvm::count(barrierAfter, true) > 1) {
      // Decided with the twins counted as made; made only for a wavefront.
      SmallVector<memref::AllocOp> twins = twinCandidates(loop, stages, accesses, phases);
      wavefront =
          raisePhases(loop, stages, accesses, units, /*acrossSteps=*/true, twins, phases);
      phaseCount = *llvm::max_element(phases) + 1;
      wavefront = wavefront && phaseCount > 1 && wavefrontLegal(loop, accesses, phases, twins);
      if (wavefront && !twins.empty()) {
        twinStepBuffers(loop, twins, pureOps, rewriter);
        rewriter.setInsertionPoint(loop);
        for (auto [i, stage] : llvm::enumerate(stages)) {
          accesses[i] = accessesOf(stage, i);
          known[i] = accesses[i].value_or(SmallVector<Access>());
        }
        barrierAfter = barriersAfter(loop, stages, accesses, units);
      }
    }
    SmallVector<std::optional<SharedWeights>> shared(stages.size());
    int64_t chunk = chunkUnits(stages, reductions, units, accesses, loop, shared);

    // The barrier's arrival count, zeroed on the device.
    auto counterType = MemRefType::get({1}, rewriter.getI64Type());
    Value counter = rewriter.create<memref::AllocOp>(loc, counterType);
    // A launch of its own: device memory, which the host may not write.
    auto clear = rewriter.create<gpu::LaunchOp>(loc, one, one, one, one, one, one);
    rewriter.setInsertionPointToEnd(&clear.getBody().front());
    rewriter.create<memref::StoreOp>(loc, rewriter.create<arith::ConstantIntOp>(loc, 0, 64),
                                     counter, ValueRange{zero});
    rewriter.create<gpu::TerminatorOp>(loc);
    rewriter.setInsertionPointAfter(clear);

    // Enough blocks for the largest stage whose size is known before the
    // loop; the runtime caps them at what the device holds at once.
    Value blocks = one;
    for (auto [s, stage] : llvm::enumerate(stages)) {
      IRMapping hoisted;
      bool known = true;
      for (Value bound : stage->getOperands()) {
        Value outside = invariant(bound, loop, rewriter);
        if (!outside) {
          known = false;
          break;
        }
        hoisted.map(bound, outside);
      }
      if (!known)
        continue;
      rewriter.setInsertionPoint(loop);
      SmallVector<Value> counts = tripCounts(stage, hoisted, rewriter);
      // Chunked: a block per chunk of units.
      if (chunk > 0 && counts.size() == 2) {
        Value columns = counts[1];
        if (units[s] > 0 && innerExtent(stage) / units[s] > 1)
          columns = rewriter.create<arith::ConstantIndexOp>(loc, units[s]);
        blocks = rewriter.create<arith::MaxUIOp>(
            loc, blocks,
            ceilDiv(columns, rewriter.create<arith::ConstantIndexOp>(loc, chunk), loc, rewriter));
        continue;
      }
      Value total = rewriter.create<arith::MulIOp>(
          loc, product(counts, loc, rewriter),
          rewriter.create<arith::ConstantIndexOp>(loc, groupLanes));
      blocks = rewriter.create<arith::MaxUIOp>(loc, blocks, ceilDiv(total, blockSize, loc, rewriter));
    }
    if (maxBlocks > 0)
      blocks = rewriter.create<arith::MinUIOp>(
          loc, blocks, rewriter.create<arith::ConstantIndexOp>(loc, maxBlocks));

    SmallVector<Type> sharedTypes;
    for (const std::optional<SharedWeights> &weights : shared)
      if (weights)
        sharedTypes.push_back(MemRefType::get(
            {weights->depth, weights->slices * chunk},
            cast<MemRefType>(weights->source.getType()).getElementType(), AffineMap(),
            gpu::AddressSpaceAttr::get(rewriter.getContext(), gpu::AddressSpace::Workgroup)));
    auto launch = rewriter.create<gpu::LaunchOp>(loc, blocks, one, one, blockSize, one, one,
                                                 /*dynamicSharedMemorySize=*/Value(),
                                                 /*asyncTokenType=*/Type(), ValueRange(),
                                                 sharedTypes);
    rewriter.setInsertionPointToEnd(&launch.getBody().front());
    auto terminator = rewriter.create<gpu::TerminatorOp>(loc);
    rewriter.setInsertionPoint(terminator);
    Value threadId = launch.getThreadIds().x;
    Value first =
        rewriter.create<arith::AddIOp>(loc, rewriter.create<arith::MulIOp>(
                                                loc, launch.getBlockIds().x, blockSize),
                                       threadId);
    Value gridThreads = rewriter.create<arith::MulIOp>(loc, launch.getGridSize().x, blockSize);
    // Groups of `groupLanes` consecutive threads: group g deals iterations
    // as thread g does without them.
    Lanes group{first, gridThreads, nullptr, nullptr, groupLanes};
    if (groupLanes > 1) {
      Value lanesValue = rewriter.create<arith::ConstantIndexOp>(loc, groupLanes);
      group.first = rewriter.create<arith::DivUIOp>(loc, first, lanesValue);
      group.stride = rewriter.create<arith::DivUIOp>(loc, gridThreads, lanesValue);
      group.lane = rewriter.create<arith::RemUIOp>(loc, threadId, lanesValue);
      group.isFirstLane = rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, group.lane, zero);
    }
    Value isLeader = rewriter.create<arith::CmpIOp>(
        loc, arith::CmpIPredicate::eq, threadId, rewriter.create<arith::ConstantIndexOp>(loc, 0));
    // Each block's weights in shared memory, before the first step.
    SmallVector<SharedWeights> staged;
    for (std::optional<SharedWeights> &weights : shared)
      if (weights) {
        weights->shared = launch.getWorkgroupAttributions()[staged.size()];
        staged.push_back(*weights);
      }
    if (!staged.empty())
      stageWeights(staged, chunk, launch.getBlockIds().x, threadId, loc, rewriter);
    Value groupInBlock = threadId, groupsPerBlock = blockSize;
    if (groupLanes > 1) {
      Value lanesValue = rewriter.create<arith::ConstantIndexOp>(loc, groupLanes);
      groupInBlock = rewriter.create<arith::DivUIOp>(loc, threadId, lanesValue);
      groupsPerBlock = rewriter.create<arith::DivUIOp>(loc, blockSize, lanesValue);
    }
    Value barrierCount = rewriter.create<arith::ConstantIndexOp>(
        loc, wavefront ? 1 : llvm::count(barrierAfter, true));

    // One stage of a step (`mapping` takes the loop body's values to the
    // step's).
    auto emitStage = [&](scf::ParallelOp stage, size_t stageIndex, IRMapping &mapping) {
      // The stage as a grid-stride loop over its iterations, innermost
      // dimension fastest (consecutive threads, consecutive addresses). The
      // assignment is the same in every step: a block keeps its rows of the
      // weights in its caches.
      std::optional<Reduction> reduction = reductions[stageIndex];
      SmallVector<Value> counts = tripCounts(stage, mapping, rewriter);
      // An interleaved stage (unitsOf): iterations [rows, unit], each
      // running its columns j, j + unit, ... in turn.
      int64_t unit = units[stageIndex];
      int64_t slices = unit > 0 ? innerExtent(stage) / unit : 1;
      if (slices > 1)
        counts.back() = rewriter.create<arith::ConstantIndexOp>(loc, unit);
      if (chunk > 0 && stage.getNumLoops() == 2) {
        emitChunked(stage, reduction, counts, slices, unit, chunk, shared[stageIndex], mapping,
                    group, launch, groupInBlock, groupsPerBlock, rewriter);
      } else {
      Value total = product(counts, loc, rewriter);
      // With lanes, rounds that every thread runs (the shuffles need all of
      // a warp), the iterations past the end skipped inside.
      Value valid;
      auto iterations =
          group.lanes > 1
              ? rewriter.create<scf::ForOp>(loc, zero, ceilDiv(total, group.stride, loc, rewriter), one)
              : rewriter.create<scf::ForOp>(loc, group.first, total, group.stride);
      {
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPointToStart(iterations.getBody());
        Value rest = iterations.getInductionVar();
        if (group.lanes > 1) {
          rest = rewriter.create<arith::AddIOp>(
              loc, rewriter.create<arith::MulIOp>(loc, rest, group.stride), group.first);
          valid = rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, rest, total);
        }
        IRMapping body = mapping;
        for (int64_t d = stage.getNumLoops() - 1; d >= 0; --d) {
          Value index = rest;
          if (d > 0) {
            index = rewriter.create<arith::RemUIOp>(loc, rest, counts[d]);
            rest = rewriter.create<arith::DivUIOp>(loc, rest, counts[d]);
          }
          Value iv = rewriter.create<arith::AddIOp>(
              loc, mapping.lookupOrDefault(stage.getLowerBound()[d]),
              rewriter.create<arith::MulIOp>(loc, index,
                                             mapping.lookupOrDefault(stage.getStep()[d])));
          body.map(stage.getInductionVars()[d], iv);
        }
        if (slices > 1) {
          // The inner dimension runs from 0 by 1 (innerExtent).
          Value column = body.lookup(stage.getInductionVars()[1]);
          auto slice = rewriter.create<scf::ForOp>(
              loc, rewriter.create<arith::ConstantIndexOp>(loc, 0),
              rewriter.create<arith::ConstantIndexOp>(loc, slices),
              rewriter.create<arith::ConstantIndexOp>(loc, 1));
          rewriter.setInsertionPointToStart(slice.getBody());
          body.map(stage.getInductionVars()[1],
                   rewriter.create<arith::AddIOp>(
                       loc, column,
                       rewriter.create<arith::MulIOp>(
                           loc, slice.getInductionVar(),
                           rewriter.create<arith::ConstantIndexOp>(loc, unit))));
        }
        emitIteration(stage, reduction, body, group, valid, SharedColumn(), Value(), rewriter);
      }
      }
    };
    auto barrier = [&](Value passed, int64_t index) {
      Value target = rewriter.create<arith::MulIOp>(
          loc,
          rewriter.create<arith::AddIOp>(loc, passed,
                                         rewriter.create<arith::ConstantIndexOp>(loc, index)),
          launch.getGridSize().x);
      gridBarrier(loc, counter, target, isLeader, rewriter);
    };
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    // Each phase's steps run its carried values, the yielded ones coming first.
    int64_t copies = wavefront ? phaseCount : 1;
    SmallVector<Value> inits;
    for (int64_t copy = 0; copy < copies; ++copy)
      for (unsigned i : part.carried)
        inits.push_back(loop.getInitArgs()[i]);
    Value upper = loop.getUpperBound();
    if (wavefront)
      upper = rewriter.create<arith::AddIOp>(
          loc, upper,
          rewriter.create<arith::MulIOp>(loc, loop.getStep(),
                                         rewriter.create<arith::ConstantIndexOp>(loc, phaseCount - 1)));
    auto steps = rewriter.create<scf::ForOp>(loc, loop.getLowerBound(), upper, loop.getStep(), inits);
    if (!steps.getBody()->empty())
      rewriter.eraseOp(steps.getBody()->getTerminator()); // the kernel's own comes last
    rewriter.setInsertionPointToStart(steps.getBody());
    // Barriers passed before this step's (wavefront's) first one.
    Value stepIndex = rewriter.create<arith::DivUIOp>(
        loc, rewriter.create<arith::SubIOp>(loc, steps.getInductionVar(), steps.getLowerBound()),
        steps.getStep());
    Value passed = rewriter.create<arith::MulIOp>(loc, stepIndex, barrierCount);
    size_t carriedCount = part.carried.size();
    SmallVector<IRMapping> mappings(copies);
    for (int64_t copy = 0; copy < copies; ++copy) {
      // Phase `copy` runs step iv - copy x step. In a wavefront its pure ops
      // (which may loop over the step's index) see that step clamped to the
      // loop's range: iterations before its first step and after its last
      // run none of its stages.
      Value iv = steps.getInductionVar();
      if (wavefront) {
        Value offset = rewriter.create<arith::MulIOp>(
            loc, loop.getStep(), rewriter.create<arith::ConstantIndexOp>(loc, copy));
        Value lower = loop.getLowerBound();
        Value started = rewriter.create<arith::CmpIOp>(
            loc, arith::CmpIPredicate::uge, iv, rewriter.create<arith::AddIOp>(loc, lower, offset));
        iv = rewriter.create<arith::SelectOp>(loc, started,
                                              rewriter.create<arith::SubIOp>(loc, iv, offset), lower);
        Value last = rewriter.create<arith::SubIOp>(
            loc,
            rewriter.create<arith::MaxUIOp>(
                loc, loop.getUpperBound(),
                rewriter.create<arith::AddIOp>(loc, lower, loop.getStep())),
            loop.getStep());
        iv = rewriter.create<arith::MinUIOp>(loc, iv, last);
      }
      mappings[copy].map(loop.getInductionVar(), iv);
      for (auto [i, to] : llvm::zip(part.carried, steps.getRegionIterArgs().slice(
                                                      copy * carriedCount, carriedCount)))
        mappings[copy].map(loop.getRegionIterArgs()[i], to);
    }
    if (!wavefront) {
      IRMapping &mapping = mappings.front();
      int64_t barrierIndex = 0;
      size_t stageIndex = 0;
      for (Operation &op : loop.getBody()->without_terminator()) {
        auto stage = dyn_cast<scf::ParallelOp>(op);
        if (!stage) {
          if (pureOps.contains(&op))
            rewriter.clone(op, mapping);
          continue;
        }
        emitStage(stage, stageIndex, mapping);
        if (barrierAfter[stageIndex++])
          barrier(passed, ++barrierIndex);
      }
    } else {
      // A wavefront: phase p runs step iv - p x step (when there is one),
      // all phases at once, then one barrier.
      for (IRMapping &mapping : mappings)
        for (Operation &op : loop.getBody()->without_terminator())
          if (pureOps.contains(&op))
            rewriter.clone(op, mapping);
      for (int64_t phase = 0; phase < phaseCount; ++phase) {
        OpBuilder::InsertionGuard guard(rewriter);
        Value offset = rewriter.create<arith::MulIOp>(
            loc, loop.getStep(), rewriter.create<arith::ConstantIndexOp>(loc, phase));
        Value started = rewriter.create<arith::CmpIOp>(
            loc, arith::CmpIPredicate::uge, steps.getInductionVar(),
            rewriter.create<arith::AddIOp>(loc, loop.getLowerBound(), offset));
        Value unfinished = rewriter.create<arith::CmpIOp>(
            loc, arith::CmpIPredicate::ult, steps.getInductionVar(),
            rewriter.create<arith::AddIOp>(loc, loop.getUpperBound(), offset));
        auto active = rewriter.create<scf::IfOp>(
            loc, rewriter.create<arith::AndIOp>(loc, started, unfinished), /*withElseRegion=*/false);
        rewriter.setInsertionPoint(active.thenBlock()->getTerminator());
        for (auto [stageIndex, stage] : llvm::enumerate(stages))
          if (phases[stageIndex] == phase)
            emitStage(stage, stageIndex, mappings[phase]);
      }
      barrier(passed, 1);
    }
    SmallVector<Value> next;
    for (unsigned i : part.carried)
      next.push_back(mappings.front().lookupOrDefault(yield.getOperand(i)));
    for (int64_t copy = 1; copy < copies; ++copy)
      llvm::append_range(next, steps.getRegionIterArgs().slice((copy - 1) * carriedCount,
                                                               carriedCount));
    rewriter.create<scf::YieldOp>(loc, next);

    // The host keeps the loop without its kernels, run after them: which
    // buffer holds the final state, and the bookkeeping of buffer
    // deallocation (it frees only buffers no later step reads).
    rewriter.setInsertionPointAfter(launch);
    rewriter.create<memref::DeallocOp>(loc, counter);
    for (scf::ParallelOp stage : stages)
      rewriter.eraseOp(stage);
  }

  void runOnOperation() override {
    if (threads < 1 || maxBlocks < 0) {
      getOperation().emitError(
          "rnnc-persistent-time-loop: threads must be positive and max-blocks not negative");
      return signalPassFailure();
    }
    if (lanes < 0 || lanes > kWarp || !llvm::isPowerOf2_64(std::max<int64_t>(lanes, 1)) ||
        threads % std::max<int64_t>(lanes, 1) != 0 || (lanes > 1 && !warpsIntact())) {
      getOperation().emitError("rnnc-persistent-time-loop: lanes must be 0 or a power of two of "
                               "at most 32 that divides threads, with threads whole warps");
      return signalPassFailure();
    }
    SmallVector<std::pair<scf::ForOp, KernelPart>> loops;
    IRRewriter rewriter(&getContext());
    getOperation().walk([&](scf::ForOp loop) {
      if (!loop->hasAttr(rnnc::kTimeLoopAttrName))
        return;
      // The bounds of the step kernels made since rnnc-hoist-step-buffers
      // (a matmul's rows from its carried operand): the same sizes as the
      // others', for the barrier analysis.
      rnnc::resolveCarriedDims(loop, rewriter);
      std::optional<KernelPart> part = kernelPart(loop);
      // Weights beyond what stays on chip between steps: a kernel per step
      // reads them from memory just as well.
      if (part && (maxWeightBytes <= 0 || weightBytes(*part) <= maxWeightBytes))
        loops.emplace_back(loop, std::move(*part));
    });
    for (auto &[loop, part] : loops)
      persist(loop, part, rewriter);
  }
};
} // namespace
