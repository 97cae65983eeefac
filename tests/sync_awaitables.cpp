// The sync awaitables are plain movable objects until awaited, so they can be
// handed to anything that takes an awaitable by value (a wrapper coroutine,
// a task), e.g. to put a deadline on them.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <type_traits>

#include <corio/corio.hpp>

#include "sync_support.hpp"

using namespace std::chrono_literals;
using sync_test::run_virtual;
using sync_test::yield;

static_assert(std::is_move_constructible_v<corio::lock::acquire_awaiter>);
static_assert(std::is_move_constructible_v<corio::lock::scoped_awaiter>);
static_assert(std::is_move_constructible_v<corio::semaphore::acquire_awaiter>);
static_assert(std::is_move_constructible_v<corio::semaphore::scoped_awaiter>);
static_assert(std::is_move_constructible_v<corio::event::wait_awaiter>);
static_assert(std::is_move_constructible_v<decltype(std::declval<corio::queue<int>&>().get())>);
static_assert(std::is_move_constructible_v<decltype(std::declval<corio::queue<int>&>().put(1))>);
static_assert(std::is_move_constructible_v<decltype(std::declval<corio::queue<std::unique_ptr<int>>&>().get())>);

namespace {

// Runs any awaitable as a task (what a timeout or gather over it needs).
template <class A>
auto await_it(A a) -> corio::coro<std::remove_cvref_t<decltype(a.await_resume())>> {
    co_return co_await a;
}

// A deadline for any awaitable, built from a task and a timer.
template <class A>
corio::coro<bool> finishes_within(A a, corio::clock::duration d) {
    auto t = corio::create_task(await_it(std::move(a)));
    auto timer = corio::get_running_loop().call_later(d, [t]() mutable { t.cancel(); });
    bool finished = true;
    try {
        co_await t;
    } catch (const corio::cancelled_error&) {
        finished = false;
    }
    timer.cancel();
    co_return finished;
}

}  // namespace

TEST(sync_awaitables, deadline_on_event_wait) {
    run_virtual([]() -> corio::coro<void> {
        corio::event ev;
        EXPECT_FALSE(co_await finishes_within(ev.wait(), 1s));
        EXPECT_EQ(ev.waiters(), 0u);
        corio::get_running_loop().call_later(1s, [&ev] { ev.set(); });
        EXPECT_TRUE(co_await finishes_within(ev.wait(), 2s));
    }());
}

TEST(sync_awaitables, deadline_on_lock_and_semaphore) {
    run_virtual([]() -> corio::coro<void> {
        corio::lock l;
        auto held = co_await l.scoped();
        EXPECT_FALSE(co_await finishes_within(l.acquire(), 1s));
        EXPECT_EQ(l.waiters(), 0u);
        held.release();
        EXPECT_TRUE(co_await finishes_within(l.acquire(), 1s));
        EXPECT_TRUE(l.locked());
        l.release();

        corio::semaphore s(0);
        EXPECT_FALSE(co_await finishes_within(s.acquire(), 1s));
        EXPECT_EQ(s.waiters(), 0u);
        s.release();
        EXPECT_TRUE(co_await finishes_within(s.acquire(), 1s));
        EXPECT_EQ(s.value(), 0u);
    }());
}

TEST(sync_awaitables, deadline_on_queue_get_and_put) {
    run_virtual([]() -> corio::coro<void> {
        corio::queue<std::string> q(1);
        EXPECT_FALSE(co_await finishes_within(q.get(), 1s));
        EXPECT_EQ(q.getters(), 0u);
        q.put_nowait("x");
        EXPECT_FALSE(co_await finishes_within(q.put("y"), 1s));  // full
        EXPECT_EQ(q.putters(), 0u);
        EXPECT_EQ(q.qsize(), 1u);
        EXPECT_TRUE(co_await finishes_within(q.get(), 1s));
        EXPECT_TRUE(q.empty());
    }());
}
