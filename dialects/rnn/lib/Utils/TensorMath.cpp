#include "rnnc/Dialect/Rnn/Utils/TensorMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::rnn;

Value TensorMath::dim(Value tensor, int64_t d) { return b.create<tensor::DimOp>(loc, tensor, d); }

Value TensorMath::emptyLike(Value like, int64_t lastDim) {
  auto type = cast<RankedTensorType>(like.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = lastDim;
  SmallVector<Value> dynamic;
  for (int64_t d = 0; d + 1 < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamic.push_back(dim(like, d));
  return b.create<tensor::EmptyOp>(loc, shape, type.getElementType(), dynamic);
}

Value TensorMath::matmul(Value lhs, Value rhs) {
  auto lt = cast<RankedTensorType>(lhs.getType()), rt = cast<RankedTensorType>(rhs.getType());
  if (lt.getRank() == 3) {
    // [B, T, K] x [K, N] as one contraction: out[b, t, n] += a[b, t, k] w[k, n]
    // (collapsing B and T into rows would need an expand_shape of two run-time
    // sizes in one group, which MLIR 19's bufferization cannot lower).
    MLIRContext *ctx = b.getContext();
    AffineExpr d0 = b.getAffineDimExpr(0), d1 = b.getAffineDimExpr(1),
               d2 = b.getAffineDimExpr(2), d3 = b.getAffineDimExpr(3);
    SmallVector<AffineMap> maps = {AffineMap::get(4, 0, {d0, d1, d3}, ctx),
                                   AffineMap::get(4, 0, {d3, d2}, ctx),
                                   AffineMap::get(4, 0, {d0, d1, d2}, ctx)};
    Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0.0f));
    Value init = b.create<linalg::FillOp>(loc, zero, emptyLike(lhs, rt.getDimSize(1))).getResult(0);
    SmallVector<utils::IteratorType> iterators(3, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    return b
        .create<linalg::GenericOp>(loc, init.getType(), ValueRange{lhs, rhs}, ValueRange{init},
                                   maps, iterators,
                                   [&](OpBuilder &nb, Location l, ValueRange args) {
                                     Value product = nb.create<arith::MulFOp>(l, args[0], args[1]);
                                     nb.create<linalg::YieldOp>(
                                         l, nb.create<arith::AddFOp>(l, args[2], product)
                                                .getResult());
                                   })
        .getResult(0);
  }
  auto type = RankedTensorType::get({lt.getDimSize(0), rt.getDimSize(1)}, lt.getElementType());
  SmallVector<Value> dynamic;
  if (type.isDynamicDim(0))
    dynamic.push_back(dim(lhs, 0));
  Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0.0f));
  Value init = b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType(), dynamic);
  init = b.create<linalg::FillOp>(loc, zero, init).getResult(0);
  return b.create<linalg::MatmulOp>(loc, ValueRange{lhs, rhs}, ValueRange{init}).getResult(0);
}

Value TensorMath::sliceColumns(Value tensor, int64_t begin, int64_t size) {
  auto type = cast<RankedTensorType>(tensor.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
      strides(rank, b.getIndexAttr(1));
  offsets.back() = b.getIndexAttr(begin);
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = size;
  for (int64_t d = 0; d < rank; ++d)
    sizes.push_back(d + 1 == rank          ? OpFoldResult(b.getIndexAttr(size))
                    : type.isDynamicDim(d) ? OpFoldResult(dim(tensor, d))
                                           : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
  return b.create<tensor::ExtractSliceOp>(loc, RankedTensorType::get(shape, type.getElementType()),
                                          tensor, offsets, sizes, strides);
}

Value TensorMath::concatColumns(Value lhs, Value rhs) {
  auto lt = cast<RankedTensorType>(lhs.getType());
  int64_t rank = lt.getRank(), lhsDepth = lt.getShape().back();
  Value result = emptyLike(lhs, lhsDepth + cast<RankedTensorType>(rhs.getType()).getShape().back());
  for (auto [part, offset] : {std::pair{lhs, (int64_t)0}, std::pair{rhs, lhsDepth}}) {
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
        strides(rank, b.getIndexAttr(1));
    offsets.back() = b.getIndexAttr(offset);
    auto type = cast<RankedTensorType>(part.getType());
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(type.isDynamicDim(d) ? OpFoldResult(dim(part, d))
                                           : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
    result = b.create<tensor::InsertSliceOp>(loc, part, result, offsets, sizes, strides);
  }
  return result;
}

Value TensorMath::map(ArrayRef<Value> operands, ScalarFn body) {
  Value shapeSource = operands.front();
  for (Value v : operands)
    if (cast<RankedTensorType>(v.getType()).getRank() >
        cast<RankedTensorType>(shapeSource.getType()).getRank())
      shapeSource = v;
  auto type = cast<RankedTensorType>(shapeSource.getType());
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps;
  for (Value v : operands) {
    auto vt = cast<RankedTensorType>(v.getType());
    int64_t r = vt.getRank();
    if (r != rank && r > 1)
      return nullptr;
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < r; ++d) {
      int64_t outer = rank - r + d;
      bool same = vt.getDimSize(d) == type.getDimSize(outer) ||
                  (vt.isDynamicDim(d) && type.isDynamicDim(outer));
      if (!same)
        return nullptr;
      exprs.push_back(b.getAffineDimExpr(outer));
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, b.getContext()));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<Value> dynamic;
  for (int64_t d = 0; d < rank; ++d)
    if (type.isDynamicDim(d))
      dynamic.push_back(dim(shapeSource, d));
  Value init = b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType(), dynamic);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  return b
      .create<linalg::GenericOp>(loc, type, operands, ValueRange{init}, maps, iterators,
                                 [&](OpBuilder &nested, Location l, ValueRange args) {
                                   Value v = body(nested, l, args.drop_back());
                                   nested.create<linalg::YieldOp>(l, v);
                                 })
      .getResult(0);
}

bool mlir::rnn::isZeroFill(Value init) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  if (!fill)
    return false;
  std::optional<APFloat> value;
  if (auto constant = fill.getInputs()[0].getDefiningOp<arith::ConstantOp>())
    if (auto attr = dyn_cast<FloatAttr>(constant.getValue()))
      value = attr.getValue();
  return value && value->isZero();
}

std::optional<std::pair<OpOperand *, OpOperand *>>
mlir::rnn::elementwiseSumOperands(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInputs() != 2 || generic.getNumDpsInits() != 1 ||
      generic.getNumLoops() != 2 || generic.getNumParallelLoops() != 2 ||
      !generic.hasPureTensorSemantics() || !generic.getIndexingMapsArray().back().isIdentity())
    return std::nullopt;
  Block &body = generic.getRegion().front();
  auto add = dyn_cast<arith::AddFOp>(body.front());
  if (body.getOperations().size() != 2 || !add ||
      cast<linalg::YieldOp>(body.getTerminator()).getValues()[0] != add.getResult())
    return std::nullopt;
  bool inOrder = add.getLhs() == body.getArgument(0) && add.getRhs() == body.getArgument(1);
  bool swapped = add.getLhs() == body.getArgument(1) && add.getRhs() == body.getArgument(0);
  if (!inOrder && !swapped)
    return std::nullopt;
  return std::make_pair(generic.getDpsInputOperand(0), generic.getDpsInputOperand(1));
}

Operation *mlir::rnn::onlyValueUser(Value value) {
  Operation *only = nullptr;
  for (Operation *user : value.getUsers()) {
    if (isa<tensor::DimOp>(user))
      continue;
    if (only)
      return nullptr;
    only = user;
  }
  return only;
}
