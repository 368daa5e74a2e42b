#include "rnnc/Target/CHeader/CIdentifiers.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir::rnnc;
using llvm::StringRef;

namespace {
/// C11 and C++20 keywords, the names of the C and C++ standard headers a
/// generated header includes or a program commonly does (macros among them),
/// and the locals of the generated wrappers.
constexpr llvm::StringLiteral kReserved[] = {
    // C11
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while",
    // C++20
    "alignas", "alignof", "and", "and_eq", "asm", "bitand", "bitor", "bool", "catch", "char8_t",
    "char16_t", "char32_t", "class", "compl", "concept", "consteval", "constexpr", "constinit",
    "const_cast", "co_await", "co_return", "co_yield", "decltype", "delete", "dynamic_cast",
    "explicit", "export", "false", "friend", "mutable", "namespace", "new", "noexcept", "not",
    "not_eq", "nullptr", "operator", "or", "or_eq", "private", "protected", "public",
    "reinterpret_cast", "requires", "static_assert", "static_cast", "template", "this",
    "thread_local", "throw", "true", "try", "typeid", "typename", "using", "virtual",
    "wchar_t", "xor", "xor_eq", "final", "override", "std",
    // Standard library names and macros
    "NULL", "EOF", "FILE", "errno", "assert", "offsetof", "size_t", "ssize_t", "ptrdiff_t",
    "max_align_t", "intptr_t", "uintptr_t", "intmax_t", "uintmax_t", "int8_t", "int16_t",
    "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t", "memcpy", "memmove",
    "memset", "memcmp", "strlen", "strcmp", "strcpy", "malloc", "calloc", "realloc", "free",
    "abort", "exit", "main", "stdin", "stdout", "stderr", "printf", "fprintf", "snprintf",
    "va_list", "jmp_buf", "time_t", "clock_t", "off_t", "pid_t", "wint_t", "errno_t", "rsize_t",
    "unix", "linux", "i386", "complex", "imaginary", "noreturn", "alignas_t",
    // Locals and parameters of the generated wrappers
    "instance", "rows", "in", "out", "status", "i", "t", "m", "options", "lengths", "count",
};

bool isReservedWord(StringRef id) {
  if (llvm::is_contained(kReserved, id))
    return true;
  // Reserved to the implementation: any `__`, a leading `_` and capital;
  // rnnrt's and rnnc_jit's own names; <stdint.h>'s INTn_MAX-style macros.
  if (id.contains("__") || (id.size() > 1 && id[0] == '_' && llvm::isUpper(id[1])))
    return true;
  std::string lower = id.lower();
  StringRef l(lower);
  if (l.starts_with("rnnrt") || l.starts_with("rnnc_jit"))
    return true;
  return (l.starts_with("int") || l.starts_with("uint")) &&
         (l.ends_with("_max") || l.ends_with("_min") || l.ends_with("_c"));
}

bool isIdentifier(StringRef id) {
  return !id.empty() && (llvm::isAlpha(id[0]) || id[0] == '_') &&
         llvm::all_of(id, [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

/// [A-Za-z0-9_] with each run of other characters one '_'.
std::string identifierCharacters(StringRef text) {
  std::string id;
  for (char c : text) {
    bool keep = llvm::isAlnum(c);
    if (keep)
      id += c;
    else if (id.empty() || id.back() != '_')
      id += '_';
  }
  return id;
}
} // namespace

std::string mlir::rnnc::modelNameProblem(StringRef name) {
  if (!isIdentifier(name))
    return "model name '" + name.str() + "' is not a C identifier ([A-Za-z_][A-Za-z0-9_]*)";
  for (const std::string &id : {name.str(), name.str() + "_t", name.upper(), name.upper() + "_H"})
    if (isReservedWord(id))
      return "model name '" + name.str() + "' would make '" + id +
             "', which is reserved in C or C++ or taken by the C library or rnnrt; choose "
             "another (--name)";
  return "";
}

std::string mlir::rnnc::toModelName(StringRef text) {
  std::string name = identifierCharacters(text);
  if (modelNameProblem(name).empty())
    return name;
  name = "m_" + name;
  // Still reserved only with a `__` inside, made above from no '_' runs.
  return modelNameProblem(name).empty() ? name : "model";
}

std::string CIdentifiers::make(StringRef name) {
  std::string id = identifierCharacters(name);
  if (upperCase)
    id = StringRef(id).upper();
  // The runs of '_' are single, so that neither prefix nor suffix makes `__`.
  // An all-capitals name may be any header's macro (INT32_MAX, BUFSIZ), but
  // not the one- and two-letter sizes (T, B, B2); enum constants are safe
  // behind the model's prefix.
  bool macroLike = !upperCase && id.size() > 2 && llvm::any_of(id, llvm::isUpper) &&
                   llvm::none_of(id, [](char c) { return llvm::isLower(c); });
  if (id.empty() || llvm::isDigit(id[0]) || id[0] == '_' || macroLike || isReservedWord(id))
    id = (upperCase ? "V_" : "v_") + StringRef(id).ltrim('_').str();
  std::string unique = id;
  StringRef stem = StringRef(id).rtrim('_');
  for (int n = 2; isReservedWord(unique) || !used.insert(unique).second; ++n)
    unique = stem.str() + "_" + std::to_string(n);
  return unique;
}
