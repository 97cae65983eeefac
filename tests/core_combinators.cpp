#include <gtest/gtest.h>

#include <corio/corio.hpp>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
namespace {

const corio::run_options virtual_time{.clock = corio::virtual_clock()};

corio::coro<int> after(std::chrono::milliseconds d, int v) {
    co_await corio::sleep(d);
    co_return v;
}

TEST(wait, first_completed_splits_done_and_pending) {
    auto main = []() -> corio::coro<void> {
        std::vector<corio::coro<int>> cs;
        cs.push_back(after(10ms, 1));
        cs.push_back(after(20ms, 2));
        auto [done, pending] = co_await corio::wait(std::move(cs), corio::first_completed);
        EXPECT_EQ(done.size(), 1u);
        EXPECT_EQ(pending.size(), 1u);
        EXPECT_EQ(done[0].result(), 1);
        EXPECT_EQ(co_await pending[0], 2);
    };
    corio::run(main(), virtual_time);
}

TEST(wait, timeout_returns_split_without_cancelling) {
    auto main = []() -> corio::coro<void> {
        std::vector<corio::task<int>> ts{corio::create_task(after(10ms, 1)), corio::create_task(after(1h, 2))};
        auto [done, pending] = co_await corio::wait(ts, corio::all_completed, 2s);
        EXPECT_EQ(done.size(), 1u);
        EXPECT_EQ(pending.size(), 1u);
        EXPECT_FALSE(pending[0].cancelled());
        pending[0].cancel();
    };
    corio::run(main(), virtual_time);
}

TEST(wait_for, times_out_and_cancels_inner) {
    auto main = []() -> corio::coro<void> {
        auto t = corio::create_task(after(1h, 1));
        EXPECT_THROW(co_await corio::wait_for(t, 1s), corio::timeout_error);
        EXPECT_TRUE(t.cancelled());
        EXPECT_EQ(co_await corio::wait_for(after(1ms, 5), 1s), 5);
        EXPECT_EQ(corio::current_task().cancelling(), 0);
    };
    corio::run(main(), virtual_time);
}

TEST(wait_for, done_task_with_zero_timeout) {
    auto main = []() -> corio::coro<void> {
        auto t = corio::create_task(after(1ms, 9));
        co_await t;
        EXPECT_EQ(co_await corio::wait_for(t, 0s), 9);
    };
    corio::run(main(), virtual_time);
}

TEST(shield, cancelling_waiter_spares_inner) {
    auto main = []() -> corio::coro<void> {
        auto inner = corio::create_task(after(10ms, 4));
        auto waiter = corio::create_task([](corio::task<int> t) -> corio::coro<int> {
            co_return co_await corio::shield(t);
        }(inner));
        co_await corio::sleep(1ms);
        waiter.cancel();
        EXPECT_THROW(co_await waiter, corio::cancelled_error);
        EXPECT_FALSE(inner.cancelled());
        EXPECT_EQ(co_await inner, 4);
    };
    corio::run(main(), virtual_time);
}

TEST(as_completed, in_completion_order) {
    auto main = []() -> corio::coro<void> {
        std::vector<corio::coro<int>> cs;
        cs.push_back(after(30ms, 3));
        cs.push_back(after(10ms, 1));
        cs.push_back(after(20ms, 2));
        std::vector<int> order;
        for (auto& next : corio::as_completed(std::move(cs))) order.push_back(co_await next);
        EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
    };
    corio::run(main(), virtual_time);
}

TEST(task_group, failure_cancels_siblings_and_raises_group) {
    auto main = []() -> corio::coro<void> {
        corio::task_group tg;
        auto slow = tg.create_task(after(1h, 1));
        tg.create_task([]() -> corio::coro<void> {
            co_await corio::sleep(1ms);
            throw std::runtime_error("child failed");
        }());
        try {
            co_await tg.join();
            ADD_FAILURE() << "join should throw";
        } catch (const corio::exception_group& g) {
            EXPECT_EQ(g.exceptions().size(), 1u);
        }
        EXPECT_TRUE(slow.cancelled());
    };
    corio::run(main(), virtual_time);
}

corio::async_generator<int> ticks(int n) {
    for (int i = 0; i < n; ++i) {
        co_await corio::sleep(10ms);
        co_yield i;
    }
}

TEST(async_generator, yields_then_ends) {
    auto main = []() -> corio::coro<void> {
        auto gen = ticks(3);
        std::vector<int> got;
        while (auto v = co_await gen.next()) got.push_back(*v);
        EXPECT_EQ(got, (std::vector<int>{0, 1, 2}));
        auto gen2 = ticks(100);
        EXPECT_EQ(*co_await gen2.next(), 0);
        co_await gen2.aclose();
        EXPECT_FALSE(co_await gen2.next());
    };
    corio::run(main(), virtual_time);
}

}  // namespace
