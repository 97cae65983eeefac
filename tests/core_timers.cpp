// Timers: call_later/call_at at scale, cancellation that frees at once,
// equal deadlines in scheduling order, and sleep timers.
#include <gtest/gtest.h>

#include <corio/corio.hpp>
#include <memory>
#include <vector>

#include "core_fixtures.hpp"

using namespace std::chrono_literals;
using corio_test::counted;
using corio_test::virtual_time;

namespace {

corio::coro<void> sleep_for(corio::clock::duration d) { co_await corio::sleep(d); }

TEST(timers, a_million_pending_timers_all_fire_in_deadline_order) {
    corio::event_loop loop({.clock = corio::virtual_clock()});
    const auto start = loop.time();
    constexpr int n = 1'000'000;
    int fired = 0;
    bool ordered = true;
    corio::clock::time_point last = start;
    for (int i = 0; i < n; ++i) {
        // Deadlines scattered over 0..999 ms, not in scheduling order.
        loop.call_later(std::chrono::milliseconds((i * 7919LL) % 1000), [&] {
            ordered = ordered && loop.time() >= last;
            last = loop.time();
            ++fired;
        });
    }
    EXPECT_EQ(loop.pending_timers(), static_cast<std::size_t>(n));
    loop.run_until_complete(sleep_for(1s));
    EXPECT_EQ(fired, n);
    EXPECT_TRUE(ordered);
    EXPECT_EQ(loop.pending_timers(), 0u);
}

TEST(timers, a_million_cancelled_timers_leave_the_heap_at_once) {
    corio::event_loop loop({.clock = corio::virtual_clock()});
    const auto start = loop.time();
    constexpr int n = 1'000'000;
    std::vector<corio::callback_handle> handles;
    handles.reserve(n);
    int fired = 0;
    for (int i = 0; i < n; ++i) handles.push_back(loop.call_later(std::chrono::seconds(1 + i % 3600), [&] { ++fired; }));
    EXPECT_EQ(loop.pending_timers(), static_cast<std::size_t>(n));
    for (auto& h : handles) h.cancel();
    EXPECT_EQ(loop.pending_timers(), 0u);  // not waiting for their deadlines
    loop.run_until_complete(sleep_for(1ms));
    EXPECT_EQ(fired, 0);
    EXPECT_EQ(loop.time() - start, 1ms);  // virtual time never visited a cancelled deadline
}

TEST(timers, cancelling_inside_the_running_loop_also_frees_the_slot) {
    auto main = []() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        const std::size_t before = loop.pending_timers();
        std::vector<corio::callback_handle> hs;
        for (int i = 0; i < 1000; ++i) hs.push_back(loop.call_later(1h, [] {}));
        EXPECT_EQ(loop.pending_timers(), before + 1000);
        for (auto& h : hs) h.cancel();
        EXPECT_EQ(loop.pending_timers(), before);
        co_return;
    };
    corio::run(main(), virtual_time);
}

TEST(timers, cancelling_releases_the_callback_state_even_if_the_handle_is_kept) {
    counted::reset();
    corio::event_loop loop({.clock = corio::virtual_clock()});
    auto h = loop.call_later(1h, [c = counted(1)] { (void)c; });
    EXPECT_EQ(counted::alive(), 1);
    h.cancel();
    EXPECT_EQ(counted::alive(), 0);  // asyncio's Handle.cancel() drops the callback too
    EXPECT_TRUE(h.cancelled());
}

TEST(timers, fired_and_dropped_timers_release_their_state) {
    counted::reset();
    {
        corio::event_loop loop({.clock = corio::virtual_clock()});
        for (int i = 0; i < 100; ++i) loop.call_later(std::chrono::milliseconds(i), [c = counted(i)] { (void)c; });
        loop.run_until_complete(sleep_for(50ms));
        EXPECT_EQ(counted::alive(), 49);  // 0..50 ms fired (51), 49 remain queued
        loop.close();
        EXPECT_EQ(counted::alive(), 0);  // close frees the rest
    }
    EXPECT_EQ(counted::alive(), 0);
}

TEST(timers, equal_deadlines_fire_in_scheduling_order) {
    corio::event_loop loop({.clock = corio::virtual_clock()});
    const auto when = loop.time() + 10ms;
    std::vector<int> order;
    for (int i = 0; i < 1000; ++i) loop.call_at(when, [&order, i] { order.push_back(i); });
    loop.run_until_complete(sleep_for(20ms));
    ASSERT_EQ(order.size(), 1000u);
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(order[i], i);
}

TEST(timers, equal_deadline_sleeps_wake_in_order) {
    auto main = []() -> corio::coro<void> {
        std::vector<int> order;
        std::vector<corio::task<void>> ts;
        for (int i = 0; i < 50; ++i)
            ts.push_back(corio::create_task([](std::vector<int>& o, int id) -> corio::coro<void> {
                co_await corio::sleep(5ms);
                o.push_back(id);
            }(order, i)));
        co_await corio::gather(std::move(ts));
        std::vector<int> expected(50);
        for (int i = 0; i < 50; ++i) expected[i] = i;
        EXPECT_EQ(order, expected);
    };
    corio::run(main(), virtual_time);
}

TEST(timers, call_later_zero_runs_after_earlier_call_soon) {
    corio::event_loop loop;
    std::vector<int> order;
    loop.call_soon([&] { order.push_back(1); });
    loop.call_later(0s, [&] { order.push_back(2); });
    loop.call_soon([&] { order.push_back(3); });
    loop.run_until_complete(sleep_for(0s));
    loop.run_until_complete(sleep_for(0s));
    EXPECT_EQ(order, (std::vector<int>{1, 3, 2}));
}

TEST(timers, a_timer_may_schedule_and_cancel_timers) {
    corio::event_loop loop({.clock = corio::virtual_clock()});
    const auto start = loop.time();
    std::vector<int> fired;
    auto victim = std::make_shared<corio::callback_handle>();
    loop.call_later(10ms, [&] {
        fired.push_back(1);
        victim->cancel();
        loop.call_later(5ms, [&] { fired.push_back(3); });
    });
    *victim = loop.call_later(12ms, [&] { fired.push_back(2); });
    loop.run_until_complete(sleep_for(30ms));
    EXPECT_EQ(fired, (std::vector<int>{1, 3}));
    EXPECT_EQ(loop.time() - start, 30ms);
}

TEST(timers, cancel_after_firing_is_harmless) {
    corio::event_loop loop({.clock = corio::virtual_clock()});
    int fired = 0;
    auto h = loop.call_later(1ms, [&] { ++fired; });
    loop.run_until_complete(sleep_for(2ms));
    EXPECT_EQ(fired, 1);
    h.cancel();
    EXPECT_EQ(loop.pending_timers(), 0u);
    loop.run_until_complete(sleep_for(2ms));
    EXPECT_EQ(fired, 1);
}

TEST(timers, a_handle_may_outlive_its_loop) {
    corio::callback_handle h;
    {
        corio::event_loop loop;
        h = loop.call_later(1h, [] {});
    }
    h.cancel();  // the loop is gone: nothing to do, nothing to crash
    EXPECT_TRUE(h.cancelled());
}

TEST(timers, a_handle_of_another_loop_cancels_on_its_own_loop) {
    corio::event_loop other({.clock = corio::virtual_clock()});
    int fired = 0;
    auto h = other.call_later(1h, [&] { ++fired; });
    auto main = [&]() -> corio::coro<void> {
        auto& mine = corio::get_running_loop();
        const std::size_t mine_before = mine.pending_timers();
        h.cancel();  // while a different loop runs on this thread
        EXPECT_EQ(mine.pending_timers(), mine_before);
        co_return;
    };
    corio::run(main(), virtual_time);
    EXPECT_EQ(other.pending_timers(), 0u);
    other.run_until_complete(sleep_for(2h));
    EXPECT_EQ(fired, 0);
}

TEST(timers, cancelled_sleep_removes_its_timer) {
    auto main = []() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        const std::size_t before = loop.pending_timers();
        auto t = corio::create_task(sleep_for(1h));
        co_await corio::sleep(0s);
        EXPECT_EQ(loop.pending_timers(), before + 1);
        t.cancel();
        EXPECT_EQ(loop.pending_timers(), before);
        EXPECT_THROW(co_await t, corio::cancelled_error);
    };
    corio::run(main(), virtual_time);
}

TEST(timers, many_sleeping_tasks_with_random_cancellation) {
    auto main = []() -> corio::coro<void> {
        std::vector<corio::task<void>> ts;
        for (int i = 0; i < 10'000; ++i) ts.push_back(corio::create_task(sleep_for(std::chrono::milliseconds(1 + i % 97))));
        co_await corio::sleep(0s);
        int cancelled = 0;
        for (std::size_t i = 0; i < ts.size(); i += 3) {
            ts[i].cancel();
            ++cancelled;
        }
        auto outcomes = co_await corio::gather(corio::return_exceptions, std::move(ts));
        int failed = 0;
        for (auto& o : outcomes) failed += o.has_value() ? 0 : 1;
        EXPECT_EQ(failed, cancelled);
        EXPECT_EQ(corio::get_running_loop().pending_timers(), 0u);
    };
    corio::run(main(), virtual_time);
}

}  // namespace
