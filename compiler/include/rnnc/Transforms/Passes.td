#ifndef RNNC_TRANSFORMS_PASSES_TD
#define RNNC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MergeGpuModules : Pass<"rnnc-merge-gpu-modules", "::mlir::ModuleOp"> {
  let summary = "Move every kernel into the first gpu.module";
  let description = [{
    `gpu-kernel-outlining` puts each kernel in a gpu.module of its own; a
    model's kernels are meant to be one device module (one PTX file, one
    module load). Each kernel takes its module's name (unique in the parent
    symbol table) when the module holds one kernel, else `<module>_<kernel>`,
    is moved into the first gpu.module, and every `gpu.launch_func` is
    redirected. Modules whose attributes (targets) differ are refused.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

#endif // RNNC_TRANSFORMS_PASSES_TD
