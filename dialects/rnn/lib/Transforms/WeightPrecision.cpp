#include "rnnc/Dialect/Rnn/Transforms/Passes.h"

#include "llvm/ADT/StringExtras.h"

namespace mlir::rnn {
#define GEN_PASS_DEF_RNNWEIGHTPRECISION
#include "rnnc/Dialect/Rnn/Transforms/Passes.h.inc"
} // namespace mlir::rnn

using namespace mlir;
using namespace mlir::rnn;

namespace {
struct WeightPrecision : public rnn::impl::RnnWeightPrecisionBase<WeightPrecision> {
  using RnnWeightPrecisionBase::RnnWeightPrecisionBase;

  void runOnOperation() override {
    SmallVector<StringRef> names;
    StringRef(precision).split(names, ',');
    for (StringRef name : names)
      if (name != "f32" && name != "bf16" && name != "int8") {
        mlir::emitError(getOperation().getLoc(), "precision must be f32, bf16 or int8 (or a comma-separated "
                                 "list of them, one per layer), not '")
            << name << "'";
        return signalPassFailure();
      }
    SmallVector<std::pair<Operation *, DynamicRNNOp>> cells;
    WalkResult walk = getOperation().walk([&](DynamicRNNOp op) {
      SmallVector<CellOpInterface> layers;
      if (failed(getCellLayers(op.getCell(), layers))) {
        op.emitOpError("cell is not a tree of rnn cell ops");
        return WalkResult::interrupt();
      }
      for (CellOpInterface layer : layers)
        cells.push_back({layer.getOperation(), op});
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    if (names.size() != 1 && names.size() != cells.size()) {
      mlir::emitError(getOperation().getLoc()) << "precision '" << precision << "' lists " << names.size()
                                 << " layers; the model has " << cells.size();
      return signalPassFailure();
    }
    llvm::DenseMap<Operation *, StringRef> assigned;
    for (auto [layer, entry] : llvm::enumerate(cells)) {
      auto [cell, sequence] = entry;
      StringRef name = names.size() == 1 ? names.front() : names[layer];
      auto [given, inserted] = assigned.try_emplace(cell, name);
      if (!inserted && given->second != name) {
        mlir::emitError(sequence.getLoc()) << "layer " << layer << " is given precision " << name
                               << " but shares its cell with a layer given " << given->second;
        return signalPassFailure();
      }
      cell->setAttr(kWeightPrecisionAttrName, StringAttr::get(&getContext(), name));
    }
  }
};
} // namespace
