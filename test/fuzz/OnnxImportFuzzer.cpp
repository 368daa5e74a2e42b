// libFuzzer target: arbitrary bytes as an ONNX model through the importer
// (protobuf parsing, graph import, verification). Any outcome but a crash,
// hang, leak or sanitizer report is fine: bad models must end in diagnostics.
#include "rnnc/Frontend/Onnx/OnnxImporter.h"
#include "FuzzContext.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext *context = fuzzContext();
  mlir::ScopedDiagnosticHandler quiet(context, [](mlir::Diagnostic &) {});
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  (void)mlir::rnnc::importOnnxBytes(bytes, "fuzz.onnx", context);
  return 0;
}
