#ifndef RNNC_API_SIGNATURE_H
#define RNNC_API_SIGNATURE_H

#include <cstdint>
#include <string>
#include <vector>

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "rnnrt/status.h"

namespace mlir::rnnc {

/// A function argument attribute: the name of the result this input is the
/// state of (set by the ONNX importer where the graph pairs them, and by
/// CompileOptions::statePairs). The runtime carries the result into it.
inline constexpr llvm::StringLiteral kStateOfAttrName = "rnn.state_of";

/// i1 tensors (masks) are one byte per element, 0 or 1.
enum class ElementType { F32, I32, I64, Bool };

/// "f32", "i32", "i64", "i1".
const char *elementTypeName(ElementType type);

/// The runtime's name for an element type (rnnrt_dtype_t), and back.
rnnrt_dtype_t toRuntimeDtype(ElementType type);
ElementType fromRuntimeDtype(rnnrt_dtype_t dtype);

/// What the runtime does with an input or result (rnnrt_role_t).
enum class TensorRole { Data = 0, SequenceLengths = 1, Mask = 2, State = 3, Indices = 4 };

/// One input or result of a compiled model function.
struct TensorSpec {
  std::string name;
  ElementType elementType = ElementType::F32;
  /// Static sizes; kDynamic (-1) where the size is known only at run time.
  std::vector<int64_t> shape;
  /// Per dimension, the index of the run-time size it equals (into
  /// ModelSignature::symbols), or -1 for a static dimension.
  std::vector<int> dimSymbols;
  TensorRole role = TensorRole::Data;
  /// For a state input (`initial_state/S`, or one with kStateOfAttrName):
  /// the index of its result (`final_state/S`), and the other way round; -1
  /// otherwise.
  int pair = -1;
  /// For a sequence_length input: the symbol (or static size, with symbol -1)
  /// of the time dimension its values may not exceed; for an indices input,
  /// of the dimension they index (values in [-limit, limit)).
  int limitSymbol = -1;
  int64_t limitStatic = -1;
};

/// The callable shape of a model function: named inputs and results, and the
/// run-time sizes (T, B, ...) that tie their dynamic dimensions together.
struct ModelSignature {
  static constexpr int64_t kDynamic = -1;
  std::string function;
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> results;
  /// Names of the run-time sizes, e.g. "T", "B".
  std::vector<std::string> symbols;
  /// Per symbol, the least value a call may give it (0: any): the model
  /// slices that many entries along a dimension of that size.
  std::vector<int64_t> symbolMinimums;
  /// The symbol named "B" (the batch of the first sequence), or -1.
  int batchSymbol = -1;
  /// Without a batch symbol: the static batch of the first sequence, or -1.
  int64_t staticBatch = -1;
};

/// "NAME: f32[T, B, 4]": a tensor's name, type and shape, run-time sizes by name.
std::string describeTensor(const TensorSpec &spec, const ModelSignature &signature);

/// Derives the signature of `func`, naming inputs and results as documented in
/// docs/running.md (attribute `rnn.name`, else by their role in
/// rnn.dynamic_rnn, else argN/resultN). Emits a diagnostic and fails on
/// unsupported element types, unranked tensors, or duplicate/unsafe names.
FailureOr<ModelSignature> analyzeSignature(func::FuncOp func);

/// Removes the `rnn.name` argument and result attributes once the signature
/// has been taken and the model bufferized (the LLVM lowering does not know
/// them).
void dropNameAttributes(func::FuncOp func);

/// Checks concrete input shapes (and sequence_length values) against
/// `signature`; on success fills the value of every symbol. On failure returns
/// false with a message naming the input and dimension at fault.
bool bindSymbols(const ModelSignature &signature,
                 const std::vector<std::vector<int64_t>> &inputShapes,
                 const std::vector<const void *> &inputData, std::vector<int64_t> &symbolValues,
                 std::string &error);

} // namespace mlir::rnnc

#endif // RNNC_API_SIGNATURE_H
