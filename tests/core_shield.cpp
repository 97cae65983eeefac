// shield(): cancelling the outer future (or its awaiter) spares the inner
// work. Ported CPython tests (Lib/test/test_asyncio/test_tasks.py) are named
// in a comment.
#include <gtest/gtest.h>

#include <corio/corio.hpp>
#include <stdexcept>
#include <vector>

#include "core_fixtures.hpp"

using namespace std::chrono_literals;
using corio_test::log_capture;
using corio_test::virtual_time;

namespace {

// test_shield_result
TEST(shield, result) {
    auto main = []() -> corio::coro<void> {
        corio::future<int> inner;
        auto outer = corio::shield(inner);
        inner.set_result(42);
        EXPECT_EQ(co_await outer, 42);
    };
    corio::run(main());
}

// test_shield_exception
TEST(shield, exception) {
    auto main = []() -> corio::coro<void> {
        corio::future<int> inner;
        auto outer = corio::shield(inner);
        co_await corio::sleep(0s);
        auto exc = std::make_exception_ptr(std::runtime_error("expected"));
        inner.set_exception(exc);
        co_await corio::sleep(0s);
        EXPECT_EQ(outer.exception(), exc);
    };
    corio::run(main());
}

// test_shield_cancel_inner
TEST(shield, cancelling_inner_cancels_outer) {
    auto main = []() -> corio::coro<void> {
        corio::future<int> inner;
        auto outer = corio::shield(inner);
        co_await corio::sleep(0s);
        inner.cancel();
        co_await corio::sleep(0s);
        EXPECT_TRUE(outer.cancelled());
    };
    corio::run(main());
}

// test_shield_cancel_outer
TEST(shield, cancelling_outer_spares_inner) {
    auto main = []() -> corio::coro<void> {
        corio::future<int> inner;
        auto outer = corio::shield(inner);
        co_await corio::sleep(0s);
        EXPECT_TRUE(outer.cancel());
        co_await corio::sleep(0s);
        EXPECT_TRUE(outer.cancelled());
        EXPECT_FALSE(inner.done());
        inner.set_result(1);  // later completion is harmless
        co_await corio::sleep(0s);
        EXPECT_EQ(inner.result(), 1);
    };
    corio::run(main());
}

// test_shield_shortcut
TEST(shield, already_done) {
    auto main = []() -> corio::coro<void> {
        corio::future<int> fut;
        fut.set_result(42);
        EXPECT_EQ(co_await corio::shield(fut), 42);
    };
    corio::run(main());
}

// test_shield_effect: cancelling the awaiting task does not affect inner().
TEST(shield, cancelling_the_awaiting_task_spares_a_coroutine) {
    auto main = []() -> corio::coro<void> {
        int proof = 0;
        corio::future<void> waiter;
        auto inner = [](corio::future<void> w, int& p) -> corio::coro<void> {
            co_await w;
            p += 1;
        };
        auto f = corio::create_task([](corio::coro<void> in, int& p) -> corio::coro<void> {
            co_await corio::shield(std::move(in));
            p += 100;
        }(inner(waiter, proof), proof));
        co_await corio::sleep(0s);
        co_await corio::sleep(0s);
        f.cancel();
        EXPECT_THROW(co_await f, corio::cancelled_error);
        waiter.set_result();
        co_await corio::sleep(0s);
        co_await corio::sleep(0s);
        EXPECT_EQ(proof, 1);
    };
    corio::run(main());
}

// test_shield_gather
TEST(shield, shielded_gather_survives) {
    auto main = []() -> corio::coro<void> {
        corio::future<int> child1, child2;
        auto parent = corio::gather(child1, child2);
        auto outer = corio::shield(parent);
        co_await corio::sleep(0s);
        outer.cancel();
        co_await corio::sleep(0s);
        EXPECT_TRUE(outer.cancelled());
        child1.set_result(1);
        child2.set_result(2);
        co_await corio::sleep(0s);
        auto [a, b] = parent.result();
        EXPECT_EQ(a * 10 + b, 12);
    };
    corio::run(main());
}

// test_gather_shield: cancelling the gather cancels the shields, not the children.
TEST(shield, gather_of_shields) {
    auto main = []() -> corio::coro<void> {
        corio::future<int> child1, child2;
        auto inner1 = corio::shield(child1);
        auto inner2 = corio::shield(child2);
        auto parent = corio::gather(inner1, inner2);
        co_await corio::sleep(0s);
        parent.cancel();
        co_await corio::sleep(0s);
        EXPECT_THROW(std::rethrow_exception(parent.exception()), corio::cancelled_error);
        EXPECT_TRUE(inner1.cancelled());
        EXPECT_TRUE(inner2.cancelled());
        EXPECT_FALSE(child1.done());
        child1.set_result(1);
        child2.set_result(2);
        co_await corio::sleep(0s);
    };
    corio::run(main());
}

TEST(shield, task_keeps_running_and_its_result_stays_available) {
    auto main = []() -> corio::coro<void> {
        auto inner = corio::create_task([]() -> corio::coro<int> {
            co_await corio::sleep(10ms);
            co_return 4;
        }());
        auto waiter = corio::create_task(
            [](corio::task<int> t) -> corio::coro<int> { co_return co_await corio::shield(t); }(inner));
        co_await corio::sleep(1ms);
        waiter.cancel();
        EXPECT_THROW(co_await waiter, corio::cancelled_error);
        EXPECT_FALSE(inner.cancelled());
        EXPECT_EQ(co_await inner, 4);
        EXPECT_EQ(inner.result(), 4);  // the shield did not move the value away
    };
    corio::run(main(), virtual_time);
}

// test_shield_cancel_outer_exception (CPython 3.12): once the outer future
// is cancelled the inner one stops reporting to it, so a later failure that
// nobody retrieves reaches the exception handler.
corio::coro<void> fail_after_10ms() {
    co_await corio::sleep(10ms);
    throw std::runtime_error("late failure");
}

TEST(shield, failure_after_the_outer_was_cancelled_is_reported_as_never_retrieved) {
    log_capture logs;
    auto main = []() -> corio::coro<void> {
        auto outer = corio::shield(fail_after_10ms());
        co_await corio::sleep(1ms);
        outer.cancel();
        co_await corio::sleep(20ms);
    };
    corio::run(main(), virtual_time);
    EXPECT_TRUE(logs.contains("Task exception was never retrieved"));
}

// ...and a failure the caller does retrieve is not reported.
TEST(shield, failure_retrieved_from_the_inner_task_is_not_reported) {
    log_capture logs;
    auto main = []() -> corio::coro<void> {
        auto inner = corio::create_task(fail_after_10ms());
        auto outer = corio::shield(inner);
        co_await corio::sleep(1ms);
        outer.cancel();
        co_await corio::sleep(20ms);
        EXPECT_TRUE(inner.exception() != nullptr);
    };
    corio::run(main(), virtual_time);
    EXPECT_FALSE(logs.contains("never retrieved"));
}

TEST(shield, void_and_move_only) {
    auto main = []() -> corio::coro<void> {
        co_await corio::shield([]() -> corio::coro<void> { co_await corio::sleep(1ms); }());
        auto m = co_await corio::shield(
            []() -> corio::coro<corio_test::move_only> { co_return corio_test::move_only(5); }());
        EXPECT_EQ(*m.value, 5);
    };
    corio::run(main(), virtual_time);
}

}  // namespace
