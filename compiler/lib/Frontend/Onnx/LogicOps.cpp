// Comparisons, boolean ops and Where on tensors: what PyTorch exports for
// masks built from sequence lengths (arange(T) < lengths, masked_fill).

#include "Importer.h"

using namespace mlir;

namespace mlir::rnnc::onnx_import {

LogicalResult OnnxImporter::importLogicOp(const onnx::NodeProto &node) {
  const std::string &op = node.op_type();
  if (node.output_size() != 1)
    return nodeError(node) << "expects one output";
  SmallVector<Value> inputs;
  for (int i = 0; i < node.input_size(); ++i) {
    FailureOr<Value> v = runtimeInput(node, i);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }
  auto elementOf = [](Value v) { return cast<RankedTensorType>(v.getType()).getElementType(); };
  Type i1 = b.getI1Type();
  FailureOr<Value> result;
  if (op == "Not") {
    if (inputs.size() != 1 || elementOf(inputs[0]) != i1)
      return nodeError(node) << "expects one bool input";
    result = elementwise(
        node, inputs[0],
        [](OpBuilder &n, Location l, ValueRange a) -> Value {
          Value one = n.create<arith::ConstantOp>(l, n.getBoolAttr(true));
          return n.create<arith::XOrIOp>(l, a[0], one);
        },
        i1);
  } else if (op == "And" || op == "Or" || op == "Xor") {
    if (inputs.size() != 2 || elementOf(inputs[0]) != i1 || elementOf(inputs[1]) != i1)
      return nodeError(node) << "expects two bool inputs";
    result = elementwise(
        node, inputs,
        [&](OpBuilder &n, Location l, ValueRange a) -> Value {
          if (op == "And")
            return n.create<arith::AndIOp>(l, a[0], a[1]);
          if (op == "Or")
            return n.create<arith::OrIOp>(l, a[0], a[1]);
          return n.create<arith::XOrIOp>(l, a[0], a[1]);
        },
        i1);
  } else if (op == "Where") {
    if (inputs.size() != 3 || elementOf(inputs[0]) != i1 ||
        elementOf(inputs[1]) != elementOf(inputs[2]))
      return nodeError(node) << "expects a bool condition and two inputs of one type";
    result = elementwise(
        node, inputs,
        [](OpBuilder &n, Location l, ValueRange a) -> Value {
          return n.create<arith::SelectOp>(l, a[0], a[1], a[2]);
        },
        elementOf(inputs[1]));
  } else { // Less, LessOrEqual, Greater, GreaterOrEqual, Equal
    if (inputs.size() != 2)
      return nodeError(node) << "expects two inputs, got " << inputs.size();
    if (elementOf(inputs[0]) != elementOf(inputs[1]))
      return nodeError(node) << "expects two inputs of one type, got " << inputs[0].getType()
                             << " and " << inputs[1].getType();
    bool isFloat = isa<FloatType>(elementOf(inputs[0]));
    auto predicates = llvm::StringSwitch<std::pair<arith::CmpFPredicate, arith::CmpIPredicate>>(op)
                          .Case("Less", {arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt})
                          .Case("LessOrEqual", {arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle})
                          .Case("Greater", {arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt})
                          .Case("GreaterOrEqual",
                                {arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge})
                          .Default({arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq});
    result = elementwise(
        node, inputs,
        [&](OpBuilder &n, Location l, ValueRange a) -> Value {
          if (isFloat)
            return n.create<arith::CmpFOp>(l, predicates.first, a[0], a[1]);
          return n.create<arith::CmpIOp>(l, predicates.second, a[0], a[1]);
        },
        i1);
  }
  if (failed(result))
    return failure();
  values[node.output(0)] = *result;
  return success();
}

} // namespace mlir::rnnc::onnx_import
