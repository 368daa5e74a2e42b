// Reading the HDF5 files of Keras models (Keras 3 weights, Keras 2 models)
// through libhdf5's C API, in a child process: libhdf5 1.10 is not safe on
// crafted files (docs/keras.md, "Untrusted files").
#include "Hdf5File.h"

#include "rnnc/Support/ChildProcess.h"
#include "llvm/Support/Errc.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <hdf5.h>
#include <hdf5_hl.h>

#include <cstring>
#include <mutex>
#include <optional>

using namespace mlir;
using namespace mlir::rnnc::keras;

namespace {
/// HDF5 as Debian builds it is not thread-safe, and its error printing and
/// plugin loading are process-wide settings: every use holds this lock (in
/// the child process too: h5py may be at work in the parent's other threads
/// when it forks, and forks from several threads wait for each other).
std::mutex &hdf5Mutex() {
  static std::mutex mutex;
  return mutex;
}

/// Silences HDF5's error stack printing while alive (restored after).
class QuietHdf5 {
public:
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    // A file may name a filter HDF5 does not have: never load code for it.
    H5PLset_loading_state(0);
  }
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, function_, data_); }

private:
  H5E_auto2_t function_ = nullptr;
  void *data_ = nullptr;
};

/// An HDF5 identifier closed with `close` when it goes out of scope.
class Handle {
public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0)
      close_(id_);
  }
  Handle(const Handle &) = delete;
  Handle &operator=(const Handle &) = delete;
  operator hid_t() const { return id_; }
  bool valid() const { return id_ >= 0; }

private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

constexpr StringLiteral kHdf5Signature("\x89HDF\r\n\x1a\n");

/// Bytes of an HDF5 length field: the superblock's "size of lengths" (byte
/// 14 of a version 0/1 superblock, 10 of version 2/3), 8 when unknown.
unsigned lengthSize(StringRef image) {
  if (!image.starts_with(kHdf5Signature) || image.size() < 16)
    return 8;
  unsigned version = static_cast<uint8_t>(image[8]);
  unsigned size = static_cast<uint8_t>(image[version < 2 ? 14 : 10]);
  return size == 2 || size == 4 || size == 8 ? size : 8;
}

/// The little-endian unsigned integer of `bytes` bytes at `at`.
uint64_t readLittleEndian(StringRef image, size_t at, unsigned bytes) {
  uint64_t value = 0;
  for (unsigned i = 0; i < bytes; ++i)
    value |= uint64_t(static_cast<uint8_t>(image[at + i])) << (8 * i);
  return value;
}

/// The first `length` bytes of object `index` of the global heap collection
/// at `address` (h5py's variable-length strings live there), walked as
/// HDF5 1.10 walks one (H5HG__cache_heap_deserialize) with every size
/// checked: none if the collection or the object is not there whole. rnnc
/// reads heaps itself: HDF5 1.10 follows a reference to an object its
/// collection lacks to a wild address, loops forever on an object of size 0
/// and copies objects larger than their collection or their reference past
/// its buffers (all found by rnnc-fuzz-keras).
std::optional<StringRef> heapString(StringRef image, uint64_t address, uint64_t index,
                                    uint64_t length) {
  const unsigned lengthBytes = lengthSize(image);
  const size_t headerBytes = 8 + lengthBytes, objectHeaderBytes = 8 + lengthBytes;
  // Signature, version 1, 3 reserved bytes, the collection's size (at least
  // 4096 bytes, HDF5's smallest). Index 0 is the collection's free space.
  if (index == 0 || address > image.size() || image.size() - address < headerBytes ||
      !image.substr(address).starts_with("GCOL") || image[address + 4] != 1)
    return std::nullopt;
  uint64_t size = readLittleEndian(image, address + 8, lengthBytes);
  if (size < 4096 || size > image.size() - address)
    return std::nullopt;
  size_t end = address + size, p = address + headerBytes;
  while (p < end && end - p >= objectHeaderBytes) {
    uint64_t objectIndex = readLittleEndian(image, p, 2);
    uint64_t objectSize = readLittleEndian(image, p + 8, lengthBytes);
    if (objectSize > end - p)
      return std::nullopt;
    uint64_t need =
        objectIndex > 0 ? objectHeaderBytes + llvm::alignTo(objectSize, 8) : objectSize;
    if (need == 0 || need > end - p)
      return std::nullopt;
    if (objectIndex == index)
      return length <= objectSize ? std::optional(image.substr(p + objectHeaderBytes, length))
                                  : std::nullopt;
    p += need;
  }
  return std::nullopt;
}

/// An HDF5 conversion from a variable-length string to an opaque type of
/// its stored size that leaves the bytes as they are: H5Aread then hands
/// over the stored references (length, heap collection address, object
/// index) instead of following them into the heap (heapString does that).
herr_t keepVlenReferences(hid_t source, hid_t destination, H5T_cdata_t *cdata, size_t, size_t,
                          size_t, void *, void *, hid_t) {
  switch (cdata->command) {
  case H5T_CONV_INIT:
    cdata->need_bkg = H5T_BKG_NO;
    return H5Tis_variable_str(source) > 0 && H5Tget_class(destination) == H5T_OPAQUE &&
                   H5Tget_size(source) == H5Tget_size(destination)
               ? 0
               : -1;
  case H5T_CONV_CONV:
  case H5T_CONV_FREE:
    return 0;
  default:
    return -1;
  }
}

/// keepVlenReferences registered with HDF5 while alive (process-wide: hold
/// hdf5Mutex).
class KeepVlenReferences {
public:
  KeepVlenReferences()
      : source_(H5Tcopy(H5T_C_S1), H5Tclose), destination_(H5Tcreate(H5T_OPAQUE, 1), H5Tclose) {
    registered_ = source_.valid() && destination_.valid() &&
                  H5Tset_size(source_, H5T_VARIABLE) >= 0 &&
                  H5Tregister(H5T_PERS_SOFT, kName, source_, destination_, keepVlenReferences) >= 0;
  }
  ~KeepVlenReferences() {
    if (registered_)
      H5Tunregister(H5T_PERS_SOFT, kName, source_, destination_, keepVlenReferences);
  }

private:
  static constexpr const char *kName = "rnnc: keep variable-length references";
  Handle source_, destination_;
  bool registered_ = false;
};

/// The message of a failed read, built with <<; converts to a failure.
class ReadError {
public:
  explicit ReadError(std::string &message) : stream(message) { message.clear(); }
  template <typename T> ReadError &operator<<(const T &value) {
    stream << value;
    return *this;
  }
  operator LogicalResult() const { return failure(); }
  template <typename T> operator FailureOr<T>() const { return failure(); }

private:
  llvm::raw_string_ostream stream;
};

/// Reads an HDF5 image with libhdf5 (in the child process).
struct Hdf5Reader {
  /// The HDF5 file being read, whole.
  StringRef image;
  uint64_t memoryLimit;
  uint64_t bytesRead;
  Hdf5Contents contents;
  std::string message;

  ReadError error() { return ReadError(message); }

  /// Counts `bytes` against the memory limit.
  LogicalResult take(uint64_t bytes, StringRef what) {
    bytesRead = llvm::SaturatingAdd(bytesRead, bytes);
    if (memoryLimit > 0 && bytesRead > memoryLimit)
      return error() << what << " takes the model over the memory limit of " << memoryLimit
                     << " bytes";
    return success();
  }

  /// Keras 2 splits a list attribute over 64 KiB into `name0`, `name1`, ...
  /// (hdf5_format.save_attributes_to_hdf5_group); read either way.
  FailureOr<std::vector<std::string>> readStrings(hid_t object, const std::string &name) {
    if (H5Aexists(object, name.c_str()) > 0)
      return readStringsOf(object, name);
    std::vector<std::string> strings;
    for (int chunk = 0; H5Aexists(object, (name + std::to_string(chunk)).c_str()) > 0; ++chunk) {
      FailureOr<std::vector<std::string>> part = readStringsOf(object, name + std::to_string(chunk));
      if (failed(part))
        return failure();
      strings.insert(strings.end(), part->begin(), part->end());
    }
    if (strings.empty())
      return error() << "the HDF5 file has no attribute '" << name << "'";
    return strings;
  }

  FailureOr<std::vector<std::string>> readStringsOf(hid_t object, const std::string &attributeName) {
    const char *name = attributeName.c_str();
    Handle attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
    Handle type(attribute.valid() ? H5Aget_type(attribute) : -1, H5Tclose);
    Handle space(attribute.valid() ? H5Aget_space(attribute) : -1, H5Sclose);
    if (!type.valid() || !space.valid())
      return error() << "cannot read attribute '" << name << "'";
    int rank = H5Sget_simple_extent_ndims(space);
    hsize_t count = 1;
    if (rank == 1)
      H5Sget_simple_extent_dims(space, &count, nullptr);
    else if (rank != 0)
      return error() << "attribute '" << name << "' is not one string or a list of them";
    std::vector<std::string> strings;
    // An empty list is written as an empty float array (np.asarray([])).
    if (count == 0)
      return strings;
    if (H5Tget_class(type) != H5T_STRING)
      return error() << "attribute '" << name << "' is not a string";
    if (H5Tis_variable_str(type) > 0) {
      // Each stored value: a 4-byte length, the heap collection's address,
      // the object's 4-byte index.
      hsize_t storage = H5Aget_storage_size(attribute);
      size_t element = storage / count;
      unsigned addressBytes = element - 8;
      if (storage % count != 0 || (addressBytes != 4 && addressBytes != 8))
        return error() << "attribute '" << name << "' is not stored as variable-length strings are";
      if (!image.starts_with(kHdf5Signature))
        return error() << "attribute '" << name
                       << "': variable-length strings are read only from HDF5 files without a "
                          "user block";
      if (failed(take(storage, name)))
        return failure();
      std::vector<char> references(storage);
      Handle memType(H5Tcreate(H5T_OPAQUE, element), H5Tclose);
      if (!memType.valid() || H5Tset_tag(memType, "rnnc: variable-length references") < 0)
        return error() << "cannot read attribute '" << name << "'";
      {
        KeepVlenReferences keep;
        if (H5Aread(attribute, memType, references.data()) < 0)
          return error() << "cannot read attribute '" << name << "'";
      }
      StringRef stored(references.data(), references.size());
      for (hsize_t i = 0; i < count; ++i) {
        size_t at = i * element;
        uint64_t length = readLittleEndian(stored, at, 4);
        uint64_t address = readLittleEndian(stored, at + 4, addressBytes);
        uint64_t index = readLittleEndian(stored, at + 4 + addressBytes, 4);
        if (length == 0) {
          strings.emplace_back();
          continue;
        }
        std::optional<StringRef> text = heapString(image, address, index, length);
        if (!text)
          return error() << "attribute '" << name
                         << "' names a variable-length string that the file's global heap does "
                            "not hold whole (a corrupt heap or reference)";
        if (failed(take(length, name)))
          return failure();
        strings.push_back(text->str());
      }
    } else {
      size_t size = H5Tget_size(type);
      uint64_t bytes = llvm::SaturatingMultiply<uint64_t>(size, count);
      if (size == 0 || bytes == UINT64_MAX)
        return error() << "attribute '" << name << "' is too large";
      if (failed(take(bytes, name)))
        return failure();
      std::vector<char> buffer(bytes);
      Handle memType(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(memType, size);
      H5Tset_strpad(memType, H5T_STR_NULLPAD);
      if (H5Aread(attribute, memType, buffer.data()) < 0)
        return error() << "cannot read attribute '" << name << "'";
      for (hsize_t i = 0; i < count; ++i) {
        StringRef text(buffer.data() + i * size, size);
        strings.push_back(text.take_until([](char c) { return c == '\0'; }).str());
      }
    }
    return strings;
  }

  /// Reads the float dataset `path` (other element types are skipped).
  LogicalResult readDataset(hid_t root, const std::string &path) {
    Handle dataset(H5Dopen2(root, path.c_str(), H5P_DEFAULT), H5Dclose);
    if (!dataset.valid())
      return error() << "cannot open dataset '" << path << "'";
    Handle plist(H5Dget_create_plist(dataset), H5Pclose);
    if (!plist.valid())
      return error() << "cannot read the layout of dataset '" << path << "'";
    if (H5Pget_layout(plist) == H5D_VIRTUAL || H5Pget_external_count(plist) != 0)
      return error() << "dataset '" << path << "' keeps its data in other files";
    Handle type(H5Dget_type(dataset), H5Tclose);
    if (!type.valid() || H5Tget_class(type) != H5T_FLOAT)
      return success();
    Handle space(H5Dget_space(dataset), H5Sclose);
    int rank = space.valid() ? H5Sget_simple_extent_ndims(space) : -1;
    if (rank < 0 || rank > 8)
      return error() << "dataset '" << path << "' has an unsupported shape";
    hsize_t dims[8] = {};
    H5Sget_simple_extent_dims(space, dims, nullptr);
    Array array;
    uint64_t count = 1;
    for (int d = 0; d < rank; ++d) {
      count = llvm::SaturatingMultiply<uint64_t>(count, dims[d]);
      array.shape.push_back(static_cast<int64_t>(std::min<uint64_t>(dims[d], INT64_MAX)));
    }
    uint64_t bytes = llvm::SaturatingMultiply<uint64_t>(count, sizeof(float));
    if (bytes == UINT64_MAX)
      return error() << "dataset '" << path << "' is too large";
    if (failed(take(bytes, "dataset '" + path + "'")))
      return failure();
    array.values.resize(count);
    if (count > 0 &&
        H5Dread(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, array.values.data()) < 0)
      return error() << "cannot read dataset '" << path << "' (truncated or corrupt)";
    contents.datasets[path] = std::move(array);
    return success();
  }

  /// Every dataset reachable from the root through hard links; soft links
  /// are not followed, external and user-defined links are refused.
  LogicalResult readDatasets(hid_t root) {
    struct Visit {
      std::vector<std::string> datasets;
      std::string refused;
    } visit;
    auto callback = [](hid_t group, const char *name, const H5L_info_t *info,
                       void *data) -> herr_t {
      auto *visit = static_cast<Visit *>(data);
      if (info->type == H5L_TYPE_EXTERNAL || info->type > H5L_TYPE_SOFT) {
        visit->refused = name;
        return 1;
      }
      if (info->type != H5L_TYPE_HARD)
        return 0;
      Handle object(H5Oopen(group, name, H5P_DEFAULT), H5Oclose);
      if (object.valid() && H5Iget_type(object) == H5I_DATASET)
        visit->datasets.push_back(name);
      return 0;
    };
    herr_t status = H5Lvisit(root, H5_INDEX_NAME, H5_ITER_INC, callback, &visit);
    if (!visit.refused.empty())
      return error() << "the HDF5 file links to another file at '" << visit.refused << "'";
    if (status < 0)
      return error() << "cannot walk the HDF5 file (truncated or corrupt)";
    for (const std::string &path : visit.datasets)
      if (failed(readDataset(root, path)))
        return failure();
    return success();
  }

  LogicalResult read(bool legacy, StringRef what) {
    QuietHdf5 quiet;
    // The image stays ours (DONT_COPY, DONT_RELEASE) and is opened read-only.
    Handle root(H5LTopen_file_image(const_cast<char *>(image.data()), image.size(),
                                    H5LT_FILE_IMAGE_DONT_COPY | H5LT_FILE_IMAGE_DONT_RELEASE),
                H5Fclose);
    if (!root.valid())
      return error() << what << " is not an HDF5 file (truncated or corrupt)";
    if (legacy) {
      if (H5Aexists(root, "model_config") <= 0)
        return error() << "not a Keras model file: an HDF5 file without 'model_config' (weights "
                          "alone cannot be loaded)";
      FailureOr<std::vector<std::string>> config = readStrings(root, "model_config");
      if (failed(config))
        return failure();
      contents.modelConfig = std::move(*config);
      if (H5Lexists(root, "model_weights", H5P_DEFAULT) <= 0)
        return error() << "the HDF5 file has no 'model_weights' group";
      Handle weights(H5Gopen2(root, "model_weights", H5P_DEFAULT), H5Gclose);
      if (!weights.valid())
        return error() << "'model_weights' is not a group";
      FailureOr<std::vector<std::string>> layers = readStrings(weights, "layer_names");
      if (failed(layers))
        return failure();
      for (const std::string &layer : *layers) {
        if (H5Lexists(weights, layer.c_str(), H5P_DEFAULT) <= 0)
          return error() << "model_weights has no group for layer '" << layer << "'";
        Handle group(H5Gopen2(weights, layer.c_str(), H5P_DEFAULT), H5Gclose);
        FailureOr<std::vector<std::string>> names =
            group.valid() ? readStrings(group, "weight_names") : FailureOr<std::vector<std::string>>();
        if (failed(names))
          return error() << "layer '" << layer << "' of model_weights has no weight_names";
        contents.weightNames[layer] = *names;
      }
    }
    return readDatasets(root);
  }
};

/// The child's answer, and the parent's reading of it (bounds-checked: a
/// child whose memory libhdf5 corrupted may still exit normally).
void put(std::string &out, uint64_t value) { out.append(reinterpret_cast<char *>(&value), 8); }
void put(std::string &out, StringRef text) {
  put(out, text.size());
  out.append(text.data(), text.size());
}
void put(std::string &out, const std::vector<std::string> &strings) {
  put(out, strings.size());
  for (const std::string &text : strings)
    put(out, StringRef(text));
}

struct Cursor {
  StringRef data;
  bool ok = true;

  bool get(uint64_t &value) {
    ok = ok && data.size() >= 8;
    if (ok) {
      std::memcpy(&value, data.data(), 8);
      data = data.drop_front(8);
    }
    return ok;
  }
  bool get(std::string &text) {
    uint64_t size = 0;
    ok = get(size) && size <= data.size();
    if (ok) {
      text = data.take_front(size).str();
      data = data.drop_front(size);
    }
    return ok;
  }
  bool get(std::vector<std::string> &strings) {
    uint64_t count = 0;
    ok = get(count) && count <= data.size() / 8;
    for (uint64_t i = 0; ok && i < count; ++i)
      get(strings.emplace_back());
    return ok;
  }
};

std::string serialize(const Hdf5Reader &reader, bool succeeded) {
  std::string out;
  if (!succeeded) {
    out.push_back('E');
    out += reader.message;
    return out;
  }
  const Hdf5Contents &contents = reader.contents;
  out.push_back('K');
  put(out, contents.modelConfig);
  put(out, contents.weightNames.size());
  for (const auto &[layer, names] : contents.weightNames) {
    put(out, StringRef(layer));
    put(out, names);
  }
  put(out, contents.datasets.size());
  for (const auto &[path, array] : contents.datasets) {
    put(out, StringRef(path));
    put(out, array.shape.size());
    for (int64_t size : array.shape)
      put(out, static_cast<uint64_t>(size));
    put(out, array.values.size());
    out.append(reinterpret_cast<const char *>(array.values.data()),
               array.values.size() * sizeof(float));
  }
  return out;
}

llvm::Expected<Hdf5Contents> deserialize(StringRef answer) {
  auto corrupt = [] {
    return llvm::createStringError(llvm::errc::io_error,
                                   "the HDF5 reader's answer is corrupt (a crafted file?)");
  };
  if (answer.consume_front("E"))
    return llvm::createStringError(llvm::errc::invalid_argument, "%s", answer.str().c_str());
  if (!answer.consume_front("K"))
    return corrupt();
  Hdf5Contents contents;
  Cursor in{answer};
  uint64_t layers = 0, datasets = 0;
  in.get(contents.modelConfig);
  in.get(layers);
  for (uint64_t i = 0; in.ok && i < layers; ++i) {
    std::string layer;
    in.get(layer);
    in.get(contents.weightNames[layer]);
  }
  in.get(datasets);
  for (uint64_t i = 0; in.ok && i < datasets; ++i) {
    std::string path;
    uint64_t rank = 0, count = 0;
    in.get(path);
    in.ok = in.get(rank) && rank <= 8;
    Array array;
    for (uint64_t d = 0; in.ok && d < rank; ++d) {
      uint64_t size = 0;
      in.get(size);
      array.shape.push_back(static_cast<int64_t>(size));
    }
    in.ok = in.get(count) && count <= in.data.size() / sizeof(float);
    if (!in.ok)
      break;
    array.values.resize(count);
    std::memcpy(array.values.data(), in.data.data(), count * sizeof(float));
    in.data = in.data.drop_front(count * sizeof(float));
    contents.datasets[path] = std::move(array);
  }
  if (!in.ok || !in.data.empty())
    return corrupt();
  return contents;
}
} // namespace

llvm::Expected<Hdf5Contents> mlir::rnnc::keras::readHdf5File(StringRef bytes, bool legacy,
                                                             StringRef what, uint64_t memoryLimit,
                                                             uint64_t bytesRead) {
  std::lock_guard<std::mutex> lock(hdf5Mutex());
  // The answer holds what the memory limit lets the child read, and names.
  uint64_t maxAnswer =
      memoryLimit > 0 ? llvm::SaturatingAdd<uint64_t>(2 * memoryLimit, 1 << 20) : UINT64_MAX;
  llvm::Expected<std::string> answer = runInChildProcess(
      [&](std::string &out) {
        Hdf5Reader reader{bytes, memoryLimit, bytesRead, {}, {}};
        bool succeeded = llvm::succeeded(reader.read(legacy, what));
        out = serialize(reader, succeeded);
      },
      kHdf5TimeoutSeconds, maxAnswer);
  if (!answer)
    return llvm::createStringError(llvm::errc::io_error, "reading %s with libhdf5 %s",
                                   what.str().c_str(),
                                   llvm::toString(answer.takeError()).c_str());
  return deserialize(*answer);
}
