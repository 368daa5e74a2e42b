#include "rnnc/Target/Cpu/CpuTarget.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#include <mutex>

using namespace mlir;

void mlir::rnnc::initializeNativeTarget() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
mlir::rnnc::createTargetMachine(const CpuTargetOptions &options) {
  initializeNativeTarget();
  std::string triple = llvm::sys::getProcessTriple();
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "no LLVM target for '" + triple + "': " + error);
  std::string cpu = options.cpu;
  std::string features;
  if (cpu == "host") {
    cpu = llvm::sys::getHostCPUName().str();
    llvm::SubtargetFeatures featureSet;
    for (auto &feature : llvm::sys::getHostCPUFeatures())
      featureSet.AddFeature(feature.first(), feature.second);
    features = featureSet.getString();
  } else {
    const llvm::MCSubtargetInfo *info = target->createMCSubtargetInfo(triple, "", "");
    bool known = info && info->isCPUStringValid(cpu);
    delete info;
    if (!known)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "unknown CPU '" + cpu +
                                         "' (use host, x86-64-v3, x86-64-v4 or an LLVM CPU name)");
  }
  llvm::TargetOptions targetOptions;
  std::unique_ptr<llvm::TargetMachine> machine(
      target->createTargetMachine(triple, cpu, features, targetOptions, llvm::Reloc::PIC_,
                                  std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "cannot create a target machine for CPU '" + cpu + "'");
  return machine;
}

bool mlir::rnnc::cpuHasFeature(const CpuTargetOptions &options, llvm::StringRef feature) {
  llvm::Expected<std::unique_ptr<llvm::TargetMachine>> machine = createTargetMachine(options);
  if (!machine) {
    llvm::consumeError(machine.takeError());
    return false;
  }
  return (*machine)->getMCSubtargetInfo()->checkFeatures(("+" + feature).str());
}

std::vector<std::string> mlir::rnnc::runtimeCheckedFeatures(const CpuTargetOptions &options) {
  std::vector<std::string> features;
  llvm::Expected<std::unique_ptr<llvm::TargetMachine>> machine = createTargetMachine(options);
  if (!machine) {
    llvm::consumeError(machine.takeError());
    return features;
  }
  // The names runtime/src/model.c knows.
  for (llvm::StringRef feature : {"avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512dq",
                                  "avx512vl", "avx512vnni", "avx512bf16"})
    if ((*machine)->getMCSubtargetInfo()->checkFeatures(("+" + feature).str()))
      features.push_back(feature.str());
  return features;
}

llvm::Expected<std::unique_ptr<llvm::Module>>
mlir::rnnc::translateForTarget(ModuleOp module, llvm::LLVMContext &context,
                               llvm::TargetMachine &machine) {
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  module->getContext()->appendDialectRegistry(registry);
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(module, context);
  if (!llvmModule)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "translation to LLVM IR failed");
  llvmModule->setDataLayout(machine.createDataLayout());
  llvmModule->setTargetTriple(machine.getTargetTriple().getTriple());
  // Function attributes carry the CPU so that LLVM's cost models see AVX-512.
  for (llvm::Function &function : *llvmModule) {
    if (function.isDeclaration())
      continue;
    function.addFnAttr("target-cpu", machine.getTargetCPU());
    if (!machine.getTargetFeatureString().empty())
      function.addFnAttr("target-features", machine.getTargetFeatureString());
  }
  return llvmModule;
}

/// Replaces every constant global of floats by a byte array with the same
/// contents (same name, alignment and linkage). The assembler writes an i8
/// array in one piece but a float array element by element, which took most
/// of the code generation time of models with megabytes of weights.
static void storeFloatConstantsAsBytes(llvm::Module &module) {
  llvm::Type *byteType = llvm::Type::getInt8Ty(module.getContext());
  for (llvm::GlobalVariable &global : llvm::make_early_inc_range(module.globals())) {
    auto *data = global.isConstant() && global.hasInitializer()
                     ? dyn_cast<llvm::ConstantDataSequential>(global.getInitializer())
                     : nullptr;
    if (!data || !data->getElementType()->isFloatingPointTy())
      continue;
    StringRef bytes = data->getRawDataValues();
    llvm::Align align = module.getDataLayout().getPreferredAlign(&global);
    auto *replacement = new llvm::GlobalVariable(
        module, llvm::ArrayType::get(byteType, bytes.size()), /*isConstant=*/true,
        global.getLinkage(), llvm::ConstantDataArray::getRaw(bytes, bytes.size(), byteType), "",
        &global, global.getThreadLocalMode(), global.getAddressSpace());
    replacement->copyAttributesFrom(&global);
    replacement->setAlignment(align);
    replacement->takeName(&global);
    global.replaceAllUsesWith(replacement);
    global.eraseFromParent();
  }
}

llvm::Error mlir::rnnc::optimizeModule(llvm::Module &module, llvm::TargetMachine &machine) {
  if (llvm::Error error =
          makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0, &machine)(&module))
    return error;
  storeFloatConstantsAsBytes(module);
  return llvm::Error::success();
}

llvm::Error mlir::rnnc::emitMachineCode(llvm::Module &module, llvm::TargetMachine &machine,
                                        llvm::CodeGenFileType type, llvm::raw_pwrite_stream &os) {
  llvm::legacy::PassManager passes;
  if (machine.addPassesToEmitFile(passes, os, nullptr, type))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the target cannot emit this file type");
  passes.run(module);
  return llvm::Error::success();
}
