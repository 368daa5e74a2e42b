#ifndef RNNC_FRONTEND_KERAS_KERASFILE_H
#define RNNC_FRONTEND_KERAS_KERASFILE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mlir::rnnc::keras {

/// A float dataset of the weights file, converted to f32.
struct Array {
  std::vector<int64_t> shape;
  std::vector<float> values;
};

/// What a Keras model file holds, read whole and checked: the model's
/// config and every float dataset of its weights by HDF5 path.
struct KerasFile {
  /// Keras 3 `.keras` (config.json, model.weights.h5) or Keras 2 `.h5`
  /// (root attribute model_config, weights under model_weights/).
  bool legacy = false;
  /// {"class_name": "Sequential" | "Functional" | "Model", "config": {...}}.
  llvm::json::Value config = nullptr;
  /// "layers/lstm/cell/vars/0" (Keras 3), "model_weights/lstm/lstm/lstm_cell/kernel:0"
  /// (Keras 2) -> values.
  std::map<std::string, Array> datasets;
  /// Keras 2: a layer group's `weight_names` attribute, the order of its
  /// weights ("lstm/lstm_cell/kernel:0", ...), by layer name.
  std::map<std::string, std::vector<std::string>> weightNames;
};

/// Reads `bytes`, the contents of `path` (`.keras` or `.h5`), within
/// `memoryLimit` bytes (0: none) for everything it unpacks. Zip members and
/// datasets are sized before they are read; HDF5 objects that would read
/// other files (external links and storage, virtual datasets) or load
/// filter plugins are refused. Reports problems as diagnostics at `loc`.
FailureOr<KerasFile> readKerasFile(StringRef path, StringRef bytes, Location loc,
                                   uint64_t memoryLimit);

/// Parses a model config (`config.json`, `model_config`) into `file`: JSON
/// nested at most 256 levels, an object.
LogicalResult parseKerasConfig(StringRef text, StringRef what, Location loc, KerasFile &file);

/// Builds the model `file` describes (KerasImporter.cpp).
OwningOpRef<ModuleOp> importKerasFile(KerasFile &file, Location loc, MLIRContext *context);

} // namespace mlir::rnnc::keras

#endif // RNNC_FRONTEND_KERAS_KERASFILE_H
