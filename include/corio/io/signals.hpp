// corio/io/signals.hpp: Unix signal handlers that run on the event loop
// (asyncio's loop.add_signal_handler / remove_signal_handler), and what
// corio::run does with SIGINT.
//
//   loop.add_signal_handler(SIGTERM, [&] { server.close(); });
//   loop.remove_signal_handler(SIGTERM);   // true if one was installed
//
// The process-wide handler only writes the signal number into the loop's
// self-pipe; the loop reads it and schedules fn with call_soon, so fn runs on
// the loop thread like any callback (it may do anything a callback may).
// Signals of one kind that arrive before the loop reads the pipe may be
// merged into one call, as the kernel merges pending signals.
// One loop owns a given signal at a time: adding a handler for a signal that
// another loop handles throws std::runtime_error. Adding again on the same
// loop replaces fn. remove_signal_handler (or closing the loop) restores the
// disposition that was there before. Invalid numbers throw
// std::invalid_argument; SIGKILL and SIGSTOP std::runtime_error.
//
// corio::run on the main thread, when SIGINT has its default disposition and
// no loop handles it, installs a SIGINT handler for the duration of the run:
// the first SIGINT cancels the main task (and restores the default, so a
// second Ctrl-C kills the process as usual). If the main task then ends
// cancelled, run() throws corio::keyboard_interrupt, as asyncio.run raises
// KeyboardInterrupt; if it catches the cancellation and returns, run()
// returns its result.
// Not awaitables: nothing to cancel.
#pragma once

#include <csignal>
#include <cstdint>

#include "corio/loop.hpp"  // event_loop::add_signal_handler / remove_signal_handler

namespace corio {

// What corio::run throws when SIGINT cancelled the main task (Python's
// KeyboardInterrupt). Like cancelled_error, deliberately not a std::exception.
class keyboard_interrupt {
public:
    const char* what() const noexcept { return "interrupted by SIGINT"; }
};

namespace detail {

// corio::run's SIGINT handling (see above); used by detail::run_main.
class sigint_guard {
public:
    sigint_guard(event_loop& loop, task_base& main);
    ~sigint_guard();
    sigint_guard(const sigint_guard&) = delete;
    sigint_guard& operator=(const sigint_guard&) = delete;
    // After the main task finished: uninstalls, and throws keyboard_interrupt
    // if SIGINT cancelled it.
    void finish();

private:
    void uninstall() noexcept;

    event_loop& loop_;
    task_base& main_;
    std::uint64_t id_ = 0;  // our handler, while installed
    bool interrupted_ = false;
};

}  // namespace detail
}  // namespace corio
