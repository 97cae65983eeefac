// Fairness and cancellation safety of every primitive: waiters are served in
// FIFO order; a waiter cancelled while queued never takes the lock, permit
// or item; a waiter cancelled at the moment it is woken passes the wake-up on
// (the "cancelled waiter swallows the notify" bug); a randomized stress test
// checks the invariants under many cancellations.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include <corio/corio.hpp>
#include <corio/sync/condition.hpp>
#include <corio/sync/event.hpp>
#include <corio/sync/lock.hpp>
#include <corio/sync/queue.hpp>
#include <corio/sync/semaphore.hpp>

#include "sync_support.hpp"

using namespace std::chrono_literals;
using sync_test::run_virtual;
using sync_test::yield;

namespace {

corio::coro<void> lock_and_record(corio::lock& l, std::vector<int>& order, int id) {
    auto g = co_await l.scoped();
    order.push_back(id);
}

corio::coro<void> permit_and_record(corio::semaphore& s, std::vector<int>& order, int id) {
    auto g = co_await s.scoped();
    order.push_back(id);
}

corio::coro<void> get_and_record(corio::queue<int>& q, std::vector<std::pair<int, int>>& got, int id) {
    const int item = co_await q.get();
    got.emplace_back(id, item);
}

corio::coro<void> put_and_record(corio::queue<int>& q, std::vector<int>& order, int id) {
    co_await q.put(id);
    order.push_back(id);
}

}  // namespace

// --- FIFO ---------------------------------------------------------------------

TEST(sync_fairness, lock_waiters_fifo) {
    run_virtual([]() -> corio::coro<void> {
        corio::lock l;
        std::vector<int> order;
        auto holder = co_await l.scoped();
        std::vector<corio::task<void>> tasks;
        for (int i = 0; i < 8; ++i) {
            tasks.push_back(corio::create_task(lock_and_record(l, order, i)));
            co_await yield();  // arrival order is creation order
        }
        holder.release();
        co_await corio::gather(std::move(tasks));
        EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
    }());
}

TEST(sync_fairness, semaphore_waiters_fifo) {
    run_virtual([]() -> corio::coro<void> {
        corio::semaphore s(0);
        std::vector<int> order;
        std::vector<corio::task<void>> tasks;
        for (int i = 0; i < 8; ++i) tasks.push_back(corio::create_task(permit_and_record(s, order, i)));
        co_await yield();
        for (int i = 0; i < 8; ++i) s.release();
        co_await corio::gather(std::move(tasks));
        EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
    }());
}

TEST(sync_fairness, queue_getters_fifo) {
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q;
        std::vector<std::pair<int, int>> got;
        std::vector<corio::task<void>> tasks;
        for (int i = 0; i < 5; ++i) tasks.push_back(corio::create_task(get_and_record(q, got, i)));
        co_await yield();
        for (int i = 0; i < 5; ++i) q.put_nowait(100 + i);
        co_await corio::gather(std::move(tasks));
        const std::vector<std::pair<int, int>> expected{{0, 100}, {1, 101}, {2, 102}, {3, 103}, {4, 104}};
        EXPECT_EQ(got, expected);
    }());
}

TEST(sync_fairness, queue_putters_fifo) {
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q(1);
        q.put_nowait(-1);
        std::vector<int> order;
        std::vector<corio::task<void>> tasks;
        for (int i = 0; i < 5; ++i) tasks.push_back(corio::create_task(put_and_record(q, order, i)));
        co_await yield();
        std::vector<int> items;
        for (int i = 0; i < 6; ++i) items.push_back(co_await q.get());
        co_await corio::gather(std::move(tasks));
        EXPECT_EQ(items, (std::vector<int>{-1, 0, 1, 2, 3, 4}));
        EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
    }());
}

TEST(sync_fairness, queue_newcomer_does_not_take_a_woken_getters_item) {
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q;
        std::vector<std::pair<int, int>> got;
        auto first = corio::create_task(get_and_record(q, got, 1));
        co_await yield();
        q.put_nowait(10);  // promised to `first`, which has not run yet
        auto second = corio::create_task(get_and_record(q, got, 2));
        co_await yield();
        q.put_nowait(20);
        co_await first;
        co_await second;
        const std::vector<std::pair<int, int>> expected{{1, 10}, {2, 20}};
        EXPECT_EQ(got, expected);
    }());
}

TEST(sync_fairness, queue_getter_robbed_by_get_nowait_keeps_its_place) {
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q;
        std::vector<std::pair<int, int>> got;
        auto first = corio::create_task(get_and_record(q, got, 1));
        auto second = corio::create_task(get_and_record(q, got, 2));
        co_await yield();
        q.put_nowait(10);                // wakes `first`...
        EXPECT_EQ(q.get_nowait(), 10);   // ...but get_nowait takes the item (asyncio allows it)
        co_await yield();                // `first` finds nothing and waits again, at the head
        EXPECT_EQ(q.getters(), 2u);
        q.put_nowait(20);
        q.put_nowait(30);
        co_await first;
        co_await second;
        const std::vector<std::pair<int, int>> expected{{1, 20}, {2, 30}};
        EXPECT_EQ(got, expected);
    }());
}

// --- Cancelled while queued: takes nothing, the next waiter is served ----------

TEST(sync_fairness, lock_cancelled_in_line_never_acquires) {
    run_virtual([]() -> corio::coro<void> {
        corio::lock l;
        std::vector<int> order;
        auto holder = co_await l.scoped();
        auto a = corio::create_task(lock_and_record(l, order, 1));
        auto b = corio::create_task(lock_and_record(l, order, 2));
        auto c = corio::create_task(lock_and_record(l, order, 3));
        co_await yield();
        b.cancel();
        co_await yield();
        EXPECT_EQ(l.waiters(), 2u);
        holder.release();
        co_await a;
        co_await c;
        EXPECT_THROW(co_await b, corio::cancelled_error);
        EXPECT_EQ(order, (std::vector<int>{1, 3}));
        EXPECT_FALSE(l.locked());
    }());
}

TEST(sync_fairness, semaphore_cancelled_in_line_never_takes_a_permit) {
    run_virtual([]() -> corio::coro<void> {
        corio::semaphore s(0);
        std::vector<int> order;
        auto a = corio::create_task(permit_and_record(s, order, 1));
        auto b = corio::create_task(permit_and_record(s, order, 2));
        co_await yield();
        a.cancel();
        co_await yield();
        s.release();
        co_await b;
        EXPECT_THROW(co_await a, corio::cancelled_error);
        EXPECT_EQ(order, (std::vector<int>{2}));
        EXPECT_EQ(s.value(), 1u);  // b gave its permit back through the guard
    }());
}

TEST(sync_fairness, queue_get_cancelled_in_line_takes_no_item) {
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q;
        std::vector<std::pair<int, int>> got;
        auto a = corio::create_task(get_and_record(q, got, 1));
        auto b = corio::create_task(get_and_record(q, got, 2));
        co_await yield();
        a.cancel();
        co_await yield();
        q.put_nowait(7);
        co_await b;
        EXPECT_THROW(co_await a, corio::cancelled_error);
        const std::vector<std::pair<int, int>> expected{{2, 7}};
        EXPECT_EQ(got, expected);
    }());
}

TEST(sync_fairness, queue_put_cancelled_in_line_puts_nothing) {
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q(1);
        q.put_nowait(0);
        std::vector<int> order;
        auto a = corio::create_task(put_and_record(q, order, 1));
        auto b = corio::create_task(put_and_record(q, order, 2));
        co_await yield();
        a.cancel();
        co_await yield();
        EXPECT_EQ(q.get_nowait(), 0);
        co_await b;
        EXPECT_THROW(co_await a, corio::cancelled_error);
        EXPECT_EQ(q.get_nowait(), 2);
        EXPECT_TRUE(q.empty());
    }());
}

// --- Cancelled at the moment of the wake-up: the wake-up is passed on ----------

TEST(sync_fairness, lock_woken_then_cancelled_passes_the_lock_on) {
    run_virtual([]() -> corio::coro<void> {
        corio::lock l;
        std::vector<int> order;
        auto holder = co_await l.scoped();
        auto a = corio::create_task(lock_and_record(l, order, 1));
        auto b = corio::create_task(lock_and_record(l, order, 2));
        co_await yield();
        holder.release();  // wakes a
        a.cancel();        // before a runs
        co_await b;
        EXPECT_THROW(co_await a, corio::cancelled_error);
        EXPECT_EQ(order, (std::vector<int>{2}));
        EXPECT_FALSE(l.locked());
    }());
}

TEST(sync_fairness, semaphore_woken_then_cancelled_passes_the_permit_on) {
    run_virtual([]() -> corio::coro<void> {
        corio::semaphore s(0);
        std::vector<int> order;
        auto a = corio::create_task(permit_and_record(s, order, 1));
        auto b = corio::create_task(permit_and_record(s, order, 2));
        co_await yield();
        s.release();  // hands the permit to a
        a.cancel();   // before a runs
        co_await b;
        EXPECT_THROW(co_await a, corio::cancelled_error);
        EXPECT_EQ(order, (std::vector<int>{2}));
        EXPECT_EQ(s.value(), 1u);
    }());
}

TEST(sync_fairness, condition_notified_then_cancelled_passes_the_notify_on) {
    run_virtual([]() -> corio::coro<void> {
        corio::condition cv;
        int items = 0;
        std::vector<int> consumed_by;
        auto consumer = [](corio::condition& cv, int& items, std::vector<int>& consumed_by, int id) -> corio::coro<void> {
            auto g = co_await cv.scoped();
            co_await cv.wait_for([&items] { return items > 0; });
            --items;
            consumed_by.push_back(id);
        };
        auto a = corio::create_task(consumer(cv, items, consumed_by, 1));
        auto b = corio::create_task(consumer(cv, items, consumed_by, 2));
        co_await yield();
        {
            auto g = co_await cv.scoped();
            ++items;
            cv.notify(1);  // one notification, for a...
            a.cancel();    // ...which is cancelled before it runs
        }
        co_await b;  // b must get the notification a could not use
        EXPECT_THROW(co_await a, corio::cancelled_error);
        EXPECT_EQ(consumed_by, (std::vector<int>{2}));
        EXPECT_EQ(items, 0);
    }());
}

TEST(sync_fairness, queue_get_cancelled_as_item_arrives_leaves_the_item) {
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q;
        std::vector<std::pair<int, int>> got;
        auto a = corio::create_task(get_and_record(q, got, 1));
        auto b = corio::create_task(get_and_record(q, got, 2));
        co_await yield();
        q.put_nowait(42);  // wakes a
        a.cancel();        // at the same moment
        co_await b;        // the item went to b instead
        EXPECT_THROW(co_await a, corio::cancelled_error);
        const std::vector<std::pair<int, int>> expected{{2, 42}};
        EXPECT_EQ(got, expected);

        // With nobody else waiting, the item stays in the queue.
        auto c = corio::create_task(get_and_record(q, got, 3));
        co_await yield();
        q.put_nowait(43);
        c.cancel();
        EXPECT_THROW(co_await c, corio::cancelled_error);
        EXPECT_EQ(q.qsize(), 1u);
        EXPECT_EQ(q.get_nowait(), 43);
    }());
}

TEST(sync_fairness, queue_put_cancelled_as_slot_frees_passes_the_slot_on) {
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q(1);
        q.put_nowait(0);
        std::vector<int> order;
        auto a = corio::create_task(put_and_record(q, order, 1));
        auto b = corio::create_task(put_and_record(q, order, 2));
        co_await yield();
        EXPECT_EQ(q.get_nowait(), 0);  // frees the slot for a
        a.cancel();                    // at the same moment
        co_await b;
        EXPECT_THROW(co_await a, corio::cancelled_error);
        EXPECT_EQ(order, (std::vector<int>{2}));
        EXPECT_EQ(q.get_nowait(), 2);
    }());
}

// --- Randomized stress: many tasks, random cancellations ----------------------

namespace {

struct stress_state {
    corio::lock lock;
    corio::semaphore sem{3};
    corio::queue<int> q{4};
    int inside_lock = 0;
    int inside_sem = 0;
    int max_inside_sem = 0;
    long consumed_sum = 0;
    int consumed = 0;
    bool lock_violated = false;
};

// Counts the tasks inside a section, also when one leaves it by cancellation.
struct inside {
    int& n;
    explicit inside(int& count) : n(++count) {}
    ~inside() { --n; }
};

corio::coro<void> stress_worker(stress_state& s, unsigned seed) {
    std::mt19937 rng(seed);
    for (int i = 0; i < 50; ++i) {
        {
            auto g = co_await s.lock.scoped();
            inside in(s.inside_lock);
            if (s.inside_lock != 1) s.lock_violated = true;
            co_await corio::sleep(std::chrono::microseconds(rng() % 3));
        }
        {
            auto p = co_await s.sem.scoped();
            inside in(s.inside_sem);
            s.max_inside_sem = std::max(s.max_inside_sem, s.inside_sem);
            co_await corio::sleep(std::chrono::microseconds(rng() % 5));
        }
    }
}

corio::coro<void> stress_producer(stress_state& s, int from, int count) {
    for (int i = from; i < from + count; ++i) co_await s.q.put(i);
}

corio::coro<void> stress_consumer(stress_state& s) {
    for (;;) {
        const int item = co_await s.q.get();
        s.consumed_sum += item;
        ++s.consumed;
        s.q.task_done();
    }
}

}  // namespace

TEST(sync_fairness, stress_random_cancellations_keep_invariants) {
    for (unsigned seed = 1; seed <= 5; ++seed) {
        run_virtual([](unsigned seed) -> corio::coro<void> {
            stress_state s;
            std::mt19937 rng(seed);
            std::vector<corio::task<void>> workers;
            for (unsigned i = 0; i < 12; ++i) workers.push_back(corio::create_task(stress_worker(s, seed * 100 + i)));
            std::vector<corio::task<void>> consumers;
            for (int i = 0; i < 6; ++i) consumers.push_back(corio::create_task(stress_consumer(s)));
            std::vector<corio::task<void>> producers;
            for (int p = 0; p < 4; ++p) producers.push_back(corio::create_task(stress_producer(s, p * 1000, 200)));

            // Cancel random workers and consumers at random moments.
            int cancelled_consumers = 0;
            for (int round = 0; round < 40; ++round) {
                co_await corio::sleep(std::chrono::microseconds(rng() % 7));
                workers[rng() % workers.size()].cancel();
                if (cancelled_consumers < 4 && rng() % 4 == 0) {
                    auto& c = consumers[rng() % consumers.size()];
                    if (!c.done()) {
                        c.cancel();
                        ++cancelled_consumers;
                    }
                }
            }
            co_await corio::gather(corio::return_exceptions, std::move(workers));
            co_await corio::gather(std::move(producers));
            co_await s.q.join();  // every item put was consumed exactly once

            long expected_sum = 0;
            for (int p = 0; p < 4; ++p)
                for (int i = p * 1000; i < p * 1000 + 200; ++i) expected_sum += i;
            EXPECT_EQ(s.consumed, 800);
            EXPECT_EQ(s.consumed_sum, expected_sum);
            EXPECT_FALSE(s.lock_violated);
            EXPECT_LE(s.max_inside_sem, 3);
            EXPECT_FALSE(s.lock.locked());
            EXPECT_EQ(s.sem.value(), 3u);  // no permit lost to a cancellation
            EXPECT_TRUE(s.q.empty());
            for (auto& c : consumers) c.cancel();
            co_await corio::gather(corio::return_exceptions, std::move(consumers));
        }(seed));
    }
}
