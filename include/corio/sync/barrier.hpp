// corio/sync/barrier.hpp: barrier (asyncio.Barrier).
//
//     corio::barrier b(3);
//     std::size_t i = co_await b.wait();   // returns when 3 tasks are waiting
//
// Tasks block in wait() until `parties` of them are waiting; then all are
// released together and each gets a distinct arrival index in [0, parties).
// The barrier is reusable: tasks arriving while the previous round drains
// wait for the next round. abort() breaks it (every current and future
// wait() throws broken_barrier_error); reset() makes current waiters throw
// broken_barrier_error and returns it to the filling state. Loop-local.
// Cancellation: a waiter cancelled in wait() leaves the barrier (it no longer
// counts towards `parties`) and throws cancelled_error.
#pragma once

#include <concepts>
#include <cstddef>
#include <string>

#include "corio/coro.hpp"
#include "corio/detail/count_arg.hpp"
#include "corio/sync/condition.hpp"

namespace corio {

class barrier {
public:
    enum class state { filling, draining, resetting, broken };

    // std::invalid_argument if parties < 1.
    template <std::integral I>
    explicit barrier(I parties) : barrier(detail::signed_count(parties), checked_tag{}) {}
    barrier(const barrier&) = delete;
    barrier& operator=(const barrier&) = delete;

    coro<std::size_t> wait();
    coro<void> reset();
    coro<void> abort();

    std::size_t parties() const noexcept { return parties_; }
    // Tasks waiting for the current round to fill.
    std::size_t n_waiting() const noexcept { return state_ == state::filling ? count_ : 0; }
    bool broken() const noexcept { return state_ == state::broken; }
    state current_state() const noexcept { return state_; }
    // "filling", "draining", "resetting" or "broken" (asyncio's repr).
    std::string describe() const;

private:
    struct checked_tag {};
    barrier(std::ptrdiff_t parties, checked_tag);

    coro<void> block();
    coro<void> wait_for_release();
    void release_all();
    void leave();

    condition cond_;
    std::size_t parties_;
    std::size_t count_ = 0;  // tasks inside wait()
    state state_ = state::filling;
};

}  // namespace corio
