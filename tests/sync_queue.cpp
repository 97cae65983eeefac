// corio::queue / lifo_queue / priority_queue: a port of CPython's
// test_queues.py (basic, get, put, LIFO, priority and join tests), plus
// move-only and counting item types.
#include <corio/sync/queue.hpp>  // first: the header stands alone

#include <gtest/gtest.h>

#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include <corio/corio.hpp>

#include "sync_support.hpp"

using namespace std::chrono_literals;
using sync_test::counted;
using sync_test::move_only;
using sync_test::run_virtual;
using sync_test::yield;

namespace {

template <class Q, class T>
corio::coro<void> put_one(Q& q, T v) {
    co_await q.put(std::move(v));
}

template <class Q>
corio::coro<typename Q::value_type> get_one(Q& q) {
    co_return co_await q.get();
}

template <class T>
struct fifo : corio::queue<T> {
    using value_type = T;
    using corio::queue<T>::queue;
};
template <class T>
struct lifo : corio::lifo_queue<T> {
    using value_type = T;
    using corio::lifo_queue<T>::lifo_queue;
};
template <class T>
struct prio : corio::priority_queue<T> {
    using value_type = T;
    using corio::priority_queue<T>::priority_queue;
};

}  // namespace

// --- QueueBasicTests ---------------------------------------------------------

TEST(sync_queue, empty) {  // test_empty
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q;
        EXPECT_TRUE(q.empty());
        co_await q.put(1);
        EXPECT_FALSE(q.empty());
        EXPECT_EQ(co_await q.get(), 1);
        EXPECT_TRUE(q.empty());
    }());
}

TEST(sync_queue, maxsize_of_any_integer_type) {
    const std::size_t n = 3;
    corio::queue<int> q{n};
    EXPECT_EQ(q.maxsize(), 3);
    corio::lifo_queue<int> unbounded{-1};  // <= 0: unbounded, as asyncio
    for (int i = 0; i < 100; ++i) unbounded.put_nowait(i);
    EXPECT_FALSE(unbounded.full());
}

TEST(sync_queue, full) {  // test_full
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> unbounded;
        EXPECT_FALSE(unbounded.full());
        corio::queue<int> q(1);
        co_await q.put(1);
        EXPECT_TRUE(q.full());
    }());
}

TEST(sync_queue, order) {  // test_order
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q;
        for (int i : {1, 3, 2}) co_await q.put(i);
        std::vector<int> items;
        for (int i = 0; i < 3; ++i) items.push_back(co_await q.get());
        EXPECT_EQ(items, (std::vector<int>{1, 3, 2}));
    }());
}

TEST(sync_queue, maxsize) {  // test_maxsize
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q(2);
        EXPECT_EQ(q.maxsize(), 2);
        std::vector<int> have_been_put;
        auto putter = [](corio::queue<int>& q, std::vector<int>& have_been_put) -> corio::coro<bool> {
            for (int i = 0; i < 3; ++i) {
                co_await q.put(i);
                have_been_put.push_back(i);
            }
            co_return true;
        };
        auto t = corio::create_task(putter(q, have_been_put));
        for (int i = 0; i < 2; ++i) co_await yield();

        EXPECT_EQ(have_been_put, (std::vector<int>{0, 1}));  // blocked after two items
        EXPECT_EQ(co_await q.get(), 0);

        co_await yield();  // the putter resumes and puts the last item
        EXPECT_EQ(have_been_put, (std::vector<int>{0, 1, 2}));
        EXPECT_EQ(co_await q.get(), 1);
        EXPECT_EQ(co_await q.get(), 2);
        EXPECT_TRUE(t.done() && t.result());
    }());
}

// --- QueueGetTests -----------------------------------------------------------

TEST(sync_queue, blocking_get) {  // test_blocking_get
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q;
        q.put_nowait(1);
        EXPECT_EQ(co_await q.get(), 1);
    }());
}

TEST(sync_queue, blocking_get_wait) {  // test_blocking_get_wait
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q;
        corio::event started;
        bool finished = false;
        auto queue_get = [](corio::queue<int>& q, corio::event& started, bool& finished) -> corio::coro<int> {
            started.set();
            const int res = co_await q.get();
            finished = true;
            co_return res;
        };
        auto task = corio::create_task(queue_get(q, started, finished));
        co_await started.wait();
        EXPECT_FALSE(finished);
        auto& loop = corio::get_running_loop();
        const auto start = loop.time();
        loop.call_later(10ms, [&q] { q.put_nowait(1); });
        const int res = co_await task;
        EXPECT_TRUE(finished);
        EXPECT_EQ(res, 1);
        EXPECT_EQ(loop.time() - start, 10ms);
    }());
}

TEST(sync_queue, nonblocking_get) {  // test_nonblocking_get, test_nonblocking_get_exception
    corio::queue<int> q;
    q.put_nowait(1);
    EXPECT_EQ(q.get_nowait(), 1);
    EXPECT_THROW(q.get_nowait(), corio::queue_empty);
}

TEST(sync_queue, get_cancelled_race) {  // test_get_cancelled_race
    run_virtual([]() -> corio::coro<void> {
        corio::queue<std::string> q;
        auto t1 = corio::create_task(get_one(q));
        auto t2 = corio::create_task(get_one(q));
        co_await yield();
        t1.cancel();
        co_await yield();
        EXPECT_TRUE(t1.done());
        co_await q.put("a");
        co_await yield();
        EXPECT_EQ(co_await t2, "a");
    }());
}

TEST(sync_queue, get_with_waiting_putters) {  // test_get_with_waiting_putters
    run_virtual([]() -> corio::coro<void> {
        corio::queue<std::string> q(1);
        auto p1 = corio::create_task(put_one(q, std::string("a")));
        auto p2 = corio::create_task(put_one(q, std::string("b")));
        EXPECT_EQ(co_await q.get(), "a");
        EXPECT_EQ(co_await q.get(), "b");
        co_await p1;
        co_await p2;
    }());
}

TEST(sync_queue, why_are_getters_waiting) {  // test_why_are_getters_waiting
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q(1);
        auto producer = [](corio::queue<int>& q, int n) -> corio::coro<void> {
            for (int i = 0; i < n; ++i) co_await q.put(i);
        };
        auto consumer = [](corio::queue<int>& q, int n) -> corio::coro<void> {
            for (int i = 0; i < n; ++i) co_await q.get();
        };
        auto a = corio::create_task(producer(q, 5));
        auto b = corio::create_task(consumer(q, 5));
        co_await corio::gather(a, b);
        EXPECT_TRUE(q.empty());
    }());
}

TEST(sync_queue, cancelled_getters_not_held) {  // test_cancelled_getters_not_being_held_in_self_getters
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q(5);
        auto t = corio::create_task(get_one(q));
        co_await corio::sleep(100ms);
        EXPECT_EQ(q.getters(), 1u);
        t.cancel();
        EXPECT_THROW(co_await t, corio::cancelled_error);
        EXPECT_EQ(q.getters(), 0u);
    }());
}

// --- QueuePutTests -----------------------------------------------------------

TEST(sync_queue, blocking_put) {  // test_blocking_put
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q;
        co_await q.put(1);  // unbounded: does not block
        EXPECT_EQ(co_await q.get(), 1);
    }());
}

TEST(sync_queue, blocking_put_wait) {  // test_blocking_put_wait
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q(1);
        corio::event started;
        bool finished = false;
        auto queue_put = [](corio::queue<int>& q, corio::event& started, bool& finished) -> corio::coro<void> {
            started.set();
            co_await q.put(1);
            co_await q.put(2);
            finished = true;
        };
        auto& loop = corio::get_running_loop();
        loop.call_later(10ms, [&q] { q.get_nowait(); });
        auto task = corio::create_task(queue_put(q, started, finished));
        co_await started.wait();
        EXPECT_FALSE(finished);
        co_await task;
        EXPECT_TRUE(finished);
        EXPECT_EQ(loop.time(), corio::clock::time_point(10ms));
    }());
}

TEST(sync_queue, nonblocking_put) {  // test_nonblocking_put, test_nonblocking_put_exception
    corio::queue<int> q(1);
    q.put_nowait(1);
    EXPECT_THROW(q.put_nowait(2), corio::queue_full);
    EXPECT_EQ(q.get_nowait(), 1);
}

TEST(sync_queue, get_cancel_drop_one_pending_reader) {  // test_get_cancel_drop_one_pending_reader
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q;
        auto reader = corio::create_task(get_one(q));
        co_await yield();
        q.put_nowait(1);  // wakes the reader...
        q.put_nowait(2);
        reader.cancel();  // ...which is cancelled before it runs
        int result = 0;
        bool cancelled = false;
        try {
            result = co_await reader;
        } catch (const corio::cancelled_error&) {
            cancelled = true;
        }
        if (cancelled) {  // try again
            auto again = corio::create_task(get_one(q));
            result = co_await again;
        }
        EXPECT_EQ(result, 1);  // 2 would mean item 1 was dropped
        EXPECT_EQ(q.qsize(), 1u);
    }());
}

TEST(sync_queue, get_cancel_drop_many_pending_readers) {  // test_get_cancel_drop_many_pending_readers
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q;
        auto r1 = corio::create_task(get_one(q));
        auto r2 = corio::create_task(get_one(q));
        auto r3 = corio::create_task(get_one(q));
        co_await yield();
        q.put_nowait(1);
        q.put_nowait(2);
        r1.cancel();
        EXPECT_THROW(co_await r1, corio::cancelled_error);
        const int a = co_await r2;
        const int b = co_await r3;
        EXPECT_EQ(a + b, 3);  // {1, 2}: r1's item went to r3
        EXPECT_EQ(a, 1);      // and in order, since waiters are served FIFO
        EXPECT_TRUE(q.empty());
    }());
}

TEST(sync_queue, put_cancel_drop) {  // test_put_cancel_drop
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q(1);
        q.put_nowait(1);
        auto writer = corio::create_task(put_one(q, 2));  // blocks: qsize 1
        co_await yield();
        EXPECT_EQ(q.get_nowait(), 1);  // wakes the writer...
        writer.cancel();               // ...which is cancelled before it runs
        bool cancelled = false;
        try {
            co_await writer;
        } catch (const corio::cancelled_error&) {
            cancelled = true;
        }
        if (cancelled) {  // try again
            auto again = corio::create_task(put_one(q, 2));
            co_await again;
        }
        EXPECT_EQ(q.get_nowait(), 2);
        EXPECT_EQ(q.qsize(), 0u);
    }());
}

TEST(sync_queue, put_cancelled) {  // test_put_cancelled
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q;
        auto t = corio::create_task(put_one(q, 1));
        EXPECT_EQ(co_await q.get(), 1);
        EXPECT_TRUE(t.done());
    }());
}

TEST(sync_queue, put_cancelled_race) {  // test_put_cancelled_race
    run_virtual([]() -> corio::coro<void> {
        corio::queue<std::string> q(1);
        auto put_a = corio::create_task(put_one(q, std::string("a")));
        auto put_b = corio::create_task(put_one(q, std::string("b")));
        auto put_c = corio::create_task(put_one(q, std::string("X")));
        co_await yield();
        EXPECT_TRUE(put_a.done());
        EXPECT_FALSE(put_b.done());

        put_c.cancel();
        co_await yield();
        EXPECT_TRUE(put_c.done());
        EXPECT_EQ(q.get_nowait(), "a");
        co_await yield();
        EXPECT_EQ(q.get_nowait(), "b");
        co_await put_b;
    }());
}

TEST(sync_queue, put_with_waiting_getters) {  // test_put_with_waiting_getters
    run_virtual([]() -> corio::coro<void> {
        corio::queue<std::string> q;
        auto t = corio::create_task(get_one(q));
        co_await yield();
        co_await q.put("a");
        EXPECT_EQ(co_await t, "a");
    }());
}

TEST(sync_queue, why_are_putters_waiting) {  // test_why_are_putters_waiting
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q(2);
        auto getter = [](corio::queue<int>& q) -> corio::coro<void> {
            co_await yield();
            const std::size_t n = q.qsize();
            for (std::size_t i = 0; i < n; ++i) q.get_nowait();
        };
        auto g = corio::create_task(getter(q));
        std::vector<corio::task<void>> putters;
        for (int i = 0; i < 4; ++i) putters.push_back(corio::create_task(put_one(q, i)));
        co_await g;
        co_await corio::gather(std::move(putters));
        EXPECT_EQ(q.qsize(), 2u);
    }());
}

TEST(sync_queue, cancelled_puts_not_held) {  // test_cancelled_puts_not_being_held_in_self_putters
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q(1);
        q.put_nowait(1);
        auto put_task = corio::create_task(put_one(q, 1));
        co_await yield();
        EXPECT_EQ(q.putters(), 1u);
        put_task.cancel();
        EXPECT_THROW(co_await put_task, corio::cancelled_error);
        EXPECT_EQ(q.putters(), 0u);
    }());
}

TEST(sync_queue, cancelled_put_after_get_nowait) {  // test_cancelled_put_silence_value_error_exception
    run_virtual([]() -> corio::coro<void> {
        corio::queue<int> q(1);
        q.put_nowait(1);
        auto put_task = corio::create_task(put_one(q, 1));
        co_await yield();
        q.get_nowait();     // takes the putter off the line (woken)
        put_task.cancel();  // cancelled after that
        EXPECT_THROW(co_await put_task, corio::cancelled_error);
        EXPECT_TRUE(q.empty());
        q.put_nowait(7);  // the slot is free for others
    }());
}

// --- LifoQueueTests, PriorityQueueTests --------------------------------------

TEST(sync_queue, lifo_order) {
    run_virtual([]() -> corio::coro<void> {
        corio::lifo_queue<int> q;
        for (int i : {1, 3, 2}) co_await q.put(i);
        std::vector<int> items;
        for (int i = 0; i < 3; ++i) items.push_back(co_await q.get());
        EXPECT_EQ(items, (std::vector<int>{2, 3, 1}));
    }());
}

TEST(sync_queue, priority_order_smallest_first) {
    run_virtual([]() -> corio::coro<void> {
        corio::priority_queue<int> q;
        for (int i : {1, 3, 2}) co_await q.put(i);
        std::vector<int> items;
        for (int i = 0; i < 3; ++i) items.push_back(co_await q.get());
        EXPECT_EQ(items, (std::vector<int>{1, 2, 3}));

        corio::priority_queue<std::pair<int, std::string>> jobs;
        jobs.put_nowait({5, "low"});
        jobs.put_nowait({1, "urgent"});
        jobs.put_nowait({3, "normal"});
        EXPECT_EQ(jobs.get_nowait().second, "urgent");
        EXPECT_EQ(jobs.get_nowait().second, "normal");
        EXPECT_EQ(jobs.get_nowait().second, "low");

        corio::priority_queue<int, std::greater<int>> largest_first;
        for (int i : {1, 3, 2}) largest_first.put_nowait(i);
        EXPECT_EQ(largest_first.get_nowait(), 3);
    }());
}

// --- Move-only and counting items --------------------------------------------

template <class Q>
class sync_queue_kinds : public ::testing::Test {};
using queue_kinds = ::testing::Types<fifo<move_only>, lifo<move_only>, prio<move_only>>;
TYPED_TEST_SUITE(sync_queue_kinds, queue_kinds);

TYPED_TEST(sync_queue_kinds, move_only_items) {
    run_virtual([]() -> corio::coro<void> {
        TypeParam q(2);
        co_await q.put(std::make_unique<int>(1));
        q.put_nowait(std::make_unique<int>(2));
        auto getter = corio::create_task(get_one(q));
        auto a = co_await getter;
        auto b = q.get_nowait();
        EXPECT_EQ(*a + *b, 3);
        // Through the waiting paths too.
        auto g = corio::create_task(get_one(q));
        co_await yield();
        co_await q.put(std::make_unique<int>(7));
        EXPECT_EQ(*co_await g, 7);
        q.put_nowait(std::make_unique<int>(8));
        q.put_nowait(std::make_unique<int>(9));
        auto p = corio::create_task(put_one(q, std::make_unique<int>(10)));
        co_await yield();
        EXPECT_EQ(q.putters(), 1u);
        q.get_nowait();
        co_await p;
        EXPECT_EQ(q.qsize(), 2u);
    }());
}

TEST(sync_queue, counted_items_are_moved_not_copied) {
    counted::reset();
    run_virtual([]() -> corio::coro<void> {
        corio::queue<counted> q(1);
        q.put_nowait(counted(1));
        auto putter = corio::create_task(put_one(q, counted(2)));  // waits: full
        co_await yield();
        {
            counted a = co_await q.get();
            EXPECT_EQ(a.value, 1);
        }
        {
            counted b = co_await q.get();
            EXPECT_EQ(b.value, 2);
        }
        co_await putter;
        q.put_nowait(counted(3));
        q.shutdown(true);  // drops item 3
    }());
    EXPECT_EQ(counted::copies, 0);
    EXPECT_EQ(counted::alive(), 0);  // nothing leaked, nothing destroyed twice
}

TEST(sync_queue, counted_items_priority_and_lifo) {
    counted::reset();
    {
        corio::priority_queue<counted> pq;
        corio::lifo_queue<counted> lq;
        for (int i : {5, 1, 4, 2, 3}) {
            pq.put_nowait(counted(i));
            lq.put_nowait(counted(i));
        }
        EXPECT_EQ(pq.get_nowait().value, 1);
        EXPECT_EQ(lq.get_nowait().value, 3);
    }  // the rest are destroyed with the queues
    EXPECT_EQ(counted::copies, 0);
    EXPECT_EQ(counted::alive(), 0);
}

TEST(sync_queue, ring_grows_and_shrinks_without_losing_items) {
    counted::reset();
    {
        corio::queue<counted> q;
        for (int round = 0; round < 3; ++round) {
            for (int i = 0; i < 5000; ++i) q.put_nowait(counted(i));
            for (int i = 0; i < 4990; ++i) EXPECT_EQ(q.get_nowait().value, i);
            for (int i = 4990; i < 5000; ++i) EXPECT_EQ(q.get_nowait().value, i);
            EXPECT_TRUE(q.empty());
            q.put_nowait(counted(-1));  // wrap around the ring
            EXPECT_EQ(q.get_nowait().value, -1);
        }
        for (int i = 0; i < 10; ++i) q.put_nowait(counted(i));
    }
    EXPECT_EQ(counted::copies, 0);
    EXPECT_EQ(counted::alive(), 0);
}

// --- _QueueJoinTestMixin, for the three kinds ---------------------------------

template <class Q>
class sync_queue_join : public ::testing::Test {};
using int_queue_kinds = ::testing::Types<fifo<int>, lifo<int>, prio<int>>;
TYPED_TEST_SUITE(sync_queue_join, int_queue_kinds);

TYPED_TEST(sync_queue_join, task_done_underflow) {
    TypeParam q;
    EXPECT_THROW(q.task_done(), std::invalid_argument);
    try {
        q.task_done();
    } catch (const std::logic_error& e) {
        EXPECT_NE(std::string(e.what()).find("task_done"), std::string::npos);
    }
}

TYPED_TEST(sync_queue_join, task_done) {
    run_virtual([]() -> corio::coro<void> {
        TypeParam q;
        for (int i = 0; i < 100; ++i) q.put_nowait(i);
        int accumulator = 0;
        bool running = true;
        auto worker = [](TypeParam& q, int& accumulator, bool& running) -> corio::coro<void> {
            while (running) {
                const int item = co_await q.get();
                accumulator += item;
                q.task_done();
            }
        };
        auto w1 = corio::create_task(worker(q, accumulator, running));
        auto w2 = corio::create_task(worker(q, accumulator, running));
        co_await q.join();
        EXPECT_EQ(accumulator, 4950);
        running = false;
        q.put_nowait(0);
        q.put_nowait(0);
        co_await w1;
        co_await w2;
    }());
}

TYPED_TEST(sync_queue_join, join_empty_queue) {
    run_virtual([]() -> corio::coro<void> {
        TypeParam q;
        co_await q.join();
        co_await q.join();
    }());
}
