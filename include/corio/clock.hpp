// corio/clock.hpp: the event loop's clock (asyncio's loop.time()).
//
// corio::clock is a std::chrono clock whose now() is the running loop's time.
// A loop keeps either steady (monotonic) time or virtual time: with
// `{.clock = corio::virtual_clock()}` the loop jumps straight to the next timer
// whenever nothing else can run, so a program that sleeps for an hour finishes
// in milliseconds and always prints the same thing.
#pragma once

#include <chrono>

namespace corio {

struct clock {
    using duration = std::chrono::nanoseconds;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::time_point<clock>;
    static constexpr bool is_steady = true;

    // The running loop's time; steady time when no loop runs on this thread.
    static time_point now() noexcept;
};

enum class clock_kind { steady, virtual_time };

constexpr clock_kind steady_clock() noexcept { return clock_kind::steady; }
constexpr clock_kind virtual_clock() noexcept { return clock_kind::virtual_time; }

// Seconds as a double, for printing the way Python prints time.time() deltas.
template <class Rep, class Period>
constexpr double to_seconds(std::chrono::duration<Rep, Period> d) noexcept {
    return std::chrono::duration<double>(d).count();
}

}  // namespace corio
