#include "rnnc/API/Aot.h"

#include "rnnc/Target/CHeader/CHeader.h"
#include "rnnc/Target/Cpu/CpuTarget.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace mlir::rnnc;

FailureOr<AotOutput> mlir::rnnc::compileAot(ModuleOp module, const CompileOptions &options,
                                            StringRef source, AotEmit emit, std::string *error) {
  auto fail = [&](llvm::Error err) -> FailureOr<AotOutput> {
    *error = llvm::toString(std::move(err));
    return failure();
  };
  auto machine = createTargetMachine(CpuTargetOptions{options.cpu});
  if (!machine)
    return fail(machine.takeError());
  FailureOr<LoweredModel> lowered = lowerModel(module, options);
  if (failed(lowered))
    return failure();
  llvm::LLVMContext llvmContext;
  auto llvmModule = translateForTarget(*lowered->module, llvmContext, **machine);
  if (!llvmModule)
    return fail(llvmModule.takeError());
  auto facts = addRuntimeAbi(**llvmModule, *lowered, options, (*machine)->getTargetCPU());
  if (!facts)
    return fail(facts.takeError());
  if (llvm::Error err = optimizeModule(**llvmModule, **machine))
    return fail(std::move(err));
  AotOutput output;
  llvm::raw_string_ostream headerOs(output.header);
  emitCHeader(headerOs, lowered->signature, options, *facts, source);
  if (emit == AotEmit::LLVM) {
    llvm::raw_string_ostream codeOs(output.code);
    (*llvmModule)->print(codeOs, nullptr);
    return output;
  }
  llvm::SmallVector<char, 0> code;
  llvm::raw_svector_ostream codeOs(code);
  auto type = emit == AotEmit::Assembly ? llvm::CodeGenFileType::AssemblyFile
                                        : llvm::CodeGenFileType::ObjectFile;
  if (llvm::Error err = emitMachineCode(**llvmModule, **machine, type, codeOs))
    return fail(std::move(err));
  output.code.assign(code.begin(), code.end());
  return output;
}

std::string mlir::rnnc::writeFilesTogether(ArrayRef<std::pair<std::string, std::string>> files) {
  std::vector<std::pair<llvm::sys::fs::TempFile, std::string>> temporaries;
  auto discardFrom = [&](size_t first) {
    for (size_t i = first; i < temporaries.size(); ++i)
      llvm::consumeError(temporaries[i].first.discard());
  };
  for (const auto &[path, text] : files) {
    auto temporary = llvm::sys::fs::TempFile::create(path + ".tmp%%%%%%");
    if (!temporary) {
      discardFrom(0);
      return "cannot create a temporary for " + path + ": " +
             llvm::toString(temporary.takeError());
    }
    llvm::raw_fd_ostream os(temporary->FD, /*shouldClose=*/false);
    os << text;
    os.flush();
    temporaries.emplace_back(std::move(*temporary), path);
    if (os.has_error()) {
      discardFrom(0);
      return "cannot write " + path + ": " + os.error().message();
    }
  }
  for (size_t i = 0; i < temporaries.size(); ++i) {
    if (llvm::Error err = temporaries[i].first.keep(temporaries[i].second)) {
      discardFrom(i + 1);
      return "cannot write " + temporaries[i].second + ": " + llvm::toString(std::move(err));
    }
  }
  return "";
}

bool mlir::rnnc::isSamePath(StringRef a, StringRef b) {
  bool equivalent = false;
  if (!llvm::sys::fs::equivalent(a, b, equivalent) && equivalent)
    return true;
  llvm::SmallString<256> absoluteA(a), absoluteB(b);
  llvm::sys::fs::make_absolute(absoluteA);
  llvm::sys::fs::make_absolute(absoluteB);
  llvm::sys::path::remove_dots(absoluteA, /*remove_dot_dot=*/true);
  llvm::sys::path::remove_dots(absoluteB, /*remove_dot_dot=*/true);
  return absoluteA == absoluteB;
}
