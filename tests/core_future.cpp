// future<T>: states, results, misuse, done callbacks, awaiting, and the
// "exception was never retrieved" report. Ported CPython tests
// (Lib/test/test_asyncio/test_futures.py, test_tasks.py) are named in a comment.
#include <gtest/gtest.h>

#include <corio/corio.hpp>
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

// Runs `body` inside a task on a fresh loop (futures need a running loop).
template <class F>
void in_loop(F body, corio::run_options options = {}) {
    corio::run([](F f) -> corio::coro<void> { co_await f(); }(std::move(body)), options);
}

// test_constructor_without_loop
TEST(future, needs_a_running_loop) {
    EXPECT_THROW(corio::future<int>{}, std::runtime_error);
    corio::event_loop loop;
    auto f = loop.create_future<int>();  // bound to an explicit loop: fine
    EXPECT_FALSE(f.done());
}

// test_initial_state
TEST(future, initial_state) {
    in_loop([]() -> corio::coro<void> {
        corio::future<int> f;
        EXPECT_FALSE(f.cancelled());
        EXPECT_FALSE(f.done());
        f.cancel();
        EXPECT_TRUE(f.cancelled());
        co_return;
    });
}

// test_cancel
TEST(future, cancel) {
    in_loop([]() -> corio::coro<void> {
        corio::future<int> f;
        EXPECT_TRUE(f.cancel());
        EXPECT_TRUE(f.cancelled());
        EXPECT_TRUE(f.done());
        EXPECT_THROW(f.result(), corio::cancelled_error);
        EXPECT_THROW(f.exception(), corio::cancelled_error);
        EXPECT_THROW(f.set_result(1), corio::invalid_state_error);
        EXPECT_THROW(f.set_exception(std::make_exception_ptr(std::runtime_error("x"))),
                     corio::invalid_state_error);
        EXPECT_FALSE(f.cancel());
        co_return;
    });
}

// test_result
TEST(future, result) {
    in_loop([]() -> corio::coro<void> {
        corio::future<int> f;
        EXPECT_THROW(f.result(), corio::invalid_state_error);
        f.set_result(42);
        EXPECT_FALSE(f.cancelled());
        EXPECT_TRUE(f.done());
        EXPECT_EQ(f.result(), 42);
        EXPECT_EQ(f.result(), 42);  // copyable results can be read again
        EXPECT_EQ(f.exception(), nullptr);
        EXPECT_THROW(f.set_result(1), corio::invalid_state_error);
        EXPECT_THROW(f.set_exception(std::make_exception_ptr(std::runtime_error("x"))),
                     corio::invalid_state_error);
        EXPECT_FALSE(f.cancel());
        co_return;
    });
}

TEST(future, misuse_messages_are_clear) {
    in_loop([]() -> corio::coro<void> {
        corio::future<int> f;
        try {
            f.result();
            ADD_FAILURE();
        } catch (const corio::invalid_state_error& e) {
            EXPECT_NE(std::string(e.what()).find("pending"), std::string::npos) << e.what();
        }
        f.set_result(1);
        try {
            f.set_result(2);
            ADD_FAILURE();
        } catch (const corio::invalid_state_error& e) {
            EXPECT_NE(std::string(e.what()).find("already done"), std::string::npos) << e.what();
        }
        EXPECT_EQ(f.result(), 1);  // the first value stays
        co_return;
    });
}

// test_exception
TEST(future, exception) {
    in_loop([]() -> corio::coro<void> {
        corio::future<int> f;
        EXPECT_THROW(f.exception(), corio::invalid_state_error);
        auto e = std::make_exception_ptr(std::runtime_error("boom"));
        f.set_exception(e);
        EXPECT_FALSE(f.cancelled());
        EXPECT_TRUE(f.done());
        EXPECT_THROW(f.result(), std::runtime_error);
        EXPECT_EQ(f.exception(), e);
        EXPECT_THROW(f.set_result(1), corio::invalid_state_error);
        EXPECT_FALSE(f.cancel());
        co_return;
    });
}

TEST(future, set_exception_rejects_a_null_exception_ptr) {
    in_loop([]() -> corio::coro<void> {
        corio::future<int> f;
        EXPECT_THROW(f.set_exception(nullptr), std::invalid_argument);
        EXPECT_FALSE(f.done());
        co_return;
    });
}

// test_future_cancel_message_getter
TEST(future, cancel_message_reaches_the_awaiter) {
    in_loop([]() -> corio::coro<void> {
        corio::future<int> f;
        f.cancel("my message");
        try {
            co_await f;
            ADD_FAILURE();
        } catch (const corio::cancelled_error& e) {
            EXPECT_EQ(e.message(), "my message");
        }
        try {
            f.result();
        } catch (const corio::cancelled_error& e) {
            EXPECT_EQ(e.message(), "my message");
        }
    });
}

TEST(future, void_future) {
    in_loop([]() -> corio::coro<void> {
        corio::future<void> f;
        corio::get_running_loop().call_soon([f] { f.set_result(); });
        co_await f;
        EXPECT_TRUE(f.done());
        f.result();
    });
}

TEST(future, move_only_value) {
    in_loop([]() -> corio::coro<void> {
        corio::future<move_only> f;
        corio::get_running_loop().call_soon([f] { f.set_result(move_only(6)); });
        move_only m = co_await f;
        EXPECT_TRUE(m.value && *m.value == 6);
    });
}

TEST(future, counted_value_is_moved_in_and_copied_per_reader) {
    counted::reset();
    in_loop([]() -> corio::coro<void> {
        {
            corio::future<counted> f;
            f.set_result(counted(2));
            EXPECT_EQ(counted::copies, 0);
            counted a = co_await f;
            counted b = f.result();
            EXPECT_EQ(a.id + b.id, 4);
            EXPECT_EQ(counted::copies, 2);
        }
        EXPECT_EQ(counted::alive(), 0);  // the last handle freed the stored value
    });
}

TEST(future, reference_value) {
    in_loop([]() -> corio::coro<void> {
        int target = 1;
        corio::future<int&> f;
        f.set_result(target);
        int& r = co_await f;
        EXPECT_EQ(&r, &target);
        co_return;
    });
}

TEST(future, handle_is_shared) {
    in_loop([]() -> corio::coro<void> {
        corio::future<int> a;
        corio::future<int> b = a;
        EXPECT_TRUE(a == b);
        b.set_result(3);
        EXPECT_TRUE(a.done());
        EXPECT_EQ(co_await a, 3);
    });
}

TEST(future, awaited_by_many_tasks) {
    in_loop(
        []() -> corio::coro<void> {
            corio::future<int> f;
            auto waiter = [](corio::future<int> fut) -> corio::coro<int> { co_return co_await fut + 1; };
            std::vector<corio::task<int>> ts;
            for (int i = 0; i < 4; ++i) ts.push_back(corio::create_task(waiter(f)));
            co_await corio::sleep(1ms);
            f.set_result(9);
            auto all = co_await corio::gather(std::move(ts));
            EXPECT_EQ(all, (std::vector<int>{10, 10, 10, 10}));
        },
        virtual_time);
}

// test_callbacks_invoked_on_set_result, test_callbacks_invoked_on_set_exception
TEST(future, done_callbacks_are_scheduled_in_order_not_run_inline) {
    in_loop([]() -> corio::coro<void> {
        std::vector<int> bag;
        corio::future<std::string> f;
        f.add_done_callback([&](const corio::future<std::string>& done) {
            EXPECT_TRUE(done.done());
            bag.push_back(42);
        });
        f.add_done_callback([&] { bag.push_back(17); });
        EXPECT_TRUE(bag.empty());
        f.set_result("foo");
        EXPECT_TRUE(bag.empty());  // not inline
        co_await corio::sleep(0s);
        EXPECT_EQ(bag, (std::vector<int>{42, 17}));
        EXPECT_EQ(f.result(), "foo");

        corio::future<int> g;
        g.add_done_callback([&] { bag.push_back(100); });
        g.set_exception(std::make_exception_ptr(std::runtime_error("e")));
        co_await corio::sleep(0s);
        EXPECT_EQ(bag.back(), 100);
        EXPECT_NE(g.exception(), nullptr);
    });
}

TEST(future, done_callback_on_a_done_future_is_scheduled_not_inline) {
    in_loop([]() -> corio::coro<void> {
        corio::future<int> f;
        f.set_result(1);
        bool called = false;
        f.add_done_callback([&] { called = true; });
        EXPECT_FALSE(called);
        co_await corio::sleep(0s);
        EXPECT_TRUE(called);
    });
}

TEST(future, done_callback_runs_on_cancel) {
    in_loop([]() -> corio::coro<void> {
        corio::future<int> f;
        bool saw = false;
        f.add_done_callback([&](const corio::future<int>& d) { saw = d.cancelled(); });
        f.cancel();
        co_await corio::sleep(0s);
        EXPECT_TRUE(saw);
    });
}

// test_callbacks_remove_first_callback, test_callbacks_remove_third_callback,
// test_callbacks_remove_first_and_second_callback
TEST(future, remove_done_callback) {
    in_loop([]() -> corio::coro<void> {
        for (int removed : {0, 2}) {
            std::vector<int> bag;
            corio::future<int> f;
            std::vector<std::uint64_t> ids;
            ids.push_back(f.add_done_callback([&] { bag.push_back(42); }));
            ids.push_back(f.add_done_callback([&] { bag.push_back(17); }));
            ids.push_back(f.add_done_callback([&] { bag.push_back(100); }));
            EXPECT_TRUE(f.remove_done_callback(ids[removed]));
            EXPECT_FALSE(f.remove_done_callback(ids[removed]));
            f.set_result(1);
            co_await corio::sleep(0s);
            EXPECT_EQ(bag, removed == 0 ? (std::vector<int>{17, 100}) : (std::vector<int>{42, 17}));
        }
        std::vector<int> bag;
        corio::future<int> f;
        auto a = f.add_done_callback([&] { bag.push_back(42); });
        auto b = f.add_done_callback([&] { bag.push_back(17); });
        f.add_done_callback([&] { bag.push_back(100); });
        EXPECT_TRUE(f.remove_done_callback(a));
        EXPECT_TRUE(f.remove_done_callback(b));
        EXPECT_FALSE(f.remove_done_callback(a));
        f.set_result(1);
        co_await corio::sleep(0s);
        EXPECT_EQ(bag, std::vector<int>{100});
    });
}

// test_schedule_callbacks_list_mutation_1: a callback removing another after completion.
TEST(future, callback_removing_another_after_completion_is_harmless) {
    in_loop([]() -> corio::coro<void> {
        corio::future<int> f;
        int runs = 0;
        std::uint64_t second = 0;
        f.add_done_callback([&] {
            ++runs;
            EXPECT_FALSE(f.remove_done_callback(second));  // already scheduled
        });
        second = f.add_done_callback([&] { ++runs; });
        f.set_result(1);
        co_await corio::sleep(0s);
        EXPECT_EQ(runs, 2);
    });
}

TEST(future, throwing_done_callback_goes_to_the_exception_handler) {
    in_loop([]() -> corio::coro<void> {
        std::vector<std::string> messages;
        corio::get_running_loop().set_exception_handler(
            [&](corio::event_loop&, const corio::exception_context& ctx) {
                messages.push_back(ctx.message);
            });
        corio::future<int> f;
        bool next_ran = false;
        f.add_done_callback([] { throw std::runtime_error("callback failed"); });
        f.add_done_callback([&] { next_ran = true; });
        f.set_result(1);
        co_await corio::sleep(0s);
        EXPECT_EQ(messages.size(), 1u);
        if (!messages.empty()) {
            EXPECT_NE(messages[0].find("done callback"), std::string::npos) << messages[0];
        }
        EXPECT_TRUE(next_ran);
    });
}

TEST(future, run_until_complete_accepts_a_future) {
    corio::event_loop loop;
    auto f = loop.create_future<int>();
    loop.call_soon([f] { f.set_result(5); });
    EXPECT_EQ(loop.run_until_complete(f), 5);
    auto g = loop.create_future<int>();
    loop.call_soon([g] { g.cancel(); });
    EXPECT_THROW(loop.run_until_complete(g), corio::cancelled_error);
}

// test_cancel_inner_future: cancelling the awaited future cancels the task.
TEST(future, cancelling_the_awaited_future_cancels_the_task) {
    in_loop([]() -> corio::coro<void> {
        corio::future<int> f;
        auto t = corio::create_task([](corio::future<int> fut) -> corio::coro<int> {
            co_await fut;
            co_return 12;
        }(f));
        co_await corio::sleep(0s);
        f.cancel();
        EXPECT_THROW(co_await t, corio::cancelled_error);
        EXPECT_TRUE(f.cancelled());
        EXPECT_TRUE(t.cancelled());
    });
}

// test_task_cancel_waiter_future: cancelling the task cancels the future it awaits.
TEST(future, cancelling_the_task_cancels_the_awaited_future) {
    in_loop([]() -> corio::coro<void> {
        corio::future<int> f;
        auto t = corio::create_task([](corio::future<int> fut) -> corio::coro<void> { co_await fut; }(f));
        co_await corio::sleep(0s);
        t.cancel();
        EXPECT_THROW(co_await t, corio::cancelled_error);
        EXPECT_TRUE(f.cancelled());
    });
}

// test_tb_logger_* : which futures report "Future exception was never retrieved".
TEST(future, unretrieved_exception_is_reported_on_destruction) {
    log_capture logs;
    in_loop([]() -> corio::coro<void> {
        {
            corio::future<int> f;
            f.set_exception(std::make_exception_ptr(std::runtime_error("boom")));
        }
        co_return;
    });
    EXPECT_EQ(logs.count("Future exception was never retrieved"), 1u);
    EXPECT_TRUE(logs.contains("boom"));
}

TEST(future, retrieved_abandoned_or_cancelled_futures_are_not_reported) {
    log_capture logs;
    in_loop([]() -> corio::coro<void> {
        { corio::future<int> pending; }  // test_tb_logger_abandoned
        {
            corio::future<int> f;  // test_tb_logger_result_unretrieved
            f.set_result(42);
        }
        {
            corio::future<int> f;  // test_tb_logger_exception_retrieved
            f.set_exception(std::make_exception_ptr(std::runtime_error("boom")));
            f.exception();
        }
        {
            corio::future<int> f;  // test_tb_logger_exception_result_retrieved
            f.set_exception(std::make_exception_ptr(std::runtime_error("boom")));
            EXPECT_THROW(f.result(), std::runtime_error);
        }
        {
            corio::future<int> f;  // awaited
            f.set_exception(std::make_exception_ptr(std::runtime_error("boom")));
            EXPECT_THROW(co_await f, std::runtime_error);
        }
        {
            corio::future<int> f;  // test_tb_logger_not_called_after_cancel
            f.set_exception(std::make_exception_ptr(std::runtime_error("boom")));
            EXPECT_FALSE(f.cancel());
        }
    });
    EXPECT_FALSE(logs.contains("never retrieved")) << (logs.lines().empty() ? "" : logs.lines()[0]);
}

}  // namespace

// asyncio: "Task got Future attached to a different loop". Its completion
// would resume the task on the wrong loop, so the await is refused.
TEST(future, awaiting_a_future_of_another_loop_is_refused) {
    corio::event_loop other;
    corio::future<int> foreign(other);
    auto main = [&]() -> corio::coro<std::string> {
        try {
            co_await foreign;
        } catch (const std::runtime_error& e) {
            co_return e.what();
        }
        co_return "no error";
    };
    EXPECT_EQ(corio::run(main()), "Task got Future attached to a different loop");
    EXPECT_FALSE(foreign.done());
}
