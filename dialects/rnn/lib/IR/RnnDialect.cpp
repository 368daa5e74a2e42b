#include "rnnc/Dialect/Rnn/IR/RnnDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::rnn;

#include "rnnc/Dialect/Rnn/IR/RnnOpsDialect.cpp.inc"
#include "rnnc/Dialect/Rnn/IR/RnnOpsEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "rnnc/Dialect/Rnn/IR/RnnOpsAttrDefs.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "rnnc/Dialect/Rnn/IR/RnnOpsTypes.cpp.inc"

std::pair<float, float> ActivationAttr::defaultParameters(Activation kind) {
  switch (kind) {
  case Activation::hard_sigmoid:
    return {0.2f, 0.5f};
  case Activation::leaky_relu:
    return {0.01f, 0.0f};
  case Activation::affine:
    return {1.0f, 0.0f};
  default: // elu, thresholded_relu and scaled_tanh use 1; the rest ignore them.
    return {1.0f, 1.0f};
  }
}

Attribute ActivationAttr::parse(AsmParser &parser, Type) {
  std::string keyword;
  if (parser.parseLess() || parser.parseKeywordOrString(&keyword))
    return {};
  std::optional<Activation> kind = symbolizeActivation(keyword);
  if (!kind) {
    parser.emitError(parser.getCurrentLocation(), "unknown activation '") << keyword << "'";
    return {};
  }
  auto [alpha, beta] = defaultParameters(*kind);
  while (succeeded(parser.parseOptionalComma())) {
    StringRef name;
    double value;
    if (parser.parseKeyword(&name) || parser.parseEqual() || parser.parseFloat(value))
      return {};
    if (name == "alpha")
      alpha = value;
    else if (name == "beta")
      beta = value;
    else {
      parser.emitError(parser.getCurrentLocation(), "expected 'alpha' or 'beta', got '")
          << name << "'";
      return {};
    }
  }
  if (parser.parseGreater())
    return {};
  return get(parser.getContext(), *kind, llvm::APFloat(alpha), llvm::APFloat(beta));
}

void ActivationAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringifyActivation(getKind());
  auto [alpha, beta] = defaultParameters(getKind());
  if (getAlphaValue() != alpha || getBetaValue() != beta)
    printer << ", alpha = " << getAlphaValue() << ", beta = " << getBetaValue();
  printer << ">";
}

void RnnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "rnnc/Dialect/Rnn/IR/RnnOps.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "rnnc/Dialect/Rnn/IR/RnnOpsTypes.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "rnnc/Dialect/Rnn/IR/RnnOpsAttrDefs.cpp.inc"
      >();
}
