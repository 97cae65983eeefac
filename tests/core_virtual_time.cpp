// Virtual time: `run(main(), {.clock = corio::virtual_clock()})` jumps to the
// next timer when nothing else can run, so hours pass in milliseconds,
// deterministically.
#include <gtest/gtest.h>

#include <chrono>
#include <corio/corio.hpp>
#include <string>
#include <vector>

#include "core_fixtures.hpp"

using namespace std::chrono_literals;
using corio_test::virtual_time;

namespace {

TEST(virtual_time, an_hour_of_sleep_ends_in_milliseconds) {
    corio::clock::duration elapsed{};
    auto main = [&]() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        const auto start = loop.time();
        co_await corio::sleep(1h);
        elapsed = loop.time() - start;
    };
    const auto wall_start = std::chrono::steady_clock::now();
    corio::run(main(), virtual_time);
    const auto wall = std::chrono::steady_clock::now() - wall_start;
    EXPECT_EQ(elapsed, 1h);
    EXPECT_LT(wall, 1s);
}

TEST(virtual_time, steady_clock_is_the_default) {
    auto main = []() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        const auto before = std::chrono::steady_clock::now().time_since_epoch();
        const auto t = loop.time().time_since_epoch();
        const auto after = std::chrono::steady_clock::now().time_since_epoch();
        EXPECT_LE(before, t);
        EXPECT_LE(t, after);
        co_return;
    };
    corio::run(main());
}

// A small simulation with several actors; its trace must be identical on every run.
std::vector<std::string> simulate() {
    std::vector<std::string> trace;
    auto main = [&]() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        const auto start = loop.time();
        auto stamp = [&](const std::string& what) {
            trace.push_back(std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(loop.time() - start).count()) +
                            "ms " + what);
        };
        auto actor = [&](std::string name, std::chrono::milliseconds period, int rounds) -> corio::coro<int> {
            for (int i = 0; i < rounds; ++i) {
                co_await corio::sleep(period);
                stamp(name + " " + std::to_string(i));
            }
            co_return rounds;
        };
        auto [a, b, c] = co_await corio::gather(actor("a", 7min, 5), actor("b", 11min, 4), actor("c", 3min, 9));
        stamp("done " + std::to_string(a + b + c));
        try {
            co_await corio::wait_for(actor("slow", 2h, 1), 90min);
        } catch (const corio::timeout_error&) {
            stamp("timeout");
        }
    };
    corio::run(main(), virtual_time);
    return trace;
}

TEST(virtual_time, runs_are_deterministic) {
    const auto first = simulate();
    EXPECT_EQ(first.size(), 5u + 4u + 9u + 2u);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(simulate(), first);
}

TEST(virtual_time, simulated_times_are_exact) {
    const auto trace = simulate();
    // 3, 6, 7, 9, 11 ... minutes: the first events in deadline order.
    EXPECT_EQ(trace[0], std::to_string(3 * 60'000) + "ms c 0");
    EXPECT_EQ(trace[1], std::to_string(6 * 60'000) + "ms c 1");
    EXPECT_EQ(trace[2], std::to_string(7 * 60'000) + "ms a 0");
    EXPECT_EQ(trace[3], std::to_string(9 * 60'000) + "ms c 2");
    EXPECT_EQ(trace[4], std::to_string(11 * 60'000) + "ms b 0");
    EXPECT_EQ(trace[trace.size() - 2], std::to_string(44 * 60'000) + "ms done 18");
    EXPECT_EQ(trace.back(), std::to_string((44 + 90) * 60'000) + "ms timeout");
}

TEST(virtual_time, many_small_sleeps_add_up_without_drift) {
    auto main = []() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        const auto start = loop.time();
        for (int i = 0; i < 1000; ++i) co_await corio::sleep(1ms);
        EXPECT_EQ(loop.time() - start, 1s);
    };
    corio::run(main(), virtual_time);
}

TEST(virtual_time, time_does_not_jump_while_work_is_ready) {
    auto main = []() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        const auto start = loop.time();
        auto sleeper = corio::create_task([]() -> corio::coro<void> { co_await corio::sleep(1s); }());
        for (int i = 0; i < 100; ++i) {
            co_await corio::sleep(0s);  // always ready: the 1 s timer must wait
            EXPECT_EQ(loop.time(), start);
        }
        EXPECT_FALSE(sleeper.done());
        co_await sleeper;
        EXPECT_EQ(loop.time() - start, 1s);
    };
    corio::run(main(), virtual_time);
}

TEST(virtual_time, call_at_and_call_later_follow_virtual_time) {
    corio::event_loop loop({.clock = corio::virtual_clock()});
    const auto start = loop.time();
    std::vector<corio::clock::duration> at;
    loop.call_at(start + 24h, [&] { at.push_back(loop.time() - start); });
    loop.call_later(12h, [&] { at.push_back(loop.time() - start); });
    loop.run_until_complete([]() -> corio::coro<void> { co_await corio::sleep(48h); }());
    EXPECT_EQ(at, (std::vector<corio::clock::duration>{12h, 24h}));
    EXPECT_EQ(loop.time() - start, 48h);
}

TEST(virtual_time, wait_for_deadlines_are_exact) {
    auto main = []() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        const auto start = loop.time();
        auto slow = []() -> corio::coro<int> {
            co_await corio::sleep(10h);
            co_return 1;
        };
        EXPECT_THROW(co_await corio::wait_for(slow(), 3h), corio::timeout_error);
        EXPECT_EQ(loop.time() - start, 3h);
    };
    corio::run(main(), virtual_time);
}

TEST(virtual_time, clock_now_outside_a_loop_is_steady_time) {
    const auto a = std::chrono::steady_clock::now().time_since_epoch();
    const auto n = corio::clock::now().time_since_epoch();
    const auto b = std::chrono::steady_clock::now().time_since_epoch();
    EXPECT_LE(a, n);
    EXPECT_LE(n, b);
}

}  // namespace
