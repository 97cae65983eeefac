#include "corio/sync/condition.hpp"

#include <exception>
#include <stdexcept>

namespace corio {

coro<bool> condition::wait() {
    if (!locked()) throw std::logic_error("condition.wait(): the lock is not acquired");
    lock_->release();

    std::exception_ptr error;
    bool notified = false;
    {
        detail::list_waiter w(waiters_, "condition.wait");
        try {
            co_await w;
        } catch (...) {
            error = std::current_exception();
        }
        notified = w.woken();
    }

    // The caller holds the lock when wait() ends, however it ends: keep
    // trying through cancellations, and report the last one (asyncio).
    for (;;) {
        try {
            auto acquiring = lock_->acquire();
            co_await acquiring;
            break;
        } catch (const cancelled_error&) {
            error = std::current_exception();
        }
    }

    if (error) {
        // We may have consumed a notify() that we will not act on.
        if (notified) wake(1);
        std::rethrow_exception(error);
    }
    co_return true;
}

void condition::notify(std::ptrdiff_t n) {
    if (!locked()) throw std::logic_error("condition.notify(): the lock is not acquired");
    if (n > 0) wake(static_cast<std::size_t>(n));
}

void condition::notify_all() {
    if (!locked()) throw std::logic_error("condition.notify_all(): the lock is not acquired");
    wake(waiters_.size());
}

void condition::wake(std::size_t n) {
    for (; n > 0 && !waiters_.empty(); --n) waiters_.pop_front()->notify();
}

}  // namespace corio
