#include "rnnc/InitAll.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "rnnc/Conversion/Passes.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"
#include "rnnc/Dialect/Rnn/Transforms/Passes.h"
#include "rnnc/Pipelines/Pipelines.h"
#include "rnnc/Transforms/Passes.h"

void mlir::rnnc::registerAllDialects(DialectRegistry &registry) {
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  // gpu-module-to-binary serializes gpu.modules through the NVVM target.
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registry.insert<rnn::RnnDialect>();
}

void mlir::rnnc::registerAllPasses() {
  mlir::registerAllPasses();
  rnn::registerRnnPasses();
  registerRnncConversionPasses();
  registerRnncTransformsPasses();
  registerPipelines();
}
