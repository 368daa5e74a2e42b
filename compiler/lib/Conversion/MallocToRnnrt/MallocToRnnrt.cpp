#include "rnnc/Conversion/ExecCalls.h"
#include "rnnc/Conversion/Passes.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_CONVERTMALLOCTORNNRT
#include "rnnc/Conversion/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;
using namespace mlir::rnnc;

namespace {
bool calls(Operation *op, StringRef name) {
  auto call = dyn_cast<LLVM::CallOp>(op);
  return call && call.getCallee() == name;
}

struct ConvertMallocToRnnrt : rnnc::impl::ConvertMallocToRnnrtBase<ConvertMallocToRnnrt> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    IRRewriter rewriter(&getContext());
    for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
      SmallVector<Operation *> heapCalls;
      func.walk([&](Operation *op) {
        if (calls(op, "malloc") || calls(op, "free"))
          heapCalls.push_back(op);
      });
      if (heapCalls.empty())
        continue;
      if (!ExecCalls::takesExec(func)) {
        heapCalls.front()->emitError("heap memory outside the model's entry function (only it "
                                     "receives the runtime's exec)");
        return signalPassFailure();
      }
      ExecCalls exec(func, rewriter);
      for (Operation *op : heapCalls) {
        rewriter.setInsertionPoint(op);
        if (calls(op, "malloc")) {
          rewriter.replaceOp(op, exec.call(op->getLoc(), kExecAlloc, exec.ptr, op->getOperand(0)));
        } else {
          exec.call(op->getLoc(), kExecFree, Type(), op->getOperand(0));
          rewriter.eraseOp(op);
        }
      }
    }
    for (StringRef name : {"malloc", "free"})
      if (auto decl = module.lookupSymbol<LLVM::LLVMFuncOp>(name);
          decl && SymbolTable::symbolKnownUseEmpty(decl, module))
        decl.erase();
  }
};
} // namespace
