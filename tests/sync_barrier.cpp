// corio::barrier: a port of CPython's test_locks.py BarrierTests.
#include <corio/sync/barrier.hpp>  // first: the header stands alone

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include <corio/corio.hpp>

#include "sync_support.hpp"

using namespace std::chrono_literals;
using sync_test::run_virtual;
using sync_test::yield;

namespace {

constexpr int N = 5;

template <class MakeCoro>
std::vector<corio::task<void>> make_tasks(int n, MakeCoro make) {
    std::vector<corio::task<void>> tasks;
    for (int i = 0; i < n; ++i) tasks.push_back(corio::create_task(make()));
    return tasks;
}

corio::coro<void> wait_once(corio::barrier& b) { co_await b.wait(); }

corio::coro<std::size_t> wait_index(corio::barrier& b) { co_return co_await b.wait(); }

bool contains(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }

}  // namespace

TEST(sync_barrier, parties) {  // test_barrier_parties
    EXPECT_THROW(corio::barrier(0), std::invalid_argument);
    EXPECT_THROW(corio::barrier(-4), std::invalid_argument);
    corio::barrier b(N);
    EXPECT_EQ(b.parties(), std::size_t(N));
    EXPECT_TRUE(contains(b.describe(), "filling"));
    const std::size_t parties = 3;
    corio::barrier braced{parties};
    EXPECT_EQ(braced.parties(), 3u);
}

TEST(sync_barrier, describe_states) {  // test_repr
    run_virtual([]() -> corio::coro<void> {
        corio::barrier b(N);
        std::vector<corio::task<void>> waiters;
        for (int i = 0; i < 2; ++i) waiters.push_back(corio::create_task(wait_once(b)));
        co_await yield();
        EXPECT_TRUE(contains(b.describe(), "waiters:2/5")) << b.describe();
        EXPECT_TRUE(contains(b.describe(), "filling"));

        for (std::size_t i = b.n_waiting(); i < b.parties(); ++i) waiters.push_back(corio::create_task(wait_once(b)));
        co_await yield();
        EXPECT_TRUE(contains(b.describe(), "draining")) << b.describe();

        for (int i = 0; i < 2; ++i) waiters.push_back(corio::create_task(wait_once(b)));
        co_await yield();
        co_await b.reset();
        EXPECT_TRUE(contains(b.describe(), "resetting")) << b.describe();

        for (int i = 0; i < 2; ++i) waiters.push_back(corio::create_task(wait_once(b)));
        co_await yield();
        co_await b.abort();
        EXPECT_TRUE(contains(b.describe(), "broken")) << b.describe();
        EXPECT_TRUE(b.broken());
        co_await corio::gather(corio::return_exceptions, std::move(waiters));
    }());
}

TEST(sync_barrier, indices) {  // test_context_manager
    run_virtual([]() -> corio::coro<void> {
        corio::barrier b(3);
        std::vector<corio::task<std::size_t>> tasks;
        for (int i = 0; i < 3; ++i) tasks.push_back(corio::create_task(wait_index(b)));
        std::vector<std::size_t> results = co_await corio::gather(std::move(tasks));
        std::sort(results.begin(), results.end());
        EXPECT_EQ(results, (std::vector<std::size_t>{0, 1, 2}));
        EXPECT_EQ(b.n_waiting(), 0u);
        EXPECT_FALSE(b.broken());
    }());
}

TEST(sync_barrier, filling_one_task) {  // test_filling_one_task
    run_virtual([]() -> corio::coro<void> {
        corio::barrier b(1);
        EXPECT_EQ(co_await b.wait(), 0u);
        EXPECT_EQ(b.n_waiting(), 0u);
        EXPECT_FALSE(b.broken());
    }());
}

TEST(sync_barrier, filling_one_task_twice) {  // test_filling_one_task_twice
    run_virtual([]() -> corio::coro<void> {
        corio::barrier b(1);
        auto t1 = corio::create_task(wait_index(b));
        co_await yield();
        EXPECT_EQ(b.n_waiting(), 0u);
        auto t2 = corio::create_task(wait_index(b));
        co_await yield();
        EXPECT_EQ(t1.result(), t2.result());
        EXPECT_EQ(t1.done(), t2.done());
        EXPECT_EQ(b.n_waiting(), 0u);
        EXPECT_FALSE(b.broken());
    }());
}

TEST(sync_barrier, filling_task_by_task) {  // test_filling_task_by_task
    run_virtual([]() -> corio::coro<void> {
        corio::barrier b(3);
        auto t1 = corio::create_task(wait_once(b));
        co_await yield();
        EXPECT_EQ(b.n_waiting(), 1u);
        auto t2 = corio::create_task(wait_once(b));
        co_await yield();
        EXPECT_EQ(b.n_waiting(), 2u);
        auto t3 = corio::create_task(wait_once(b));
        co_await yield();
        co_await corio::gather(t1, t2, t3);
        EXPECT_EQ(b.n_waiting(), 0u);
        EXPECT_FALSE(b.broken());
    }());
}

TEST(sync_barrier, filling_tasks_wait_twice) {  // test_filling_tasks_wait_twice + _check_return_value
    run_virtual([]() -> corio::coro<void> {
        corio::barrier b(N);
        std::vector<bool> results;
        auto coro = [](corio::barrier& b, std::vector<bool>& results) -> corio::coro<std::size_t> {
            co_await b.wait();
            results.push_back(true);
            const std::size_t i = co_await b.wait();
            results.push_back(false);
            co_return i;
        };
        std::vector<corio::task<std::size_t>> tasks;
        for (int i = 0; i < N; ++i) tasks.push_back(corio::create_task(coro(b, results)));
        auto indices = co_await corio::gather(std::move(tasks));
        std::sort(indices.begin(), indices.end());
        EXPECT_EQ(indices, (std::vector<std::size_t>{0, 1, 2, 3, 4}));
        EXPECT_EQ(std::count(results.begin(), results.end(), true), N);
        EXPECT_EQ(std::count(results.begin(), results.end(), false), N);
        // Every task passed the first round before any passed the second.
        EXPECT_TRUE(std::all_of(results.begin(), results.begin() + N, [](bool r) { return r; }));
        EXPECT_EQ(b.n_waiting(), 0u);
        EXPECT_FALSE(b.broken());
    }());
}

TEST(sync_barrier, draining_state) {  // test_draining_state
    run_virtual([]() -> corio::coro<void> {
        corio::barrier b(N);
        std::vector<bool> results;
        auto coro = [](corio::barrier& b, std::vector<bool>& results) -> corio::coro<void> {
            co_await b.wait();
            results.push_back(b.current_state() == corio::barrier::state::draining);
        };
        co_await corio::gather(make_tasks(N, [&] { return coro(b, results); }));
        EXPECT_EQ(results.size(), std::size_t(N));
        if (results.size() != std::size_t(N)) co_return;
        EXPECT_FALSE(results.back());  // the last one out refills the barrier
        EXPECT_TRUE(std::all_of(results.begin(), results.end() - 1, [](bool r) { return r; }));
    }());
}

TEST(sync_barrier, blocking_tasks_while_draining) {  // test_blocking_tasks_while_draining
    run_virtual([]() -> corio::coro<void> {
        corio::barrier b(N);
        corio::barrier b_nowaiting(N - 2);
        int rewait_n = 2;
        auto coro = [](corio::barrier& b, corio::barrier& b_nowaiting, int& rewait_n) -> corio::coro<void> {
            co_await b.wait();
            if (rewait_n > 0) {
                --rewait_n;
                co_await b.wait();  // waits for the next round
            } else {
                co_await b_nowaiting.wait();
                co_await b.wait();
            }
        };
        co_await corio::gather(make_tasks(N, [&] { return coro(b, b_nowaiting, rewait_n); }));
        EXPECT_EQ(b.n_waiting(), 0u);
    }());
}

TEST(sync_barrier, filling_tasks_cancel_one) {  // test_filling_tasks_cancel_one
    run_virtual([]() -> corio::coro<void> {
        corio::barrier b(3);
        int passed = 0;
        auto coro = [](corio::barrier& b, int& passed) -> corio::coro<void> {
            co_await b.wait();
            ++passed;
        };
        auto t1 = corio::create_task(coro(b, passed));
        co_await yield();
        EXPECT_EQ(b.n_waiting(), 1u);
        auto t2 = corio::create_task(coro(b, passed));
        co_await yield();
        EXPECT_EQ(b.n_waiting(), 2u);

        t1.cancel();
        co_await yield();
        EXPECT_EQ(b.n_waiting(), 1u);  // the cancelled task left the barrier
        EXPECT_THROW(co_await t1, corio::cancelled_error);
        EXPECT_TRUE(t1.cancelled());

        auto t3 = corio::create_task(coro(b, passed));
        co_await yield();
        EXPECT_EQ(b.n_waiting(), 2u);
        auto t4 = corio::create_task(coro(b, passed));
        co_await corio::gather(t2, t3, t4);
        EXPECT_EQ(passed, 3);
        EXPECT_EQ(b.n_waiting(), 0u);
        EXPECT_FALSE(b.broken());
    }());
}

TEST(sync_barrier, reset_empty) {  // test_reset_barrier
    run_virtual([]() -> corio::coro<void> {
        corio::barrier b(1);
        auto t = corio::create_task(b.reset());
        co_await yield();
        EXPECT_TRUE(t.done());
        EXPECT_EQ(b.n_waiting(), 0u);
        EXPECT_FALSE(b.broken());
    }());
}

TEST(sync_barrier, reset_while_tasks_waiting) {  // test_reset_barrier_while_tasks_waiting
    run_virtual([]() -> corio::coro<void> {
        corio::barrier b(N);
        int broken = 0;
        auto coro = [](corio::barrier& b, int& broken) -> corio::coro<void> {
            try {
                co_await b.wait();
            } catch (const corio::broken_barrier_error&) {
                ++broken;
            }
        };
        auto tasks = make_tasks(N - 1, [&] { return coro(b, broken); });
        co_await yield();
        auto r = corio::create_task(b.reset());
        co_await corio::gather(std::move(tasks));
        co_await r;
        EXPECT_EQ(broken, N - 1);
        EXPECT_EQ(b.n_waiting(), 0u);
        EXPECT_FALSE(contains(b.describe(), "resetting"));
        EXPECT_FALSE(b.broken());
    }());
}

TEST(sync_barrier, reset_while_tasks_half_draining_half_blocking) {
    // test_reset_barrier_when_tasks_half_draining_half_blocking
    run_virtual([]() -> corio::coro<void> {
        corio::barrier b(N);
        std::vector<bool> results1, results2;
        int count = 0;
        auto coro = [](corio::barrier& b, std::vector<bool>& results1, std::vector<bool>& results2,
                       int& count) -> corio::coro<void> {
            constexpr int blocking_tasks = N / 2;
            bool broke = false;
            try {
                co_await b.wait();
            } catch (const corio::broken_barrier_error&) {
                broke = true;
            }
            if (broke) {
                results1.push_back(true);  // still waiting when reset: wait again
                co_await b.wait();
                co_return;
            }
            ++count;
            if (count > blocking_tasks) {
                co_await b.reset();  // the blocked tasks get broken_barrier_error
                co_await b.wait();
            } else {
                try {
                    co_await b.wait();
                } catch (const corio::broken_barrier_error&) {
                    results2.push_back(true);  // never: blocked tasks go on waiting
                }
            }
        };
        co_await corio::gather(make_tasks(N, [&] { return coro(b, results1, results2, count); }));
        EXPECT_EQ(results1.size(), std::size_t(N / 2));
        EXPECT_TRUE(results2.empty());
        EXPECT_EQ(b.n_waiting(), 0u);
        EXPECT_FALSE(contains(b.describe(), "resetting"));
        EXPECT_FALSE(b.broken());
    }());
}

TEST(sync_barrier, reset_while_tasks_waiting_and_waiting_again) {
    // test_reset_barrier_while_tasks_waiting_and_waiting_again
    run_virtual([]() -> corio::coro<void> {
        corio::barrier b(N);
        int results1 = 0, results2 = 0;
        auto coro1 = [](corio::barrier& b, int& results1, int& results2) -> corio::coro<void> {
            try {
                co_await b.wait();
            } catch (const corio::broken_barrier_error&) {
                ++results1;
            }
            co_await b.wait();
            ++results2;
        };
        auto coro2 = [](corio::barrier& b, int& results2) -> corio::coro<void> {
            co_await b.wait();
            ++results2;
        };
        auto tasks = make_tasks(N - 1, [&] { return coro1(b, results1, results2); });
        auto r = corio::create_task(b.reset());  // the N-1 waiters get broken_barrier_error
        co_await yield();
        auto last = corio::create_task(coro2(b, results2));  // completes their second wait
        co_await corio::gather(std::move(tasks));
        co_await last;
        co_await r;
        EXPECT_FALSE(b.broken());
        EXPECT_EQ(results1, N - 1);
        EXPECT_EQ(results2, N);
        EXPECT_EQ(b.n_waiting(), 0u);
    }());
}

TEST(sync_barrier, reset_while_tasks_draining) {  // test_reset_barrier_while_tasks_draining
    run_virtual([]() -> corio::coro<void> {
        corio::barrier b(N);
        int results1 = 0, results2 = 0, results3 = 0, count = 0;
        auto coro = [](corio::barrier& b, int& r1, int& r2, int& r3, int& count) -> corio::coro<void> {
            co_await b.wait();
            ++count;
            if (count == N) {
                co_await b.reset();  // the last one out resets
                co_await b.wait();
            } else {
                try {
                    co_await b.wait();
                    ++r1;
                } catch (const std::exception&) {
                    ++r2;  // never
                }
            }
            co_await b.wait();
            ++r3;
        };
        co_await corio::gather(make_tasks(N, [&] { return coro(b, results1, results2, results3, count); }));
        EXPECT_FALSE(b.broken());
        EXPECT_EQ(results1, N - 1);
        EXPECT_EQ(results2, 0);
        EXPECT_EQ(results3, N);
        EXPECT_EQ(b.n_waiting(), 0u);
    }());
}

TEST(sync_barrier, abort_empty) {  // test_abort_barrier
    run_virtual([]() -> corio::coro<void> {
        corio::barrier b(1);
        auto t = corio::create_task(b.abort());
        co_await yield();
        EXPECT_TRUE(t.done());
        EXPECT_EQ(b.n_waiting(), 0u);
        EXPECT_TRUE(b.broken());
        EXPECT_THROW(co_await b.wait(), corio::broken_barrier_error);
    }());
}

TEST(sync_barrier, abort_when_tasks_half_draining_half_blocking) {
    // test_abort_barrier_when_tasks_half_draining_half_blocking
    run_virtual([]() -> corio::coro<void> {
        corio::barrier b(N);
        int results1 = 0, results2 = 0, count = 0;
        auto coro = [](corio::barrier& b, int& r1, int& r2, int& count) -> corio::coro<void> {
            constexpr int blocking_tasks = N / 2;
            bool broke = false;
            try {
                co_await b.wait();
            } catch (const corio::broken_barrier_error&) {
                broke = true;
            }
            if (broke) {
                ++r1;  // tasks waiting to drain
                co_return;
            }
            ++count;
            if (count > blocking_tasks) {
                co_await b.abort();
            } else {
                try {
                    co_await b.wait();
                } catch (const corio::broken_barrier_error&) {
                    ++r2;  // blocked tasks, already drained
                }
            }
        };
        co_await corio::gather(make_tasks(N, [&] { return coro(b, results1, results2, count); }));
        EXPECT_TRUE(b.broken());
        EXPECT_EQ(results1, N / 2);
        EXPECT_EQ(results2, N - N / 2 - 1);
        EXPECT_EQ(b.n_waiting(), 0u);
    }());
}

TEST(sync_barrier, abort_when_exception) {  // test_abort_barrier_when_exception
    run_virtual([]() -> corio::coro<void> {
        corio::barrier b(N);
        int results1 = 0, results2 = 0;
        auto coro = [](corio::barrier& b, int& r1, int& r2) -> corio::coro<void> {
            bool failed = false;
            try {
                const std::size_t i = co_await b.wait();
                if (i == N / 2) throw std::runtime_error("boom");
                co_await b.wait();
                ++r1;
            } catch (const corio::broken_barrier_error&) {
                ++r2;
            } catch (const std::runtime_error&) {
                failed = true;
            }
            if (failed) co_await b.abort();
        };
        co_await corio::gather(make_tasks(N, [&] { return coro(b, results1, results2); }));
        EXPECT_TRUE(b.broken());
        EXPECT_EQ(results1, 0);
        EXPECT_EQ(results2, N - 1);
        EXPECT_EQ(b.n_waiting(), 0u);
    }());
}

TEST(sync_barrier, abort_when_exception_then_resetting) {
    // test_abort_barrier_when_exception_then_resetting
    run_virtual([]() -> corio::coro<void> {
        corio::barrier b1(N), b2(N);
        int results1 = 0, results2 = 0, results3 = 0;
        auto coro = [](corio::barrier& b1, corio::barrier& b2, int& r1, int& r2, int& r3) -> corio::coro<void> {
            bool failed = false;
            try {
                const std::size_t i = co_await b1.wait();
                if (i == N / 2) throw std::runtime_error("boom");
                co_await b1.wait();
                ++r1;
            } catch (const corio::broken_barrier_error&) {
                ++r2;
            } catch (const std::runtime_error&) {
                failed = true;
            }
            if (failed) co_await b1.abort();
            // Everyone leaves b1 before the reset, and nobody enters it before.
            const std::size_t i = co_await b2.wait();
            if (i == N / 2) co_await b1.reset();
            co_await b2.wait();
            co_await b1.wait();
            ++r3;
        };
        co_await corio::gather(make_tasks(N, [&] { return coro(b1, b2, results1, results2, results3); }));
        EXPECT_FALSE(b1.broken());
        EXPECT_EQ(results1, 0);
        EXPECT_EQ(results2, N - 1);
        EXPECT_EQ(results3, N);
        EXPECT_EQ(b1.n_waiting(), 0u);
    }());
}
