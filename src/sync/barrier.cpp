#include "corio/sync/barrier.hpp"

#include <exception>
#include <stdexcept>

namespace corio {

// The algorithm is asyncio's Barrier (itself threading.Barrier's): a
// condition guards `count_` and `state_`, and every state change is
// broadcast with notify_all().

barrier::barrier(std::ptrdiff_t parties, checked_tag) : parties_(static_cast<std::size_t>(parties)) {
    if (parties < 1) throw std::invalid_argument("barrier: parties must be >= 1, got " + std::to_string(parties));
}

coro<std::size_t> barrier::wait() {
    auto guard = co_await cond_.scoped();
    // Wait for the previous round to drain or reset, if it still is.
    auto blocking = block();
    co_await blocking;

    const std::size_t index = count_++;
    std::exception_ptr error;
    try {
        if (index + 1 == parties_) {
            release_all();
        } else {
            auto waiting = wait_for_release();
            co_await waiting;
        }
    } catch (...) {
        error = std::current_exception();
    }
    --count_;
    leave();
    if (error) std::rethrow_exception(error);
    co_return index;
}

coro<void> barrier::block() {
    auto settled = cond_.wait_for([this] { return state_ != state::draining && state_ != state::resetting; });
    co_await settled;
    if (state_ == state::broken) throw broken_barrier_error();
}

void barrier::release_all() {
    state_ = state::draining;
    cond_.notify_all();
}

coro<void> barrier::wait_for_release() {
    auto released = cond_.wait_for([this] { return state_ != state::filling; });
    co_await released;
    if (state_ == state::broken || state_ == state::resetting) throw broken_barrier_error();
}

// The last task out of a draining or resetting barrier opens the next round.
void barrier::leave() {
    if (count_ != 0) return;
    if (state_ == state::resetting || state_ == state::draining) state_ = state::filling;
    cond_.notify_all();
}

coro<void> barrier::reset() {
    auto guard = co_await cond_.scoped();
    if (count_ > 0)
        state_ = state::resetting;
    else
        state_ = state::filling;
    cond_.notify_all();
}

coro<void> barrier::abort() {
    auto guard = co_await cond_.scoped();
    state_ = state::broken;
    cond_.notify_all();
}

std::string barrier::describe() const {
    switch (state_) {
        case state::filling: return "filling, waiters:" + std::to_string(n_waiting()) + "/" + std::to_string(parties_);
        case state::draining: return "draining, waiters:0/" + std::to_string(parties_);
        case state::resetting: return "resetting, waiters:0/" + std::to_string(parties_);
        case state::broken: return "broken";
    }
    return {};
}

}  // namespace corio
