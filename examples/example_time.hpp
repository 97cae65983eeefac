// Shared by the seed examples: how time runs in a tour.
//
// By default an async example runs on the virtual clock: it finishes at once
// and still reports the seconds the Python original reports (3.00 s for the
// coffee and the bagel), because loop.time() advances exactly as real time
// would. `--real-time` runs on the steady clock; `--scale X` multiplies every
// duration (the tour uses 0.1 to watch real concurrency quickly).
#pragma once

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>

#include <corio/corio.hpp>

struct example_time {
    bool real_time = false;
    double scale = 1.0;

    example_time(int argc, char** argv) {
        for (int i = 1; i < argc; ++i) {
            if (std::strcmp(argv[i], "--real-time") == 0) real_time = true;
            if (std::strcmp(argv[i], "--scale") == 0 && i + 1 < argc) {
                scale = std::atof(argv[++i]);
                real_time = true;
            }
        }
    }

    // Python's seconds, scaled.
    std::chrono::nanoseconds seconds(double s) const {
        return std::chrono::nanoseconds(static_cast<long long>(s * scale * 1e9));
    }

    corio::run_options options() const {
        return {.clock = real_time ? corio::steady_clock() : corio::virtual_clock()};
    }

    // How the tour labels the clock a timing was measured with.
    std::string clock_note() const {
        if (!real_time) return " (virtual clock)";
        if (scale != 1.0) return " (real clock, durations x" + std::to_string(scale).substr(0, 4) + ")";
        return "";
    }
};
