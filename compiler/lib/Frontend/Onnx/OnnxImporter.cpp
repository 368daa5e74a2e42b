// ONNX -> rnn dialect: reading the model, constants and the graph, and the
// dispatch of nodes to RecurrentOps.cpp (LSTM/GRU/RNN), ShapeOps.cpp (shape
// arithmetic and layout glue) and MathOps.cpp (heads and indexing).

#include "rnnc/Frontend/Onnx/OnnxImporter.h"

#include "Importer.h"
#include "mlir/IR/Verifier.h"


#include <limits>

using namespace mlir;

namespace mlir::rnnc::onnx_import {

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

/// A value's ONNX dim_param names, one per dimension ("" where it has none),
/// as `rnn.dim_names`; null without any. Names that are not identifiers are
/// left out: they become parameters of generated C functions. With `known`,
/// only names in it are kept.
ArrayAttr dimNames(const onnx::TypeProto &type, Builder &b,
                   const llvm::StringSet<> *known = nullptr) {
  if (!type.has_tensor_type() || !type.tensor_type().has_shape())
    return {};
  SmallVector<Attribute> names;
  bool any = false;
  for (const auto &dim : type.tensor_type().shape().dim()) {
    StringRef name = dim.has_dim_param() ? StringRef(dim.dim_param()) : StringRef();
    bool identifier = !name.empty() && !llvm::isDigit(name.front()) &&
                      llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; }) &&
                      (!known || known->contains(name));
    names.push_back(b.getStringAttr(identifier ? name : ""));
    any |= identifier;
  }
  return any ? b.getArrayAttr(names) : ArrayAttr();
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

LogicalResult OnnxImporter::importNode(const onnx::NodeProto &node) {
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return nodeError(node) << "domain '" << node.domain() << "' is not supported";
  // ONNX graphs are in single static assignment form: a name defined twice
  // would silently shadow the first definition.
  for (const std::string &output : node.output())
    if (!output.empty() && values.count(output))
      return nodeError(node) << "output '" << output
                             << "' is already defined (a graph input, initializer or earlier "
                                "node's output)";
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
  bool bothOnShape = onShape && node.input_size() == 2 && shapes.count(node.input(1));
  if (op == "ConstantOfShape" || op == "Range" || (op == "Shape" && !onShape) ||
      (onShape && (op == "Gather" || op == "Unsqueeze" || op == "Concat" || op == "Cast" ||
                   op == "Shape" || op == "Reshape" || op == "ReduceProd")) ||
      (bothOnShape && (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" ||
                       op == "Equal")) ||
      (op == "Where" && node.input_size() == 3 && shapes.count(node.input(1))))
    return importShapeOp(node);
  if (op == "TopK" || op == "ScatterElements" ||
      (op == "Gather" && !onShape && node.input_size() == 2 && !shapes.count(node.input(1))))
    return importIndexOp(node);
  if (op == "Gather" || op == "Unsqueeze" || op == "Squeeze" || op == "Concat" || op == "Slice" ||
      op == "Transpose" || op == "Reshape" || op == "Cast")
    return importTensorOp(node);
  if (op == "Expand")
    return importExpand(node);
  if (op == "MatMul" || op == "Gemm" || op == "Add" || op == "Sub" || op == "Mul" || op == "Div" ||
      op == "Sigmoid" || op == "Tanh" || op == "Relu" || op == "Pow" || op == "Sqrt" ||
      op == "Exp" || op == "Log" || op == "Neg" || op == "Abs" || op == "Max" || op == "Min")
    return importHeadOp(node);
  if (op == "ReduceSum" || op == "ReduceMean" || op == "ReduceMax" || op == "ReduceMin" ||
      op == "ReduceProd" || op == "Softmax" || op == "LogSoftmax" || op == "LayerNormalization")
    return importReductionOp(node);
  if (op == "Less" || op == "LessOrEqual" || op == "Greater" || op == "GreaterOrEqual" ||
      op == "Equal" || op == "Not" || op == "And" || op == "Or" || op == "Xor" || op == "Where")
    return importLogicOp(node);
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
  return nodeError(node) << "op type '" << op << "' is not supported (rnnc info lists every op "
                            "of a model and whether it is; docs/onnx.md)";
}

/// The op types importNode handles (in some form: docs/onnx.md).
static bool isSupportedOp(StringRef op) {
  static const llvm::StringSet<> supported = {
      "LSTM", "GRU", "RNN", "Constant", "ConstantOfShape", "Shape", "Range", "Gather",
      "Unsqueeze", "Squeeze", "Concat", "Cast", "Reshape", "ReduceProd", "Add", "Sub", "Mul",
      "Div", "Equal", "Where", "TopK", "ScatterElements", "Slice", "Transpose", "Expand",
      "MatMul", "Gemm", "Sigmoid", "Tanh", "Relu", "Pow", "Sqrt", "Exp", "Log", "Neg", "Abs",
      "Max", "Min", "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "Softmax", "LogSoftmax",
      "LayerNormalization", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Not", "And",
      "Or", "Xor", "Identity"};
  return supported.contains(op);
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
    if (!initializerNames.insert(t.name()).second)
      return emitError(fileLoc) << "initializer '" << t.name() << "' is defined twice", nullptr;
  llvm::StringSet<> inputNames;
  for (const onnx::ValueInfoProto &input : graph.input())
    if (!inputNames.insert(input.name()).second)
      return emitError(fileLoc) << "graph input '" << input.name() << "' is declared twice",
             nullptr;
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  SmallVector<ArrayAttr> argDimNames;
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
    argDimNames.push_back(dimNames(input.type(), b));
  }

  std::string name = graph.name();
  bool identifier =
      !name.empty() && !isdigit((unsigned char)name[0]) &&
      llvm::all_of(name, [](char c) { return isalnum((unsigned char)c) || c == '_'; });
  auto func =
      b.create<func::FuncOp>(fileLoc, identifier ? name : "model", b.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  for (auto [i, argName] : llvm::enumerate(argNames)) {
    values[argName] = entry->getArgument(i);
    func.setArgAttr(i, "rnn.name", b.getStringAttr(argName));
    if (argDimNames[i])
      func.setArgAttr(i, "rnn.dim_names", argDimNames[i]);
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
  // Output dimensions keep the names the inputs use: a name only outputs
  // carry ties nothing a caller provides, and exporters invent such names
  // (torch names both dimensions of an unsorted packed sequence's output
  // `Gathery_dim_0`).
  llvm::StringSet<> inputDimNames;
  for (ArrayAttr names : argDimNames)
    if (names)
      for (Attribute name : names)
        if (!cast<StringAttr>(name).getValue().empty())
          inputDimNames.insert(cast<StringAttr>(name).getValue());
  for (auto [i, output] : llvm::enumerate(graph.output())) {
    func.setResultAttr(i, "rnn.name", b.getStringAttr(output.name()));
    if (ArrayAttr names = dimNames(output.type(), b, &inputDimNames))
      func.setResultAttr(i, "rnn.dim_names", names);
  }
  pairStates(graph, func, argNames);
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

} // namespace mlir::rnnc::onnx_import

using namespace mlir::rnnc::onnx_import;

std::optional<mlir::rnnc::OnnxSurvey> mlir::rnnc::surveyOnnxBytes(StringRef bytes) {
  onnx::ModelProto model;
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) || !model.has_graph())
    return std::nullopt;
  OnnxSurvey survey;
  for (const onnx::OperatorSetIdProto &id : model.opset_import())
    if (id.domain().empty() || id.domain() == "ai.onnx")
      survey.opset = id.version();
  survey.graphName = model.graph().name();
  for (const onnx::NodeProto &node : model.graph().node()) {
    std::string op = node.domain().empty() || node.domain() == "ai.onnx"
                         ? node.op_type()
                         : node.domain() + "." + node.op_type();
    auto it = llvm::find_if(survey.ops, [&](const OnnxOpUse &use) { return use.op == op; });
    if (it == survey.ops.end()) {
      survey.ops.push_back(OnnxOpUse{op, 0, op == node.op_type() && isSupportedOp(op), {}});
      it = std::prev(survey.ops.end());
    }
    ++it->count;
    it->nodes.push_back(node.name());
  }
  return survey;
}

OwningOpRef<ModuleOp> mlir::rnnc::importOnnxBytes(StringRef bytes, StringRef name,
                                                  MLIRContext *context) {
  context->loadDialect<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
                       math::MathDialect, rnn::RnnDialect, tensor::TensorDialect>();
  onnx::ModelProto model;
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return emitError(FileLineColLoc::get(context, name, 0, 0))
               << "is not a valid ONNX model (protobuf parsing failed: truncated or corrupt file)",
           nullptr;
  return OnnxImporter(context, name).import(model);
}
