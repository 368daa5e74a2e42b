#ifndef RNNC_CONVERSION_EXECCALLS_H
#define RNNC_CONVERSION_EXECCALLS_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

namespace mlir::rnnc {

/// The attribute of the functions whose first argument is the runtime's exec
/// (rnnrt_cpu_exec_t in runtime/include/rnnrt/model.h, rnnrt_cuda_exec_t in
/// rnnrt/cuda.h): a struct of pointers that begins with self, alloc, free.
inline constexpr llvm::StringLiteral kExecAttrName = "rnnc.exec";

/// Fields every exec struct begins with, in order.
enum ExecField : int32_t { kExecSelf = 0, kExecAlloc, kExecFree };

/// rnnrt_cpu_exec_t's field after the common ones: fail(self, message).
constexpr int32_t kCpuExecFail = kExecFree + 1;

/// Calls through the exec argument (argument 0) of one function.
class ExecCalls {
public:
  ExecCalls(FunctionOpInterface func, RewriterBase &rewriter)
      : exec(func.getArgument(0)), rewriter(rewriter) {
    MLIRContext *context = func->getContext();
    ptr = LLVM::LLVMPointerType::get(context);
    i32 = IntegerType::get(context, 32);
    i64 = IntegerType::get(context, 64);
  }

  /// Whether `func` takes an exec: marked, defined, a pointer first. The C
  /// interface wrapper only forwards it.
  static bool takesExec(FunctionOpInterface func) {
    return func->hasAttr(kExecAttrName) && !func.getName().starts_with("_mlir_ciface_") &&
           !func.isExternal() && func.getNumArguments() > 0 &&
           isa<LLVM::LLVMPointerType>(func.getArgument(0).getType());
  }

  /// The function pointer in field `field` (every field is a pointer), called
  /// with self and `args`.
  Value call(Location loc, int32_t field, Type result, ValueRange args) {
    Value self = load(loc, kExecSelf);
    Value callee = load(loc, field);
    SmallVector<Type> argTypes{ptr};
    SmallVector<Value> operands{callee, self};
    for (Value arg : args) {
      argTypes.push_back(arg.getType());
      operands.push_back(arg);
    }
    auto type = LLVM::LLVMFunctionType::get(
        result ? result : LLVM::LLVMVoidType::get(ptr.getContext()), argTypes);
    auto call = rewriter.create<LLVM::CallOp>(loc, type, operands);
    return result ? call.getResult() : Value();
  }

  Value constant(Location loc, Type type, int64_t value) {
    return rewriter.create<LLVM::ConstantOp>(loc, type, rewriter.getIntegerAttr(type, value));
  }

  Type ptr, i32, i64;

private:
  Value load(Location loc, int32_t field) {
    auto address =
        rewriter.create<LLVM::GEPOp>(loc, ptr, ptr, exec, ArrayRef<LLVM::GEPArg>{field});
    return rewriter.create<LLVM::LoadOp>(loc, ptr, address);
  }

  Value exec;
  RewriterBase &rewriter;
};

} // namespace mlir::rnnc

#endif // RNNC_CONVERSION_EXECCALLS_H
