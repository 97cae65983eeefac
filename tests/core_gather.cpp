#include <gtest/gtest.h>

#include <corio/corio.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "core_fixtures.hpp"

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
        auto waiter = corio::create_task(
            [](corio::task<int> t) -> corio::coro<void> { co_await corio::gather(t, after(1h, 2)); }(t1));
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

// Ports of CPython's GatherTestsBase / FutureGatherTests / CoroutineGatherTests
// (Lib/test/test_asyncio/test_tasks.py), plus ownership checks.
namespace {

using corio_test::counted;
using corio_test::log_capture;

corio::coro<void> nap(std::chrono::milliseconds d) { co_await corio::sleep(d); }

// test_success (futures), test_result_exception_success
TEST(gather, futures_complete_in_any_order_results_in_argument_order) {
    auto main = []() -> corio::coro<void> {
        std::vector<corio::future<int>> fs(3);
        auto g = corio::gather(fs);
        int callbacks = 0;
        g.add_done_callback([&] { ++callbacks; });
        fs[1].set_result(1);
        fs[0].set_result(2);
        co_await corio::sleep(0s);
        EXPECT_EQ(callbacks, 0);
        EXPECT_FALSE(g.done());
        fs[2].set_result(3);
        co_await corio::sleep(0s);
        EXPECT_TRUE(g.done());
        EXPECT_EQ(callbacks, 1);
        EXPECT_EQ(g.result(), (std::vector<int>{2, 1, 3}));

        std::vector<corio::future<int>> gs(2);
        auto r = corio::gather(corio::return_exceptions, gs);
        gs[1].set_result(5);
        gs[0].set_result(4);
        auto outcomes = co_await r;
        EXPECT_EQ(outcomes[0].value() + outcomes[1].value() * 10, 54);
    };
    corio::run(main());
}

// test_one_exception
TEST(gather, one_exception_finishes_the_gather_and_later_outcomes_do_nothing) {
    log_capture logs;
    auto main = []() -> corio::coro<void> {
        std::vector<corio::future<int>> f(5);
        auto g = corio::gather(f);
        int callbacks = 0;
        g.add_done_callback([&] { ++callbacks; });
        auto exc = std::make_exception_ptr(std::domain_error("zero division"));
        f[0].set_result(1);
        f[1].set_exception(exc);
        co_await corio::sleep(0s);
        EXPECT_TRUE(g.done());
        EXPECT_EQ(callbacks, 1);
        EXPECT_EQ(g.exception(), exc);
        f[2].set_result(3);  // does nothing
        f[3].cancel();
        f[4].set_exception(std::make_exception_ptr(std::runtime_error("late")));
        co_await corio::sleep(0s);
        EXPECT_EQ(callbacks, 1);
    };
    corio::run(main());
    EXPECT_FALSE(logs.contains("never retrieved"));  // the late failure was marked retrieved
}

// test_return_exceptions
TEST(gather, return_exceptions_keeps_values_and_errors_in_order) {
    auto main = []() -> corio::coro<void> {
        std::vector<corio::future<int>> f(4);
        auto g = corio::gather(corio::return_exceptions, f);
        auto exc = std::make_exception_ptr(std::domain_error("zde"));
        auto exc2 = std::make_exception_ptr(std::runtime_error("rte"));
        f[1].set_result(1);
        f[2].set_exception(exc);
        f[0].set_result(3);
        co_await corio::sleep(0s);
        EXPECT_FALSE(g.done());
        f[3].set_exception(exc2);
        auto res = co_await g;
        EXPECT_EQ(res[0].value(), 3);
        EXPECT_EQ(res[1].value(), 1);
        EXPECT_EQ(res[2].error(), exc);
        EXPECT_EQ(res[3].error(), exc2);
    };
    corio::run(main());
}

// test_one_cancellation: a child cancelled on its own fails the gather with
// cancelled_error; the gather itself is not cancelled (asyncio).
TEST(gather, one_child_cancelled_fails_the_gather_with_cancelled_error) {
    auto main = []() -> corio::coro<void> {
        std::vector<corio::future<int>> f(5);
        auto g = corio::gather(f);
        f[0].set_result(1);
        f[1].cancel("child");
        co_await corio::sleep(0s);
        EXPECT_TRUE(g.done());
        EXPECT_FALSE(g.cancelled());
        EXPECT_THROW(std::rethrow_exception(g.exception()), corio::cancelled_error);
        EXPECT_THROW(co_await g, corio::cancelled_error);
        f[2].set_result(3);  // does nothing
        f[3].cancel();
        f[4].set_exception(std::make_exception_ptr(std::runtime_error("late")));
        co_await corio::sleep(0s);
    };
    corio::run(main());
}

// test_result_exception_one_cancellation
TEST(gather, return_exceptions_turns_cancelled_children_into_cancelled_error) {
    auto main = []() -> corio::coro<void> {
        std::vector<corio::future<int>> f(6);
        auto g = corio::gather(corio::return_exceptions, f);
        f[0].set_result(1);
        auto zde = std::make_exception_ptr(std::domain_error("zde"));
        f[1].set_exception(zde);
        f[2].cancel();
        co_await corio::sleep(0s);
        EXPECT_FALSE(g.done());
        f[3].set_result(3);
        f[4].cancel();
        auto rte = std::make_exception_ptr(std::runtime_error("rte"));
        f[5].set_exception(rte);
        auto res = co_await g;
        EXPECT_EQ(res[0].value(), 1);
        EXPECT_EQ(res[1].error(), zde);
        EXPECT_THROW(std::rethrow_exception(res[2].error()), corio::cancelled_error);
        EXPECT_EQ(res[3].value(), 3);
        EXPECT_THROW(std::rethrow_exception(res[4].error()), corio::cancelled_error);
        EXPECT_EQ(res[5].error(), rte);
        EXPECT_FALSE(g.cancelled());
    };
    corio::run(main());
}

// test_cancellation_broadcast: cancelling the awaiting task cancels all children.
TEST(gather, cancellation_broadcast) {
    auto main = []() -> corio::coro<void> {
        int proof = 0;
        corio::future<void> waiter;
        auto inner = [](corio::future<void> w, int& p) -> corio::coro<void> {
            co_await w;
            p += 1;
        };
        auto child1 = corio::create_task(inner(waiter, proof));
        auto child2 = corio::create_task(inner(waiter, proof));
        std::optional<corio::future<std::tuple<corio::none, corio::none>>> gatherer;
        auto f = corio::create_task(
            [](corio::task<void> a, corio::task<void> b, auto& g, int& p) -> corio::coro<void> {
                g.emplace(corio::gather(a, b));
                co_await *g;
                p += 100;
            }(child1, child2, gatherer, proof));
        co_await corio::sleep(0s);
        EXPECT_TRUE(f.cancel());
        EXPECT_THROW(co_await f, corio::cancelled_error);
        EXPECT_FALSE(gatherer->cancel());
        EXPECT_TRUE(waiter.cancelled());
        EXPECT_TRUE(child1.cancelled());
        EXPECT_TRUE(child2.cancelled());
        co_await corio::sleep(0s);
        EXPECT_EQ(proof, 0);
    };
    corio::run(main());
}

// test_exception_marking: the second child's failure is marked retrieved.
TEST(gather, later_failures_are_marked_retrieved) {
    log_capture logs;
    auto main = []() -> corio::coro<void> {
        corio::future<void> a, b;
        auto inner = [](corio::future<void> f) -> corio::coro<void> {
            co_await f;
            throw std::runtime_error("should not be ignored");
        };
        auto outer = corio::create_task([](corio::coro<void> x, corio::coro<void> y) -> corio::coro<void> {
            co_await corio::gather(std::move(x), std::move(y));
        }(inner(a), inner(b)));
        co_await corio::sleep(0s);
        a.set_result();
        co_await corio::sleep(0s);
        b.set_result();
        co_await corio::sleep(0s);
        co_await corio::sleep(0s);
        EXPECT_THROW(std::rethrow_exception(outer.exception()), std::runtime_error);
    };
    corio::run(main());
    EXPECT_FALSE(logs.contains("never retrieved")) << logs.lines().front();
}

// test_cancel_gather_1 (Python issue #26923): once every child is done, the gather refuses cancel().
TEST(gather, refuses_cancel_once_all_children_are_done) {
    auto main = []() -> corio::coro<void> {
        corio::future<int> fut;
        auto g = corio::gather([](corio::future<int> f) -> corio::coro<int> { co_return co_await f; }(fut));
        co_await corio::sleep(0s);
        std::optional<bool> cancel_result;
        fut.add_done_callback([&] { cancel_result = g.cancel(); });
        fut.set_result(42);
        auto [v] = co_await g;
        co_await corio::sleep(0s);
        EXPECT_EQ(cancel_result, std::optional<bool>(false));
        EXPECT_FALSE(g.cancelled());
        EXPECT_EQ(v, 42);
    };
    corio::run(main());
}

// test_cancel_gather_2: the cancel message reaches the awaiting task through
// a return_exceptions gather.
TEST(gather, cancel_message_propagates_through_return_exceptions_gather) {
    auto main = []() -> corio::coro<void> {
        for (std::string msg : {std::string(), std::string("my message")}) {
            auto qwe = corio::create_task([]() -> corio::coro<void> {
                for (;;) co_await corio::gather(corio::return_exceptions, nap(50ms));
            }());
            co_await corio::sleep(200ms);
            qwe.cancel(msg);
            try {
                co_await qwe;
                ADD_FAILURE() << "gather() does not propagate the cancellation";
            } catch (const corio::cancelled_error& e) {
                EXPECT_EQ(e.message(), msg);
            }
        }
    };
    corio::run(main(), virtual_time);
}

TEST(gather, same_task_twice) {
    auto main = []() -> corio::coro<void> {
        auto t = corio::create_task(after(1ms, 5));
        auto [x, y] = co_await corio::gather(t, t);
        EXPECT_EQ(x + y, 10);
    };
    corio::run(main(), virtual_time);
}

TEST(gather, counted_results_do_not_leak) {
    counted::reset();
    auto main = []() -> corio::coro<void> {
        auto make = [](int i) -> corio::coro<counted> {
            co_await corio::sleep(1ms);
            co_return counted(i);
        };
        std::vector<corio::coro<counted>> cs;
        for (int i = 0; i < 10; ++i) cs.push_back(make(i));
        auto all = co_await corio::gather(std::move(cs));
        int sum = 0;
        for (auto& c : all) sum += c.id;
        EXPECT_EQ(sum, 45);
        auto [a, b] = co_await corio::gather(make(1), make(2));
        EXPECT_EQ(a.id + b.id, 3);
    };
    corio::run(main(), virtual_time);
    EXPECT_EQ(counted::alive(), 0);
}

TEST(gather, move_only_results) {
    auto main = []() -> corio::coro<void> {
        auto make = [](int i) -> corio::coro<corio_test::move_only> {
            co_await corio::sleep(1ms);
            co_return corio_test::move_only(i);
        };
        auto [a, b] = co_await corio::gather(make(1), make(2));
        EXPECT_EQ(*a.value + *b.value, 3);
    };
    corio::run(main(), virtual_time);
}

// Results of a range gather land in their slot as each child finishes (here
// in reverse order); a type without a default constructor takes the other
// storage path. Both must keep argument order.
TEST(gather, range_results_keep_order_whatever_the_finishing_order) {
    struct no_default {
        explicit no_default(int v) : value(v) {}
        int value;
    };
    auto main = []() -> corio::coro<void> {
        auto make = [](int i) -> corio::coro<no_default> {
            co_await corio::sleep(std::chrono::milliseconds(10 - i));
            co_return no_default(i);
        };
        std::vector<corio::coro<no_default>> cs;
        for (int i = 0; i < 5; ++i) cs.push_back(make(i));
        auto all = co_await corio::gather(std::move(cs));
        EXPECT_EQ(all.size(), 5u);
        for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].value, static_cast<int>(i));

        std::vector<corio::task<int>> ts;
        for (int i = 0; i < 5; ++i)
            ts.push_back(corio::create_task(after(std::chrono::milliseconds(10 - i), i)));
        auto ints = co_await corio::gather(std::move(ts));
        EXPECT_EQ(ints, (std::vector<int>{0, 1, 2, 3, 4}));
    };
    corio::run(main(), virtual_time);
}

// A range gather takes results early while children finish in order and
// leaves the rest to the end. Mixed here: two children done before the
// gather is made, two finishing in turn, one out of turn, and (second part)
// a failure after results were already taken.
TEST(gather, range_results_taken_early_and_late_mix) {
    auto main = []() -> corio::coro<void> {
        std::vector<corio::task<int>> ts;
        ts.push_back(corio::create_task(after(0ms, 0)));
        ts.push_back(corio::create_task(after(0ms, 1)));
        co_await corio::sleep(1ms);  // children 0 and 1 are done
        ts.push_back(corio::create_task(after(2ms, 2)));
        ts.push_back(corio::create_task(after(3ms, 3)));
        ts.push_back(corio::create_task(after(6ms, 4)));  // last but one to finish
        ts.push_back(corio::create_task(after(5ms, 5)));
        ts.push_back(corio::create_task(after(7ms, 6)));
        auto all = co_await corio::gather(std::move(ts));
        EXPECT_EQ(all, (std::vector<int>{0, 1, 2, 3, 4, 5, 6}));

        std::vector<corio::coro<int>> cs;
        cs.push_back(after(1ms, 10));
        cs.push_back(after(2ms, 11));
        cs.push_back([]() -> corio::coro<int> {
            co_await fail_after(3ms);
            co_return 0;
        }());
        cs.push_back(after(4ms, 13));
        EXPECT_THROW(co_await corio::gather(std::move(cs)), std::runtime_error);

        std::vector<corio::coro<int>> more;
        more.push_back(after(1ms, 20));
        more.push_back([]() -> corio::coro<int> {
            co_await fail_after(2ms);
            co_return 0;
        }());
        more.push_back(after(3ms, 22));
        auto outcomes = co_await corio::gather(corio::return_exceptions, std::move(more));
        EXPECT_EQ(outcomes.size(), 3u);
        EXPECT_EQ(outcomes[0].value(), 20);
        EXPECT_THROW(outcomes[1].value(), std::runtime_error);
        EXPECT_EQ(outcomes[2].value(), 22);
    };
    corio::run(main(), virtual_time);
}

TEST(gather, awaited_by_two_tasks) {
    auto main = []() -> corio::coro<void> {
        auto g = corio::gather(after(2ms, 1), after(1ms, 2));
        auto reader = [](decltype(g) gg) -> corio::coro<int> {
            auto [x, y] = co_await gg;
            co_return x * 10 + y;
        };
        auto r1 = corio::create_task(reader(g));
        auto r2 = corio::create_task(reader(g));
        EXPECT_EQ(co_await r1, 12);
        EXPECT_EQ(co_await r2, 12);
    };
    corio::run(main(), virtual_time);
}

// A gather watches a child without a node of its own until the child gets a
// second waiter; then its watch becomes a node, first in line. Everyone still
// hears the child, in registration order.
TEST(gather, child_with_other_waiters_reports_to_all_in_registration_order) {
    auto main = []() -> corio::coro<void> {
        auto t = corio::create_task(after(1ms, 3));
        std::vector<int> order;
        auto g1 = corio::gather(t);
        g1.add_done_callback([&] { order.push_back(1); });
        t.add_done_callback([&] { order.push_back(2); });
        auto g2 = corio::gather(t, t);
        g2.add_done_callback([&] { order.push_back(3); });
        auto waiter =
            corio::create_task([](corio::task<int> c) -> corio::coro<int> { co_return co_await c; }(t));
        auto [a] = co_await g1;
        auto [b, c] = co_await g2;
        EXPECT_EQ(a + b + c + co_await waiter, 12);
        co_await corio::sleep(0s);
        EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
    };
    corio::run(main(), virtual_time);
}

// A gather that failed early and was dropped must not hear from the children
// that outlive it (AddressSanitizer checks the memory side).
TEST(gather, dropped_gather_is_forgotten_by_its_pending_children) {
    auto main = []() -> corio::coro<void> {
        auto slow = corio::create_task(after(5ms, 1));
        std::vector<corio::task<int>> more{corio::create_task(after(6ms, 2))};
        {
            auto g = corio::gather(fail_after(1ms), slow);
            EXPECT_THROW(co_await g, std::runtime_error);
            auto h = corio::gather(more);  // a range gather, dropped unawaited
        }
        EXPECT_EQ(co_await slow, 1);
        EXPECT_EQ(co_await more[0], 2);
    };
    corio::run(main(), virtual_time);
}

}  // namespace
