// ONNX -> rnn dialect. Weights (W, R, B, P) are converted at import time from
// ONNX's layouts (gate order i,o,f,c / z,r,h, one row per unit) to the dialect's
// TensorFlow layout; directions become one rnn.dynamic_rnn each, assembled into
// ONNX's [T, dirs, B, H] outputs with tensor.insert_slice.

#include "rnnc/Frontend/Onnx/OnnxImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Verifier.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <onnx/onnx_pb.h>

#include <fstream>
#include <limits>
#include <optional>

using namespace mlir;

namespace {

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
  LogicalResult importHeadOp(const onnx::NodeProto &node);
  LogicalResult importExpand(const onnx::NodeProto &node);
  /// TopK (a full 1-D sort), ScatterElements (1-D) and Gather with run-time
  /// indices: what PyTorch emits to sort a batch by length for packed sequences.
  LogicalResult importIndexOp(const onnx::NodeProto &node);
  /// A float linalg.generic over `inputs` broadcast (numpy rules) to one result.
  FailureOr<Value> elementwise(const onnx::NodeProto &node, ArrayRef<Value> inputs,
                               function_ref<Value(OpBuilder &, Location, ValueRange)> body);
  Value matmul2D(Location loc, Value a, Value bMatrix);
  LogicalResult importRecurrent(const onnx::NodeProto &node, RecurrentKind kind);

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

std::optional<Type> elementType(int32_t onnxType, MLIRContext *context) {
  switch (onnxType) {
  case onnx::TensorProto::FLOAT:
    return Float32Type::get(context);
  case onnx::TensorProto::INT32:
    return IntegerType::get(context, 32);
  case onnx::TensorProto::INT64:
    return IntegerType::get(context, 64);
  default:
    return std::nullopt;
  }
}

LogicalResult OnnxImporter::importTensor(const onnx::TensorProto &tensor, Location loc,
                                         Value &value) {
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
    return emitError(loc) << "tensor '" << tensor.name()
                          << "' uses external data, which is not supported";
  std::vector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && count > (int64_t(1) << 40) / d))
      return emitError(loc) << "tensor '" << tensor.name() << "' has a bad shape "
                            << rnn::formatShape(shape);
    count *= d;
  }
  std::optional<Type> type = elementType(tensor.data_type(), context);
  if (!type)
    return emitError(loc) << "tensor '" << tensor.name() << "' has unsupported element type "
                          << tensor.data_type() << " (supported: float, int32, int64)";
  auto tensorType = RankedTensorType::get(shape, *type);
  const std::string &raw = tensor.raw_data();
  size_t width = type->getIntOrFloatBitWidth() / 8;
  auto sizeError = [&](size_t got) {
    return emitError(loc) << "tensor '" << tensor.name() << "' of shape " << rnn::formatShape(shape)
                          << " holds " << got << " values";
  };
  DenseElementsAttr attr;
  if (!raw.empty()) {
    if (raw.size() != (size_t)count * width)
      return sizeError(raw.size() / width);
    attr = DenseElementsAttr::getFromRawBuffer(tensorType, ArrayRef<char>(raw.data(), raw.size()));
  } else if (type->isF32()) {
    if (tensor.float_data_size() != count)
      return sizeError(tensor.float_data_size());
    attr = DenseElementsAttr::get(tensorType, ArrayRef<float>(tensor.float_data().data(), count));
  } else if (type->isInteger(32)) {
    if (tensor.int32_data_size() != count)
      return sizeError(tensor.int32_data_size());
    attr = DenseElementsAttr::get(tensorType, ArrayRef<int32_t>(tensor.int32_data().data(), count));
  } else {
    if (tensor.int64_data_size() != count)
      return sizeError(tensor.int64_data_size());
    std::vector<int64_t> data(tensor.int64_data().begin(), tensor.int64_data().end());
    attr = DenseElementsAttr::get(tensorType, ArrayRef<int64_t>(data));
  }
  if (type->isInteger(32) || type->isInteger(64)) {
    if (shape.size() <= 1) {
      ShapeVector &v = shapes[tensor.name()];
      v.scalar = shape.empty();
      for (const APInt &i : attr.getValues<APInt>())
        v.elements.push_back(ShapeDim{i.getSExtValue(), Value(), 0});
    }
  }
  if (type->isF32()) {
    ConstantTensor &c = constants[tensor.name()];
    c.shape = shape;
    c.values.assign(attr.getValues<float>().begin(), attr.getValues<float>().end());
  }
  value = b.create<arith::ConstantOp>(loc, attr);
  return success();
}

FailureOr<Value> OnnxImporter::optionalInput(const onnx::NodeProto &node, int index) {
  if (index >= node.input_size() || node.input(index).empty())
    return Value();
  auto it = values.find(node.input(index));
  if (it == values.end())
    return nodeError(node) << "input '" << node.input(index)
                           << "' is not a graph input, initializer or output of an earlier node";
  return it->second;
}

FailureOr<OnnxImporter::Weight> OnnxImporter::weightInput(const onnx::NodeProto &node, int index,
                                                          StringRef role,
                                                          ArrayRef<int64_t> shape) {
  FailureOr<Value> value = optionalInput(node, index);
  if (failed(value))
    return failure();
  Weight weight{*value, nullptr};
  if (!*value)
    return weight;
  auto it = constants.find(node.input(index));
  if (it != constants.end())
    weight.constant = &it->second;
  auto type = cast<RankedTensorType>(value->getType());
  if (!type.getElementType().isF32() || type.getShape() != shape)
    return nodeError(node) << "input '" << role << "' must be a float tensor of shape "
                           << rnn::formatShape(shape) << ", got " << value->getType();
  return weight;
}

LogicalResult OnnxImporter::importConstantNode(const onnx::NodeProto &node) {
  if (node.attribute_size() != 1)
    return nodeError(node) << "expects exactly one value attribute";
  const onnx::AttributeProto &attr = node.attribute(0);
  onnx::TensorProto tensor;
  if (attr.name() == "value") {
    tensor = attr.t();
  } else if (attr.name() == "value_float") {
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    tensor.add_float_data(attr.f());
  } else if (attr.name() == "value_floats") {
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    tensor.add_dims(attr.floats_size());
    for (float f : attr.floats())
      tensor.add_float_data(f);
  } else if (attr.name() == "value_int") {
    tensor.set_data_type(onnx::TensorProto::INT64);
    tensor.add_int64_data(attr.i());
  } else if (attr.name() == "value_ints") {
    tensor.set_data_type(onnx::TensorProto::INT64);
    tensor.add_dims(attr.ints_size());
    for (int64_t i : attr.ints())
      tensor.add_int64_data(i);
  } else {
    return nodeError(node) << "attribute '" << attr.name() << "' is not supported";
  }
  if (node.output_size() != 1)
    return nodeError(node) << "expects one output";
  tensor.set_name(node.output(0));
  Value value;
  if (failed(importTensor(tensor, nodeLoc(node), value)))
    return failure();
  values[node.output(0)] = value;
  return success();
}

Value OnnxImporter::sliceDirection(Value states, int64_t direction, bool batchMajor,
                                   Value batch) {
  auto type = cast<RankedTensorType>(states.getType());
  int64_t hidden = type.getDimSize(2);
  int64_t staticBatch = type.getDimSize(batchMajor ? 0 : 1);
  auto resultType = RankedTensorType::get({staticBatch, hidden}, b.getF32Type());
  SmallVector<OpFoldResult> offsets(3, b.getIndexAttr(0)), sizes, strides(3, b.getIndexAttr(1));
  offsets[batchMajor ? 1 : 0] = b.getIndexAttr(direction);
  OpFoldResult batchSize = ShapedType::isDynamic(staticBatch) ? OpFoldResult(batch)
                                                              : OpFoldResult(b.getIndexAttr(staticBatch));
  if (batchMajor)
    sizes = {batchSize, b.getIndexAttr(1), b.getIndexAttr(hidden)};
  else
    sizes = {b.getIndexAttr(1), batchSize, b.getIndexAttr(hidden)};
  return b.create<tensor::ExtractSliceOp>(fileLoc, resultType, states, offsets, sizes, strides);
}

/// ONNX's activation names (case-insensitive), whether each takes alpha and
/// beta from `activation_alpha` / `activation_beta`.
struct OnnxActivation {
  rnn::Activation kind;
  bool alpha, beta;
};
std::optional<OnnxActivation> mapActivation(StringRef name) {
  using A = rnn::Activation;
  return llvm::StringSwitch<std::optional<OnnxActivation>>(name.lower())
      .Case("relu", OnnxActivation{A::relu, false, false})
      .Case("tanh", OnnxActivation{A::tanh, false, false})
      .Case("sigmoid", OnnxActivation{A::sigmoid, false, false})
      .Case("affine", OnnxActivation{A::affine, true, true})
      .Case("leakyrelu", OnnxActivation{A::leaky_relu, true, false})
      .Case("thresholdedrelu", OnnxActivation{A::thresholded_relu, true, false})
      .Case("scaledtanh", OnnxActivation{A::scaled_tanh, true, true})
      .Case("hardsigmoid", OnnxActivation{A::hard_sigmoid, true, true})
      .Case("elu", OnnxActivation{A::elu, true, false})
      .Case("softsign", OnnxActivation{A::softsign, false, false})
      .Case("softplus", OnnxActivation{A::softplus, false, false})
      .Default(std::nullopt);
}

LogicalResult OnnxImporter::importRecurrent(const onnx::NodeProto &node, RecurrentKind kind) {
  const int64_t gates = kind == RecurrentKind::LSTM ? 4 : kind == RecurrentKind::GRU ? 3 : 1;
  const int maxInputs = kind == RecurrentKind::LSTM ? 8 : 6;
  const int maxOutputs = kind == RecurrentKind::LSTM ? 3 : 2;
  if (node.input_size() < 3 || node.input_size() > maxInputs)
    return nodeError(node) << "expects 3 to " << maxInputs << " inputs, got " << node.input_size();
  if (node.output_size() > maxOutputs)
    return nodeError(node) << "expects at most " << maxOutputs << " outputs, got "
                           << node.output_size();

  std::string direction = "forward";
  int64_t hiddenSize = -1, layout = 0, linearBeforeReset = 0;
  std::vector<std::string> activations;
  std::vector<float> alphas, betas;
  std::optional<float> clip;
  bool inputForget = false;
  llvm::StringSet<> known = {"activation_alpha", "activation_beta", "activations", "clip",
                             "direction", "hidden_size", "layout"};
  if (kind == RecurrentKind::LSTM)
    known.insert("input_forget");
  if (kind == RecurrentKind::GRU)
    known.insert("linear_before_reset");
  for (const onnx::AttributeProto &attr : node.attribute()) {
    const std::string &name = attr.name();
    if (!known.contains(name))
      return nodeError(node) << "attribute '" << name << "' is not an attribute of "
                             << node.op_type();
    if (name == "direction") {
      direction = attr.s();
    } else if (name == "hidden_size") {
      hiddenSize = attr.i();
    } else if (name == "layout") {
      layout = attr.i();
    } else if (name == "linear_before_reset") {
      linearBeforeReset = attr.i();
    } else if (name == "activations") {
      activations.assign(attr.strings().begin(), attr.strings().end());
    } else if (name == "input_forget") {
      if (attr.i() != 0 && attr.i() != 1)
        return nodeError(node) << "attribute 'input_forget' must be 0 or 1, got " << attr.i();
      inputForget = attr.i() == 1;
    } else if (name == "clip") {
      if (!(attr.f() > 0.0f))
        return nodeError(node) << "attribute 'clip' must be positive, got " << attr.f();
      clip = attr.f();
    } else if (name == "activation_alpha") {
      alphas.assign(attr.floats().begin(), attr.floats().end());
    } else if (name == "activation_beta") {
      betas.assign(attr.floats().begin(), attr.floats().end());
    }
  }
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    return nodeError(node) << "attribute 'direction' must be forward, reverse or bidirectional, "
                              "got '"
                           << direction << "'";
  if (layout != 0 && layout != 1)
    return nodeError(node) << "attribute 'layout' must be 0 or 1, got " << layout;
  if (linearBeforeReset != 0 && linearBeforeReset != 1)
    return nodeError(node) << "attribute 'linear_before_reset' must be 0 or 1, got "
                           << linearBeforeReset;
  const int64_t dirs = direction == "bidirectional" ? 2 : 1;

  // Activations per direction: LSTM (f, g, h), GRU (f, g), RNN (f); f is the
  // gate function (the cell function for RNN). Like onnxruntime, each function
  // that takes alpha (beta) consumes the next activation_alpha (_beta) value,
  // or ONNX's default when the list has run out.
  const size_t perDirection = kind == RecurrentKind::LSTM ? 3 : kind == RecurrentKind::GRU ? 2 : 1;
  if (activations.empty()) {
    for (int64_t d = 0; d < dirs; ++d) {
      if (kind != RecurrentKind::RNN)
        activations.push_back("Sigmoid");
      activations.push_back("Tanh");
      if (kind == RecurrentKind::LSTM)
        activations.push_back("Tanh");
    }
  }
  if (activations.size() != perDirection * dirs)
    return nodeError(node) << "attribute 'activations' must list " << perDirection * dirs
                           << " functions, got " << activations.size();
  std::vector<rnn::ActivationAttr> functions;
  size_t nextAlpha = 0, nextBeta = 0;
  for (const std::string &name : activations) {
    std::optional<OnnxActivation> fn = mapActivation(name);
    if (!fn)
      return nodeError(node) << "attribute 'activations': '" << name << "' is not an ONNX "
                                "activation function";
    auto [alpha, beta] = rnn::ActivationAttr::defaultParameters(fn->kind);
    if (fn->alpha && nextAlpha < alphas.size())
      alpha = alphas[nextAlpha++];
    if (fn->beta && nextBeta < betas.size())
      beta = betas[nextBeta++];
    functions.push_back(rnn::ActivationAttr::get(context, fn->kind, llvm::APFloat(alpha),
                                                 llvm::APFloat(beta)));
  }

  FailureOr<Value> x = optionalInput(node, 0);
  if (failed(x))
    return failure();
  if (!*x)
    return nodeError(node) << "input 'X' is required";
  auto xType = dyn_cast<RankedTensorType>(x->getType());
  if (!xType || xType.getRank() != 3 || !xType.getElementType().isF32())
    return nodeError(node) << "input 'X' must be a rank-3 float tensor, got " << x->getType();
  const int64_t inputSize = xType.getDimSize(2);
  if (ShapedType::isDynamic(inputSize))
    return nodeError(node) << "input 'X' must have a static input size (dimension 2)";
  FailureOr<Value> wValue = optionalInput(node, 1);
  if (failed(wValue))
    return failure();
  if (!*wValue)
    return nodeError(node) << "input 'W' is required";
  auto wType = cast<RankedTensorType>(wValue->getType());
  if (wType.getRank() != 3 || ShapedType::isDynamic(wType.getDimSize(1)) ||
      wType.getDimSize(1) % gates != 0)
    return nodeError(node) << "input 'W' must have shape [num_directions, " << gates
                           << "*hidden_size, input_size], got " << wValue->getType();
  if (hiddenSize < 0)
    hiddenSize = wType.getDimSize(1) / gates;
  const int64_t H = hiddenSize, I = inputSize, GH = gates * H;
  if (H <= 0)
    return nodeError(node) << "attribute 'hidden_size' must be positive, got " << H;

  FailureOr<Weight> w = weightInput(node, 1, "W", {dirs, GH, I});
  FailureOr<Weight> r = weightInput(node, 2, "R", {dirs, GH, H});
  FailureOr<Weight> bias = weightInput(node, 3, "B", {dirs, 2 * GH});
  FailureOr<Weight> peepholes = kind == RecurrentKind::LSTM
                                    ? weightInput(node, 7, "P", {dirs, 3 * H})
                                    : FailureOr<Weight>(Weight{Value(), nullptr});
  if (failed(w) || failed(r) || failed(bias) || failed(peepholes))
    return failure();
  if (!r->value)
    return nodeError(node) << "input 'R' is required";
  // Constant weights are converted now; weights fed at run time are converted
  // by tensor ops in the model (every call).
  const bool constantWeights = w->constant && r->constant && (!bias->value || bias->constant) &&
                               (!peepholes->value || peepholes->constant);
  FailureOr<Value> lengths = optionalInput(node, 4);
  FailureOr<Value> initialH = optionalInput(node, 5);
  FailureOr<Value> initialC =
      kind == RecurrentKind::LSTM ? optionalInput(node, 6) : FailureOr<Value>(Value());
  if (failed(lengths) || failed(initialH) || failed(initialC))
    return failure();

  const bool batchMajor = layout == 1;
  const unsigned timeDim = batchMajor ? 1 : 0, batchDim = batchMajor ? 0 : 1;
  const int64_t staticT = xType.getDimSize(timeDim), staticB = xType.getDimSize(batchDim);
  if (*lengths) {
    auto type = dyn_cast<RankedTensorType>(lengths->getType());
    if (!type || type.getRank() != 1 || !(type.getElementType().isInteger(32) ||
                                          type.getElementType().isInteger(64)))
      return nodeError(node) << "input 'sequence_lens' must be a 1-D int32 or int64 tensor, got "
                             << lengths->getType();
  }
  for (auto [value, name] : {std::pair<Value, StringRef>{*initialH, "initial_h"},
                             {*initialC, "initial_c"}}) {
    if (!value)
      continue;
    auto type = dyn_cast<RankedTensorType>(value.getType());
    SmallVector<int64_t> expected = batchMajor ? SmallVector<int64_t>{staticB, dirs, H}
                                               : SmallVector<int64_t>{dirs, staticB, H};
    bool ok = type && type.getRank() == 3 && type.getElementType().isF32();
    for (int i = 0; ok && i < 3; ++i)
      ok = ShapedType::isDynamic(expected[i]) || ShapedType::isDynamic(type.getDimSize(i)) ||
           expected[i] == type.getDimSize(i);
    if (!ok)
      return nodeError(node) << "input '" << name << "' must be a float tensor of shape "
                             << rnn::formatShape(expected) << ", got " << value.getType();
  }

  Location loc = nodeLoc(node);
  Value batch = b.create<tensor::DimOp>(loc, *x, batchDim);
  Value time = b.create<tensor::DimOp>(loc, *x, timeDim);
  auto stateType = RankedTensorType::get({staticB, H}, b.getF32Type());
  auto outputType = RankedTensorType::get(
      batchMajor ? SmallVector<int64_t>{staticB, staticT, H} : SmallVector<int64_t>{staticT, staticB, H},
      b.getF32Type());
  Value zeros;
  auto zeroState = [&]() {
    if (!zeros) {
      SmallVector<Value> dynamic;
      if (ShapedType::isDynamic(staticB))
        dynamic.push_back(batch);
      Value empty = b.create<tensor::EmptyOp>(loc, stateType, dynamic);
      Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0.0f));
      zeros = b.create<linalg::FillOp>(loc, zero, empty).getResult(0);
    }
    return zeros;
  };

  SmallVector<Value> outputs, finalH, finalC;
  for (int64_t d = 0; d < dirs; ++d) {
    // kernel[k, col] = concat(W, R, axis=1)[row(col), k]: TensorFlow's [I + H, columns].
    auto constantKernel = [&](ArrayRef<int64_t> onnxGates) {
      const float *W = w->constant->values.data() + d * GH * I;
      const float *R = r->constant->values.data() + d * GH * H;
      int64_t columns = onnxGates.size() * H;
      std::vector<float> k((I + H) * columns);
      for (size_t g = 0; g < onnxGates.size(); ++g)
        for (int64_t u = 0; u < H; ++u) {
          int64_t row = onnxGates[g] * H + u, col = g * H + u;
          for (int64_t i = 0; i < I; ++i)
            k[i * columns + col] = W[row * I + i];
          for (int64_t h = 0; h < H; ++h)
            k[(I + h) * columns + col] = R[row * H + h];
        }
      return constant({I + H, columns}, k);
    };
    auto constantBias = [&](ArrayRef<int64_t> onnxGates, bool input, bool recurrent) {
      auto at = [&](int64_t k) {
        return bias->constant ? bias->constant->values[d * 2 * GH + k] : 0.0f;
      };
      std::vector<float> v;
      for (int64_t g : onnxGates)
        for (int64_t u = 0; u < H; ++u)
          v.push_back((input ? at(g * H + u) : 0.0f) + (recurrent ? at(GH + g * H + u) : 0.0f));
      return constant({(int64_t)v.size()}, v);
    };
    // The same conversions as tensor ops, for weights known only at run time.
    auto slice = [&](Value source, ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes,
                     ArrayRef<int64_t> resultShape) {
      SmallVector<OpFoldResult> o, z, st;
      for (size_t i = 0; i < offsets.size(); ++i) {
        o.push_back(b.getIndexAttr(offsets[i]));
        z.push_back(b.getIndexAttr(sizes[i]));
        st.push_back(b.getIndexAttr(1));
      }
      return b.create<tensor::ExtractSliceOp>(
                  loc, RankedTensorType::get(resultShape, b.getF32Type()), source, o, z, st)
          .getResult();
    };
    auto insert = [&](Value part, Value into, int64_t row, int64_t col) {
      auto shape = cast<RankedTensorType>(part.getType()).getShape();
      SmallVector<OpFoldResult> o, z, st(shape.size(), b.getIndexAttr(1));
      o.push_back(b.getIndexAttr(row));
      if (shape.size() == 2)
        o.push_back(b.getIndexAttr(col));
      for (int64_t size : shape)
        z.push_back(b.getIndexAttr(size));
      return b.create<tensor::InsertSliceOp>(loc, part, into, o, z, st).getResult();
    };
    auto transposed = [&](Value m) -> Value {
      auto shape = cast<RankedTensorType>(m.getType()).getShape();
      Value init = b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{shape[1], shape[0]},
                                             b.getF32Type());
      return b.create<linalg::TransposeOp>(loc, m, init, ArrayRef<int64_t>{1, 0}).getResult()[0];
    };
    auto runtimeKernel = [&](ArrayRef<int64_t> onnxGates) -> Value {
      int64_t columns = onnxGates.size() * H;
      Value k = b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{I + H, columns}, b.getF32Type());
      for (size_t g = 0; g < onnxGates.size(); ++g) {
        int64_t row = onnxGates[g] * H;
        k = insert(transposed(slice(w->value, {d, row, 0}, {1, H, I}, {H, I})), k, 0, g * H);
        k = insert(transposed(slice(r->value, {d, row, 0}, {1, H, H}, {H, H})), k, I, g * H);
      }
      return k;
    };
    auto runtimeBias = [&](ArrayRef<int64_t> onnxGates, bool input, bool recurrent) -> Value {
      int64_t n = onnxGates.size() * H;
      if (!bias->value || (!input && !recurrent))
        return constant({n}, std::vector<float>(n, 0.0f));
      Value v = b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{n}, b.getF32Type());
      for (size_t g = 0; g < onnxGates.size(); ++g) {
        int64_t k = onnxGates[g] * H;
        Value part = input ? slice(bias->value, {d, k}, {1, H}, {H}) : Value();
        Value rec = recurrent ? slice(bias->value, {d, GH + k}, {1, H}, {H}) : Value();
        if (part && rec)
          part = *elementwise(node, {part, rec}, [](OpBuilder &n, Location l, ValueRange a) -> Value {
            return n.create<arith::AddFOp>(l, a[0], a[1]);
          });
        v = insert(part ? part : rec, v, g * H, 0);
      }
      return v;
    };
    auto kernel = [&](ArrayRef<int64_t> onnxGates) -> Value {
      return constantWeights ? constantKernel(onnxGates) : runtimeKernel(onnxGates);
    };
    auto sumBias = [&](ArrayRef<int64_t> onnxGates, bool input, bool recurrent) -> Value {
      return constantWeights ? constantBias(onnxGates, input, recurrent)
                             : runtimeBias(onnxGates, input, recurrent);
    };
    auto peephole = [&](int64_t k) -> Value { // ONNX P: i, o, f
      if (constantWeights)
        return constant(
            {H}, ArrayRef<float>(peepholes->constant->values.data() + d * 3 * H + k * H, H));
      return slice(peepholes->value, {d, k * H}, {1, H}, {H});
    };
    auto unitsAttr = b.getI64IntegerAttr(H);
    ArrayRef<rnn::ActivationAttr> fns(&functions[d * perDirection], perDirection);
    FloatAttr clipAttr = clip ? b.getF32FloatAttr(*clip) : FloatAttr();
    Value cell;
    if (kind == RecurrentKind::LSTM) {
      // ONNX i, o, f, c -> TensorFlow i, j(c), f, o.
      SmallVector<int64_t> order = {0, 3, 2, 1};
      Value wi, wf, wo;
      if (peepholes->value) {
        wi = peephole(0);
        wo = peephole(1);
        wf = peephole(2);
      }
      auto op = b.create<rnn::LSTMCellOp>(
          loc, rnn::CellType::get(context), kernel(order), sumBias(order, true, true), wi, wf, wo,
          Value(), unitsAttr, b.getF32FloatAttr(0.0f), FloatAttr(), FloatAttr(), fns[1], fns[0],
          fns[2], clipAttr, inputForget ? b.getUnitAttr() : UnitAttr());
      cell = op;
    } else if (kind == RecurrentKind::GRU) {
      // ONNX z, r, h -> TensorFlow gates r, u(=z) and the candidate h.
      SmallVector<int64_t> gateOrder = {1, 0}, candidate = {2};
      Value hiddenBias = linearBeforeReset ? sumBias(candidate, false, true) : Value();
      Value candidateBias = sumBias(candidate, true, !linearBeforeReset);
      auto op = b.create<rnn::GRUCellOp>(
          loc, rnn::CellType::get(context), kernel(gateOrder), sumBias(gateOrder, true, true),
          kernel(candidate), candidateBias, hiddenBias, unitsAttr,
          linearBeforeReset ? b.getUnitAttr() : UnitAttr(), fns[1], fns[0], clipAttr);
      cell = op;
    } else {
      SmallVector<int64_t> only = {0};
      cell = b.create<rnn::BasicRNNCellOp>(loc, rnn::CellType::get(context), kernel(only),
                                           sumBias(only, true, true), unitsAttr, fns[0], clipAttr);
    }

    SmallVector<Value> initial;
    if (*initialH || *initialC) {
      if (kind == RecurrentKind::LSTM)
        initial.push_back(*initialC ? sliceDirection(*initialC, d, batchMajor, batch)
                                    : zeroState());
      initial.push_back(*initialH ? sliceDirection(*initialH, d, batchMajor, batch)
                                  : zeroState());
    }
    SmallVector<Type> resultTypes = {outputType, stateType};
    if (kind == RecurrentKind::LSTM)
      resultTypes.push_back(stateType);
    bool reverse = direction == "reverse" || d == 1;
    auto sequence = b.create<rnn::DynamicRNNOp>(
        loc, resultTypes, cell, *x, *lengths, initial, batchMajor ? UnitAttr() : b.getUnitAttr(),
        reverse ? b.getUnitAttr() : UnitAttr(), *lengths ? b.getUnitAttr() : UnitAttr());
    outputs.push_back(sequence.getOutputs());
    finalH.push_back(sequence.getFinalState().back());
    if (kind == RecurrentKind::LSTM)
      finalC.push_back(sequence.getFinalState().front());
  }

  // Y: [T, dirs, B, H] (layout 0) or [B, T, dirs, H]; Y_h, Y_c: [dirs, B, H] or [B, dirs, H].
  auto assemble = [&](ArrayRef<Value> parts, bool isSequence) -> Value {
    SmallVector<int64_t> shape;
    SmallVector<OpFoldResult> sizes;
    SmallVector<Value> dynamic;
    unsigned dirDim;
    auto addDim = [&](int64_t staticSize, Value size) {
      shape.push_back(staticSize);
      sizes.push_back(ShapedType::isDynamic(staticSize) ? OpFoldResult(size)
                                                        : OpFoldResult(b.getIndexAttr(staticSize)));
      if (ShapedType::isDynamic(staticSize))
        dynamic.push_back(size);
    };
    auto addDirs = [&] {
      dirDim = shape.size();
      shape.push_back(dirs);
      sizes.push_back(b.getIndexAttr(1));
    };
    if (isSequence && !batchMajor) {
      addDim(staticT, time), addDirs(), addDim(staticB, batch);
    } else if (isSequence) {
      addDim(staticB, batch), addDim(staticT, time), addDirs();
    } else if (!batchMajor) {
      addDirs(), addDim(staticB, batch);
    } else {
      addDim(staticB, batch), addDirs();
    }
    shape.push_back(H);
    sizes.push_back(b.getIndexAttr(H));
    auto type = RankedTensorType::get(shape, b.getF32Type());
    if (parts.size() == 1) {
      // One direction: a unit dimension; kept as a reshape so that a following
      // Squeeze folds away and stacked layers connect directly.
      // The unit dimension joins the previous group (the next one when first),
      // as Squeeze's collapse does.
      SmallVector<ReassociationIndices> groups;
      for (int64_t r = 0; r < (int64_t)shape.size(); ++r) {
        if (r == (int64_t)dirDim && r > 0)
          groups.back().push_back(r);
        else if (r == (int64_t)dirDim + 1 && dirDim == 0)
          groups.back().push_back(r);
        else
          groups.push_back({r});
      }
      return b.create<tensor::ExpandShapeOp>(loc, type, parts[0], groups, sizes);
    }
    Value result = b.create<tensor::EmptyOp>(loc, type, dynamic);
    SmallVector<OpFoldResult> strides(shape.size(), b.getIndexAttr(1));
    for (auto [d, part] : llvm::enumerate(parts)) {
      SmallVector<OpFoldResult> offsets(shape.size(), b.getIndexAttr(0));
      offsets[dirDim] = b.getIndexAttr(d);
      result = b.create<tensor::InsertSliceOp>(loc, part, result, offsets, sizes, strides);
    }
    return result;
  };
  for (int i = 0; i < node.output_size(); ++i) {
    if (node.output(i).empty())
      continue;
    ArrayRef<Value> parts = i == 0 ? outputs : i == 1 ? finalH : finalC;
    values[node.output(i)] = assemble(parts, i == 0);
  }
  return success();
}

OpFoldResult OnnxImporter::dimSize(const ShapeDim &d) {
  if (!d.source)
    return b.getIndexAttr(d.value);
  auto type = cast<RankedTensorType>(d.source.getType());
  if (!type.isDynamicDim(d.dim))
    return b.getIndexAttr(type.getDimSize(d.dim));
  return b.create<tensor::DimOp>(fileLoc, d.source, d.dim).getResult();
}

FailureOr<Value> OnnxImporter::runtimeInput(const onnx::NodeProto &node, int index) {
  FailureOr<Value> value = optionalInput(node, index);
  if (failed(value))
    return failure();
  if (!*value)
    return nodeError(node) << "input #" << index << " is required";
  return value;
}

FailureOr<const ShapeVector *> OnnxImporter::shapeInput(const onnx::NodeProto &node, int index,
                                                        StringRef role) {
  if (index >= node.input_size() || node.input(index).empty())
    return nodeError(node) << "input '" << role << "' is required";
  auto it = shapes.find(node.input(index));
  if (it == shapes.end())
    return nodeError(node) << "input '" << role << "' ('" << node.input(index)
                           << "') must be known at import time (a constant, or computed from "
                              "shapes)";
  return &it->second;
}

FailureOr<SmallVector<int64_t>> OnnxImporter::constantInts(const onnx::NodeProto &node, int index,
                                                           StringRef role) {
  FailureOr<const ShapeVector *> v = shapeInput(node, index, role);
  if (failed(v))
    return failure();
  SmallVector<int64_t> ints;
  for (const ShapeDim &d : (*v)->elements) {
    if (d.source)
      return nodeError(node) << "input '" << role << "' must be constant";
    ints.push_back(d.value);
  }
  return ints;
}

namespace {
std::optional<SmallVector<int64_t>> intsAttribute(const onnx::NodeProto &node, StringRef name) {
  for (const onnx::AttributeProto &attr : node.attribute())
    if (attr.name() == name)
      return SmallVector<int64_t>(attr.ints().begin(), attr.ints().end());
  return std::nullopt;
}
const onnx::AttributeProto *findAttribute(const onnx::NodeProto &node, StringRef name) {
  for (const onnx::AttributeProto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}
int64_t intAttribute(const onnx::NodeProto &node, StringRef name, int64_t fallback) {
  const onnx::AttributeProto *attr = findAttribute(node, name);
  return attr ? attr->i() : fallback;
}
} // namespace

LogicalResult OnnxImporter::importShapeOp(const onnx::NodeProto &node) {
  const std::string &op = node.op_type();
  if (node.output_size() != 1)
    return nodeError(node) << "expects one output";
  ShapeVector result;
  if (op == "Shape" && shapes.count(node.input(0))) {
    result.elements.push_back(ShapeDim{(int64_t)shapes[node.input(0)].elements.size(), Value(), 0});
  } else if (op == "Reshape") {
    // A shape vector reshaped to one dimension ([-1] or [n]) is itself.
    FailureOr<const ShapeVector *> data = shapeInput(node, 0, "data");
    FailureOr<SmallVector<int64_t>> target = constantInts(node, 1, "shape");
    if (failed(data) || failed(target))
      return failure();
    if (target->size() != 1 ||
        ((*target)[0] != -1 && (*target)[0] != (int64_t)(*data)->elements.size()))
      return nodeError(node) << "only flattening a shape vector is supported";
    result.elements = (*data)->elements;
  } else if (op == "Mul" || op == "Equal") {
    // Elementwise with broadcasting of a one-element side. Dimensions are
    // never negative, so comparing one with a negative constant is false.
    FailureOr<const ShapeVector *> lhs = shapeInput(node, 0, "A");
    FailureOr<const ShapeVector *> rhs = shapeInput(node, 1, "B");
    if (failed(lhs) || failed(rhs))
      return failure();
    size_t n = std::max((*lhs)->elements.size(), (*rhs)->elements.size());
    auto at = [&](const ShapeVector *v, size_t i) {
      return v->elements[v->elements.size() == 1 ? 0 : i];
    };
    for (size_t i = 0; i < n; ++i) {
      ShapeDim a = at(*lhs, i), c = at(*rhs, i);
      if (op == "Mul") {
        if (!a.source && !c.source)
          result.elements.push_back(ShapeDim{a.value * c.value, Value(), 0});
        else if (!c.source && c.value == 1)
          result.elements.push_back(a);
        else if (!a.source && a.value == 1)
          result.elements.push_back(c);
        else
          return nodeError(node) << "cannot multiply run-time dimensions at import time";
      } else {
        bool equal;
        if (!a.source && !c.source)
          equal = a.value == c.value;
        else if ((a.source && !c.source && c.value < 0) || (c.source && !a.source && a.value < 0))
          equal = false;
        else if (a.source && c.source && a.source == c.source && a.dim == c.dim)
          equal = true;
        else
          return nodeError(node) << "cannot compare run-time dimensions at import time";
        result.elements.push_back(ShapeDim{equal ? 1 : 0, Value(), 0});
      }
    }
    result.scalar = (*lhs)->scalar && (*rhs)->scalar;
  } else if (op == "Where") {
    FailureOr<const ShapeVector *> condition = shapeInput(node, 0, "condition");
    FailureOr<const ShapeVector *> yes = shapeInput(node, 1, "X");
    FailureOr<const ShapeVector *> no = shapeInput(node, 2, "Y");
    if (failed(condition) || failed(yes) || failed(no))
      return failure();
    size_t n = std::max({(*condition)->elements.size(), (*yes)->elements.size(),
                         (*no)->elements.size()});
    for (size_t i = 0; i < n; ++i) {
      auto at = [&](const ShapeVector *v) { return v->elements[v->elements.size() == 1 ? 0 : i]; };
      ShapeDim c = at(*condition);
      if (c.source)
        return nodeError(node) << "the condition must be known at import time";
      result.elements.push_back(c.value ? at(*yes) : at(*no));
    }
  } else if (op == "Shape") {
    if (findAttribute(node, "start") || findAttribute(node, "end"))
      return nodeError(node) << "attributes 'start' and 'end' are not supported";
    FailureOr<Value> input = runtimeInput(node, 0);
    if (failed(input))
      return failure();
    auto type = cast<RankedTensorType>(input->getType());
    for (unsigned d = 0; d < type.getRank(); ++d)
      result.elements.push_back(type.isDynamicDim(d) ? ShapeDim{0, *input, d}
                                                     : ShapeDim{type.getDimSize(d), Value(), 0});
  } else if (op == "Gather") {
    if (intAttribute(node, "axis", 0) != 0)
      return nodeError(node) << "only axis 0 is supported";
    FailureOr<const ShapeVector *> data = shapeInput(node, 0, "data");
    FailureOr<const ShapeVector *> indices = shapeInput(node, 1, "indices");
    if (failed(data) || failed(indices))
      return failure();
    int64_t n = (*data)->elements.size();
    for (const ShapeDim &index : (*indices)->elements) {
      int64_t i = index.value < 0 ? index.value + n : index.value;
      if (index.source || i < 0 || i >= n)
        return nodeError(node) << "index " << index.value << " is out of range for " << n
                               << " elements";
      result.elements.push_back((*data)->elements[i]);
    }
    result.scalar = (*indices)->scalar;
  } else if (op == "Unsqueeze") {
    FailureOr<const ShapeVector *> data = shapeInput(node, 0, "data");
    if (failed(data))
      return failure();
    std::optional<SmallVector<int64_t>> axes = intsAttribute(node, "axes");
    if (!axes) {
      FailureOr<SmallVector<int64_t>> fromInput = constantInts(node, 1, "axes");
      if (failed(fromInput))
        return failure();
      axes = *fromInput;
    }
    if (!(*data)->scalar || axes->size() != 1 || (*axes)[0] != 0)
      return nodeError(node) << "only unsqueezing a scalar at axis 0 is supported on shapes";
    result.elements = (*data)->elements;
  } else if (op == "Concat") {
    if (intAttribute(node, "axis", 0) != 0)
      return nodeError(node) << "only axis 0 is supported on shapes";
    for (int i = 0; i < node.input_size(); ++i) {
      FailureOr<const ShapeVector *> part = shapeInput(node, i, "inputs");
      if (failed(part))
        return failure();
      llvm::append_range(result.elements, (*part)->elements);
    }
  } else if (op == "Cast") {
    int64_t to = intAttribute(node, "to", -1);
    if (to != onnx::TensorProto::INT64 && to != onnx::TensorProto::INT32)
      return nodeError(node) << "casting a shape to type " << to << " is not supported";
    FailureOr<const ShapeVector *> data = shapeInput(node, 0, "input");
    if (failed(data))
      return failure();
    result = **data;
  } else { // ConstantOfShape
    FailureOr<const ShapeVector *> shape = shapeInput(node, 0, "input");
    if (failed(shape))
      return failure();
    float fill = 0.0f;
    if (const onnx::AttributeProto *attr = findAttribute(node, "value")) {
      const onnx::TensorProto &t = attr->t();
      // An integer fill over a constant 1-D shape is itself a shape vector.
      if (t.data_type() == onnx::TensorProto::INT64 && (*shape)->elements.size() == 1 &&
          !(*shape)->elements[0].source) {
        int64_t fillValue = t.int64_data_size() == 1 ? t.int64_data(0) : 0;
        if (t.int64_data_size() != 1 && t.raw_data().size() == 8)
          memcpy(&fillValue, t.raw_data().data(), 8);
        int64_t count = (*shape)->elements[0].value;
        if (count < 0 || count > 4096)
          return nodeError(node) << "an integer ConstantOfShape of " << count
                                 << " elements is not supported";
        result.elements.assign(count, ShapeDim{fillValue, Value(), 0});
        shapes[node.output(0)] = result;
        return success();
      }
      if (t.data_type() != onnx::TensorProto::FLOAT)
        return nodeError(node) << "attribute 'value' must be a float tensor";
      if (t.float_data_size() == 1)
        fill = t.float_data(0);
      else if (t.raw_data().size() == 4)
        memcpy(&fill, t.raw_data().data(), 4);
      else
        return nodeError(node) << "attribute 'value' must hold one float";
    }
    SmallVector<OpFoldResult> sizes;
    for (const ShapeDim &d : (*shape)->elements) {
      if (!d.source && d.value < 0)
        return nodeError(node) << "shape has a negative dimension " << d.value;
      sizes.push_back(dimSize(d));
    }
    Location loc = nodeLoc(node);
    Value empty = b.create<tensor::EmptyOp>(loc, sizes, b.getF32Type());
    Value value = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(fill));
    values[node.output(0)] = b.create<linalg::FillOp>(loc, value, empty).getResult(0);
    return success();
  }
  shapes[node.output(0)] = result;
  return success();
}

LogicalResult OnnxImporter::importTensorOp(const onnx::NodeProto &node) {
  const std::string &op = node.op_type();
  if (node.output_size() != 1)
    return nodeError(node) << "expects one output";
  Location loc = nodeLoc(node);
  FailureOr<Value> maybeInput = runtimeInput(node, 0);
  if (failed(maybeInput))
    return failure();
  Value input = *maybeInput;
  auto type = cast<RankedTensorType>(input.getType());
  const int64_t rank = type.getRank();
  auto sizeOf = [&](Value v, unsigned d) { return dimSize(ShapeDim{0, v, d}); };
  auto staticOf = [](OpFoldResult size) {
    auto attr = dyn_cast<Attribute>(size);
    return attr ? cast<IntegerAttr>(attr).getInt() : ShapedType::kDynamic;
  };
  auto shapeOf = [&](ArrayRef<OpFoldResult> sizes) {
    SmallVector<int64_t> shape;
    for (OpFoldResult size : sizes)
      shape.push_back(staticOf(size));
    return shape;
  };
  // Squeeze/Unsqueeze axes: the attribute (opset < 13) or the constant input,
  // normalized against the rank they index and sorted.
  auto axesFor = [&](bool countAxesInRank) -> FailureOr<SmallVector<int64_t>> {
    std::optional<SmallVector<int64_t>> axes = intsAttribute(node, "axes");
    if (!axes && node.input_size() > 1 && !node.input(1).empty()) {
      FailureOr<SmallVector<int64_t>> fromInput = constantInts(node, 1, "axes");
      if (failed(fromInput))
        return failure();
      axes = *fromInput;
    }
    SmallVector<int64_t> raw = axes.value_or(SmallVector<int64_t>{});
    int64_t outRank = rank + (countAxesInRank ? (int64_t)raw.size() : 0);
    SmallVector<int64_t> normalized;
    for (int64_t a : raw) {
      int64_t n = a < 0 ? a + outRank : a;
      if (n < 0 || n >= outRank)
        return nodeError(node) << "axis " << a << " is out of range";
      normalized.push_back(n);
    }
    llvm::sort(normalized);
    return normalized;
  };
  Value result;

  if (op == "Unsqueeze" || op == "Squeeze") {
    bool expand = op == "Unsqueeze";
    FailureOr<SmallVector<int64_t>> axes = axesFor(expand);
    if (failed(axes))
      return failure();
    if (!expand && axes->empty()) // Squeeze without axes drops every static 1.
      for (int64_t d = 0; d < rank; ++d)
        if (type.getDimSize(d) == 1)
          axes->push_back(d);
    // The unit dimensions join the group of the nearest kept dimension.
    int64_t full = expand ? rank + axes->size() : rank;
    SmallVector<ReassociationIndices> groups;
    SmallVector<OpFoldResult> fullSizes;
    int64_t source = 0;
    for (int64_t d = 0; d < full; ++d) {
      bool unit = llvm::is_contained(*axes, d);
      if (!expand && unit && type.getDimSize(d) != 1)
        return nodeError(node) << "dimension " << d << " is not statically 1";
      if (unit) {
        fullSizes.push_back(b.getIndexAttr(1));
        if (groups.empty())
          groups.push_back({});
        groups.back().push_back(d);
        continue;
      }
      fullSizes.push_back(sizeOf(input, expand ? source++ : d));
      if (!groups.empty() && groups.back().size() > 0 &&
          llvm::all_of(groups.back(), [&](int64_t g) { return llvm::is_contained(*axes, g); }))
        groups.back().push_back(d);
      else
        groups.push_back({d});
    }
    if (groups.empty() || llvm::all_of(groups.back(), [&](int64_t g) {
          return llvm::is_contained(*axes, g);
        }))
      return nodeError(node) << "cannot " << (expand ? "unsqueeze" : "squeeze")
                             << " every dimension";
    SmallVector<OpFoldResult> kept;
    for (int64_t d = 0; d < full; ++d)
      if (!llvm::is_contained(*axes, d))
        kept.push_back(fullSizes[d]);
    if (expand) {
      auto resultType = RankedTensorType::get(shapeOf(fullSizes), type.getElementType());
      result = b.create<tensor::ExpandShapeOp>(loc, resultType, input, groups, fullSizes);
    } else {
      auto resultType = RankedTensorType::get(shapeOf(kept), type.getElementType());
      result = b.create<tensor::CollapseShapeOp>(loc, resultType, input, groups);
    }
  } else if (op == "Concat") {
    int64_t axis = intAttribute(node, "axis", 0);
    axis = axis < 0 ? axis + rank : axis;
    if (axis < 0 || axis >= rank)
      return nodeError(node) << "attribute 'axis' is out of range";
    SmallVector<Value> parts;
    for (int i = 0; i < node.input_size(); ++i) {
      FailureOr<Value> part = runtimeInput(node, i);
      if (failed(part))
        return failure();
      auto partType = cast<RankedTensorType>(part->getType());
      if (partType.getRank() != rank || partType.getElementType() != type.getElementType())
        return nodeError(node) << "inputs must have the same rank and element type";
      parts.push_back(*part);
    }
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(sizeOf(input, d));
    Value total = getValueOrCreateConstantIndexOp(b, loc, sizeOf(parts[0], axis));
    for (size_t i = 1; i < parts.size(); ++i)
      total = b.create<arith::AddIOp>(
          loc, total, getValueOrCreateConstantIndexOp(b, loc, sizeOf(parts[i], axis)));
    sizes[axis] = getAsOpFoldResult(total);
    result = b.create<tensor::EmptyOp>(loc, sizes, type.getElementType());
    result = b.create<tensor::CastOp>(
        loc, RankedTensorType::get(shapeOf(sizes), type.getElementType()), result);
    Value offset = b.create<arith::ConstantIndexOp>(loc, 0);
    for (Value part : parts) {
      SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), partSizes,
          strides(rank, b.getIndexAttr(1));
      for (int64_t d = 0; d < rank; ++d)
        partSizes.push_back(sizeOf(part, d));
      offsets[axis] = getAsOpFoldResult(offset);
      result = b.create<tensor::InsertSliceOp>(loc, part, result, offsets, partSizes, strides);
      offset = b.create<arith::AddIOp>(
          loc, offset, getValueOrCreateConstantIndexOp(b, loc, partSizes[axis]));
    }
  } else if (op == "Slice") {
    FailureOr<SmallVector<int64_t>> starts = constantInts(node, 1, "starts");
    FailureOr<SmallVector<int64_t>> ends = constantInts(node, 2, "ends");
    if (failed(starts) || failed(ends))
      return failure();
    SmallVector<int64_t> axes, steps(starts->size(), 1);
    for (size_t i = 0; i < starts->size(); ++i)
      axes.push_back(i);
    if (node.input_size() > 3 && !node.input(3).empty()) {
      FailureOr<SmallVector<int64_t>> a = constantInts(node, 3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (node.input_size() > 4 && !node.input(4).empty()) {
      FailureOr<SmallVector<int64_t>> st = constantInts(node, 4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
    if (axes.size() != starts->size() || ends->size() != starts->size() ||
        steps.size() != starts->size())
      return nodeError(node) << "starts, ends, axes and steps must have the same length";
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
        strides(rank, b.getIndexAttr(1));
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(sizeOf(input, d));
    for (size_t i = 0; i < axes.size(); ++i) {
      int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
      if (axis < 0 || axis >= rank)
        return nodeError(node) << "axis " << axes[i] << " is out of range";
      if (steps[i] != 1)
        return nodeError(node) << "steps other than 1 are not supported";
      int64_t dim = type.getDimSize(axis);
      int64_t start = (*starts)[i], end = (*ends)[i];
      bool toEnd = end >= (int64_t(1) << 31);
      if (ShapedType::isDynamic(dim)) {
        if (start < 0 || (end < 0 && !toEnd))
          return nodeError(node) << "negative bounds on a dynamic dimension are not supported";
        offsets[axis] = b.getIndexAttr(start);
        Value size = toEnd ? b.create<arith::SubIOp>(
                                 loc, b.create<tensor::DimOp>(loc, input, axis),
                                 b.create<arith::ConstantIndexOp>(loc, start))
                           : b.create<arith::ConstantIndexOp>(loc, end - start).getResult();
        sizes[axis] = getAsOpFoldResult(size);
        continue;
      }
      start = std::clamp<int64_t>(start < 0 ? start + dim : start, 0, dim);
      end = std::clamp<int64_t>(toEnd ? dim : (end < 0 ? end + dim : end), 0, dim);
      offsets[axis] = b.getIndexAttr(start);
      sizes[axis] = b.getIndexAttr(std::max<int64_t>(end - start, 0));
    }
    auto resultType = RankedTensorType::get(shapeOf(sizes), type.getElementType());
    result = b.create<tensor::ExtractSliceOp>(loc, resultType, input, offsets, sizes, strides);
  } else if (op == "Gather") {
    // A constant scalar index picks one slice (e.g. h_n[0]).
    int64_t axis = intAttribute(node, "axis", 0);
    axis = axis < 0 ? axis + rank : axis;
    FailureOr<const ShapeVector *> indices = shapeInput(node, 1, "indices");
    if (failed(indices))
      return failure();
    if (axis < 0 || axis >= rank || !(*indices)->scalar || (*indices)->elements[0].source)
      return nodeError(node) << "only a constant scalar index on a valid axis is supported";
    int64_t index = (*indices)->elements[0].value, dim = type.getDimSize(axis);
    if (index < 0 && !ShapedType::isDynamic(dim))
      index += dim;
    if (index < 0 || (!ShapedType::isDynamic(dim) && index >= dim))
      return nodeError(node) << "index " << (*indices)->elements[0].value << " is out of range";
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
        strides(rank, b.getIndexAttr(1));
    SmallVector<int64_t> shape;
    for (int64_t d = 0; d < rank; ++d) {
      sizes.push_back(d == axis ? b.getIndexAttr(1) : sizeOf(input, d));
      if (d != axis)
        shape.push_back(type.getDimSize(d));
    }
    offsets[axis] = b.getIndexAttr(index);
    result = b.create<tensor::ExtractSliceOp>(
        loc, RankedTensorType::get(shape, type.getElementType()), input, offsets, sizes, strides);
  } else if (op == "Transpose") {
    SmallVector<int64_t> perm;
    if (std::optional<SmallVector<int64_t>> attr = intsAttribute(node, "perm"))
      perm = *attr;
    else
      for (int64_t d = rank - 1; d >= 0; --d)
        perm.push_back(d);
    SmallVector<int64_t> sorted(perm);
    llvm::sort(sorted);
    if ((int64_t)perm.size() != rank ||
        llvm::any_of(llvm::enumerate(sorted), [](auto p) { return p.value() != (int64_t)p.index(); }))
      return nodeError(node) << "attribute 'perm' is not a permutation of the " << rank
                             << " dimensions";
    SmallVector<OpFoldResult> sizes;
    for (int64_t d : perm)
      sizes.push_back(sizeOf(input, d));
    Value init = b.create<tensor::EmptyOp>(loc, sizes, type.getElementType());
    result = b.create<linalg::TransposeOp>(loc, input, init, perm).getResult()[0];
  } else if (op == "Reshape") {
    if (intAttribute(node, "allowzero", 0) != 0)
      return nodeError(node) << "attribute 'allowzero' is not supported";
    FailureOr<SmallVector<int64_t>> target = constantInts(node, 1, "shape");
    if (failed(target))
      return failure();
    int64_t outRank = target->size();
    // Supported: keep a prefix of dimensions and merge the rest into the last
    // one (collapse), or split the last dimension (expand).
    int64_t prefix = std::min(rank, outRank) - 1;
    for (int64_t d = 0; d < prefix; ++d)
      if (!((*target)[d] == 0 || (*target)[d] == type.getDimSize(d)))
        return nodeError(node) << "only reshapes that keep leading dimensions and merge or "
                                  "split the trailing ones are supported";
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0; d < prefix; ++d)
      groups.push_back({d});
    ReassociationIndices tail;
    for (int64_t d = prefix; d < std::max(rank, outRank); ++d)
      tail.push_back(d);
    groups.push_back(tail);
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < prefix; ++d)
      sizes.push_back(sizeOf(input, d));
    if (outRank < rank || outRank == rank) {
      int64_t product = 1;
      for (int64_t d = prefix; d < rank; ++d) {
        if (type.isDynamicDim(d))
          return nodeError(node) << "merged dimensions must be static";
        product *= type.getDimSize(d);
      }
      int64_t last = (*target)[outRank - 1];
      if (last != -1 && last != product && !(last == 0 && outRank == rank))
        return nodeError(node) << "target shape does not match the input's size";
      sizes.push_back(b.getIndexAttr(product));
      auto resultType = RankedTensorType::get(shapeOf(sizes), type.getElementType());
      result = outRank == rank ? input
                               : b.create<tensor::CollapseShapeOp>(loc, resultType, input, groups)
                                     .getResult();
    } else {
      int64_t source = type.getDimSize(rank - 1), product = 1, inferred = -1;
      for (int64_t d = prefix; d < outRank; ++d) {
        if ((*target)[d] == -1)
          inferred = d;
        else if ((*target)[d] <= 0)
          return nodeError(node) << "split dimensions must be positive or -1";
        else
          product *= (*target)[d];
      }
      if (ShapedType::isDynamic(source) || (inferred < 0 && product != source) ||
          (inferred >= 0 && source % product != 0))
        return nodeError(node) << "target shape does not match the input's size";
      for (int64_t d = prefix; d < outRank; ++d)
        sizes.push_back(b.getIndexAttr(d == inferred ? source / product : (*target)[d]));
      auto resultType = RankedTensorType::get(shapeOf(sizes), type.getElementType());
      result = b.create<tensor::ExpandShapeOp>(loc, resultType, input, groups, sizes);
    }
  } else { // Cast
    int64_t to = intAttribute(node, "to", -1);
    std::optional<Type> target = elementType(to, context);
    if (!target)
      return nodeError(node) << "casting to type " << to << " is not supported";
    Type from = type.getElementType();
    if (from == *target) {
      result = input;
    } else if (from.isInteger(32) || from.isInteger(64)) {
      if (!target->isInteger(32) && !target->isInteger(64))
        return nodeError(node) << "casting integers to floats is not supported";
      SmallVector<OpFoldResult> sizes;
      for (int64_t d = 0; d < rank; ++d)
        sizes.push_back(sizeOf(input, d));
      Value init = b.create<tensor::EmptyOp>(loc, sizes, *target);
      SmallVector<AffineMap> maps(2, b.getMultiDimIdentityMap(rank));
      SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
      bool widen = target->isInteger(64);
      result = b.create<linalg::GenericOp>(
                    loc, init.getType(), input, init, maps, iterators,
                    [&](OpBuilder &nested, Location l, ValueRange args) {
                      Value v = widen ? nested.create<arith::ExtSIOp>(l, *target, args[0]).getResult()
                                      : nested.create<arith::TruncIOp>(l, *target, args[0]).getResult();
                      nested.create<linalg::YieldOp>(l, v);
                    })
                   .getResult(0);
    } else {
      return nodeError(node) << "casting float tensors is not supported";
    }
  }
  values[node.output(0)] = result;
  auto it = constants.find(node.input(0));
  if (op == "Cast" && result == input && it != constants.end())
    constants[node.output(0)] = it->second;
  return success();
}

FailureOr<Value> OnnxImporter::elementwise(
    const onnx::NodeProto &node, ArrayRef<Value> inputs,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  Location loc = nodeLoc(node);
  int64_t rank = 0;
  for (Value v : inputs) {
    auto type = cast<RankedTensorType>(v.getType());
    if (!type.getElementType().isF32())
      return nodeError(node) << "only float tensors are supported, got " << v.getType();
    rank = std::max<int64_t>(rank, type.getRank());
  }
  // Output dimension j takes its size from an input whose aligned dimension is
  // not a static 1; such inputs index it, size-1 dimensions read index 0.
  SmallVector<OpFoldResult> sizes(rank, b.getIndexAttr(1));
  SmallVector<int64_t> shape(rank, 1);
  for (int64_t j = 0; j < rank; ++j)
    for (Value v : inputs) {
      auto type = cast<RankedTensorType>(v.getType());
      int64_t i = j - (rank - type.getRank());
      if (i < 0 || type.getDimSize(i) == 1)
        continue;
      if (shape[j] != 1 && !ShapedType::isDynamic(shape[j]) && !type.isDynamicDim(i) &&
          shape[j] != type.getDimSize(i))
        return nodeError(node) << "inputs cannot be broadcast together at dimension " << j;
      if (shape[j] == 1 || ShapedType::isDynamic(shape[j])) {
        shape[j] = type.getDimSize(i);
        sizes[j] = dimSize(ShapeDim{0, v, (unsigned)i});
      }
    }
  SmallVector<AffineMap> maps;
  for (Value v : inputs) {
    auto type = cast<RankedTensorType>(v.getType());
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < type.getRank(); ++i) {
      int64_t j = i + (rank - type.getRank());
      exprs.push_back(type.getDimSize(i) == 1 && shape[j] != 1 ? b.getAffineConstantExpr(0)
                                                               : b.getAffineDimExpr(j));
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, context));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = b.create<tensor::EmptyOp>(loc, sizes, b.getF32Type());
  init = b.create<tensor::CastOp>(loc, RankedTensorType::get(shape, b.getF32Type()), init);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  return b.create<linalg::GenericOp>(loc, init.getType(), inputs, init, maps, iterators,
                                     [&](OpBuilder &nested, Location l, ValueRange args) {
                                       nested.create<linalg::YieldOp>(
                                           l, body(nested, l, args.drop_back()));
                                     })
      .getResult(0);
}

Value OnnxImporter::matmul2D(Location loc, Value a, Value bMatrix) {
  auto aType = cast<RankedTensorType>(a.getType());
  auto bType = cast<RankedTensorType>(bMatrix.getType());
  SmallVector<OpFoldResult> sizes = {dimSize(ShapeDim{0, a, 0}), dimSize(ShapeDim{0, bMatrix, 1})};
  Value init = b.create<tensor::EmptyOp>(loc, sizes, b.getF32Type());
  init = b.create<tensor::CastOp>(
      loc, RankedTensorType::get({aType.getDimSize(0), bType.getDimSize(1)}, b.getF32Type()), init);
  Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0.0f));
  Value filled = b.create<linalg::FillOp>(loc, zero, init).getResult(0);
  return b.create<linalg::MatmulOp>(loc, ValueRange{a, bMatrix}, ValueRange{filled}).getResult(0);
}

LogicalResult OnnxImporter::importExpand(const onnx::NodeProto &node) {
  if (node.output_size() != 1)
    return nodeError(node) << "expects one output";
  FailureOr<Value> input = runtimeInput(node, 0);
  FailureOr<const ShapeVector *> shape = shapeInput(node, 1, "shape");
  if (failed(input) || failed(shape))
    return failure();
  // Broadcasting the input against an empty tensor of the requested shape.
  SmallVector<OpFoldResult> sizes;
  SmallVector<int64_t> staticShape;
  for (const ShapeDim &d : (*shape)->elements) {
    if (!d.source && d.value < 0)
      return nodeError(node) << "shape has a negative dimension " << d.value;
    sizes.push_back(dimSize(d));
    auto attr = dyn_cast<Attribute>(sizes.back());
    staticShape.push_back(attr ? cast<IntegerAttr>(attr).getInt() : ShapedType::kDynamic);
  }
  Location loc = nodeLoc(node);
  Value target = b.create<tensor::EmptyOp>(loc, sizes, b.getF32Type());
  target = b.create<tensor::CastOp>(loc, RankedTensorType::get(staticShape, b.getF32Type()), target);
  FailureOr<Value> result = elementwise(node, {*input, target},
                                        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
  if (failed(result))
    return failure();
  values[node.output(0)] = *result;
  return success();
}

LogicalResult OnnxImporter::importHeadOp(const onnx::NodeProto &node) {
  const std::string &op = node.op_type();
  if (node.output_size() != 1)
    return nodeError(node) << "expects one output";
  Location loc = nodeLoc(node);
  SmallVector<Value> inputs;
  for (int i = 0; i < node.input_size(); ++i) {
    FailureOr<Value> v = optionalInput(node, i);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }
  auto requireInputs = [&](size_t n) -> LogicalResult {
    if (inputs.size() < n || llvm::any_of(ArrayRef<Value>(inputs).take_front(n),
                                          [](Value v) { return !v; }))
      return nodeError(node) << "expects " << n << " inputs";
    for (Value v : inputs)
      if (v && !cast<RankedTensorType>(v.getType()).getElementType().isF32())
        return nodeError(node) << "only float tensors are supported, got " << v.getType();
    return success();
  };
  auto transpose2D = [&](Value v) {
    SmallVector<OpFoldResult> sizes = {dimSize(ShapeDim{0, v, 1}), dimSize(ShapeDim{0, v, 0})};
    Value init = b.create<tensor::EmptyOp>(loc, sizes, b.getF32Type());
    return b.create<linalg::TransposeOp>(loc, v, init, ArrayRef<int64_t>{1, 0}).getResult()[0];
  };
  FailureOr<Value> result;
  using Body = function_ref<Value(OpBuilder &, Location, ValueRange)>;
  auto unary = [&](Body body) -> FailureOr<Value> {
    if (failed(requireInputs(1)))
      return failure();
    return elementwise(node, inputs[0], body);
  };
  auto binary = [&](Body body) -> FailureOr<Value> {
    if (failed(requireInputs(2)))
      return failure();
    return elementwise(node, {inputs[0], inputs[1]}, body);
  };
  if (op == "Add") {
    result = binary([](OpBuilder &n, Location l, ValueRange a) -> Value { return n.create<arith::AddFOp>(l, a[0], a[1]); });
  } else if (op == "Sub") {
    result = binary([](OpBuilder &n, Location l, ValueRange a) -> Value { return n.create<arith::SubFOp>(l, a[0], a[1]); });
  } else if (op == "Mul") {
    result = binary([](OpBuilder &n, Location l, ValueRange a) -> Value { return n.create<arith::MulFOp>(l, a[0], a[1]); });
  } else if (op == "Div") {
    result = binary([](OpBuilder &n, Location l, ValueRange a) -> Value { return n.create<arith::DivFOp>(l, a[0], a[1]); });
  } else if (op == "Tanh") {
    result = unary([](OpBuilder &n, Location l, ValueRange a) -> Value { return n.create<math::TanhOp>(l, a[0]); });
  } else if (op == "Relu") {
    result = unary([](OpBuilder &n, Location l, ValueRange a) -> Value {
      Value zero = n.create<arith::ConstantOp>(l, n.getF32FloatAttr(0.0f));
      return n.create<arith::MaximumFOp>(l, a[0], zero);
    });
  } else if (op == "Sigmoid") {
    result = unary([](OpBuilder &n, Location l, ValueRange a) -> Value {
      Value one = n.create<arith::ConstantOp>(l, n.getF32FloatAttr(1.0f));
      Value e = n.create<math::ExpOp>(l, n.create<arith::NegFOp>(l, a[0]));
      return n.create<arith::DivFOp>(l, one, n.create<arith::AddFOp>(l, one, e));
    });
  } else if (op == "Softmax") {
    if (failed(requireInputs(1)))
      return failure();
    auto type = cast<RankedTensorType>(inputs[0].getType());
    int64_t rank = type.getRank(), axis = intAttribute(node, "axis", -1);
    if (axis != -1 && axis != rank - 1)
      return nodeError(node) << "only the last axis is supported";
    // softmax = exp(x - max) / sum(exp(x - max)) along the last axis.
    SmallVector<OpFoldResult> rowSizes;
    for (int64_t d = 0; d + 1 < rank; ++d)
      rowSizes.push_back(dimSize(ShapeDim{0, inputs[0], (unsigned)d}));
    auto rowType = RankedTensorType::get(type.getShape().drop_back(), b.getF32Type());
    auto reduce = [&](Value input, float start, Body combine) {
      Value init = b.create<tensor::EmptyOp>(loc, rowSizes, b.getF32Type());
      init = b.create<tensor::CastOp>(loc, rowType, init);
      Value startValue = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(start));
      init = b.create<linalg::FillOp>(loc, startValue, init).getResult(0);
      SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                     b.getMultiDimIdentityMap(rank).dropResult(rank - 1)};
      SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
      iterators.back() = utils::IteratorType::reduction;
      return b.create<linalg::GenericOp>(loc, rowType, input, init, maps, iterators,
                                         [&](OpBuilder &n, Location l, ValueRange a) {
                                           n.create<linalg::YieldOp>(l, combine(n, l, a));
                                         })
          .getResult(0);
    };
    auto expandRow = [&](Value row) {
      SmallVector<ReassociationIndices> groups;
      for (int64_t d = 0; d + 1 < rank; ++d)
        groups.push_back({d});
      if (groups.empty())
        groups.push_back({});
      groups.back().push_back(rank - 1);
      SmallVector<OpFoldResult> sizes(rowSizes);
      sizes.push_back(b.getIndexAttr(1));
      SmallVector<int64_t> shape(type.getShape().drop_back());
      shape.push_back(1);
      return b.create<tensor::ExpandShapeOp>(loc, RankedTensorType::get(shape, b.getF32Type()),
                                             row, groups, sizes)
          .getResult();
    };
    Value max = reduce(inputs[0], -std::numeric_limits<float>::infinity(),
                       [](OpBuilder &n, Location l, ValueRange a) -> Value {
                         return n.create<arith::MaximumFOp>(l, a[0], a[1]);
                       });
    FailureOr<Value> exps = elementwise(node, {inputs[0], expandRow(max)},
                                        [](OpBuilder &n, Location l, ValueRange a) -> Value {
                                          return n.create<math::ExpOp>(
                                              l, n.create<arith::SubFOp>(l, a[0], a[1]));
                                        });
    if (failed(exps))
      return failure();
    Value sum = reduce(*exps, 0.0f, [](OpBuilder &n, Location l, ValueRange a) -> Value {
      return n.create<arith::AddFOp>(l, a[0], a[1]);
    });
    result = elementwise(node, {*exps, expandRow(sum)},
                         [](OpBuilder &n, Location l, ValueRange a) -> Value {
                           return n.create<arith::DivFOp>(l, a[0], a[1]);
                         });
  } else if (op == "MatMul") {
    if (failed(requireInputs(2)))
      return failure();
    auto aType = cast<RankedTensorType>(inputs[0].getType());
    auto bType = cast<RankedTensorType>(inputs[1].getType());
    if (bType.getRank() != 2 || aType.getRank() < 2)
      return nodeError(node) << "only [..., M, K] x [K, N] products are supported";
    if (!aType.isDynamicDim(aType.getRank() - 1) && !bType.isDynamicDim(0) &&
        aType.getDimSize(aType.getRank() - 1) != bType.getDimSize(0))
      return nodeError(node) << "inner dimensions differ: " << aType << " x " << bType;
    // out[..., n] = sum_k a[..., k] * b[k, n], as one contraction (no reshapes).
    int64_t rank = aType.getRank();
    SmallVector<OpFoldResult> sizes;
    SmallVector<int64_t> shape(aType.getShape().drop_back());
    for (int64_t d = 0; d + 1 < rank; ++d)
      sizes.push_back(dimSize(ShapeDim{0, inputs[0], (unsigned)d}));
    sizes.push_back(dimSize(ShapeDim{0, inputs[1], 1}));
    shape.push_back(bType.getDimSize(1));
    auto outType = RankedTensorType::get(shape, b.getF32Type());
    Value init = b.create<tensor::EmptyOp>(loc, sizes, b.getF32Type());
    init = b.create<tensor::CastOp>(loc, outType, init);
    Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0.0f));
    init = b.create<linalg::FillOp>(loc, zero, init).getResult(0);
    // Loop dims: the rank - 1 leading dims of a, then n, then k.
    int64_t loops = rank + 1;
    SmallVector<AffineExpr> aExprs, bExprs = {b.getAffineDimExpr(rank), b.getAffineDimExpr(rank - 1)},
                                    outExprs;
    for (int64_t d = 0; d + 1 < rank; ++d) {
      aExprs.push_back(b.getAffineDimExpr(d));
      outExprs.push_back(b.getAffineDimExpr(d));
    }
    aExprs.push_back(b.getAffineDimExpr(rank));
    outExprs.push_back(b.getAffineDimExpr(rank - 1));
    SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, aExprs, context),
                                   AffineMap::get(loops, 0, bExprs, context),
                                   AffineMap::get(loops, 0, outExprs, context)};
    SmallVector<utils::IteratorType> iterators(loops, utils::IteratorType::parallel);
    iterators.back() = utils::IteratorType::reduction;
    Value product = b.create<linalg::GenericOp>(
                         loc, outType, ValueRange{inputs[0], inputs[1]}, init, maps, iterators,
                         [](OpBuilder &n, Location l, ValueRange args) {
                           Value m = n.create<arith::MulFOp>(l, args[0], args[1]);
                           n.create<linalg::YieldOp>(l, n.create<arith::AddFOp>(l, args[2], m).getResult());
                         })
                        .getResult(0);
    result = product;
  } else { // Gemm
    if (failed(requireInputs(2)))
      return failure();
    Value a = inputs[0], m = inputs[1];
    if (cast<RankedTensorType>(a.getType()).getRank() != 2 ||
        cast<RankedTensorType>(m.getType()).getRank() != 2)
      return nodeError(node) << "inputs 'A' and 'B' must be matrices";
    const onnx::AttributeProto *alphaAttr = findAttribute(node, "alpha");
    const onnx::AttributeProto *betaAttr = findAttribute(node, "beta");
    float alpha = alphaAttr ? alphaAttr->f() : 1.0f, beta = betaAttr ? betaAttr->f() : 1.0f;
    if (intAttribute(node, "transA", 0))
      a = transpose2D(a);
    if (intAttribute(node, "transB", 0))
      m = transpose2D(m);
    Value product = matmul2D(loc, a, m);
    Value c = inputs.size() > 2 ? inputs[2] : Value();
    if (!c && alpha == 1.0f) {
      result = product;
    } else {
      SmallVector<Value> operands = {product};
      if (c)
        operands.push_back(c);
      result = elementwise(node, operands, [&](OpBuilder &n, Location l, ValueRange args) -> Value {
        Value scaled = n.create<arith::MulFOp>(
            l, args[0], n.create<arith::ConstantOp>(l, n.getF32FloatAttr(alpha)));
        if (args.size() < 2)
          return scaled;
        Value bias = n.create<arith::MulFOp>(
            l, args[1], n.create<arith::ConstantOp>(l, n.getF32FloatAttr(beta)));
        return n.create<arith::AddFOp>(l, scaled, bias);
      });
    }
  }
  if (failed(result))
    return failure();
  values[node.output(0)] = *result;
  return success();
}

LogicalResult OnnxImporter::importIndexOp(const onnx::NodeProto &node) {
  const std::string &op = node.op_type();
  Location loc = nodeLoc(node);
  Type i64 = b.getI64Type();
  auto index = [&](OpBuilder &n, Location l, unsigned dim) {
    return n.create<linalg::IndexOp>(l, dim).getResult();
  };
  auto compare = [&](OpBuilder &n, Location l, Value x, Value y, bool greater) -> Value {
    if (isa<FloatType>(x.getType()))
      return n.create<arith::CmpFOp>(l, greater ? arith::CmpFPredicate::OGT
                                                : arith::CmpFPredicate::OLT, x, y);
    return n.create<arith::CmpIOp>(l, greater ? arith::CmpIPredicate::sgt
                                              : arith::CmpIPredicate::slt, x, y);
  };
  auto equal = [&](OpBuilder &n, Location l, Value x, Value y) -> Value {
    if (isa<FloatType>(x.getType()))
      return n.create<arith::CmpFOp>(l, arith::CmpFPredicate::OEQ, x, y);
    return n.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, x, y);
  };
  // A [n]-vector reduced over a second index: result[i] = fold_j body(i, j).
  auto pairwise = [&](Value source, Type elementType, Value initValue,
                      function_ref<Value(OpBuilder &, Location, Value, Value, Value)> body) {
    auto type = cast<RankedTensorType>(source.getType());
    SmallVector<OpFoldResult> sizes = {dimSize(ShapeDim{0, source, 0})};
    auto resultType = RankedTensorType::get(type.getShape(), elementType);
    Value init = b.create<tensor::EmptyOp>(loc, sizes, elementType);
    init = b.create<tensor::CastOp>(loc, resultType, init);
    init = b.create<linalg::FillOp>(loc, initValue, init).getResult(0);
    SmallVector<AffineMap> maps = {AffineMap::get(2, 0, b.getAffineDimExpr(0), context),
                                   AffineMap::get(2, 0, b.getAffineDimExpr(1), context),
                                   AffineMap::get(2, 0, b.getAffineDimExpr(0), context)};
    SmallVector<utils::IteratorType> iterators = {utils::IteratorType::parallel,
                                                  utils::IteratorType::reduction};
    return b.create<linalg::GenericOp>(loc, resultType, ValueRange{source, source}, init, maps,
                                       iterators,
                                       [&](OpBuilder &n, Location l, ValueRange a) {
                                         n.create<linalg::YieldOp>(l, body(n, l, a[0], a[1], a[2]));
                                       })
        .getResult(0);
  };

  if (op == "TopK") {
    FailureOr<Value> input = runtimeInput(node, 0);
    FailureOr<SmallVector<int64_t>> k = constantInts(node, 1, "K");
    if (failed(input) || failed(k))
      return failure();
    auto type = cast<RankedTensorType>(input->getType());
    int64_t axis = intAttribute(node, "axis", -1);
    if (type.getRank() != 1 || (axis != -1 && axis != 0) || k->size() != 1 ||
        type.isDynamicDim(0) || (*k)[0] != type.getDimSize(0) || intAttribute(node, "sorted", 1) != 1)
      return nodeError(node) << "only a full sort of a static 1-D tensor is supported";
    bool largest = intAttribute(node, "largest", 1) == 1;
    // rank[i] = #{j : x[j] before x[i]}; ties keep the lower index first.
    Value zero = b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(0));
    Value ranks = pairwise(*input, i64, zero, [&](OpBuilder &n, Location l, Value xi, Value xj,
                                                   Value acc) -> Value {
      Value before = compare(n, l, xj, xi, largest);
      Value tie = n.create<arith::AndIOp>(
          l, equal(n, l, xj, xi),
          n.create<arith::CmpIOp>(l, arith::CmpIPredicate::ult, index(n, l, 1), index(n, l, 0)));
      Value counts = n.create<arith::OrIOp>(l, before, tie);
      return n.create<arith::AddIOp>(l, acc, n.create<arith::ExtUIOp>(l, n.getI64Type(), counts));
    });
    // out[r] = the element whose rank is r (and its index).
    auto place = [&](Type elementType, bool wantIndex) {
      Value init = b.create<arith::ConstantOp>(loc, b.getZeroAttr(elementType));
      Value source = wantIndex ? ranks : *input;
      auto resultType = RankedTensorType::get(type.getShape(), elementType);
      Value out = b.create<tensor::EmptyOp>(loc, type.getShape(), elementType);
      out = b.create<linalg::FillOp>(loc, init, out).getResult(0);
      SmallVector<AffineMap> maps = {AffineMap::get(2, 0, b.getAffineDimExpr(1), context),
                                     AffineMap::get(2, 0, b.getAffineDimExpr(1), context),
                                     AffineMap::get(2, 0, b.getAffineDimExpr(0), context)};
      SmallVector<utils::IteratorType> iterators = {utils::IteratorType::parallel,
                                                    utils::IteratorType::reduction};
      return b.create<linalg::GenericOp>(
                  loc, resultType, ValueRange{ranks, source}, out, maps, iterators,
                  [&](OpBuilder &n, Location l, ValueRange a) {
                    Value r = n.create<arith::IndexCastOp>(l, n.getI64Type(), index(n, l, 0));
                    Value hit = n.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, a[0], r);
                    Value candidate =
                        wantIndex ? n.create<arith::IndexCastOp>(l, n.getI64Type(), index(n, l, 1))
                                        .getResult()
                                  : a[1];
                    n.create<linalg::YieldOp>(l, n.create<arith::SelectOp>(l, hit, candidate, a[2])
                                                     .getResult());
                  })
          .getResult(0);
    };
    if (node.output_size() > 0 && !node.output(0).empty())
      values[node.output(0)] = place(type.getElementType(), false);
    if (node.output_size() > 1 && !node.output(1).empty())
      values[node.output(1)] = place(i64, true);
    return success();
  }

  if (node.output_size() != 1)
    return nodeError(node) << "expects one output";
  if (op == "ScatterElements") {
    FailureOr<Value> data = runtimeInput(node, 0);
    FailureOr<Value> indices = runtimeInput(node, 1);
    FailureOr<Value> updates = runtimeInput(node, 2);
    if (failed(data) || failed(indices) || failed(updates))
      return failure();
    auto dataType = cast<RankedTensorType>(data->getType());
    auto indexType = cast<RankedTensorType>(indices->getType());
    if (dataType.getRank() != 1 || indexType.getRank() != 1 ||
        cast<RankedTensorType>(updates->getType()).getRank() != 1 ||
        intAttribute(node, "axis", 0) != 0 || findAttribute(node, "reduction"))
      return nodeError(node) << "only 1-D scatters without reduction are supported";
    // out[j] = updates[k] for the last k with indices[k] == j, else data[j].
    SmallVector<AffineMap> maps = {AffineMap::get(2, 0, b.getAffineDimExpr(1), context),
                                   AffineMap::get(2, 0, b.getAffineDimExpr(1), context),
                                   AffineMap::get(2, 0, b.getAffineDimExpr(0), context)};
    SmallVector<utils::IteratorType> iterators = {utils::IteratorType::parallel,
                                                  utils::IteratorType::reduction};
    values[node.output(0)] =
        b.create<linalg::GenericOp>(
             loc, dataType, ValueRange{*indices, *updates}, *data, maps, iterators,
             [&](OpBuilder &n, Location l, ValueRange a) {
               Value j = n.create<arith::IndexCastOp>(l, a[0].getType(), index(n, l, 0));
               Value hit = n.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, a[0], j);
               n.create<linalg::YieldOp>(l, n.create<arith::SelectOp>(l, hit, a[1], a[2]).getResult());
             })
            .getResult(0);
    return success();
  }

  // Gather with run-time 1-D indices: out[..., k, ...] = data[..., indices[k], ...].
  FailureOr<Value> data = runtimeInput(node, 0);
  FailureOr<Value> indices = runtimeInput(node, 1);
  if (failed(data) || failed(indices))
    return failure();
  auto dataType = cast<RankedTensorType>(data->getType());
  auto indexType = cast<RankedTensorType>(indices->getType());
  int64_t rank = dataType.getRank(), axis = intAttribute(node, "axis", 0);
  axis = axis < 0 ? axis + rank : axis;
  if (indexType.getRank() != 1 || axis < 0 || axis >= rank ||
      !isa<IntegerType>(indexType.getElementType()))
    return nodeError(node) << "only 1-D integer indices on a valid axis are supported";
  SmallVector<OpFoldResult> sizes;
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    Value source = d == axis ? *indices : *data;
    unsigned sourceDim = d == axis ? 0 : d;
    sizes.push_back(dimSize(ShapeDim{0, source, sourceDim}));
    shape.push_back(cast<RankedTensorType>(source.getType()).getDimSize(sourceDim));
  }
  auto resultType = RankedTensorType::get(shape, dataType.getElementType());
  Value init = b.create<tensor::EmptyOp>(loc, sizes, dataType.getElementType());
  init = b.create<tensor::CastOp>(loc, resultType, init);
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, b.getAffineDimExpr(axis), context),
                                 b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  Value source = *data;
  values[node.output(0)] =
      b.create<linalg::GenericOp>(
           loc, resultType, ValueRange{*indices}, init, maps, iterators,
           [&](OpBuilder &n, Location l, ValueRange a) {
             // Negative indices count from the end; out-of-range ones are clamped
             // (the generated code has no error channel; never read out of bounds).
             Value size = n.create<tensor::DimOp>(l, source, axis);
             Value i = n.create<arith::IndexCastOp>(l, n.getIndexType(), a[0]);
             Value zeroIndex = n.create<arith::ConstantIndexOp>(l, 0);
             Value negative = n.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, i, zeroIndex);
             i = n.create<arith::SelectOp>(l, negative, n.create<arith::AddIOp>(l, i, size), i);
             Value last = n.create<arith::SubIOp>(l, size, n.create<arith::ConstantIndexOp>(l, 1));
             i = n.create<arith::MaxSIOp>(l, n.create<arith::MinSIOp>(l, i, last), zeroIndex);
             SmallVector<Value> at;
             for (int64_t d = 0; d < rank; ++d)
               at.push_back(d == axis ? i : index(n, l, d));
             n.create<linalg::YieldOp>(l, n.create<tensor::ExtractOp>(l, source, at).getResult());
           })
          .getResult(0);
  return success();
}

LogicalResult OnnxImporter::importNode(const onnx::NodeProto &node) {
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return nodeError(node) << "domain '" << node.domain() << "' is not supported";
  const std::string &op = node.op_type();
  if (op == "LSTM")
    return importRecurrent(node, RecurrentKind::LSTM);
  if (op == "GRU")
    return importRecurrent(node, RecurrentKind::GRU);
  if (op == "RNN")
    return importRecurrent(node, RecurrentKind::RNN);
  if (op == "Constant")
    return importConstantNode(node);
  bool onShape = node.input_size() > 0 && shapes.count(node.input(0));
  if (op == "ConstantOfShape" || (op == "Shape" && !onShape) ||
      (onShape && (op == "Gather" || op == "Unsqueeze" || op == "Concat" || op == "Cast" ||
                   op == "Shape" || op == "Reshape" || op == "Mul" || op == "Equal")) ||
      (op == "Where" && node.input_size() == 3 && shapes.count(node.input(1))))
    return importShapeOp(node);
  if (op == "TopK" || op == "ScatterElements" || (op == "Gather" && !onShape && node.input_size() == 2 &&
                                                  !shapes.count(node.input(1))))
    return importIndexOp(node);
  if (op == "Gather" || op == "Unsqueeze" || op == "Squeeze" || op == "Concat" || op == "Slice" ||
      op == "Transpose" || op == "Reshape" || op == "Cast")
    return importTensorOp(node);
  if (op == "Expand")
    return importExpand(node);
  if (op == "MatMul" || op == "Gemm" || op == "Add" || op == "Sub" || op == "Mul" ||
      op == "Div" || op == "Sigmoid" || op == "Tanh" || op == "Relu" || op == "Softmax")
    return importHeadOp(node);
  if (op == "Identity") {
    if (node.input_size() != 1 || node.output_size() != 1)
      return nodeError(node) << "expects one input and one output";
    FailureOr<Value> input = optionalInput(node, 0);
    if (failed(input) || !*input)
      return failure();
    values[node.output(0)] = *input;
    auto it = constants.find(node.input(0));
    if (it != constants.end())
      constants[node.output(0)] = it->second;
    return success();
  }
  return nodeError(node) << "op type '" << op << "' is not supported";
}

OwningOpRef<ModuleOp> OnnxImporter::import(const onnx::ModelProto &model) {
  if (!model.has_graph())
    return emitError(fileLoc) << "the model has no graph", nullptr;
  int64_t opset = -1;
  for (const onnx::OperatorSetIdProto &id : model.opset_import())
    if (id.domain().empty() || id.domain() == "ai.onnx")
      opset = id.version();
  if (opset < 7 || opset > 22)
    return emitError(fileLoc) << "default-domain opset " << opset
                              << " is not supported (rnnc imports opsets 7 to 22)",
           nullptr;
  const onnx::GraphProto &graph = model.graph();

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  b.setInsertionPointToEnd(module->getBody());

  llvm::StringSet<> initializerNames;
  for (const onnx::TensorProto &t : graph.initializer())
    initializerNames.insert(t.name());
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (initializerNames.contains(input.name()))
      continue;
    if (!input.type().has_tensor_type() || !input.type().tensor_type().has_shape())
      return emitError(fileLoc) << "graph input '" << input.name()
                                << "' must be a tensor with a known rank",
             nullptr;
    const auto &tensorType = input.type().tensor_type();
    std::optional<Type> element = elementType(tensorType.elem_type(), context);
    if (!element)
      return emitError(fileLoc) << "graph input '" << input.name()
                                << "' has unsupported element type " << tensorType.elem_type(),
             nullptr;
    SmallVector<int64_t> shape;
    for (const auto &dim : tensorType.shape().dim())
      shape.push_back(dim.has_dim_value() && dim.dim_value() >= 0 ? dim.dim_value()
                                                                  : ShapedType::kDynamic);
    argTypes.push_back(RankedTensorType::get(shape, *element));
    argNames.push_back(input.name());
  }

  std::string name = graph.name();
  bool identifier = !name.empty() && !isdigit((unsigned char)name[0]) &&
                    llvm::all_of(name, [](char c) { return isalnum((unsigned char)c) || c == '_'; });
  auto func = b.create<func::FuncOp>(fileLoc, identifier ? name : "model",
                                     b.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  for (auto [i, argName] : llvm::enumerate(argNames)) {
    values[argName] = entry->getArgument(i);
    func.setArgAttr(i, "rnn.name", b.getStringAttr(argName));
  }
  for (const onnx::TensorProto &t : graph.initializer()) {
    Value value;
    if (failed(importTensor(t, fileLoc, value)))
      return nullptr;
    values[t.name()] = value;
  }
  for (const onnx::NodeProto &node : graph.node())
    if (failed(importNode(node)))
      return nullptr;

  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    auto it = values.find(output.name());
    if (it == values.end())
      return emitError(fileLoc) << "graph output '" << output.name() << "' is never computed",
             nullptr;
    auto type = cast<RankedTensorType>(it->second.getType());
    if (output.type().has_tensor_type() && output.type().tensor_type().has_shape()) {
      const auto &dims = output.type().tensor_type().shape().dim();
      bool ok = dims.size() == type.getRank();
      for (int i = 0; ok && i < dims.size(); ++i)
        ok = !dims[i].has_dim_value() || ShapedType::isDynamic(type.getDimSize(i)) ||
             dims[i].dim_value() == type.getDimSize(i);
      if (!ok)
        return emitError(fileLoc) << "graph output '" << output.name()
                                  << "' is declared with a shape that does not match the "
                                     "computed "
                                  << rnn::formatShape(type.getShape()),
               nullptr;
    }
    results.push_back(it->second);
  }
  b.create<func::ReturnOp>(fileLoc, results);
  func.setFunctionType(b.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [i, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "rnn.name", b.getStringAttr(output.name()));
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

} // namespace

OwningOpRef<ModuleOp> mlir::rnnc::importOnnxFile(StringRef path, MLIRContext *context) {
  context->loadDialect<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
                       math::MathDialect, rnn::RnnDialect, tensor::TensorDialect>();
  Location loc = FileLineColLoc::get(context, path, 0, 0);
  std::ifstream in(path.str(), std::ios::binary);
  if (!in)
    return emitError(loc) << "cannot open the ONNX model", nullptr;
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&in))
    return emitError(loc) << "is not a valid ONNX model (protobuf parsing failed: truncated "
                             "or corrupt file)",
           nullptr;
  return OnnxImporter(context, path).import(model);
}
