#include "rnnc/Transforms/Passes.h"

#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_TILEPARALLELLOOPS
#include "rnnc/Transforms/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;

namespace {
struct TileParallelLoops : rnnc::impl::TileParallelLoopsBase<TileParallelLoops> {
  using TileParallelLoopsBase::TileParallelLoopsBase;

  void runOnOperation() override {
    if (threads < 1) {
      getOperation().emitError("rnnc-tile-parallel-loops: threads must be positive");
      return signalPassFailure();
    }
    SmallVector<scf::ParallelOp> outermost;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>())
        outermost.push_back(loop);
    });
    for (scf::ParallelOp loop : outermost) {
      size_t rank = loop.getNumLoops();
      SmallVector<int64_t> sizes(rank, 1);
      // The innermost dimension becomes threadIdx.z in a 3-D nest, of which
      // a block has at most 64 (x and y: 1024).
      int64_t tile = rank >= 3 ? std::min<int64_t>(threads, 64) : threads;
      std::optional<int64_t> lower = getConstantIntValue(loop.getLowerBound()[rank - 1]);
      std::optional<int64_t> upper = getConstantIntValue(loop.getUpperBound()[rank - 1]);
      std::optional<int64_t> step = getConstantIntValue(loop.getStep()[rank - 1]);
      if (lower && upper && step && *step > 0)
        tile = std::min<int64_t>(tile, std::max<int64_t>(1, (*upper - *lower + *step - 1) / *step));
      sizes[rank - 1] = tile;
      scf::tileParallelLoop(loop, sizes, /*noMinMaxBounds=*/true);
    }
  }
};
} // namespace
