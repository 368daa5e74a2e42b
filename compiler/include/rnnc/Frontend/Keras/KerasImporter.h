#ifndef RNNC_FRONTEND_KERAS_KERASIMPORTER_H
#define RNNC_FRONTEND_KERAS_KERASIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlir::rnnc {

/// Whether `path` names a Keras model file rnnc reads: Keras 3 `.keras`, or
/// Keras 2 `.h5` (a whole model, saved with its config).
bool isKerasModelPath(StringRef path);

/// Imports the Keras model file `bytes` (read from `path`) as an rnn-dialect
/// module in `context`: its inputs are the model's InputLayers, its outputs
/// the model's outputs, by layer name. Layers and options rnnc cannot run are
/// refused, all of them in one diagnostic naming each layer and option;
/// nothing the file holds is taken beyond `memoryLimit` bytes (0: none).
/// Returns null after reporting the problem as a diagnostic. docs/keras.md.
OwningOpRef<ModuleOp> importKerasBytes(StringRef bytes, StringRef path, MLIRContext *context,
                                       uint64_t memoryLimit);

} // namespace mlir::rnnc

#endif // RNNC_FRONTEND_KERAS_KERASIMPORTER_H
