#include "isolation.h"

#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

extern char **environ;

namespace bench {

long minorFaults() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

std::vector<std::string> runChild(const std::string &program, const std::vector<std::string> &args,
                                  const std::string &marker, int &exitCode) {
  exitCode = -1;
  std::vector<std::string> marked;
  int pipeFds[2];
  if (pipe(pipeFds) != 0)
    return marked;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipeFds[0]);
  posix_spawn_file_actions_addclose(&actions, pipeFds[1]);
  std::vector<char *> argv{const_cast<char *>(program.c_str())};
  for (const std::string &arg : args)
    argv.push_back(const_cast<char *>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid;
  int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipeFds[1]);
  if (spawned != 0) {
    close(pipeFds[0]);
    std::fprintf(stderr, "rnnc-bench: cannot start %s: %s\n", program.c_str(),
                 std::strerror(spawned));
    return marked;
  }
  FILE *out = fdopen(pipeFds[0], "r");
  char *line = nullptr;
  size_t capacity = 0;
  while (getline(&line, &capacity, out) >= 0) {
    if (std::strncmp(line, marker.c_str(), marker.size()) == 0) {
      marked.emplace_back(line + marker.size());
    } else {
      std::fputs(line, stdout);
      std::fflush(stdout);
    }
  }
  std::free(line);
  std::fclose(out);
  int status = 0;
  if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
    exitCode = WEXITSTATUS(status);
  return marked;
}

} // namespace bench
