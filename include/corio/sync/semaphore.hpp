// corio/sync/semaphore.hpp: semaphore and bounded_semaphore
// (asyncio.Semaphore, asyncio.BoundedSemaphore).
//
//     corio::semaphore slots(10);
//     auto permit = co_await slots.scoped();   // at most 10 tasks in here
//
// A counter of permits: acquire() takes one (waiting while there are none),
// release() gives one back. FIFO-fair: release() hands the permit to the
// first waiter, and while anyone waits or a woken waiter has not run yet, a
// newcomer queues up behind them even if permits are free (locked() is then
// true). Taking a free permit neither suspends nor allocates.
// bounded_semaphore::release() beyond the initial value throws
// std::invalid_argument. Loop-local: not thread-safe.
// Cancellation: acquire() throws cancelled_error and takes no permit; a
// waiter cancelled after being handed a permit gives it back to the next one.
#pragma once

#include <concepts>
#include <coroutine>
#include <cstddef>
#include <optional>

#include "corio/detail/count_arg.hpp"
#include "corio/detail/wait_list.hpp"
#include "corio/sync/guard.hpp"

namespace corio {

class semaphore {
public:
    using guard = release_guard<semaphore>;

    // The waiter is only built when there is no free permit.
    class acquire_awaiter {
    public:
        explicit acquire_awaiter(semaphore& s) noexcept : sem_(s) {}
        // Movable until awaited (so generic wrappers can take it by value).
        acquire_awaiter(acquire_awaiter&& o) noexcept : sem_(o.sem_) {}
        bool await_ready() noexcept { return sem_.try_acquire(); }
        void await_suspend(std::coroutine_handle<> h) {
            waiter_.emplace(sem_.waiters_, "semaphore.acquire");
            waiter_->await_suspend(h);
        }
        bool await_resume() {
            if (waiter_) sem_.finish_acquire(*waiter_);
            return true;
        }

    protected:
        semaphore& sem_;
        std::optional<detail::list_waiter> waiter_;
    };

    class scoped_awaiter : public acquire_awaiter {
    public:
        using acquire_awaiter::acquire_awaiter;
        guard await_resume() {
            acquire_awaiter::await_resume();
            return guard(sem_);
        }
    };

    // std::invalid_argument if value < 0.
    template <std::integral I = int>
    explicit semaphore(I value = 1) : semaphore(detail::signed_count(value), false) {}
    semaphore(const semaphore&) = delete;
    semaphore& operator=(const semaphore&) = delete;

    // Awaits a permit; the awaited value is always true (as asyncio's).
    acquire_awaiter acquire() noexcept { return acquire_awaiter(*this); }
    // Awaits a permit and returns a guard that releases it.
    scoped_awaiter scoped() noexcept { return scoped_awaiter(*this); }
    void release() {
        if (value_ + in_transit_ >= bound_) throw_over_released();
        ++value_;
        wake_next();
    }
    // True if acquire() would suspend.
    bool locked() const noexcept { return value_ == 0 || in_transit_ || !waiters_.empty(); }
    // Free permits (not counting those handed to woken waiters).
    std::size_t value() const noexcept { return value_; }
    // Tasks queued in acquire() (not counting woken ones).
    std::size_t waiters() const noexcept { return waiters_.size(); }

protected:
    semaphore(std::ptrdiff_t value, bool bounded);

private:
    bool try_acquire() noexcept {
        if (locked()) return false;
        --value_;
        return true;
    }
    void finish_acquire(detail::list_waiter& w);
    bool wake_next();
    void wake_while_available();
    [[noreturn]] static void throw_over_released();

    detail::wait_list waiters_;
    std::size_t value_;
    std::size_t in_transit_ = 0;  // woken waiters holding a permit, not yet run
    std::size_t bound_;           // release() past this many free permits throws
};

// A semaphore whose release() throws std::invalid_argument when every permit
// is already free (a release without a matching acquire).
class bounded_semaphore : public semaphore {
public:
    template <std::integral I = int>
    explicit bounded_semaphore(I value = 1) : semaphore(detail::signed_count(value), true) {}
};

}  // namespace corio
