// Queue.shutdown (Python 3.13): a port of CPython's test_queues.py
// _QueueShutdownTestMixin for the three queue kinds, plus blocked waiters.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include <corio/corio.hpp>
#include <corio/sync/queue.hpp>

#include "sync_support.hpp"

using namespace std::chrono_literals;
using sync_test::run_virtual;
using sync_test::yield;

namespace {

template <class Q>
corio::coro<void> put_one(Q& q, std::string v) {
    co_await q.put(std::move(v));
}

template <class Q>
corio::coro<std::string> get_one(Q& q) {
    co_return co_await q.get();
}

template <class Q>
corio::coro<void> join_one(Q& q) {
    co_await q.join();
}

// put(), put_nowait(), get() and get_nowait() all throw queue_shutdown.
template <class Q>
corio::coro<void> expect_all_shut(Q& q) {
    EXPECT_THROW(co_await q.put("data"), corio::queue_shutdown);
    EXPECT_THROW(q.put_nowait("data"), corio::queue_shutdown);
    EXPECT_THROW(co_await q.get(), corio::queue_shutdown);
    EXPECT_THROW(q.get_nowait(), corio::queue_shutdown);
}

}  // namespace

template <class Q>
class sync_queue_shutdown : public ::testing::Test {};
using kinds = ::testing::Types<corio::queue<std::string>, corio::lifo_queue<std::string>,
                               corio::priority_queue<std::string>>;
TYPED_TEST_SUITE(sync_queue_shutdown, kinds);

TYPED_TEST(sync_queue_shutdown, empty) {  // test_shutdown_empty
    run_virtual([]() -> corio::coro<void> {
        TypeParam q;
        auto get_task = corio::create_task(get_one(q));
        co_await yield();  // the get is pending before the shutdown
        q.shutdown(false);
        EXPECT_EQ(q.qsize(), 0u);
        EXPECT_TRUE(q.is_shutdown());
        co_await q.join();
        co_await yield();
        EXPECT_TRUE(get_task.done());
        EXPECT_THROW(co_await get_task, corio::queue_shutdown);
        co_await expect_all_shut(q);
    }());
}

TYPED_TEST(sync_queue_shutdown, nonempty) {  // test_shutdown_nonempty
    run_virtual([]() -> corio::coro<void> {
        TypeParam q(1);
        q.put_nowait("data");
        auto join_task = corio::create_task(join_one(q));
        auto put_task = corio::create_task(put_one(q, "data2"));
        co_await yield();
        EXPECT_FALSE(put_task.done());

        q.shutdown(false);  // unfinished tasks: 1 -> 1
        EXPECT_EQ(q.qsize(), 1u);
        co_await yield();
        EXPECT_TRUE(put_task.done());
        EXPECT_THROW(co_await put_task, corio::queue_shutdown);

        EXPECT_EQ(co_await q.get(), "data");  // the queued item is still delivered
        co_await yield();
        EXPECT_FALSE(join_task.done());
        co_await expect_all_shut(q);

        q.task_done();
        co_await yield();
        EXPECT_TRUE(join_task.done());
        co_await join_task;
        EXPECT_THROW(q.task_done(), std::invalid_argument);
    }());
}

TYPED_TEST(sync_queue_shutdown, immediate) {  // test_shutdown_immediate
    run_virtual([]() -> corio::coro<void> {
        TypeParam q;
        q.put_nowait("data");
        auto join_task = corio::create_task(join_one(q));
        q.shutdown(true);  // unfinished tasks: 1 -> 0
        EXPECT_EQ(q.qsize(), 0u);
        co_await yield();
        EXPECT_TRUE(join_task.done());
        co_await join_task;
        co_await expect_all_shut(q);
        EXPECT_THROW(q.task_done(), std::invalid_argument);
    }());
}

TYPED_TEST(sync_queue_shutdown, immediate_with_unfinished) {  // test_shutdown_immediate_with_unfinished
    run_virtual([]() -> corio::coro<void> {
        TypeParam q;
        q.put_nowait("data");
        q.put_nowait("data");
        auto join_task = corio::create_task(join_one(q));
        EXPECT_EQ(co_await q.get(), "data");
        q.shutdown(true);  // unfinished tasks: 2 -> 1 (one item is being processed)
        EXPECT_EQ(q.qsize(), 0u);
        co_await yield();
        EXPECT_FALSE(join_task.done());
        co_await expect_all_shut(q);

        q.task_done();
        EXPECT_THROW(q.task_done(), std::invalid_argument);
        co_await yield();
        EXPECT_TRUE(join_task.done());
        co_await join_task;
    }());
}

TYPED_TEST(sync_queue_shutdown, wakes_every_blocked_getter_and_putter) {
    run_virtual([]() -> corio::coro<void> {
        TypeParam empty;
        std::vector<corio::task<std::string>> getters;
        for (int i = 0; i < 3; ++i) getters.push_back(corio::create_task(get_one(empty)));
        TypeParam full(1);
        full.put_nowait("x");
        std::vector<corio::task<void>> putters;
        for (int i = 0; i < 3; ++i) putters.push_back(corio::create_task(put_one(full, "y")));
        co_await yield();
        EXPECT_EQ(empty.getters(), 3u);
        EXPECT_EQ(full.putters(), 3u);

        empty.shutdown();
        full.shutdown();
        for (auto& g : getters) EXPECT_THROW(co_await g, corio::queue_shutdown);
        for (auto& p : putters) EXPECT_THROW(co_await p, corio::queue_shutdown);
        EXPECT_EQ(full.qsize(), 1u);  // not immediate: the item stays for a getter
        EXPECT_EQ(co_await full.get(), "x");
        EXPECT_THROW(co_await full.get(), corio::queue_shutdown);
    }());
}

TYPED_TEST(sync_queue_shutdown, immediate_releases_blocked_getters_and_join) {
    run_virtual([]() -> corio::coro<void> {
        TypeParam q;
        auto getter = corio::create_task(get_one(q));
        co_await yield();
        q.put_nowait("a");  // wakes the getter...
        q.put_nowait("b");
        auto join_task = corio::create_task(join_one(q));
        q.shutdown(true);  // ...but the items are dropped before it runs
        EXPECT_THROW(co_await getter, corio::queue_shutdown);
        co_await join_task;  // both items count as done
        EXPECT_EQ(q.unfinished_tasks(), 0u);
    }());
}
