// corio::condition: a port of CPython's test_locks.py ConditionTests.
#include <corio/sync/condition.hpp>  // first: the header stands alone

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include <corio/corio.hpp>

#include "sync_support.hpp"

using namespace std::chrono_literals;
using sync_test::run_virtual;
using sync_test::yield;

namespace {

// Acquires, waits, records; keeps the lock (test_wait's c1..c3).
corio::coro<bool> wait_keep(corio::condition& cond, std::vector<int>& out, int tag) {
    co_await cond.acquire();
    const bool ok = co_await cond.wait();
    if (ok) out.push_back(tag);
    co_return true;
}

// Acquires, waits, records, releases (test_notify's c1..c3).
corio::coro<bool> wait_release(corio::condition& cond, std::vector<int>& out, int tag) {
    co_await cond.acquire();
    const bool ok = co_await cond.wait();
    if (ok) {
        out.push_back(tag);
        cond.release();
    }
    co_return true;
}

corio::coro<void> plain_wait(corio::condition& cond) { co_await cond.wait(); }

// test_cancelled_wakeup's consumer: consumes `state` units until it goes negative.
corio::coro<void> consumer(corio::condition& cond, int& state) {
    auto guard = co_await cond.scoped();
    for (;;) {
        co_await cond.wait_for([&state] { return state != 0; });
        if (state < 0) co_return;
        --state;
    }
}

// Waits for pred under a deadline measured on the loop's clock: the waiter is
// cancelled at the deadline, as asyncio.timeout() does.
corio::coro<void> wait_for_with_timeout(corio::condition& cond, bool (*pred)(int), int& state,
                                        corio::clock::duration timeout) {
    auto me = corio::current_task();
    auto h = corio::get_running_loop().call_later(timeout, [me]() mutable { me.cancel("timeout"); });
    try {
        co_await cond.wait_for([&] { return pred(state); });
    } catch (const corio::cancelled_error&) {
        corio::current_task().uncancel();
    }
    h.cancel();
}

}  // namespace

TEST(sync_condition, wait) {  // test_wait
    run_virtual([]() -> corio::coro<void> {
        corio::condition cond;
        std::vector<int> result;
        auto t1 = corio::create_task(wait_keep(cond, result, 1));
        auto t2 = corio::create_task(wait_keep(cond, result, 2));
        auto t3 = corio::create_task(wait_keep(cond, result, 3));
        co_await yield();
        EXPECT_EQ(result, std::vector<int>{});
        EXPECT_FALSE(cond.locked());

        EXPECT_TRUE(co_await cond.acquire());
        cond.notify();
        co_await yield();
        EXPECT_EQ(result, std::vector<int>{});
        EXPECT_TRUE(cond.locked());

        cond.release();
        co_await yield();
        EXPECT_EQ(result, (std::vector<int>{1}));
        EXPECT_TRUE(cond.locked());

        cond.notify(2);
        co_await yield();
        EXPECT_EQ(result, (std::vector<int>{1}));
        EXPECT_TRUE(cond.locked());

        cond.release();
        co_await yield();
        EXPECT_EQ(result, (std::vector<int>{1, 2}));
        EXPECT_TRUE(cond.locked());

        cond.release();
        co_await yield();
        EXPECT_EQ(result, (std::vector<int>{1, 2, 3}));
        EXPECT_TRUE(cond.locked());
        EXPECT_TRUE(t1.done() && t1.result());
        EXPECT_TRUE(t2.done() && t2.result());
        EXPECT_TRUE(t3.done() && t3.result());
        cond.release();
    }());
}

TEST(sync_condition, wait_cancel) {  // test_wait_cancel
    run_virtual([]() -> corio::coro<void> {
        corio::condition cond;
        co_await cond.acquire();
        auto wait = corio::create_task(plain_wait(cond));
        corio::get_running_loop().call_soon([wait]() mutable { wait.cancel(); });
        EXPECT_THROW(co_await wait, corio::cancelled_error);
        EXPECT_EQ(cond.waiters(), 0u);
        EXPECT_TRUE(cond.locked());  // the cancelled wait() re-acquired the lock
    }());
}

TEST(sync_condition, wait_cancel_contested) {  // test_wait_cancel_contested
    run_virtual([]() -> corio::coro<void> {
        corio::condition cond;
        co_await cond.acquire();
        EXPECT_TRUE(cond.locked());
        auto wait_task = corio::create_task(plain_wait(cond));
        co_await yield();
        EXPECT_FALSE(cond.locked());

        // Notify, but contest the lock before cancelling.
        co_await cond.acquire();
        EXPECT_TRUE(cond.locked());
        cond.notify();
        auto& loop = corio::get_running_loop();
        loop.call_soon([wait_task]() mutable { wait_task.cancel(); });
        loop.call_soon([&cond] { cond.release(); });
        try {
            co_await wait_task;
        } catch (const corio::cancelled_error&) {
        }
        EXPECT_TRUE(cond.locked());  // whichever way it ended, wait() holds the lock
    }());
}

TEST(sync_condition, wait_cancel_after_notify) {  // test_wait_cancel_after_notify (bpo-32841)
    run_virtual([]() -> corio::coro<void> {
        corio::condition cond;
        bool waited = false;
        auto wait_on_cond = [](corio::condition& cond, bool& waited) -> corio::coro<void> {
            auto guard = co_await cond.scoped();
            waited = true;
            co_await cond.wait();
        };
        auto waiter = corio::create_task(wait_on_cond(cond, waited));
        co_await yield();  // start waiting

        co_await cond.acquire();
        cond.notify();
        co_await yield();  // get to the re-acquire
        waiter.cancel();
        co_await yield();  // deliver the cancellation
        cond.release();
        co_await yield();  // the cancellation happens
        EXPECT_TRUE(waiter.cancelled());
        EXPECT_TRUE(waited);
        EXPECT_FALSE(cond.locked());
    }());
}

TEST(sync_condition, wait_unacquired) {  // test_wait_unacquired
    run_virtual([]() -> corio::coro<void> {
        corio::condition cond;
        EXPECT_THROW(co_await cond.wait(), std::logic_error);
    }());
}

TEST(sync_condition, wait_for) {  // test_wait_for
    run_virtual([]() -> corio::coro<void> {
        corio::condition cond;
        bool presult = false;
        std::vector<int> result;
        auto c1 = [](corio::condition& cond, bool& presult, std::vector<int>& result) -> corio::coro<bool> {
            co_await cond.acquire();
            const bool ok = co_await cond.wait_for([&presult] { return presult; });
            if (ok) {
                result.push_back(1);
                cond.release();
            }
            co_return true;
        };
        auto t = corio::create_task(c1(cond, presult, result));
        co_await yield();
        EXPECT_EQ(result, std::vector<int>{});

        co_await cond.acquire();
        cond.notify();
        cond.release();
        co_await yield();
        EXPECT_EQ(result, std::vector<int>{});

        presult = true;
        co_await cond.acquire();
        cond.notify();
        cond.release();
        co_await yield();
        EXPECT_EQ(result, (std::vector<int>{1}));
        EXPECT_TRUE(t.done() && t.result());
    }());
}

TEST(sync_condition, wait_for_unacquired) {  // test_wait_for_unacquired
    run_virtual([]() -> corio::coro<void> {
        corio::condition cond;
        // The predicate is already true: no lock needed, its value is returned.
        const int res = co_await cond.wait_for([] { return 42; });
        EXPECT_EQ(res, 42);
        EXPECT_THROW(co_await cond.wait_for([] { return false; }), std::logic_error);
    }());
}

TEST(sync_condition, notify) {  // test_notify
    run_virtual([]() -> corio::coro<void> {
        corio::condition cond;
        std::vector<int> result;
        auto t1 = corio::create_task(wait_release(cond, result, 1));
        auto t2 = corio::create_task(wait_release(cond, result, 2));
        auto t3 = corio::create_task(wait_release(cond, result, 3));
        co_await yield();
        EXPECT_EQ(result, std::vector<int>{});

        co_await cond.acquire();
        cond.notify(1);
        cond.release();
        co_await yield();
        EXPECT_EQ(result, (std::vector<int>{1}));

        co_await cond.acquire();
        cond.notify(1);
        cond.notify(2048);
        cond.release();
        co_await yield();
        EXPECT_EQ(result, (std::vector<int>{1, 2, 3}));
        EXPECT_TRUE(t1.done() && t2.done() && t3.done());
    }());
}

TEST(sync_condition, notify_all) {  // test_notify_all
    run_virtual([]() -> corio::coro<void> {
        corio::condition cond;
        std::vector<int> result;
        auto t1 = corio::create_task(wait_release(cond, result, 1));
        auto t2 = corio::create_task(wait_release(cond, result, 2));
        co_await yield();
        EXPECT_EQ(result, std::vector<int>{});

        co_await cond.acquire();
        cond.notify_all();
        cond.release();
        co_await yield();
        EXPECT_EQ(result, (std::vector<int>{1, 2}));
        EXPECT_TRUE(t1.done() && t2.done());
    }());
}

TEST(sync_condition, notify_zero_or_negative_wakes_none) {
    run_virtual([]() -> corio::coro<void> {
        corio::condition cond;
        std::vector<int> result;
        auto t = corio::create_task(wait_release(cond, result, 1));
        co_await yield();
        co_await cond.acquire();
        cond.notify(0);
        cond.notify(-1);
        cond.release();
        co_await yield();
        EXPECT_EQ(result, std::vector<int>{});
        EXPECT_EQ(cond.waiters(), 1u);
        co_await cond.acquire();
        cond.notify();
        cond.release();
        co_await t;
        EXPECT_EQ(result, (std::vector<int>{1}));
    }());
}

TEST(sync_condition, notify_unacquired) {  // test_notify_unacquired, test_notify_all_unacquired
    corio::condition cond;
    EXPECT_THROW(cond.notify(), std::logic_error);
    EXPECT_THROW(cond.notify_all(), std::logic_error);
}

TEST(sync_condition, scoped) {  // test_context_manager
    run_virtual([]() -> corio::coro<void> {
        corio::condition cond;
        EXPECT_FALSE(cond.locked());
        {
            auto guard = co_await cond.scoped();
            EXPECT_TRUE(cond.locked());
        }
        EXPECT_FALSE(cond.locked());
    }());
}

TEST(sync_condition, explicit_lock) {  // test_explicit_lock
    run_virtual([]() -> corio::coro<void> {
        corio::lock l;
        corio::condition cond(l);
        EXPECT_FALSE(l.locked());
        EXPECT_FALSE(cond.locked());
        {
            auto guard = co_await cond.scoped();
            EXPECT_TRUE(l.locked());
            EXPECT_TRUE(cond.locked());
        }
        EXPECT_FALSE(l.locked());
        EXPECT_FALSE(cond.locked());
        {
            auto guard = co_await l.scoped();
            EXPECT_TRUE(l.locked());
            EXPECT_TRUE(cond.locked());
        }
        EXPECT_FALSE(l.locked());
        EXPECT_FALSE(cond.locked());
    }());
}

TEST(sync_condition, timeout_in_block) {  // test_timeout_in_block
    run_virtual([]() -> corio::coro<void> {
        corio::condition cond;
        auto guard = co_await cond.scoped();
        int state = 0;
        const auto start = corio::get_running_loop().time();
        co_await wait_for_with_timeout(cond, [](int) { return false; }, state, 500ms);
        EXPECT_EQ(corio::get_running_loop().time() - start, 500ms);
        EXPECT_TRUE(cond.locked());  // still ours after the timed-out wait
    }());
}

TEST(sync_condition, cancelled_error_wakeup) {  // test_cancelled_error_wakeup
    run_virtual([]() -> corio::coro<void> {
        corio::condition cond;
        auto func = [](corio::condition& cond) -> corio::coro<void> {
            auto guard = co_await cond.scoped();
            co_await cond.wait_for([] { return false; });
        };
        auto task = corio::create_task(func(cond));
        co_await yield();
        task.cancel("foo");  // while it waits on the condition
        try {
            co_await task;
            ADD_FAILURE() << "not cancelled";
        } catch (const corio::cancelled_error& e) {
            EXPECT_EQ(e.message(), "foo");
        }
        EXPECT_FALSE(cond.locked());
    }());
}

TEST(sync_condition, cancelled_error_reacquire) {  // test_cancelled_error_re_aquire
    run_virtual([]() -> corio::coro<void> {
        corio::condition cond;
        bool wake = false;
        auto func = [](corio::condition& cond, bool& wake) -> corio::coro<void> {
            auto guard = co_await cond.scoped();
            co_await cond.wait_for([&wake] { return wake; });
        };
        auto task = corio::create_task(func(cond, wake));
        co_await yield();
        co_await cond.acquire();
        wake = true;
        cond.notify();
        co_await yield();
        task.cancel("foo");  // while it re-acquires the lock
        cond.release();
        try {
            co_await task;
            ADD_FAILURE() << "not cancelled";
        } catch (const corio::cancelled_error& e) {
            EXPECT_EQ(e.message(), "foo");
        }
        EXPECT_FALSE(cond.locked());
    }());
}

// The classic "cancelled waiter swallows the notify" bug, with the
// cancellation arriving while the notified task is still queued to run.
TEST(sync_condition, cancelled_wakeup) {  // test_cancelled_wakeup
    run_virtual([]() -> corio::coro<void> {
        corio::condition cond;
        int state = 0;
        auto c0 = corio::create_task(consumer(cond, state));
        auto c1 = corio::create_task(consumer(cond, state));
        co_await yield();
        {
            auto guard = co_await cond.scoped();
            state += 1;  // one item, one notification
            cond.notify(1);
            c0.cancel();  // c0 was notified but has not run yet
            co_await wait_for_with_timeout(cond, [](int s) { return s == 0; }, state, 10ms);
            EXPECT_EQ(state, 0);  // c1 got the notification c0 could not use
            state = -1;
            cond.notify_all();
        }
        co_await c1;
        EXPECT_TRUE(c0.cancelled());
    }());
}

TEST(sync_condition, cancelled_wakeup_relock) {  // test_cancelled_wakeup_relock
    run_virtual([]() -> corio::coro<void> {
        corio::condition cond;
        int state = 0;
        auto c0 = corio::create_task(consumer(cond, state));
        auto c1 = corio::create_task(consumer(cond, state));
        co_await yield();
        {
            auto guard = co_await cond.scoped();
            state += 1;
            cond.notify(1);
            co_await yield();  // c0 wakes up and queues for the lock
            c0.cancel();       // cancelled while re-acquiring
            co_await wait_for_with_timeout(cond, [](int s) { return s == 0; }, state, 10ms);
            EXPECT_EQ(state, 0);
            state = -1;
            cond.notify_all();
        }
        co_await c1;
        EXPECT_TRUE(c0.cancelled());
    }());
}

TEST(sync_condition, notified_in_fifo_order) {
    run_virtual([]() -> corio::coro<void> {
        corio::condition cond;
        std::vector<int> result;
        std::vector<corio::task<bool>> tasks;
        for (int i = 0; i < 5; ++i) tasks.push_back(corio::create_task(wait_release(cond, result, i)));
        co_await yield();
        for (int i = 0; i < 5; ++i) {
            co_await cond.acquire();
            cond.notify();
            cond.release();
            co_await yield();
        }
        EXPECT_EQ(result, (std::vector<int>{0, 1, 2, 3, 4}));
        for (auto& t : tasks) co_await t;
    }());
}
