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
corio::coro<void> fail_after(std::chrono::milliseconds d) {
    co_await corio::sleep(d);
    throw std::runtime_error("boom");
}
corio::coro<void> nothing() { co_return; }

TEST(gather, tuple_in_argument_order) {
    auto main = []() -> corio::coro<void> {
        const auto start = corio::get_running_loop().time();
        auto [a, b] = co_await corio::gather(after(20ms, 1), after(10ms, 2));
        EXPECT_EQ(a, 1);
        EXPECT_EQ(b, 2);
        EXPECT_EQ(corio::get_running_loop().time() - start, 20ms);  // concurrent, not 30ms
    };
    corio::run(main(), virtual_time);
}

TEST(gather, void_results_are_none_and_range_gives_vector) {
    auto main = []() -> corio::coro<void> {
        auto [x, n] = co_await corio::gather(nothing(), after(1ms, 7));
        EXPECT_EQ(x, corio::none{});
        EXPECT_EQ(n, 7);
        std::vector<corio::coro<int>> cs;
        for (int i = 0; i < 5; ++i) cs.push_back(after(std::chrono::milliseconds(5 - i), i));
        std::vector<int> all = co_await corio::gather(std::move(cs));
        EXPECT_EQ(all, (std::vector<int>{0, 1, 2, 3, 4}));
    };
    corio::run(main(), virtual_time);
}

TEST(gather, eager_batch_awaited_later) {
    auto main = []() -> corio::coro<void> {
        std::vector<std::string> log;
        auto work = [&](std::string name) -> corio::coro<std::string> {
            log.push_back("start " + name);
            co_await corio::sleep(1ms);
            co_return name;
        };
        auto batch = corio::gather(work("a"), work("b"));
        co_await corio::sleep(0s);
        EXPECT_EQ(log.size(), 2u);  // already running before we await the batch
        auto [a, b] = co_await batch;
        EXPECT_EQ(a + b, "ab");
    };
    corio::run(main(), virtual_time);
}

TEST(gather, first_exception_propagates_and_others_keep_running) {
    auto main = []() -> corio::coro<void> {
        auto slow = corio::create_task(after(50ms, 1));
        EXPECT_THROW(co_await corio::gather(fail_after(10ms), slow), std::runtime_error);
        EXPECT_FALSE(slow.done());
        EXPECT_EQ(co_await slow, 1);
    };
    corio::run(main(), virtual_time);
}

TEST(gather, return_exceptions_gives_outcomes) {
    auto main = []() -> corio::coro<void> {
        auto [a, b] = co_await corio::gather(corio::return_exceptions, after(1ms, 3), fail_after(2ms));
        EXPECT_TRUE(a.has_value());
        EXPECT_EQ(a.value(), 3);
        EXPECT_FALSE(b.has_value());
        EXPECT_THROW(std::rethrow_exception(b.error()), std::runtime_error);
    };
    corio::run(main(), virtual_time);
}

TEST(gather, cancelling_gather_cancels_children) {
    auto main = []() -> corio::coro<void> {
        auto t1 = corio::create_task(after(1h, 1));
        auto t2 = corio::create_task(after(1h, 2));
        auto g = corio::gather(t1, t2);
        co_await corio::sleep(1ms);
        EXPECT_TRUE(g.cancel());
        EXPECT_THROW(co_await g, corio::cancelled_error);
        EXPECT_TRUE(t1.cancelled());
        EXPECT_TRUE(t2.cancelled());
    };
    corio::run(main(), virtual_time);
}

TEST(gather, cancelling_the_awaiting_task_cancels_children) {
    auto main = []() -> corio::coro<void> {
        auto t1 = corio::create_task(after(1h, 1));
        auto waiter = corio::create_task([](corio::task<int> t) -> corio::coro<void> {
            co_await corio::gather(t, after(1h, 2));
        }(t1));
        co_await corio::sleep(1ms);
        waiter.cancel();
        EXPECT_THROW(co_await waiter, corio::cancelled_error);
        EXPECT_TRUE(t1.cancelled());
    };
    corio::run(main(), virtual_time);
}

TEST(gather, empty) {
    auto main = []() -> corio::coro<void> {
        std::vector<corio::coro<int>> none;
        auto r = co_await corio::gather(std::move(none));
        EXPECT_TRUE(r.empty());
    };
    corio::run(main(), virtual_time);
}

}  // namespace

namespace {
TEST(gather, children_start_in_argument_order) {
    auto main = []() -> corio::coro<void> {
        std::string order;
        auto step = [&](char c) -> corio::coro<void> {
            order += c;
            co_return;
        };
        co_await corio::gather(step('a'), step('b'), step('c'));
        EXPECT_EQ(order, "abc");
    };
    corio::run(main());
}
}  // namespace
