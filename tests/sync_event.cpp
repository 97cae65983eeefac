// corio::event: a port of CPython's test_locks.py EventTests.
#include <corio/sync/event.hpp>  // first: the header stands alone

#include <gtest/gtest.h>

#include <vector>

#include <corio/corio.hpp>

#include "sync_support.hpp"

using namespace std::chrono_literals;
using sync_test::run_virtual;
using sync_test::yield;

namespace {

corio::coro<void> wait_and_record(corio::event& e, std::vector<int>& out, int tag) {
    const bool ok = co_await e.wait();
    if (ok) out.push_back(tag);
}

corio::coro<void> wait_only(corio::event& e) { co_await e.wait(); }

}  // namespace

TEST(sync_event, wait_wakes_everyone_in_order) {  // test_wait
    run_virtual([]() -> corio::coro<void> {
        corio::event ev;
        EXPECT_FALSE(ev.is_set());
        std::vector<int> result;
        auto t1 = corio::create_task(wait_and_record(ev, result, 1));
        auto t2 = corio::create_task(wait_and_record(ev, result, 2));
        co_await yield();
        EXPECT_EQ(result, std::vector<int>{});

        auto t3 = corio::create_task(wait_and_record(ev, result, 3));  // not started yet
        ev.set();
        co_await yield();
        EXPECT_EQ(result, (std::vector<int>{3, 1, 2}));
        EXPECT_TRUE(t1.done() && t2.done() && t3.done());
    }());
}

TEST(sync_event, wait_on_set_does_not_suspend) {  // test_wait_on_set
    run_virtual([]() -> corio::coro<void> {
        corio::event ev;
        ev.set();
        const bool res = co_await ev.wait();
        EXPECT_TRUE(res);
        corio::event::wait_awaiter w = ev.wait();
        EXPECT_TRUE(w.await_ready());
    }());
}

TEST(sync_event, wait_cancel) {  // test_wait_cancel
    run_virtual([]() -> corio::coro<void> {
        corio::event ev;
        auto wait = corio::create_task(wait_only(ev));
        corio::get_running_loop().call_soon([wait]() mutable { wait.cancel(); });
        EXPECT_THROW(co_await wait, corio::cancelled_error);
        EXPECT_EQ(ev.waiters(), 0u);
    }());
}

TEST(sync_event, clear) {  // test_clear
    corio::event ev;
    EXPECT_FALSE(ev.is_set());
    ev.set();
    EXPECT_TRUE(ev.is_set());
    ev.clear();
    EXPECT_FALSE(ev.is_set());
}

TEST(sync_event, clear_with_waiters) {  // test_clear_with_waiters
    run_virtual([]() -> corio::coro<void> {
        corio::event ev;
        std::vector<int> result;
        auto t = corio::create_task(wait_and_record(ev, result, 1));
        co_await yield();
        EXPECT_EQ(result, std::vector<int>{});

        // A waiter woken by set() returns even if the event is cleared before it runs.
        ev.set();
        ev.clear();
        EXPECT_FALSE(ev.is_set());
        ev.set();
        ev.set();
        co_await yield();
        EXPECT_EQ(result, (std::vector<int>{1}));
        EXPECT_EQ(ev.waiters(), 0u);
        EXPECT_TRUE(t.done());
    }());
}

TEST(sync_event, cancelled_waiter_does_not_disturb_others) {
    run_virtual([]() -> corio::coro<void> {
        corio::event ev;
        std::vector<int> result;
        auto t1 = corio::create_task(wait_and_record(ev, result, 1));
        auto t2 = corio::create_task(wait_and_record(ev, result, 2));
        auto t3 = corio::create_task(wait_and_record(ev, result, 3));
        co_await yield();
        t2.cancel();
        ev.set();
        co_await t1;
        co_await t3;
        EXPECT_THROW(co_await t2, corio::cancelled_error);
        EXPECT_EQ(result, (std::vector<int>{1, 3}));
    }());
}

TEST(sync_event, cancelled_after_set_still_cancels) {
    run_virtual([]() -> corio::coro<void> {
        corio::event ev;
        std::vector<int> result;
        auto t = corio::create_task(wait_and_record(ev, result, 1));
        co_await yield();
        ev.set();
        t.cancel();  // the wake-up is already on its way
        EXPECT_THROW(co_await t, corio::cancelled_error);
        EXPECT_EQ(result, std::vector<int>{});
        EXPECT_TRUE(ev.is_set());
    }());
}

TEST(sync_event, set_from_a_timer) {
    run_virtual([]() -> corio::coro<void> {
        corio::event ev;
        auto& loop = corio::get_running_loop();
        const auto start = loop.time();
        loop.call_later(5s, [&ev] { ev.set(); });
        co_await ev.wait();
        EXPECT_EQ(loop.time() - start, 5s);
    }());
}
