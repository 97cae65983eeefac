#include "corio/sync/semaphore.hpp"

#include <limits>
#include <stdexcept>
#include <string>

namespace corio {
namespace {

std::size_t checked_initial_value(std::ptrdiff_t value) {
    if (value < 0)
        throw std::invalid_argument("semaphore: the initial value must be >= 0, got " + std::to_string(value));
    return static_cast<std::size_t>(value);
}

}  // namespace

semaphore::semaphore(std::ptrdiff_t value, bool bounded)
    : value_(checked_initial_value(value)), bound_(bounded ? value_ : std::numeric_limits<std::size_t>::max()) {}

// The waiter was handed a permit by wake_next(), or cancelled while in line
// (asyncio's Semaphore.acquire after its `await fut`).
void semaphore::finish_acquire(detail::list_waiter& w) {
    try {
        w.await_resume();
    } catch (...) {
        if (w.woken()) ++value_;  // handed a permit we will not use: give it back
        wake_while_available();
        throw;
    }
    // Newcomers that queued up behind us (FIFO) while permits were free.
    wake_while_available();
}

// Hands one free permit to the first waiter.
bool semaphore::wake_next() {
    if (waiters_.empty()) return false;
    --value_;
    waiters_.pop_front()->notify(&in_transit_);
    return true;
}

void semaphore::wake_while_available() {
    while (value_ > 0 && wake_next()) {
    }
}

void semaphore::throw_over_released() {
    throw std::invalid_argument("bounded_semaphore.release(): released too many times");
}

}  // namespace corio
