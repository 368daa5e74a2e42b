// runInChildProcess: what a parser run apart (libhdf5 on Keras files) can do
// to the caller — crash, hang, fail, flood — ends as an error that says so.
#include "rnnc/Support/ChildProcess.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <unistd.h>

using mlir::rnnc::runInChildProcess;

namespace {

std::string messageOf(llvm::Expected<std::string> result) {
  if (result)
    return "succeeded with '" + *result + "'";
  return llvm::toString(result.takeError());
}

TEST(ChildProcessTest, ReturnsWhatTheChildPuts) {
  llvm::Expected<std::string> result =
      runInChildProcess([](std::string &out) { out.assign(200000, 'x'); }, 30, 1 << 20);
  ASSERT_TRUE(static_cast<bool>(result)) << llvm::toString(result.takeError());
  EXPECT_EQ(*result, std::string(200000, 'x'));
}

TEST(ChildProcessTest, LeavesTheCallerUntouched) {
  int value = 1;
  llvm::Expected<std::string> result =
      runInChildProcess([&](std::string &out) { value = 2; }, 30, 16);
  ASSERT_TRUE(static_cast<bool>(result)) << llvm::toString(result.takeError());
  EXPECT_EQ(value, 1);
}

TEST(ChildProcessTest, ACrashIsAnError) {
  std::string message = messageOf(runInChildProcess(
      [](std::string &) {
        // No core file for the crash this test makes on purpose.
        signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV);
      },
      30, 16));
  EXPECT_NE(message.find("crashed (signal 11"), std::string::npos) << message;
}

TEST(ChildProcessTest, AHangIsKilled) {
  std::string message = messageOf(runInChildProcess([](std::string &) { pause(); }, 1, 16));
  EXPECT_EQ(message, "did not finish within 1 s");
}

TEST(ChildProcessTest, AnExitStatusIsAnError) {
  std::string message = messageOf(runInChildProcess([](std::string &) { _exit(3); }, 30, 16));
  EXPECT_EQ(message, "failed (exit status 3)");
}

TEST(ChildProcessTest, TooMuchOutputIsAnError) {
  std::string message = messageOf(
      runInChildProcess([](std::string &out) { out.assign(1 << 20, 'x'); }, 30, 1000));
  EXPECT_EQ(message, "produced more than 1000 bytes");
}

} // namespace
