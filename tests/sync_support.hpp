// Helpers shared by the tests/sync_*.cpp suites.
#pragma once

#include <chrono>
#include <memory>

#include <corio/coro.hpp>
#include <corio/loop.hpp>
#include <corio/sleep.hpp>

namespace sync_test {

using namespace std::chrono_literals;

// Runs a test body on a fresh loop with the virtual clock.
template <class T>
T run_virtual(corio::coro<T> body) {
    return corio::run(std::move(body), {.clock = corio::virtual_clock()});
}

// asyncio.sleep(0): lets every task that is ready run one step.
inline corio::sleep_awaiter yield() noexcept { return corio::sleep(0s); }

// Counts what happens to instances, cppcoro-style, to check that a container
// neither copies behind our back nor loses or leaks items.
struct counted {
    static inline int constructions = 0;  // from a value
    static inline int copies = 0;         // copy constructions and assignments
    static inline int moves = 0;          // move constructions
    static inline int move_assignments = 0;
    static inline int destructions = 0;
    static void reset() { constructions = copies = copy_constructions = moves = move_assignments = destructions = 0; }
    static int alive() { return constructions + copy_constructions + moves - destructions; }
    static inline int copy_constructions = 0;

    int value = 0;
    explicit counted(int v) : value(v) { ++constructions; }
    counted(const counted& o) : value(o.value) {
        ++copies;
        ++copy_constructions;
    }
    counted(counted&& o) noexcept : value(o.value) { ++moves; }
    counted& operator=(const counted& o) {
        value = o.value;
        ++copies;
        return *this;
    }
    counted& operator=(counted&& o) noexcept {
        value = o.value;
        ++move_assignments;
        return *this;
    }
    ~counted() { ++destructions; }
    friend bool operator<(const counted& a, const counted& b) { return a.value < b.value; }
};

using move_only = std::unique_ptr<int>;

}  // namespace sync_test
