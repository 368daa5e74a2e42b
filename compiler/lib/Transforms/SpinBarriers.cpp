#include "rnnc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_SPINBARRIERS
#include "rnnc/Transforms/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;

func::FuncOp mlir::rnnc::declareI32Function(ModuleOp module, StringRef name) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder builder = OpBuilder::atBlockBegin(module.getBody());
  auto function = builder.create<func::FuncOp>(module.getLoc(), name,
                                               builder.getFunctionType({}, {builder.getI32Type()}));
  function.setPrivate();
  return function;
}

namespace {
struct SpinBarriers : rnnc::impl::SpinBarriersBase<SpinBarriers> {
  using SpinBarriersBase::SpinBarriersBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<omp::ParallelOp> teams;
    module.walk([&](omp::ParallelOp team) {
      if (team->hasAttr(rnnc::kSpinBarrierTeam))
        teams.push_back(team);
    });
    if (teams.empty())
      return;
    func::FuncOp numThreads = rnnc::declareI32Function(module, "omp_get_num_threads");
    func::FuncOp yield = rnnc::declareI32Function(module, "sched_yield");
    func::FuncOp numProcs = rnnc::declareI32Function(module, "omp_get_num_procs");
    IRRewriter rewriter(&getContext());
    for (omp::ParallelOp team : teams) {
      SmallVector<omp::BarrierOp> barriers;
      team.walk([&](omp::BarrierOp barrier) {
        if (barrier->getParentOfType<omp::ParallelOp>() == team)
          barriers.push_back(barrier);
      });
      team->removeAttr(rnnc::kSpinBarrierTeam);
      if (barriers.empty())
        continue;
      Location loc = team.getLoc();
      Type i32 = rewriter.getI32Type();
      auto constant = [&](int32_t value) {
        return rewriter.create<arith::ConstantIntOp>(loc, value, i32).getResult();
      };
      // The team's [arrivals, sense], on the calling thread's stack (in the
      // function's entry block: the team may run in a loop), zeroed before
      // each team starts.
      Operation *scope = team->getParentWithTrait<OpTrait::AutomaticAllocationScope>();
      rewriter.setInsertionPointToStart(&scope->getRegion(0).front());
      Value shared = rewriter.create<memref::AllocaOp>(loc, MemRefType::get({2}, i32),
                                                       rewriter.getI64IntegerAttr(64));
      rewriter.setInsertionPoint(team);
      Value zero = constant(0);
      Value arrivals = rewriter.create<arith::ConstantIndexOp>(loc, 0);
      Value senseIndex = rewriter.create<arith::ConstantIndexOp>(loc, 1);
      rewriter.create<memref::StoreOp>(loc, zero, shared, ValueRange{arrivals});
      rewriter.create<memref::StoreOp>(loc, zero, shared, ValueRange{senseIndex});

      // Each thread: its own sense (starts as the shared one), the team's size.
      rewriter.setInsertionPointToStart(&team.getRegion().front());
      zero = constant(0);
      Value one = constant(1);
      arrivals = rewriter.create<arith::ConstantIndexOp>(loc, 0);
      Value own = rewriter.create<memref::AllocaOp>(loc, MemRefType::get({1}, i32));
      rewriter.create<memref::StoreOp>(loc, zero, own, ValueRange{arrivals});
      // rnnc-hoist-parallel-region asks for the size at the team's start.
      Value size;
      for (auto call : team.getRegion().front().getOps<func::CallOp>())
        if (call.getCallee() == numThreads.getName()) {
          size = call.getResult(0);
          rewriter.setInsertionPointAfter(call);
          break;
        }
      if (!size)
        size = rewriter.create<func::CallOp>(loc, numThreads).getResult(0);
      Value lastArrival = rewriter.create<arith::SubIOp>(loc, size, one);
      Value address = rewriter.create<memref::ExtractAlignedPointerAsIndexOp>(loc, shared);
      Value address64 = rewriter.create<arith::IndexCastOp>(loc, rewriter.getI64Type(), address);
      auto pointerType = LLVM::LLVMPointerType::get(&getContext());
      Value base = rewriter.create<LLVM::IntToPtrOp>(loc, pointerType, address64);
      Value sense =
          rewriter.create<LLVM::GEPOp>(loc, pointerType, i32, base, ArrayRef<LLVM::GEPArg>{1});
      Value patience = constant(kSpinsBeforeYielding);
      // More threads than cores: a waiter would hold a core that a thread it
      // waits for needs. libomp's barrier yields and sleeps (rnnc bench, GRU
      // H=256 B=1, 4 threads on 2 cores: 952 ms a call spinning, not 1).
      Value procs = rewriter.create<func::CallOp>(loc, numProcs).getResult(0);
      Value spinning = rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sle, size, procs);

      for (omp::BarrierOp barrier : barriers) {
        Location at = barrier.getLoc();
        rewriter.setInsertionPoint(barrier);
        auto choice = rewriter.create<scf::IfOp>(at, spinning, /*withElseRegion=*/true);
        rewriter.moveOpBefore(barrier, choice.elseBlock()->getTerminator());
        rewriter.setInsertionPoint(choice.thenBlock()->getTerminator());
        Value previous = rewriter.create<memref::LoadOp>(at, own, ValueRange{arrivals});
        Value flipped = rewriter.create<arith::XOrIOp>(at, previous, one);
        rewriter.create<memref::StoreOp>(at, flipped, own, ValueRange{arrivals});
        Value arrived = rewriter.create<memref::AtomicRMWOp>(at, arith::AtomicRMWKind::addi, one,
                                                             shared, ValueRange{arrivals});
        Value last =
            rewriter.create<arith::CmpIOp>(at, arith::CmpIPredicate::eq, arrived, lastArrival);
        auto ifOp = rewriter.create<scf::IfOp>(at, last, /*withElseRegion=*/true);
        // The last to arrive resets the count and releases the others.
        rewriter.setInsertionPoint(ifOp.thenBlock()->getTerminator());
        rewriter.create<memref::AtomicRMWOp>(at, arith::AtomicRMWKind::assign, zero, shared,
                                             ValueRange{arrivals});
        rewriter.create<LLVM::StoreOp>(at, flipped, sense, /*alignment=*/4, /*isVolatile=*/false,
                                       /*isNonTemporal=*/false, LLVM::AtomicOrdering::release);
        // The others wait for the sense to flip, pausing between reads; past
        // kSpinsBeforeYielding reads they yield the core at each one (more
        // threads than cores: the last may be waiting for one).
        rewriter.setInsertionPoint(ifOp.elseBlock()->getTerminator());
        auto wait = rewriter.create<scf::WhileOp>(at, TypeRange{i32}, ValueRange{zero});
        Block *before = rewriter.createBlock(&wait.getBefore(), {}, {i32}, {at});
        Value now =
            rewriter.create<LLVM::LoadOp>(at, i32, sense, /*alignment=*/4,
                                          /*isVolatile=*/false, /*isNonTemporal=*/false,
                                          /*isInvariant=*/false, LLVM::AtomicOrdering::acquire);
        Value waiting = rewriter.create<arith::CmpIOp>(at, arith::CmpIPredicate::ne, now, flipped);
        rewriter.create<scf::ConditionOp>(at, waiting, before->getArguments());
        Block *after = rewriter.createBlock(&wait.getAfter(), {}, {i32}, {at});
        Value spins = after->getArgument(0);
        rewriter.create<LLVM::CallIntrinsicOp>(at, TypeRange{}, "llvm.x86.sse2.pause",
                                               ValueRange{});
        Value impatient =
            rewriter.create<arith::CmpIOp>(at, arith::CmpIPredicate::uge, spins, patience);
        auto yieldIf = rewriter.create<scf::IfOp>(at, impatient, /*withElseRegion=*/false);
        rewriter.setInsertionPoint(yieldIf.thenBlock()->getTerminator());
        rewriter.create<func::CallOp>(at, yield);
        rewriter.setInsertionPointAfter(yieldIf);
        Value next = rewriter.create<arith::AddIOp>(at, spins, one);
        rewriter.create<scf::YieldOp>(at, next);
      }
    }
  }

  /// About 0.1 ms of pauses.
  static constexpr int32_t kSpinsBeforeYielding = 4096;
};
} // namespace
