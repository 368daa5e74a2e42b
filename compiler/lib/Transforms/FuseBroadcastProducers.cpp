#include "rnnc/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_FUSEBROADCASTPRODUCERS
#include "rnnc/Transforms/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;

namespace {
/// Whether `producer` is worth recomputing in `consumer`: elementwise, of
/// fewer dimensions than the consumer (each of its values read by many
/// consumer iterations) and at most `maxOps` scalar ops.
bool cheapBroadcast(linalg::GenericOp producer, Operation *consumer, int64_t maxOps) {
  auto generic = dyn_cast<linalg::GenericOp>(consumer);
  if (!generic || producer.getNumParallelLoops() != producer.getNumLoops() ||
      producer.getNumLoops() >= generic.getNumLoops())
    return false;
  return static_cast<int64_t>(producer.getBody()->getOperations().size()) - 1 <= maxOps;
}

struct FuseBroadcastProducers : rnnc::impl::FuseBroadcastProducersBase<FuseBroadcastProducers> {
  using FuseBroadcastProducersBase::FuseBroadcastProducersBase;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    linalg::populateElementwiseOpsFusionPatterns(patterns, [&](OpOperand *fused) {
      auto producer = fused->get().getDefiningOp<linalg::GenericOp>();
      return producer && cheapBroadcast(producer, fused->getOwner(), maxOps);
    });
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
