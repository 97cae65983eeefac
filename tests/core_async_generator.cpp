// async_generator<T>: lazy, yields in order, awaits inside, exceptions out
// of next(), aclose() and destruction run the locals' destructors,
// cancellation of a pending next().
#include <gtest/gtest.h>

#include <corio/corio.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "core_fixtures.hpp"

using namespace std::chrono_literals;
using corio_test::counted;
using corio_test::move_only;
using corio_test::virtual_time;

namespace {

corio::async_generator<int> ticks(int n, std::chrono::milliseconds period = 10ms) {
    for (int i = 0; i < n; ++i) {
        co_await corio::sleep(period);
        co_yield i;
    }
}

TEST(async_generator, is_lazy) {
    auto main = []() -> corio::coro<void> {
        bool started = false;
        auto gen = [](bool& s) -> corio::async_generator<int> {
            s = true;
            co_yield 1;
        }(started);
        co_await corio::sleep(0s);
        EXPECT_FALSE(started);
        EXPECT_EQ(co_await gen.next(), std::optional<int>(1));
        EXPECT_TRUE(started);
    };
    corio::run(main());
}

TEST(async_generator, yields_in_order_with_awaits_between) {
    auto main = []() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        const auto start = loop.time();
        auto gen = ticks(5);
        std::vector<int> got;
        while (auto v = co_await gen.next()) got.push_back(*v);
        EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4}));
        EXPECT_EQ(loop.time() - start, 50ms);
        EXPECT_FALSE(co_await gen.next());  // stays finished
        EXPECT_FALSE(co_await gen.next());
    };
    corio::run(main(), virtual_time);
}

TEST(async_generator, empty_generator) {
    auto main = []() -> corio::coro<void> {
        auto gen = []() -> corio::async_generator<int> { co_return; }();
        EXPECT_FALSE(co_await gen.next());
    };
    corio::run(main());
}

TEST(async_generator, exception_comes_out_of_next_then_it_is_finished) {
    auto main = []() -> corio::coro<void> {
        auto gen = []() -> corio::async_generator<int> {
            co_yield 1;
            co_await corio::sleep(1ms);
            throw std::runtime_error("generator broke");
        }();
        EXPECT_EQ(*co_await gen.next(), 1);
        try {
            co_await gen.next();
            ADD_FAILURE();
        } catch (const std::runtime_error& e) {
            EXPECT_STREQ(e.what(), "generator broke");
        }
        EXPECT_FALSE(co_await gen.next());
    };
    corio::run(main(), virtual_time);
}

TEST(async_generator, aclose_runs_the_locals_destructors) {
    counted::reset();
    auto main = []() -> corio::coro<void> {
        auto gen = []() -> corio::async_generator<int> {
            counted resource(1);
            for (int i = 0;; ++i) co_yield i;
        }();
        EXPECT_EQ(*co_await gen.next(), 0);
        EXPECT_EQ(*co_await gen.next(), 1);
        EXPECT_EQ(counted::alive(), 1);
        co_await gen.aclose();
        EXPECT_EQ(counted::alive(), 0);
        EXPECT_FALSE(co_await gen.next());
        co_await gen.aclose();  // twice is fine
    };
    corio::run(main());
}

TEST(async_generator, destruction_mid_way_frees_everything) {
    counted::reset();
    auto main = []() -> corio::coro<void> {
        {
            auto gen = [](counted) -> corio::async_generator<int> {
                counted local(2);
                co_yield 1;
                co_yield 2;
            }(counted(1));
            EXPECT_EQ(*co_await gen.next(), 1);
            EXPECT_EQ(counted::alive(), 2);
        }
        EXPECT_EQ(counted::alive(), 0);
        {
            auto never_started = [](counted) -> corio::async_generator<int> { co_yield 1; }(counted(3));
        }
        EXPECT_EQ(counted::alive(), 0);
    };
    corio::run(main());
}

TEST(async_generator, values_are_moved_not_copied) {
    counted::reset();
    auto main = []() -> corio::coro<void> {
        auto gen = []() -> corio::async_generator<counted> {
            for (int i = 0; i < 3; ++i) co_yield counted(i);
        }();
        int sum = 0;
        while (auto v = co_await gen.next()) sum += v->id;
        EXPECT_EQ(sum, 3);
    };
    corio::run(main());
    EXPECT_EQ(counted::copies, 0);
    EXPECT_EQ(counted::alive(), 0);
}

TEST(async_generator, move_only_values) {
    auto main = []() -> corio::coro<void> {
        auto gen = []() -> corio::async_generator<move_only> {
            co_yield move_only(1);
            move_only named(2);
            co_yield std::move(named);
        }();
        auto a = co_await gen.next();
        auto b = co_await gen.next();
        EXPECT_EQ(*a->value + *b->value, 3);
        EXPECT_FALSE(co_await gen.next());
    };
    corio::run(main());
}

TEST(async_generator, generator_can_be_moved_between_consumers) {
    auto main = []() -> corio::coro<void> {
        auto gen = ticks(4, 1ms);
        EXPECT_EQ(*co_await gen.next(), 0);
        auto other = std::move(gen);
        EXPECT_EQ(*co_await other.next(), 1);
        auto consumer = [](corio::async_generator<int> g) -> corio::coro<int> {
            int sum = 0;
            while (auto v = co_await g.next()) sum += *v;
            co_return sum;
        };
        EXPECT_EQ(co_await corio::create_task(consumer(std::move(other))), 2 + 3);
    };
    corio::run(main(), virtual_time);
}

TEST(async_generator, cancelling_a_pending_next_cancels_the_await_inside) {
    counted::reset();
    auto main = []() -> corio::coro<void> {
        bool cleaned = false;
        auto consumer = corio::create_task([](bool& c) -> corio::coro<void> {
            auto gen = [](bool& cl) -> corio::async_generator<int> {
                counted held(1);
                try {
                    co_await corio::sleep(1h);
                } catch (const corio::cancelled_error&) {
                    cl = true;
                    throw;
                }
                co_yield 1;
            }(c);
            co_await gen.next();
        }(cleaned));
        co_await corio::sleep(1ms);
        consumer.cancel();
        EXPECT_THROW(co_await consumer, corio::cancelled_error);
        EXPECT_TRUE(cleaned);
        EXPECT_EQ(counted::alive(), 0);
    };
    corio::run(main(), virtual_time);
}

TEST(async_generator, second_next_while_one_is_pending_is_an_error) {
    auto main = []() -> corio::coro<void> {
        auto gen = ticks(3, 10ms);
        auto first = corio::create_task([](corio::async_generator<int>& g) -> corio::coro<int> {
            auto v = co_await g.next();
            co_return v.value_or(-1);
        }(gen));
        co_await corio::sleep(1ms);  // `first` is suspended inside the generator
        EXPECT_THROW(co_await gen.next(), std::runtime_error);  // asyncio: "anext(): asynchronous generator is already running"
        EXPECT_EQ(co_await first, 0);
        EXPECT_EQ(*co_await gen.next(), 1);  // still usable afterwards
    };
    corio::run(main(), virtual_time);
}

}  // namespace
