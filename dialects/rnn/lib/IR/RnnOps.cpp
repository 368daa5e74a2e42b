#include "rnnc/Dialect/Rnn/IR/RnnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::rnn;

#include "rnnc/Dialect/Rnn/IR/RnnOpsInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "rnnc/Dialect/Rnn/IR/RnnOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shape checks shared by the verifiers
//===----------------------------------------------------------------------===//

std::string mlir::rnn::formatShape(ArrayRef<int64_t> shape) {
  std::string text = "[";
  llvm::raw_string_ostream os(text);
  llvm::interleaveComma(shape, os, [&](int64_t d) {
    if (ShapedType::isDynamic(d))
      os << "?";
    else
      os << d;
  });
  os << "]";
  return text;
}

namespace {

/// Weights must have exactly `expected`; they are compile-time facts.
LogicalResult checkWeightShape(Operation *op, Value weight, StringRef name,
                               ArrayRef<int64_t> expected) {
  auto type = cast<RankedTensorType>(weight.getType());
  if (!type.hasStaticShape())
    return op->emitOpError() << "'" << name << "' must have a static shape, got "
                             << formatShape(type.getShape());
  if (type.getShape() != expected)
    return op->emitOpError() << "'" << name << "' must have shape " << formatShape(expected)
                             << ", got " << formatShape(type.getShape());
  return success();
}

/// Kernels are `[input_depth + recurrent_rows, columns]`; checks the columns and
/// that at least one input row remains.
LogicalResult checkKernelShape(Operation *op, Value kernel, StringRef name, int64_t recurrentRows,
                               int64_t columns) {
  auto type = cast<RankedTensorType>(kernel.getType());
  if (!type.hasStaticShape())
    return op->emitOpError() << "'" << name << "' must have a static shape, got "
                             << formatShape(type.getShape());
  if (type.getDimSize(1) != columns)
    return op->emitOpError() << "'" << name << "' must have " << columns << " columns, got shape "
                             << formatShape(type.getShape());
  if (type.getDimSize(0) <= recurrentRows)
    return op->emitOpError() << "'" << name << "' must have input_depth + " << recurrentRows
                             << " rows with input_depth >= 1, got shape "
                             << formatShape(type.getShape());
  return success();
}

int64_t kernelRows(Value kernel) { return cast<RankedTensorType>(kernel.getType()).getDimSize(0); }

bool compatibleDim(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}
} // namespace

namespace {
ActivationAttr orDefault(ActivationAttr attr, MLIRContext *context, Activation kind) {
  return attr ? attr : ActivationAttr::get(context, kind);
}

LogicalResult checkGateClip(Operation *op, std::optional<APFloat> clip) {
  if (clip && !(clip->convertToFloat() > 0.0f))
    return op->emitOpError("'gate_clip' must be positive");
  return success();
}
} // namespace

ActivationAttr BasicRNNCellOp::getCellActivation() {
  return orDefault(getActivationAttr(), getContext(), Activation::tanh);
}
ActivationAttr LSTMCellOp::getCellActivation() {
  return orDefault(getActivationAttr(), getContext(), Activation::tanh);
}
ActivationAttr LSTMCellOp::getGateActivationOrDefault() {
  return orDefault(getGateActivationAttr(), getContext(), Activation::sigmoid);
}
ActivationAttr LSTMCellOp::getOutputActivationOrDefault() {
  return getOutputActivationAttr() ? getOutputActivationAttr() : getCellActivation();
}
ActivationAttr GRUCellOp::getCellActivation() {
  return orDefault(getActivationAttr(), getContext(), Activation::tanh);
}
ActivationAttr GRUCellOp::getGateActivationOrDefault() {
  return orDefault(getGateActivationAttr(), getContext(), Activation::sigmoid);
}

//===----------------------------------------------------------------------===//
// BasicRNNCellOp
//===----------------------------------------------------------------------===//

LogicalResult BasicRNNCellOp::verify() {
  int64_t units = getNumUnits();
  if (failed(checkGateClip(*this, getGateClip())))
    return failure();
  if (failed(checkKernelShape(*this, getKernel(), "kernel", units, units)))
    return failure();
  return checkWeightShape(*this, getBias(), "bias", {units});
}

int64_t BasicRNNCellOp::getInputDepth() { return kernelRows(getKernel()) - getNumUnits(); }
int64_t BasicRNNCellOp::getOutputSize() { return getNumUnits(); }
SmallVector<int64_t> BasicRNNCellOp::getStateSizes() { return {(int64_t)getNumUnits()}; }
SmallVector<StringRef> BasicRNNCellOp::getStateNames() { return {}; }

//===----------------------------------------------------------------------===//
// LSTMCellOp
//===----------------------------------------------------------------------===//

LogicalResult LSTMCellOp::verify() {
  int64_t units = getNumUnits();
  int64_t peepholeCount = (getWIDiag() ? 1 : 0) + (getWFDiag() ? 1 : 0) + (getWODiag() ? 1 : 0);
  if (peepholeCount != 0 && peepholeCount != 3)
    return emitOpError("peepholes need all three of w_i_diag, w_f_diag, w_o_diag");
  if (hasPeepholes()) {
    for (auto [value, name] : {std::pair<Value, StringRef>{getWIDiag(), "w_i_diag"},
                               {getWFDiag(), "w_f_diag"},
                               {getWODiag(), "w_o_diag"}})
      if (failed(checkWeightShape(*this, value, name, {units})))
        return failure();
  }
  if (hasProjection()) {
    auto projType = cast<RankedTensorType>(getProjKernel().getType());
    if (!projType.hasStaticShape() || projType.getDimSize(0) != units)
      return emitOpError() << "'proj_kernel' must have shape [" << units << ", num_proj], got "
                           << formatShape(projType.getShape());
  } else if (getProjClip()) {
    return emitOpError("'proj_clip' needs a projection kernel (num_proj)");
  }
  if (getCellClip() && !(getCellClip()->convertToFloat() > 0.0f))
    return emitOpError("'cell_clip' must be positive");
  if (getProjClip() && !(getProjClip()->convertToFloat() > 0.0f))
    return emitOpError("'proj_clip' must be positive");
  if (failed(checkGateClip(*this, getGateClip())))
    return failure();
  if (failed(checkKernelShape(*this, getKernel(), "kernel", getOutputSize(), 4 * units)))
    return failure();
  return checkWeightShape(*this, getBias(), "bias", {4 * units});
}

int64_t LSTMCellOp::getInputDepth() { return kernelRows(getKernel()) - getOutputSize(); }
int64_t LSTMCellOp::getOutputSize() {
  if (hasProjection())
    return cast<RankedTensorType>(getProjKernel().getType()).getDimSize(1);
  return getNumUnits();
}
SmallVector<int64_t> LSTMCellOp::getStateSizes() {
  return {(int64_t)getNumUnits(), getOutputSize()};
}
SmallVector<StringRef> LSTMCellOp::getStateNames() { return {"c", "h"}; }

//===----------------------------------------------------------------------===//
// GRUCellOp
//===----------------------------------------------------------------------===//

LogicalResult GRUCellOp::verify() {
  int64_t units = getNumUnits();
  if (getLinearBeforeReset() && !getHiddenBias())
    return emitOpError("'linear_before_reset' needs a 'hidden_bias' operand");
  if (!getLinearBeforeReset() && getHiddenBias())
    return emitOpError("'hidden_bias' is only used with 'linear_before_reset'");
  if (failed(checkGateClip(*this, getGateClip())))
    return failure();
  if (failed(checkKernelShape(*this, getGatesKernel(), "gates_kernel", units, 2 * units)) ||
      failed(checkWeightShape(*this, getGatesBias(), "gates_bias", {2 * units})) ||
      failed(checkKernelShape(*this, getCandidateKernel(), "candidate_kernel", units, units)) ||
      failed(checkWeightShape(*this, getCandidateBias(), "candidate_bias", {units})))
    return failure();
  if (getHiddenBias() && failed(checkWeightShape(*this, getHiddenBias(), "hidden_bias", {units})))
    return failure();
  if (kernelRows(getGatesKernel()) != kernelRows(getCandidateKernel()))
    return emitOpError() << "'gates_kernel' and 'candidate_kernel' must have the same "
                            "number of rows, got "
                         << kernelRows(getGatesKernel()) << " and "
                         << kernelRows(getCandidateKernel());
  return success();
}

int64_t GRUCellOp::getInputDepth() { return kernelRows(getGatesKernel()) - getNumUnits(); }
int64_t GRUCellOp::getOutputSize() { return getNumUnits(); }
SmallVector<int64_t> GRUCellOp::getStateSizes() { return {(int64_t)getNumUnits()}; }
SmallVector<StringRef> GRUCellOp::getStateNames() { return {}; }

//===----------------------------------------------------------------------===//
// MultiRNNCellOp
//===----------------------------------------------------------------------===//

LogicalResult MultiRNNCellOp::verify() {
  if (getCells().empty())
    return emitOpError("needs at least one cell");
  SmallVector<CellOpInterface> layers;
  if (failed(getCellLayers(getCell(), layers)))
    return emitOpError("cells must be produced by rnn cell ops");
  for (size_t i = 1; i < layers.size(); ++i)
    if (layers[i].getInputDepth() != layers[i - 1].getOutputSize())
      return emitOpError() << "layer " << i << " expects inputs of depth "
                           << layers[i].getInputDepth() << " but layer " << i - 1 << " outputs "
                           << layers[i - 1].getOutputSize() << " features";
  return success();
}

//===----------------------------------------------------------------------===//
// CustomCellOp
//===----------------------------------------------------------------------===//

int64_t CustomCellOp::getInputDepth() { return getInputFeatures(); }
int64_t CustomCellOp::getOutputSize() { return getOutputFeatures(); }
SmallVector<int64_t> CustomCellOp::getStateSizes() {
  return SmallVector<int64_t>(getStateFeatures());
}
SmallVector<StringRef> CustomCellOp::getStateNames() {
  static const char *const names[] = {"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"};
  SmallVector<StringRef> result;
  if (getStateFeatures().size() > 1)
    for (size_t i = 0; i < getStateFeatures().size(); ++i)
      result.push_back(i < 8 ? StringRef(names[i]) : StringRef("s"));
  return result;
}

LogicalResult CustomCellOp::verifyRegions() {
  ArrayRef<int64_t> states = getStateFeatures();
  if (states.empty() || states.size() > 8)
    return emitOpError("needs between 1 and 8 states, got ") << states.size();
  for (int64_t size : states)
    if (size <= 0)
      return emitOpError("state sizes must be positive");
  Block &body = getBody().front();
  size_t expected = 1 + states.size() + getWeights().size();
  if (body.getNumArguments() != expected)
    return emitOpError() << "the step takes the input, " << states.size() << " state(s) and "
                         << getWeights().size() << " weight(s): " << expected
                         << " block arguments, got " << body.getNumArguments();
  // Rows are the batch: [?, size] (a static row count is accepted too).
  auto checkRow = [&](Type type, int64_t size, const Twine &what) -> LogicalResult {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor || tensor.getRank() != 2 || !tensor.getElementType().isF32() ||
        tensor.getDimSize(1) != size)
      return emitOpError() << what << " must be tensor<?x" << size << "xf32>, got " << type;
    return success();
  };
  if (failed(checkRow(body.getArgument(0).getType(), getInputDepth(), "the step input")))
    return failure();
  for (auto [i, size] : llvm::enumerate(states))
    if (failed(checkRow(body.getArgument(1 + i).getType(), size, "state argument " + Twine(i))))
      return failure();
  for (auto [i, weight] : llvm::enumerate(getWeights()))
    if (body.getArgument(1 + states.size() + i).getType() != weight.getType())
      return emitOpError() << "block argument for weight " << i << " must have type "
                           << weight.getType();
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError("the step must end with rnn.yield");
  if (yield.getValues().size() != 1 + states.size())
    return yield.emitOpError() << "must yield the output and " << states.size() << " state(s), got "
                               << yield.getValues().size() << " values";
  if (failed(checkRow(yield.getValues()[0].getType(), getOutputSize(), "the yielded output")))
    return failure();
  for (auto [i, size] : llvm::enumerate(states))
    if (failed(checkRow(yield.getValues()[1 + i].getType(), size, "yielded state " + Twine(i))))
      return failure();
  return success();
}

/// Whether the attributes and operands that the CellOpInterface methods read
/// are there. A malformed cell op is reported by its own verifier, but MLIR
/// verifies ops in no guaranteed order: dynamic_rnn and multi_rnn_cell must
/// not read one before (found by the .mlir fuzzer, docs/security.md).
static bool hasLayerShape(Operation *op) {
  auto rank2 = [](Value v) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    return type && type.getRank() == 2;
  };
  return TypeSwitch<Operation *, bool>(op)
      .Case([](CustomCellOp c) {
        return c.getInputFeaturesAttr() && c.getOutputFeaturesAttr() && c.getStateFeaturesAttr();
      })
      .Case([&](LSTMCellOp c) {
        const auto &segments = c.getProperties().operandSegmentSizes;
        int64_t total = 0;
        for (int32_t size : segments) {
          if (size < 0 || size > 1)
            return false;
          total += size;
        }
        return c.getNumUnitsAttr() && total == c->getNumOperands() && segments[0] == 1 &&
               segments[1] == 1 && rank2(c.getKernel()) &&
               (!c.hasProjection() || rank2(c.getProjKernel()));
      })
      .Case([&](GRUCellOp c) {
        return c.getNumUnitsAttr() && c->getNumOperands() >= 4 && rank2(c->getOperand(0));
      })
      .Case([&](BasicRNNCellOp c) {
        return c.getNumUnitsAttr() && c->getNumOperands() == 2 && rank2(c->getOperand(0));
      })
      .Default([](Operation *) { return false; });
}

/// getCellLayers with the multi_rnn_cells on the current path: a stack that
/// uses itself (invalid IR, which the verifiers may see before dominance is
/// checked) is refused instead of recursing forever (found by rnnc-fuzz-mlir).
static LogicalResult collectCellLayers(Value cell, SmallVectorImpl<CellOpInterface> &layers,
                                       SmallPtrSetImpl<Operation *> &path) {
  Operation *def = cell.getDefiningOp();
  if (!def)
    return failure();
  if (auto multi = dyn_cast<MultiRNNCellOp>(def)) {
    if (!path.insert(def).second)
      return failure();
    for (Value inner : multi.getCells())
      if (failed(collectCellLayers(inner, layers, path)))
        return failure();
    path.erase(def);
    return success();
  }
  auto layer = dyn_cast<CellOpInterface>(def);
  if (!layer || !hasLayerShape(def))
    return failure();
  layers.push_back(layer);
  return success();
}

LogicalResult mlir::rnn::getCellLayers(Value cell, SmallVectorImpl<CellOpInterface> &layers) {
  SmallPtrSet<Operation *, 4> path;
  return collectCellLayers(cell, layers, path);
}

//===----------------------------------------------------------------------===//
// DynamicRNNOp
//===----------------------------------------------------------------------===//

/// The outputs have the inputs' T and B, each final state B rows: what
/// proves a concatenation of sequences in bounds (rnnc-guard-tensor-indices).
void DynamicRNNOp::populateBoundsForShapedValueDim(Value value, int64_t dim,
                                                   ValueBoundsConstraintSet &cstr) {
  if (value == getOutputs()) {
    if (dim == getTimeDim() || dim == getBatchDim())
      cstr.bound(value)[dim] == cstr.getExpr(getInputs(), dim);
    return;
  }
  if (dim == 0)
    cstr.bound(value)[dim] == cstr.getExpr(getInputs(), getBatchDim());
}

LogicalResult DynamicRNNOp::verify() {
  SmallVector<CellOpInterface> layers;
  if (failed(getCellLayers(getCell(), layers)))
    return emitOpError("'cell' must be produced by rnn cell ops "
                       "(rnn.*_cell or rnn.multi_rnn_cell)");

  if (getZeroFinalStateForEmptyRows() && !getSequenceLength())
    return emitOpError("'zero_final_state_for_empty_rows' needs 'sequence_length'");
  if (getMask() && getSequenceLength())
    return emitOpError("takes 'sequence_length' or 'mask', not both");
  if (getZeroOutputForMask() && !getMask())
    return emitOpError("'zero_output_for_mask' needs 'mask'");
  if (getGoBackwards() && getReverse())
    return emitOpError("takes 'go_backwards' (flip the padded sequence, Keras) or 'reverse' "
                       "(backwards within each length, TF/ONNX), not both");
  if (getGoBackwards() && getSequenceLength())
    return emitOpError("'go_backwards' flips the whole padded sequence and takes no "
                       "'sequence_length'; use 'reverse' or a 'mask'");
  auto inputsType = cast<RankedTensorType>(getInputs().getType());
  int64_t time = inputsType.getDimSize(getTimeDim());
  if (getUnroll() && ShapedType::isDynamic(time))
    return emitOpError("'unroll' needs a static number of time steps");
  if (getUnroll() && time > kMaxUnrolledSteps)
    return emitOpError() << "'unroll' of " << time << " time steps exceeds the limit of "
                         << kMaxUnrolledSteps;
  int64_t batch = inputsType.getDimSize(getBatchDim());
  int64_t depth = inputsType.getDimSize(2);
  if (ShapedType::isDynamic(depth))
    return emitOpError("the input depth (dimension 2 of 'inputs') must be static");
  if (depth != layers.front().getInputDepth())
    return emitOpError() << "layer 0 expects inputs of depth " << layers.front().getInputDepth()
                         << " but 'inputs' has depth " << depth;
  for (size_t i = 1; i < layers.size(); ++i)
    if (layers[i].getInputDepth() != layers[i - 1].getOutputSize())
      return emitOpError() << "layer " << i << " expects inputs of depth "
                           << layers[i].getInputDepth() << " but layer " << i - 1 << " outputs "
                           << layers[i - 1].getOutputSize() << " features";

  if (Value lengths = getSequenceLength()) {
    int64_t n = cast<RankedTensorType>(lengths.getType()).getDimSize(0);
    if (!compatibleDim(n, batch))
      return emitOpError() << "'sequence_length' has " << n << " entries but the batch size is "
                           << batch;
  }

  if (Value mask = getMask()) {
    auto shape = cast<RankedTensorType>(mask.getType()).getShape();
    if (!compatibleDim(shape[0], batch) || !compatibleDim(shape[1], time))
      return emitOpError() << "'mask' must have shape [B, T] = ["
                           << (ShapedType::isDynamic(batch) ? std::string("?")
                                                            : std::to_string(batch))
                           << ", "
                           << (ShapedType::isDynamic(time) ? std::string("?")
                                                           : std::to_string(time))
                           << "], got " << formatShape(shape);
  }

  SmallVector<int64_t> stateSizes;
  for (CellOpInterface layer : layers)
    llvm::append_range(stateSizes, layer.getStateSizes());

  auto checkStates = [&](TypeRange types, StringRef what) -> LogicalResult {
    if (types.size() != stateSizes.size())
      return emitOpError() << "expects " << stateSizes.size() << " " << what
                           << " tensors (one per state of every layer), got " << types.size();
    for (auto [i, type] : llvm::enumerate(types)) {
      auto shape = cast<RankedTensorType>(type).getShape();
      if (!compatibleDim(shape[0], batch) || shape[1] != stateSizes[i])
        return emitOpError() << what << " #" << i << " must have shape ["
                             << (ShapedType::isDynamic(batch) ? std::string("?")
                                                              : std::to_string(batch))
                             << ", " << stateSizes[i] << "], got " << formatShape(shape);
    }
    return success();
  };
  if (!getInitialState().empty() &&
      failed(checkStates(getInitialState().getTypes(), "initial_state")))
    return failure();
  if (failed(checkStates(getFinalState().getTypes(), "final_state")))
    return failure();

  auto outShape = cast<RankedTensorType>(getOutputs().getType()).getShape();
  int64_t outSize = layers.back().getOutputSize();
  if (!compatibleDim(outShape[getTimeDim()], time) ||
      !compatibleDim(outShape[getBatchDim()], batch) || outShape[2] != outSize)
    return emitOpError() << "'outputs' must have shape "
                         << formatShape(getTimeMajor() ? SmallVector<int64_t>{time, batch, outSize}
                                                       : SmallVector<int64_t>{batch, time, outSize})
                         << ", got " << formatShape(outShape);
  return success();
}
