// run_in_executor, to_thread and thread_pool_executor: results, exceptions,
// real parallelism, cancellation (running, not started, stop_token), shutdown,
// the bounded queue, and loop shutdown with jobs still running.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <corio/corio.hpp>
#include <corio/threads/executor.hpp>
#include <corio/threads/run_coroutine_threadsafe.hpp>
#include <corio/threads/to_thread.hpp>

using namespace std::chrono_literals;

// g++ 12 destroys a capturing lambda written inside a co_await expression
// twice (clang is right): such lambdas are named before the co_await here.

namespace {

int add(int a, int b) { return a + b; }

// Counts live instances, so that dropped results are seen to be destroyed.
struct counted {
    static inline std::atomic<int> live{0};
    int value;
    explicit counted(int v) : value(v) { ++live; }
    counted(const counted& o) : value(o.value) { ++live; }
    counted(counted&& o) noexcept : value(o.value) { ++live; }
    ~counted() { --live; }
};

// A one-shot one_shot between threads, with a bounded wait so that a broken
// test fails instead of hanging.
struct one_shot {
    std::promise<void> p;
    std::shared_future<void> f = p.get_future().share();
    void set() { p.set_value(); }
    bool wait(std::chrono::milliseconds d = 10s) const { return f.wait_for(d) == std::future_status::ready; }
};

}  // namespace

TEST(threads_executor, run_in_executor_default_executor) {
    auto main = []() -> corio::coro<int> {
        auto& loop = corio::get_running_loop();
        int m = co_await loop.run_in_executor(nullptr, add, 40, 2);
        co_return m;
    };
    EXPECT_EQ(corio::run(main()), 42);
}

TEST(threads_executor, runs_on_another_thread) {
    auto main = []() -> corio::coro<bool> {
        const auto me = std::this_thread::get_id();
        auto other = co_await corio::get_running_loop().run_in_executor(nullptr, [] { return std::this_thread::get_id(); });
        co_return other != me;
    };
    EXPECT_TRUE(corio::run(main()));
}

TEST(threads_executor, void_function_and_exception) {
    auto main = []() -> corio::coro<std::string> {
        auto& loop = corio::get_running_loop();
        std::atomic<int> hits{0};
        co_await loop.run_in_executor(nullptr, [&hits] { ++hits; });
        EXPECT_EQ(hits.load(), 1);
        try {
            co_await loop.run_in_executor(nullptr, []() -> int { throw std::runtime_error("boom"); });
        } catch (const std::runtime_error& e) {
            co_return e.what();
        }
        co_return "no exception";
    };
    EXPECT_EQ(corio::run(main()), "boom");
}

TEST(threads_executor, submitted_at_once_and_gathered) {
    auto main = []() -> corio::coro<int> {
        auto& loop = corio::get_running_loop();
        one_shot started;
        corio::future<int> f1 = loop.run_in_executor(nullptr, [&started](int x) { started.set(); return x; }, 1);
        // Not awaited yet, but already running.
        EXPECT_TRUE(started.wait());
        auto both = co_await corio::gather(f1, loop.run_in_executor(nullptr, add, 1, 1));
        co_return std::get<0>(both) * 10 + std::get<1>(both);
    };
    EXPECT_EQ(corio::run(main()), 12);
}

TEST(threads_executor, jobs_run_in_parallel) {
    // Each job waits for the other to start: only true parallelism passes.
    auto main = []() -> corio::coro<std::vector<bool>> {
        auto& loop = corio::get_running_loop();
        auto a = std::make_shared<one_shot>();
        auto b = std::make_shared<one_shot>();
        std::vector<corio::future<bool>> jobs;
        jobs.push_back(loop.run_in_executor(nullptr, [a, b] { a->set(); return b->wait(); }));
        jobs.push_back(loop.run_in_executor(nullptr, [a, b] { b->set(); return a->wait(); }));
        co_return co_await corio::gather(std::move(jobs));
    };
    EXPECT_EQ(corio::run(main()), (std::vector<bool>{true, true}));
}

TEST(threads_executor, every_job_gets_an_idle_worker) {
    // Blocking jobs submitted while some workers sleep and one may still be
    // spinning after a quick job: each must get a worker of its own.
    corio::thread_pool_executor pool(4);
    auto main = [&pool]() -> corio::coro<int> {
        auto& loop = corio::get_running_loop();
        for (int round = 0; round < 20; ++round) {
            co_await corio::sleep(2ms);  // not synchronisation: lets idle workers fall asleep
            co_await loop.run_in_executor(&pool, [] {});
            auto arrived = std::make_shared<std::atomic<int>>(0);
            auto all_four = [arrived] {
                ++*arrived;
                const auto give_up = std::chrono::steady_clock::now() + 10s;
                while (arrived->load() < 4 && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
                return arrived->load() >= 4;
            };
            std::vector<corio::future<bool>> blocking;
            for (int i = 0; i < 4; ++i) blocking.push_back(loop.run_in_executor(&pool, all_four));
            for (bool together : co_await corio::gather(std::move(blocking)))
                if (!together) co_return round;
        }
        co_return -1;
    };
    EXPECT_EQ(corio::run(main()), -1);
}

TEST(threads_executor, explicit_pool_and_many_jobs) {
    corio::thread_pool_executor pool(4);
    auto main = [&pool]() -> corio::coro<long> {
        auto& loop = corio::get_running_loop();
        std::vector<corio::future<int>> fs;
        for (int i = 0; i < 10000; ++i) fs.push_back(loop.run_in_executor(&pool, [](int x) { return x; }, i));
        long sum = 0;
        for (int v : co_await corio::gather(std::move(fs))) sum += v;
        co_await loop.run_in_executor(&pool, [] {});
        co_return sum;
    };
    EXPECT_EQ(corio::run(main()), 10000L * 9999 / 2);
}

TEST(threads_executor, to_thread) {
    auto main = []() -> corio::coro<int> {
        int n = co_await corio::to_thread(add, 2, 3);
        auto lazy = corio::to_thread(add, 1, 1);  // a coroutine: nothing submitted yet
        co_return n * 10 + co_await lazy;
    };
    EXPECT_EQ(corio::run(main()), 52);
}

TEST(threads_executor, move_only_result_and_reference_argument) {
    auto main = []() -> corio::coro<int> {
        int target = 0;
        auto p = co_await corio::to_thread([](int& t) { t = 7; return std::make_unique<int>(5); }, std::ref(target));
        co_return *p + target;
    };
    EXPECT_EQ(corio::run(main()), 12);
}

TEST(threads_executor, results_are_not_leaked) {
    counted::live = 0;
    auto main = []() -> corio::coro<int> {
        counted c = co_await corio::to_thread([] { return counted(3); });
        co_return c.value;
    };
    EXPECT_EQ(corio::run(main()), 3);
    EXPECT_EQ(counted::live.load(), 0);
}

TEST(threads_executor, cancel_while_running_drops_the_result) {
    counted::live = 0;
    auto started = std::make_shared<one_shot>();
    auto release = std::make_shared<one_shot>();
    auto finished = std::make_shared<one_shot>();
    corio::thread_pool_executor pool(1);
    auto main = [&]() -> corio::coro<bool> {
        auto& loop = corio::get_running_loop();
        auto job = [&]() -> corio::coro<int> {
            auto blocking = [=] {
                started->set();
                release->wait();
                finished->set();
                return counted(1);
            };
            counted c = co_await loop.run_in_executor(&pool, blocking);
            co_return c.value;
        };
        auto t = corio::create_task(job());
        auto wait_started = [=] { started->wait(); };
        co_await corio::to_thread(wait_started);
        t.cancel();
        bool was_cancelled = false;
        try {
            co_await t;
        } catch (const corio::cancelled_error&) {
            was_cancelled = true;
        }
        release->set();  // the function was not killed: it finishes now
        co_return was_cancelled;
    };
    EXPECT_TRUE(corio::run(main()));
    EXPECT_TRUE(finished->wait());
    pool.shutdown(true);
    EXPECT_EQ(counted::live.load(), 0);
}

TEST(threads_executor, stop_token_is_stopped_on_cancel) {
    auto saw_stop = std::make_shared<std::atomic<bool>>(false);
    auto main = [saw_stop]() -> corio::coro<bool> {
        auto started = std::make_shared<one_shot>();
        auto t = corio::create_task(corio::to_thread([=](std::stop_token st) {
            started->set();
            while (!st.stop_requested()) std::this_thread::yield();
            *saw_stop = true;
        }));
        auto wait_started = [=] { started->wait(); };
        co_await corio::to_thread(wait_started);
        t.cancel();
        try {
            co_await t;
        } catch (const corio::cancelled_error&) {
            co_return true;
        }
        co_return false;
    };
    EXPECT_TRUE(corio::run(main()));
    EXPECT_TRUE(saw_stop->load());  // run() waited for the default executor
}

TEST(threads_executor, stop_token_with_arguments) {
    auto main = []() -> corio::coro<int> {
        auto& loop = corio::get_running_loop();
        co_return co_await loop.run_in_executor(nullptr, [](std::stop_token st, int x) { return st.stop_possible() ? x : -1; }, 9);
    };
    EXPECT_EQ(corio::run(main()), 9);
}

TEST(threads_executor, job_cancelled_before_start_never_runs) {
    corio::thread_pool_executor pool(1);
    auto release = std::make_shared<one_shot>();
    auto second_ran = std::make_shared<std::atomic<bool>>(false);
    auto main = [&]() -> corio::coro<bool> {
        auto& loop = corio::get_running_loop();
        auto first = loop.run_in_executor(&pool, [=] { release->wait(); });
        auto second = loop.run_in_executor(&pool, [=] { *second_ran = true; });
        EXPECT_TRUE(second.cancel());
        EXPECT_TRUE(second.cancelled());
        release->set();
        co_await first;
        co_return true;
    };
    EXPECT_TRUE(corio::run(main()));
    pool.shutdown(true);  // the worker has been through the whole queue
    EXPECT_FALSE(second_ran->load());
}

TEST(threads_executor, cancelled_gather_cancels_its_jobs) {
    corio::thread_pool_executor pool(1);
    auto release = std::make_shared<one_shot>();
    auto ran = std::make_shared<std::atomic<int>>(0);
    auto main = [&]() -> corio::coro<bool> {
        auto& loop = corio::get_running_loop();
        auto blocker = loop.run_in_executor(&pool, [=] { release->wait(); });
        auto g = corio::gather(loop.run_in_executor(&pool, [=] { ++*ran; }),
                               loop.run_in_executor(&pool, [=] { ++*ran; }));
        g.cancel();
        release->set();
        co_await blocker;
        try {
            co_await g;
        } catch (const corio::cancelled_error&) {
            co_return true;
        }
        co_return false;
    };
    EXPECT_TRUE(corio::run(main()));
    pool.shutdown(true);
    EXPECT_EQ(ran->load(), 0);
}

TEST(threads_executor, virtual_time_waits_for_running_jobs) {
    // The job takes real time; the sleeping task must not win by a time jump.
    auto main = []() -> corio::coro<std::string> {
        std::string order;
        auto sleeper = corio::create_task([](std::string& o) -> corio::coro<void> {
            co_await corio::sleep(1h);
            o += "sleep ";
        }(order));
        co_await corio::to_thread([] { std::this_thread::sleep_for(20ms); });
        order += "job@" + std::to_string(corio::to_seconds(corio::get_running_loop().time().time_since_epoch())) + " ";
        co_await sleeper;
        co_return order;
    };
    EXPECT_EQ(corio::run(main(), {.clock = corio::virtual_clock()}), "job@0.000000 sleep ");
}

TEST(threads_executor, pool_shutdown_and_bounded_queue) {
    EXPECT_THROW(corio::thread_pool_executor(0), std::invalid_argument);
    corio::thread_pool_executor pool(1, 2);
    auto release = std::make_shared<one_shot>();
    auto main = [&]() -> corio::coro<std::string> {
        auto& loop = corio::get_running_loop();
        auto started = std::make_shared<one_shot>();
        auto running = loop.run_in_executor(&pool, [=] { started->set(); release->wait(); });
        EXPECT_TRUE(started.get()->wait());
        auto q1 = loop.run_in_executor(&pool, [] { return 1; });
        auto q2 = loop.run_in_executor(&pool, [] { return 2; });
        std::string out;
        try {
            (void)loop.run_in_executor(&pool, [] { return 3; });
        } catch (const std::runtime_error& e) {
            out += e.what();
        }
        release->set();
        out += " " + std::to_string(co_await q1 + co_await q2);
        co_await running;
        pool.shutdown(true);
        try {
            (void)loop.run_in_executor(&pool, [] {});
        } catch (const std::runtime_error& e) {
            out += std::string(" / ") + e.what();
        }
        co_return out;
    };
    EXPECT_EQ(corio::run(main()),
              "thread_pool_executor: work queue is full (2 jobs waiting) 3 / thread_pool_executor: cannot submit "
              "new jobs after shutdown");
}

TEST(threads_executor, shutdown_cancel_pending_cancels_futures) {
    auto pool = std::make_unique<corio::thread_pool_executor>(1);
    auto release = std::make_shared<one_shot>();
    auto main = [&]() -> corio::coro<std::string> {
        auto& loop = corio::get_running_loop();
        auto started = std::make_shared<one_shot>();
        auto running = loop.run_in_executor(pool.get(), [=] { started->set(); release->wait(); return 1; });
        auto waiting = loop.run_in_executor(pool.get(), [] { return 2; });
        EXPECT_TRUE(started->wait());
        pool->shutdown(false, true);
        release->set();
        std::string out = std::to_string(co_await running);
        try {
            co_await waiting;
        } catch (const corio::cancelled_error& e) {
            out += std::string(" cancelled: ") + e.what();
        }
        co_return out;
    };
    EXPECT_EQ(corio::run(main()), "1 cancelled: executor shut down before the job started");
}

TEST(threads_executor, loop_closes_while_a_pool_job_runs) {
    // The pool outlives the loop: the finished job must not touch it.
    counted::live = 0;
    corio::thread_pool_executor pool(2);
    auto started = std::make_shared<one_shot>();
    auto release = std::make_shared<one_shot>();
    auto main = [&]() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        (void)loop.run_in_executor(&pool, [=] { started->set(); release->wait(); return counted(1); });
        auto waiting = corio::create_task([](corio::thread_pool_executor& p) -> corio::coro<void> {
            co_await corio::get_running_loop().run_in_executor(&p, [] {});
        }(pool));
        EXPECT_TRUE(started->wait());
        co_return;  // run() cancels `waiting` and closes the loop
    };
    corio::run(main());
    release->set();
    pool.shutdown(true);
    EXPECT_EQ(counted::live.load(), 0);
}

TEST(threads_executor, run_shuts_down_the_default_executor) {
    auto finished = std::make_shared<std::atomic<bool>>(false);
    auto main = [finished]() -> corio::coro<void> {
        auto started = std::make_shared<one_shot>();
        (void)corio::get_running_loop().run_in_executor(nullptr, [=] {
            started->set();
            std::this_thread::sleep_for(20ms);
            *finished = true;
        });
        auto wait_started = [=] { started->wait(); };
        co_await corio::to_thread(wait_started);
    };
    corio::run(main());
    EXPECT_TRUE(finished->load());  // joined before run() returned
}

TEST(threads_executor, explicit_loop_and_run_until_complete) {
    corio::event_loop loop;
    corio::future<int> f = loop.run_in_executor(nullptr, add, 20, 22);  // before the loop runs
    EXPECT_EQ(loop.run_until_complete(f), 42);
    loop.close();
    EXPECT_THROW((void)loop.run_in_executor(nullptr, add, 1, 2), std::runtime_error);
}

TEST(threads_executor, close_releases_a_job_blocked_on_its_loop) {
    // The job waits for a coroutine that the closed loop will never run:
    // close() must cancel that wait before it joins the default executor.
    corio::event_loop loop;
    std::promise<void> submitted;
    auto outcome = std::make_shared<std::atomic<int>>(0);
    (void)loop.run_in_executor(nullptr, [&loop, &submitted, outcome] {
        auto f = corio::run_coroutine_threadsafe([]() -> corio::coro<int> { co_return 1; }(), loop);
        submitted.set_value();
        try {
            f.get();
            *outcome = 1;
        } catch (const corio::cancelled_error&) {
            *outcome = 2;
        }
    });
    submitted.get_future().wait();
    loop.close();
    EXPECT_EQ(outcome->load(), 2);
}
