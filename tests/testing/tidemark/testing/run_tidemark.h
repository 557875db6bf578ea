// Running the built tidemark binary as users do, for the tests that check what they see: exit
// codes and what reaches the terminal. Shared by tests/cli and tests/integration (both define
// TIDEMARK_BINARY, the binary's path); header-only so that it needs no extra target.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

namespace tidemark::testing {

struct RunResult {
  int exit_code = -1;  // the exit status; 128 + N when killed by signal N; -1 when not run
  std::string out;     // stdout, and stderr too unless the run kept it apart
  std::string err;     // stderr, when kept apart (run_tidemark_split)
};

// Runs `command` with /bin/sh and collects its stdout.
inline RunResult run_command(const std::string& command) {
  RunResult r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status)     ? WEXITSTATUS(status)
                : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                      : -1;
  return r;
}

enum class Stderr { kMerged, kDiscarded };

// `tidemark <args>` (args are shell words, quote as in a shell); stderr merged into out, or
// thrown away.
inline RunResult run_tidemark(const std::string& args, Stderr stderr_mode = Stderr::kMerged) {
  return run_command(std::string(TIDEMARK_BINARY) + " " + args +
                     (stderr_mode == Stderr::kMerged ? " 2>&1" : " 2>/dev/null"));
}

// `tidemark <args>` with stdout in out and stderr in err, kept apart (through a temporary file).
// `prefix` goes before the binary (e.g. "timeout 60 ").
inline RunResult run_tidemark_split(const std::string& args, const std::string& prefix = "") {
  char path[] = "/tmp/tidemark-stderr-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) return {};
  ::close(fd);
  RunResult r =
      run_command(prefix + std::string(TIDEMARK_BINARY) + " " + args + " 2>" + std::string(path));
  std::ifstream in(path, std::ios::binary);
  r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::remove(path);
  return r;
}

}  // namespace tidemark::testing
