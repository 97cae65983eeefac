// Reports: "Task exception was never retrieved" (every mode), and in debug
// mode never-awaited coroutines and slow callbacks. Reports go through the
// loop's exception handler or the replaceable logger.
#include <gtest/gtest.h>

#include <corio/corio.hpp>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "core_fixtures.hpp"

using namespace std::chrono_literals;
using corio_test::log_capture;
using corio_test::virtual_time;

namespace {

corio::coro<void> fails() {
    co_await corio::sleep(0s);
    throw std::runtime_error("nobody looked");
}

TEST(debug, failed_task_never_retrieved_is_reported_through_the_logger) {
    log_capture logs;
    auto main = []() -> corio::coro<void> {
        corio::create_task(fails(), "forgotten");  // fire and forget, then it fails
        co_await corio::sleep(1ms);
    };
    corio::run(main(), virtual_time);
    EXPECT_EQ(logs.count("Task exception was never retrieved"), 1u);
    EXPECT_TRUE(logs.contains("forgotten"));
    EXPECT_TRUE(logs.contains("nobody looked"));
}

TEST(debug, failed_task_never_retrieved_goes_to_the_exception_handler) {
    std::vector<std::string> messages;
    std::vector<std::string> whats;
    auto main = [&]() -> corio::coro<void> {
        corio::get_running_loop().set_exception_handler([&](corio::event_loop&, const corio::exception_context& ctx) {
            messages.push_back(ctx.message);
            try {
                std::rethrow_exception(ctx.exception);
            } catch (const std::exception& e) {
                whats.push_back(e.what());
            }
        });
        {
            auto t = corio::create_task(fails());
            co_await corio::sleep(1ms);
            EXPECT_TRUE(t.done());
            EXPECT_TRUE(messages.empty());  // a handle still exists: someone may look yet
        }
        EXPECT_EQ(messages.size(), 1u);  // reported when the last handle went
    };
    corio::run(main(), virtual_time);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_NE(messages[0].find("Task exception was never retrieved"), std::string::npos) << messages[0];
    EXPECT_EQ(whats, std::vector<std::string>{"nobody looked"});
}

TEST(debug, reported_in_non_debug_mode_too_and_only_once) {
    log_capture logs;
    auto main = []() -> corio::coro<void> {
        for (int i = 0; i < 3; ++i) corio::create_task(fails());
        co_await corio::sleep(1ms);
    };
    corio::run(main(), {.debug = false, .clock = corio::virtual_clock()});
    EXPECT_EQ(logs.count("Task exception was never retrieved"), 3u);
}

TEST(debug, observed_failures_are_not_reported) {
    log_capture logs;
    auto main = []() -> corio::coro<void> {
        auto awaited = corio::create_task(fails());
        EXPECT_THROW(co_await awaited, std::runtime_error);
        auto via_result = corio::create_task(fails());
        co_await corio::sleep(1ms);
        EXPECT_THROW(via_result.result(), std::runtime_error);
        auto via_exception = corio::create_task(fails());
        co_await corio::sleep(1ms);
        EXPECT_NE(via_exception.exception(), nullptr);
        auto via_gather = corio::create_task(fails());
        EXPECT_THROW(co_await corio::gather(via_gather), std::runtime_error);
        // test_tb_logger_not_called_after_cancel: cancel() on a failed task silences it.
        auto cancelled_after = corio::create_task(fails());
        co_await corio::sleep(1ms);
        EXPECT_FALSE(cancelled_after.cancel());
    };
    corio::run(main(), virtual_time);
    EXPECT_FALSE(logs.contains("never retrieved")) << logs.lines().front();
}

TEST(debug, cancelled_tasks_are_not_reported) {
    log_capture logs;
    auto main = []() -> corio::coro<void> {
        auto t = corio::create_task([]() -> corio::coro<void> { co_await corio::sleep(1h); }());
        co_await corio::sleep(0s);
        t.cancel();
        co_await corio::sleep(0s);
    };
    corio::run(main(), virtual_time);
    EXPECT_TRUE(logs.lines().empty()) << logs.lines().front();
}

corio::coro<int> forgotten_coroutine() { co_return 1; }

TEST(debug, never_awaited_coroutine_is_reported_in_debug_mode) {
    log_capture logs;
    auto main = []() -> corio::coro<void> {
        { auto c = forgotten_coroutine(); }
        co_return;
    };
    corio::run(main(), {.debug = true});
    EXPECT_EQ(logs.count("was never awaited"), 1u);
    EXPECT_TRUE(logs.contains("forgotten_coroutine")) << logs.lines().front();
}

TEST(debug, never_awaited_coroutine_is_silent_outside_debug_mode) {
    log_capture logs;
    auto main = []() -> corio::coro<void> {
        { auto c = forgotten_coroutine(); }
        co_return;
    };
    corio::run(main());
    EXPECT_FALSE(logs.contains("was never awaited"));
}

TEST(debug, environment_variable_turns_debug_mode_on) {
    log_capture logs;
    ::setenv("CORIO_DEBUG", "1", 1);
    auto main = []() -> corio::coro<void> {
        EXPECT_TRUE(corio::get_running_loop().get_debug());
        { auto c = forgotten_coroutine(); }
        co_return;
    };
    corio::run(main());
    ::unsetenv("CORIO_DEBUG");
    EXPECT_TRUE(logs.contains("was never awaited"));
}

TEST(debug, awaited_or_spawned_coroutines_are_not_reported) {
    log_capture logs;
    auto main = []() -> corio::coro<void> {
        co_await forgotten_coroutine();
        co_await corio::create_task(forgotten_coroutine());
        auto moved = forgotten_coroutine();
        auto target = std::move(moved);
        co_await target;
    };
    corio::run(main(), {.debug = true});
    EXPECT_FALSE(logs.contains("was never awaited")) << logs.lines().front();
}

TEST(debug, slow_callbacks_are_reported_in_debug_mode) {
    log_capture logs;
    corio::event_loop loop({.debug = true});
    loop.slow_callback_duration(0ns);  // every callback counts as slow: deterministic
    loop.call_soon([] {});
    loop.run_until_complete([]() -> corio::coro<void> { co_return; }());
    EXPECT_TRUE(logs.contains("Executing Callback took")) << (logs.lines().empty() ? "" : logs.lines().front());
    EXPECT_TRUE(logs.contains("Executing Task step took"));
}

TEST(debug, fast_callbacks_and_non_debug_loops_are_not_reported) {
    log_capture logs;
    {
        corio::event_loop loop({.debug = true});
        loop.slow_callback_duration(1h);
        loop.call_soon([] {});
        loop.run_until_complete([]() -> corio::coro<void> { co_return; }());
    }
    {
        corio::event_loop loop;
        loop.slow_callback_duration(0ns);
        loop.call_soon([] {});
        loop.run_until_complete([]() -> corio::coro<void> { co_return; }());
    }
    EXPECT_FALSE(logs.contains("Executing")) << logs.lines().front();
}

TEST(debug, set_logger_returns_the_previous_logger) {
    std::vector<std::string> a, b;
    auto prev = corio::set_logger([&](std::string_view m) { a.emplace_back(m); });
    corio::log("one");
    auto mine = corio::set_logger([&](std::string_view m) { b.emplace_back(m); });
    corio::log("two");
    mine("three");  // the returned logger is the one installed before
    corio::set_logger(std::move(prev));
    EXPECT_EQ(a, (std::vector<std::string>{"one", "three"}));
    EXPECT_EQ(b, std::vector<std::string>{"two"});
}

}  // namespace
