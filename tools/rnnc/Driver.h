// What the subcommands of the rnnc driver share (rnnc.cpp, Info.cpp).
#ifndef RNNC_TOOLS_RNNC_DRIVER_H
#define RNNC_TOOLS_RNNC_DRIVER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "rnnc/API/ModelFile.h"
#include "rnnc/InitAll.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace mlir::rnnc::driver {

/// Prints "rnnc: error: MESSAGE" and returns the exit status 1.
inline int failWith(const std::string &message) {
  llvm::errs() << "rnnc: error: " << message << "\n";
  return 1;
}

inline DialectRegistry allDialects() {
  DialectRegistry registry;
  registerAllDialects(registry);
  return registry;
}

/// A parsed and verified model file; diagnostics print with file locations,
/// and those about the whole file (an ONNX model's, which has no lines) as
/// "FILE: error: ...", not "FILE:0:0: error: ...".
struct ModelFile {
  ModelFile(const std::string &path, const ModelFileOptions &options)
      : context(allDialects()), diagnostics(sourceMgr, &context),
        wholeFile(&context, [](Diagnostic &diagnostic) {
          // ONNX nodes' locations are NameLocs (the node) over the file's.
          Location where = diagnostic.getLocation();
          while (auto name = dyn_cast<NameLoc>(where))
            where = name.getChildLoc();
          auto loc = dyn_cast<FileLineColLoc>(where);
          if (!loc || loc.getLine() != 0)
            return failure();
          auto print = [&](const Diagnostic &d) {
            static const char *const kinds[] = {"note", "warning", "error", "remark"};
            llvm::errs() << loc.getFilename().getValue() << ": "
                         << kinds[static_cast<int>(d.getSeverity())] << ": " << d.str() << "\n";
          };
          print(diagnostic);
          for (const Diagnostic &note : diagnostic.getNotes())
            print(note);
          return success();
        }) {
    module = loadModelFile(path, sourceMgr, &context, options);
  }
  MLIRContext context;
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics;
  ScopedDiagnosticHandler wholeFile; // registered last: asked first
  OwningOpRef<ModuleOp> module;
};


/// `rnnc info MODEL`: what a host program needs to know about a model.
/// `sizes`: NAME=N run-time sizes at which to evaluate the memory per call.
int infoMain(const std::string &path, const ModelFileOptions &fileOptions, bool json,
             const std::vector<std::string> &sizes);

} // namespace mlir::rnnc::driver

#endif // RNNC_TOOLS_RNNC_DRIVER_H
