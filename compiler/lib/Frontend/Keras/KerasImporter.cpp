// Keras model files to the rnn dialect, through rnnc::ModelBuilder's Keras
// layers (the masking and last-output rules of docs/semantics.md live there).
#include "rnnc/Frontend/Keras/KerasImporter.h"

#include "KerasFile.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"
#include "rnnc/rnnc.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

#include <map>

using namespace mlir;
using namespace mlir::rnnc::keras;
using llvm::json::Object;

namespace {
/// A layer's output as the builder holds it, with its Keras mask (bool
/// [B, T]) where it has one.
struct KerasValue {
  ::rnnc::Tensor tensor;
  ::rnnc::Tensor mask;
  /// Static sizes; -1 where Keras leaves a size open (batch, time).
  std::vector<int64_t> shape;
};

/// One call of a layer in the model's graph: its inputs by (layer, node,
/// tensor), in Keras's order.
struct InboundTensor {
  std::string layer;
  int64_t node = 0, tensor = 0;
};

std::string quoted(StringRef text) { return "'" + text.str() + "'"; }

class Importer {
public:
  Importer(KerasFile &file, Location loc) : file_(file), loc_(loc) {}

  OwningOpRef<ModuleOp> run(MLIRContext *context);

private:
  // Config access: Keras 2 and 3 spell most options alike.
  static std::string stringOf(const Object &config, StringRef key, StringRef fallback = "") {
    if (std::optional<StringRef> value = config.getString(key))
      return value->str();
    return fallback.str();
  }
  static bool boolOf(const Object &config, StringRef key, bool fallback = false) {
    return config.getBoolean(key).value_or(fallback);
  }

  /// Refuses (collected, reported together) an option of a layer.
  void refuse(StringRef layer, StringRef className, const Twine &what) {
    problems_.push_back(className.str() + " " + quoted(layer) + ": " + what.str());
  }

  /// An activation option as an rnn activation, or "" after refusing it.
  std::string activationOf(const Object &config, StringRef key, StringRef fallback,
                           StringRef layer, StringRef className);

  /// Takes the next weights slot of a layer of `className` (Keras 3).
  void assignSlot(StringRef layer, StringRef className);
  /// The weights of `layer` in the order Keras creates them: Keras 3 keeps
  /// them as `layers/<slot>/<group>/vars/<i>`, Keras 2 as the layer's
  /// weight_names.
  std::vector<const Array *> weightsOf(StringRef layer, ArrayRef<std::string> groups);

  LogicalResult importInput(StringRef name, const Object &config);
  std::optional<::rnnc::KerasLayer> recurrentLayer(StringRef name, StringRef className,
                                                   const Object &config,
                                                   ArrayRef<const Array *> weights,
                                                   const KerasValue &input);
  /// Applies layer `name` of class `className` to `inputs`; its outputs.
  std::optional<std::vector<KerasValue>> apply(StringRef name, StringRef className,
                                               const Object &config,
                                               ArrayRef<KerasValue> inputs);

  LogicalResult importSequential(const Object &model);
  LogicalResult importFunctional(const Object &model);

  KerasFile &file_;
  Location loc_;
  ::rnnc::ModelBuilder builder_;
  std::vector<std::string> problems_;
  /// Keras 3: where each layer's variables are, `layers/<slot>`: its class
  /// in snake case, numbered from the second of a class on (`lstm`,
  /// `lstm_1`), in the order of the model's layers.
  std::map<std::string, std::string> slots_;
  llvm::StringMap<int> slotsTaken_;
  /// Each layer's outputs by node: Sequential models have one node each.
  std::map<std::string, std::vector<std::vector<KerasValue>>> nodes_;
};

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
std::string snakeCase(StringRef className) {
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
    // Open sizes: the batch, then the time steps.
    dims.push_back(n ? *n : d == 0 ? ::rnnc::kBatch : ::rnnc::kTime);
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

std::optional<::rnnc::KerasLayer> Importer::recurrentLayer(StringRef name, StringRef className,
                                                           const Object &config,
                                                           ArrayRef<const Array *> weights,
                                                           const KerasValue &input) {
  ::rnnc::KerasLayer layer;
  int64_t gates = 1;
  if (className == "LSTM") {
    layer.kind = ::rnnc::KerasLayer::LSTM;
    gates = 4;
  } else if (className == "GRU") {
    layer.kind = ::rnnc::KerasLayer::GRU;
    gates = 3;
  } else {
    layer.kind = ::rnnc::KerasLayer::SimpleRNN;
  }
  size_t problemsBefore = problems_.size();
  layer.units = config.getInteger("units").value_or(0);
  if (layer.units <= 0 || layer.units > (int64_t(1) << 20))
    refuse(name, className, "units must be in [1, 2^20]");
  ::rnnc::KerasRNNOptions &options = layer.options;
  options.activation = activationOf(config, "activation", "tanh", name, className);
  if (gates > 1)
    options.recurrent_activation =
        activationOf(config, "recurrent_activation", "sigmoid", name, className);
  options.reset_after = boolOf(config, "reset_after", true);
  options.return_sequences = boolOf(config, "return_sequences");
  options.go_backwards = boolOf(config, "go_backwards");
  options.time_major = boolOf(config, "time_major");
  options.unroll = boolOf(config, "unroll");
  options.zero_output_for_mask = boolOf(config, "zero_output_for_mask");
  if (boolOf(config, "return_state"))
    refuse(name, className, "return_state is not supported yet");
  if (boolOf(config, "stateful"))
    refuse(name, className, "stateful is not supported yet");
  if (options.time_major)
    refuse(name, className, "time_major is not supported yet");
  if (input.shape.size() != 3 || input.shape[2] <= 0) {
    refuse(name, className, "takes [batch, time, features] inputs with static features");
    return std::nullopt;
  }
  bool useBias = boolOf(config, "use_bias", true);
  size_t expected = useBias ? 3 : 2;
  if (weights.size() != expected || llvm::is_contained(weights, nullptr)) {
    refuse(name, className,
           "the file holds " + Twine(weights.size()) + " weights, expected " + Twine(expected));
    return std::nullopt;
  }
  int64_t features = input.shape[2], columns = gates * layer.units;
  auto check = [&](const Array *array, ArrayRef<int64_t> shape, StringRef what) {
    if (ArrayRef<int64_t>(array->shape) == shape)
      return true;
    refuse(name, className,
           what + " has shape " + mlir::rnn::formatShape(array->shape) + ", expected " +
               mlir::rnn::formatShape(shape));
    return false;
  };
  bool ok = check(weights[0], {features, columns}, "kernel") &&
            check(weights[1], {layer.units, columns}, "recurrent_kernel");
  if (ok && useBias) {
    if (layer.kind == ::rnnc::KerasLayer::GRU && options.reset_after)
      ok = check(weights[2], {2, columns}, "bias");
    else
      ok = check(weights[2], {columns}, "bias");
  }
  if (!ok || problems_.size() != problemsBefore)
    return std::nullopt;
  layer.weights.kernel = weights[0]->values;
  layer.weights.recurrent_kernel = weights[1]->values;
  if (useBias)
    layer.weights.bias = weights[2]->values;
  if (input.mask)
    options.mask = input.mask;
  return layer;
}

/// Layers that are identities at inference.
bool isInferenceIdentity(StringRef className) {
  return llvm::is_contained({"Dropout", "SpatialDropout1D", "GaussianDropout", "GaussianNoise",
                             "AlphaDropout", "ActivityRegularization"},
                            className);
}

bool isSupportedLayer(StringRef className) {
  return isInferenceIdentity(className) ||
         llvm::is_contained({"InputLayer", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "Dense"},
                            className);
}

std::optional<std::vector<KerasValue>> Importer::apply(StringRef name, StringRef className,
                                                       const Object &config,
                                                       ArrayRef<KerasValue> inputs) {
  if (isInferenceIdentity(className)) {
    if (inputs.size() != 1)
      return refuse(name, className, "takes one input"), std::nullopt;
    return std::vector<KerasValue>{inputs.front()};
  }
  if (inputs.size() != 1) {
    refuse(name, className, "takes one input, got " + Twine(inputs.size()));
    return std::nullopt;
  }
  const KerasValue &input = inputs.front();
  if (className == "SimpleRNN" || className == "LSTM" || className == "GRU") {
    std::optional<::rnnc::KerasLayer> layer =
        recurrentLayer(name, className, config, weightsOf(name, {"cell"}), input);
    if (!layer)
      return std::nullopt;
    ::rnnc::KerasRNNResult result = builder_.rnn(*layer, input.tensor);
    KerasValue output{result.output, {}, {input.shape[0], layer->units}};
    if (layer->options.return_sequences) {
      output.shape = {input.shape[0], input.shape[1], layer->units};
      output.mask = input.mask;
    }
    return std::vector<KerasValue>{output};
  }
  if (className == "Bidirectional") {
    const Object *forwardLayer = config.getObject("layer");
    const Object *backwardLayer = config.getObject("backward_layer");
    if (!backwardLayer)
      backwardLayer = forwardLayer;
    const Object *forwardConfig = forwardLayer ? forwardLayer->getObject("config") : nullptr;
    const Object *backwardConfig = backwardLayer ? backwardLayer->getObject("config") : nullptr;
    std::optional<StringRef> forwardClass =
        forwardLayer ? forwardLayer->getString("class_name") : std::nullopt;
    std::optional<StringRef> backwardClass =
        backwardLayer ? backwardLayer->getString("class_name") : std::nullopt;
    if (!forwardConfig || !backwardConfig || !forwardClass || !backwardClass) {
      refuse(name, className, "has no wrapped layer config");
      return std::nullopt;
    }
    auto recurrent = [](StringRef c) { return c == "SimpleRNN" || c == "LSTM" || c == "GRU"; };
    if (!recurrent(*forwardClass) || !recurrent(*backwardClass)) {
      refuse(name, className, "wraps " + *forwardClass + ", not SimpleRNN, LSTM or GRU");
      return std::nullopt;
    }
    std::vector<const Array *> all =
        weightsOf(name, {"forward_layer/cell", "backward_layer/cell"});
    size_t half = all.size() / 2;
    std::vector<const Array *> forwardWeights(all.begin(), all.begin() + half),
        backwardWeights(all.begin() + half, all.end());
    std::optional<::rnnc::KerasLayer> forward =
        recurrentLayer(name, *forwardClass, *forwardConfig, forwardWeights, input);
    std::optional<::rnnc::KerasLayer> backward =
        recurrentLayer(name, *backwardClass, *backwardConfig, backwardWeights, input);
    if (!forward || !backward)
      return std::nullopt;
    // Keras saves the backward layer with go_backwards flipped (Keras 2 only
    // when the user gave one); the builder runs it backwards, time-aligned.
    if (forward->options.go_backwards ||
        (config.getObject("backward_layer") && !backward->options.go_backwards)) {
      refuse(name, className, "a forward layer with go_backwards is not supported");
      return std::nullopt;
    }
    std::string mergeMode = "concat";
    if (const llvm::json::Value *mode = config.get("merge_mode"))
      mergeMode = mode->getAsNull() ? "none" : mode->getAsString().value_or("?").str();
    if (mergeMode == "none") {
      refuse(name, className, "merge_mode None (two outputs) is not supported yet");
      return std::nullopt;
    }
    ::rnnc::BidirectionalResult result =
        builder_.Bidirectional(*forward, *backward, input.tensor, mergeMode);
    int64_t units = mergeMode == "concat" ? forward->units + backward->units : forward->units;
    KerasValue output{result.output, {}, {input.shape[0], units}};
    if (forward->options.return_sequences) {
      output.shape = {input.shape[0], input.shape[1], units};
      output.mask = input.mask;
    }
    return std::vector<KerasValue>{output};
  }
  if (className == "Dense") {
    int64_t units = config.getInteger("units").value_or(0);
    bool useBias = boolOf(config, "use_bias", true);
    std::string activation = activationOf(config, "activation", "linear", name, className);
    if (input.shape.size() != 2 || input.shape[1] <= 0) {
      refuse(name, className, "takes [batch, features] inputs here (after a layer without "
                              "return_sequences)");
      return std::nullopt;
    }
    std::vector<const Array *> weights = weightsOf(name, {""});
    size_t expected = useBias ? 2 : 1;
    if (units <= 0 || weights.size() != expected || llvm::is_contained(weights, nullptr) ||
        weights[0]->shape != std::vector<int64_t>{input.shape[1], units} ||
        (useBias && weights[1]->shape != std::vector<int64_t>{units})) {
      refuse(name, className,
             "the file's weights do not match units " + Twine(units) + " and " +
                 Twine(input.shape[1]) + " input features");
      return std::nullopt;
    }
    if (activation.empty())
      return std::nullopt;
    ::rnnc::Tensor y =
        builder_.matmul(input.tensor, builder_.constant(weights[0]->values, {input.shape[1], units}));
    if (useBias)
      y = builder_.add(y, builder_.constant(weights[1]->values, {units}));
    if (activation == "tanh")
      y = builder_.tanh(y);
    else if (activation == "sigmoid")
      y = builder_.sigmoid(y);
    else if (activation == "relu")
      y = builder_.relu(y);
    else if (activation != "linear") {
      refuse(name, className, "activation '" + activation + "' is not supported after Dense yet");
      return std::nullopt;
    }
    return std::vector<KerasValue>{{y, {}, {input.shape[0], units}}};
  }
  refuse(name, className, "is not a layer rnnc supports (docs/keras.md)");
  return std::nullopt;
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
  builder_.output(lastName, current.front().tensor);
  return success();
}

LogicalResult Importer::importFunctional(const Object &model) {
  return emitError(loc_) << "functional Keras models are not supported yet";
}

OwningOpRef<ModuleOp> Importer::run(MLIRContext *context) {
  const Object *root = file_.config.getAsObject();
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
} // namespace

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
