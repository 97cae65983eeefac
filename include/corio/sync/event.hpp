// corio/sync/event.hpp: event (asyncio.Event).
//
// A flag that tasks can wait for: set() wakes every waiter, and wait() on a
// set event returns at once without suspending. clear() resets the flag; a
// waiter already woken by set() still returns. Loop-local: not thread-safe.
// Cancellation: a cancelled wait() throws cancelled_error and leaves the line;
// nothing is consumed, so no other waiter is affected.
#pragma once

#include <coroutine>
#include <cstddef>
#include <optional>

#include "corio/detail/wait_list.hpp"

namespace corio {

class event {
public:
    // The waiter is only built when the event is not set.
    class wait_awaiter {
    public:
        explicit wait_awaiter(event& e) noexcept : event_(e) {}
        // Movable until awaited (so generic wrappers can take it by value).
        wait_awaiter(wait_awaiter&& o) noexcept : event_(o.event_) {}
        bool await_ready() const noexcept { return event_.value_; }
        void await_suspend(std::coroutine_handle<> h) {
            waiter_.emplace(event_.waiters_, "event.wait");
            waiter_->await_suspend(h);
        }
        bool await_resume() {
            if (waiter_) waiter_->await_resume();
            return true;
        }

    private:
        event& event_;
        std::optional<detail::list_waiter> waiter_;
    };

    event() = default;
    event(const event&) = delete;
    event& operator=(const event&) = delete;

    void set() {
        if (value_) return;
        value_ = true;
        while (!waiters_.empty()) waiters_.pop_front()->notify();
    }
    void clear() noexcept { value_ = false; }
    bool is_set() const noexcept { return value_; }
    // Awaits the flag; the awaited value is always true (as asyncio's).
    wait_awaiter wait() noexcept { return wait_awaiter(*this); }
    // Tasks waiting for set().
    std::size_t waiters() const noexcept { return waiters_.size(); }

private:
    detail::wait_list waiters_;
    bool value_ = false;
};

}  // namespace corio
