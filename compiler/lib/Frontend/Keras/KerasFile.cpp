// Reading Keras model files: the `.keras` zip through libzip, HDF5 through
// its C API in a child process (Hdf5File.cpp), JSON through llvm::json
// (exception-free, as rnnc is built). Layouts: docs/keras.md.
#include "KerasFile.h"
#include "Hdf5File.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/MathExtras.h"

#include <zip.h>

#include <memory>

using namespace mlir;
using namespace mlir::rnnc::keras;

namespace {
/// Deepest nesting of JSON arrays and objects accepted: llvm::json's parser
/// recurses once per level.
constexpr unsigned kMaxJsonNesting = 256;

struct Reader {
  Location loc;
  uint64_t memoryLimit;
  uint64_t bytesRead = 0;
  KerasFile file;

  InFlightDiagnostic error() { return emitError(loc); }

  /// Counts `bytes` against the memory limit.
  LogicalResult take(uint64_t bytes, StringRef what) {
    bytesRead = llvm::SaturatingAdd(bytesRead, bytes);
    if (memoryLimit > 0 && bytesRead > memoryLimit)
      return error() << what << " takes the model over the memory limit of " << memoryLimit
                     << " bytes";
    return success();
  }

  LogicalResult parseConfig(StringRef text, StringRef what) {
    return parseKerasConfig(text, what, loc, file);
  }

  LogicalResult readHdf5(StringRef bytes, bool legacy, StringRef what) {
    llvm::Expected<Hdf5Contents> contents =
        readHdf5File(bytes, legacy, what, memoryLimit, bytesRead);
    if (!contents)
      return error() << llvm::toString(contents.takeError());
    if (legacy) {
      if (contents->modelConfig.size() != 1)
        return error() << "model_config holds " << contents->modelConfig.size()
                       << " strings, not one";
      if (failed(take(contents->modelConfig.front().size(), "model_config")) ||
          failed(parseConfig(contents->modelConfig.front(), "model_config")))
        return failure();
    }
    for (const auto &[path, array] : contents->datasets)
      if (failed(take(array.values.size() * sizeof(float), "dataset '" + path + "'")))
        return failure();
    file.weightNames = std::move(contents->weightNames);
    file.datasets = std::move(contents->datasets);
    return success();
  }

  LogicalResult readZipMember(zip_t *archive, const char *name, std::string &out) {
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat(archive, name, 0, &stat) != 0 || !(stat.valid & ZIP_STAT_SIZE))
      return error() << "the .keras archive has no '" << name << "'";
    if (failed(take(stat.size, std::string("'") + name + "'")))
      return failure();
    std::unique_ptr<zip_file_t, int (*)(zip_file_t *)> member(zip_fopen(archive, name, 0),
                                                              zip_fclose);
    if (!member)
      return error() << "cannot open '" << name << "' in the .keras archive: "
                     << zip_strerror(archive);
    out.resize(stat.size);
    zip_int64_t read = stat.size == 0 ? 0 : zip_fread(member.get(), out.data(), stat.size);
    char extra;
    if (read != static_cast<zip_int64_t>(stat.size) || zip_fread(member.get(), &extra, 1) != 0)
      return error() << "'" << name << "' in the .keras archive is truncated or corrupt";
    return success();
  }

  LogicalResult readArchive(StringRef bytes) {
    zip_error_t zipError;
    zip_error_init(&zipError);
    zip_source_t *source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &zipError);
    zip_t *archive =
        source ? zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &zipError) : nullptr;
    if (!archive) {
      if (source)
        zip_source_free(source);
      InFlightDiagnostic diag = error() << "not a .keras archive (a zip file): "
                                        << zip_error_strerror(&zipError);
      zip_error_fini(&zipError);
      return diag;
    }
    std::unique_ptr<zip_t, void (*)(zip_t *)> closer(archive, zip_discard);
    std::string config, weights;
    if (failed(readZipMember(archive, "config.json", config)) ||
        failed(parseConfig(config, "config.json")) ||
        failed(readZipMember(archive, "model.weights.h5", weights)))
      return failure();
    return readHdf5(weights, /*legacy=*/false, "model.weights.h5");
  }
};
} // namespace

LogicalResult mlir::rnnc::keras::parseKerasConfig(StringRef text, StringRef what, Location loc,
                                                  KerasFile &file) {
  unsigned depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonNesting)
        return emitError(loc) << what << " nests deeper than " << kMaxJsonNesting << " levels";
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  llvm::Expected<llvm::json::Value> value = llvm::json::parse(text);
  if (!value)
    return emitError(loc) << what << " is not valid JSON: " << llvm::toString(value.takeError());
  if (!value->getAsObject())
    return emitError(loc) << what << " is not a JSON object";
  file.config = std::move(*value);
  return success();
}

FailureOr<KerasFile> mlir::rnnc::keras::readKerasFile(StringRef path, StringRef bytes,
                                                      Location loc, uint64_t memoryLimit) {
  Reader reader{loc, memoryLimit};
  reader.file.legacy = path.ends_with(".h5");
  if (failed(reader.file.legacy ? reader.readHdf5(bytes, /*legacy=*/true, "the file")
                                : reader.readArchive(bytes)))
    return failure();
  return std::move(reader.file);
}
