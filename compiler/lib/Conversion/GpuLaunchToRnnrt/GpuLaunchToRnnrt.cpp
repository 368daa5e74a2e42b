#include "rnnc/Conversion/Passes.h"
#include "rnnc/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_CONVERTGPULAUNCHTORNNRT
#include "rnnc/Conversion/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;

namespace {
/// Fields of rnnrt_cuda_exec_t (runtime/include/rnnrt/cuda.h), in order.
enum ExecField : int32_t {
  kSelf = 0,
  kAlloc,
  kFree,
  kConstant,
  kLaunch,
  kLaunchCooperative,
  kNumFields
};

/// Calls through the exec argument of one function.
class ExecCalls {
public:
  ExecCalls(LLVM::LLVMFuncOp func, RewriterBase &rewriter)
      : exec(func.getArgument(0)), rewriter(rewriter) {
    MLIRContext *context = func.getContext();
    ptr = LLVM::LLVMPointerType::get(context);
    i32 = IntegerType::get(context, 32);
    i64 = IntegerType::get(context, 64);
    execType = LLVM::LLVMStructType::getLiteral(context, SmallVector<Type>(kNumFields, ptr));
  }

  /// The function pointer in `field`, called with self and `args`.
  Value call(Location loc, ExecField field, Type result, ValueRange args) {
    Value self = load(loc, kSelf);
    Value callee = load(loc, field);
    SmallVector<Type> argTypes{ptr};
    SmallVector<Value> operands{callee, self};
    for (Value arg : args) {
      argTypes.push_back(arg.getType());
      operands.push_back(arg);
    }
    auto type = LLVM::LLVMFunctionType::get(result ? result : LLVM::LLVMVoidType::get(ptr.getContext()),
                                            argTypes);
    auto call = rewriter.create<LLVM::CallOp>(loc, type, operands);
    return result ? call.getResult() : Value();
  }

  Value constant(Location loc, Type type, int64_t value) {
    return rewriter.create<LLVM::ConstantOp>(loc, type, rewriter.getIntegerAttr(type, value));
  }

  Type ptr, i32, i64;

private:
  Value load(Location loc, ExecField field) {
    auto address = rewriter.create<LLVM::GEPOp>(loc, ptr, execType, exec,
                                                ArrayRef<LLVM::GEPArg>{0, field});
    return rewriter.create<LLVM::LoadOp>(loc, ptr, address);
  }

  Value exec;
  RewriterBase &rewriter;
  Type execType;
};

struct ConvertGpuLaunchToRnnrt
    : rnnc::impl::ConvertGpuLaunchToRnnrtBase<ConvertGpuLaunchToRnnrt> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    IRRewriter rewriter(context);
    DataLayout layout(module);
    SmallVector<Attribute> kernelNames;
    llvm::StringMap<int32_t> kernelIndex;
    llvm::DenseMap<StringAttr, int32_t> constantIndex;
    llvm::SmallDenseSet<StringAttr> gridBarrierKernels;
    if (auto names = module->getAttrOfType<ArrayAttr>(rnnc::kGridBarrierKernelsAttrName))
      for (auto name : names.getAsRange<StringAttr>())
        gridBarrierKernels.insert(name);

    auto isConstantGlobal = [&](LLVM::AddressOfOp address) {
      auto global = dyn_cast_or_null<LLVM::GlobalOp>(
          SymbolTable::lookupSymbolIn(module, address.getGlobalNameAttr()));
      return global && global.getConstant() ? global : LLVM::GlobalOp();
    };
    auto calls = [](Operation *op, StringRef name) {
      auto call = dyn_cast<LLVM::CallOp>(op);
      return call && call.getCallee() == name;
    };

    for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
      if (func.isExternal())
        continue;
      bool exec = func->hasAttr("rnnc.cuda_exec") && !func.getName().starts_with("_mlir_ciface_");
      SmallVector<Operation *> work;
      func.walk([&](Operation *op) {
        if (isa<gpu::LaunchFuncOp>(op) || calls(op, "malloc") || calls(op, "free"))
          work.push_back(op);
        else if (auto address = dyn_cast<LLVM::AddressOfOp>(op); address && isConstantGlobal(address))
          work.push_back(op);
      });
      if (work.empty())
        continue;
      if (!exec || func.getNumArguments() == 0 ||
          !isa<LLVM::LLVMPointerType>(func.getArgument(0).getType())) {
        work.front()->emitError("device memory or a kernel launch outside the model's entry "
                                "function (only it receives the runtime's rnnrt_cuda_exec)");
        return signalPassFailure();
      }
      ExecCalls execCalls(func, rewriter);
      // Launch slots go before the entry block's first op, in launch order.
      Operation *entryStart = &func.getBody().front().front();
      for (Operation *op : work) {
        Location loc = op->getLoc();
        rewriter.setInsertionPoint(op);
        if (calls(op, "malloc")) {
          Value pointer = execCalls.call(loc, kAlloc, execCalls.ptr, op->getOperand(0));
          rewriter.replaceOp(op, pointer);
        } else if (calls(op, "free")) {
          execCalls.call(loc, kFree, Type(), op->getOperand(0));
          rewriter.eraseOp(op);
        } else if (auto address = dyn_cast<LLVM::AddressOfOp>(op)) {
          LLVM::GlobalOp global = isConstantGlobal(address);
          auto [it, inserted] =
              constantIndex.try_emplace(global.getSymNameAttr(), (int32_t)constantIndex.size());
          rewriter.setInsertionPointAfter(address);
          Value index = execCalls.constant(loc, execCalls.i32, it->second);
          Value bytes = execCalls.constant(loc, execCalls.i64,
                                           (int64_t)layout.getTypeSize(global.getType()));
          Value device =
              execCalls.call(loc, kConstant, execCalls.ptr, {index, address.getResult(), bytes});
          rewriter.replaceAllUsesExcept(address.getResult(), device,
                                        device.getDefiningOp());
        } else {
          auto launch = cast<gpu::LaunchFuncOp>(op);
          std::string name = launch.getKernelName().str();
          auto [it, inserted] = kernelIndex.try_emplace(name, (int32_t)kernelNames.size());
          if (inserted)
            kernelNames.push_back(rewriter.getStringAttr(name));
          // cuLaunchKernel's kernelParams: one pointer per kernel argument,
          // to a slot holding its value. The slots live in the entry block so
          // that launches in loops do not grow the stack.
          ValueRange operands = launch.getKernelOperands();
          OpBuilder::InsertionGuard guard(rewriter);
          rewriter.setInsertionPoint(entryStart);
          Value one = execCalls.constant(loc, execCalls.i64, 1);
          Value count = execCalls.constant(loc, execCalls.i64, std::max<int64_t>(1, operands.size()));
          Value params = rewriter.create<LLVM::AllocaOp>(loc, execCalls.ptr, execCalls.ptr, count);
          SmallVector<Value> slots;
          for (Value operand : operands)
            slots.push_back(rewriter.create<LLVM::AllocaOp>(loc, execCalls.ptr, operand.getType(), one));
          rewriter.setInsertionPoint(launch);
          for (auto [i, operand] : llvm::enumerate(operands)) {
            rewriter.create<LLVM::StoreOp>(loc, operand, slots[i]);
            Value slot = rewriter.create<LLVM::GEPOp>(loc, execCalls.ptr, execCalls.ptr, params,
                                                      ArrayRef<LLVM::GEPArg>{(int32_t)i});
            rewriter.create<LLVM::StoreOp>(loc, slots[i], slot);
          }
          gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
          gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
          Value shared = launch.getDynamicSharedMemorySize();
          if (!shared)
            shared = execCalls.constant(loc, execCalls.i32, 0);
          // A kernel with a grid barrier needs all its blocks at once.
          bool cooperative = gridBarrierKernels.contains(launch.getKernelName());
          execCalls.call(loc, cooperative ? kLaunchCooperative : kLaunch, Type(),
                         {execCalls.constant(loc, execCalls.i32, it->second), grid.x, grid.y,
                          grid.z, block.x, block.y, block.z, shared, params});
          rewriter.eraseOp(launch);
        }
      }
    }

    for (Operation &op : llvm::make_early_inc_range(module.getOps()))
      if (isa<gpu::BinaryOp, gpu::GPUModuleOp>(op))
        op.erase();
    for (StringRef name : {"malloc", "free"})
      if (auto decl = module.lookupSymbol<LLVM::LLVMFuncOp>(name);
          decl && SymbolTable::symbolKnownUseEmpty(decl, module))
        decl.erase();
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
    module->removeAttr(rnnc::kGridBarrierKernelsAttrName);
    module->setAttr("rnnc.cuda_kernels", ArrayAttr::get(context, kernelNames));
    module->setAttr("rnnc.cuda_constants",
                    IntegerAttr::get(IntegerType::get(context, 32), constantIndex.size()));
  }
};
} // namespace
