// corio::semaphore / bounded_semaphore: a port of CPython's test_locks.py
// SemaphoreTests.
#include <corio/sync/semaphore.hpp>  // first: the header stands alone

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

corio::coro<bool> acquire_and_record(corio::semaphore& sem, std::vector<int>& out, int tag) {
    co_await sem.acquire();
    out.push_back(tag);
    co_return true;
}

corio::coro<void> acquire_only(corio::semaphore& sem) { co_await sem.acquire(); }

}  // namespace

TEST(sync_semaphore, initial_value_zero) {  // test_initial_value_zero
    corio::semaphore sem(0);
    EXPECT_TRUE(sem.locked());
}

TEST(sync_semaphore, default_value) {  // test_semaphore
    corio::semaphore sem;
    EXPECT_EQ(sem.value(), 1u);
    EXPECT_FALSE(sem.locked());
}

TEST(sync_semaphore, negative_value) {  // test_semaphore_value
    EXPECT_THROW(corio::semaphore(-1), std::invalid_argument);
    EXPECT_THROW(corio::bounded_semaphore(-1), std::invalid_argument);
}

TEST(sync_semaphore, acquire) {  // test_acquire
    run_virtual([]() -> corio::coro<void> {
        corio::semaphore sem(3);
        std::vector<int> result;
        EXPECT_TRUE(co_await sem.acquire());
        EXPECT_TRUE(co_await sem.acquire());
        EXPECT_FALSE(sem.locked());

        auto t1 = corio::create_task(acquire_and_record(sem, result, 1));
        auto t2 = corio::create_task(acquire_and_record(sem, result, 2));
        auto t3 = corio::create_task(acquire_and_record(sem, result, 3));
        co_await yield();
        EXPECT_EQ(result, (std::vector<int>{1}));
        EXPECT_TRUE(sem.locked());
        EXPECT_EQ(sem.waiters(), 2u);
        EXPECT_EQ(sem.value(), 0u);

        auto t4 = corio::create_task(acquire_and_record(sem, result, 4));
        sem.release();
        sem.release();
        EXPECT_EQ(sem.value(), 0u);  // handed straight to t2 and t3

        co_await yield();
        EXPECT_EQ(sem.value(), 0u);
        EXPECT_EQ(result.size(), 3u);
        EXPECT_TRUE(sem.locked());
        EXPECT_EQ(sem.waiters(), 1u);
        EXPECT_TRUE(t1.done() && t1.result());
        int done = int(t2.done()) + int(t3.done()) + int(t4.done());
        EXPECT_EQ(done, 2);
        EXPECT_FALSE(t4.done());  // FIFO: the permits went to the tasks that waited

        sem.release();
        co_await t2;
        co_await t3;
        co_await t4;
    }());
}

TEST(sync_semaphore, acquire_cancel) {  // test_acquire_cancel
    run_virtual([]() -> corio::coro<void> {
        corio::semaphore sem;
        co_await sem.acquire();
        auto acquire = corio::create_task(acquire_only(sem));
        corio::get_running_loop().call_soon([acquire]() mutable { acquire.cancel(); });
        EXPECT_THROW(co_await acquire, corio::cancelled_error);
        EXPECT_EQ(sem.waiters(), 0u);
        EXPECT_EQ(sem.value(), 0u);
    }());
}

TEST(sync_semaphore, acquire_cancel_before_awoken) {  // test_acquire_cancel_before_awoken
    run_virtual([]() -> corio::coro<void> {
        corio::semaphore sem(0);
        auto t1 = corio::create_task(acquire_only(sem));
        auto t2 = corio::create_task(acquire_only(sem));
        auto t3 = corio::create_task(acquire_only(sem));
        auto t4 = corio::create_task(acquire_only(sem));
        co_await yield();

        t1.cancel();
        t2.cancel();
        sem.release();
        co_await yield();
        co_await yield();
        EXPECT_TRUE(t3.done());
        EXPECT_FALSE(t4.done());

        t3.cancel();
        t4.cancel();
        co_await yield();
        EXPECT_TRUE(t4.cancelled());
    }());
}

TEST(sync_semaphore, acquire_hang) {  // test_acquire_hang
    run_virtual([]() -> corio::coro<void> {
        corio::semaphore sem(0);
        auto t1 = corio::create_task(acquire_only(sem));
        auto t2 = corio::create_task(acquire_only(sem));
        co_await yield();

        t1.cancel();
        sem.release();
        co_await yield();
        co_await yield();
        EXPECT_TRUE(sem.locked());
        EXPECT_TRUE(t2.done());
    }());
}

TEST(sync_semaphore, acquire_no_hang) {  // test_acquire_no_hang
    run_virtual([]() -> corio::coro<void> {
        corio::semaphore sem(1);
        corio::task<void> t2;
        auto c1 = [](corio::semaphore& sem, corio::task<void>& t2) -> corio::coro<void> {
            {
                auto permit = co_await sem.scoped();
                co_await yield();
            }
            t2.cancel();  // t2 was handed the permit but has not run yet
        };
        auto c2 = [](corio::semaphore& sem) -> corio::coro<void> {
            auto permit = co_await sem.scoped();
            ADD_FAILURE() << "c2 should have been cancelled";
        };
        auto t1 = corio::create_task(c1(sem, t2));
        t2 = corio::create_task(c2(sem));
        auto results = co_await corio::gather(corio::return_exceptions, t1, t2);
        EXPECT_TRUE(std::get<0>(results).has_value());
        EXPECT_THROW(std::get<1>(results).value(), corio::cancelled_error);

        // The permit t2 could not use came back.
        EXPECT_FALSE(sem.locked());
        co_await sem.acquire();
    }());
}

TEST(sync_semaphore, bounded_release_not_acquired) {  // test_release_not_acquired
    corio::bounded_semaphore sem;
    EXPECT_THROW(sem.release(), std::invalid_argument);
    try {
        sem.release();
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("released too many times"), std::string::npos);
    }
}

TEST(sync_semaphore, bounded_counts_permits_in_transit) {
    run_virtual([]() -> corio::coro<void> {
        corio::bounded_semaphore sem(1);
        co_await sem.acquire();
        auto t = corio::create_task(acquire_only(static_cast<corio::semaphore&>(sem)));
        co_await yield();
        sem.release();  // hands the only permit to t
        EXPECT_THROW(sem.release(), std::invalid_argument);  // nobody holds one now
        co_await t;
        sem.release();
        EXPECT_THROW(sem.release(), std::invalid_argument);
    }());
}

TEST(sync_semaphore, release_no_waiters) {  // test_release_no_waiters
    run_virtual([]() -> corio::coro<void> {
        corio::semaphore sem;
        co_await sem.acquire();
        EXPECT_TRUE(sem.locked());
        sem.release();
        EXPECT_FALSE(sem.locked());
    }());
}

TEST(sync_semaphore, acquire_fifo_order) {  // test_acquire_fifo_order
    run_virtual([]() -> corio::coro<void> {
        corio::semaphore sem(1);
        std::vector<std::string> result;
        auto c = [](corio::semaphore& sem, std::vector<std::string>& result, std::string tag) -> corio::coro<void> {
            co_await sem.acquire();
            result.push_back(tag + "_1");
            co_await corio::sleep(10ms);
            sem.release();

            co_await sem.acquire();
            result.push_back(tag + "_2");
            co_await corio::sleep(10ms);
            sem.release();
        };
        auto t1 = corio::create_task(c(sem, result, "c1"));
        auto t2 = corio::create_task(c(sem, result, "c2"));
        auto t3 = corio::create_task(c(sem, result, "c3"));
        co_await corio::gather(t1, t2, t3);
        const std::vector<std::string> expected{"c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"};
        EXPECT_EQ(result, expected);
    }());
}

TEST(sync_semaphore, acquire_fifo_order_2) {  // test_acquire_fifo_order_2
    run_virtual([]() -> corio::coro<void> {
        corio::semaphore sem(1);
        std::vector<int> result;
        auto c2 = [](corio::semaphore& sem, std::vector<int>& result) -> corio::coro<bool> {
            co_await sem.acquire();
            result.push_back(2);
            sem.release();
            co_await sem.acquire();
            result.push_back(4);
            co_return true;
        };
        auto t1 = corio::create_task(acquire_and_record(sem, result, 1));
        auto t2 = corio::create_task(c2(sem, result));
        auto t3 = corio::create_task(acquire_and_record(sem, result, 3));
        co_await yield();
        sem.release();
        sem.release();
        co_await corio::gather(t1, t2, t3);
        EXPECT_EQ(result, (std::vector<int>{1, 2, 3, 4}));
    }());
}

TEST(sync_semaphore, acquire_fifo_order_3) {  // test_acquire_fifo_order_3
    run_virtual([]() -> corio::coro<void> {
        corio::semaphore sem(0);
        std::vector<int> result;
        auto t1 = corio::create_task(acquire_and_record(sem, result, 1));
        auto t2 = corio::create_task(acquire_and_record(sem, result, 2));
        auto t3 = corio::create_task(acquire_and_record(sem, result, 3));
        co_await yield();
        t1.cancel();
        co_await yield();
        sem.release();
        sem.release();
        co_await corio::gather(corio::return_exceptions, t1, t2, t3);
        EXPECT_EQ(result, (std::vector<int>{2, 3}));
    }());
}

TEST(sync_semaphore, acquire_fifo_order_4) {  // test_acquire_fifo_order_4
    run_virtual([]() -> corio::coro<void> {
        // A successful acquire() wakes the tasks that queued up behind it
        // while permits were free (FIFO rules made them wait).
        corio::semaphore sem(0);
        std::vector<int> result;
        corio::task<bool> t4;
        auto c4 = [](std::vector<int>& result) -> corio::coro<bool> {
            result.push_back(4);
            co_return true;
        };
        auto c1 = [](corio::semaphore& sem, std::vector<int>& result, corio::task<bool>& t4,
                     decltype(c4)& c4) -> corio::coro<bool> {
            EXPECT_EQ(sem.value(), 0u);
            co_await sem.acquire();
            EXPECT_EQ(sem.value(), 0u);  // every queued task has been handed a permit
            t4 = corio::create_task(c4(result));  // runs after c3, not c2
            result.push_back(1);
            co_return true;
        };
        auto c2 = [](corio::semaphore& sem, std::vector<int>& result) -> corio::coro<bool> {
            sem.release();
            sem.release();
            sem.release();
            EXPECT_EQ(sem.value(), 2u);
            EXPECT_TRUE(sem.locked());  // c1 has been woken but has not run
            co_await sem.acquire();
            result.push_back(2);
            co_return true;
        };
        auto c3 = [](corio::semaphore& sem, std::vector<int>& result) -> corio::coro<bool> {
            co_await sem.acquire();
            EXPECT_TRUE(sem.locked());
            result.push_back(3);
            co_return true;
        };
        auto t1 = corio::create_task(c1(sem, result, t4, c4));
        auto t2 = corio::create_task(c2(sem, result));
        auto t3 = corio::create_task(c3(sem, result));
        co_await yield();
        EXPECT_EQ(sem.value(), 2u);
        EXPECT_EQ(sem.waiters(), 2u);  // c2 and c3; c1 is on its way
        co_await yield();
        co_await corio::gather(t1, t2, t3, t4);
        EXPECT_EQ(result, (std::vector<int>{1, 2, 3, 4}));
    }());
}

TEST(sync_semaphore, scoped_permit) {
    run_virtual([]() -> corio::coro<void> {
        corio::semaphore sem(2);
        {
            auto a = co_await sem.scoped();
            auto b = co_await sem.scoped();
            EXPECT_TRUE(sem.locked());
            EXPECT_EQ(sem.value(), 0u);
        }
        EXPECT_EQ(sem.value(), 2u);
        corio::bounded_semaphore bounded(1);
        {
            auto p = co_await bounded.scoped();
            EXPECT_TRUE(bounded.locked());
        }
        EXPECT_FALSE(bounded.locked());
        EXPECT_THROW(bounded.release(), std::invalid_argument);
    }());
}

TEST(sync_semaphore, limits_concurrency) {
    run_virtual([]() -> corio::coro<void> {
        corio::semaphore sem(3);
        int inside = 0;
        int peak = 0;
        auto worker = [](corio::semaphore& sem, int& inside, int& peak, int i) -> corio::coro<void> {
            auto permit = co_await sem.scoped();
            ++inside;
            peak = std::max(peak, inside);
            co_await corio::sleep(std::chrono::milliseconds(1 + i % 4));
            --inside;
        };
        std::vector<corio::task<void>> tasks;
        for (int i = 0; i < 20; ++i) tasks.push_back(corio::create_task(worker(sem, inside, peak, i)));
        co_await corio::gather(std::move(tasks));
        EXPECT_EQ(peak, 3);
        EXPECT_EQ(sem.value(), 3u);
    }());
}

TEST(sync_semaphore, any_integer_type_braced) {
    const std::size_t n = 2;
    corio::semaphore s{n};
    corio::bounded_semaphore b{n};
    EXPECT_EQ(s.value(), 2u);
    EXPECT_EQ(b.value(), 2u);
    const long long negative = -3;
    EXPECT_THROW(corio::semaphore{negative}, std::invalid_argument);
}
