#include "rnnc/Target/CHeader/CHeader.h"
#include "rnnc/Target/CHeader/CIdentifiers.h"
#include "rnnrt/model.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Format.h"

using namespace mlir;
using namespace mlir::rnnc;

namespace {
const char *ctype(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return "float";
  case ElementType::I32:
    return "int32_t";
  case ElementType::I64:
    return "int64_t";
  case ElementType::Bool:
    return "uint8_t";
  }
  return "void";
}

const char *dtypeEnum(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return "RNNRT_DTYPE_F32";
  case ElementType::I32:
    return "RNNRT_DTYPE_I32";
  case ElementType::I64:
    return "RNNRT_DTYPE_I64";
  case ElementType::Bool:
    return "RNNRT_DTYPE_BOOL";
  }
  return "";
}

std::string humanBytes(uint64_t bytes) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (bytes < 1024)
    os << bytes << " B";
  else if (bytes < 1024 * 1024)
    os << llvm::format("%.1f KiB", bytes / 1024.0);
  else
    os << llvm::format("%.2f MiB", bytes / (1024.0 * 1024.0));
  return text;
}
/// `lstm_example` -> `LstmExample`: the C++ class of a model.
std::string className(StringRef name) {
  std::string text;
  bool upper = true;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    text += upper ? llvm::toUpper(c) : c;
    upper = false;
  }
  return text.empty() || llvm::isDigit(text[0]) ? "Model" + text : text;
}

/// The C++ class of the header, in the manner of tfcompile's: an RAII
/// instance, one typed setter per input taking the data and the run-time
/// sizes only that input introduces (the batch is the instance's), run()
/// returning a status with error() saying why, one view per output with its
/// shape.
void emitCppClass(llvm::raw_ostream &os, StringRef name, const ModelSignature &signature,
                  ArrayRef<TensorSpec> inputs, ArrayRef<TensorSpec> results, bool cuda) {
  std::string cls = className(name);
  CIdentifiers ids;
  os << "#ifdef __cplusplus\n#include <string>\n\n"
     << "/* C++: an instance of " << name << " that frees itself (docs/aot.md). */\n"
     << "class " << cls << " {\npublic:\n"
     << "  /* An output in instance memory" << (cuda ? " (a device address)" : "")
     << ", valid until the next run() or the\n   * instance's end. */\n"
     << "  template <typename T> struct View {\n"
     << "    const T *data = nullptr;\n    int32_t rank = 0;\n"
     << "    int64_t dims[RNNRT_MAX_RANK] = {};\n"
     << "    size_t size() const {\n      size_t count = data ? 1 : 0;\n"
     << "      for (int32_t d = 0; d < rank; ++d)\n        count *= (size_t)dims[d];\n"
     << "      return count;\n    }\n  };\n\n"
     << "  /* batch: rows per call (0: the model's static batch). If creation fails,\n"
     << "   * ok() is false and error() says why. */\n"
     << "  explicit " << cls << "(int64_t batch = 0, bool keep_state = false) {\n"
     << "    rnnrt_instance_options_t options;\n"
     << "    rnnrt_instance_options_initialize(&options);\n"
     << "    options.batch = batch;\n    options.keep_state = keep_state;\n"
     << "    create(options);\n  }\n"
     << "  explicit " << cls << "(const rnnrt_instance_options_t &options) { create(options); }\n"
     << "  ~" << cls << "() { rnnrt_instance_destroy(instance_); }\n"
     << "  " << cls << "(const " << cls << " &) = delete;\n"
     << "  " << cls << " &operator=(const " << cls << " &) = delete;\n\n"
     << "  bool ok() const { return instance_ != nullptr; }\n"
     << "  /* Why creation or the last run() failed; empty after a success. */\n"
     << "  const std::string &error() const { return error_; }\n"
     << "  /* The instance, for the rest of the rnnrt API (state, lengths, masks). */\n"
     << "  rnnrt_instance_t *instance() const { return instance_; }\n\n";

  os << "  /* Inputs for the next run(), C-order" << (cuda ? " in GPU memory" : "")
     << "; a state, sequence-length or mask\n   * input left unset is the instance's. */\n";
  for (auto [i, spec] : llvm::enumerate(inputs)) {
    os << "  void set_" << ids.make(spec.name) << "(const " << ctype(spec.elementType) << " *data";
    llvm::SmallVector<int, 4> own;
    for (int symbol : spec.dimSymbols)
      if (symbol >= 0 && symbol != signature.batchSymbol && !llvm::is_contained(own, symbol))
        own.push_back(symbol);
    CIdentifiers paramIds;
    paramIds.make("data");
    llvm::SmallVector<std::string, 4> params;
    for (int symbol : own) {
      params.push_back(paramIds.make(signature.symbols[symbol]));
      os << ", int64_t " << params.back();
    }
    os << ") {\n    inputs_[" << i << "] = {(void *)(uintptr_t)data, " << dtypeEnum(spec.elementType)
       << ", " << spec.shape.size() << ", {";
    for (auto [d, size] : llvm::enumerate(spec.shape)) {
      int symbol = spec.dimSymbols[d];
      os << (d ? ", " : "");
      if (symbol < 0)
        os << size;
      else if (symbol == signature.batchSymbol)
        os << "rnnrt_instance_batch(instance_)";
      else
        os << params[llvm::find(own, symbol) - own.begin()];
    }
    os << "}};\n  }\n";
  }
  os << "\n  /* One call on the inputs set: RNNRT_STATUS_OK, else error() says why. */\n"
     << "  rnnrt_status_t run() {\n"
     << "    rnnrt_status_t status = rnnrt_instance_run(instance_, "
     << (inputs.empty() ? "nullptr" : "inputs_") << ", " << inputs.size() << ");\n"
     << "    error_ = status == RNNRT_STATUS_OK ? \"\" : rnnrt_instance_last_error(instance_);\n"
     << "    return status;\n  }\n\n";
  os << "  /* The outputs of the last successful run() (empty views before one). */\n";
  for (auto [i, spec] : llvm::enumerate(results))
    os << "  View<" << ctype(spec.elementType) << "> output_" << ids.make(spec.name)
       << "() const { return view<" << ctype(spec.elementType) << ">(" << i << "); }\n";
  os << "\nprivate:\n"
     << "  void create(const rnnrt_instance_options_t &options) {\n"
     << "    char message[512] = \"\";\n"
     << "    if (rnnrt_instance_create(" << name
     << "_model(), &options, &instance_, message, sizeof message) !=\n"
     << "        RNNRT_STATUS_OK)\n      error_ = message;\n  }\n"
     << "  template <typename T> View<T> view(size_t index) const {\n"
     << "    View<T> view;\n    rnnrt_tensor_t tensor;\n"
     << "    if (!instance_ || rnnrt_instance_output(instance_, index, &tensor) != "
        "RNNRT_STATUS_OK)\n      return view;\n"
     << "    view.data = (const T *)tensor.data;\n    view.rank = tensor.rank;\n"
     << "    for (int32_t d = 0; d < tensor.rank; ++d)\n      view.dims[d] = tensor.dims[d];\n"
     << "    return view;\n  }\n\n"
     << "  rnnrt_instance_t *instance_ = nullptr;\n"
     << "  rnnrt_tensor_t inputs_[" << std::max<size_t>(inputs.size(), 1) << "] = {};\n"
     << "  std::string error_;\n};\n#endif /* __cplusplus */\n\n";
}
} // namespace

void mlir::rnnc::emitCHeader(llvm::raw_ostream &os, const ModelSignature &signature,
                             const CompileOptions &options, const ModelFacts &facts,
                             StringRef source) {
  const std::string &name = options.name;
  std::string upper = StringRef(name).upper();
  const auto &inputs = signature.inputs;
  const auto &results = signature.results;

  os << "/* Generated by rnnc from " << source << ". DO NOT EDIT.\n *\n";
  os << " * Model " << name << ":\n *   (";
  for (auto [i, spec] : llvm::enumerate(inputs))
    os << (i ? ",\n *    " : "") << describeTensor(spec, signature);
  os << ")\n *   -> (";
  for (auto [i, spec] : llvm::enumerate(results))
    os << (i ? ",\n *       " : "") << describeTensor(spec, signature);
  os << ")\n";
  os << " * Run-time sizes: ";
  std::vector<std::string> usedSymbols;
  for (int s = 0, e = signature.symbols.size(); s < e; ++s)
    if (llvm::any_of(llvm::concat<const TensorSpec>(inputs, results), [&](const TensorSpec &spec) {
          return llvm::is_contained(spec.dimSymbols, s);
        }))
      usedSymbols.push_back(signature.symbols[s]);
  os << (usedSymbols.empty() ? "none" : llvm::join(usedSymbols, ", "));
  os << ".\n * Batch: ";
  if (signature.batchSymbol >= 0)
    os << signature.symbols[signature.batchSymbol] << ", chosen per instance"
       << (options.maxBatch > 0 ? ", at most " + std::to_string(options.maxBatch) : "");
  else if (signature.staticBatch >= 0)
    os << "fixed at " << signature.staticBatch;
  else
    os << "none";
  os << ".\n";
  bool anyState = false;
  for (const TensorSpec &spec : inputs)
    if (spec.role == TensorRole::State) {
      if (!anyState)
        os << " * State carried between calls (keep_state):\n";
      os << " *   " << spec.name << " <- " << results[spec.pair].name << "\n";
      anyState = true;
    }
  bool cuda = !facts.cudaChip.empty();
  if (cuda) {
    os << " * Target CUDA " << facts.cudaChip << " (PTX" << (facts.hasCubin ? " and cubin" : "")
       << " embedded; host code for " << facts.target << "). Weights "
       << humanBytes(facts.weightBytes) << ",\n"
       << " * copied to each instance's GPU on first use. Every tensor pointer (inputs,\n"
          " * outputs, state) is a device pointer; work is ordered on\n"
          " * options.cuda_stream and each call waits for it. See docs/cuda.md.\n";
    os << " * Device scratch: at most " << facts.heapPerCall.format(signature.symbols)
       << " bytes per call (cuMemAlloc; kept by\n"
          " * the instance for its next call, which frees what it does not reuse).\n";
  } else {
    os << " * Target " << facts.target << ". Weights " << humanBytes(facts.weightBytes)
       << " (read-only data in the object).\n";
    bool bf16Products = llvm::is_contained(facts.cpuFeatures, "avx512bf16");
    SmallVector<StringRef> precisions;
    StringRef(facts.precision).split(precisions, ',');
    if (precisions.size() > 1) {
      os << " * Weight precision per layer:";
      for (auto [layer, precision] : llvm::enumerate(precisions))
        os << (layer ? ", " : " ") << layer << " " << precision;
      os << ".\n";
    }
    auto uses = [&](StringRef precision) { return llvm::is_contained(precisions, precision); };
    if (uses("bf16") && bf16Products)
      os << " * Weight precision bf16: the matmuls' constant weights are stored in it, their\n"
            " * inputs rounded to it as they are read, the products summed in f32 (vdpbf16ps;\n"
            " * docs/precision.md).\n";
    if (uses("bf16") && !bf16Products)
      os << " * Weight precision bf16: the matmuls' constant weights are stored in it and widened\n"
            " * to f32 as they are loaded (docs/precision.md).\n";
    if (uses("int8"))
      os << " * Weight precision int8: the matmuls' constant weights are stored as s8 per column,\n"
            " * their inputs quantized to u8 per row as they are read, the sums in i32\n"
            " * (docs/precision.md).\n";
    if (!facts.cpuFeatures.empty())
      os << " * CPU features (refused without one: RNNRT_STATUS_UNSUPPORTED_CPU):\n"
            " *   "
         << llvm::join(facts.cpuFeatures, ", ") << ".\n";
    os << " * Workspace: at most " << facts.heapPerCall.format(signature.symbols)
       << " bytes per call (the kernel's results\n"
          " * and temporaries; never the C library's malloc): the instance's, reserved from\n"
          " * its allocator and kept for the next call, or the caller's (options.workspace,\n"
          " * rnnrt_instance_workspace_size). Instance memory (state, outputs) comes from the\n"
          " * instance's allocator. Once warm, a call allocates nothing.\n";
  }
  os << " * Threading: the model is immutable and shared; an instance is thread-compatible\n"
        " * (one call at a time); distinct instances may run concurrently.\n";
  if (facts.threads > 1)
    os << " * Each call runs on " << facts.threads
       << " threads (an OpenMP team): link with LLVM's\n"
          " * OpenMP runtime, libomp (-lomp).\n";
  if (facts.callsHalide)
    os << " * The input projection runs in Halide code: link with librnnrt_halide\n"
          " * (rnnc_add_model(... PROJECTION halide) does).\n";
  os << " * Runtime ABI version " << RNNRT_ABI_VERSION
     << " (rnnrt/model.h); link with librnnrt. See docs/aot.md.\n */\n";

  os << "#ifndef " << upper << "_H\n#define " << upper << "_H\n\n";
  os << "#include <stddef.h>\n#include <stdint.h>\n\n#include \"rnnrt/model.h\"\n\n";
  os << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  os << "/* The descriptor for the generic rnnrt API. */\nconst rnnrt_model_t *" << name
     << "_model(void);\n\n";

  os << "enum {\n  " << upper << "_NUM_INPUTS = " << inputs.size() << ",\n  " << upper
     << "_NUM_OUTPUTS = " << results.size() << ",\n";
  CIdentifiers enumIds(/*upperCase=*/true);
  for (auto [i, spec] : llvm::enumerate(inputs))
    os << "  " << upper << "_INPUT_" << enumIds.make(spec.name) << " = " << i << ", /* "
       << describeTensor(spec, signature) << " */\n";
  for (auto [i, spec] : llvm::enumerate(results))
    os << "  " << upper << "_OUTPUT_" << enumIds.make(spec.name) << " = " << i << ", /* "
       << describeTensor(spec, signature) << " */\n";
  os << "};\n\n";

  os << "/* An instance of the model (an rnnrt_instance_t). */\ntypedef struct " << name << " "
     << name << "_t;\n\n";

  os << "/* options: NULL for the defaults (batch must then be static). On failure\n"
     << " * `message` (may be NULL) receives why, at most `capacity` bytes. */\n"
     << "static inline rnnrt_status_t " << name
     << "_create(const rnnrt_instance_options_t *options, " << name
     << "_t **out, char *message,\n    size_t capacity) {\n"
     << "  return rnnrt_instance_create(" << name
     << "_model(), options, (rnnrt_instance_t **)out, message, capacity);\n}\n\n";

  // The run wrapper: one parameter per run-time size the inputs use (except
  // the batch), then every input, then every output.
  CIdentifiers ids;
  std::vector<std::string> symbolIds(signature.symbols.size());
  std::vector<bool> symbolUsed(signature.symbols.size(), false);
  for (const TensorSpec &spec : inputs)
    for (int symbol : spec.dimSymbols)
      if (symbol >= 0)
        symbolUsed[symbol] = true;
  std::vector<std::string> params;
  for (auto [s, symbol] : llvm::enumerate(signature.symbols)) {
    if ((int)s == signature.batchSymbol) {
      symbolIds[s] = "rows";
      continue;
    }
    if (!symbolUsed[s])
      continue;
    symbolIds[s] = ids.make(symbol);
    params.push_back("int64_t " + symbolIds[s]);
  }
  std::vector<std::string> inputIds, outputIds;
  for (const TensorSpec &spec : inputs) {
    inputIds.push_back(ids.make(spec.name));
    params.push_back(std::string("const ") + ctype(spec.elementType) + " *" + inputIds.back());
  }
  std::vector<std::string> countIds;
  for (const TensorSpec &spec : results) {
    outputIds.push_back(ids.make(spec.name));
    if (cuda) {
      params.push_back(std::string("const ") + ctype(spec.elementType) + " **" + outputIds.back());
      continue;
    }
    params.push_back(std::string(ctype(spec.elementType)) + " *" + outputIds.back());
    countIds.push_back(ids.make(spec.name + "_count"));
    params.push_back("size_t " + countIds.back());
  }

  if (cuda)
    os << "/* Runs one call on the instance's batch of rows. Inputs are C-order arrays in\n"
          " * GPU memory of the sizes above; a state, sequence_length or mask input may be\n"
          " * NULL (the instance's state, the lengths or mask set on it). Each output\n"
          " * pointer that is not NULL receives the device address of the output, owned by\n"
          " * the instance and valid until its next call. */\n";
  else
    os << "/* Runs one call on the instance's batch of rows. Inputs are C-order arrays\n"
          " * of the sizes above; a state, sequence_length or mask input may be NULL (the\n"
          " * instance's state, the lengths or mask set on it). Each output is copied to\n"
          " * its pointer unless NULL, which holds `<output>_count` elements: one too\n"
          " * small fails the call with RNNRT_STATUS_INVALID_ARGUMENT before anything is\n"
          " * copied (last_error names it; rnnrt_instance_output_shape gives the sizes\n"
          " * before a call, rnnrt_instance_output reads the outputs in place). */\n";
  os << "static inline rnnrt_status_t " << name << "_run(" << name << "_t *m";
  for (const std::string &param : params)
    os << ",\n    " << param;
  os << ") {\n  rnnrt_instance_t *instance = (rnnrt_instance_t *)m;\n";
  if (signature.batchSymbol >= 0)
    os << "  int64_t rows = rnnrt_instance_batch(instance);\n";
  if (!inputs.empty()) {
    os << "  rnnrt_tensor_t in[" << inputs.size() << "] = {\n";
    for (auto [i, spec] : llvm::enumerate(inputs)) {
      os << "      {(void *)(uintptr_t)" << inputIds[i] << ", " << dtypeEnum(spec.elementType)
         << ", " << spec.shape.size() << ", {";
      for (auto [d, size] : llvm::enumerate(spec.shape)) {
        int symbol = spec.dimSymbols[d];
        os << (d ? ", " : "") << (symbol >= 0 ? symbolIds[symbol] : std::to_string(size));
      }
      os << "}},\n";
    }
    os << "  };\n";
  }
  os << "  rnnrt_status_t status = rnnrt_instance_run(instance, "
     << (inputs.empty() ? "NULL" : "in") << ", " << inputs.size() << ");\n";
  if (cuda) {
    os << "  void *out[" << results.size() << "] = {";
    for (auto [i, id] : llvm::enumerate(outputIds))
      os << (i ? ", " : "") << id;
    os << "};\n";
    os << "  for (size_t i = 0; status == RNNRT_STATUS_OK && i < " << results.size()
       << "; ++i) {\n"
       << "    rnnrt_tensor_t t;\n"
       << "    if (out[i] && (status = rnnrt_instance_output(instance, i, &t)) == "
          "RNNRT_STATUS_OK)\n"
       << "      *(const void **)out[i] = t.data;\n"
       << "  }\n  return status;\n}\n\n";
  } else {
    os << "  if (status != RNNRT_STATUS_OK)\n    return status;\n";
    os << "  void *const out[" << results.size() << "] = {";
    for (auto [i, id] : llvm::enumerate(outputIds))
      os << (i ? ", " : "") << id;
    os << "};\n  const size_t capacity[" << results.size() << "] = {";
    for (auto [i, spec] : llvm::enumerate(results))
      os << (i ? ", " : "") << countIds[i] << " * sizeof(" << ctype(spec.elementType) << ")";
    os << "};\n  return rnnrt_instance_copy_outputs(instance, out, capacity, " << results.size()
       << ");\n}\n\n";
  }

  auto forward = [&](StringRef ret, StringRef fn, StringRef extraParams, StringRef call,
                     StringRef constness) {
    os << "static inline " << ret << " " << name << "_" << fn << "(" << constness << name << "_t *m"
       << extraParams << ") {\n  " << (ret == "void" ? "" : "return ") << call << "("
       << "(" << constness << "rnnrt_instance_t *)m";
    return [&os](StringRef args) { os << args << ");\n}\n\n"; };
  };
  // Only what the model has: a model without lengths or state gets no setter
  // that could only fail.
  auto hasRole = [&](TensorRole role) {
    return llvm::any_of(inputs, [&](const TensorSpec &spec) { return spec.role == role; });
  };
  if (hasRole(TensorRole::SequenceLengths))
    forward("rnnrt_status_t", "set_sequence_lengths", ", const int32_t *lengths, int64_t count",
            "rnnrt_instance_set_sequence_lengths", "")(", lengths, count");
  if (hasRole(TensorRole::State)) {
    os << "/* rows: one flag per row (NULL: all rows). */\n";
    forward("rnnrt_status_t", "reset_state", ", const uint8_t *rows, int64_t count",
            "rnnrt_instance_reset_state", "")(", rows, count");
  }
  forward("const char *", "last_error", "", "rnnrt_instance_last_error", "const ")("");
  forward("void", "destroy", "", "rnnrt_instance_destroy", "")("");

  os << "#ifdef __cplusplus\n} /* extern \"C\" */\n#endif\n\n";
  emitCppClass(os, name, signature, inputs, results, cuda);
  os << "#endif /* " << upper << "_H */\n";
}
