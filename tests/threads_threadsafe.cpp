// call_soon_threadsafe: wakes the loop, loses nothing under 8 posting
// threads, fails clearly (std::runtime_error) once the loop is closed; and
// the debug-mode report of loop-local calls made from the wrong thread.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <corio/corio.hpp>

using namespace std::chrono_literals;

namespace {

// Collects corio's reports for the duration of a test.
struct captured_log {
    std::mutex m;
    std::vector<std::string> lines;
    corio::logger previous;
    captured_log() {
        previous = corio::set_logger([this](std::string_view s) {
            std::lock_guard lock(m);
            lines.emplace_back(s);
        });
    }
    ~captured_log() { corio::set_logger(previous); }
    std::string all() {
        std::lock_guard lock(m);
        std::string out;
        for (auto& l : lines) out += l + "\n";
        return out;
    }
};

}  // namespace

TEST(threads_threadsafe, call_soon_threadsafe_wakes_the_loop) {
    auto main = []() -> corio::coro<int> {
        auto& loop = corio::get_running_loop();
        corio::future<int> f = loop.create_future<int>();
        // Loop-local handles are not thread-safe: the thread only sees a pointer.
        std::jthread poster([&loop, pf = &f] { loop.call_soon_threadsafe([pf] { pf->set_result(7); }); });
        co_return co_await f;  // the loop sleeps in the reactor until the post wakes it
    };
    EXPECT_EQ(corio::run(main()), 7);
}

TEST(threads_threadsafe, eight_threads_post_100000_each_none_lost) {
    constexpr int threads = 8;
    constexpr long per_thread = 100000;
    auto main = []() -> corio::coro<long> {
        auto& loop = corio::get_running_loop();
        corio::future<void> all_in = loop.create_future<void>();
        long count = 0;
        long sum = 0;
        std::vector<std::jthread> posters;
        for (int t = 0; t < threads; ++t) {
            posters.emplace_back([&loop, &count, &sum, &all_in, t] {
                for (long i = 0; i < per_thread; ++i) {
                    loop.call_soon_threadsafe([&count, &sum, &all_in, v = t * per_thread + i] {
                        sum += v;  // only the loop thread touches these
                        if (++count == threads * per_thread) all_in.set_result();
                    });
                }
            });
        }
        co_await all_in;
        EXPECT_EQ(count, threads * per_thread);
        co_return sum;
    };
    const long n = threads * per_thread;
    EXPECT_EQ(corio::run(main()), n * (n - 1) / 2);
}

TEST(threads_threadsafe, callbacks_from_one_thread_keep_their_order) {
    auto main = []() -> corio::coro<bool> {
        auto& loop = corio::get_running_loop();
        corio::future<void> done = loop.create_future<void>();
        std::vector<int> seen;
        std::jthread poster([&] {
            for (int i = 0; i < 10000; ++i) loop.call_soon_threadsafe([&seen, i] { seen.push_back(i); });
            loop.call_soon_threadsafe([&done] { done.set_result(); });
        });
        co_await done;
        for (int i = 0; i < 10000; ++i)
            if (seen[i] != i) co_return false;
        co_return seen.size() == 10000;
    };
    EXPECT_TRUE(corio::run(main()));
}

TEST(threads_threadsafe, closed_loop_refuses_posts_while_threads_still_post) {
    std::atomic<long> accepted{0};
    std::atomic<int> refused{0};
    std::vector<std::string> errors(4);
    {
        corio::event_loop loop;
        std::latch posting(4);
        std::vector<std::thread> posters;
        for (int t = 0; t < 4; ++t) {
            posters.emplace_back([&, t] {
                bool counted_down = false;
                for (;;) {
                    try {
                        loop.call_soon_threadsafe([] {});
                        ++accepted;
                    } catch (const std::runtime_error& e) {
                        errors[t] = e.what();
                        ++refused;
                        break;
                    }
                    if (!counted_down) {
                        posting.count_down();
                        counted_down = true;
                    }
                    // Not synchronisation: keeps 4 posters from outrunning the one loop thread.
                    std::this_thread::sleep_for(20us);
                }
                if (!counted_down) posting.count_down();
            });
        }
        auto main = [&]() -> corio::coro<void> {
            co_await corio::to_thread([&] { posting.wait(); });
            for (int i = 0; i < 20; ++i) co_await corio::sleep(1ms);  // run some of them
        };
        loop.run_until_complete(main());
        loop.close();  // while the threads are still posting
        for (auto& t : posters) t.join();
    }  // the loop outlives the posting threads, as it must
    EXPECT_EQ(refused.load(), 4);
    EXPECT_GT(accepted.load(), 0);
    for (auto& e : errors) EXPECT_EQ(e, "call_soon_threadsafe: event loop is closed");
}

TEST(threads_threadsafe, wrong_thread_calls_are_reported_in_debug_mode) {
    captured_log log;
    corio::event_loop loop({.debug = true});
    std::promise<void> in_callback;
    std::promise<void> resume;
    std::thread runner([&] {
        auto main = [&]() -> corio::coro<void> {
            // Park the loop thread inside a callback while the main thread
            // misuses the loop (so the misuse itself is not a data race).
            in_callback.set_value();
            resume.get_future().wait();
            co_await corio::sleep(0s);
        };
        loop.run_until_complete(main());
    });
    in_callback.get_future().wait();
    loop.call_soon([] {});
    (void)loop.call_later(1s, [] {});
    auto t = loop.create_task([]() -> corio::coro<void> { co_return; }());
    loop.call_soon_threadsafe([] {});  // the thread-safe one is fine
    resume.set_value();
    runner.join();
    const std::string reports = log.all();
    EXPECT_NE(reports.find("Non-thread-safe operation call_soon() invoked on an event loop other than the current one"),
              std::string::npos)
        << reports;
    EXPECT_NE(reports.find("operation call_at()"), std::string::npos) << reports;
    EXPECT_NE(reports.find("operation create_task()"), std::string::npos) << reports;
    EXPECT_EQ(reports.find("operation call_soon_threadsafe"), std::string::npos) << reports;
    loop.close();
}

TEST(threads_threadsafe, no_report_without_debug_or_from_the_loop_thread) {
    captured_log log;
    {
        corio::event_loop loop({.debug = true});
        loop.call_soon([] {});  // not running yet: no owner thread, as asyncio
        loop.run_until_complete([]() -> corio::coro<void> {
            corio::get_running_loop().call_soon([] {});
            co_return;
        }());
    }
    {
        corio::event_loop loop;
        std::promise<void> in_callback;
        std::promise<void> resume;
        std::thread runner([&] {
            loop.run_until_complete([&]() -> corio::coro<void> {
                in_callback.set_value();
                resume.get_future().wait();
                co_return;
            }());
        });
        in_callback.get_future().wait();
        loop.call_soon([] {});
        resume.set_value();
        runner.join();
    }
    EXPECT_EQ(log.all().find("Non-thread-safe"), std::string::npos) << log.all();
}
