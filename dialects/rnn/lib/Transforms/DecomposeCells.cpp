#include "rnnc/Dialect/Rnn/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "rnnc/Dialect/Rnn/IR/CellMath.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"
#include "rnnc/Dialect/Rnn/Utils/TensorMath.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::rnn {
#define GEN_PASS_DEF_RNNDECOMPOSECELLS
#include "rnnc/Dialect/Rnn/Transforms/Passes.h.inc"
} // namespace mlir::rnn

using namespace mlir;
using namespace mlir::rnn;

namespace {
/// Rows [begin, begin + count) of a static 2-D weight.
Value rowsOf(OpBuilder &b, Location loc, Value weight, int64_t begin, int64_t count) {
  auto type = cast<RankedTensorType>(weight.getType());
  int64_t columns = type.getDimSize(1);
  return b.create<tensor::ExtractSliceOp>(
      loc, RankedTensorType::get({count, columns}, type.getElementType()), weight,
      ArrayRef<OpFoldResult>{b.getIndexAttr(begin), b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(count), b.getIndexAttr(columns)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
}

std::optional<float> asFloat(std::optional<APFloat> value) {
  if (!value)
    return std::nullopt;
  return value->convertToFloat();
}

/// Builds a custom cell with `weights` whose step `body` computes the output
/// and new states from (x, states, weights) block arguments.
using StepFn =
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange, ValueRange)>;
CustomCellOp buildCustomCell(OpBuilder &b, Location loc, CellOpInterface cell,
                             ArrayRef<Value> weights, StepFn body) {
  Type f32 = b.getF32Type();
  auto rows = [&](int64_t n) { return RankedTensorType::get({ShapedType::kDynamic, n}, f32); };
  SmallVector<int64_t> states = cell.getStateSizes();
  auto op = b.create<CustomCellOp>(
      loc, CellType::get(b.getContext()), weights, b.getI64IntegerAttr(cell.getInputDepth()),
      b.getDenseI64ArrayAttr(states), b.getI64IntegerAttr(cell.getOutputSize()));
  if (Attribute precision = cell->getAttr(kWeightPrecisionAttrName))
    op->setAttr(kWeightPrecisionAttrName, precision);
  Block *block = new Block();
  op.getBody().push_back(block);
  Value x = block->addArgument(rows(cell.getInputDepth()), loc);
  SmallVector<Value> stateArgs, weightArgs;
  for (int64_t size : states)
    stateArgs.push_back(block->addArgument(rows(size), loc));
  for (Value w : weights)
    weightArgs.push_back(block->addArgument(w.getType(), loc));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(block);
  SmallVector<Value> yielded = body(b, loc, x, stateArgs, weightArgs);
  b.create<YieldOp>(loc, yielded);
  return op;
}

/// x Kx + h Kh + bias, [?, N].
Value affine(TensorMath &t, Value x, Value kx, Value h, Value kh, Value bias) {
  Value sum = t.map({t.matmul(x, kx), t.matmul(h, kh)}, [](OpBuilder &b, Location l, ValueRange a) {
    return CellMath(b, l, b.getF32Type()).add(a[0], a[1]);
  });
  if (!bias)
    return sum;
  return t.map({sum, bias}, [](OpBuilder &b, Location l, ValueRange a) {
    return CellMath(b, l, b.getF32Type()).add(a[0], a[1]);
  });
}

CustomCellOp decompose(OpBuilder &b, BasicRNNCellOp cell) {
  Location loc = cell.getLoc();
  int64_t depth = cell.getInputDepth(), units = cell.getNumUnits();
  SmallVector<Value> weights = {rowsOf(b, loc, cell.getKernel(), 0, depth),
                                rowsOf(b, loc, cell.getKernel(), depth, units), cell.getBias()};
  ActivationAttr act = cell.getCellActivation();
  std::optional<float> gateClip = asFloat(cell.getGateClip());
  return buildCustomCell(b, loc, cell, weights,
                         [&](OpBuilder &ob, Location l, Value x, ValueRange s, ValueRange w) {
                           TensorMath t(ob, l);
                           Value pre = affine(t, x, w[0], s[0], w[1], w[2]);
                           Value h = t.map({pre}, [&](OpBuilder &nb, Location nl, ValueRange a) {
                             CellMath m(nb, nl, nb.getF32Type());
                             return m.activate(act, gateClip ? m.clip(a[0], *gateClip) : a[0]);
                           });
                           return SmallVector<Value>{h, h};
                         });
}

CustomCellOp decompose(OpBuilder &b, LSTMCellOp cell) {
  Location loc = cell.getLoc();
  int64_t depth = cell.getInputDepth(), units = cell.getNumUnits(), out = cell.getOutputSize();
  SmallVector<Value> weights = {rowsOf(b, loc, cell.getKernel(), 0, depth),
                                rowsOf(b, loc, cell.getKernel(), depth, out), cell.getBias()};
  bool peep = cell.hasPeepholes(), proj = cell.hasProjection();
  if (peep)
    weights.append({cell.getWIDiag(), cell.getWFDiag(), cell.getWODiag()});
  if (proj)
    weights.push_back(cell.getProjKernel());
  float forgetBias = cell.getForgetBias().convertToFloat();
  std::optional<float> cellClip = asFloat(cell.getCellClip()),
                       projClip = asFloat(cell.getProjClip()),
                       gateClip = asFloat(cell.getGateClip());
  ActivationAttr act = cell.getCellActivation(), gateAct = cell.getGateActivationOrDefault(),
                 outAct = cell.getOutputActivationOrDefault();
  bool inputForget = cell.getInputForget();
  return buildCustomCell(
      b, loc, cell, weights, [&](OpBuilder &ob, Location l, Value x, ValueRange s, ValueRange w) {
        TensorMath t(ob, l);
        Value gates = affine(t, x, w[0], s[1], w[1], w[2]);
        Value i = t.sliceColumns(gates, 0, units), j = t.sliceColumns(gates, units, units),
              f = t.sliceColumns(gates, 2 * units, units),
              o = t.sliceColumns(gates, 3 * units, units);
        Value c = s[0];
        // TensorFlow's LSTMCell (docs/dialect.md), as the specialized lowering computes it.
        SmallVector<Value> cellOperands = {i, j, f, c};
        if (peep)
          cellOperands.append({w[3], w[4]});
        Value cNew = t.map(cellOperands, [&](OpBuilder &nb, Location nl, ValueRange a) {
          CellMath m(nb, nl, nb.getF32Type());
          auto clipGate = [&](Value v) { return gateClip ? m.clip(v, *gateClip) : v; };
          Value ii = a[0], ff = a[2], cPrev = a[3];
          if (peep) {
            ii = m.fma(a[4], cPrev, ii);
            ff = m.fma(a[5], cPrev, ff);
          }
          Value iGate = m.activate(gateAct, clipGate(ii));
          Value fGate = inputForget
                            ? m.sub(m.constant(1.0f), iGate)
                            : m.activate(gateAct, clipGate(m.add(ff, m.constant(forgetBias))));
          Value next = m.add(m.mul(fGate, cPrev), m.mul(iGate, m.activate(act, clipGate(a[1]))));
          return cellClip ? m.clip(next, *cellClip) : next;
        });
        SmallVector<Value> outOperands = {o, cNew};
        if (peep)
          outOperands.push_back(w[5]);
        Value mNew = t.map(outOperands, [&](OpBuilder &nb, Location nl, ValueRange a) {
          CellMath m(nb, nl, nb.getF32Type());
          Value oo = peep ? m.fma(a[2], a[1], a[0]) : a[0];
          if (gateClip)
            oo = m.clip(oo, *gateClip);
          return m.mul(m.activate(gateAct, oo), m.activate(outAct, a[1]));
        });
        if (proj) {
          mNew = t.matmul(mNew, w[peep ? 6 : 3]);
          if (projClip)
            mNew = t.map({mNew}, [&](OpBuilder &nb, Location nl, ValueRange a) {
              return CellMath(nb, nl, nb.getF32Type()).clip(a[0], *projClip);
            });
        }
        return SmallVector<Value>{mNew, cNew, mNew};
      });
}

CustomCellOp decompose(OpBuilder &b, GRUCellOp cell) {
  Location loc = cell.getLoc();
  int64_t depth = cell.getInputDepth(), units = cell.getNumUnits();
  SmallVector<Value> weights = {rowsOf(b, loc, cell.getGatesKernel(), 0, depth),
                                rowsOf(b, loc, cell.getGatesKernel(), depth, units),
                                cell.getGatesBias(),
                                rowsOf(b, loc, cell.getCandidateKernel(), 0, depth),
                                rowsOf(b, loc, cell.getCandidateKernel(), depth, units),
                                cell.getCandidateBias()};
  bool lbr = cell.getLinearBeforeReset();
  if (lbr)
    weights.push_back(cell.getHiddenBias());
  std::optional<float> gateClip = asFloat(cell.getGateClip());
  ActivationAttr act = cell.getCellActivation(), gateAct = cell.getGateActivationOrDefault();
  return buildCustomCell(
      b, loc, cell, weights, [&](OpBuilder &ob, Location l, Value x, ValueRange s, ValueRange w) {
        TensorMath t(ob, l);
        Value h = s[0];
        Value gates = t.map({affine(t, x, w[0], h, w[1], w[2])},
                            [&](OpBuilder &nb, Location nl, ValueRange a) {
                              CellMath m(nb, nl, nb.getF32Type());
                              return m.activate(gateAct, gateClip ? m.clip(a[0], *gateClip) : a[0]);
                            });
        Value r = t.sliceColumns(gates, 0, units), u = t.sliceColumns(gates, units, units);
        auto addBias = [](OpBuilder &nb, Location nl, ValueRange a) {
          return CellMath(nb, nl, nb.getF32Type()).add(a[0], a[1]);
        };
        Value pre;
        if (lbr) {
          // act(x Cx + b_c + r * (h Ch + b_h))
          Value inputPart = t.map({t.matmul(x, w[3]), w[5]}, addBias);
          Value hiddenPart = t.map({t.matmul(h, w[4]), w[6]}, addBias);
          pre = t.map({r, hiddenPart, inputPart}, [](OpBuilder &nb, Location nl, ValueRange a) {
            return CellMath(nb, nl, nb.getF32Type()).fma(a[0], a[1], a[2]);
          });
        } else {
          Value gated = t.map({r, h}, [](OpBuilder &nb, Location nl, ValueRange a) {
            return CellMath(nb, nl, nb.getF32Type()).mul(a[0], a[1]);
          });
          pre = affine(t, x, w[3], gated, w[4], w[5]);
        }
        Value next = t.map({pre, u, h}, [&](OpBuilder &nb, Location nl, ValueRange a) {
          CellMath m(nb, nl, nb.getF32Type());
          Value c = m.activate(act, gateClip ? m.clip(a[0], *gateClip) : a[0]);
          return m.add(m.mul(a[1], a[2]), m.mul(m.sub(m.constant(1.0f), a[1]), c));
        });
        return SmallVector<Value>{next, next};
      });
}

struct DecomposeCells : public rnn::impl::RnnDecomposeCellsBase<DecomposeCells> {
  void runOnOperation() override {
    SmallVector<Operation *> cells;
    getOperation()->walk([&](Operation *op) {
      if (isa<BasicRNNCellOp, LSTMCellOp, GRUCellOp>(op))
        cells.push_back(op);
    });
    for (Operation *op : cells) {
      OpBuilder b(op);
      CustomCellOp custom = TypeSwitch<Operation *, CustomCellOp>(op)
                                .Case([&](BasicRNNCellOp c) { return decompose(b, c); })
                                .Case([&](LSTMCellOp c) { return decompose(b, c); })
                                .Case([&](GRUCellOp c) { return decompose(b, c); });
      op->replaceAllUsesWith(custom);
      op->erase();
    }
  }
};
} // namespace
