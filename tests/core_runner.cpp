// corio::run, asyncio.run's counterpart: result and exception, nesting,
// debug, and the ending (cancel every pending task, let it clean up, close).
// Ported CPython tests (Lib/test/test_asyncio/test_runners.py) are named in a comment.
#include <gtest/gtest.h>

#include <corio/corio.hpp>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core_fixtures.hpp"

using namespace std::chrono_literals;
using corio_test::counted;
using corio_test::log_capture;
using corio_test::move_only;
using corio_test::virtual_time;

namespace {

// test_asyncio_run_return
TEST(runner, returns_main_result) {
    auto main = []() -> corio::coro<int> {
        co_await corio::sleep(0s);
        co_return 42;
    };
    EXPECT_EQ(corio::run(main()), 42);
    EXPECT_EQ(*corio::run([]() -> corio::coro<move_only> { co_return move_only(3); }()).value, 3);
    corio::run([]() -> corio::coro<void> { co_return; }());
}

// test_asyncio_run_raises
TEST(runner, rethrows_main_exception) {
    auto main = []() -> corio::coro<void> {
        co_await corio::sleep(0s);
        throw std::invalid_argument("spam");
    };
    try {
        corio::run(main());
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "spam");
    }
}

// test_asyncio_run_from_running_loop
TEST(runner, from_a_running_loop_throws_runtime_error) {
    auto main = []() -> corio::coro<void> {
        try {
            corio::run([]() -> corio::coro<void> { co_return; }());
            ADD_FAILURE();
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find("cannot be called from a running"), std::string::npos) << e.what();
        }
        co_return;
    };
    corio::run(main());
}

// test_asyncio_run_debug
TEST(runner, debug_option) {
    auto debug = []() -> corio::coro<bool> { co_return corio::get_running_loop().get_debug(); };
    EXPECT_FALSE(corio::run(debug()));
    EXPECT_TRUE(corio::run(debug(), {.debug = true}));
}

// test_asyncio_run_cancels_hanging_tasks
TEST(runner, cancels_hanging_tasks) {
    corio::task<void> leftover;
    auto main = [&]() -> corio::coro<int> {
        leftover = corio::create_task([]() -> corio::coro<void> { co_await corio::sleep(100ms); }());
        co_return 123;
    };
    EXPECT_EQ(corio::run(main(), virtual_time), 123);
    EXPECT_TRUE(leftover.done());
    EXPECT_TRUE(leftover.cancelled());
}

TEST(runner, hanging_task_cleanup_may_await_and_completes) {
    std::vector<std::string> log;
    auto leftover = [](std::vector<std::string>& l) -> corio::coro<void> {
        bool cancelled = false;
        try {
            co_await corio::sleep(1h);
        } catch (const corio::cancelled_error&) {
            cancelled = true;
        }
        if (cancelled) {
            l.push_back("cleanup");
            co_await corio::sleep(10ms);  // cleanup with an await of its own
            l.push_back("flushed");
        }
    };
    auto main = [&]() -> corio::coro<void> {
        corio::create_task(leftover(log));
        corio::create_task(leftover(log));
        co_await corio::sleep(0s);
    };
    corio::run(main(), virtual_time);
    EXPECT_EQ(log, (std::vector<std::string>{"cleanup", "cleanup", "flushed", "flushed"}));
}

TEST(runner, leftover_blocked_on_a_future_is_cancelled) {
    std::optional<corio::future<int>> never;
    corio::task<int> leftover;
    auto main = [&]() -> corio::coro<void> {
        never.emplace();
        leftover = corio::create_task([](corio::future<int> f) -> corio::coro<int> { co_return co_await f; }(*never));
        co_await corio::sleep(0s);
    };
    corio::run(main());
    EXPECT_TRUE(leftover.cancelled());
    EXPECT_TRUE(never->cancelled());
}

// test_asyncio_run_reports_hanging_tasks_errors
TEST(runner, reports_errors_raised_by_hanging_tasks_during_shutdown) {
    corio::task<void> leftover;
    std::vector<std::string> messages;
    std::vector<corio::task_handle> tasks;
    int non_std = 0;
    auto main = [&]() -> corio::coro<int> {
        corio::get_running_loop().set_exception_handler([&](corio::event_loop&, const corio::exception_context& ctx) {
            messages.push_back(ctx.message);
            tasks.push_back(ctx.task);
            try {
                std::rethrow_exception(ctx.exception);
            } catch (const std::domain_error&) {
            } catch (...) {
                ++non_std;
            }
        });
        leftover = corio::create_task([]() -> corio::coro<void> {
            try {
                co_await corio::sleep(100ms);
            } catch (const corio::cancelled_error&) {
                throw std::domain_error("1 / 0");
            }
        }());
        co_return 123;
    };
    EXPECT_EQ(corio::run(main(), virtual_time), 123);
    EXPECT_TRUE(leftover.done());
    ASSERT_EQ(messages.size(), 1u);  // reported once, and not again as "never retrieved"
    EXPECT_NE(messages[0].find("shutdown"), std::string::npos) << messages[0];
    EXPECT_NE(messages[0].find("run"), std::string::npos) << messages[0];
    EXPECT_TRUE(tasks[0] == corio::task_handle(leftover));
    EXPECT_EQ(non_std, 0);
}

corio::async_generator<int> fidget() {
    for (int i = 0;; ++i) {
        co_yield i;
        co_await corio::sleep(1s);
    }
}

// test_asyncio_run_closes_gens_after_hanging_tasks_errors
TEST(runner, main_failure_still_cancels_tasks_and_closes_generators) {
    struct fancy_exit {};
    counted::reset();
    corio::task<void> lazyboy;
    auto main = [&]() -> corio::coro<void> {
        corio::get_running_loop().set_exception_handler([](corio::event_loop&, const corio::exception_context&) {});
        lazyboy = corio::create_task([]() -> corio::coro<void> {
            counted alive_while_spinning(1);
            auto spinner = fidget();
            try {
                while (co_await spinner.next()) {
                }
            } catch (const corio::cancelled_error&) {
                throw std::domain_error("1 / 0");
            }
        }());
        co_await corio::sleep(0s);
        throw fancy_exit{};
    };
    EXPECT_THROW(corio::run(main(), virtual_time), fancy_exit);
    EXPECT_TRUE(lazyboy.done());
    EXPECT_FALSE(lazyboy.cancelled());
    EXPECT_EQ(counted::alive(), 0);  // the task's frame (and the generator) are gone
}

TEST(runner, closes_the_loop) {
    bool closed = false;
    auto main = [&]() -> corio::coro<void> {
        corio::get_running_loop().on_close([&] { closed = true; });
        co_return;
    };
    corio::run(main());
    EXPECT_TRUE(closed);
}

TEST(runner, consecutive_runs_are_independent) {
    for (int i = 0; i < 3; ++i) {
        auto main = []() -> corio::coro<std::size_t> {
            corio::create_task([]() -> corio::coro<void> { co_await corio::sleep(1h); }());
            co_return corio::all_tasks().size();
        };
        EXPECT_EQ(corio::run(main(), virtual_time), 2u);
    }
}

TEST(runner, a_sibling_cancelling_main_makes_run_throw_cancelled) {
    auto main = []() -> corio::coro<void> {
        auto me = corio::current_task();
        corio::create_task([](corio::task_handle m) -> corio::coro<void> {
            co_await corio::sleep(0s);
            m.cancel();
        }(me));
        co_await corio::sleep(10s);
    };
    EXPECT_THROW(corio::run(main(), virtual_time), corio::cancelled_error);
}

TEST(runner, stopping_the_loop_under_run_is_an_error_not_a_silent_return) {
    bool reached_end = false;
    auto main = [&]() -> corio::coro<int> {
        corio::get_running_loop().stop();
        co_await corio::sleep(1s);
        reached_end = true;
        co_return 1;
    };
    EXPECT_THROW(corio::run(main(), virtual_time), std::runtime_error);
    EXPECT_FALSE(reached_end);
}

TEST(runner, tasks_spawned_during_shutdown_are_freed) {
    log_capture logs;
    counted::reset();
    auto main = []() -> corio::coro<void> {
        corio::create_task([]() -> corio::coro<void> {
            try {
                co_await corio::sleep(1h);
            } catch (const corio::cancelled_error&) {
                // Spawns during cleanup: run() does not wait for this one.
                corio::create_task([](counted) -> corio::coro<void> { co_await corio::sleep(1h); }(counted(1)));
                throw;
            }
        }());
        co_await corio::sleep(0s);
    };
    corio::run(main(), virtual_time);
    EXPECT_EQ(counted::alive(), 0);
    EXPECT_TRUE(logs.contains("Task was destroyed but it is pending!"));
}

}  // namespace
