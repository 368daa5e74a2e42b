// The ONNX importer's internals, shared by its source files.
#ifndef RNNC_FRONTEND_ONNX_IMPORTER_H
#define RNNC_FRONTEND_ONNX_IMPORTER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "rnnc/API/Signature.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <onnx/onnx_pb.h>

#include <optional>

namespace mlir::rnnc::onnx_import {

enum class RecurrentKind { LSTM, GRU, RNN };

/// A constant tensor known at import time (initializer or Constant node).
struct ConstantTensor {
  std::vector<int64_t> shape;
  std::vector<float> values;
};

/// One element of a ShapeVector: a constant, or dimension `dim` of `source`.
struct ShapeDim {
  int64_t value = 0;
  Value source;
  unsigned dim = 0;
};
struct ShapeVector {
  SmallVector<ShapeDim> elements;
  bool scalar = false;
};

class OnnxImporter {
public:
  OnnxImporter(MLIRContext *context, StringRef path)
      : context(context), b(context), fileLoc(FileLineColLoc::get(context, path, 0, 0)) {}

  OwningOpRef<ModuleOp> import(const onnx::ModelProto &model);

private:
  Location nodeLoc(const onnx::NodeProto &node) {
    std::string name = node.name().empty() ? node.op_type() : node.name();
    return NameLoc::get(StringAttr::get(context, name), fileLoc);
  }
  InFlightDiagnostic nodeError(const onnx::NodeProto &node) {
    return emitError(nodeLoc(node)) << "node '" << node.name() << "' (" << node.op_type() << "): ";
  }

  LogicalResult importTensor(const onnx::TensorProto &tensor, Location loc, Value &value);
  LogicalResult importNode(const onnx::NodeProto &node);
  LogicalResult importConstantNode(const onnx::NodeProto &node);
  LogicalResult importShapeOp(const onnx::NodeProto &node);
  LogicalResult importTensorOp(const onnx::NodeProto &node);
  /// Range over import-time start/delta and a limit that may be a run-time size.
  LogicalResult importRange(const onnx::NodeProto &node);
  LogicalResult importHeadOp(const onnx::NodeProto &node);
  LogicalResult importExpand(const onnx::NodeProto &node);
  /// TopK (a full 1-D sort), ScatterElements (1-D) and Gather with run-time
  /// indices: what PyTorch emits to sort a batch by length for packed sequences.
  LogicalResult importIndexOp(const onnx::NodeProto &node);
  /// A linalg.generic over `inputs` broadcast (numpy rules) to one result of
  /// `resultElement`; without it, inputs and result are float.
  FailureOr<Value> elementwise(const onnx::NodeProto &node, ArrayRef<Value> inputs,
                               function_ref<Value(OpBuilder &, Location, ValueRange)> body,
                               Type resultElement = {});
  Value matmul2D(Location loc, Value a, Value bMatrix);
  /// ReduceSum/Mean/Max/Min/Prod, Softmax, LogSoftmax, LayerNormalization.
  LogicalResult importReductionOp(const onnx::NodeProto &node);
  /// `input` folded over `axes` by combine(accumulator, element) from `start`;
  /// reduced dimensions are kept as size 1 with `keepDims`, dropped otherwise.
  Value reduce(Location loc, Value input, ArrayRef<int64_t> axes, bool keepDims, float start,
               function_ref<Value(OpBuilder &, Location, Value, Value)> combine);
  /// Comparisons, Not/And/Or/Xor and Where on tensors (masks over lengths).
  LogicalResult importLogicOp(const onnx::NodeProto &node);
  LogicalResult importRecurrent(const onnx::NodeProto &node, RecurrentKind kind);
  /// Marks graph inputs that are the state of a graph output (kStateOfAttrName):
  /// an input that only feeds forward recurrent nodes' initial_h/initial_c
  /// (through slices) paired with the one output that concatenates the same
  /// nodes' Y_h/Y_c in the same order.
  void pairStates(const onnx::GraphProto &graph, func::FuncOp func,
                  ArrayRef<std::string> argNames);

  /// Input `index` of `node`, or null when absent ("" or past the end).
  FailureOr<Value> optionalInput(const onnx::NodeProto &node, int index);
  /// A weight input: its value, and its data when known at import time.
  struct Weight {
    Value value;
    const ConstantTensor *constant;
  };
  FailureOr<Weight> weightInput(const onnx::NodeProto &node, int index, StringRef role,
                                ArrayRef<int64_t> shape);

  Value constant(ArrayRef<int64_t> shape, ArrayRef<float> values) {
    auto type = RankedTensorType::get(shape, b.getF32Type());
    return b.create<arith::ConstantOp>(fileLoc, DenseElementsAttr::get(type, values));
  }
  Value sliceDirection(Value states, int64_t direction, bool batchMajor, Value batch);

  MLIRContext *context;
  OpBuilder b;
  Location fileLoc;
  llvm::StringMap<Value> values;
  llvm::StringMap<ConstantTensor> constants;
  /// Integer vectors (and scalars) known at import time, each element a
  /// constant or a dimension of a run-time tensor: shape arithmetic such as
  /// Shape -> Gather -> Unsqueeze -> Concat is folded here.
  llvm::StringMap<ShapeVector> shapes;

  OpFoldResult dimSize(const ShapeDim &d);
  FailureOr<Value> runtimeInput(const onnx::NodeProto &node, int index);
  FailureOr<const ShapeVector *> shapeInput(const onnx::NodeProto &node, int index, StringRef role);
  FailureOr<SmallVector<int64_t>> constantInts(const onnx::NodeProto &node, int index,
                                               StringRef role);
};

/// The MLIR element type of an ONNX tensor type (float, int32, int64 only).
std::optional<Type> elementType(int32_t onnxType, MLIRContext *context);

std::optional<SmallVector<int64_t>> intsAttribute(const onnx::NodeProto &node, StringRef name);
const onnx::AttributeProto *findAttribute(const onnx::NodeProto &node, StringRef name);
int64_t intAttribute(const onnx::NodeProto &node, StringRef name, int64_t fallback);

} // namespace mlir::rnnc::onnx_import

#endif // RNNC_FRONTEND_ONNX_IMPORTER_H
