// Keras model files to the rnn dialect, through rnnc::ModelBuilder's Keras
// layers (the masking and last-output rules of docs/semantics.md live there):
// the model's graph, its inputs and outputs, where each layer's weights are.
// The layers themselves: KerasLayers.cpp.
#include "rnnc/Frontend/Keras/KerasImporter.h"

#include "Importer.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::rnnc::keras;
using llvm::json::Object;

namespace {
std::string quoted(StringRef text) { return "'" + text.str() + "'"; }

/// A tensor of the graph: output `tensor` of call `node` of `layer`.
struct TensorRef {
  std::string layer;
  int64_t node = 0, tensor = 0;
};

/// [name, node, tensor] (Keras 2 adds a kwargs dict), or Keras 3's
/// {"class_name": "__keras_tensor__", "config": {"keras_history": [...]}}.
std::optional<TensorRef> tensorRef(const llvm::json::Value &value) {
  const llvm::json::Array *history = value.getAsArray();
  if (const Object *object = value.getAsObject()) {
    const Object *config = object->getObject("config");
    if (object->getString("class_name") != "__keras_tensor__" || !config)
      return std::nullopt;
    history = config->getArray("keras_history");
  }
  if (!history || history->size() < 3 || !(*history)[0].getAsString())
    return std::nullopt;
  std::optional<int64_t> node = (*history)[1].getAsInteger(), tensor = (*history)[2].getAsInteger();
  if (!node || !tensor)
    return std::nullopt;
  return TensorRef{(*history)[0].getAsString()->str(), *node, *tensor};
}

/// The tensors `value` holds, in order: a tensor, or lists of them.
bool collectTensors(const llvm::json::Value &value, std::vector<TensorRef> &refs) {
  if (std::optional<TensorRef> ref = tensorRef(value)) {
    refs.push_back(*ref);
    return true;
  }
  const llvm::json::Array *list = value.getAsArray();
  if (!list)
    return false;
  for (const llvm::json::Value &item : *list)
    if (!collectTensors(item, refs))
      return false;
  return true;
}

/// The inputs of one call: Keras 3 {"args": [...], "kwargs": {...}} (a
/// recurrent layer's initial_state after its inputs, as Keras 2 lists them),
/// Keras 2 [[name, node, tensor, kwargs], ...].
std::optional<std::vector<TensorRef>> callInputs(const llvm::json::Value &node) {
  std::vector<TensorRef> refs;
  if (const Object *call = node.getAsObject()) {
    const llvm::json::Array *args = call->getArray("args");
    if (!args)
      return std::nullopt;
    for (const llvm::json::Value &arg : *args)
      if (!collectTensors(arg, refs))
        return std::nullopt;
    if (const Object *kwargs = call->getObject("kwargs"))
      if (const llvm::json::Value *initial = kwargs->get("initial_state"))
        if (!initial->getAsNull() && !collectTensors(*initial, refs))
          return std::nullopt;
    return refs;
  }
  if (!collectTensors(node, refs))
    return std::nullopt;
  return refs;
}

/// input_layers / output_layers: a list of [name, node, tensor], or one.
std::optional<std::vector<TensorRef>> endpoints(const llvm::json::Value *value) {
  std::vector<TensorRef> refs;
  if (!value)
    return std::nullopt;
  if (std::optional<TensorRef> one = tensorRef(*value))
    return std::vector<TensorRef>{*one};
  if (!collectTensors(*value, refs))
    return std::nullopt;
  return refs;
}
} // namespace

std::string Importer::stringOf(const Object &config, StringRef key, StringRef fallback) {
  if (std::optional<StringRef> value = config.getString(key))
    return value->str();
  return fallback.str();
}

bool Importer::boolOf(const Object &config, StringRef key, bool fallback) {
  return config.getBoolean(key).value_or(fallback);
}

void Importer::refuse(StringRef layer, StringRef className, const Twine &what) {
  problems_.push_back(className.str() + " " + quoted(layer) + ": " + what.str());
}

std::string Importer::activationOf(const Object &config, StringRef key, StringRef fallback,
                                   StringRef layer, StringRef className) {
  const llvm::json::Value *value = config.get(key);
  std::string name = fallback.str();
  if (value && value->getAsNull()) {
    name = "linear";
  } else if (value) {
    // Keras 3 may serialize an activation as {"class_name": "function", "config": "tanh", ...}.
    std::optional<StringRef> text = value->getAsString();
    if (!text)
      if (const Object *object = value->getAsObject())
        text = object->getString("config");
    if (!text) {
      refuse(layer, className, key + " is not a built-in activation");
      return "";
    }
    name = text->str();
  }
  if (name == "tanh" || name == "sigmoid" || name == "relu" || name == "linear" ||
      name == "softsign" || name == "softplus" || name == "elu")
    return name;
  // Keras 2: clip(0.2 x + 0.5, 0, 1); Keras 3: clip(x / 6 + 0.5, 0, 1).
  if (name == "hard_sigmoid")
    return file_.legacy ? "hard_sigmoid" : "hard_sigmoid, alpha = 0.16666667, beta = 0.5";
  refuse(layer, className, key + " '" + name + "' is not supported");
  return "";
}

/// Keras's naming.to_snake_case: "SimpleRNN" -> "simple_rnn",
/// "TimeDistributed" -> "time_distributed".
std::string mlir::rnnc::keras::snakeCase(StringRef className) {
  std::string word;
  for (char c : className)
    if (llvm::isAlnum(c) || c == '_')
      word += c;
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  // "(.)([A-Z][a-z]+)" -> "\1_\2", then "([a-z])([A-Z])" -> "\1_\2".
  std::string first;
  for (size_t i = 0; i < word.size(); ++i) {
    if (i > 0 && upper(word[i]) && i + 1 < word.size() && lower(word[i + 1]) &&
        first.back() != '_')
      first += '_';
    first += word[i];
  }
  std::string second;
  for (size_t i = 0; i < first.size(); ++i) {
    if (i > 0 && upper(first[i]) && lower(first[i - 1]))
      second += '_';
    second += first[i];
  }
  return StringRef(second).lower();
}

void Importer::assignSlot(StringRef layer, StringRef className) {
  std::string base = snakeCase(className);
  int taken = slotsTaken_[base]++;
  slots_[layer.str()] = taken == 0 ? base : base + "_" + std::to_string(taken);
}

std::vector<const Array *> Importer::weightsOf(StringRef layer, ArrayRef<std::string> groups) {
  std::vector<const Array *> weights;
  if (file_.legacy) {
    auto names = file_.weightNames.find(layer.str());
    if (names == file_.weightNames.end())
      return weights;
    for (const std::string &name : names->second) {
      auto found = file_.datasets.find("model_weights/" + layer.str() + "/" + name);
      weights.push_back(found == file_.datasets.end() ? nullptr : &found->second);
    }
    return weights;
  }
  auto slot = slots_.find(layer.str());
  if (slot == slots_.end())
    return weights;
  for (const std::string &group : groups) {
    std::string prefix =
        "layers/" + slot->second + (group.empty() ? "" : "/" + group) + "/vars/";
    for (int i = 0;; ++i) {
      auto found = file_.datasets.find(prefix + std::to_string(i));
      if (found == file_.datasets.end())
        break;
      weights.push_back(&found->second);
    }
  }
  return weights;
}

LogicalResult Importer::importInput(StringRef name, const Object &config) {
  // Keras 3: batch_shape; Keras 2: batch_input_shape.
  const llvm::json::Array *shape = config.getArray("batch_shape");
  if (!shape)
    shape = config.getArray("batch_input_shape");
  std::string dtype = stringOf(config, "dtype", "float32");
  if (!shape || shape->size() < 2) {
    refuse(name, "InputLayer", "needs a batch_shape of rank 2 or more");
    return failure();
  }
  KerasValue value;
  std::vector<int64_t> dims;
  for (auto [d, size] : llvm::enumerate(*shape)) {
    std::optional<int64_t> n = size.getAsInteger();
    if (!n && !size.getAsNull()) {
      refuse(name, "InputLayer", "batch_shape holds something other than sizes and null");
      return failure();
    }
    if (n && *n <= 0) {
      refuse(name, "InputLayer", "batch_shape has a size of " + Twine(*n));
      return failure();
    }
    value.shape.push_back(n ? *n : -1);
    // Open sizes: the batch, then the time steps; the other way round in a
    // model of time-major layers (Keras 2's time_major).
    bool first = d == 0;
    dims.push_back(n ? *n : first != timeMajor_ ? ::rnnc::kBatch : ::rnnc::kTime);
  }
  if (llvm::count(dims, ::rnnc::kTime) > 1 || (dims.size() > 2 && dims.back() == ::rnnc::kTime)) {
    refuse(name, "InputLayer", "only the batch and time sizes may be open (null)");
    return failure();
  }
  ::rnnc::DType type;
  if (dtype == "float32")
    type = ::rnnc::DType::F32;
  else if (dtype == "int32")
    type = ::rnnc::DType::I32;
  else if (dtype == "int64")
    type = ::rnnc::DType::I64;
  else {
    refuse(name, "InputLayer", "dtype '" + dtype + "' is not supported (float32, int32, int64)");
    return failure();
  }
  value.tensor = builder_.input(name.str(), type, dims);
  nodes_[name.str()].push_back({value});
  return success();
}

LogicalResult Importer::importSequential(const Object &model) {
  const llvm::json::Array *layers = model.getArray("layers");
  if (!layers || layers->empty())
    return emitError(loc_) << "the Sequential model has no layers";
  std::vector<KerasValue> current;
  std::string lastName;
  for (auto [i, entry] : llvm::enumerate(*layers)) {
    const Object *layer = entry.getAsObject();
    const Object *config = layer ? layer->getObject("config") : nullptr;
    std::optional<StringRef> className = layer ? layer->getString("class_name") : std::nullopt;
    if (!config || !className)
      return emitError(loc_) << "layer " << i << " of the Sequential model has no class_name "
                                "and config";
    std::string name = stringOf(*config, "name", ("layer_" + Twine(i)).str());
    if (nodes_.count(name))
      return emitError(loc_) << "two layers are named " << quoted(name);
    // Keras 2 puts the input shape on the first layer.
    bool shapeOnLayer = *className != "InputLayer" && i == 0 &&
                        (config->get("batch_input_shape") || config->get("batch_shape"));
    if (*className == "InputLayer" || shapeOnLayer) {
      std::string inputName = shapeOnLayer ? name + "_input" : name;
      if (failed(importInput(inputName, *config)))
        return failure();
      current = nodes_[inputName].back();
      if (!shapeOnLayer)
        continue;
    }
    if (current.empty())
      return emitError(loc_) << "the Sequential model does not start with its input shape (an "
                                "InputLayer or batch_input_shape)";
    assignSlot(name, *className);
    std::optional<std::vector<KerasValue>> outputs = apply(name, *className, *config, current);
    if (!outputs) {
      // The layers after it cannot be built: name those of classes rnnc
      // does not know too, so that one run lists every problem it can.
      for (const llvm::json::Value &rest : llvm::drop_begin(*layers, i + 1))
        if (const Object *later = rest.getAsObject())
          if (std::optional<StringRef> laterClass = later->getString("class_name"))
            if (!isSupportedLayer(*laterClass))
              refuse(later->getObject("config")
                         ? stringOf(*later->getObject("config"), "name", "?")
                         : "?",
                     *laterClass, "is not a layer rnnc supports (docs/keras.md)");
      break;
    }
    nodes_[name].push_back(*outputs);
    current = *outputs;
    lastName = name;
  }
  if (!problems_.empty())
    return failure();
  if (lastName.empty())
    return emitError(loc_) << "the Sequential model has no layers after its input";
  for (auto [i, value] : llvm::enumerate(current))
    if (failed(addOutput(lastName, i, value)))
      return failure();
  return success();
}

LogicalResult Importer::addOutput(StringRef layer, int64_t tensor, const KerasValue &value) {
  std::string name = tensor == 0 ? layer.str() : (layer + "_" + Twine(tensor)).str();
  if (!outputNames_.try_emplace(name, true).second)
    return emitError(loc_) << "two outputs would be named " << quoted(name);
  builder_.output(name, value.tensor);
  return success();
}

LogicalResult Importer::importFunctional(const Object &model) {
  const llvm::json::Array *layers = model.getArray("layers");
  std::optional<std::vector<TensorRef>> inputs = endpoints(model.get("input_layers"));
  std::optional<std::vector<TensorRef>> outputs = endpoints(model.get("output_layers"));
  if (!layers || !inputs || !outputs || outputs->empty())
    return emitError(loc_) << "the functional model has no layers, input_layers and "
                              "output_layers";
  // Keras writes the layers in an order where each call's inputs come first.
  for (auto [i, entry] : llvm::enumerate(*layers)) {
    const Object *layer = entry.getAsObject();
    const Object *config = layer ? layer->getObject("config") : nullptr;
    std::optional<StringRef> className = layer ? layer->getString("class_name") : std::nullopt;
    const llvm::json::Array *calls = layer ? layer->getArray("inbound_nodes") : nullptr;
    if (!config || !className || !calls)
      return emitError(loc_) << "layer " << i << " of the functional model has no class_name, "
                                "config and inbound_nodes";
    std::string name = layer->getString("name").value_or(stringOf(*config, "name")).str();
    if (name.empty() || nodes_.count(name))
      return emitError(loc_) << "layer " << i << " has no name, or the name of another";
    assignSlot(name, *className);
    if (*className == "InputLayer") {
      if (failed(importInput(name, *config)))
        return failure();
      continue;
    }
    if (!isSupportedLayer(*className)) {
      refuse(name, *className, "is not a layer rnnc supports (docs/keras.md)");
      continue;
    }
    for (const llvm::json::Value &call : *calls) {
      std::optional<std::vector<TensorRef>> refs = callInputs(call);
      if (!refs || refs->empty())
        return emitError(loc_) << "layer " << quoted(name) << " has a call without inputs";
      std::vector<KerasValue> args;
      for (const TensorRef &ref : *refs) {
        auto produced = nodes_.find(ref.layer);
        if (produced == nodes_.end() || ref.node < 0 ||
            ref.node >= (int64_t)produced->second.size() || ref.tensor < 0 ||
            ref.tensor >= (int64_t)produced->second[ref.node].size()) {
          if (problems_.empty())
            return emitError(loc_) << "layer " << quoted(name) << " takes tensor " << ref.tensor
                                   << " of call " << ref.node << " of " << quoted(ref.layer)
                                   << ", which the model does not define before it";
          return failure();
        }
        args.push_back(produced->second[ref.node][ref.tensor]);
      }
      std::optional<std::vector<KerasValue>> results = apply(name, *className, *config, args);
      if (!results)
        break;
      nodes_[name].push_back(*results);
    }
  }
  if (!problems_.empty())
    return failure();
  for (const TensorRef &ref : *outputs) {
    auto produced = nodes_.find(ref.layer);
    if (produced == nodes_.end() || ref.node < 0 ||
        ref.node >= (int64_t)produced->second.size() || ref.tensor < 0 ||
        ref.tensor >= (int64_t)produced->second[ref.node].size())
      return emitError(loc_) << "output " << quoted(ref.layer) << " is not a tensor of the model";
    if (failed(addOutput(ref.layer, ref.tensor, produced->second[ref.node][ref.tensor])))
      return failure();
  }
  return success();
}

/// Whether some layer config of `value` sets time_major.
static bool setsTimeMajor(const llvm::json::Value &value) {
  if (const Object *object = value.getAsObject()) {
    if (object->getBoolean("time_major").value_or(false))
      return true;
    return llvm::any_of(*object, [](const auto &entry) { return setsTimeMajor(entry.second); });
  }
  if (const llvm::json::Array *array = value.getAsArray())
    return llvm::any_of(*array, [](const llvm::json::Value &item) { return setsTimeMajor(item); });
  return false;
}

OwningOpRef<ModuleOp> Importer::run(MLIRContext *context) {
  const Object *root = file_.config.getAsObject();
  // The config nests at most 256 levels (parseKerasConfig): bounded recursion.
  timeMajor_ = setsTimeMajor(file_.config);
  std::optional<StringRef> className = root->getString("class_name");
  const Object *model = root->getObject("config");
  if (!className || !model) {
    emitError(loc_) << "the model config has no class_name and config";
    return nullptr;
  }
  LogicalResult imported = failure();
  if (*className == "Sequential")
    imported = importSequential(*model);
  else if (*className == "Functional" || *className == "Model")
    imported = importFunctional(*model);
  else {
    emitError(loc_) << "the model is a " << *className
                    << "; rnnc reads Sequential and Functional models";
    return nullptr;
  }
  if (!problems_.empty()) {
    InFlightDiagnostic diag = emitError(loc_) << "the Keras model uses what rnnc does not support:";
    for (const std::string &problem : problems_)
      diag << "\n  " << problem;
    return nullptr;
  }
  if (failed(imported))
    return nullptr;
  std::string text = builder_.str();
  if (text.empty()) {
    emitError(loc_) << "the Keras model does not build: " << builder_.error();
    return nullptr;
  }
  return parseSourceString<ModuleOp>(text, ParserConfig(context));
}

bool mlir::rnnc::isKerasModelPath(StringRef path) {
  return path.ends_with(".keras") || path.ends_with(".h5");
}

OwningOpRef<ModuleOp> mlir::rnnc::importKerasBytes(StringRef bytes, StringRef path,
                                                   MLIRContext *context, uint64_t memoryLimit) {
  Location loc = FileLineColLoc::get(context, path, 0, 0);
  FailureOr<KerasFile> file = readKerasFile(path, bytes, loc, memoryLimit);
  if (failed(file))
    return nullptr;
  return importKerasFile(*file, loc, context);
}

OwningOpRef<ModuleOp> mlir::rnnc::keras::importKerasFile(KerasFile &file, Location loc,
                                                         MLIRContext *context) {
  return Importer(file, loc).run(context);
}
