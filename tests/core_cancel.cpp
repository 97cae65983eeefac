// Cancellation (API.md §3 and §9): delivery, propagation down await chains,
// catching and continuing, cancelling()/uncancel() counts and messages.
// Ported CPython tests (Lib/test/test_asyncio/test_tasks.py) are named in a comment.
#include <gtest/gtest.h>

#include <corio/corio.hpp>
#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "core_fixtures.hpp"

using namespace std::chrono_literals;
using corio_test::virtual_time;

namespace {

static_assert(!std::is_base_of_v<std::exception, corio::cancelled_error>,
              "cancelled_error must not be caught by catch (const std::exception&)");

corio::coro<int> after(std::chrono::milliseconds d, int v) {
    co_await corio::sleep(d);
    co_return v;
}

TEST(cancel, cancelled_error_escapes_catch_std_exception) {
    auto main = []() -> corio::coro<void> {
        auto t = corio::create_task(after(1h, 1));
        co_await corio::sleep(0s);
        t.cancel();
        bool swallowed = false;
        try {
            try {
                co_await t;
            } catch (const std::exception&) {
                swallowed = true;
            }
            ADD_FAILURE() << "cancelled_error was swallowed";
        } catch (const corio::cancelled_error&) {
        }
        EXPECT_FALSE(swallowed);
    };
    corio::run(main(), virtual_time);
}

// test_cancel_with_message_before_starting_task
TEST(cancel, before_start_the_body_never_runs) {
    auto main = []() -> corio::coro<void> {
        bool ran = false;
        auto t = corio::create_task([](bool& r) -> corio::coro<int> {
            r = true;
            co_return 1;
        }(ran));
        EXPECT_TRUE(t.cancel("my message"));
        try {
            co_await t;
            ADD_FAILURE();
        } catch (const corio::cancelled_error& e) {
            EXPECT_EQ(e.message(), "my message");
        }
        EXPECT_FALSE(ran);
        EXPECT_TRUE(t.cancelled());
    };
    corio::run(main());
}

// test_cancel: cancel scheduled with call_soon while the task sleeps.
TEST(cancel, sleeping_task_via_call_soon) {
    corio::event_loop loop({.clock = corio::virtual_clock()});
    const auto start = loop.time();
    auto t = loop.create_task(after(10s, 12));
    loop.call_soon([t]() mutable { t.cancel(); });
    EXPECT_THROW(loop.run_until_complete(t), corio::cancelled_error);
    EXPECT_TRUE(t.done());
    EXPECT_TRUE(t.cancelled());
    EXPECT_FALSE(t.cancel());
    EXPECT_EQ(loop.time(), start);  // time never jumped to the cancelled 10 s timer
}

// test_cancel_yield
TEST(cancel, between_two_yields) {
    corio::event_loop loop;
    auto t = loop.create_task([]() -> corio::coro<int> {
        co_await corio::sleep(0s);
        co_await corio::sleep(0s);
        co_return 12;
    }());
    loop.run_until_complete([]() -> corio::coro<void> { co_return; }());  // run briefly: t starts
    t.cancel();
    EXPECT_THROW(loop.run_until_complete(t), corio::cancelled_error);
    EXPECT_TRUE(t.cancelled());
    EXPECT_FALSE(t.cancel());
}

// test_yield_future_passes_cancel: outer() cancels inner() cancels the awaited future.
TEST(cancel, propagates_down_the_await_chain) {
    auto main = []() -> corio::coro<void> {
        int proof = 0;
        corio::future<void> waiter;
        auto inner = [&]() -> corio::coro<void> {
            try {
                co_await waiter;
            } catch (const corio::cancelled_error&) {
                proof += 1;
                throw;
            }
            ADD_FAILURE() << "got past the future in inner()";
        };
        auto outer = [&]() -> corio::coro<void> {
            try {
                co_await inner();
            } catch (const corio::cancelled_error&) {
                proof += 100;
            }
        };
        auto f = corio::create_task(outer());
        co_await corio::sleep(0s);
        f.cancel();
        co_await f;
        EXPECT_EQ(proof, 101);
        EXPECT_TRUE(waiter.cancelled());
        EXPECT_FALSE(f.cancelled());  // outer caught it and returned
    };
    corio::run(main());
}

// test_cancel_awaited_task (bpo-34872): cancelling a task that awaits a child task cancels the child.
TEST(cancel, reaches_a_child_task_being_awaited) {
    auto main = []() -> corio::coro<void> {
        corio::future<void> fut;
        corio::task<void> nested;
        auto parent =
            corio::create_task([](corio::future<void> f, corio::task<void>& n) -> corio::coro<void> {
                n = corio::create_task([](corio::future<void> g) -> corio::coro<void> { co_await g; }(f));
                co_await corio::sleep(0s);
                co_await n;
            }(fut, nested));
        co_await corio::sleep(0s);
        co_await corio::sleep(0s);
        parent.cancel("stop");
        try {
            co_await parent;
            ADD_FAILURE();
        } catch (const corio::cancelled_error& e) {
            EXPECT_EQ(e.message(), "stop");
        }
        EXPECT_TRUE(parent.cancelled());
        EXPECT_TRUE(nested.cancelled());
        EXPECT_TRUE(fut.cancelled());
    };
    corio::run(main());
}

// test_cancel_awaited_task, first half: the task cancels itself, then awaits.
TEST(cancel, self_cancel_is_delivered_at_the_next_await) {
    auto main = []() -> corio::coro<void> {
        corio::future<void> fut;
        corio::task<void> nested;
        corio::task<void> self;
        self = corio::create_task(
            [](corio::future<void> f, corio::task<void>& n, corio::task<void>& me) -> corio::coro<void> {
                n = corio::create_task([](corio::future<void> g) -> corio::coro<void> { co_await g; }(f));
                co_await corio::sleep(0s);
                me.cancel();
                co_await n;  // the nested task is cancelled at once
            }(fut, nested, self));
        EXPECT_THROW(co_await self, corio::cancelled_error);
        EXPECT_TRUE(self.cancelled());
        EXPECT_TRUE(nested.cancelled());
        EXPECT_TRUE(fut.cancelled());
    };
    corio::run(main());
}

// test_cancel_current_task
TEST(cancel, self_cancel_interrupts_a_long_sleep_at_once) {
    auto main = []() -> corio::coro<void> {
        const auto start = corio::get_running_loop().time();
        corio::task<int> t;
        t = corio::create_task([](corio::task<int>& me) -> corio::coro<int> {
            me.cancel();
            co_await corio::sleep(100s);
            co_return 12;
        }(t));
        EXPECT_THROW(co_await t, corio::cancelled_error);
        EXPECT_TRUE(t.cancelled());
        EXPECT_EQ(corio::get_running_loop().time(), start);
    };
    corio::run(main(), virtual_time);
}

// test_cancel_task_catching
TEST(cancel, caught_and_returned_from) {
    auto main = []() -> corio::coro<void> {
        corio::future<void> fut1, fut2;
        auto t = corio::create_task([](corio::future<void> a, corio::future<void> b) -> corio::coro<int> {
            co_await a;
            try {
                co_await b;
            } catch (const corio::cancelled_error&) {
                co_return 42;
            }
            co_return 0;
        }(fut1, fut2));
        co_await corio::sleep(0s);
        fut1.set_result();
        co_await corio::sleep(0s);
        co_await corio::sleep(0s);
        t.cancel();
        EXPECT_TRUE(fut2.cancelled());
        EXPECT_EQ(co_await t, 42);
        EXPECT_FALSE(t.cancelled());
    };
    corio::run(main());
}

// test_cancel_task_ignoring
TEST(cancel, caught_then_continues_awaiting) {
    auto main = []() -> corio::coro<void> {
        corio::future<void> fut1, fut2;
        corio::future<int> fut3;
        auto t = corio::create_task(
            [](corio::future<void> a, corio::future<void> b, corio::future<int> c) -> corio::coro<int> {
                co_await a;
                try {
                    co_await b;
                } catch (const corio::cancelled_error&) {
                }
                co_return co_await c;  // the cancellation was delivered once
            }(fut1, fut2, fut3));
        co_await corio::sleep(0s);
        fut1.set_result();
        co_await corio::sleep(0s);
        co_await corio::sleep(0s);
        t.cancel();
        EXPECT_TRUE(fut2.cancelled());
        co_await corio::sleep(0s);
        co_await corio::sleep(0s);
        EXPECT_FALSE(t.done());
        fut3.set_result(42);
        EXPECT_EQ(co_await t, 42);
        EXPECT_FALSE(fut3.cancelled());
        EXPECT_FALSE(t.cancelled());
        EXPECT_EQ(t.cancelling(), 1);  // not uncancelled: the count stays
    };
    corio::run(main());
}

TEST(cancel, cleanup_may_await_before_finishing) {
    auto main = []() -> corio::coro<void> {
        const auto start = corio::get_running_loop().time();
        std::vector<std::string> log;
        auto t = corio::create_task([](std::vector<std::string>& l) -> corio::coro<void> {
            std::exception_ptr cancelled;  // C++ forbids co_await inside a handler
            try {
                co_await corio::sleep(1h);
            } catch (const corio::cancelled_error&) {
                cancelled = std::current_exception();
            }
            l.push_back("cleanup start");
            co_await corio::sleep(5ms);  // awaiting during cleanup works
            l.push_back("cleanup end");
            std::rethrow_exception(cancelled);
        }(log));
        co_await corio::sleep(1ms);
        t.cancel();
        EXPECT_THROW(co_await t, corio::cancelled_error);
        EXPECT_EQ(log, (std::vector<std::string>{"cleanup start", "cleanup end"}));
        EXPECT_EQ(corio::get_running_loop().time() - start, 6ms);
    };
    corio::run(main(), virtual_time);
}

// test_cancelling
TEST(cancel, returns_true_again_while_an_earlier_request_is_pending) {
    corio::event_loop loop;
    auto t = loop.create_task(after(10s, 0));
    EXPECT_EQ(t.cancelling(), 0);
    EXPECT_TRUE(t.cancel());
    EXPECT_EQ(t.cancelling(), 1);
    EXPECT_TRUE(t.cancel());
    EXPECT_EQ(t.cancelling(), 2);
    EXPECT_THROW(loop.run_until_complete(t), corio::cancelled_error);
    EXPECT_FALSE(t.cancel());
    EXPECT_EQ(t.cancelling(), 2);
}

// The count is 16 bits (see docs/api.md): it saturates instead of wrapping
// to zero, so a task asked 70,000 times is still being cancelled.
TEST(cancel, cancelling_saturates_at_65535) {
    corio::event_loop loop;
    auto t = loop.create_task(after(10s, 0));
    for (int i = 0; i < 70'000; ++i) EXPECT_TRUE(t.cancel());
    EXPECT_EQ(t.cancelling(), 65'535);
    EXPECT_EQ(t.uncancel(), 65'534);
    EXPECT_THROW(loop.run_until_complete(t), corio::cancelled_error);
    EXPECT_TRUE(t.cancelled());
}

// test_uncancel
TEST(cancel, uncancel_lets_the_task_carry_on_and_be_cancelled_again) {
    auto main = []() -> corio::coro<void> {
        auto t = corio::create_task([]() -> corio::coro<void> {
            bool cancelled = false;
            try {
                co_await corio::sleep(10s);
            } catch (const corio::cancelled_error&) {
                cancelled = true;
                EXPECT_EQ(corio::current_task().uncancel(), 0);
            }
            EXPECT_TRUE(cancelled);
            co_await corio::sleep(10s);
        }());
        co_await corio::sleep(10ms);
        EXPECT_TRUE(t.cancel());  // cancels the first sleep
        EXPECT_EQ(t.cancelling(), 1);
        co_await corio::sleep(10ms);
        EXPECT_EQ(t.cancelling(), 0);  // after uncancel()
        EXPECT_FALSE(t.done());
        EXPECT_TRUE(t.cancel());  // cancels the second sleep
        EXPECT_THROW(co_await t, corio::cancelled_error);
    };
    corio::run(main(), virtual_time);
}

TEST(cancel, uncancel_withdraws_an_undelivered_request) {
    auto main = []() -> corio::coro<void> {
        corio::task<int> t;
        t = corio::create_task([](corio::task<int>& me) -> corio::coro<int> {
            me.cancel();
            EXPECT_EQ(me.cancelling(), 1);
            EXPECT_EQ(me.uncancel(), 0);
            co_await corio::sleep(1ms);  // not interrupted: the request was withdrawn
            co_return 5;
        }(t));
        EXPECT_EQ(co_await t, 5);
        EXPECT_EQ(t.uncancel(), 0);  // never below zero
    };
    corio::run(main(), virtual_time);
}

TEST(cancel, returns_false_on_a_done_task) {
    auto main = []() -> corio::coro<void> {
        auto t = corio::create_task(after(1ms, 1));
        co_await t;
        EXPECT_FALSE(t.cancel());
        EXPECT_EQ(t.cancelling(), 0);
        EXPECT_FALSE(t.cancelled());
        EXPECT_EQ(t.result(), 1);
    };
    corio::run(main(), virtual_time);
}

// test_cancel_with_message_then_future_result / _exception
TEST(cancel, message_reaches_result_and_exception) {
    auto main = []() -> corio::coro<void> {
        for (std::string msg : {std::string(), std::string("my message")}) {
            auto t = corio::create_task(after(10s, 0));
            co_await corio::sleep(0s);
            t.cancel(msg);
            std::vector<corio::task<int>> ts{t};
            co_await corio::wait(ts);
            try {
                t.result();
                ADD_FAILURE();
            } catch (const corio::cancelled_error& e) {
                EXPECT_EQ(e.message(), msg);
            }
            try {
                t.exception();
                ADD_FAILURE();
            } catch (const corio::cancelled_error& e) {
                EXPECT_EQ(e.message(), msg);
            }
        }
    };
    corio::run(main(), virtual_time);
}

// test_cancellation_exception_context: the message passes down to a child task.
TEST(cancel, message_passes_down_to_the_awaited_task) {
    auto main = []() -> corio::coro<void> {
        std::string seen_inside;
        auto inner = corio::create_task([](std::string& seen) -> corio::coro<void> {
            try {
                co_await corio::sleep(10s);
            } catch (const corio::cancelled_error& e) {
                seen = e.message();
                throw;
            }
        }(seen_inside));
        auto outer = corio::create_task([](corio::task<void> i) -> corio::coro<void> { co_await i; }(inner));
        co_await corio::sleep(0s);
        outer.cancel("msg");
        EXPECT_THROW(co_await outer, corio::cancelled_error);
        EXPECT_EQ(seen_inside, "msg");
        EXPECT_TRUE(inner.cancelled());
    };
    corio::run(main(), virtual_time);
}

TEST(cancel, request_arriving_after_the_wake_up_is_raised_at_that_await) {
    auto main = []() -> corio::coro<void> {
        corio::future<int> f;
        bool passed = false;
        auto t = corio::create_task([](corio::future<int> fut, bool& p) -> corio::coro<void> {
            co_await fut;
            p = true;
        }(f, passed));
        co_await corio::sleep(0s);
        f.set_result(1);  // t is now scheduled to resume...
        t.cancel();       // ...and the request can no longer interrupt the wait
        EXPECT_FALSE(f.cancelled());
        EXPECT_THROW(co_await t, corio::cancelled_error);
        EXPECT_FALSE(passed);
    };
    corio::run(main());
}

// test_task_cancel_sleeping_task
TEST(cancel, sleeping_child_cancelled_by_a_timer) {
    auto main = []() -> corio::coro<std::string> {
        auto sleeper = corio::create_task(after(5000s, 0));
        corio::get_running_loop().call_later(100ms, [sleeper]() mutable { sleeper.cancel(); });
        try {
            co_await sleeper;
        } catch (const corio::cancelled_error&) {
            co_return "cancelled";
        }
        co_return "slept in";
    };
    corio::event_loop loop({.clock = corio::virtual_clock()});
    const auto start = loop.time();
    EXPECT_EQ(loop.run_until_complete(main()), "cancelled");
    EXPECT_EQ(loop.time() - start, 100ms);
}

TEST(cancel, main_task_cancelled_makes_run_throw) {
    auto main = []() -> corio::coro<int> {
        corio::current_task().cancel();
        co_await corio::sleep(1s);
        co_return 1;
    };
    EXPECT_THROW(corio::run(main(), virtual_time), corio::cancelled_error);
}

TEST(cancel, gather_cancels_every_child) {
    auto main = []() -> corio::coro<void> {
        int cleaned = 0;
        auto child = [](int& c) -> corio::coro<int> {
            try {
                co_await corio::sleep(1h);
            } catch (const corio::cancelled_error&) {
                ++c;
                throw;
            }
            co_return 0;
        };
        auto g = corio::gather(child(cleaned), child(cleaned), child(cleaned));
        co_await corio::sleep(1ms);
        EXPECT_TRUE(g.cancel());
        EXPECT_THROW(co_await g, corio::cancelled_error);
        EXPECT_EQ(cleaned, 3);
    };
    corio::run(main(), virtual_time);
}

TEST(cancel, wait_for_being_cancelled_raises_cancelled_not_timeout) {
    auto main = []() -> corio::coro<void> {
        const auto start = corio::get_running_loop().time();
        auto inner = corio::create_task(after(1h, 1));
        auto waiter = corio::create_task([](corio::task<int> i) -> corio::coro<int> {
            co_return co_await corio::wait_for(i, 10s);
        }(inner));
        co_await corio::sleep(1s);
        waiter.cancel();
        EXPECT_THROW(co_await waiter, corio::cancelled_error);
        EXPECT_TRUE(inner.cancelled());
        EXPECT_EQ(corio::get_running_loop().time() - start, 1s);
    };
    corio::run(main(), virtual_time);
}

TEST(cancel, task_group_join_cancelled_cancels_children) {
    auto main = []() -> corio::coro<void> {
        int cleaned = 0;
        auto runner = corio::create_task([](int& c) -> corio::coro<void> {
            corio::task_group tg;
            for (int i = 0; i < 5; ++i)
                tg.create_task([](int& n) -> corio::coro<void> {
                    try {
                        co_await corio::sleep(5s);
                    } catch (const corio::cancelled_error&) {
                        ++n;
                        throw;
                    }
                }(c));
            co_await tg.join();
        }(cleaned));
        co_await corio::sleep(100ms);
        EXPECT_FALSE(runner.done());
        runner.cancel();
        EXPECT_THROW(co_await runner, corio::cancelled_error);
        EXPECT_EQ(cleaned, 5);
    };
    corio::run(main(), virtual_time);
}

}  // namespace
