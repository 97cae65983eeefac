#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <corio/corio.hpp>
#include <corio/io/signals.hpp>
#include <thread>

using namespace std::chrono_literals;

namespace {

sighandler_t disposition(int sig) {
    struct sigaction sa {};
    ::sigaction(sig, nullptr, &sa);
    return sa.sa_handler;
}

corio::coro<void> nap(corio::clock::duration d) { co_await corio::sleep(d); }

corio::coro<void> child(bool& cancelled) {
    try {
        co_await nap(std::chrono::hours(1));
    } catch (const corio::cancelled_error&) {
        cancelled = true;
        throw;
    }
}

}  // namespace

TEST(signals, handler_runs_on_the_loop) {
    corio::run([]() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        const auto loop_thread = std::this_thread::get_id();
        corio::future<int> got;
        int calls = 0;
        loop.add_signal_handler(SIGUSR1, [&] {
            EXPECT_EQ(std::this_thread::get_id(), loop_thread);
            EXPECT_EQ(&corio::get_running_loop(), &loop);  // a loop callback, not a signal handler
            if (++calls == 1) got.set_result(SIGUSR1);
        });
        EXPECT_NE(disposition(SIGUSR1), SIG_DFL);
        ::raise(SIGUSR1);
        EXPECT_EQ(calls, 0);  // scheduled, not run inside raise()
        EXPECT_EQ(co_await got, SIGUSR1);
        EXPECT_TRUE(loop.remove_signal_handler(SIGUSR1));
        EXPECT_FALSE(loop.remove_signal_handler(SIGUSR1));
        EXPECT_EQ(disposition(SIGUSR1), SIG_DFL);  // restored
    }());
}

TEST(signals, every_signal_is_delivered) {
    corio::run([]() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        int usr1 = 0, usr2 = 0;
        corio::future<void> done;
        loop.add_signal_handler(SIGUSR1, [&] { ++usr1; });
        loop.add_signal_handler(SIGUSR2, [&] {
            if (++usr2 == 5) if (!done.done()) done.set_result();
        });
        for (int i = 0; i < 5; ++i) {
            ::raise(SIGUSR1);
            ::raise(SIGUSR2);
            co_await corio::sleep(0s);
        }
        co_await done;
        EXPECT_EQ(usr1, 5);
        EXPECT_EQ(usr2, 5);
        loop.remove_signal_handler(SIGUSR1);
        loop.remove_signal_handler(SIGUSR2);
    }());
}

TEST(signals, from_another_thread) {
    corio::run([]() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        corio::future<void> got;
        loop.add_signal_handler(SIGUSR2, [&] { if (!got.done()) got.set_result(); });
        std::thread([] { ::kill(::getpid(), SIGUSR2); }).join();
        co_await got;
        EXPECT_TRUE(loop.remove_signal_handler(SIGUSR2));
    }());
}

TEST(signals, replace_and_self_removal) {
    corio::run([]() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        int first = 0, second = 0;
        corio::future<void> done;
        loop.add_signal_handler(SIGUSR1, [&] { ++first; });
        loop.add_signal_handler(SIGUSR1, [&] {
            ++second;
            loop.remove_signal_handler(SIGUSR1);  // from inside the handler
            if (!done.done()) done.set_result();
        });
        ::raise(SIGUSR1);
        co_await done;
        EXPECT_EQ(first, 0);
        EXPECT_EQ(second, 1);
        EXPECT_EQ(disposition(SIGUSR1), SIG_DFL);
    }());
}

TEST(signals, errors) {
    corio::run([]() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        EXPECT_THROW(loop.add_signal_handler(0, [] {}), std::invalid_argument);
        EXPECT_THROW(loop.add_signal_handler(NSIG, [] {}), std::invalid_argument);
        EXPECT_THROW(loop.remove_signal_handler(-1), std::invalid_argument);
        EXPECT_THROW(loop.add_signal_handler(SIGKILL, [] {}), std::runtime_error);
        EXPECT_THROW(loop.add_signal_handler(SIGSTOP, [] {}), std::runtime_error);
        EXPECT_EQ(disposition(SIGKILL), SIG_DFL);
        EXPECT_FALSE(loop.remove_signal_handler(SIGKILL));
        co_return;
    }());
}

TEST(signals, one_loop_owns_a_signal) {
    corio::event_loop other;
    other.add_signal_handler(SIGUSR1, [] {});
    corio::run([]() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        EXPECT_THROW(loop.add_signal_handler(SIGUSR1, [] {}), std::runtime_error);
        EXPECT_FALSE(loop.remove_signal_handler(SIGUSR1));  // not ours
        co_return;
    }());
    other.close();  // closing releases its signals
    EXPECT_EQ(disposition(SIGUSR1), SIG_DFL);
    EXPECT_THROW(other.add_signal_handler(SIGUSR1, [] {}), std::runtime_error);  // closed
}

TEST(signals, closing_the_loop_restores_the_previous_disposition) {
    ::signal(SIGUSR2, SIG_IGN);
    {
        corio::event_loop loop;
        loop.add_signal_handler(SIGUSR2, [] {});
        EXPECT_NE(disposition(SIGUSR2), SIG_IGN);
    }
    EXPECT_EQ(disposition(SIGUSR2), SIG_IGN);
    ::signal(SIGUSR2, SIG_DFL);
}

TEST(signals, handler_exception_goes_to_the_exception_handler) {
    corio::run([]() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        corio::future<void> reported;
        std::string message;
        loop.set_exception_handler([&](corio::event_loop&, const corio::exception_context& ctx) {
            try {
                std::rethrow_exception(ctx.exception);
            } catch (const std::exception& e) {
                message = e.what();
            }
            if (!reported.done()) reported.set_result();
        });
        loop.add_signal_handler(SIGUSR1, [] { throw std::runtime_error("boom"); });
        ::raise(SIGUSR1);
        co_await reported;
        EXPECT_EQ(message, "boom");
        loop.remove_signal_handler(SIGUSR1);
    }());
}

// --- SIGINT and corio::run ----------------------------------------------------

TEST(sigint, cancels_the_main_task) {
    ASSERT_EQ(disposition(SIGINT), SIG_DFL);
    bool main_saw_cancel = false;
    EXPECT_THROW(corio::run([&]() -> corio::coro<void> {
                     EXPECT_NE(disposition(SIGINT), SIG_DFL);  // installed for the run
                     ::raise(SIGINT);
                     try {
                         co_await corio::sleep(1h);
                     } catch (const corio::cancelled_error&) {
                         main_saw_cancel = true;
                         throw;
                     }
                 }(),
                            {.clock = corio::virtual_clock()}),
                 corio::keyboard_interrupt);
    EXPECT_TRUE(main_saw_cancel);
    EXPECT_EQ(disposition(SIGINT), SIG_DFL);  // back to the default
}

TEST(sigint, main_may_absorb_the_cancellation) {
    const int r = corio::run([]() -> corio::coro<int> {
        ::raise(SIGINT);
        try {
            co_await nap(1h);
        } catch (const corio::cancelled_error&) {
            corio::current_task().uncancel();
            co_return 7;  // cleaned up and finished normally
        }
        co_return 0;
    }());
    EXPECT_EQ(r, 7);
    EXPECT_EQ(disposition(SIGINT), SIG_DFL);
}

TEST(sigint, other_tasks_are_cancelled_by_the_shutdown) {
    bool child_cancelled = false;
    EXPECT_THROW(corio::run([&]() -> corio::coro<void> {
                     corio::create_task(child(child_cancelled));
                     co_await corio::sleep(0s);
                     ::raise(SIGINT);
                     co_await nap(1h);
                 }()),
                 corio::keyboard_interrupt);
    EXPECT_TRUE(child_cancelled);
}

TEST(sigint, left_alone_when_the_program_handles_it) {
    ::signal(SIGINT, SIG_IGN);
    corio::run([]() -> corio::coro<void> {
        EXPECT_EQ(disposition(SIGINT), SIG_IGN);
        ::raise(SIGINT);  // ignored
        co_await corio::sleep(0s);
    }());
    EXPECT_EQ(disposition(SIGINT), SIG_IGN);
    ::signal(SIGINT, SIG_DFL);
}

TEST(sigint, not_installed_off_the_main_thread) {
    std::thread([] {
        corio::run([]() -> corio::coro<void> {
            EXPECT_EQ(disposition(SIGINT), SIG_DFL);
            co_return;
        }());
    }).join();
}

TEST(sigint, user_handler_replaces_runs) {
    corio::run([]() -> corio::coro<void> {
        auto& loop = corio::get_running_loop();
        corio::future<void> got;
        loop.add_signal_handler(SIGINT, [&] { if (!got.done()) got.set_result(); });
        ::raise(SIGINT);
        co_await got;  // ours ran; the main task was not cancelled
        EXPECT_TRUE(loop.remove_signal_handler(SIGINT));
    }());
    EXPECT_EQ(disposition(SIGINT), SIG_DFL);
}
