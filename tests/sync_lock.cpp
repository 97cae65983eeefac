// corio::lock: a port of CPython's test_locks.py LockTests, plus FIFO and
// cancellation-safety checks.
#include <corio/sync/lock.hpp>  // first: the header stands alone

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include <corio/corio.hpp>

#include "sync_support.hpp"

using namespace std::chrono_literals;
using sync_test::run_virtual;
using sync_test::yield;

namespace {

// Not `if (co_await l.acquire())`: g++ 12 miscompiles a co_await on a
// temporary written directly in an if/while condition.
corio::coro<bool> take(corio::lock& l, std::vector<int>& out, int tag) {
    const bool ok = co_await l.acquire();
    if (ok) out.push_back(tag);
    co_return true;
}

corio::coro<void> acquire_only(corio::lock& l) { co_await l.acquire(); }

}  // namespace

TEST(sync_lock, starts_unlocked) {
    corio::lock l;
    EXPECT_FALSE(l.locked());
}

TEST(sync_lock, acquire_fifo) {  // test_acquire
    run_virtual([]() -> corio::coro<void> {
        corio::lock l;
        std::vector<int> result;
        EXPECT_TRUE(co_await l.acquire());

        auto t1 = corio::create_task(take(l, result, 1));
        auto t2 = corio::create_task(take(l, result, 2));
        co_await yield();
        EXPECT_EQ(result, std::vector<int>{});

        l.release();
        co_await yield();
        EXPECT_EQ(result, (std::vector<int>{1}));

        co_await yield();
        EXPECT_EQ(result, (std::vector<int>{1}));

        auto t3 = corio::create_task(take(l, result, 3));
        l.release();
        co_await yield();
        EXPECT_EQ(result, (std::vector<int>{1, 2}));

        l.release();
        co_await yield();
        EXPECT_EQ(result, (std::vector<int>{1, 2, 3}));

        EXPECT_TRUE(t1.done() && t1.result());
        EXPECT_TRUE(t2.done() && t2.result());
        EXPECT_TRUE(t3.done() && t3.result());
        l.release();
    }());
}

TEST(sync_lock, acquire_cancel) {  // test_acquire_cancel
    run_virtual([]() -> corio::coro<void> {
        corio::lock l;
        co_await l.acquire();
        auto t = corio::create_task(acquire_only(l));
        corio::get_running_loop().call_soon([t]() mutable { t.cancel(); });
        EXPECT_THROW(co_await t, corio::cancelled_error);
        EXPECT_EQ(l.waiters(), 0u);
        EXPECT_TRUE(l.locked());
    }());
}

TEST(sync_lock, cancel_race) {  // test_cancel_race
    run_virtual([]() -> corio::coro<void> {
        corio::lock l;
        auto lockit = [](corio::lock& l, corio::future<void>* blocker) -> corio::coro<void> {
            co_await l.acquire();
            auto g = corio::lock::guard(l);
            if (blocker) co_await *blocker;
        };
        corio::future<void> fa;
        auto ta = corio::create_task(lockit(l, &fa));
        co_await yield();
        EXPECT_TRUE(l.locked());
        auto tb = corio::create_task(lockit(l, nullptr));
        co_await yield();
        EXPECT_EQ(l.waiters(), 1u);
        auto tc = corio::create_task(lockit(l, nullptr));
        co_await yield();
        EXPECT_EQ(l.waiters(), 2u);

        // B is cancelled while A releases: the lock must go to C.
        fa.set_result();
        tb.cancel();
        co_await yield();
        EXPECT_FALSE(l.locked());
        EXPECT_TRUE(ta.done());
        EXPECT_TRUE(tb.cancelled());
        co_await tc;
        EXPECT_FALSE(l.locked());
    }());
}

TEST(sync_lock, cancel_release_race) {  // test_cancel_release_race (bpo-32734)
    run_virtual([]() -> corio::coro<void> {
        corio::lock l;
        int lock_count = 0;
        int call_count = 0;
        auto lockit = [](corio::lock& l, int& lock_count, int& call_count) -> corio::coro<void> {
            ++call_count;
            co_await l.acquire();
            ++lock_count;
        };
        co_await l.acquire();
        auto t1 = corio::create_task(lockit(l, lock_count, call_count));
        auto t2 = corio::create_task(lockit(l, lock_count, call_count));
        auto t3 = corio::create_task(lockit(l, lock_count, call_count));
        co_await yield();

        corio::get_running_loop().call_soon([&] {
            t1.cancel();
            l.release();
        });
        EXPECT_THROW(co_await t1, corio::cancelled_error);
        EXPECT_EQ(lock_count, 1);  // only one task took the lock
        EXPECT_EQ(call_count, 3);
        EXPECT_TRUE(t1.cancelled() && t2.done());

        t3.cancel();
        co_await yield();
        EXPECT_TRUE(t3.cancelled());
    }());
}

TEST(sync_lock, finished_waiter_cancelled) {  // test_finished_waiter_cancelled
    run_virtual([]() -> corio::coro<void> {
        corio::lock l;
        co_await l.acquire();
        EXPECT_TRUE(l.locked());
        auto tb = corio::create_task(acquire_only(l));
        co_await yield();
        EXPECT_EQ(l.waiters(), 1u);

        // Wake B, then cancel it before it runs: C must still get the lock.
        auto tc = corio::create_task(acquire_only(l));
        tb.cancel();
        l.release();
        co_await yield();
        EXPECT_TRUE(l.locked());
        EXPECT_TRUE(tb.cancelled());
        co_await tc;
    }());
}

TEST(sync_lock, release_not_acquired) {  // test_release_not_acquired
    corio::lock l;
    EXPECT_THROW(l.release(), std::logic_error);
    try {
        l.release();
    } catch (const std::logic_error& e) {
        EXPECT_NE(std::string(e.what()).find("not acquired"), std::string::npos);
    }
}

TEST(sync_lock, release_no_waiters) {  // test_release_no_waiters
    run_virtual([]() -> corio::coro<void> {
        corio::lock l;
        co_await l.acquire();
        EXPECT_TRUE(l.locked());
        l.release();
        EXPECT_FALSE(l.locked());
    }());
}

TEST(sync_lock, scoped_guard) {  // test_context_manager
    run_virtual([]() -> corio::coro<void> {
        corio::lock l;
        EXPECT_FALSE(l.locked());
        {
            auto guard = co_await l.scoped();
            EXPECT_TRUE(l.locked());
            EXPECT_TRUE(guard.owns());
        }
        EXPECT_FALSE(l.locked());

        // Early release, and moving the guard.
        auto g1 = co_await l.scoped();
        auto g2 = std::move(g1);
        EXPECT_FALSE(g1.owns());
        g2.release();
        EXPECT_FALSE(l.locked());
    }());
}

TEST(sync_lock, scoped_guard_releases_on_exception) {
    run_virtual([]() -> corio::coro<void> {
        corio::lock l;
        auto body = [](corio::lock& l) -> corio::coro<void> {
            auto guard = co_await l.scoped();
            throw std::runtime_error("boom");
        };
        EXPECT_THROW(co_await body(l), std::runtime_error);
        EXPECT_FALSE(l.locked());
    }());
}

TEST(sync_lock, scoped_guard_releases_on_cancellation) {
    run_virtual([]() -> corio::coro<void> {
        corio::lock l;
        bool inside = false;
        auto body = [](corio::lock& l, bool& inside) -> corio::coro<void> {
            auto guard = co_await l.scoped();
            inside = true;
            co_await corio::sleep(1h);
        };
        auto t = corio::create_task(body(l, inside));
        co_await yield();
        EXPECT_TRUE(inside);
        EXPECT_TRUE(l.locked());
        t.cancel();
        EXPECT_THROW(co_await t, corio::cancelled_error);
        EXPECT_FALSE(l.locked());
    }());
}

TEST(sync_lock, scoped_cancelled_while_waiting_takes_nothing) {
    run_virtual([]() -> corio::coro<void> {
        corio::lock l;
        auto holder = co_await l.scoped();
        auto waiter = [](corio::lock& l) -> corio::coro<void> { auto g = co_await l.scoped(); };
        auto t = corio::create_task(waiter(l));
        co_await yield();
        t.cancel();
        EXPECT_THROW(co_await t, corio::cancelled_error);
        EXPECT_TRUE(l.locked());  // still ours
        holder.release();
        EXPECT_FALSE(l.locked());
    }());
}

TEST(sync_lock, uncontended_does_not_suspend) {
    run_virtual([]() -> corio::coro<void> {
        corio::lock l;
        corio::lock::acquire_awaiter a = l.acquire();
        EXPECT_TRUE(a.await_ready());  // taken on the spot
        EXPECT_TRUE(l.locked());
        EXPECT_TRUE(a.await_resume());
        l.release();
        co_return;
    }());
}

TEST(sync_lock, newcomer_does_not_jump_a_woken_waiter) {
    run_virtual([]() -> corio::coro<void> {
        corio::lock l;
        std::vector<int> order;
        co_await l.acquire();
        auto t1 = corio::create_task(take(l, order, 1));
        co_await yield();
        l.release();  // wakes t1, which has not run yet
        EXPECT_FALSE(l.locked());
        auto t2 = corio::create_task(take(l, order, 2));  // arrives before t1 runs
        co_await yield();
        EXPECT_EQ(order, (std::vector<int>{1}));
        l.release();
        co_await t2;
        EXPECT_EQ(order, (std::vector<int>{1, 2}));
        l.release();
    }());
}

TEST(sync_lock, many_waiters_served_in_arrival_order) {
    run_virtual([]() -> corio::coro<void> {
        corio::lock l;
        std::vector<int> order;
        auto worker = [](corio::lock& l, std::vector<int>& order, int id) -> corio::coro<void> {
            auto g = co_await l.scoped();
            order.push_back(id);
            co_await corio::sleep(1ms);
        };
        std::vector<corio::task<void>> tasks;
        for (int i = 0; i < 10; ++i) tasks.push_back(corio::create_task(worker(l, order, i)));
        for (auto& t : tasks) co_await t;
        EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    }());
}
