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

void hoist(DynamicRNNOp op, CustomCellOp cell, const Projection &projection) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type f32 = b.getF32Type();
  int64_t depth = cell.getInputDepth();

  // The weights side by side: [D, sum N].
  SmallVector<int64_t> columns;
  int64_t total = 0;
  for (unsigned w : projection.weights) {
    columns.push_back(total);
    total += cast<RankedTensorType>(cell.getWeights()[w].getType()).getDimSize(1);
  }
  Value weights;
  // Each part's values where it is a constant or a block of one (the rows
  // rnn-decompose-cells splits off a built-in cell's kernel), with the
  // block's first row and column.
  struct ConstantPart {
    DenseElementsAttr values;
    int64_t row, column;
  };
  SmallVector<ConstantPart> constants;
  for (unsigned w : projection.weights) {
    Value part = cell.getWeights()[w];
    ConstantPart constant{{}, 0, 0};
    if (auto slice = part.getDefiningOp<tensor::ExtractSliceOp>();
        slice && slice.hasUnitStride() && slice.getSourceType().getRank() == 2 &&
        !ShapedType::isDynamicShape(slice.getStaticOffsets()) &&
        !ShapedType::isDynamicShape(slice.getStaticSizes())) {
      constant.row = slice.getStaticOffsets()[0];
      constant.column = slice.getStaticOffsets()[1];
      part = slice.getSource();
    }
    if (matchPattern(part, m_Constant(&constant.values)) &&
        constant.values.getElementType().isF32())
      constants.push_back(constant);
  }
  if (projection.weights.size() == 1) {
    weights = cell.getWeights()[projection.weights.front()];
  } else if (constants.size() == projection.weights.size()) {
    // Constants stay one constant, which the lowering packs at compile time.
    std::vector<float> joined(depth * total);
    for (auto [constant, column, w] : llvm::zip(constants, columns, projection.weights)) {
      int64_t n = cast<RankedTensorType>(cell.getWeights()[w].getType()).getDimSize(1);
      int64_t sourceColumns = cast<RankedTensorType>(constant.values.getType()).getDimSize(1);
      auto values = constant.values.getValues<float>();
      for (int64_t k = 0; k < depth; ++k)
        for (int64_t j = 0; j < n; ++j)
          joined[k * total + column + j] =
              values[(constant.row + k) * sourceColumns + constant.column + j];
    }
    auto type = RankedTensorType::get({depth, total}, f32);
    weights = b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(type, ArrayRef<float>(joined)));
  } else {
    weights = b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{depth, total}, f32);
    for (auto [w, column] : llvm::zip(projection.weights, columns)) {
      Value part = cell.getWeights()[w];
      int64_t n = cast<RankedTensorType>(part.getType()).getDimSize(1);
      weights = b.create<tensor::InsertSliceOp>(
          loc, part, weights, ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(column)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(depth), b.getIndexAttr(n)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    }
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
  Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0.0f));
  Value init = b.create<tensor::EmptyOp>(loc, sequenceType.getShape(), f32, dynamicSizes);
  init = b.create<linalg::FillOp>(loc, zero, init).getResult(0);
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

  // The step now receives its row of projections and slices each matmul's columns.
  // Before the sequence, after the weights (the clone's operands).
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
  }

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
