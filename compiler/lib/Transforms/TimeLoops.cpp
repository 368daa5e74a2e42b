#include "TimeLoops.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

void mlir::rnnc::resolveCarriedDims(scf::ForOp loop, RewriterBase &rewriter) {
  SmallVector<memref::DimOp> dims;
  loop.getBody()->walk([&](memref::DimOp dim) {
    auto carried = dyn_cast<BlockArgument>(dim.getSource());
    if (carried && carried.getOwner() == loop.getBody() && carried.getArgNumber() > 0 &&
        getConstantIntValue(dim.getIndex()))
      dims.push_back(dim);
  });
  for (memref::DimOp dim : dims) {
    auto carried = cast<BlockArgument>(dim.getSource());
    Value init = loop.getInitArgs()[carried.getArgNumber() - 1];
    int64_t index = *getConstantIntValue(dim.getIndex());
    auto alloc = init.getDefiningOp<memref::AllocOp>();
    if (alloc && alloc.getType().isDynamicDim(index)) {
      rewriter.replaceOp(dim, alloc.getDynamicSizes()[alloc.getType().getDynamicDimIndex(index)]);
      continue;
    }
    rewriter.setInsertionPoint(loop);
    rewriter.replaceOp(dim, rewriter.create<memref::DimOp>(dim.getLoc(), init, index));
  }
}
