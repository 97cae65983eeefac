#include <gtest/gtest.h>

#include <corio/corio.hpp>

using namespace std::chrono_literals;

corio::coro<int> answer() { co_return 42; }
corio::coro<int> slow(int v) {
    co_await corio::sleep(10ms);
    co_return v;
}

TEST(smoke, run) {
    EXPECT_EQ(corio::run(answer()), 42);
}

TEST(smoke, tasks) {
    auto main = []() -> corio::coro<int> {
        auto a = corio::create_task(slow(1));
        auto b = corio::create_task(slow(2));
        co_return co_await a + co_await b;
    };
    EXPECT_EQ(corio::run(main(), {.clock = corio::virtual_clock()}), 3);
}
