#include "rnnc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_LEGALIZEGPUHOST
#include "rnnc/Transforms/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;

namespace {
/// The buffer a view was taken of.
Value rootBuffer(Value memref) {
  while (Operation *def = memref.getDefiningOp()) {
    if (auto cast = dyn_cast<memref::CastOp>(def))
      memref = cast.getSource();
    else if (auto view = dyn_cast<ViewLikeOpInterface>(def))
      memref = view.getViewSource();
    else
      break;
  }
  return memref;
}

/// The memref a host op reads or writes, if it is such an op.
Value accessedBuffer(Operation *op) {
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case<memref::LoadOp, memref::StoreOp>([](auto access) { return access.getMemRef(); })
      .Case<vector::LoadOp, vector::StoreOp>([](auto access) { return access.getBase(); })
      .Case<vector::TransferReadOp, vector::TransferWriteOp>(
          [](auto transfer) { return transfer.getSource(); })
      .Default([](Operation *) { return Value(); });
}

struct LegalizeGpuHost : rnnc::impl::LegalizeGpuHostBase<LegalizeGpuHost> {
  /// True when only host code uses `buffer`: loads and stores of its
  /// elements, pointer and metadata queries, deallocation, and calls to
  /// functions of the module that use it the same way.
  bool hostOnly(Value buffer, SymbolTable &symbols, int depth) {
    if (depth > 8)
      return false;
    for (OpOperand &use : buffer.getUses()) {
      Operation *user = use.getOwner();
      if (isa<memref::LoadOp, memref::DeallocOp, memref::ExtractAlignedPointerAsIndexOp,
              memref::ExtractStridedMetadataOp, memref::DimOp>(user))
        continue;
      if (auto store = dyn_cast<memref::StoreOp>(user)) {
        if (use.get() == store.getMemRef() && use.get() != store.getValueToStore())
          continue;
        return false;
      }
      if (auto cast = dyn_cast<memref::CastOp>(user)) {
        if (hostOnly(cast.getResult(), symbols, depth + 1))
          continue;
        return false;
      }
      if (auto call = dyn_cast<func::CallOp>(user)) {
        auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
        if (callee && !callee.isDeclaration() &&
            hostOnly(callee.getArgument(use.getOperandNumber()), symbols, depth + 1))
          continue;
        return false;
      }
      return false;
    }
    return true;
  }

  /// True when `buffer` is host memory: a stack allocation, or an argument
  /// of a function every call of which passes one.
  bool onHost(Value buffer, SymbolTable &symbols, int depth) {
    buffer = rootBuffer(buffer);
    if (buffer.getDefiningOp<memref::AllocaOp>())
      return true;
    auto arg = dyn_cast<BlockArgument>(buffer);
    auto func = arg ? dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp()) : nullptr;
    if (!func || !func.isPrivate() || depth > 8)
      return false;
    std::optional<SymbolTable::UseRange> uses = SymbolTable::getSymbolUses(func, getOperation());
    if (!uses)
      return false;
    for (const SymbolTable::SymbolUse &use : *uses) {
      auto call = dyn_cast<func::CallOp>(use.getUser());
      if (!call || !onHost(call.getOperand(arg.getArgNumber()), symbols, depth + 1))
        return false;
    }
    return true;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    IRRewriter rewriter(&getContext());

    module.walk([&](memref::CopyOp copy) {
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(), copy.getTarget());
    });

    SmallVector<memref::AllocOp> hostAllocs;
    module.walk([&](memref::AllocOp alloc) {
      if (alloc.getType().hasStaticShape() && hostOnly(alloc, symbols, 0))
        hostAllocs.push_back(alloc);
    });
    for (memref::AllocOp alloc : hostAllocs) {
      // Hoisted: a host array lives within one loop iteration, and a stack
      // allocation inside the loop would grow the stack every iteration.
      auto func = alloc->getParentOfType<FunctionOpInterface>();
      rewriter.setInsertionPointToStart(&func.getFunctionBody().front());
      auto alloca = rewriter.create<memref::AllocaOp>(alloc.getLoc(), alloc.getType(),
                                                      alloc.getAlignmentAttr());
      SmallVector<Operation *> deallocs;
      SmallVector<Value> worklist{alloc.getResult()};
      while (!worklist.empty()) {
        Value value = worklist.pop_back_val();
        for (Operation *user : value.getUsers()) {
          if (isa<memref::DeallocOp>(user))
            deallocs.push_back(user);
          else if (auto cast = dyn_cast<memref::CastOp>(user))
            worklist.push_back(cast.getResult());
        }
      }
      for (Operation *dealloc : deallocs)
        rewriter.eraseOp(dealloc);
      rewriter.replaceOp(alloc, alloca.getResult());
    }

    WalkResult result = module.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<linalg::LinalgOp>(op))
        return WalkResult::skip(); // becomes a kernel
      Value buffer = accessedBuffer(op);
      if (!buffer || onHost(buffer, symbols, 0))
        return WalkResult::advance();
      op->emitError("host code would read or write device memory here; the CUDA target "
                    "cannot compile this model (the access must be part of a kernel)");
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
