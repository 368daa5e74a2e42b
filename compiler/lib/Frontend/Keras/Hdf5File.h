#ifndef RNNC_FRONTEND_KERAS_HDF5FILE_H
#define RNNC_FRONTEND_KERAS_HDF5FILE_H

#include "KerasFile.h"

#include "llvm/Support/Error.h"

namespace mlir::rnnc::keras {

/// What rnnc reads from the HDF5 file of a Keras model.
struct Hdf5Contents {
  /// Keras 2: the root attribute `model_config`, one string per value.
  std::vector<std::string> modelConfig;
  /// Keras 2: each layer group's `weight_names`, by layer name.
  std::map<std::string, std::vector<std::string>> weightNames;
  /// Every float dataset by HDF5 path.
  std::map<std::string, Array> datasets;
};

/// Seconds a file may take libhdf5 before it counts as a hang.
constexpr unsigned kHdf5TimeoutSeconds = 120;

/// Reads the HDF5 image `bytes` (named `what` in messages; `legacy`: a Keras
/// 2 model with model_config and model_weights) in a child process, so that
/// libhdf5 crashing or hanging on a crafted file fails the read with a
/// message instead. Everything it unpacks counts against `memoryLimit` (0:
/// none) from `bytesRead` on. External links and storage, virtual datasets
/// and filter plugins are refused; variable-length strings are read from
/// the global heap by rnnc.
llvm::Expected<Hdf5Contents> readHdf5File(StringRef bytes, bool legacy, StringRef what,
                                          uint64_t memoryLimit, uint64_t bytesRead);

} // namespace mlir::rnnc::keras

#endif // RNNC_FRONTEND_KERAS_HDF5FILE_H
