#ifndef RNNC_FRONTEND_KERAS_IMPORTER_H
#define RNNC_FRONTEND_KERAS_IMPORTER_H

// The Keras importer's state, shared by KerasImporter.cpp (the model's
// graph, inputs, outputs, where weights are) and KerasLayers.cpp (each
// layer through rnnc::ModelBuilder).

#include "KerasFile.h"
#include "rnnc/rnnc.h"

#include "llvm/ADT/StringMap.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlir::rnnc::keras {

/// A layer's output as the builder holds it, with its Keras mask (bool
/// [B, T]) where it has one.
struct KerasValue {
  ::rnnc::Tensor tensor;
  ::rnnc::Tensor mask;
  /// Static sizes; -1 where Keras leaves a size open (batch, time).
  std::vector<int64_t> shape;
};

/// Whether rnnc reads layers of class `className`.
bool isSupportedLayer(StringRef className);

/// Keras's naming.to_snake_case: "SimpleRNN" -> "simple_rnn".
std::string snakeCase(StringRef className);

class Importer {
public:
  Importer(KerasFile &file, Location loc) : file_(file), loc_(loc) {}

  OwningOpRef<ModuleOp> run(MLIRContext *context);

private:
  // Config access: Keras 2 and 3 spell the options alike.
  static std::string stringOf(const llvm::json::Object &config, StringRef key,
                              StringRef fallback = "");
  static bool boolOf(const llvm::json::Object &config, StringRef key, bool fallback = false);

  /// Refuses (collected, reported together) an option of a layer.
  void refuse(StringRef layer, StringRef className, const Twine &what);

  /// An activation option as an rnn activation, or "" after refusing it.
  std::string activationOf(const llvm::json::Object &config, StringRef key, StringRef fallback,
                           StringRef layer, StringRef className);

  /// Takes the next weights slot of a layer of `className` (Keras 3).
  void assignSlot(StringRef layer, StringRef className);
  /// The weights of `layer` in the order Keras creates them: Keras 3 keeps
  /// them as `layers/<slot>/<group>/vars/<i>`, Keras 2 as the layer's
  /// weight_names (the groups do not matter there).
  std::vector<const Array *> weightsOf(StringRef layer, ArrayRef<std::string> groups);
  /// Whether `weights` are arrays of these shapes (named in the refusal
  /// otherwise, e.g. "kernel").
  bool checkWeights(StringRef layer, StringRef className, ArrayRef<const Array *> weights,
                    ArrayRef<std::vector<int64_t>> shapes, ArrayRef<StringRef> names);

  LogicalResult importInput(StringRef name, const llvm::json::Object &config);
  LogicalResult importSequential(const llvm::json::Object &model);
  LogicalResult importFunctional(const llvm::json::Object &model);
  /// Names the outputs, tensor 0 of a layer after it, tensor k as `<layer>_<k>`.
  LogicalResult addOutput(StringRef layer, int64_t tensor, const KerasValue &value);

  // KerasLayers.cpp.
  /// Applies layer `name` of class `className` to `inputs`; its outputs.
  std::optional<std::vector<KerasValue>> apply(StringRef name, StringRef className,
                                               const llvm::json::Object &config,
                                               ArrayRef<KerasValue> inputs);
  std::optional<::rnnc::KerasLayer> recurrentLayer(StringRef name, StringRef className,
                                                   const llvm::json::Object &config,
                                                   ArrayRef<const Array *> weights,
                                                   const KerasValue &input);
  std::optional<std::vector<KerasValue>> recurrent(StringRef name, StringRef className,
                                                   const llvm::json::Object &config,
                                                   ArrayRef<KerasValue> inputs);
  std::optional<std::vector<KerasValue>> stackedCells(StringRef name,
                                                      const llvm::json::Object &config,
                                                      const llvm::json::Object &cells,
                                                      ArrayRef<KerasValue> inputs);
  std::optional<std::vector<KerasValue>> bidirectional(StringRef name,
                                                       const llvm::json::Object &config,
                                                       ArrayRef<KerasValue> inputs);
  std::optional<KerasValue> dense(StringRef name, StringRef className,
                                  const llvm::json::Object &config, const KerasValue &input,
                                  ArrayRef<std::string> groups);
  std::optional<KerasValue> merge(StringRef name, StringRef className,
                                  const llvm::json::Object &config, ArrayRef<KerasValue> inputs);

  KerasFile &file_;
  Location loc_;
  ::rnnc::ModelBuilder builder_;
  std::vector<std::string> problems_;
  /// Keras 3: where each layer's variables are, `layers/<slot>`: its class
  /// in snake case, numbered from the second of a class on (`lstm`,
  /// `lstm_1`), in the order of the model's layers.
  std::map<std::string, std::string> slots_;
  llvm::StringMap<int> slotsTaken_;
  /// Each layer's outputs by node (call).
  std::map<std::string, std::vector<std::vector<KerasValue>>> nodes_;
  llvm::StringMap<bool> outputNames_;
  /// The model's recurrent layers are time-major: inputs are [T, B, ...].
  bool timeMajor_ = false;
};

} // namespace mlir::rnnc::keras

#endif // RNNC_FRONTEND_KERAS_IMPORTER_H
