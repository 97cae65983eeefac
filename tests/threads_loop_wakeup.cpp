// call_soon_threadsafe from other threads: it wakes a loop that sleeps with
// nothing to do, keeps each thread's order, and refuses a closed loop. Also:
// virtual time stands still while external work is pending. Runs under TSan.
#include <gtest/gtest.h>

#include <atomic>
#include <corio/corio.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

TEST(loop_wakeup, call_soon_threadsafe_wakes_a_loop_with_no_timers) {
    corio::event_loop loop;  // steady clock: the loop really blocks in poll
    std::atomic<bool> loop_is_idle{false};
    std::thread poster;
    loop.call_soon([&] {
        // Start the other thread from inside the loop: it posts while the
        // loop is (about to be) blocked with no timer and nothing ready.
        poster = std::thread([&] {
            while (!loop_is_idle.load()) std::this_thread::yield();
            loop.call_soon_threadsafe([&] { loop.stop(); });
        });
        loop_is_idle = true;
    });
    loop.run_forever();  // returns only if the post woke it
    poster.join();
    EXPECT_FALSE(loop.is_running());
}

TEST(loop_wakeup, posts_from_many_threads_all_run_in_each_threads_order) {
    corio::event_loop loop;
    constexpr int threads = 4;
    constexpr int per_thread = 2000;
    std::vector<std::vector<int>> seen(threads);
    int total = 0;
    std::vector<std::thread> posters;
    for (int t = 0; t < threads; ++t)
        posters.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i)
                loop.call_soon_threadsafe([&, t, i] {
                    seen[t].push_back(i);  // runs on the loop thread only
                    if (++total == threads * per_thread) loop.stop();
                });
        });
    loop.run_forever();
    for (auto& p : posters) p.join();
    for (int t = 0; t < threads; ++t) {
        ASSERT_EQ(seen[t].size(), static_cast<std::size_t>(per_thread));
        for (int i = 0; i < per_thread; ++i) EXPECT_EQ(seen[t][i], i);
    }
}

TEST(loop_wakeup, wakes_a_task_waiting_on_a_future) {
    auto main = []() -> corio::coro<int> {
        auto& loop = corio::get_running_loop();
        corio::future<int> f;
        // Handles are loop-local (not thread-safe): the worker only carries a pointer.
        std::thread worker([&loop, fp = &f] { loop.call_soon_threadsafe([fp] { fp->set_result(7); }); });
        int v = co_await f;
        worker.join();
        co_return v;
    };
    EXPECT_EQ(corio::run(main()), 7);
}

TEST(loop_wakeup, refused_once_the_loop_is_closed) {
    corio::event_loop loop;
    loop.close();
    std::atomic<bool> threw{false};
    std::thread t([&] {
        try {
            loop.call_soon_threadsafe([] {});
        } catch (const std::runtime_error&) {
            threw = true;
        }
    });
    t.join();
    EXPECT_TRUE(threw);
}

TEST(loop_wakeup, virtual_time_waits_for_external_work) {
    auto main = []() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        const auto start = loop.time();
        corio::clock::duration seen_by_worker{-1};
        corio::future<void> done;
        loop.begin_external_work();
        std::thread worker([&loop, &seen_by_worker, start, dp = &done] {
            loop.call_soon_threadsafe([&loop, &seen_by_worker, start, dp] {
                seen_by_worker = loop.time() - start;
                loop.end_external_work();
                dp->set_result();
            });
        });
        auto sleeper = corio::create_task([]() -> corio::coro<void> { co_await corio::sleep(1h); }());
        co_await done;
        worker.join();
        EXPECT_EQ(seen_by_worker, corio::clock::duration::zero());  // no jump to the 1 h timer meanwhile
        co_await sleeper;
        EXPECT_EQ(loop.time() - start, 1h);
    };
    corio::run(main(), {.clock = corio::virtual_clock()});
}

}  // namespace

#include <sys/resource.h>

namespace {

double thread_cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_THREAD, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// While external work is pending virtual time stands still; the loop must
// then block in the reactor, not spin, until the work comes back.
TEST(loop_wakeup, virtual_time_loop_blocks_instead_of_spinning_during_external_work) {
    double loop_cpu = -1;
    auto main = [&]() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        corio::future<void> done;
        auto sleeper = corio::create_task([]() -> corio::coro<void> { co_await corio::sleep(1h); }());
        loop.begin_external_work();
        const double cpu_before = thread_cpu_seconds();
        std::thread worker([&loop, dp = &done] {
            std::this_thread::sleep_for(200ms);  // the external job itself, not synchronisation
            loop.call_soon_threadsafe([&loop, dp] {
                loop.end_external_work();
                dp->set_result();
            });
        });
        co_await done;
        loop_cpu = thread_cpu_seconds() - cpu_before;
        worker.join();
        sleeper.cancel();
    };
    corio::run(main(), {.clock = corio::virtual_clock()});
    EXPECT_GE(loop_cpu, 0.0);
    EXPECT_LT(loop_cpu, 0.02) << "the loop thread burnt CPU while waiting for the external job";
}

}  // namespace
