// The runtime ABI of generated code (runtime/include/rnnrt/model.h): the
// descriptor structs are built here with the same field order; LLVM's natural
// struct layout matches the C compiler's on the supported targets.

#include "rnnc/Target/Cpu/CpuTarget.h"
#include "rnnc/API/Compile.h"
#include "rnnrt/model.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"

#include <array>

using namespace mlir;
using namespace mlir::rnnc;

namespace {
constexpr uint32_t kAbiVersion = RNNRT_ABI_VERSION;
constexpr size_t kMaxRank = RNNRT_MAX_RANK;

class DescriptorBuilder {
public:
  DescriptorBuilder(llvm::Module &module, StringRef prefix)
      : module(module), context(module.getContext()), prefix(prefix.str()) {
    ptr = llvm::PointerType::get(context, 0);
    i8 = llvm::Type::getInt8Ty(context);
    i32 = llvm::Type::getInt32Ty(context);
    i64 = llvm::Type::getInt64Ty(context);
    // name, dtype, role, rank, pair, dims, limit_symbol, limit_static
    tensorInfo = llvm::StructType::get(context, {ptr, i32, i32, i32, i32, ptr, i32, i64});
    // bytes, num_factors, factors
    memoryTerm = llvm::StructType::get(context, {i64, i32, llvm::ArrayType::get(i32, kMaxRank)});
    // abi_version, num_inputs, num_outputs, num_symbols, name, target, inputs,
    // outputs, symbols, batch_symbol, device, max_batch, weight_bytes, kernel,
    // heap_terms, num_heap_terms, heap_bounded, cuda, symbol_minimums,
    // weight_precision
    modelType = llvm::StructType::get(context, {i32, i32, i32, i32, ptr, ptr, ptr, ptr, ptr, i32,
                                                i32, i64, i64, ptr, ptr, i32, i32, ptr, ptr, ptr, ptr});
  }

  llvm::Constant *global(llvm::Constant *init, StringRef suffix) {
    auto *var = new llvm::GlobalVariable(module, init->getType(), /*isConstant=*/true,
                                         llvm::GlobalValue::InternalLinkage, init,
                                         prefix + "_" + suffix.str());
    var->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    return var;
  }

  llvm::Constant *string(StringRef value) {
    return global(llvm::ConstantDataArray::getString(context, value), "str");
  }

  llvm::Constant *tensors(ArrayRef<TensorSpec> specs, StringRef kind) {
    SmallVector<llvm::Constant *> entries;
    for (const TensorSpec &spec : specs) {
      SmallVector<int64_t> dims;
      for (auto [size, symbol] : llvm::zip(spec.shape, spec.dimSymbols))
        dims.push_back(symbol >= 0 ? -1 - symbol : size);
      llvm::Constant *dimsArray = dims.empty()
                                      ? llvm::ConstantPointerNull::get(ptr)
                                      : global(llvm::ConstantDataArray::get(context, dims), "dims");
      entries.push_back(llvm::ConstantStruct::get(
          tensorInfo,
          {string(spec.name), llvm::ConstantInt::get(i32, toRuntimeDtype(spec.elementType)),
           llvm::ConstantInt::get(i32, (int)spec.role),
           llvm::ConstantInt::get(i32, spec.shape.size()), llvm::ConstantInt::get(i32, spec.pair),
           dimsArray, llvm::ConstantInt::get(i32, spec.limitSymbol),
           llvm::ConstantInt::get(i64, spec.limitStatic)}));
    }
    if (entries.empty())
      return llvm::ConstantPointerNull::get(ptr);
    return global(
        llvm::ConstantArray::get(llvm::ArrayType::get(tensorInfo, entries.size()), entries), kind);
  }

  /// The heap_terms, num_heap_terms and heap_bounded fields: a term of more
  /// factors than the runtime takes is left out and makes the bound unknown.
  std::array<llvm::Constant *, 3> heapFields(const HeapBound &heap) {
    SmallVector<llvm::Constant *> entries;
    bool bounded = !heap.unknown;
    for (const HeapBound::Term &term : heap.terms) {
      if (term.symbols.size() > kMaxRank) {
        bounded = false;
        continue;
      }
      SmallVector<llvm::Constant *> factors;
      for (size_t f = 0; f < kMaxRank; ++f)
        factors.push_back(
            llvm::ConstantInt::get(i32, f < term.symbols.size() ? term.symbols[f] : 0));
      entries.push_back(llvm::ConstantStruct::get(
          memoryTerm, {llvm::ConstantInt::get(i64, term.bytes),
                       llvm::ConstantInt::get(i32, term.symbols.size()),
                       llvm::ConstantArray::get(llvm::ArrayType::get(i32, kMaxRank), factors)}));
    }
    llvm::Constant *table =
        entries.empty()
            ? static_cast<llvm::Constant *>(llvm::ConstantPointerNull::get(ptr))
            : global(llvm::ConstantArray::get(llvm::ArrayType::get(memoryTerm, entries.size()),
                                              entries),
                     "heap_terms");
    return {table, llvm::ConstantInt::get(i32, entries.size()),
            llvm::ConstantInt::get(i32, bounded)};
  }

  llvm::Module &module;
  llvm::LLVMContext &context;
  std::string prefix;
  llvm::PointerType *ptr;
  llvm::IntegerType *i8, *i32, *i64;
  llvm::StructType *tensorInfo, *memoryTerm, *modelType;
};
} // namespace

llvm::Expected<ModelFacts> mlir::rnnc::addRuntimeAbi(llvm::Module &module,
                                                     const LoweredModel &model,
                                                     const CompileOptions &options,
                                                     StringRef target) {
  auto fail = [](const Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
  };
  const ModelSignature &signature = model.signature;
  bool cuda = !options.cudaChip.empty();
  llvm::Function *entry = module.getFunction("_mlir_ciface_" + model.entry);
  // (results, exec, inputs...)
  if (!entry || entry->arg_size() != signature.inputs.size() + 2)
    return fail("the C interface of '" + model.entry +
                "' is missing or has an unexpected "
                "signature");

  ModelFacts facts;
  facts.target = target.str();
  facts.heapPerCall = model.heapPerCall;
  facts.threads = options.threads;
  facts.precision = options.precision;
  facts.callsHalide = module.getFunction("rnnrt_halide_project_inputs") != nullptr;
  facts.cudaChip = options.cudaChip;
  facts.hasCubin = !model.cubin.empty();
  const llvm::DataLayout &layout = module.getDataLayout();
  for (llvm::GlobalVariable &var : module.globals())
    if (var.isConstant() && var.hasInitializer())
      facts.weightBytes += layout.getTypeAllocSize(var.getValueType());

  // Nothing but <name>_model may clash with other objects or the program.
  // Model code goes under <name>__ so that it cannot take the ABI names.
  std::string prefix = options.name + "_";
  auto internalize = [&](llvm::GlobalValue &value) {
    if (value.isDeclaration())
      return;
    value.setName(prefix + "_" + value.getName());
    value.setLinkage(llvm::GlobalValue::InternalLinkage);
  };
  for (llvm::Function &function : module)
    internalize(function);
  for (llvm::GlobalVariable &var : module.globals())
    internalize(var);

  DescriptorBuilder b(module, options.name);
  llvm::LLVMContext &context = module.getContext();
  // kernel(exec, args), exec passed to the entry after the results.
  SmallVector<llvm::Type *> kernelParams(2, b.ptr);
  auto *kernelType = llvm::FunctionType::get(llvm::Type::getVoidTy(context), kernelParams, false);
  auto *kernel = llvm::Function::Create(kernelType, llvm::GlobalValue::InternalLinkage,
                                        prefix + "kernel", module);
  for (StringRef attr : {"target-cpu", "target-features"})
    if (entry->hasFnAttribute(attr))
      kernel->addFnAttr(entry->getFnAttribute(attr));
  if (!cuda)
    facts.cpuFeatures = runtimeCheckedFeatures(CpuTargetOptions{options.cpu});
  llvm::IRBuilder<> ir(llvm::BasicBlock::Create(context, "entry", kernel));
  llvm::Value *argArray = kernel->getArg(1);
  SmallVector<llvm::Value *> args;
  for (unsigned i = 0; i < signature.inputs.size() + 1; ++i) {
    llvm::Value *slot = ir.CreateConstGEP1_64(b.ptr, argArray, i);
    args.push_back(ir.CreateLoad(b.ptr, slot));
  }
  args.insert(args.begin() + 1, kernel->getArg(0));
  ir.CreateCall(entry, args);
  ir.CreateRetVoid();

  llvm::Constant *cudaCode = llvm::ConstantPointerNull::get(b.ptr);
  if (cuda) {
    SmallVector<llvm::Constant *> names;
    for (const std::string &name : model.cudaKernels)
      names.push_back(b.string(name));
    llvm::Constant *nameTable =
        names.empty() ? static_cast<llvm::Constant *>(llvm::ConstantPointerNull::get(b.ptr))
                      : b.global(llvm::ConstantArray::get(
                                     llvm::ArrayType::get(b.ptr, names.size()), names),
                                 "cuda_kernel_names");
    llvm::Constant *cubin = llvm::ConstantPointerNull::get(b.ptr);
    if (!model.cubin.empty()) {
      auto *var = cast<llvm::GlobalVariable>(b.global(
          llvm::ConstantDataArray::getRaw(model.cubin, model.cubin.size(), b.i8), "cuda_cubin"));
      var->setAlignment(llvm::Align(64));
      cubin = var;
    }
    unsigned arch = 0;
    StringRef(options.cudaChip).drop_front(3).getAsInteger(10, arch);
    // arch, num_kernels, kernel_names, ptx, ptx_size, cubin, cubin_size,
    // num_constants, reserved, kernel
    auto *codeType = llvm::StructType::get(
        context, {b.i32, b.i32, b.ptr, b.ptr, b.i64, b.ptr, b.i64, b.i32, b.i32, b.ptr});
    cudaCode = b.global(
        llvm::ConstantStruct::get(
            codeType, {llvm::ConstantInt::get(b.i32, arch),
                       llvm::ConstantInt::get(b.i32, names.size()), nameTable,
                       b.global(llvm::ConstantDataArray::getString(context, model.ptx), "cuda_ptx"),
                       llvm::ConstantInt::get(b.i64, model.ptx.size()), cubin,
                       llvm::ConstantInt::get(b.i64, model.cubin.size()),
                       llvm::ConstantInt::get(b.i32, model.cudaConstants),
                       llvm::ConstantInt::get(b.i32, 0), kernel}),
        "cuda_code");
  }

  SmallVector<llvm::Constant *> symbolNames;
  for (const std::string &symbol : signature.symbols)
    symbolNames.push_back(b.string(symbol));
  llvm::Constant *symbols =
      symbolNames.empty()
          ? static_cast<llvm::Constant *>(llvm::ConstantPointerNull::get(b.ptr))
          : b.global(llvm::ConstantArray::get(llvm::ArrayType::get(b.ptr, symbolNames.size()),
                                              symbolNames),
                     "symbols");
  std::array<llvm::Constant *, 3> heap = b.heapFields(model.heapPerCall);
  llvm::Constant *minimums = llvm::ConstantPointerNull::get(b.ptr);
  if (llvm::any_of(signature.symbolMinimums, [](int64_t m) { return m > 0; }))
    minimums = b.global(llvm::ConstantDataArray::get(context, signature.symbolMinimums),
                        "symbol_minimums");
  int64_t maxBatch =
      signature.batchSymbol >= 0 ? options.maxBatch : std::max<int64_t>(signature.staticBatch, 0);
  llvm::Constant *descriptor = llvm::ConstantStruct::get(
      b.modelType, {llvm::ConstantInt::get(b.i32, kAbiVersion),
                    llvm::ConstantInt::get(b.i32, signature.inputs.size()),
                    llvm::ConstantInt::get(b.i32, signature.results.size()),
                    llvm::ConstantInt::get(b.i32, signature.symbols.size()), b.string(options.name),
                    b.string(target), b.tensors(signature.inputs, "inputs"),
                    b.tensors(signature.results, "outputs"), symbols,
                    llvm::ConstantInt::get(b.i32, signature.batchSymbol),
                    llvm::ConstantInt::get(b.i32, cuda ? RNNRT_DEVICE_CUDA : RNNRT_DEVICE_CPU),
                    llvm::ConstantInt::get(b.i64, maxBatch),
                    llvm::ConstantInt::get(b.i64, facts.weightBytes),
                    cuda ? static_cast<llvm::Constant *>(llvm::ConstantPointerNull::get(b.ptr))
                         : kernel,
                    heap[0], heap[1], heap[2], cudaCode, minimums,
                    b.string(options.precision), b.string(llvm::join(facts.cpuFeatures, ","))});
  llvm::Constant *descriptorVar = b.global(descriptor, "descriptor");

  auto *accessorType = llvm::FunctionType::get(b.ptr, {}, false);
  auto *accessor = llvm::Function::Create(accessorType, llvm::GlobalValue::ExternalLinkage,
                                          prefix + "model", module);
  if (accessor->getName() != prefix + "model")
    return fail("the symbol " + prefix + "model is taken");
  llvm::IRBuilder<> ret(llvm::BasicBlock::Create(context, "entry", accessor));
  ret.CreateRet(descriptorVar);
  return facts;
}
