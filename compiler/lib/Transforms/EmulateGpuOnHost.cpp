#include "rnnc/Transforms/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_EMULATEGPUONHOST
#include "rnnc/Transforms/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;

namespace {
/// The extra arguments of an emulated kernel, in order; a grid-barrier
/// kernel's then are the team's shuffle buffer (one f64 per thread) and a
/// buffer per workgroup attribution (its shape once per block).
enum HardwareIndex { kBlockId = 0, kThreadId = 3, kBlockDim = 6, kGridDim = 9, kNumIndices = 12 };

MemRefType shuffleBufferType(MLIRContext *context) {
  return MemRefType::get({ShapedType::kDynamic}, Float64Type::get(context));
}

/// [blocks, shape...] of a workgroup attribution's type, in host memory.
MemRefType blocksBufferType(MemRefType attribution) {
  SmallVector<int64_t> shape = {ShapedType::kDynamic};
  llvm::append_range(shape, attribution.getShape());
  return MemRefType::get(shape, attribution.getElementType());
}

int64_t dimOffset(gpu::Dimension dimension) { return static_cast<int64_t>(dimension); }

struct EmulateGpuOnHost : rnnc::impl::EmulateGpuOnHostBase<EmulateGpuOnHost> {
  /// The host function of `kernel`: its arguments, then the 12 indices.
  FailureOr<func::FuncOp> emulate(gpu::GPUFuncOp kernel, ModuleOp module, RewriterBase &rewriter) {
    // A grid-barrier kernel's threads all run at once (see the launch), so
    // its block barriers can wait; other kernels' threads run one by one.
    bool concurrent = kernel->hasAttr(rnnc::kGridBarrierAttrName);
    WalkResult unsupported = kernel.walk([&](Operation *op) {
      auto shuffle = dyn_cast<gpu::ShuffleOp>(op);
      if (((isa<gpu::BarrierOp>(op) || shuffle) && !concurrent) ||
          (shuffle && (shuffle.getMode() != gpu::ShuffleMode::XOR ||
                       !isa<FloatType>(shuffle.getValue().getType()) ||
                       shuffle.getValue().getType().getIntOrFloatBitWidth() > 64)) ||
          op->getName().getDialectNamespace() == "nvvm")
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    auto staticShape = [](BlockArgument attribution) {
      return cast<MemRefType>(attribution.getType()).hasStaticShape();
    };
    if (unsupported.wasInterrupted() ||
        (!kernel.getWorkgroupAttributions().empty() && !concurrent) ||
        !llvm::all_of(kernel.getWorkgroupAttributions(), staticShape) ||
        !kernel.getPrivateAttributions().empty() || !kernel.getBody().hasOneBlock())
      return kernel.emitError("cannot emulate a kernel that synchronizes or shuffles threads or "
                              "uses workgroup memory outside a grid-barrier kernel, shuffles "
                              "other than floats by xor, or has workgroup memory of a dynamic "
                              "shape or private memory");
    MLIRContext *context = module.getContext();
    SmallVector<Type> argTypes(kernel.getArgumentTypes());
    argTypes.append(kNumIndices, IndexType::get(context));
    if (concurrent) {
      argTypes.push_back(shuffleBufferType(context));
      for (BlockArgument attribution : kernel.getWorkgroupAttributions())
        argTypes.push_back(blocksBufferType(cast<MemRefType>(attribution.getType())));
    }
    rewriter.setInsertionPointToEnd(module.getBody());
    auto host = rewriter.create<func::FuncOp>(
        kernel.getLoc(), (kernel.getName() + "_on_host").str(),
        FunctionType::get(context, argTypes, {}));
    host.setPrivate();
    if (concurrent)
      host->setAttr(rnnc::kGridBarrierAttrName, rewriter.getUnitAttr());
    Block *body = host.addEntryBlock();
    IRMapping mapping;
    for (auto [from, to] : llvm::zip(kernel.getArguments(), body->getArguments()))
      mapping.map(from, to);
    rewriter.setInsertionPointToEnd(body);
    unsigned first = kernel.getNumArguments();
    // A workgroup attribution: this block's part of its buffer.
    for (auto [i, attribution] : llvm::enumerate(kernel.getWorkgroupAttributions())) {
      Location loc = attribution.getLoc();
      auto type = cast<MemRefType>(attribution.getType());
      Value blocks = body->getArgument(first + kNumIndices + 1 + i);
      SmallVector<OpFoldResult> offsets(type.getRank() + 1, rewriter.getIndexAttr(0));
      offsets[0] = body->getArgument(first + kBlockId);
      SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(1)};
      for (int64_t size : type.getShape())
        sizes.push_back(rewriter.getIndexAttr(size));
      SmallVector<OpFoldResult> strides(type.getRank() + 1, rewriter.getIndexAttr(1));
      auto viewType = cast<MemRefType>(memref::SubViewOp::inferRankReducedResultType(
          type.getShape(), cast<MemRefType>(blocks.getType()), offsets, sizes, strides));
      mapping.map(attribution, rewriter.create<memref::SubViewOp>(loc, viewType, blocks, offsets,
                                                                  sizes, strides));
    }
    // The argument a hardware index op reads, or null.
    auto indexArgument = [&](Operation *op) -> Value {
      int64_t base = -1;
      gpu::Dimension dimension = gpu::Dimension::x;
      if (auto id = dyn_cast<gpu::BlockIdOp>(op))
        base = kBlockId, dimension = id.getDimension();
      else if (auto id = dyn_cast<gpu::ThreadIdOp>(op))
        base = kThreadId, dimension = id.getDimension();
      else if (auto dim = dyn_cast<gpu::BlockDimOp>(op))
        base = kBlockDim, dimension = dim.getDimension();
      else if (auto dim = dyn_cast<gpu::GridDimOp>(op))
        base = kGridDim, dimension = dim.getDimension();
      return base < 0 ? Value() : body->getArgument(first + base + dimOffset(dimension));
    };
    for (Operation &op : kernel.getBody().front()) {
      if (isa<gpu::ReturnOp>(op)) {
        rewriter.create<func::ReturnOp>(op.getLoc());
        continue;
      }
      if (Value argument = indexArgument(&op)) {
        mapping.map(op.getResult(0), argument);
        continue;
      }
      Operation *clone = rewriter.clone(op, mapping);
      // Index ops in nested regions: their values do not leave the clone.
      clone->walk([&](Operation *nested) {
        if (Value argument = indexArgument(nested)) {
          nested->getResult(0).replaceAllUsesWith(argument);
          nested->erase();
        }
      });
    }
    // Every thread of the team waits: a superset of the block's threads.
    host.walk([&](gpu::BarrierOp barrier) {
      rewriter.setInsertionPoint(barrier);
      rewriter.replaceOpWithNewOp<omp::BarrierOp>(barrier);
    });
    // A shuffle through the team's buffer: each thread writes its value at
    // its place, all wait, each reads its partner's, all wait before the
    // buffer is written again. Every thread of the team shuffles (the
    // persistent kernel's rounds), as every lane of a warp must on a GPU.
    host.walk([&](gpu::ShuffleOp shuffle) {
      Location loc = shuffle.getLoc();
      rewriter.setInsertionPoint(shuffle);
      Value buffer = body->getArgument(first + kNumIndices);
      Value thread = rewriter.create<arith::AddIOp>(
          loc,
          rewriter.create<arith::MulIOp>(loc, body->getArgument(first + kBlockId),
                                         body->getArgument(first + kBlockDim)),
          body->getArgument(first + kThreadId));
      Value value = shuffle.getValue();
      auto type = cast<FloatType>(value.getType());
      Type f64 = rewriter.getF64Type();
      if (type != f64)
        value = rewriter.create<arith::ExtFOp>(loc, f64, value);
      rewriter.create<memref::StoreOp>(loc, value, buffer, thread);
      rewriter.create<omp::BarrierOp>(loc);
      Value partner = rewriter.create<arith::XOrIOp>(
          loc, thread,
          rewriter.create<arith::IndexCastOp>(loc, rewriter.getIndexType(), shuffle.getOffset()));
      Value shuffled = rewriter.create<memref::LoadOp>(loc, buffer, partner);
      rewriter.create<omp::BarrierOp>(loc);
      if (type != f64)
        shuffled = rewriter.create<arith::TruncFOp>(loc, type, shuffled);
      Value valid = rewriter.create<arith::ConstantIntOp>(loc, 1, 1);
      rewriter.replaceOp(shuffle, {shuffled, valid});
    });
    bool leftover = host.walk([](Operation *op) {
                          return op->getDialect() &&
                                         op->getDialect()->getNamespace() == "gpu"
                                     ? WalkResult::interrupt()
                                     : WalkResult::advance();
                        })
                        .wasInterrupted();
    if (leftover)
      return kernel.emitError("cannot emulate this kernel's GPU operations on the host");
    return host;
  }

  /// A grid-barrier kernel (1-D grid of 1-D blocks) on one OpenMP thread
  /// per GPU thread, all running at once: thread t is thread t % blockDim of
  /// block t / blockDim.
  void launchConcurrently(gpu::LaunchFuncOp launch, func::FuncOp host, RewriterBase &rewriter) {
    Location loc = launch.getLoc();
    auto module = launch->getParentOfType<ModuleOp>();
    // libomp's int omp_get_thread_num(void) and omp_get_num_threads(void).
    auto ompQuery = [&](StringRef name) {
      auto query = module.lookupSymbol<func::FuncOp>(name);
      if (!query) {
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPointToEnd(module.getBody());
        query = rewriter.create<func::FuncOp>(
            loc, name, rewriter.getFunctionType({}, {rewriter.getI32Type()}));
        query.setPrivate();
      }
      return query;
    };
    func::FuncOp threadNum = ompQuery("omp_get_thread_num");
    func::FuncOp numThreads = ompQuery("omp_get_num_threads");
    gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
    gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
    Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    Value threads = rewriter.create<arith::MulIOp>(loc, grid.x, block.x);
    SmallVector<Value> buffers = {
        rewriter.create<memref::AllocOp>(loc, shuffleBufferType(rewriter.getContext()), threads)};
    ArrayRef<Type> hostArguments = host.getArgumentTypes();
    for (Type type : hostArguments.drop_front(launch.getNumKernelOperands() + kNumIndices + 1))
      buffers.push_back(rewriter.create<memref::AllocOp>(loc, cast<MemRefType>(type), grid.x));
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointAfter(launch);
      for (Value buffer : buffers)
        rewriter.create<memref::DeallocOp>(loc, buffer);
    }
    auto any = rewriter.create<scf::IfOp>(
        loc, rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ugt, threads, zero),
        /*withElseRegion=*/false);
    rewriter.setInsertionPoint(any.thenBlock()->getTerminator());
    omp::ParallelClauseOps clauses;
    clauses.numThreadsVar =
        rewriter.create<arith::IndexCastOp>(loc, rewriter.getI32Type(), threads);
    auto team = rewriter.create<omp::ParallelOp>(loc, clauses);
    rewriter.createBlock(&team.getRegion());
    auto terminator = rewriter.create<omp::TerminatorOp>(loc);
    rewriter.setInsertionPoint(terminator);
    // A smaller team (OMP_THREAD_LIMIT, OMP_DYNAMIC) would wait forever at
    // the grid barrier: it runs nothing instead, and the results are wrong.
    Value teamSize = rewriter.create<arith::IndexCastOp>(
        loc, rewriter.getIndexType(), rewriter.create<func::CallOp>(loc, numThreads).getResult(0));
    auto complete = rewriter.create<scf::IfOp>(
        loc, rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, teamSize, threads),
        /*withElseRegion=*/false);
    rewriter.setInsertionPoint(complete.thenBlock()->getTerminator());
    Value thread = rewriter.create<arith::IndexCastOp>(
        loc, rewriter.getIndexType(), rewriter.create<func::CallOp>(loc, threadNum).getResult(0));
    Value blockId = rewriter.create<arith::DivUIOp>(loc, thread, block.x);
    Value threadId = rewriter.create<arith::RemUIOp>(loc, thread, block.x);
    SmallVector<Value> operands(launch.getKernelOperands());
    operands.append({blockId, zero, zero, threadId, zero, zero, block.x, block.y, block.z, grid.x,
                     grid.y, grid.z});
    operands.append(buffers);
    rewriter.create<func::CallOp>(loc, host, operands);
    rewriter.eraseOp(launch);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    IRRewriter rewriter(&getContext());
    llvm::DenseMap<Attribute, func::FuncOp> hosts; // kernel symbol -> host function
    for (auto gpuModule : llvm::make_early_inc_range(module.getOps<gpu::GPUModuleOp>())) {
      for (auto kernel : gpuModule.getOps<gpu::GPUFuncOp>()) {
        FailureOr<func::FuncOp> host = emulate(kernel, module, rewriter);
        if (failed(host))
          return signalPassFailure();
        hosts[SymbolRefAttr::get(gpuModule.getNameAttr(),
                                 {FlatSymbolRefAttr::get(kernel.getNameAttr())})] = *host;
      }
    }
    WalkResult result = module.walk([&](gpu::LaunchFuncOp launch) {
      func::FuncOp host = hosts.lookup(launch.getKernel());
      if (!host || launch.getAsyncToken() || !launch.getAsyncDependencies().empty()) {
        launch.emitError("cannot emulate this launch on the host");
        return WalkResult::interrupt();
      }
      Location loc = launch.getLoc();
      rewriter.setInsertionPoint(launch);
      Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
      Value one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
      gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
      gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
      if (host->hasAttr(rnnc::kGridBarrierAttrName)) {
        launchConcurrently(launch, host, rewriter);
        return WalkResult::advance();
      }
      // Blocks z, y, x, then threads z, y, x, innermost.
      SmallVector<Value> bounds = {grid.z, grid.y, grid.x, block.z, block.y, block.x};
      SmallVector<Value> ivs(6);
      for (int i = 0; i < 6; ++i) {
        auto loop = rewriter.create<scf::ForOp>(loc, zero, bounds[i], one);
        rewriter.setInsertionPoint(loop.getBody()->getTerminator());
        ivs[i] = loop.getInductionVar();
      }
      SmallVector<Value> operands(launch.getKernelOperands());
      operands.append({ivs[2], ivs[1], ivs[0], ivs[5], ivs[4], ivs[3], block.x, block.y, block.z,
                       grid.x, grid.y, grid.z});
      rewriter.create<func::CallOp>(loc, host, operands);
      rewriter.eraseOp(launch);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    for (auto gpuModule : llvm::make_early_inc_range(module.getOps<gpu::GPUModuleOp>()))
      rewriter.eraseOp(gpuModule);
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  }
};
} // namespace
