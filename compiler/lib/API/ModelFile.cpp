#include "rnnc/API/ModelFile.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "rnnc/Frontend/Keras/KerasImporter.h"
#include "rnnc/Frontend/Onnx/OnnxImporter.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"

#include <sys/resource.h>

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

/// One pass over the text, outside comments and strings: refuses nesting
/// deeper than rnnc::kMaxModelNesting, and `dialect.op<` not followed by `{` where
/// the operation name starts a token (not `!dialect.type<` or
/// `#dialect.attr<`, whose parameters may be anything).
LogicalResult checkModelText(llvm::SourceMgr &sourceMgr, MLIRContext *context) {
  const llvm::MemoryBuffer *buffer = sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  StringRef text = buffer->getBuffer();
  auto errorAt = [&](size_t offset) {
    auto [line, column] =
        sourceMgr.getLineAndColumn(llvm::SMLoc::getFromPointer(text.data() + offset));
    return emitError(FileLineColLoc::get(context, buffer->getBufferIdentifier(), line, column));
  };
  unsigned depth = 0;
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
    if (c == '(' || c == '[' || c == '{' || c == '<') {
      if (++depth > rnnc::kMaxModelNesting) {
        errorAt(i) << "the model nests deeper than " << rnnc::kMaxModelNesting << " levels";
        return failure();
      }
      continue;
    }
    // `->` and `>=` close nothing.
    bool arrow = c == '>' && i > 0 && text[i - 1] == '-';
    bool comparison = c == '>' && i + 1 < text.size() && text[i + 1] == '=';
    if ((c == ')' || c == ']' || c == '}' || (c == '>' && !arrow && !comparison)) && depth > 0) {
      --depth;
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
      errorAt(i) << "the properties of '" << name << "' must be a dictionary, '<{...}>'";
      return failure();
    }
    --i;
  }
  return success();
}

} // namespace

LogicalResult mlir::rnnc::checkModelSizes(ModuleOp module, uint64_t memoryLimit) {
  if (memoryLimit == 0)
    return success();
  uint64_t constantBytes = 0, largestBytes = 0;
  Operation *largest = nullptr;
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
    if (op->hasTrait<OpTrait::ConstantLike>()) {
      for (Type type : op->getResultTypes()) {
        uint64_t bytes = staticTensorBytes(type);
        constantBytes = llvm::SaturatingAdd(constantBytes, bytes);
        if (bytes > largestBytes) {
          largestBytes = bytes;
          largest = op;
        }
      }
    }
    return WalkResult::advance();
  });
  if (result.wasInterrupted())
    return failure();
  uint64_t compileBytes = llvm::SaturatingMultiply(constantBytes, kCompileBytesPerConstantByte);
  if (compileBytes > memoryLimit)
    return largest->emitError()
           << "the model's constants hold " << constantBytes << " bytes (the largest here); "
           << "compiling them takes about " << compileBytes << ", over the memory limit of "
           << memoryLimit;
  return success();
}

uint64_t mlir::rnnc::effectiveMemoryLimit(uint64_t memoryLimit) {
  struct rlimit limit;
  if (getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return memoryLimit;
  uint64_t addressSpace = static_cast<uint64_t>(limit.rlim_cur);
  return memoryLimit == 0 ? addressSpace : std::min(memoryLimit, addressSpace);
}

OwningOpRef<ModuleOp> mlir::rnnc::loadModelFile(StringRef path, llvm::SourceMgr &sourceMgr,
                                                MLIRContext *context,
                                                const ModelFileOptions &options) {
  uint64_t memoryLimit = effectiveMemoryLimit(options.memoryLimit);
  Location fileLoc = FileLineColLoc::get(context, path, 0, 0);
  // Only regular files have a size to check before reading: a FIFO or a
  // device could feed any number of bytes, or block forever.
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(path, status)) {
    emitError(fileLoc) << "cannot read the model file: " << ec.message();
    return nullptr;
  }
  if (status.type() != llvm::sys::fs::file_type::regular_file) {
    emitError(fileLoc) << "the model file is not a regular file";
    return nullptr;
  }
  if (memoryLimit > 0 && status.getSize() > memoryLimit) {
    emitError(fileLoc) << "the model file is " << status.getSize()
                       << " bytes, over the memory limit of " << memoryLimit;
    return nullptr;
  }
  std::string error;
  auto file = openInputFile(path, &error);
  if (!file) {
    emitError(fileLoc) << error;
    return nullptr;
  }
  if (!path.ends_with(".onnx") && !path.ends_with(".mlir") && !isKerasModelPath(path)) {
    emitError(fileLoc) << "is not a model rnnc reads: .onnx, .keras, .h5 (Keras) or .mlir";
    return nullptr;
  }
  OwningOpRef<ModuleOp> module;
  if (path.ends_with(".onnx")) {
    module = importOnnxBytes(file->getBuffer(), path, context);
  } else if (isKerasModelPath(path)) {
    module = importKerasBytes(file->getBuffer(), path, context, memoryLimit);
  } else {
    sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    module = parseModelSource(sourceMgr, context);
  }
  if (!module || (!options.trustedIR && failed(checkModelAllowlist(*module))) ||
      failed(checkModelSizes(*module, memoryLimit)))
    return nullptr;
  return module;
}

std::string mlir::rnnc::describeLocation(Location loc) {
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    return file.getLine() == 0 ? file.getFilename().str()
                               : (file.getFilename().getValue() + ":" + Twine(file.getLine()) +
                                  ":" + Twine(file.getColumn()))
                                     .str();
  if (auto name = dyn_cast<NameLoc>(loc)) {
    std::string inner = describeLocation(name.getChildLoc());
    return inner.empty() ? name.getName().str() : inner + ": " + name.getName().str();
  }
  if (auto call = dyn_cast<CallSiteLoc>(loc))
    return describeLocation(call.getCallee());
  if (auto fused = dyn_cast<FusedLoc>(loc))
    return fused.getLocations().empty() ? "" : describeLocation(fused.getLocations().front());
  return "";
}

OwningOpRef<ModuleOp> mlir::rnnc::parseModelSource(llvm::SourceMgr &sourceMgr,
                                                   MLIRContext *context) {
  if (failed(checkModelText(sourceMgr, context)))
    return nullptr;
  return parseSourceFile<ModuleOp>(sourceMgr, context);
}
