#include "rnnc/Transforms/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_MERGEGPUMODULES
#include "rnnc/Transforms/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;

namespace {
struct MergeGpuModules : rnnc::impl::MergeGpuModulesBase<MergeGpuModules> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> modules(module.getOps<gpu::GPUModuleOp>());
    if (modules.empty())
      return;
    gpu::GPUModuleOp merged = modules.front();
    auto attributesBesidesName = [](gpu::GPUModuleOp op) {
      NamedAttrList attributes(op->getAttrDictionary());
      attributes.erase(SymbolTable::getSymbolAttrName());
      return attributes.getDictionary(op.getContext());
    };
    DictionaryAttr expected = attributesBesidesName(merged);
    for (gpu::GPUModuleOp other : modules)
      if (attributesBesidesName(other) != expected) {
        other.emitError("cannot merge gpu.modules with different attributes: ")
            << attributesBesidesName(other) << " vs " << expected;
        return signalPassFailure();
      }

    // New names first (unique: module names are), then the moves.
    llvm::DenseMap<SymbolRefAttr, FlatSymbolRefAttr> renamed;
    for (gpu::GPUModuleOp source : modules) {
      SmallVector<gpu::GPUFuncOp> kernels(source.getOps<gpu::GPUFuncOp>());
      SymbolTable table(source);
      for (gpu::GPUFuncOp kernel : kernels) {
        StringAttr oldName = kernel.getNameAttr();
        std::string name = kernels.size() == 1
                               ? source.getName().str()
                               : (source.getName() + "_" + oldName.getValue()).str();
        if (failed(table.rename(kernel, StringAttr::get(&getContext(), name)))) {
          kernel.emitError("cannot rename kernel to '") << name << "'";
          return signalPassFailure();
        }
        renamed[SymbolRefAttr::get(source.getNameAttr(), {FlatSymbolRefAttr::get(oldName)})] =
            FlatSymbolRefAttr::get(&getContext(), name);
      }
    }
    SymbolTable mergedTable(merged);
    for (gpu::GPUModuleOp source : llvm::drop_begin(modules)) {
      for (Operation &op : llvm::make_early_inc_range(source.getBody()->without_terminator())) {
        if (auto symbol = dyn_cast<SymbolOpInterface>(op);
            symbol && !isa<gpu::GPUFuncOp>(op) && mergedTable.lookup(symbol.getNameAttr())) {
          // A declaration both modules have (e.g. a libdevice function).
          op.erase();
          continue;
        }
        op.moveBefore(merged.getBody()->getTerminator());
      }
      source.erase();
    }

    // Kernels with a grid barrier (rnnc-persistent-time-loop) say so, and
    // the module lists them for the lowering of their launches (which
    // outlives the kernels): they need every block resident at once.
    SmallVector<Attribute> gridBarrierKernels;
    for (auto kernel : merged.getOps<gpu::GPUFuncOp>()) {
      bool gridBarrier = kernel
                             .walk([](Operation *op) {
                               return op->hasAttr(rnnc::kGridBarrierAttrName)
                                          ? WalkResult::interrupt()
                                          : WalkResult::advance();
                             })
                             .wasInterrupted();
      if (gridBarrier) {
        kernel->setAttr(rnnc::kGridBarrierAttrName, UnitAttr::get(&getContext()));
        gridBarrierKernels.push_back(kernel.getNameAttr());
      }
    }
    if (!gridBarrierKernels.empty())
      module->setAttr(rnnc::kGridBarrierKernelsAttrName,
                      ArrayAttr::get(&getContext(), gridBarrierKernels));
    module.walk([&](gpu::LaunchFuncOp launch) {
      auto it = renamed.find(launch.getKernel());
      if (it != renamed.end())
        launch.setKernelAttr(SymbolRefAttr::get(merged.getNameAttr(), {it->second}));
    });
  }
};
} // namespace
