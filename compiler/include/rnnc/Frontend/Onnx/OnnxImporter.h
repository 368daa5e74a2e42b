#ifndef RNNC_FRONTEND_ONNX_ONNXIMPORTER_H
#define RNNC_FRONTEND_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::rnnc {

/// Reads a serialized ONNX ModelProto (`name` stands for the file in
/// diagnostics) into a module with one public function that
/// computes the graph: graph inputs become arguments and graph outputs results,
/// each carrying its ONNX name as `rnn.name`. LSTM, GRU and RNN nodes become
/// rnn cells and rnn.dynamic_rnn with onnxruntime's semantics. Anything
/// unsupported, malformed or inconsistent is reported as an error diagnostic
/// naming the node, op type and attribute or input at fault; returns null then.
OwningOpRef<ModuleOp> importOnnxBytes(StringRef bytes, StringRef name, MLIRContext *context);

/// What a model file holds before import: the default-domain opset and each
/// op type with its node count, node names and whether the importer handles
/// it (some attributes or inputs of a handled op may still be refused).
struct OnnxOpUse {
  std::string op;
  int count = 0;
  bool supported = false;
  std::vector<std::string> nodes;
};
struct OnnxSurvey {
  int64_t opset = -1;
  std::string graphName;
  std::vector<OnnxOpUse> ops;
};
/// Null when the bytes are not an ONNX model.
std::optional<OnnxSurvey> surveyOnnxBytes(StringRef bytes);

} // namespace mlir::rnnc

#endif // RNNC_FRONTEND_ONNX_ONNXIMPORTER_H
