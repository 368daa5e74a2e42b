#include "rnnc/InitAll.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "rnnc/Conversion/Passes.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"
#include "rnnc/Dialect/Rnn/Transforms/Passes.h"
#include "rnnc/Pipelines/Pipelines.h"

void mlir::rnnc::registerAllDialects(DialectRegistry &registry) {
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  registry.insert<rnn::RnnDialect>();
}

void mlir::rnnc::registerAllPasses() {
  mlir::registerAllPasses();
  rnn::registerRnnPasses();
  registerRnncConversionPasses();
  registerPipelines();
}
