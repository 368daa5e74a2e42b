#include "rnnc/API/ModelFile.h"

#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "rnnc/Frontend/Onnx/OnnxImporter.h"

using namespace mlir;

OwningOpRef<ModuleOp> mlir::rnnc::loadModelFile(StringRef path, llvm::SourceMgr &sourceMgr,
                                                MLIRContext *context) {
  std::string error;
  auto file = openInputFile(path, &error);
  if (!file) {
    emitError(FileLineColLoc::get(context, path, 0, 0)) << error;
    return nullptr;
  }
  if (path.ends_with(".onnx"))
    return importOnnxFile(path, context);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  return parseSourceFile<ModuleOp>(sourceMgr, context);
}
