// corio/sync/condition.hpp: condition (asyncio.Condition).
//
//     corio::condition cv;              // with its own lock, or cv(some_lock)
//     auto guard = co_await cv.scoped();
//     co_await cv.wait_for([&] { return !items.empty(); });
//     ... elsewhere, holding the lock: cv.notify(); / cv.notify_all();
//
// wait() releases the lock, waits for notify(), and re-acquires the lock
// before returning (even when cancelled, as asyncio). Waiters are notified in
// FIFO order. wait(), notify() and notify_all() without holding the lock
// throw std::logic_error. Loop-local: not thread-safe.
// Cancellation: wait() still re-acquires the lock, then throws
// cancelled_error; a waiter that had already been notified passes the
// notification on to the next waiter, so a cancellation never swallows a
// notify().
#pragma once

#include <cstddef>
#include <type_traits>

#include "corio/coro.hpp"
#include "corio/detail/wait_list.hpp"
#include "corio/sync/lock.hpp"

namespace corio {

class condition {
public:
    using guard = lock::guard;

    condition() noexcept : lock_(&own_lock_) {}
    explicit condition(lock& l) noexcept : lock_(&l) {}
    condition(const condition&) = delete;
    condition& operator=(const condition&) = delete;

    // The underlying lock's acquire, scoped, release and locked.
    lock::acquire_awaiter acquire() noexcept { return lock_->acquire(); }
    lock::scoped_awaiter scoped() noexcept { return lock_->scoped(); }
    void release() { lock_->release(); }
    bool locked() const noexcept { return lock_->locked(); }

    // Releases the lock, waits to be notified, re-acquires the lock. May
    // return spuriously (a waiter that passes a notification on), so callers
    // re-check their predicate: wait_for() does. Awaits to true.
    coro<bool> wait();

    // Waits until pred() is truthy and returns its final value. Does not need
    // the lock if pred() is already true.
    template <class Pred>
    coro<std::decay_t<std::invoke_result_t<Pred&>>> wait_for(Pred pred) {
        auto result = pred();
        while (!static_cast<bool>(result)) {
            co_await wait();
            result = pred();
        }
        co_return result;
    }

    // Wakes up to n waiters (they return from wait() once they get the lock);
    // n <= 0 wakes none, as asyncio.
    void notify(std::ptrdiff_t n = 1);
    void notify_all();
    // Tasks waiting for a notification.
    std::size_t waiters() const noexcept { return waiters_.size(); }

private:
    void wake(std::size_t n);

    lock own_lock_;
    lock* lock_;
    detail::wait_list waiters_;
};

}  // namespace corio
