// cli_common's Ctrl-C mechanism in-process (the CLI tests run the binary; these compile
// cli_common.cc in): SIGINT and SIGTERM set the stop flag and call the hook of the running object,
// every signal alike (a second Ctrl-C does not kill the process), with SA_RESTART; a hook set up
// after a signal is called at once; a hook is never called after its scope; hooks nest.
// The stop flag only ever goes from false to true in a process, so each test raises the signals
// it needs itself and asserts nothing that an earlier test's signal could change.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>

#include "cli_common.h"

namespace tidemark::cli {
namespace {

struct Target {
  std::atomic<int> interrupts{0};
  void interrupt() noexcept { interrupts.fetch_add(1); }
};

TEST(StopSignals, SigintAndSigtermSetTheFlagAndCallTheHookEveryTime) {
  const std::atomic<bool>* stop = install_stop_signals();
  ASSERT_NE(stop, nullptr);
  Target target;
  {
    const InterruptHook hook(target);
    const int before = target.interrupts.load();  // 1 when an earlier test raised a signal
    ASSERT_EQ(::raise(SIGINT), 0);
    EXPECT_TRUE(stop->load());
    EXPECT_TRUE(stop_requested());
    EXPECT_EQ(target.interrupts.load(), before + 1);
    // A second Ctrl-C, and SIGTERM, do the same again: the process is still here.
    ASSERT_EQ(::raise(SIGINT), 0);
    ASSERT_EQ(::raise(SIGTERM), 0);
    EXPECT_EQ(target.interrupts.load(), before + 3);
  }
}

TEST(StopSignals, TheHandlerStaysInstalledAndRestartsSystemCalls) {
  install_stop_signals();
  ASSERT_EQ(::raise(SIGINT), 0);
  for (const int signal_number : {SIGINT, SIGTERM}) {
    struct sigaction now {};
    ASSERT_EQ(::sigaction(signal_number, nullptr, &now), 0);
    EXPECT_NE(now.sa_handler, SIG_DFL) << signal_number;
    EXPECT_NE(now.sa_handler, SIG_IGN) << signal_number;
    EXPECT_NE(now.sa_flags & SA_RESTART, 0) << signal_number;
    EXPECT_EQ(now.sa_flags & SA_RESETHAND, 0) << signal_number;
  }
}

TEST(StopSignals, AHookSetUpAfterASignalIsCalledAtOnce) {
  install_stop_signals();
  ASSERT_EQ(::raise(SIGINT), 0);
  Target target;
  const InterruptHook hook(target);
  EXPECT_EQ(target.interrupts.load(), 1);
}

TEST(StopSignals, AHookIsNotCalledAfterItsScope) {
  install_stop_signals();
  Target target;
  { const InterruptHook hook(target); }
  const int after_scope = target.interrupts.load();
  ASSERT_EQ(::raise(SIGINT), 0);
  EXPECT_EQ(target.interrupts.load(), after_scope);
}

TEST(StopSignals, HooksNestAndTheOuterOneComesBack) {
  install_stop_signals();
  Target outer, inner;
  const InterruptHook outer_hook(outer);
  {
    const InterruptHook inner_hook(inner);
    const int outer_before = outer.interrupts.load();
    const int inner_before = inner.interrupts.load();
    ASSERT_EQ(::raise(SIGTERM), 0);
    EXPECT_EQ(inner.interrupts.load(), inner_before + 1);
    EXPECT_EQ(outer.interrupts.load(), outer_before);
  }
  const int outer_before = outer.interrupts.load();
  ASSERT_EQ(::raise(SIGTERM), 0);
  EXPECT_EQ(outer.interrupts.load(), outer_before + 1);
}

TEST(StopSignals, AFunctionAndContextHookGetsItsContext) {
  install_stop_signals();
  int calls = 0;
  const InterruptHook hook([](void* context) noexcept { ++*static_cast<int*>(context); }, &calls);
  const int before = calls;
  ASSERT_EQ(::raise(SIGINT), 0);
  EXPECT_EQ(calls, before + 1);
}

}  // namespace
}  // namespace tidemark::cli
