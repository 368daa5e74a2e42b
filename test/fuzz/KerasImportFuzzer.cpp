// libFuzzer target: Keras model files through the reader and the importer.
// The first byte picks what the rest is: a `.keras` zip, a Keras 2 `.h5`, or
// a model config alone (the JSON of config.json, imported without weights:
// the layers' config walk, which the zip's checksums would otherwise keep
// mutations away from). Bad files must end in diagnostics.
#include "Frontend/Keras/KerasFile.h"
#include "rnnc/Frontend/Keras/KerasImporter.h"
#include "FuzzContext.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  mlir::MLIRContext *context = fuzzContext();
  mlir::ScopedDiagnosticHandler quiet(context, [](mlir::Diagnostic &) {});
  llvm::StringRef bytes(reinterpret_cast<const char *>(data) + 1, size - 1);
  constexpr uint64_t kLimit = uint64_t(64) << 20;
  switch (data[0] % 3) {
  case 0:
    (void)mlir::rnnc::importKerasBytes(bytes, "fuzz.keras", context, kLimit);
    break;
  case 1:
    (void)mlir::rnnc::importKerasBytes(bytes, "fuzz.h5", context, kLimit);
    break;
  default: {
    mlir::Location loc = mlir::FileLineColLoc::get(context, "fuzz.json", 0, 0);
    mlir::rnnc::keras::KerasFile file;
    if (succeeded(mlir::rnnc::keras::parseKerasConfig(bytes, "config.json", loc, file)))
      (void)mlir::rnnc::keras::importKerasFile(file, loc, context);
  }
  }
  return 0;
}
