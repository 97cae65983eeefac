#include "corio/sync/lock.hpp"

#include <stdexcept>

namespace corio {

// The waiter was woken by release() or cancelled while in line. A woken
// waiter that is cancelled before it runs must not take the lock, and must
// not leave the next waiter stranded either (asyncio's _wake_up_first in
// acquire's `except CancelledError`).
void lock::finish_acquire(detail::list_waiter& w) {
    try {
        w.await_resume();
    } catch (...) {
        if (w.woken() && !locked_) wake_first();
        throw;
    }
    locked_ = true;
}

void lock::wake_first() {
    if (in_transit_ || waiters_.empty()) return;  // someone is already on the way
    waiters_.pop_front()->notify(&in_transit_);
}

void lock::throw_not_acquired() { throw std::logic_error("lock.release(): the lock is not acquired"); }

}  // namespace corio
