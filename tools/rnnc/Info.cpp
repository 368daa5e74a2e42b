// rnnc info: what a host program needs to know about a model before it is
// written (as onnxruntime's get_inputs()/get_outputs() and saved_model_cli
// show tell their users): inputs and outputs with their named sizes, state
// pairs, layers, parameters, the memory a call needs, and for ONNX files every
// op with whether rnnc supports it.

#include "Driver.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "rnnc/API/Compile.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"
#include "rnnc/Frontend/Onnx/OnnxImporter.h"
#include "rnnc/Target/CHeader/CIdentifiers.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <map>
#include <optional>

using namespace mlir;
using namespace mlir::rnnc;

namespace mlir::rnnc::driver {
namespace {

const char *roleName(TensorRole role) {
  switch (role) {
  case TensorRole::Data:
    return "data";
  case TensorRole::SequenceLengths:
    return "sequence_lengths";
  case TensorRole::Mask:
    return "mask";
  case TensorRole::State:
    return "state";
  case TensorRole::Indices:
    return "indices";
  }
  return "data";
}

/// One rnn.dynamic_rnn of the model.
struct Layer {
  std::string cell;
  std::vector<int64_t> units; ///< per cell (several for a stack)
  /// The layer numbers of its cells, bottom to top (initial_state/<layer>,
  /// --precision per layer).
  std::vector<int64_t> numbers;
  int64_t inputSize = -1;
  bool reverse = false, timeMajor = false, lengths = false, mask = false, initialState = false;
};

std::string cellName(Operation *op) {
  StringRef name = op->getName().stripDialect();
  name.consume_back("_cell");
  return name.str();
}

std::vector<Layer> layersOf(ModuleOp module) {
  std::vector<Layer> layers;
  int64_t nextNumber = 0;
  module.walk([&](rnn::DynamicRNNOp op) {
    Layer layer;
    SmallVector<rnn::CellOpInterface> cells;
    if (succeeded(rnn::getCellLayers(op.getCell(), cells)))
      for (size_t i = 0; i < cells.size(); ++i)
        layer.numbers.push_back(nextNumber++);
    Operation *cell = op.getCell().getDefiningOp();
    auto addCell = [&](Operation *c) {
      if (auto units = c->getAttrOfType<IntegerAttr>("num_units"))
        layer.units.push_back(units.getInt());
    };
    if (auto stack = dyn_cast_or_null<rnn::MultiRNNCellOp>(cell)) {
      std::string names;
      for (Value c : stack->getOperands()) {
        names += (names.empty() ? "" : ", ") + cellName(c.getDefiningOp());
        addCell(c.getDefiningOp());
      }
      layer.cell = "stack(" + names + ")";
    } else if (cell) {
      layer.cell = cellName(cell);
      addCell(cell);
    }
    layer.inputSize = op.getInputs().getType().getDimSize(2);
    layer.reverse = op.getReverse() || op.getGoBackwards();
    layer.timeMajor = op.getTimeMajor();
    layer.lengths = static_cast<bool>(op.getSequenceLength());
    layer.mask = static_cast<bool>(op.getMask());
    layer.initialState = !op.getInitialState().empty();
    layers.push_back(layer);
  });
  return layers;
}

/// Elements of the float constants the model uses (weights, biases, ...;
/// ONNX initializers converted at import count once, as converted).
int64_t parameterCount(ModuleOp module) {
  int64_t count = 0;
  module.walk([&](arith::ConstantOp op) {
    auto type = dyn_cast<RankedTensorType>(op.getType());
    if (type && type.getElementType().isF32() && type.getNumElements() > 1 && !op->use_empty())
      count += type.getNumElements();
  });
  return count;
}

/// The symbol of the time dimension of the first sequence read straight from
/// an input, or -1.
int timeSymbol(ModuleOp module, const ModelSignature &signature) {
  int symbol = -1;
  module.walk([&](rnn::DynamicRNNOp op) {
    auto arg = dyn_cast<BlockArgument>(op.getInputs());
    auto func = arg ? dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp()) : func::FuncOp();
    if (symbol >= 0 || !func)
      return;
    auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "rnn.name");
    for (const TensorSpec &spec : signature.inputs)
      if (name && spec.name == name.getValue())
        symbol = spec.dimSymbols[op.getTimeMajor() ? 0 : 1];
  });
  return symbol;
}

std::string layerText(const Layer &layer) {
  std::string text = layer.cell + ", input " + std::to_string(layer.inputSize) + ", units ";
  for (size_t i = 0; i < layer.units.size(); ++i)
    text += (i ? "/" : "") + std::to_string(layer.units[i]);
  text += layer.reverse ? ", reverse" : ", forward";
  text += layer.timeMajor ? ", time-major" : ", batch-major";
  if (layer.lengths)
    text += ", sequence lengths";
  if (layer.mask)
    text += ", mask";
  if (layer.initialState)
    text += ", initial state given";
  return text;
}

} // namespace

int infoMain(const std::string &path, const ModelFileOptions &fileOptions, bool json,
             const std::vector<std::string> &sizeArgs) {
  std::map<std::string, int64_t> sizes;
  for (const std::string &arg : sizeArgs) {
    auto [name, value] = StringRef(arg).split('=');
    int64_t n;
    if (name.empty() || value.getAsInteger(10, n) || n < 0)
      return failWith("--size expects NAME=N with N >= 0, got '" + arg + "'");
    sizes[name.str()] = n;
  }

  // An ONNX file's ops are surveyed before the import, which stops at the
  // first unsupported one.
  std::optional<OnnxSurvey> survey;
  if (StringRef(path).ends_with(".onnx")) {
    auto buffer = llvm::MemoryBuffer::getFile(path);
    if (buffer && (fileOptions.memoryLimit == 0 ||
                   (*buffer)->getBufferSize() <= fileOptions.memoryLimit))
      survey = surveyOnnxBytes((*buffer)->getBuffer());
  }
  std::vector<const OnnxOpUse *> unsupported;
  if (survey)
    for (const OnnxOpUse &use : survey->ops)
      if (!use.supported)
        unsupported.push_back(&use);

  ModelFile file(path, fileOptions);
  std::optional<LoweredModel> lowered;
  std::vector<Layer> layers;
  int64_t parameters = 0;
  int time = -1;
  if (file.module) {
    CompileOptions options;
    options.name = toModelName(llvm::sys::path::stem(path));
    FailureOr<LoweredModel> result = lowerModel(*file.module, options);
    if (succeeded(result)) {
      layers = layersOf(*file.module);
      parameters = parameterCount(*file.module);
      time = timeSymbol(*file.module, result->signature);
      lowered = std::move(*result);
    }
  }

  const ModelSignature *signature = lowered ? &lowered->signature : nullptr;
  auto symbolName = [&](int symbol) -> std::string {
    return symbol >= 0 ? signature->symbols[symbol] : std::string();
  };
  // The heap per call at the given sizes, when all of its sizes are given.
  std::optional<int64_t> heapBytes;
  if (lowered && !lowered->heapPerCall.unknown) {
    int64_t total = 0;
    bool complete = true;
    for (const HeapBound::Term &term : lowered->heapPerCall.terms) {
      int64_t bytes = term.bytes;
      for (int symbol : term.symbols) {
        auto it = sizes.find(symbolName(symbol));
        complete &= it != sizes.end();
        bytes *= it != sizes.end() ? it->second : 0;
      }
      total += bytes;
    }
    if (complete)
      heapBytes = total;
  }

  if (json) {
    llvm::json::Object root{{"file", path}};
    if (survey) {
      root["format"] = "onnx";
      root["opset"] = survey->opset;
      llvm::json::Array ops;
      for (const OnnxOpUse &use : survey->ops)
        ops.push_back(llvm::json::Object{
            {"op", use.op}, {"count", use.count}, {"supported", use.supported}});
      root["ops"] = std::move(ops);
      llvm::json::Array refused;
      for (const OnnxOpUse *use : unsupported)
        refused.push_back(use->op);
      root["unsupported_ops"] = std::move(refused);
    } else {
      root["format"] = "mlir";
    }
    root["compiles"] = lowered.has_value();
    if (signature) {
      auto tensors = [&](const std::vector<TensorSpec> &specs,
                         const std::vector<TensorSpec> &others) {
        llvm::json::Array array;
        for (const TensorSpec &spec : specs) {
          llvm::json::Array shape;
          for (auto [size, symbol] : llvm::zip(spec.shape, spec.dimSymbols))
            shape.push_back(symbol >= 0 ? llvm::json::Value(symbolName(symbol))
                                        : llvm::json::Value(size));
          llvm::json::Object object{{"name", spec.name},
                                    {"dtype", elementTypeName(spec.elementType)},
                                    {"shape", std::move(shape)},
                                    {"role", roleName(spec.role)}};
          if (spec.pair >= 0)
            object["pair"] = others[spec.pair].name;
          array.push_back(std::move(object));
        }
        return array;
      };
      root["inputs"] = tensors(signature->inputs, signature->results);
      root["outputs"] = tensors(signature->results, signature->inputs);
      llvm::json::Array symbols;
      for (const std::string &symbol : signature->symbols)
        symbols.push_back(symbol);
      root["sizes"] = std::move(symbols);
      root["batch"] = signature->batchSymbol >= 0
                          ? llvm::json::Value(symbolName(signature->batchSymbol))
                          : llvm::json::Value(signature->staticBatch);
      root["time"] = time >= 0 ? llvm::json::Value(symbolName(time)) : llvm::json::Value(nullptr);
      llvm::json::Array layerArray;
      for (const Layer &layer : layers) {
        llvm::json::Array units;
        for (int64_t u : layer.units)
          units.push_back(u);
        llvm::json::Array numbers;
        for (int64_t number : layer.numbers)
          numbers.push_back(number);
        layerArray.push_back(llvm::json::Object{{"cell", layer.cell},
                                                {"layer_numbers", std::move(numbers)},
                                                {"input_size", layer.inputSize},
                                                {"units", std::move(units)},
                                                {"reverse", layer.reverse},
                                                {"time_major", layer.timeMajor},
                                                {"sequence_lengths", layer.lengths},
                                                {"mask", layer.mask},
                                                {"initial_state", layer.initialState}});
      }
      root["layers"] = std::move(layerArray);
      root["parameters"] = parameters;
      root["parameter_bytes"] = parameters * 4;
      llvm::json::Array terms;
      for (const HeapBound::Term &term : lowered->heapPerCall.terms) {
        llvm::json::Array factors;
        for (int symbol : term.symbols)
          factors.push_back(symbolName(symbol));
        terms.push_back(llvm::json::Object{{"bytes", term.bytes}, {"sizes", std::move(factors)}});
      }
      llvm::json::Object heap{{"formula", lowered->heapPerCall.format(signature->symbols)},
                              {"terms", std::move(terms)},
                              {"bounded", !lowered->heapPerCall.unknown}};
      if (heapBytes)
        heap["bytes"] = *heapBytes;
      root["heap_per_call"] = std::move(heap);
    }
    llvm::outs() << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
    return lowered && unsupported.empty() ? 0 : 1;
  }

  llvm::raw_ostream &os = llvm::outs();
  os << path;
  if (survey)
    os << ": ONNX, opset " << survey->opset;
  os << "\n";
  if (signature) {
    auto list = [&](StringRef title, const std::vector<TensorSpec> &specs,
                    const std::vector<TensorSpec> &others) {
      os << title << ":\n";
      for (const TensorSpec &spec : specs) {
        os << "  " << describeTensor(spec, *signature);
        if (spec.role == TensorRole::SequenceLengths)
          os << "  (sequence lengths)";
        else if (spec.role == TensorRole::Mask)
          os << "  (mask)";
        else if (spec.role == TensorRole::Indices)
          os << "  (indices, checked before a call)";
        else if (spec.role == TensorRole::State && &specs == &signature->inputs)
          os << "  (state: receives " << others[spec.pair].name << " between calls)";
        else if (spec.role == TensorRole::State)
          os << "  (state: fed back into " << others[spec.pair].name << ")";
        os << "\n";
      }
    };
    list("Inputs", signature->inputs, signature->results);
    list("Outputs", signature->results, signature->inputs);
    os << "Run-time sizes:";
    for (auto [i, symbol] : llvm::enumerate(signature->symbols))
      os << (i ? ", " : " ") << symbol;
    if (signature->symbols.empty())
      os << " none";
    os << " (dimensions with one name are one size, checked before a call)\n";
    os << "Batch: "
       << (signature->batchSymbol >= 0 ? symbolName(signature->batchSymbol)
                                       : std::to_string(signature->staticBatch))
       << (signature->batchSymbol >= 0 ? ", chosen per instance" : ", static") << "\n";
    if (time >= 0)
      os << "Time: " << symbolName(time) << ", any length per call\n";
    bool anyState = false;
    for (const TensorSpec &spec : signature->inputs)
      if (spec.role == TensorRole::State) {
        os << (anyState ? "" : "State carried between calls (keep_state):\n") << "  "
           << spec.name << " <- " << signature->results[spec.pair].name << "\n";
        anyState = true;
      }
    if (!anyState)
      os << "State: none (keep_state is refused; pair an input with an output by --state "
            "IN=OUT)\n";
    os << "Layers (numbered as initial_state/<layer> and --precision per layer):\n";
    for (const Layer &layer : layers) {
      os << "  ";
      if (layer.numbers.size() > 1)
        os << layer.numbers.front() << "-" << layer.numbers.back();
      else if (!layer.numbers.empty())
        os << layer.numbers.front();
      os << ": " << layerText(layer) << "\n";
    }
    os << "Parameters: " << parameters << " (" << parameters * 4 << " bytes as f32)\n";
    os << "Memory per call: " << lowered->heapPerCall.format(signature->symbols) << " bytes";
    if (heapBytes)
      os << " = " << *heapBytes << " at the given sizes";
    else if (!lowered->heapPerCall.unknown && !lowered->heapPerCall.terms.empty())
      os << " (--size NAME=N evaluates it)";
    os << "\n";
  }
  if (survey) {
    os << "Ops:";
    for (const OnnxOpUse &use : survey->ops)
      os << " " << use.op << (use.count > 1 ? " x" + std::to_string(use.count) : "")
         << (use.supported ? "" : " (unsupported)");
    os << "\n";
    for (const OnnxOpUse *use : unsupported) {
      os << "Unsupported: " << use->op << " (nodes";
      for (size_t i = 0; i < use->nodes.size() && i < 4; ++i)
        os << (i ? ", '" : " '") << use->nodes[i] << "'";
      os << (use->nodes.size() > 4 ? ", ..." : "") << ")\n";
    }
  }
  if (!lowered)
    os << "The model does not compile: the errors above name the problem.\n";
  return lowered && unsupported.empty() ? 0 : 1;
}

} // namespace mlir::rnnc::driver
