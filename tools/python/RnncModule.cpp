// `import rnnc`: models compiled in-process (rnnc::Model::load) run on numpy
// arrays through the rnnrt instance API, streaming sessions, and AOT
// compilation to an object file and header (docs/python.md). The GIL is
// released while compiling and running.
#include "rnnc/API/Aot.h"
#include "rnnc/API/ModelFile.h"
#include "rnnc/InitAll.h"
#include "rnnc/rnnc.h"
#include "rnnrt/model.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace py = pybind11;

namespace {
/// The numpy dtype of an rnnrt element type.
py::dtype numpyType(rnnrt_dtype_t dtype) {
  switch (dtype) {
  case RNNRT_DTYPE_F32:
    return py::dtype::of<float>();
  case RNNRT_DTYPE_I32:
    return py::dtype::of<int32_t>();
  case RNNRT_DTYPE_I64:
    return py::dtype::of<int64_t>();
  default:
    return py::dtype::of<bool>();
  }
}

std::string dtypeName(const py::dtype &dtype) {
  return py::str(static_cast<const py::handle &>(dtype)).cast<std::string>();
}

/// A failed runtime call as the Python exception that says what went wrong.
[[noreturn]] void raise(rnnrt_status_t status, const std::string &message) {
  switch (status) {
  case RNNRT_STATUS_INVALID_ARGUMENT:
    throw py::value_error(message);
  case RNNRT_STATUS_OUT_OF_MEMORY:
  case RNNRT_STATUS_LIMIT_EXCEEDED:
    PyErr_SetString(PyExc_MemoryError, message.c_str());
    throw py::error_already_set();
  default:
    throw std::runtime_error(message);
  }
}

/// One input or output: name, shape (sizes, and the names of run-time
/// sizes), numpy dtype.
struct TensorInfo {
  std::string name;
  py::tuple shape;
  py::dtype dtype;
  std::string role;
};

TensorInfo describe(const rnnrt_model_t *model, const rnnrt_tensor_info_t &info) {
  py::tuple shape(info.rank);
  for (int32_t d = 0; d < info.rank; ++d) {
    int64_t dim = info.dims[d];
    if (dim >= 0)
      shape[d] = py::int_(dim);
    else
      shape[d] = py::str(model->symbols[-1 - dim]);
  }
  static const char *const roles[] = {"data", "sequence_lengths", "mask", "state", "indices"};
  std::string role = info.role >= 0 && info.role < 5 ? roles[info.role] : "data";
  return {info.name, shape, numpyType(info.dtype), role};
}

std::vector<TensorInfo> describeAll(const rnnrt_model_t *model, const rnnrt_tensor_info_t *infos,
                                    uint32_t count) {
  std::vector<TensorInfo> result;
  for (uint32_t i = 0; i < count; ++i)
    result.push_back(describe(model, infos[i]));
  return result;
}

/// Refuses names the model has no input of, and missing inputs other than
/// state, lengths and mask.
void checkNames(const rnnrt_model_t *model, const py::dict &arrays) {
  for (auto item : arrays) {
    std::string name = py::cast<std::string>(item.first);
    if (rnnrt_model_find_input(model, name.c_str()) >= 0)
      continue;
    std::string names;
    for (uint32_t i = 0; i < model->num_inputs; ++i)
      names += std::string(i ? ", " : "") + model->inputs[i].name;
    throw py::type_error("the model has no input '" + name + "' (its inputs: " + names + ")");
  }
  for (uint32_t i = 0; i < model->num_inputs; ++i) {
    const rnnrt_tensor_info_t &info = model->inputs[i];
    bool optional = info.role == RNNRT_ROLE_STATE || info.role == RNNRT_ROLE_SEQUENCE_LENGTHS ||
                    info.role == RNNRT_ROLE_MASK;
    if (!optional && (!arrays.contains(info.name) || arrays[info.name].is_none()))
      throw py::type_error(std::string("input '") + info.name + "' is missing");
  }
}

/// An rnnrt instance of a model: the rows of one batch size, optionally
/// carrying its state from call to call.
class Session {
public:
  Session(std::shared_ptr<const ::rnnc::Model> model, int64_t batch, bool keepState,
          uint64_t memoryLimit)
      : model_(std::move(model)) {
    rnnrt_instance_options_t options;
    rnnrt_instance_options_initialize(&options);
    options.batch = batch;
    options.keep_state = keepState;
    options.memory_limit = memoryLimit;
    char message[512] = "";
    rnnrt_instance_t *instance = nullptr;
    rnnrt_status_t status =
        rnnrt_instance_create(model_->descriptor(), &options, &instance, message, sizeof message);
    if (status != RNNRT_STATUS_OK)
      raise(status, message);
    instance_.reset(instance);
  }

  int64_t batch() const { return rnnrt_instance_batch(instance_.get()); }

  /// Runs on `arrays` (name -> array; state, lengths and mask inputs may be
  /// left out) and returns name -> array.
  py::dict run(const py::dict &arrays) {
    std::lock_guard<std::mutex> lock(mutex_);
    const rnnrt_model_t *model = model_->descriptor();
    std::vector<rnnrt_tensor_t> tensors(model->num_inputs);
    // Arrays converted to what the model takes; kept alive for the call.
    std::vector<py::array> held;
    checkNames(model, arrays);
    for (uint32_t i = 0; i < model->num_inputs; ++i) {
      const rnnrt_tensor_info_t &info = model->inputs[i];
      rnnrt_tensor_t &tensor = tensors[i];
      tensor.data = nullptr;
      tensor.dtype = info.dtype;
      tensor.rank = info.rank;
      if (!arrays.contains(info.name) || arrays[info.name].is_none()) {
        continue;
      }
      py::array given = py::array::ensure(arrays[info.name]);
      if (!given)
        throw py::type_error(std::string("input '") + info.name + "' is not an array");
      py::dtype want = numpyType(info.dtype);
      if (!given.dtype().is(want) && given.dtype().kind() != want.kind())
        throw py::type_error(std::string("input '") + info.name + "' has dtype " +
                             dtypeName(given.dtype()) + ", the model takes " +
                             dtypeName(want));
      if (given.dtype().itemsize() != want.itemsize())
        throw py::type_error(std::string("input '") + info.name + "' has dtype " +
                             dtypeName(given.dtype()) + ", the model takes " +
                             dtypeName(want));
      if (given.ndim() != info.rank)
        throw py::value_error(std::string("input '") + info.name + "' has rank " +
                              std::to_string(given.ndim()) + ", the model takes rank " +
                              std::to_string(info.rank));
      // Taken as it is when C-contiguous; copied into C order otherwise.
      py::array contiguous = py::array::ensure(given, py::array::c_style);
      held.push_back(contiguous);
      tensor.data = const_cast<void *>(contiguous.data());
      for (int32_t d = 0; d < info.rank; ++d)
        tensor.dims[d] = contiguous.shape(d);
    }
    rnnrt_status_t status;
    {
      py::gil_scoped_release release;
      status = rnnrt_instance_run(instance_.get(), tensors.data(), tensors.size());
    }
    if (status != RNNRT_STATUS_OK)
      raise(status, rnnrt_instance_last_error(instance_.get()));
    py::dict outputs;
    for (uint32_t i = 0; i < model->num_outputs; ++i) {
      rnnrt_tensor_t out;
      status = rnnrt_instance_output(instance_.get(), i, &out);
      if (status != RNNRT_STATUS_OK)
        raise(status, rnnrt_instance_last_error(instance_.get()));
      std::vector<py::ssize_t> shape(out.dims, out.dims + out.rank);
      py::array result(numpyType(out.dtype), shape);
      std::memcpy(result.mutable_data(), out.data, rnnrt_tensor_bytes(&out));
      outputs[py::str(model->outputs[i].name)] = result;
    }
    return outputs;
  }

  /// Zeroes the state of the rows given (a bool per row), or of all.
  void reset(const std::optional<py::array_t<bool, py::array::c_style | py::array::forcecast>> &rows) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<uint8_t> flags;
    if (rows) {
      if (rows->ndim() != 1 || rows->shape(0) != batch())
        throw py::value_error("rows must be one bool per row of the session (" +
                              std::to_string(batch()) + ")");
      for (py::ssize_t r = 0; r < rows->shape(0); ++r)
        flags.push_back(rows->at(r) ? 1 : 0);
    }
    rnnrt_status_t status = rnnrt_instance_reset_state(
        instance_.get(), rows ? flags.data() : nullptr, rows ? batch() : 0);
    if (status != RNNRT_STATUS_OK)
      raise(status, rnnrt_instance_last_error(instance_.get()));
  }

private:
  struct Destroy {
    void operator()(rnnrt_instance_t *instance) const { rnnrt_instance_destroy(instance); }
  };
  std::shared_ptr<const ::rnnc::Model> model_;
  std::unique_ptr<rnnrt_instance_t, Destroy> instance_;
  std::mutex mutex_;
};

/// A compiled model. Calls run on an instance per batch size, made on first
/// use; calls from several threads each take an instance of their own.
class Model {
public:
  explicit Model(std::shared_ptr<const ::rnnc::Model> model, uint64_t memoryLimit)
      : model_(std::move(model)), memoryLimit_(memoryLimit) {}

  std::vector<TensorInfo> inputs() const {
    const rnnrt_model_t *model = model_->descriptor();
    return describeAll(model, model->inputs, model->num_inputs);
  }

  std::vector<TensorInfo> outputs() const {
    const rnnrt_model_t *model = model_->descriptor();
    return describeAll(model, model->outputs, model->num_outputs);
  }

  std::string name() const { return model_->descriptor()->name; }

  py::dict run(const py::dict &arrays) {
    checkNames(model_->descriptor(), arrays);
    int64_t batch = batchOf(arrays);
    std::unique_ptr<Session> session = take(batch);
    py::dict outputs;
    try {
      outputs = session->run(arrays);
    } catch (...) {
      give(batch, std::move(session));
      throw;
    }
    give(batch, std::move(session));
    return outputs;
  }

  std::unique_ptr<Session> session(int64_t batch) {
    return std::make_unique<Session>(model_, batch, /*keepState=*/true, memoryLimit_);
  }

private:
  /// The rows of this call: the batch size of the first input that has one.
  int64_t batchOf(const py::dict &arrays) const {
    const rnnrt_model_t *model = model_->descriptor();
    if (model->batch_symbol < 0)
      return 0;
    for (uint32_t i = 0; i < model->num_inputs; ++i) {
      const rnnrt_tensor_info_t &info = model->inputs[i];
      if (!arrays.contains(info.name) || arrays[info.name].is_none())
        continue;
      py::array array = py::array::ensure(arrays[info.name]);
      for (int32_t d = 0; array && d < info.rank && d < array.ndim(); ++d)
        if (info.dims[d] == -1 - model->batch_symbol)
          return array.shape(d);
    }
    throw py::type_error("no input gives the batch size (pass the model's data inputs)");
  }

  std::unique_ptr<Session> take(int64_t batch) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      std::vector<std::unique_ptr<Session>> &idle = idle_[batch];
      if (!idle.empty()) {
        std::unique_ptr<Session> session = std::move(idle.back());
        idle.pop_back();
        return session;
      }
    }
    return std::make_unique<Session>(model_, batch, /*keepState=*/false, memoryLimit_);
  }

  void give(int64_t batch, std::unique_ptr<Session> session) {
    std::lock_guard<std::mutex> lock(mutex_);
    idle_[batch].push_back(std::move(session));
  }

  std::shared_ptr<const ::rnnc::Model> model_;
  uint64_t memoryLimit_;
  std::mutex mutex_;
  std::map<int64_t, std::vector<std::unique_ptr<Session>>> idle_;
};

::rnnc::CompileOptions compileOptions(const std::string &name, const std::string &cpu, int64_t batch,
                                      int64_t maxBatch, int64_t threads, bool exposeState,
                                      uint64_t memoryLimit, const std::string &precision) {
  ::rnnc::CompileOptions options;
  options.name = name;
  options.cpu = cpu;
  options.batch = batch;
  options.max_batch = maxBatch;
  options.threads = threads;
  options.expose_state = exposeState;
  options.memory_limit = memoryLimit;
  options.precision = precision;
  return options;
}

std::unique_ptr<Model> load(const std::string &path, int64_t threads,
                            std::optional<int64_t> batch, int64_t maxBatch,
                            const std::string &cpu, const std::string &name, bool exposeState,
                            uint64_t memoryLimit, const std::string &precision) {
  ::rnnc::CompileOptions options = compileOptions(name, cpu, batch.value_or(0), maxBatch, threads,
                                                  exposeState, memoryLimit, precision);
  std::string error;
  std::shared_ptr<const ::rnnc::Model> model;
  {
    py::gil_scoped_release release;
    model = ::rnnc::Model::load(path, options, &error);
  }
  if (!model)
    throw std::runtime_error(error);
  return std::make_unique<Model>(std::move(model), memoryLimit);
}

/// rnnc compile PATH -o OUTPUT --header HEADER, from Python.
void compile(const std::string &path, const std::string &output, std::optional<std::string> header,
             std::optional<std::string> name, const std::string &cpu, const std::string &target,
             int64_t batch, int64_t maxBatch, int64_t threads, bool exposeState,
             uint64_t memoryLimit, const std::string &precision) {
  std::string headerPath =
      header ? *header : llvm::StringRef(output).rsplit('.').first.str() + ".h";
  if (mlir::rnnc::isSamePath(output, headerPath))
    throw py::value_error("output and header name the same file, " + headerPath);
  mlir::rnnc::CompileOptions options;
  options.name = name ? *name : llvm::StringRef(llvm::sys::path::stem(path)).str();
  options.cpu = cpu;
  options.batch = batch;
  options.maxBatch = maxBatch;
  options.threads = threads;
  options.exposeState = exposeState;
  options.precision = precision;
  if (target != "cpu") {
    llvm::StringRef chip = target;
    if (!chip.consume_front("cuda:sm_") || chip.empty() ||
        !llvm::all_of(chip, [](char c) { return c >= '0' && c <= '9'; }))
      throw py::value_error("target must be 'cpu' or 'cuda:sm_NN', got '" + target + "'");
    options.cudaChip = "sm_" + chip.str();
  }
  std::string diagnostics, error;
  {
    py::gil_scoped_release release;
    mlir::DialectRegistry registry;
    mlir::rnnc::registerAllDialects(registry);
    mlir::MLIRContext context(registry);
    llvm::SourceMgr sourceMgr;
    mlir::ScopedDiagnosticHandler collect(&context, [&](mlir::Diagnostic &diag) {
      std::string where = mlir::rnnc::describeLocation(diag.getLocation());
      diagnostics += (diagnostics.empty() ? "" : "\n") + (where.empty() ? "" : where + ": ") +
                     diag.str();
      return mlir::success();
    });
    mlir::rnnc::ModelFileOptions fileOptions;
    fileOptions.memoryLimit = memoryLimit;
    mlir::OwningOpRef<mlir::ModuleOp> module =
        mlir::rnnc::loadModelFile(path, sourceMgr, &context, fileOptions);
    if (module) {
      mlir::FailureOr<mlir::rnnc::AotOutput> aot = mlir::rnnc::compileAot(
          *module, options, llvm::sys::path::filename(path), mlir::rnnc::AotEmit::Object, &error);
      if (succeeded(aot))
        error = mlir::rnnc::writeFilesTogether({{output, aot->code}, {headerPath, aot->header}});
      else if (error.empty())
        error = diagnostics;
    } else {
      error = diagnostics;
    }
  }
  if (!error.empty())
    throw std::runtime_error(error);
}
} // namespace

PYBIND11_MODULE(rnnc, m) {
  m.doc() = "rnnc: compile recurrent networks (.onnx, .keras, .h5, .mlir) and run them on "
            "numpy arrays, or compile them to an object file and C header (docs/python.md)";

  py::class_<TensorInfo>(m, "TensorInfo")
      .def_readonly("name", &TensorInfo::name)
      .def_readonly("shape", &TensorInfo::shape, "sizes, or the names of run-time sizes")
      .def_readonly("dtype", &TensorInfo::dtype)
      .def_readonly("role", &TensorInfo::role,
                    "data, sequence_lengths, mask, state or indices")
      .def("__repr__", [](const TensorInfo &info) {
        return "TensorInfo(name='" + info.name + "', shape=" + py::repr(info.shape).cast<std::string>() +
               ", dtype=" + dtypeName(info.dtype) + ", role='" + info.role + "')";
      });

  py::class_<Session>(m, "Session", "A model's instance of one batch size that keeps its state "
                                    "from call to call (streaming)")
      .def("run", &Session::run, py::arg("inputs"))
      .def("__call__", [](Session &s, const py::kwargs &arrays) { return s.run(arrays); })
      .def("reset", &Session::reset, py::arg("rows") = py::none(),
           "Zeroes the state of the rows given (one bool per row), or of all")
      .def_property_readonly("batch", &Session::batch);

  py::class_<Model>(m, "Model", "A model compiled in this process")
      .def_property_readonly("inputs", &Model::inputs)
      .def_property_readonly("outputs", &Model::outputs)
      .def_property_readonly("name", &Model::name)
      .def("run", &Model::run, py::arg("inputs"), "Runs on {name: array}; returns {name: array}")
      .def("__call__", [](Model &model, const py::kwargs &arrays) { return model.run(arrays); })
      .def("session", &Model::session, py::arg("batch"),
           "An instance of `batch` rows that carries its state between calls");

  m.def("load", &load, py::arg("path"), py::kw_only(), py::arg("threads") = 1,
        py::arg("batch") = py::none(), py::arg("max_batch") = 0, py::arg("cpu") = "host",
        py::arg("name") = "model", py::arg("expose_state") = true,
        py::arg("memory_limit") = uint64_t(8) << 30, py::arg("precision") = "f32",
        "Compiles a model file (.onnx, .keras, .h5, .mlir) in this process");
  m.def("compile", &compile, py::arg("path"), py::kw_only(), py::arg("output"),
        py::arg("header") = py::none(), py::arg("name") = py::none(), py::arg("cpu") = "host",
        py::arg("target") = "cpu", py::arg("batch") = 0, py::arg("max_batch") = 0,
        py::arg("threads") = 1, py::arg("expose_state") = true,
        py::arg("memory_limit") = uint64_t(8) << 30, py::arg("precision") = "f32",
        "Compiles a model file to an object file and its C header (as `rnnc compile`)");
}
