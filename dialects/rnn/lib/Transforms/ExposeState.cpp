#include "rnnc/Dialect/Rnn/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"

namespace mlir::rnn {
#define GEN_PASS_DEF_RNNEXPOSESTATE
#include "rnnc/Dialect/Rnn/Transforms/Passes.h.inc"
} // namespace mlir::rnn

using namespace mlir;
using namespace mlir::rnn;

namespace {
constexpr StringLiteral kNameAttr = "rnn.name";

/// "0/c", "0/h", "1", ... for the layers of `op`, numbered from `firstLayer`.
LogicalResult stateNames(DynamicRNNOp op, unsigned firstLayer, SmallVectorImpl<std::string> &names,
                         unsigned &numLayers) {
  SmallVector<CellOpInterface> layers;
  if (failed(getCellLayers(op.getCell(), layers)))
    return op.emitError("the cell is not a tree of rnn cell ops");
  for (auto [i, layer] : llvm::enumerate(layers)) {
    std::string prefix = std::to_string(firstLayer + i);
    SmallVector<StringRef> leafs = layer.getStateNames();
    if (leafs.empty())
      names.push_back(prefix);
    for (StringRef leaf : leafs)
      names.push_back(prefix + "/" + leaf.str());
  }
  numLayers = layers.size();
  return success();
}

struct ExposeState : public rnn::impl::RnnExposeStateBase<ExposeState> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isDeclaration() || !func.isPublic())
        continue;
      if (failed(expose(func)))
        return signalPassFailure();
    }
  }

  LogicalResult expose(func::FuncOp func) {
    if (!func.getBody().hasOneBlock())
      return success();
    SmallVector<DynamicRNNOp> sequences;
    func.walk([&](DynamicRNNOp op) { sequences.push_back(op); });
    auto returnOp = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    MLIRContext *context = func.getContext();
    unsigned layer = 0;
    for (DynamicRNNOp op : sequences) {
      SmallVector<std::string> names;
      unsigned numLayers = 0;
      if (failed(stateNames(op, layer, names, numLayers)))
        return failure();
      layer += numLayers;
      if (!op.getInitialState().empty())
        continue;
      if (op->getBlock() != &func.getBody().front())
        continue;
      SmallVector<Value> initial;
      for (auto [name, final] : llvm::zip(names, op.getFinalState())) {
        unsigned index = func.getNumArguments();
        auto attrs = DictionaryAttr::get(
            context, {NamedAttribute(StringAttr::get(context, kNameAttr),
                                     StringAttr::get(context, "initial_state/" + name))});
        func.insertArgument(index, final.getType(), attrs, op.getLoc());
        initial.push_back(func.getArgument(index));

        std::string resultName = "final_state/" + name;
        bool returned = false;
        for (unsigned r = 0; r < returnOp.getNumOperands() && !returned; ++r) {
          if (returnOp.getOperand(r) != final)
            continue;
          // An unnamed result would be named by its layer within this op alone.
          auto named = func.getResultAttrOfType<StringAttr>(r, kNameAttr);
          if (!named)
            func.setResultAttr(r, kNameAttr, StringAttr::get(context, resultName));
          returned = !named || named.getValue() == resultName;
        }
        if (returned)
          continue;
        unsigned r = func.getNumResults();
        auto resultAttrs =
            DictionaryAttr::get(context, {NamedAttribute(StringAttr::get(context, kNameAttr),
                                                         StringAttr::get(context, resultName))});
        func.insertResult(r, final.getType(), resultAttrs);
        returnOp->insertOperands(r, final);
      }
      op.getInitialStateMutable().assign(initial);
    }
    return success();
  }
};
} // namespace
