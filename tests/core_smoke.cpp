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

TEST(smoke, task_tree_shows_names_parents_and_waits) {
    auto child = []() -> corio::coro<void> { co_await corio::sleep(1h); };
    auto main = [&]() -> corio::coro<void> {
        auto t = corio::create_task(child(), "sleeper");
        co_await corio::sleep(0s);
        std::string tree = corio::format_task_tree();
        EXPECT_NE(tree.find("Task-1"), std::string::npos) << tree;
        EXPECT_NE(tree.find("    └── sleeper"), std::string::npos) << tree;  // nested under main
        EXPECT_NE(tree.find("sleep(3600"), std::string::npos) << tree;  // time left
        EXPECT_NE(tree.find("core_smoke.cpp"), std::string::npos) << tree;
        t.cancel();
    };
    corio::run(main(), {.clock = corio::virtual_clock()});
}
