#include "rnnc/Dialect/Rnn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"
#include "rnnc/Dialect/Rnn/Utils/TensorMath.h"

namespace mlir::rnn {
#define GEN_PASS_DEF_RNNHOISTINPUTPROJECTION
#include "rnnc/Dialect/Rnn/Transforms/Passes.h.inc"
} // namespace mlir::rnn

using namespace mlir;
using namespace mlir::rnn;

namespace {
/// The input projections of one sequence: matmul ops in the cell's step and
/// the weight (operand index of the cell) each one multiplies by.
struct Projection {
  SmallVector<linalg::MatmulOp> matmuls;
  SmallVector<unsigned> weights;
};

std::optional<Projection> findProjection(CustomCellOp cell) {
  Block &step = cell.getBody().front();
  BlockArgument x = step.getArgument(0);
  unsigned firstWeight = 1 + cell.getStateFeatures().size();
  // In block order, so that a clone of the step lists its matmuls the same way.
  Projection projection;
  for (Operation &inner : step) {
    if (!llvm::is_contained(inner.getOperands(), x))
      continue;
    // The row count stays the same when the input becomes the projection.
    if (auto dim = dyn_cast<tensor::DimOp>(inner); dim && dim.getConstantIndex() == 0)
      continue;
    auto matmul = dyn_cast<linalg::MatmulOp>(inner);
    if (!matmul || matmul.getInputs()[0] != x || matmul.getInputs()[1] == x ||
        !matmul.hasPureTensorSemantics() || !isZeroFill(matmul.getOutputs()[0]))
      return std::nullopt;
    auto weight = dyn_cast<BlockArgument>(matmul.getInputs()[1]);
    if (!weight || weight.getOwner() != &step || weight.getArgNumber() < firstWeight)
      return std::nullopt;
    auto type = cast<RankedTensorType>(weight.getType());
    if (!type.hasStaticShape())
      return std::nullopt;
    projection.matmuls.push_back(matmul);
    projection.weights.push_back(weight.getArgNumber() - firstWeight);
  }
  // Uses nested in regions (e.g. a linalg.generic body) are not projections.
  if (llvm::any_of(x.getUsers(), [&](Operation *user) { return user->getBlock() != &step; }))
    return std::nullopt;
  if (projection.matmuls.empty())
    return std::nullopt;
  return projection;
}

/// `parts` side by side along their last dimension (each `widths[i]` columns;
/// a null part is zeros), `rows` rows for matrices (0: vectors). Constants
/// and unit-stride blocks of constants (the rows rnn-decompose-cells splits
/// off a built-in cell's kernel) are joined into one constant, which the
/// lowering packs at compile time.
Value joinColumns(OpBuilder &b, Location loc, ArrayRef<Value> parts, ArrayRef<int64_t> widths,
                  int64_t rows) {
  if (parts.size() == 1 && parts.front())
    return parts.front();
  int64_t total = 0;
  for (int64_t width : widths)
    total += width;
  Type f32 = b.getF32Type();
  SmallVector<int64_t> shape = rows ? SmallVector<int64_t>{rows, total} : SmallVector<int64_t>{total};
  auto type = RankedTensorType::get(shape, f32);
  std::vector<float> joined(std::max<int64_t>(rows, 1) * total, 0.0f);
  bool constant = true;
  int64_t column = 0;
  for (auto [part, width] : llvm::zip(parts, widths)) {
    int64_t firstColumn = column;
    column += width;
    if (!part)
      continue;
    // The part's first row and column in the constant it is a block of.
    int64_t row = 0, offset = 0;
    Value source = part;
    if (auto slice = part.getDefiningOp<tensor::ExtractSliceOp>();
        slice && slice.hasUnitStride() && slice.getSourceType().getRank() == type.getRank() &&
        !ShapedType::isDynamicShape(slice.getStaticOffsets())) {
      row = rows ? slice.getStaticOffsets()[0] : 0;
      offset = slice.getStaticOffsets().back();
      source = slice.getSource();
    }
    DenseElementsAttr values;
    if (!matchPattern(source, m_Constant(&values)) || !values.getElementType().isF32()) {
      constant = false;
      break;
    }
    int64_t sourceColumns = cast<RankedTensorType>(values.getType()).getShape().back();
    auto elements = values.getValues<float>();
    for (int64_t k = 0; k < std::max<int64_t>(rows, 1); ++k)
      for (int64_t j = 0; j < width; ++j)
        joined[k * total + firstColumn + j] = elements[(row + k) * sourceColumns + offset + j];
  }
  if (constant)
    return b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(type, ArrayRef<float>(joined)));
  Value result = b.create<tensor::EmptyOp>(loc, shape, f32);
  if (llvm::is_contained(parts, Value()))
    result = b.create<linalg::FillOp>(loc, ValueRange{b.create<arith::ConstantOp>(
                                               loc, b.getF32FloatAttr(0.0f))},
                                      ValueRange{result})
                 .getResult(0);
  column = 0;
  for (auto [part, width] : llvm::zip(parts, widths)) {
    SmallVector<OpFoldResult> offsets, sizes, strides;
    if (rows) {
      offsets.push_back(b.getIndexAttr(0));
      sizes.push_back(b.getIndexAttr(rows));
      strides.push_back(b.getIndexAttr(1));
    }
    offsets.push_back(b.getIndexAttr(column));
    sizes.push_back(b.getIndexAttr(width));
    strides.push_back(b.getIndexAttr(1));
    column += width;
    if (part)
      result = b.create<tensor::InsertSliceOp>(loc, part, result, offsets, sizes, strides);
  }
  return result;
}

/// Whether `operand` of an elementwiseSumOperands op is read whole (identity map).
bool isWhole(linalg::GenericOp op, OpOperand *operand) {
  return op.getMatchingIndexingMap(operand).isIdentity();
}

/// Whether `operand` of an elementwiseSumOperands op is a [n] row added to every row.
bool isRowBroadcast(linalg::GenericOp op, OpOperand *operand) {
  AffineMap map = op.getMatchingIndexingMap(operand);
  return map == AffineMap::get(2, 0, {getAffineDimExpr(1, op.getContext())}, op.getContext());
}

/// Takes the bias out of the step when `projected` (a hoisted matmul's slice
/// of the projected row) is only summed with values and then a bias row —
/// `(xW + m) + b` or `xW + b`, the form of every gate the builders and
/// rnn-decompose-cells make: the sum then reads `xW + m`, and the returned
/// bias (a value outside the cell, created before `outside`'s insertion point
/// when it is a constant of the step) belongs in the projection's
/// initial value, as the built-in lowering and cuDNN/oneDNN add it. Null when
/// there is no such bias. Floating-point addition is reassociated.
Value takeBias(Value projected, CustomCellOp cell, unsigned firstWeight, OpBuilder &outside) {
  Operation *user = onlyValueUser(projected);
  auto first = elementwiseSumOperands(user);
  if (!first)
    return Value();
  auto firstOp = cast<linalg::GenericOp>(user);
  OpOperand *other = first->first->get() == projected ? first->second : first->first;
  if (!isWhole(firstOp, other == first->first ? first->second : first->first))
    return Value();
  // The sum whose bias operand goes, and the value that replaces it.
  linalg::GenericOp biased = firstOp;
  OpOperand *bias = other;
  Value replacement = projected;
  if (!isRowBroadcast(firstOp, other)) {
    Operation *next = onlyValueUser(firstOp.getResult(0));
    auto second = elementwiseSumOperands(next);
    if (!isWhole(firstOp, other) || !second)
      return Value();
    biased = cast<linalg::GenericOp>(next);
    bias = second->first->get() == firstOp.getResult(0) ? second->second : second->first;
    if (!isRowBroadcast(biased, bias))
      return Value();
    replacement = firstOp.getResult(0);
  }
  auto biasType = dyn_cast<RankedTensorType>(bias->get().getType());
  auto resultType = cast<RankedTensorType>(biased.getResult(0).getType());
  if (!biasType || !biasType.hasStaticShape() || !biasType.getElementType().isF32() ||
      replacement.getType() != resultType)
    return Value();
  Value outsideBias;
  Block &step = cell.getBody().front();
  if (auto argument = dyn_cast<BlockArgument>(bias->get());
      argument && argument.getOwner() == &step && argument.getArgNumber() >= firstWeight)
    outsideBias = cell.getWeights()[argument.getArgNumber() - firstWeight];
  else if (auto constant = bias->get().getDefiningOp<arith::ConstantOp>())
    outsideBias = outside.clone(*constant)->getResult(0);
  if (!outsideBias)
    return Value();
  biased.getResult(0).replaceAllUsesWith(replacement);
  biased.erase();
  return outsideBias;
}

void hoist(DynamicRNNOp op, CustomCellOp cell, const Projection &projection) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type f32 = b.getF32Type();
  int64_t depth = cell.getInputDepth();
  unsigned firstWeight = 1 + cell.getStateFeatures().size();

  // The weights side by side: [D, sum N].
  SmallVector<int64_t> columns, widths;
  SmallVector<Value> parts;
  int64_t total = 0;
  for (unsigned w : projection.weights) {
    columns.push_back(total);
    parts.push_back(cell.getWeights()[w]);
    widths.push_back(cast<RankedTensorType>(parts.back().getType()).getDimSize(1));
    total += widths.back();
  }
  Value weights = joinColumns(b, loc, parts, widths, depth);

  // The step now receives its row of projections and slices each matmul's
  // columns; biases added to a slice first move into the projection.
  auto newCell = cast<CustomCellOp>(b.clone(*cell));
  newCell.setInputFeatures(total);
  Block &step = newCell.getBody().front();
  BlockArgument x = step.getArgument(0);
  auto rowType = RankedTensorType::get({ShapedType::kDynamic, total}, f32);
  x.setType(rowType);
  SmallVector<linalg::MatmulOp> matmuls;
  for (Operation &inner : step)
    if (auto matmul = dyn_cast<linalg::MatmulOp>(inner); matmul && matmul.getInputs()[0] == x)
      matmuls.push_back(matmul);
  SmallVector<Value> biases;
  for (auto [matmul, column] : llvm::zip(matmuls, columns)) {
    OpBuilder inner(matmul);
    auto resultType = cast<RankedTensorType>(matmul.getResult(0).getType());
    Value rows = inner.create<tensor::DimOp>(loc, x, 0);
    Value slice = inner.create<tensor::ExtractSliceOp>(
        loc, resultType, x,
        ArrayRef<OpFoldResult>{inner.getIndexAttr(0), inner.getIndexAttr(column)},
        ArrayRef<OpFoldResult>{rows, inner.getIndexAttr(resultType.getDimSize(1))},
        ArrayRef<OpFoldResult>{inner.getIndexAttr(1), inner.getIndexAttr(1)});
    matmul.getResult(0).replaceAllUsesWith(slice);
    matmul.erase();
    biases.push_back(takeBias(slice, newCell, firstWeight, b));
  }

  // Every step's input at once: [T, B, D] x [D, N] -> [T, B, N], one
  // contraction (a reshape to [T*B, D] would not bufferize with dynamic T, B).
  Value inputs = op.getInputs();
  auto inputType = cast<RankedTensorType>(inputs.getType());
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < 2; ++d)
    if (inputType.isDynamicDim(d))
      dynamicSizes.push_back(b.create<tensor::DimOp>(loc, inputs, d));
  auto sequenceType =
      RankedTensorType::get({inputType.getDimSize(0), inputType.getDimSize(1), total}, f32);
  Value init = b.create<tensor::EmptyOp>(loc, sequenceType.getShape(), f32, dynamicSizes);
  if (llvm::any_of(biases, [](Value bias) { return bias; }))
    init = b.create<linalg::BroadcastOp>(loc, joinColumns(b, loc, biases, widths, 0), init,
                                         ArrayRef<int64_t>{0, 1})
               .getResult()[0];
  else
    init = b.create<linalg::FillOp>(loc, ValueRange{b.create<arith::ConstantOp>(
                                             loc, b.getF32FloatAttr(0.0f))},
                                    ValueRange{init})
               .getResult(0);
  MLIRContext *context = b.getContext();
  AffineExpr t, r, n, k;
  bindDims(context, t, r, n, k);
  SmallVector<AffineMap> maps = {AffineMap::get(4, 0, {t, r, k}, context),
                                 AffineMap::get(4, 0, {k, n}, context),
                                 AffineMap::get(4, 0, {t, r, n}, context)};
  using utils::IteratorType;
  Value sequence = b.create<linalg::GenericOp>(
                        loc, sequenceType, ValueRange{inputs, weights}, ValueRange{init}, maps,
                        ArrayRef<IteratorType>{IteratorType::parallel, IteratorType::parallel,
                                               IteratorType::parallel, IteratorType::reduction},
                        [](OpBuilder &nested, Location l, ValueRange args) {
                          Value product = nested.create<arith::MulFOp>(l, args[0], args[1]);
                          nested.create<linalg::YieldOp>(
                              l, ValueRange{nested.create<arith::AddFOp>(l, args[2], product)});
                        })
                       .getResult(0);

  // The projection first, as it runs.
  newCell->moveBefore(op);
  op.getInputsMutable().assign(sequence);
  // The new cell replaces the old one in this sequence only (in its stack, the
  // bottom layer: the only one that reads the sequence's inputs).
  auto stack = op.getCell().getDefiningOp<MultiRNNCellOp>();
  if (stack) {
    SmallVector<Value> layers(stack.getCells());
    layers.front() = newCell;
    OpBuilder sb(op);
    op.getCellMutable().assign(sb.create<MultiRNNCellOp>(stack.getLoc(), stack.getType(), layers));
    if (stack->use_empty())
      stack->erase();
  } else {
    op.getCellMutable().assign(newCell);
  }
  if (cell->use_empty())
    cell->erase();
}

struct HoistInputProjection : public rnn::impl::RnnHoistInputProjectionBase<HoistInputProjection> {
  void runOnOperation() override {
    SmallVector<DynamicRNNOp> sequences;
    getOperation()->walk([&](DynamicRNNOp op) { sequences.push_back(op); });
    for (DynamicRNNOp op : sequences)
      hoistInputProjection(op);
  }
};
} // namespace

bool mlir::rnn::hoistInputProjection(DynamicRNNOp op) {
  auto cell = op.getCell().getDefiningOp<CustomCellOp>();
  if (auto stack = op.getCell().getDefiningOp<MultiRNNCellOp>())
    cell = stack.getCells().front().getDefiningOp<CustomCellOp>();
  if (!cell)
    return false;
  std::optional<Projection> projection = findProjection(cell);
  if (!projection)
    return false;
  hoist(op, cell, *projection);
  return true;
}

int64_t mlir::rnn::inputProjectionBytes(CustomCellOp cell) {
  std::optional<Projection> projection = findProjection(cell);
  if (!projection)
    return 0;
  int64_t bytes = 0;
  for (unsigned w : projection->weights)
    bytes += 4 * cast<RankedTensorType>(cell.getWeights()[w].getType()).getNumElements();
  return bytes;
}
