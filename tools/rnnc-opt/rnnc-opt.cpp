// rnnc-opt: mlir-opt with the rnn dialect, its passes and the rnnc pipelines.
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "rnnc/InitAll.h"

int main(int argc, char **argv) {
  mlir::rnnc::registerAllPasses();
  mlir::DialectRegistry registry;
  mlir::rnnc::registerAllDialects(registry);
  return mlir::asMainReturnCode(mlir::MlirOptMain(argc, argv, "rnnc optimizer driver\n", registry));
}
