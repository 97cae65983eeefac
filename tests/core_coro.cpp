// coro<T>: laziness, ownership, result kinds, single await, exception
// propagation and constant-stack symmetric transfer.
#include <gtest/gtest.h>

#include <corio/corio.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "core_fixtures.hpp"

using namespace std::chrono_literals;
using corio_test::counted;
using corio_test::move_only;
using corio_test::virtual_time;

namespace {

static_assert(!std::is_copy_constructible_v<corio::coro<int>>);
static_assert(!std::is_copy_assignable_v<corio::coro<int>>);
static_assert(std::is_nothrow_move_constructible_v<corio::coro<int>>);
static_assert(std::is_nothrow_move_assignable_v<corio::coro<int>>);

corio::coro<void> set_flag(bool& flag) {
    flag = true;
    co_return;
}

TEST(coro, calling_runs_nothing_until_awaited) {
    bool ran = false;
    auto outer = [&]() -> corio::coro<void> {
        auto c = set_flag(ran);
        EXPECT_FALSE(ran);
        co_await corio::sleep(0s);
        EXPECT_FALSE(ran);  // still nothing: a coro is not a task
        co_await c;
        EXPECT_TRUE(ran);
    };
    corio::run(outer());
}

TEST(coro, dropping_an_unstarted_coro_frees_its_arguments) {
    counted::reset();
    {
        auto c = [](counted) -> corio::coro<void> { co_return; }(counted(1));
        EXPECT_EQ(counted::alive(), 1);  // the parameter copy lives in the frame
    }
    EXPECT_EQ(counted::alive(), 0);
}

TEST(coro, move_transfers_the_frame) {
    auto main = []() -> corio::coro<int> {
        auto a = []() -> corio::coro<int> { co_return 5; }();
        corio::coro<int> b = std::move(a);
        EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): checking the moved-from state
        EXPECT_TRUE(b.valid());
        corio::coro<int> c;
        c = std::move(b);
        co_return co_await c;
    };
    EXPECT_EQ(corio::run(main()), 5);
}

TEST(coro, void_result) {
    int steps = 0;
    auto inner = [&]() -> corio::coro<void> {
        ++steps;
        co_return;
    };
    auto main = [&]() -> corio::coro<void> {
        co_await inner();
        co_await inner();
    };
    corio::run(main());
    EXPECT_EQ(steps, 2);
}

int global_value = 1;

corio::coro<int&> ref_to_global() { co_return global_value; }

TEST(coro, reference_result_refers_to_the_same_object) {
    auto main = []() -> corio::coro<void> {
        int& r = co_await ref_to_global();
        EXPECT_EQ(&r, &global_value);
        r = 41;
        ++(co_await ref_to_global());
    };
    corio::run(main());
    EXPECT_EQ(global_value, 42);
}

TEST(coro, reference_result_through_a_task_and_run) {
    global_value = 7;
    auto main = []() -> corio::coro<int&> {
        auto t = corio::create_task(ref_to_global());
        int& r = co_await t;
        EXPECT_EQ(&r, &global_value);
        co_return r;
    };
    int& r = corio::run(main());
    EXPECT_EQ(&r, &global_value);
}

TEST(coro, move_only_result) {
    auto main = []() -> corio::coro<int> {
        move_only m = co_await []() -> corio::coro<move_only> { co_return move_only(9); }();
        co_return *m.value;
    };
    EXPECT_EQ(corio::run(main()), 9);
}

TEST(coro, result_is_moved_never_copied) {
    counted::reset();
    auto main = []() -> corio::coro<int> {
        counted c = co_await []() -> corio::coro<counted> { co_return counted(3); }();
        co_return c.id;
    };
    EXPECT_EQ(corio::run(main()), 3);
    EXPECT_EQ(counted::copies, 0);
    EXPECT_EQ(counted::alive(), 0);
}

TEST(coro, frame_and_locals_are_freed_when_the_await_completes) {
    counted::reset();
    auto main = []() -> corio::coro<void> {
        co_await []() -> corio::coro<void> {
            counted local(1);
            EXPECT_EQ(counted::alive(), 1);
            co_await corio::sleep(0s);
        }();
        EXPECT_EQ(counted::alive(), 0);  // not kept until the caller finishes
    };
    corio::run(main());
}

TEST(coro, awaiting_twice_is_invalid_state_with_a_clear_message) {
    auto main = []() -> corio::coro<void> {
        auto c = []() -> corio::coro<int> { co_return 1; }();
        EXPECT_EQ(co_await c, 1);
        EXPECT_FALSE(c.valid());
        try {
            (void)co_await c;
            ADD_FAILURE() << "second await must throw";
        } catch (const corio::invalid_state_error& e) {
            EXPECT_NE(std::string(e.what()).find("awaited once"), std::string::npos) << e.what();
        }
    };
    corio::run(main());
}

TEST(coro, awaiting_after_handing_to_a_task_is_invalid_state) {
    auto main = []() -> corio::coro<void> {
        auto c = []() -> corio::coro<int> { co_return 1; }();
        auto t = corio::create_task(std::move(c));
        EXPECT_THROW(co_await c, corio::invalid_state_error);  // NOLINT(bugprone-use-after-move)
        EXPECT_THROW(corio::create_task(std::move(c)), corio::invalid_state_error);
        EXPECT_EQ(co_await t, 1);
    };
    corio::run(main());
}

TEST(coro, awaiting_a_coro_another_task_is_running_is_invalid_state) {
    auto main = []() -> corio::coro<void> {
        auto shared = []() -> corio::coro<int> {
            co_await corio::sleep(1s);
            co_return 1;
        }();
        auto first = corio::create_task([](corio::coro<int>& c) -> corio::coro<int> { co_return co_await c; }(shared));
        co_await corio::sleep(0s);  // `first` is now suspended inside `shared`
        EXPECT_THROW(co_await shared, corio::invalid_state_error);
        EXPECT_EQ(co_await first, 1);
    };
    corio::run(main(), virtual_time);
}

struct custom_error {
    int code;
};
struct my_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

corio::coro<int> throws_custom() {
    co_await corio::sleep(0s);
    throw custom_error{17};
}
corio::coro<int> throws_runtime() {
    throw my_error("deep failure");
    co_return 0;
}

TEST(coro, exceptions_propagate_unchanged_through_await) {
    auto main = []() -> corio::coro<void> {
        try {
            co_await throws_custom();
            ADD_FAILURE();
        } catch (const custom_error& e) {
            EXPECT_EQ(e.code, 17);
        }
        // Through three levels of coroutines.
        auto mid = []() -> corio::coro<int> { co_return co_await throws_runtime() + 1; };
        auto top = [&]() -> corio::coro<int> { co_return co_await mid() + 1; };
        try {
            co_await top();
            ADD_FAILURE();
        } catch (const my_error& e) {
            EXPECT_STREQ(e.what(), "deep failure");
        }
    };
    corio::run(main());
}

TEST(coro, exceptions_propagate_unchanged_through_gather_and_run) {
    auto main = []() -> corio::coro<void> {
        co_await corio::gather(throws_runtime(), []() -> corio::coro<int> { co_return 1; }());
    };
    try {
        corio::run(main());
        FAIL() << "run must rethrow";
    } catch (const my_error& e) {
        EXPECT_STREQ(e.what(), "deep failure");
    }
    EXPECT_THROW(corio::run(throws_custom()), custom_error);
}

TEST(coro, runs_inside_the_awaiting_task) {
    auto main = []() -> corio::coro<void> {
        corio::task_handle me = corio::current_task();
        co_await [&]() -> corio::coro<void> {
            EXPECT_TRUE(corio::current_task() == me);
            co_await corio::sleep(0s);
            EXPECT_TRUE(corio::current_task() == me);
        }();
    };
    corio::run(main());
}

// Symmetric transfer: neither a long sequence nor a deep chain of awaits may
// grow the stack. These run in every build, including the sanitizer ones.
corio::coro<int> ready(int v) { co_return v; }

TEST(coro, million_sequential_awaits_of_ready_coroutines) {
    auto main = []() -> corio::coro<long long> {
        long long sum = 0;
        for (int i = 0; i < 1'000'000; ++i) sum += co_await ready(i);
        co_return sum;
    };
    EXPECT_EQ(corio::run(main()), 999'999LL * 1'000'000LL / 2);
}

corio::coro<int> depth(int n) {
    if (n == 0) co_return 0;
    co_return 1 + co_await depth(n - 1);
}

TEST(coro, hundred_thousand_deep_recursive_await_chain) {
    EXPECT_EQ(corio::run(depth(100'000)), 100'000);
}

corio::coro<void> deep_throw(int n) {
    if (n == 0) throw my_error("bottom");
    co_await deep_throw(n - 1);
}

TEST(coro, exception_from_the_bottom_of_a_deep_chain) {
    EXPECT_THROW(corio::run(deep_throw(100'000)), my_error);
}

TEST(coro, run_until_complete_on_an_explicit_loop) {
    corio::event_loop loop;
    EXPECT_EQ(loop.run_until_complete(depth(10)), 10);
    EXPECT_EQ(loop.run_until_complete(ready(3)), 3);  // a loop runs many times
    loop.close();
}

}  // namespace

// corio's awaitables park a task; a coroutine resumed by hand, outside any
// task, gets a clear error at its first real suspension instead of a crash.
TEST(coro, awaiting_outside_a_task_is_a_clear_error) {
    auto body = []() -> corio::coro<void> { co_await corio::sleep(1ms); };
    auto h = body().release();
    h.resume();  // runs up to the sleep, which throws into the coroutine
    ASSERT_TRUE(h.done());
    ASSERT_TRUE(h.promise().failed());
    try {
        std::rethrow_exception(h.promise().take_failure());
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("inside a task"), std::string::npos);
    }
    h.destroy();
}

// A coroutine started by hand that fails, and whose failure nobody takes,
// must not leak its exception into the next await on this thread.
TEST(coro, an_untaken_failure_of_a_hand_started_coroutine_stays_with_it) {
    auto outer = []() -> corio::coro<int> {
        auto body = []() -> corio::coro<void> {
            throw std::runtime_error("not taken");
            co_return;
        };
        auto h = body().release();
        h.resume();
        EXPECT_TRUE(h.done());
        h.destroy();
        auto ready_one = []() -> corio::coro<int> { co_return 1; };
        co_return co_await ready_one() + co_await ready_one();
    };
    EXPECT_EQ(corio::run(outer()), 2);
}

// A hand-written awaitable that resumes its coroutine from a loop callback
// (not through a task step): a coro that then finishes still hands control
// back to the coroutine awaiting it.
struct resume_from_callback {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
        corio::get_running_loop().call_soon([h] { h.resume(); });
    }
    void await_resume() const noexcept {}
};

TEST(coro, a_coroutine_resumed_from_a_callback_returns_to_its_awaiter) {
    auto inner = []() -> corio::coro<int> {
        co_await resume_from_callback{};
        co_return 7;
    };
    auto outer = [&]() -> corio::coro<int> { co_return co_await inner() + 1; };
    EXPECT_EQ(corio::run(outer()), 8);
}
