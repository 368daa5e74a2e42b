#include "rnnc/Conversion/ExecCalls.h"
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
using namespace mlir::rnnc;

namespace {
/// Fields of rnnrt_cuda_exec_t (runtime/include/rnnrt/cuda.h) after the
/// common ones (ExecField).
enum CudaExecField : int32_t { kConstant = kExecFree + 1, kLaunch, kLaunchCooperative };

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

    for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
      if (func.isExternal())
        continue;
      SmallVector<Operation *> work;
      func.walk([&](Operation *op) {
        if (isa<gpu::LaunchFuncOp>(op))
          work.push_back(op);
        else if (auto address = dyn_cast<LLVM::AddressOfOp>(op); address && isConstantGlobal(address))
          work.push_back(op);
      });
      if (work.empty())
        continue;
      if (!ExecCalls::takesExec(func)) {
        work.front()->emitError("a constant or a kernel launch outside the model's entry "
                                "function (only it receives the runtime's rnnrt_cuda_exec)");
        return signalPassFailure();
      }
      ExecCalls execCalls(func, rewriter);
      // Launch slots go before the entry block's first op, in launch order.
      Operation *entryStart = &func.getBody().front().front();
      for (Operation *op : work) {
        Location loc = op->getLoc();
        rewriter.setInsertionPoint(op);
        if (auto address = dyn_cast<LLVM::AddressOfOp>(op)) {
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
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
    module->removeAttr(rnnc::kGridBarrierKernelsAttrName);
    module->setAttr("rnnc.cuda_kernels", ArrayAttr::get(context, kernelNames));
    module->setAttr("rnnc.cuda_constants",
                    IntegerAttr::get(IntegerType::get(context, 32), constantIndex.size()));
  }
};
} // namespace
