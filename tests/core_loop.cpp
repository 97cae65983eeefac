// event_loop: running, stopping, closing, callbacks, misuse, the exception
// handler, the debug flag and sleep(0s). Ported CPython tests are named in a comment.
#include <gtest/gtest.h>
#include <unistd.h>

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

corio::coro<int> after(std::chrono::milliseconds d, int v) {
    co_await corio::sleep(d);
    co_return v;
}
corio::coro<void> yield_once() { co_await corio::sleep(0s); }

TEST(loop, run_until_complete_coro_task_and_future) {
    corio::event_loop loop({.clock = corio::virtual_clock()});
    EXPECT_FALSE(loop.is_running());
    EXPECT_FALSE(loop.is_closed());
    EXPECT_EQ(loop.run_until_complete(after(1ms, 1)), 1);
    auto t = loop.create_task(after(1ms, 2));
    EXPECT_EQ(loop.run_until_complete(t), 2);
    auto f = loop.create_future<int>();
    loop.call_later(5ms, [f] { f.set_result(3); });
    EXPECT_EQ(loop.run_until_complete(f), 3);
    EXPECT_FALSE(loop.is_running());
}

TEST(loop, is_running_inside_and_get_running_loop_is_this_loop) {
    corio::event_loop loop;
    bool running_inside = false;
    corio::event_loop* seen = nullptr;
    loop.call_soon([&] {
        running_inside = loop.is_running();
        seen = &corio::get_running_loop();
    });
    loop.run_until_complete(yield_once());
    EXPECT_TRUE(running_inside);
    EXPECT_EQ(seen, &loop);
    EXPECT_THROW(corio::get_running_loop(), std::runtime_error);
}

TEST(loop, run_forever_until_stop) {
    corio::event_loop loop;
    std::vector<int> order;
    loop.call_soon([&] { order.push_back(1); });
    loop.call_soon([&] {
        order.push_back(2);
        loop.call_soon([&] {
            order.push_back(4);
            loop.stop();
        });
    });
    loop.call_soon([&] { order.push_back(3); });
    loop.run_forever();
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4}));
    EXPECT_FALSE(loop.is_running());
    // The loop can run again after stop().
    loop.call_soon([&] { loop.stop(); });
    loop.run_forever();
}

// asyncio: "If stop() is called before run_forever(), the loop will run
// all callbacks already scheduled once, and then exit."
TEST(loop, stop_before_run_forever_runs_one_iteration) {
    corio::event_loop loop;
    int ran = 0;
    loop.call_soon([&] { ++ran; });
    loop.stop();
    loop.run_forever();
    EXPECT_EQ(ran, 1);
}

// test_stop_while_run_in_complete
TEST(loop, stop_during_run_until_complete) {
    corio::event_loop loop({.clock = corio::virtual_clock()});
    const auto start = loop.time();
    int x = 0;
    auto t = loop.create_task([](int& n, corio::event_loop& l) -> corio::coro<void> {
        while (n < 10) {
            co_await corio::sleep(100ms);
            ++n;
            if (n == 2) l.stop();
        }
    }(x, loop));
    try {
        loop.run_until_complete(t);
        ADD_FAILURE();
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("stopped before"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(t.done());
    EXPECT_EQ(x, 2);
    EXPECT_EQ(loop.time() - start, 200ms);
    t.cancel();
    EXPECT_THROW(loop.run_until_complete(t), corio::cancelled_error);
}

TEST(loop, call_soon_runs_in_fifo_order) {
    corio::event_loop loop;
    std::vector<int> order;
    for (int i = 0; i < 100; ++i) loop.call_soon([&order, i] { order.push_back(i); });
    loop.run_until_complete(yield_once());
    ASSERT_EQ(order.size(), 100u);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
}

// From 2 MiB (262,144 entries) the ready queue lives in mapped memory. The
// second batch wraps around the ring and then outgrows it while its head is
// far from slot 0: the copy must keep the order.
TEST(loop, a_large_ready_queue_keeps_fifo_order_while_it_wraps_and_grows) {
    constexpr int first = 200'000, total = 500'000;
    corio::event_loop loop;
    std::vector<int> order;
    order.reserve(total);
    for (int i = 0; i < first; ++i) loop.call_soon([&order, i] { order.push_back(i); });
    loop.call_soon([&] {
        for (int i = first; i < total; ++i) loop.call_soon([&order, i] { order.push_back(i); });
    });
    auto wait = [](int n) -> corio::coro<void> {
        for (int i = 0; i < n; ++i) co_await corio::sleep(std::chrono::seconds(0));
    };
    loop.run_until_complete(wait(3));
    ASSERT_EQ(order.size(), static_cast<std::size_t>(total));
    for (int i = 0; i < total; ++i)
        if (order[i] != i) FAIL() << "order[" << i << "] = " << order[i];
}

TEST(loop, callbacks_scheduled_by_callbacks_run_in_the_next_iteration) {
    corio::event_loop loop;
    std::vector<std::string> order;
    loop.call_soon([&] {
        order.push_back("a");
        loop.call_soon([&] { order.push_back("c"); });
    });
    loop.call_soon([&] { order.push_back("b"); });
    loop.run_until_complete([]() -> corio::coro<void> {
        co_await corio::sleep(0s);
        co_await corio::sleep(0s);
    }());
    EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(loop, call_soon_handle_cancel) {
    corio::event_loop loop;
    bool ran = false;
    auto h = loop.call_soon([&] { ran = true; });
    EXPECT_FALSE(h.cancelled());
    h.cancel();
    EXPECT_TRUE(h.cancelled());
    h.cancel();  // twice is fine
    loop.run_until_complete(yield_once());
    EXPECT_FALSE(ran);
    corio::callback_handle empty;
    empty.cancel();
    EXPECT_FALSE(empty.cancelled());
}

TEST(loop, call_later_and_call_at) {
    corio::event_loop loop({.clock = corio::virtual_clock()});
    const auto start = loop.time();
    std::vector<std::pair<int, corio::clock::duration>> fired;
    auto record = [&](int id) { return [&, id] { fired.emplace_back(id, loop.time() - start); }; };
    loop.call_later(30ms, record(3));
    loop.call_at(start + 10ms, record(1));
    auto cancelled = loop.call_later(20ms, record(99));
    loop.call_later(std::chrono::seconds(0), record(0));
    cancelled.cancel();
    EXPECT_TRUE(cancelled.cancelled());
    loop.run_until_complete(after(40ms, 0));
    ASSERT_EQ(fired.size(), 3u);
    EXPECT_EQ(fired[0], std::make_pair(0, corio::clock::duration(0ms)));
    EXPECT_EQ(fired[1], std::make_pair(1, corio::clock::duration(10ms)));
    EXPECT_EQ(fired[2], std::make_pair(3, corio::clock::duration(30ms)));
}

TEST(loop, time_is_the_clock_now_inside_the_loop) {
    auto main = []() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        EXPECT_EQ(corio::clock::now(), loop.time());
        co_await corio::sleep(250ms);
        EXPECT_EQ(corio::clock::now(), loop.time());
    };
    corio::run(main(), virtual_time);
}

TEST(loop, close_and_is_closed) {
    corio::event_loop loop;
    loop.run_until_complete(yield_once());
    loop.close();
    EXPECT_TRUE(loop.is_closed());
    loop.close();  // twice is a no-op
    EXPECT_TRUE(loop.is_closed());
}

TEST(loop, close_runs_on_close_hooks_once) {
    corio::event_loop loop;
    int hooks = 0;
    loop.on_close([&] { ++hooks; });
    loop.close();
    loop.close();
    EXPECT_EQ(hooks, 1);
}

TEST(loop, using_a_closed_loop_throws_runtime_error) {
    corio::event_loop loop;
    loop.close();
    EXPECT_THROW(loop.call_soon([] {}), std::runtime_error);
    EXPECT_THROW(loop.call_later(1s, [] {}), std::runtime_error);
    EXPECT_THROW(loop.call_at(loop.time(), [] {}), std::runtime_error);
    EXPECT_THROW(loop.call_soon_threadsafe([] {}), std::runtime_error);
    EXPECT_THROW(loop.run_until_complete(yield_once()), std::runtime_error);
    EXPECT_THROW(loop.create_task(yield_once()), std::runtime_error);
    EXPECT_THROW(loop.create_future<int>(), std::runtime_error);
    EXPECT_THROW(loop.run_forever(), std::runtime_error);
    EXPECT_THROW(loop.add_reader(0, [] {}), std::runtime_error);
}

TEST(loop, closing_a_running_loop_throws) {
    corio::event_loop loop;
    bool threw = false;
    loop.call_soon([&] {
        try {
            loop.close();
        } catch (const std::runtime_error&) {
            threw = true;
        }
    });
    loop.run_until_complete(yield_once());
    EXPECT_TRUE(threw);
    EXPECT_FALSE(loop.is_closed());
}

TEST(loop, close_with_pending_tasks_frees_them_and_reports) {
    log_capture logs;
    corio::event_loop loop;
    auto t = loop.create_task(after(1h, 0), "stuck");
    loop.run_until_complete(yield_once());
    loop.close();
    EXPECT_TRUE(logs.contains("Task was destroyed but it is pending!"));
    EXPECT_TRUE(logs.contains("stuck"));
    EXPECT_FALSE(t.done());
}

TEST(loop, create_task_without_a_running_loop_throws) {
    EXPECT_THROW(corio::create_task(yield_once()), std::runtime_error);
    EXPECT_THROW(corio::get_running_loop(), std::runtime_error);
}

TEST(loop, nested_run_throws_runtime_error) {
    auto main = []() -> corio::coro<void> {
        EXPECT_THROW(corio::run(yield_once()), std::runtime_error);
        corio::event_loop other;
        EXPECT_THROW(other.run_until_complete(yield_once()), std::runtime_error);
        EXPECT_THROW(corio::get_running_loop().run_forever(), std::runtime_error);
        co_return;
    };
    corio::run(main());
}

TEST(loop, exception_handler_receives_callback_exceptions) {
    corio::event_loop loop;
    std::vector<std::string> messages;
    std::vector<std::string> whats;
    loop.set_exception_handler([&](corio::event_loop& l, const corio::exception_context& ctx) {
        EXPECT_EQ(&l, &loop);
        messages.push_back(ctx.message);
        try {
            std::rethrow_exception(ctx.exception);
        } catch (const std::exception& e) {
            whats.push_back(e.what());
        }
    });
    bool next_ran = false;
    loop.call_soon([] { throw std::runtime_error("callback exploded"); });
    loop.call_soon([&] { next_ran = true; });
    loop.run_until_complete(yield_once());
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_NE(messages[0].find("Exception in callback"), std::string::npos);
    EXPECT_EQ(whats, std::vector<std::string>{"callback exploded"});
    EXPECT_TRUE(next_ran);  // the loop goes on
}

TEST(loop, default_exception_handler_logs) {
    log_capture logs;
    corio::event_loop loop;
    loop.call_soon([] { throw std::runtime_error("to the log"); });
    loop.run_until_complete(yield_once());
    EXPECT_TRUE(logs.contains("Exception in callback"));
    EXPECT_TRUE(logs.contains("to the log"));
}

TEST(loop, a_throwing_exception_handler_is_contained) {
    log_capture logs;
    corio::event_loop loop;
    loop.set_exception_handler([](corio::event_loop&, const corio::exception_context&) { throw 1; });
    loop.call_soon([] { throw std::runtime_error("x"); });
    EXPECT_NO_THROW(loop.run_until_complete(yield_once()));
    EXPECT_TRUE(logs.contains("exception handler"));
}

TEST(loop, debug_flag_option_setter_and_environment) {
    {
        corio::event_loop loop;
        EXPECT_FALSE(loop.get_debug());
        loop.set_debug(true);
        EXPECT_TRUE(loop.get_debug());
    }
    {
        corio::event_loop loop({.debug = true});
        EXPECT_TRUE(loop.get_debug());
    }
    ::setenv("CORIO_DEBUG", "1", 1);
    {
        corio::event_loop loop;
        EXPECT_TRUE(loop.get_debug());
    }
    ::setenv("CORIO_DEBUG", "0", 1);
    {
        corio::event_loop loop;
        EXPECT_FALSE(loop.get_debug());
    }
    ::unsetenv("CORIO_DEBUG");
    EXPECT_FALSE(
        corio::run([]() -> corio::coro<bool> { co_return corio::get_running_loop().get_debug(); }()));
    EXPECT_TRUE(corio::run([]() -> corio::coro<bool> { co_return corio::get_running_loop().get_debug(); }(),
                           {.debug = true}));
}

TEST(loop, slow_callback_duration_setting) {
    corio::event_loop loop;
    EXPECT_EQ(loop.slow_callback_duration(), 100ms);
    loop.slow_callback_duration(5ms);
    EXPECT_EQ(loop.slow_callback_duration(), 5ms);
}

// sleep(0s) yields exactly once: two tasks interleave step by step.
TEST(loop, sleep_zero_yields_exactly_once) {
    auto main = []() -> corio::coro<void> {
        std::string trace;
        auto worker = [](std::string& t, char name) -> corio::coro<void> {
            for (int i = 0; i < 3; ++i) {
                t += name;
                co_await corio::sleep(0s);
            }
        };
        auto a = corio::create_task(worker(trace, 'a'));
        auto b = corio::create_task(worker(trace, 'b'));
        co_await a;
        co_await b;
        EXPECT_EQ(trace, "ababab");
    };
    corio::run(main());
}

// test_sleep_zero: a callback scheduled before sleep(0) has run when it returns.
TEST(loop, sleep_zero_lets_ready_callbacks_run) {
    auto main = []() -> corio::coro<void> {
        int result = 0;
        corio::get_running_loop().call_soon([&] { result += 1; });
        EXPECT_EQ(result, 0);
        co_await corio::sleep(0s);
        EXPECT_EQ(result, 1);
    };
    corio::run(main());
}

TEST(loop, negative_sleep_is_like_zero) {
    auto main = []() -> corio::coro<void> {
        const auto start = corio::get_running_loop().time();
        co_await corio::sleep(-5s);
        EXPECT_EQ(corio::get_running_loop().time(), start);
    };
    corio::run(main(), virtual_time);
}

TEST(loop, add_reader_and_remove_reader) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    corio::event_loop loop;
    int calls = 0;
    loop.add_reader(fds[0], [&] {
        char c;
        EXPECT_EQ(::read(fds[0], &c, 1), 1);
        ++calls;
        EXPECT_TRUE(loop.remove_reader(fds[0]));
        loop.stop();
    });
    ASSERT_EQ(::write(fds[1], "x", 1), 1);
    loop.run_forever();
    EXPECT_EQ(calls, 1);
    EXPECT_FALSE(loop.remove_reader(fds[0]));
    bool wrote = false;
    loop.add_writer(fds[1], [&] {
        wrote = true;
        loop.remove_writer(fds[1]);
        loop.stop();
    });
    loop.run_forever();
    EXPECT_TRUE(wrote);
    EXPECT_FALSE(loop.remove_writer(fds[1]));
    loop.close();
    ::close(fds[0]);
    ::close(fds[1]);
}

}  // namespace

namespace {

// A task destroyed by close() may own a task_group whose destructor cancels
// children whose frames close() already destroyed (the newest tasks go first).
TEST(loop, close_with_a_pending_task_group_owner_and_children) {
    log_capture logs;
    corio::event_loop loop({.clock = corio::virtual_clock()});
    auto owner = loop.create_task([]() -> corio::coro<void> {
        corio::task_group g;
        for (int i = 0; i < 3; ++i) g.create_task([]() -> corio::coro<void> { co_await corio::sleep(1h); }());
        co_await corio::sleep(2h);  // not in join(): the group is only destroyed with this frame
        co_await g.join();
    }());
    loop.run_until_complete(yield_once());
    loop.close();  // must neither crash nor touch freed frames (run under ASan)
    EXPECT_EQ(logs.count("Task was destroyed but it is pending!"), 4u);
    EXPECT_FALSE(owner.done());
}

}  // namespace
