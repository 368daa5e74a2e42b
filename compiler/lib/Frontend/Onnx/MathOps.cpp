// Heads (MatMul, Gemm, elementwise ops), Expand, and the indexing
// ops of PyTorch's packed-sequence exports (TopK, ScatterElements, Gather).

#include "Importer.h"

using namespace mlir;

namespace mlir::rnnc::onnx_import {

FailureOr<Value>
OnnxImporter::elementwise(const onnx::NodeProto &node, ArrayRef<Value> inputs,
                          function_ref<Value(OpBuilder &, Location, ValueRange)> body,
                          Type resultElement) {
  Location loc = nodeLoc(node);
  int64_t rank = 0;
  for (Value v : inputs) {
    auto type = cast<RankedTensorType>(v.getType());
    if (!resultElement && !type.getElementType().isF32())
      return nodeError(node) << "only float tensors are supported, got " << v.getType();
    rank = std::max<int64_t>(rank, type.getRank());
  }
  if (!resultElement)
    resultElement = b.getF32Type();
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
  Value init = b.create<tensor::EmptyOp>(loc, sizes, resultElement);
  init = b.create<tensor::CastOp>(loc, RankedTensorType::get(shape, resultElement), init);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  return b
      .create<linalg::GenericOp>(loc, init.getType(), inputs, init, maps, iterators,
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
  auto inputType = cast<RankedTensorType>(input->getType());
  int64_t leading = (int64_t)(*shape)->elements.size() - inputType.getRank();
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
  // PyTorch's packed-sequence export bakes the export's batch into the zero
  // initial state (a [1, 3, H] constant expanded to [1, batch, H]). A constant
  // fill is the same value at any size, so a run-time dimension of the
  // requested shape replaces the baked one instead of failing to broadcast.
  auto constantIt = constants.find(node.input(0));
  if (constantIt != constants.end() && !constantIt->second.values.empty() &&
      llvm::all_equal(constantIt->second.values) && leading >= 0) {
    for (int64_t i = 0; i < inputType.getRank(); ++i) {
      int64_t j = i + leading, kept = inputType.getDimSize(i);
      if (kept != 1 && staticShape[j] == 1) {
        sizes[j] = b.getIndexAttr(kept);
        staticShape[j] = kept;
      } else if (kept != 1 && !ShapedType::isDynamic(staticShape[j]) && staticShape[j] != kept) {
        return nodeError(node) << "cannot expand dimension " << i << " of size " << kept
                               << " to " << staticShape[j];
      }
    }
    Value empty = b.create<tensor::EmptyOp>(loc, sizes, b.getF32Type());
    empty = b.create<tensor::CastOp>(loc, RankedTensorType::get(staticShape, b.getF32Type()), empty);
    Value value = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(constantIt->second.values[0]));
    values[node.output(0)] = b.create<linalg::FillOp>(loc, value, empty).getResult(0);
    return success();
  }
  // Broadcasting the input against an empty tensor of the requested shape.
  Value target = b.create<tensor::EmptyOp>(loc, sizes, b.getF32Type());
  target =
      b.create<tensor::CastOp>(loc, RankedTensorType::get(staticShape, b.getF32Type()), target);
  FailureOr<Value> result = elementwise(
      node, {*input, target}, [](OpBuilder &, Location, ValueRange args) { return args[0]; });
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
    if (inputs.size() < n ||
        llvm::any_of(ArrayRef<Value>(inputs).take_front(n), [](Value v) { return !v; }))
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
    result = binary([](OpBuilder &n, Location l, ValueRange a) -> Value {
      return n.create<arith::AddFOp>(l, a[0], a[1]);
    });
  } else if (op == "Sub") {
    result = binary([](OpBuilder &n, Location l, ValueRange a) -> Value {
      return n.create<arith::SubFOp>(l, a[0], a[1]);
    });
  } else if (op == "Mul") {
    result = binary([](OpBuilder &n, Location l, ValueRange a) -> Value {
      return n.create<arith::MulFOp>(l, a[0], a[1]);
    });
  } else if (op == "Div") {
    result = binary([](OpBuilder &n, Location l, ValueRange a) -> Value {
      return n.create<arith::DivFOp>(l, a[0], a[1]);
    });
  } else if (op == "Pow") {
    // x^2 (LayerNorm's variance as torch 1.13 decomposes it) is exact as x*x.
    auto exponent = constants.find(node.input_size() > 1 ? node.input(1) : "");
    bool square = exponent != constants.end() && exponent->second.values.size() == 1 &&
                  exponent->second.values[0] == 2.0f;
    result = binary([&](OpBuilder &n, Location l, ValueRange a) -> Value {
      if (square)
        return n.create<arith::MulFOp>(l, a[0], a[0]);
      return n.create<math::PowFOp>(l, a[0], a[1]);
    });
  } else if (op == "Sqrt" || op == "Exp" || op == "Log" || op == "Neg" || op == "Abs") {
    result = unary([&](OpBuilder &n, Location l, ValueRange a) -> Value {
      if (op == "Sqrt")
        return n.create<math::SqrtOp>(l, a[0]);
      if (op == "Exp")
        return n.create<math::ExpOp>(l, a[0]);
      if (op == "Log")
        return n.create<math::LogOp>(l, a[0]);
      if (op == "Neg")
        return n.create<arith::NegFOp>(l, a[0]);
      return n.create<math::AbsFOp>(l, a[0]);
    });
  } else if (op == "Max" || op == "Min") {
    if (inputs.size() != 2)
      return nodeError(node) << "only two inputs are supported";
    result = binary([&](OpBuilder &n, Location l, ValueRange a) -> Value {
      if (op == "Max")
        return n.create<arith::MaximumFOp>(l, a[0], a[1]);
      return n.create<arith::MinimumFOp>(l, a[0], a[1]);
    });
  } else if (op == "Tanh") {
    result = unary([](OpBuilder &n, Location l, ValueRange a) -> Value {
      return n.create<math::TanhOp>(l, a[0]);
    });
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
    SmallVector<AffineExpr> aExprs,
        bExprs = {b.getAffineDimExpr(rank), b.getAffineDimExpr(rank - 1)}, outExprs;
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
    Value product =
        b.create<linalg::GenericOp>(
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
      return n.create<arith::CmpFOp>(
          l, greater ? arith::CmpFPredicate::OGT : arith::CmpFPredicate::OLT, x, y);
    return n.create<arith::CmpIOp>(
        l, greater ? arith::CmpIPredicate::sgt : arith::CmpIPredicate::slt, x, y);
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
    return b
        .create<linalg::GenericOp>(loc, resultType, ValueRange{source, source}, init, maps,
                                   iterators,
                                   [&](OpBuilder &n, Location l, ValueRange a) {
                                     n.create<linalg::YieldOp>(l, body(n, l, a[0], a[1], a[2]));
                                   })
        .getResult(0);
  };

  if (op == "TopK") {
    FailureOr<Value> input = runtimeInput(node, 0);
    FailureOr<const ShapeVector *> k = shapeInput(node, 1, "K");
    if (failed(input) || failed(k))
      return failure();
    auto type = cast<RankedTensorType>(input->getType());
    int64_t axis = intAttribute(node, "axis", -1);
    // K is the whole length: a constant equal to it, or the size of the
    // sorted tensor itself (PyTorch's unsorted packed sequences with a
    // dynamic batch).
    auto wholeLength = [&](const ShapeDim &d) {
      if (!d.source)
        return !type.isDynamicDim(0) && d.value == type.getDimSize(0);
      return d.dim == 0 && (d.source == *input ||
                            (d.source.getType() == input->getType() &&
                             d.source.getDefiningOp() == input->getDefiningOp()));
    };
    if (type.getRank() != 1 || (axis != -1 && axis != 0) || (*k)->elements.size() != 1 ||
        !wholeLength((*k)->elements[0]) || intAttribute(node, "sorted", 1) != 1)
      return nodeError(node) << "only a full sort of a 1-D tensor (K = its length) is supported";
    bool largest = intAttribute(node, "largest", 1) == 1;
    // rank[i] = #{j : x[j] before x[i]}; ties keep the lower index first.
    Value zero = b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(0));
    Value ranks = pairwise(
        *input, i64, zero, [&](OpBuilder &n, Location l, Value xi, Value xj, Value acc) -> Value {
          Value before = compare(n, l, xj, xi, largest);
          Value tie =
              n.create<arith::AndIOp>(l, equal(n, l, xj, xi),
                                      n.create<arith::CmpIOp>(l, arith::CmpIPredicate::ult,
                                                              index(n, l, 1), index(n, l, 0)));
          Value counts = n.create<arith::OrIOp>(l, before, tie);
          return n.create<arith::AddIOp>(l, acc,
                                         n.create<arith::ExtUIOp>(l, n.getI64Type(), counts));
        });
    // out[r] = the element whose rank is r (and its index).
    auto place = [&](Type elementType, bool wantIndex) {
      Value init = b.create<arith::ConstantOp>(loc, b.getZeroAttr(elementType));
      Value source = wantIndex ? ranks : *input;
      auto resultType = RankedTensorType::get(type.getShape(), elementType);
      Value out = b.create<tensor::EmptyOp>(
          loc, ArrayRef<OpFoldResult>{dimSize(ShapeDim{0, *input, 0})}, elementType);
      out = b.create<tensor::CastOp>(loc, resultType, out);
      out = b.create<linalg::FillOp>(loc, init, out).getResult(0);
      SmallVector<AffineMap> maps = {AffineMap::get(2, 0, b.getAffineDimExpr(1), context),
                                     AffineMap::get(2, 0, b.getAffineDimExpr(1), context),
                                     AffineMap::get(2, 0, b.getAffineDimExpr(0), context)};
      SmallVector<utils::IteratorType> iterators = {utils::IteratorType::parallel,
                                                    utils::IteratorType::reduction};
      return b
          .create<linalg::GenericOp>(
              loc, resultType, ValueRange{ranks, source}, out, maps, iterators,
              [&](OpBuilder &n, Location l, ValueRange a) {
                Value r = n.create<arith::IndexCastOp>(l, n.getI64Type(), index(n, l, 0));
                Value hit = n.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, a[0], r);
                Value candidate =
                    wantIndex ? n.create<arith::IndexCastOp>(l, n.getI64Type(), index(n, l, 1))
                                    .getResult()
                              : a[1];
                n.create<linalg::YieldOp>(
                    l, n.create<arith::SelectOp>(l, hit, candidate, a[2]).getResult());
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
               n.create<linalg::YieldOp>(l,
                                         n.create<arith::SelectOp>(l, hit, a[1], a[2]).getResult());
             })
            .getResult(0);
    return success();
  }

  // Gather with run-time indices of rank r: out[a..., k1..kr, c...] =
  // data[a..., indices[k1..kr], c...] (an Embedding on token ids is rank 2).
  FailureOr<Value> data = runtimeInput(node, 0);
  FailureOr<Value> indices = runtimeInput(node, 1);
  if (failed(data) || failed(indices))
    return failure();
  auto dataType = cast<RankedTensorType>(data->getType());
  auto indexType = cast<RankedTensorType>(indices->getType());
  int64_t rank = dataType.getRank(), axis = intAttribute(node, "axis", 0);
  int64_t indexRank = indexType.getRank(), outRank = rank - 1 + indexRank;
  axis = axis < 0 ? axis + rank : axis;
  if (axis < 0 || axis >= rank || !isa<IntegerType>(indexType.getElementType()))
    return nodeError(node) << "only integer indices on a valid axis are supported";
  SmallVector<OpFoldResult> sizes;
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < outRank; ++d) {
    bool fromIndices = d >= axis && d < axis + indexRank;
    Value source = fromIndices ? *indices : *data;
    unsigned sourceDim = fromIndices ? d - axis : (d < axis ? d : d - indexRank + 1);
    sizes.push_back(dimSize(ShapeDim{0, source, sourceDim}));
    shape.push_back(cast<RankedTensorType>(source.getType()).getDimSize(sourceDim));
  }
  auto resultType = RankedTensorType::get(shape, dataType.getElementType());
  Value init = b.create<tensor::EmptyOp>(loc, sizes, dataType.getElementType());
  init = b.create<tensor::CastOp>(loc, resultType, init);
  SmallVector<AffineExpr> indexExprs;
  for (int64_t d = 0; d < indexRank; ++d)
    indexExprs.push_back(b.getAffineDimExpr(axis + d));
  SmallVector<AffineMap> maps = {AffineMap::get(outRank, 0, indexExprs, context),
                                 b.getMultiDimIdentityMap(outRank)};
  SmallVector<utils::IteratorType> iterators(outRank, utils::IteratorType::parallel);
  Value source = *data;
  auto gather = b.create<linalg::GenericOp>(
           loc, resultType, ValueRange{*indices}, init, maps, iterators,
           [&](OpBuilder &n, Location l, ValueRange a) {
             // Negative indices count from the end. Indices from a model input
             // are checked by the runtime before the call (the signature finds
             // them by `rnn.gather_axis`); computed ones are checked in the
             // kernel (rnnc-guard-tensor-indices), which fails the call.
             Value size = n.create<tensor::DimOp>(l, source, axis);
             Value i = n.create<arith::IndexCastOp>(l, n.getIndexType(), a[0]);
             Value zeroIndex = n.create<arith::ConstantIndexOp>(l, 0);
             Value negative = n.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, i, zeroIndex);
             i = n.create<arith::SelectOp>(l, negative, n.create<arith::AddIOp>(l, i, size), i);
             SmallVector<Value> at;
             for (int64_t d = 0; d < rank; ++d)
               at.push_back(d == axis ? i : index(n, l, d < axis ? d : d + indexRank - 1));
             n.create<linalg::YieldOp>(l, n.create<tensor::ExtractOp>(l, source, at).getResult());
           });
  gather->setAttr("rnn.gather_axis", b.getI64IntegerAttr(axis));
  values[node.output(0)] = gather.getResult(0);
  return success();
}

} // namespace mlir::rnnc::onnx_import
