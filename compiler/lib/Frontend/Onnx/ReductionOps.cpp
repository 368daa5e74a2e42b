// Reductions over axes (ReduceSum/Mean/Max/Min/Prod) and the normalizations
// built from them (Softmax, LogSoftmax, LayerNormalization).

#include "Importer.h"

#include <limits>

using namespace mlir;

namespace mlir::rnnc::onnx_import {

Value OnnxImporter::reduce(Location loc, Value input, ArrayRef<int64_t> axes, bool keepDims,
                           float start,
                           function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> sizes;
  SmallVector<int64_t> shape;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(axes, d);
    if (reduced)
      iterators[d] = utils::IteratorType::reduction;
    if (reduced && !keepDims)
      continue;
    sizes.push_back(reduced ? b.getIndexAttr(1) : dimSize(ShapeDim{0, input, (unsigned)d}));
    shape.push_back(reduced ? 1 : type.getDimSize(d));
    outExprs.push_back(reduced ? b.getAffineConstantExpr(0) : b.getAffineDimExpr(d));
  }
  auto resultType = RankedTensorType::get(shape, b.getF32Type());
  Value init = b.create<tensor::EmptyOp>(loc, sizes, b.getF32Type());
  init = b.create<tensor::CastOp>(loc, resultType, init);
  Value startValue = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(start));
  init = b.create<linalg::FillOp>(loc, startValue, init).getResult(0);
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                 AffineMap::get(rank, 0, outExprs, context)};
  return b
      .create<linalg::GenericOp>(loc, resultType, input, init, maps, iterators,
                                 [&](OpBuilder &n, Location l, ValueRange a) {
                                   n.create<linalg::YieldOp>(l, combine(n, l, a[1], a[0]));
                                 })
      .getResult(0);
}

/// The number of elements `axes` of `input` span, as a float.
static Value elementCount(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes) {
  Value count = b.create<arith::ConstantIndexOp>(loc, 1);
  for (int64_t axis : axes)
    count = b.createOrFold<arith::MulIOp>(loc, count,
                                          b.createOrFold<tensor::DimOp>(loc, input, axis));
  Value asInt = b.create<arith::IndexCastOp>(loc, b.getI64Type(), count);
  return b.create<arith::SIToFPOp>(loc, b.getF32Type(), asInt);
}

LogicalResult OnnxImporter::importReductionOp(const onnx::NodeProto &node) {
  const std::string &op = node.op_type();
  Location loc = nodeLoc(node);
  FailureOr<Value> input = runtimeInput(node, 0);
  if (failed(input))
    return failure();
  auto type = cast<RankedTensorType>(input->getType());
  if (!type.getElementType().isF32())
    return nodeError(node) << "only float tensors are supported, got " << type;
  int64_t rank = type.getRank();
  auto normalized = [&](int64_t axis) -> FailureOr<int64_t> {
    int64_t n = axis < 0 ? axis + rank : axis;
    if (n < 0 || n >= rank)
      return nodeError(node) << "axis " << axis << " is out of range for rank " << rank;
    return n;
  };
  using Combine = function_ref<Value(OpBuilder &, Location, Value, Value)>;
  auto add = [](OpBuilder &n, Location l, Value acc, Value x) -> Value {
    return n.create<arith::AddFOp>(l, acc, x);
  };
  auto max = [](OpBuilder &n, Location l, Value acc, Value x) -> Value {
    return n.create<arith::MaximumFOp>(l, acc, x);
  };
  const float infinity = std::numeric_limits<float>::infinity();
  auto divideBy = [&](Value x, Value divisor) -> FailureOr<Value> {
    return elementwise(node, x, [&](OpBuilder &n, Location l, ValueRange a) -> Value {
      return n.create<arith::DivFOp>(l, a[0], divisor);
    });
  };
  auto binary = [&](Value x, Value y, auto body) {
    return elementwise(node, {x, y}, [&](OpBuilder &n, Location l, ValueRange a) -> Value {
      return body(n, l, a[0], a[1]);
    });
  };
  FailureOr<Value> result;

  if (op == "Softmax" || op == "LogSoftmax") {
    int64_t axis = intAttribute(node, "axis", -1);
    if (axis != -1 && axis != rank - 1)
      return nodeError(node) << "only the last axis is supported, got axis " << axis;
    // softmax = exp(x - max) / sum(exp(x - max)); log_softmax = (x - max) -
    // log(sum(exp(x - max))), along the last axis.
    SmallVector<int64_t> last = {rank - 1};
    Value rowMax = reduce(loc, *input, last, true, -infinity, max);
    FailureOr<Value> shifted = binary(*input, rowMax, [](OpBuilder &n, Location l, Value x, Value m) {
      return n.create<arith::SubFOp>(l, x, m).getResult();
    });
    if (failed(shifted))
      return failure();
    FailureOr<Value> exps = elementwise(node, *shifted, [](OpBuilder &n, Location l, ValueRange a) {
      return n.create<math::ExpOp>(l, a[0]).getResult();
    });
    if (failed(exps))
      return failure();
    Value sum = reduce(loc, *exps, last, true, 0.0f, add);
    if (op == "Softmax")
      result = binary(*exps, sum, [](OpBuilder &n, Location l, Value x, Value s) {
        return n.create<arith::DivFOp>(l, x, s).getResult();
      });
    else
      result = binary(*shifted, sum, [](OpBuilder &n, Location l, Value x, Value s) {
        return n.create<arith::SubFOp>(l, x, n.create<math::LogOp>(l, s)).getResult();
      });
  } else if (op == "LayerNormalization") {
    if (node.output_size() > 1 && llvm::any_of(llvm::drop_begin(node.output()),
                                               [](const std::string &o) { return !o.empty(); }))
      return nodeError(node) << "outputs 'Mean' and 'InvStdDev' are not supported";
    FailureOr<int64_t> axis = normalized(intAttribute(node, "axis", -1));
    FailureOr<Value> scale = runtimeInput(node, 1);
    FailureOr<Value> bias = optionalInput(node, 2);
    if (failed(axis) || failed(scale) || failed(bias))
      return failure();
    const onnx::AttributeProto *epsilonAttr = findAttribute(node, "epsilon");
    float epsilon = epsilonAttr ? epsilonAttr->f() : 1e-5f;
    SmallVector<int64_t> axes;
    for (int64_t d = *axis; d < rank; ++d)
      axes.push_back(d);
    // y = (x - mean) / sqrt(var + epsilon) * scale + bias over axes [axis, rank).
    Value count = elementCount(b, loc, *input, axes);
    FailureOr<Value> mean = divideBy(reduce(loc, *input, axes, true, 0.0f, add), count);
    if (failed(mean))
      return failure();
    FailureOr<Value> centered = binary(*input, *mean, [](OpBuilder &n, Location l, Value x, Value m) {
      return n.create<arith::SubFOp>(l, x, m).getResult();
    });
    if (failed(centered))
      return failure();
    Value squares = reduce(loc, *centered, axes, true, 0.0f,
                           [](OpBuilder &n, Location l, Value acc, Value x) -> Value {
                             return n.create<arith::AddFOp>(l, acc, n.create<arith::MulFOp>(l, x, x));
                           });
    FailureOr<Value> variance = divideBy(squares, count);
    if (failed(variance))
      return failure();
    FailureOr<Value> normal =
        binary(*centered, *variance, [&](OpBuilder &n, Location l, Value x, Value v) {
          Value eps = n.create<arith::ConstantOp>(l, n.getF32FloatAttr(epsilon));
          return n.create<arith::DivFOp>(l, x, n.create<math::SqrtOp>(l, n.create<arith::AddFOp>(l, v, eps)))
              .getResult();
        });
    if (failed(normal))
      return failure();
    result = binary(*normal, *scale, [](OpBuilder &n, Location l, Value x, Value s) {
      return n.create<arith::MulFOp>(l, x, s).getResult();
    });
    if (succeeded(result) && *bias)
      result = binary(*result, *bias, [](OpBuilder &n, Location l, Value x, Value c) {
        return n.create<arith::AddFOp>(l, x, c).getResult();
      });
  } else { // ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd
    // Axes: the attribute (before opset 18; ReduceSum before 13) or the
    // constant second input; none reduces every axis unless
    // noop_with_empty_axes.
    SmallVector<int64_t> raw;
    if (std::optional<SmallVector<int64_t>> attr = intsAttribute(node, "axes")) {
      raw = *attr;
    } else if (node.input_size() > 1 && !node.input(1).empty()) {
      FailureOr<SmallVector<int64_t>> fromInput = constantInts(node, 1, "axes");
      if (failed(fromInput))
        return failure();
      raw = *fromInput;
    } else if (intAttribute(node, "noop_with_empty_axes", 0)) {
      values[node.output(0)] = *input;
      return success();
    } else {
      for (int64_t d = 0; d < rank; ++d)
        raw.push_back(d);
    }
    SmallVector<int64_t> axes;
    for (int64_t a : raw) {
      FailureOr<int64_t> n = normalized(a);
      if (failed(n))
        return failure();
      axes.push_back(*n);
    }
    bool keepDims = intAttribute(node, "keepdims", 1) != 0;
    if (op == "ReduceMax" || op == "ReduceMin") {
      bool isMax = op == "ReduceMax";
      result = reduce(loc, *input, axes, keepDims, isMax ? -infinity : infinity,
                      isMax ? Combine(max)
                            : Combine([](OpBuilder &n, Location l, Value acc, Value x) -> Value {
                                return n.create<arith::MinimumFOp>(l, acc, x);
                              }));
    } else if (op == "ReduceProd") {
      result = reduce(loc, *input, axes, keepDims, 1.0f,
                      [](OpBuilder &n, Location l, Value acc, Value x) -> Value {
                        return n.create<arith::MulFOp>(l, acc, x);
                      });
    } else {
      Value sum = reduce(loc, *input, axes, keepDims, 0.0f, add);
      result = op == "ReduceSum" ? FailureOr<Value>(sum)
                                 : divideBy(sum, elementCount(b, loc, *input, axes));
    }
  }
  if (failed(result))
    return failure();
  values[node.output(0)] = *result;
  return success();
}

} // namespace mlir::rnnc::onnx_import
