#include "rnnc/API/ModelFile.h"
#include "rnnc/Transforms/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_GUARDTENSORINDICES
#include "rnnc/Transforms/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;

namespace {
/// Whether `index` is a constant inside dimension `d` of `type`.
bool provablyInBounds(Value index, RankedTensorType type, int64_t d) {
  std::optional<int64_t> constant = getConstantIntValue(index);
  return constant && !type.isDynamicDim(d) && *constant >= 0 && *constant < type.getDimSize(d);
}

/// Whether `size` is `tensor.dim %tensor, d`.
bool isDimOf(OpFoldResult size, Value tensor, int64_t d) {
  auto value = dyn_cast<Value>(size);
  auto dim = value ? value.getDefiningOp<tensor::DimOp>() : nullptr;
  return dim && dim.getSource() == tensor && dim.getConstantIndex() == d;
}

/// Whether the elements `offset + i * stride`, i < size, lie in dimension `d`
/// of `tensor` whatever the run-time values: constants within a static
/// size, the whole dimension, or what the IR proves (value bounds: a
/// concatenation into a tensor.empty of the summed sizes).
bool sliceProvablyInBounds(Value tensor, int64_t d, OpFoldResult offset, OpFoldResult size,
                           OpFoldResult stride) {
  std::optional<int64_t> o = getConstantIntValue(offset), s = getConstantIntValue(size),
                         st = getConstantIntValue(stride);
  if (s && *s == 0)
    return true;
  if (o && *o == 0 && st && *st == 1 && isDimOf(size, tensor, d))
    return true;
  auto type = cast<RankedTensorType>(tensor.getType());
  if (o && s && st && !type.isDynamicDim(d)) {
    int64_t extent = type.getDimSize(d);
    if (*s < 0 || *o < 0 || *o >= extent)
      return false;
    return *s == 1 || *st == 0 || (*st > 0 && *s - 1 <= (extent - 1 - *o) / *st);
  }
  if (!st || *st < 1)
    return false;
  using Bounds = ValueBoundsConstraintSet;
  MLIRContext *context = tensor.getContext();
  Bounds::Variable zero(OpFoldResult(IntegerAttr::get(IndexType::get(context), 0)));
  AffineExpr first = getAffineDimExpr(0, context), count = getAffineDimExpr(1, context);
  Bounds::Variable last(AffineMap::get(2, 0, first + (count - 1) * *st),
                        {Bounds::Variable(offset), Bounds::Variable(size)});
  // Value bounds do not take a tensor.dim to be >= 0.
  auto nonNegative = [&](OpFoldResult v) {
    auto value = dyn_cast<Value>(v);
    return (value && value.getDefiningOp<tensor::DimOp>()) ||
           Bounds::compare(Bounds::Variable(v), Bounds::ComparisonOperator::GE, zero);
  };
  return nonNegative(offset) && nonNegative(size) &&
         Bounds::compare(last, Bounds::ComparisonOperator::LT, Bounds::Variable(tensor, d));
}

/// Dimension `d` of `tensor` for value bounds, which do not see through
/// reshapes: an expand_shape's stated size (ONNX Unsqueeze of a state).
ValueBoundsConstraintSet::Variable dimVariable(Value tensor, int64_t d) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto expand = tensor.getDefiningOp<tensor::ExpandShapeOp>();
  if (expand && type.isDynamicDim(d))
    return ValueBoundsConstraintSet::Variable(
        OpFoldResult(expand.getOutputShape()[type.getDynamicDimIndex(d)]));
  return ValueBoundsConstraintSet::Variable(tensor, d);
}

/// "input 'x'" for a model input named by `rnn.name`, else "its tensor".
std::string describeTensor(Value tensor) {
  auto argument = dyn_cast<BlockArgument>(tensor);
  auto func = argument ? dyn_cast<func::FuncOp>(argument.getOwner()->getParentOp()) : nullptr;
  if (func && argument.getOwner()->isEntryBlock())
    if (auto name = func.getArgAttrOfType<StringAttr>(argument.getArgNumber(), "rnn.name"))
      return "input '" + name.str() + "'";
  return "its tensor";
}

struct GuardTensorIndices : rnnc::impl::GuardTensorIndicesBase<GuardTensorIndices> {
  void runOnOperation() override {
    SmallVector<Operation *> accesses;
    getOperation()->walk([&](Operation *op) {
      if (isa<tensor::ExtractOp, tensor::InsertOp, tensor::ExtractSliceOp, tensor::InsertSliceOp>(
              op))
        accesses.push_back(op);
    });
    for (Operation *op : accesses) {
      if (auto slice = dyn_cast<OffsetSizeAndStrideOpInterface>(op))
        guardSlice(slice);
      else
        guard(op);
    }
  }

  /// Wraps `op` in an scf.if on its indices being in range, with a check
  /// that reports the call as failed where they are not. Out of range, an
  /// extract yields zero and an insert leaves the tensor as it was.
  void guard(Operation *op) {
    auto extract = dyn_cast<tensor::ExtractOp>(op);
    auto insert = dyn_cast<tensor::InsertOp>(op);
    Value tensor = extract ? extract.getTensor() : insert.getDest();
    ValueRange indices = extract ? extract.getIndices() : insert.getIndices();
    auto type = cast<RankedTensorType>(tensor.getType());
    Location loc = op->getLoc();
    OpBuilder b(op);
    Value inRange;
    Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
    for (auto [d, index] : llvm::enumerate(indices)) {
      if (provablyInBounds(index, type, d))
        continue;
      Value size = b.createOrFold<tensor::DimOp>(loc, tensor, d);
      Value notNegative = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, index, zero);
      Value belowSize = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, index, size);
      Value both = b.create<arith::AndIOp>(loc, notNegative, belowSize);
      inRange = inRange ? b.create<arith::AndIOp>(loc, inRange, both) : both;
    }
    if (!inRange)
      return;
    std::string message = rnnc::describeLocation(loc) + ": " + op->getName().getStringRef().str() +
                          " index out of range of " + describeTensor(tensor) +
                          " (a value the model computes)";
    b.create<cf::AssertOp>(loc, inRange, message);
    auto ifOp = b.create<scf::IfOp>(loc, op->getResultTypes(), inRange, /*withElseRegion=*/true);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Operation *access = b.clone(*op);
    b.create<scf::YieldOp>(loc, access->getResults());
    b.setInsertionPointToStart(ifOp.elseBlock());
    Value fallback =
        extract ? b.create<arith::ConstantOp>(loc, b.getZeroAttr(type.getElementType())).getResult()
                : insert.getDest();
    b.create<scf::YieldOp>(loc, fallback);
    op->replaceAllUsesWith(ifOp.getResults());
    op->erase();
  }
  /// The run-time form of sliceProvablyInBounds: size >= 0, and an empty
  /// slice or one whose first and last elements lie in [0, extent).
  Value sliceInBounds(OpBuilder &b, Location loc, Value extent, OpFoldResult offset,
                      OpFoldResult size, OpFoldResult stride) {
    auto value = [&](OpFoldResult v) { return getValueOrCreateConstantIndexOp(b, loc, v); };
    auto constant = [&](int64_t v) { return b.createOrFold<arith::ConstantIndexOp>(loc, v); };
    auto compare = [&](arith::CmpIPredicate predicate, Value x, Value y) {
      return b.createOrFold<arith::CmpIOp>(loc, predicate, x, y);
    };
    auto both = [&](Value x, Value y) { return b.createOrFold<arith::AndIOp>(loc, x, y); };
    auto either = [&](Value x, Value y) { return b.createOrFold<arith::OrIOp>(loc, x, y); };
    using P = arith::CmpIPredicate;
    Value o = value(offset), s = value(size), st = value(stride);
    Value zero = constant(0), one = constant(1);
    Value firstInside = both(compare(P::sge, o, zero), compare(P::slt, o, extent));
    // (extent - 1 - o) / stride steps fit after the first element; stride 0
    // repeats it; a negative stride is taken only for a single element.
    Value room = b.createOrFold<arith::DivSIOp>(
        loc,
        b.createOrFold<arith::SubIOp>(loc, b.createOrFold<arith::SubIOp>(loc, extent, one), o),
        b.createOrFold<arith::MaxSIOp>(loc, st, one));
    Value lastInside = either(compare(P::eq, st, zero),
                              compare(P::sle, b.createOrFold<arith::SubIOp>(loc, s, one), room));
    Value forward = either(compare(P::sge, st, zero), compare(P::eq, s, one));
    Value nonEmptyInside = both(firstInside, both(lastInside, forward));
    return both(compare(P::sge, s, zero), either(compare(P::eq, s, zero), nonEmptyInside));
  }

  /// Checks a tensor.extract_slice or insert_slice whose offsets, sizes or
  /// strides the model computes: the slice must lie inside the tensor it
  /// addresses, and an insert's source must have the sizes it is inserted
  /// with. Out of range, a check reports the call as failed and the slice
  /// becomes empty (computed offsets 0, sizes 0, strides 1), so nothing
  /// outside is touched: an extract yields zeros, an insert leaves the
  /// tensor as it was. Slices of static sizes are first made run-time
  /// sized, so that their size can become 0.
  void guardSlice(OffsetSizeAndStrideOpInterface slice) {
    Operation *op = slice;
    auto extract = dyn_cast<tensor::ExtractSliceOp>(op);
    auto insert = dyn_cast<tensor::InsertSliceOp>(op);
    Value tensor = extract ? extract.getSource() : insert.getDest();
    SmallVector<OpFoldResult> offsets = slice.getMixedOffsets(), sizes = slice.getMixedSizes(),
                              strides = slice.getMixedStrides();
    Location loc = op->getLoc();
    OpBuilder b(op);
    Value inRange;
    auto require = [&](Value condition) {
      inRange = inRange ? b.createOrFold<arith::AndIOp>(loc, inRange, condition) : condition;
    };
    for (int64_t d = 0, e = sizes.size(); d < e; ++d)
      if (!sliceProvablyInBounds(tensor, d, offsets[d], sizes[d], strides[d]))
        require(sliceInBounds(b, loc, b.createOrFold<tensor::DimOp>(loc, tensor, d), offsets[d],
                              sizes[d], strides[d]));
    if (insert) {
      llvm::SmallBitVector dropped = insert.getDroppedDims();
      for (int64_t d = 0, k = 0, e = sizes.size(); d < e; ++d) {
        if (dropped.test(d))
          continue;
        int64_t sourceDim = k++;
        if (!insert.getSourceType().isDynamicDim(sourceDim) ||
            isDimOf(sizes[d], insert.getSource(), sourceDim))
          continue;
        FailureOr<bool> same =
            ValueBoundsConstraintSet::areEqual(dimVariable(insert.getSource(), sourceDim),
                                               ValueBoundsConstraintSet::Variable(sizes[d]));
        if (succeeded(same) && *same)
          continue;
        require(b.createOrFold<arith::CmpIOp>(
            loc, arith::CmpIPredicate::eq,
            b.createOrFold<tensor::DimOp>(loc, insert.getSource(), sourceDim),
            getValueOrCreateConstantIndexOp(b, loc, sizes[d])));
      }
    }
    if (!inRange || isConstantIntValue(inRange, 1))
      return;
    std::string message = rnnc::describeLocation(loc) + ": " + op->getName().getStringRef().str() +
                          " reaches outside " + describeTensor(tensor) +
                          " (offsets, sizes or strides the model computes)";
    b.create<cf::AssertOp>(loc, inRange, message);

    auto orElse = [&](OpFoldResult v, int64_t safe) -> OpFoldResult {
      if (auto value = dyn_cast<Value>(v))
        return b.createOrFold<arith::SelectOp>(
                    loc, inRange, value, b.createOrFold<arith::ConstantIndexOp>(loc, safe));
      return v;
    };
    auto orElseAll = [&](ArrayRef<OpFoldResult> values, int64_t safe) {
      return llvm::map_to_vector(values, [&](OpFoldResult v) { return orElse(v, safe); });
    };
    SmallVector<OpFoldResult> safeOffsets = orElseAll(offsets, 0), safeStrides = orElseAll(strides, 1);
    Value replacement;
    if (llvm::any_of(sizes, [](OpFoldResult s) { return isa<Value>(s); })) {
      // A run-time size of 0 empties the slice.
      SmallVector<OpFoldResult> safeSizes = orElseAll(sizes, 0);
      if (extract) {
        replacement = b.create<tensor::ExtractSliceOp>(loc, extract.getType(), tensor, safeOffsets,
                                                       safeSizes, safeStrides);
      } else {
        // The source, cut to the sizes it is inserted with: whole, or empty.
        Value source = insert.getSource();
        llvm::SmallBitVector dropped = insert.getDroppedDims();
        SmallVector<OpFoldResult> sourceSizes;
        for (int64_t d = 0, e = sizes.size(); d < e; ++d)
          if (!dropped.test(d))
            sourceSizes.push_back(safeSizes[d]);
        int64_t rank = insert.getSourceType().getRank();
        source = b.create<tensor::ExtractSliceOp>(
            loc, insert.getSourceType(), source, SmallVector<OpFoldResult>(rank, b.getIndexAttr(0)),
            sourceSizes, SmallVector<OpFoldResult>(rank, b.getIndexAttr(1)));
        replacement = b.create<tensor::InsertSliceOp>(loc, source, tensor, safeOffsets, safeSizes,
                                                      safeStrides);
      }
    } else {
      replacement = extract ? guardStaticExtract(b, extract, safeOffsets, safeStrides, inRange)
                            : guardStaticInsert(b, insert, safeOffsets, safeStrides, inRange);
    }
    op->getResult(0).replaceAllUsesWith(replacement);
    op->erase();
  }

  /// The sizes `select(inRange, size, 0)` of static `sizes`, and the shape
  /// of a tensor of those sizes.
  static SmallVector<OpFoldResult> runTimeSizes(OpBuilder &b, Location loc,
                                                ArrayRef<int64_t> sizes, Value inRange) {
    Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
    return llvm::map_to_vector(sizes, [&](int64_t size) -> OpFoldResult {
      return b.create<arith::SelectOp>(loc, inRange, b.create<arith::ConstantIndexOp>(loc, size),
                                       zero)
          .getResult();
    });
  }

  /// An extract_slice of static sizes S: the slice read with run-time sizes
  /// (S, or 0 out of range) into zeros of shape S, rank-reduced as before.
  Value guardStaticExtract(OpBuilder &b, tensor::ExtractSliceOp extract,
                           ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> strides,
                           Value inRange) {
    Location loc = extract.getLoc();
    ArrayRef<int64_t> shape = extract.getStaticSizes();
    int64_t rank = shape.size();
    Type element = extract.getType().getElementType();
    SmallVector<OpFoldResult> sizes = runTimeSizes(b, loc, shape, inRange);
    SmallVector<int64_t> dynamic(rank, ShapedType::kDynamic);
    Value part = b.create<tensor::ExtractSliceOp>(loc, RankedTensorType::get(dynamic, element),
                                                  extract.getSource(), offsets, sizes, strides);
    Value zeros = b.create<tensor::EmptyOp>(loc, shape, element);
    zeros = b.create<linalg::FillOp>(loc, ValueRange{b.create<arith::ConstantOp>(
                                              loc, b.getZeroAttr(element))},
                                     zeros)
                .getResult(0);
    SmallVector<OpFoldResult> origin(rank, b.getIndexAttr(0)), ones(rank, b.getIndexAttr(1));
    Value whole = b.create<tensor::InsertSliceOp>(loc, part, zeros, origin, sizes, ones);
    if (cast<RankedTensorType>(whole.getType()) == extract.getType())
      return whole;
    return tensor::createCanonicalRankReducingExtractSliceOp(b, loc, whole, extract.getType());
  }

  /// An insert_slice of static sizes S: the source at full rank, cut to
  /// run-time sizes (S, or 0 out of range), inserted with those sizes.
  Value guardStaticInsert(OpBuilder &b, tensor::InsertSliceOp insert,
                          ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> strides,
                          Value inRange) {
    Location loc = insert.getLoc();
    ArrayRef<int64_t> shape = insert.getStaticSizes();
    int64_t rank = shape.size();
    Type element = insert.getSourceType().getElementType();
    Value source = insert.getSource();
    if (insert.getSourceType().getRank() != rank)
      source = tensor::createCanonicalRankReducingInsertSliceOp(
          b, loc, source, b.create<tensor::EmptyOp>(loc, shape, element));
    SmallVector<int64_t> dynamic(rank, ShapedType::kDynamic);
    auto dynamicType = RankedTensorType::get(dynamic, element);
    source = b.create<tensor::CastOp>(loc, dynamicType, source);
    SmallVector<OpFoldResult> sizes = runTimeSizes(b, loc, shape, inRange);
    SmallVector<OpFoldResult> origin(rank, b.getIndexAttr(0)), ones(rank, b.getIndexAttr(1));
    source = b.create<tensor::ExtractSliceOp>(loc, dynamicType, source, origin, sizes, ones);
    return b.create<tensor::InsertSliceOp>(loc, source, insert.getDest(), offsets, sizes, strides);
  }
};
} // namespace
