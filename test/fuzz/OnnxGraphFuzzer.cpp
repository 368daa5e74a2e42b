// libFuzzer target, structure-aware: the bytes choose a small valid ONNX graph
// (an LSTM, GRU or RNN with random sizes, directions, layout, weights and
// optional sequence_lens, cast lengths, initial_h with a batch of its own, and
// a head: a Slice with any bounds and steps (torch.flip's -1 among them), a
// Gather, a reduction, LogSoftmax or a length mask) and the run-time sizes and values
// of its inputs, some of them inconsistent on purpose. The graph is imported,
// JIT-compiled and run. Every outcome but a crash or a sanitizer report is
// fine; reads past an input's end hit a page that is not mapped (the JIT'ed
// kernel is not instrumented), so that an unchecked size or index is a crash.
#include "rnnc/API/Jit.h"
#include "rnnc/Frontend/Onnx/OnnxImporter.h"
#include "FuzzContext.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "onnx/onnx_pb.h"

#include <fuzzer/FuzzedDataProvider.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {
/// Input data ending right before a page that is not mapped.
class GuardedBuffer {
public:
  explicit GuardedBuffer(size_t bytes) : bytes(bytes) {
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    mapped = (bytes + page - 1) / page * page + page;
    base = static_cast<char *>(
        mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (base == MAP_FAILED)
      abort();
    mprotect(base + mapped - page, page, PROT_NONE);
    data = base + mapped - page - bytes;
  }
  ~GuardedBuffer() { munmap(base, mapped); }
  GuardedBuffer(const GuardedBuffer &) = delete;
  GuardedBuffer &operator=(const GuardedBuffer &) = delete;
  size_t bytes, mapped;
  char *base, *data;
};

void addInitializer(onnx::GraphProto &graph, const std::string &name,
                    const std::vector<int64_t> &dims, FuzzedDataProvider &fuzz) {
  onnx::TensorProto *t = graph.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  int64_t count = 1;
  for (int64_t d : dims) {
    t->add_dims(d);
    count *= d;
  }
  for (int64_t i = 0; i < count; ++i)
    t->add_float_data(fuzz.ConsumeIntegralInRange<int>(-8, 8) / 8.0f);
}

void addInt64Constant(onnx::GraphProto &graph, const std::string &name,
                      const std::vector<int64_t> &values, bool scalar = false) {
  onnx::TensorProto *t = graph.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  if (!scalar)
    t->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values)
    t->add_int64_data(v);
}

onnx::ValueInfoProto *addInput(onnx::GraphProto &graph, const std::string &name, int type,
                               const std::vector<std::string> &dims) {
  onnx::ValueInfoProto *input = graph.add_input();
  input->set_name(name);
  auto *tensor = input->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(type);
  for (const std::string &d : dims) {
    auto *dim = tensor->mutable_shape()->add_dim();
    if (!d.empty() && isdigit(static_cast<unsigned char>(d[0])))
      dim->set_dim_value(std::stoll(d));
    else
      dim->set_dim_param(d);
  }
  return input;
}

void addOutput(onnx::GraphProto &graph, const std::string &name) {
  onnx::ValueInfoProto *output = graph.add_output();
  output->set_name(name);
  output->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
}

onnx::NodeProto *addNode(onnx::GraphProto &graph, const std::string &op,
                         const std::vector<std::string> &inputs,
                         const std::vector<std::string> &outputs) {
  onnx::NodeProto *node = graph.add_node();
  node->set_op_type(op);
  node->set_name(op + "_node");
  for (const std::string &i : inputs)
    node->add_input(i);
  for (const std::string &o : outputs)
    node->add_output(o);
  return node;
}

void setInt(onnx::NodeProto *node, const std::string &name, int64_t value) {
  onnx::AttributeProto *a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext *context = fuzzContext();
  mlir::ScopedDiagnosticHandler quiet(context, [](mlir::Diagnostic &) {});
  FuzzedDataProvider fuzz(data, size);

  // The graph.
  const char *ops[] = {"LSTM", "GRU", "RNN"};
  int kind = fuzz.ConsumeIntegralInRange<int>(0, 2);
  int gates = kind == 0 ? 4 : kind == 1 ? 3 : 1;
  int64_t H = fuzz.ConsumeIntegralInRange<int64_t>(1, 6);
  int64_t I = fuzz.ConsumeIntegralInRange<int64_t>(1, 5);
  int direction = fuzz.ConsumeIntegralInRange<int>(0, 2);
  int64_t dirs = direction == 2 ? 2 : 1;
  bool batchMajor = fuzz.ConsumeBool();
  bool withLengths = fuzz.ConsumeBool(), castLengths = fuzz.ConsumeBool();
  bool withInitial = fuzz.ConsumeBool();
  // none, Slice(Y), Gather(Y), Reduce*(Y), LogSoftmax(Y), a mask over T (Range, Less, Where)
  int head = fuzz.ConsumeIntegralInRange<int>(0, 5);

  onnx::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(14);
  onnx::GraphProto &graph = *model.mutable_graph();
  graph.set_name("fuzzed");
  addInput(graph, "X", onnx::TensorProto::FLOAT,
           batchMajor ? std::vector<std::string>{"B", "T", std::to_string(I)}
                      : std::vector<std::string>{"T", "B", std::to_string(I)});
  addInitializer(graph, "W", {dirs, gates * H, I}, fuzz);
  addInitializer(graph, "R", {dirs, gates * H, H}, fuzz);
  addInitializer(graph, "Bias", {dirs, 2 * gates * H}, fuzz);
  std::vector<std::string> rnnInputs = {"X", "W", "R", "Bias", "", ""};
  if (withLengths) {
    addInput(graph, "lengths", castLengths ? onnx::TensorProto::INT64 : onnx::TensorProto::INT32,
             {"L"});
    if (castLengths)
      setInt(addNode(graph, "Cast", {"lengths"}, {"lengths32"}), "to", onnx::TensorProto::INT32);
    rnnInputs[4] = castLengths ? "lengths32" : "lengths";
  }
  if (withInitial) {
    addInput(graph, "initial_h", onnx::TensorProto::FLOAT,
             batchMajor ? std::vector<std::string>{"HB", std::to_string(dirs), std::to_string(H)}
                        : std::vector<std::string>{std::to_string(dirs), "HB", std::to_string(H)});
    rnnInputs[5] = "initial_h";
  }
  onnx::NodeProto *rnn = addNode(graph, ops[kind], rnnInputs, {"Y", "Y_h"});
  setInt(rnn, "hidden_size", H);
  setInt(rnn, "layout", batchMajor ? 1 : 0);
  onnx::AttributeProto *dir = rnn->add_attribute();
  dir->set_name("direction");
  dir->set_type(onnx::AttributeProto::STRING);
  dir->set_s(direction == 0 ? "forward" : direction == 1 ? "reverse" : "bidirectional");
  addOutput(graph, "Y_h");
  if (head == 1) {
    int64_t start = fuzz.ConsumeIntegralInRange<int64_t>(-8, 8);
    int64_t end = fuzz.ConsumeBool() ? INT64_MAX : fuzz.ConsumeIntegralInRange<int64_t>(-8, 8);
    int64_t axis = fuzz.ConsumeIntegralInRange<int64_t>(0, 3);
    int64_t step = fuzz.ConsumeIntegralInRange<int64_t>(-3, 3);
    if (step == 0 || fuzz.ConsumeBool())
      step = 1;
    if (step < 0 && fuzz.ConsumeBool())
      end = -INT64_MAX; // torch.flip
    addInt64Constant(graph, "starts", {start});
    addInt64Constant(graph, "ends", {end});
    addInt64Constant(graph, "axes", {axis});
    addInt64Constant(graph, "steps", {step});
    addNode(graph, "Slice", {"Y", "starts", "ends", "axes", "steps"}, {"S"});
    addOutput(graph, "S");
  } else if (head == 2) {
    addInt64Constant(graph, "index", {fuzz.ConsumeIntegralInRange<int64_t>(-3, 3)}, true);
    setInt(addNode(graph, "Gather", {"Y", "index"}, {"S"}), "axis",
           fuzz.ConsumeIntegralInRange<int64_t>(0, 3));
    addOutput(graph, "S");
  } else if (head == 3) {
    const char *reductions[] = {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"};
    onnx::NodeProto *reduce =
        addNode(graph, reductions[fuzz.ConsumeIntegralInRange<int>(0, 3)], {"Y"}, {"S"});
    onnx::AttributeProto *axes = reduce->add_attribute();
    axes->set_name("axes");
    axes->set_type(onnx::AttributeProto::INTS);
    axes->add_ints(fuzz.ConsumeIntegralInRange<int64_t>(-5, 4));
    setInt(reduce, "keepdims", fuzz.ConsumeBool());
    addOutput(graph, "S");
  } else if (head == 4) {
    addNode(graph, "LogSoftmax", {"Y"}, {"S"});
    addOutput(graph, "S");
  } else if (head == 5) {
    // y * (arange(T) < lengths-ish bound): Range up to X's time size.
    addNode(graph, "Shape", {"X"}, {"shape"});
    addInt64Constant(graph, "time_axis", {batchMajor ? 1 : 0}, true);
    addNode(graph, "Gather", {"shape", "time_axis"}, {"time"});
    addInt64Constant(graph, "zero", {0}, true);
    addInt64Constant(graph, "one", {1}, true);
    addNode(graph, "Range", {"zero", "time", "one"}, {"steps"});
    addInt64Constant(graph, "bound", {fuzz.ConsumeIntegralInRange<int64_t>(-1, 7)}, true);
    addNode(graph, "Less", {"steps", "bound"}, {"valid"});
    addInt64Constant(graph, "mask_axes", batchMajor ? std::vector<int64_t>{0, 2, 3}
                                                    : std::vector<int64_t>{1, 2, 3});
    addNode(graph, "Unsqueeze", {"valid", "mask_axes"}, {"valid4"});
    addNode(graph, "Cast", {"valid4"}, {"weights"});
    setInt(graph.mutable_node(graph.node_size() - 1), "to", onnx::TensorProto::FLOAT);
    addNode(graph, "Mul", {"Y", "weights"}, {"S"});
    addOutput(graph, "S");
  } else {
    addOutput(graph, "Y");
  }

  std::string bytes;
  model.SerializeToString(&bytes);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::rnnc::importOnnxBytes(bytes, "fuzzed.onnx", context);
  if (!module)
    return 0;
  mlir::rnnc::CompileOptions options;
  options.exposeState = false;
  auto jit = mlir::rnnc::JitModel::compile(*module, options);
  if (mlir::failed(jit))
    return 0;

  // Run-time sizes, sometimes inconsistent: lengths and initial_h rows of
  // their own, lengths outside [0, T].
  int64_t T = fuzz.ConsumeIntegralInRange<int64_t>(0, 6);
  int64_t B = fuzz.ConsumeIntegralInRange<int64_t>(0, 4);
  std::vector<std::unique_ptr<GuardedBuffer>> buffers;
  std::vector<mlir::rnnc::TensorRef> inputs;
  for (const mlir::rnnc::TensorSpec &spec : (*jit)->signature().inputs) {
    std::vector<int64_t> shape;
    if (spec.name == "X")
      shape = batchMajor ? std::vector<int64_t>{B, T, I} : std::vector<int64_t>{T, B, I};
    else if (spec.name == "lengths")
      shape = {fuzz.ConsumeBool() ? B : fuzz.ConsumeIntegralInRange<int64_t>(0, 5)};
    else if (spec.name == "initial_h")
      shape = batchMajor ? std::vector<int64_t>{B, dirs, H} : std::vector<int64_t>{dirs, B, H};
    else
      return 0;
    if (spec.name == "initial_h" && fuzz.ConsumeBool())
      shape[batchMajor ? 0 : 1] = fuzz.ConsumeIntegralInRange<int64_t>(0, 5);
    size_t count = 1;
    for (int64_t d : shape)
      count *= static_cast<size_t>(d);
    size_t width = spec.elementType == mlir::rnnc::ElementType::I64 ? 8 : 4;
    auto buffer = std::make_unique<GuardedBuffer>(count * width);
    for (size_t i = 0; i < count; ++i) {
      if (spec.elementType == mlir::rnnc::ElementType::F32) {
        float v = fuzz.ConsumeIntegralInRange<int>(-16, 16) / 8.0f;
        std::memcpy(buffer->data + i * 4, &v, 4);
      } else {
        int64_t v = fuzz.ConsumeIntegralInRange<int64_t>(-2, 8);
        std::memcpy(buffer->data + i * width, &v, width);
      }
    }
    inputs.push_back({spec.elementType, shape, buffer->data});
    buffers.push_back(std::move(buffer));
  }
  std::vector<mlir::rnnc::HostTensor> results;
  std::string error;
  (void)(*jit)->run(inputs, results, error, /*memoryLimit=*/uint64_t(64) << 20);
  return 0;
}
