// corio/threads/concurrent_future.hpp: concurrent_future<T>
// (concurrent.futures.Future, as returned by asyncio.run_coroutine_threadsafe).
//
// The thread-safe handle to the outcome of a coroutine running on some loop.
// Any thread may get() (blocks; rethrows the coroutine's exception), wait(),
// wait_for(d) → std::future_status, done(), cancel(). A coroutine on any loop
// may `co_await` it without blocking its loop (asyncio.wrap_future).
// Blocking in get()/wait() on the thread of the loop that must produce the
// result would never return: that throws std::logic_error instead.
// Cancellation: cancel() marks it cancelled at once and cancels the task on
// its loop; cancelling a task that awaits it cancels it too.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "corio/detail/awaiter.hpp"
#include "corio/detail/result_slot.hpp"
#include "corio/errors.hpp"

namespace corio {

class event_loop;

namespace detail {

class threadsafe_link;

// The shared, locked state. Completion happens once, by the loop (the
// task's outcome), by cancel() on any thread, or by the loop closing.
class concurrent_state_base : public std::enable_shared_from_this<concurrent_state_base> {
public:
    explicit concurrent_state_base(event_loop& loop) noexcept : loop_(&loop) {}
    virtual ~concurrent_state_base() = default;
    concurrent_state_base(const concurrent_state_base&) = delete;
    concurrent_state_base& operator=(const concurrent_state_base&) = delete;

    bool done() const noexcept { return status_.load(std::memory_order_acquire) != pending; }
    bool cancelled() const noexcept { return status_.load(std::memory_order_acquire) == cancelled_status; }
    event_loop& loop() const noexcept { return *loop_; }

    void wait() const;
    // False on timeout.
    bool wait_until(std::chrono::steady_clock::time_point deadline) const;
    // Once done: throws cancelled_error or the stored exception.
    void rethrow_if_failed() const;
    std::exception_ptr stored_exception() const;

    bool cancel(std::string message);
    bool set_exception(std::exception_ptr e);
    bool set_cancelled(std::string message);

    // Loop side of run_coroutine_threadsafe. launched(): the task exists; false
    // if cancel() came first (the caller then cancels the task).
    bool launched(threadsafe_link* link);
    threadsafe_link* link = nullptr;  // loop thread only

    // `fn` runs once done, on the completing thread, under the state's lock
    // (keep it short: it posts to a loop). Returns an id, or 0 if already done.
    std::uint64_t add_waiter(std::function<void()> fn);
    // False if it has already run (or was never there).
    bool remove_waiter(std::uint64_t id);

protected:
    enum : unsigned char { pending, finished, cancelled_status };

    // Runs fill() and completes, unless already done.
    template <class Fill>
    bool finish_with(Fill&& fill) {
        std::unique_lock lock(mutex_);
        if (done()) return false;
        fill();
        complete(lock, finished);
        return true;
    }

private:
    void complete(std::unique_lock<std::mutex>& lock, unsigned char status);
    void check_not_on_loop(const char* what) const;

    mutable std::mutex mutex_;
    mutable std::condition_variable cv_;
    mutable int sleepers_ = 0;
    std::atomic<unsigned char> status_{pending};
    bool launched_ = false;
    std::exception_ptr error_;
    std::string cancel_message_;
    std::vector<std::pair<std::uint64_t, std::function<void()>>> waiters_;
    std::uint64_t next_waiter_ = 1;
    event_loop* loop_;
};

template <class T>
class concurrent_state final : public concurrent_state_base {
public:
    using concurrent_state_base::concurrent_state_base;

    template <class Make>
    bool set_value_from(Make&& make) {
        return finish_with([&] {
            if constexpr (std::is_void_v<T>)
                make();
            else
                slot_.set(make());
        });
    }
    // Once done: the value (a copy, or moved out if T is move-only).
    T take() {
        rethrow_if_failed();
        return slot_.take();
    }

private:
    result_slot<T> slot_;
};

// The non-template half of `co_await concurrent_future`.
class concurrent_waiter : public parked_awaiter {
public:
    explicit concurrent_waiter(std::shared_ptr<concurrent_state_base> s) noexcept : state_(std::move(s)) {}
    ~concurrent_waiter();

    bool await_ready() const noexcept { return state_->done(); }
    void await_suspend(std::coroutine_handle<> h);

protected:
    bool cancelled_ = false;

private:
    struct wake_ctl {
        concurrent_waiter* self;  // the awaiting loop's thread only; null once gone
    };
    bool request_cancel(const std::string& message) override;
    std::string describe() const override { return "awaiting concurrent_future"; }
    void woken() noexcept;

    std::shared_ptr<concurrent_state_base> state_;
    std::shared_ptr<wake_ctl> ctl_;
    std::uint64_t waiter_ = 0;
};

template <class T>
class concurrent_awaiter final : public concurrent_waiter {
public:
    explicit concurrent_awaiter(std::shared_ptr<concurrent_state<T>> s) noexcept
        : concurrent_waiter(s), state_(std::move(s)) {}
    T await_resume() {
        resume_or_throw(cancelled_);
        return state_->take();
    }

private:
    std::shared_ptr<concurrent_state<T>> state_;
};

}  // namespace detail

template <class T = void>
class concurrent_future {
public:
    using value_type = T;

    concurrent_future() = default;
    explicit concurrent_future(std::shared_ptr<detail::concurrent_state<T>> s) noexcept : s_(std::move(s)) {}

    bool valid() const noexcept { return static_cast<bool>(s_); }
    bool done() const { return state().done(); }
    bool cancelled() const { return state().cancelled(); }
    // False if already done. Otherwise the future is cancelled now and its
    // task is asked to cancel on its loop.
    bool cancel(std::string message = {}) const { return state().cancel(std::move(message)); }

    // Blocks until done; the result (copied, or moved out if T is move-only),
    // rethrows the coroutine's exception, cancelled_error if cancelled.
    T get() const {
        state().wait();
        return s_->take();
    }
    void wait() const { state().wait(); }
    template <class Rep, class Period>
    std::future_status wait_for(std::chrono::duration<Rep, Period> d) const {
        return wait_until(std::chrono::steady_clock::now() + d);
    }
    template <class Clock, class Duration>
    std::future_status wait_until(std::chrono::time_point<Clock, Duration> deadline) const {
        const auto steady_deadline =
            std::chrono::steady_clock::now() +
            std::chrono::ceil<std::chrono::steady_clock::duration>(deadline - Clock::now());
        return state().wait_until(steady_deadline) ? std::future_status::ready : std::future_status::timeout;
    }
    // Blocks until done; the exception or null (cancelled_error if cancelled).
    std::exception_ptr exception() const {
        state().wait();
        return s_->stored_exception();
    }

    // From a coroutine on any loop (asyncio.wrap_future): does not block.
    detail::concurrent_awaiter<T> operator co_await() const { return detail::concurrent_awaiter<T>(s_ptr()); }

private:
    detail::concurrent_state<T>& state() const {
        if (!s_) throw invalid_state_error("concurrent_future has no state");
        return *s_;
    }
    const std::shared_ptr<detail::concurrent_state<T>>& s_ptr() const {
        state();
        return s_;
    }

    std::shared_ptr<detail::concurrent_state<T>> s_;
};

}  // namespace corio
