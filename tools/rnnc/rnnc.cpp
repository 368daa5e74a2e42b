// rnnc: the compiler driver.
//
//   rnnc run MODEL.mlir [--input NAME=FILE.npy]... [--inputs-dir DIR] --output-dir DIR
//   rnnc bench MODEL.mlir|.onnx [--input NAME=FILE.npy]... [--inputs-dir DIR] [--seconds S]
//   rnnc info MODEL.mlir|.onnx [--json] [--size NAME=N]...
//   rnnc compile MODEL.mlir|.onnx [-o FILE] [--header FILE.h] [--name NAME]
//                [--emit=rnn|llvm|asm|obj|header] [--cpu host|x86-64-v3|x86-64-v4]
//                [--batch N] [--max-batch N]
//
// Every failure prints a message naming the problem and exits with status 1.

#include "Driver.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "rnnc/API/Aot.h"
#include "rnnc/API/Jit.h"
#include "rnnc/API/ModelFile.h"
#include "rnnc/Frontend/Onnx/OnnxImporter.h"
#include "rnnc/InitAll.h"
#include "rnnc/Pipelines/Pipelines.h"
#include "rnnc/Target/CHeader/CHeader.h"
#include "rnnc/Target/CHeader/CIdentifiers.h"
#include "rnnc/Target/Cpu/CpuTarget.h"
#include "rnnc/Target/Cuda/CudaTarget.h"
#include "rnnrt/npy.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <map>

using namespace mlir;
using namespace mlir::rnnc;
using namespace mlir::rnnc::driver;
namespace cl = llvm::cl;

static cl::OptionCategory rnncCategory("rnnc options");
static cl::SubCommand runCommand("run", "Compile a model in-process and run it on .npy inputs");
static cl::SubCommand compileCommand("compile",
                                     "Compile a model to LLVM IR, assembly or an object");
static cl::SubCommand benchCommand("bench",
                                   "Compile a model in-process and time calls on .npy inputs");
static cl::SubCommand infoCommand("info",
                                  "Describe a model: inputs, outputs, sizes, state, layers, "
                                  "parameters, memory per call, unsupported ops");

static cl::opt<std::string> infoModel(cl::Positional, cl::Required,
                                      cl::desc("MODEL.onnx or MODEL.mlir"), cl::sub(infoCommand),
                                      cl::cat(rnncCategory));
static cl::opt<bool> infoJson("json", cl::desc("Print JSON for tools instead of text"),
                              cl::sub(infoCommand), cl::cat(rnncCategory));
static cl::list<std::string>
    infoSizes("size",
              cl::desc("NAME=N: a run-time size, to evaluate the memory a call needs "
                       "(e.g. --size batch=8 --size time=100)"),
              cl::value_desc("NAME=N"), cl::sub(infoCommand), cl::cat(rnncCategory));

static cl::opt<std::string> runModel(cl::Positional, cl::Required,
                                     cl::desc("MODEL.mlir, MODEL.onnx, MODEL.keras or MODEL.h5"), cl::sub(runCommand),
                                     cl::sub(benchCommand), cl::cat(rnncCategory));
static cl::list<std::string> runInputs("input", cl::desc("NAME=FILE.npy for the input NAME"),
                                       cl::value_desc("NAME=FILE.npy"), cl::sub(runCommand),
                                       cl::sub(benchCommand), cl::cat(rnncCategory));
static cl::opt<std::string> runInputsDir("inputs-dir",
                                         cl::desc("Read each input NAME not given by --input "
                                                  "from DIR/NAME.npy"),
                                         cl::value_desc("DIR"), cl::sub(runCommand),
                                         cl::sub(benchCommand), cl::cat(rnncCategory));
static cl::opt<std::string> runOutputDir("output-dir", cl::Required,
                                         cl::desc("Write each result NAME to DIR/NAME.npy"),
                                         cl::value_desc("DIR"), cl::sub(runCommand),
                                         cl::cat(rnncCategory));
static cl::opt<bool> runTime("time", cl::desc("Print the compile and run wall times to stderr"),
                             cl::sub(runCommand), cl::cat(rnncCategory));
static cl::opt<unsigned> runPrintLimit("print-limit",
                                       cl::desc("Values printed per result (0 prints none)"),
                                       cl::init(32), cl::sub(runCommand), cl::cat(rnncCategory));

static cl::opt<double> benchSeconds("seconds", cl::desc("Time calls for this long (default 2)"),
                                    cl::init(2.0), cl::sub(benchCommand), cl::cat(rnncCategory));

static cl::opt<std::string> compileModel(cl::Positional, cl::Required,
                                         cl::desc("MODEL.mlir, MODEL.onnx, MODEL.keras or MODEL.h5"),
                                         cl::sub(compileCommand), cl::cat(rnncCategory));
static cl::opt<std::string>
    compileOutput("o",
                  cl::desc("Output file ('-' for stdout). Default: NAME.o and NAME.h in the "
                           "current directory for objects, stdout for text"),
                  cl::sub(compileCommand), cl::cat(rnncCategory));
enum class EmitKind { Rnn, Llvm, Asm, Obj, Header, Ptx };
static cl::opt<EmitKind>
    compileEmit("emit", cl::desc("What -o receives"), cl::init(EmitKind::Obj),
                cl::values(clEnumValN(EmitKind::Rnn, "rnn", "the verified rnn-dialect module"),
                           clEnumValN(EmitKind::Llvm, "llvm", "optimized LLVM IR"),
                           clEnumValN(EmitKind::Asm, "asm", "assembly"),
                           clEnumValN(EmitKind::Obj, "obj", "a relocatable object file"),
                           clEnumValN(EmitKind::Header, "header", "the C header of the object"),
                           clEnumValN(EmitKind::Ptx, "ptx", "the GPU kernels' PTX (--target cuda)")),
                cl::sub(compileCommand), cl::cat(rnncCategory));
static cl::opt<std::string>
    compileTarget("target",
                  cl::desc("cpu (default), or cuda[:sm_80|sm_90] (an NVIDIA GPU; run and bench "
                           "need its driver, docs/cuda.md)"),
                  cl::init("cpu"), cl::sub(compileCommand), cl::sub(runCommand),
                  cl::sub(benchCommand), cl::cat(rnncCategory));
static cl::opt<std::string> compileHeader("header",
                                          cl::desc("Also write the C header of the object here"),
                                          cl::value_desc("FILE.h"), cl::sub(compileCommand),
                                          cl::cat(rnncCategory));
static cl::opt<std::string>
    compileName("name", cl::desc("Model name, the prefix of every symbol (default: file stem)"),
                cl::sub(compileCommand), cl::cat(rnncCategory));
static cl::opt<std::string> compileCpu("cpu",
                                       cl::desc("host, x86-64-v3 (AVX2), x86-64-v4 (AVX-512)"),
                                       cl::init("host"), cl::sub(compileCommand),
                                       cl::cat(rnncCategory));
static cl::opt<int64_t> compileBatch("batch", cl::desc("Fix the batch size (0: dynamic)"),
                                     cl::init(0), cl::sub(compileCommand), cl::cat(rnncCategory));
static cl::opt<int64_t> compileMaxBatch("max-batch",
                                        cl::desc("Most rows an instance may have (0: no limit)"),
                                        cl::init(0), cl::sub(compileCommand),
                                        cl::cat(rnncCategory));
static cl::opt<bool> compileExposeState(
    "expose-state",
    cl::desc("Give sequences without an initial state state inputs and outputs (default on)"),
    cl::init(true), cl::sub(compileCommand), cl::cat(rnncCategory));

static cl::list<std::string> statePairs(
    "state",
    cl::desc("IN=OUT: input IN is the state of output OUT, carried between calls of an "
             "instance with keep_state (ONNX models pair h0/h_n, c0/c_n themselves)"),
    cl::value_desc("IN=OUT"), cl::sub(runCommand), cl::sub(compileCommand), cl::sub(benchCommand),
    cl::cat(rnncCategory));
static cl::opt<std::string> entryFunction("function",
                                          cl::desc("Entry function (default: the only public one)"),
                                          cl::sub(runCommand), cl::sub(compileCommand),
                                          cl::sub(benchCommand), cl::cat(rnncCategory));
static cl::opt<int64_t> vectorWidth("vector-width", cl::desc("f32 lanes per vector"), cl::init(16),
                                    cl::sub(runCommand), cl::sub(compileCommand),
                                    cl::sub(benchCommand), cl::cat(rnncCategory));
static cl::opt<int64_t> rowBlock("row-block",
                                 cl::desc("Batch rows whose gate matmuls share each weight load"),
                                 cl::init(4), cl::sub(runCommand), cl::sub(compileCommand),
                                 cl::sub(benchCommand), cl::cat(rnncCategory));
static cl::opt<int64_t>
    threads("threads",
            cl::desc("Threads per call sharing each gate matmul (OpenMP; AOT objects then "
                     "need libomp)"),
            cl::init(1), cl::sub(runCommand), cl::sub(compileCommand), cl::sub(benchCommand),
            cl::cat(rnncCategory));
static cl::opt<bool> halideProjection(
    "halide-projection",
    cl::desc("Compute the hoisted input projection with the Halide pipeline of librnnrt_halide "
             "(AOT objects then need it)"),
    cl::sub(runCommand), cl::sub(compileCommand), cl::sub(benchCommand), cl::cat(rnncCategory));
static cl::opt<std::string> precision(
    "precision",
    cl::desc("The matmuls' constant weights: f32 (default), bf16 (half the bytes; with "
             "AVX512_BF16 the rows rounded to bf16 too, vdpbf16ps) or int8 (s8 per column, the "
             "rows quantized per row to u8, vpdpbusd with AVX512-VNNI), or a comma-separated "
             "list with one per layer in `rnnc info`'s numbering of the state (int8,f32); "
             "docs/precision.md"),
    cl::init("f32"), cl::sub(runCommand), cl::sub(compileCommand), cl::sub(benchCommand),
    cl::cat(rnncCategory));
static cl::opt<bool> gpuOnHost(
    "gpu-on-host",
    cl::desc("Run the CUDA target's kernels and launches on the CPU, each GPU thread a call "
             "(a check of the GPU code without a GPU; slow)"),
    cl::sub(runCommand), cl::sub(benchCommand), cl::cat(rnncCategory));
static cl::opt<bool> perfJitDump(
    "perf-jitdump",
    cl::desc("Describe the compiled code in a perf jitdump ($JITDUMPDIR/.debug/jit/), so that "
             "`perf inject --jit` names its functions in a `perf record -k 1` profile "
             "(tools/profile.sh)"),
    cl::sub(runCommand), cl::sub(benchCommand), cl::cat(rnncCategory));
static cl::opt<bool> cudaPerStep(
    "cuda-per-step",
    cl::desc("--target cuda: launch each kernel of the time loop per step instead of one "
             "persistent kernel (for GPUs without cooperative launches)"),
    cl::sub(runCommand), cl::sub(compileCommand), cl::sub(benchCommand), cl::cat(rnncCategory));
static cl::opt<int64_t> cudaLanes(
    "cuda-lanes",
    cl::desc("--target cuda: threads of the persistent kernel that share a matmul's sum over k "
             "(1, 2, 4, 8, 16 or 32; default: from k, docs/cuda.md)"),
    cl::init(0), cl::sub(runCommand), cl::sub(compileCommand), cl::sub(benchCommand),
    cl::cat(rnncCategory));
static cl::opt<int64_t> cudaSharedWeightBytes(
    "cuda-shared-weight-bytes",
    cl::desc("--target cuda: shared memory per block of the persistent kernel for its matmuls' "
             "weights (0: none, read through the caches; at most and by default 49152)"),
    cl::init(48 * 1024), cl::sub(runCommand), cl::sub(compileCommand), cl::sub(benchCommand),
    cl::cat(rnncCategory));
static cl::opt<bool> wavefront(
    "wavefront",
    cl::desc("CUDA persistent kernel: run stacked layers' steps as a wavefront, layer l's "
             "step s - l in iteration s, one grid barrier per wavefront (default; =false: "
             "layer after layer each step)"),
    cl::init(true), cl::sub(runCommand), cl::sub(compileCommand), cl::sub(benchCommand),
    cl::cat(rnncCategory));
static cl::opt<int64_t> accumulators("accumulators",
                                     cl::desc("Vector accumulators per matmul column group"),
                                     cl::init(8), cl::sub(runCommand), cl::sub(compileCommand),
                                     cl::sub(benchCommand), cl::cat(rnncCategory));

static cl::opt<std::string> memoryLimitText(
    "memory-limit",
    cl::desc("Refuse model files, tensors, .npy inputs and calls larger than this (K, M, G, T "
             "suffixes; 0: no limit; default 8G)"),
    cl::value_desc("BYTES"), cl::init("8G"), cl::sub(runCommand), cl::sub(compileCommand),
    cl::sub(benchCommand), cl::sub(infoCommand), cl::cat(rnncCategory));
static cl::opt<bool> trustedIR(
    "trusted-ir",
    cl::desc("Skip the check of what a model file may contain (docs/dialect.md): only for IR "
             "you wrote or generated yourself, since such IR can call any function"),
    cl::sub(runCommand), cl::sub(compileCommand), cl::sub(benchCommand), cl::sub(infoCommand),
    cl::cat(rnncCategory));
/// --memory-limit in bytes, set by main.
static uint64_t memoryLimit = 0;

static ModelFileOptions modelFileOptions() {
  ModelFileOptions options;
  options.memoryLimit = memoryLimit;
  options.trustedIR = trustedIR;
  return options;
}

namespace {

/// A byte count with an optional binary suffix: 4096, 512K, 64M, 8G, 1T.
std::optional<uint64_t> parseByteCount(StringRef text) {
  StringRef digits = text.take_while([](char c) { return c >= '0' && c <= '9'; });
  unsigned shift = StringSwitch<unsigned>(text.drop_front(digits.size()).upper())
                       .Cases("", "B", 0)
                       .Cases("K", "KB", "KIB", 10)
                       .Cases("M", "MB", "MIB", 20)
                       .Cases("G", "GB", "GIB", 30)
                       .Cases("T", "TB", "TIB", 40)
                       .Default(64);
  uint64_t count;
  if (digits.empty() || digits.getAsInteger(10, count) || shift == 64 ||
      (count << shift) >> shift != count)
    return std::nullopt;
  return count << shift;
}

/// Owns the data of one loaded .npy file.
struct LoadedArray {
  rnnrt_npy_array_t array{};
  rnnrt_allocator_t allocator = rnnrt_allocator_system();
  LoadedArray() = default;
  LoadedArray(const LoadedArray &) = delete;
  LoadedArray &operator=(const LoadedArray &) = delete;
  ~LoadedArray() { rnnrt_npy_release(&array, &allocator); }
};

/// Integer inputs accept int32 and int64 files; values must fit the model's type.
bool convertIntegers(const rnnrt_npy_array_t &array, const TensorSpec &spec,
                     std::vector<char> &storage, std::string &error) {
  size_t count = array.data_bytes / rnnrt_dtype_size(array.dtype);
  if (spec.elementType == ElementType::I64) {
    storage.resize(count * 8);
    auto *out = reinterpret_cast<int64_t *>(storage.data());
    for (size_t i = 0; i < count; ++i)
      out[i] = static_cast<const int32_t *>(array.data)[i];
    return true;
  }
  storage.resize(count * 4);
  auto *out = reinterpret_cast<int32_t *>(storage.data());
  for (size_t i = 0; i < count; ++i) {
    int64_t v = static_cast<const int64_t *>(array.data)[i];
    if (v < INT32_MIN || v > INT32_MAX) {
      error = "input '" + spec.name + "'[" + std::to_string(i) + "] = " + std::to_string(v) +
              " does not fit in i32";
      return false;
    }
    out[i] = static_cast<int32_t>(v);
  }
  return true;
}

void printResult(const HostTensor &tensor, const std::string &path) {
  llvm::outs() << tensor.name << ": " << elementTypeName(tensor.elementType) << "[";
  for (size_t d = 0; d < tensor.shape.size(); ++d)
    llvm::outs() << (d ? ", " : "") << tensor.shape[d];
  llvm::outs() << "] -> " << path << "\n";
  int64_t n = tensor.numElements();
  int64_t shown = std::min<int64_t>(n, runPrintLimit);
  if (shown == 0)
    return;
  int64_t row = tensor.shape.empty() ? 1 : std::max<int64_t>(tensor.shape.back(), 1);
  for (int64_t i = 0; i < shown; ++i) {
    if (i % row == 0)
      llvm::outs() << "  ";
    char text[32];
    const char *data = tensor.bytes.data();
    if (tensor.elementType == ElementType::F32)
      snprintf(text, sizeof text, "% .6f", reinterpret_cast<const float *>(data)[i]);
    else if (tensor.elementType == ElementType::I32)
      snprintf(text, sizeof text, "%d", reinterpret_cast<const int32_t *>(data)[i]);
    else if (tensor.elementType == ElementType::Bool)
      snprintf(text, sizeof text, "%d", (int)reinterpret_cast<const uint8_t *>(data)[i]);
    else
      snprintf(text, sizeof text, "%lld", (long long)reinterpret_cast<const int64_t *>(data)[i]);
    llvm::outs() << text << ((i + 1) % row == 0 || i + 1 == shown ? "\n" : " ");
  }
  if (shown < n)
    llvm::outs() << "  ... (" << n - shown << " more values)\n";
}

/// The inputs of a model from --input NAME=FILE.npy and --inputs-dir.
struct ModelInputs {
  std::vector<std::unique_ptr<LoadedArray>> arrays;
  std::vector<std::vector<char>> converted;
  std::vector<TensorRef> inputs;

  /// False after printing the problem.
  bool load(const ModelSignature &signature) {
    std::map<std::string, std::string> explicitFiles;
    for (const std::string &arg : runInputs) {
      size_t eq = arg.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
        return !failWith("--input expects NAME=FILE.npy, got '" + arg + "'");
      std::string name = arg.substr(0, eq);
      bool known = llvm::any_of(signature.inputs, [&](auto &s) { return s.name == name; });
      if (!known) {
        std::string names;
        for (const TensorSpec &spec : signature.inputs)
          names += (names.empty() ? "" : ", ") + spec.name;
        return !failWith("--input names '" + name +
                         "', which is not an input of the model (inputs: " +
                         (names.empty() ? "none" : names) + ")");
      }
      if (!explicitFiles.emplace(name, arg.substr(eq + 1)).second)
        return !failWith("input '" + name + "' is given twice");
    }

    converted.resize(signature.inputs.size());
    for (size_t i = 0; i < signature.inputs.size(); ++i) {
      const TensorSpec &spec = signature.inputs[i];
      std::string path;
      if (auto it = explicitFiles.find(spec.name); it != explicitFiles.end()) {
        path = it->second;
      } else if (!runInputsDir.empty()) {
        llvm::SmallString<256> joined(runInputsDir);
        llvm::sys::path::append(joined, spec.name + ".npy");
        path = joined.str().str();
        if (!llvm::sys::fs::exists(path))
          return !failWith("missing input '" + spec.name + "': no " + path + " (or pass --input " +
                           spec.name + "=FILE.npy)");
      } else {
        return !failWith("missing input '" + spec.name + "': pass --input " + spec.name +
                         "=FILE.npy or --inputs-dir DIR");
      }
      uint64_t fileBytes = 0;
      if (memoryLimit > 0 && !llvm::sys::fs::file_size(path, fileBytes) &&
          fileBytes > memoryLimit)
        return !failWith("input '" + spec.name + "': " + path + " is " +
                         std::to_string(fileBytes) + " bytes, over the memory limit of " +
                         std::to_string(memoryLimit) + " (--memory-limit)");
      auto loaded = std::make_unique<LoadedArray>();
      char message[512];
      if (rnnrt_npy_load(path.c_str(), &loaded->allocator, &loaded->array, message,
                         sizeof message) != RNNRT_STATUS_OK)
        return !failWith(std::string("input '") + spec.name + "': " + message);
      const rnnrt_npy_array_t &array = loaded->array;
      TensorRef ref{fromRuntimeDtype(array.dtype),
                    std::vector<int64_t>(array.shape, array.shape + array.rank), array.data};
      bool isInteger = spec.elementType == ElementType::I32 || spec.elementType == ElementType::I64;
      if (ref.elementType != spec.elementType) {
        if (!isInteger || (array.dtype != RNNRT_DTYPE_I32 && array.dtype != RNNRT_DTYPE_I64))
          return !failWith("input '" + spec.name + "' must be " +
                           rnnrt_dtype_name(toRuntimeDtype(spec.elementType)) + ", but " + path +
                           " holds " + rnnrt_dtype_name(array.dtype));
        std::string error;
        if (!convertIntegers(array, spec, converted[i], error))
          return !failWith(error);
        ref.elementType = spec.elementType;
        ref.data = converted[i].data();
      }
      inputs.push_back(std::move(ref));
      arrays.push_back(std::move(loaded));
    }
    return true;
  }
};

/// The GPU architecture of --target (empty for cpu); false after an error.
bool parseTarget(std::string &chip) {
  chip.clear();
  if (compileTarget == "cpu")
    return true;
  std::string error;
  FailureOr<CudaTargetOptions> target = parseCudaTarget(compileTarget, error);
  if (failed(target)) {
    failWith(error);
    return false;
  }
  chip = target->chip;
  return true;
}

/// --state IN=OUT into `options`; false after printing the problem.
bool parseStatePairs(CompileOptions &options) {
  for (const std::string &text : statePairs) {
    std::pair<std::string, std::string> pair;
    std::string error;
    if (!parseStatePair(text, pair, error))
      return !failWith("--state: " + error);
    options.statePairs.push_back(pair);
  }
  return true;
}

/// The options of rnnc run and rnnc bench: the model as written, no state inputs added.
CompileOptions runOptions() {
  CompileOptions options;
  options.exposeState = false;
  options.rowBlock = rowBlock;
  options.threads = threads;
  options.halideProjection = halideProjection;
  options.precision = precision;
  options.cudaPerStep = cudaPerStep;
  options.cudaLanes = cudaLanes;
  options.cudaSharedWeightBytes = cudaSharedWeightBytes;
  options.wavefront = wavefront;
  options.gpuOnHost = gpuOnHost;
  options.perfJitDump = perfJitDump;
  options.function = entryFunction;
  options.vectorWidth = vectorWidth;
  options.accumulators = accumulators;
  return options;
}

int benchMain() {
  ModelFile file(runModel, modelFileOptions());
  if (!file.module)
    return 1;
  CompileOptions options = runOptions();
  if (!parseTarget(options.cudaChip) || !parseStatePairs(options))
    return 1;
  auto compileStart = std::chrono::steady_clock::now();
  FailureOr<std::unique_ptr<JitModel>> model = JitModel::compile(*file.module, options);
  if (failed(model))
    return 1;
  double compileMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - compileStart)
          .count();
  ModelInputs loaded;
  if (!loaded.load((*model)->signature()))
    return 1;
  rnnrt_instance_t *instance = nullptr;
  std::vector<rnnrt_tensor_t> tensors;
  std::string error;
  if (!(*model)->prepare(loaded.inputs, &instance, tensors, error, memoryLimit))
    return failWith(error);
  std::unique_ptr<rnnrt_instance_t, void (*)(rnnrt_instance_t *)> owner(instance,
                                                                        rnnrt_instance_destroy);
  // Two warm-up calls, then calls until --seconds have passed; a progress line
  // on stderr each second.
  std::vector<double> times;
  double spent = 0, nextReport = 1.0;
  for (int call = 0; call < 2 || spent < benchSeconds; ++call) {
    auto start = std::chrono::steady_clock::now();
    if (rnnrt_instance_run(instance, tensors.data(), tensors.size()) != RNNRT_STATUS_OK)
      return failWith(rnnrt_instance_last_error(instance));
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (call < 2)
      continue;
    times.push_back(seconds * 1e3);
    spent += seconds;
    if (spent >= nextReport) {
      std::vector<double> sorted = times;
      std::sort(sorted.begin(), sorted.end());
      llvm::errs() << llvm::format("\rrnnc: bench: %zu calls, median %.3f ms", sorted.size(),
                                   sorted[sorted.size() / 2]);
      nextReport += 1.0;
    }
  }
  if (nextReport > 1.0)
    llvm::errs() << "\n";
  std::sort(times.begin(), times.end());
  llvm::outs() << llvm::format("compile: %.1f ms\n", compileMs);
  llvm::outs() << llvm::format("calls: %zu\n", times.size());
  llvm::outs() << llvm::format("median: %.3f ms, min: %.3f ms, p90: %.3f ms\n",
                               times[times.size() / 2], times.front(),
                               times[times.size() * 9 / 10]);
  return 0;
}

int runMain() {
  ModelFile file(runModel, modelFileOptions());
  if (!file.module)
    return 1;
  ModuleOp module = *file.module;
  CompileOptions options = runOptions();
  if (!parseTarget(options.cudaChip) || !parseStatePairs(options))
    return 1;
  auto compileStart = std::chrono::steady_clock::now();
  FailureOr<std::unique_ptr<JitModel>> model = JitModel::compile(module, options);
  if (failed(model))
    return 1;
  auto compileEnd = std::chrono::steady_clock::now();
  const ModelSignature &signature = (*model)->signature();

  ModelInputs loaded;
  if (!loaded.load(signature))
    return 1;
  const std::vector<TensorRef> &inputs = loaded.inputs;

  std::vector<HostTensor> results;
  std::string error;
  auto runStart = std::chrono::steady_clock::now();
  if (!(*model)->run(inputs, results, error, memoryLimit))
    return failWith(error);
  auto runEnd = std::chrono::steady_clock::now();
  if (runTime) {
    auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    llvm::errs() << llvm::format("rnnc: compile %.1f ms, run %.3f ms\n",
                                 ms(compileEnd - compileStart), ms(runEnd - runStart));
  }

  // Every result is written into a new staging directory inside the output
  // directory, then renamed into place once all are written: a failed run
  // leaves every file that was there before as it was.
  llvm::SmallString<256> outputDir(runOutputDir);
  if (std::error_code ec = llvm::sys::fs::make_absolute(outputDir))
    return failWith("cannot resolve " + runOutputDir + ": " + ec.message());
  if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
    return failWith("cannot create " + outputDir.str().str() + ": " + ec.message());
  llvm::SmallString<256> staging;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory(outputDir + "/.rnnc-staging", staging))
    return failWith("cannot create a staging directory in " + outputDir.str().str() + ": " +
                    ec.message());
  auto fail = [&](const std::string &message) {
    llvm::sys::fs::remove_directories(staging);
    return failWith(message);
  };
  std::vector<std::string> written;
  for (const HostTensor &tensor : results) {
    llvm::SmallString<256> staged(staging), path(outputDir);
    llvm::sys::path::append(staged, tensor.name + ".npy");
    llvm::sys::path::append(path, tensor.name + ".npy");
    for (StringRef file : {staged.str(), path.str()}) {
      StringRef parent = llvm::sys::path::parent_path(file);
      std::error_code ec = llvm::sys::fs::create_directories(parent);
      if (!ec && !llvm::sys::fs::is_directory(parent))
        ec = std::make_error_code(std::errc::not_a_directory);
      if (ec)
        return fail("cannot create the directory of " + file.str() + ": " + ec.message());
    }
    char message[512];
    if (rnnrt_npy_save(staged.c_str(), toRuntimeDtype(tensor.elementType),
                       (int32_t)tensor.shape.size(), tensor.shape.data(), tensor.bytes.data(),
                       message, sizeof message) != RNNRT_STATUS_OK)
      return fail(message);
    written.push_back(path.str().str());
  }
  for (size_t i = 0; i < results.size(); ++i) {
    llvm::SmallString<256> staged(staging);
    llvm::sys::path::append(staged, results[i].name + ".npy");
    if (std::error_code ec = llvm::sys::fs::rename(staged, written[i]))
      return fail("cannot move " + results[i].name + ".npy into place at " + written[i] + ": " +
                  ec.message());
  }
  llvm::sys::fs::remove_directories(staging);
  for (size_t i = 0; i < results.size(); ++i)
    printResult(results[i], written[i]);
  return 0;
}

/// Writes each (path, text) with a non-empty path, "-" to stdout, the
/// others together (writeFilesTogether). False after printing the problem.
bool writeOutputs(ArrayRef<std::pair<std::string, std::string>> outputs) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto &[path, text] : outputs) {
    if (path == "-")
      llvm::outs() << text;
    else if (!path.empty())
      files.emplace_back(path, text);
  }
  std::string error = writeFilesTogether(files);
  return error.empty() || (failWith(error), false);
}

int compileMain() {
  bool binary = compileEmit == EmitKind::Obj;
  std::string modelName = compileName.empty()
                              ? toModelName(llvm::sys::path::stem(compileModel))
                              : compileName.getValue();
  // Without -o an object goes to NAME.o with its header NAME.h beside it, in
  // the current directory; text goes to stdout.
  std::string output = compileOutput, headerPath = compileHeader;
  if (output.empty() && binary) {
    output = modelName + ".o";
    if (headerPath.empty())
      headerPath = modelName + ".h";
  } else if (output.empty()) {
    output = "-";
  }
  if (!headerPath.empty() && isSamePath(output, headerPath))
    return failWith("-o and --header name the same file, " + headerPath);
  if (binary && output == "-" && llvm::sys::Process::StandardOutIsDisplayed())
    return failWith("not writing an object file to a terminal: name one with -o FILE.o");
  ModelFile file(compileModel, modelFileOptions());
  if (!file.module)
    return 1;
  ModuleOp module = *file.module;

  // Everything is produced in memory first, so that a failure leaves no file.
  std::string primary, header;
  llvm::raw_string_ostream primaryOs(primary), headerOs(header);
  bool cuda = compileTarget != "cpu";
  if (!cuda && compileEmit == EmitKind::Ptx)
    return failWith("--emit=ptx needs --target cuda");
  if ((compileEmit == EmitKind::Ptx || compileEmit == EmitKind::Rnn) && !headerPath.empty())
    return failWith("--header needs --emit=obj, asm or llvm");
  if (compileEmit == EmitKind::Rnn) {
    module.print(primaryOs);
  } else {
    CompileOptions options;
    options.name = modelName;
    options.function = entryFunction;
    options.cpu = compileCpu;
    options.batch = compileBatch;
    options.maxBatch = compileMaxBatch;
    options.exposeState = compileExposeState;
      options.rowBlock = rowBlock;
    options.threads = threads;
    options.halideProjection = halideProjection;
    options.precision = precision;
    options.cudaPerStep = cudaPerStep;
    options.cudaLanes = cudaLanes;
    options.cudaSharedWeightBytes = cudaSharedWeightBytes;
    options.wavefront = wavefront;
    options.vectorWidth = vectorWidth;
    options.accumulators = accumulators;
    if (!parseTarget(options.cudaChip) || !parseStatePairs(options))
      return 1;
    if (compileEmit == EmitKind::Ptx) {
      FailureOr<LoweredModel> lowered = lowerModel(module, options);
      if (failed(lowered))
        return 1;
      primary = lowered->ptx;
    } else {
      AotEmit emit = compileEmit == EmitKind::Asm    ? AotEmit::Assembly
                     : compileEmit == EmitKind::Llvm ? AotEmit::LLVM
                                                     : AotEmit::Object;
      std::string error;
      FailureOr<AotOutput> aot = compileAot(module, options,
                                            llvm::sys::path::filename(compileModel), emit, &error);
      if (failed(aot))
        return error.empty() ? 1 : failWith(error);
      header = aot->header;
      primary = compileEmit == EmitKind::Header ? aot->header : aot->code;
    }
  }

  return writeOutputs({{output, primary}, {headerPath, header}}) ? 0 : 1;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "rnnc " RNNC_VERSION " (LLVM " LLVM_VERSION_STRING ", runtime ABI " << RNNRT_ABI_VERSION
       << ")\n";
  });
  cl::HideUnrelatedOptions(rnncCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "rnnc: compile recurrent networks (.onnx, .keras, .h5, .mlir) to vectorized CPU or CUDA code\n\n"
      "  rnnc run model.onnx --input X=x.npy --output-dir out   run once, outputs as .npy\n"
      "  rnnc compile model.onnx -o model.o --header model.h    an object and its C/C++ header\n"
      "  rnnc bench model.onnx --input X=x.npy                  time calls\n"
      "  rnnc info model.onnx                                   inputs, outputs, state, layers\n");
  std::optional<uint64_t> limit = parseByteCount(memoryLimitText);
  if (!limit)
    return failWith("--memory-limit expects a byte count such as 4096, 512K, 64M or 8G, got '" +
                    memoryLimitText + "'");
  memoryLimit = *limit;
  if (runCommand)
    return runMain();
  if (compileCommand)
    return compileMain();
  if (benchCommand)
    return benchMain();
  if (infoCommand)
    return infoMain(infoModel, modelFileOptions(), infoJson, infoSizes);
  return failWith("expected a subcommand: 'rnnc run', 'rnnc compile', 'rnnc bench' or 'rnnc info' "
                  "(see rnnc --help)");
}
