#include "rnnc/Conversion/ExecCalls.h"
#include "rnnc/Conversion/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_CONVERTASSERTTORNNRT
#include "rnnc/Conversion/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;
using namespace mlir::rnnc;

namespace {
struct ConvertAssertToRnnrt : rnnc::impl::ConvertAssertToRnnrtBase<ConvertAssertToRnnrt> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    IRRewriter rewriter(&getContext());
    llvm::StringMap<LLVM::GlobalOp> messages;
    for (auto func : module.getOps<FunctionOpInterface>()) {
      SmallVector<cf::AssertOp> asserts;
      func->walk([&](cf::AssertOp op) { asserts.push_back(op); });
      if (asserts.empty())
        continue;
      if (!ExecCalls::takesExec(func)) {
        // No way to the runtime (GPU kernels, tests without one): the guarded
        // code is in bounds whether or not the check holds.
        for (cf::AssertOp op : asserts)
          rewriter.eraseOp(op);
        continue;
      }
      ExecCalls exec(func, rewriter);
      for (cf::AssertOp op : asserts) {
        Location loc = op.getLoc();
        LLVM::GlobalOp &global = messages[op.getMsg()];
        if (!global) {
          OpBuilder::InsertionGuard guard(rewriter);
          rewriter.setInsertionPointToStart(module.getBody());
          std::string text = op.getMsg().str();
          text.push_back('\0');
          auto type = LLVM::LLVMArrayType::get(rewriter.getI8Type(), text.size());
          global = rewriter.create<LLVM::GlobalOp>(
              loc, type, /*isConstant=*/true, LLVM::Linkage::Internal,
              "rnnc_check_" + std::to_string(messages.size()), rewriter.getStringAttr(text));
        }
        rewriter.setInsertionPoint(op);
        Value failed = rewriter.create<arith::XOrIOp>(
            loc, op.getArg(), rewriter.create<arith::ConstantIntOp>(loc, 1, 1));
        auto ifOp = rewriter.create<scf::IfOp>(loc, failed, /*withElseRegion=*/false);
        rewriter.setInsertionPointToStart(ifOp.thenBlock());
        Value message = rewriter.create<LLVM::AddressOfOp>(loc, global);
        exec.call(loc, kCpuExecFail, Type(), message);
        rewriter.eraseOp(op);
      }
    }
  }
};
} // namespace
