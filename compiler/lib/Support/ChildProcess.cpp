#include "rnnc/Support/ChildProcess.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

llvm::Expected<std::string>
mlir::rnnc::runInChildProcess(llvm::function_ref<void(std::string &)> work,
                              unsigned timeoutSeconds, uint64_t maxBytes) {
  auto systemError = [](const char *what) {
    return llvm::createStringError(llvm::errc::io_error, "%s: %s", what, std::strerror(errno));
  };
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return systemError("cannot create a pipe for the child process");
  pid_t pid = fork();
  if (pid < 0) {
    llvm::Error error = systemError("cannot start a child process");
    close(fds[0]);
    close(fds[1]);
    return std::move(error);
  }
  if (pid == 0) {
    close(fds[0]);
    std::string out;
    work(out);
    const char *data = out.data();
    size_t left = out.size();
    while (left > 0) {
      ssize_t written = write(fds[1], data, left);
      if (written < 0 && errno == EINTR)
        continue;
      if (written <= 0)
        _exit(2);
      data += written;
      left -= static_cast<size_t>(written);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string result;
  bool timedOut = false, tooLarge = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
  char buffer[1 << 16];
  for (;;) {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (remaining.count() <= 0) {
      timedOut = true;
      break;
    }
    pollfd ready{fds[0], POLLIN, 0};
    int polled = poll(&ready, 1, static_cast<int>(std::min<int64_t>(remaining.count(), 1 << 30)));
    if (polled < 0 && errno == EINTR)
      continue;
    if (polled == 0) {
      timedOut = true;
      break;
    }
    ssize_t got = polled < 0 ? -1 : read(fds[0], buffer, sizeof buffer);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      break;
    if (static_cast<uint64_t>(got) > maxBytes - result.size()) {
      tooLarge = true;
      break;
    }
    result.append(buffer, static_cast<size_t>(got));
  }
  close(fds[0]);
  if (timedOut || tooLarge)
    kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timedOut)
    return llvm::createStringError(llvm::errc::resource_unavailable_try_again, "did not finish within %u s",
                                   timeoutSeconds);
  if (tooLarge)
    return llvm::createStringError(llvm::errc::not_enough_memory,
                                   "produced more than %llu bytes",
                                   static_cast<unsigned long long>(maxBytes));
  if (WIFSIGNALED(status))
    return llvm::createStringError(llvm::errc::io_error, "crashed (signal %d, %s)",
                                   WTERMSIG(status), strsignal(WTERMSIG(status)));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return llvm::createStringError(llvm::errc::io_error, "failed (exit status %d)",
                                   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return result;
}
