// wait() and wait_for(). Ported CPython tests (Lib/test/test_asyncio/
// test_tasks.py for wait, test_waitfor.py for wait_for) are named in a comment.
#include <gtest/gtest.h>

#include <algorithm>
#include <corio/corio.hpp>
#include <list>
#include <stdexcept>
#include <string>
#include <vector>

#include "core_fixtures.hpp"

using namespace std::chrono_literals;
using corio_test::virtual_time;

namespace {

corio::coro<int> after(std::chrono::milliseconds d, int v) {
    co_await corio::sleep(d);
    co_return v;
}
corio::coro<void> nap(corio::clock::duration d) { co_await corio::sleep(d); }

template <class H>
bool holds(const std::vector<H>& v, const H& h) {
    return std::find(v.begin(), v.end(), h) != v.end();
}

// test_wait
TEST(wait, all_completed_by_default) {
    corio::event_loop loop({.clock = corio::virtual_clock()});
    const auto start = loop.time();
    auto a = loop.create_task(nap(100ms));
    auto b = loop.create_task(nap(150ms));
    auto foo = [&]() -> corio::coro<int> {
        std::vector<corio::task<void>> ts{b, a};
        auto [done, pending] = co_await corio::wait(ts);
        EXPECT_EQ(done.size(), 2u);
        EXPECT_TRUE(holds(done, a) && holds(done, b));
        EXPECT_TRUE(pending.empty());
        co_return 42;
    };
    EXPECT_EQ(loop.run_until_complete(foo()), 42);
    EXPECT_EQ(loop.time() - start, 150ms);
    // Doing it again takes no time.
    EXPECT_EQ(loop.run_until_complete(foo()), 42);
    EXPECT_EQ(loop.time() - start, 150ms);
}

// test_wait_errors, test_wait_invalid_args
TEST(wait, empty_set_is_invalid_argument) {
    auto main = []() -> corio::coro<void> {
        std::vector<corio::task<int>> none;
        EXPECT_THROW((void)corio::wait(none), std::invalid_argument);
        co_return;
    };
    corio::run(main());
}

// test_wait_first_completed
TEST(wait, first_completed) {
    corio::event_loop loop({.clock = corio::virtual_clock()});
    const auto start = loop.time();
    auto a = loop.create_task(nap(10s));
    auto b = loop.create_task(nap(100ms));
    auto [done, pending] =
        loop.run_until_complete([&]() -> corio::coro<corio::wait_result<corio::task<void>>> {
            std::vector<corio::task<void>> ts{b, a};
            co_return co_await corio::wait(ts, corio::first_completed);
        }());
    EXPECT_EQ(done, std::vector<corio::task<void>>{b});
    EXPECT_EQ(pending, std::vector<corio::task<void>>{a});
    EXPECT_FALSE(a.done());
    EXPECT_TRUE(b.done());
    EXPECT_EQ(loop.time() - start, 100ms);
    a.cancel();
    EXPECT_THROW(loop.run_until_complete(a), corio::cancelled_error);
}

// test_wait_really_done: tasks that finished in the same iteration are all in done.
TEST(wait, first_completed_reports_everything_done_at_that_moment) {
    auto main = []() -> corio::coro<void> {
        auto a = corio::create_task([]() -> corio::coro<void> { co_await corio::sleep(0s); }());
        auto b = corio::create_task([]() -> corio::coro<void> {
            co_await corio::sleep(0s);
            co_await corio::sleep(0s);
        }());
        std::vector<corio::task<void>> ts{b, a};
        auto [done, pending] = co_await corio::wait(ts, corio::first_completed);
        EXPECT_EQ(done, std::vector<corio::task<void>>{a});
        EXPECT_EQ(pending, std::vector<corio::task<void>>{b});
        co_await b;
    };
    corio::run(main());
}

// test_wait_first_exception: a task that already failed returns at once.
TEST(wait, first_exception_already_failed) {
    auto main = []() -> corio::coro<void> {
        const auto start = corio::get_running_loop().time();
        auto a = corio::create_task(nap(10s));
        auto b = corio::create_task([]() -> corio::coro<void> {
            throw std::domain_error("err");
            co_return;
        }());
        std::vector<corio::task<void>> ts{b, a};
        auto [done, pending] = co_await corio::wait(ts, corio::first_exception);
        EXPECT_EQ(done, std::vector<corio::task<void>>{b});
        EXPECT_EQ(pending, std::vector<corio::task<void>>{a});
        EXPECT_EQ(corio::get_running_loop().time(), start);
        EXPECT_NE(b.exception(), nullptr);
        a.cancel();
    };
    corio::run(main(), virtual_time);
}

// test_wait_first_exception_in_wait
TEST(wait, first_exception_while_waiting) {
    auto main = []() -> corio::coro<void> {
        const auto start = corio::get_running_loop().time();
        auto a = corio::create_task(nap(10s));
        auto b = corio::create_task([]() -> corio::coro<void> {
            co_await corio::sleep(10ms);
            throw std::domain_error("err");
        }());
        std::vector<corio::task<void>> ts{b, a};
        auto [done, pending] = co_await corio::wait(ts, corio::first_exception);
        EXPECT_EQ(done, std::vector<corio::task<void>>{b});
        EXPECT_EQ(pending, std::vector<corio::task<void>>{a});
        EXPECT_EQ(corio::get_running_loop().time() - start, 10ms);
        b.exception();
        a.cancel();
    };
    corio::run(main(), virtual_time);
}

TEST(wait, first_exception_without_failures_waits_for_all) {
    auto main = []() -> corio::coro<void> {
        std::vector<corio::coro<int>> cs;
        cs.push_back(after(1ms, 1));
        cs.push_back(after(2ms, 2));
        auto [done, pending] = co_await corio::wait(std::move(cs), corio::first_exception);
        EXPECT_EQ(done.size(), 2u);
        EXPECT_TRUE(pending.empty());
    };
    corio::run(main(), virtual_time);
}

// test_wait_with_exception
TEST(wait, all_completed_with_an_exception) {
    auto main = []() -> corio::coro<void> {
        const auto start = corio::get_running_loop().time();
        auto a = corio::create_task(nap(100ms));
        auto b = corio::create_task([]() -> corio::coro<void> {
            co_await corio::sleep(150ms);
            throw std::domain_error("really");
        }());
        std::vector<corio::task<void>> ts{b, a};
        auto [done, pending] = co_await corio::wait(ts);
        EXPECT_EQ(done.size(), 2u);
        EXPECT_TRUE(pending.empty());
        int errors = 0;
        for (auto& t : done) errors += t.exception() ? 1 : 0;
        EXPECT_EQ(errors, 1);
        EXPECT_EQ(corio::get_running_loop().time() - start, 150ms);
    };
    corio::run(main(), virtual_time);
}

// test_wait_with_timeout, test_wait_concurrent_complete
TEST(wait, timeout_returns_the_split) {
    auto main = []() -> corio::coro<void> {
        const auto start = corio::get_running_loop().time();
        auto a = corio::create_task(nap(100ms));
        auto b = corio::create_task(nap(150ms));
        std::vector<corio::task<void>> ts{b, a};
        auto [done, pending] = co_await corio::wait(ts, corio::all_completed, 110ms);
        EXPECT_EQ(done, std::vector<corio::task<void>>{a});
        EXPECT_EQ(pending, std::vector<corio::task<void>>{b});
        EXPECT_EQ(corio::get_running_loop().time() - start, 110ms);
        auto [done2, pending2] =
            co_await corio::wait(ts, corio::all_completed, 40ms);  // b ends at 150 ms, the timeout too
        EXPECT_EQ(done2.size() + pending2.size(), 2u);
        co_await b;
    };
    corio::run(main(), virtual_time);
}

TEST(wait, timeout_that_is_not_needed_leaves_no_timer) {
    auto main = []() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        const auto before = loop.pending_timers();
        std::vector<corio::coro<int>> cs;
        cs.push_back(after(1ms, 1));
        auto [done, pending] = co_await corio::wait(std::move(cs), corio::all_completed, 1h);
        EXPECT_EQ(done.size(), 1u);
        EXPECT_EQ(loop.pending_timers(), before);
    };
    corio::run(main(), virtual_time);
}

// test_wait_with_iterator_of_tasks: any input range will do.
TEST(wait, accepts_any_range) {
    auto main = []() -> corio::coro<void> {
        std::list<corio::task<void>> ts{corio::create_task(nap(100ms)), corio::create_task(nap(150ms))};
        auto [done, pending] = co_await corio::wait(ts);
        EXPECT_EQ(done.size(), 2u);
        EXPECT_TRUE(pending.empty());
    };
    corio::run(main(), virtual_time);
}

TEST(wait, futures_too) {
    auto main = []() -> corio::coro<void> {
        std::vector<corio::future<int>> fs(2);
        corio::get_running_loop().call_later(5ms, [f = fs[1]] { f.set_result(2); });
        auto [done, pending] = co_await corio::wait(fs, corio::first_completed);
        EXPECT_EQ(done, std::vector<corio::future<int>>{fs[1]});
        EXPECT_EQ(pending, std::vector<corio::future<int>>{fs[0]});
        fs[0].cancel();
    };
    corio::run(main(), virtual_time);
}

// test_yield_wait_does_not_shield_cancel: cancelling the waiter leaves the tasks running.
TEST(wait, cancelling_the_waiter_does_not_cancel_the_tasks) {
    auto main = []() -> corio::coro<void> {
        int proof = 0;
        corio::future<void> waiter;
        auto inner = corio::create_task([](corio::future<void> w, int& p) -> corio::coro<void> {
            co_await w;
            p += 1;
        }(waiter, proof));
        auto outer = corio::create_task([](corio::task<void> i, int& p) -> corio::coro<void> {
            std::vector<corio::task<void>> ts{i};
            co_await corio::wait(ts);
            p += 100;
        }(inner, proof));
        co_await corio::sleep(0s);
        outer.cancel();
        EXPECT_THROW(co_await outer, corio::cancelled_error);
        EXPECT_FALSE(inner.done());
        waiter.set_result();
        co_await inner;
        EXPECT_EQ(proof, 1);
    };
    corio::run(main());
}

TEST(wait, cancelled_wait_with_a_timeout_leaves_no_timer_behind) {
    auto main = []() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        const auto start = loop.time();
        auto a = corio::create_task(nap(1h));
        auto w = corio::create_task([](corio::task<void> t) -> corio::coro<void> {
            std::vector<corio::task<void>> ts{t};
            co_await corio::wait(ts, corio::all_completed, 30min);
        }(a));
        co_await corio::sleep(0s);
        const auto with_wait = loop.pending_timers();
        w.cancel();
        EXPECT_THROW(co_await w, corio::cancelled_error);
        EXPECT_EQ(loop.pending_timers(), with_wait - 1);  // only a's own sleep is left
        a.cancel();
        co_await corio::sleep(0s);
        EXPECT_EQ(loop.pending_timers(), 0u);
        EXPECT_EQ(loop.time(), start);
    };
    corio::run(main(), virtual_time);
}

// --- as_completed -------------------------------------------------------------

// test_as_completed
TEST(as_completed, yields_in_completion_order) {
    auto main = []() -> corio::coro<void> {
        const auto start = corio::get_running_loop().time();
        std::vector<corio::coro<int>> cs;
        cs.push_back(after(10ms, 2));   // b
        cs.push_back(after(150ms, 3));  // c
        cs.push_back(after(10ms, 1));   // a
        std::vector<int> values;
        for (auto& f : corio::as_completed(std::move(cs))) values.push_back(co_await f);
        EXPECT_EQ(values, (std::vector<int>{2, 1, 3}));
        EXPECT_EQ(corio::get_running_loop().time() - start, 150ms);
    };
    corio::run(main(), virtual_time);
}

// test_as_completed_reverse_wait: the futures may be awaited in any order.
TEST(as_completed, awaited_in_reverse) {
    auto main = []() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        const auto start = loop.time();
        std::vector<corio::coro<int>> cs;
        cs.push_back(after(50ms, 1));
        cs.push_back(after(100ms, 2));
        auto futs = corio::as_completed(std::move(cs));
        EXPECT_EQ(futs.size(), 2u);
        EXPECT_EQ(co_await futs[1], 2);
        EXPECT_EQ(loop.time() - start, 100ms);
        EXPECT_EQ(co_await futs[0], 1);
    };
    corio::run(main(), virtual_time);
}

// test_as_completed_concurrent
TEST(as_completed, waited_together) {
    auto main = []() -> corio::coro<void> {
        std::vector<corio::coro<int>> cs;
        cs.push_back(after(50ms, 1));
        cs.push_back(after(50ms, 2));
        auto futs = corio::as_completed(std::move(cs));
        auto [done, pending] = co_await corio::wait(futs);
        EXPECT_EQ(done.size(), 2u);
        EXPECT_EQ(done[0].result() + done[1].result(), 3);
    };
    corio::run(main(), virtual_time);
}

TEST(as_completed, failures_and_cancellations_come_out_in_order) {
    auto main = []() -> corio::coro<void> {
        auto ok = corio::create_task(after(30ms, 7));
        auto bad = corio::create_task([]() -> corio::coro<int> {
            co_await corio::sleep(10ms);
            throw std::domain_error("bad");
        }());
        auto gone = corio::create_task(after(1h, 0));
        std::vector<corio::task<int>> ts{ok, bad, gone};
        auto futs = corio::as_completed(ts);
        corio::get_running_loop().call_later(20ms, [gone]() mutable { gone.cancel(); });
        EXPECT_THROW(co_await futs[0], std::domain_error);
        EXPECT_THROW(co_await futs[1], corio::cancelled_error);
        EXPECT_EQ(co_await futs[2], 7);
    };
    corio::run(main(), virtual_time);
}

// --- wait_for (test_waitfor.py) ----------------------------------------------

// SlowTask: ignores cancellation until its time is up.
struct slow_task {
    static constexpr auto task_timeout = 200ms;
    bool exited = false;
    corio::coro<void> run() {
        auto& loop = corio::get_running_loop();
        const auto exit_at = loop.time() + task_timeout;
        for (;;) {
            const auto to_sleep = exit_at - loop.time();
            if (to_sleep <= corio::clock::duration::zero()) break;
            try {
                co_await corio::sleep(to_sleep);
            } catch (const corio::cancelled_error&) {
            }
        }
        exited = true;
    }
};

// test_asyncio_wait_for_cancelled
TEST(wait_for, cancelled_waits_for_the_inner_coroutine) {
    auto main = []() -> corio::coro<void> {
        slow_task t;
        auto w = corio::create_task(corio::wait_for(t.run(), slow_task::task_timeout * 2));
        co_await corio::sleep(0s);
        w.cancel();
        std::vector<corio::task<void>> ws{w};
        co_await corio::wait(ws);
        EXPECT_TRUE(t.exited);
    };
    corio::run(main(), virtual_time);
}

// test_asyncio_wait_for_timeout
TEST(wait_for, timeout_waits_for_the_inner_coroutine) {
    auto main = []() -> corio::coro<void> {
        slow_task t;
        try {
            co_await corio::wait_for(t.run(), slow_task::task_timeout / 2);
        } catch (const corio::timeout_error&) {
        }
        EXPECT_TRUE(t.exited);
    };
    corio::run(main(), virtual_time);
}

// test_wait_for_timeout_less_then_0_or_0_future_done
TEST(wait_for, zero_timeout_on_a_done_future_returns_its_result) {
    auto main = []() -> corio::coro<void> {
        const auto start = corio::get_running_loop().time();
        corio::future<std::string> fut;
        fut.set_result("done");
        EXPECT_EQ(co_await corio::wait_for(fut, 0s), "done");
        EXPECT_EQ(corio::get_running_loop().time(), start);
    };
    corio::run(main(), virtual_time);
}

// test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started
TEST(wait_for, zero_timeout_does_not_start_a_coroutine) {
    auto main = []() -> corio::coro<void> {
        const auto start = corio::get_running_loop().time();
        bool started = false;
        auto foo = [](bool& s) -> corio::coro<void> {
            s = true;
            co_return;
        };
        EXPECT_THROW(co_await corio::wait_for(foo(started), 0s), corio::timeout_error);
        EXPECT_FALSE(started);
        EXPECT_EQ(corio::get_running_loop().time(), start);
    };
    corio::run(main(), virtual_time);
}

// test_wait_for_timeout_less_then_0_or_0
TEST(wait_for, zero_or_negative_timeout_cancels_a_running_task) {
    auto main = []() -> corio::coro<void> {
        for (auto timeout : {0ms, -1000ms}) {
            const auto start = corio::get_running_loop().time();
            bool running = false;
            corio::future<void> started;
            auto fut = corio::create_task([](bool& r, corio::future<void> s) -> corio::coro<std::string> {
                r = true;
                s.set_result();
                struct reset {
                    bool& flag;
                    ~reset() { flag = false; }
                } guard{r};
                co_await corio::sleep(10s);
                co_return "done";
            }(running, started));
            co_await started;
            EXPECT_THROW(co_await corio::wait_for(fut, timeout), corio::timeout_error);
            EXPECT_TRUE(fut.done());
            EXPECT_TRUE(fut.cancelled());
            EXPECT_FALSE(running);
            EXPECT_EQ(corio::get_running_loop().time(), start);
        }
    };
    corio::run(main(), virtual_time);
}

// test_wait_for
TEST(wait_for, times_out_and_cancels_the_task) {
    auto main = []() -> corio::coro<void> {
        const auto start = corio::get_running_loop().time();
        bool running = false;
        auto fut = corio::create_task([](bool& r) -> corio::coro<std::string> {
            r = true;
            struct reset {
                bool& flag;
                ~reset() { flag = false; }
            } guard{r};
            co_await corio::sleep(10s);
            co_return "done";
        }(running));
        EXPECT_THROW(co_await corio::wait_for(fut, 100ms), corio::timeout_error);
        EXPECT_TRUE(fut.done());
        EXPECT_TRUE(fut.cancelled());
        EXPECT_EQ(corio::get_running_loop().time() - start, 100ms);
        EXPECT_FALSE(running);
        EXPECT_EQ(corio::current_task().cancelling(), 0);  // the internal cancel was withdrawn
    };
    corio::run(main(), virtual_time);
}

// test_wait_for_race_condition
TEST(wait_for, future_resolved_before_the_deadline) {
    auto main = []() -> corio::coro<void> {
        corio::future<std::string> fut;
        corio::get_running_loop().call_later(100ms, [fut] { fut.set_result("ok"); });
        EXPECT_EQ(co_await corio::wait_for(fut, 200ms), "ok");
        EXPECT_EQ(corio::get_running_loop().pending_timers(), 0u);  // the deadline is gone
    };
    corio::run(main(), virtual_time);
}

// test_wait_for_cancellation_race_condition, test_wait_for_cancel_suppressed
TEST(wait_for, inner_that_swallows_the_cancellation_returns_its_value) {
    auto main = []() -> corio::coro<void> {
        auto inner = []() -> corio::coro<int> {
            try {
                co_await corio::sleep(10s);
            } catch (const corio::cancelled_error&) {
                co_return 42;
            }
            co_return 0;
        };
        EXPECT_EQ(co_await corio::wait_for(inner(), 100ms), 42);
        EXPECT_EQ(corio::current_task().cancelling(), 0);
        co_await corio::sleep(1ms);  // and the task is not cancelled later
    };
    corio::run(main(), virtual_time);
}

// test_wait_for_waits_for_task_cancellation
TEST(wait_for, waits_for_the_task_to_finish_its_cancellation) {
    auto main = []() -> corio::coro<void> {
        bool task_done = false;
        auto inner = corio::create_task([](bool& d) -> corio::coro<void> {
            struct mark {
                bool& flag;
                ~mark() { flag = true; }
            } guard{d};
            std::exception_ptr cancelled;
            try {
                co_await corio::sleep(10s);
            } catch (const corio::cancelled_error&) {
                cancelled = std::current_exception();
            }
            co_await corio::sleep(1ms);
            std::rethrow_exception(cancelled);
        }(task_done));
        EXPECT_THROW(co_await corio::wait_for(inner, 1ms), corio::timeout_error);
        EXPECT_TRUE(task_done);
    };
    corio::run(main(), virtual_time);
}

// test_wait_for_reraises_exception_during_cancellation
TEST(wait_for, exception_raised_during_cancellation_wins) {
    struct foo_exception {};
    auto main = []() -> corio::coro<void> {
        auto inner = corio::create_task([]() -> corio::coro<void> {
            try {
                co_await corio::sleep(200ms);
            } catch (const corio::cancelled_error&) {
            }
            throw foo_exception{};
        }());
        EXPECT_THROW(co_await corio::wait_for(inner, 1ms), foo_exception);
    };
    corio::run(main(), virtual_time);
}

// test_wait_for_self_cancellation
TEST(wait_for, the_waiter_can_be_cancelled_while_the_inner_task_resists) {
    auto main = []() -> corio::coro<void> {
        auto inner = corio::create_task([]() -> corio::coro<int> {
            for (int i = 0; i < 3; ++i) {
                try {
                    co_await corio::sleep(300ms);
                    break;
                } catch (const corio::cancelled_error&) {
                }
            }
            co_return 42;
        }());
        auto w = corio::create_task(corio::wait_for(inner, 100ms));
        w.cancel();
        EXPECT_THROW(co_await w, corio::cancelled_error);
        EXPECT_EQ(co_await inner, 42);
    };
    corio::run(main(), virtual_time);
}

// _test_cancel_wait_for (Python issue #23219): cancelling the wait cancels the task.
TEST(wait_for, cancelling_the_wait_cancels_the_task) {
    auto main = []() -> corio::coro<void> {
        corio::future<void> never;
        auto task = corio::create_task([](corio::future<void> f) -> corio::coro<void> { co_await f; }(never));
        auto w = corio::create_task(corio::wait_for(task, 60s));
        corio::get_running_loop().call_soon([w]() mutable { w.cancel(); });
        EXPECT_THROW(co_await w, corio::cancelled_error);
        EXPECT_TRUE(task.cancelled());
    };
    corio::run(main(), virtual_time);
}

// test_wait_for_issue86296: a wait_for that succeeded does not swallow a later cancel.
TEST(wait_for, later_cancellation_is_not_swallowed) {
    auto main = []() -> corio::coro<void> {
        bool reached_end = false;
        auto t = corio::create_task([](bool& end) -> corio::coro<void> {
            co_await corio::wait_for([]() -> corio::coro<void> { co_return; }(), 100s);
            co_await corio::sleep(1s);
            end = true;
        }(reached_end));
        co_await corio::sleep(0s);
        EXPECT_FALSE(t.done());
        t.cancel();
        EXPECT_THROW(co_await t, corio::cancelled_error);
        EXPECT_FALSE(reached_end);
    };
    corio::run(main(), virtual_time);
}

TEST(wait_for, an_exception_from_the_inner_coroutine_disarms_the_deadline) {
    auto main = []() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        auto thrower = []() -> corio::coro<int> {
            co_await corio::sleep(1ms);
            throw std::domain_error("inner failed");
        };
        EXPECT_THROW(co_await corio::wait_for(thrower(), 1s), std::domain_error);
        EXPECT_EQ(loop.pending_timers(), 0u);
        // Long after the deadline would have been: this task is not cancelled by it.
        co_await corio::sleep(5s);
        EXPECT_EQ(corio::current_task().cancelling(), 0);
    };
    corio::run(main(), virtual_time);
}

}  // namespace

// asyncio's wait() looks at exceptions only for FIRST_EXCEPTION (which
// retrieves them); after ALL_COMPLETED a failure nobody retrieves is still
// reported when its task goes away, and one retrieved is not.
TEST(wait, leaves_failures_to_the_caller_except_in_first_exception_mode) {
    // Waits for one failing task in `mode`; true if its failure was reported.
    auto reported_after = [](corio::return_when mode) {
        corio_test::log_capture logs;
        corio::run([](corio::return_when m) -> corio::coro<void> {
            std::vector<corio::task<void>> ts;
            ts.push_back(corio::create_task([]() -> corio::coro<void> {
                throw std::runtime_error("boom");
                co_return;
            }()));
            auto r = co_await corio::wait(std::move(ts), m);
            EXPECT_EQ(r.done.size(), 1u);
        }(mode));
        return logs.contains("Task exception was never retrieved");
    };
    EXPECT_TRUE(reported_after(corio::all_completed));
    EXPECT_FALSE(reported_after(corio::first_exception));
}
