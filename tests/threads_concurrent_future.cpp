// run_coroutine_threadsafe and concurrent_future: get/wait/wait_for/done,
// exceptions, cancel() in both directions, the loop closing under a waiting
// thread, co_await from another loop, several loops in several threads.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <corio/corio.hpp>
#include <corio/threads/concurrent_future.hpp>
#include <corio/threads/run_coroutine_threadsafe.hpp>

using namespace std::chrono_literals;

// g++ 12 destroys a capturing lambda written inside a co_await expression
// twice (clang is right): such lambdas are named before the co_await here.

namespace {

// An event loop running in its own thread until stop().
struct loop_thread {
    corio::event_loop loop;
    std::thread thread;

    explicit loop_thread(bool start_now = true) {
        if (start_now) start();
    }
    ~loop_thread() { stop(); }
    void start() {
        thread = std::thread([this] { loop.run_forever(); });
    }
    void stop() {
        if (!thread.joinable()) return;
        loop.call_soon_threadsafe([this] { loop.stop(); });
        thread.join();
    }
};

corio::coro<int> twice(int x) {
    co_await corio::sleep(0s);
    co_return 2 * x;
}

corio::coro<int> fails() {
    co_await corio::sleep(0s);
    throw std::runtime_error("failed on the loop");
}

// Reports (through `seen`) how the coroutine ended: "cancelled" or "done".
corio::coro<int> sleep_forever(std::shared_ptr<std::promise<void>> started, std::shared_ptr<std::promise<std::string>> seen) {
    started->set_value();
    try {
        co_await corio::sleep(1h);
    } catch (const corio::cancelled_error&) {
        seen->set_value("cancelled");
        throw;
    }
    seen->set_value("done");
    co_return 0;
}

}  // namespace

TEST(threads_concurrent_future, get_from_another_thread) {
    loop_thread lt;
    corio::concurrent_future<int> f = corio::run_coroutine_threadsafe(twice(21), lt.loop);
    EXPECT_EQ(f.get(), 42);
    EXPECT_TRUE(f.done());
    EXPECT_FALSE(f.cancelled());
    EXPECT_EQ(f.get(), 42);  // may be read again
}

TEST(threads_concurrent_future, exception_void_and_move_only) {
    loop_thread lt;
    auto f = corio::run_coroutine_threadsafe(fails(), lt.loop);
    EXPECT_THROW(
        {
            try {
                f.get();
            } catch (const std::runtime_error& e) {
                EXPECT_STREQ(e.what(), "failed on the loop");
                throw;
            }
        },
        std::runtime_error);
    EXPECT_TRUE(f.exception() != nullptr);

    auto v = corio::run_coroutine_threadsafe([]() -> corio::coro<void> { co_return; }(), lt.loop);
    v.get();
    auto p = corio::run_coroutine_threadsafe([]() -> corio::coro<std::unique_ptr<int>> { co_return std::make_unique<int>(3); }(),
                                             lt.loop);
    EXPECT_EQ(*p.get(), 3);
}

TEST(threads_concurrent_future, wait_for_times_out_then_succeeds) {
    loop_thread lt;
    std::promise<int> gate;
    auto f = corio::run_coroutine_threadsafe(
        [](std::shared_future<int> g) -> corio::coro<int> {
            auto wait_gate = [g] { return g.get(); };  // named: see the g++ 12 note at the top
            co_return co_await corio::to_thread(wait_gate);
        }(gate.get_future().share()),
        lt.loop);
    EXPECT_EQ(f.wait_for(10ms), std::future_status::timeout);
    EXPECT_FALSE(f.done());
    gate.set_value(5);
    EXPECT_EQ(f.wait_for(10s), std::future_status::ready);
    EXPECT_TRUE(f.done());
    EXPECT_EQ(f.get(), 5);
}

TEST(threads_concurrent_future, cancel_cancels_the_task_on_its_loop) {
    loop_thread lt;
    auto started = std::make_shared<std::promise<void>>();
    auto seen = std::make_shared<std::promise<std::string>>();
    auto f = corio::run_coroutine_threadsafe(sleep_forever(started, seen), lt.loop);
    started->get_future().wait();
    EXPECT_TRUE(f.cancel());
    EXPECT_TRUE(f.cancelled());
    EXPECT_FALSE(f.cancel());
    EXPECT_THROW(f.get(), corio::cancelled_error);
    EXPECT_EQ(seen->get_future().get(), "cancelled");
}

TEST(threads_concurrent_future, cancel_before_the_loop_starts_it) {
    loop_thread lt(false);
    auto ran = std::make_shared<std::atomic<bool>>(false);
    auto f = corio::run_coroutine_threadsafe([](std::shared_ptr<std::atomic<bool>> r) -> corio::coro<int> {
        *r = true;
        co_return 1;
    }(ran), lt.loop);
    EXPECT_TRUE(f.cancel());
    lt.start();
    auto probe = corio::run_coroutine_threadsafe(twice(1), lt.loop);  // runs after the cancelled one
    EXPECT_EQ(probe.get(), 2);
    EXPECT_FALSE(ran->load());
    EXPECT_THROW(f.get(), corio::cancelled_error);
}

TEST(threads_concurrent_future, blocking_on_its_own_loop_thread_is_an_error) {
    auto main = []() -> corio::coro<std::string> {
        auto f = corio::run_coroutine_threadsafe(twice(4), corio::get_running_loop());
        std::string out;
        try {
            f.get();
        } catch (const std::logic_error& e) {
            out = e.what();
        }
        out += " / " + std::to_string(co_await f);  // awaiting it is fine
        co_return out;
    };
    EXPECT_EQ(corio::run(main()),
              "concurrent_future::get/wait() on the thread running its loop would wait forever (co_await it "
              "instead) / 8");
}

TEST(threads_concurrent_future, loop_closing_releases_waiting_threads) {
    auto lt = std::make_unique<loop_thread>();
    auto started = std::make_shared<std::promise<void>>();
    auto seen = std::make_shared<std::promise<std::string>>();
    auto running = corio::run_coroutine_threadsafe(sleep_forever(started, seen), lt->loop);
    started->get_future().wait();
    std::thread waiter([running] { EXPECT_THROW(running.get(), corio::cancelled_error); });
    lt->stop();
    auto never_started = corio::run_coroutine_threadsafe(twice(1), lt->loop);  // queued, never run
    lt->loop.close();
    waiter.join();
    try {
        running.get();
        ADD_FAILURE() << "no exception";
    } catch (const corio::cancelled_error& e) {
        EXPECT_EQ(e.message(), "event loop closed before the coroutine finished");
    }
    try {
        never_started.get();
        ADD_FAILURE() << "no exception";
    } catch (const corio::cancelled_error& e) {
        EXPECT_EQ(e.message(), "event loop closed before the coroutine started");
    }
    EXPECT_THROW((void)corio::run_coroutine_threadsafe(twice(1), lt->loop), std::runtime_error);
}

TEST(threads_concurrent_future, await_from_another_loop) {
    loop_thread other;
    auto main = [&]() -> corio::coro<int> {
        int a = co_await corio::run_coroutine_threadsafe(twice(10), other.loop);
        corio::concurrent_future<int> f = corio::run_coroutine_threadsafe(twice(1), other.loop);
        int b = co_await f;
        try {
            co_await corio::run_coroutine_threadsafe(fails(), other.loop);
        } catch (const std::runtime_error&) {
            b += 100;
        }
        co_return a + b;
    };
    EXPECT_EQ(corio::run(main()), 122);
}

TEST(threads_concurrent_future, cancelling_the_awaiter_cancels_the_remote_task) {
    loop_thread other;
    auto started = std::make_shared<std::promise<void>>();
    auto seen = std::make_shared<std::promise<std::string>>();
    auto main = [&]() -> corio::coro<bool> {
        auto cf = corio::run_coroutine_threadsafe(sleep_forever(started, seen), other.loop);
        auto t = corio::create_task([](corio::concurrent_future<int> f) -> corio::coro<int> { co_return co_await f; }(cf));
        co_await corio::to_thread([&] { started->get_future().wait(); });
        t.cancel();
        try {
            co_await t;
        } catch (const corio::cancelled_error&) {
            co_return cf.cancelled();
        }
        co_return false;
    };
    EXPECT_TRUE(corio::run(main()));
    EXPECT_EQ(seen->get_future().get(), "cancelled");
}

TEST(threads_concurrent_future, many_threads_submit_to_one_loop) {
    loop_thread lt;
    std::atomic<long> sum{0};
    std::vector<std::thread> submitters;
    for (int t = 0; t < 4; ++t) {
        submitters.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) sum += corio::run_coroutine_threadsafe(twice(t * 2000 + i), lt.loop).get();
        });
    }
    for (auto& s : submitters) s.join();
    EXPECT_EQ(sum.load(), 2L * (8000L * 7999 / 2));
}

TEST(threads_concurrent_future, several_loops_in_several_threads) {
    // Each thread runs its own loop with corio::run, independently.
    constexpr int n = 4;
    std::vector<std::string> out(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
        threads.emplace_back([i, &out] {
            auto main = [](int id) -> corio::coro<std::string> {
                auto& loop = corio::get_running_loop();
                auto a = corio::create_task(twice(id));
                co_await corio::sleep(std::chrono::hours(id + 1));  // virtual: instant
                int b = co_await corio::to_thread([id] { return id * 100; });
                co_return std::to_string(co_await a + b) + "@" +
                          std::to_string(static_cast<int>(corio::to_seconds(loop.time().time_since_epoch()) / 3600));
            };
            out[i] = corio::run(main(i), {.clock = corio::virtual_clock()});
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(out, (std::vector<std::string>{"0@1", "102@2", "204@3", "306@4"}));
}

TEST(threads_concurrent_future, empty_future_throws) {
    corio::concurrent_future<int> f;
    EXPECT_FALSE(f.valid());
    EXPECT_THROW((void)f.done(), corio::invalid_state_error);
}
