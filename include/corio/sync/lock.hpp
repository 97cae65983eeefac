// corio/sync/lock.hpp: lock (asyncio.Lock).
//
//     co_await l.acquire();  ...  l.release();
//     auto guard = co_await l.scoped();   // released at the end of the scope
//
// A lock is not owned by a task: any task may release it. Waiters are served
// in FIFO order: release() wakes the first waiter and nobody can take the
// lock until that waiter has run, so a newcomer never jumps the queue.
// Acquiring a free lock with nobody waiting neither suspends nor allocates.
// Loop-local: not thread-safe (use call_soon_threadsafe to reach the loop).
// Cancellation: a waiter cancelled before it is woken leaves the line; one
// cancelled after release() woke it gives the turn to the next waiter. Either
// way acquire() throws cancelled_error and the lock is not taken.
#pragma once

#include <coroutine>
#include <cstddef>
#include <optional>

#include "corio/detail/wait_list.hpp"
#include "corio/sync/guard.hpp"

namespace corio {

class lock {
public:
    using guard = release_guard<lock>;

    // The waiter is only built when the lock is taken: the free-lock path
    // just tests and sets a flag.
    class acquire_awaiter {
    public:
        explicit acquire_awaiter(lock& l) noexcept : lock_(l) {}
        // Movable until awaited (so generic wrappers can take it by value).
        acquire_awaiter(acquire_awaiter&& o) noexcept : lock_(o.lock_) {}
        bool await_ready() noexcept { return lock_.try_acquire(); }
        void await_suspend(std::coroutine_handle<> h) {
            waiter_.emplace(lock_.waiters_, "lock.acquire");
            waiter_->await_suspend(h);
        }
        bool await_resume() {
            if (waiter_) lock_.finish_acquire(*waiter_);
            return true;
        }

    protected:
        lock& lock_;
        std::optional<detail::list_waiter> waiter_;
    };

    class scoped_awaiter : public acquire_awaiter {
    public:
        using acquire_awaiter::acquire_awaiter;
        guard await_resume() {
            acquire_awaiter::await_resume();
            return guard(lock_);
        }
    };

    lock() = default;
    lock(const lock&) = delete;
    lock& operator=(const lock&) = delete;

    // Awaits the lock; the awaited value is always true (as asyncio's).
    acquire_awaiter acquire() noexcept { return acquire_awaiter(*this); }
    // Awaits the lock and returns a guard that releases it.
    scoped_awaiter scoped() noexcept { return scoped_awaiter(*this); }
    // std::logic_error if the lock is not locked.
    void release() {
        if (!locked_) throw_not_acquired();
        locked_ = false;
        if (!waiters_.empty()) wake_first();
    }
    bool locked() const noexcept { return locked_; }
    // Tasks queued in acquire() (not counting one already woken).
    std::size_t waiters() const noexcept { return waiters_.size(); }

private:
    bool try_acquire() noexcept {
        if (locked_ || in_transit_ || !waiters_.empty()) return false;
        locked_ = true;
        return true;
    }
    void finish_acquire(detail::list_waiter& w);
    void wake_first();
    [[noreturn]] static void throw_not_acquired();

    detail::wait_list waiters_;
    std::size_t in_transit_ = 0;  // woken by release(), not yet run (0 or 1)
    bool locked_ = false;
};

}  // namespace corio
