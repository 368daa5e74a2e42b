#ifndef RNNC_SUPPORT_CHILDPROCESS_H
#define RNNC_SUPPORT_CHILDPROCESS_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Errc.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace mlir::rnnc {

/// Runs `work` in a forked child process and returns what it put in its
/// string argument: for parsers that are not safe on crafted input (libhdf5),
/// whose crashes, hangs and memory corruption then stay in the child. The
/// child runs only the calling thread and ends with _exit (no destructors,
/// no atexit handlers); `work` must not use locks another thread may hold
/// (the MLIR context's diagnostics included). Fails, with a message saying
/// why, when the child is killed by a signal, exits non-zero, has not
/// finished after `timeoutSeconds` (it is killed), or puts more than
/// `maxBytes` bytes.
llvm::Expected<std::string> runInChildProcess(llvm::function_ref<void(std::string &)> work,
                                              unsigned timeoutSeconds, uint64_t maxBytes);

} // namespace mlir::rnnc

#endif // RNNC_SUPPORT_CHILDPROCESS_H
