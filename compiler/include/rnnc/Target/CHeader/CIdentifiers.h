#ifndef RNNC_TARGET_CHEADER_CIDENTIFIERS_H
#define RNNC_TARGET_CHEADER_CIDENTIFIERS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSet.h"

#include <string>

namespace mlir::rnnc {

/// Why `name` cannot be a model's name (the prefix of every generated symbol,
/// `<name>_model`, `<name>_t`, the header guard `<NAME>_H`), or "" when it
/// can: it must be a C identifier, neither reserved (`__x`, `_X`) nor a
/// C/C++ keyword, standard name or rnnrt's, nor make `<name>_t` one.
std::string modelNameProblem(llvm::StringRef name);

/// A valid model name from arbitrary text (a file's stem): characters other
/// than [A-Za-z0-9_] become '_', and an `m_` prefix is added where the result
/// is not a valid name by itself.
std::string toModelName(llvm::StringRef text);

/// Distinct C identifiers for the names a header derives from a model (its
/// tensors and run-time sizes): valid, never reserved, a keyword, a name of
/// the C or C++ standard library or rnnrt, nor a local of the generated code;
/// unique among those made by one instance (compared upper-cased when
/// `upperCase`, for enum constants).
class CIdentifiers {
public:
  explicit CIdentifiers(bool upperCase = false) : upperCase(upperCase) {}
  std::string make(llvm::StringRef name);

private:
  bool upperCase;
  llvm::StringSet<> used;
};

} // namespace mlir::rnnc

#endif // RNNC_TARGET_CHEADER_CIDENTIFIERS_H
