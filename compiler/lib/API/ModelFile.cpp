#include "rnnc/API/ModelFile.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "rnnc/Frontend/Onnx/OnnxImporter.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace {
/// Bytes of a statically shaped tensor type, saturating; 0 for other types.
uint64_t staticTensorBytes(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape() || !tensor.getElementType().isIntOrFloat())
    return 0;
  uint64_t bytes = std::max<uint64_t>(1, tensor.getElementTypeBitWidth() / 8);
  for (int64_t size : tensor.getShape())
    bytes = llvm::SaturatingMultiply(bytes, static_cast<uint64_t>(size));
  return bytes;
}

bool isIdentifierChar(char c) { return llvm::isAlnum(c) || c == '_' || c == '$' || c == '.'; }

/// Finds `dialect.op<` not followed by `{` outside comments and strings, where
/// the operation name starts a token (not `!dialect.type<` or
/// `#dialect.attr<`, whose parameters may be anything).
LogicalResult checkPropertiesSyntax(llvm::SourceMgr &sourceMgr, MLIRContext *context) {
  const llvm::MemoryBuffer *buffer = sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  StringRef text = buffer->getBuffer();
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '/' && text.substr(i).starts_with("//")) {
      i = std::min(text.find('\n', i), text.size());
      continue;
    }
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
      continue;
    }
    if (!llvm::isAlpha(c) && c != '_')
      continue;
    size_t start = i;
    while (i < text.size() && isIdentifierChar(text[i]))
      ++i;
    StringRef name = text.slice(start, i);
    char before = start == 0 ? ' ' : text[start - 1];
    bool opName = name.contains('.') && before != '!' && before != '#' && before != '@' &&
                  before != '%' && before != '^';
    if (opName && i < text.size() && text[i] == '<' &&
        !text.substr(i + 1).ltrim().starts_with("{")) {
      auto [line, column] = sourceMgr.getLineAndColumn(llvm::SMLoc::getFromPointer(text.data() + i));
      emitError(FileLineColLoc::get(context, buffer->getBufferIdentifier(), line, column))
          << "the properties of '" << name << "' must be a dictionary, '<{...}>'";
      return failure();
    }
    --i;
  }
  return success();
}

LogicalResult checkTensorSizes(ModuleOp module, uint64_t memoryLimit) {
  WalkResult result = module.walk([&](Operation *op) {
    auto tooLarge = [&](Type type) {
      uint64_t bytes = staticTensorBytes(type);
      if (bytes <= memoryLimit)
        return false;
      op->emitError() << type << " holds " << bytes << " bytes, over the memory limit of "
                      << memoryLimit;
      return true;
    };
    if (llvm::any_of(op->getResultTypes(), tooLarge))
      return WalkResult::interrupt();
    for (Region &region : op->getRegions())
      for (Block &block : region)
        if (llvm::any_of(block.getArgumentTypes(), tooLarge))
          return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}
} // namespace

OwningOpRef<ModuleOp> mlir::rnnc::loadModelFile(StringRef path, llvm::SourceMgr &sourceMgr,
                                                MLIRContext *context, uint64_t memoryLimit) {
  Location fileLoc = FileLineColLoc::get(context, path, 0, 0);
  uint64_t fileBytes = 0;
  if (memoryLimit > 0 && !llvm::sys::fs::file_size(path, fileBytes) && fileBytes > memoryLimit) {
    emitError(fileLoc) << "the model file is " << fileBytes << " bytes, over the memory limit of "
                       << memoryLimit;
    return nullptr;
  }
  std::string error;
  auto file = openInputFile(path, &error);
  if (!file) {
    emitError(fileLoc) << error;
    return nullptr;
  }
  OwningOpRef<ModuleOp> module;
  if (path.ends_with(".onnx")) {
    module = importOnnxFile(path, context);
  } else {
    sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    module = parseModelSource(sourceMgr, context);
  }
  if (module && memoryLimit > 0 && failed(checkTensorSizes(*module, memoryLimit)))
    return nullptr;
  return module;
}

OwningOpRef<ModuleOp> mlir::rnnc::parseModelSource(llvm::SourceMgr &sourceMgr,
                                                   MLIRContext *context) {
  if (failed(checkPropertiesSyntax(sourceMgr, context)))
    return nullptr;
  return parseSourceFile<ModuleOp>(sourceMgr, context);
}
