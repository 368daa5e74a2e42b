#include "rnnc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_X86DOTPRODUCTS
#include "rnnc/Transforms/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;

namespace {
/// The operands of `acc + sum over j < 4 of zext(a[4i + j]) * sext(w[4i + j])`
/// per lane i: a vector.multi_reduction <add> over the inner dimension of a
/// [n, 4] i32 shape_cast of products of extended [4n] i8 vectors.
struct DotU8S8 {
  Value acc, a, w;
  Value products;
};

std::optional<DotU8S8> matchDotU8S8(vector::MultiDimReductionOp reduction) {
  auto sourceType = reduction.getSourceVectorType();
  if (reduction.getKind() != vector::CombiningKind::ADD || sourceType.getRank() != 2 ||
      sourceType.getDimSize(1) != 4 || !sourceType.getElementType().isInteger(32) ||
      ArrayRef<bool>(reduction.getReductionMask()) != ArrayRef<bool>{false, true})
    return std::nullopt;
  auto cast = reduction.getSource().getDefiningOp<vector::ShapeCastOp>();
  auto mul = cast ? cast.getSource().getDefiningOp<arith::MulIOp>() : arith::MulIOp();
  if (!mul)
    return std::nullopt;
  auto isBytes = [](Value v) {
    auto type = dyn_cast<VectorType>(v.getType());
    return type && type.getRank() == 1 && type.getElementType().isInteger(8);
  };
  for (auto [x, y] : {std::pair(mul.getLhs(), mul.getRhs()), std::pair(mul.getRhs(), mul.getLhs())}) {
    auto unsignedBytes = x.getDefiningOp<arith::ExtUIOp>();
    auto signedBytes = y.getDefiningOp<arith::ExtSIOp>();
    if (unsignedBytes && signedBytes && isBytes(unsignedBytes.getIn()) &&
        isBytes(signedBytes.getIn()))
      return DotU8S8{reduction.getAcc(), unsignedBytes.getIn(), signedBytes.getIn(), mul};
  }
  return std::nullopt;
}

struct LowerDotU8S8 : OpRewritePattern<vector::MultiDimReductionOp> {
  LowerDotU8S8(MLIRContext *context, bool vnni)
      : OpRewritePattern<vector::MultiDimReductionOp>(context), vnni(vnni) {}

  LogicalResult matchAndRewrite(vector::MultiDimReductionOp reduction,
                                PatternRewriter &rewriter) const override {
    std::optional<DotU8S8> dot = matchDotU8S8(reduction);
    if (!dot)
      return failure();
    Location loc = reduction.getLoc();
    auto accType = cast<VectorType>(dot->acc.getType());
    int64_t lanes = accType.getDimSize(0);
    if (vnni && lanes == 16) {
      // LLVM 19's intrinsic takes the bytes as i32 lanes.
      Value a = rewriter.create<vector::BitCastOp>(loc, accType, dot->a);
      Value w = rewriter.create<vector::BitCastOp>(loc, accType, dot->w);
      rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
          reduction, accType, rewriter.getStringAttr("llvm.x86.avx512.vpdpbusd.512"),
          ValueRange{dot->acc, a, w});
      return success();
    }
    // Without VNNI: the products' four strided quarters added lane by lane.
    Value sum = dot->acc;
    for (int64_t j = 0; j < 4; ++j) {
      SmallVector<int64_t> lanesOf;
      for (int64_t i = 0; i < lanes; ++i)
        lanesOf.push_back(4 * i + j);
      sum = rewriter.create<arith::AddIOp>(
          loc, sum,
          rewriter.create<vector::ShuffleOp>(loc, dot->products, dot->products, lanesOf));
    }
    rewriter.replaceOp(reduction, sum);
    return success();
  }

  bool vnni;
};

struct X86DotProducts : rnnc::impl::X86DotProductsBase<X86DotProducts> {
  using X86DotProductsBase::X86DotProductsBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerDotU8S8>(&getContext(), vnni);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
